"""Pass plugins: --load-pass-plugin FILE.py and the `dlfc.passes` entry points (issue 7, item 5)."""

from __future__ import annotations

import ast
import re
import shlex
import shutil
import subprocess
import textwrap
import tomllib
from pathlib import Path

import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.xdsl_opt_main import xDSLOptMain

from cli.conftest import PLUGINS, REPO, Dlfc, parse
from cli.test_compile import assert_one_line_error
from dlfc.compiler import api
from dlfc.compiler.api import make_context
from dlfc.compiler.cli import main
from dlfc.compiler.opt import main as dlfc_opt_main
from dlfc.compiler.plugins import ENTRY_POINT_GROUP, import_plugin_file
from dlfc.dialects import accel, graph

TINY = PLUGINS / "tiny.dlm"
FOLD_RELU = PLUGINS / "graph_fold_relu.py"
CAP_CORES = PLUGINS / "accel_cap_cores.py"


def relu_count(text: str) -> int:
    return sum(isinstance(op, graph.ReluOp) for op in parse(text).walk())


def kernel_cores(text: str) -> list[int]:
    return [op.core_count for op in parse(text).walk() if isinstance(op, accel.KernelOp)]


@pytest.fixture
def wide_plan(dlfc: Dlfc, tmp_path: Path) -> Path:
    """The plan of tiny.dlm with every kernel on 32 cores."""
    plan = tmp_path / "plan.mlir"
    assert dlfc(TINY, "-o", plan).code == 0
    plan.write_text(re.sub(r"cores = \d+", "cores = 32", plan.read_text()))
    return plan


# --------------------------------------------------------------------------- the tutorial's passes, from their files


def test_graph_plugin_folds_relu_of_relu(dlfc: Dlfc) -> None:
    before = dlfc(TINY, "--pass-pipeline", "")
    after = dlfc(TINY, "--load-pass-plugin", FOLD_RELU, "--pass-pipeline", "graph-fold-relu", "--stats")
    assert after.code == 0, after.err
    assert relu_count(before.out) == 2 and relu_count(after.out) == 1
    assert "graph-fold-relu\n" in after.err and "  (S) 1 relus-folded\n" in after.err


def test_graph_plugin_in_the_default_pipeline(dlfc: Dlfc) -> None:
    default = dlfc(TINY, "--print-pipeline").out.strip()
    result = dlfc(
        TINY,
        "--load-pass-plugin",
        FOLD_RELU,
        "--pass-pipeline",
        f"graph-fold-relu,{default}",
        "--mlir-print-ir-after=graph-fold-relu",
    )
    assert result.code == 0, result.err
    assert result.err.startswith("// -----// IR Dump After graph-fold-relu (graph-fold-relu) //----- //\n")
    assert kernel_cores(result.out)


def test_accel_plugin_caps_cores(dlfc: Dlfc, wide_plan: Path) -> None:
    result = dlfc(wide_plan, "--load-pass-plugin", CAP_CORES, "--pass-pipeline", "accel-cap-cores{max=8}", "--stats")
    assert result.code == 0, result.err
    cores = kernel_cores(result.out)
    assert cores and set(cores) == {8}
    assert f"  (S) {len(cores)} kernels-capped\n" in result.err


def test_accel_plugin_keeps_core_counts_legal(dlfc: Dlfc, wide_plan: Path) -> None:
    result = dlfc(wide_plan, "--load-pass-plugin", CAP_CORES, "--pass-pipeline", "accel-cap-cores{max=3}")
    assert result.code == 0, result.err
    assert set(kernel_cores(result.out)) == {2}  # mlu100's legal counts are 1, 2, 4, ...


def test_accel_plugin_default_option_is_listed(dlfc: Dlfc) -> None:
    result = dlfc("--load-pass-plugin", CAP_CORES, "--load-pass-plugin", FOLD_RELU, "--list-passes")
    assert re.search(
        rf"^  accel-cap-cores +Cap the core count of every accel.kernel at `max`. \[{re.escape(str(CAP_CORES))}\]$",
        result.out,
        re.M,
    )
    assert re.search(r"^      max: int = 8$", result.out, re.M)
    assert re.search(r"^  graph-fold-relu +Fold relu\(relu\(x\)\) into relu\(x\). ", result.out, re.M)


# --------------------------------------------------------------------------- installed plugins (entry points)


def install_example_package(site: Path) -> None:
    """What `pip install examples/plugins` leaves in site-packages: a dist-info with the entry points."""
    project = tomllib.loads((PLUGINS / "pyproject.toml").read_text())["project"]
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    points = project["entry-points"][ENTRY_POINT_GROUP]
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    )


@pytest.fixture
def installed_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_example_package(tmp_path / "site")
    monkeypatch.syspath_prepend(str(PLUGINS))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))


@pytest.mark.usefixtures("installed_examples")
def test_installed_passes_need_no_flag(dlfc: Dlfc, wide_plan: Path) -> None:
    listing = dlfc("--list-passes").out
    assert re.search(r"^  accel-cap-cores +.*\[package dlfc-example-passes\]$", listing, re.M)
    assert re.search(r"^  graph-fold-relu +.*\[package dlfc-example-passes\]$", listing, re.M)
    result = dlfc(wide_plan, "--pass-pipeline", "accel-cap-cores{max=4}")
    assert result.code == 0, result.err
    assert set(kernel_cores(result.out)) == {4}


@pytest.mark.usefixtures("installed_examples")
def test_installed_pass_clashes_with_the_same_file(dlfc: Dlfc) -> None:
    result = dlfc("--load-pass-plugin", FOLD_RELU, "--list-passes")
    assert_one_line_error(
        result.err, f"{FOLD_RELU}: pass 'graph-fold-relu' is already registered by package dlfc-example-passes"
    )


def write_package(site: Path, name: str, points: dict[str, str], modules: dict[str, str]) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    )
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


PASS_MODULE = """
    from dataclasses import dataclass
    from xdsl.passes import ModulePass

    @dataclass(frozen=True)
    class NoOpPass(ModulePass):
        name = "test-no-op"

        def apply(self, ctx, op):
            pass
"""


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ({"cse": "noop_pass:NoOpPass"}, "package broken-pkg: pass 'cse' is already registered by dlfc"),
        (
            {"test-other": "noop_pass:NoOpPass"},
            "installed pass 'test-other': noop_pass:NoOpPass is named 'test-no-op', not like its entry point",
        ),
        ({"test-no-op": "noop_pass:Missing"}, "installed pass 'test-no-op' (noop_pass:Missing): AttributeError:"),
        (
            {"test-no-op": "noop_pass:dataclass"},
            "installed pass 'test-no-op': noop_pass:dataclass is not a ModulePass subclass",
        ),
    ],
)
def test_broken_installed_plugins(
    dlfc: Dlfc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, points: dict[str, str], message: str
) -> None:
    write_package(tmp_path / "site", "broken-pkg", points, {"noop_pass": PASS_MODULE})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    result = dlfc("--list-passes")
    assert result.code == 1
    assert_one_line_error(result.err, message)


def test_installed_passes_load_only_when_used(
    dlfc: Dlfc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph_mlir: Path
) -> None:
    write_package(tmp_path / "site", "lazy-pkg", {"test-no-op": "noop_pass:Missing"}, {"noop_pass": PASS_MODULE})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert dlfc(graph_mlir, "--emit", "graph").code == 0  # the broken plugin is never imported
    assert_one_line_error(dlfc(graph_mlir, "--pass-pipeline", "test-no-op").err, "installed pass 'test-no-op'")


# --------------------------------------------------------------------------- plugin files that cannot be used


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def broken(:\n", "cannot load pass plugin: SyntaxError: "),
        (
            "import no_such_module_anywhere\n",
            "cannot load pass plugin: ModuleNotFoundError: No module named 'no_such_module_anywhere'",
        ),
        ("x = 1\n", "defines no ModulePass subclass"),
        (PASS_MODULE.replace('name = "test-no-op"', 'label = "x"'), "pass class NoOpPass has no `name` (its CLI name)"),
        (
            PASS_MODULE.replace("test-no-op", "convert-graph-to-fusion"),
            "pass 'convert-graph-to-fusion' is already registered by dlfc",
        ),
    ],
)
def test_bad_plugin_files(dlfc: Dlfc, tmp_path: Path, source: str, message: str) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(textwrap.dedent(source))
    result = dlfc("--load-pass-plugin", plugin, "--list-passes")
    assert result.code == 1 and result.out == ""
    assert_one_line_error(result.err, f"{plugin}: {message}")


def test_missing_plugin_file(dlfc: Dlfc, tmp_path: Path) -> None:
    assert_one_line_error(
        dlfc("--load-pass-plugin", tmp_path / "nope.py", "--list-passes").err, f"{tmp_path / 'nope.py'}: no such file"
    )


def test_two_plugin_files_with_one_pass_name(dlfc: Dlfc, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "passes.py", tmp_path / "b" / "passes.py"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(textwrap.dedent(PASS_MODULE))
    result = dlfc("--load-pass-plugin", first, "--load-pass-plugin", second, "--list-passes")
    assert_one_line_error(result.err, f"{second}: pass 'test-no-op' is already registered by {first}")


def test_imported_pass_classes_are_not_registered_again(dlfc: Dlfc, tmp_path: Path) -> None:
    plugin = tmp_path / "reexport.py"
    plugin.write_text("from xdsl.transforms.canonicalize import CanonicalizePass\n" + textwrap.dedent(PASS_MODULE))
    result = dlfc("--load-pass-plugin", plugin, "--list-passes")
    assert result.code == 0, result.err
    assert re.search(r"^  test-no-op ", result.out, re.M)


# --------------------------------------------------------------------------- the tutorial, docs/writing-a-pass.md

TUTORIAL = REPO / "docs" / "writing-a-pass.md"
CODE_BLOCK = re.compile(r"^```(?:python|mlir) (\S+)\n(.*?)^```$", re.M | re.S)
CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
GraphFoldReluPass = import_plugin_file(str(FOLD_RELU)).GraphFoldReluPass


def test_fold_relu_unit() -> None:
    t = TensorType(f32, [2, 3])
    fn = func.FuncOp("main", ((t,), (t,)))
    with ImplicitBuilder(fn.body) as (x,):
        func.ReturnOp(graph.ReluOp(graph.ReluOp(x).output).output)
    module = ModuleOp([fn])
    GraphFoldReluPass().apply(make_context(), module)
    module.verify()
    assert sum(isinstance(op, graph.ReluOp) for op in module.walk()) == 1


def test_tutorial_code_is_the_tested_code() -> None:
    blocks = CODE_BLOCK.findall(TUTORIAL.read_text())
    assert {source for source, _ in blocks} == {
        "examples/plugins/graph_fold_relu.py",
        "examples/plugins/accel_cap_cores.py",
        "examples/plugins/graph_fold_relu.mlir",
        "excerpt=tests/cli/test_plugins.py",
    }
    for source, code in blocks:
        if source.startswith("excerpt="):
            assert code in (REPO / source.removeprefix("excerpt=")).read_text()
        else:
            assert code == (REPO / source).read_text()


def tutorial_commands() -> list[tuple[str, list[str]]]:
    """Each `$ command` of the tutorial's console blocks, with the output lines shown after it."""
    commands: list[tuple[str, list[str]]] = []
    for block in CONSOLE_BLOCK.findall(TUTORIAL.read_text()):
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                commands[-1][1].append(line)
    return commands


IN_PROCESS = {"dlfc": main, "dlfc-opt": dlfc_opt_main}


def run_shown_command(command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit status and output (stdout and stderr) of a tutorial command, run in the current directory."""
    words = shlex.split(command)
    capsys.readouterr()
    if not any(c in command for c in "$|>`"):
        if words[0] in IN_PROCESS:
            code = IN_PROCESS[words[0]](words[1:])
            captured = capsys.readouterr()
            return code, captured.out + captured.err
        if words[0] == "xdsl-opt":
            xDSLOptMain(args=words[1:]).run()
            return 0, capsys.readouterr().out
    if shutil.which(words[0]) is None:
        pytest.skip(f"{words[0]} is not installed (pip install -e .)")
    done = subprocess.run(command, shell=True, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def test_following_the_tutorial_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command of the tutorial, in order, in a fresh directory: it succeeds and prints what is shown."""
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    commands = tutorial_commands()
    assert len(commands) >= 10
    for command, shown in commands:
        code, output = run_shown_command(command, capsys)
        assert code == 0, (command, output)
        for line in shown:
            if line.strip() != "...":
                pattern = ".*".join(re.escape(part) for part in line.strip().split("..."))
                assert re.search(pattern, output), (command, line)


# --------------------------------------------------------------------------- the public API


def dlfc_imports(source: str) -> set[str]:
    """The dlfc modules a piece of Python imports from."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dlfc"):
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names if alias.name.startswith("dlfc"))
    return modules


def test_plugins_and_tutorial_use_only_the_public_api() -> None:
    sources = [path.read_text() for path in sorted(PLUGINS.glob("*.py"))]
    sources += [
        code
        for source, code in CODE_BLOCK.findall(TUTORIAL.read_text())
        if source.endswith(".py") and not source.startswith("excerpt=")
    ]
    assert len(sources) >= 4
    for source in sources:
        assert dlfc_imports(source) == {"dlfc.compiler.api"}


def test_the_public_api_exports_what_its_docstring_lists() -> None:
    """Each exported name exists and is documented, in the module's docstring and in the tutorial."""
    tutorial = TUTORIAL.read_text()
    for name in api.__all__:
        assert hasattr(api, name), name
        assert f"`{name}" in (api.__doc__ or ""), name
        assert f"`{name}" in tutorial, name
