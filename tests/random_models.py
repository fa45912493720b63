"""Seeded random graph-level models over every graph op, for differential tests and benchmarks.

    model = random_model(seed=7, size=40)    # RandomModel: .module, .inputs (numpy arrays)
    run_graph(model.module, model.inputs)    # finite outputs, by construction

A model is one `func.func` built with the graph dialect's constructors, so its
shapes are consistent by construction (each constructor infers its result
type). It takes an NCHW image, a matrix and integer ids, then applies `size`
random op steps; each step takes its operands from the tensors built so far,
preferring the newest (deep chains) but often reaching back (branches, joins
and residuals). Binary ops broadcast against weights, constants and reduced
tensors. Every tensor nobody uses is a result of the function.

The first steps of a model run every op kind's step once, in a random order,
so a model of `len(STEPS)` steps or more has every graph op (unless a step
gives up: no operand fits it, or its result would exceed `MAX_ELEMENTS`).

Values stay in safe ranges: the domain of log, sqrt, rsqrt, reciprocal, the
divisor of div and the base of pow is |x| + 0.5; exp and square take tanh'd
input when their operand may be large; magnitudes are tracked roughly and
squashed with tanh above `SQUASH_ABOVE`. So results of different but
equivalent computations agree to float32 rounding (rtol 1e-4).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    FunctionType,
    IntegerType,
    ModuleOp,
    TensorType,
    f32,
    i32,
    i64,
)
from xdsl.ir import Block, Operation, Region, SSAValue

from dlfc.dialects import graph
from dlfc.dialects.graph import shape_of
from dlfc.hw.weights import numpy_dtype

Shape = tuple[int, ...]

MAX_ELEMENTS = 2048
"""No tensor of a model has more elements (keeps interpretation fast)."""
SQUASH_ABOVE = 6.0
"""Operands whose magnitude may exceed this go through tanh before a growing op."""
INPUT_BOUND = 2.0
"""Float inputs are uniform in [-INPUT_BOUND, INPUT_BOUND]."""
RECENT = 200
"""When random draws find no operand, the newest this many tensors are searched first (keeps building linear)."""
WEIGHT_INITS = ("he_normal", "normal", "bn_scale", "bn_shift", "bn_var", "ones", "zeros")


@dataclass
class Tensor:
    """A value of the model under construction and a rough bound on the magnitude of its elements."""

    value: SSAValue
    bound: float
    shape: Shape = field(init=False)
    is_float: bool = field(init=False)

    def __post_init__(self) -> None:
        self.shape = shape_of(self.value.type)
        self.is_float = graph.is_float(self.value.type)


@dataclass
class RandomModel:
    """A random graph-level module and inputs in the ranges its construction assumed."""

    module: ModuleOp
    inputs: list[np.ndarray]
    seed: int
    size: int

    def __str__(self) -> str:
        return f"random_model(seed={self.seed}, size={self.size})"


class ModelBuilder:
    """Appends graph ops to one block, keeping the pool of tensors later ops may use."""

    def __init__(self, rng: random.Random, input_types: Sequence[TensorType], vocab: int):
        self.rng = rng
        self.vocab = vocab
        self.block = Block(arg_types=input_types)
        self.pool: list[Tensor] = [Tensor(a, INPUT_BOUND) for a in self.block.args]
        self.weights = 0

    # ----------------------------------------------------------------------- emitting

    def emit(self, op: Operation, bound: float = SQUASH_ABOVE) -> Tensor | None:
        """Append `op` and add its results to the pool; None (and `op` dropped) if a result is too large."""
        if any(math.prod(shape_of(r.type)) > MAX_ELEMENTS for r in op.results):
            op.drop_all_references()
            return None
        self.block.add_op(op)
        tensors = [Tensor(r, bound) for r in op.results]
        self.pool.extend(tensors)
        return tensors[0]

    def unary(self, op_type: Callable[..., Operation], x: Tensor, bound: float, **kwargs: object) -> Tensor:
        """`op_type(x)`: a same-shaped result, never too large."""
        result = self.emit(op_type(x.value, **kwargs), bound)
        assert result is not None
        return result

    def weight(self, shape: Sequence[int], init: str | None = None) -> Tensor:
        """A new `graph.weight` (not in the pool: weights are operands of layers and binary ops)."""
        init = init or self.rng.choice(WEIGHT_INITS)
        self.weights += 1
        op = graph.WeightOp(f"w{self.weights}", TensorType(f32, list(shape)), init)
        self.block.add_op(op)
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
        bound = {"he_normal": 3 * math.sqrt(2 / fan_in), "normal": 0.1, "bn_shift": 0.4}.get(init, 1.5)
        return Tensor(op.output, bound)

    def constant(self, value: float) -> Tensor:
        op = graph.ConstantOp(value, f32)
        self.block.add_op(op)
        return Tensor(op.output, abs(value))

    # ----------------------------------------------------------------------- choosing operands

    def pick(self, accept: Callable[[Tensor], bool] = lambda t: True, floats: bool = True) -> Tensor | None:
        """A pool tensor `accept` takes: often the newest such, else any; None if there is none.

        Draws by rejection first, so that building a model takes time linear in its size.
        """

        def fits(t: Tensor) -> bool:
            return t.is_float == floats and accept(t)

        if self.rng.random() < 0.5:
            return next((t for t in reversed(self.pool) if fits(t)), None)
        for _ in range(20):
            if fits(t := self.rng.choice(self.pool)):
                return t
        candidates = [t for t in self.pool[-RECENT:] if fits(t)] or [t for t in self.pool if fits(t)]
        return self.rng.choice(candidates) if candidates else None

    def pick_rank(self, low: int, high: int = 8) -> Tensor | None:
        return self.pick(lambda t: low <= len(t.shape) <= high)

    def image(self) -> Tensor:
        """A rank-4 float tensor (the image input is always one)."""
        x = self.pick_rank(4, 4)
        assert x is not None
        return x

    def small(self, x: Tensor, limit: float = SQUASH_ABOVE) -> Tensor:
        """`x`, through tanh if its magnitude may exceed `limit`."""
        return x if x.bound <= limit else self.unary(graph.TanhOp, x, 1.0)

    def positive(self, x: Tensor) -> Tensor:
        """|x| + 0.5: safe for log, sqrt, reciprocal, divisors and bases of pow."""
        magnitude = self.unary(graph.AbsOp, x, x.bound)
        result = self.emit(graph.AddOp(magnitude.value, self.constant(0.5).value), x.bound + 0.5)
        assert result is not None
        return result

    def broadcast_partner(self, x: Tensor) -> Tensor:
        """An operand that broadcasts with `x`: a same-shaped tensor, a weight or reduced tensor, or a scalar."""
        choice = self.rng.random()
        if choice < 0.35 and (same := self.pick(lambda t: t.shape == x.shape and t is not x)) is not None:
            return same
        if choice < 0.5:
            fits = self.pick(lambda t: t.shape != x.shape and broadcasts(t.shape, x.shape))
            if fits is not None:
                return fits
        if choice < 0.65:
            return self.constant(round(self.rng.uniform(-2.0, 2.0), 3))
        shape = [d if self.rng.random() < 0.4 else 1 for d in x.shape]
        return self.weight(shape[self.rng.randrange(len(shape) + 1) :] or [1])


def broadcasts(small: Shape, large: Shape) -> bool:
    """True if `small` broadcasts to exactly `large`."""
    return len(small) <= len(large) and all(s in (1, d) for s, d in zip(reversed(small), reversed(large), strict=False))


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# --------------------------------------------------------------------------- steps: one per graph op kind

Step = Callable[[ModelBuilder, type[Operation]], Tensor | None]
STEPS: list[tuple[type[Operation], Step]] = []
"""(op kind, step that builds it), for every graph op kind (some kinds have several steps)."""


def step(*op_types: type[Operation]) -> Callable[[Step], Step]:
    """Register a function as the step that builds ops of these kinds: `fn(builder, op_type)`."""

    def register(fn: Step) -> Step:
        STEPS.extend((op_type, fn) for op_type in op_types)
        return fn

    return register


UNARY_BOUNDS: dict[type[graph.UnaryOp], Callable[[float], float]] = {
    graph.ReluOp: lambda b: b,
    graph.Relu6Op: lambda b: min(b, 6.0),
    graph.SigmoidOp: lambda b: 1.0,
    graph.TanhOp: lambda b: 1.0,
    graph.GeluOp: lambda b: b,
    graph.SiluOp: lambda b: b,
    graph.HardSwishOp: lambda b: b,
    graph.HardSigmoidOp: lambda b: 1.0,
    graph.NegOp: lambda b: b,
    graph.AbsOp: lambda b: b,
    graph.ErfOp: lambda b: 1.0,
    graph.SoftplusOp: lambda b: b + math.log(2.0),
    graph.SignOp: lambda b: 1.0,
}


@step(*UNARY_BOUNDS)
def unary_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    if op_type in (graph.NegOp, graph.AbsOp, graph.SignOp) and b.rng.random() < 0.3:
        ids = b.pick(floats=False)  # integer ids: |ids| and -ids are still valid embedding ids
        if ids is not None:
            return b.unary(op_type, ids, ids.bound)
    x = b.pick()
    assert x is not None
    return b.unary(op_type, x, UNARY_BOUNDS[op_type](x.bound))


@step(graph.LeakyReluOp)
def leaky_relu_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    return b.unary(graph.LeakyReluOp, x, x.bound, alpha=b.rng.choice([0.01, 0.1, 0.3]))


@step(graph.ClipOp)
def clip_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    low = round(b.rng.uniform(-2.0, 1.0), 2)
    high = round(low + b.rng.uniform(0.0, 3.0), 2)
    return b.unary(graph.ClipOp, x, max(abs(low), abs(high)), min=low, max=high)


@step(graph.EluOp, graph.SeluOp, graph.ShrinkOp)
def parameterised_activation_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    if op_type is graph.EluOp:
        alpha = b.rng.choice([1.0, 0.5, 2.0])
        return b.unary(graph.EluOp, x, max(x.bound, alpha), alpha=alpha)
    if op_type is graph.SeluOp:
        alpha, gamma = b.rng.choice([(graph.SELU_ALPHA, graph.SELU_GAMMA), (1.5, 0.5)])
        return b.unary(graph.SeluOp, x, gamma * max(x.bound, alpha), alpha=alpha, gamma=gamma)
    bias, lambd = b.rng.choice([(0.0, 0.5), (0.25, 1.0), (-0.5, 0.1)])
    return b.unary(graph.ShrinkOp, x, x.bound + abs(bias), bias=bias, lambd=lambd)


@step(graph.PReluOp)
def prelu_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    if len(x.shape) >= 2 and b.rng.random() < 0.5:
        shape = [x.shape[1]] + [1] * (len(x.shape) - 2)  # one slope per channel, as PyTorch exports it
    else:
        shape = [d if b.rng.random() < 0.4 else 1 for d in x.shape][b.rng.randrange(len(x.shape) + 1) :]
        shape = shape or [1] * min(1, len(x.shape))  # a 0-d input takes a 0-d slope: it may not grow the result
    slope = b.weight(shape, b.rng.choice(["normal", "bn_scale"]))
    return b.emit(graph.PReluOp(x.value, slope.value), x.bound * max(1.0, slope.bound))


@step(graph.ExpOp, graph.SquareOp)
def growing_unary_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    if op_type is graph.ExpOp:
        x = b.small(x, 2.0)
        return b.unary(graph.ExpOp, x, math.exp(x.bound))
    x = b.small(x, 2.5)
    return b.unary(graph.SquareOp, x, x.bound**2)


@step(graph.LogOp, graph.SqrtOp, graph.RsqrtOp, graph.ReciprocalOp)
def positive_unary_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    x = b.positive(x)
    bounds = {
        graph.LogOp: max(math.log(x.bound), 1.0),
        graph.SqrtOp: math.sqrt(x.bound),
        graph.RsqrtOp: math.sqrt(2.0),
        graph.ReciprocalOp: 2.0,
    }
    return b.unary(op_type, x, bounds[op_type])


BINARY_TYPES = (graph.AddOp, graph.SubOp, graph.MulOp, graph.DivOp, graph.MaxOp, graph.MinOp, graph.PowOp)


@step(*BINARY_TYPES)
def binary_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    if op_type is graph.MulOp:
        x = b.small(x, 3.0)
    y = b.broadcast_partner(x)
    if op_type is graph.PowOp:
        x = b.positive(b.small(x, 3.0))
        y = (
            b.constant(b.rng.choice([2.0, 3.0, 0.5, -1.0, 1.5]))
            if b.rng.random() < 0.6
            else b.unary(graph.TanhOp, y, 1.0)
        )
        bound = max(x.bound**2, 4.0)
    elif op_type is graph.DivOp:
        y = b.positive(y)
        bound = 2 * x.bound
    elif op_type is graph.MulOp:
        y = b.small(y, 3.0)
        bound = x.bound * y.bound
    else:
        bound = x.bound + y.bound
    commutes = op_type not in (graph.PowOp, graph.DivOp)
    lhs, rhs = (y, x) if commutes and b.rng.random() < 0.3 else (x, y)
    return b.emit(op_type(lhs.value, rhs.value), bound)


@step(graph.Conv2DOp)
def conv2d_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.small(b.image())
    _, c, h, w = x.shape
    groups = b.rng.choice([1, 1, c] + divisors(c))
    out = groups * b.rng.choice([1, 2, 3]) if groups > 1 else b.rng.choice([1, 2, 4, 8])
    pad = [b.rng.choice([0, 0, 1, 2]) for _ in range(4)]
    kernel = [b.rng.randint(1, min(3, size + pad[i] + pad[i + 2])) for i, size in enumerate((h, w))]
    dilation = [
        2 if k > 1 and b.rng.random() < 0.2 and 2 * (k - 1) + 1 <= size + pad[i] + pad[i + 2] else 1
        for i, (k, size) in enumerate(zip(kernel, (h, w), strict=False))
    ]
    stride = [b.rng.choice([1, 1, 2]) for _ in range(2)]
    weight = b.weight([out, c // groups, *kernel], "he_normal")
    bias = b.weight([out], b.rng.choice(["zeros", "bn_shift"])).value if b.rng.random() < 0.5 else None
    return b.emit(graph.Conv2DOp(x.value, weight.value, bias, stride, pad, dilation, groups), 2 * x.bound + 0.5)


@step(graph.ConvTransposeOp)
def conv_transpose_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.small(b.image())
    c = x.shape[1]
    groups = b.rng.choice([1, 1] + divisors(c))
    out_per_group = b.rng.choice([1, 2, 4])
    kernel = [b.rng.randint(1, 3) for _ in range(2)]
    stride = [b.rng.choice([1, 2, 2]) for _ in range(2)]
    dilation = [b.rng.choice([1, 1, 2]) for _ in range(2)]
    extra = [b.rng.randrange(max(s, d)) for s, d in zip(stride, dilation, strict=True)]
    # each side at most half the kernel's reach, so the output keeps at least one cell per axis
    pad = [b.rng.randrange((k - 1) * d // 2 + 1) for k, d in zip(kernel * 2, dilation * 2, strict=True)]
    weight = b.weight([c, out_per_group, *kernel], "he_normal")
    bias = b.weight([groups * out_per_group], "zeros").value if b.rng.random() < 0.5 else None
    op = graph.ConvTransposeOp(x.value, weight.value, bias, stride, pad, dilation, extra, groups)
    return b.emit(op, 2 * x.bound + 0.5)


@step(graph.DenseOp)
def dense_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(1)
    assert x is not None
    x = b.small(x)
    out = b.rng.choice([1, 2, 4, 6, 10])
    weight = b.weight([out, x.shape[-1]], "he_normal")
    bias = b.weight([out], b.rng.choice(["zeros", "bn_shift"])).value if b.rng.random() < 0.5 else None
    return b.emit(graph.DenseOp(x.value, weight.value, bias), 2 * x.bound + 0.5)


@step(graph.BatchNormOp)
def batchnorm_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(2)
    assert x is not None
    return batchnorm_of(b, x, b.rng.choice([1e-5, 1e-3]))


def batchnorm_of(b: ModelBuilder, x: Tensor, eps: float) -> Tensor | None:
    """Batch norm of `x` (rank >= 2) with new statistics weights."""
    stats = [b.weight([x.shape[1]], init).value for init in ("bn_scale", "bn_shift", "bn_shift", "bn_var")]
    return b.emit(graph.BatchNormOp(x.value, *stats, eps=eps), 2 * (x.bound + 0.5))


@step(graph.LayerNormOp)
def layernorm_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: len(t.shape) >= 1 and t.shape[-1] >= 2)
    if x is None:
        return None
    d = [x.shape[-1]]
    scale, bias = b.weight(d, "bn_scale"), b.weight(d, "bn_shift")
    return b.emit(graph.LayerNormOp(x.value, scale.value, bias.value), 1.5 * math.sqrt(d[0]) + 0.5)


@step(graph.EmbeddingOp)
def embedding_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    ids = b.pick(floats=False)
    assert ids is not None
    table = b.weight([b.vocab, b.rng.choice([2, 3, 8])], b.rng.choice(["normal", "bn_scale"]))
    return b.emit(graph.EmbeddingOp(ids.value, table.value), table.bound)


@step(graph.MatMulOp)
def matmul_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(1)
    assert x is not None
    x = b.small(x, 3.0)
    k = x.shape[-1]
    choice = b.rng.random()
    if choice < 0.3 and len(x.shape) >= 2:  # x @ x^T: a join of one value with itself
        perm = [*range(len(x.shape) - 2), len(x.shape) - 1, len(x.shape) - 2]
        y = b.unary(graph.TransposeOp, x, x.bound, perm=perm)
    elif choice < 0.45:
        y = b.weight([k], "he_normal")
    else:
        batch = [d if b.rng.random() < 0.3 else 1 for d in x.shape[:-2]][b.rng.randrange(max(len(x.shape) - 1, 1)) :]
        y = b.weight([*batch, k, b.rng.choice([1, 2, 5, 8])], "he_normal")
    return b.emit(graph.MatMulOp(x.value, y.value), x.bound * y.bound * math.sqrt(k) + 0.5)


@step(graph.SoftmaxOp)
def softmax_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(1)
    assert x is not None
    return b.unary(graph.SoftmaxOp, x, 1.0, axis=b.rng.randrange(-len(x.shape), len(x.shape)))


@step(graph.LogSoftmaxOp)
def log_softmax_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(1)
    assert x is not None
    axis = b.rng.randrange(-len(x.shape), len(x.shape))
    x = b.small(x)
    return b.unary(graph.LogSoftmaxOp, x, 2 * x.bound + math.log(x.shape[axis]) + 1.0, axis=axis)


@step(graph.InstanceNormOp)
def instance_norm_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: len(t.shape) >= 3 and math.prod(t.shape[2:]) >= 2)
    if x is None:
        return None
    c = [x.shape[1]]
    scale, bias = b.weight(c, "bn_scale"), b.weight(c, "bn_shift")
    bound = 1.5 * math.sqrt(math.prod(x.shape[2:])) + 0.5
    return b.emit(graph.InstanceNormOp(x.value, scale.value, bias.value, b.rng.choice([1e-5, 1e-3])), bound)


REDUCE_TYPES = (graph.ReduceSumOp, graph.ReduceMeanOp, graph.ReduceMaxOp, graph.ReduceProdOp)


@step(*REDUCE_TYPES)
def reduce_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(1)
    assert x is not None
    rank = len(x.shape)
    axes = sorted(b.rng.sample(range(rank), b.rng.randint(1, rank)))
    reduced = math.prod(x.shape[a] for a in axes)
    if op_type is graph.ReduceProdOp:
        x = b.unary(graph.TanhOp, x, 1.0)  # products of values in (-1, 1) stay in (-1, 1)
        bound = 1.0
    else:
        bound = x.bound * (reduced if op_type is graph.ReduceSumOp else 1)
    signed = [a - rank if b.rng.random() < 0.3 else a for a in axes]
    return b.emit(op_type(x.value, signed, keepdims=b.rng.random() < 0.6), bound)


@step(graph.MaxPoolOp, graph.AvgPoolOp)
def pool_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.image()
    _, _, h, w = x.shape
    kernel = [b.rng.randint(1, min(3, size)) for size in (h, w)]
    stride = [b.rng.choice([1, 2, k]) for k in kernel]
    pad = [b.rng.randrange(kernel[i % 2]) for i in range(4)]
    return b.emit(op_type(x.value, kernel, stride, pad), x.bound)


@step(graph.LRNOp)
def lrn_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    """|y| <= |x| / bias^beta <= |x| with bias >= 1."""
    x = b.pick_rank(2)
    if x is None:
        return None
    size = b.rng.choice([1, 2, 3, 5])
    alpha, beta, bias = b.rng.choice([1e-4, 0.1, 0.5]), b.rng.choice([0.5, 0.75, 1.0]), b.rng.choice([1.0, 2.0])
    return b.emit(graph.LRNOp(x.value, size, alpha, beta, bias), x.bound)


@step(graph.GlobalAvgPoolOp)
def global_avgpool_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.image()
    return b.unary(graph.GlobalAvgPoolOp, x, x.bound)


def random_factors(rng: random.Random, n: int, rank: int) -> list[int]:
    """`rank` positive integers whose product is `n`, in random order."""
    dims = [1] * rank
    factor, rest = 2, n
    while rest > 1:
        while rest % factor:
            factor += 1
        dims[rng.randrange(rank)] *= factor
        rest //= factor
    return dims


@step(graph.ReshapeOp)
def reshape_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    shape = random_factors(b.rng, math.prod(x.shape), b.rng.randint(1, 4))
    if b.rng.random() < 0.3:
        shape[b.rng.randrange(len(shape))] = -1
    return b.unary(graph.ReshapeOp, x, x.bound, shape=shape)


@step(graph.FlattenOp)
def flatten_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    rank = len(x.shape)
    return b.unary(graph.FlattenOp, x, x.bound, axis=b.rng.randint(-rank, rank))


@step(graph.TransposeOp)
def transpose_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    perm = list(range(len(x.shape)))
    b.rng.shuffle(perm)
    return b.unary(graph.TransposeOp, x, x.bound, perm=perm)


@step(graph.SqueezeOp, graph.UnsqueezeOp)
def squeeze_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: len(t.shape) <= 5)
    assert x is not None
    ones = [i for i, d in enumerate(x.shape) if d == 1]
    if op_type is graph.UnsqueezeOp or not ones:
        count = b.rng.randint(1, 2)
        axes = b.rng.sample(range(len(x.shape) + count), count)
        x = b.unary(graph.UnsqueezeOp, x, x.bound, axes=axes)
        if op_type is graph.UnsqueezeOp and b.rng.random() < 0.5:
            return x
        ones = [i for i, d in enumerate(x.shape) if d == 1]
    axes = b.rng.sample(ones, b.rng.randint(1, len(ones)))
    return b.unary(graph.SqueezeOp, x, x.bound, axes=axes)


@step(graph.ConcatOp)
def concat_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick_rank(1)
    assert x is not None
    axis = b.rng.randrange(len(x.shape))
    parts = [x]
    for _ in range(b.rng.randint(1, 3)):

        def same(t: Tensor) -> bool:
            return len(t.shape) == len(x.shape) and all(
                d == e for i, (d, e) in enumerate(zip(t.shape, x.shape, strict=False)) if i != axis
            )

        partner = b.pick(same) if b.rng.random() < 0.7 else None
        parts.append(partner or b.weight([*x.shape[:axis], b.rng.randint(1, 3), *x.shape[axis + 1 :]]))
    signed = axis - len(x.shape) if b.rng.random() < 0.3 else axis
    return b.emit(graph.ConcatOp([p.value for p in parts], signed), max(p.bound for p in parts))


@step(graph.SplitOp)
def split_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: max(t.shape, default=0) >= 2)
    if x is None:
        return None
    axis = b.rng.choice([i for i, d in enumerate(x.shape) if d >= 2])
    cuts = sorted(b.rng.sample(range(1, x.shape[axis]), b.rng.randint(1, min(3, x.shape[axis] - 1))))
    sizes = [end - start for start, end in zip([0, *cuts], [*cuts, x.shape[axis]], strict=False)]
    return b.emit(graph.SplitOp(x.value, sizes, axis), x.bound)


@step(graph.SliceOp)
def slice_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: len(t.shape) >= 1)
    assert x is not None
    axes = b.rng.sample(range(len(x.shape)), b.rng.randint(1, len(x.shape)))
    starts, ends = [], []
    for a in axes:
        d = x.shape[a]
        start = b.rng.randrange(d)
        end = b.rng.randint(start + 1, d)
        starts.append(start - d if b.rng.random() < 0.2 else start)
        ends.append(end + 5 if end == d and b.rng.random() < 0.3 else end)  # clamped
    signed = [a - len(x.shape) if b.rng.random() < 0.2 else a for a in axes]
    return b.unary(graph.SliceOp, x, x.bound, starts=starts, ends=ends, axes=signed)


@step(graph.PadOp)
def pad_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick()
    assert x is not None
    mode = b.rng.choice(graph.PAD_MODES + ("constant",))
    widest = {"constant": 2, "edge": 2, "reflect": 1, "wrap": 2}[mode]
    pads = [min(b.rng.choice([0, 0, 1, 2]), widest if d > widest else d - (mode == "reflect")) for d in x.shape * 2]
    value = b.rng.choice([0.0, 0.0, 1.0, -0.5]) if mode == "constant" else 0.0
    return b.emit(graph.PadOp(x.value, pads, value, mode), max(x.bound, abs(value)))


@step(graph.ExpandOp)
def expand_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: 1 in t.shape or len(t.shape) < 3)
    if x is None:
        return None
    lead = [b.rng.choice([1, 2, 3]) for _ in range(b.rng.randint(0, 1 if x.shape else 2))]
    shape = lead + [b.rng.choice([1, 2, 4]) if d == 1 else d for d in x.shape]
    return b.emit(graph.ExpandOp(x.value, shape), x.bound)


@step(graph.TileOp)
def tile_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: len(t.shape) >= 1)
    assert x is not None
    return b.emit(graph.TileOp(x.value, [b.rng.choice([1, 1, 2, 3]) for _ in x.shape]), x.bound)


@step(graph.UpsampleOp)
def upsample_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.image()
    return b.emit(graph.UpsampleOp(x.value, b.rng.choice([1, 2, 2, 3])), x.bound)


@step(graph.ResizeOp)
def resize_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    """Interpolation stays within the input's range, except cubic's overshoot (at most 1.5x with a = -0.75)."""
    x = b.pick_rank(1, 5)
    if x is None:
        return None
    mode = b.rng.choice(graph.RESIZE_MODES)
    coordinates = b.rng.choice([m for m in graph.COORDINATE_MODES if m != "tf_crop_and_resize"])
    scales = [1.0] * (len(x.shape) - 1) + [b.rng.choice([0.5, 0.75, 1.5, 2.0])]
    sizes = [*x.shape[:-1], max(1, int(x.shape[-1] * scales[-1]))]
    op = graph.ResizeOp(x.value, sizes, scales, mode, coordinates, b.rng.choice(graph.NEAREST_MODES))
    return b.emit(op, 1.5 * x.bound if mode == "cubic" else x.bound)


@step(graph.ChannelShuffleOp)
def channel_shuffle_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.image()
    return b.emit(graph.ChannelShuffleOp(x.value, b.rng.choice(divisors(x.shape[1]))), x.bound)


@step(graph.DepthToSpaceOp)
def depth_to_space_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    x = b.pick(lambda t: len(t.shape) == 4 and t.shape[1] % 4 == 0)
    if x is None:  # make four channels with a 1x1 convolution
        source = b.small(b.image())
        weight = b.weight([4, source.shape[1], 1, 1], "he_normal")
        x = b.emit(graph.Conv2DOp(source.value, weight.value), 2 * source.bound)
        if x is None:
            return None
    block = 2 if x.shape[1] % 9 or b.rng.random() < 0.7 else 3
    return b.emit(graph.DepthToSpaceOp(x.value, block), x.bound)


@step(graph.WeightOp, graph.ConstantOp)
def weight_only_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    """A sub-graph of weights and constants only (what graph-fold-constants evaluates), joined to a tensor."""
    x = b.pick()
    assert x is not None
    w = b.weight([d if b.rng.random() < 0.5 else 1 for d in x.shape])
    scaled = b.emit(graph.MulOp(w.value, b.constant(round(b.rng.uniform(0.5, 2.0), 2)).value), 2 * w.bound)
    assert scaled is not None
    b.pool.remove(scaled)  # folding it leaves a weight, which joins only through the add
    return b.emit(graph.AddOp(x.value, scaled.value), x.bound + scaled.bound)


@step(graph.BatchNormOp, graph.DenseOp)
def conv_block_step(b: ModelBuilder, op_type: type[Operation]) -> Tensor | None:
    """conv2d -> batchnorm -> relu, or dense -> per-feature scale: what batch-norm folding and fusion look for."""
    y = conv2d_step(b, graph.Conv2DOp) if op_type is graph.BatchNormOp else dense_step(b, graph.DenseOp)
    if y is None:
        return None
    if op_type is graph.BatchNormOp:
        y = batchnorm_of(b, y, 1e-5)
    else:
        y = b.emit(graph.MulOp(y.value, b.weight([y.shape[-1]], "bn_scale").value), 1.5 * y.bound)
    return None if y is None else b.unary(graph.ReluOp, y, y.bound)


# --------------------------------------------------------------------------- models


def input_types(rng: random.Random) -> list[TensorType]:
    """An NCHW image, a matrix and integer ids, of small random sizes."""
    image = [rng.choice([1, 2]), rng.choice([1, 2, 3, 4, 8]), rng.randint(3, 9), rng.randint(3, 9)]
    matrix = [rng.randint(1, 6), rng.randint(2, 8)]
    ids = [rng.randint(1, 3), rng.randint(1, 5)]
    return [TensorType(f32, image), TensorType(f32, matrix), TensorType(rng.choice([i32, i64]), ids)]


def step_order(rng: random.Random, size: int) -> list[tuple[type[Operation], Step]]:
    """Every step once in random order, then random steps, cut to `size`."""
    order = rng.sample(STEPS, len(STEPS))
    order.extend(rng.choices(STEPS, k=max(size - len(order), 0)))
    return order[:size]


def random_model(seed: int, size: int = 40) -> RandomModel:
    """A random graph-level model of `size` steps (each a few ops), and its inputs; the same for the same seed."""
    rng = random.Random(seed)
    types = input_types(rng)
    vocab = rng.randint(2, 12)
    builder = ModelBuilder(rng, types, vocab)
    for op_type, make in step_order(rng, size):
        make(builder, op_type)
    outputs = [t.value for t in builder.pool if not t.value.uses and not isinstance(t.value.owner, Block)]
    if not outputs:  # keep the model non-empty: return the newest tensor
        outputs = [builder.pool[-1].value]
    builder.block.add_op(func.ReturnOp(*outputs))
    function_type = FunctionType.from_lists(types, [v.type for v in outputs])
    fn = func.FuncOp(f"random_{seed}", function_type, Region(builder.block))
    return RandomModel(ModuleOp([fn]), model_inputs(types, vocab, seed), seed, size)


def model_inputs(types: Sequence[TensorType], vocab: int, seed: int) -> list[np.ndarray]:
    """Floats uniform in [-INPUT_BOUND, INPUT_BOUND]; integer ids in [0, vocab).

    Ids stay inside the embedding tables (`vocab` rows): the differential
    tests compare what models compute, and an id outside a table is an error
    instead (which tests/fuzz/test_npz.py and test_known_bugs.py check).
    """
    rng = np.random.default_rng(seed)
    inputs = []
    for t in types:
        shape = tuple(t.get_shape())
        if isinstance(t.element_type, IntegerType):
            inputs.append(rng.integers(0, vocab, shape).astype(numpy_dtype(t.element_type)))
        else:
            inputs.append(rng.uniform(-INPUT_BOUND, INPUT_BOUND, shape).astype(numpy_dtype(t.element_type)))
    return inputs


def graph_op_count(module: ModuleOp) -> int:
    """The number of graph ops (weights and constants included) in a module."""
    return sum(1 for op in module.walk() if op.name.startswith("graph."))


def model_of_ops(ops: int, seed: int = 0) -> RandomModel:
    """A random model with about `ops` graph ops (within a few percent), for scaling benchmarks."""
    size = max(1, ops // 2)
    for _ in range(8):
        model = random_model(seed, size)
        count = graph_op_count(model.module)
        if abs(count - ops) <= max(ops // 50, 5):
            return model
        size = max(1, round(size * ops / count))
    return model
