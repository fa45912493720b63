"""accel-schedule: make each `accel.kernel`'s schedule explicit as a `schedule.program`.

For every kernel the pass decides (`choose_phases`) how its graph ops run on
its cores and writes the decision as buffers, DMA and per-slice compute (the
`schedule` dialect, see `dlfc/dialects/schedule.py`):

- The ops, in block order, form *phases*. A row phase is a run of ops that
  `row_sliceable` accepts; its slices run depth first: the result rows of the
  phase are split into `cores * tiles` contiguous slices (core k takes slices
  k * tiles .. k * tiles + tiles - 1), and per slice each op computes the rows
  its consumers in the phase need (halos are recomputed, never exchanged) plus,
  for a result that leaves the phase, the slice it owns. Any other op is a
  whole phase (`schedule.compute_whole`, DRAM to DRAM on all the cores).
- Tensors from outside a phase are loaded per tile (the rows the tile needs),
  or once before the tile loop when an op reads them whole (weights, broadcast
  operands: weight-resident); results that leave the phase (kernel results,
  operands of later phases) are stored per tile. Loaded and stored tensors get
  two buffers when a phase has several tiles (double buffering: tile t uses
  stage t % 2), intermediates one. Buffers are laid out per phase from offset
  0, each aligned to `ALIGN` bytes (`Phase.allocate`: intermediates whose
  lives within a tile do not meet share memory); phases run one after another
  with a barrier between them, so their buffers reuse the same memory.
- The built-in choice (`choose_phases`): grow a phase op by op; a phase takes
  the tile count (from `TILE_COUNTS`) whose buffers fit the core's on-chip
  memory and whose tile loop is fastest when successive tiles overlap
  (`pipeline_time`); an op that fits in no tiling with the phase starts a new
  phase; an op that fits in none alone, or that reads whole a tensor the
  phase computes, also starts one (or runs whole).

The kernel's graph ops stay in its body: they are the semantics and the types
the program's ops refer to. Each program op has the location of what it
moves or computes (a tile: its phase's ops; the program and its barriers: the
kernel's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from dlfc.compiler.utils.latency import module_target
from dlfc.compiler.utils.locations import located
from dlfc.compiler.utils.outlining import value_location
from dlfc.dialects import accel, graph, schedule
from dlfc.dialects.schedule import Rows, operand_rows, row_bytes, row_count, row_sliceable
from dlfc.hw.cost import CostModel, cost_model
from dlfc.hw.target import Accelerator

ALIGN = 64
"""Byte alignment of every buffer (a DMA burst)."""
PIPELINE_DEPTH = 8
"""The built-in choice tries up to this many times the fewest tiles that fit, for overlap."""
TILE_COUNTS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
"""The tile counts the built-in choice tries, fewest first."""


def _hull(a: Rows | None, b: Rows) -> Rows:
    if b[0] >= b[1]:
        return a if a is not None else (0, 0)
    if a is None or a[0] >= a[1]:
        return b
    return min(a[0], b[0]), max(a[1], b[1])


@dataclass
class Phase:
    """A row phase (`tiles` >= 1) of ops sliced by rows, or a whole op (`tiles` == 0)."""

    ops: list[graph.GraphOp]
    tiles: int = 1
    computed: dict[SSAValue, list[Rows]] = field(default_factory=dict)
    """Per result of the phase: the rows computed in each slice (index core * tiles + tile)."""
    stored: dict[SSAValue, list[Rows]] = field(default_factory=dict)
    """Per result that leaves the phase: the rows each slice owns and stores."""
    loaded: dict[SSAValue, list[Rows]] = field(default_factory=dict)
    """Per tensor from outside the phase read by slices: the rows each slice loads."""
    resident: list[SSAValue] = field(default_factory=list)
    """Tensors from outside the phase read whole: loaded once, before the tile loop."""
    sizes: dict[SSAValue, int] = field(default_factory=dict)
    """Bytes of the buffer of each tensor on chip (one copy)."""
    stages: dict[SSAValue, int] = field(default_factory=dict)
    """Copies of each buffer: 2 for loaded and stored tensors of a tiled phase, else 1."""

    @property
    def whole(self) -> bool:
        return self.tiles == 0

    @property
    def footprint(self) -> int:
        """Bytes of on-chip memory the phase's buffers take (see `allocate`)."""
        offsets, end = self.allocate()
        return end

    def allocate(self) -> tuple[dict[SSAValue, list[int]], int]:
        """The offset of every copy of every buffer, and the end of the last one.

        Resident, loaded and stored tensors keep their buffers for the whole
        phase (one after another from offset 0); an intermediate only lives
        from the op computing it to its last consumer in a tile, so
        intermediates whose lives do not meet share memory (first fit).
        """
        offsets: dict[SSAValue, list[int]] = {}
        end = 0
        order = {op.results[0]: k for k, op in enumerate(self.ops)}
        scratch: list[SSAValue] = []
        for value in self.sizes:
            if value in self.computed and value not in self.stored and self.stages[value] == 1:
                scratch.append(value)
                continue
            offsets[value] = []
            for _ in range(self.stages[value]):
                offsets[value].append(end)
                end += _aligned(self.sizes[value])
        base = end
        placed: list[tuple[int, int, int, int]] = []  # (offset, end, first op, last op)
        for value in sorted(scratch, key=lambda v: order[v]):
            first = order[value]
            last = max((order[u.operation.results[0]] for u in value.uses if u.operation in self.ops), default=first)
            size = _aligned(self.sizes[value])
            offset, moved = base, True
            while moved:  # the lowest offset clear of every intermediate alive at the same time
                moved = False
                for other, other_end, other_first, other_last in placed:
                    if other_first <= last and first <= other_last and other < offset + size and offset < other_end:
                        offset, moved = other_end, True
            placed.append((offset, offset + size, first, last))
            offsets[value] = [offset]
            end = max(end, offset + size)
        return offsets, end


def _aligned(size: int) -> int:
    return max(ALIGN, -(-size // ALIGN) * ALIGN)


def _escapes(value: SSAValue, members: set[Operation]) -> bool:
    return any(use.operation not in members for use in value.uses if not _is_schedule(use.operation))


def _is_schedule(op: Operation) -> bool:
    return op.name.startswith("schedule.")


def layout(ops: Sequence[graph.GraphOp], cores: int, tiles: int, element_bytes: int) -> Phase | None:
    """The slices and buffers of a row phase of `ops` on `cores` cores in `tiles` tiles.

    None when the phase cannot be one: an op reads whole a tensor the phase computes.
    """
    members = set(ops)
    slices = cores * tiles
    phase = Phase(list(ops), tiles)
    needs: dict[SSAValue, list[Rows | None]] = {}
    whole: set[SSAValue] = set()
    for op in reversed(ops):
        (result,) = op.results
        rows = needs.get(result, [None] * slices)
        if _escapes(result, members):
            extent = row_count(result.type)
            owned = [(g * extent // slices, (g + 1) * extent // slices) for g in range(slices)]
            phase.stored[result] = owned
            rows = [_hull(r, o) for r, o in zip(rows, owned, strict=True)]
        computed = [r if r is not None else (0, 0) for r in rows]
        phase.computed[result] = computed
        for i, operand in enumerate(op.operands):
            if operand in whole:
                continue
            extent = row_count(operand.type)
            per_slice = needs.setdefault(operand, [None] * slices)
            for g, (lo, hi) in enumerate(computed):
                if lo < hi:
                    need = operand_rows(op, i, lo, hi)
                    if need is None:
                        whole.add(operand)
                        break
                    per_slice[g] = _hull(per_slice[g], need)
            if operand in whole:
                needs.pop(operand, None)
                if isinstance(operand.owner, Operation) and operand.owner in members:
                    return None
            del extent
    for value, per_slice in needs.items():
        if not (isinstance(value.owner, Operation) and value.owner in members):
            phase.loaded[value] = [r if r is not None else (0, 0) for r in per_slice]
    phase.resident = sorted(whole, key=lambda v: _order_key(v, ops))
    double = 2 if tiles > 1 else 1
    for value, per_slice in [*phase.loaded.items(), *phase.computed.items()]:
        phase.sizes[value] = max(hi - lo for lo, hi in per_slice) * row_bytes(value.type, element_bytes)
        phase.stages[value] = double if value in phase.loaded or value in phase.stored else 1
    for value in phase.resident:
        phase.sizes[value] = row_count(value.type) * row_bytes(value.type, element_bytes)
        phase.stages[value] = 1
    return phase


def _order_key(value: SSAValue, ops: Sequence[graph.GraphOp]) -> tuple[int, int]:
    """First use of `value` among `ops`, then its operand index: a deterministic order for resident tensors."""
    for k, op in enumerate(ops):
        for i, operand in enumerate(op.operands):
            if operand is value:
                return k, i
    return len(ops), 0


def pipeline_time(phase: Phase, cores: int, model: CostModel) -> float:
    """The time of a row phase's tile loop if loads, computes and stores of successive tiles overlap.

    With L, C, S the longest load, compute and store of one slice (every core
    loading at once shares DRAM): L + C + S + (tiles - 1) * max(L, C, S).
    """
    target = model.target
    rate = min(target.core_dma_bandwidth, target.dram_bandwidth / cores)
    slices = range(cores * phase.tiles)

    def moved(tensors: dict[SSAValue, list[Rows]]) -> float:
        per_byte = {v: row_bytes(v.type, target.element_bytes) for v in tensors}
        return max(sum((r[g][1] - r[g][0]) * per_byte[v] for v, r in tensors.items()) for g in slices) / rate

    compute = 0.0
    for g in slices:
        seconds = 0.0
        for op in phase.ops:
            facts = model.facts(op)
            lo, hi = phase.computed[op.results[0]][g]
            seconds += (
                facts.work * (hi - lo) / row_count(op.results[0].type) / (target.core_peak_flops * facts.efficiency)
            )
        compute = max(compute, seconds)
    load, store = moved(phase.loaded), moved(phase.stored)
    return load + compute + store + (phase.tiles - 1) * max(load, compute, store)


def fit(ops: Sequence[graph.GraphOp], cores: int, model: CostModel, fewest: int = 1) -> Phase | None:
    """The layout of a row phase that fits on chip, or None if none does.

    Of the tile counts (at least `fewest`) from the fewest that fit up to
    `PIPELINE_DEPTH` times as many, the one with the shortest `pipeline_time`.
    """
    target = model.target
    rows = max(row_count(op.results[0].type) for op in ops)
    best: Phase | None = None
    best_time = 0.0
    for tiles in TILE_COUNTS:
        if tiles < fewest or (best is not None and tiles > PIPELINE_DEPTH * best.tiles):
            continue
        if tiles > 1 and cores * tiles > 2 * rows:
            break
        phase = layout(ops, cores, tiles, target.element_bytes)
        if phase is None:
            return None
        if phase.footprint <= target.onchip_bytes:
            time = pipeline_time(phase, cores, model)
            if best is None or time < best_time:
                best, best_time = phase, time
    return best


def choose_phases(ops: Sequence[graph.GraphOp], cores: int, model: CostModel) -> list[Phase]:
    """The built-in choice of phases and tile counts for a kernel's compute ops (see the module docstring)."""
    phases: list[Phase] = []
    current: Phase | None = None
    for op in ops:
        if not row_sliceable(op):
            if current is not None:
                phases.append(current)
                current = None
            phases.append(Phase([op], 0))
            continue
        grown = fit([*current.ops, op], cores, model) if current is not None else None
        if grown is not None:
            current = grown
            continue
        if current is not None:
            phases.append(current)
        current = fit([op], cores, model)
        if current is None:
            phases.append(Phase([op], 0))
    if current is not None:
        phases.append(current)
    return phases


def _per_core(per_slice: Sequence[Rows], cores: int, tiles: int, tile: int) -> list[Rows]:
    return [per_slice[core * tiles + tile] for core in range(cores)]


def emit_program(phases: Sequence[Phase], cores: int, target: Accelerator) -> schedule.ProgramOp:
    """The `schedule.program` of a kernel's phases."""
    ops: list[Operation] = []
    for p, phase in enumerate(phases):
        if phase.whole:
            ops.append(schedule.ComputeWholeOp(phase.ops[0].results[0]))
            ops[-1].location = phase.ops[0].location
        else:
            ops += _emit_row_phase(phase, cores)
        if p + 1 < len(phases):
            ops.append(schedule.BarrierOp())
    return schedule.ProgramOp(target.onchip_bytes, target.element_bytes, ops)


def _emit_row_phase(phase: Phase, cores: int) -> list[Operation]:
    tiles = phase.tiles
    offsets, _ = phase.allocate()
    buffers: dict[SSAValue, list[schedule.BufferOp]] = {}
    for value in [*phase.resident, *phase.loaded, *reversed(phase.computed)]:
        buffers[value] = [
            located([schedule.BufferOp(offset, _aligned(phase.sizes[value]))], [value_location(value)])[0]
            for offset in offsets[value]
        ]
    ops: list[Operation] = [b for copies in buffers.values() for b in copies]
    busy = [any(phase.computed[r][c * tiles + t][0] < phase.computed[r][c * tiles + t][1]
                for r in phase.computed for t in range(tiles)) for c in range(cores)]  # fmt: skip
    for value in phase.resident:
        full = (0, row_count(value.type))
        rows = [full if busy[c] else (0, 0) for c in range(cores)]
        ops.append(located([schedule.LoadOp(value, rows, buffers[value][0].buffer)], [value_location(value)])[0])

    def buffer(value: SSAValue, stage: int) -> SSAValue:
        copies = buffers[value]
        return copies[stage % len(copies)].buffer

    for t in range(tiles):
        body: list[Operation] = []
        stage = t % 2
        for value, per_slice in phase.loaded.items():
            rows = _per_core(per_slice, cores, tiles, t)
            if any(lo < hi for lo, hi in rows):
                body.append(located([schedule.LoadOp(value, rows, buffer(value, stage))], [value_location(value)])[0])
        for op in phase.ops:
            (result,) = op.results
            rows = _per_core(phase.computed[result], cores, tiles, t)
            if any(lo < hi for lo, hi in rows):
                ins = [buffer(v, stage) for v in op.operands]
                body.append(located([schedule.ComputeOp(result, rows, ins, buffer(result, stage))], [op])[0])
        for value, per_slice in phase.stored.items():
            rows = _per_core(per_slice, cores, tiles, t)
            if any(lo < hi for lo, hi in rows):
                body.append(located([schedule.StoreOp(value, rows, buffer(value, stage))], [value_location(value)])[0])
        ops.append(located([schedule.TileOp(t, stage, body)], phase.ops)[0])
    return ops


def schedule_kernel(kernel: accel.KernelOp, target: Accelerator) -> None:
    """Append the `schedule.program` of the built-in choice to the kernel's body (before its yield)."""
    block = kernel.body.block
    ops = [op for op in block.ops if isinstance(op, graph.GraphOp)]
    phases = choose_phases(ops, kernel.core_count, cost_model(target))
    program = emit_program(phases, kernel.core_count, target)
    located([program, *(o for o in program.walk() if isinstance(o, schedule.BarrierOp))], [kernel])
    last = block.last_op
    assert last is not None
    block.insert_op_before(program, last)


@dataclass(frozen=True)
class AccelSchedulePass(ModulePass):
    """Lower every accel.kernel to an explicit schedule: on-chip buffers, DMA, per-slice compute, tiles, barriers."""

    name = "accel-schedule"

    target: str = ""
    """A preset name or .toml file; empty: the module's accel.target."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = module_target(op, self.target)
        for kernel in [k for k in op.walk() if isinstance(k, accel.KernelOp)]:
            if schedule.program_of(kernel) is None:
                schedule_kernel(kernel, target)
