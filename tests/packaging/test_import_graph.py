"""The import graph of the installed `dlfc` package: no cycle, and every edge points down.

A static walk (ast) of every module of dlfc.dialects, dlfc.hw and dlfc.compiler,
counting every import statement wherever it is: at module level, inside a
function (a lazy import is still a dependency), under `if TYPE_CHECKING`.
The layers, from the bottom: dialects → nothing of dlfc; hw → dialects;
compiler → both. Inside compiler, passes do not import the pass manager or
the tools, a conversion does not import a transform, and a transform does not
import another transform (what passes share lives in dlfc.compiler.utils).
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOTS = ("dlfc.dialects", "dlfc.hw", "dlfc.compiler")

# What each root may import besides itself.
ALLOWED_ROOTS = {
    "dlfc.dialects": set(),
    "dlfc.hw": {"dlfc.dialects"},
    "dlfc.compiler": {"dlfc.dialects", "dlfc.hw"},
}

PASS_PACKAGES = ("dlfc.compiler.transforms.", "dlfc.compiler.conversion.", "dlfc.compiler.utils.")
"""Passes and what they share: they build on dialects, hw, statistics and each other's helpers only."""

ABOVE_PASSES = (
    "dlfc.compiler.pipeline",
    "dlfc.compiler.pass_manager",
    "dlfc.compiler.instruments",
    "dlfc.compiler.plugins",
    "dlfc.compiler.driver",
    "dlfc.compiler.cli",
    "dlfc.compiler.run",
    "dlfc.compiler.opt",
    "dlfc.compiler.frontend",
)
"""The pass manager, the pipelines and the tools: passes are below them."""

KNOWN_PASS_TO_PASS = {("dlfc.compiler.transforms.oracle", "dlfc.compiler.transforms.autotune")}
"""Transform → transform edges that remain (oracle borrows autotune's search helpers), until they move to utils."""


def module_files() -> dict[str, Path]:
    """Module name -> source file, for every module of the installed package."""
    files: dict[str, Path] = {}
    for root in ROOTS:
        spec = importlib.util.find_spec(root)
        assert spec is not None and spec.submodule_search_locations, f"{root} is not installed"
        for location in spec.submodule_search_locations:
            for path in sorted(Path(location).rglob("*.py")):
                parts = path.relative_to(location).with_suffix("").parts
                name = ".".join((root, *parts)).removesuffix(".__init__")
                files[name] = path
    return files


def imported_modules(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(dlfc module, line) for every import in the module: `from p import m` names module p.m when it is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("dlfc."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("dlfc."):
                continue
            submodules = [f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in known]
            names = [alias.name for alias in node.names if f"{module}.{alias.name}" not in known]
            for submodule in submodules:
                yield submodule, node.lineno
            if names:
                yield module, node.lineno


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {imported dlfc module: line of the first such import}."""
    files = module_files()
    known = set(files)
    graph: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        edges: dict[str, int] = {}
        for target, line in imported_modules(name, path, known):
            if target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def root_of(module: str) -> str:
    return next(root for root in ROOTS if module == root or module.startswith(root + "."))


def upward_edges(graph: dict[str, dict[str, int]]) -> list[str]:
    """Every import that breaks a layering rule, as `importer:line -> imported (rule)`."""
    problems = []
    for module, edges in graph.items():
        root = root_of(module)
        for target, line in edges.items():
            where = f"{module}:{line} -> {target}"
            if not any(target == r or target.startswith(r + ".") for r in ROOTS):
                problems.append(f"{where} (not a module of the package)")
                continue
            target_root = root_of(target)
            if target_root != root and target_root not in ALLOWED_ROOTS[root]:
                problems.append(f"{where} ({root} may import only {sorted(ALLOWED_ROOTS[root]) or 'itself'})")
            if module.startswith(PASS_PACKAGES) and target.startswith(ABOVE_PASSES):
                problems.append(f"{where} (a pass imports the pass manager or a tool)")
            if module.startswith("dlfc.compiler.conversion.") and target.startswith("dlfc.compiler.transforms."):
                problems.append(f"{where} (a conversion imports a transform)")
            if (
                module.startswith("dlfc.compiler.transforms.")
                and target.startswith("dlfc.compiler.transforms.")
                and (module, target) not in KNOWN_PASS_TO_PASS
            ):
                problems.append(f"{where} (a transform imports another transform)")
    return problems


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle of the graph, as the list of its modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in graph.get(module, {}):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)) is not None:
            return cycle
    return None


def test_the_walk_sees_every_kind_of_import() -> None:
    """Function-level and `from package import module` imports are edges (a walk that missed them proves nothing)."""
    graph = import_graph()
    assert len(graph) > 50
    assert "dlfc.compiler.frontend.onnx" in graph["dlfc.compiler.driver"]  # imported inside read_onnx
    assert "dlfc.dialects.graph" in graph["dlfc.dialects"]  # imported inside get_all_dialects
    assert "dlfc.dialects.accel" in graph["dlfc.hw.cost"]  # `from dlfc.dialects import accel, ...`


def test_no_upward_edge() -> None:
    assert upward_edges(import_graph()) == []


def test_no_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"dlfc.hw.a": {"dlfc.compiler.b": 3}, "dlfc.compiler.b": {}}, ["dlfc.hw.a:3 -> dlfc.compiler.b"]),
        ({"dlfc.dialects.a": {"dlfc.hw.b": 1}, "dlfc.hw.b": {}}, ["dlfc.dialects.a:1 -> dlfc.hw.b"]),
        (
            {"dlfc.compiler.transforms.a": {"dlfc.compiler.pass_manager": 7}},
            ["dlfc.compiler.transforms.a:7 -> dlfc.compiler.pass_manager"],
        ),
        (
            {"dlfc.compiler.conversion.a": {"dlfc.compiler.transforms.b": 2}},
            ["dlfc.compiler.conversion.a:2 -> dlfc.compiler.transforms.b"],
        ),
        ({"dlfc.compiler.cli": {"dlfc.hw.cost": 1, "dlfc.dialects": 2}}, []),
    ],
)
def test_the_rules_catch_upward_edges(graph: dict[str, dict[str, int]], expected: list[str]) -> None:
    assert [problem.partition(" (")[0] for problem in upward_edges(graph)] == expected


def test_the_cycle_finder_finds_a_lazy_cycle() -> None:
    graph = {"dlfc.compiler.a": {"dlfc.compiler.b": 1}, "dlfc.compiler.b": {"dlfc.compiler.a": 9}}
    assert find_cycle(graph) == ["dlfc.compiler.a", "dlfc.compiler.b", "dlfc.compiler.a"]


def test_front_ends_know_nothing_of_the_command_line() -> None:
    """The importers take plain arguments: none imports argparse (the driver adapts the command line to them)."""
    for name, path in module_files().items():
        if name.startswith("dlfc.compiler.frontend"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
            imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
            assert "argparse" not in imported, name
