"""compiler/transforms/ and compiler/conversion/ hold passes only: one per file, named after its CLI name."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from xdsl.passes import ModulePass

from dlfc.compiler import conversion, transforms
from dlfc.compiler.passes import PASSES, is_dlfc_pass

PASS_MODULES = sorted(
    f"{package.__name__}.{info.name}"
    for package in (transforms, conversion)
    for info in pkgutil.iter_modules(package.__path__)
)


@pytest.mark.parametrize("module_name", PASS_MODULES)
def test_each_file_defines_one_pass_named_after_it(module_name: str) -> None:
    module = importlib.import_module(module_name)
    passes = [
        cls
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, ModulePass) and cls.__module__ == module_name
    ]
    assert len(passes) == 1, f"{module_name} defines {[cls.__name__ for cls in passes]}"
    (pass_class,) = passes
    assert pass_class.name.replace("-", "_") == module_name.rpartition(".")[2]
    assert PASSES[pass_class.name] == f"{module_name}:{pass_class.__name__}"


def test_every_dlfc_pass_has_its_file() -> None:
    dlfc_passes = {name: reference for name, reference in PASSES.items() if is_dlfc_pass(name)}
    assert sorted(reference.partition(":")[0] for reference in dlfc_passes.values()) == PASS_MODULES
