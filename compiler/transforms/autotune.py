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
  Many-to-Many op into a Many-to-Many op, e.g. conv -> relu -> conv);
- or exactly a group of the incoming plan, whatever rules its planner used,
  so the result is never worse than the incoming plan.

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
would examine more than `max-states` of either, it runs over the prefixes of one
topological order only, i.e. over the segmentations of the block order with
the incoming groups dissolved (every incoming group is contiguous in it, so the
guarantees above still hold). Of the examples only dnnfusion_table4 (eight
independent expressions, 25,920 ideals) takes this path.

Fusion remarks (`dlfc --remarks=fusion`): for each pair of kernels of the
chosen plan where one feeds the other, why they are not one kernel
(`dlfc.compiler.utils.fusion_remarks.explain_plan`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dlfc.compiler.remarks import remarks_enabled
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.bitmasks import bits, mask_of
from dlfc.compiler.utils.fusion_remarks import explain_plan
from dlfc.compiler.utils.search_space import (
    Kernel,
    dissolve_groups,
    fused_type,
    outline_plans,
)
from dlfc.compiler.utils.tuning_cache import KernelKeys, KeyBuilder, Signature, TuningCache, default_path
from dlfc.dialects import graph
from dlfc.hw.cost import Dataflow, cost_model
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target


class OverBudget(Exception):
    """The exact DP would examine more candidate groups than its budget allows."""


class Tuner:
    """The DP over ideals for the graph ops of one function (a topological order; op i is bit i of a mask).

    `budget` bounds the exact DP: the ideals it visits, and the distinct candidate groups it examines.
    """

    def __init__(
        self,
        ops: Sequence[graph.GraphOp],
        target: Accelerator,
        window: int,
        budget: int,
        cache: TuningCache | None = None,
    ):
        self.ops, self.target, self.window, self.budget, self.cache = ops, target, window, budget, cache
        self.keys = KernelKeys(ops)
        self._costs: dict[Signature, tuple[int, float]] = {}
        """Best core count and latency by kernel signature: equal kernels elsewhere in the model are costed once."""
        self._hints: dict[int, Signature] = {}
        """Signatures of groups about to be costed, computed incrementally by `segments`."""
        index = {op: i for i, op in enumerate(ops)}
        self.preds = [mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in ops]
        self.succs = [0] * len(ops)
        for i, producers in enumerate(self.preds):
            for p in bits(producers):
                self.succs[p] |= 1 << i
        self.types = [op.mapping_type() for op in ops]
        self.model = cost_model(target)
        self._legal: dict[int, bool] = {}
        self._kernels: dict[int, Kernel] = {}
        self._maximal: dict[int, int] = {}
        """Ideal -> its maximal ops, for the ideals `ideals` found."""

    @cached_property
    def dataflow(self) -> Dataflow:
        """The cost model's view of the ops (built on first use: a cached result needs none)."""
        return self.model.dataflow(self.ops)

    def legal(self, group: int) -> bool:
        """`is_legal_group` of the ops in `group`, from the tuner's own index of types and producers (memoised)."""
        found = self._legal.get(group)
        if found is None:
            reaching: dict[int, graph.MappingType] = {}
            found = True
            for i in bits(group):
                fused = fused_type([reaching[p] for p in bits(self.preds[i] & group)], self.types[i])
                if fused is None:
                    found = False
                    break
                reaching[i] = fused
            self._legal[group] = found
        return found

    def kernel(self, group: int) -> Kernel:
        """The group as one kernel on its best core count (each distinct signature is costed once)."""
        found = self._kernels.get(group)
        if found is None:
            members = tuple(bits(group))
            key = self._hints.pop(group, None) or self.keys.key(members)
            best = self._costs.get(key)
            if best is None:
                text = self.keys.text(key) if self.cache is not None else ""
                stored = self.cache.get("kernel", text) if self.cache is not None else None
                if stored is None:
                    add_statistic("kernels costed")
                    cores, cost = self.model.fastest(self.dataflow.boundary(members))
                    best = (cores, cost.latency)
                    if self.cache is not None:
                        self.cache.put("kernel", text, best)
                else:
                    best = (int(stored[0]), float(stored[1]))  # type: ignore[index]
                self._costs[key] = best
            found = self._kernels[group] = Kernel(members, *best)
        return found

    # ------------------------------------------------------------------ the states

    def ideals(self) -> list[int] | None:
        """Every ideal, by increasing size (the empty one first); None when there are more than the budget.

        Each ideal of the breadth-first search carries its frontier (the ops outside it whose
        producers are all in it), so growing it costs the frontier, not a pass over every op.
        Records each ideal's maximal ops (those none of whose consumers is in it) for `upsets`.
        """
        self._maximal = {0: 0}
        found, layer = [0], [(0, mask_of(i for i, producers in enumerate(self.preds) if not producers))]
        while layer:
            grown: list[tuple[int, int]] = []
            for ideal, frontier in layer:
                for i in bits(frontier):
                    bigger = ideal | 1 << i
                    if bigger not in self._maximal:
                        self._maximal[bigger] = self._maximal[ideal] & ~self.preds[i] | 1 << i
                        ready = mask_of(s for s in bits(self.succs[i]) if not self.preds[s] & ~bigger)
                        grown.append((bigger, frontier & ~(1 << i) | ready))
            if len(self._maximal) > self.budget:
                return None
            found += [ideal for ideal, _ in grown]
            layer = grown
        return found

    def orders(self) -> list[list[int]]:
        """Topological orders for the fallback: the block order, then ops by level (as soon and as late as possible).

        The level orders put the same stage of sibling branches next to each
        other, so that horizontal fusions are contiguous in them. Each is
        stable (ties in block order); duplicates are dropped.
        """
        n = len(self.ops)
        early = [0] * n
        for i in range(n):
            early[i] = max((early[p] + 1 for p in bits(self.preds[i])), default=0)
        late = [0] * n
        for i in range(n - 1, -1, -1):
            late[i] = max((late[s] + 1 for s in bits(self.succs[i])), default=0)
        found: list[list[int]] = []
        for order in (
            list(range(n)),
            sorted(range(n), key=lambda i: early[i]),
            sorted(range(n), key=lambda i: -late[i]),
        ):
            if order not in found:
                found.append(order)
        return found

    # ------------------------------------------------------------------ the kernels that end an ideal

    def upsets(self, ideal: int) -> Iterator[int]:
        """The legal groups S of at most `window` ops with `ideal` - S an ideal (grown breadth-first from the last ops).

        `ideal` is one that `ideals` found.

        Raises OverBudget once more distinct groups than the budget have been examined.
        """
        last = self._maximal[ideal]
        queue = deque((1 << i, last | self.preds[i]) for i in bits(last))
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
                    if not self.succs[x] & ideal & ~group:
                        queue.append((group | 1 << x, candidates | self.preds[x]))

    def segments(
        self, orders: Sequence[Sequence[int]], seeds: Sequence[int]
    ) -> tuple[list[int], Callable[[int], Iterator[int]]]:
        """The prefixes of every order (ideals, by increasing size) and, for each, the legal groups that end it.

        A group ending state J leads back to a smaller state I (a prefix of any of
        the orders) with J - I legal and at most `window` ops; `seeds` (incoming
        groups outside that rule) also end J when they are contiguous at the end
        of an order of which J is a prefix. For J and an order o, the prefixes
        of o inside J are those before o's first op outside J, and the groups
        J - I grow as I shrinks: they are tried from the smallest and dropped
        at the first illegal one (legality is monotone).
        """
        n = len(self.ops)
        prefixes = [[0] * (n + 1) for _ in orders]
        for o, order in enumerate(orders):
            for k, i in enumerate(order):
                prefixes[o][k + 1] = prefixes[o][k] | 1 << i
        owners: dict[int, list[tuple[int, int]]] = {}
        """State -> the (order, length) of which it is the prefix."""
        for o in range(len(orders)):
            for k in range(n + 1):
                owners.setdefault(prefixes[o][k], []).append((o, k))
        positions = [[0] * n for _ in orders]
        for o, order in enumerate(orders):
            for k, i in enumerate(order):
                positions[o][i] = k
        inside: dict[tuple[int, int], list[int]] = {}
        """(order a, length k) -> per order o, how many first ops of o lie in a's prefix of length k (two pointers)."""
        for a in range(len(orders)):
            pointers = [0] * len(orders)
            for k in range(n + 1):
                for o, order in enumerate(orders):
                    while pointers[o] < n and positions[a][order[pointers[o]]] < k:
                        pointers[o] += 1
                inside[a, k] = list(pointers)
        ends: dict[tuple[int, int], list[int]] = {}
        """(order, end position) -> the seeds that are contiguous in that order and end there."""
        for seed in seeds:
            for o in range(len(orders)):
                places = sorted(positions[o][i] for i in bits(seed))
                if places[-1] - places[0] + 1 == len(places):
                    ends.setdefault((o, places[-1] + 1), []).append(seed)
        first = [[0] * (n + 1) for _ in orders]
        """Per order and length j: the smallest i with the order's ops i..j-1 a legal group (two pointers)."""
        for o in range(len(orders)):
            i = 0
            for j in range(1, n + 1):
                i = max(i, j - self.window)
                while not self.legal(prefixes[o][j] & ~prefixes[o][i]):
                    i += 1
                first[o][j] = i
        states = sorted(owners, key=int.bit_count)

        def groups(state: int) -> Iterator[int]:
            size = state.bit_count()
            own = {o for o, _ in owners[state]}
            covered = inside[owners[state][0]]
            for o in range(len(orders)):
                if o in own:
                    builder = (
                        KeyBuilder(self.keys) if o == 0 else None
                    )  # the block order: signatures grow with the group
                    for k in range(size - 1, first[o][size] - 1, -1):
                        group = state & ~prefixes[o][k]
                        if builder is not None:
                            builder.prepend(orders[o][k])
                            if group not in self._kernels:
                                self._hints[group] = builder.key()
                        yield group
                    continue
                for k in range(min(covered[o], size - 1), max(0, size - self.window) - 1, -1):
                    group = state & ~prefixes[o][k]
                    if not self.legal(group):
                        break
                    yield group
            for o, k in owners[state]:
                yield from ends.get((o, k), ())

        return states, groups

    # ------------------------------------------------------------------ the DP

    def solve(self, states: Sequence[int], removals: Callable[[int], Iterable[int]]) -> list[Kernel]:
        """The cheapest chain of `states` (ideals by increasing size) from {} to all ops.

        From each state J the kernels S of `removals(J)` lead back to J - S when that is a state.
        """
        best: dict[int, float] = {0: 0.0}
        choice: dict[int, Kernel] = {}
        for ideal in states[1:]:
            best[ideal] = float("inf")
            for group in removals(ideal):
                rest = ideal & ~group
                if rest not in best:
                    continue
                kernel = self.kernel(group)
                if best[rest] + kernel.latency < best[ideal]:
                    best[ideal], choice[ideal] = best[rest] + kernel.latency, kernel
        plan: list[Kernel] = []
        ideal = states[-1]
        while ideal:
            plan.append(choice[ideal])
            ideal &= ~mask_of(choice[ideal].ops)
        return plan[::-1]


def tune(
    ops: Sequence[graph.GraphOp],
    seeds: Sequence[int],
    target: Accelerator,
    window: int,
    budget: int,
    cache: TuningCache | None = None,
) -> list[Kernel]:
    """The best plan for `ops` (a topological order in which every seed group, a mask, is contiguous).

    The exact DP over every ideal when its ideals and candidate groups fit in
    `budget` (both are enumerated, and the groups checked for legality, before
    any is costed), else the DP over the prefixes of several topological
    orders. With a `cache`, the whole result and every kernel's cost are
    looked up there first and stored there after.
    """
    tuner = Tuner(ops, target, window, budget, cache)
    text = ""
    if cache is not None:
        whole = tuner.keys.key(range(len(ops)))
        text = f"{window}|{budget}|{sorted(list(bits(g)) for g in seeds)}|{tuner.keys.text(whole)}"
        stored = cache.get("plan", text)
        if stored is not None:
            return [Kernel(tuple(members), int(cores), float(latency)) for members, cores, latency in stored]  # type: ignore[attr-defined]
    plan = _search(tuner, seeds)
    if cache is not None:
        cache.put("plan", text, [[list(k.ops), k.cores, k.latency] for k in plan])
    return plan


def _search(tuner: Tuner, seeds: Sequence[int]) -> list[Kernel]:
    window = tuner.window
    exceptions = [g for g in seeds if g.bit_count() > window or not tuner.legal(g)]

    def removals(candidates: Callable[[int], Iterable[int]]) -> Callable[[int], Iterable[int]]:
        return lambda ideal: chain(candidates(ideal), (g for g in exceptions if not g & ~ideal))

    ideals = tuner.ideals()
    if ideals is not None:
        try:
            groups = {ideal: list(tuner.upsets(ideal)) for ideal in ideals}
        except OverBudget:
            pass
        else:
            add_statistic("ideals", len(ideals))
            return tuner.solve(ideals, removals(groups.__getitem__))
    add_statistic("searched several topological orders")
    states, groups = tuner.segments(tuner.orders(), exceptions)
    return tuner.solve(states, groups)


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

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.window < 1 or self.max_states < 1:
            raise ValueError(
                f"autotune: window and max-states must be positive, got {self.window} and {self.max_states}"
            )
        target = load_target(self.target)
        spaces = dissolve_groups(op)
        cache = TuningCache(default_path() if self.tuning_cache else None, target)
        plans = [tune(s.ops, s.seeds, target, self.window, self.max_states, cache) for s in spaces]
        cache.save()
        add_statistic("tuning cache hits", cache.hits)
        if remarks_enabled():
            for s, plan in zip(spaces, plans, strict=True):
                explain_plan(Tuner(s.ops, target, self.window, self.max_states, cache), plan)
        outline_plans(op, plans, spaces)
