"""What `pip install .` installs: one top-level name, `dlfc`, with every module of the source folders.

The wheel is built as `pip install .` builds it (`pip wheel --no-deps`, in an
isolated environment with pyproject's build requirements), from a copy of the
sources, so that no stale `build/` directory can add or hide a module.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE_FOLDERS = ("compiler", "dialects", "hw")
"""The product's top-level folders, installed as dlfc.compiler, dlfc.dialects, dlfc.hw."""


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The names of every file in the wheel of the repository's sources."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in SOURCE_FOLDERS:
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), "."]
    done = subprocess.run(command, cwd=source, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("dlfc-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def source_files() -> list[str]:
    """Every module and data file of the source folders, as the wheel must name it (`dlfc/compiler/cli.py`)."""
    return sorted(
        f"dlfc/{path.relative_to(REPO).as_posix()}"
        for folder in SOURCE_FOLDERS
        for path in (REPO / folder).rglob("*")
        if path.is_file() and path.suffix in (".py", ".lark", ".toml") and "__pycache__" not in path.parts
    )


def missing_from(names: Iterable[str], expected: Iterable[str]) -> list[str]:
    present = set(names)
    return [name for name in expected if name not in present]


def test_the_wheel_installs_only_dlfc(wheel_names: list[str]) -> None:
    top_level = {name.split("/")[0] for name in wheel_names}
    (dist_info,) = top_level - {"dlfc"}
    assert top_level == {"dlfc", dist_info}
    assert re.fullmatch(r"dlfc-[\w.]+\.dist-info", dist_info)


def test_the_wheel_holds_every_module_and_data_file(wheel_names: list[str]) -> None:
    """A subpackage left out of pyproject's package list would be missing here."""
    expected = source_files()
    assert "dlfc/compiler/utils/outlining.py" in expected and "dlfc/hw/presets/mlu100.toml" in expected
    assert missing_from(wheel_names, expected) == []


def test_a_subpackage_left_out_is_reported() -> None:
    names = ["dlfc/compiler/cli.py", "dlfc/hw/cost.py"]
    expected = ["dlfc/compiler/cli.py", "dlfc/compiler/utils/outlining.py", "dlfc/hw/cost.py"]
    assert missing_from(names, expected) == ["dlfc/compiler/utils/outlining.py"]


def test_the_commands_point_at_installed_modules(wheel_names: list[str]) -> None:
    """`dlfc`, `dlfc-opt` and the xdsl.universe entry point name modules the wheel holds."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    scripts = project["scripts"]
    assert set(scripts) == {"dlfc", "dlfc-opt"}
    for target in [*scripts.values(), *project["entry-points"]["xdsl.universe"].values()]:
        module = target.partition(":")[0]
        assert f"{module.replace('.', '/')}.py" in wheel_names


PROBE = """
import importlib
import importlib.util
from pathlib import Path

import pytest


@pytest.mark.parametrize(("name", "module"), [("compiler", "cli"), ("dialects", "graph"), ("hw", "cost")])
def test_probe(name, module):
    spec = importlib.util.find_spec(name)
    locations = [] if spec is None else [*(spec.submodule_search_locations or []), spec.origin or ""]
    assert Path({repo!r}, name) not in [Path(location).resolve() for location in locations if location]
    try:
        bare = importlib.import_module(name + "." + module)
    except ModuleNotFoundError:
        bare = None
    assert bare is None or bare.__file__ is None  # at most a folder of test data (a namespace package)
    assert importlib.import_module("dlfc." + name + "." + module).__file__.startswith({source!r})
"""


def dlfc_source() -> Path:
    """Where the dlfc modules of this process come from (the repository for `pip install -e .`)."""
    spec = importlib.util.find_spec("dlfc.compiler")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))).parent


def test_pytest_does_not_make_the_bare_folder_names_importable(tmp_path: Path) -> None:
    """Under the repository's pytest configuration `compiler.cli`, `dialects.graph`, `hw.cost` are not dlfc's modules.

    dlfc's modules are importable only as dlfc.compiler.cli, ...: never a second
    module object for the same file. (`dialects`, `dialects.graph` and `hw`
    resolve to the test folders tests/dialects, tests/dialects/graph and
    tests/hw, as namespace packages that hold no module.) Pytest runs in a
    fresh process with the repository's pyproject.toml, from a directory
    outside it (`python -m` would put its working directory on sys.path).
    """
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE.format(repo=str(REPO), source=str(dlfc_source())))
    command = [sys.executable, "-m", "pytest", "-c", str(REPO / "pyproject.toml"), "--rootdir", str(REPO)]
    command += ["-p", "no:cacheprovider", "-n", "0", "-q", str(probe)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split()[0] == "...", done.stdout  # three probes ran (the config's -q -q prints no summary)


def test_no_module_is_loaded_twice() -> None:
    """No module of this process was imported under a bare folder name (a second object for a dlfc module)."""
    loaded = [
        name
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in SOURCE_FOLDERS
        and getattr(module, "__file__", None)
        and Path(module.__file__).resolve().is_relative_to(REPO)
    ]
    assert loaded == []
