"""Pass plugins: passes written outside dlfc, registered by their `name`.

A pass is an xDSL `ModulePass` subclass (a frozen dataclass whose fields are
its options) with a class attribute `name`, its CLI name. It reaches dlfc in
one of two ways:

1. A Python file given to `dlfc --load-pass-plugin FILE.py`: every concrete
   `ModulePass` subclass *defined* in that file (not imported into it) is
   registered under its `name`.
2. An installed package declaring one entry point per pass in the group
   `dlfc.passes`, named after the pass and pointing at its class::

       [project.entry-points."dlfc.passes"]
       graph-fold-relu = "my_passes.fold_relu:GraphFoldReluPass"

   Installed passes are imported only when a pipeline uses them.

A name may be registered once: a plugin pass named like a dlfc pass, or like
another plugin's pass, is an error.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from xdsl.passes import ModulePass

from dlfc.compiler.pass_manager import describe_user_code_exception
from dlfc.compiler.passes import PassFactory, get_all_passes

ENTRY_POINT_GROUP = "dlfc.passes"


class PluginError(Exception):
    """A pass plugin could not be loaded or clashes with a registered pass (one-line message)."""


@dataclass
class PassRegistry:
    """Every pass a dlfc invocation can run: name -> factory, with where each came from."""

    factories: dict[str, PassFactory] = field(default_factory=dict[str, PassFactory])
    origins: dict[str, str] = field(default_factory=dict[str, str])

    def add(self, name: str, factory: PassFactory, origin: str) -> None:
        if name in self.factories:
            raise PluginError(f"{origin}: pass '{name}' is already registered by {self.origins[name]}")
        self.factories[name] = factory
        self.origins[name] = origin

    def add_file(self, path: str) -> None:
        """Register the passes defined in a plugin file (`--load-pass-plugin`)."""
        for pass_class in passes_in_module(import_plugin_file(path), path):
            self.add(pass_class.name, lambda c=pass_class: c, path)

    def add_entry_points(self, points: Iterable[EntryPoint]) -> None:
        """Register installed passes (one entry point per pass, named like the pass)."""
        for point in points:
            origin = f"package {point.dist.name}" if point.dist is not None else f"entry point {point.value}"
            self.add(point.name, lambda p=point: load_entry_point(p), origin)


def make_registry(plugin_files: Iterable[str] = ()) -> PassRegistry:
    """dlfc's passes, the installed plugins' passes and those of `plugin_files`."""
    registry = PassRegistry()
    for name, factory in get_all_passes().items():
        registry.add(name, factory, "dlfc")
    registry.add_entry_points(entry_points(group=ENTRY_POINT_GROUP))
    for path in plugin_files:
        registry.add_file(path)
    return registry


def import_plugin_file(path: str) -> ModuleType:
    """Import a Python file as a uniquely named module."""
    if not os.path.isfile(path):
        raise PluginError(f"{path}: no such file")
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    name = f"dlfc_plugin_{stem}"
    counter = 0
    while name in sys.modules and getattr(sys.modules[name], "__file__", None) != os.path.abspath(path):
        counter += 1
        name = f"dlfc_plugin_{stem}_{counter}"
    spec = importlib.util.spec_from_file_location(name, os.path.abspath(path))
    if spec is None or spec.loader is None:
        raise PluginError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing look the module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[name]
        raise PluginError(f"{path}: cannot load pass plugin: {describe_user_code_exception(e)}") from e
    return module


def passes_in_module(module: ModuleType, origin: str) -> list[type[ModulePass]]:
    """The concrete ModulePass subclasses defined in `module`, each with a `name`."""
    passes: list[type[ModulePass]] = []
    for value in vars(module).values():
        if not (isinstance(value, type) and issubclass(value, ModulePass)):
            continue
        if value.__module__ != module.__name__ or inspect.isabstract(value):
            continue
        if not isinstance(getattr(value, "name", None), str):
            raise PluginError(f"{origin}: pass class {value.__name__} has no `name` (its CLI name)")
        passes.append(value)
    if not passes:
        raise PluginError(f"{origin}: defines no ModulePass subclass")
    return passes


def load_entry_point(point: EntryPoint) -> type[ModulePass]:
    """Import the pass class an entry point names, checking it is the pass it claims to be."""
    try:
        value = point.load()
    except Exception as e:
        raise PluginError(f"installed pass '{point.name}' ({point.value}): {describe_user_code_exception(e)}") from e
    if not (isinstance(value, type) and issubclass(value, ModulePass)):
        raise PluginError(f"installed pass '{point.name}': {point.value} is not a ModulePass subclass")
    if getattr(value, "name", None) != point.name:
        raise PluginError(
            f"installed pass '{point.name}': {point.value} is named '{getattr(value, 'name', None)}', "
            "not like its entry point"
        )
    return value
