"""Reference numerics of the `graph` dialect: one numpy function per op.

Semantics follow ONNX opset 17 (see each op's docstring in `dialects/graph.py`).
Every kernel is a plain function `kernel(op, *args) -> array | tuple[array, ...]`
of the op (for its properties) and its operand values, registered in `KERNELS`;
`evaluate` runs one and gives its results the dtypes of the op's result types.
The accel-level interpreter reuses them unchanged. `GraphFunctions` exposes the
kernels, plus `graph.weight`, to xDSL's `Interpreter`; `FunctionCalls` runs
a function body, releasing each value after its last use; `run_graph` runs a
graph-level module with both.

Convolution is im2col on a strided view plus one batched BLAS matmul over all
groups (depthwise included; a 1x1 stride-1 conv needs no copy); pooling reduces
the same view tap by tap, or axis by axis for large windows (`pool_reduce`). No kernel loops over pixels or channels in Python, and
no kernel writes into its operands. float16 products accumulate in float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.polynomial import Chebyshev
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, impl_callable, register_impls
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dlfc.dialects import graph
from dlfc.dialects.graph import float_of, int_of, ints
from dlfc.hw.weights import WeightStore, numpy_dtype, store_of

Kernel = Callable[..., Any]
KERNELS: dict[type[Operation], Kernel] = {}


class ExecutionError(Exception):
    """Input data an op cannot compute on (an embedding id outside its table, say).

    `location` is the op's source location (`evaluate` sets it), which error reports point at.
    """

    def __init__(self, message: str, location: Attribute | None = None):
        super().__init__(message)
        self.location = location


def kernel(*op_types: type[Operation]) -> Callable[[Kernel], Kernel]:
    """Register a function as the semantics of the given graph ops."""

    def register(fn: Kernel) -> Kernel:
        for op_type in op_types:
            KERNELS[op_type] = fn
        return fn

    return register


def result_dtype(op: Operation, index: int = 0) -> np.dtype:
    """The numpy dtype of result `index` of `op`."""
    t = op.results[index].type
    assert isinstance(t, TensorType)
    return numpy_dtype(t.element_type)


def evaluate(op: Operation, args: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """The results of graph compute op `op` on operand values `args`, in the IR result dtypes."""
    fn = KERNELS.get(type(op))
    if fn is None:
        raise ExecutionError(f"{op.name} has no reference semantics (hw/reference.py KERNELS)", op.location)
    try:
        out = fn(op, *args)
    except ExecutionError as e:
        e.location = e.location or op.location
        raise
    results = out if isinstance(out, tuple) else (out,)
    return tuple(np.asarray(r, dtype=result_dtype(op, i)) for i, r in enumerate(results))


def wide(x: np.ndarray) -> np.ndarray:
    """`x`, as float32 if it is float16: products and sums of float16 values accumulate in float32."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


# --------------------------------------------------------------------------- sources


@kernel(graph.ConstantOp)
def constant(op: graph.ConstantOp) -> np.ndarray:
    """The literal as a 0-d tensor."""
    return np.array(op.number, dtype=result_dtype(op))


# --------------------------------------------------------------------------- windows (conv and pooling)


def pad_spatial(x: np.ndarray, begins: Sequence[int], ends: Sequence[int], value: float) -> np.ndarray:
    """[N, C, *spatial] `x` with `value` before and after each spatial axis (a negative end pads nothing)."""
    ends = [max(e, 0) for e in ends]
    if not any(begins) and not any(ends):
        return x
    spatial = x.shape[2:]
    out = np.full(x.shape[:2] + tuple(d + b + e for d, b, e in zip(spatial, begins, ends, strict=True)), value, x.dtype)
    out[(slice(None), slice(None), *(slice(b, b + d) for d, b in zip(spatial, begins, strict=True)))] = x
    return out


def windows(
    x: np.ndarray, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int], out: Sequence[int]
) -> np.ndarray:
    """Read-only view [N, C, *kernel, *out] of the sliding windows of (padded) [N, C, *spatial] `x`.

    In 2-D, view[n, c, i, j, p, q] = x[n, c, p * sh + i * dh, q * sw + j * dw].
    """
    s = x.strides
    taps = tuple(s[2 + a] * d for a, d in enumerate(dilation))
    steps = tuple(s[2 + a] * st for a, st in enumerate(stride))
    return as_strided(x, (*x.shape[:2], *kernel, *out), (*s[:2], *taps, *steps), writeable=False)


def window_geometry(
    op: graph.GraphOp, x_shape: Sequence[int], kernel: Sequence[int]
) -> tuple[graph.Shape, graph.Shape, graph.Shape]:
    """(output lengths, begin padding, end padding) of a convolution's or pooling's windows over input `x_shape`.

    The end padding covers every window (ceil_mode's extra cells included).
    """
    stride, pad, dilation = ints(op.stride), ints(op.pad), ints(op.dilation)
    ceil_mode = getattr(op, "ceil_mode", None)  # pooling only
    ceil = ceil_mode is not None and bool(ceil_mode.value.data)
    r = len(stride)
    out = tuple(
        graph.window_out(op.name, x_shape[2 + a], kernel[a], stride[a], pad[a] + pad[r + a], dilation[a], ceil, pad[a])
        for a in range(r)
    )
    ends = tuple(
        (o - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 - x_shape[2 + a] - pad[a] for a, o in enumerate(out)
    )
    return out, pad[:r], ends


def lowest(dtype: np.dtype) -> float | int:
    """The value no element of `dtype` is smaller than (-inf for floats)."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def window_counts(
    size: int, kernel: int, stride: int, dilation: int, first: int, last: int, pad_begin: int, out: int
) -> np.ndarray:
    """How many taps of each of the `out` windows along one axis fall in cells [first, last) of the input.

    Tap j of window p is at p·stride − pad_begin + j·dilation: the taps inside
    are j from ⌈(first − base)/dilation⌉ to ⌊(last − 1 − base)/dilation⌋, within
    [0, kernel): O(out), whatever the kernel size.
    """
    base = np.arange(out, dtype=np.int64) * stride - pad_begin
    low = np.maximum(0, -((base - first) // dilation))
    high = np.minimum(kernel - 1, (last - 1 - base) // dilation)
    return np.maximum(high - low + 1, 0)


# --------------------------------------------------------------------------- layers


@kernel(graph.Conv2DOp)
def conv(op: graph.Conv2DOp, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """ONNX Conv over 1-3 spatial axes (weight [out, in/groups, *kernel]): zero padding, strides, dilation, groups, bias."""
    groups, (out, cin_g, *kernel) = int_of(op.groups), w.shape
    spatial, begins, ends = window_geometry(op, x.shape, kernel)
    view = windows(pad_spatial(wide(x), begins, ends, 0), kernel, ints(op.stride), ints(op.dilation), spatial)
    n, taps, positions = x.shape[0], cin_g * math.prod(kernel), math.prod(spatial)
    cols = view.reshape(n, groups, taps, positions)  # im2col: copies unless the conv is 1x1, stride 1
    y = np.matmul(wide(w).reshape(groups, out // groups, taps), cols).reshape(n, out, *spatial)
    if b is not None:
        y += b.reshape((out,) + (1,) * len(spatial))
    return y


@kernel(graph.ConvTransposeOp)
def conv_transpose(op: graph.ConvTransposeOp, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """ONNX ConvTranspose over 1-3 spatial axes (weight [in, out/groups, *kernel]).

    One batched matmul gives every input cell's contribution to every kernel
    tap ([N, groups, out/groups * taps, cells]); each tap's contributions are
    then added into the output at stride steps, and the result is cropped by
    the padding (output_padding cells at the end get only the bias).
    """
    groups, (cin, m_g, *kernel) = int_of(op.groups), w.shape
    stride, pad, dilation = ints(op.stride), ints(op.pad), ints(op.dilation)
    n, _, *spatial = x.shape
    r, taps, cells = len(kernel), math.prod(kernel), math.prod(spatial)
    xg = wide(x).reshape(n, groups, cin // groups, cells)
    wg = wide(w).reshape(groups, cin // groups, m_g * taps).transpose(0, 2, 1)
    contributions = np.matmul(wg, xg).reshape(n, groups * m_g, *kernel, *spatial)
    out = graph.shape_of(op.output.type)[2:]
    full = [max(stride[a] * (spatial[a] - 1) + (kernel[a] - 1) * dilation[a] + 1, pad[a] + out[a]) for a in range(r)]
    y = np.zeros((n, groups * m_g, *full), dtype=contributions.dtype)
    for tap in np.ndindex(*kernel):
        target = tuple(
            slice(tap[a] * dilation[a], tap[a] * dilation[a] + stride[a] * (spatial[a] - 1) + 1, stride[a])
            for a in range(r)
        )
        y[(slice(None), slice(None), *target)] += contributions[(slice(None), slice(None), *tap)]
    y = y[(slice(None), slice(None), *(slice(pad[a], pad[a] + out[a]) for a in range(r)))]
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * r)
    return y


@kernel(graph.DenseOp)
def dense(op: graph.DenseOp, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """y = x @ weight^T + bias on the last axis (weight is [out, in])."""
    y = np.matmul(wide(x), wide(w).T)
    return y if b is None else y + b


@kernel(graph.BatchNormOp)
def batchnorm(
    op: graph.BatchNormOp, x: np.ndarray, scale: np.ndarray, bias: np.ndarray, mean: np.ndarray, var: np.ndarray
) -> np.ndarray:
    """Inference batch norm on axis 1: (x - mean) / sqrt(var + eps) * scale + bias."""
    per_channel = (-1,) + (1,) * (x.ndim - 2)
    factor = scale / np.sqrt(var + float_of(op.eps))
    y = x * factor.reshape(per_channel)
    y += (bias - mean * factor).reshape(per_channel)
    return y


@kernel(graph.LayerNormOp)
def layernorm(op: graph.LayerNormOp, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """ONNX LayerNormalization on the last axis: (x - mean) / sqrt(var + eps) * scale + bias.

    Statistics are computed in at least float32 (ONNX stash_type = 1).
    """
    x = wide(x)
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + float_of(op.eps))
    return centred * inv_std * scale + bias


@kernel(graph.EmbeddingOp)
def embedding(op: graph.EmbeddingOp, ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    """ONNX Gather on axis 0: y[..., :] = table[ids[...], :] (negative ids count from the end)."""
    rows = table.shape[0]
    if ids.size and (ids.min() < -rows or ids.max() >= rows):
        bad = ids[(ids < -rows) | (ids >= rows)].flat[0]
        raise ExecutionError(f"{op.name}: id {bad} is out of range for a table of {rows} rows")
    return np.take(table, ids, axis=0)


@kernel(graph.MatMulOp)
def matmul(op: graph.MatMulOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """numpy matmul: batched, with broadcast batch axes; rank-1 operands are vectors."""
    return np.matmul(wide(a), wide(b))


# --------------------------------------------------------------------------- binary elementwise (broadcasting)


@kernel(graph.AddOp)
def add(op: graph.AddOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b"""
    return np.add(a, b)


@kernel(graph.SubOp)
def sub(op: graph.SubOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a - b"""
    return np.subtract(a, b)


@kernel(graph.MulOp)
def mul(op: graph.MulOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b"""
    return np.multiply(a, b)


@kernel(graph.DivOp)
def div(op: graph.DivOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b; integer division truncates toward zero (as ONNX Div)."""
    if a.dtype.kind == "f":
        return np.divide(a, b)
    quotient, remainder = np.divmod(a, b)
    return quotient + ((remainder != 0) & ((a < 0) != (b < 0)))


@kernel(graph.MaxOp)
def maximum(op: graph.MaxOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """max(a, b)"""
    return np.maximum(a, b)


@kernel(graph.MinOp)
def minimum(op: graph.MinOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min(a, b)"""
    return np.minimum(a, b)


@kernel(graph.PowOp)
def power(op: graph.PowOp, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ** b"""
    return np.power(a, b)


# --------------------------------------------------------------------------- erf


def _erfcx(v: float) -> float:
    return math.erfc(v) * math.exp(v * v)


# erf(x) = x * P(x^2) on |x| < 1: the Maclaurin series, 14 terms (error < 5e-13).
_ERF_SERIES = np.array(
    [2 / math.sqrt(math.pi) * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(14)][::-1]
)
# erfc(x) * exp(x^2) on [1, 6]: Chebyshev interpolant of degree 20 (error < 1e-12).
_ERFCX = Chebyshev(
    Chebyshev.interpolate(np.frompyfunc(_erfcx, 1, 1), 20, domain=[1.0, 6.0]).coef.astype(np.float64),
    domain=[1.0, 6.0],
)
_ERF_ONE = 6.0  # 1 - erf(6) = 2e-17


def erf_values(x: np.ndarray) -> np.ndarray:
    """The error function, computed in float64 (absolute and relative error below 1e-12)."""
    a = np.abs(np.asarray(x, dtype=np.float64))
    y = np.ones_like(a)
    small, mid = a < 1.0, (a >= 1.0) & (a < _ERF_ONE)
    s, m = a[small], a[mid]
    y[small] = s * np.polyval(_ERF_SERIES, s * s)
    y[mid] = 1.0 - np.exp(-m * m) * _ERFCX(m)
    return np.copysign(y, x)


# --------------------------------------------------------------------------- unary elementwise


def sigmoid_values(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), without overflow for large |x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def hardsigmoid_values(x: np.ndarray) -> np.ndarray:
    """max(0, min(1, x / 6 + 0.5))"""
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


@kernel(graph.ReluOp)
def relu(op: graph.ReluOp, x: np.ndarray) -> np.ndarray:
    """max(x, 0)"""
    return np.maximum(x, 0)


@kernel(graph.Relu6Op)
def relu6(op: graph.Relu6Op, x: np.ndarray) -> np.ndarray:
    """min(max(x, 0), 6)"""
    return np.clip(x, 0, 6)


@kernel(graph.LeakyReluOp)
def leaky_relu(op: graph.LeakyReluOp, x: np.ndarray) -> np.ndarray:
    """x if x >= 0 else alpha * x"""
    return np.where(x >= 0, x, x * float_of(op.alpha))


@kernel(graph.SigmoidOp)
def sigmoid(op: graph.SigmoidOp, x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x))"""
    return sigmoid_values(x)


@kernel(graph.TanhOp)
def tanh(op: graph.TanhOp, x: np.ndarray) -> np.ndarray:
    """tanh(x)"""
    return np.tanh(x)


@kernel(graph.GeluOp)
def gelu(op: graph.GeluOp, x: np.ndarray) -> np.ndarray:
    """0.5 * x * (1 + erf(x / sqrt(2))) (exact form)"""
    return 0.5 * x * (1.0 + erf_values(x / math.sqrt(2.0)))


@kernel(graph.SiluOp)
def silu(op: graph.SiluOp, x: np.ndarray) -> np.ndarray:
    """x * sigmoid(x)"""
    return x * sigmoid_values(x)


@kernel(graph.HardSwishOp)
def hardswish(op: graph.HardSwishOp, x: np.ndarray) -> np.ndarray:
    """x * max(0, min(1, x / 6 + 0.5))"""
    return x * hardsigmoid_values(x)


@kernel(graph.HardSigmoidOp)
def hardsigmoid(op: graph.HardSigmoidOp, x: np.ndarray) -> np.ndarray:
    """max(0, min(1, x / 6 + 0.5))"""
    return hardsigmoid_values(x)


@kernel(graph.ExpOp)
def exp(op: graph.ExpOp, x: np.ndarray) -> np.ndarray:
    """exp(x)"""
    return np.exp(x)


@kernel(graph.LogOp)
def log(op: graph.LogOp, x: np.ndarray) -> np.ndarray:
    """log(x)"""
    return np.log(x)


@kernel(graph.SqrtOp)
def sqrt(op: graph.SqrtOp, x: np.ndarray) -> np.ndarray:
    """sqrt(x)"""
    return np.sqrt(x)


@kernel(graph.RsqrtOp)
def rsqrt(op: graph.RsqrtOp, x: np.ndarray) -> np.ndarray:
    """1 / sqrt(x)"""
    return 1.0 / np.sqrt(x)


@kernel(graph.ReciprocalOp)
def reciprocal(op: graph.ReciprocalOp, x: np.ndarray) -> np.ndarray:
    """1 / x"""
    return np.reciprocal(x)


@kernel(graph.SquareOp)
def square(op: graph.SquareOp, x: np.ndarray) -> np.ndarray:
    """x * x"""
    return x * x


@kernel(graph.NegOp)
def neg(op: graph.NegOp, x: np.ndarray) -> np.ndarray:
    """-x"""
    return np.negative(x)


@kernel(graph.AbsOp)
def absolute(op: graph.AbsOp, x: np.ndarray) -> np.ndarray:
    """|x|"""
    return np.abs(x)


@kernel(graph.ErfOp)
def erf(op: graph.ErfOp, x: np.ndarray) -> np.ndarray:
    """erf(x)"""
    return erf_values(x)


@kernel(graph.ClipOp)
def clip(op: graph.ClipOp, x: np.ndarray) -> np.ndarray:
    """min(max(x, min), max)"""
    return np.clip(x, float_of(op.min), float_of(op.max))


def elu_values(x: np.ndarray, alpha: float) -> np.ndarray:
    """x if x > 0 else alpha * (exp(x) - 1), without overflow in the branch not taken."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@kernel(graph.EluOp)
def elu(op: graph.EluOp, x: np.ndarray) -> np.ndarray:
    """x if x > 0 else alpha * (exp(x) - 1)"""
    return elu_values(x, float_of(op.alpha))


@kernel(graph.SeluOp)
def selu(op: graph.SeluOp, x: np.ndarray) -> np.ndarray:
    """gamma * elu(x, alpha)"""
    return float_of(op.gamma) * elu_values(x, float_of(op.alpha))


@kernel(graph.SoftplusOp)
def softplus(op: graph.SoftplusOp, x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)), without overflow for large x: max(x, 0) + log1p(exp(-|x|))"""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@kernel(graph.SignOp)
def sign(op: graph.SignOp, x: np.ndarray) -> np.ndarray:
    """-1, 0 or 1"""
    return np.sign(x)


@kernel(graph.ShrinkOp)
def shrink(op: graph.ShrinkOp, x: np.ndarray) -> np.ndarray:
    """x + bias below -lambd, x - bias above lambd, 0 between"""
    bias, lambd = float_of(op.bias), float_of(op.lambd)
    return np.where(x < -lambd, x + bias, np.where(x > lambd, x - bias, 0))


@kernel(graph.PReluOp)
def prelu(op: graph.PReluOp, x: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """x if x >= 0 else slope * x (slope broadcast to x)"""
    return np.where(x >= 0, x, x * slope)


# --------------------------------------------------------------------------- normalisation and reduction


@kernel(graph.SoftmaxOp)
def softmax(op: graph.SoftmaxOp, x: np.ndarray) -> np.ndarray:
    """exp(x) / sum(exp(x)) along `axis`, with the maximum subtracted first."""
    axis = int_of(op.axis)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@kernel(graph.LogSoftmaxOp)
def log_softmax(op: graph.LogSoftmaxOp, x: np.ndarray) -> np.ndarray:
    """x - max - log(sum(exp(x - max))) along `axis`."""
    axis = int_of(op.axis)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@kernel(graph.InstanceNormOp)
def instance_norm(op: graph.InstanceNormOp, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """ONNX InstanceNormalization: (x - mean) / sqrt(var + eps) * scale[c] + bias[c], statistics over axes 2.."""
    axes = tuple(range(2, x.ndim))
    per_channel = (-1,) + (1,) * (x.ndim - 2)
    w = wide(x)
    centred = w - w.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=axes, keepdims=True) + float_of(op.eps))
    return centred * inv_std * scale.reshape(per_channel) + bias.reshape(per_channel)


def reduce(fn: Callable[..., np.ndarray], op: graph.ReduceOp, x: np.ndarray) -> np.ndarray:
    """`fn` over the op's axes, keeping them as size 1 when keepdims is set."""
    return fn(x, axis=ints(op.axes), keepdims=bool(op.keepdims.value.data))


@kernel(graph.ReduceSumOp)
def reduce_sum(op: graph.ReduceSumOp, x: np.ndarray) -> np.ndarray:
    """Sum over axes."""
    return reduce(np.sum, op, x)


@kernel(graph.ReduceMeanOp)
def reduce_mean(op: graph.ReduceMeanOp, x: np.ndarray) -> np.ndarray:
    """Mean over axes."""
    return reduce(np.mean, op, x)


@kernel(graph.ReduceMaxOp)
def reduce_max(op: graph.ReduceMaxOp, x: np.ndarray) -> np.ndarray:
    """Maximum over axes."""
    return reduce(np.max, op, x)


@kernel(graph.ReduceProdOp)
def reduce_prod(op: graph.ReduceProdOp, x: np.ndarray) -> np.ndarray:
    """Product over axes."""
    return reduce(np.prod, op, x)


# --------------------------------------------------------------------------- pooling


POOL_DIRECT_TAPS = 64
"""Windows of at most this many taps are reduced tap by tap over the window view (work: taps · output)."""

POOL_AXIS_DIRECT = 16
"""Along one axis, windows of at most this many taps are reduced tap by tap; longer ones by `sliding_reduce`."""


def pool_taps(view: np.ndarray, rank: int, combine: np.ufunc) -> np.ndarray:
    """`combine` over the kernel taps of a window view [N, C, *kernel, *out], one whole-tensor step per tap."""
    taps = list(np.ndindex(*view.shape[2 : 2 + rank]))
    acc = view[(slice(None), slice(None), *taps[0])].copy()
    for tap in taps[1:]:
        combine(acc, view[(slice(None), slice(None), *tap)], out=acc)
    return acc


def sliding_reduce(z: np.ndarray, k: int, combine: np.ufunc, identity: float | int) -> np.ndarray:
    """`combine` over every k consecutive elements of the last axis: [..., M] -> [..., M - k + 1] (M ≥ k).

    van Herk / Gil-Werman: the axis is cut into blocks of k; a window starting
    at q is the suffix of q's block combined with the prefix of the next block
    up to q + k - 1 (just the suffix when q starts a block). Two accumulations
    and one combine per element, whatever k is.
    """
    m = z.shape[-1]
    blocks = -(-m // k)
    padded = np.full((*z.shape[:-1], blocks * k), identity, z.dtype)
    padded[..., :m] = z
    cut = padded.reshape(*z.shape[:-1], blocks, k)
    prefix = combine.accumulate(cut, axis=-1, dtype=z.dtype).reshape(padded.shape)
    suffix = combine.accumulate(cut[..., ::-1], axis=-1, dtype=z.dtype)[..., ::-1].reshape(padded.shape)
    starts = np.arange(m - k + 1)
    return np.where(starts % k == 0, suffix[..., starts], combine(suffix[..., starts], prefix[..., starts + k - 1]))


def window_reduce(
    x: np.ndarray, axis: int, k: int, stride: int, dilation: int, out: int, combine: np.ufunc, identity: float | int
) -> np.ndarray:
    """`combine` over the 1-D windows along `axis` of (padded) `x`: result[p] = combine_j x[p·stride + j·dilation].

    Up to `POOL_AXIS_DIRECT` taps, tap by tap (k steps over the result);
    beyond, per residue class of the dilation with `sliding_reduce`: work
    proportional to the sizes of `x` and the result, not to k.
    """
    y = np.moveaxis(x, axis, -1)
    if k <= POOL_AXIS_DIRECT:
        span = (out - 1) * stride + 1
        acc = y[..., 0:span:stride].copy()
        for j in range(1, k):
            combine(acc, y[..., j * dilation : j * dilation + span : stride], out=acc)
        return np.moveaxis(acc, -1, axis)
    length = y.shape[-1]
    rows = -(-length // dilation)
    grid = np.full((*y.shape[:-1], rows * dilation), identity, y.dtype)
    grid[..., :length] = y
    classes = np.swapaxes(grid.reshape(*y.shape[:-1], rows, dilation), -1, -2)  # [..., dilation, rows]
    reduced = sliding_reduce(classes, k, combine, identity)
    starts = np.arange(out) * stride
    return np.moveaxis(reduced[..., starts % dilation, starts // dilation], -1, axis)


def pool_reduce(
    op: graph.PoolOp, x: np.ndarray, pad_value: float | int, combine: np.ufunc
) -> tuple[np.ndarray, graph.Shape]:
    """`combine` over each window of a pooling's input padded with `pad_value` (also `combine`'s identity), and the output lengths.

    Small windows (at most `POOL_DIRECT_TAPS` taps) are reduced tap by tap in
    row-major tap order; larger ones axis by axis (`window_reduce`), so the work
    is bounded by the sizes of the padded input and the output times the rank,
    never by kernel size · output, which a model's kernel could make huge.
    """
    kernel, stride, dilation = ints(op.kernel), ints(op.stride), ints(op.dilation)
    out, begins, ends = window_geometry(op, x.shape, kernel)
    padded = pad_spatial(x, begins, ends, pad_value)
    if math.prod(kernel) <= POOL_DIRECT_TAPS:
        return pool_taps(windows(padded, kernel, stride, dilation, out), len(kernel), combine), out
    for a in range(len(kernel)):
        padded = window_reduce(padded, 2 + a, kernel[a], stride[a], dilation[a], out[a], combine, pad_value)
    return padded, out


@kernel(graph.MaxPoolOp)
def maxpool(op: graph.MaxPoolOp, x: np.ndarray) -> np.ndarray:
    """Maximum over each window; padded cells never win."""
    return pool_reduce(op, x, lowest(x.dtype), np.maximum)[0]


@kernel(graph.AvgPoolOp)
def avgpool(op: graph.AvgPoolOp, x: np.ndarray) -> np.ndarray:
    """Mean over each window's cells: the real ones, plus the padding with count_include_pad (never ceil_mode's extra cells)."""
    kernel, stride, dilation, pad = ints(op.kernel), ints(op.stride), ints(op.dilation), ints(op.pad)
    total, out = pool_reduce(op, x, 0, np.add)
    r, include = len(kernel), bool(op.count_include_pad.value.data)
    divisor = np.ones((), dtype=np.int64)
    for a in range(r):
        size = x.shape[2 + a]
        first, last = (-pad[a], size + pad[r + a]) if include else (0, size)
        counts = window_counts(size, kernel[a], stride[a], dilation[a], first, last, pad[a], out[a])
        divisor = np.multiply.outer(divisor, counts)
    return total / divisor.astype(x.dtype)


@kernel(graph.LRNOp)
def lrn(op: graph.LRNOp, x: np.ndarray) -> np.ndarray:
    """ONNX LRN: x / (bias + alpha / size * Σ x²)^beta over channels c - floor((size-1)/2) .. c + ceil((size-1)/2)."""
    size = int_of(op.size)
    xw = wide(x)
    squares = np.square(xw)
    channels = x.shape[1]
    # Padding beyond `channels` on either side adds only zeros to every window: clipped, so the work
    # is bounded by the tensor, whatever size the model gives.
    before, after = min((size - 1) // 2, channels), min(size - 1 - (size - 1) // 2, channels)
    padded = np.pad(squares, [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
    window = window_reduce(padded, 1, before + after + 1, 1, 1, channels, np.add, 0)
    scale = float_of(op.bias) + float_of(op.alpha) / size * window
    return xw / np.power(scale, float_of(op.beta))


@kernel(graph.GlobalAvgPoolOp)
def global_avgpool(op: graph.GlobalAvgPoolOp, x: np.ndarray) -> np.ndarray:
    """Mean over H and W: [N, C, H, W] -> [N, C, 1, 1]."""
    return x.mean(axis=(2, 3), keepdims=True)


# --------------------------------------------------------------------------- shape and data movement


@kernel(*[op for op in graph.Graph.operations if op.has_trait(graph.ReshapeLike)])
def reshape(op: Operation, x: np.ndarray) -> np.ndarray:
    """Every `graph.ReshapeLike` op: the same elements in row-major order, in the result's shape."""
    return x.reshape(graph.shape_of(op.results[0].type))


@kernel(graph.TransposeOp)
def transpose(op: graph.TransposeOp, x: np.ndarray) -> np.ndarray:
    """y.shape[i] = x.shape[perm[i]]"""
    return np.transpose(x, ints(op.perm))


@kernel(graph.ConcatOp)
def concat(op: graph.ConcatOp, *xs: np.ndarray) -> np.ndarray:
    """Inputs joined along `axis`."""
    return np.concatenate(xs, axis=int_of(op.axis))


@kernel(graph.SplitOp)
def split(op: graph.SplitOp, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Consecutive parts of the given sizes along `axis`."""
    return tuple(np.split(x, np.cumsum(ints(op.sizes))[:-1], axis=int_of(op.axis)))


@kernel(graph.SliceOp)
def slice_(op: graph.SliceOp, x: np.ndarray) -> np.ndarray:
    """x[starts:ends] on the given axes (bounds already clamped)."""
    index = [slice(None)] * x.ndim
    for start, end, axis in zip(ints(op.starts), ints(op.ends), ints(op.axes), strict=False):
        index[axis] = slice(start, end)
    return x[tuple(index)]


@kernel(graph.PadOp)
def pad(op: graph.PadOp, x: np.ndarray) -> np.ndarray:
    """numpy's pad in the op's mode (constant, reflect, edge, wrap); pads are [x1_begin, ..., xn_end] (ONNX order)."""
    pads = ints(op.pads)
    if not pads:  # a 0-d tensor has nothing to pad
        return x
    widths = list(zip(pads[: x.ndim], pads[x.ndim :], strict=False))
    mode = op.mode.data
    if mode == "constant":
        return np.pad(x, widths, constant_values=float_of(op.value))
    return np.pad(x, widths, mode=mode)


@kernel(graph.ExpandOp)
def expand(op: graph.ExpandOp, x: np.ndarray) -> np.ndarray:
    """numpy broadcast_to the result shape."""
    return np.broadcast_to(x, ints(op.shape)).copy()


@kernel(graph.TileOp)
def tile(op: graph.TileOp, x: np.ndarray) -> np.ndarray:
    """numpy tile by `repeats`."""
    return np.tile(x, ints(op.repeats))


@kernel(graph.UpsampleOp)
def upsample(op: graph.UpsampleOp, x: np.ndarray) -> np.ndarray:
    """Nearest neighbour: y[n, c, i, j] = x[n, c, i // scale, j // scale]."""
    s, (n, c, h, w) = int_of(op.scale), x.shape
    return np.broadcast_to(x[:, :, :, None, :, None], (n, c, h, s, w, s)).reshape(n, c, h * s, w * s)


def resize_coordinates(op: graph.ResizeOp, axis: int, size: int, out: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The input coordinate of each output index along `axis` (ONNX Resize), and which ones extrapolate (or None)."""
    scale = graph.floats(op.scales)[axis]
    mode = op.coordinate_transformation_mode.data
    y = np.arange(out, dtype=np.float64)
    width = scale * size  # ONNX's output_width: fractional when the sizes were floored
    if mode == "align_corners":
        return (np.zeros(out) if out == 1 else y * (size - 1) / (out - 1)), None
    if mode == "asymmetric":
        return y / scale, None
    if mode == "pytorch_half_pixel":
        return (np.zeros(out) if out == 1 else (y + 0.5) / scale - 0.5), None
    if mode == "half_pixel":
        return (y + 0.5) / scale - 0.5, None
    if mode == "half_pixel_symmetric":
        offset = size / 2 * (1 - out / width)
        return offset + (y + 0.5) / scale - 0.5, None
    roi = np.asarray(graph.floats(op.roi), dtype=np.float32)  # float32 arithmetic, as ONNX's reference and ONNX Runtime
    start, end = roi[axis], roi[axis + len(roi) // 2]
    if out == 1:
        x = np.full(out, (start + end) * (size - 1) / 2)
    else:
        x = y * (end - start) * (size - 1) / (out - 1) + start * (size - 1)
    return x, (x < 0) | (x > size - 1)


def resize_weights(op: graph.ResizeOp, ratio: np.ndarray) -> np.ndarray:
    """[out, taps] weights of the taps around each coordinate, from its fraction `ratio` (1 on a whole coordinate)."""
    mode = op.mode.data
    if mode == "linear":
        return np.stack([1 - ratio, ratio], axis=1)
    if mode == "cubic":
        a = float_of(op.cubic_coeff_a)

        def near(t: np.ndarray) -> np.ndarray:  # |t| <= 1
            return ((a + 2) * t - (a + 3)) * t * t + 1

        def far(t: np.ndarray) -> np.ndarray:  # 1 < |t| < 2
            return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a

        return np.stack([far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)], axis=1)
    whole = ratio == 1.0
    rounding = op.nearest_mode.data
    up = {
        "round_prefer_floor": ratio > 0.5,
        "round_prefer_ceil": ratio >= 0.5,
        "floor": np.zeros_like(whole),
        "ceil": np.ones_like(whole),
    }[rounding]
    up = up | whole
    return np.stack([~up, up], axis=1).astype(np.float64)


def resize_axis(op: graph.ResizeOp, data: np.ndarray, axis: int, out: int) -> np.ndarray:
    """`data` interpolated along `axis` to `out` cells (edge padding; exclude_outside; extrapolation)."""
    size = data.shape[axis]
    x, outside = resize_coordinates(op, axis, size, out)
    floor = np.floor(x)
    ratio = np.where(x == floor, 1.0, x - floor)
    weights = resize_weights(op, ratio)
    taps = weights.shape[1]
    pad = -(-taps // 2)
    frac = (x + pad) - np.floor(x + pad)
    if taps % 2 == 0:
        offset = np.where(frac == 0, -(taps // 2), -(taps // 2) + 1)
    else:
        offset = np.where(frac <= 0.5, -((taps - 1) // 2), -((taps - 1) // 2) + 1)
    index = (np.floor(x + pad).astype(np.int64) + offset)[:, None] + np.arange(taps)[None, :] - pad
    if bool(op.exclude_outside.value.data):
        weights = np.where((index < 0) | (index >= size), 0.0, weights)
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.where(total == 0, 1.0, total)
    gathered = np.take(data, np.clip(index, 0, size - 1), axis=axis)  # [..., out, taps, ...]
    shape = (1,) * axis + weights.shape + (1,) * (data.ndim - axis - 1)
    result = (gathered * weights.reshape(shape)).sum(axis=axis + 1)
    if outside is not None and outside.any():
        mask = outside.reshape((1,) * axis + (out,) + (1,) * (data.ndim - axis - 1))
        result = np.where(mask, float_of(op.extrapolation_value), result)
    return result


@kernel(graph.ResizeOp)
def resize(op: graph.ResizeOp, x: np.ndarray) -> np.ndarray:
    """ONNX Resize: the interpolated axes one after the other, in float64 (ONNX's reference does the same)."""
    y = x.astype(np.float64)
    sizes = graph.ints(op.sizes)
    for axis in op.resized_axes():
        y = resize_axis(op, y, axis, sizes[axis])
    return y


@kernel(graph.ChannelShuffleOp)
def channel_shuffle(op: graph.ChannelShuffleOp, x: np.ndarray) -> np.ndarray:
    """[N, g*k, H, W] viewed as [N, g, k, H, W], transposed to [N, k, g, H, W], flattened back."""
    g, (n, c, h, w) = int_of(op.groups), x.shape
    return x.reshape(n, g, c // g, h, w).transpose(0, 2, 1, 3, 4).reshape(n, c, h, w)


@kernel(graph.DepthToSpaceOp)
def depth_to_space(op: graph.DepthToSpaceOp, x: np.ndarray) -> np.ndarray:
    """ONNX DepthToSpace, DCR mode: channel (i * b + j) * C' + c moves to pixel (h * b + i, w * b + j)."""
    b, (n, c, h, w) = int_of(op.block), x.shape
    c_out = c // (b * b)
    return x.reshape(n, b, b, c_out, h, w).transpose(0, 3, 4, 1, 5, 2).reshape(n, c_out, h * b, w * b)


# --------------------------------------------------------------------------- xDSL interpreter


def _kernel_impl(op_type: type[Operation]) -> Callable[..., PythonValues]:
    @impl(op_type)
    def run(self: GraphFunctions, interpreter: Interpreter, op: Operation, args: PythonValues) -> PythonValues:
        return evaluate(op, args)

    return run


def _with_kernel_impls(cls: type[InterpreterFunctions]) -> type[InterpreterFunctions]:
    """Give the class one `@impl` method per op in KERNELS (named run_<op>)."""
    for op_type in KERNELS:
        setattr(cls, "run_" + op_type.name.removeprefix("graph."), _kernel_impl(op_type))
    return cls


@register_impls
@_with_kernel_impls
class GraphFunctions(InterpreterFunctions):
    """Interpreter functions of every graph op; weight values come from `weights`.

    `weights` is a `WeightStore`, or a mapping from weight name to array, which is
    wrapped in one (so a weight it lacks gets its deterministic initial value).
    """

    def __init__(self, weights: WeightStore | Mapping[str, np.ndarray] | None = None):
        self.weights = weights if isinstance(weights, WeightStore) else WeightStore(weights)

    @impl(graph.WeightOp)
    def run_weight(self, interpreter: Interpreter, op: graph.WeightOp, args: PythonValues) -> PythonValues:
        """The value of the named weight in the store (shape- and dtype-checked)."""
        assert isinstance(op.output.type, TensorType)
        return (self.weights.get(op.weight_id, op.output.type, op.init.data),)


def run_function_body(interpreter: Interpreter, block: Block, args: PythonValues) -> PythonValues:
    """Run the ops of a single-block function body in order; returns the operands of its `func.return`.

    Each value is released right after its last use, as a runtime's memory
    planner would release its buffer, so a large model's intermediates do not
    all stay alive until the end.
    """
    last_use: dict[SSAValue, Operation] = {}
    for op in block.ops:
        last_use.update((operand, op) for operand in op.operands)
    values: dict[SSAValue, Any] = dict(zip(block.args, args, strict=True))
    for op in block.ops:
        inputs = tuple(values[operand] for operand in op.operands)
        if isinstance(op, func.ReturnOp):
            return inputs
        for operand in op.operands:
            if last_use[operand] is op:
                values.pop(operand, None)
        values.update(zip(op.results, interpreter.run_op(op, inputs), strict=True))
        del inputs
    raise ValueError("function body does not end in func.return")


@register_impls
class FunctionCalls(InterpreterFunctions):
    """Calls of a `func.func` whose body is one block of ops (every dlfc module's function); see `run_function_body`."""

    @impl_callable(func.FuncOp)
    def call_func(self, interpreter: Interpreter, op: func.FuncOp, args: PythonValues) -> PythonValues:
        return run_function_body(interpreter, op.body.block, args)


def run_graph(
    module: ModuleOp, inputs: Sequence[np.ndarray], weights: WeightStore | Mapping[str, np.ndarray] | None = None
) -> list[np.ndarray]:
    """Interpret the single `func.func` of a graph-level module on `inputs`; returns its results.

    Weight values come from `weights`, by default from the module's own store
    (`dlfc.hw.weights.store_of`).
    """
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(funcs) != 1:
        raise ValueError(f"expected one func.func in the module, found {len(funcs)}")
    (fn,) = funcs
    arg_types = fn.function_type.inputs.data
    if len(inputs) != len(arg_types):
        raise ValueError(f"@{fn.sym_name.data} takes {len(arg_types)} inputs, got {len(inputs)}")
    args = []
    for i, (value, t) in enumerate(zip(inputs, arg_types, strict=False)):
        assert isinstance(t, TensorType)
        array = np.asarray(value)
        if array.shape != tuple(t.get_shape()):
            raise ValueError(f"input {i} has shape {list(array.shape)}, expected {list(t.get_shape())}")
        args.append(array.astype(numpy_dtype(t.element_type), copy=False))
    interpreter = Interpreter(module)
    interpreter.register_implementations(FunctionCalls())
    interpreter.register_implementations(GraphFunctions(store_of(module) if weights is None else weights))
    return list(interpreter.call_op(fn.sym_name.data, tuple(args)))
