"""The exact optimum of the joint problem (legal convex groups x core counts), by an integer program.

An independent reference for `autotune`: it shares only the definition of
the space (legality from the fusion table, `fused_type`; costs from the cost
model) and searches it a different way, so a test that finds both equal on a
graph checks autotune's DP, its fallback and its bookkeeping.

1. Candidates: every legal convex group of at most `cap` ops, grown in index
   order (a topological order) with incremental checks. Adding op k to a set
   is refused for good when an op outside the set lies on a path from the set
   to k (that op comes before k and will never be added: no superset grown
   this way is convex), and for now when a path inside the set meets a red
   cell of the fusion table. Every legal convex group is grown this way,
   because each of its prefixes in index order is convex and legal. The
   incoming plan's groups are candidates too, whatever their size or
   legality (autotune keeps them as well).
2. Cost: each candidate on its best legal core count. This is exact for the
   joint problem: a plan's latency is the sum of its kernels', so the core
   counts of different kernels do not interact.
3. The program: a binary x_S per candidate, each op covered exactly once,
   minimise the sum of x_S times S's cost (HiGHS, `highspy`). The chosen
   groups must run one after another: when the solution's groups feed each
   other in a cycle, the cut "not all of these groups" is added and the
   program solved again, until no cycle is left. A cut removes only plans
   that contain that cycle, so the final solution is optimal over the plans
   that can run.

The size limit is the number of candidates (`limit`); wide graphs have
exponentially many (eight parallel conv -> relu -> conv branches: 1.7 million)
and are refused with `TooLarge`. `highspy` is an optional dependency (the test
extra installs it).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from dlfc.compiler.utils.bitmasks import bits, mask_of
from dlfc.compiler.utils.search_space import Kernel, fused_type
from dlfc.compiler.utils.tuning_cache import KernelKeys
from dlfc.dialects import graph
from dlfc.hw.cost import cost_model
from dlfc.hw.target import Accelerator


class TooLarge(ValueError):
    """The graph has more candidate groups than the exact solver's limit."""


@dataclass(frozen=True)
class Optimum:
    """The optimal plan of one function and what proving it took."""

    plan: list[Kernel]
    candidates: int
    """Legal convex groups (and incoming groups) enumerated and costed."""
    columns: int
    """Those left in the integer program: the undominated ones (`undominated`)."""
    cuts: int
    """Cycle cuts added before the solution could run."""
    seconds: float


def candidate_groups(ops: Sequence[graph.GraphOp], cap: int, limit: int) -> list[int]:
    """Every legal convex group of at most `cap` ops (0: any size), as masks over `ops`; TooLarge past `limit`."""
    n = len(ops)
    cap = cap or n
    index = {op: i for i, op in enumerate(ops)}
    preds = [mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in ops]
    descendants = [0] * n
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            if preds[j] >> i & 1:
                descendants[i] |= 1 << j | descendants[j]
    ancestors = [mask_of(j for j in range(n) if descendants[j] >> i & 1) for i in range(n)]
    types = [op.mapping_type() for op in ops]
    reaching: list[graph.MappingType] = list(types)
    found: list[int] = []

    def grow(group: int, below: int, last: int, size: int) -> None:
        for k in range(last + 1, n):
            if ancestors[k] & below & ~group:
                continue  # a path leaves the group and comes back into k
            fused = fused_type([reaching[p] for p in bits(preds[k] & group)], types[k])
            if fused is None:
                continue
            reaching[k] = fused
            found.append(group | 1 << k)
            if len(found) > limit:
                raise TooLarge(f"more than {limit} candidate groups")
            if size + 1 < cap:
                grow(group | 1 << k, below | descendants[k], k, size + 1)

    grow(0, 0, -1, 0)
    return found


def _cycle(chosen: Sequence[int], preds: Sequence[int]) -> list[int] | None:
    """Groups of `chosen` (masks partitioning the ops) that feed each other in a cycle, or None."""
    owner = {i: g for g in chosen for i in bits(g)}
    feeds = {g: {owner[p] for i in bits(g) for p in bits(preds[i])} - {g} for g in chosen}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    path: list[int] = []

    def visit(g: int) -> list[int] | None:
        state[g] = 1
        path.append(g)
        for h in feeds[g]:
            if state.get(h) == 1:
                return path[path.index(h) :]
            if h not in state and (cycle := visit(h)) is not None:
                return cycle
        state[g] = 2
        path.pop()
        return None

    for g in chosen:
        if g not in state and (cycle := visit(g)) is not None:
            return cycle
    return None


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send what native code writes to file descriptor 1 to /dev/null for the duration."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def undominated(groups: Sequence[int], costs: Sequence[float], preds: Sequence[int]) -> list[int]:
    """The positions in `groups` of the groups no split of which is as cheap (the others cannot improve a plan).

    A group G is dominated when G = A + B with A closed under producers within G,
    both A and B candidates, and eff(A) + eff(B) <= cost(G), where eff(S) is the
    cheapest of S's own cost and its splits (computed by increasing size). A and
    B are then convex (a path between two ops of A, or of B, stays in the convex
    G, and cannot pass through B, or A, respectively) and run one after the
    other where G ran, so any plan using G becomes one using only undominated
    groups that costs no more: dropping dominated groups keeps an optimal plan.
    The splits tried are the ones taking off one op that has no consumer in G
    (A = G - op) or no producer in G (A = the op).
    """
    position = {g: k for k, g in enumerate(groups)}
    effective = list(costs)
    kept: list[int] = []
    for k in sorted(range(len(groups)), key=lambda k: groups[k].bit_count()):
        g = groups[k]
        if g.bit_count() > 1:
            best = float("inf")  # the cheapest split
            for i in bits(g):
                one, rest = position.get(1 << i), position.get(g & ~(1 << i))
                if one is None or rest is None:
                    continue
                last = not any(preds[j] >> i & 1 for j in bits(g))  # no consumer of i in g
                first = not preds[i] & g  # no producer of i in g
                if last or first:
                    best = min(best, effective[one] + effective[rest])
            if best <= costs[k]:
                effective[k] = best
                continue
        kept.append(k)
    return kept


def solve_exact(
    ops: Sequence[graph.GraphOp],
    seeds: Sequence[int],
    target: Accelerator,
    cap: int = 0,
    limit: int = 50_000,
    time_limit: float = 0.0,
) -> Optimum:
    """The optimal plan of `ops` (a topological order) over legal convex groups and the `seeds` groups.

    Raises TooLarge past `limit` candidates, ImportError without `highspy`,
    TimeoutError when `time_limit` seconds (0: none) pass before optimality is proven.
    """
    import highspy
    import numpy as np

    started = time.time()
    index = {op: i for i, op in enumerate(ops)}
    preds = [mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in ops]
    groups = list(dict.fromkeys([*candidate_groups(ops, cap, limit), *seeds]))
    model = cost_model(target)
    dataflow = model.dataflow(ops)
    keys = KernelKeys(ops)
    by_signature: dict[object, tuple[int, float]] = {}
    costed: list[tuple[int, float]] = []
    for g in groups:
        members = tuple(bits(g))
        key = keys.key(members)
        best = by_signature.get(key)
        if best is None:
            cores, cost = model.fastest(dataflow.boundary(members))
            best = by_signature[key] = (cores, cost.latency)
        costed.append(best)
    candidates = len(groups)
    kept = undominated(groups, [latency for _, latency in costed], preds)
    groups = [groups[k] for k in kept]
    kernels = [Kernel(tuple(bits(groups[n])), *costed[k]) for n, k in enumerate(kept)]

    with _quiet_stdout():  # HiGHS prints a banner on stdout when it starts, before any option can be set
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)  # proven optimal, not within HiGHS's default 0.01%
    h.setOptionValue("mip_abs_gap", 0.0)
    if time_limit > 0:
        h.setOptionValue("time_limit", float(time_limit))
    m = len(groups)
    h.addVars(m, np.zeros(m), np.ones(m))
    h.changeColsCost(m, np.arange(m, dtype=np.int32), np.array([k.latency * 1e6 for k in kernels]))
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * m))
    covering: list[list[int]] = [[] for _ in ops]
    for column, g in enumerate(groups):
        for i in bits(g):
            covering[i].append(column)
    for columns in covering:
        h.addRow(1.0, 1.0, len(columns), np.array(columns, dtype=np.int32), np.ones(len(columns)))
    cuts = 0
    while True:
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise TimeoutError(
                f"the integer program stopped without a proven optimum ({h.modelStatusToString(status)})"
            )
        values = h.getSolution().col_value
        chosen = [column for column in range(m) if values[column] > 0.5]
        cycle = _cycle([groups[c] for c in chosen], preds)
        if cycle is None:
            break
        columns = [groups.index(g) for g in cycle]
        h.addRow(
            -highspy.kHighsInf,
            len(columns) - 1.0,
            len(columns),
            np.array(columns, dtype=np.int32),
            np.ones(len(columns)),
        )
        cuts += 1
    plan = sorted((kernels[c] for c in chosen), key=lambda k: k.ops[0])
    return Optimum(plan, candidates, len(groups), cuts, time.time() - started)
