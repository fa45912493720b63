"""oracle: brute force over fusion schemes and core counts, reduced as DLFusion's oracle was, or exact.

`mode=exact` proves a plan optimal over autotune's whole space instead
(`optimum.py`): an integer program over every legal convex group, up to
`limit` candidate groups; past that, when the graph is parallel components
followed by a tail that joins them (branches off one input, heads of an
attention, independent expressions), a DP over the product of the
components' ideals that costs only the kernels lower bounds cannot rule out.
The module gets `oracle.optimal = true`. The rest of this docstring is about
the default, `mode=windows`.

The space is `autotune`'s (legal convex groups of graph ops, each on any legal
core count, run one after another; see `autotune.py`; `fusion-table` chooses
the legality rules as there), reduced so that enumerating it finishes:

- the search order (the block order with the incoming groups dissolved) is cut
  into windows of `window` consecutive ops; no group crosses a window boundary;
- a group holds at most `cap` ops.

Within a window every configuration is evaluated: every partition of the
window's ops into legal convex groups whose groups can run one after another
(not only contiguous segments: siblings may share a group while an op between
them in the order does not), and, with `joint` (the default), every legal core
count of every group, each configuration costed as the sum of its kernels'
latencies. Nothing is pruned: the oracle is the slow, obviously correct
reference. `joint=false` takes each group's best core count instead, which is
exact as well (kernel latencies add up) and much faster.

Every oracle plan lies in autotune's space (when `cap` is at most autotune's
`window`), and autotune's DP is exact over that space: autotune is never
worse, and with one window holding every op the two agree. The oracle checks
that claim independently, and measures what the brute force costs.

Windows are independent, so they run in parallel through any
`concurrent.futures.Executor`: `jobs=N` uses a process pool, `scheduler=local`
or `scheduler=tcp://HOST:PORT` a Dask cluster (`dlfc.compiler.executors`, the
mechanism `dlfc sweep` uses too). A worker receives
the module as text and parses it once. A time limit stops the search; it then
returns the best plan found so far (windows not reached keep every op alone
on its best core count), says how far it got, and marks the module
`oracle.windows_complete = false`.

Searching every window completely is not searching the whole space: a group
never crosses a window boundary, so the windowed oracle is exact only when
one window holds every op (on `dnnfusion_table4` it is 1.27x the optimum).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, as_completed, wait
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from tqdm import tqdm
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import BoolAttr, ModuleOp
from xdsl.parser import Parser
from xdsl.passes import ModulePass

from dlfc.compiler.context import make_context
from dlfc.compiler.executors import open_executor
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.bitmasks import bits, mask_of, union
from dlfc.compiler.utils.optimum import Optimum, TooLarge, solve_exact
from dlfc.compiler.utils.search_space import (
    DNNFUSION,
    Kernel,
    SearchSpace,
    check_fusion_table,
    dissolve_groups,
    fused_type,
    outline_plans,
    plan_latency,
)
from dlfc.dialects import graph
from dlfc.hw.cost import best_cores, cost_model
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target

WINDOWS_COMPLETE_ATTR = "oracle.windows_complete"
"""True when every window was searched completely (not a claim of optimality: groups never cross windows)."""
OPTIMAL_ATTR = "oracle.optimal"
"""Set by `mode=exact`: the plan is optimal over autotune's space."""
DEADLINE_CHECK = 1024
"""Configurations evaluated between two looks at the clock."""


class _TimeUp(Exception):
    """The deadline passed in the middle of a window."""


# --------------------------------------------------------------------------- one window


@dataclass(frozen=True)
class WindowResult:
    """The best plan of one window (kernels use the function's op indices) and how it was found."""

    function: int
    start: int
    kernels: tuple[Kernel, ...]
    configurations: int
    complete: bool


@dataclass
class _Window:
    """The dataflow of a window's ops as bit masks over their positions in the window."""

    ops: Sequence[graph.GraphOp]
    preds: list[int] = field(default_factory=list)
    desc: list[int] = field(default_factory=list)
    anc: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.ops)
        index = {op: i for i, op in enumerate(self.ops)}
        self.preds = [mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in self.ops]
        self.desc = [0] * n
        for i in range(n - 1, -1, -1):
            self.desc[i] = union(1 << j | self.desc[j] for j in range(i + 1, n) if self.preds[j] >> i & 1)
        self.anc = [mask_of(i for i in range(n) if self.desc[i] >> j & 1) for j in range(n)]

    def groups(self, cap: int, table: str = DNNFUSION) -> list[int]:
        """Every legal convex set (under `table`) of at most `cap` ops, as a mask (grown in index order, pruned
        when it breaks)."""
        found: list[int] = []
        types = [op.mapping_type() for op in self.ops]
        reaching: list[graph.MappingType] = list(types)

        def extend(mask: int, below: int, last: int, size: int) -> None:
            for k in range(last + 1, len(self.ops)):
                if self.anc[k] & below & ~mask:
                    continue  # a path leaves the set and comes back into k: never convex again
                fused = fused_type((reaching[p] for p in bits(self.preds[k] & mask)), types[k], table)
                if fused is None:
                    continue
                reaching[k] = fused
                found.append(mask | 1 << k)
                if size + 1 < cap:
                    extend(mask | 1 << k, below | self.desc[k], k, size + 1)

        extend(0, 0, -1, 0)
        return found


def _acyclic(groups: Sequence[int], feeds: dict[int, int]) -> bool:
    """Can the groups run one after another (no cycle among them)?"""
    done, pending = 0, list(groups)
    while pending:
        ready = [g for g in pending if not feeds[g] & ~done]
        if not ready:
            return False
        done |= union(ready)
        pending = [g for g in pending if not g & done]
    return True


@dataclass(frozen=True)
class Reduction:
    """How the space is cut down so that brute force finishes."""

    window: int = 8
    """Ops per window; no group crosses a window boundary."""
    cap: int = 0
    """The largest group, in ops (0: the window size)."""
    joint: bool = True
    """Enumerate a core count for every group of every partition (else take each group's best)."""
    table: str = DNNFUSION
    """Which convex groups are legal (`search_space.FUSION_TABLES`): not a reduction, but what is searched."""

    def __post_init__(self) -> None:
        check_fusion_table(self.table, "oracle")
        if self.window < 1 or self.cap < 0:
            raise ValueError(
                f"oracle: window must be positive and cap non-negative, got window={self.window} cap={self.cap}"
            )

    @property
    def group_limit(self) -> int:
        return self.cap or self.window


def search_window(
    ops: Sequence[graph.GraphOp],
    offset: int,
    target: Accelerator,
    reduction: Reduction,
    deadline: float | None,
    function: int = 0,
) -> WindowResult:
    """Evaluate every configuration of `ops` (consecutive in the search order): an acyclic partition into
    legal convex groups with, when `reduction.joint`, every legal core count for each group (else its best).
    """
    window = _Window(ops)
    model = cost_model(target)
    options: dict[int, list[Kernel]] = {}
    for mask in window.groups(reduction.group_limit, reduction.table):
        members = tuple(offset + i for i in bits(mask))
        boundary = model.boundary([ops[i] for i in bits(mask)])
        kernels = [Kernel(members, c, model.cost(boundary, c).latency) for c in target.legal_cores]
        options[mask] = kernels if reduction.joint else [min(kernels, key=lambda k: (k.latency, k.cores))]
    feeds = {mask: union(window.preds[i] for i in bits(mask)) & ~mask for mask in options}
    by_lowest: dict[int, list[int]] = {}
    for mask in options:
        by_lowest.setdefault((mask & -mask).bit_length() - 1, []).append(mask)

    best: tuple[Kernel, ...] = tuple(min(options[1 << i], key=lambda k: k.latency) for i in range(len(ops)))
    best_latency = plan_latency(best)  # every op alone on its best core count: a valid configuration
    count = 0
    chosen: list[int] = []

    def enumerate_from(remaining: int) -> None:
        nonlocal best, best_latency, count
        if not remaining:
            if not _acyclic(chosen, feeds):
                return
            for kernels in product(*(options[g] for g in chosen)):
                count += 1
                if count % DEADLINE_CHECK == 0 and deadline is not None and time.time() > deadline:
                    raise _TimeUp
                latency = plan_latency(kernels)
                if latency < best_latency:
                    best, best_latency = kernels, latency
            return
        for mask in by_lowest[(remaining & -remaining).bit_length() - 1]:
            if mask & remaining == mask:
                chosen.append(mask)
                enumerate_from(remaining ^ mask)
                chosen.pop()

    complete = True
    try:
        enumerate_from((1 << len(ops)) - 1)
    except _TimeUp:
        complete = False
    return WindowResult(function, offset, best, count, complete)


# --------------------------------------------------------------------------- all windows


@dataclass(frozen=True)
class WindowJob:
    """One window to search in another process: the module as text and where the window lies."""

    module_text: str
    function: int
    start: int
    stop: int
    target: Accelerator
    reduction: Reduction
    deadline: float | None


@lru_cache(maxsize=2)
def _parsed_ops(module_text: str) -> list[list[graph.GraphOp]]:
    module = Parser(make_context(), module_text).parse_module()
    return [
        [op for op in fn.body.block.ops if isinstance(op, graph.GraphOp)]
        for fn in module.ops
        if isinstance(fn, func.FuncOp)
    ]


def run_window_job(job: WindowJob) -> WindowResult:
    """Search one window of a module given as text (runs in a worker process)."""
    ops = _parsed_ops(job.module_text)[job.function][job.start : job.stop]
    return search_window(ops, job.start, job.target, job.reduction, job.deadline, job.function)


@dataclass(frozen=True)
class OracleResult:
    """The oracle's plan per function and how far the search got."""

    plans: list[list[Kernel]]
    windows: int
    windows_complete: int
    configurations: int
    seconds: float

    @property
    def all_windows_complete(self) -> bool:
        return self.windows_complete == self.windows

    @property
    def latency(self) -> float:
        return sum(plan_latency(p) for p in self.plans)

    def summary(self) -> str:
        status = (
            "every window searched completely"
            if self.all_windows_complete
            else "NOT every window searched (time limit), best plan so far"
        )
        return (
            f"oracle: {status}: {self.windows_complete}/{self.windows} windows searched completely, "
            f"{self.configurations} configurations in {self.seconds:.1f} s; modelled latency {self.latency * 1e6:.1f} us"
        )


def search_oracle(
    spaces: Sequence[SearchSpace],
    target: Accelerator,
    reduction: Reduction,
    executor: Executor | None = None,
    module_text: str = "",
    time_limit: float = 0.0,
    progress: bool = True,
) -> OracleResult:
    """Search every window of every function; in `executor` when given (then `module_text` is the module)."""
    started = time.time()
    deadline = started + time_limit if time_limit > 0 else None
    step = reduction.window
    bounds = [(f, lo, min(lo + step, len(s.ops))) for f, s in enumerate(spaces) for lo in range(0, len(s.ops), step)]
    results: list[WindowResult] = []
    with tqdm(total=len(bounds), desc="oracle", unit="window", file=sys.stderr, disable=not progress) as bar:

        def done(result: WindowResult) -> None:
            results.append(result)
            bar.set_postfix(configurations=sum(r.configurations for r in results), refresh=False)
            bar.update()

        if executor is None:
            for f, lo, hi in bounds:
                if deadline is not None and time.time() > deadline:
                    break
                done(search_window(spaces[f].ops[lo:hi], lo, target, reduction, deadline, f))
        else:
            jobs = [WindowJob(module_text, f, lo, hi, target, reduction, deadline) for f, lo, hi in bounds]
            _collect(executor, jobs, deadline, done)
    plans = _assemble(spaces, target, results)
    complete = sum(1 for r in results if r.complete)
    return OracleResult(plans, len(bounds), complete, sum(r.configurations for r in results), time.time() - started)


def _collect(
    executor: Executor, jobs: Sequence[WindowJob], deadline: float | None, done: Callable[[WindowResult], None]
) -> None:
    """Run the jobs; at the deadline, cancel those not started and wait for the running ones to stop."""
    futures: list[Future[WindowResult]] = [executor.submit(run_window_job, job) for job in jobs]
    delivered: set[Future[WindowResult]] = set()
    timeout = None if deadline is None else max(0.0, deadline - time.time())
    try:
        for future in as_completed(futures, timeout=timeout):
            delivered.add(future)
            done(future.result())
    except FuturesTimeout:
        left = [f for f in futures if f not in delivered and not f.cancel()]
        wait(left)  # running windows see the deadline and return their best so far
        for future in left:
            done(future.result())


def _assemble(
    spaces: Sequence[SearchSpace], target: Accelerator, results: Iterable[WindowResult]
) -> list[list[Kernel]]:
    """Each function's plan: the windows' best kernels, and every op of an unsearched window alone."""
    plans: list[list[Kernel]] = [[] for _ in spaces]
    covered: list[set[int]] = [set() for _ in spaces]
    for result in results:
        plans[result.function].extend(result.kernels)
        covered[result.function].update(i for k in result.kernels for i in k.ops)
    for f, space in enumerate(spaces):
        for i in sorted(set(range(len(space.ops))) - covered[f]):
            cores, cost = best_cores([space.ops[i]], target)
            plans[f].append(Kernel((i,), cores, cost.latency))
        plans[f].sort(key=lambda k: k.ops[0])
    return plans


def oracle(
    module: ModuleOp,
    target: Accelerator,
    reduction: Reduction = Reduction(),
    executor: Executor | None = None,
    time_limit: float = 0.0,
    progress: bool = True,
) -> OracleResult:
    """Replace the module's plan by the oracle's, searching in `executor` (any concurrent.futures.Executor) if given."""
    spaces = dissolve_groups(module)
    text = str(module) if executor is not None else ""
    result = search_oracle(spaces, target, reduction, executor, text, time_limit, progress)
    outline_plans(module, result.plans)
    module.attributes[WINDOWS_COMPLETE_ATTR] = BoolAttr.from_bool(result.all_windows_complete)
    return result


def exact_oracle(
    module: ModuleOp,
    target: Accelerator,
    cap: int = 0,
    limit: int = 50_000,
    time_limit: float = 0.0,
    table: str = DNNFUSION,
) -> list[Optimum]:
    """Replace the module's plan by the proven optimum (legal groups under `table` of at most `cap` ops, 0: any;
    the incoming groups too)."""
    spaces = dissolve_groups(module)
    try:
        optima = [solve_exact(s.ops, s.seeds, target, cap, limit, time_limit, table) for s in spaces]
    except ImportError:
        raise ValueError("oracle: mode=exact needs the 'highspy' package (pip install highspy)") from None
    except TooLarge as e:
        raise ValueError(f"oracle: mode=exact: {e} (limit={limit}); raise 'limit' or set 'cap'") from None
    except TimeoutError as e:
        raise ValueError(f"oracle: mode=exact: {e}") from None
    outline_plans(module, [o.plan for o in optima], spaces)
    module.attributes[OPTIMAL_ATTR] = BoolAttr.from_bool(True)
    add_statistic("candidate groups", sum(o.candidates for o in optima))
    add_statistic("cycle cuts", sum(o.cuts for o in optima))
    return optima


@dataclass(frozen=True)
class OraclePass(ModulePass):
    """Brute force over fusion groups and core counts within windows of consecutive ops, or (mode=exact) the proven optimum."""

    name = "oracle"

    target: str = DEFAULT_TARGET
    window: int = 8
    """Ops per window; groups never cross a window boundary."""
    cap: int = 0
    """The largest group, in ops (0: the window size)."""
    joint: bool = True
    """Enumerate every core count of every group (false: each group's best, exact too and much faster)."""
    jobs: int = 1
    """Worker processes, or Dask workers with scheduler="local" (1 and no scheduler: search in this process)."""
    scheduler: str = ""
    """A Dask cluster to search on: "local" or "tcp://HOST:PORT" (see `dlfc.compiler.executors`)."""
    time_limit: float = 0.0
    """Seconds before the search stops with the best plan so far (0: no limit)."""
    progress: bool = True
    """Show a progress bar with an ETA on stderr."""
    mode: str = "windows"
    """`windows`: brute force within windows; `exact`: the proven optimum over every op (an integer program)."""
    limit: int = 50_000
    """`mode=exact`: the most candidate groups (legal convex groups of at most `cap` ops) the integer program
    accepts; a graph with more is solved by the components' DP, if it has parallel components."""
    fusion_table: str = DNNFUSION
    """Which convex groups are legal: `dnnfusion` (no path through a red cell) or `none` (every one)."""

    def __post_init__(self) -> None:
        check_fusion_table(self.fusion_table, "oracle")
        if self.mode not in ("windows", "exact"):
            raise ValueError(f"oracle: mode must be 'windows' or 'exact', got '{self.mode}'")
        if self.jobs < 1 or self.limit < 1:
            raise ValueError(f"oracle: jobs and limit must be positive, got jobs={self.jobs} limit={self.limit}")
        if not self.time_limit >= 0:
            raise ValueError(
                f"oracle: time-limit must be a number of seconds >= 0 (0: no limit), got {self.time_limit}"
            )

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        table = self.fusion_table
        target = load_target(self.target)
        if self.mode == "exact":
            exact_oracle(op, target, self.cap, self.limit, self.time_limit, table)
            return
        reduction = Reduction(self.window, self.cap, self.joint, table)
        with open_executor(self.jobs, self.scheduler) as executor:
            result = oracle(op, target, reduction, executor, self.time_limit, self.progress)
        add_statistic("configurations evaluated", result.configurations)
        add_statistic("windows searched completely", result.windows_complete)
        if not result.all_windows_complete or self.progress:
            print(result.summary(), file=sys.stderr)
