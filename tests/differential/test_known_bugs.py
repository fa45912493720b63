"""Regression tests for bugs the fuzz and differential suites found.

Each test states the correct behaviour: a 0-d pad, a `repeat` too large to
unroll, a plan whose weights file lacks a weight, embedding ids outside the
table, and a weights archive holding something that is not an array. All are
fixed, and the suites generate these inputs again (huge repeat counts with the
frontend's op limit lowered, to keep each case short: see tests/fuzz/test_dlm.py).
A bug found and not fixed yet goes here marked `xfail(strict=True)`, its reason
naming the workaround the suites use meanwhile; when it is fixed the strict
xfail fails, and the marker and the workaround go.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from fuzz.harness import Hang, time_limit

from dlfc.compiler.cli import main
from dlfc.compiler.frontend import DlmError, parse_dlm
from dlfc.hw.reference import run_graph

REPO = Path(__file__).resolve().parents[2]


def test_pad_of_a_scalar_is_the_scalar() -> None:
    module = parse_dlm("model m {\n  input x: f32[]\n  output pad(x, [])\n}\n", "m.dlm")
    (y,) = run_graph(module, [np.float32(1.5)])
    assert y.shape == () and y == np.float32(1.5)


def test_huge_repeat_count_is_a_diagnostic() -> None:
    source = "model m {\n  input x: f32[4]\n  repeat 1000000000 {\n    x = relu(x)\n  }\n  output x\n}\n"
    try:
        with time_limit(2.0), pytest.raises(DlmError, match=r"^m\.dlm:3:\d+: error: "):
            parse_dlm(source, "m.dlm")
    except Hang as e:
        pytest.fail(f"parse_dlm of a model with `repeat 1000000000`: {e}")


def test_repeat_of_a_large_body_is_a_diagnostic() -> None:
    source = (REPO / "examples" / "bert_base.dlm").read_text().replace("repeat 12 {", "repeat 99999 {")
    try:
        with time_limit(3.0), pytest.raises(DlmError, match=r"^bert\.dlm:\d+:\d+: error: "):
            parse_dlm(source, "bert.dlm")
    except Hang as e:
        pytest.fail(f"parse_dlm of BERT-base with `repeat 99999`: {e}")


def test_recompiling_a_plan_with_a_wrong_weights_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.dlm"
    model.write_text("model m {\n  input x: f32[1, 3, 8, 8]\n  output relu(batchnorm(conv2d(x, 4, kernel=3)))\n}\n")
    assert main([str(model), "-o", str(tmp_path / "plan.mlir")]) == 0
    np.savez(tmp_path / "plan.npz")  # the folded conv weight is missing
    capsys.readouterr()
    assert main([str(tmp_path / "plan.mlir"), "-o", str(tmp_path / "again.mlir")]) == 1
    assert capsys.readouterr().err.startswith("dlfc: error: ")


def test_run_with_out_of_range_ids_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.dlm"
    model.write_text("model m {\n  input ids: i64[1, 4]\n  output embedding(ids, 10, 4)\n}\n")
    np.savez(tmp_path / "in.npz", ids=np.array([[1, 2, 50, 3]]))
    capsys.readouterr()
    assert main(["run", str(model), "--inputs", str(tmp_path / "in.npz")]) == 1
    err = capsys.readouterr().err
    # the error points at the embedding's expression (issue 19: errors name the source)
    assert err == f"{model}:3:10: error: graph.embedding: id 50 is out of range for a table of 10 rows\n", err


def test_weights_archive_with_a_member_that_is_no_array_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, weights = tmp_path / "model.dlm", tmp_path / "w.npz"
    model.write_text("model m {\n  input x: f32[1, 4]\n  output dense(x, 2)\n}\n")
    with zipfile.ZipFile(weights, "w") as archive:
        archive.writestr("output.weight.npy", b"not an array")
    capsys.readouterr()
    assert main([str(model), "--weights", str(weights), "-o", str(tmp_path / "plan.mlir")]) == 1
    assert capsys.readouterr().err.startswith(f"{weights}: error: ")
