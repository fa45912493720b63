"""A dlfc pass plugin on the graph dialect: relu(relu(x)) -> relu(x).

    dlfc model.dlm --load-pass-plugin examples/plugins/graph_fold_relu.py \
        --pass-pipeline graph-fold-relu

(see docs/writing-a-pass.md)
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

from dlfc.compiler.api import ModulePass, add_statistic, graph


class FoldReluOfRelu(RewritePattern):
    """relu is idempotent: a relu of a relu is the inner relu."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: graph.ReluOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if isinstance(inner, graph.ReluOp):
            rewriter.replace(op, [], new_results=[inner.output])
            add_statistic("relus-folded")


@dataclass(frozen=True)
class GraphFoldReluPass(ModulePass):
    """Fold relu(relu(x)) into relu(x)."""

    name = "graph-fold-relu"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(FoldReluOfRelu()).rewrite_module(op)
