"""Compiled weights: a plan whose passes computed weights carries them in `<plan>.npz`, named in the module."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from rewrite_testing import dlm, parse, random_inputs, run_passes
from xdsl.dialects.builtin import StringAttr

from dlfc.compiler.cli import main
from dlfc.compiler.context import make_context
from dlfc.compiler.driver import parse_mlir, save_plan_weights, write_npz
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.transforms.graph_fold_batchnorm import GraphFoldBatchNormPass
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target
from dlfc.hw.weights import WEIGHTS_ATTR, load_npz, load_plan_weights, store_of

EXAMPLES = Path(__file__).parents[2] / "examples"

SMALL_CNN = """
    model small_cnn {
      input image: f32[1, 3, 16, 16]
      x = relu(batchnorm(conv2d(image, 8, kernel=3, pad=1, bias=false)))
      y = batchnorm(conv2d(x, 8, kernel=3, stride=2, pad=1))
      logits = dense(flatten(global_avgpool(relu(y + 0.5))), 10)
      output softmax(logits)
    }
"""


def test_save_writes_the_stored_weights_beside_the_plan(tmp_path: Path) -> None:
    module = parse(dlm(SMALL_CNN))
    run_passes(module, GraphFoldBatchNormPass())
    path = save_plan_weights(module, str(tmp_path / "plan.mlir"))
    assert path == str(tmp_path / "plan.npz")
    assert module.attributes[WEIGHTS_ATTR] == StringAttr("plan.npz")
    arrays = load_npz(path)
    assert sorted(arrays) == [
        "x.conv2d.bias.folded",
        "x.conv2d.scale.folded",
        "x.conv2d.weight.folded",
        "y.conv2d.bias.folded",
        "y.conv2d.scale.folded",
        "y.conv2d.weight.folded",
    ]
    for name, array in arrays.items():
        np.testing.assert_array_equal(array, store_of(module).arrays[name])
    assert os.stat(path).st_mode & 0o044, "the weights file is readable like any other output"


def test_a_plan_without_computed_weights_gets_no_weights_file(tmp_path: Path) -> None:
    module = parse(dlm(SMALL_CNN))
    module.attributes[WEIGHTS_ATTR] = StringAttr("old.npz")
    assert save_plan_weights(module, str(tmp_path / "plan.mlir")) is None
    assert WEIGHTS_ATTR not in module.attributes
    assert not list(tmp_path.iterdir())


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pickle"):
        write_npz(str(tmp_path / "plan.npz"), {"good": np.ones(3), "bad": np.array([object()])})
    assert not list(tmp_path.iterdir())


def test_loading_attaches_the_named_weights_file(tmp_path: Path) -> None:
    module = parse(dlm(SMALL_CNN))
    run_passes(module, GraphFoldBatchNormPass())
    save_plan_weights(module, str(tmp_path / "plan.mlir"))
    (tmp_path / "plan.mlir").write_text(str(module))
    reloaded = parse((tmp_path / "plan.mlir").read_text())
    load_plan_weights(reloaded, str(tmp_path / "plan.mlir"))
    inputs = random_inputs(module)
    np.testing.assert_array_equal(run_graph(reloaded, inputs)[0], run_graph(module, inputs)[0])


def compile_and_compare(model: Path, plan: Path, emit: str, weights: Path | None = None) -> None:
    """`dlfc model -o plan` reproduces, from plan and its .npz alone, the outputs of the unrewritten model."""
    assert main([str(model), "-o", str(plan), "--emit", emit, *(["--weights", str(weights)] if weights else [])]) == 0
    original = load_dlm(str(model), str(weights) if weights else None)
    compiled = parse_mlir(str(plan), make_context())
    inputs = random_inputs(original)
    actual = run_graph(compiled, inputs) if emit == "graph" else execute(compiled, inputs, load_target()).outputs
    for expected, result in zip(run_graph(original, inputs), actual, strict=True):
        np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-6 * max(1.0, float(np.abs(expected).max())))


def test_a_compiled_example_plan_reproduces_the_model(tmp_path: Path) -> None:
    """MobileNetV2's 52 batch norms are folded; the accel plan and plan.npz reproduce the .dlm's outputs."""
    compile_and_compare(EXAMPLES / "mobilenet_v2.dlm", tmp_path / "plan.mlir", "accel")
    text = (tmp_path / "plan.mlir").read_text()
    assert "graph.batchnorm" not in text and 'dlfc.weights = "plan.npz"' in text


def test_weights_given_to_the_compiler_travel_with_the_plan(tmp_path: Path) -> None:
    """A --weights file's values, folded or not, are in the plan's .npz: the plan runs without that file."""
    model = tmp_path / "small.dlm"
    model.write_text(SMALL_CNN)
    user = {"logits.weight": np.full((10, 8), 0.01, np.float32), "x.batchnorm.var": np.full(8, 2.0, np.float32)}
    write_npz(str(tmp_path / "user.npz"), user)
    compile_and_compare(model, tmp_path / "graph.mlir", "graph", tmp_path / "user.npz")
    np.testing.assert_array_equal(load_npz(str(tmp_path / "graph.npz"))["logits.weight"], user["logits.weight"])


def test_a_missing_weights_file_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.mlir"
    assert main([str(EXAMPLES / "dnnfusion_table4.dlm"), "-o", str(plan), "--emit", "graph"]) == 0
    module = parse(plan.read_text())
    module.attributes[WEIGHTS_ATTR] = StringAttr("gone.npz")
    plan.write_text(str(module))
    assert main([str(plan), "-o", str(tmp_path / "out.mlir")]) == 1
    assert capsys.readouterr().err == (
        f"dlfc: error: {plan}: the plan's weights file {tmp_path / 'gone.npz'} (dlfc.weights) is missing; "
        "write the plan with dlfc -o PLAN.mlir to get PLAN.npz beside it\n"
    )
