"""Upsampling, depth-to-space and constant padding sliced by rows in schedules (they ran whole before)."""

from __future__ import annotations

import numpy as np
import pytest
from test_scheduled import ATOL, MLU100, RTOL, parse, sample_inputs
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.dialects import accel, graph, schedule
from dlfc.dialects.schedule import operand_rows
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph

MODELS = {
    "upsample": "input x: f32[1, 4, 7, 6]\n  output relu(upsample(relu(x), scale=3))",
    "depth_to_space": "input x: f32[1, 8, 5, 6]\n  output relu(depth_to_space(relu(x), block=2))",
    "pad": "input x: f32[1, 4, 6, 6]\n  output relu(pad(relu(x), [0, 0, 3, 1, 0, 0, 2, 1], value=1.5))",
    "pad_matrix": "input x: f32[6, 5]\n  output relu(pad(relu(x), [2, 1, 0, 3], value=-2.0))",
}


def scheduled(body: str, cores: int) -> tuple[ModuleOp, list[np.ndarray], list[np.ndarray]]:
    """The model fused into one kernel on `cores` cores and scheduled; its inputs and the graph's outputs."""
    module = parse_dlm(f"model m {{\n  {body}\n}}\n", "m.dlm")
    inputs = sample_inputs(module)
    expected = run_graph(module, inputs)
    run_pipeline(
        make_context(), module, parse_pass_pipeline("fuse-dnnfusion,convert-fusion-to-accel", get_all_passes())
    )
    for kernel in [op for op in module.walk() if isinstance(op, accel.KernelOp)]:
        kernel.cores = IntegerAttr(cores, i64)
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    return module, inputs, expected


@pytest.mark.parametrize("cores", [1, 4, 16])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_sliced_by_rows_and_equal_to_the_graph(name: str, cores: int) -> None:
    module, inputs, expected = scheduled(MODELS[name], cores)
    assert not any(isinstance(op, schedule.ComputeWholeOp) for op in module.walk())
    np.testing.assert_allclose(execute(module, inputs, MLU100).outputs[0], expected[0], rtol=RTOL, atol=ATOL)


def test_operand_rows_of_an_upsampling_a_depth_to_space_and_a_pad() -> None:
    ops = {
        name: next(op for op in scheduled(MODELS[name], 1)[0].walk() if type(op).__name__ == cls)
        for name, cls in (("upsample", "UpsampleOp"), ("depth_to_space", "DepthToSpaceOp"), ("pad", "PadOp"))
    }
    assert operand_rows(ops["upsample"], 0, 4, 8) == (1, 3)  # rows 4, 5 from input row 1; 6, 7, 8 from 2
    assert operand_rows(ops["depth_to_space"], 0, 3, 6) == (1, 3)
    assert operand_rows(ops["pad"], 0, 0, 3) == (0, 0)  # the 3 rows of top padding
    assert operand_rows(ops["pad"], 0, 2, 6) == (0, 3)
    assert operand_rows(ops["pad"], 0, 8, 11) == (5, 6)  # input row 5, then 2 rows of bottom padding
    assert isinstance(ops["pad"], graph.PadOp)


def test_a_short_upsampling_slice_fails_verification_and_numerics() -> None:
    """On 4 cores core 1 upsamples rows [5, 10) from relu rows [1, 4), one of them exchanged from core 2;
    without it the verifier names the missing row and output row 9 (from input row 3) is wrong."""
    module, inputs, expected = scheduled(MODELS["upsample"], 4)
    text = print_module(module)
    exchange = "schedule.exchange %1 rows = [0, 2, 1, 4, 0, 0, 0, 0]"
    assert text.count(exchange) == 1
    short = text.replace(exchange, "schedule.exchange %1 rows = [0, 2, 1, 3, 0, 0, 0, 0]")
    with pytest.raises(
        VerifyException, match=r"operand 0 needs rows \[3, 4\) on core 1, but its buffer holds rows \[1, 3\)"
    ):
        parse(short)
    got = execute(parse(short, verify=False), inputs, MLU100).outputs[0]
    wrong = ~np.isclose(got, expected[0], rtol=RTOL, atol=ATOL)
    assert sorted(set(np.argwhere(wrong)[:, 2])) == [9]
