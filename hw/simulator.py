"""The time of a scheduled kernel: a discrete-event simulation of its `schedule.program`.

Every program step becomes one task per core that takes part in it (its rows
are not empty), on one of the core's four in-order queues:

- `compute`: a `schedule.compute` runs for work * (rows x channels of its
  slice) / (rows x channels of the result) / (core_peak * efficiency), with the op's work and vector efficiency from the
  cost model's per-op facts (`dlfc.hw.cost.OpFacts`): the same hardware
  description and the same per-op arithmetic as the estimate. In a tile loop
  of more than one tile, each op's first compute of a tile on a core also
  pays `tile_cycles` (as the cost model charges per op and tile).
- `dma-in` and `dma-out`: a `schedule.load` moves its slice's bytes from DRAM,
  a `schedule.store` to DRAM. A load of the same rows on every core taking
  part (a weight, a broadcast operand) is read from DRAM once: each of the c
  cores fetches 1/c of it and multicasts its share to the others (assumed, as
  Cambricon's shared cluster memory or TPU-MLIR's weight broadcast to all
  lanes allow), so every core's buffer is complete when the last share
  arrives. Transfers in flight share bandwidth max-min fairly (`dma_rates`):
  a core's transfers (in and out) share its DMA engine's `core_dma_bandwidth`,
  and all of them share `dram_bandwidth`, so transfers slow each other down.
- `link`: a `schedule.exchange` moves, per core, the part of its slice its
  buffer lacks (a halo's rows, or other cores' channels), each piece from the
  nearest core that holds it, in `link_latency_cycles` + bytes /
  `core_link_gbps` (each core's link is its own); on a clustered target with
  `cross_cluster_via_dram`, rows from a core of another cluster go through
  DRAM instead (written and read: twice their bytes on the `dma-in` queue).
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
after read and write, so a double-buffered load of chunk s + 1 waits only for
the compute of chunk s - 1; a compute that appends to the rows a buffer
holds leaves them alone and waits only for its last writer, unless it drops
some of them, `append from`, whose slots the new rows of a line buffer then
reuse); an exchange also waits for the writers of the
rows it fetches on the other cores; for a load or a whole op, every store or
whole op that wrote its tensor to DRAM; and the last barrier. The kernel's
latency is launch + sync(cores), as in the cost model, plus the makespan of
its tasks.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

from xdsl.ir import Operation, SSAValue

from dlfc.dialects import accel, graph, schedule
from dlfc.dialects.schedule import (
    Rect,
    area,
    channel_count,
    hull,
    inside,
    is_empty,
    rect_bytes,
    row_count,
    uncovered,
)
from dlfc.hw.cost import CostModel
from dlfc.hw.target import Accelerator

QUEUES = ("compute", "dma-in", "dma-out", "link")
BARRIER, JOIN = -1, -2
"""Pseudo-queues: the kernel's barriers (one queue), and per core the zero-time joins of multicast shares."""


@dataclass(eq=False)
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
    """One task on the trace: core, queue name ("compute", "dma-in", "dma-out", "link" or "barrier"), times in seconds."""

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
        self.link_bytes = 0
        self.held: dict[tuple[SSAValue, int], tuple[SSAValue, Rect]] = {}  # (buffer, core) -> (tensor, rect)
        self.tile_cost = self.target.tile_cycles / self.target.clock_hz
        self.charged: set[tuple[int, object, int]] = set()  # (tile op id, graph op, core) that paid tile_cycles
        self.tile: schedule.TileOp | None = None
        loop: list[schedule.TileOp] = []
        self.loop_length: dict[schedule.TileOp, int] = {}
        for op in [*program.body.block.ops, None]:
            if isinstance(op, schedule.TileOp) and (not loop or op.index.value.data > 0):
                loop.append(op)
                continue
            self.loop_length.update(dict.fromkeys(loop, len(loop)))
            loop = [op] if isinstance(op, schedule.TileOp) else []

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

    def write(self, buffer: SSAValue, core: int, task: Task, keep: bool = False) -> None:
        """`task` writes `buffer` on `core`: it waits for every access to the buffers overlapping it.

        With `keep` the task adds rows to what the buffer holds (an appended chunk, exchanged halo rows)
        and leaves the rows in it alone: it does not wait for the readers of the buffer itself (a store
        of the previous chunk), only for its last writer, and a later write waits for them all.
        """
        for other in self.overlapping[buffer]:
            if keep and other is buffer:
                continue
            task.deps += [t for t in self.accesses.pop((other, core), []) if t is not task]
        if keep:
            task.deps += self.read(buffer, core)
            self.accesses[(buffer, core)].append(task)
        else:
            self.accesses[(buffer, core)] = [task]
        self.writer[(buffer, core)] = task

    def touch(self, buffer: SSAValue, core: int, task: Task) -> None:
        self.accesses[(buffer, core)].append(task)

    def build(self, program: schedule.ProgramOp) -> None:
        for top in program.body.block.ops:
            self.tile = top if isinstance(top, schedule.TileOp) else None
            for op in top.body.block.ops if isinstance(top, schedule.TileOp) else (top,):
                self.step(op)

    def step(self, op: Operation) -> None:
        if isinstance(op, schedule.LoadOp):
            self.load(op)
        elif isinstance(op, schedule.ComputeOp):
            self.compute(op)
        elif isinstance(op, schedule.StoreOp):
            self.store(op)
        elif isinstance(op, schedule.ExchangeOp):
            self.exchange(op)
        elif isinstance(op, schedule.ComputeWholeOp):
            self.whole(op)
        elif isinstance(op, schedule.BarrierOp):
            self.add_barrier()

    def load(self, op: schedule.LoadOp) -> None:
        name = f"load {op.source.name_hint or 'tensor'}"
        filters = op.core_filters()
        taking = [(core, r) for core, r in enumerate(op.core_rects()) if not is_empty(r)]
        deps = list(self.dram_writers.get(op.source, ()))
        same = all(r == taking[0][1] and filters[c] == filters[taking[0][0]] for c, r in taking)
        if len(taking) > 1 and same:  # the same slice everywhere: multicast
            r = taking[0][1]
            size = self.bytes(op.source, r, filters[taking[0][0]])
            share = size / len(taking)
            parts = []
            for core, _ in taking:
                part = self.task(f"{name} (1/{len(taking)}, multicast)", core, 1, share, list(deps))
                self.write(op.dest, core, part)
                parts.append(part)
            for core, _ in taking:  # a core's buffer is whole when every share has arrived
                join = self.task("multicast join", core, JOIN, 0.0, list(parts))
                self.writer[(op.dest, core)] = join
                self.accesses[(op.dest, core)] = [join]
                self.held[(op.dest, core)] = (op.source, r)
            self.dram_bytes += size
            return
        for core, r in taking:
            size = self.bytes(op.source, r, filters[core])
            t = self.task(name, core, 1, size, list(deps))
            self.write(op.dest, core, t)
            self.held[(op.dest, core)] = (op.source, r)
            self.dram_bytes += size

    def bytes(self, value: SSAValue, r: Rect, filters: tuple[int, int] | None = None) -> int:
        return rect_bytes(value.type, r, self.element_bytes, filters)

    def store(self, op: schedule.StoreOp) -> None:
        name = f"store {op.value.name_hint or 'tensor'}"
        for core, r in enumerate(op.core_rects()):
            if not is_empty(r):
                size = self.bytes(op.value, r)
                t = self.task(name, core, 2, size, self.read(op.source, core))
                self.touch(op.source, core, t)
                self.dram_writers[op.value].append(t)
                self.dram_bytes += size

    def compute(self, op: schedule.ComputeOp) -> None:
        graph_op = op.graph_op
        facts = self.model.facts(graph_op)
        cells = row_count(op.value.type) * channel_count(op.value.type)
        per_cell = facts.work / cells / (self.target.core_peak_flops * facts.efficiency)
        per_tile = self.tile is not None and self.loop_length.get(self.tile, 1) > 1
        for core, r in enumerate(op.core_rects()):
            if not is_empty(r):
                seconds = area(r) * per_cell
                key = (id(self.tile), graph_op, core)
                if per_tile and key not in self.charged:  # tile_cycles once per op, tile and core
                    self.charged.add(key)
                    seconds += self.tile_cost
                deps = [d for b in op.ins for d in self.read(b, core)]
                content = self.held.get((op.out, core))
                kept = op.kept(core, content, r)
                # rows kept in place leave the buffer's readers alone; rows dropped from a line buffer free
                # slots the new rows overwrite, so the compute waits for their readers
                keep = not is_empty(kept) and content is not None and kept == content[1]
                r = hull(kept, r)
                t = self.task(graph_op.name.removeprefix("graph."), core, 0, seconds, deps)
                for b in op.ins:
                    self.touch(b, core, t)
                self.write(op.out, core, t, keep=keep)
                self.held[(op.out, core)] = (op.value, r)

    def exchange(self, op: schedule.ExchangeOp) -> None:
        """Per core, the cells of its rect its buffer lacks, from the nearest core holding each: over the links,
        or through DRAM (written and read) from another cluster when the target says so."""
        t = self.target
        before = {core: self.held.get((op.buffer, core)) for core in range(self.cores)}
        holders = {c: content[1] for c, content in before.items() if content is not None and content[0] is op.value}
        name = f"exchange {op.value.name_hint or 'tensor'}"
        finished: list[tuple[int, Task, list[int]]] = []
        for core, r in enumerate(op.core_rects()):
            if is_empty(r):
                continue
            own = [holders[core]] if core in holders else []
            linked = via_dram = 0
            deps = self.read(op.buffer, core)
            sources: list[int] = []
            nearest = sorted((c for c in holders if c != core), key=lambda c: abs(c - core))
            for cell in uncovered(own, r, list(holders.values())):  # each cell inside or apart from each holder's
                other = next((c for c in nearest if inside(cell, holders[c])), None)
                if other is None:
                    continue
                moved = self.bytes(op.value, cell)
                if t.cross_cluster_via_dram and other // t.cores_per_cluster != core // t.cores_per_cluster:
                    via_dram += moved
                else:
                    linked += moved
                if other not in sources:
                    sources.append(other)
                    deps += self.read(op.buffer, other)
            parts = []
            if linked:
                seconds = t.link_latency_cycles / t.clock_hz + linked / t.link_bandwidth
                parts.append(self.task(f"{name} ({linked} B)", core, 3, seconds, list(deps)))
                self.link_bytes += linked
            if via_dram:
                parts.append(self.task(f"{name} via DRAM ({via_dram} B)", core, 1, 2 * via_dram, list(deps)))
                self.dram_bytes += 2 * via_dram
            if parts:
                done = parts[0] if len(parts) == 1 else self.task("exchange join", core, JOIN, 0.0, parts)
                finished.append((core, done, sources))
            self.held[(op.buffer, core)] = (op.value, r)
        for core, done, _ in finished:  # all cores exchange at once: each waits for what came before, not the others
            self.write(op.buffer, core, done, keep=True)
        for _, done, sources in finished:
            for other in sources:
                self.touch(op.buffer, other, done)

    def whole(self, op: schedule.ComputeWholeOp) -> None:
        graph_op = op.graph_op
        facts = self.model.facts(graph_op)
        deps = [d for v in graph_op.operands for d in self.dram_writers.get(v, ())]
        name = graph_op.name.removeprefix("graph.")
        done: list[Task] = []
        if facts.work or graph_op.mapping_type() != graph.MappingType.REORGANIZE:
            c = self.cores
            _, extent, replicated = self.model.split(facts, c)  # the cost model's split on c cores
            seconds = facts.work * math.ceil(extent / c) / extent
            seconds /= self.target.core_peak_flops * facts.efficiency
            # operands every core needs whole: multicast over the links, one more DRAM copy per further cluster
            linked, copies = self.model.multicast(sum(facts.operand_bytes[i] for i in replicated), min(c, extent))
            read, written = (sum(facts.operand_bytes) + copies) / c, sum(facts.result_bytes) / c
            for core in range(c):
                done.append(self.task(name, core, 0, seconds, list(deps)))
                done.append(self.task(f"{name} reads", core, 1, read, list(deps)))
                done.append(self.task(f"{name} writes", core, 2, written, list(deps)))
                if linked:
                    done.append(self.task(f"{name} multicast", core, 3, linked, list(deps)))
            self.dram_bytes += sum(facts.operand_bytes) + sum(facts.result_bytes) + copies
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


def dma_rates(in_flight: dict[int, int], target: Accelerator) -> dict[int, float]:
    """Bytes per second of each transfer of each core, given the transfers in flight per core.

    Max-min fair sharing: a core's transfers share its DMA engine's
    `core_dma_bandwidth`, and all transfers share `dram_bandwidth`; a core
    that cannot use its fair share of DRAM leaves the rest to the others.
    """
    rates: dict[int, float] = {}
    left, count = target.dram_bandwidth, sum(in_flight.values())
    for core, n in sorted(in_flight.items(), key=lambda item: target.core_dma_bandwidth / item[1]):
        capped = target.core_dma_bandwidth / n
        if capped * count <= left:  # this core's engine is the bottleneck
            rates[core] = capped
            left -= target.core_dma_bandwidth
            count -= n
        else:
            level = left / count
            for other in in_flight:
                rates.setdefault(other, level)
            break
    return rates


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
    computing: list[tuple[float, int, Task]] = []
    moving: dict[Task, float] = {}  # DMA task -> bytes left
    per_core: dict[int, int] = defaultdict(int)
    sequence = 0

    def try_start(key: tuple[int, int]) -> None:
        nonlocal sequence
        while idle[key] and head[key] < len(queues[key]):
            t = queues[key][head[key]]
            if t.waiting:
                return
            t.start = now
            sequence += 1
            if t.queue in (1, 2):
                moving[t] = t.work
                per_core[t.core] += 1
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
        rates = dma_rates({c: n for c, n in per_core.items() if n}, target) if moving else {}
        first = min(moving, key=lambda t: moving[t] / rates[t.core], default=None)
        next_move = now + moving[first] / rates[first.core] if first is not None else math.inf
        next_compute = computing[0][0] if computing else math.inf
        if next_compute <= next_move:
            end, _, task = heapq.heappop(computing)
        else:
            end, task = next_move, first
        elapsed = max(end - now, 0.0)
        for t in moving:
            moving[t] -= rates[t.core] * elapsed
        if task in moving:
            del moving[task]
            per_core[task.core] -= 1
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
