"""graph-fold-constants: compute at compile time what depends only on weights and constants."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriter, PatternRewriteWalker, RewritePattern

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.graph_constants import CompileTimeValues, element_type, weight_name
from dlfc.compiler.utils.locations import located
from dlfc.dialects import graph
from dlfc.hw.reference import evaluate
from dlfc.hw.weights import MAX_FOLDED_ELEMENTS


def elements(value: SSAValue) -> int:
    """The number of elements of a tensor value (1 for a scalar)."""
    return math.prod(graph.shape_of(value.type)) if isinstance(value.type, TensorType) else 1


class FoldConstantSubgraph(RewritePattern):
    """Replace the results of a sub-graph of weights and constants by their values.

    Values come from the ops' reference semantics (`dlfc.hw.reference`). Only the
    sub-graph's outputs (results some op outside it uses) are materialized:
    an array as a `stored` weight named after the computation
    (`<first weight>.<op>.<op>…`, `.i` for result i of a multi-result op), a
    scalar as a `graph.constant`; the ops inside it die with them. A folded
    value has the fused location of the computed ops of its sub-graph.

    No value of more than `MAX_FOLDED_ELEMENTS` elements is computed or read
    (a broadcast of [2^15, 1] and [1, 2^15] weights stays an op): the sizes are
    the model's to choose, the compile time and memory are not.
    """

    def __init__(self, values: CompileTimeValues):
        self.values = values
        self.foldable: dict[SSAValue, bool] = {}
        self.folded: dict[SSAValue, tuple[np.ndarray, str]] = {}

    def is_foldable(self, value: SSAValue) -> bool:
        """True if only weights and constants determine `value`, none of more than `MAX_FOLDED_ELEMENTS` elements."""
        if value not in self.foldable:
            op = value.owner
            if elements(value) > MAX_FOLDED_ELEMENTS:
                self.foldable[value] = False
            elif isinstance(op, graph.WeightOp | graph.ConstantOp):
                self.foldable[value] = True
            else:
                computed = isinstance(op, graph.GraphOp) and bool(op.operands)
                computed = computed and all(elements(r) <= MAX_FOLDED_ELEMENTS for r in op.results)
                self.foldable[value] = computed and all(self.is_foldable(v) for v in op.operands)  # type: ignore[union-attr]
        return self.foldable[value]

    def fold(self, value: SSAValue) -> tuple[np.ndarray, str]:
        """The value of a foldable `value`, and the name a weight holding it gets."""
        if value not in self.folded:
            if (array := self.values.value(value)) is not None:
                self.folded[value] = (array, weight_name(value) or "constant")
            else:
                op = value.owner
                assert isinstance(op, graph.GraphOp)
                arguments = [self.fold(v) for v in op.operands]
                names = [name for _, name in arguments if name != "constant"]
                base = f"{names[0] if names else 'constant'}.{op.name.removeprefix('graph.')}"
                results = evaluate(op, [array for array, _ in arguments])
                for i, (result, array) in enumerate(zip(op.results, results, strict=False)):
                    self.folded[result] = (array, base if len(results) == 1 else f"{base}.{i}")
        return self.folded[value]

    def subgraph(self, op: Operation) -> list[Operation]:
        """The computed (non-source) ops of the sub-graph whose output `op` is: what its folded value replaces."""
        ops, seen = [op], {op}
        for current in ops:  # grows while iterating
            for value in current.operands:
                producer = value.owner
                if isinstance(producer, graph.GraphOp) and producer.operands and producer not in seen:
                    seen.add(producer)
                    ops.append(producer)
        return ops[::-1]

    def _inside_subgraph(self, op: Operation) -> bool:
        """True if every user of `op` is folded too: `op` is no output of its sub-graph."""
        users = [use.operation for result in op.results for use in result.uses]
        return all(isinstance(u, graph.GraphOp) and self.is_foldable(u.results[0]) for u in users)

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if not isinstance(op, graph.GraphOp) or not self.is_foldable(op.results[0]) or self._inside_subgraph(op):
            return
        new_ops: list[Operation] = []
        new_results: list[SSAValue | None] = []
        for result in op.results:
            if result.first_use is None:
                new_results.append(None)
                continue
            array, name = self.fold(result)
            new_ops.append(self.values.materialize(name, array, element_type(result)))
            new_results.append(new_ops[-1].results[0])
        rewriter.replace(op, located(new_ops, self.subgraph(op)), new_results)
        add_statistic("folded-subgraphs")


@dataclass(frozen=True)
class GraphFoldConstantsPass(ModulePass):
    """Evaluate sub-graphs that depend only on weights and constants; their results become stored weights."""

    name = "graph-fold-constants"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        # The applier's dead-code elimination erases the sub-graphs that folding leaves unused.
        pattern = GreedyRewritePatternApplier([FoldConstantSubgraph(CompileTimeValues(op))])
        PatternRewriteWalker(pattern).rewrite_module(op)
