"""graph-simplify-shapes: compose transposes and reshapes, and drop shape ops that move nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.graph_matching import ReshapeLike
from dlfc.dialects import graph
from dlfc.dialects.graph import int_of, ints, shape_of

TYPE_PRESERVING_IDENTITIES = (
    graph.ReshapeOp,
    graph.FlattenOp,
    graph.SqueezeOp,
    graph.UnsqueezeOp,
    graph.SliceOp,
    graph.PadOp,
    graph.UpsampleOp,
    graph.DepthToSpaceOp,
    graph.ConcatOp,
    graph.SplitOp,
)
"""Ops that are the identity whenever their one result has the type of their one operand."""


def is_identity_permutation(perm: Sequence[int]) -> bool:
    return tuple(perm) == tuple(range(len(perm)))


def moves_nothing(op: Operation) -> bool:
    """True if `op` returns its only operand unchanged."""
    if len(op.operands) != 1 or len(op.results) != 1 or op.operands[0].type != op.results[0].type:
        return False
    if isinstance(op, graph.TransposeOp):
        return is_identity_permutation(ints(op.perm))
    if isinstance(op, graph.ChannelShuffleOp):
        return int_of(op.groups) in (1, shape_of(op.input.type)[1])
    return isinstance(op, TYPE_PRESERVING_IDENTITIES)


class ComposeTransposes(RewritePattern):
    """transpose(transpose(x, p), q) = transpose(x, r) with r[i] = p[q[i]]; x when r is the identity."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.TransposeOp, rewriter: PatternRewriter, /) -> None:
        inner = op.input.owner
        if not isinstance(inner, graph.TransposeOp):
            return
        p, q = ints(inner.perm), ints(op.perm)
        perm = [p[i] for i in q]
        if is_identity_permutation(perm):
            rewriter.replace(op, [], [inner.input])
        else:
            rewriter.replace(op, graph.TransposeOp(inner.input, perm))
        add_statistic("compose-transposes")


class TransposeToReshape(RewritePattern):
    """A transpose that keeps the order of the axes longer than 1 is a reshape (it moves no element)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.TransposeOp, rewriter: PatternRewriter, /) -> None:
        shape = shape_of(op.input.type)
        moved = [axis for axis in ints(op.perm) if shape[axis] != 1]
        if moved == sorted(moved) and not is_identity_permutation(ints(op.perm)):
            rewriter.replace(op, graph.ReshapeOp(op.input, shape_of(op.output.type)))
            add_statistic("transpose-to-reshape")


class ComposeReshapes(RewritePattern):
    """A reshape of a reshape is one reshape (for reshape, flatten, squeeze and unsqueeze alike); x if it restores x's shape."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ReshapeLike, rewriter: PatternRewriter, /) -> None:
        inner = op.input.owner
        if not isinstance(inner, ReshapeLike):
            return
        if inner.input.type == op.output.type:
            rewriter.replace(op, [], [inner.input])
        else:
            rewriter.replace(op, graph.ReshapeOp(inner.input, shape_of(op.output.type)))
        add_statistic("compose-reshapes")


class RemoveIdentity(RewritePattern):
    """A shape op whose result equals its operand is replaced by the operand."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if moves_nothing(op):
            rewriter.replace(op, [], [op.operands[0]])
            add_statistic(f"identity-{op.name.removeprefix('graph.')}")


@dataclass(frozen=True)
class GraphSimplifyShapesPass(ModulePass):
    """Compose transpose∘transpose and reshape∘reshape (squeeze/unsqueeze pairs too); remove identity shape ops."""

    name = "graph-simplify-shapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [ComposeTransposes(), TransposeToReshape(), ComposeReshapes(), RemoveIdentity()]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
