"""Small ResNet-, MobileNet-, BERT- and ViT-shaped ONNX models: import, names, and numerics against ONNX Runtime."""

from __future__ import annotations

from collections.abc import Callable

import onnx
import pytest

from dlfc.compiler.frontend.onnx import load_onnx
from dlfc.dialects import graph
from dlfc.hw.reference import run_graph
from dlfc.hw.weights import store_of

from .helpers import assert_matches, check, feeds_for, onnxruntime_outputs
from .models import MODELS, Model


@pytest.mark.parametrize("build", MODELS.values(), ids=MODELS.keys())
def test_model_matches_onnxruntime(build: Callable[[], Model], tmp_path) -> None:
    m, inputs, shapes = build()
    check(m, inputs, tmp_path, shapes)


def test_external_data(tmp_path) -> None:
    """Weights stored beside the model (onnx's external data) are read from there."""
    m, inputs, _ = MODELS["resnet"]()
    onnx.save(m, tmp_path / "model.onnx", save_as_external_data=True, location="model.data", size_threshold=0)
    module = load_onnx(str(tmp_path / "model.onnx"))
    feeds = feeds_for(m, inputs)
    expected = onnxruntime_outputs(MODELS["resnet"]()[0], feeds)
    assert_matches(run_graph(module, list(feeds.values())), expected)


def test_names_follow_onnx(tmp_path) -> None:
    """Weights keep the initializer names; values are named after the ONNX values."""
    m, inputs, _ = MODELS["resnet"]()
    module = check(m, inputs, tmp_path)
    weights = {op.weight_id for op in module.walk() if isinstance(op, graph.WeightOp)}
    assert weights == {t.name for t in m.graph.initializer}
    assert store_of(module).arrays.keys() == weights
    text = str(module)
    assert "%layer2.0.downsample.Conv = graph.conv2d %layer1.0.relu_1.Relu, %layer2.0.downsample.weight" in text
    assert (
        'func.func @resnet(%input: tensor<1x3x16x16xf32> {dlfc.onnx_name = "input"}) '
        '-> (tensor<1x10xf32> {dlfc.onnx_name = "output0"})'
    ) in text
