"""The cost model: how long one kernel (a set of graph ops) takes on `c` cores.

One function, `group_cost(ops, cores, target)`, answers for any set of graph
compute ops: ops still free in a function body (a candidate fusion group) or
the body of a `fusion.group` / `accel.kernel`. Both go through one boundary
analysis: the kernel's inputs are the operands produced outside the set (block
arguments or other ops), its weights the operands produced by `graph.weight` /
`graph.constant`, its outputs the results used outside the set (by another
op, a yield or func.return), and its intermediates the results the set
itself consumes.

The latency of a kernel on c cores (docs/hardware-model.md derives each term):

    latency    = overhead + max(compute, memory)                  (roofline overlap)
    overhead   = launch + sync(c)
    compute    = sum over ops of  work * ceil(E / c) / E * halo / (core_peak * eff)
    memory     = dram_bytes / min(dram_bandwidth, c * core_dma_bandwidth)
    dram_bytes = inputs + outputs + weights  (+ spills | + weights re-read per tile)

where E is the op's extent along its partition axis, eff = C / (ceil(C/V) * V)
the efficiency of its vectorised channel size C, and halo = 1 unless the
kernel tiles. Intermediates stay on chip when the working set per core,
ceil(peak live intermediate bytes / c), fits in `onchip_bytes`. Otherwise the
kernel either tiles its output rows into T = ceil(working set / onchip_bytes)
tiles (halo = 1 + (T - 1) * need / rows, weights read T times) or spills every
intermediate to DRAM (one write, unless it is an output anyway, and one read
per consuming op), whichever is faster; `KernelCost.intermediates` says which.

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
from itertools import accumulate
from typing import Literal

from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from dlfc.dialects import accel, fusion, graph
from dlfc.hw.target import Accelerator

Bound = Literal["compute", "memory", "overhead"]
Handling = Literal["on-chip", "tiled", "spilled"]


@dataclass(frozen=True)
class OpFacts:
    """What the cost model knows about one graph op on one target; computed once per op.

    - `flops`: the op's FLOP count (`GraphOp.flops`).
    - `work`: FLOP-equivalents that occupy the cores: `flops`, or one move per
      output element for a data-movement op without FLOPs, or 0 for a view
      (reshape, flatten, squeeze, unsqueeze).
    - `axis`, `extent`: the partition axis the op splits across cores (batch,
      rows, channels or elements) and its number of independent units.
    - `efficiency`: vector-lane utilisation of its channel size, C / (ceil(C/V) * V).
    - `rows`: output rows a tiled kernel splits (0: the op cannot be tiled).
    - `halo`: extra input rows a tile needs per output tile, (kh - 1) * dilation.
    - `operand_bytes`, `result_bytes`: DRAM bytes of each operand and result
      (of an embedding's table, only the rows it gathers).
    - `times`: the op's untiled compute time on each of the target's legal core
      counts (`CostModel._op_time` with no halo).
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


@dataclass(frozen=True)
class KernelCost:
    """The modelled cost of one kernel on `cores` cores (times in seconds).

    `latency = overhead + max(compute, memory)`; `bound` names the largest of
    the three parts. `dram_bytes` counts inputs, outputs, weights and spills;
    `working_set` is the peak bytes of live intermediates per core;
    `intermediates` says how they were handled ("on-chip", "tiled" in `tiles`
    row tiles, or "spilled" to DRAM).
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


def channel_efficiency(channels: int, vector_width: int) -> float:
    """C / (ceil(C / V) * V): the fraction of vector lanes a channel size keeps busy."""
    return channels / (math.ceil(channels / vector_width) * vector_width)


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
        elif op.mapping_type() == graph.MappingType.REORGANIZE:
            work = 0
        else:
            work = elements
        axis, extent, efficiency = _partition(op, self.target.vector_width, elements)
        rows, halo = _tiling(op)
        results = tuple(self.tensor_bytes(r.type) for r in op.results)
        operands = [self.tensor_bytes(v.type) for v in op.operands]
        for i in op.GATHERED_OPERANDS:  # a lookup reads only the rows it gathers
            operands[i] = min(operands[i], results[0])
        facts = OpFacts(flops, work, axis, max(extent, 1), efficiency, rows, halo, tuple(operands), results)
        return replace(facts, times=tuple(self._op_time(facts, c, 1.0) for c in self.target.legal_cores))

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
        """The cost of the analysed set of ops on `cores` cores (the formulas of the module docstring)."""
        overhead, bandwidth = self._overhead_and_bandwidth(cores)
        working_set = math.ceil(boundary.peak_live_bytes / cores)
        base_bytes = boundary.io_bytes + boundary.weight_bytes

        def make(compute: float, dram_bytes: int, handling: Handling, tiles: int = 1) -> KernelCost:
            memory = dram_bytes / bandwidth
            bound: Bound = (
                "overhead" if overhead >= max(compute, memory) else "compute" if compute >= memory else "memory"
            )
            return KernelCost(
                cores,
                overhead + max(compute, memory),
                compute,
                memory,
                overhead,
                bound,
                boundary.flops,
                dram_bytes,
                working_set,
                handling,
                tiles,
            )

        compute = self._untiled_compute(boundary, cores)
        tiles = self.tiles_needed(boundary, cores)
        if tiles == 1:
            return make(compute, base_bytes, "on-chip")
        spilled = make(compute, base_bytes + boundary.spill_bytes, "spilled")
        if tiles is None:
            return spilled
        tiled_compute = sum(
            self._op_time(f, cores, min(tiles, 1 + (tiles - 1) * need / f.rows))
            for f, need in zip(boundary.facts, _halo_needs(boundary.ops, boundary.facts), strict=False)
        )
        tiled = make(tiled_compute, base_bytes + (tiles - 1) * boundary.weight_bytes, "tiled", tiles)
        return tiled if tiled.latency < spilled.latency else spilled

    def tiles_needed(self, boundary: Boundary, cores: int) -> int | None:
        """Row tiles that keep the kernel's intermediates on chip: 1 if they fit whole, None if no tiling does."""
        tiles = math.ceil(math.ceil(boundary.peak_live_bytes / cores) / self.target.onchip_bytes)
        if tiles <= 1:
            return 1
        if not boundary.tileable or tiles > min(f.rows for f in boundary.facts):
            return None
        return tiles

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

    def _op_time(self, f: OpFacts, cores: int, halo_factor: float) -> float:
        """work * ceil(E / c) / E / (core_peak * eff) * halo_factor: the slowest core's share."""
        share = math.ceil(f.extent / cores) / f.extent
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
        external: set[int] = set()
        weights: dict[int, int] = {}
        io_bytes = spill = 0
        live = [0] * (len(members) + 1)
        for k, m in enumerate(members):
            for value, producer, size, weight in self.reads[m]:
                j = position.get(producer)
                if j is not None:
                    if j >= k:
                        return None
                elif weight:
                    if size > weights.get(value, 0):
                        weights[value] = size
                elif value not in external:
                    external.add(value)
                    io_bytes += size
            for size, consumers in self.writes[m]:
                last, readers, escapes = k, 0, False
                for consumer in consumers:
                    j = position.get(consumer)
                    if j is None:
                        escapes = True
                    else:
                        last, readers = max(last, j), readers + 1
                if escapes:
                    io_bytes += size
                if readers:
                    live[k] += size
                    live[last + 1] -= size
                    spill += size * (readers + (0 if escapes else 1))
        peak = max(accumulate(live, initial=0))
        facts = tuple([self.facts[m] for m in members])
        return Boundary(
            tuple([self.ops[m] for m in members]),
            facts,
            io_bytes,
            sum(weights.values()),
            peak,
            spill,
            all(f.rows > 0 for f in facts),
            sum(f.flops for f in facts),
            self._compute(facts),
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


def _partition(op: graph.GraphOp, v: int, elements: int) -> tuple[str, int, float]:
    """The partition axis with the most independent units, its extent and the channel efficiency.

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
        return "elements", chunks, (elements / (chunks * v) if elements else 1.0)
    if kind is graph.Partition.WINDOW:
        candidates = {"batch": out[0], "rows": out[2], "channels": math.ceil(out[1] / v)}
    elif kind is graph.Partition.DENSE:
        candidates = {"rows": math.prod(out[:-1]), "channels": math.ceil(out[-1] / v)}
    else:
        candidates = {"batch": math.prod(out[:-2]), "rows": out[-2], "channels": math.ceil(out[-1] / v)}
    efficiency = max(channel_efficiency(n, v) for n in op.lane_lengths())
    axis = max(candidates, key=lambda k: candidates[k])
    return axis, candidates[axis], efficiency


def _tiling(op: graph.GraphOp) -> tuple[int, int]:
    """(output rows a tile splits, halo rows per tile); (0, 0) when the op cannot be tiled (`GraphOp.row_window`).

    Rows are axis 2 of a rank-4 (NCHW) result and the product of all but the
    last axis otherwise; the halo is (kernel - 1) * dilation rows.
    """
    out = _shape(op.results[0])
    window = op.row_window()
    if len(out) < 2 or window is None:
        return 0, 0
    rows = out[2] if len(out) == 4 else math.prod(out[:-1])
    return rows, (window.kernel - 1) * window.dilation


def _reads(op: graph.GraphOp, sizes: Sequence[int], index: dict[int, int]) -> tuple[tuple[int, int, int, bool], ...]:
    """`Dataflow.reads` of one op, given the index of each op of the list by its `id`."""
    reads = []
    for value, size in zip(op.operands, sizes, strict=False):
        producer = index.get(id(value.owner), -1)
        reads.append((id(value), producer, size, producer < 0 and graph.is_source(value.owner)))
    return tuple(reads)


def _writes(op: graph.GraphOp, sizes: Sequence[int], index: dict[int, int]) -> tuple[tuple[int, list[int]], ...]:
    """`Dataflow.writes` of one op, given the index of each op of the list by its `id`."""
    return tuple(
        (size, list(dict.fromkeys(index.get(id(use.operation), -1) for use in result.uses)))
        for result, size in zip(op.results, sizes, strict=False)
    )


def _halo_needs(order: Sequence[graph.GraphOp], facts: Sequence[OpFacts]) -> list[int]:
    """Per op, the extra output rows a tile must compute for the halos of the spatial ops after it.

    need(op) = max over consumers u in the set of need(u) + halo(u) (strides ignored).
    """
    position = {op: i for i, op in enumerate(order)}
    needs = [0] * len(order)
    for i in range(len(order) - 1, -1, -1):
        for result in order[i].results:
            for use in result.uses:
                j = position.get(use.operation)
                if j is not None:
                    needs[i] = max(needs[i], needs[j] + facts[j].halo)
    return needs
