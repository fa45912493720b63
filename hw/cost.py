"""The cost model: how long one kernel (a set of graph ops) takes on `c` cores.

One function, `group_cost(ops, cores, target)`, answers for any set of graph
compute ops: ops still free in a function body (a candidate fusion group) or
the body of a `fusion.group` / `accel.kernel`. Both go through one boundary
analysis: the kernel's inputs are the operands produced outside the set (block
arguments or other ops), its weights the operands produced by `graph.weight` /
`graph.constant`, its outputs the results used outside the set (by another
op, a yield or func.return), and its intermediates the results the set
itself consumes.

The latency of a one-op kernel on c cores (docs/hardware-model.md derives each term):

    latency    = overhead + max(compute, memory)                  (roofline overlap)
    overhead   = launch + sync(c)
    compute    = sum over ops of  work * ceil(E / c) / E * halo / (core_peak * eff)
    memory     = dram_bytes / min(dram_bandwidth, c * core_dma_bandwidth)
    dram_bytes = inputs + outputs + weights  (+ spills | + weights re-read per tile)

where E is the op's extent along its partition axis, eff = C / (ceil(C/V) * V)
the efficiency of its vectorised channel size C, and halo = 1 unless the
kernel tiles. That is a single op; a kernel of several ops runs them one
after another in per-op phases (`CostModel.cost`), in the fastest of its
schedules: intermediates on chip whole, if the per-core working set fits in
`onchip_bytes`; in depth-first row tiles (any tile count and halo mode that
fits: halos recomputed or cached, weights re-read per tile when they overflow
the weight buffer); or spilled, every intermediate through DRAM (one write,
unless it is an output anyway, and one read per consuming op), possible at
any on-chip size. `KernelCost.intermediates` says which.

Per-op facts, including each op's untiled compute time on every legal core
count, are cached per target in a dict keyed by the op, so the fusion planner
and tuner can call `group_cost` thousands of times. A search that analyses
many subsets of one list of ops takes a `Dataflow` of the list once: it reads
the IR a single time, and the boundary of each subset is then a scan of integers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from typing import Literal

from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from dlfc.dialects import accel, fusion, graph, schedule
from dlfc.hw.target import Accelerator

Bound = Literal["compute", "memory", "overhead"]
Handling = Literal["on-chip", "tiled", "spilled"]
HaloMode = Literal["none", "recompute", "cache"]
Residency = Literal["resident", "streamed"]

_SCHEDULE = (schedule.SliceOp, schedule.ComputeWholeOp)
"""Ops of a `schedule.program`: they use a kernel's values without consuming them."""


@dataclass(frozen=True)
class OpFacts:
    """What the cost model knows about one graph op on one target; computed once per op.

    - `flops`: the op's FLOP count (`GraphOp.flops`).
    - `work`: FLOP-equivalents that occupy the cores: `flops`, or one move per
      output element for a data-movement op without FLOPs, or 0 for a view
      (an op with the `graph.ReshapeLike` trait).
    - `axis`, `extent`: the partition axis the op splits across cores (batch,
      rows, channels or elements) and its number of independent units.
    - `efficiency`: vector-lane utilisation of its channel size, C / (ceil(C/V) * V).
    - `rows`: output rows a tiled kernel splits (0: the op cannot be tiled).
    - `halo`, `stride`: its row window: r output rows read (r - 1) * stride + halo + 1
      input rows (halo = (kernel - 1) * dilation; 0 and 1 for a row-wise op).
    - `operand_bytes`, `result_bytes`: DRAM bytes of each operand and result
      (of a gathered operand, only the rows it gathers).
    - `times`: the op's untiled compute time on each of the target's legal core
      counts (`CostModel._op_time` with no halo).
    - `access_efficiency`: DRAM efficiency of its reads and writes when it is
      fused with a neighbour, min(1, contiguous run bytes / DMA burst) (1 unless it reorders data).
    - `gathers`: (axis, operand) pairs: split along that axis, each of its cores needs all of
      that operand (a contraction split along its outputs: a convolution over several input
      channels or a dense layer split by output channels needs every input element; a matmul
      split by rows needs all of its right operand).
    - `splits`: every (axis, extent, replicated operands) the op may split along: the operands
      each core taking part needs whole (`_replicated`: its gathered operands, and the weights
      of a convolution, dense layer or matmul split by batch or rows). The first is `axis`.
    - `choice`: per legal core count, the index in `splits` of the split it takes there: the
      one with the fastest op alone (`CostModel._split_time`); on a tie the one fastest with
      its operands on chip (compute and multicast), then the first.
    """

    flops: int
    work: int
    axis: str
    extent: int
    efficiency: float
    rows: int
    halo: int
    operand_bytes: tuple[int, ...]
    result_bytes: tuple[int, ...]
    times: tuple[float, ...] = ()
    stride: int = 1
    access_efficiency: float = 1.0
    gathers: tuple[tuple[str, int], ...] = ()
    splits: tuple[tuple[str, int, tuple[int, ...]], ...] = ()
    choice: tuple[int, ...] = ()

    def input_rows(self, rows: int) -> int:
        """Input rows that `rows` consecutive output rows read."""
        return (rows - 1) * self.stride + self.halo + 1


@dataclass(frozen=True)
class OpPhase:
    """One op's phase inside a kernel (seconds, summed over the kernel's tiles).

    `time = max(compute, memory - prefetched, multicast)`: its DRAM traffic
    overlaps its own compute (double buffering) and, up to `prefetched`, the
    previous op's compute; `multicast` is the time each core's link takes to
    receive the operands every core needs whole (`CostModel._multicast`).
    `rows`: output rows it computes per tile, halo included (0: untiled).
    """

    op: str
    compute: float
    memory: float
    prefetched: float
    time: float
    rows: int = 0
    multicast: float = 0.0


@dataclass(frozen=True)
class KernelCost:
    """The modelled cost of one kernel on `cores` cores (times in seconds).

    `latency = overhead + Σ phases + barriers + redistribution + tile_overhead`
    (`overhead`: launch and the kernel's synchronisation). `compute` and
    `memory` are the sums of the phases' compute and DRAM times and
    `overlap_lost = Σ phase times - max(compute, memory)` what a perfect
    overlap would have saved; `bound` names the largest of overhead, compute
    and memory. `dram_bytes` counts inputs, outputs, weights (each time they
    are read), halo re-reads and spills; `working_set` is the per-core bytes
    of the chosen schedule. `intermediates` says how the intermediates were
    handled ("on-chip", "tiled" in `tiles` tiles of `tile_rows` output rows
    with halos `halo`, or "spilled" to DRAM); `weights` whether the weights
    stayed in the weight buffer or were streamed again for every tile.
    `barriers`: cross-core barriers between dependent ops; `redistribution`:
    moving `redistributed_bytes` between cores (re-partitioning and halo
    exchange); `axes`: the partition axis of each op; `phases`: each op's phase.
    """

    cores: int
    latency: float
    compute: float
    memory: float
    overhead: float
    bound: Bound
    flops: int
    dram_bytes: int
    working_set: int
    intermediates: Handling
    tiles: int = 1
    tile_rows: int = 0
    halo: HaloMode = "none"
    weights: Residency = "resident"
    barriers: float = 0.0
    redistribution: float = 0.0
    redistributed_bytes: int = 0
    tile_overhead: float = 0.0
    overlap_lost: float = 0.0
    axes: tuple[str, ...] = ()
    phases: tuple[OpPhase, ...] = ()


@dataclass(frozen=True)
class Boundary:
    """The analysis of one set of ops that every core count shares (see the module docstring).

    `ops` in a topological order and `facts` theirs; `io_bytes`: inputs read
    plus outputs written; `weight_bytes`: weights read; `peak_live_bytes`: the
    most intermediate bytes alive at once when the ops run in that order;
    `spill_bytes`: extra traffic if every intermediate goes through DRAM;
    `tileable`: every op can be split by output rows; `flops`: their sum;
    `compute`: the untiled compute time on each legal core count, the sum
    over ops (in order) of their `OpFacts.times`.

    Per op (by position k in `ops`): `inputs[k]` the bytes of external inputs
    it is the first to read, `weights[k]` of the weights it is the first to
    read, `outputs[k]` of its results used outside the set, `spill_out[k]`
    the bytes it writes and `spill_in[k]` those it reads if intermediates
    spill. `edges`: (producer, consumer, bytes) per intermediate and
    consuming op; `intervals`: (producer, last consumer, bytes) per intermediate;
    `sources[k]`: per operand of op k, the position of the op producing it (-1: outside).
    """

    ops: tuple[graph.GraphOp, ...]
    facts: tuple[OpFacts, ...]
    io_bytes: int
    weight_bytes: int
    peak_live_bytes: int
    spill_bytes: int
    tileable: bool
    flops: int
    compute: tuple[float, ...]
    inputs: tuple[int, ...] = ()
    weights: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()
    spill_out: tuple[int, ...] = ()
    spill_in: tuple[int, ...] = ()
    edges: tuple[tuple[int, int, int], ...] = ()
    intervals: tuple[tuple[int, int, int], ...] = ()
    sources: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class _Traffic:
    """Inter-core traffic of a kernel on c cores that does not depend on its tiling."""

    axes: tuple[str, ...]
    exchanges: int  # consuming ops that receive data from other cores (per tile)
    redistributed: int  # bytes re-partitioned between ops split along different axes
    halo_per_tile: int  # bytes of halo rows exchanged between neighbouring cores per tile
    dependent: int  # ops that consume an intermediate (spilled: each waits at a barrier of all the kernel's cores)
    repartitioned: int = 0  # ops that consume an intermediate split along another axis: a barrier of all cores


def channel_efficiency(channels: int, vector_width: int) -> float:
    """C / (ceil(C / V) * V): the fraction of vector lanes a channel size keeps busy."""
    return channels / (math.ceil(channels / vector_width) * vector_width)


@lru_cache(maxsize=4096)
def _tile_counts(rows: int) -> tuple[int, ...]:
    """Candidate tile counts for a kernel whose shortest op has `rows` output rows: 1 .. rows, about 12% apart."""
    counts, t = [], 1
    while t < rows:
        counts.append(t)
        t = max(t + 1, int(t * 1.125))
    return (*counts, rows)


class CostModel:
    """The cost model of one accelerator, with its per-op and per-type caches."""

    def __init__(self, target: Accelerator):
        self.target = target
        self._facts: dict[Operation, OpFacts] = {}
        self._bytes: dict[Attribute, int] = {}
        self._legal_index = {cores: k for k, cores in enumerate(target.legal_cores)}
        self._launch: dict[int, tuple[float, float]] = {}

    # ------------------------------------------------------------------ per-op facts

    def tensor_bytes(self, type: Attribute) -> int:
        """Bytes of a tensor in DRAM: floats take `element_bytes`, integers their own width."""
        size = self._bytes.get(type)
        if size is None:
            assert isinstance(type, TensorType)
            element = type.element_type
            width = math.ceil(element.width.data / 8) if isinstance(element, IntegerType) else self.target.element_bytes
            size = self._bytes[type] = width * math.prod(type.get_shape())
        return size

    def facts(self, op: graph.GraphOp) -> OpFacts:
        found = self._facts.get(op)
        if found is None:
            found = self._facts[op] = self._op_facts(op)
        return found

    def _op_facts(self, op: graph.GraphOp) -> OpFacts:
        flops = op.flops()
        elements = sum(graph.num_elements(r.type) for r in op.results)
        if flops:
            work = flops
        elif op.has_trait(graph.ReshapeLike):
            work = 0
        else:
            work = elements
        candidates, efficiency = _partition(op, self.target.vector_width, elements)
        axis, extent = candidates[0]
        rows, halo, stride = _tiling(op)
        results = tuple(self.tensor_bytes(r.type) for r in op.results)
        operands = [self.tensor_bytes(v.type) for v in op.operands]
        for i in op.GATHERED_OPERANDS:  # a lookup reads only the rows it gathers
            operands[i] = min(operands[i], results[0])
        run = op.access_run()
        access = 1.0
        if run is not None and op.operands:
            run_bytes = run * self.tensor_bytes(op.operands[0].type) // max(graph.num_elements(op.operands[0].type), 1)
            access = min(1.0, run_bytes / self.target.dram_burst_bytes)
        facts = OpFacts(
            flops,
            work,
            axis,
            max(extent, 1),
            efficiency,
            rows,
            halo,
            tuple(operands),
            results,
            (),
            stride,
            access,
            _gathers(op),
            tuple((a, max(e, 1), _replicated(op, a)) for a, e in candidates),
        )
        choice = tuple(self._choose(facts, c) for c in self.target.legal_cores)
        facts = replace(facts, choice=choice)
        return replace(facts, times=tuple(self._op_time(facts, c, 1.0) for c in self.target.legal_cores))

    def split(self, f: OpFacts, cores: int) -> tuple[str, int, tuple[int, ...]]:
        """The (axis, extent, replicated operands) op `f` splits along on `cores` cores."""
        if not f.splits:
            return f.axis, f.extent, ()
        k = self._legal_index.get(cores)
        return f.splits[f.choice[k] if k is not None and f.choice else self._choose(f, cores)]

    def _choose(self, f: OpFacts, cores: int) -> int:
        """The index in `f.splits` of the split with the fastest op alone on `cores` cores; on a tie
        (a memory-bound op), the one fastest with its operands already on chip, then the first."""
        if len(f.splits) <= 1 or cores == 1:
            return 0
        times = [self._split_times(f, cores, k) for k in range(len(f.splits))]
        return min(range(len(times)), key=lambda k: (times[k], k))

    def _split_time(self, f: OpFacts, cores: int, k: int) -> float:
        """The op alone on `cores` cores split as `f.splits[k]`, every operand from DRAM:
        max(compute, DRAM time (with the extra copies of replicated operands), multicast)."""
        return self._split_times(f, cores, k)[0]

    def _split_times(self, f: OpFacts, cores: int, k: int) -> tuple[float, float]:
        """(`_split_time`, max(compute, multicast): the op with its operands on chip)."""
        _, extent, replicated = f.splits[k]
        share = math.ceil(extent / cores) / extent
        compute = f.work * share / (self.target.core_peak_flops * f.efficiency)
        size = sum(f.operand_bytes[i] for i in replicated)
        seconds, copies = self._multicast(size, min(cores, extent))
        _, bandwidth = self._overhead_and_bandwidth(cores)
        memory = (sum(f.operand_bytes) + sum(f.result_bytes) + copies) / bandwidth
        return max(compute, memory, seconds), max(compute, seconds)

    def multicast(self, size: int, active: int) -> tuple[float, int]:
        """`_multicast`: what the simulator charges an op run whole for the operands every core needs."""
        return self._multicast(size, active)

    def _multicast(self, size: int, active: int) -> tuple[float, int]:
        """(seconds, extra DRAM bytes) to put `size` bytes whole on each of `active` cores.

        The bytes are read from DRAM once and multicast (each core fetches a share and
        sends it to the others, as the simulator's multicast loads): each core's link
        receives the `1 - 1/a` it did not fetch, at `link_bandwidth`, for a cores
        sharing memory (no latency: the shares stream as they arrive, and DRAM reads
        carry none in this model either). On a target whose clusters share only DRAM
        (`cross_cluster_via_dram`) a multicast stays in a cluster: each further
        cluster the op spans reads its own copy from DRAM.
        """
        t = self.target
        if active <= 1 or size == 0:
            return 0.0, 0
        group = min(active, t.cores_per_cluster) if t.cross_cluster_via_dram else active
        copies = math.ceil(active / group) - 1
        if group <= 1:
            return 0.0, copies * size
        return size * (1 - 1 / group) / t.link_bandwidth, copies * size

    # ------------------------------------------------------------------ boundary analysis

    def dataflow(self, ops: Sequence[graph.GraphOp]) -> Dataflow:
        """The dataflow among `ops`, for the boundaries of many of their subsets."""
        return Dataflow(self, ops)

    def boundary(self, ops: Iterable[Operation]) -> Boundary:
        """Inputs, outputs, weights and intermediates of a set of ops (in any order)."""
        members = [op for op in ops if isinstance(op, graph.GraphOp)]
        return self.dataflow(members).boundary(range(len(members)))

    # ------------------------------------------------------------------ latency

    def cost(self, boundary: Boundary, cores: int) -> KernelCost:
        """The cost of the analysed set of ops on `cores` cores (docs/hardware-model.md derives each term).

        One op streams its operands from DRAM while it computes: launch + sync
        + max(compute, memory). Several ops run one after another on all the
        kernel's cores (per-op phases, barriers and inter-core traffic), in
        the fastest of their schedules: intermediates on chip, whole
        ("on-chip") or in depth-first row tiles ("tiled", any tile count and
        halo mode whose working set fits), or every intermediate through DRAM
        ("spilled", possible at any on-chip size). More on-chip memory only
        adds schedules, so it never makes a kernel slower.
        """
        overhead, bandwidth = self._overhead_and_bandwidth(cores)
        b = boundary
        if len(b.ops) <= 1:
            compute = self._untiled_compute(b, cores)
            links, copies = self._replication(b, cores, [True] * len(b.ops), [1.0] * len(b.ops), 1)
            dram = b.io_bytes + b.weight_bytes + sum(copies)
            memory = dram / bandwidth
            phases = tuple(
                OpPhase(op.name, compute, memory, 0.0, max(compute, memory, x), 0, x)
                for op, x in zip(b.ops, links, strict=True)
            )
            return self._make(b, cores, overhead, phases, dram, 0, "on-chip")
        traffic = self._traffic(b, cores)
        best = self._on_chip(b, cores, traffic)
        if best is not None:  # spilling cannot beat it if a lower bound on its latency does not
            floor = overhead + traffic.dependent * self.target.sync_overhead(cores)
            floor += max(self._untiled_compute(b, cores), (b.io_bytes + b.weight_bytes + b.spill_bytes) / bandwidth)
            if floor >= best.latency:
                return best
        spilled = self._spilled(b, cores, traffic)
        return spilled if best is None or spilled.latency < best.latency else best

    def on_chip_cost(self, boundary: Boundary, cores: int) -> KernelCost | None:
        """The fastest schedule that keeps the intermediates on chip (whole or in row tiles); None if none fits.

        This is what fusing means (DNNFusion): `cost` takes it unless running
        the ops one after another through DRAM ("spilled") is faster. A single
        op has no intermediates: its one schedule.
        """
        b = boundary
        if len(b.ops) <= 1:
            return self.cost(b, cores)
        return self._on_chip(b, cores, self._traffic(b, cores))

    def _on_chip(self, b: Boundary, cores: int, traffic: _Traffic) -> KernelCost | None:
        """Whole (if it fits), else or also every row tiling that fits, per halo mode; the fastest.

        Every tiling whose working set fits is a candidate, so more on-chip
        memory only adds candidates and never makes the kernel slower. Tile
        counts are tried from the fewest that fit upwards and the search stops
        once a lower bound on the latency, which grows with the tile count
        (per-tile barriers and costs on top of the untiled compute and the
        compulsory DRAM time), reaches the best found.
        """
        best: KernelCost | None = None
        if self._working_set(b, cores, 1, None, False) <= self.target.onchip_bytes:
            best = self._variant(b, cores, traffic, 1, False)
        if not b.tileable:
            return best
        t = self.target
        overhead, bandwidth = self._overhead_and_bandwidth(cores)
        compute = self._untiled_compute(b, cores)
        streamed = self._weights_per_core(b, traffic, cores) > t.weight_buffer_bytes
        per_tile = traffic.dependent * t.sync_overhead(cores) + len(b.ops) * t.tile_cycles / t.clock_hz

        def floor(tiles: int) -> float:  # no tiling into `tiles` or more tiles is faster
            weights = b.weight_bytes * (tiles if streamed else 1)
            return overhead + tiles * per_tile + max(compute, (b.io_bytes + weights) / bandwidth)

        ops = [
            (self._untiled_compute_of(f, cores), o / bandwidth, i / bandwidth, w / bandwidth)
            for f, i, w, o in zip(b.facts, b.inputs, b.weights, b.outputs, strict=True)
        ]
        prefetch = cores * t.prefetch_bytes / bandwidth

        def bound(tiles: int) -> float:  # no tiling into `tiles` tiles is faster: each phase >= its untiled floor
            early, repeat = tiles * prefetch, tiles if streamed else 1
            phases = sum(max(c, o + max(0.0, i + w * repeat - early)) for c, o, i, w in ops)
            return overhead + tiles * per_tile + phases

        counts = _tile_counts(min(f.rows for f in b.facts))[1:]
        if not counts or (best is not None and floor(counts[0]) >= best.latency):
            return best
        halos = any(f.halo or f.stride > 1 for f in b.facts)  # without, caching halos is recomputing none
        for cache in (False, True) if halos else (False,):
            for tiles in counts[self._first_fit(b, cores, counts, cache) :]:
                if best is not None and floor(tiles) >= best.latency:
                    break
                if best is not None and bound(tiles) >= best.latency:
                    continue
                option = self._variant(b, cores, traffic, tiles, cache, self._tile_rows(b, tiles))
                if best is None or option.latency < best.latency:
                    best = option
        return best

    def _first_fit(self, b: Boundary, cores: int, counts: Sequence[int], cache: bool) -> int:
        """The index in `counts` of the fewest tiles whose working set fits (len(counts) if none).

        A binary search: more tiles never need more memory (every op's rows per tile shrink or stay).
        """
        low, high = 0, len(counts)
        while low < high:
            mid = (low + high) // 2
            tiles = counts[mid]
            if self._working_set(b, cores, tiles, self._tile_rows(b, tiles), cache) <= self.target.onchip_bytes:
                high = mid
            else:
                low = mid + 1
        return low

    def tiles_needed(self, boundary: Boundary, cores: int) -> int | None:
        """The fewest depth-first row tiles whose working set fits on chip: 1 if the kernel fits whole, None if none does.

        A single op always fits: it streams its operands.
        """
        b = boundary
        if len(b.ops) <= 1 or self._working_set(b, cores, 1, None, False) <= self.target.onchip_bytes:
            return 1
        if not b.tileable:
            return None
        counts = _tile_counts(min(f.rows for f in b.facts))[1:]
        k = self._first_fit(b, cores, counts, False)
        return counts[k] if k < len(counts) else None

    def smallest_working_set(self, boundary: Boundary, cores: int) -> int:
        """The fewest per-core bytes the kernel's working set takes in any tiling `tiles_needed` tries
        (whole, or one row per tile: more tiles never need more memory); what a kernel that fits in none needs."""
        b = boundary
        whole = self._working_set(b, cores, 1, None, False)
        if len(b.ops) <= 1 or not b.tileable:
            return int(whole)
        tiles = _tile_counts(min(f.rows for f in b.facts))[-1]
        return int(min(whole, self._working_set(b, cores, tiles, self._tile_rows(b, tiles), False)))

    def _tile_rows(self, b: Boundary, tiles: int) -> list[int]:
        """Output rows each op computes per tile with halos recomputed: the windows of its consumers, back from the outputs."""
        rows = [math.ceil(f.rows / tiles) for f in b.facts]
        for producer, consumer, _ in reversed(b.edges):
            need = b.facts[consumer].input_rows(rows[consumer])
            if need > rows[producer]:
                rows[producer] = min(need, b.facts[producer].rows)
        return rows

    def _working_set(self, b: Boundary, cores: int, tiles: int, rows: list[int] | None, cache: bool) -> int:
        """Bytes of one tile on the fullest core: live intermediate tiles + 2 x (input tiles with halo +
        output tiles) + the prefetch buffer (if an op after the first reads from DRAM), + halo cache.

        `rows`: each op's output rows per tile (None: whole tensors). A tensor lives where the op
        that computes (or, for an input, reads) it splits it (`_layout`): an op of extent E keeps
        ceil(E / c) / E of it on its fullest core (a 14-row map on 32 cores: 1/14 on each of 14
        cores, not 1/32), by rows ceil(rows per tile / c) rows of it per tile.
        """
        facts = b.facts
        axes, extents = self._layout(b, cores)
        share, in_share = [], []
        for k, f in enumerate(facts):
            r = f.rows if rows is None else rows[k]
            if axes[k] == "rows" and extents[k] == f.rows:
                share.append(min(1.0, math.ceil(r / cores) / f.rows))
                in_share.append(min(1.0, f.input_rows(math.ceil(r / cores)) / f.input_rows(f.rows)))
            else:
                spread = math.ceil(extents[k] / cores) / extents[k]
                share.append(spread * (1.0 if rows is None else min(1.0, r / f.rows)))
                whole = 1.0 if rows is None else min(1.0, f.input_rows(r) / f.input_rows(f.rows))
                in_share.append(spread * whole)
        live = [0.0] * (len(facts) + 1)
        for producer, last, size in b.intervals:
            live[producer] += size * share[producer]
            live[last + 1] -= size * share[producer]
        peak = max(accumulate(live, initial=0.0))
        io = sum(i * fi + o * fo for i, fi, o, fo in zip(b.inputs, in_share, b.outputs, share, strict=True))
        prefetches = any(i or w for i, w in zip(b.inputs[1:], b.weights[1:], strict=True))
        working_set = math.ceil(peak + 2 * io) + (self.target.prefetch_bytes if prefetches else 0)
        if cache and rows is not None:
            for producer, _, size in b.intervals:
                f = facts[producer]
                working_set += math.ceil((rows[producer] - math.ceil(f.rows / tiles)) * size / f.rows)
        return working_set

    def _layout(self, b: Boundary, cores: int) -> tuple[list[str], list[int]]:
        """Each op's partition axis and extent on `cores` cores: its `split`, except that an
        elementwise op follows its producer's axis (or else its consumer's) and holds its data
        on as many cores as that op."""
        axes, extents = [], []
        for f in b.facts:
            axis, extent, _ = self.split(f, cores)
            axes.append(axis)
            extents.append(extent)
        consumers: dict[int, list[int]] = {}
        for producer, consumer, _ in b.edges:
            if axes[consumer] == "elements" and axes[producer] != "elements":
                axes[consumer], extents[consumer] = axes[producer], extents[producer]
            consumers.setdefault(producer, []).append(consumer)
        for k in range(len(axes) - 1, -1, -1):
            if axes[k] == "elements":
                for u in consumers.get(k, ()):
                    if axes[u] != "elements":
                        axes[k], extents[k] = axes[u], extents[u]
                        break
        return axes, extents

    def _traffic(self, b: Boundary, cores: int) -> _Traffic:
        """Partition axes (elementwise ops follow their neighbours), syncs and bytes moved between cores."""
        axes, extents = self._layout(b, cores)
        waiting: set[int] = set()
        repartitioned: set[int] = set()
        redistributed = halo = 0
        gathered: set[tuple[int, int]] = set()
        if cores > 1:
            for k, f in enumerate(b.facts):
                for axis, i in f.gathers:
                    j = b.sources[k][i] if i < len(b.sources[k]) else -1
                    if axes[k] == axis and j >= 0 and (j, k) not in gathered:
                        size = f.operand_bytes[i]
                        redistributed += min(cores, extents[k]) * (size - size // cores)
                        gathered.add((j, k))
                        waiting.add(k)
                        repartitioned.add(k)
        for producer, consumer, size in b.edges:
            if cores == 1:
                break
            if (producer, consumer) in gathered:
                continue
            if axes[producer] != axes[consumer]:
                redistributed += size - size // cores
                waiting.add(consumer)
                repartitioned.add(consumer)
            elif b.facts[consumer].halo and axes[consumer] == "rows":
                rows = b.facts[producer].rows or 1
                halo += min(size, (cores - 1) * b.facts[consumer].halo * math.ceil(size / rows))
                waiting.add(consumer)
        dependent = len({consumer for _, consumer, _ in b.edges})
        return _Traffic(tuple(axes), len(waiting), redistributed, halo, dependent, len(repartitioned))

    def _link_time(self, cores: int, moved: int, transfers: int) -> tuple[float, int]:
        """(seconds, DRAM bytes) to move `moved` bytes between `cores` cores in `transfers` exchanges.

        Within a cluster the bytes go through the cores' links (each core moves
        its share at `link_bandwidth`, plus `link_latency_cycles` per exchange);
        on a clustered chip the share that crosses clusters,
        1 - cores_per_cluster / cores, goes through DRAM (written and read) when
        the preset says so.
        """
        t = self.target
        if cores == 1 or (moved == 0 and transfers == 0):
            return 0.0, 0
        crossing = 0.0
        if t.cross_cluster_via_dram and cores > t.cores_per_cluster:
            crossing = 1 - t.cores_per_cluster / cores
        via_dram = round(2 * crossing * moved)
        _, bandwidth = self._overhead_and_bandwidth(cores)
        seconds = (1 - crossing) * moved / (cores * t.link_bandwidth) + via_dram / bandwidth
        return seconds + transfers * t.link_latency_cycles / t.clock_hz, via_dram

    def _variant(
        self, b: Boundary, cores: int, traffic: _Traffic, tiles: int, cache: bool, rows: list[int] | None = None
    ) -> KernelCost:
        """The kernel with its intermediates on chip in `tiles` depth-first row tiles (1: whole)."""
        t = self.target
        overhead, bandwidth = self._overhead_and_bandwidth(cores)
        streamed = tiles > 1 and self._weights_per_core(b, traffic, cores) > t.weight_buffer_bytes
        comp: list[float] = []
        mem: list[float] = []
        reads: list[float] = []
        computed_rows: list[int] = []
        factors: list[float] = []
        dram = 0
        for k, f in enumerate(b.facts):
            if tiles == 1:
                compute = self._untiled_compute_of(f, cores)
                in_factor = 1.0
                computed_rows.append(0)
            else:
                assert rows is not None
                x = math.ceil(f.rows / tiles) if cache else rows[k]
                computed_rows.append(x)
                extent = self.split(f, cores)[1]
                if traffic.axes[k] == "rows" and extent == f.rows:
                    per_core = math.ceil(x / cores) * tiles / f.rows
                else:
                    per_core = x * tiles / f.rows * math.ceil(extent / cores) / extent
                compute = f.work * per_core / (t.core_peak_flops * f.efficiency)
                in_factor = min(float(tiles), max(1.0, tiles * f.input_rows(x) / f.input_rows(f.rows)))
            comp.append(compute)
            factors.append(in_factor)
        links, copies = self._replication(b, cores, [False] * len(b.ops), factors, tiles if streamed else 1)
        for k, f in enumerate(b.facts):
            read = round(b.inputs[k] * factors[k]) + b.weights[k] * (tiles if streamed else 1) + copies[k]
            dram += read + b.outputs[k]
            mem.append((read + b.outputs[k]) / (bandwidth * f.access_efficiency))
            reads.append(read / (bandwidth * f.access_efficiency))
        moved = traffic.redistributed + tiles * traffic.halo_per_tile
        redistribution, via_dram = self._link_time(cores, moved, tiles * traffic.exchanges)
        dram += via_dram
        prefetch = tiles * cores * t.prefetch_bytes / bandwidth
        phases = self._phases(b, comp, mem, reads, prefetch, computed_rows, links)
        handling: Handling = "on-chip" if tiles == 1 else "tiled"
        halo: HaloMode = "none" if tiles == 1 else "cache" if cache else "recompute"
        working_set = self._working_set(b, cores, tiles, rows, cache)
        return self._make(
            b,
            cores,
            overhead,
            phases,
            dram,
            working_set,
            handling,
            tiles=tiles,
            tile_rows=computed_rows[-1] if tiles > 1 else 0,
            halo=halo,
            weights="streamed" if streamed else "resident",
            barriers=tiles * traffic.repartitioned * t.sync_overhead(cores),
            redistribution=redistribution,
            redistributed_bytes=moved,
            tile_overhead=(tiles * len(b.ops) * t.tile_cycles / t.clock_hz) if tiles > 1 else 0.0,
            axes=traffic.axes,
        )

    @staticmethod
    def _weights_per_core(b: Boundary, traffic: _Traffic, cores: int) -> float:
        """The kernel's weights each core holds: all of them for all its ops (a channel-split op holds 1/c of its own)."""
        return sum(w / (cores if axis == "channels" else 1) for w, axis in zip(b.weights, traffic.axes, strict=True))

    def _spilled(self, b: Boundary, cores: int, traffic: _Traffic) -> KernelCost:
        """The kernel run op by op with every intermediate through DRAM: a barrier before each dependent op."""
        overhead, bandwidth = self._overhead_and_bandwidth(cores)
        comp = [self._untiled_compute_of(f, cores) for f in b.facts]
        links, copies = self._replication(b, cores, [True] * len(b.ops), [1.0] * len(b.ops), 1)
        moved = [
            i + w + o + so + si + x
            for i, w, o, so, si, x in zip(b.inputs, b.weights, b.outputs, b.spill_out, b.spill_in, copies, strict=True)
        ]
        mem = [m / bandwidth for m in moved]
        reads = [
            (i + w + si + x) / bandwidth for i, w, si, x in zip(b.inputs, b.weights, b.spill_in, copies, strict=True)
        ]
        prefetch = cores * self.target.prefetch_bytes / bandwidth
        phases = self._phases(b, comp, mem, reads, prefetch, [0] * len(comp), links)
        return self._make(
            b,
            cores,
            overhead,
            phases,
            sum(moved),
            math.ceil(b.peak_live_bytes / cores),
            "spilled",
            barriers=traffic.dependent * self.target.sync_overhead(cores),
            axes=traffic.axes,
        )

    @staticmethod
    def _phases(
        b: Boundary,
        comp: list[float],
        mem: list[float],
        reads: list[float],
        prefetch: float,
        rows: list[int],
        links: list[float],
    ) -> tuple[OpPhase, ...]:
        """Each op's phase: max(compute, memory - prefetched, multicast).

        An op's reads (not its writes) may start early, while the previous op
        computes: prefetched <= min(the previous op's idle DMA time, the
        prefetch buffer's worth of time, the op's read time). Its cores receive
        the operands they need whole over their links meanwhile (`links`).
        """
        phases = []
        slack = 0.0
        for op, c, m, rd, r, x in zip(b.ops, comp, mem, reads, rows, links, strict=True):
            early = min(slack, prefetch, rd)
            time = max(c, m - early, x)
            slack = time - (m - early)
            phases.append(OpPhase(op.name, c, m, early, time, r, x))
        return tuple(phases)

    def _replication(
        self, b: Boundary, cores: int, all_from_dram: list[bool], factors: list[float], repeat: int
    ) -> tuple[list[float], list[int]]:
        """Per op, (multicast seconds, extra DRAM bytes) of the operands its cores need whole (`split`).

        An operand produced in the kernel counts only when `all_from_dram[k]` (it
        was spilled; kept on chip, its gather is `_traffic`'s redistribution). A
        weight is multicast `repeat` times (streamed per tile), an input
        `factors[k]` times (its halo rows re-read per tile).
        """
        links: list[float] = []
        copies: list[int] = []
        for k, f in enumerate(b.facts):
            _, extent, replicated = self.split(f, cores)
            size = 0.0
            for i in replicated:
                external = not b.sources or b.sources[k][i] < 0
                if external or all_from_dram[k]:
                    weight = external and graph.is_source(b.ops[k].operands[i].owner)
                    size += f.operand_bytes[i] * (repeat if weight else factors[k])
            seconds, extra = self._multicast(round(size), min(cores, extent))
            links.append(seconds)
            copies.append(extra)
        return links, copies

    def _make(
        self,
        b: Boundary,
        cores: int,
        overhead: float,
        phases: tuple[OpPhase, ...],
        dram: int,
        working_set: int,
        handling: Handling,
        **extra: object,
    ) -> KernelCost:
        compute = sum(p.compute for p in phases)
        memory = sum(p.memory for p in phases)
        body = sum(p.time for p in phases)
        parts = body + sum(extra.get(k, 0.0) for k in ("barriers", "redistribution", "tile_overhead"))  # type: ignore[misc]
        bound: Bound = "overhead" if overhead >= max(compute, memory) else "compute" if compute >= memory else "memory"
        return KernelCost(
            cores,
            overhead + parts,
            compute,
            memory,
            overhead,
            bound,
            b.flops,
            dram,
            working_set,
            handling,
            overlap_lost=body - max(compute, memory),
            phases=phases,
            **extra,  # type: ignore[arg-type]
        )

    def _overhead_and_bandwidth(self, cores: int) -> tuple[float, float]:
        """launch + sync(c) and min(dram_bandwidth, c * core_dma_bandwidth): a kernel's fixed costs on c cores."""
        found = self._launch.get(cores)
        if found is None:
            t = self.target
            overhead = t.launch_overhead + t.sync_overhead(cores)
            found = self._launch[cores] = (overhead, min(t.dram_bandwidth, cores * t.core_dma_bandwidth))
        return found

    def _untiled_compute(self, boundary: Boundary, cores: int) -> float:
        """The sum over ops of `_op_time` with no halo: precomputed in `boundary.compute` for a legal core count."""
        k = self._legal_index.get(cores)
        if k is None:
            return sum(self._op_time(f, cores, 1.0) for f in boundary.facts)
        return boundary.compute[k]

    def _untiled_compute_of(self, f: OpFacts, cores: int) -> float:
        k = self._legal_index.get(cores)
        return f.times[k] if k is not None else self._op_time(f, cores, 1.0)

    def _op_time(self, f: OpFacts, cores: int, halo_factor: float) -> float:
        """work * ceil(E / c) / E / (core_peak * eff) * halo_factor: the slowest core's share (E of its split on c)."""
        extent = self.split(f, cores)[1]
        share = math.ceil(extent / cores) / extent
        return f.work * share * halo_factor / (self.target.core_peak_flops * f.efficiency)

    def group_cost(self, ops: Iterable[Operation], cores: int) -> KernelCost:
        return self.cost(self.boundary(ops), cores)

    def best_cores(self, ops: Iterable[Operation]) -> tuple[int, KernelCost]:
        """The legal core count with the lowest latency (the fewest cores on a tie) and its cost."""
        return self.fastest(self.boundary(ops))

    def fastest(self, boundary: Boundary) -> tuple[int, KernelCost]:
        """`best_cores` of an analysed set of ops."""
        best = min((self.cost(boundary, c) for c in self.target.legal_cores), key=lambda k: (k.latency, k.cores))
        return best.cores, best


class Dataflow:
    """The dataflow among a list of graph ops, by their indices in the list: the IR is read once, here.

    Per op, `reads` holds one (value, producer, bytes, is a weight) per operand:
    the value's `id` (the ops keep it alive), the index of the op producing it
    (-1: none of the list's); `writes` one (bytes, consumers) per result,
    the consumer an index or -1 (an op outside the list, a yield or a return),
    each consuming op once however many of its operands use the result (a
    spilled intermediate is read once per consuming op).
    It holds while the ops and their uses do not change.
    """

    def __init__(self, model: CostModel, ops: Sequence[graph.GraphOp]):
        self.ops = ops
        self._no_compute = (0,) * len(model.target.legal_cores)
        self.facts = [model.facts(op) for op in ops]
        index = {id(op): i for i, op in enumerate(ops)}
        self.reads = [_reads(op, f.operand_bytes, index) for op, f in zip(ops, self.facts, strict=False)]
        self.writes = [_writes(op, f.result_bytes, index) for op, f in zip(ops, self.facts, strict=False)]

    def boundary(self, members: Sequence[int]) -> Boundary:
        """The boundary of the ops at these indices (in any order)."""
        boundary = self._scan(members)
        if boundary is None:
            boundary = self._scan(self._topological(members))
            assert boundary is not None
        return boundary

    def _scan(self, members: Sequence[int]) -> Boundary | None:
        """The boundary of `members`, or None if they are not in a topological order."""
        position = {m: k for k, m in enumerate(members)}
        n = len(members)
        external: set[int] = set()
        weights: dict[int, int] = {}
        inputs, weight_reads, outputs, spill_out, spill_in = [0] * n, [0] * n, [0] * n, [0] * n, [0] * n
        edges: list[tuple[int, int, int]] = []
        intervals: list[tuple[int, int, int]] = []
        live = [0] * (n + 1)
        sources: list[tuple[int, ...]] = []
        for k, m in enumerate(members):
            sources.append(tuple(position.get(producer, -1) for _, producer, _, _ in self.reads[m]))
            for value, producer, size, weight in self.reads[m]:
                j = position.get(producer)
                if j is not None:
                    if j >= k:
                        return None
                elif weight:
                    if value not in weights:
                        weights[value] = size
                        weight_reads[k] += size
                elif value not in external:
                    external.add(value)
                    inputs[k] += size
            for size, consumers in self.writes[m]:
                last, readers, escapes = k, 0, False
                for consumer in consumers:
                    j = position.get(consumer)
                    if j is None:
                        escapes = True
                    else:
                        last, readers = max(last, j), readers + 1
                        edges.append((k, j, size))
                        spill_in[j] += size
                if escapes:
                    outputs[k] += size
                if readers:
                    live[k] += size
                    live[last + 1] -= size
                    intervals.append((k, last, size))
                    if not escapes:
                        spill_out[k] += size
        edges.sort()
        peak = max(accumulate(live, initial=0))
        facts = tuple([self.facts[m] for m in members])
        return Boundary(
            tuple([self.ops[m] for m in members]),
            facts,
            sum(inputs) + sum(outputs),
            sum(weight_reads),
            peak,
            sum(spill_out) + sum(spill_in),
            all(f.rows > 0 for f in facts),
            sum(f.flops for f in facts),
            self._compute(facts),
            tuple(inputs),
            tuple(weight_reads),
            tuple(outputs),
            tuple(spill_out),
            tuple(spill_in),
            tuple(edges),
            tuple(intervals),
            tuple(sources),
        )

    def _compute(self, facts: Sequence[OpFacts]) -> tuple[float, ...]:
        """Per legal core count, the sum of the ops' `times` in their order (0 for no ops)."""
        return tuple(map(sum, zip(*[f.times for f in facts], strict=False))) or self._no_compute

    def _topological(self, members: Sequence[int]) -> list[int]:
        """`members` reordered so that every producer precedes its consumers (a stable depth-first order)."""
        inside = set(members)
        order: list[int] = []
        done: set[int] = set()
        for root in members:
            stack = [(root, False)]
            while stack:
                m, expanded = stack.pop()
                if m in done:
                    continue
                if expanded:
                    done.add(m)
                    order.append(m)
                    continue
                stack.append((m, True))
                stack.extend((p, False) for _, p, _, _ in reversed(self.reads[m]) if p in inside and p not in done)
        return order


# ---------------------------------------------------------------------- module-level API

_MODELS: dict[Accelerator, CostModel] = {}


def cost_model(target: Accelerator) -> CostModel:
    """The (cached) cost model of `target`."""
    model = _MODELS.get(target)
    if model is None:
        model = _MODELS[target] = CostModel(target)
    return model


def forget_cost_models() -> None:
    """Drop every cached cost model and its per-op facts (which keep their ops alive): for scripts
    that cost many modules on many targets."""
    _MODELS.clear()


def group_cost(ops: Iterable[Operation], cores: int, target: Accelerator) -> KernelCost:
    """The cost of running `ops` (graph ops: free in a function, or a region's body) as one kernel on `cores` cores."""
    return cost_model(target).group_cost(ops, cores)


def best_cores(ops: Iterable[Operation], target: Accelerator) -> tuple[int, KernelCost]:
    """The fastest legal core count for `ops` as one kernel, and its cost."""
    return cost_model(target).best_cores(ops)


def region_cores(op: Operation) -> int:
    """The core count of an `accel.kernel`, or of a `fusion.group` (its `fusion.cores` attribute, else 1)."""
    if isinstance(op, accel.KernelOp):
        return op.core_count
    cores = op.attributes.get(fusion.CORES_ATTR)
    return cores.value.data if isinstance(cores, IntegerAttr) else 1


def kernel_cost(op: accel.KernelOp | fusion.GroupOp, target: Accelerator) -> KernelCost:
    """The cost of an `accel.kernel` or `fusion.group` on its own core count."""
    return group_cost(op.body.block.ops, region_cores(op), target)


def baseline_latency(module: ModuleOp, target: Accelerator) -> float:
    """The unoptimised latency: every graph compute op its own kernel on one core.

    The graph ops inside a plan's kernels and groups count as if the plan were
    dissolved back into graph ops: an op alone reads and writes DRAM either way.
    """
    model = cost_model(target)
    return sum(model.group_cost([op], 1).latency for op in module.walk() if isinstance(op, graph.GraphOp))


def physical_lower_bound(cost: KernelCost, target: Accelerator) -> float:
    """max(FLOPs / peak of the kernel's cores, DRAM bytes / DRAM bandwidth): no kernel can be faster."""
    return max(cost.flops / (cost.cores * target.core_peak_flops), cost.dram_bytes / target.dram_bandwidth)


# ---------------------------------------------------------------------- per-op analysis


def _shape(value: SSAValue) -> tuple[int, ...]:
    return graph.shape_of(value.type)


def _partition(op: graph.GraphOp, v: int, elements: int) -> tuple[list[tuple[str, int]], float]:
    """The partition axes with their extents, the one with the most independent units first, and the channel efficiency.

    The op declares how it splits (`GraphOp.partition`) and the lengths its
    vector lanes run along (`GraphOp.lane_lengths`). Layers split batch,
    output rows or output channels (in vector-width chunks, so a core's
    channels stay vector-aligned); their efficiency is the best of their lane
    lengths'. ELEMENTS ops split their flat output elements in vector-width chunks.
    """
    out = _shape(op.results[0])
    kind = op.partition()
    if kind is graph.Partition.ELEMENTS:
        chunks = math.ceil(elements / v) if elements else 1
        return [("elements", chunks)], (elements / (chunks * v) if elements else 1.0)
    if kind is graph.Partition.WINDOW:
        candidates = {"batch": out[0], "rows": out[max(2, len(out) - 2)], "channels": math.ceil(out[1] / v)}
    elif kind is graph.Partition.DENSE:
        candidates = {"rows": math.prod(out[:-1]), "channels": math.ceil(out[-1] / v)}
    else:
        candidates = {"batch": math.prod(out[:-2]), "rows": out[-2], "channels": math.ceil(out[-1] / v)}
    efficiency = max(channel_efficiency(n, v) for n in op.lane_lengths())
    axis = max(candidates, key=lambda k: candidates[k])
    others = [(a, e) for a, e in candidates.items() if a != axis and e > 1]
    return [(axis, candidates[axis]), *others], efficiency


def _replicated(op: graph.GraphOp, axis: str) -> tuple[int, ...]:
    """The operands each core needs whole when `op` splits along `axis`.

    Its gathered operands (`_gathers`), and the weights of a convolution, dense
    layer or matmul split by batch or rows: every core applies all the filters
    to its own rows (split by output channels, a core holds its channels' share).
    """
    needed = {i for a, i in _gathers(op) if a == axis}
    if op.partition() is not graph.Partition.ELEMENTS and axis in ("batch", "rows"):
        needed |= {i for i, v in enumerate(op.operands) if i > 0 and graph.is_source(v.owner)}
    return tuple(sorted(needed))


def _gathers(op: graph.GraphOp) -> tuple[tuple[str, int], ...]:
    """`OpFacts.gathers`: split along which axis the op needs which operand whole on each core.

    A dense layer or a matmul split by output channels reads every row of its
    left operand; a matmul split by rows reads all of its right operand; a
    convolution split by output channels reads every input channel unless each
    output channel reads one (depthwise: its weight's second axis is 1).
    Pooling, elementwise and normalisation ops read only their own slice.
    """
    kind = op.partition()
    if kind is graph.Partition.DENSE:
        return (("channels", 0),)
    if kind is graph.Partition.MATMUL:
        return (("channels", 0), ("rows", 1))
    if kind is graph.Partition.WINDOW and len(op.operands) > 1 and _shape(op.operands[1])[1] > 1:
        return (("channels", 0),)
    return ()


def _tiling(op: graph.GraphOp) -> tuple[int, int, int]:
    """(output rows a tile splits, halo rows, row stride); (0, 0, 1) when the op cannot be tiled (`GraphOp.row_window`).

    Rows are axis rank - 2 of a rank-4 or rank-5 result (H of NCHW and NCDHW)
    and the product of all but the last axis otherwise; the halo is
    (kernel - 1) * dilation rows.
    """
    out = _shape(op.results[0])
    window = op.row_window()
    if len(out) < 2 or window is None:
        return 0, 0, 1
    rows = out[-2] if len(out) in (4, 5) else math.prod(out[:-1])
    return rows, (window.kernel - 1) * window.dilation, window.stride


def _reads(op: graph.GraphOp, sizes: Sequence[int], index: dict[int, int]) -> tuple[tuple[int, int, int, bool], ...]:
    """`Dataflow.reads` of one op, given the index of each op of the list by its `id`."""
    reads = []
    for value, size in zip(op.operands, sizes, strict=False):
        producer = index.get(id(value.owner), -1)
        reads.append((id(value), producer, size, producer < 0 and graph.is_source(value.owner)))
    return tuple(reads)


def _writes(op: graph.GraphOp, sizes: Sequence[int], index: dict[int, int]) -> tuple[tuple[int, list[int]], ...]:
    """`Dataflow.writes` of one op, given the index of each op of the list by its `id`.

    Uses by `schedule` ops (a scheduled kernel's program) are not consumers: they say how the kernel computes.
    """
    return tuple(
        (
            size,
            list(
                dict.fromkeys(
                    index.get(id(use.operation), -1) for use in result.uses if not isinstance(use.operation, _SCHEDULE)
                )
            ),
        )
        for result, size in zip(op.results, sizes, strict=False)
    )
