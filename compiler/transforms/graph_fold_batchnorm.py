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
from dlfc.hw.weights import numpy_dtype

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
    map y = x·s + t is folded into one new weight and bias (`aggressive`), or
    in its overflow-safe form (`fast`, see `overflow_safe_split`): the channels
    with |s| > 1 keep their scale as a per-channel mul after the conv.
    """

    def __init__(self, values: CompileTimeValues, fp_model: str):
        self.values = values
        self.fp_model = fp_model

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
        if not chain or (folded := folded_affine(op, scale, shift, self.values, self.fp_model)) is None:
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
    attention's (q @ kᵀ)·(1/√d) with q a reshaped, transposed dense. Under
    `fast` only for |s| ≤ 1: then every partial sum of the conv and of the
    matmul is s times the model's, no larger (a larger s stays where it is).
    """

    def __init__(self, values: CompileTimeValues, fp_model: str):
        self.values = values
        self.fp_model = fp_model

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.MulOp | graph.DivOp, rewriter: PatternRewriter, /) -> None:
        for x, c in operand_orders(op):
            value = self.values.value(c)
            if value is None or value.size != 1 or x.type != op.output.type:
                continue
            if (producer := linear_source(x)) is None:
                continue
            factor = float(value.reshape(())) if isinstance(op, graph.MulOp) else 1.0 / float(value.reshape(()))
            if self.fp_model != "aggressive" and not abs(factor) <= 1.0:
                continue
            channels = shape_of(producer.output.type)[channel_axis(producer)]
            if (folded := rescaled(producer, np.full(channels, factor), None, self.values)) is None:
                continue
            # x is the producer's own result when nothing is between them: then the new producer's
            result = folded[-1].results[0] if x is producer.output else x
            rewriter.replace(producer, located(folded, [producer, op]))
            rewriter.replace(op, [], [result])
            add_statistic(f"scale-into-{short_name(producer)}")
            return


class SafeSplit(NamedTuple):
    """s = inner·outer and t = (shift into the bias): conv(x, W·inner, b·inner + bias_shift)·outer."""

    inner: np.ndarray
    outer: np.ndarray
    bias_shift: np.ndarray


def overflow_safe_split(scale: np.ndarray, shift: np.ndarray) -> SafeSplit:
    """The form of y = conv(x, W, b)·s + t that `fast` folds: inner = s where |s| ≤ 1 (else 1), outer = s/inner.

    The folded op is conv(x, W·inner, b·inner + t/outer), then ·outer where
    outer ≠ 1. Proof that it computes no value larger in magnitude than one
    the model computes (up to rounding), so it never overflows where the
    model does not, per output channel c with P_k the model's partial sums
    of the conv (Σ over the first k taps of w·x):
    - |s_c| ≤ 1: the weights W·s_c are no larger than W, every partial sum
      is s_c·P_k, no larger than P_k; adding the bias b·s_c + t gives
      s_c·(P + b) + t = y, the model's output.
    - |s_c| > 1: the weights and partial sums are the model's; adding the
      bias b + t/s_c gives (P + b)·s_c + t, divided by s_c: y/s_c, smaller
      than y; the mul by s_c then gives y.
    The new weights and bias are constants, checked finite when computed
    (`folded_affine`). Folding s into W whatever its size (`aggressive`)
    multiplies every partial sum by s: with P_k = 1e30 − 1e30 and s = 1e10,
    the model's 0·1e10 becomes 1e40 − 1e40 = inf − inf.
    """
    inner = np.where(np.abs(scale) <= 1.0, scale, 1.0)
    outer = np.where(np.abs(scale) <= 1.0, 1.0, scale)
    return SafeSplit(inner, outer, shift / outer)


def folded_affine(
    op: Producer, scale: np.ndarray, shift: np.ndarray, values: CompileTimeValues, fp_model: str
) -> list[Operation] | None:
    """Ops computing op(x)·scale + shift (per output channel): the full fold (aggressive) or the safe split (fast).

    None if op's weights are not known, or under fast if the scale or shift is
    not finite, a folded constant is not finite in the element type, or there
    is nothing to fold (a conv followed by a mul by scales all > 1 in magnitude,
    the form this returns, stays as it is).
    """
    if fp_model == "aggressive":
        return rescaled(op, scale, shift, values)
    if not (np.isfinite(scale).all() and np.isfinite(shift).all()):
        return None
    split = overflow_safe_split(scale, shift)
    keep_mul = bool((split.outer != 1.0).any())
    if keep_mul and (split.inner == 1.0).all() and not split.bias_shift.any():
        return None
    weight = values.value(op.weight)
    bias = values.value(op.bias) if op.bias is not None else None
    if weight is None or (op.bias is not None and bias is None):
        return None
    dtype = numpy_dtype(element_type(op.output))
    with np.errstate(all="ignore"):
        constants = [weight.astype(np.float64) * split.inner.reshape((-1,) + (1,) * (weight.ndim - 1)), split.outer]
        constants.append((0.0 if bias is None else bias.astype(np.float64)) * split.inner + split.bias_shift)
        if not all(np.isfinite(c.astype(dtype)).all() for c in constants):
            return None
    folded = rescaled(op, split.inner, split.bias_shift, values)
    if folded is None or not keep_mul:
        return folded
    base = (weight_name(op.weight) or "weight").removesuffix(".weight")
    rank = len(shape_of(op.output.type))
    shape = (-1,) + (1,) * (rank - 1 - channel_axis(op))
    outer = values.materialize(f"{base}.scale.folded", split.outer.reshape(shape), element_type(op.output))
    folded[-1].results[0].name_hint = op.output.name_hint
    return [*folded, outer, graph.MulOp(folded[-1].results[0], outer.results[0])]


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

    Under `fp-model="fast"` (the default) a scale folds into the weights only
    where its magnitude is at most 1, so no partial sum grows; a larger one
    stays as a per-channel mul after the conv/dense, with the shift folded into
    the bias as t/s (`overflow_safe_split` has the proof that nothing overflows
    where the model does not). `"aggressive"` folds every scale into the
    weights. Folding rounds differently, and where the mean cancels most of the
    conv's output (x·w ≈ mean) the folded bias cancels it instead, with the
    error of the large terms: so `"strict"` folds nothing (`dlfc.compiler.fp_model`).
    """

    name = "graph-fold-batchnorm"

    fp_model: str = "fast"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        check_fp_model(self.fp_model)
        if self.fp_model == "strict":
            return
        values = CompileTimeValues(op)
        patterns: list[RewritePattern] = [
            FoldAffineIntoProducer(values, self.fp_model),
            FoldScaleThroughLinearOps(values, self.fp_model),
            DecomposeBatchNorm(values),
        ]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
