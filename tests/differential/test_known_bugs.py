"""Bugs the fuzz and differential suites found in code they do not own, pinned until fixed.

Each test states the correct behaviour and is marked `xfail(strict=True)`: when
the bug is fixed the test passes, the strict xfail fails, and the marker (and
the workaround named in its reason) should go.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from compiler.cli import main
from compiler.frontend import DlmError, parse_dlm
from hw.reference import run_graph
from tests.fuzz.harness import Hang, time_limit


@pytest.mark.xfail(
    strict=True,
    reason="hw/reference.py pad: np.pad gets an empty pad list for a rank-0 tensor and raises TypeError "
    "(tests/random_models.py pads rank >= 1 only until fixed)",
)
def test_pad_of_a_scalar_is_the_scalar() -> None:
    module = parse_dlm("model m {\n  input x: f32[]\n  output pad(x, [])\n}\n", "m.dlm")
    (y,) = run_graph(module, [np.float32(1.5)])
    assert y.shape == () and y == np.float32(1.5)


@pytest.mark.xfail(
    strict=True,
    reason="frontend: `repeat N` unrolls N times with no limit, so a large count never finishes "
    "(tests/fuzz keeps mutated repeat counts small until fixed)",
)
def test_huge_repeat_count_is_a_diagnostic() -> None:
    source = "model m {\n  input x: f32[4]\n  repeat 1000000000 {\n    x = relu(x)\n  }\n  output x\n}\n"
    try:
        with time_limit(2.0), pytest.raises(DlmError, match=r"^m\.dlm:3:\d+: error: "):
            parse_dlm(source, "m.dlm")
    except Hang as e:
        pytest.fail(f"parse_dlm of a model with `repeat 1000000000`: {e}")


@pytest.mark.xfail(
    strict=True,
    reason="cli.compile_command: save_plan_weights raises WeightError (uncaught: a traceback) when the input "
    "plan's plan.npz lacks a stored weight or has one of the wrong shape or dtype (tests/fuzz/test_npz.py "
    "writes such plans to stdout until fixed)",
)
def test_recompiling_a_plan_with_a_wrong_weights_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.dlm"
    model.write_text("model m {\n  input x: f32[1, 3, 8, 8]\n  output relu(batchnorm(conv2d(x, 4, kernel=3)))\n}\n")
    assert main([str(model), "-o", str(tmp_path / "plan.mlir")]) == 0
    np.savez(tmp_path / "plan.npz")  # the folded conv weight is missing
    capsys.readouterr()
    assert main([str(tmp_path / "plan.mlir"), "-o", str(tmp_path / "again.mlir")]) == 1
    assert capsys.readouterr().err.startswith("dlfc: error: ")


@pytest.mark.xfail(
    strict=True,
    reason="run.run_command: ids outside the embedding table in --inputs raise IndexError inside the interpreter "
    "(uncaught: a traceback and the whole module on stderr); tests/fuzz/test_npz.py draws ids in [-10, 10) until fixed",
)
def test_run_with_out_of_range_ids_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.dlm"
    model.write_text("model m {\n  input ids: i64[1, 4]\n  output embedding(ids, 10, 4)\n}\n")
    np.savez(tmp_path / "in.npz", ids=np.array([[1, 2, 50, 3]]))
    capsys.readouterr()
    assert main(["run", str(model), "--inputs", str(tmp_path / "in.npz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dlfc: error: ") and err.count("\n") == 1, err


@pytest.mark.xfail(
    strict=True,
    reason="hw/weights.py load_npz: a zip member that is not an .npy array comes back as bytes, and WeightStore "
    "then raises AttributeError ('bytes' object has no attribute 'shape'); tests/fuzz/test_npz.py makes no such "
    "archive until fixed",
)
def test_weights_archive_with_a_member_that_is_no_array_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, weights = tmp_path / "model.dlm", tmp_path / "w.npz"
    model.write_text("model m {\n  input x: f32[1, 4]\n  output dense(x, 2)\n}\n")
    with zipfile.ZipFile(weights, "w") as archive:
        archive.writestr("output.weight.npy", b"not an array")
    capsys.readouterr()
    assert main([str(model), "--weights", str(weights), "-o", str(tmp_path / "plan.mlir")]) == 1
    assert capsys.readouterr().err.startswith(f"{weights}: error: ")
