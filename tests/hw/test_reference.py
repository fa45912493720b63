"""hw/reference.py against ONNX's own reference implementation (onnx.reference.ReferenceEvaluator).

Each test builds a dlfc graph through the graph dialect constructors, runs it with
`run_graph`, and compares with a one-node (or few-node) ONNX model of the same
computation on the same random inputs (fixed seeds).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from onnx import helper
from onnx.reference import ReferenceEvaluator
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f16, f32, i32, i64
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from dlfc.dialects import graph
from dlfc.hw.reference import ExecutionError, GraphFunctions, erf_values, evaluate, pool_reduce, run_graph
from dlfc.hw.weights import WeightError, WeightStore, attach_store, initial_value

RTOL, ATOL = 1e-4, 1e-5
ELEMENT_TYPES: dict[np.dtype, Attribute] = {
    np.dtype(np.float32): f32,
    np.dtype(np.float16): f16,
    np.dtype(np.int64): i64,
    np.dtype(np.int32): i32,
}

Built = Operation | SSAValue | Sequence[SSAValue]


# --------------------------------------------------------------------------- harness


def tensor_type(a: np.ndarray) -> TensorType:
    return TensorType(ELEMENT_TYPES[a.dtype], list(a.shape))


def random(shape: Sequence[int], seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def spread(shape: Sequence[int], seed: int = 0) -> np.ndarray:
    """Random values wide enough to reach the clipped ranges of relu6, hardsigmoid, ..."""
    return random(shape, seed, scale=3.0)


def positive(shape: Sequence[int], seed: int = 0) -> np.ndarray:
    return np.abs(random(shape, seed)) + np.float32(0.1)


def results_of(built: Built) -> list[SSAValue]:
    if isinstance(built, Operation):
        return list(built.results)
    if isinstance(built, SSAValue):
        return [built]
    return list(built)


def weight(weights: dict[str, np.ndarray], name: str, value: np.ndarray) -> SSAValue:
    """A graph.weight for `value`, recorded in `weights` under `name`."""
    weights[name] = value
    return graph.WeightOp(name, tensor_type(value), "zeros").output


def dlfc_module(build: Callable[..., Built], inputs: Sequence[np.ndarray]) -> ModuleOp:
    """`func.func @main(inputs...)` returning what `build(*args)` builds."""
    block = Block(arg_types=[tensor_type(a) for a in inputs])
    with ImplicitBuilder(block) as args:
        outs = results_of(build(*args))
        func.ReturnOp(*outs)
    fn = func.FuncOp("main", ([tensor_type(a) for a in inputs], [o.type for o in outs]), Region(block))
    module = ModuleOp([fn])
    module.verify()
    return module


def dlfc(
    build: Callable[..., Built], *inputs: np.ndarray, weights: dict[str, np.ndarray] | None = None
) -> list[np.ndarray]:
    return run_graph(dlfc_module(build, inputs), inputs, weights or {})


def onnx_graph(
    nodes: Sequence, feeds: dict[str, np.ndarray], outputs: Sequence[str] = ("y",), opset: int = 17
) -> list[np.ndarray]:
    """Run an ONNX graph of `nodes` in onnx.reference.ReferenceEvaluator."""
    inputs = [
        helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for k, v in feeds.items()
    ]
    graph_proto = helper.make_graph(
        list(nodes), "test", inputs, [helper.make_empty_tensor_value_info(o) for o in outputs]
    )
    model = helper.make_model(graph_proto, opset_imports=[helper.make_opsetid("", opset)])
    return list(ReferenceEvaluator(model).run(None, feeds))


def onnx_op(op_type: str, *inputs: np.ndarray | None, outputs: int = 1, opset: int = 17, **attrs) -> list[np.ndarray]:
    """Run one ONNX node on `inputs` (None for an omitted optional input)."""
    names = ["" if a is None else f"i{k}" for k, a in enumerate(inputs)]
    feeds = {n: a for n, a in zip(names, inputs, strict=False) if a is not None}
    out_names = [f"y{k}" for k in range(outputs)]
    return onnx_graph([helper.make_node(op_type, names, out_names, **attrs)], feeds, out_names, opset)


def i64s(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def assert_close(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=False):
        assert a.shape == e.shape, (a.shape, e.shape)
        assert a.dtype == e.dtype, (a.dtype, e.dtype)
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- coverage


def test_every_graph_op_has_an_implementation():
    implemented = {op_type for op_type, _ in GraphFunctions._impls()}  # xDSL's registry of @impl methods
    missing = sorted(op.name for op in graph.Graph.operations if op not in implemented)
    assert not missing, f"graph ops without reference semantics: {missing}"


def test_evaluate_runs_one_op_without_an_interpreter():
    """The accel interpreter calls kernels directly: results come back as a tuple in the IR dtypes."""
    block = Block(arg_types=[TensorType(f16, [2, 5])])
    split = graph.SplitOp(block.args[0], (2, 3), axis=1)
    x = random((2, 5), 1).astype(np.float16)
    first, second = evaluate(split, [x])
    assert first.dtype == second.dtype == np.float16
    np.testing.assert_array_equal(np.concatenate([first, second], axis=1), x)
    with pytest.raises(ExecutionError, match="func.return has no reference semantics"):
        evaluate(func.ReturnOp(block.args[0]), [x])


# --------------------------------------------------------------------------- binary elementwise

BINARY = [
    (graph.AddOp, "Add"),
    (graph.SubOp, "Sub"),
    (graph.MulOp, "Mul"),
    (graph.DivOp, "Div"),
    (graph.MaxOp, "Max"),
    (graph.MinOp, "Min"),
    (graph.PowOp, "Pow"),
]
BROADCAST_SHAPES = [
    ((2, 3, 4), (2, 3, 4)),
    ((2, 3, 4), (4,)),
    ((2, 1, 4), (3, 1)),
    ((), (2, 3)),
    ((5,), ()),
    ((1, 3, 1, 5), (2, 1, 4, 1)),
]


@pytest.mark.parametrize("op_type,onnx_type", BINARY, ids=[b[1] for b in BINARY])
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_broadcasting(op_type, onnx_type, shapes):
    a, b = positive(shapes[0], 1), random(shapes[1], 2)
    if onnx_type == "Div":
        b = positive(shapes[1], 2)
    assert_close(dlfc(op_type, a, b), onnx_op(onnx_type, a, b))


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_division_truncates(dtype):
    a = np.array([7, -7, 7, -7, 6, -6, 0], dtype=dtype)
    b = np.array([2, 2, -2, -2, 3, -3, 5], dtype=dtype)
    assert_close(dlfc(graph.DivOp, a, b), onnx_op("Div", a, b))


def test_integer_add_keeps_dtype():
    a, b = np.arange(6, dtype=np.int64).reshape(2, 3), np.array([10, 20, 30], dtype=np.int64)
    assert_close(dlfc(graph.AddOp, a, b), onnx_op("Add", a, b))


# --------------------------------------------------------------------------- unary elementwise


def one_node(op_type: str, **attrs) -> list:
    return [helper.make_node(op_type, ["x"], ["y"], **attrs)]


def clip_nodes(lo: float, hi: float) -> list:
    return [
        helper.make_node("Constant", [], ["lo"], value=helper.make_tensor("lo", 1, [], [lo])),
        helper.make_node("Constant", [], ["hi"], value=helper.make_tensor("hi", 1, [], [hi])),
        helper.make_node("Clip", ["x", "lo", "hi"], ["y"]),
    ]


SILU_NODES = [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])]
RSQRT_NODES = [helper.make_node("Sqrt", ["x"], ["s"]), helper.make_node("Reciprocal", ["s"], ["y"])]
UNARY = [
    ("relu", graph.ReluOp, one_node("Relu"), spread, 17),
    ("relu6", graph.Relu6Op, clip_nodes(0.0, 6.0), spread, 17),
    ("leaky_relu", lambda x: graph.LeakyReluOp(x), one_node("LeakyRelu", alpha=0.01), spread, 17),
    ("leaky_relu_0.2", lambda x: graph.LeakyReluOp(x, 0.2), one_node("LeakyRelu", alpha=0.2), spread, 17),
    ("sigmoid", graph.SigmoidOp, one_node("Sigmoid"), spread, 17),
    ("tanh", graph.TanhOp, one_node("Tanh"), spread, 17),
    ("gelu", graph.GeluOp, one_node("Gelu"), spread, 20),
    ("silu", graph.SiluOp, SILU_NODES, spread, 17),
    ("hardswish", graph.HardSwishOp, one_node("HardSwish"), spread, 17),
    ("hardsigmoid", graph.HardSigmoidOp, one_node("HardSigmoid", alpha=1 / 6, beta=0.5), spread, 17),
    ("exp", graph.ExpOp, one_node("Exp"), spread, 17),
    ("log", graph.LogOp, one_node("Log"), positive, 17),
    ("sqrt", graph.SqrtOp, one_node("Sqrt"), positive, 17),
    ("rsqrt", graph.RsqrtOp, RSQRT_NODES, positive, 17),
    ("reciprocal", graph.ReciprocalOp, one_node("Reciprocal"), positive, 17),
    ("square", graph.SquareOp, [helper.make_node("Mul", ["x", "x"], ["y"])], spread, 17),
    ("neg", graph.NegOp, one_node("Neg"), spread, 17),
    ("abs", graph.AbsOp, one_node("Abs"), spread, 17),
    ("erf", graph.ErfOp, one_node("Erf"), spread, 17),
    ("clip", lambda x: graph.ClipOp(x, -0.5, 1.25), clip_nodes(-0.5, 1.25), spread, 17),
    ("elu", graph.EluOp, one_node("Elu"), spread, 17),
    ("elu_0.3", lambda x: graph.EluOp(x, 0.3), one_node("Elu", alpha=0.3), spread, 17),
    ("selu", graph.SeluOp, one_node("Selu"), spread, 17),
    ("selu_params", lambda x: graph.SeluOp(x, 1.5, 0.5), one_node("Selu", alpha=1.5, gamma=0.5), spread, 17),
    ("softplus", graph.SoftplusOp, one_node("Softplus"), spread, 17),
    ("softplus_wide", graph.SoftplusOp, one_node("Softplus"), lambda s, seed: random(s, seed, scale=40.0), 17),
    ("sign", graph.SignOp, one_node("Sign"), spread, 17),
    ("shrink", graph.ShrinkOp, one_node("Shrink"), spread, 17),
    ("shrink_params", lambda x: graph.ShrinkOp(x, 0.25, 1.5), one_node("Shrink", bias=0.25, lambd=1.5), spread, 17),
]


@pytest.mark.parametrize("build,nodes,domain,opset", [u[1:] for u in UNARY], ids=[u[0] for u in UNARY])
def test_unary(build, nodes, domain, opset):
    x = domain((2, 3, 4, 5), 3)
    assert_close(dlfc(build, x), onnx_graph(nodes, {"x": x}, opset=opset))


def test_gelu_matches_erf_formula_in_float64():
    x = np.linspace(-6, 6, 1001, dtype=np.float32)
    expected = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)], dtype=np.float32)
    assert_close(dlfc(graph.GeluOp, x), [expected])


def test_erf_is_accurate_to_double_precision():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-30, 7, 2001), [0.0, 1.0, 6.0, np.inf, -np.inf]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf_values(x), expected, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("op_type,onnx_type", [(graph.NegOp, "Neg"), (graph.AbsOp, "Abs"), (graph.SignOp, "Sign")])
def test_integer_unary(op_type, onnx_type):
    x = np.array([[-3, 0, 5], [7, -9, 2]], dtype=np.int64)
    assert_close(dlfc(op_type, x), onnx_op(onnx_type, x))


# --------------------------------------------------------------------------- conv2d

CONVS = {
    # name: (N, C, H, W, out, (kh, kw), stride, pad [t, l, b, r], dilation, groups, bias)
    "3x3_pad1_bias": (1, 3, 8, 8, 4, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, True),
    "strided_asym_pad_nobias": (2, 4, 9, 7, 6, (3, 3), (2, 2), (0, 1, 2, 1), (1, 1), 1, False),
    "dilated": (1, 3, 11, 10, 5, (3, 3), (1, 1), (2, 2, 2, 2), (2, 2), 1, True),
    "dilated_strided_rect": (1, 4, 12, 9, 4, (3, 2), (2, 1), (1, 0, 1, 1), (2, 3), 1, False),
    "grouped": (2, 8, 6, 6, 12, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 4, True),
    "grouped_strided": (1, 6, 9, 9, 4, (2, 3), (2, 2), (0, 1, 1, 0), (1, 1), 2, False),
    "depthwise": (1, 8, 7, 7, 8, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 8, True),
    "depthwise_x2_strided": (2, 4, 9, 8, 8, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 4, False),
    "pointwise": (1, 16, 5, 5, 8, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1, True),
    "pointwise_strided": (2, 8, 6, 6, 4, (1, 1), (2, 2), (0, 0, 0, 0), (1, 1), 1, False),
    "stem_7x7": (1, 3, 20, 20, 8, (7, 7), (2, 2), (3, 3, 3, 3), (1, 1), 1, True),
}


@pytest.mark.parametrize("case", CONVS.values(), ids=CONVS.keys())
def test_conv2d(case):
    n, c, h, w, out, kernel, stride, pad, dilation, groups, has_bias = case
    x, wt, b = random((n, c, h, w), 4), random((out, c // groups, *kernel), 5), random((out,), 6)
    weights: dict[str, np.ndarray] = {}

    def build(x: SSAValue) -> Built:
        bias = weight(weights, "b", b) if has_bias else None
        return graph.Conv2DOp(x, weight(weights, "w", wt), bias, stride, pad, dilation, groups)

    attrs = dict(strides=list(stride), pads=list(pad), dilations=list(dilation), group=groups)
    expected = onnx_op("Conv", x, wt, *([b] if has_bias else []), **attrs)
    assert_close(dlfc(build, x, weights=weights), expected)


# --------------------------------------------------------------------------- pooling

POOLS = {
    # name: (op type, ONNX op, kernel, stride, pad [t, l, b, r])
    "maxpool_3x3_s2_pad1": (graph.MaxPoolOp, "MaxPool", (3, 3), (2, 2), (1, 1, 1, 1)),
    "maxpool_2x2_s2": (graph.MaxPoolOp, "MaxPool", (2, 2), (2, 2), (0, 0, 0, 0)),
    "maxpool_asym_pad": (graph.MaxPoolOp, "MaxPool", (3, 2), (1, 2), (0, 1, 2, 0)),
    "avgpool_3x3_s1_pad1": (graph.AvgPoolOp, "AveragePool", (3, 3), (1, 1), (1, 1, 1, 1)),
    "avgpool_2x2_s2": (graph.AvgPoolOp, "AveragePool", (2, 2), (2, 2), (0, 0, 0, 0)),
    "avgpool_asym_pad_s2": (graph.AvgPoolOp, "AveragePool", (3, 3), (2, 2), (2, 0, 1, 2)),
}


@pytest.mark.parametrize("case", POOLS.values(), ids=POOLS.keys())
def test_pool(case):
    op_type, onnx_type, kernel, stride, pad = case
    x = random((2, 3, 9, 8), 7) - np.float32(3.0)  # mostly negative: a zero pad would win the max
    attrs = dict(kernel_shape=list(kernel), strides=list(stride), pads=list(pad))
    if onnx_type == "AveragePool":
        attrs["count_include_pad"] = 0
    assert_close(dlfc(lambda v: op_type(v, kernel, stride, pad), x), onnx_op(onnx_type, x, **attrs))


LARGE_POOLS = {
    # name: (op type, ONNX op, kernel, stride, pad, dilation, ceil_mode, count_include_pad): more than
    # POOL_DIRECT_TAPS taps, reduced axis by axis; axes above POOL_AXIS_DIRECT taps by sliding_reduce
    "maxpool_9x9_s1_pad4": (graph.MaxPoolOp, "MaxPool", (9, 9), (1, 1), (4, 4, 4, 4), (1, 1), False, 0),
    "maxpool_20x3_dil2_s3": (graph.MaxPoolOp, "MaxPool", (20, 3), (3, 1), (1, 0, 2, 1), (1, 2), True, 0),
    "maxpool_3d_5x5x5": (graph.MaxPoolOp, "MaxPool", (5, 5, 5), (2, 1, 2), (1, 2, 0, 0, 2, 1), (1, 1, 2), False, 0),
    "maxpool_17x17_dil3": (graph.MaxPoolOp, "MaxPool", (17, 17), (2, 1), (0, 0, 0, 0), (2, 3), False, 0),
    "avgpool_19x19_s2_pad3": (graph.AvgPoolOp, "AveragePool", (19, 19), (2, 2), (3, 3, 3, 3), (1, 1), False, 0),
    "avgpool_18x5_include_pad": (graph.AvgPoolOp, "AveragePool", (18, 5), (1, 3), (2, 1, 3, 2), (1, 1), True, 1),
}


@pytest.mark.parametrize("case", LARGE_POOLS.values(), ids=LARGE_POOLS.keys())
def test_large_pool(case):
    """Windows of more than 64 taps (`pool_reduce` reduces them axis by axis): ONNX's results."""
    op_type, onnx_type, kernel, stride, pad, dilation, ceil_mode, include = case
    x = random((2, 3, *[(k - 1) * d + 12 for k, d in zip(kernel, dilation, strict=True)]), 9) - np.float32(3.0)
    attrs = dict(kernel_shape=list(kernel), strides=list(stride), pads=list(pad), ceil_mode=int(ceil_mode))
    if onnx_type == "AveragePool":
        attrs["count_include_pad"] = include
    else:
        attrs["dilations"] = list(dilation)
    extra = {"count_include_pad": bool(include)} if op_type is graph.AvgPoolOp else {}
    actual = dlfc(lambda v: op_type(v, kernel, stride, pad, dilation, ceil_mode, **extra), x)
    assert_close(actual, onnx_op(onnx_type, x, **attrs))


class CountingUfunc:
    """A ufunc that counts the elements of every result it computes (the work of a kernel built on it)."""

    def __init__(self, ufunc: np.ufunc) -> None:
        self.ufunc = ufunc
        self.elements = 0

    def __call__(self, *args, **kwargs):
        result = self.ufunc(*args, **kwargs)
        self.elements += np.size(result)
        return result

    def accumulate(self, *args, **kwargs):
        result = self.ufunc.accumulate(*args, **kwargs)
        self.elements += np.size(result)
        return result


@pytest.mark.parametrize(("kernel", "stride", "dilation"), [((300, 300), (1, 1), (1, 1)), ((150, 7), (1, 2), (2, 40))])
def test_a_huge_pooling_window_costs_the_tensor_sizes_not_kernel_times_output(kernel, stride, dilation):
    """A 300x300 max over a 400x400 image: kernel · output would be 9·10^8 steps; axis by axis it is a few
    times the image (counted elements, not time), and the result is each window's maximum."""
    x = random((1, 2, 400, 400), 3)
    block = Block(arg_types=[tensor_type(x)])
    op = graph.MaxPoolOp(block.args[0], kernel, stride, [0, 0, 0, 0], dilation)
    combine = CountingUfunc(np.maximum)
    actual, out = pool_reduce(op, x, -np.inf, combine)  # type: ignore[arg-type]
    assert combine.elements <= 8 * x.size, combine.elements
    assert 2 * math.prod(kernel) * math.prod(out) > 5 * 8 * x.size  # what one step per tap would cost
    rows = np.lib.stride_tricks.sliding_window_view(x, (kernel[0] - 1) * dilation[0] + 1, axis=2)
    rows = rows[:, :, :: stride[0], :, :: dilation[0]].max(axis=-1)
    cols = np.lib.stride_tricks.sliding_window_view(rows, (kernel[1] - 1) * dilation[1] + 1, axis=3)
    expected = cols[:, :, :, :: stride[1], :: dilation[1]].max(axis=-1)
    np.testing.assert_array_equal(actual, expected)


def test_an_average_over_a_window_of_100000_taps_costs_the_tensor_sizes():
    """avgpool over 200,000 cells with a 100,000-cell window (padding counted or not): each output is the mean of
    its window (against float64 prefix sums); counting each window's cells no longer builds a taps x output table
    (10^10 entries), and the sums run in sliding_reduce."""
    x = random((1, 2, 1, 200_000), 5)
    block = Block(arg_types=[tensor_type(x)])
    for include in (False, True):
        op = graph.AvgPoolOp(block.args[0], (1, 100_000), (1, 1), (0, 50, 0, 50), None, False, include)
        (actual,) = evaluate(op, [x])
        padded = np.pad(x.astype(np.float64), [(0, 0), (0, 0), (0, 0), (50, 50)])
        sums = np.concatenate([np.zeros((1, 2, 1, 1)), np.cumsum(padded, axis=-1)], axis=-1)
        window = sums[..., 100_000:] - sums[..., :-100_000]
        cells = np.arange(window.shape[-1])
        count = 100_000 if include else np.minimum(cells + 100_000 - 50, 200_000) - np.maximum(cells - 50, 0)
        np.testing.assert_allclose(actual, window / count, rtol=1e-4, atol=1e-6)


def test_lrn_with_a_size_far_beyond_the_channels_sums_every_channel():
    """size 10^9 on 6 channels: every window covers all of them; the work is bounded by the tensor."""
    x = random((2, 6, 3, 3), 4)
    (actual,) = dlfc(lambda v: graph.LRNOp(v, 10**9, 1e-4, 0.75, 1.0), x)
    scale = 1.0 + 1e-4 / 10**9 * np.square(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(actual, x / scale**0.75, rtol=1e-6)


def test_global_avgpool():
    x = random((2, 5, 7, 6), 8)
    assert_close(dlfc(graph.GlobalAvgPoolOp, x), onnx_op("GlobalAveragePool", x))


# --------------------------------------------------------------------------- layers


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 6)], ids=["rank2", "rank3"])
@pytest.mark.parametrize("has_bias", [True, False], ids=["bias", "nobias"])
def test_dense(shape, has_bias):
    x, wt, b = random(shape, 9), random((5, 6), 10), random((5,), 11)
    weights: dict[str, np.ndarray] = {}

    def build(v: SSAValue) -> Built:
        return graph.DenseOp(v, weight(weights, "w", wt), weight(weights, "b", b) if has_bias else None)

    if len(shape) == 2:
        expected = onnx_op("Gemm", x, wt, b if has_bias else None, transB=1)
    else:
        nodes = [helper.make_node("MatMul", ["x", "wT"], ["xw" if has_bias else "y"])]
        feeds = {"x": x, "wT": np.ascontiguousarray(wt.T)}
        if has_bias:
            nodes.append(helper.make_node("Add", ["xw", "b"], ["y"]))
            feeds["b"] = b
        expected = onnx_graph(nodes, feeds)
    assert_close(dlfc(build, x, weights=weights), expected)


@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (3, 4), (2, 4, 6)], ids=str)
def test_batchnorm(shape):
    x = random(shape, 12)
    scale, bias, mean, var = random((4,), 13), random((4,), 14), random((4,), 15), positive((4,), 16)
    weights: dict[str, np.ndarray] = {}

    def build(v: SSAValue) -> Built:
        stats = [weight(weights, k, a) for k, a in (("s", scale), ("b", bias), ("m", mean), ("v", var))]
        return graph.BatchNormOp(v, *stats, eps=1e-3)

    expected = onnx_op("BatchNormalization", x, scale, bias, mean, var, epsilon=1e-3)
    assert_close(dlfc(build, x, weights=weights), expected)


@pytest.mark.parametrize("shape", [(2, 3, 8), (5, 16)], ids=str)
def test_layernorm(shape):
    x, scale, bias = random(shape, 17, scale=3.0) + np.float32(1.0), random(shape[-1:], 18), random(shape[-1:], 19)
    weights: dict[str, np.ndarray] = {}

    def build(v: SSAValue) -> Built:
        return graph.LayerNormOp(v, weight(weights, "g", scale), weight(weights, "b", bias), eps=1e-6)

    expected = onnx_op("LayerNormalization", x, scale, bias, axis=-1, epsilon=1e-6)
    assert_close(dlfc(build, x, weights=weights), expected)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_embedding(dtype):
    table = random((10, 4), 20)
    ids = np.array([[0, 3, 9], [2, -1, 3]], dtype=dtype)
    weights: dict[str, np.ndarray] = {}
    actual = dlfc(lambda v: graph.EmbeddingOp(v, weight(weights, "table", table)), ids, weights=weights)
    assert_close(actual, onnx_op("Gather", table, ids, axis=0))


@pytest.mark.parametrize(
    "shapes",
    [
        ((3, 4), (4, 5)),
        ((2, 1, 3, 4), (5, 4, 6)),
        ((3, 4), (4,)),
        ((4,), (2, 4, 5)),
        ((2, 3, 4), (2, 4, 2)),
        ((4,), (4,)),
    ],
    ids=str,
)
def test_matmul(shapes):
    a, b = random(shapes[0], 21), random(shapes[1], 22)
    assert_close(dlfc(graph.MatMulOp, a, b), onnx_op("MatMul", a, b))


# --------------------------------------------------------------------------- softmax and reductions


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax(axis):
    x = random((3, 4, 5), 23, scale=10.0)
    assert_close(dlfc(lambda v: graph.SoftmaxOp(v, axis), x), onnx_op("Softmax", x, axis=axis))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_log_softmax(axis):
    x = random((3, 4, 5), 23, scale=10.0)
    assert_close(dlfc(lambda v: graph.LogSoftmaxOp(v, axis), x), onnx_op("LogSoftmax", x, axis=axis))


@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 4, 5), (1, 2, 3, 4, 5)], ids=str)
def test_instance_norm(shape):
    x, scale, bias = random(shape, 26, scale=3.0) + np.float32(1.0), random(shape[1:2], 27), random(shape[1:2], 28)
    weights: dict[str, np.ndarray] = {}
    actual = dlfc(
        lambda v: graph.InstanceNormOp(v, weight(weights, "s", scale), weight(weights, "b", bias), 1e-3),
        x,
        weights=weights,
    )
    assert_close(actual, onnx_op("InstanceNormalization", x, scale, bias, epsilon=1e-3))


@pytest.mark.parametrize("slope_shape", [(3, 1, 1), (1,), (5,), (2, 3, 4, 5)], ids=str)
def test_prelu(slope_shape):
    x, slope = spread((2, 3, 4, 5), 29), random(slope_shape, 30)
    assert_close(dlfc(graph.PReluOp, x, slope), onnx_op("PRelu", x, slope))


REDUCTIONS = [
    (graph.ReduceSumOp, "ReduceSum"),
    (graph.ReduceMeanOp, "ReduceMean"),
    (graph.ReduceMaxOp, "ReduceMax"),
    (graph.ReduceProdOp, "ReduceProd"),
]


@pytest.mark.parametrize("op_type,onnx_type", REDUCTIONS, ids=[r[1] for r in REDUCTIONS])
@pytest.mark.parametrize("axes", [(1,), (0, 2), (-1,), (0, 1, 2)], ids=str)
@pytest.mark.parametrize("keepdims", [True, False])
def test_reduction(op_type, onnx_type, axes, keepdims):
    x = np.float32(1.0) + random((3, 4, 5), 24, scale=0.1)  # near 1, so products stay in range
    actual = dlfc(lambda v: op_type(v, axes, keepdims), x)
    assert_close(actual, onnx_op(onnx_type, x, i64s(*axes), keepdims=int(keepdims), opset=18))


# --------------------------------------------------------------------------- shape ops


def test_reshape():
    x = random((2, 3, 4), 25)
    assert_close(dlfc(lambda v: graph.ReshapeOp(v, (4, -1)), x), onnx_op("Reshape", x, i64s(4, -1)))


@pytest.mark.parametrize("axis", [0, 1, 2, 3, -1, -3])
def test_flatten(axis):
    x = random((2, 3, 4), 26)
    assert_close(dlfc(lambda v: graph.FlattenOp(v, axis), x), onnx_op("Flatten", x, axis=axis))


def test_transpose():
    x = random((2, 3, 4, 5), 27)
    perm = (0, 2, 3, 1)
    assert_close(dlfc(lambda v: graph.TransposeOp(v, perm), x), onnx_op("Transpose", x, perm=list(perm)))


def test_squeeze():
    x = random((1, 3, 1, 4, 1), 28)
    assert_close(dlfc(lambda v: graph.SqueezeOp(v, (0, -1)), x), onnx_op("Squeeze", x, i64s(0, -1)))


def test_unsqueeze():
    x = random((3, 4), 29)
    assert_close(dlfc(lambda v: graph.UnsqueezeOp(v, (0, 2, -1)), x), onnx_op("Unsqueeze", x, i64s(0, 2, -1)))


@pytest.mark.parametrize("axis", [1, -1, 0])
def test_concat(axis):
    shapes = {1: [(2, 1, 4), (2, 3, 4), (2, 2, 4)], -1: [(2, 3, 1), (2, 3, 4), (2, 3, 2)], 0: [(1, 3, 4), (3, 3, 4)]}[
        axis
    ]
    xs = [random(s, 30 + k) for k, s in enumerate(shapes)]
    assert_close(dlfc(lambda *vs: graph.ConcatOp(vs, axis), *xs), onnx_op("Concat", *xs, axis=axis))


@pytest.mark.parametrize("sizes,axis", [((2, 3, 1), 1), ((1, 1), 0), ((4,), 2), ((1, 2, 1), -1)], ids=str)
def test_split(sizes, axis):
    shape = [2, 6, 4]
    shape[axis] = sum(sizes)
    x = random(shape, 33)
    actual = dlfc(lambda v: graph.SplitOp(v, sizes, axis), x)
    assert_close(actual, onnx_op("Split", x, i64s(*sizes), outputs=len(sizes), axis=axis))


@pytest.mark.parametrize(
    "starts,ends,axes",
    [((1,), (3,), (0,)), ((-3, 0), (1000, -1), (2, 1)), ((-100,), (2,), (-1,)), ((0, 1, 2), (2, 4, 5), (0, 1, 2))],
    ids=str,
)
def test_slice(starts, ends, axes):
    x = random((3, 4, 6), 34)
    actual = dlfc(lambda v: graph.SliceOp(v, starts, ends, axes), x)
    assert_close(actual, onnx_op("Slice", x, i64s(*starts), i64s(*ends), i64s(*axes)))


@pytest.mark.parametrize("pads,value", [((0, 1, 2, 3, 1, 0, 0, 2), 0.0), ((1, 0, 0, 1, 0, 2, 1, 0), 1.5)], ids=str)
def test_pad(pads, value):
    x = random((2, 3, 4, 5), 35)
    actual = dlfc(lambda v: graph.PadOp(v, pads, value), x)
    assert_close(actual, onnx_op("Pad", x, i64s(*pads), np.array(value, dtype=np.float32), mode="constant"))


@pytest.mark.parametrize("mode", ["reflect", "edge", "wrap"])
@pytest.mark.parametrize("pads", [(0, 1, 2, 3, 1, 0, 0, 4), (1, 0, 3, 0, 0, 2, 1, 1)], ids=str)
def test_pad_modes(mode, pads):
    x = random((2, 3, 4, 5), 35)
    assert_close(
        dlfc(lambda v: graph.PadOp(v, pads, 0.0, mode), x), onnx_op("Pad", x, i64s(*pads), mode=mode, opset=19)
    )


@pytest.mark.parametrize(
    "x_shape,shape", [((3, 1), (2, 3, 4)), ((1,), (5,)), ((), (2, 2)), ((2, 1, 4), (2, 3, 4))], ids=str
)
def test_expand(x_shape, shape):
    x = random(x_shape, 38)
    assert_close(dlfc(lambda v: graph.ExpandOp(v, shape), x), onnx_op("Expand", x, i64s(*shape)))


@pytest.mark.parametrize("repeats", [(1, 1, 1), (2, 1, 3), (1, 4, 1)], ids=str)
def test_tile(repeats):
    x = random((2, 3, 4), 39)
    assert_close(dlfc(lambda v: graph.TileOp(v, repeats), x), onnx_op("Tile", x, i64s(*repeats)))


@pytest.mark.parametrize("scale", [2, 3])
def test_upsample(scale):
    x = random((2, 3, 4, 5), 36)
    scales = np.array([1, 1, scale, scale], dtype=np.float32)
    expected = onnx_op(
        "Resize", x, None, scales, mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"
    )
    assert_close(dlfc(lambda v: graph.UpsampleOp(v, scale), x), expected)


@pytest.mark.parametrize("groups", [2, 3])
def test_channel_shuffle(groups):
    x = random((2, 12, 3, 4), 37)
    n, c, h, w = x.shape
    nodes = [
        helper.make_node("Reshape", ["x", "s5"], ["t0"]),
        helper.make_node("Transpose", ["t0"], ["t1"], perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["t1", "s4"], ["y"]),
    ]
    feeds = {"x": x, "s5": i64s(n, groups, c // groups, h, w), "s4": i64s(n, c, h, w)}
    assert_close(dlfc(lambda v: graph.ChannelShuffleOp(v, groups), x), onnx_graph(nodes, feeds))


@pytest.mark.parametrize("block", [2, 3])
def test_depth_to_space(block):
    x = random((2, 2 * block * block, 3, 4), 38)
    actual = dlfc(lambda v: graph.DepthToSpaceOp(v, block), x)
    assert_close(actual, onnx_op("DepthToSpace", x, blocksize=block, mode="DCR"))


# --------------------------------------------------------------------------- constants, dtypes, weights


def test_constant():
    x = random((2, 3), 39)
    assert_close(dlfc(lambda v: graph.AddOp(v, graph.ConstantOp(0.5, f32).output), x), [x + np.float32(0.5)])


FLOAT16_CASES = {
    "add_constant": lambda v, et: graph.AddOp(v, graph.ConstantOp(0.25, et).output),
    "gelu": lambda v, et: graph.GeluOp(v),
    "softmax": lambda v, et: graph.SoftmaxOp(v, -1),
    "layernorm": lambda v, et: graph.LayerNormOp(
        v,
        graph.WeightOp("g", TensorType(et, [4]), "ones").output,
        graph.WeightOp("b", TensorType(et, [4]), "zeros").output,
    ),
    "reduce_mean": lambda v, et: graph.ReduceMeanOp(v, (1,)),
    "maxpool": lambda v, et: graph.MaxPoolOp(v, (2, 2), (1, 1), (1, 1, 0, 0)),
    "avgpool": lambda v, et: graph.AvgPoolOp(v, (2, 2), (1, 1), (1, 1, 0, 0)),
    "conv": lambda v, et: graph.Conv2DOp(v, v, pad=(1, 1, 1, 1)),
}


@pytest.mark.parametrize("build", FLOAT16_CASES.values(), ids=FLOAT16_CASES.keys())
def test_float16_results_stay_float16(build):
    x = random((4, 4, 4, 4), 40)
    (y16,) = dlfc(lambda v: build(v, f16), x.astype(np.float16))
    (y32,) = dlfc(lambda v: build(v, f32), x)
    assert y16.dtype == np.float16
    np.testing.assert_allclose(y16.astype(np.float32), y32, rtol=1e-2, atol=2e-2)


DENSE_WEIGHT = TensorType(f32, [3, 6])


def dense_on(init: str) -> Callable[[SSAValue], Built]:
    """x -> dense(x, weight "fc.w" of type DENSE_WEIGHT initialised as `init`)."""
    return lambda v: graph.DenseOp(v, graph.WeightOp("fc.w", DENSE_WEIGHT, init).output)


def test_weight_store_fills_missing_weights_deterministically():
    x = random((2, 6), 41)
    (y,) = dlfc(dense_on("he_normal"), x)
    np.testing.assert_allclose(y, x @ initial_value("fc.w", DENSE_WEIGHT, "he_normal").T, rtol=RTOL, atol=ATOL)


def test_run_graph_defaults_to_the_module_weight_store():
    x, w = random((2, 6), 45), random((3, 6), 46)
    module = dlfc_module(dense_on("stored"), [x])
    attach_store(module, WeightStore({"fc.w": w}))
    np.testing.assert_allclose(run_graph(module, [x])[0], x @ w.T, rtol=RTOL, atol=ATOL)


def test_weight_of_wrong_shape_is_rejected():
    with pytest.raises(WeightError, match="shape"):
        dlfc(dense_on("zeros"), random((2, 6), 42), weights={"fc.w": random((6, 3), 43)})


def test_run_graph_checks_inputs():
    x = random((2, 3), 44)
    module = dlfc_module(graph.ReluOp, [x])
    with pytest.raises(ValueError, match="shape"):
        run_graph(module, [x.T], {})
    with pytest.raises(ValueError, match="inputs"):
        run_graph(module, [x, x], {})


# --------------------------------------------------------------------------- end to end


def test_small_cnn_end_to_end():
    """conv -> batchnorm -> relu -> maxpool -> flatten -> dense -> softmax against the same ONNX graph."""
    x = random((2, 3, 10, 10), 50)
    p = {
        "conv.w": random((8, 3, 3, 3), 51, scale=0.3),
        "conv.b": random((8,), 52),
        "bn.s": positive((8,), 53),
        "bn.b": random((8,), 54),
        "bn.m": random((8,), 55),
        "bn.v": positive((8,), 56),
        "fc.w": random((5, 8 * 5 * 5), 57, scale=0.1),
        "fc.b": random((5,), 58),
    }

    def build(v: SSAValue) -> Built:
        w = {k: graph.WeightOp(k, tensor_type(a), "zeros").output for k, a in p.items()}
        y = graph.Conv2DOp(v, w["conv.w"], w["conv.b"], pad=(1, 1, 1, 1)).output
        y = graph.BatchNormOp(y, w["bn.s"], w["bn.b"], w["bn.m"], w["bn.v"]).output
        y = graph.ReluOp(y).output
        y = graph.MaxPoolOp(y, (2, 2), (2, 2)).output
        y = graph.FlattenOp(y).output
        y = graph.DenseOp(y, w["fc.w"], w["fc.b"]).output
        return graph.SoftmaxOp(y, -1)

    nodes = [
        helper.make_node("Conv", ["x", "conv.w", "conv.b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "bn.s", "bn.b", "bn.m", "bn.v"], ["n"]),
        helper.make_node("Relu", ["n"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["m"], ["f"]),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["d"], transB=1),
        helper.make_node("Softmax", ["d"], ["y"], axis=-1),
    ]
    assert_close(dlfc(build, x, weights=p), onnx_graph(nodes, {"x": x, **p}))
