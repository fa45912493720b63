"""The schedule simulator's dependences, accel-schedule's chunking and tile bound, and the memory estimate of a
scheduled run's timeline."""

from __future__ import annotations

import numpy as np
import pytest
from test_scheduled import (
    ATOL,
    CONV_CONV,
    EXAMPLES,
    MLU100,
    RTOL,
    inputs_of,
    kernel_of,
    parse,
    unscheduled,
)
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import Level, default_pipeline, parse_pass_pipeline
from dlfc.compiler.transforms import accel_schedule
from dlfc.compiler.transforms.accel_schedule import chunk_count
from dlfc.dialects import accel, graph, schedule
from dlfc.hw.cost import cost_model, kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.memory import SIMULATION_EVENT_BYTES, simulation_bytes
from dlfc.hw.simulator import simulate
from dlfc.hw.target import load_target


def appended_kernel() -> ModuleOp:
    """relu of 4 rows on one core in two chunks appended to one buffer, each chunk stored from it."""
    return parse(
        "builtin.module {\n"
        "  func.func @f(%x: tensor<1x64x4x8xf32>) -> tensor<1x64x4x8xf32> {\n"
        '    %y = accel.kernel "k"(%x) cores = 1 : (tensor<1x64x4x8xf32>) -> tensor<1x64x4x8xf32> {\n'
        "    ^bb0(%a: tensor<1x64x4x8xf32>):\n"
        "      %r = graph.relu %a : tensor<1x64x4x8xf32>\n"
        "      schedule.program capacity = 16384 element_bytes = 2 {\n"
        "        %b0 = schedule.buffer offset = 0 size = 4096\n"
        "        %b1 = schedule.buffer offset = 4096 size = 4096\n"
        "        schedule.load %a rows = [0, 4] into %b0 : tensor<1x64x4x8xf32>\n"
        "        schedule.compute %r rows = [0, 2] ins(%b0) outs(%b1) : tensor<1x64x4x8xf32>\n"
        "        schedule.store %r rows = [0, 2] from %b1 : tensor<1x64x4x8xf32>\n"
        "        schedule.compute %r rows = [2, 4] ins(%b0) outs(%b1) append : tensor<1x64x4x8xf32>\n"
        "        schedule.store %r rows = [2, 4] from %b1 : tensor<1x64x4x8xf32>\n"
        "        schedule.load %a rows = [0, 2] into %b1 : tensor<1x64x4x8xf32>\n"
        "      }\n"
        "      accel.yield %r : tensor<1x64x4x8xf32>\n"
        "    }\n"
        "    func.return %y : tensor<1x64x4x8xf32>\n"
        "  }\n"
        "}\n"
    )


def test_an_appended_chunk_does_not_wait_for_the_store_of_the_previous_one() -> None:
    """Chunk 1 adds rows to the buffer chunk 0's store reads: no write-after-read between them, but a load
    overwriting the buffer afterwards waits for both stores."""
    sim = simulate(kernel_of(appended_kernel()), cost_model(MLU100))
    load, compute0, store0, compute1, store1, reload = sim.events
    assert [e.name for e in (compute0, compute1)] == ["relu", "relu"]
    assert compute1.start == pytest.approx(compute0.end)
    assert compute1.end < store0.end  # 2048 FLOP take 1 ns, 2 KiB at 25.6 GB/s take 80 ns
    assert reload.start == pytest.approx(max(store0.end, store1.end))


def test_chunk_count_keeps_the_halo_re_read_within_half_the_rows() -> None:
    module = parse(CONV_CONV)
    conv = next(op for op in module.walk() if isinstance(op, graph.Conv2DOp))
    relu = next(op for op in module.walk() if isinstance(op, graph.ReluOp))
    assert [chunk_count(conv, rows) for rows in (1, 3, 4, 7, 8, 12, 100)] == [1, 1, 2, 2, 3, 4, 4]
    assert chunk_count(relu, 1) == accel_schedule.CHUNKS


def test_a_core_loads_its_rows_of_a_convolution_input_about_once() -> None:
    """conv3x3 on 2 cores, 4 output rows each: two chunks of 2 rows load 3 + 4 input rows per core (four chunks
    of one row loaded 12), and the result still equals the whole ops'."""
    module = parse(CONV_CONV)
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    kernel = kernel_of(module)
    loads = [op for op in kernel.walk() if isinstance(op, schedule.LoadOp) and op.source is kernel.body.block.args[0]]
    assert [op.core_rows() for op in loads] == [[(0, 3), (3, 7)], [(1, 5), (5, 8)]]
    expected = execute(unscheduled(parse(CONV_CONV)), inputs_of(), MLU100).outputs[0]
    np.testing.assert_allclose(execute(module, inputs_of(), MLU100).outputs[0], expected, rtol=RTOL, atol=ATOL)


def scheduled_tall(tiles: int, capacity_kib: int) -> tuple[ModuleOp, list[np.ndarray]]:
    """CONV_CONV on a 64-row tensor on one core, the cost model asked for `tiles` tiles, with `capacity_kib` KiB."""
    from dataclasses import replace

    from dlfc.hw.cost import KernelCost

    module = parse(CONV_CONV.replace("1x4x8x8", "1x4x64x8").replace("cores = 2", "cores = 1"))
    inputs = [np.random.default_rng(0).standard_normal((1, 4, 64, 8)).astype(np.float32)]
    kernel = kernel_of(module)
    target = replace(MLU100, onchip_bytes=capacity_kib * 1024, weight_buffer_bytes=0)
    cost = KernelCost(1, 0.0, 0.0, 0.0, 0.0, "compute", 0, 0, 0, "tiled", tiles=tiles)
    ops = [op for op in kernel.body.block.ops if isinstance(op, graph.GraphOp) and not graph.is_source(op)]
    phases = accel_schedule.plan_phases(ops, 1, cost, target)
    program = accel_schedule.emit_program(phases, target)
    last = kernel.body.block.last_op
    assert last is not None
    kernel.body.block.insert_op_before(program, last)
    module.verify()
    return module, inputs


def tile_count(module: ModuleOp) -> int:
    return sum(1 for op in module.walk() if isinstance(op, schedule.TileOp))


def test_a_tall_tensor_takes_at_most_max_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asked for 64 tiles of a 64-row tensor, a phase takes MAX_TILES (here 4); with 2 KiB the ops take a
    phase each, with 1 KiB the convolutions run whole; the numbers equal the whole ops' in every case."""
    monkeypatch.setattr(accel_schedule, "MAX_TILES", 4)
    for capacity, tiles, whole in ((64, 4, 0), (2, 12, 0), (1, 4, 2)):
        module, inputs = scheduled_tall(64, capacity)
        assert tile_count(module) == tiles
        assert sum(1 for op in module.walk() if isinstance(op, schedule.ComputeWholeOp)) == whole
        expected = execute(unscheduled(module), inputs, MLU100).outputs[0]
        np.testing.assert_allclose(execute(module, inputs, MLU100).outputs[0], expected, rtol=RTOL, atol=ATOL)


def test_without_a_cap_the_same_phase_takes_the_tiles_asked_for() -> None:
    assert accel_schedule.MAX_TILES == 256
    assert tile_count(scheduled_tall(64, 64)[0]) == 64
    assert tile_count(scheduled_tall(64, 1)[0]) == 128  # two phases of 64 tiles


def test_the_memory_estimate_covers_every_simulated_task() -> None:
    """conv3x3 -> relu -> conv3x3 on 8 mlu270 cores (exchanges across clusters: two tasks per core) and resnet18
    on 16 mlu270 cores (whole ops: several tasks per core): the estimate covers the events the timeline keeps."""
    from xdsl.dialects.builtin import IntegerAttr, i64

    model = cost_model(load_target("mlu270"))
    exchanged = parse(
        CONV_CONV.replace("cores = 2", "cores = 8").replace(
            '"mlu100", cores = [1, 2, 4, 8, 16, 32]', '"mlu270", cores = [1, 4, 8, 16]'
        )
    )
    run_pipeline(make_context(), exchanged, parse_pass_pipeline("accel-schedule", get_all_passes()))
    events = [e for k in exchanged.walk() if isinstance(k, accel.KernelOp) for e in simulate(k, model).events]
    assert any("via DRAM" in e.name for e in events)
    assert len(events) * SIMULATION_EVENT_BYTES <= simulation_bytes(exchanged)

    module = load_dlm(str(EXAMPLES / "resnet18.dlm"))
    passes = ",".join(default_pipeline(Level.GRAPH, Level.ACCEL))
    run_pipeline(make_context(), module, parse_pass_pipeline(passes, get_all_passes(), {"target": ("mlu270",)}))
    for kernel in [op for op in module.walk() if isinstance(op, accel.KernelOp)]:
        kernel.cores = IntegerAttr(16, i64)
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    events = [e for k in module.walk() if isinstance(k, accel.KernelOp) for e in simulate(k, model).events]
    assert any(e.name.endswith("reads") for e in events)
    assert len(events) * SIMULATION_EVENT_BYTES <= simulation_bytes(module)


def test_whole_ops_make_three_tasks_per_core_and_the_estimate_counts_them() -> None:
    """global_avgpool -> relu -> sigmoid on 16 cores run whole: 3 x 3 x 16 tasks, more than one per program step
    and core (3 x 16), which the estimate covers. No barrier: in the cost model's layout the elementwise ops keep
    global_avgpool's partition (batch), so each core reads only what it wrote, and the cost model charges none."""
    from xdsl.dialects.builtin import IntegerAttr, i64

    from dlfc.compiler.frontend import parse_dlm

    module = parse_dlm(
        "model m {\n  input x: f32[1, 64, 8, 8]\n  output sigmoid(relu(global_avgpool(x)))\n}\n", "m.dlm"
    )
    passes = parse_pass_pipeline("fuse-dnnfusion,convert-fusion-to-accel", get_all_passes())
    run_pipeline(make_context(), module, passes)
    kernel = kernel_of(module)
    kernel.cores = IntegerAttr(16, i64)
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    program = schedule.program_of(kernel)
    assert program is not None
    events = simulate(kernel, cost_model(MLU100)).events
    assert [op.name for op in program.steps()] == ["schedule.compute_whole"] * 3
    assert kernel_cost(kernel, MLU100).barriers == 0
    assert len(events) == 3 * 3 * 16 > len(list(program.steps())) * 16
    assert len(events) * SIMULATION_EVENT_BYTES <= simulation_bytes(module)
