"""graph-simplify-shapes: compose transposes and reshapes, and drop shape ops that move nothing.

The pass asks the ops: a reshape-like op has the `graph.ReshapeLike` trait, and
`GraphOp.is_identity` says when an op returns its operand unchanged (its
`IDENTITY` fact).
"""

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
from dlfc.compiler.utils.locations import located
from dlfc.dialects import graph
from dlfc.dialects.graph import ints, shape_of


def is_identity_permutation(perm: Sequence[int]) -> bool:
    return tuple(perm) == tuple(range(len(perm)))


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
            rewriter.replace(op, located([graph.TransposeOp(inner.input, perm)], [inner, op]))
        add_statistic("compose-transposes")


class TransposeToReshape(RewritePattern):
    """A transpose that keeps the order of the axes longer than 1 is a reshape (it moves no element)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.TransposeOp, rewriter: PatternRewriter, /) -> None:
        shape = shape_of(op.input.type)
        moved = [axis for axis in ints(op.perm) if shape[axis] != 1]
        if moved == sorted(moved) and not is_identity_permutation(ints(op.perm)):
            rewriter.replace(op, located([graph.ReshapeOp(op.input, shape_of(op.output.type))], [op]))
            add_statistic("transpose-to-reshape")


class ComposeReshapes(RewritePattern):
    """A reshape-like op of a reshape-like op is one reshape (`graph.ReshapeLike`); x if it restores x's shape."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not op.has_trait(graph.ReshapeLike):
            return
        inner = op.operands[0].owner
        if not (isinstance(inner, Operation) and inner.has_trait(graph.ReshapeLike)):
            return
        source, result = inner.operands[0], op.results[0]
        if source.type == result.type:
            rewriter.replace(op, [], [source])
        else:
            rewriter.replace(op, located([graph.ReshapeOp(source, shape_of(result.type))], [inner, op]))
        add_statistic("compose-reshapes")


class RemoveIdentity(RewritePattern):
    """An op that is the identity (`GraphOp.is_identity`) is replaced by its operand."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if isinstance(op, graph.GraphOp) and op.is_identity():
            rewriter.replace(op, [], [op.operands[0]])
            add_statistic(f"identity-{op.name.removeprefix('graph.')}")


@dataclass(frozen=True)
class GraphSimplifyShapesPass(ModulePass):
    """Compose transpose∘transpose and reshape∘reshape (squeeze/unsqueeze pairs too); remove identity shape ops."""

    name = "graph-simplify-shapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [ComposeTransposes(), TransposeToReshape(), ComposeReshapes(), RemoveIdentity()]
        PatternRewriteWalker(GreedyRewritePatternApplier(patterns)).rewrite_module(op)
