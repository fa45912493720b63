"""Halos cached on chip: a row phase whose cost model caches halos walks each core's band with line buffers.

conv3x3 -> relu -> conv3x3 on a 16-row map, 2 cores, 4 tiles, the cost model's
decision forced (`KernelCost(halo=...)`). Recomputing, every tile splits its
rows across both cores and recomputes the relu rows its second convolution's
window shares with the previous tile; caching, core 0 walks rows [0, 8) and
core 1 rows [8, 16) in 4 tiles of 2 rows and keeps the relu's last rows in
its buffer (`append from`), so each relu row is computed once per core (core
1 also computes row 7 once, the halo at the start of its band).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_scheduled import ATOL, CONV_CONV, EXAMPLES, MLU100, RTOL, kernel_of, parse, sample_inputs, unscheduled
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import Level, default_pipeline, parse_pass_pipeline
from dlfc.compiler.transforms import accel_schedule
from dlfc.dialects import accel, graph, schedule
from dlfc.hw.cost import KernelCost, cost_model, kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.simulator import simulate

TALL = CONV_CONV.replace("1x4x8x8", "1x4x16x8")


def scheduled(halo: str, cores: int = 2, tiles: int = 4) -> ModuleOp:
    """TALL on `cores` cores, scheduled as the cost model's `tiles` tiles with halos `halo`."""
    module = parse(TALL.replace("cores = 2", f"cores = {cores}"))
    kernel = kernel_of(module)
    cost = KernelCost(1, 0.0, 0.0, 0.0, 0.0, "compute", 0, 0, 0, "tiled", tiles=tiles, halo=halo)  # type: ignore[arg-type]
    ops = [op for op in kernel.body.block.ops if isinstance(op, graph.GraphOp) and not graph.is_source(op)]
    program = accel_schedule.emit_program(accel_schedule.plan_phases(ops, cores, cost, MLU100), MLU100)
    last = kernel.body.block.last_op
    assert last is not None
    kernel.body.block.insert_op_before(program, last)
    module.verify()
    return module


def relu_rows(module: ModuleOp) -> list[tuple[int, list[tuple[int, int]], list[int] | None]]:
    """(tile, rows per core, `from` rows) of every compute of the relu, in program order."""
    found = []
    for tile in module.walk():
        if isinstance(tile, schedule.TileOp):
            for op in tile.body.block.ops:
                if isinstance(op, schedule.ComputeOp) and isinstance(op.graph_op, graph.ReluOp):
                    keep = list(graph.ints(op.keep_from)) if op.keep_from is not None else None
                    found.append((tile.index.value.data, op.core_rows(), keep))
    return found


def computed_per_core(found: list, cores: int = 2) -> list[int]:
    return [sum(rows[c][1] - rows[c][0] for _, rows, _ in found) for c in range(cores)]


def inputs(seed: int = 0) -> list[np.ndarray]:
    return [np.random.default_rng(seed).standard_normal((1, 4, 16, 8)).astype(np.float32)]


def reference() -> np.ndarray:
    return execute(unscheduled(parse(TALL)), inputs(), MLU100).outputs[0]


def test_recomputed_halos_split_every_tile_across_the_cores() -> None:
    """Each tile's relu rows [4t - 1, 4t + 5) clipped, split across the cores: rows 3-4, 7-8, 11-12 twice."""
    module = scheduled("recompute")
    per_tile = {}
    for t, rows, keep in relu_rows(module):
        assert keep is None
        lo, hi = per_tile.get(t, (99, 0))
        per_tile[t] = (min([lo, *(r[0] for r in rows if r[0] < r[1])]), max([hi, *(r[1] for r in rows)]))
    assert per_tile == {0: (0, 5), 1: (3, 9), 2: (7, 13), 3: (11, 16)}
    assert sum(computed_per_core(relu_rows(module))) == 22  # 16 rows + 3 tile boundaries x 2 halo rows
    assert "schedule.exchange %r" in print_module(module)  # halo rows from the other core, every tile
    np.testing.assert_allclose(execute(module, inputs(), MLU100).outputs[0], reference(), rtol=RTOL, atol=ATOL)


def test_cached_halos_keep_rows_in_a_line_buffer_per_core() -> None:
    """Core 0 walks rows [0, 8), core 1 rows [8, 16): per tile each computes the relu rows it lacks and keeps the
    two its next window reads again (`from`); no exchange; the output equals the whole ops'."""
    module = scheduled("cache")
    found = relu_rows(module)
    by_tile: dict[int, list[tuple[int, int]]] = {}
    for t, rows, _ in found:
        by_tile[t] = [
            (min(a[0], b[0]) if a[0] < a[1] else b[0], max(a[1], b[1])) if b[0] < b[1] else a
            for a, b in zip(by_tile.get(t, [(0, 0), (0, 0)]), rows, strict=True)
        ]
    assert by_tile == {
        0: [(0, 3), (7, 11)],
        1: [(3, 5), (11, 13)],
        2: [(5, 7), (13, 15)],
        3: [(7, 9), (15, 16)],
    }
    assert [keep for _, _, keep in found if keep is not None] == [[1, 9], [3, 11], [5, 13]]
    assert computed_per_core(found) == [9, 9]  # 16 rows + rows 7 and 8 at the band edge, each once
    text = print_module(module)
    assert "schedule.exchange" not in text
    assert text.count("append from [1, 9]") == 1
    np.testing.assert_allclose(execute(module, inputs(), MLU100).outputs[0], reference(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cores,tiles", [(1, 4), (1, 16), (4, 2), (4, 3)])
def test_cached_halos_equal_the_reference(cores: int, tiles: int) -> None:
    module = scheduled("cache", cores, tiles)
    assert any(keep is not None for _, _, keep in relu_rows(module))
    np.testing.assert_allclose(execute(module, inputs(), MLU100).outputs[0], reference(), rtol=RTOL, atol=ATOL)


def test_a_line_buffer_that_drops_a_needed_row_fails_verification_and_numerics() -> None:
    """Tile 1 keeping relu rows from 2 on (not 1) on core 0: its conv row 2 reads relu rows [1, 4)."""
    text = print_module(scheduled("cache"))
    short = text.replace("append from [1, 9]", "append from [2, 9]")
    assert short != text
    with pytest.raises(
        VerifyException, match=re.escape("operand 0 needs rows [1, 4) on core 0, but its buffer holds rows [2, 5)")
    ):
        parse(short)
    got = execute(parse(short, verify=False), inputs(), MLU100).outputs[0]
    wrong = ~np.isclose(got, reference(), rtol=RTOL, atol=ATOL)
    assert sorted(set(np.argwhere(wrong)[:, 2])) == [2]  # exactly the output row whose window lost a row


def test_without_the_line_buffer_the_halo_is_missing() -> None:
    """Tile 1 without `append from` replaces core 0's relu rows [0, 3) by [3, 5) (and core 1's [7, 11) by
    [11, 13)): its conv rows [2, 4) read relu rows [1, 5)."""
    text = print_module(scheduled("cache"))
    replaced = text.replace(" append from [1, 9]", "")
    with pytest.raises(
        VerifyException, match=re.escape("operand 0 needs rows [1, 4) on core 0, but its buffer holds rows [3, 5)")
    ):
        parse(replaced)
    got = execute(parse(replaced, verify=False), inputs(), MLU100).outputs[0]
    wrong = ~np.isclose(got, reference(), rtol=RTOL, atol=ATOL)
    assert sorted(set(np.argwhere(wrong)[:, 2])) == [2, 3, 10, 11]  # both cores' rows of tile 1


def relu_compute_seconds(module: ModuleOp) -> float:
    sim = simulate(kernel_of(module), cost_model(MLU100))
    return sum(e.end - e.start for e in sim.events if e.name == "relu")


def test_the_simulation_charges_no_recompute_for_cached_rows() -> None:
    """The relu's compute: rows x (work per row) + tile_cycles per tile and core, for the 18 rows computed cached
    against the 22 recomputed (the same 8 tile-core pairs pay tile_cycles in both)."""
    module = scheduled("cache")
    relu = next(op for op in kernel_of(module).body.block.ops if isinstance(op, graph.ReluOp))
    facts = cost_model(MLU100).facts(relu)
    per_row = facts.work / 16 / (MLU100.core_peak_flops * facts.efficiency)
    tile_cost = MLU100.tile_cycles / MLU100.clock_hz
    assert relu_compute_seconds(module) == pytest.approx(18 * per_row + 8 * tile_cost, rel=1e-9)
    assert relu_compute_seconds(scheduled("recompute")) == pytest.approx(22 * per_row + 8 * tile_cost, rel=1e-9)


def test_a_kernel_the_cost_model_caches_runs_line_buffers_to_the_reference() -> None:
    """MobileNetV2 on mlu100 with every kernel on 4 cores: the cost model caches the halos of k4 (relu6 ->
    depthwise conv -> mul -> relu6), whose schedule then keeps rows (`append from`), and the model's outputs
    equal the graph's."""
    module = load_dlm(str(EXAMPLES / "mobilenet_v2.dlm"))
    data = sample_inputs(module, seed=0)
    expected = run_graph(module, data)
    options = {"target": ("mlu100",)}
    run_pipeline(
        make_context(),
        module,
        parse_pass_pipeline(",".join(default_pipeline(Level.GRAPH, Level.ACCEL)), get_all_passes(), options),
    )
    kernels = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    for k in kernels:
        k.cores = IntegerAttr(4, i64)
    cached = [k for k in kernels if kernel_cost(k, MLU100).halo == "cache"]
    assert [k.sym_name.data for k in cached] == ["k4_relu6+conv2d+mul+..."]
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes(), options))
    module.verify()
    program = schedule.program_of(cached[0])
    assert program is not None
    assert any(isinstance(op, schedule.ComputeOp) and op.keep_from is not None for op in program.walk())
    for got, want in zip(execute(module, data, MLU100).outputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
