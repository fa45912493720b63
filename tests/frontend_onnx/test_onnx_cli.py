"""`dlfc model.onnx` and `dlfc run model.onnx`: the full default pipeline and the accel interpreter against ONNX Runtime."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dlfc.compiler.cli import main

from .helpers import assert_matches, feeds_for, onnxruntime_outputs, save
from .models import MODELS, Model, bert


@pytest.mark.parametrize("build", MODELS.values(), ids=MODELS.keys())
def test_dlfc_run_matches_onnxruntime(build: Callable[[], Model], tmp_path, capsys) -> None:
    m, specs, shapes = build()
    path = save(m, tmp_path / "model.onnx")
    feeds = feeds_for(m, specs, shapes)
    np.savez(tmp_path / "in.npz", **feeds)  # named as the ONNX inputs
    args = ["run", path, "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz")]
    args += [f"--input-shape={name}={','.join(map(str, shape))}" for name, shape in shapes.items()]
    assert main(args) == 0, capsys.readouterr().err
    assert "modelled latency" in capsys.readouterr().out
    with np.load(tmp_path / "out.npz") as out:
        outputs = [out[f"output{i}"] for i in range(len(m.graph.output))]
    assert_matches(outputs, onnxruntime_outputs(m, feeds))


def test_compile_with_input_shape(tmp_path, capsys) -> None:
    m, _, _ = bert()
    plan = tmp_path / "plan.mlir"
    assert main([save(m, tmp_path / "bert.onnx"), "--input-shape", "input_ids=1,6", "-o", str(plan)]) == 0, (
        capsys.readouterr().err
    )
    text = plan.read_text()
    assert "accel.kernel" in text and '"embeddings.word_embeddings.weight"' in text


def test_plan_runs_with_its_weights(tmp_path, capsys) -> None:
    """`dlfc model.onnx -o plan.mlir` writes the weights to plan.npz; `dlfc run plan.mlir` uses them."""
    m, specs, shapes = MODELS["mobilenet"]()
    plan = tmp_path / "plan.mlir"
    assert main([save(m, tmp_path / "model.onnx"), "-o", str(plan)]) == 0, capsys.readouterr().err
    with np.load(tmp_path / "plan.npz") as weights:
        assert {"classifier.weight", "classifier.bias"} <= set(weights.files)
    feeds = feeds_for(m, specs, shapes)
    np.savez(tmp_path / "in.npz", **feeds)
    assert main(["run", str(plan), "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz")]) == 0
    with np.load(tmp_path / "out.npz") as out:
        assert_matches([out["output0"]], onnxruntime_outputs(m, feeds))
