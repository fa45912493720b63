"""`dlfc model.onnx` and `dlfc run model.onnx`: the full default pipeline and the accel interpreter against ONNX Runtime."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx import helper

from dlfc.compiler.cli import main

from .helpers import Input, assert_matches, feeds_for, model, onnxruntime_outputs, save
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


def odd_names() -> tuple[onnx.ModelProto, dict[str, Input]]:
    """Inputs and outputs named as model-zoo and PyTorch exports name them (not valid SSA names)."""
    nodes = [
        helper.make_node("Add", ["gpu_0/data_0", "0"], ["sum"]),
        helper.make_node("Relu", ["sum"], ["gpu_0/softmax_1"]),
        helper.make_node("Mul", ["sum", "data_0"], ["out:1"]),
    ]
    specs = {"gpu_0/data_0": Input((2, 3)), "0": Input((3,)), "data_0": Input((2, 3))}
    return model(nodes, specs, ["gpu_0/softmax_1", "out:1"]), specs


def test_run_takes_and_gives_the_models_own_names(tmp_path, capsys) -> None:
    m, specs = odd_names()
    path = save(m, tmp_path / "model.onnx")
    feeds = feeds_for(m, specs)
    np.savez(tmp_path / "in.npz", **feeds)
    assert main(["run", path, "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz")]) == 0
    capsys.readouterr()
    with np.load(tmp_path / "out.npz") as out:
        assert out.files == ["gpu_0/softmax_1", "out:1"]
        assert_matches([out["gpu_0/softmax_1"], out["out:1"]], onnxruntime_outputs(m, feeds))
    # today's sanitised names (the SSA names) still work, for a plan too
    sanitised = dict(zip(["gpu_0.data.0", "v0", "data.0"], feeds.values(), strict=True))
    np.savez(tmp_path / "ssa.npz", **sanitised)
    plan = tmp_path / "plan.mlir"
    assert main([path, "-o", str(plan)]) == 0
    assert '{dlfc.onnx_name = "gpu_0/data_0"}' in plan.read_text()
    for given in ("in.npz", "ssa.npz"):
        assert main(["run", str(plan), "--inputs", str(tmp_path / given), "--outputs", str(tmp_path / "o.npz")]) == 0
        with np.load(tmp_path / "o.npz") as out:
            assert_matches([out["gpu_0/softmax_1"], out["out:1"]], onnxruntime_outputs(m, feeds))


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            {"gpu_0/data_0": (2, 3), "0": (3,)},
            "missing input 'data_0' (the model's inputs: gpu_0/data_0, 0, data_0)",
        ),
        (
            {"gpu_0/data_0": (2, 3), "0": (3,), "data_0": (2, 3), "data.0": (2, 3)},
            "input 'data_0' is given twice, also as 'data.0'",
        ),
        (
            {"gpu_0/data_0": (2, 3), "0": (3,), "data_0": (2, 3), "data_1": (2, 3)},
            "unknown input 'data_1' (the model's inputs: gpu_0/data_0, 0, data_0)",
        ),
        ({"gpu_0/data_0": (2, 3), "0": (4,), "data_0": (2, 3)}, "'0' has shape [4], expected [3]"),
    ],
)
def test_bad_inputs_name_the_models_inputs(arrays: dict[str, tuple[int, ...]], message: str, tmp_path, capsys) -> None:
    path = save(odd_names()[0], tmp_path / "model.onnx")
    np.savez(tmp_path / "in.npz", **{k: np.ones(shape, np.float32) for k, shape in arrays.items()})
    assert main(["run", path, "--inputs", str(tmp_path / "in.npz")]) == 1
    assert capsys.readouterr().err == f"dlfc: error: --inputs {tmp_path / 'in.npz'}: {message}\n"
