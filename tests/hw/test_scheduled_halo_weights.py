"""Weight slices: the cores of a convolution or dense layer split by channels load only their filters.

A `schedule.load ... filters = [lo, hi, ...]` gives each core output
channels [lo, hi) (axis 0) of a weight; the verifier accepts a slice only
where the compute's channels read no other filters, the interpreter reads the
filters a core lacks as NaN, and the simulator moves each core's share alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from test_scheduled import ATOL, CONV_CONV, MLU100, RTOL, inputs_of, kernel_of, parse, unscheduled
from test_scheduled_channels import expected, scheduled, split_by
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.instruments import print_module
from dlfc.dialects import schedule
from dlfc.hw.cost import KernelCost, cost_model
from dlfc.hw.interpreter import execute
from dlfc.hw.simulator import simulate
from dlfc.hw.target import Accelerator


def test_channel_split_convolutions_load_their_filters_only() -> None:
    """conv -> relu -> conv on 2 cores split by channels: core 0 loads filters [0, 2) of each weight, core 1
    [2, 4), into buffers of half a weight (144 bytes, aligned to 192); the output equals the whole ops'."""
    text = print_module(split_by(parse(CONV_CONV), {"c", "r", "d"}))
    assert "schedule.load %w rows = [0, 3, 0, 3] filters = [0, 2, 2, 4] into" in text
    assert "schedule.load %v rows = [0, 3, 0, 3] filters = [0, 2, 2, 4] into" in text
    assert text.count("size = 192") == 2
    np.testing.assert_allclose(execute(parse(text), inputs_of(), MLU100).outputs[0], expected(), rtol=RTOL, atol=ATOL)


def test_a_row_split_convolution_loads_every_filter() -> None:
    """The same kernel split by rows: every core computes all channels, so it loads the whole weight."""
    text = print_module(split_by(parse(CONV_CONV), set()))
    assert "filters" not in text


def test_a_wrong_weight_slice_fails_verification_and_numerics() -> None:
    """Core 1 loading filters [0, 2) of the second conv's weight instead of [2, 4): the verifier names them, and
    exactly core 1's output channels are wrong."""
    text = print_module(split_by(parse(CONV_CONV), {"c", "r", "d"}))
    wrong = text.replace(
        "schedule.load %v rows = [0, 3, 0, 3] filters = [0, 2, 2, 4]",
        "schedule.load %v rows = [0, 3, 0, 3] filters = [0, 2, 0, 2]",
    )
    assert wrong != text
    with pytest.raises(
        VerifyException,
        match=re.escape(
            "operand 1 needs output channels [2, 4) on core 1, but its buffer holds output channels [0, 2)"
        ),
    ):
        parse(wrong)
    got = execute(parse(wrong, verify=False), inputs_of(), MLU100).outputs[0]
    assert np.isnan(got[:, 2:]).all()
    np.testing.assert_allclose(got[:, :2], expected()[:, :2], rtol=RTOL, atol=ATOL)


def test_a_slice_cannot_serve_a_compute_of_all_channels() -> None:
    """A row-split conv reads every filter: a buffer holding some of them fails verification."""
    text = print_module(split_by(parse(CONV_CONV), set()))
    wrong = text.replace(
        "schedule.load %w rows = [0, 3, 0, 3] into", "schedule.load %w rows = [0, 3, 0, 3] filters = [0, 4, 0, 3] into"
    )
    assert wrong != text
    with pytest.raises(
        VerifyException,
        match=re.escape(
            "operand 1 needs output channels [0, 4) on core 1, but its buffer holds output channels [0, 3)"
        ),
    ):
        parse(wrong)


WIDE = CONV_CONV.replace("1x4x8x8", "1x64x8x8").replace("4x4x3x3", "64x64x3x3").replace("cores = 2", "cores = 4")
SMALL: Accelerator = replace(MLU100, vector_width=16, onchip_bytes=48 * 1024, weight_buffer_bytes=0)
"""48 KiB per core: one 64x64x3x3 weight is 72 KiB at 2 bytes per element, a quarter of it 18 KiB."""


def wide_by_channels() -> ModuleOp:
    cost = KernelCost(4, 0.0, 0.0, 0.0, 0.0, "compute", 0, 0, 0, "on-chip")
    return scheduled(parse(WIDE), cost, SMALL, None)


def test_a_convolution_whose_weights_do_not_fit_one_core_runs_split_by_channels() -> None:
    """conv(64 -> 64) -> relu -> conv(64 -> 64) on 4 cores with 48 KiB each: whole, one weight would not fit, so
    the convolutions ran whole; with a quarter of each weight per core (18 KiB) the kernel is one row phase."""
    module = wide_by_channels()
    text = print_module(module)
    assert "schedule.compute_whole" not in text
    filters = "rows = [0, 3, 0, 3, 0, 3, 0, 3] filters = [0, 16, 16, 32, 32, 48, 48, 64]"
    assert f"schedule.load %w {filters} into" in text and f"schedule.load %v {filters} into" in text
    x = [np.random.default_rng(0).standard_normal((1, 64, 8, 8)).astype(np.float32)]
    want = execute(unscheduled(module), x, MLU100).outputs[0]
    np.testing.assert_allclose(execute(module, x, MLU100).outputs[0], want, rtol=RTOL, atol=ATOL)


def test_each_core_reads_its_filters_from_dram_alone() -> None:
    """No multicast of a sliced weight: each core's load moves its 18 KiB, all four at once at 25.6 GB/s each
    (a quarter of the 102.4 GB/s of DRAM): 18432 B / 25.6 GB/s = 0.72 µs."""
    sim = simulate(kernel_of(wide_by_channels()), cost_model(SMALL))
    loads = [e for e in sim.events if e.name.startswith("load w")]
    assert sorted(e.core for e in loads) == [0, 1, 2, 3]
    assert all("multicast" not in e.name for e in loads)
    for e in loads:
        assert e.end - e.start == pytest.approx(18432 / 25.6e9, rel=1e-9)


def test_a_load_with_filters_takes_whole_rows_and_channels() -> None:
    text = print_module(split_by(parse(CONV_CONV), {"c", "r", "d"}))
    wrong = text.replace("schedule.load %w rows = [0, 3, 0, 3] filters", "schedule.load %w rows = [0, 2, 0, 3] filters")
    with pytest.raises(VerifyException, match="a load with filters takes all rows and channels of each one"):
        parse(wrong)


def test_weights_streamed_in_more_tiles_than_asked_stay_resident_where_they_fit() -> None:
    """The cost model streams the weights in 2 tiles (each tile reads them again), but 2 tiles of a 32x32 map do
    not fit 48 KiB: in the more tiles the phase takes, both weight slices (2 x 18 KiB) fit for the whole loop, so
    each is loaded once, before it, instead of once per tile; the output equals the whole ops'."""
    target = replace(SMALL, onchip_bytes=48 * 1024)
    cost = KernelCost(4, 0.0, 0.0, 0.0, 0.0, "compute", 0, 0, 0, "tiled", tiles=2, weights="streamed")
    module = scheduled(parse(WIDE.replace("1x64x8x8", "1x64x32x32")), cost, target, None)
    (program,) = (op for op in kernel_of(module).walk() if isinstance(op, schedule.ProgramOp))
    weight_loads = [op for op in program.walk() if isinstance(op, schedule.LoadOp) and op.filters is not None]
    assert [op.parent_op() is program for op in weight_loads] == [True, True]
    assert sum(1 for op in program.walk() if isinstance(op, schedule.TileOp)) > 2
    x = [np.random.default_rng(0).standard_normal((1, 64, 32, 32)).astype(np.float32)]
    want = execute(unscheduled(module), x, MLU100).outputs[0]
    np.testing.assert_allclose(execute(module, x, MLU100).outputs[0], want, rtol=RTOL, atol=ATOL)


GATHER = """
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @gather(%x: tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>) {
    %y, %z = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>) {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x1x1xf32>
      %c = graph.conv2d %a, %w {stride = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
      %s = graph.relu %a : tensor<1x4x8x8xf32>
      accel.yield %c, %s : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
    }
    func.return %y, %z : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
  }
}
"""


def test_an_input_a_channel_split_op_gathers_is_loaded_alike_on_every_core() -> None:
    """%a read by a 1x1 stride-2 convolution split by channels (input rows [0, 7) on both cores) and by a relu
    split by rows ([0, 4) and [4, 8)): both cores load rows [0, 8), one DRAM read multicast to both, instead of
    [0, 7) and [0, 8) read apart (the cost model multicasts a gathered operand)."""
    module = split_by(parse(GATHER), {"c"})
    text = print_module(module)
    assert "schedule.load %a rows = [0, 8, 0, 8] into" in text
    sim = simulate(kernel_of(module), cost_model(MLU100))
    assert [e.name for e in sim.events if e.name.startswith("load a")] == ["load a (1/2, multicast)"] * 2
    x = inputs_of()
    want = execute(unscheduled(parse(GATHER)), x, MLU100).outputs
    for got, expect in zip(execute(module, x, MLU100).outputs, want, strict=True):
        np.testing.assert_allclose(got, expect, rtol=RTOL, atol=ATOL)
