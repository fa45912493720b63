"""The file-based tests themselves: every pass and dialect has its files, and a wrong CHECK fails.

The collector is `conftest.py` in this folder: each `*.mlir` file here is one pytest
item that runs its RUN lines (see there).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from dlfc.compiler.passes import PASSES
from dlfc.dialects import get_all_dialects

HERE = Path(__file__).parent


def test_every_registered_pass_has_a_file_that_runs_it() -> None:
    """transforms/<pass>.mlir exists for every pass of the registry, and its RUN lines run that pass."""
    for name in PASSES:
        path = HERE / "transforms" / f"{name}.mlir"
        assert path.exists(), f"no file-based test for pass {name}: add {path.relative_to(HERE.parents[1])}"
        runs = re.findall(r"^// RUN: (.*)$", path.read_text(), re.M)
        assert runs and all(re.search(rf"-p '?{re.escape(name)}(?=[\s'{{,]|$)", run) for run in runs), path


def test_every_transform_file_is_named_after_a_registered_pass() -> None:
    assert {path.stem for path in (HERE / "transforms").glob("*.mlir")} <= set(PASSES)


def test_every_dialect_has_a_round_trip_and_an_invalid_file() -> None:
    for name in get_all_dialects():
        for file in ("ops.mlir", "invalid.mlir"):
            assert (HERE / "dialects" / name / file).exists(), f"dialect {name} has no {file}"


def test_every_op_of_every_dialect_has_a_round_trip_case() -> None:
    for name, factory in get_all_dialects().items():
        text = (HERE / "dialects" / name / "ops.mlir").read_text()
        missing = {op.name for op in factory().operations} - set(re.findall(rf"\b{name}\.\w+", text))
        assert not missing, f"dialects/{name}/ops.mlir has no case for {sorted(missing)}"


def test_every_file_checks_something_that_must_not_be_there() -> None:
    """Each file has at least one negative check (`CHECK-NOT`, or a RUN line's own prefix with -NOT)."""
    for path in sorted(HERE.glob("transforms/*.mlir")):
        assert re.search(r"^// [A-Z0-9_]+-NOT:", path.read_text(), re.M), f"{path.name} has no -NOT check"


RIGHT = """\
// RUN: dlfc-opt %s -p cse \\
// RUN:   | filecheck %s
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = graph.relu %x : tensor<4xf32>
  %b = graph.relu %x : tensor<4xf32>
  %c = graph.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}
// CHECK:      %a = graph.relu %x
// CHECK-NEXT: %c = graph.add %a, %a
"""

WRONG = RIGHT.replace("graph.add %a, %a", "graph.add %a, %b")


def test_a_wrong_check_fails_and_shows_what_filecheck_said(tmp_path: Path) -> None:
    """The collector, run by pytest on a copy of itself: a right file passes, a wrong CHECK or no RUN line fails."""
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "right.mlir").write_text(RIGHT)
    (tmp_path / "wrong.mlir").write_text(WRONG)
    (tmp_path / "no_run.mlir").write_text(RIGHT.replace("// RUN:", "// nothing:"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rA", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 failed, 1 passed" in result.stdout
    assert "PASSED right.mlir::filecheck" in result.stdout
    assert "FAILED wrong.mlir::filecheck" in result.stdout
    assert "FAILED no_run.mlir::filecheck" in result.stdout
    # the failure shows the command, and filecheck's own message and the line it stopped at
    assert re.search(r"RUN: dlfc-opt \S*wrong.mlir -p cse \| filecheck \S*wrong.mlir", result.stdout)
    assert 'wrong.mlir:10: error: Couldn\'t match "%c = graph.add %a, %b".' in result.stdout
    assert "    %c = graph.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>" in result.stdout
    assert "no '// RUN:' line" in result.stdout
