"""graph-fold-batchnorm: fold batch normalisation and per-channel scale/shift into conv2d and dense."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from dlfc.compiler.fp_model import check_fp_model
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.algebraic_rules import operand_orders
from dlfc.compiler.utils.graph_constants import CompileTimeValues, element_type, weight_name
from dlfc.compiler.utils.locations import located
from dlfc.dialects import graph
from dlfc.dialects.graph import float_of, shape_of

Producer = graph.Conv2DOp | graph.DenseOp


class ChannelAffine(NamedTuple):
    """y = x·scale + shift, one scale and shift per channel of x."""

    input: SSAValue
    scale: np.ndarray
    shift: np.ndarray


def batchnorm_affine(op: graph.BatchNormOp, values: CompileTimeValues) -> ChannelAffine | None:
    """Inference batch norm as y = x·f + (bias − mean·f), f = scale/√(var + eps), on axis 1."""
    stats = [values.value(v) for v in (op.scale, op.bias, op.mean, op.var)]
    if any(s is None for s in stats):
        return None
    scale, bias, mean, var = (np.asarray(s, np.float64) for s in stats)  # type: ignore[arg-type]
    factor = scale / np.sqrt(var + float_of(op.eps))
    return ChannelAffine(op.input, factor, bias - mean * factor)


def per_channel(array: np.ndarray, rank: int, axis: int, channels: int) -> np.ndarray | None:
    """v such that `array`, broadcast to rank `rank`, is v along `axis`; None if it varies along another axis."""
    if array.ndim > rank:
        return None
    aligned = array.reshape((1,) * (rank - array.ndim) + array.shape)
    if any(d != 1 for i, d in enumerate(aligned.shape) if i != axis):
        return None
    return np.broadcast_to(aligned.reshape(-1).astype(np.float64), (channels,))


def elementwise_affine(op: graph.BinaryOp, axis: int, values: CompileTimeValues) -> ChannelAffine | None:
    """x·c, c·x, x/c, x + c, c + x or x − c, with c a known per-channel value along `axis`."""
    for x, c in operand_orders(op):
        value = values.value(c)
        if value is None or x.type != op.output.type:
            continue
        shape = shape_of(x.type)
        v = per_channel(value, len(shape), axis, shape[axis])
        if v is None:
            continue
        ones, zeros = np.ones_like(v), np.zeros_like(v)
        if isinstance(op, graph.MulOp):
            return ChannelAffine(x, v, zeros)
        if isinstance(op, graph.DivOp):
            return ChannelAffine(x, 1.0 / v, zeros)
        return ChannelAffine(x, ones, v if isinstance(op, graph.AddOp) else -v)
    return None


def channel_affine(op: Operation, axis: int, values: CompileTimeValues) -> ChannelAffine | None:
    """`op` as a per-channel affine map along `axis` of one of its operands, if it is one."""
    if isinstance(op, graph.BatchNormOp):
        return batchnorm_affine(op, values) if axis == 1 else None
    if isinstance(op, graph.MulOp | graph.DivOp | graph.AddOp | graph.SubOp):
        return elementwise_affine(op, axis, values)
    return None


def channel_axis(producer: Producer) -> int:
    """The axis of a conv2d's or dense's output channels."""
    return 1 if isinstance(producer, graph.Conv2DOp) else len(shape_of(producer.output.type)) - 1


def sole_user(value: SSAValue) -> Operation | None:
    use = value.first_use
    return use.operation if use is not None and value.has_one_use() else None


def folded_name(name: str) -> str:
    """`<name>.folded`."""
    return name + ".folded"


def folded_bias_base(producer: Producer) -> str:
    """The name the folded bias is derived from: the bias's, or the weight's with `weight` -> `bias`."""
    if producer.bias is not None and (name := weight_name(producer.bias)) is not None:
        return name
    return (weight_name(producer.weight) or "weight").removesuffix(".weight") + ".bias"


class FoldAffineIntoProducer(RewritePattern):
    """conv(x, W, b)·s + t = conv(x, W·s, b·s + t), s and t per output channel (dense likewise).

    Matches a conv2d or dense with known weights followed by a chain of
    per-channel affine ops (batchnorm, or mul/div/add/sub by a per-channel
    weight or constant), each the only user of the one before; the composed
    map y = x·s + t is folded into one new weight and bias.
    """

    def __init__(self, values: CompileTimeValues):
        self.values = values

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: Producer, rewriter: PatternRewriter, /) -> None:
        axis = channel_axis(op)
        channels = shape_of(op.output.type)[axis]
        scale, shift = np.ones(channels), np.zeros(channels)
        chain: list[Operation] = []
        value: SSAValue = op.output
        while (user := sole_user(value)) is not None and (
            affine := channel_affine(user, axis, self.values)
        ) is not None:
            if affine.input is not value:
                break
            scale, shift = scale * affine.scale, shift * affine.scale + affine.shift
            chain.append(user)
            value = user.results[0]
        if not chain or (folded := rescaled(op, scale, shift, self.values)) is None:
            return
        rewriter.replace(chain[-1], located(folded, [op, *chain]))
        for dead in [*reversed(chain[:-1]), op]:
            rewriter.erase(dead)
        for folded_op in chain:
            add_statistic(f"{short_name(folded_op)}-into-{short_name(op)}")


def linear_source(value: SSAValue) -> Producer | None:
    """The conv2d or dense that `value` is linear in, through single-use reshapes, transposes and matmul operands."""
    if not value.has_one_use():
        return None
    op = value.owner
    if isinstance(op, graph.Conv2DOp | graph.DenseOp):
        return op
    if isinstance(op, graph.TransposeOp) or (isinstance(op, Operation) and op.has_trait(graph.ReshapeLike)):
        return linear_source(op.operands[0])
    if isinstance(op, graph.MatMulOp):
        return linear_source(op.lhs) or linear_source(op.rhs)
    return None


class FoldScaleThroughLinearOps(RewritePattern):
    """f(conv(x, W, b))·s = f(conv(x, W·s, b·s)) for a scalar s and f linear (dense likewise).

    f is a chain of single-use reshapes, transposes and matmul operands, as in
    attention's (q @ kᵀ)·(1/√d) with q a reshaped, transposed dense.
    """

    def __init__(self, values: CompileTimeValues):
        self.values = values

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.MulOp | graph.DivOp, rewriter: PatternRewriter, /) -> None:
        for x, c in operand_orders(op):
            value = self.values.value(c)
            if value is None or value.size != 1 or x.type != op.output.type:
                continue
            if (producer := linear_source(x)) is None:
                continue
            factor = float(value.reshape(())) if isinstance(op, graph.MulOp) else 1.0 / float(value.reshape(()))
            channels = shape_of(producer.output.type)[channel_axis(producer)]
            if (folded := rescaled(producer, np.full(channels, factor), None, self.values)) is None:
                continue
            rewriter.replace(producer, located(folded, [producer, op]))
            rewriter.replace(op, [], [x])
            add_statistic(f"scale-into-{short_name(producer)}")
            return


def rescaled(
    op: Producer, scale: np.ndarray, shift: np.ndarray | None, values: CompileTimeValues
) -> list[Operation] | None:
    """Ops computing op(x)·scale + shift (per output channel) as one conv2d/dense with new weights.

    None if op's weights are not known at compile time. Without a shift, an op
    without bias stays without.
    """
    weight = values.value(op.weight)
    bias = values.value(op.bias) if op.bias is not None else None
    if weight is None or (op.bias is not None and bias is None):
        return None
    dtype = element_type(op.output)
    new_weight = weight.astype(np.float64) * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    new_ops: list[Operation] = [values.materialize(folded_name(weight_name(op.weight) or "weight"), new_weight, dtype)]
    if bias is not None or shift is not None:
        new_bias = (0.0 if bias is None else bias.astype(np.float64)) * scale + (0.0 if shift is None else shift)
        new_ops.append(values.materialize(folded_name(folded_bias_base(op)), new_bias, dtype))
    operands = [op.input, *(new.results[0] for new in new_ops)]
    new_ops.append(type(op).create(operands=operands, result_types=[op.output.type], properties=dict(op.properties)))
    return new_ops


def short_name(op: Operation) -> str:
    return op.name.removeprefix("graph.")


class DecomposeBatchNorm(RewritePattern):
    """batchnorm(x) = x·f + (bias − mean·f) per channel: two stored weights, a mul and an add.

    For batch norms that follow no single-use conv2d/dense: what remains is
    elementwise arithmetic that later rewriting and fusion handle like any other.
    """

    def __init__(self, values: CompileTimeValues):
        self.values = values

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.BatchNormOp, rewriter: PatternRewriter, /) -> None:
        affine = batchnorm_affine(op, self.values)
        if affine is None:
            return
        channel_shape = (-1,) + (1,) * (len(shape_of(op.input.type)) - 2)
        base = (weight_name(op.scale) or "batchnorm").removesuffix(".scale")
        dtype = element_type(op.input)
        scale = self.values.materialize(f"{base}.scale.folded", affine.scale.reshape(channel_shape), dtype)
        shift = self.values.materialize(f"{base}.shift.folded", affine.shift.reshape(channel_shape), dtype)
        mul = graph.MulOp(op.input, scale.output)
        add = graph.AddOp(mul.output, shift.output)
        rewriter.replace(op, located([scale, shift, mul, add], [op]))
        add_statistic("batchnorm-decomposed")


@dataclass(frozen=True)
class GraphFoldBatchNormPass(ModulePass):
    """Fold inference batch norms and per-channel scale/shift into the preceding conv2d or dense.

    The folded weights are computed from the module's weight store and added to
    it as `stored` weights (`<weight>.folded`, `<bias>.folded`). A scalar scale
    also folds back through reshapes, transposes and matmuls. A batch norm with
    no single-use conv2d/dense before it becomes a per-channel mul and add.

    Folding rounds differently, and where the mean cancels most of the conv's
    output (x·w ≈ mean) the folded bias cancels it instead, with the error of
    the large terms: so `fp-model="strict"` folds nothing (`dlfc.compiler.fp_model`).
    """

    name = "graph-fold-batchnorm"

    fp_model: str = "fast"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        check_fp_model(self.fp_model)
        if self.fp_model == "strict":
            return
        values = CompileTimeValues(op)
        patterns: list[RewritePattern] = [
            FoldAffineIntoProducer(values),
            FoldScaleThroughLinearOps(values),
            DecomposeBatchNorm(values),
        ]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
