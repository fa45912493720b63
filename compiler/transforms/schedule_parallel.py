"""schedule-parallel: run independent kernels at the same time on disjoint core sets (beyond DLFusion).

DLFusion runs one kernel at a time, each on its chosen number of cores. When
two kernels do not depend on each other (the branches of a residual block's
projection shortcut, attention's query, key and value projections, U-Net's
skip paths) they may run side by side on different cores. This pass is a list
scheduler over the accel-level module: kernels are taken in block order (a
topological order) and each is placed, for every legal core count (`recore`)
or only its own, on the aligned range of cores that frees up first, at the
earliest time when

- its operands are ready (the kernels producing them have finished),
- its cores are free, and
- DRAM bandwidth allows it: the average DRAM traffic rates (bytes / latency)
  of the kernels running at any moment add up to at most the chip's DRAM
  bandwidth, so each kernel still gets the bandwidth the cost model gave it;

and keeps the option that finishes first (then the fewest cores). At the moment
every earlier kernel has finished, the whole chip is free, so a kernel never
finishes later than it would in the sequential schedule: the makespan is never
worse than the sum of the latencies.

The schedule lives in the IR as two attributes of each `accel.kernel`:
`accel.core_offset` (its cores are offset .. offset + cores - 1) and
`accel.start` (its planned start, in µs). `Timeline` replays a module from them: a
kernel starts when its operands are ready, its cores are free and not before
its planned start; a kernel without `accel.core_offset` takes the whole chip, so a
module without schedule attributes runs sequentially.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, ModuleOp, f64, i64
from xdsl.ir import Attribute, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.latency import annotate_kernels
from dlfc.compiler.utils.outlining import inline_region_op, outline
from dlfc.dialects import accel, graph
from dlfc.dialects.accel import OFFSET_ATTR, START_ATTR
from dlfc.hw.cost import KernelCost, cost_model, kernel_cost
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target
from dlfc.hw.timeline import Timeline

EPSILON = 1e-12


def kernels_of(module: ModuleOp) -> list[accel.KernelOp]:
    return [op for op in module.walk() if isinstance(op, accel.KernelOp)]


def replay(module: ModuleOp, target: Accelerator) -> Timeline:
    """The timeline of the module's kernels, honouring their schedule attributes."""
    timeline = Timeline(target.cores)
    for op in kernels_of(module):
        timeline.place(op, kernel_cost(op, target).latency)
    return timeline


class _Bandwidth:
    """DRAM traffic rates of the kernels placed so far, to start a kernel only when the rate it needs is left."""

    def __init__(self, limit: float):
        self.limit = limit
        self.busy: list[tuple[float, float, float]] = []
        """(start, end, bytes per second) of each placed kernel."""

    def earliest(self, start: float, latency: float, rate: float) -> float:
        """The first time at or after `start` from which `rate` fits for `latency` seconds."""
        active = [b for b in self.busy if b[1] > start]
        candidates = sorted({start, *(end for _, end, _ in active)})  # the last one: nothing runs any more
        return next(t for t in candidates if self.peak(active, t, t + latency) + rate <= self.limit * (1 + EPSILON))

    @staticmethod
    def peak(active: Sequence[tuple[float, float, float]], start: float, end: float) -> float:
        """The highest total rate of the `active` kernels between `start` and `end`."""
        points = [start, *(s for s, _, _ in active if start < s < end)]
        return max(sum(r for s, e, r in active if s <= p < e) for p in points)

    def add(self, start: float, end: float, rate: float) -> None:
        self.busy.append((start, end, rate))


def _options(op: accel.KernelOp, target: Accelerator, recore: bool) -> list[KernelCost]:
    model = cost_model(target)
    boundary = model.boundary(op.body.block.ops)
    counts = target.legal_cores if recore else (op.core_count,)
    return [model.cost(boundary, c) for c in counts]


def dram_rate(cost: KernelCost) -> float:
    """A kernel's average DRAM traffic while it runs, in bytes per second."""
    return cost.dram_bytes / cost.latency if cost.latency else 0.0


def schedule(kernels: Sequence[accel.KernelOp], target: Accelerator, recore: bool) -> Timeline:
    """Place every kernel (in block order) as the module docstring says; returns the planned timeline."""
    timeline = Timeline(target.cores)
    bandwidth = _Bandwidth(target.dram_bandwidth)
    for op in kernels:
        ready = timeline.ready_time(op)
        options: list[tuple[float, int, int, float, KernelCost]] = []
        for cost in _options(op, target, recore):
            offset = min(
                range(0, target.cores - cost.cores + 1, cost.cores), key=lambda o: timeline.cores_free(o, cost.cores)
            )
            start = bandwidth.earliest(
                max(ready, timeline.cores_free(offset, cost.cores)), cost.latency, dram_rate(cost)
            )
            options.append((start + cost.latency, cost.cores, offset, start, cost))
        _, cores, offset, start, cost = min(options, key=lambda option: option[:3])  # first end, fewest cores
        timeline.occupy(op, offset, cores, start, cost.latency)
        bandwidth.add(start, start + cost.latency, dram_rate(cost))
    return timeline


# --------------------------------------------------------------------------- splitting horizontal kernels


def independent_parts(ops: Sequence[Operation]) -> list[list[Operation]]:
    """The weakly connected components of a set of ops, each in the given order."""
    root: dict[Operation, Operation] = {o: o for o in ops}

    def find(o: Operation) -> Operation:
        while root[o] is not o:
            root[o] = root[root[o]]
            o = root[o]
        return o

    for o in ops:
        for value in o.operands:
            if isinstance(value.owner, Operation) and value.owner in root:
                root[find(value.owner)] = find(o)
    parts: dict[Operation, list[Operation]] = {}
    for o in ops:
        parts.setdefault(find(o), []).append(o)
    return list(parts.values())


def body_ops(kernel: accel.KernelOp) -> list[Operation]:
    return [o for o in kernel.body.block.ops if isinstance(o, graph.GraphOp)]


def regroup(kernels: Sequence[accel.KernelOp], names: Sequence[str], split: bool) -> list[accel.KernelOp]:
    """Dissolve `kernels` and outline their ops again: as one kernel per independent part, or as one kernel."""
    block = kernels[0].parent_block()
    assert block is not None
    cores = kernels[0].core_count
    ops = [o for kernel in kernels for o in body_ops(kernel)]
    for kernel in kernels:
        inline_region_op(kernel)
    position = {o: i for i, o in enumerate(block.ops)}
    ops.sort(key=position.__getitem__)
    made = iter(names)

    def make(
        part: Sequence[Operation], inputs: Sequence[SSAValue], types: Sequence[Attribute], body: Region
    ) -> Operation:
        return accel.KernelOp(next(made), inputs, types, body, cores)

    parts = independent_parts(ops) if split else [ops]
    return [k for k in outline(block, parts, make, accel.YieldOp) if isinstance(k, accel.KernelOp)]


def split_where_faster(module: ModuleOp, target: Accelerator, recore: bool) -> int:
    """Split each kernel made of independent parts when running the parts side by side shortens the schedule.

    Kernels are tried in block order; each trial reschedules the whole module. Returns the number of splits kept.
    """
    makespan = schedule(kernels_of(module), target, recore).makespan
    kept = 0
    for kernel in kernels_of(module):
        count = len(independent_parts(body_ops(kernel)))
        if count < 2:
            continue
        name = kernel.sym_name.data
        pieces = regroup([kernel], [f"{name}/{i}" for i in range(count)], split=True)
        trial = schedule(kernels_of(module), target, recore).makespan
        if trial < makespan * (1 - EPSILON):
            makespan, kept = trial, kept + 1
        else:
            regroup(pieces, [name], split=False)
    return kept


@dataclass(frozen=True)
class Saving:
    """Modelled latency of the sequential and of the parallel schedule (seconds)."""

    sequential: float
    parallel: float

    @property
    def speedup(self) -> float:
        return self.sequential / self.parallel if self.parallel else 1.0


def schedule_parallel(module: ModuleOp, target: Accelerator, recore: bool = True, split: bool = True) -> Saving:
    """Schedule the module's kernels side by side where they are independent; writes the schedule into the IR."""
    sequential = sum(kernel_cost(op, target).latency for op in kernels_of(module))
    if split:
        add_statistic("kernels split", split_where_faster(module, target, recore))
    timeline = schedule(kernels_of(module), target, recore)
    for slot in timeline.slots:
        op = slot.op
        assert isinstance(op, accel.KernelOp)
        op.cores = IntegerAttr(slot.cores, i64)
        op.attributes[OFFSET_ATTR] = IntegerAttr(slot.offset, i64)
        op.attributes[START_ATTR] = FloatAttr(slot.start * 1e6, f64)
    annotate_kernels(module, target)
    return Saving(sequential, timeline.makespan)


@dataclass(frozen=True)
class ScheduleParallelPass(ModulePass):
    """Run independent accel.kernels at the same time on disjoint cores (list scheduling; never slower)."""

    name = "schedule-parallel"

    target: str = DEFAULT_TARGET
    recore: bool = True
    """May change a kernel's core count to let it run beside others."""
    split: bool = True
    """May split a kernel made of independent parts (a horizontal fusion) to run the parts side by side."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        saving = schedule_parallel(op, load_target(self.target), self.recore, self.split)
        add_statistic("modelled latency before (ns)", round(saving.sequential * 1e9))
        add_statistic("modelled latency after (ns)", round(saving.parallel * 1e9))
