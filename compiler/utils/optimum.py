"""The exact optimum of the joint problem (legal convex groups x core counts), by an integer program.

An independent reference for `autotune`: it shares only the definition of
the space (legality from the fusion table, `fused_type`; costs from the cost
model) and searches it a different way, so a test that finds both equal on a
graph checks autotune's DP, its fallback and its bookkeeping.

1. Candidates: every legal convex group of at most `cap` ops (legal under
   `table`, `search_space.FUSION_TABLES`: DNNFusion's red cells, or none),
   grown in index order (a topological order) with incremental checks. Adding op k to a set
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
exponentially many (eight parallel conv -> relu -> conv branches: 1.7 million).
Past it, a graph that is parallel components followed by a tail needing all
of them (`parallel_split`) is solved by `solve_components`: a DP over the
ideals, which are a product of the components' ideals, with each kernel
weighed by a lower bound until the shortest path is made of exactly costed
kernels only (then it is optimal: its length is a plan's latency and a lower
bound on every plan's). Other graphs past the limit are refused with
`TooLarge`. `highspy` is an optional dependency (the test extra installs it).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import product

import numpy as np

from dlfc.compiler.utils.bitmasks import bits, mask_of, union
from dlfc.compiler.utils.search_space import DNNFUSION, Kernel, fused_type, plan_latency
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
    """Legal convex groups (and incoming groups) enumerated and costed; for `solve_components`, the combinations
    of pieces it bounded (a superset: the empty one and those over `cap` ops too)."""
    columns: int
    """Those left in the integer program: the undominated ones (`undominated`); for `solve_components`, the
    combinations it costed exactly."""
    cuts: int
    """Cycle cuts added before the solution could run."""
    seconds: float
    lower_bound: float = 0.0
    """The proven lower bound on every plan's latency: the plan's own latency (it is optimal)."""
    rounds: int = 0
    """Shortest paths computed (`solve_components`; 0 for the integer program)."""


def candidate_groups(ops: Sequence[graph.GraphOp], cap: int, limit: int, table: str = DNNFUSION) -> list[int]:
    """Every legal convex group (under `table`) of at most `cap` ops (0: any size), as masks over `ops`;
    TooLarge past `limit`."""
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
            fused = fused_type([reaching[p] for p in bits(preds[k] & group)], types[k], table)
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
    table: str = DNNFUSION,
) -> Optimum:
    """The optimal plan of `ops` (a topological order) over legal convex groups (under `table`) and the `seeds` groups.

    The integer program up to `limit` candidates, else `solve_components` when the graph splits
    into parallel components (with its own limits: a million states). Raises TooLarge past
    those, ImportError without `highspy`, TimeoutError when `time_limit` seconds (0: none)
    pass before optimality is proven (the components' DP says how far it got: its best plan
    and proven lower bound).
    """
    import highspy

    started = time.time()
    index = {op: i for i, op in enumerate(ops)}
    preds = [mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in ops]
    try:
        found = candidate_groups(ops, cap, limit, table)
    except TooLarge:
        split = parallel_split(preds)
        if split is None:
            raise
        return solve_components(ops, seeds, target, split, cap, time_limit=time_limit, table=table)
    groups = list(dict.fromkeys([*found, *seeds]))
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
    return Optimum(plan, candidates, len(groups), cuts, time.time() - started, plan_latency(plan))


# --------------------------------------------------------------------------- wide graphs: parallel components


@dataclass
class _Component:
    """One of the parallel components: its ideals (by size), pieces (differences of nested ideals) and their facts."""

    ops: list[int]
    ideals: list[int]
    pieces: list[int]
    """Piece masks; piece 0 is the empty one."""
    down: list[list[tuple[int, int]]]
    """Per ideal J: (ideal I, piece J - I) for every I inside J whose piece is empty or legal (and small enough)."""
    up: list[list[tuple[int, int]]]
    """Per ideal I: (ideal J, piece J - I), the same pairs seen from below."""


@dataclass(frozen=True)
class Split:
    """The ops as parallel components (no edge between two of them) followed by a tail that needs all of them."""

    components: list[list[int]]
    tail: list[int]


def parallel_split(preds: Sequence[int], longest_tail: int = 8) -> Split | None:
    """The shortest suffix of the order (at most `longest_tail` ops) whose removal leaves two or more components
    with every op of the suffix depending on every component; None when there is none."""
    n = len(preds)
    ancestors = [0] * n
    for i in range(n):
        for p in bits(preds[i]):
            ancestors[i] |= 1 << p | ancestors[p]
    for k in range(min(longest_tail, n - 2) + 1):
        body = n - k
        parent = list(range(body))

        def find(x: int, parent: list[int] = parent) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i in range(body):
            for p in bits(preds[i]):
                parent[find(i)] = find(p)
        groups: dict[int, list[int]] = {}
        for i in range(body):
            groups.setdefault(find(i), []).append(i)
        components = list(groups.values())
        if len(components) < 2:
            continue
        masks = [mask_of(c) for c in components]
        if all(all(ancestors[t] & m for m in masks) for t in range(body, n)):
            return Split(components, list(range(body, n)))
    return None


def _ideals(members: Sequence[int], preds: Sequence[int], limit: int) -> list[int]:
    """Every ideal of the sub-DAG on `members` (producers outside it ignored), by increasing size."""
    inside = mask_of(members)
    found, layer, seen = [0], [0], {0}
    while layer:
        grown = []
        for ideal in layer:
            for i in members:
                if not ideal >> i & 1 and not preds[i] & inside & ~ideal:
                    bigger = ideal | 1 << i
                    if bigger not in seen:
                        seen.add(bigger)
                        grown.append(bigger)
        found += grown
        layer = grown
        if len(found) > limit:
            raise TooLarge(f"more than {limit} ideals in one component")
    return found


class _Components:
    """The DP over the ideals of a graph split into parallel components and a tail (see `solve_components`)."""

    def __init__(
        self,
        ops: Sequence[graph.GraphOp],
        target: Accelerator,
        cap: int,
        split: Split,
        limit: int,
        table: str = DNNFUSION,
    ):
        self.ops, self.target, self.split, self.table = ops, target, split, table
        n = len(ops)
        self.cap = cap or n
        index = {op: i for i, op in enumerate(ops)}
        self.preds = [mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in ops]
        self.types = [op.mapping_type() for op in ops]
        self.model = cost_model(target)
        self.dataflow = self.model.dataflow(ops)
        self.keys = KernelKeys(ops)
        self.memo: dict[object, tuple[int, float]] = {}
        self.costed = 0
        read_by: dict[int, set[int]] = {}
        for c, members in enumerate(split.components):
            for i in members:
                for value, producer, _, _ in self.dataflow.reads[i]:
                    if producer < 0:
                        read_by.setdefault(value, set()).add(c)
        shared = [v for v, readers in read_by.items() if len(readers) > 1]
        if len(shared) > 60:
            raise TooLarge("more than 60 inputs shared between components")
        self.shared = {v: k for k, v in enumerate(shared)}
        self.shared_bytes = [0] * len(shared)
        self.components = [self._component(members, limit) for members in split.components]
        sizes = [len(c.pieces) for c in self.components]
        if math.prod(sizes) > 32 * limit:
            raise TooLarge(f"more than {32 * limit} combinations of pieces")
        self.radix = [math.prod(sizes[:k]) for k in range(len(sizes))]
        self.tail_ideals = _ideals(split.tail, self.preds, limit) if split.tail else [0]
        states = [len(c.ideals) for c in self.components]
        if math.prod(states) > limit:
            raise TooLarge(f"more than {limit} ideals")
        self.stride = [math.prod(states[:k]) for k in range(len(states))]
        self.body = math.prod(states)

    # ------------------------------------------------------------------ one component

    def legal(self, group: int) -> bool:
        reaching: dict[int, graph.MappingType] = {}
        for i in bits(group):
            fused = fused_type([reaching[p] for p in bits(self.preds[i] & group)], self.types[i], self.table)
            if fused is None:
                return False
            reaching[i] = fused
        return True

    def _component(self, members: list[int], limit: int) -> _Component:
        ideals = _ideals(members, self.preds, limit)
        pieces: dict[int, int] = {0: 0}
        down: list[list[tuple[int, int]]] = [[] for _ in ideals]
        up: list[list[tuple[int, int]]] = [[] for _ in ideals]
        for b, outer in enumerate(ideals):
            for a, inner in enumerate(ideals):
                if inner & ~outer:
                    continue
                piece = outer & ~inner
                if piece and (piece.bit_count() > self.cap or not self.legal(piece)):
                    continue
                p = pieces.setdefault(piece, len(pieces))
                down[b].append((a, p))
                up[a].append((b, p))
        return _Component(members, ideals, list(pieces), down, up)

    def piece_facts(self, piece: int) -> tuple[list[float], int, int]:
        """Per legal core count the untiled compute; the DRAM bytes of its own inputs, weights and
        outputs; the mask of the shared inputs it reads (their bytes in `shared_bytes`)."""
        compute = [0.0] * len(self.target.legal_cores)
        data, shared, seen = 0, 0, set()
        for i in bits(piece):
            for k, t in enumerate(self.dataflow.facts[i].times):
                compute[k] += t
            for value, producer, size, _ in self.dataflow.reads[i]:
                if producer >= 0 and piece >> producer & 1:
                    continue
                if value in self.shared:
                    shared |= 1 << self.shared[value]
                    self.shared_bytes[self.shared[value]] = size
                elif value not in seen:
                    seen.add(value)
                    data += size
            for size, consumers in self.dataflow.writes[i]:
                if any(c < 0 or not piece >> c & 1 for c in consumers):
                    data += size
        return compute, data, shared

    # ------------------------------------------------------------------ every combination of pieces: a lower bound

    def lower_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per combination of pieces (index sum of piece * radix): a lower bound on its latency as one kernel
        (inf for the empty one and those over `cap` ops), and its op count.

        The bound: min over core counts c of launch + sync(c) + max(untiled compute on c cores,
        DRAM bytes of inputs, weights and outputs / bandwidth(c)). Every schedule of the cost model
        takes at least that: its per-op phases sum to at least the compute and at least the memory
        time (`CostModel._phases`), and tiling or spilling only adds.
        """
        t = self.target
        facts = [
            [self.piece_facts(p) if p else ([0.0] * len(t.legal_cores), 0, 0) for p in c.pieces]
            for c in self.components
        ]

        def combined(values: Sequence[np.ndarray], combine: np.ufunc) -> np.ndarray:
            """Per combination of pieces, their values combined (the first component's piece varies fastest)."""
            result = values[0]
            for v in values[1:]:
                result = combine.outer(v, result).ravel()
            return result

        data = combined([np.array([f[1] for f in fs], dtype=np.float64) for fs in facts], np.add)
        if self.shared_bytes:
            shared = combined([np.array([f[2] for f in fs], dtype=np.int64) for fs in facts], np.bitwise_or)
            for k, nbytes in enumerate(self.shared_bytes):
                data += nbytes * ((shared >> k) & 1)
            del shared
        size = combined([np.array([p.bit_count() for p in c.pieces], dtype=np.int32) for c in self.components], np.add)
        bound = np.full(len(data), np.inf)
        for k, cores in enumerate(t.legal_cores):
            compute = combined([np.array([f[0][k] for f in fs]) for fs in facts], np.add)
            overhead = t.launch_overhead + t.sync_overhead(cores)
            bandwidth = min(t.dram_bandwidth, cores * t.core_dma_bandwidth)
            np.minimum(bound, overhead + np.maximum(compute, data / bandwidth), out=bound)
            del compute
        bound[0] = np.inf
        bound[size > self.cap] = np.inf
        return bound, size

    def mask(self, combination: int) -> int:
        group = 0
        for component in self.components:
            combination, p = divmod(combination, len(component.pieces))
            group |= component.pieces[p]
        return group

    def cost(self, group: int) -> tuple[int, float]:
        """The best core count and latency of a group (each signature costed once)."""
        members = tuple(bits(group))
        key = self.keys.key(members)
        found = self.memo.get(key)
        if found is None:
            self.costed += 1
            cores, kernel = self.model.fastest(self.dataflow.boundary(members))
            found = self.memo[key] = (cores, kernel.latency)
        return found

    # ------------------------------------------------------------------ the DP

    def _options(self, kind: str) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """Per component and ideal: the other ideal's state offsets and the piece's combination offsets."""
        found = []
        for k, component in enumerate(self.components):
            pairs = component.down if kind == "down" else component.up
            found.append(
                [
                    (
                        np.array([a * self.stride[k] for a, _ in options], dtype=np.int64),
                        np.array([p * self.radix[k] for _, p in options], dtype=np.int64),
                    )
                    for options in pairs
                ]
            )
        return found

    @staticmethod
    def _combine(
        options: list[list[tuple[np.ndarray, np.ndarray]]], digits: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        states, combinations = options[0][digits[0]]
        for k in range(1, len(options)):
            other, piece = options[k][digits[k]]
            states = np.add.outer(other, states).ravel()
            combinations = np.add.outer(piece, combinations).ravel()
        return states, combinations

    def tail_moves(self, limit: int) -> list[list[tuple[int, int, int, float]]]:
        """Per tail ideal (index t >= 1; its state is body + t - 1): (state before, group, cores, latency) of
        every legal kernel that ends there: tail ops with the last pieces of every component, or tail ops alone."""
        moves: list[list[tuple[int, int, int, float]]] = [[] for _ in self.tail_ideals]
        if len(self.tail_ideals) == 1:
            return moves
        full = [c.down[-1] for c in self.components]
        count = math.prod(len(f) for f in full) * len(self.tail_ideals)
        if count > limit:
            raise TooLarge(f"more than {limit} kernels that end in the tail")
        position = {ideal: k for k, ideal in enumerate(self.tail_ideals)}
        for t, ideal in enumerate(self.tail_ideals[1:], 1):
            for combination in product(*full):
                state = sum(a * self.stride[k] for k, (a, _) in enumerate(combination))
                group = ideal | union(self.components[k].pieces[p] for k, (_, p) in enumerate(combination))
                if group.bit_count() <= self.cap and self.legal(group):
                    moves[t].append((state, group, *self.cost(group)))
            for inner, u in position.items():
                if inner and inner != ideal and not inner & ~ideal:
                    group = ideal & ~inner
                    if group.bit_count() <= self.cap and self.legal(group):
                        moves[t].append((self.body + u - 1, group, *self.cost(group)))
        return moves


def solve_components(
    ops: Sequence[graph.GraphOp],
    seeds: Sequence[int],
    target: Accelerator,
    split: Split,
    cap: int = 0,
    limit: int = 1_000_000,
    time_limit: float = 0.0,
    batch: int = 20_000,
    table: str = DNNFUSION,
) -> Optimum:
    """The optimal plan of `ops` split into parallel components and a tail, by a DP over ideals with lazy costs.

    An ideal of the graph is one ideal per component (and, once every component
    is complete, an ideal of the tail), so the states are a product; a kernel
    ending state J is one piece (a difference of nested ideals, legal) per
    component, so every kernel's lower bound (`_Components.lower_bounds`) is
    computed for all combinations at once. Then, until the shortest path uses
    only exactly costed kernels: the shortest path over the states with each
    kernel weighed by its exact latency where known and by its lower bound
    elsewhere (a lower bound on every plan); its kernels are costed exactly;
    and every kernel that lies on some path shorter than the best plan found
    is costed (`batch` at a time, smallest first). When the shortest path's
    kernels are all exact, its length is both a plan's latency and a lower
    bound on every plan's: optimal. Kernels in the tail are all costed.
    """
    started = time.time()
    space = _Components(ops, target, cap, split, limit, table)
    if any(seed.bit_count() > space.cap or not space.legal(seed) for seed in seeds):
        raise TooLarge("an incoming group outside the legal groups (the components' DP has only legal ones)")
    weight, _ = space.lower_bounds()
    exact = np.zeros(len(weight), dtype=bool)
    cores = np.zeros(len(weight), dtype=np.int64)
    moves = space.tail_moves(limit)
    body, last = space.body, space.body + len(space.tail_ideals) - 2
    shape = [len(c.ideals) for c in space.components]
    digits = np.stack(np.unravel_index(np.arange(body), shape[::-1])[::-1], axis=1)
    sizes = sum(np.array([i.bit_count() for i in c.ideals])[digits[:, k]] for k, c in enumerate(space.components))
    order = np.argsort(sizes, kind="stable")
    down, up = space._options("down"), space._options("up")
    leaving: dict[int, list[tuple[int, float]]] = {}
    """Body state -> (tail state, latency) of the kernels from it into the tail."""
    for t, into in enumerate(moves):
        for before, _, _, latency in into:
            leaving.setdefault(before, []).append((body + t - 1, latency))

    def settle(combinations: np.ndarray) -> None:
        for c in combinations.tolist():
            if not exact[c]:
                cores[c], weight[c] = space.cost(space.mask(c))
                exact[c] = True

    best_plan: list[Kernel] | None = None
    best = np.inf
    rounds = 0
    while True:
        rounds += 1
        # forward: the shortest path
        f = np.full(last + 1, np.inf)
        f[0] = 0.0
        came: dict[int, tuple[int, int]] = {}
        for j in order[1:].tolist():
            states, combinations = space._combine(down, digits[j])
            values = f[states] + weight[combinations]
            k = int(values.argmin())
            f[j] = values[k]
            came[j] = (int(states[k]), int(combinations[k]))
        tail_came: dict[int, tuple[int, int, int, float]] = {}
        for t in range(1, len(space.tail_ideals)):
            for before, group, c, latency in moves[t]:
                if f[before] + latency < f[body + t - 1]:
                    f[body + t - 1] = f[before] + latency
                    tail_came[body + t - 1] = (before, group, c, latency)
        lower = f[last]
        path: list[tuple[int, int]] = []  # (combination or -1, tail state)
        state = last
        while state != 0:
            if state >= body:
                before, *_ = tail_came[state]
                path.append((-1, state))
            else:
                before, combination = came[state]
                path.append((combination, state))
            state = before
        pending = np.array([c for c, _ in path if c >= 0 and not exact[c]], dtype=np.int64)
        settle(pending)
        plan = []
        for combination, state in path:
            if combination >= 0:
                plan.append(
                    Kernel(tuple(bits(space.mask(combination))), int(cores[combination]), float(weight[combination]))
                )
            else:
                _, group, c, latency = tail_came[state]
                plan.append(Kernel(tuple(bits(group)), c, latency))
        if plan_latency(plan) < best:
            best, best_plan = plan_latency(plan), sorted(plan, key=lambda k: k.ops[0])
        if not len(pending) or lower >= best * (1 - 1e-12):
            assert best_plan is not None
            return Optimum(best_plan, len(weight), int(exact.sum()), 0, time.time() - started, min(lower, best), rounds)
        if time_limit > 0 and time.time() - started > time_limit:
            raise TimeoutError(
                f"stopped after {rounds} rounds: best plan {best * 1e6:.3f} us, "
                f"proven lower bound {lower * 1e6:.3f} us ({(best / lower - 1) * 100:.2f}% above it)"
            )
        # backward: every kernel on a path shorter than the best plan
        b = np.full(last + 1, np.inf)
        b[last] = 0.0
        for t in range(len(space.tail_ideals) - 1, 0, -1):
            for before, _, _, latency in moves[t]:
                if before >= body:
                    b[before] = min(b[before], latency + b[body + t - 1])
        found_c: list[np.ndarray] = []
        found_v: list[np.ndarray] = []
        held = 0

        def keep_best() -> None:  # memory: only the `batch` best found so far are costed this round
            nonlocal found_c, found_v, held
            combinations, values = np.concatenate(found_c), np.concatenate(found_v)
            if len(values) > 4 * batch:
                kept = np.argpartition(values, 4 * batch)[: 4 * batch]
                combinations, values = combinations[kept], values[kept]
            found_c, found_v, held = [combinations], [values], len(values)

        for i in order[::-1].tolist():
            for into, latency in leaving.get(i, ()):
                b[i] = min(b[i], latency + b[into])
            states, combinations = space._combine(up, digits[i])
            rest = weight[combinations] + b[states]
            if len(rest):
                b[i] = min(b[i], rest.min())
            through = f[i] + rest
            keep = (through < best * (1 - 1e-12)) & ~exact[combinations]
            if keep.any():
                found_c.append(combinations[keep])
                found_v.append(through[keep])
                held += int(keep.sum())
                if held > 64 * batch:
                    keep_best()
        if found_c:
            combinations, values = np.concatenate(found_c), np.concatenate(found_v)
            ranked = combinations[np.argsort(values, kind="stable")]
            _, first = np.unique(ranked, return_index=True)
            settle(ranked[np.sort(first)][:batch])
