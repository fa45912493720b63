"""graph-algebraic-simplify: DNNFusion's mathematical-property graph rewriting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriter, PatternRewriteWalker

from dlfc.compiler.fp_model import check_fp_model
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.algebraic_rules import (
    ALGEBRAIC_OPS,
    EXACT_RULES,
    FAST_RULES,
    RULES,
    AlgebraicRule,
    Proposal,
    Work,
    is_inner_product,
)
from dlfc.dialects import graph


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


def best_proposal(
    ops: Sequence[Operation], rules: Sequence[AlgebraicRule], work: Work | None = None
) -> Proposal | None:
    """The rewrite with the largest benefit at any of `ops` by any of `rules` (the first of equals)."""
    proposals = (p for op in ops for rule in rules if (p := rule.propose(op, work)) is not None)
    return max(proposals, key=lambda p: p.benefit, default=None)


def work_budget(size: int) -> int:
    """The ops a sub-graph of `size` ops may build to price and apply rewrites: O(size²).

    Each rewrite strictly lowers the sub-graph's cost, so rewriting ends, but
    nothing bounds the number of rewrites by the graph's size alone; the budget
    does, and keeps the pass polynomial on any input. Ordinary graphs stay far
    below it (tests/transforms/test_rewrite_bounds.py measures the work).
    """
    return WORK_PER_OP_SQUARED * size * size + WORK_MINIMUM


WORK_PER_OP_SQUARED = 64
WORK_MINIMUM = 100_000


def op_proposal(op: Operation, rules: Sequence[AlgebraicRule], work: Work | None = None) -> Proposal | None:
    """The best rewrite at `op` by any of `rules` (the first of equals)."""
    return best_proposal([op], rules, work)


STALE_RADIUS = 3
"""How far downstream a rewrite can change what a rule sees: a rule reads an op's
operands, their producers and the producers' operands (and a product chain, followed whole)."""


def stale_after(changed: Sequence[SSAValue]) -> set[Operation]:
    """Ops whose proposals a change of `changed` (replaced, or uses added or removed) may alter.

    Users up to `STALE_RADIUS` steps downstream, each followed up its product chain
    to the chain's outermost product (a rule at the outermost product sees the whole chain).
    """
    stale: set[Operation] = set()
    frontier = [use.operation for value in changed for use in value.uses]
    for _ in range(STALE_RADIUS):
        following: list[Operation] = []
        for op in frontier:
            while op not in stale:
                stale.add(op)
                following.extend(use.operation for result in op.results for use in result.uses)
                if not (isinstance(op, graph.MulOp) and is_inner_product(op)):
                    break
                op = op.output.first_use.operation  # type: ignore[union-attr]
        frontier = following
    return stale


def rewrite_subgraph(ops: list[Operation], rules: Sequence[AlgebraicRule]) -> Work:
    """Apply the rule with the largest benefit anywhere in the sub-graph, until none has any.

    Proposals are kept per op and recomputed only where a rewrite changed what
    their rules see (`stale_after`); the best one is recomputed before it is
    applied, so every rewrite applied is priced on the current IR. So a rewrite
    costs work near it, not a pass over the sub-graph. Stops early, keeping every
    rewrite made so far, once the work exceeds `work_budget` (counted as the
    statistic `budget-exhausted`). Returns the work done.
    """
    work, budget = Work(), work_budget(len(ops))
    live: dict[Operation, None] = dict.fromkeys(ops)  # program order, then inserted ops
    known: dict[Operation, Proposal | None] = {}
    fresh: set[Operation] = set()
    while True:
        for op in live:
            if op not in known:
                known[op] = op_proposal(op, rules, work)
                fresh.add(op)
        candidates = [p for op in live if (p := known[op]) is not None]
        best = max(candidates, key=lambda p: p.benefit, default=None)
        if best is None:
            return work
        if best.root not in fresh:  # priced before some rewrite elsewhere: price again
            del known[best.root]
            continue
        inserted, erased = best.apply(PatternRewriter(best.root), work)
        for op in erased:
            live.pop(op, None)
            known.pop(op, None)
        # Values with uses added or removed (a block argument's use count matters to no rule), and the new results.
        gone = set(erased)
        changed = [v for op in inserted for v in op.results]
        changed += [v for op in (*inserted, *erased) for v in op.operands if isinstance(v.owner, Operation)]
        changed = [v for v in changed if v.owner not in gone]
        for op in stale_after(changed):
            known.pop(op, None)
        fresh = set()
        live.update((op, None) for op in inserted if isinstance(op, ALGEBRAIC_OPS))
        if work.ops_built > budget:
            add_statistic("budget-exhausted")
            return work


def select_rules(names: Sequence[str], fp_model: str = "fast") -> tuple[AlgebraicRule, ...]:
    """The rules named, in that order (every rule, in `RULES` order, when `names` is empty), in their
    forms for `fp_model`: "fast" the overflow-safe forms (`FAST_RULES`), "strict" only the exact rules
    (`EXACT_RULES`), "aggressive" every form (`RULES`)."""
    check_fp_model(fp_model)
    allowed = {"fast": FAST_RULES, "strict": EXACT_RULES, "aggressive": RULES}[fp_model]
    by_name = {rule.name: rule for rule in RULES}
    if unknown := [n for n in names if n not in by_name]:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    kept = {rule.name: rule for rule in allowed}
    return tuple(kept[n] for n in names if n in kept) if names else allowed


@dataclass(frozen=True)
class GraphAlgebraicSimplifyPass(ModulePass):
    """Rewrite elementwise algebra with DNNFusion's associative, commutative and distributive rules.

    The graph is cut into sub-graphs at ops without those properties; in each,
    the rule whose rewrite saves the most FLOPs (then reads) is applied, until
    none saves anything (DNNFusion, §4.2). `order="first"` instead applies, at
    each op in program order, the first rule that saves anything (xDSL's greedy
    pattern driver). `rules` names the rules to use, in the order "first" tries
    them (default: every rule, see `algebraic_rules.RULES`). `fp-model` is the
    floating-point contract (`dlfc.compiler.fp_model`): "fast" keeps the forms
    that introduce no overflow, "strict" only the rules that are bitwise exact,
    "aggressive" every form (DNNFusion's full Table 4).
    """

    name = "graph-algebraic-simplify"

    rules: tuple[str, ...] = ()
    order: str = "benefit"
    fp_model: str = "fast"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rules = select_rules(self.rules, self.fp_model)
        if self.order == "first":
            PatternRewriteWalker(GreedyRewritePatternApplier(list(rules))).rewrite_module(op)
        elif self.order == "benefit":
            for function in [f for f in op.walk() if isinstance(f, func.FuncOp)]:
                for block in function.body.blocks:
                    for subgraph in algebraic_subgraphs(block):
                        rewrite_subgraph(subgraph, rules)
        else:
            raise ValueError(f'order must be "benefit" or "first", got "{self.order}"')
