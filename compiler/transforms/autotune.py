"""autotune: choose the fusion scheme and every kernel's core count together (DLFusion's two knobs).

The objective is the modelled latency of the whole plan: kernels run one after
the other, so it is the sum of the kernels' latencies (`dlfc.hw.cost`). A kernel's
latency depends only on its own ops and core count, so once the fusion scheme
is fixed the best core counts are found kernel by kernel (`best_cores`), and
the joint problem becomes: choose the partition of the graph ops into kernels
whose sum of best-core latencies is smallest.

The search space is every plan whose kernels are legal groups of at most
`window` ops that can run one after another (no two kernels feed each other).
A group is legal when it is
- convex: no path leaves the group and comes back (it could not run as one launch);
- legal under DNNFusion's fusion table: no path inside the group meets a red
  cell (with the paper's table: no path leads from a One-to-Many or
  Many-to-Many op into a Many-to-Many op, e.g. conv -> relu -> conv); with
  `fusion-table=none` this rule is dropped and every convex group is legal:
  the cost model alone decides;
- or exactly a group of the incoming plan, whatever rules its planner used,
  so the result is never worse than the incoming plan;
- with `fusion-table=none`, where long legal groups are the rule, also
  groups longer than `window`: the whole function (so the result is never
  worse than one kernel) and every span, a segment of the search order
  between two narrow cuts (at most one op before the cut feeds one after it:
  the boundaries of a network's stages, residual blocks, encoder layers; at
  most `MAX_CUTS` of them, evenly chosen), so that a plan can be a few long
  kernels, each on its own core count. (Under `dnnfusion` a group longer than
  `window` is only ever an incoming one: `window` bounds every other group.)

Algorithm: a DP over the ideals of the dataflow graph (sets of ops closed
under producers). A plan's kernels, in execution order, grow a chain of ideals
{} = I0 < I1 < ... < Ik = all ops with kernel j = Ij - I(j-1); conversely the
difference of two nested ideals is always convex. So the best plan is a
shortest path over ideals, exact over the whole space:

    best[{}] = 0,   best[J] = min over legal S with J - S an ideal of best[J - S] + latency(S, best cores)

The S of an ideal J are its upsets (closed under consumers within J), grown
from J's last ops and dropped as soon as one is illegal: legality is monotone
(a convex group that contains an illegal one is illegal). On a chain the
ideals are the prefixes and this is the classic segmentation DP, with O(n * L)
kernels costed for n ops and legal groups of at most L ops. DNN graphs are
nearly chains: the examples have 39 to about 1,000 ideals (transformers'
query/key/value branches give the most). A graph with many parallel branches
can have exponentially many ideals and candidate groups; when the exact DP
would examine more than `max-states` of either, it runs over the prefixes of
several topological orders (the block order with the incoming groups
dissolved, in which every incoming group is contiguous, two level orders
that put sibling branches side by side, and an order by kernel stages as late
as possible), exact over every plan whose kernel
boundaries are such prefixes. Of the examples only dnnfusion_table4 (eight
independent expressions, 25,920 ideals) takes this path; so do long models
(a chain of n ops has n + 1 ideals but about n * L candidate groups). The
fallback keeps states as (order, length) pairs and groups as short tuples,
never as masks over every op, so its time per candidate group does not grow
with the model: a chain of 20,000 ops is tuned in linear time.

Fusion remarks (`dlfc --remarks=fusion`): for each pair of kernels of the
chosen plan where one feeds the other, why they are not one kernel
(`dlfc.compiler.utils.fusion_remarks.explain_plan`).
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dlfc.compiler.remarks import remarks_enabled
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils import bitmasks, fusion_table, search_space, tuning_cache
from dlfc.compiler.utils.bitmasks import bits, mask_of
from dlfc.compiler.utils.fusion_remarks import explain_plan
from dlfc.compiler.utils.search_space import (
    Kernel,
    dissolve_groups,
    fused_type,
    outline_plans,
)
from dlfc.compiler.utils.tuning_cache import KERNEL, KernelKeys, KeyBuilder, Signature, TuningCache, default_path
from dlfc.dialects import graph
from dlfc.hw.cost import Dataflow, cost_model
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target

PLANNER = (sys.modules[__name__], search_space, fusion_table, bitmasks, tuning_cache)
"""The modules whose code decides autotune's plans: their source is part of a cached plan's key."""


class OverBudget(Exception):
    """The exact DP would examine more candidate groups than its budget allows."""


Move = tuple[object, tuple[int, ...], "Signature | None"]
"""One way into a DP state: (the state before, the kernel's ops, their signature if already known)."""

MAX_CUTS = 64
"""The most narrow cuts spans start and end at (at most MAX_CUTS**2 / 2 spans however long the model)."""
BOUND_MARGIN = 1e-9
"""A kernel is left uncosted only when its lower bound exceeds what it would have to beat by this fraction
(rounding: the bound and the latency are sums in different orders)."""


class Tuner:
    """The DP over ideals for the graph ops of one function (a topological order; op i is bit i of a mask).

    `budget` bounds the exact DP: the ideals it visits, and the distinct candidate groups it examines.
    Masks over every op are used only by the exact DP (bounded by the budget); the fallback
    over orders (`segments`) works on positions in the orders, so its cost per candidate
    group does not grow with the model.
    """

    def __init__(
        self,
        ops: Sequence[graph.GraphOp],
        target: Accelerator,
        window: int,
        budget: int,
        cache: TuningCache | None = None,
        table: str = search_space.DNNFUSION,
    ):
        self.ops, self.target, self.window, self.budget, self.cache = ops, target, window, budget, cache
        self.table = table
        """The legality rules (`search_space.FUSION_TABLES`)."""
        self.keys = KernelKeys(ops)
        self._costs: dict[Signature, tuple[int, float]] = {}
        """Best core count and latency by kernel signature: equal kernels elsewhere in the model are costed once."""
        index = {op: i for i, op in enumerate(ops)}
        self.producers = [tuple(dict.fromkeys(index[v.owner] for v in op.operands if v.owner in index)) for op in ops]
        consumers: list[list[int]] = [[] for _ in ops]
        for i, producers in enumerate(self.producers):
            for p in producers:
                consumers[p].append(i)
        self.consumers = [tuple(c) for c in consumers]
        self.types = [op.mapping_type() for op in ops]
        self.model = cost_model(target)
        self._legal: dict[int, bool] = {}
        self._kernels: dict[int, Kernel] = {}
        self._signatures: dict[int, Signature] = {}
        self._bounds: dict[Signature, float] = {}
        self._maximal: dict[int, int] = {}
        """Ideal -> its maximal ops, for the ideals `ideals` found."""

    @cached_property
    def dataflow(self) -> Dataflow:
        """The cost model's view of the ops (built on first use: a cached result needs none)."""
        return self.model.dataflow(self.ops)

    @cached_property
    def preds(self) -> list[int]:
        """Per op, the mask of its producers (for the exact DP)."""
        return [mask_of(p) for p in self.producers]

    @cached_property
    def succs(self) -> list[int]:
        """Per op, the mask of its consumers (for the exact DP)."""
        return [mask_of(c) for c in self.consumers]

    def legal_members(self, members: Sequence[int]) -> bool:
        """`is_legal_group` of the ops at `members` (ascending indices), from the tuner's index of types and producers."""
        if self.table == search_space.NO_TABLE:
            return True
        reaching: dict[int, graph.MappingType] = {}
        for i in members:
            fused = fused_type([reaching[p] for p in self.producers[i] if p in reaching], self.types[i], self.table)
            if fused is None:
                return False
            reaching[i] = fused
        return True

    def legal(self, group: int) -> bool:
        """`legal_members` of a mask (memoised, for the exact DP)."""
        found = self._legal.get(group)
        if found is None:
            found = self._legal[group] = self.legal_members(tuple(bits(group)))
        return found

    def cost(self, members: tuple[int, ...], key: Signature | None = None) -> tuple[int, float]:
        """The best core count and latency of the ops at `members` (ascending) as one kernel.

        Each distinct signature (`key`, computed here when not given) is costed once,
        and looked up in the tuning cache first.
        """
        if key is None:
            key = self.keys.key(members)
        best = self._costs.get(key)
        if best is None:
            text = self.keys.text(key) if self.cache is not None else ""
            stored = self.cache.get(KERNEL, text) if self.cache is not None else None
            if stored is None:
                add_statistic("kernels costed")
                cores, cost = self.model.fastest(self.dataflow.boundary(members))
                best = (cores, cost.latency)
                if self.cache is not None:
                    self.cache.put(KERNEL, text, best)
            else:
                best = (int(stored[0]), float(stored[1]))  # type: ignore[index]
            self._costs[key] = best
        return best

    def bound(self, members: tuple[int, ...], key: Signature) -> float:
        """A lower bound on the latency of the ops at `members` as one kernel on any core count.

        min over legal c of launch + sync(c) + max(untiled compute on c cores, DRAM bytes of the
        kernel's inputs, weights and outputs / bandwidth(c)): every schedule of the cost model takes
        at least that (its per-op phases add up to at least the compute and to at least the memory
        time; tiles, spills, barriers and traffic between cores only add). `optimum.py` bounds its
        kernels the same way, and its tests check the bound on every combination of three models.
        """
        found = self._bounds.get(key)
        if found is None:
            b = self.dataflow.boundary(members)
            t = self.target
            found = self._bounds[key] = min(
                t.launch_overhead
                + t.sync_overhead(c)
                + max(compute, (b.io_bytes + b.weight_bytes) / min(t.dram_bandwidth, c * t.core_dma_bandwidth))
                for c, compute in zip(t.legal_cores, b.compute, strict=True)
            )
        return found

    def price(self, members: tuple[int, ...], key: Signature | None, limit: float) -> tuple[int, float] | None:
        """`cost(members)`, or None without costing when the kernel's lower bound shows that its latency
        is not below `limit` (a kernel already costed is never bounded)."""
        if key is None:
            key = self.keys.key(members)
        if limit < float("inf") and key not in self._costs and self.bound(members, key) * (1 - BOUND_MARGIN) >= limit:
            add_statistic("kernels bounded out")
            return None
        return self.cost(members, key)

    def signature(self, group: int) -> Signature:
        """A mask's signature (memoised by mask, for the exact DP)."""
        found = self._signatures.get(group)
        if found is None:
            found = self._signatures[group] = self.keys.key(tuple(bits(group)))
        return found

    def kernel(self, group: int) -> Kernel:
        """A mask's ops as one kernel on its best core count (memoised by mask)."""
        found = self._kernels.get(group)
        if found is None:
            members = tuple(bits(group))
            found = self._kernels[group] = Kernel(members, *self.cost(members, self.signature(group)))
        return found

    # ------------------------------------------------------------------ the states

    def ideals(self) -> list[int] | None:
        """Every ideal, by increasing size (the empty one first); None when there are more than the budget.

        Each ideal of the breadth-first search carries its frontier (the ops outside it whose
        producers are all in it), so growing it costs the frontier, not a pass over every op.
        Records each ideal's maximal ops (those none of whose consumers is in it) for `upsets`.
        """
        self._maximal = {0: 0}
        preds = self.preds
        found, layer = [0], [(0, mask_of(i for i, producers in enumerate(self.producers) if not producers))]
        while layer:
            grown: list[tuple[int, int]] = []
            for ideal, frontier in layer:
                for i in bits(frontier):
                    bigger = ideal | 1 << i
                    if bigger not in self._maximal:
                        self._maximal[bigger] = self._maximal[ideal] & ~preds[i] | 1 << i
                        ready = mask_of(s for s in self.consumers[i] if not preds[s] & ~bigger)
                        grown.append((bigger, frontier & ~(1 << i) | ready))
            if len(self._maximal) > self.budget:
                return None
            found += [ideal for ideal, _ in grown]
            layer = grown
        return found

    def orders(self) -> list[list[int]]:
        """Topological orders for the fallback: the block order, ops by level (as soon and as late as possible),
        and ops by kernel stage as late as possible (then by level as soon as possible).

        The level orders put the same stage of sibling branches next to each
        other, so that horizontal fusions are contiguous in them. The stage
        order does the same for kernels: branches of different depths end in
        the same kernel when the fusion table allows it, and the stage before
        holds each branch's ops that cannot join it (on a wider inception
        block it took autotune from 2.09% to 1.62% above the optimum on
        mlu270). Each is stable (ties in block order); duplicates are dropped.
        """
        n = len(self.ops)
        early = [0] * n
        for i in range(n):
            early[i] = max((early[p] + 1 for p in self.producers[i]), default=0)
        late = [0] * n
        for i in range(n - 1, -1, -1):
            late[i] = max((late[s] + 1 for s in self.consumers[i]), default=0)
        stage = [0] * n
        """Per op, minus the kernels after its own when each op, from the last, joins its consumers' kernel if it
        can (one kernel among them, legal with it, under `window` ops), else starts one a stage earlier."""
        kernel_of = [0] * n
        kernels: list[list[int]] = []
        for i in range(n - 1, -1, -1):
            consumers = self.consumers[i]
            stage[i] = min((stage[c] for c in consumers), default=0)
            joinable = {kernel_of[c] for c in consumers if stage[c] == stage[i]}
            if len(joinable) == 1:
                (k,) = joinable
                if len(kernels[k]) < self.window and self.legal_members(sorted([i, *kernels[k]])):
                    kernels[k].append(i)
                    kernel_of[i] = k
                    continue
            if consumers:
                stage[i] -= 1
            kernel_of[i] = len(kernels)
            kernels.append([i])
        found: list[list[int]] = []
        for order in (
            list(range(n)),
            sorted(range(n), key=lambda i: early[i]),
            sorted(range(n), key=lambda i: -late[i]),
            sorted(range(n), key=lambda i: (stage[i], early[i])),  # kernel stages as late as possible
        ):
            if order not in found:
                found.append(order)
        return found

    def spans(self) -> list[tuple[int, ...]]:
        """The legal segments of the search order of more than `window` ops between two narrow cuts.

        Cut k (between op k - 1 and op k; 0 and n included) is narrow when at most one op before it
        has a consumer after it; of more than `MAX_CUTS` such cuts, `MAX_CUTS` evenly spread ones
        (0 and n among them) are kept. A segment between two cuts is the difference of two prefixes
        of a topological order, two nested ideals, so it is convex. Legality is monotone, so a
        segment's extensions are dropped with it.
        """
        n = len(self.ops)
        crossing = [0] * (n + 2)
        """crossing[k]: the ops before cut k with a consumer after it (a difference array first)."""
        for i, consumers in enumerate(self.consumers):
            last = max(consumers, default=i)
            crossing[i + 1] += 1
            crossing[last + 1] -= 1
        for k in range(1, n + 1):
            crossing[k] += crossing[k - 1]
        cuts = [k for k in range(n + 1) if k in (0, n) or crossing[k] <= 1]
        if len(cuts) > MAX_CUTS:
            cuts = [cuts[round(j * (len(cuts) - 1) / (MAX_CUTS - 1))] for j in range(MAX_CUTS)]
        found: list[tuple[int, ...]] = []
        for a, start in enumerate(cuts):
            for stop in cuts[a + 1 :]:
                if stop - start <= self.window:
                    continue
                members = tuple(range(start, stop))
                if not self.legal_members(members):
                    break
                found.append(members)
        return found

    # ------------------------------------------------------------------ the exact DP: kernels that end an ideal

    def upsets(self, ideal: int) -> Iterator[int]:
        """The legal groups S of at most `window` ops with `ideal` - S an ideal (grown breadth-first from the last ops).

        `ideal` is one that `ideals` found.

        Raises OverBudget once more distinct groups than the budget have been examined.
        """
        last = self._maximal[ideal]
        preds, succs = self.preds, self.succs
        queue = deque((1 << i, last | preds[i]) for i in bits(last))
        seen: set[int] = set()
        while queue:
            group, candidates = queue.popleft()
            if len(self._legal) > self.budget:
                raise OverBudget
            if group in seen or not self.legal(group):
                continue
            seen.add(group)
            yield group
            if group.bit_count() < self.window:
                for x in bits(candidates & ideal & ~group):
                    if not succs[x] & ideal & ~group:
                        queue.append((group | 1 << x, candidates | preds[x]))

    def exact_moves(self, groups: dict[int, list[int]], exceptions: Sequence[int]) -> Callable[[int], Iterator[Move]]:
        """The DP's moves into an ideal: its legal upsets (`groups`), and the `exceptions` it ends."""

        def moves(ideal: int) -> Iterator[Move]:
            for group in groups[ideal]:
                yield ideal & ~group, tuple(bits(group)), self.signature(group)
            for group in exceptions:
                rest = ideal & ~group
                if not group & ~ideal and not any(self.succs[i] & rest for i in bits(group)):
                    yield rest, tuple(bits(group)), self.signature(group)

        return moves

    # ------------------------------------------------------------------ the fallback: prefixes of several orders

    def segments(
        self, orders: Sequence[Sequence[int]], seeds: Sequence[tuple[int, ...]]
    ) -> tuple[list[tuple[int, int]], Callable[[tuple[int, int]], Iterator[Move]]]:
        """The prefixes of every order as DP states (by increasing size) and the moves into each.

        A state is a pair (order, length) standing for that order's prefix; a
        set that is a prefix of several orders is one state, named by the first
        of them. A kernel ending state J leads back to a smaller state I (a
        prefix of any of the orders) with J - I legal and at most `window`
        ops; `seeds` (incoming groups outside that rule, ascending op indices)
        also end J when they are contiguous at the end of an order of which J
        is a prefix.

        For J = a[:k] and an order o, the prefixes of o inside J are o[:m] for m
        up to `cover` (how many first ops of o lie in J), and J - o[:m] is
        o[m:cover] plus the fixed rest J - o[:cover]: the groups grow as m
        shrinks, and are tried from the smallest, dropped at the first illegal
        one (legality is monotone). Everything is kept as positions and short
        tuples of ops, never as masks over the whole model, so each candidate
        group costs O(window) whatever the model's size.
        """
        n, window, count = len(self.ops), self.window, len(orders)
        positions = [[0] * n for _ in orders]
        for o, order in enumerate(orders):
            for k, i in enumerate(order):
                positions[o][i] = k
        cover: list[list[tuple[int, ...]]] = []
        """cover[a][k][o]: how many first ops of o lie in a[:k] (two pointers)."""
        rests: dict[tuple[int, int, int], tuple[int, ...]] = {}
        """(a, k, o) -> a[:k] - o[:cover[a][k][o]] (ascending) when it is not empty and has at most `window` ops."""
        for a in range(count):
            pointers = [0] * count
            outside: list[dict[int, None]] = [{} for _ in orders]  # a[:k] - o[:pointer], in insertion order
            rows: list[tuple[int, ...]] = [tuple(pointers)]
            for k in range(1, n + 1):
                added = orders[a][k - 1]
                for o, order in enumerate(orders):
                    if o == a:
                        pointers[o] = k
                        continue
                    outside[o][added] = None
                    while pointers[o] < n and positions[a][order[pointers[o]]] < k:
                        del outside[o][order[pointers[o]]]
                        pointers[o] += 1
                    if outside[o] and len(outside[o]) <= window:
                        rests[a, k, o] = tuple(sorted(outside[o]))
                rows.append(tuple(pointers))
            cover.append(rows)
        name = [[next(b for b in range(count) if cover[a][k][b] == k) for k in range(n + 1)] for a in range(count)]
        """name[a][k]: the first order whose prefix of length k is a[:k]."""
        first = [[0] * (n + 1) for _ in orders]
        """Per order and length j: the smallest i with the order's ops i..j-1 a legal group (two pointers)."""
        for o, order in enumerate(orders):
            i = 0
            for j in range(1, n + 1):
                i = max(i, j - window)
                while not self.legal_members(sorted(order[i:j])):
                    i += 1
                first[o][j] = i
        ends: dict[tuple[int, int], list[tuple[int, ...]]] = {}
        """(order, end position) -> the seeds that are contiguous in that order and end there."""
        for seed in seeds:
            for o in range(count):
                places = sorted(positions[o][i] for i in seed)
                if places[-1] - places[0] + 1 == len(places):
                    ends.setdefault((o, places[-1] + 1), []).append(seed)
        states = [(o, k) for k in range(n + 1) for o in range(count) if name[o][k] == o]

        def moves(state: tuple[int, int]) -> Iterator[Move]:
            a, k = state
            for o, order in enumerate(orders):
                covered = cover[a][k][o]
                if covered == k:  # J is o's prefix too: the groups contiguous at the end of o[:k]
                    builder = KeyBuilder(self.keys) if o == 0 else None  # the block order: signatures grow
                    for m in range(k - 1, first[o][k] - 1, -1):
                        if builder is not None:
                            builder.prepend(m)
                            members = tuple(range(m, k))
                            yield ((name[o][m], m), members, builder.key())
                        else:
                            members = tuple(sorted(order[m:k]))
                            yield ((name[o][m], m), members, None)
                    for seed in ends.get((o, k), ()):
                        m = k - len(seed)
                        yield ((name[o][m], m), seed, None)
                    continue
                rest = rests.get((a, k, o))
                if rest is None:
                    continue
                for m in range(covered, max(0, covered - (window - len(rest))) - 1, -1):
                    members = tuple(sorted(rest + tuple(order[m:covered])))
                    if not self.legal_members(members):
                        break
                    yield ((name[o][m], m), members, None)

        return states, moves

    # ------------------------------------------------------------------ the DP

    def solve(self, states: Sequence[object], moves: Callable[[object], Iterable[Move]]) -> list[Kernel]:
        """The cheapest chain of `states` (by increasing size) from the first to the last.

        `moves(J)` gives the kernels that end state J, each with the state before it. A kernel
        is costed only when its lower bound (`bound`) does not show that it cannot beat the best
        way into J found so far: the result is the same as with every kernel costed.
        """
        best: dict[object, float] = {states[0]: 0.0}
        choice: dict[object, tuple[object, Kernel]] = {}
        for state in states[1:]:
            found, chosen = float("inf"), None
            for before, members, key in moves(state):
                base = best[before]
                priced = self.price(members, key, found - base)
                if priced is None:
                    continue
                total = base + priced[1]
                if total < found:
                    found, chosen = total, (before, Kernel(members, *priced))
            best[state] = found
            if chosen is not None:
                choice[state] = chosen
        plan: list[Kernel] = []
        state = states[-1]
        while state != states[0]:
            state, kernel = choice[state]
            plan.append(kernel)
        return plan[::-1]


def tune(
    ops: Sequence[graph.GraphOp],
    seeds: Sequence[int],
    target: Accelerator,
    window: int,
    budget: int,
    cache: TuningCache | None = None,
    table: str = search_space.DNNFUSION,
) -> list[Kernel]:
    """The best plan for `ops` (a topological order in which every seed group, a mask, is contiguous).

    The exact DP over every ideal when its ideals and candidate groups fit in
    `budget` (both are enumerated, and the groups checked for legality under
    `table`, before any is costed), else the DP over the prefixes of several
    topological orders. With a `cache`, the whole result and every kernel's
    cost are looked up there first and stored there after.
    """
    tuner = Tuner(ops, target, window, budget, cache, table)
    text = ""
    if cache is not None:
        whole = tuner.keys.key(range(len(ops)))
        text = f"{table}|{window}|{budget}|{sorted(list(bits(g)) for g in seeds)}|{tuner.keys.text(whole)}"
        stored = cache.get("plan", text)
        if stored is not None:
            return [Kernel(tuple(members), int(cores), float(latency)) for members, cores, latency in stored]  # type: ignore[attr-defined]
    plan = _search(tuner, seeds)
    if cache is not None:
        cache.put("plan", text, [[list(k.ops), k.cores, k.latency] for k in plan])
    return plan


def _search(tuner: Tuner, seeds: Sequence[int]) -> list[Kernel]:
    members = [tuple(bits(g)) for g in seeds]
    exceptions = [m for m in members if len(m) > tuner.window or not tuner.legal_members(m)]
    if tuner.table == search_space.NO_TABLE:  # spans: the whole function (one kernel) among them
        exceptions += [span for span in tuner.spans() if span not in exceptions]
    ideals = tuner.ideals()
    if ideals is not None:
        try:
            groups = {ideal: list(tuner.upsets(ideal)) for ideal in ideals}
        except OverBudget:
            pass
        else:
            add_statistic("ideals", len(ideals))
            return tuner.solve(ideals, tuner.exact_moves(groups, [mask_of(m) for m in exceptions]))  # type: ignore[arg-type]
    add_statistic("searched several topological orders")
    states, moves = tuner.segments(tuner.orders(), exceptions)
    return tuner.solve(states, moves)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AutotunePass(ModulePass):
    """Choose fusion groups and core counts together: an exact DP over the ideals of the dataflow graph.

    Works on graph- or fusion-level modules: the incoming groups (if any) are
    dissolved and kept as candidates. Every resulting `fusion.group` has a
    `fusion.cores` attribute.
    """

    name = "autotune"

    target: str = DEFAULT_TARGET
    window: int = 32
    """The largest group considered, in ops."""
    max_states: int = 20000
    """The most ideals, and distinct candidate groups, the exact DP examines; beyond, several topological orders are searched."""
    tuning_cache: bool = True
    """Look results up in, and add them to, the tuning cache (`tuning_cache.py`; `dlfc --no-tuning-cache`)."""
    fusion_table: str = search_space.DNNFUSION
    """Which convex groups are legal: `dnnfusion` (no path through a red cell of DNNFusion's table) or `none`
    (every one: the cost model alone decides)."""

    def __post_init__(self) -> None:
        search_space.check_fusion_table(self.fusion_table, "autotune")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.window < 1 or self.max_states < 1:
            raise ValueError(
                f"autotune: window and max-states must be positive, got {self.window} and {self.max_states}"
            )
        table = self.fusion_table
        target = load_target(self.target)
        spaces = dissolve_groups(op)
        cache = TuningCache(default_path() if self.tuning_cache else None, target, PLANNER)
        plans = [tune(s.ops, s.seeds, target, self.window, self.max_states, cache, table) for s in spaces]
        cache.save()
        add_statistic("tuning cache hits", cache.hits)
        if remarks_enabled():
            for s, plan in zip(spaces, plans, strict=True):
                explain_plan(Tuner(s.ops, target, self.window, self.max_states, cache, table), plan)
        outline_plans(op, plans, spaces)
