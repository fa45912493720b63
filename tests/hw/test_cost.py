"""The cost model: hand-computed latencies, the boundary analysis, intermediates, and physical bounds."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from random_models import random_model
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, f32, i64
from xdsl.ir import Operation

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.conversion.convert_graph_to_fusion import ConvertGraphToFusionPass, form_groups
from dlfc.compiler.frontend import load_dlm
from dlfc.dialects import accel, fusion, graph
from dlfc.hw.cost import (
    CostModel,
    KernelCost,
    baseline_latency,
    best_cores,
    channel_efficiency,
    group_cost,
    kernel_cost,
    physical_lower_bound,
)
from dlfc.hw.interpreter import entry_function
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")
MLU270 = load_target("mlu270")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def on_chip(ops: Sequence[Operation], cores: int, target=MLU100) -> KernelCost:
    """The fastest schedule of `ops` as one kernel that keeps its intermediates on chip (what fusing means)."""
    model = CostModel(target)
    cost = model.on_chip_cost(model.boundary(ops), cores)
    assert cost is not None
    return cost


def chain_module(shape: Sequence[int], layers: Sequence[str]) -> tuple[ModuleOp, list[graph.GraphOp]]:
    """A function applying `layers` in sequence to one input: conv (3x3, same channels), bn, relu, add (a residual)."""
    t = TensorType(f32, list(shape))
    c = shape[1]
    fn = func.FuncOp("main", ((t,), (t,)))
    ops: list[graph.GraphOp] = []
    with ImplicitBuilder(fn.body) as (x,):
        value = x
        for i, layer in enumerate(layers):
            if layer == "conv":
                w = graph.WeightOp(f"conv{i}.weight", TensorType(f32, [c, c, 3, 3]), "he_normal")
                op: graph.GraphOp = graph.Conv2DOp(value, w.output, pad=(1, 1, 1, 1))
            elif layer == "bn":
                stats = [graph.WeightOp(f"bn{i}.{s}", TensorType(f32, [c]), "bn_shift").output for s in "sbmv"]
                op = graph.BatchNormOp(value, *stats)
            elif layer == "relu":
                op = graph.ReluOp(value)
            else:
                op = graph.AddOp(value, x)
            ops.append(op)
            value = op.output
        func.ReturnOp(value)
    return ModuleOp([fn]), ops


# --------------------------------------------------------------------------- hand-computed latencies

RELU_BYTES = 2 * 64 * 56 * 56 * 2  # input + output, FP16 in DRAM: 802816 bytes
RELU_ELEMENTS = 64 * 56 * 56


def test_relu_on_one_core() -> None:
    """5 us launch + max(200704 FLOP / 2 TFLOP/s, 802816 B / 25.6 GB/s (one core's DMA))."""
    _, (relu,) = chain_module([1, 64, 56, 56], ["relu"])
    cost = group_cost([relu], 1, MLU100)
    assert cost.compute == pytest.approx(RELU_ELEMENTS / 2e12)
    assert cost.memory == pytest.approx(RELU_BYTES / 25.6e9) == pytest.approx(31.36e-6)
    assert cost.overhead == pytest.approx(5e-6)
    assert cost.latency == pytest.approx(36.36e-6)
    assert (cost.bound, cost.dram_bytes, cost.flops, cost.cores) == ("memory", RELU_BYTES, RELU_ELEMENTS, 1)


def test_relu_on_four_cores() -> None:
    """4 cores saturate DRAM (4 x 25.6 = 102.4 GB/s) and add 3 x 100 cycles of synchronisation."""
    _, (relu,) = chain_module([1, 64, 56, 56], ["relu"])
    cost = group_cost([relu], 4, MLU100)
    assert cost.compute == pytest.approx(RELU_ELEMENTS / 4 / 2e12)
    assert cost.memory == pytest.approx(RELU_BYTES / 102.4e9) == pytest.approx(7.84e-6)
    assert cost.overhead == pytest.approx(5e-6 + 300e-9)
    assert cost.latency == pytest.approx(13.14e-6)
    assert cost.bound == "memory"


def test_relu_on_all_cores_is_overhead_bound() -> None:
    _, (relu,) = chain_module([1, 64, 56, 56], ["relu"])
    cost = group_cost([relu], 32, MLU100)
    assert cost.overhead == pytest.approx(5e-6 + 3.1e-6)
    assert cost.latency == pytest.approx(8.1e-6 + 7.84e-6)
    assert cost.bound == "overhead"
    assert best_cores([relu], MLU100)[0] == 4


def test_conv_splits_rows_with_ceil_imbalance() -> None:
    """A 3x3 conv, 64 -> 64 channels at 56x56, splits its 56 output rows: 32 cores get ceil(56/32) = 2 rows each."""
    _, (conv,) = chain_module([1, 64, 56, 56], ["conv"])
    flops = 2 * 64 * 56 * 56 * 64 * 9
    model = CostModel(MLU100)
    facts = model.facts(conv)
    assert (facts.axis, facts.extent, facts.efficiency, facts.flops) == ("rows", 56, 1.0, flops)
    assert model.group_cost([conv], 8).compute == pytest.approx(flops * 7 / 56 / 2e12)
    assert model.group_cost([conv], 16).compute == pytest.approx(flops * 4 / 56 / 2e12)
    assert model.group_cost([conv], 32).compute == pytest.approx(flops * 2 / 56 / 2e12)  # not flops / 32
    cost = model.group_cost([conv], 8)
    assert cost.dram_bytes == RELU_BYTES + 64 * 64 * 9 * 2  # input, output and the weights
    assert cost.latency == pytest.approx(5.7e-6 + flops / 8 / 2e12) and cost.bound == "compute"


def test_channel_efficiency() -> None:
    assert channel_efficiency(64, 64) == 1.0
    assert channel_efficiency(48, 64) == 0.75
    assert channel_efficiency(65, 64) == pytest.approx(65 / 128)
    assert channel_efficiency(3, 64) == pytest.approx(3 / 64)


def test_partition_axes_of_example_layers() -> None:
    module = load_dlm(str(EXAMPLES / "resnet50.dlm"))
    model = CostModel(MLU100)
    ops = [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]
    stem = model.facts(ops[0])  # 7x7/2 conv, 3 -> 64 channels at 112x112
    assert (stem.axis, stem.extent) == ("rows", 112)
    assert stem.efficiency == pytest.approx(147 / 192)  # lanes along the im2col length 3 * 7 * 7
    pool = next(model.facts(op) for op in ops if isinstance(op, graph.GlobalAvgPoolOp))
    assert (pool.axis, pool.extent) == ("channels", 2048 // 64)
    relu = next(model.facts(op) for op in ops if isinstance(op, graph.ReluOp))
    assert (relu.axis, relu.extent, relu.efficiency) == ("elements", 64 * 112 * 112 // 64, 1.0)
    dense = next(model.facts(op) for op in ops if isinstance(op, graph.DenseOp))
    assert (dense.axis, dense.extent) == ("channels", 16)  # 1000 outputs in 64-wide chunks, 1 row
    flatten = next(model.facts(op) for op in ops if isinstance(op, graph.FlattenOp))
    assert flatten.work == 0  # a view


def test_mlu270_cluster_synchronisation_and_legal_cores() -> None:
    _, (relu,) = chain_module([1, 64, 56, 56], ["relu"])
    assert group_cost([relu], 8, MLU270).overhead == pytest.approx(5e-6 + (7 * 100 + 1000) / 1e9)
    cores, _ = best_cores([relu], MLU270)
    assert cores in MLU270.legal_cores


# --------------------------------------------------------------------------- boundary analysis


def test_free_ops_group_and_kernel_cost_the_same() -> None:
    module, ops = chain_module([1, 64, 56, 56], ["conv", "bn", "relu"])
    free = group_cost(ops, 4, MLU100)
    assert group_cost(list(reversed(ops)), 4, MLU100) == free  # any order of the set
    (group,) = form_groups(module, lambda ops: [ops])
    group.attributes["fusion.cores"] = IntegerAttr(4, i64)
    assert kernel_cost(group, MLU100) == free
    ConvertFusionToAccelPass().apply(make_context(), module)
    (kernel,) = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    assert kernel.core_count == 4 and kernel_cost(kernel, MLU100) == free
    # Whole, the tiles (in + out double-buffered + 2 intermediates, / 4 cores) take 490 KiB > 384 KiB: 2 row tiles
    # of 28 rows; each tile re-reads the conv's 2 halo rows of input (30 of its 58 padded input rows).
    assert (free.intermediates, free.tiles, free.tile_rows, free.halo) == ("tiled", 2, 28, "recompute")
    tensor = RELU_BYTES // 2
    assert free.dram_bytes == round(tensor * 2 * 30 / 58) + tensor + 64 * 64 * 9 * 2 + 4 * 64 * 2  # + conv, bn weights


def test_residual_input_and_escaping_intermediate() -> None:
    """In conv -> relu -> add(x): x is read once; the working set holds the conv and relu outputs."""
    module, (conv, relu, add) = chain_module([1, 64, 8, 8], ["conv", "relu", "add"])
    tensor = 64 * 8 * 8 * 2
    cost = group_cost([conv, relu, add], 1, MLU100)
    assert cost.dram_bytes == 2 * tensor + 64 * 64 * 9 * 2
    # The conv and relu outputs, and the input and output double-buffered (no prefetch buffer: only the
    # conv reads DRAM, x stays on chip for the add).
    assert cost.working_set == 2 * tensor + 2 * 2 * tensor and cost.intermediates == "on-chip"
    # Without the add, relu's result leaves the kernel: it is an output.
    assert group_cost([conv, relu], 1, MLU100).dram_bytes == 2 * tensor + 64 * 64 * 9 * 2


def test_embedding_reads_only_gathered_rows() -> None:
    module = load_dlm(str(EXAMPLES / "bert_base.dlm"))
    lookup = next(op for op in module.walk() if isinstance(op, graph.EmbeddingOp))
    cost = group_cost([lookup], 1, MLU100)
    assert cost.dram_bytes == 128 * 8 + 2 * 128 * 768 * 2  # i64 ids, gathered rows, output


def test_dataflow_boundaries_match_the_boundaries_of_the_ops() -> None:
    """A `Dataflow` of a whole function gives every subset the boundary and costs of the subset alone."""
    module = load_dlm(str(EXAMPLES / "resnet18.dlm"))
    ops = [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]
    model = CostModel(MLU100)
    dataflow = model.dataflow(ops)
    odd = CostModel(dataclasses.replace(MLU100, legal_cores=(3,)))  # 3 cores: not a legal count of MLU100
    for indices in [[i] for i in range(len(ops))] + [
        list(range(i, min(i + 7, len(ops)))) for i in range(0, len(ops), 5)
    ]:
        boundary = dataflow.boundary(indices)
        assert boundary == model.boundary([ops[i] for i in indices])
        backwards = indices[::-1]  # sorted topologically first
        assert dataflow.boundary(backwards) == model.boundary([ops[i] for i in backwards])
        assert model.fastest(boundary) == best_cores([ops[i] for i in indices], MLU100)
        assert model.cost(boundary, 3) == odd.cost(odd.boundary([ops[i] for i in indices]), 3)


# --------------------------------------------------------------------------- fusion and on-chip memory (DNNFusion)


def test_fusion_pays_when_intermediates_stay_on_chip() -> None:
    _, ops = chain_module([1, 64, 56, 56], ["conv", "bn", "relu"])
    fused = best_cores(ops, MLU100)[1]
    separate = sum(best_cores([op], MLU100)[1].latency for op in ops)
    assert fused.intermediates == "on-chip"
    assert fused.latency < 0.6 * separate


CONV_224 = 2 * 64 * 224 * 224 * 64 * 9 / 2e12  # one 3x3 conv, 64 -> 64 channels at 224x224, on one core: 1849.7 us
RELU_224 = 64 * 224 * 224 / 2e12
TENSOR_224 = 64 * 224 * 224 * 2
WEIGHTS_64 = 64 * 64 * 9 * 2


def test_conv_relu_conv_fused_whole_on_a_large_chip() -> None:
    """conv3x3 -> relu -> conv3x3 at 1x64x224x224 on one core with 64 MiB on chip: per-op phases, no tiles.

    conv1 reads x and its weights (253.76 us) under its 1849.7 us of compute; relu touches no DRAM;
    conv2 prefetches 32 KiB of its weights (1.28 us at 25.6 GB/s) while relu computes, and writes y
    under its compute. Apart, relu alone moves 2 x 12.8 MB in 501.76 us.
    """
    _, ops = chain_module([1, 64, 224, 224], ["conv", "relu", "conv"])
    large = dataclasses.replace(MLU100, onchip_bytes=64 * 2**20)
    fused = group_cost(ops, 1, large)
    assert (fused.intermediates, fused.tiles) == ("on-chip", 1)
    read = (TENSOR_224 + WEIGHTS_64) / 25.6e9
    assert [p.memory for p in fused.phases] == pytest.approx([read, 0, read])
    assert [p.prefetched for p in fused.phases] == pytest.approx([0, 0, 1.28e-6])
    assert fused.latency == pytest.approx(5e-6 + 2 * CONV_224 + RELU_224)
    apart = sum(group_cost([op], 1, large).latency for op in ops)
    assert apart == pytest.approx(15e-6 + 2 * CONV_224 + 2 * TENSOR_224 / 25.6e9)
    assert fused.latency < apart


def test_conv_relu_conv_fused_is_slower_with_small_tiles() -> None:
    """The same chain with 544 KiB on chip: keeping the intermediates on chip fits only in 1-row tiles.

    224 tiles of 1 output row: conv2 needs 3 rows of relu, which needs 3 rows of conv1, so conv1
    and relu compute 672 rows for 224 (3x) and conv2 224; each op pays 200 cycles per tile.
    A tile takes 533.5 KiB (3 rows of conv1 and of relu, 5 input rows and 1 output row double-buffered,
    and the 32 KiB prefetch buffer). Caching the halo rows instead needs 645.5 KiB. Apart, each op streams: fused on chip is 1.79x
    slower, so the kernel runs its ops one after another through DRAM instead ("spilled"): each op
    streams as it would alone (conv1 and conv2 1849.69 us of compute over 504.64 us of DRAM, relu
    1002.24 us of DRAM less the 1.28 us it prefetched under conv1), minus two launches.
    """
    _, ops = chain_module([1, 64, 224, 224], ["conv", "relu", "conv"])
    small = dataclasses.replace(MLU100, onchip_bytes=544 * 1024)
    assert (
        CostModel(dataclasses.replace(MLU100, onchip_bytes=533 * 1024)).on_chip_cost(CostModel(small).boundary(ops), 1)
        is None
    )
    model = CostModel(small)
    fused = model.on_chip_cost(model.boundary(ops), 1)
    assert fused is not None
    assert (fused.intermediates, fused.tiles, fused.tile_rows, fused.halo) == ("tiled", 224, 1, "recompute")
    assert [p.rows for p in fused.phases] == [3, 3, 1]
    assert fused.compute == pytest.approx(CONV_224 * (672 + 224) / 224 + RELU_224 * 672 / 224)
    assert fused.tile_overhead == pytest.approx(224 * 3 * 200e-9)
    apart = sum(group_cost([op], 1, small).latency for op in ops)
    assert fused.latency > 1.7 * apart
    kernel = model.group_cost(ops, 1)
    assert kernel.intermediates == "spilled"
    assert kernel.latency == pytest.approx(5e-6 + 2 * CONV_224 + 2 * TENSOR_224 / 25.6e9 - 1.28e-6)
    assert kernel.latency == pytest.approx(apart - 10e-6 - 1.28e-6)
    cached = CostModel(dataclasses.replace(MLU100, onchip_bytes=646 * 1024))
    best = cached.on_chip_cost(cached.boundary(ops), 1)
    assert best is not None and (best.tiles, best.halo) == (224, "cache")
    assert best.compute == pytest.approx(2 * CONV_224 + RELU_224)


def test_latency_falls_as_tiles_grow() -> None:
    """Between 1 MiB and 64 MiB on chip, the fused chain only gets faster, and beats the ops apart from 4 MiB."""
    _, ops = chain_module([1, 64, 224, 224], ["conv", "relu", "conv"])
    latencies = []
    for kib in (1024, 4096, 16384, 65536):
        target = dataclasses.replace(MLU100, onchip_bytes=kib * 1024)
        latencies.append(group_cost(ops, 1, target).latency)
    assert latencies == sorted(latencies, reverse=True)
    assert latencies[1] < sum(group_cost([op], 1, MLU100).latency for op in ops)


def test_kernel_spills_when_no_tile_fits() -> None:
    """With 384 KiB not even a 1-row tile of the 224x224x64 chain fits: intermediates spill, one read per consumer."""
    _, ops = chain_module([1, 64, 224, 224], ["conv", "relu", "conv"])
    cost = group_cost(ops, 1, MLU100)
    assert cost.intermediates == "spilled"
    assert cost.dram_bytes == 2 * TENSOR_224 + 2 * WEIGHTS_64 + 4 * TENSOR_224  # two intermediates, written and read


def test_transpose_fused_into_matmul_pays_short_dram_runs() -> None:
    """k (1x12x128x64) transposed to 1x12x64x128 inside a matmul's kernel is read in 2-byte runs: 1/32 of each burst.

    Alone, a transpose kernel stages blocks on chip and moves whole bursts both ways.
    """
    t = TensorType(f32, [1, 12, 128, 64])
    fn = func.FuncOp("main", ((t, t), (TensorType(f32, [1, 12, 128, 128]),)))
    with ImplicitBuilder(fn.body) as (q, k):
        transpose = graph.TransposeOp(k, (0, 1, 3, 2))
        matmul = graph.MatMulOp(q, transpose.output)
        func.ReturnOp(matmul.output)
    model = CostModel(MLU100)
    assert model.facts(transpose).access_efficiency == 2 / 64
    fused = on_chip([transpose, matmul], 8)  # on 8 cores the transposed k stays on chip
    assert fused.intermediates == "on-chip"
    size = 12 * 128 * 64 * 2
    assert fused.phases[0].memory == pytest.approx(size / 102.4e9 * 32)  # 61.44 us instead of 1.92 us
    alone = model.group_cost([transpose], 8)
    assert alone.memory == pytest.approx(2 * size / 102.4e9)
    apart = alone.latency + model.group_cost([matmul], 8).latency
    assert fused.latency > apart
    # So the kernel writes the transposed k to DRAM in whole bursts and reads it back, as apart but for one launch.
    kernel = model.group_cost([transpose, matmul], 8)
    assert kernel.intermediates == "spilled" and kernel.latency < apart


def test_rows_to_channels_pays_redistribution() -> None:
    """conv (split by its 16 rows) -> global pool (split by its 4 channel chunks) on 8 cores.

    The conv result is re-partitioned: 7/8 of its 131072 bytes move through the links (8 x 64 GB/s)
    plus 200 cycles, after a barrier of 7 x 100 cycles. (Split by rows the conv's slowest core does
    2 of 16 rows, 18.9 us, over the 16.1 us its link takes to receive 7/8 of the weights; split by
    its 4 channel chunks, 1/4 of the work.)
    """
    t = TensorType(f32, [1, 256, 16, 16])
    fn = func.FuncOp("main", ((t,), (TensorType(f32, [1, 256, 1, 1]),)))
    with ImplicitBuilder(fn.body) as (x,):
        w = graph.WeightOp("w", TensorType(f32, [256, 256, 3, 3]), "he_normal")
        conv = graph.Conv2DOp(x, w.output, pad=(1, 1, 1, 1))
        pool = graph.GlobalAvgPoolOp(conv.output)
        func.ReturnOp(pool.output)
    cost = on_chip([conv, pool], 8)
    assert cost.axes == ("rows", "channels")
    assert cost.redistributed_bytes == 131072 * 7 // 8
    assert cost.redistribution == pytest.approx(114688 / (8 * 64e9) + 200e-9)
    assert cost.barriers == pytest.approx(700e-9)
    one = group_cost([conv, pool], 1, MLU100)
    assert (one.redistribution, one.barriers) == (0.0, 0.0)


def test_cross_cluster_traffic_goes_through_dram_on_mlu270() -> None:
    """On 8 cores of MLU270 (2 clusters of 4), half the re-partitioned bytes cross clusters through DRAM.

    A 3x3 max pool (split by its 14 rows: 2 per core, against 1 of 4 channel chunks) -> global pool (by channels).
    """
    t = TensorType(f32, [1, 256, 14, 14])
    fn = func.FuncOp("main", ((t,), (TensorType(f32, [1, 256, 1, 1]),)))
    with ImplicitBuilder(fn.body) as (x,):
        window = graph.MaxPoolOp(x, (3, 3), (1, 1), (1, 1, 1, 1))
        pool = graph.GlobalAvgPoolOp(window.output)
        func.ReturnOp(pool.output)
    cost = on_chip([window, pool], 8, MLU270)
    assert cost.axes == ("rows", "channels")
    moved = 100352 - 100352 // 8
    assert cost.redistribution == pytest.approx(0.5 * moved / (8 * 64e9) + moved / 102.4e9 + 200e-9)
    assert cost.dram_bytes == 100352 + 256 * 2 + moved


def test_row_split_weights_are_multicast_to_every_core() -> None:
    """A 3x3 conv 256 -> 256 on 1x256x16x16 split by its 16 rows: every core needs all 1179648 weight bytes.

    On 8 mlu100 cores (one memory) they are read from DRAM once and multicast: each core's link
    receives the 7/8 it did not fetch, 1032192 B / 64 GB/s = 16.128 us, under the
    conv's 18.87 us of compute (2 of its 16 rows per core). On 16 mlu270 cores (4 clusters sharing only DRAM) each cluster
    reads its own copy (3 more copies in DRAM) and multicasts it to its 4 cores.
    """
    t = TensorType(f32, [1, 256, 16, 16])
    fn = func.FuncOp("main", ((t,), (t,)))
    with ImplicitBuilder(fn.body) as (x,):
        w = graph.WeightOp("w", TensorType(f32, [256, 256, 3, 3]), "he_normal")
        conv = graph.Conv2DOp(x, w.output, pad=(1, 1, 1, 1))
        func.ReturnOp(conv.output)
    weights, tensor = 256 * 256 * 9 * 2, 256 * 16 * 16 * 2
    cost = group_cost([conv], 8, MLU100)
    assert CostModel(MLU100).split(CostModel(MLU100).facts(conv), 8)[:2] == ("rows", 16)
    assert cost.phases[0].multicast == pytest.approx(weights * 7 / 8 / 64e9)
    assert cost.phases[0].compute == pytest.approx(256 * 256 * 9 * 2 * 256 / 8 / 2e12)
    assert cost.dram_bytes == weights + 2 * tensor
    model = CostModel(MLU270)
    f = model.facts(conv)
    assert model._multicast(weights, 16) == (pytest.approx(weights * 3 / 4 / 64e9), 3 * weights)
    assert model._split_time(f, 16, 0) == pytest.approx((4 * weights + 2 * tensor) / 102.4e9)  # 48.6 us
    # split by its 4 channel chunks instead, 4 of the 16 cores each compute a quarter: 18.9 us
    assert model.split(f, 16)[:2] == ("channels", 4)
    assert model.group_cost([conv], 16).phases[0].compute == pytest.approx(256 * 256 * 9 * 2 * 256 / 4 / 4e12)


def test_split_axis_follows_the_weight_multicast() -> None:
    """A dense layer 768 -> 768 on 128 rows (BERT-base's projections) on 8 mlu100 cores.

    Split by its 128 rows each core would receive 7/8 of the 1179648 weight bytes over its link
    (16.1 us, more than the 15.4 us the layer's 1572864 DRAM bytes take); split by its 12
    channel chunks each core holds its own weights and receives 7/8 of the 196608-byte input:
    the layer takes the channels, and its cost is its DRAM time.
    """
    fn = func.FuncOp("main", ((TensorType(f32, [128, 768]),), (TensorType(f32, [128, 768]),)))
    with ImplicitBuilder(fn.body) as (x,):
        w = graph.WeightOp("w", TensorType(f32, [768, 768]), "he_normal")
        dense = graph.DenseOp(x, w.output)
        func.ReturnOp(dense.output)
    model = CostModel(MLU100)
    f = model.facts(dense)
    assert (f.axis, f.extent) == ("rows", 128)  # the axis with the most units
    assert [model.split(f, c)[:2] for c in (1, 8)] == [("rows", 128), ("channels", 12)]
    weights, tensor = 768 * 768 * 2, 128 * 768 * 2
    assert model._split_time(f, 8, 0) == pytest.approx(weights * 7 / 8 / 64e9)
    cost = model.group_cost([dense], 8)
    assert cost.latency == pytest.approx(
        MLU100.launch_overhead + MLU100.sync_overhead(8) + (weights + 2 * tensor) / 102.4e9
    )
    assert cost.phases[0].multicast == pytest.approx(tensor * 7 / 8 / 64e9)


def test_untileable_working_set_spills() -> None:
    """Global pooling cannot be tiled by rows: the relu output goes through DRAM and back."""
    t = TensorType(f32, [1, 256, 56, 56])
    fn = func.FuncOp("main", ((t,), (TensorType(f32, [1, 256, 1, 1]),)))
    with ImplicitBuilder(fn.body) as (x,):
        relu = graph.ReluOp(x)
        pool = graph.GlobalAvgPoolOp(relu.output)
        func.ReturnOp(pool.output)
    tensor = 256 * 56 * 56 * 2
    cost = group_cost([relu, pool], 1, MLU100)
    assert cost.intermediates == "spilled"
    assert cost.dram_bytes == tensor + 256 * 2 + 2 * tensor  # in, out, and the spill (write + read)
    # More cores hold more only if the ops split across them: the pool splits its 256 channels in 4 chunks of 64,
    # relu follows it, so on 32 cores the intermediate lives on 4 (a quarter each) and still does not fit.
    model = CostModel(MLU100)
    whole = model.smallest_working_set(model.boundary([relu, pool]), 32)
    assert whole == tensor // 4 + 2 * (tensor // 4 + 256 * 2 // 4)
    assert group_cost([relu, pool], 32, MLU100).intermediates == "spilled"
    # With 1024 channels (16 chunks) on 16 cores, each holds 1/16: it fits.
    t = TensorType(f32, [1, 1024, 28, 28])
    fn = func.FuncOp("main", ((t,), (TensorType(f32, [1, 1024, 1, 1]),)))
    with ImplicitBuilder(fn.body) as (x,):
        relu = graph.ReluOp(x)
        pool = graph.GlobalAvgPoolOp(relu.output)
        func.ReturnOp(pool.output)
    tensor = 1024 * 28 * 28 * 2
    wide = group_cost([relu, pool], 16, MLU100)
    assert wide.working_set == tensor // 16 + 2 * (tensor // 16 + 1024 * 2 // 16)
    assert wide.intermediates == "on-chip"


def test_fusion_stops_paying_when_the_working_set_does_not_fit() -> None:
    """The saving of fusing relu -> relu is large when it fits and shrinks to a launch when it spills."""

    def saving(target) -> float:
        _, ops = chain_module([1, 64, 56, 56], ["relu", "relu"])
        fused = group_cost(ops, 1, target)
        return sum(group_cost([op], 1, target).latency for op in ops) - fused.latency

    roomy = dataclasses.replace(MLU100, onchip_bytes=10**9)
    tiny = dataclasses.replace(MLU100, onchip_bytes=64)  # cannot hold even one row: no tiling, spills
    assert saving(roomy) > 5 * saving(tiny)
    assert saving(tiny) == pytest.approx(MLU100.launch_overhead)


# --------------------------------------------------------------------------- every example


def chunks(ops: list[Operation], size: int) -> list[list[Operation]]:
    """Runs of `size` consecutive ops of a block: convex, so they can become groups."""
    return [ops[i : i + size] for i in range(0, len(ops), size)]


@pytest.mark.parametrize("model", sorted(p.stem for p in EXAMPLES.glob("*.dlm")))
def test_no_kernel_beats_its_physical_lower_bound(model: str) -> None:
    """max(FLOPs / peak of its cores, DRAM bytes / bandwidth) <= latency: singletons and fused runs, every core count."""
    module = load_dlm(str(EXAMPLES / f"{model}.dlm"))
    ops = [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]
    model_ = CostModel(MLU100)
    for group in [[op] for op in ops] + chunks(ops, 4) + chunks(ops, 16):
        boundary = model_.boundary(group)
        for cores in MLU100.legal_cores:
            cost = model_.cost(boundary, cores)
            assert cost.latency >= physical_lower_bound(cost, MLU100) * (1 - 1e-12), (model, group[0].name, cores)
            body = sum(p.time for p in cost.phases)
            assert body >= max(cost.compute, cost.memory) * (1 - 1e-12)
            parts = cost.overhead + body + cost.barriers + cost.redistribution + cost.tile_overhead
            assert cost.latency == pytest.approx(parts)


def test_plan_kernels_respect_the_lower_bound() -> None:
    module = load_dlm(str(EXAMPLES / "mobilenet_v2.dlm"))
    ctx = make_context()
    ConvertGraphToFusionPass().apply(ctx, module)
    for group in [op for op in module.walk() if isinstance(op, fusion.GroupOp)]:
        group.attributes["fusion.cores"] = IntegerAttr(8, i64)
    ConvertFusionToAccelPass().apply(ctx, module)
    for kernel in [op for op in module.walk() if isinstance(op, accel.KernelOp)]:
        cost = kernel_cost(kernel, MLU100)
        assert cost.cores == 8 and cost.latency >= physical_lower_bound(cost, MLU100)
        assert kernel.latency is not None and kernel.latency.us == pytest.approx(cost.latency * 1e6, abs=1e-3)


def test_baseline_is_the_same_for_a_model_and_its_plan() -> None:
    module = load_dlm(str(EXAMPLES / "resnet18.dlm"))
    graph_level = baseline_latency(module, MLU100)
    ctx = make_context()
    form_groups(module, lambda ops: chunks(ops, 5))  # a fused plan dissolves back to the same ops
    ConvertFusionToAccelPass().apply(ctx, module)
    assert baseline_latency(module, MLU100) == pytest.approx(graph_level)
    ops = [op for op in module.walk() if isinstance(op, graph.GraphOp)]
    assert graph_level == pytest.approx(sum(group_cost([op], 1, MLU100).latency for op in ops))


def test_cost_call_is_fast() -> None:
    """A 3-op group is costed in well under a millisecond of CPU time (the planner calls this thousands of times)."""
    module = load_dlm(str(EXAMPLES / "resnet50.dlm"))
    ops = [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]
    groups = chunks(ops, 3)
    model = CostModel(MLU100)
    for group in groups:
        model.group_cost(group, 4)  # fill the per-op cache
    start = time.process_time()
    for _ in range(10):
        for group in groups:
            model.group_cost(group, 4)
    per_call = (time.process_time() - start) / (10 * len(groups))
    assert per_call < 500e-6


def test_spill_is_read_once_per_consuming_op() -> None:
    """transpose (1x64x256x512) -> mul(y, y) on 4 cores: the spilled y is read once by the mul, not once per operand.

    Fused, the bytes are the same as apart (in, y written and read once, out) and one launch is saved.
    """
    t = TensorType(f32, [1, 64, 256, 512])
    fn = func.FuncOp("main", ((t,), (TensorType(f32, [1, 64, 512, 256]),)))
    with ImplicitBuilder(fn.body) as (x,):
        transpose = graph.TransposeOp(x, (0, 1, 3, 2))
        mul = graph.MulOp(transpose.output, transpose.output)
        func.ReturnOp(mul.output)
    tensor = 64 * 256 * 512 * 2
    fused = group_cost([transpose, mul], 4, MLU100)
    apart = [group_cost([op], 4, MLU100) for op in (transpose, mul)]
    assert fused.intermediates == "spilled"
    assert fused.dram_bytes == 4 * tensor == sum(k.dram_bytes for k in apart)
    assert fused.latency <= sum(k.latency for k in apart)


def test_row_split_convs_exchange_halo_rows() -> None:
    """conv3x3 -> conv3x3 at 64x56x56 on 4 cores, both split by rows: the 3 core boundaries exchange 2 rows each.

    3 x 2 rows x 7168 bytes = 43008 bytes over 4 x 64 GB/s, plus 200 cycles; no barrier: the second conv
    waits only for its neighbours' halo rows (the link latency), not for all cores.
    """
    _, ops = chain_module([1, 64, 56, 56], ["conv", "conv"])
    cost = on_chip(ops, 4, dataclasses.replace(MLU100, onchip_bytes=10**8))
    assert (cost.intermediates, cost.axes) == ("on-chip", ("rows", "rows"))
    assert cost.redistributed_bytes == 3 * 2 * 64 * 56 * 2
    assert cost.redistribution == pytest.approx(43008 / (4 * 64e9) + 200e-9)
    assert cost.barriers == 0.0


def test_weights_that_overflow_the_weight_buffer_are_read_per_tile() -> None:
    """dense -> relu -> dense, 768 -> 768 on 512 rows, one core: 2.25 MiB of weights > the 384 KiB weight buffer.

    Tiled, the chain runs in 14 tiles of 37 rows (the smallest count whose tiles fit beside the 32 KiB
    prefetch buffer), so each dense's weights are read 14 times, and the input's 518 rows of tiles
    (14 x 37) re-read 6 rows; spilling is faster.
    """
    t = TensorType(f32, [1, 512, 768])
    fn = func.FuncOp("main", ((t,), (t,)))
    with ImplicitBuilder(fn.body) as (x,):
        w1 = graph.WeightOp("w1", TensorType(f32, [768, 768]), "he_normal")
        d1 = graph.DenseOp(x, w1.output)
        relu = graph.ReluOp(d1.output)
        w2 = graph.WeightOp("w2", TensorType(f32, [768, 768]), "he_normal")
        d2 = graph.DenseOp(relu.output, w2.output)
        func.ReturnOp(d2.output)
    cost = on_chip([d1, relu, d2], 1)
    assert (cost.intermediates, cost.tiles, cost.tile_rows, cost.weights) == ("tiled", 14, 37, "streamed")
    tensor, weights = 512 * 768 * 2, 2 * 768 * 768 * 2
    assert cost.dram_bytes == round(tensor * 14 * 37 / 512) + tensor + 14 * weights


# --------------------------------------------------------------------------- monotonic in the on-chip size


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([8, 16, 64, 96]),
    st.integers(4, 112),
    st.lists(st.sampled_from(["conv", "bn", "relu", "add"]), min_size=2, max_size=6),
    st.sampled_from([MLU100, MLU270]),
    st.data(),
    st.integers(1, 4096),
    st.integers(1, 64),
)
def test_more_on_chip_memory_never_makes_a_chain_slower(channels, size, layers, target, data, kib, factor) -> None:
    """A conv/bn/relu/residual chain on any core count: latency with k x the on-chip memory <= latency with 1 x.

    Every schedule that fits a smaller memory fits the larger one, and spilling fits any.
    """
    _, ops = chain_module([1, channels, size, size], layers)
    cores = data.draw(st.sampled_from(target.legal_cores))
    small, large = (CostModel(dataclasses.replace(target, onchip_bytes=k * 1024)) for k in (kib, kib * factor))
    assert large.group_cost(ops, cores).latency <= small.group_cost(ops, cores).latency * (1 + 1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.integers(2, 8), st.sampled_from([MLU100, MLU270]), st.data())
def test_more_on_chip_memory_never_makes_a_random_kernel_slower(seed, length, target, data) -> None:
    """Runs of consecutive ops of random models (every op kind), on any core count and two on-chip sizes."""
    try:
        module = random_model(seed, 24).module
    except graph.ShapeError:  # a generator step that builds an ill-shaped op (its own bug, not this property's)
        assume(False)
    ops = [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]
    start = data.draw(st.integers(0, max(0, len(ops) - length)))
    kernel = ops[start : start + length]
    cores = data.draw(st.sampled_from(target.legal_cores))
    small_bytes = data.draw(st.integers(64, 2**20))
    large_bytes = small_bytes * data.draw(st.integers(1, 64))
    small, large = (CostModel(dataclasses.replace(target, onchip_bytes=n)) for n in (small_bytes, large_bytes))
    assert large.group_cost(kernel, cores).latency <= small.group_cost(kernel, cores).latency * (1 + 1e-12)


def test_channel_split_convolution_gathers_its_whole_input() -> None:
    """conv1x1 -> conv1x1, 1024 -> 1024 channels at 7x7, on 16 cores: both split by their 16 channel chunks.

    Each core computes 64 output channels of the second conv from all 1024 input channels, so every
    core receives the 15/16 of the first conv's 100352-byte result it does not hold: 16 x 94080 bytes
    over 16 x 64 GB/s, plus 200 cycles, after a barrier of 15 x 100 cycles. A depthwise conv reads
    only its own channels: nothing moves.
    """
    t = TensorType(f32, [1, 1024, 7, 7])

    def kernel(groups: int) -> list[graph.GraphOp]:
        fn = func.FuncOp("main", ((t,), (t,)))
        with ImplicitBuilder(fn.body) as (x,):
            w1 = graph.WeightOp("w1", TensorType(f32, [1024, 1024, 1, 1]), "he_normal")
            first = graph.Conv2DOp(x, w1.output)
            w2 = graph.WeightOp("w2", TensorType(f32, [1024, 1024 // groups, 1, 1]), "he_normal")
            second = graph.Conv2DOp(first.output, w2.output, groups=groups)
            func.ReturnOp(second.output)
        return [first, second]

    cost = on_chip(kernel(1), 16)
    assert cost.axes == ("channels", "channels")
    assert cost.redistributed_bytes == 16 * (100352 - 100352 // 16)
    assert cost.redistribution == pytest.approx(16 * 94080 / (16 * 64e9) + 200e-9)
    assert cost.barriers == pytest.approx(1500e-9)
    depthwise = on_chip(kernel(1024), 16)
    assert depthwise.axes == ("channels", "channels") and depthwise.redistributed_bytes == 0


def test_a_memory_bound_op_splits_where_it_replicates_least() -> None:
    """BERT-base's attention scores, q (12 heads x 128 x 64) @ k^T (12 x 64 x 128), on 16 mlu100 cores.

    Alone, either split is bound by the 786432 DRAM bytes (7.68 us). With its operands on chip
    (fused), by its 128 rows each core computes 8 rows (0.79 us) but its link receives 15/16 of
    k^T (196608 B, 2.88 us); by its 12 heads a core computes one head (1.05 us) and receives
    nothing. It takes the heads.
    """
    q, kt = TensorType(f32, [1, 12, 128, 64]), TensorType(f32, [1, 12, 64, 128])
    fn = func.FuncOp("main", ((q, kt), (TensorType(f32, [1, 12, 128, 128]),)))
    with ImplicitBuilder(fn.body) as (a, b):
        scores = graph.MatMulOp(a, b)
        func.ReturnOp(scores.output)
    model = CostModel(MLU100)
    f = model.facts(scores)
    assert (f.axis, f.extent) == ("rows", 128)
    assert [model._split_time(f, 16, k) for k in range(2)] == pytest.approx([786432 / 102.4e9] * 2)
    assert model._split_times(f, 16, 0)[1] == pytest.approx(196608 * 15 / 16 / 64e9)
    assert model._split_times(f, 16, 1)[1] == pytest.approx(2 * 12 * 128 * 128 * 64 / 12 / 2e12)
    assert model.split(f, 16) == ("batch", 12, ())
    assert model.group_cost([scores], 16).latency == pytest.approx(5e-6 + 1.5e-6 + 786432 / 102.4e9)
