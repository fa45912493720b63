"""dlfc IR in stock `xdsl-opt` (the `xdsl.universe` entry point) and in `dlfc-opt` (issue 7, item 6)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from xdsl.universe import XDSL_UNIVERSE, Universe
from xdsl.xdsl_opt_main import xDSLOptMain

from cli.conftest import PLUGINS, Dlfc, parse
from dlfc.compiler.opt import main as dlfc_opt
from dlfc.compiler.passes import PASSES, is_dlfc_pass
from dlfc.compiler.pipeline import Level, level_of
from dlfc.compiler.universe import DLFC_UNIVERSE
from dlfc.dialects import get_all_dialects

TINY = PLUGINS / "tiny.dlm"
UNIVERSE_INSTALLED = "dlfc" in {p.name for p in entry_points(group="xdsl.universe")}
needs_universe = pytest.mark.skipif(
    not UNIVERSE_INSTALLED, reason="dlfc's xdsl.universe entry point is not installed: run `pip install -e . --no-deps`"
)


def run_xdsl_opt(*args: str | Path) -> str:
    """Stock xdsl-opt, in-process: its stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        xDSLOptMain(args=[str(a) for a in args]).run()
    return out.getvalue()


@pytest.fixture
def plans(dlfc: Dlfc, tmp_path: Path) -> dict[Level, Path]:
    """tiny.dlm at every level."""
    paths = {level: tmp_path / f"tiny-{level.label}.mlir" for level in Level}
    for level, path in paths.items():
        assert dlfc(TINY, "--emit", level.label, "-o", path).code == 0
    return paths


def test_universe_holds_dlfcs_dialects_and_own_passes() -> None:
    assert set(DLFC_UNIVERSE.all_dialects) == set(get_all_dialects())
    assert set(DLFC_UNIVERSE.all_passes) == {name for name in PASSES if is_dlfc_pass(name)}
    for name, factory in DLFC_UNIVERSE.all_passes.items():
        assert factory().name == name


def test_universe_names_do_not_clash_with_xdsls() -> None:
    """A clash would make every xdsl-opt in the environment refuse to start."""
    assert not set(DLFC_UNIVERSE.all_dialects) & set(XDSL_UNIVERSE.all_dialects)
    assert not set(DLFC_UNIVERSE.all_passes) & set(XDSL_UNIVERSE.all_passes)


@needs_universe
def test_the_entry_point_is_installed() -> None:
    points = {p.name: p.value for p in entry_points(group="xdsl.universe")}
    assert points["dlfc"] == "dlfc.compiler.universe:DLFC_UNIVERSE"
    multiverse = Universe.get_multiverse()
    assert set(DLFC_UNIVERSE.all_passes) <= set(multiverse.all_passes)
    assert set(get_all_dialects()) <= set(multiverse.all_dialects)


@needs_universe
@pytest.mark.parametrize("level", list(Level))
def test_xdsl_opt_round_trips_a_plan(plans: dict[Level, Path], level: Level) -> None:
    text = plans[level].read_text()
    assert run_xdsl_opt(plans[level]).rstrip("\n") == text.rstrip("\n")
    generic = run_xdsl_opt(plans[level], "--print-op-generic")
    assert generic.startswith('"builtin.module"()')
    assert parse(generic).is_structurally_equivalent(parse(text))


@needs_universe
def test_xdsl_opt_runs_dlfc_passes(plans: dict[Level, Path], dlfc: Dlfc) -> None:
    out = run_xdsl_opt(plans[Level.FUSION], "-p", "convert-fusion-to-accel")
    assert level_of(parse(out)) == Level.ACCEL
    assert out.rstrip("\n") == dlfc(plans[Level.FUSION], "--pass-pipeline", "convert-fusion-to-accel").out.rstrip("\n")


# --------------------------------------------------------------------------- dlfc-opt


def test_dlfc_opt_reads_dlm(capsys: pytest.CaptureFixture[str], dlfc: Dlfc) -> None:
    assert dlfc_opt([str(TINY), "-p", "convert-graph-to-fusion"]) == 0
    out = capsys.readouterr().out
    assert level_of(parse(out)) == Level.FUSION


def test_dlfc_opt_loads_pass_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    plugin = PLUGINS / "graph_fold_relu.py"
    assert dlfc_opt([str(TINY), "--load-pass-plugin", str(plugin), "-p", "graph-fold-relu"]) == 0
    assert capsys.readouterr().out.count("graph.relu") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-p", "convert-graph-to-fusoin"],
            "dlfc-opt: error: unknown pass 'convert-graph-to-fusoin'; did you mean 'convert-graph-to-fusion'?",
        ),
        (["-p", "cse{"], "dlfc-opt: error: invalid pass pipeline at column 5:"),
        (["--load-pass-plugin", "nope.py"], "dlfc-opt: error: nope.py: no such file"),
    ],
)
def test_dlfc_opt_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert dlfc_opt([str(TINY), *args]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith(message)


def test_dlfc_opt_parse_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.mlir"
    bad.write_text("builtin.module {\n  %0 = graph.no_such_op\n}\n")
    assert dlfc_opt([str(bad)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert re.match(
        rf"dlfc-opt: error: {re.escape(str(bad))}:\d+:\d+: Operation graph.no_such_op is not registered$", err
    )


def test_dlfc_opt_binary_dlm(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A non-UTF-8 .dlm file is a diagnostic at its first bad byte, not a traceback."""
    bad = tmp_path / "bad.dlm"
    bad.write_bytes(b"model m {\xff}\n")
    assert dlfc_opt([str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:1:10: error: invalid UTF-8 byte 0xff; a .dlm file must be UTF-8 text")
    assert "Traceback" not in err


@needs_universe
def test_stock_xdsl_opt_command(plans: dict[Level, Path]) -> None:
    """The installed `xdsl-opt` executable, in a real process, runs a dlfc pass."""
    xdsl_opt = shutil.which("xdsl-opt")
    assert xdsl_opt is not None
    result = subprocess.run(
        [xdsl_opt, plans[Level.GRAPH], "-p", "convert-graph-to-fusion"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert level_of(parse(result.stdout)) == Level.FUSION


def test_dlfc_opt_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The shared error boundary (dlfc.compiler.driver) turns an OSError into one line, not a traceback."""
    missing = tmp_path / "missing.mlir"
    assert dlfc_opt([str(missing)]) == 1
    assert capsys.readouterr().err == f"dlfc-opt: error: {missing}: no such file\n"
