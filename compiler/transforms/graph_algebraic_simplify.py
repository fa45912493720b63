"""graph-algebraic-simplify: DNNFusion's mathematical-property graph rewriting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriter, PatternRewriteWalker

from dlfc.compiler.utils.algebraic_rules import ALGEBRAIC_OPS, RULES, AlgebraicRule, Proposal


def algebraic_subgraphs(block: Block) -> list[list[Operation]]:
    """The connected sub-graphs of algebraic ops in `block`, each in program order."""
    parent: dict[Operation, Operation] = {}

    def find(op: Operation) -> Operation:
        while parent[op] is not op:
            parent[op] = parent[parent[op]]
            op = parent[op]
        return op

    for op in block.ops:
        if isinstance(op, ALGEBRAIC_OPS):
            parent[op] = op
            for value in op.operands:
                if value.owner in parent:
                    parent[find(value.owner)] = find(op)  # type: ignore[arg-type]
    groups: dict[Operation, list[Operation]] = {}
    for op in parent:
        groups.setdefault(find(op), []).append(op)
    return list(groups.values())


def best_proposal(ops: Sequence[Operation], rules: Sequence[AlgebraicRule]) -> Proposal | None:
    """The rewrite with the largest benefit at any of `ops` by any of `rules` (the first of equals)."""
    proposals = (p for op in ops for rule in rules if (p := rule.propose(op)) is not None)
    return max(proposals, key=lambda p: p.benefit, default=None)


def rewrite_subgraph(ops: list[Operation], rules: Sequence[AlgebraicRule]) -> None:
    """Apply the rule with the largest benefit anywhere in the sub-graph, until none has any."""
    while (best := best_proposal(ops, rules)) is not None:
        inserted, erased = best.apply(PatternRewriter(best.root))
        gone = set(erased)
        ops = [op for op in ops if op not in gone] + [op for op in inserted if isinstance(op, ALGEBRAIC_OPS)]


def select_rules(names: Sequence[str]) -> tuple[AlgebraicRule, ...]:
    """The rules named, in that order; every rule, in `RULES` order, when `names` is empty."""
    by_name = {rule.name: rule for rule in RULES}
    if unknown := [n for n in names if n not in by_name]:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    return tuple(by_name[n] for n in names) if names else RULES


@dataclass(frozen=True)
class GraphAlgebraicSimplifyPass(ModulePass):
    """Rewrite elementwise algebra with DNNFusion's associative, commutative and distributive rules.

    The graph is cut into sub-graphs at ops without those properties; in each,
    the rule whose rewrite saves the most FLOPs (then reads) is applied, until
    none saves anything (DNNFusion, §4.2). `order="first"` instead applies, at
    each op in program order, the first rule that saves anything (xDSL's greedy
    pattern driver). `rules` names the rules to use, in the order "first" tries
    them (default: every rule, see `algebraic_rules.RULES`).
    """

    name = "graph-algebraic-simplify"

    rules: tuple[str, ...] = ()
    order: str = "benefit"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rules = select_rules(self.rules)
        if self.order == "first":
            PatternRewriteWalker(GreedyRewritePatternApplier(list(rules))).rewrite_module(op)
        elif self.order == "benefit":
            for function in [f for f in op.walk() if isinstance(f, func.FuncOp)]:
                for block in function.body.blocks:
                    for subgraph in algebraic_subgraphs(block):
                        rewrite_subgraph(subgraph, rules)
        else:
            raise ValueError(f'order must be "benefit" or "first", got "{self.order}"')
