"""The time of a scheduled kernel: a discrete-event simulation of its `schedule.program`.

Every program step becomes one task per core that takes part in it (its rows
are not empty), on one of the core's three in-order queues:

- `compute`: a `schedule.compute` runs for work * rows / result rows /
  (core_peak * efficiency), with the op's work and vector efficiency from the
  cost model's per-op facts (`dlfc.hw.cost.OpFacts`): the same hardware
  description and the same per-op arithmetic as the estimate.
- `dma-in` and `dma-out`: a `schedule.load` moves rows * row bytes from DRAM,
  a `schedule.store` to DRAM. A load of the same rows on every core taking
  part (a weight, a broadcast operand) is read from DRAM once: each of the c
  cores fetches 1/c of it and multicasts its share to the others (assumed, as
  Cambricon's shared cluster memory or TPU-MLIR's weight broadcast to all
  lanes allow; the links are not the bottleneck), so every core's buffer is
  complete when the last share arrives. Every transfer in flight on the chip gets the
  same share of DRAM, min(core_dma_bandwidth, dram_bandwidth / transfers in
  flight) (processor sharing), so transfers slow each other down.
- A `schedule.compute_whole` streams through DRAM on every core of the kernel:
  one compute task (the op's work split as the cost model splits it), one
  dma-in task (its operands' bytes / cores) and one dma-out task (its results'
  bytes / cores), which overlap. A view (reshape, flatten, squeeze, unsqueeze)
  whole is free: it renames a tensor in DRAM.
- A `schedule.barrier` waits for every task before it and then takes
  sync(cores), the join cost of the target (`Accelerator.sync_overhead`).

A task starts when it is at the head of its queue, the queue is idle and its
dependences are done: the writer of every buffer it reads (read after write);
the readers and writer of every buffer overlapping the one it writes (write
after read and write, so a double-buffered load of tile t + 1 waits only for
the computes of tile t - 1); for a load or a whole op, every store or whole op
that wrote its tensor to DRAM; and the last barrier. The kernel's latency is
launch + sync(cores), as in the cost model, plus the makespan of its tasks.
The chip has no core-to-core links in this schedule: halos are recomputed and
data between phases goes through DRAM.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

from xdsl.ir import SSAValue

from dlfc.dialects import accel, graph, schedule
from dlfc.dialects.schedule import row_bytes, row_count
from dlfc.hw.cost import CostModel
from dlfc.hw.target import Accelerator

QUEUES = ("compute", "dma-in", "dma-out")
BARRIER, JOIN = -1, -2
"""Pseudo-queues: the kernel's barriers (one queue), and per core the zero-time joins of multicast shares."""


@dataclass
class Task:
    """One step of one core: `work` is seconds (compute) or bytes (DMA)."""

    name: str
    core: int
    queue: int
    work: float
    deps: list[Task] = field(default_factory=list)
    start: float = 0.0
    end: float = 0.0
    dependents: list[Task] = field(default_factory=list)
    waiting: int = 0


@dataclass(frozen=True)
class Event:
    """One task on the trace: core, queue name ("compute", "dma-in", "dma-out" or "barrier"), times in seconds."""

    name: str
    core: int
    queue: str
    start: float
    end: float


@dataclass(frozen=True)
class Simulation:
    """The simulated time of one kernel (seconds from its launch) and its tasks."""

    latency: float
    overhead: float
    events: tuple[Event, ...]
    dram_bytes: int

    @property
    def busy(self) -> dict[str, float]:
        """Seconds the busiest core spends on each queue."""
        per: dict[tuple[int, str], float] = defaultdict(float)
        for e in self.events:
            per[(e.core, e.queue)] += e.end - e.start
        return {q: max((t for (c, name), t in per.items() if name == q), default=0.0) for q in QUEUES}


class _Builder:
    """Turns a program into tasks with their dependences (see the module docstring)."""

    def __init__(self, program: schedule.ProgramOp, cores: int, model: CostModel):
        self.model = model
        self.target = model.target
        self.cores = cores
        self.element_bytes = self.target.element_bytes
        self.tasks: list[Task] = []
        self.barriers: list[Task] = []
        buffers = [op for op in program.body.block.ops if isinstance(op, schedule.BufferOp)]
        self.overlapping: dict[SSAValue, list[SSAValue]] = {
            b.buffer: [o.buffer for o in buffers if o.span[0] < b.span[1] and b.span[0] < o.span[1]] for b in buffers
        }
        self.writer: dict[tuple[SSAValue, int], Task] = {}
        self.accesses: dict[tuple[SSAValue, int], list[Task]] = defaultdict(list)
        self.dram_writers: dict[SSAValue, list[Task]] = defaultdict(list)
        self.since_barrier: list[Task] = []
        self.barrier: Task | None = None
        self.dram_bytes = 0

    def task(self, name: str, core: int, queue: int, work: float, deps: list[Task]) -> Task:
        t = Task(name, core, queue, work, [d for d in deps if d is not None])
        if self.barrier is not None:
            t.deps.append(self.barrier)
        self.tasks.append(t)
        self.since_barrier.append(t)
        return t

    def read(self, buffer: SSAValue, core: int) -> list[Task]:
        writer = self.writer.get((buffer, core))
        return [writer] if writer is not None else []

    def write(self, buffer: SSAValue, core: int, task: Task) -> None:
        for other in self.overlapping[buffer]:
            task.deps += [t for t in self.accesses.pop((other, core), []) if t is not task]
        self.writer[(buffer, core)] = task
        self.accesses[(buffer, core)] = [task]

    def touch(self, buffer: SSAValue, core: int, task: Task) -> None:
        self.accesses[(buffer, core)].append(task)

    def build(self, program: schedule.ProgramOp) -> None:
        for op in program.steps():
            if isinstance(op, schedule.LoadOp):
                self.load(op)
            elif isinstance(op, schedule.ComputeOp):
                self.compute(op)
            elif isinstance(op, schedule.StoreOp):
                self.store(op)
            elif isinstance(op, schedule.ComputeWholeOp):
                self.whole(op)
            elif isinstance(op, schedule.BarrierOp):
                self.add_barrier()

    def load(self, op: schedule.LoadOp) -> None:
        size = row_bytes(op.source.type, self.element_bytes)
        name = f"load {op.source.name_hint or 'tensor'}"
        rows = op.core_rows()
        taking = [(core, r) for core, r in enumerate(rows) if r[0] < r[1]]
        deps = list(self.dram_writers.get(op.source, ()))
        if len(taking) > 1 and all(r == taking[0][1] for _, r in taking):  # the same rows everywhere: multicast
            lo, hi = taking[0][1]
            share = (hi - lo) * size / len(taking)
            parts = []
            for core, _ in taking:
                part = self.task(f"{name} (1/{len(taking)}, multicast)", core, 1, share, list(deps))
                self.write(op.dest, core, part)
                parts.append(part)
            for core, _ in taking:  # a core's buffer is whole when every share has arrived
                join = self.task("multicast join", core, JOIN, 0.0, list(parts))
                self.writer[(op.dest, core)] = join
                self.accesses[(op.dest, core)] = [join]
            self.dram_bytes += (hi - lo) * size
            return
        for core, (lo, hi) in taking:
            t = self.task(name, core, 1, (hi - lo) * size, list(deps))
            self.write(op.dest, core, t)
            self.dram_bytes += (hi - lo) * size

    def store(self, op: schedule.StoreOp) -> None:
        size = row_bytes(op.value.type, self.element_bytes)
        name = f"store {op.value.name_hint or 'tensor'}"
        for core, (lo, hi) in enumerate(op.core_rows()):
            if lo < hi:
                t = self.task(name, core, 2, (hi - lo) * size, self.read(op.source, core))
                self.touch(op.source, core, t)
                self.dram_writers[op.value].append(t)
                self.dram_bytes += (hi - lo) * size

    def compute(self, op: schedule.ComputeOp) -> None:
        graph_op = op.graph_op
        facts = self.model.facts(graph_op)
        per_row = facts.work / row_count(op.value.type) / (self.target.core_peak_flops * facts.efficiency)
        for core, (lo, hi) in enumerate(op.core_rows()):
            if lo < hi:
                deps = [d for b in op.ins for d in self.read(b, core)]
                t = self.task(graph_op.name.removeprefix("graph."), core, 0, (hi - lo) * per_row, deps)
                for b in op.ins:
                    self.touch(b, core, t)
                self.write(op.out, core, t)

    def whole(self, op: schedule.ComputeWholeOp) -> None:
        graph_op = op.graph_op
        facts = self.model.facts(graph_op)
        deps = [d for v in graph_op.operands for d in self.dram_writers.get(v, ())]
        name = graph_op.name.removeprefix("graph.")
        done: list[Task] = []
        if facts.work or graph_op.mapping_type() != graph.MappingType.REORGANIZE:
            c = self.cores
            seconds = facts.work * math.ceil(facts.extent / c) / facts.extent
            seconds /= self.target.core_peak_flops * facts.efficiency
            read, written = sum(facts.operand_bytes) / c, sum(facts.result_bytes) / c
            for core in range(c):
                done.append(self.task(name, core, 0, seconds, list(deps)))
                done.append(self.task(f"{name} reads", core, 1, read, list(deps)))
                done.append(self.task(f"{name} writes", core, 2, written, list(deps)))
            self.dram_bytes += sum(facts.operand_bytes) + sum(facts.result_bytes)
        else:
            done.append(self.task(f"{name} (view)", 0, 0, 0.0, list(deps)))
        for result in graph_op.results:
            self.dram_writers[result] = done

    def add_barrier(self) -> None:
        before = self.since_barrier
        t = self.task("barrier", -1, BARRIER, self.target.sync_overhead(self.cores), before)
        self.barrier = t
        self.since_barrier = []
        self.barriers.append(t)


def simulate(kernel: accel.KernelOp, model: CostModel) -> Simulation:
    """Simulate the `schedule.program` of a scheduled kernel on the model's target."""
    program = schedule.program_of(kernel)
    assert program is not None
    cores = kernel.core_count
    builder = _Builder(program, cores, model)
    builder.build(program)
    makespan = _run(builder.tasks, cores, model.target)
    target = model.target
    overhead = target.launch_overhead + target.sync_overhead(cores)
    events = tuple(
        Event(t.name, t.core, QUEUES[t.queue] if t.queue >= 0 else "barrier", overhead + t.start, overhead + t.end)
        for t in builder.tasks
        if t.queue != JOIN
    )
    return Simulation(overhead + makespan, overhead, events, builder.dram_bytes)


def _run(tasks: list[Task], cores: int, target: Accelerator) -> float:
    """Run the tasks; sets their start and end times and returns the makespan (seconds)."""
    queues: dict[tuple[int, int], list[Task]] = defaultdict(list)
    for t in tasks:
        queues[(t.core, t.queue)].append(t)
        t.waiting = len(t.deps)
        for d in t.deps:
            d.dependents.append(t)
    head = dict.fromkeys(queues, 0)
    idle = dict.fromkeys(queues, True)
    now = 0.0
    virtual = 0.0  # bytes each DRAM transfer in flight has moved since time 0
    computing: list[tuple[float, int, Task]] = []
    moving: list[tuple[float, int, Task]] = []  # (virtual finish, ...)
    sequence = 0

    def rate() -> float:
        return min(target.core_dma_bandwidth, target.dram_bandwidth / len(moving)) if moving else 0.0

    def try_start(key: tuple[int, int]) -> None:
        nonlocal sequence
        while idle[key] and head[key] < len(queues[key]):
            t = queues[key][head[key]]
            if t.waiting:
                return
            t.start = now
            sequence += 1
            if t.queue in (1, 2):
                heapq.heappush(moving, (virtual + t.work, sequence, t))
            else:
                heapq.heappush(computing, (now + t.work, sequence, t))
            idle[key] = t.queue < 0  # barriers and joins do not occupy a queue
            head[key] += 1
            if t.queue < 0:
                continue
            return

    for key in queues:
        try_start(key)
    finished = 0
    while computing or moving:
        r = rate()
        next_move = now + (moving[0][0] - virtual) / r if moving else math.inf
        next_compute = computing[0][0] if computing else math.inf
        if next_compute <= next_move:
            end, _, task = heapq.heappop(computing)
            virtual += r * (end - now)
        else:
            virtual, _, task = heapq.heappop(moving)
            end = next_move
        now = max(now, end)
        task.end = now
        finished += 1
        key = (task.core, task.queue)
        idle[key] = True
        touched = {key}
        for d in task.dependents:
            d.waiting -= 1
            if not d.waiting:
                touched.add((d.core, d.queue))
        for k in touched:
            try_start(k)
    if finished != len(tasks):
        raise RuntimeError(f"schedule simulation deadlocked: {len(tasks) - finished} of {len(tasks)} tasks never ran")
    return max((t.end for t in tasks), default=0.0)
