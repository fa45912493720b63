"""One ONNX model per supported operator and attribute variant, imported and checked against ONNX Runtime."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx import helper

from dlfc.compiler.frontend.onnx import load_onnx
from dlfc.dialects import graph

from .helpers import Input, check, model, save, single

X = Input((2, 3, 4))
IMAGE = Input((1, 4, 8, 8))
POSITIVE = Input((2, 3, 4), low=0.1, high=3.0)
RNG = np.random.default_rng(7)


def rand(*shape: int) -> np.ndarray:
    return RNG.uniform(-1, 1, shape).astype(np.float32)


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def scalar(value: float) -> np.ndarray:
    return np.array(value, dtype=np.float32)


Case = Callable[[], tuple[onnx.ModelProto, dict[str, Input]]]

CASES: dict[str, Case] = {
    # elementwise, unary
    **{
        op: (lambda op=op: single(op, X)) for op in ("Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Neg", "Abs", "HardSwish")
    },
    **{op: (lambda op=op: single(op, POSITIVE)) for op in ("Sqrt", "Log", "Reciprocal")},
    "Gelu": lambda: single("Gelu", X, opset=20),
    "Gelu-none": lambda: single("Gelu", X, opset=20, approximate="none"),
    "LeakyRelu": lambda: single("LeakyRelu", X),
    "LeakyRelu-alpha": lambda: single("LeakyRelu", X, alpha=0.2),
    "HardSigmoid": lambda: single("HardSigmoid", X),
    "HardSigmoid-sixth": lambda: single("HardSigmoid", Input((2, 3, 4), low=-5, high=5), alpha=1 / 6, beta=0.5),
    "Clip-inputs": lambda: single("Clip", X, scalar(-0.5), scalar(0.75)),
    "Clip-min": lambda: single("Clip", X, scalar(-0.5)),
    "Clip-max": lambda: single("Clip", X, None, scalar(0.5)),
    "Clip-relu": lambda: single("Clip", X, scalar(0.0)),
    "Clip-relu6": lambda: single("Clip", Input((2, 3, 4), low=-3, high=9), scalar(0.0), scalar(6.0)),
    "Clip-attributes-opset10": lambda: single("Clip", X, opset=10, min=-0.5, max=0.5),
    # elementwise, binary and variadic
    **{op: (lambda op=op: single(op, X, Input((3, 1)))) for op in ("Add", "Sub", "Mul", "Max", "Min")},
    "Div": lambda: single("Div", X, POSITIVE),
    "Pow": lambda: single("Pow", POSITIVE, Input((4,))),
    "Pow-int-exponent": lambda: single("Pow", X, np.array(2, dtype=np.int64)),
    "Add-constant": lambda: single("Add", X, rand(4)),
    "Sub-constant-left": lambda: single("Sub", rand(3, 1), X),
    "Mul-scalar": lambda: single("Mul", X, scalar(0.5)),
    "Div-one-element": lambda: single("Div", X, np.array([4.0], dtype=np.float32)),
    "Add-widening-constant": lambda: single("Add", Input((4,)), np.ones((2, 1), np.float32)),
    "Max-variadic": lambda: single("Max", X, Input((4,)), rand(3, 1)),
    "Min-one": lambda: single("Min", X),
    "Sum": lambda: single("Sum", X, X, Input((1, 4))),
    # normalisation and reduction
    "Softmax": lambda: single("Softmax", X),
    "Softmax-axis": lambda: single("Softmax", X, axis=1),
    "ReduceSum-axes-input": lambda: single("ReduceSum", X, ints(1)),
    "ReduceSum-no-keepdims": lambda: single("ReduceSum", X, ints(0, -1), keepdims=0),
    "ReduceSum-all": lambda: single("ReduceSum", X),
    "ReduceSum-noop": lambda: single("ReduceSum", X, noop_with_empty_axes=1),
    "ReduceMean-attribute": lambda: single("ReduceMean", X, axes=[-1]),
    "ReduceMean-input-opset18": lambda: single("ReduceMean", X, ints(1, 2), opset=18, keepdims=0),
    "ReduceMax": lambda: single("ReduceMax", X, axes=[0, 2]),
    "ReduceMax-opset18": lambda: single("ReduceMax", X, ints(1), opset=18),
    "BatchNormalization": lambda: single(
        "BatchNormalization", IMAGE, rand(4), rand(4), rand(4), np.abs(rand(4)) + 0.5, epsilon=1e-3
    ),
    "LayerNormalization": lambda: single("LayerNormalization", X, rand(4), rand(4)),
    "LayerNormalization-no-bias": lambda: single("LayerNormalization", X, rand(4), axis=2, epsilon=1e-6),
    # layers
    "Conv": lambda: single("Conv", IMAGE, rand(6, 4, 3, 3), rand(6), pads=[1, 1, 1, 1]),
    "Conv-stride-no-bias": lambda: single("Conv", IMAGE, rand(6, 4, 3, 3), strides=[2, 2]),
    "Conv-dilation-asymmetric-pads": lambda: single(
        "Conv", IMAGE, rand(2, 4, 3, 3), dilations=[2, 2], pads=[0, 1, 2, 1]
    ),
    "Conv-groups": lambda: single("Conv", IMAGE, rand(8, 2, 3, 3), rand(8), group=2, pads=[1, 1, 1, 1]),
    "Conv-depthwise": lambda: single("Conv", IMAGE, rand(4, 1, 3, 3), group=4, kernel_shape=[3, 3]),
    "Conv-same-upper": lambda: single(
        "Conv", Input((1, 4, 7, 7)), rand(3, 4, 4, 4), strides=[2, 2], auto_pad="SAME_UPPER"
    ),
    "Conv-same-lower": lambda: single("Conv", Input((1, 4, 7, 7)), rand(3, 4, 4, 4), auto_pad="SAME_LOWER"),
    "Conv-valid": lambda: single("Conv", IMAGE, rand(3, 4, 3, 3), auto_pad="VALID"),
    "MaxPool": lambda: single("MaxPool", IMAGE, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "MaxPool-default-strides": lambda: single("MaxPool", IMAGE, kernel_shape=[2, 2]),
    "MaxPool-ceil": lambda: single("MaxPool", Input((1, 2, 7, 7)), kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    "MaxPool-ceil-pads": lambda: single(
        "MaxPool", Input((1, 2, 8, 8)), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1
    ),
    "MaxPool-same-upper": lambda: single(
        "MaxPool", Input((1, 2, 7, 7)), kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"
    ),
    "AveragePool": lambda: single("AveragePool", IMAGE, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    "AveragePool-ceil": lambda: single(
        "AveragePool", Input((1, 2, 7, 7)), kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1
    ),
    "AveragePool-count-include-pad-unpadded": lambda: single(
        "AveragePool", IMAGE, kernel_shape=[2, 2], strides=[2, 2], count_include_pad=1
    ),
    "GlobalAveragePool": lambda: single("GlobalAveragePool", IMAGE),
    "GlobalAveragePool-rank3": lambda: single("GlobalAveragePool", X),
    "GlobalMaxPool": lambda: single("GlobalMaxPool", IMAGE),
    "Gemm-transB": lambda: single("Gemm", Input((2, 4)), rand(5, 4), rand(5), transB=1),
    "Gemm-alpha-beta": lambda: single("Gemm", Input((2, 4)), rand(4, 5), rand(1, 5), alpha=0.5, beta=2.0),
    "Gemm-matrix-bias": lambda: single("Gemm", Input((2, 4)), rand(4, 5), rand(2, 5), beta=0.5),
    "Gemm-no-bias": lambda: single("Gemm", Input((2, 4)), rand(5, 4), transB=1),
    "Gemm-transA-runtime-B": lambda: single(
        "Gemm", Input((4, 2)), Input((5, 4)), rand(5), transA=1, transB=1, alpha=2.0
    ),
    "MatMul-constant": lambda: single("MatMul", X, rand(4, 6)),
    "MatMul-vector": lambda: single("MatMul", Input((4,)), rand(4, 6)),
    "MatMul-batched": lambda: single("MatMul", X, Input((2, 4, 5))),
    "MatMul-broadcast-constant": lambda: single("MatMul", X, rand(1, 4, 5)),
    # shape
    "Reshape": lambda: single("Reshape", X, ints(0, -1)),
    "Reshape-explicit": lambda: single("Reshape", X, ints(4, 3, 2)),
    "Flatten": lambda: single("Flatten", X),
    "Flatten-axis0": lambda: single("Flatten", X, axis=0),
    "Flatten-negative": lambda: single("Flatten", X, axis=-1),
    "Transpose": lambda: single("Transpose", X),
    "Transpose-perm": lambda: single("Transpose", X, perm=[1, 0, 2]),
    "Squeeze": lambda: single("Squeeze", Input((2, 1, 4, 1)), ints(1)),
    "Squeeze-all": lambda: single("Squeeze", Input((2, 1, 4, 1))),
    "Squeeze-opset11": lambda: single("Squeeze", Input((2, 1, 4, 1)), axes=[-1], opset=11),
    "Unsqueeze": lambda: single("Unsqueeze", X, ints(0, -1)),
    "Concat": lambda: single("Concat", X, Input((2, 2, 4)), rand(2, 1, 4), axis=1),
    "Concat-negative": lambda: single("Concat", X, X, axis=-1),
    "Split-sizes": lambda: single("Split", X, ints(1, 3), axis=2, outputs=2),
    "Split-equal": lambda: single("Split", Input((2, 6)), axis=1, outputs=3),
    "Split-num-outputs": lambda: single("Split", Input((2, 7)), axis=-1, outputs=3, opset=18, num_outputs=3),
    "Slice": lambda: single("Slice", X, ints(1), ints(3), ints(2)),
    "Slice-negative-int-max": lambda: single("Slice", X, ints(0, -2), ints(1, 2**63 - 1), ints(0, -1), ints(1, 1)),
    "Slice-all-axes": lambda: single("Slice", X, ints(0, 1, 1), ints(1, 3, -1)),
    "Pad": lambda: single("Pad", IMAGE, ints(0, 0, 1, 2, 0, 0, 3, 0), scalar(0.5)),
    "Pad-default-value": lambda: single("Pad", X, ints(1, 0, 0, 0, 0, 2)),
    "Pad-axes-opset18": lambda: single("Pad", X, ints(1, 2, 0, 1), None, ints(0, -1), opset=18),
    "Resize-scales": lambda: single("Resize", IMAGE, None, np.array([1, 1, 2, 2], np.float32), mode="nearest"),
    "Resize-sizes": lambda: single("Resize", IMAGE, None, None, ints(1, 4, 24, 24), mode="nearest"),
    "Resize-asymmetric-floor": lambda: single(
        "Resize",
        IMAGE,
        None,
        np.array([1, 1, 4, 4], np.float32),
        coordinate_transformation_mode="asymmetric",
        nearest_mode="floor",
    ),
    "Resize-axes-opset18": lambda: single("Resize", IMAGE, None, np.array([2, 2], np.float32), opset=18, axes=[2, 3]),
    "DepthToSpace": lambda: single("DepthToSpace", Input((1, 8, 3, 3)), blocksize=2),
    "DepthToSpace-CRD": lambda: single("DepthToSpace", Input((1, 8, 3, 3)), blocksize=2, mode="CRD"),
    "Gather-embedding": lambda: single("Gather", rand(10, 6), Input((2, 5), dtype=np.int64, low=0, high=10)),
    "Gather-scalar-index": lambda: single("Gather", X, np.array(-1, np.int64), axis=1),
    "Gather-one-index": lambda: single("Gather", X, ints(2), axis=2),
    "Identity": lambda: single("Identity", X),
    "Dropout": lambda: single("Dropout", X),
    "Cast-same-type": lambda: single("Cast", X, to=onnx.TensorProto.FLOAT),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_operator_matches_onnxruntime(case: Case, tmp_path) -> None:
    m, inputs = case()
    check(m, inputs, tmp_path)


def test_constant_node_variants(tmp_path) -> None:
    nodes = [
        helper.make_node("Constant", [], ["t"], value=onnx.numpy_helper.from_array(rand(4), "t")),
        helper.make_node("Constant", [], ["f"], value_float=0.25),
        helper.make_node("Constant", [], ["s"], value_ints=[2, 12]),
        helper.make_node("Add", ["x", "t"], ["a"]),
        helper.make_node("Mul", ["a", "f"], ["b"]),
        helper.make_node("Reshape", ["b", "s"], ["y"]),
    ]
    module = check(model(nodes, {"x": X}, ["y"]), {"x": X}, tmp_path)
    assert [op.weight_id for op in module.walk() if isinstance(op, graph.WeightOp)] == ["t"]


def test_shape_subgraph_folds(tmp_path) -> None:
    """x.view(x.size(0), -1) as PyTorch exports it: no shape op survives the import."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Constant", [], ["zero"], value=onnx.numpy_helper.from_array(np.array(0, np.int64))),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes"], ["batch1"]),
        helper.make_node("Concat", ["batch1", "minus_one"], ["target"], axis=0),
        helper.make_node("Cast", ["target"], ["target64"], to=onnx.TensorProto.INT64),
        helper.make_node("Reshape", ["x", "target64"], ["y"]),
    ]
    m = model(nodes, {"x": IMAGE}, ["y"], {"axes": ints(0), "minus_one": ints(-1)})
    module = check(m, {"x": IMAGE}, tmp_path)
    ops = [op.name for op in module.walk()]
    assert ops == ["builtin.module", "func.func", "graph.reshape", "func.return"]


def test_dead_nodes_are_not_imported(tmp_path) -> None:
    """A node no output depends on is neither converted nor reported, even if unsupported."""
    nodes = [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Celu", ["x"], ["unused"])]
    module = load_onnx(save(model(nodes, {"x": X}, ["y"]), tmp_path / "m.onnx"))
    assert [op.name for op in module.walk()][2:] == ["graph.relu", "func.return"]
