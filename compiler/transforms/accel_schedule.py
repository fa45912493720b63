"""accel-schedule: make each `accel.kernel`'s schedule explicit as a `schedule.program`.

The cost model decides (`dlfc.hw.cost.KernelCost` of the kernel on its
cores); this pass writes its decision down as buffers, DMA and per-slice
compute (the `schedule` dialect, see `dlfc/dialects/schedule.py`), and decides
nothing the cost model decides:

- A kernel of one op, or one whose intermediates the cost model spills, runs
  op by op from DRAM to DRAM (`schedule.compute_whole`, barriers between them):
  the cost model's op that streams its operands while it computes.
- Otherwise the ops form row phases: runs of ops `row_sliceable` accepts, and
  in a kernel of one tile also reshapes and transposes (`layout_sliceable`,
  their rects following the ops around them: `RowPhase._layout_shares`); any
  other op is a whole phase through DRAM, after a barrier unless the cost
  model splits it along the axis of the ops whose results it reads. A row phase runs
  the cost model's tile loop: `KernelCost.tiles` depth-first row tiles (1 when
  the intermediates fit whole), each op computing per tile the rows its
  consumers in the phase need (halos recomputed between tiles, as the cost
  model's "recompute" mode) plus the rows it owns of a result that leaves the
  phase. Where the cost model caches the halos, each core walks its own band
  of rows instead, keeping in line buffers the rows the next tile reads again
  (`line_rows`). Within a tile every op splits its rows evenly across the kernel's
  cores, or its channels (in whole vectors) where the cost model splits it by
  channels (`KernelCost.axes`, `channel_split`; a matmul of rank 4 split by
  batch splits its heads, the channel axis, one by one: `head_split`); a core that needs part of an
  intermediate other cores computed (a convolution's halo, or every channel
  of its rows after ops split along another axis) gets it by
  `schedule.exchange` over the links, as the cost model's halo exchange and
  redistribution; a re-partition waits at a barrier first, as the cost model
  charges. Each op streams each core's rows in up to
  `CHUNKS` chunks (fewer for a window whose halo each chunk re-reads:
  `chunk_count`; its inputs loaded and its results stored chunk by chunk,
  double buffered, into and from the same buffers; its result appended chunk
  by chunk to the buffer its consumers read): the cost model's overlap of an
  op's DRAM traffic with its compute.
- Tensors an op reads whole (weights, broadcast operands) are loaded once
  before the tile loop, or before the op in every tile when the cost model
  says the weights are streamed (`KernelCost.weights`); each core loads only
  the filters of a weight its slices of a channel-split convolution or dense
  layer read (`filters`, 1/c of the weight as the cost model counts it).
- Buffers are laid out per phase from offset 0, aligned to `ALIGN` bytes, in
  the core's activation memory and weight buffer taken as one
  (`onchip_kib + weight_buffer_kib`); buffers whose lives (in ops of a tile)
  do not meet share memory. A row phase whose buffers do not fit takes more
  tiles (at most `MAX_TILES`); if none fits it is split, and an op that fits
  in no phase alone runs whole.

The kernel's graph ops stay in its body: they are the semantics and the types
the program's ops refer to. Each program op has the location of what it
moves or computes (a tile: its phase's ops; the program and its barriers: the
kernel's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from dlfc.compiler.utils.latency import module_target
from dlfc.compiler.utils.locations import located
from dlfc.compiler.utils.outlining import value_location
from dlfc.dialects import accel, graph, schedule
from dlfc.dialects.schedule import (
    NOTHING,
    Rect,
    Rows,
    channel_count,
    channel_sliceable,
    hull,
    inside,
    is_empty,
    layout_image,
    layout_sliceable,
    meet,
    operand_channels,
    operand_filters,
    operand_rect,
    operand_rows,
    rect,
    rect_bytes,
    row_count,
    row_sliceable,
    whole,
)
from dlfc.hw.cost import KernelCost, cost_model, kernel_cost
from dlfc.hw.target import Accelerator

ALIGN = 64
"""Byte alignment of every buffer (a DMA burst)."""
CHUNKS = 4
"""Each core streams its rows of an op in up to this many chunks per tile."""

MAX_TILES = 256
"""The most tiles a row phase takes (the examples' kernels take at most 112): a phase that needs more is
split, and an op that fits in no phase alone runs whole, so a program has at most MAX_TILES tiles per phase
whatever the tensors' heights."""

EMPTY: Rows = (0, 0)


def _hull(a: Rows | None, b: Rows) -> Rows:
    if b[0] >= b[1]:
        return a if a is not None else EMPTY
    if a is None or a[0] >= a[1]:
        return b
    return min(a[0], b[0]), max(a[1], b[1])


def split(rows: Rows, parts: int) -> list[Rows]:
    """`rows` in `parts` contiguous pieces as even as possible (empty pieces when there are fewer rows)."""
    lo, hi = rows
    n = max(hi - lo, 0)
    pieces = [(lo + p * n // parts, lo + (p + 1) * n // parts) for p in range(parts)]
    return [(a, b) if a < b else EMPTY for a, b in pieces]


def chunks(rows: Rows, count: int) -> list[Rows]:
    """`rows` in `count` chunks of ceil(rows / count) rows, the empty ones last."""
    lo, hi = rows
    n = max(hi - lo, 0)
    size = -(-n // count) if n else 0
    return [(lo + min(n, s * size), lo + min(n, (s + 1) * size)) if s * size < n else EMPTY for s in range(count)]


def chunk_count(op: graph.GraphOp, rows: int) -> int:
    """Chunks of `rows` output rows of an op that loads its input chunk by chunk: at most `CHUNKS`.

    Each chunk of a convolution or pooling loads its input window, halo
    included, so n chunks re-read (n - 1) * overlap input rows, overlap =
    (kernel - 1) * dilation + 1 - stride. The count keeps that re-read within
    half the output rows (a 3x3 convolution: one chunk up to 3 rows, two up
    to 7, three up to 11): a core's rows of a tile are read about once, as
    the cost model reads them, instead of three times for chunks of one row.
    (Half, not less: fewer chunks overlap less DMA with compute; on VGG-16,
    U-Net and ResNet-18 a quarter fits the cost model worse.)
    """
    window = schedule.window_of(op)
    overlap = 0 if window is None else (window[0] - 1) * window[2] + 1 - window[1]
    if overlap <= 0:
        return CHUNKS
    return min(CHUNKS, 1 + rows // (2 * overlap))


def _at(op: Operation, *sources: Operation | SSAValue) -> Operation:
    """`op` with the fused location of `sources` (a value: the op or block argument defining it)."""
    return located([op], [value_location(s) if isinstance(s, SSAValue) else s for s in sources])[0]


def _aligned(size: int) -> int:
    return max(ALIGN, -(-size // ALIGN) * ALIGN)


def _escapes(value: SSAValue, members: set[Operation]) -> bool:
    return any(use.operation not in members for use in value.uses if not _is_schedule(use.operation))


def _is_schedule(op: Operation) -> bool:
    return op.name.startswith("schedule.")


@dataclass
class TileRows:
    """The rows of a row phase per tile (index t): what each op computes, stores, and reads from outside."""

    ops: list[graph.GraphOp]
    tiles: int
    computed: dict[SSAValue, list[Rows]] = field(default_factory=dict)
    stored: dict[SSAValue, list[Rows]] = field(default_factory=dict)
    """Per result that leaves the phase: the rows each tile owns and stores."""
    loaded: dict[SSAValue, list[Rows]] = field(default_factory=dict)
    """Per tensor from outside the phase read by slices: the rows each tile reads."""
    resident: list[SSAValue] = field(default_factory=list)
    """Tensors from outside the phase read whole (weights, broadcast operands)."""


def tile_rows(ops: Sequence[graph.GraphOp], tiles: int) -> TileRows | None:
    """The rows of a row phase of `ops` in `tiles` depth-first tiles, back from the rows each tile owns.

    None when the ops cannot be one phase: an op reads whole a tensor the phase computes.
    """
    members = set(ops)
    phase = TileRows(list(ops), tiles)
    needs: dict[SSAValue, list[Rows | None]] = {}
    whole: set[SSAValue] = set()
    for op in reversed(ops):
        (result,) = op.results
        rows = needs.get(result, [None] * tiles)
        if _escapes(result, members):
            owned = split((0, row_count(result.type)), tiles)
            phase.stored[result] = owned
            rows = [_hull(r, o) for r, o in zip(rows, owned, strict=True)]
        computed = [r if r is not None else EMPTY for r in rows]
        phase.computed[result] = computed
        for i, operand in enumerate(op.operands):
            if operand in whole:
                continue
            per_tile = needs.setdefault(operand, [None] * tiles)
            for t, (lo, hi) in enumerate(computed):
                if lo < hi:
                    need = operand_rows(op, i, lo, hi)
                    if need is None and i == 1 and schedule.batched(op) and operand.owner in members:
                        need = (0, row_count(operand.type))  # every row, of the heads `operand_rect` names
                    if need is None:
                        whole.add(operand)
                        break
                    per_tile[t] = _hull(per_tile[t], need)
            if operand in whole:
                needs.pop(operand, None)
                if isinstance(operand.owner, Operation) and operand.owner in members:
                    return None
    for value, per_tile in needs.items():
        if not (isinstance(value.owner, Operation) and value.owner in members):
            phase.loaded[value] = [r if r is not None else EMPTY for r in per_tile]
    phase.resident = sorted(whole, key=lambda v: _order_key(v, ops))
    return phase


@dataclass
class LineRows:
    """The rows of a row phase whose halos are cached: each core walks its own band of rows tile by tile.

    Per result and per tile t and core c: `new[r][t][c]`, the rows the core
    computes (each row once: what its line buffer does not hold yet),
    `keep_from[r][t][c]`, the first row it keeps of what its buffer held before
    (None: it keeps nothing) and `held[r][t][c]`, the rows its buffer holds
    after the tile. `bands[r][c]`: the rows of a result leaving the phase that
    core c stores.
    """

    new: dict[SSAValue, list[list[Rows]]] = field(default_factory=dict)
    keep_from: dict[SSAValue, list[list[int | None]]] = field(default_factory=dict)
    held: dict[SSAValue, list[list[Rows]]] = field(default_factory=dict)
    bands: dict[SSAValue, list[Rows]] = field(default_factory=dict)


def line_rows(ops: Sequence[graph.GraphOp], tiles: int, cores: int) -> LineRows:
    """The rows of a row phase of `ops` in core-major tiles with cached halos (the cost model's "cache" mode).

    Every result leaving the phase is split into one contiguous band per core
    (`split`), and each band into `tiles` tiles. In tile t, core c computes
    what its consumers in the phase need for their rows of the tile (back from
    the bands, as `tile_rows`), less the rows its buffer already holds from
    tile t - 1: the halo rows a window reads again stay in the core's buffer
    (a line buffer), so every row is computed once per core; only at the
    start of its band does a core compute its neighbour's halo rows itself.
    """
    members = set(ops)
    lines = LineRows()
    for op in ops:
        (result,) = op.results
        lines.new[result] = [[EMPTY] * cores for _ in range(tiles)]
        lines.keep_from[result] = [[None] * cores for _ in range(tiles)]
        lines.held[result] = [[EMPTY] * cores for _ in range(tiles)]
        if _escapes(result, members):
            lines.bands[result] = split((0, row_count(result.type)), cores)
    for c in range(cores):
        owned = {r: split(bands[c], tiles) for r, bands in lines.bands.items()}
        content: dict[SSAValue, Rows] = {}
        for t in range(tiles):
            needs: dict[SSAValue, Rows] = {}
            for op in reversed(ops):
                (result,) = op.results
                need = needs.get(result, EMPTY)
                if result in owned:
                    need = _hull(need, owned[result][t])
                before = content.get(result, EMPTY)
                new, keep = need, None
                if need[0] < need[1] and before[0] <= need[0] < before[1]:  # continues what the buffer holds
                    new, keep = (before[1], max(before[1], need[1])), need[0]
                if new[0] < new[1]:
                    content[result] = (keep, new[1]) if keep is not None else new
                lines.new[result][t][c] = new if new[0] < new[1] else EMPTY
                lines.keep_from[result][t][c] = keep if new[0] < new[1] else None
                lines.held[result][t][c] = content.get(result, EMPTY)
                if new[0] >= new[1]:
                    continue
                for i, operand in enumerate(op.operands):
                    rows = operand_rows(op, i, *new)
                    if rows is not None and isinstance(operand.owner, Operation) and operand.owner in members:
                        needs[operand] = _hull(needs.get(operand), rows)
    return lines


def _order_key(value: SSAValue, ops: Sequence[graph.GraphOp]) -> tuple[int, int]:
    """First use of `value` among `ops`, then its operand index: a deterministic order for resident tensors."""
    for k, op in enumerate(ops):
        for i, operand in enumerate(op.operands):
            if operand is value:
                return k, i
    return len(ops), 0


@dataclass
class _Buffer:
    """A buffer of a row phase: its bytes, how many copies (2: double buffered) and the ops of a tile it lives over."""

    size: int
    copies: int
    first: int
    last: int
    ops: list[schedule.BufferOp] = field(default_factory=list)
    uses: int = 0

    def next(self) -> SSAValue:
        """The copy the next chunk uses (copies alternate)."""
        buffer = self.ops[self.uses % len(self.ops)].buffer
        self.uses += 1
        return buffer


class RowPhase:
    """The program of one row phase (see the module docstring); `footprint` is its bytes of on-chip memory.

    `by_channels`: the results of the ops whose cores split their channels
    (`channel_shares`) rather than their rows, in whole vectors of
    `vector_width` channels, or one by one for those in `by_heads` (a batch
    axis: the heads of an attention product). `cached`: the cost model caches
    the halos; the phase then walks each core's band of rows with line buffers
    (`line_rows`), unless some op of it splits its channels (those need every
    core's rows of a tile at once), when it recomputes them. A
    `layout_sliceable` op (reshape, transpose) takes the rects its producer's
    split maps to (`layout_image`) or, reading a tensor from outside the
    phase, those its consumers read (`layout_rect`), so that a chain of them
    moves no data between cores (`_layout_shares`).
    """

    def __init__(
        self,
        rows: TileRows,
        cores: int,
        streamed: bool,
        element_bytes: int,
        by_channels: frozenset[SSAValue] = frozenset(),
        vector_width: int = 1,
        cached: bool = False,
        by_heads: frozenset[SSAValue] = frozenset(),
    ):
        self.rows = rows
        self.cores = cores
        self.by_channels = by_channels
        self.streamed = streamed
        self.element_bytes = element_bytes
        ops = rows.ops
        self.index = {op.results[0]: k for k, op in enumerate(ops)}
        readers: dict[SSAValue, list[int]] = {}
        for k, op in enumerate(ops):
            for operand in dict.fromkeys(op.operands):
                readers.setdefault(operand, []).append(k)
        self.readers = readers
        # every op's rect per tile and core
        self.shares: dict[SSAValue, list[list[Rect]]] = {}
        self.lines: LineRows | None = None
        if cached and cores * rows.tiles > 1 and not any(r in by_channels for r in rows.computed):
            self.lines = line_rows(ops, rows.tiles, cores)
        for r in rows.computed:
            if self.lines is not None:
                full = (0, channel_count(r.type))
                self.shares[r] = [[rect(p, full) for p in self.lines.new[r][t]] for t in range(rows.tiles)]
            elif r in by_channels:
                channels = channel_shares(channel_count(r.type), cores, 1 if r in by_heads else vector_width)
                self.shares[r] = [[rect(rows.computed[r][t], c) for c in channels] for t in range(rows.tiles)]
            else:
                full = (0, channel_count(r.type))
                self.shares[r] = [[rect(p, full) for p in split(rows.computed[r][t], cores)] for t in range(rows.tiles)]
        self._layout_shares(by_channels)
        self.buffers: dict[SSAValue, _Buffer] = {}
        n = len(ops)
        self.filters = {value: self._weight_filters(value) for value in rows.resident}
        for value in rows.resident:
            first, last = (min(readers[value]), max(readers[value])) if streamed else (-1, n)
            filters = self.filters[value]
            size = max(
                rect_bytes(value.type, whole(value.type), element_bytes, f) for f in filters or [None]
            )  # fmt: skip
            self.buffers[value] = _Buffer(size, 1, first, last)
        self.tile_inputs = {v for v in rows.loaded if len(readers[v]) > 1}
        for value in rows.loaded:
            k = readers[value][0]
            if value in self.tile_inputs:
                size = max(self._bytes(value, self._input_rect(value, t, c))
                           for t in range(rows.tiles) for c in range(cores))  # fmt: skip
                self.buffers[value] = _Buffer(size, 1, k, max(readers[value]))
            else:
                op = ops[k]
                size = max(self._bytes(value, self._need(op, value, chunk)) for chunk in self._chunks(op.results[0]))
                self.buffers[value] = _Buffer(size, 2, k - 1, k)
        if self.lines is None:
            self.contents = self._plan_exchanges()
        else:  # each core computes what its own consumers read: nothing to exchange
            self.exchanges = {}
            self.contents = {
                r: [rect(h, (0, channel_count(r.type))) for per_core in held for h in per_core]
                for r, held in self.lines.held.items()
                if r in readers
            }
        for k, op in enumerate(ops):
            (result,) = op.results
            if result in readers:  # consumed in the phase: one buffer its chunks append to
                size = max(self._bytes(result, r) for r in self.contents[result])
                first, last = k, max(readers[result])
                if self.lines is not None and any(k is not None for t in self.lines.keep_from[result] for k in t):
                    first, last = -1, n  # a line buffer: its rows stay from one tile to the next
                self.buffers[result] = _Buffer(size, 1, first, last)
            else:
                size = max(self._bytes(result, c) for c in self._chunks(result))
                self.buffers[result] = _Buffer(size, 2, k, k)
        self.footprint = self._allocate()

    def _owned(self, result: SSAValue, t: int, core: int) -> Rows:
        """The rows of a result leaving the phase that `core` stores in tile `t` (of those it computes there)."""
        if self.lines is not None:
            return self.lines.bands[result][core]  # each row of its band computed once, in some tile
        return self.rows.stored[result][t]

    def _layout_shares(self, by_channels: frozenset[SSAValue]) -> None:
        """The rects of the layout ops (`layout_sliceable`): forward from a producer in the phase, through
        `layout_image`; else back from their consumers in the phase, through `operand_rect`; else by rows.
        An elementwise op not split by channels takes the rects of an operand of its type whose rects a
        layout op's mapping gave (the cost model's elementwise op follows its producer's partition)."""
        ops = self.rows.ops
        derived: set[SSAValue] = set()
        for op in ops:
            (result,) = op.results
            if isinstance(op, graph.UnaryOp | graph.BinaryOp) and result not in by_channels:
                leader = next((v for v in op.operands if v in derived and v.type == result.type), None)
                if leader is not None:
                    self.shares[result] = self._within(result, self.shares[leader])
                    derived.add(result)
                continue
            operand = op.operands[0] if op.operands else None
            if operand is None or not layout_sliceable(op) or operand not in self.shares or operand.owner not in ops:
                continue
            if layout_sliceable(operand.owner) and operand not in derived:
                continue
            images = [[layout_image(op, share) if not is_empty(share) else NOTHING for share in per_core]
                      for per_core in self.shares[operand]]  # fmt: skip
            if all(i is not None for per_core in images for i in per_core):
                self.shares[result] = self._within(result, images)  # type: ignore[arg-type]
                derived.add(result)
        for k in range(len(ops) - 1, -1, -1):
            op = ops[k]
            (result,) = op.results
            if not layout_sliceable(op) or result in derived or result not in self.readers:
                continue
            needs = [[NOTHING] * self.cores for _ in range(self.rows.tiles)]
            for j in self.readers[result]:
                reader = ops[j]
                for t, per_core in enumerate(self.shares[reader.results[0]]):
                    for c, share in enumerate(per_core):
                        needs[t][c] = hull(needs[t][c], self._need(reader, result, share))
            if any(not is_empty(r) for per_core in needs for r in per_core):
                self.shares[result] = self._within(result, needs)
                derived.add(result)

    def _within(self, result: SSAValue, shares: list[list[Rect]]) -> list[list[Rect]]:
        """Per tile and core, `shares` cut to the rows the tile computes."""
        return [
            [meet(share, rect(self.rows.computed[result][t], (0, channel_count(result.type)))) for share in per_core]
            for t, per_core in enumerate(shares)
        ]

    def _bytes(self, value: SSAValue, r: Rect) -> int:
        return rect_bytes(value.type, r, self.element_bytes)

    def _chunks(self, result: SSAValue) -> list[Rect]:
        return [c for per_core in self.shares[result] for share in per_core for c in self._chunked(result, share)]

    def _chunked(self, result: SSAValue, share: Rect) -> list[Rect]:
        """A core's rect of an op in a tile, in chunks of rows (`chunk_count`)."""
        if is_empty(share):
            return []
        op = self.rows.ops[self.index[result]]
        if layout_sliceable(op):  # a chunk of rows of its share may be no rect of its operand
            return [share]
        streamed = any(v in self.rows.loaded and v not in self.tile_inputs for v in op.operands)
        count = chunk_count(op, share[1] - share[0]) if streamed else CHUNKS
        return [rect(c, share[2:]) for c in chunks(share[:2], count) if c[0] < c[1]]

    @staticmethod
    def _need(op: graph.GraphOp, value: SSAValue, share: Rect) -> Rect:
        """The rect of `value` that rect `share` of op's result reads (the hull over the operands that are `value`)."""
        need = NOTHING
        if not is_empty(share):
            for i, operand in enumerate(op.operands):
                if operand is value:
                    need = hull(need, operand_rect(op, i, share))
        return need

    def _input_rect(self, value: SSAValue, t: int, core: int) -> Rect:
        """The rect of an input read by several ops that core `core` loads in tile `t`: the hull of their needs.

        Where one of them gathers it (a convolution or dense layer split by channels reads every channel of
        the tile's rows on every core), the hull over all the cores that take part: the same rect on each,
        one DRAM read multicast to all of them, as the cost model multicasts a gathered operand.
        """
        need = NOTHING
        shares = [self.shares[self.rows.ops[k].results[0]][t] for k in self.readers[value]]
        if not any(not is_empty(per_core[core]) for per_core in shares):
            return NOTHING
        gathered = any(self._gathers(self.rows.ops[k], value) for k in self.readers[value])
        for k, per_core in zip(self.readers[value], shares, strict=True):
            for share in per_core if gathered else [per_core[core]]:
                need = hull(need, self._need(self.rows.ops[k], value, share))
        return need

    def _gathers(self, op: graph.GraphOp, value: SSAValue) -> bool:
        """Does `op`, split by channels, read every channel of `value` on every core?"""
        if op.results[0] not in self.by_channels:
            return False
        return any(
            operand is value and operand_rows(op, i, 0, 1) is not None and operand_channels(op, i, 0, 1) is None
            for i, operand in enumerate(op.operands)
        )

    def _plan_exchanges(self) -> dict[SSAValue, list[Rect]]:
        """Every content of every intermediate's buffer (per tile and core, after each exchange), and the exchanges.

        `self.exchanges[(t, k)]`: the exchanges before op k in tile t, as (value, rect per core, repartition).
        A core whose buffer lacks part of what op k reads gets the hull of both
        when both have the same channels (a halo), else just what op k reads
        (a repartition: rows split into channels or back, or channels gathered).
        """
        contents: dict[SSAValue, list[Rect]] = {}
        self.exchanges: dict[tuple[int, int], list[tuple[SSAValue, list[Rect], bool]]] = {}
        for t in range(self.rows.tiles):
            held = {r: list(self.shares[r][t]) for r in self.rows.computed if r in self.readers}
            for r, per_core in held.items():
                contents.setdefault(r, []).extend(per_core)
            for k, op in enumerate(self.rows.ops):
                for value in dict.fromkeys(op.operands):
                    if value not in held:
                        continue
                    needs = [self._need(op, value, share) for share in self.shares[op.results[0]][t]]
                    if all(inside(need, have) for need, have in zip(needs, held[value], strict=True)):
                        continue
                    rects = [
                        NOTHING if inside(need, have) else hull(have, need) if need[2:] == have[2:] else need
                        for need, have in zip(needs, held[value], strict=True)
                    ]
                    repartition = any(
                        not is_empty(r) and r[2:] != h[2:] for r, h in zip(rects, held[value], strict=True)
                    )
                    self.exchanges.setdefault((t, k), []).append((value, rects, repartition))
                    held[value] = [r if not is_empty(r) else h for r, h in zip(rects, held[value], strict=True)]
                    contents[value].extend(held[value])
        return contents

    def _allocate(self) -> int:
        """Offsets for every copy of every buffer (first fit among buffers whose lives meet); the end of the last."""
        placed: list[tuple[int, int, int, int]] = []  # (offset, end, first, last)
        end = 0
        order = sorted(self.buffers.items(), key=lambda item: (item[1].first, -item[1].last))
        for value, buffer in order:
            size = _aligned(buffer.size)
            for _ in range(buffer.copies):
                offset, moved = 0, True
                while moved:  # the lowest offset clear of every buffer alive at the same time
                    moved = False
                    for other, other_end, first, last in placed:
                        if (
                            first <= buffer.last
                            and buffer.first <= last
                            and other < offset + size
                            and offset < other_end
                        ):
                            offset, moved = other_end, True
                placed.append((offset, offset + size, buffer.first, buffer.last))
                buffer.ops.append(_at(schedule.BufferOp(offset, size), value))  # type: ignore[arg-type]
                end = max(end, offset + size)
        return end

    # ------------------------------------------------------------------ emission

    def emit(self) -> list[Operation]:
        rows = self.rows
        ops: list[Operation] = [b for buffer in self.buffers.values() for b in buffer.ops]
        if not self.streamed:
            ops += [self._load_whole(value) for value in rows.resident]
        for t in range(rows.tiles):
            body: list[Operation] = []
            for k, op in enumerate(rows.ops):
                body += self._emit_op(t, k, op)
            if body:
                ops.append(located([schedule.TileOp(t, t % 2, body)], rows.ops)[0])
        return ops

    def _weight_filters(self, value: SSAValue) -> list[Rows] | None:
        """Per core, the output channels of a weight read whole that its readers' slices read
        (`operand_filters`: the cores of a convolution or dense layer split by channels need only theirs);
        None when some slice reads all of them."""
        per_core = [EMPTY] * self.cores
        for k in self.readers[value]:
            op = self.rows.ops[k]
            for i, operand in enumerate(op.operands):
                if operand is not value:
                    continue
                for per_tile in self.shares[op.results[0]]:
                    for c, share in enumerate(per_tile):
                        if not is_empty(share):
                            filters = operand_filters(op, i, share)
                            if filters is None:
                                return None
                            per_core[c] = _hull(per_core[c], filters)
        return per_core

    def _load_whole(self, value: SSAValue) -> schedule.LoadOp:
        readers = [self.rows.ops[k].results[0] for k in self.readers[value]]
        busy = [any(not is_empty(self.shares[r][t][c]) for r in readers for t in range(self.rows.tiles))
                for c in range(self.cores)]  # fmt: skip
        full = whole(value.type)
        filters = self.filters[value]
        rects = [full if b and (filters is None or filters[c][0] < filters[c][1]) else NOTHING
                 for c, b in enumerate(busy)]  # fmt: skip
        load = schedule.LoadOp.of(value, rects, self.buffers[value].ops[0].buffer, filters)
        return _at(load, value)  # type: ignore[return-value]

    def _emit_op(self, t: int, k: int, op: graph.GraphOp) -> list[Operation]:
        (result,) = op.results
        shares = self.shares[result][t]
        body: list[Operation] = []
        for value in dict.fromkeys(op.operands):
            if self.streamed and value in self.rows.resident and self.readers[value][0] == k:
                body.append(self._load_whole(value))
            if value in self.tile_inputs and self.readers[value][0] == k:
                per_core = [self._input_rect(value, t, c) for c in range(self.cores)]
                if not all(is_empty(r) for r in per_core):
                    load = schedule.LoadOp.of(value, per_core, self.buffers[value].ops[0].buffer)
                    body.append(_at(load, value))
        if all(is_empty(r) for r in shares):
            return body
        for value, per_core, repartition in self.exchanges.get((t, k), []):
            if repartition:  # every core's part must be there: the cost model's barrier of a repartition
                body.append(_at(schedule.BarrierOp(), value))
            body.append(_at(schedule.ExchangeOp.of(value, per_core, self.buffers[value].ops[0].buffer), value))
        per_core_chunks = [self._chunked(result, share) for share in shares]
        out = self.buffers[result]
        appends = result in self.readers
        stored = self.rows.stored.get(result)
        for s in range(max(len(c) for c in per_core_chunks)):
            rects = [c[s] if s < len(c) else NOTHING for c in per_core_chunks]
            ins: dict[SSAValue, SSAValue] = {}
            for value in dict.fromkeys(op.operands):
                buffer = self.buffers[value]
                if value in self.rows.loaded and value not in self.tile_inputs:
                    need = [self._need(op, value, chunk) for chunk in rects]
                    ins[value] = buffer.next()
                    if not all(is_empty(r) for r in need):
                        body.append(_at(schedule.LoadOp.of(value, need, ins[value]), value))
                else:
                    ins[value] = buffer.ops[0].buffer
            target = out.ops[0].buffer if appends else out.next()
            append, keep_from = appends and s > 0, None
            if appends and s == 0 and self.lines is not None:
                kept = self.lines.keep_from[result][t]
                if any(k is not None for k in kept):  # a line buffer: each core keeps its rows from its `from` on
                    append = True
                    keep_from = [k if k is not None else r[0] for k, r in zip(kept, rects, strict=True)]
            compute = schedule.ComputeOp.of(result, rects, [ins[v] for v in op.operands], target, append, keep_from)
            body.append(_at(compute, op))
            if stored is not None:
                owned = [
                    meet(chunk, rect(self._owned(result, t, c), chunk[2:])) if not is_empty(chunk) else NOTHING
                    for c, chunk in enumerate(rects)
                ]
                if not all(is_empty(r) for r in owned):
                    body.append(_at(schedule.StoreOp.of(result, owned, target), result))
        return body


def channel_shares(channels: int, cores: int, vector_width: int) -> list[Rows]:
    """Channels [0, channels) split across cores in whole vectors of `vector_width` (the cost model's
    ceil(ceil(C / V) / c) vectors per core); empty pieces for the cores left over."""
    units = -(-channels // vector_width)
    return [
        (lo * vector_width, min(channels, hi * vector_width)) if lo < hi else EMPTY
        for lo, hi in split((0, units), cores)
    ]


def row_phases(
    ops: Sequence[graph.GraphOp],
    cores: int,
    tiles: int,
    streamed: bool,
    target: Accelerator,
    by_channels: frozenset[SSAValue] = frozenset(),
    cached: bool = False,
    by_heads: frozenset[SSAValue] = frozenset(),
) -> list[RowPhase | graph.GraphOp]:
    """Row phases of a run of sliceable ops in the cost model's tiling (more tiles, or split, where it does not fit),
    with line buffers where `cached` (the cost model caches the halos)."""
    capacity = target.onchip_bytes + target.weight_buffer_bytes
    phases: list[RowPhase | graph.GraphOp] = []
    group: list[graph.GraphOp] = []
    groups: list[list[graph.GraphOp]] = []
    for op in ops:  # a phase cannot read whole a tensor it computes
        if group and tile_rows([*group, op], 1) is None:
            groups.append(group)
            group = []
        group.append(op)
    if group:
        groups.append(group)
    pending = list(reversed(groups))
    while pending:
        group = pending.pop()
        most = min(MAX_TILES, max(row_count(op.results[0].type) for op in group))
        phase = None
        count = min(tiles, most)
        while phase is None:
            layout = tile_rows(group, count)
            assert layout is not None
            # past the cost model's tile count, weights it streams stay resident if they fit so: every
            # further tile would read them again
            for stream in (False, True) if streamed and count > tiles else (streamed,):
                candidate = RowPhase(
                    layout, cores, stream, target.element_bytes, by_channels, target.vector_width, cached, by_heads
                )
                if candidate.footprint <= capacity:
                    phase = candidate
                    break
            if phase is None and count >= most:
                break
            if phase is None:
                count = min(most, count * 2)
        if phase is not None:
            phases.append(phase)
        elif len(group) == 1:
            phases.append(group[0])
        else:
            half = len(group) // 2
            pending += [group[half:], group[:half]]
    return phases


def plan_phases(
    ops: Sequence[graph.GraphOp],
    cores: int,
    cost: KernelCost,
    target: Accelerator,
    by_channels: frozenset[SSAValue] = frozenset(),
    by_heads: frozenset[SSAValue] = frozenset(),
) -> list:
    """The phases of a kernel's compute ops under the cost model's decision `cost` (see the module docstring);
    the ops whose results are in `by_channels` split their channels across the cores (one by one for those
    in `by_heads`), and in a kernel of one tile the layout ops (`layout_sliceable`) join the row phases."""
    if len(ops) <= 1 or cost.intermediates == "spilled":
        return list(ops)
    tiles = cost.tiles if cost.intermediates == "tiled" else 1
    streamed = cost.weights == "streamed"
    cached = cost.halo == "cache"
    phases: list[RowPhase | graph.GraphOp] = []
    run: list[graph.GraphOp] = []
    for op in [*ops, None]:
        if op is not None and (row_sliceable(op) or (tiles == 1 and layout_sliceable(op))):
            run.append(op)
            continue
        if run:
            phases += row_phases(run, cores, tiles, streamed, target, by_channels, cached, by_heads)
            run = []
        if op is not None:
            phases.append(op)
    return phases


def emit_program(
    phases: Sequence[RowPhase | graph.GraphOp],
    target: Accelerator,
    axes: Mapping[Operation, str] | None = None,
) -> schedule.ProgramOp:
    """The `schedule.program` of a kernel's phases.

    A barrier precedes a phase that reads a tensor an earlier phase wrote to
    DRAM since the last barrier (every core's rows must be there); a view run
    whole renames a tensor in DRAM, so it needs none, and its result is as
    recent as its operand. With `axes` (each op's partition axis in the cost
    model's layout, `KernelCost.axes`), an op run whole that reads only
    results of ops (run whole or in a row phase) on its own axis needs no
    barrier either, as the cost model charges none where a consumer keeps its
    producer's partition: each core's part waits only for the parts it reads
    (the simulator's DRAM dependencies).
    """
    ops: list[Operation] = []
    recent: set[SSAValue] = set()  # written to DRAM since the last barrier
    axis_of: dict[SSAValue, str] = {}  # the split axis of each result of an op run whole
    for phase in phases:
        members = phase.rows.ops if isinstance(phase, RowPhase) else [phase]
        results = {r for op in members for r in op.results}
        reads = {v for op in members for v in op.operands if v not in results}
        view = not isinstance(phase, RowPhase) and phase.has_trait(graph.ReshapeLike)
        axis = axes.get(phase) if axes is not None and not isinstance(phase, RowPhase) and not view else None
        aligned = axis is not None and all(axis_of.get(v) == axis for v in reads & recent)
        if reads & recent and not view and not aligned:
            ops.append(schedule.BarrierOp())
            recent = set()
        if not view or reads & recent:
            recent |= results
        if axis is not None:
            axis_of.update(dict.fromkeys(phase.results, axis))
        if isinstance(phase, RowPhase) and axes is not None:
            axis_of.update({op.results[0]: axes[op] for op in phase.rows.ops if op in axes})
        if isinstance(phase, RowPhase):
            ops += phase.emit()
        else:
            ops.append(_at(schedule.ComputeWholeOp(phase.results[0]), phase))
    return schedule.ProgramOp(target.onchip_bytes + target.weight_buffer_bytes, target.element_bytes, ops)


def channel_split(kernel: accel.KernelOp, cost: KernelCost, target: Accelerator) -> frozenset[SSAValue]:
    """The results of the kernel's ops that the cost model splits by channels (`KernelCost.axes`) and that a
    core can compute some channels of (`channel_sliceable`); none on one core."""
    return frozenset(r for r, axis in _split_axes(kernel, cost, target).items() if axis == "channels")


def head_split(kernel: accel.KernelOp, cost: KernelCost, target: Accelerator) -> frozenset[SSAValue]:
    """The results of rank 4 (batch 1) of the kernel's ops that the cost model splits by batch, which for
    such a tensor is its channel axis one by one (the heads of an attention product), and that a core can
    compute some channels of; none on one core."""
    return frozenset(
        r for r, axis in _split_axes(kernel, cost, target).items()
        if axis == "batch" and len(schedule.shape_of(r.type)) == 4 and schedule.shape_of(r.type)[0] == 1
    )  # fmt: skip


def _split_axes(kernel: accel.KernelOp, cost: KernelCost, target: Accelerator) -> dict[SSAValue, str]:
    """The cost model's axis of each `channel_sliceable` op's result (`KernelCost.axes`); none on one core.

    A batched matmul's "channels" are its output features, the last axis, which a slice cannot name (its
    channel axis is a batch axis): it is left out, and its rows are split.
    """
    if kernel.core_count == 1 or not cost.axes:
        return {}
    boundary = cost_model(target).boundary(kernel.body.block.ops)
    return {
        op.results[0]: axis
        for op, axis in zip(boundary.ops, cost.axes, strict=True)
        if channel_sliceable(op) and not (schedule.batched(op) and axis == "channels")
    }


def schedule_kernel(kernel: accel.KernelOp, target: Accelerator) -> None:
    """Append the `schedule.program` of the cost model's decision to the kernel's body (before its yield)."""
    block = kernel.body.block
    ops = [op for op in block.ops if isinstance(op, graph.GraphOp) and not graph.is_source(op)]
    cost = kernel_cost(kernel, target)
    heads = head_split(kernel, cost, target)
    phases = plan_phases(ops, kernel.core_count, cost, target, channel_split(kernel, cost, target) | heads, heads)
    axes = None
    if kernel.core_count > 1 and cost.axes:
        boundary = cost_model(target).boundary(block.ops)
        axes = dict(zip(boundary.ops, cost.axes, strict=True))
    program = emit_program(phases, target, axes)
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
