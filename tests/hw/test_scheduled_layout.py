"""Reshapes and transposes sliced like the ops around them: an attention product split by heads on chip.

`layout_rect` maps a rect of a layout op's result to the rect of its operand
holding the same elements (`layout_image` the other way); a kernel of one
tile computes them per core from buffers, so BERT's reshape -> transpose ->
matmul -> transpose -> reshape runs split by heads without going through
DRAM between ops, as the cost model prices it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.context import make_context
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.dialects import accel, graph
from dlfc.dialects.schedule import layout_image, layout_rect, layout_sliceable, whole
from dlfc.hw.cost import cost_model, kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.scheduled import _block
from dlfc.hw.simulator import simulate
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")
RTOL, ATOL = 1e-4, 1e-5

ATTENTION = """
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @attention(%value: tensor<1x16x64xf32>, %probs: tensor<1x4x16x16xf32>) -> tensor<1x16x64xf32> {
    %merged = accel.kernel "k0"(%value, %probs) cores = 4 : (tensor<1x16x64xf32>, tensor<1x4x16x16xf32>) -> tensor<1x16x64xf32> {
    ^bb0(%x: tensor<1x16x64xf32>, %p: tensor<1x4x16x16xf32>):
      %0 = graph.reshape %x {shape = array<i64: 1, 16, 4, 16>} : (tensor<1x16x64xf32>) -> tensor<1x16x4x16xf32>
      %v = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x16xf32>) -> tensor<1x4x16x16xf32>
      %c = graph.matmul %p, %v : (tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
      %1 = graph.transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x16x16xf32>) -> tensor<1x16x4x16xf32>
      %m = graph.reshape %1 {shape = array<i64: 1, 16, 64>} : (tensor<1x16x4x16xf32>) -> tensor<1x16x64xf32>
      accel.yield %m : tensor<1x16x64xf32>
    }
    func.return %merged : tensor<1x16x64xf32>
  }
}
"""
"""BERT's attention context (probs @ v, heads merged) with 4 heads of 16 over 16 tokens, on 4 cores."""


def parse(text: str, verify: bool = True) -> ModuleOp:
    module = Parser(make_context(), text).parse_module()
    if verify:
        module.verify()
    return module


def kernel_of(module: ModuleOp) -> accel.KernelOp:
    return next(op for op in module.walk() if isinstance(op, accel.KernelOp))


def ops_of(module: ModuleOp) -> list[graph.GraphOp]:
    """The kernel's graph ops in order: reshape, transpose, matmul, transpose, reshape."""
    return [op for op in module.walk() if isinstance(op, graph.GraphOp)]


def inputs_of(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((1, 16, 64)).astype(np.float32), rng.standard_normal((1, 4, 16, 16)).astype(np.float32)]


def expected_of(inputs: list[np.ndarray]) -> np.ndarray:
    """The attention context by hand in numpy: heads split, multiplied, merged."""
    x, p = inputs
    v = x.reshape(1, 16, 4, 16).transpose(0, 2, 1, 3)
    return (p @ v).transpose(0, 2, 1, 3).reshape(1, 16, 64)


def scheduled_attention() -> str:
    module = parse(ATTENTION)
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    return print_module(module)


# --------------------------------------------------------------------------- rect mappings


def test_the_rects_of_bert_heads() -> None:
    ops = ops_of(parse(ATTENTION))
    reshape, transpose, product, merge = ops[0], ops[1], ops[2], ops[4]
    # rows of [1, 16, 4, 16] are its heads (axis 2): head 1 of every token is channels [16, 32) of [1, 16, 64]
    assert layout_rect(reshape, (1, 2, 0, 16)) == (0, 16, 16, 32)
    assert layout_image(reshape, (0, 16, 16, 32)) == (1, 2, 0, 16)
    assert layout_rect(reshape, (1, 2, 0, 8)) == (0, 8, 16, 32)
    assert layout_image(reshape, (0, 16, 8, 24)) is None  # half of two heads: no rows of [1, 16, 4, 16]
    # the transpose swaps rows and channels: heads are the channels of [1, 4, 16, 16]
    assert layout_rect(transpose, (0, 16, 2, 3)) == (2, 3, 0, 16)
    assert layout_rect(transpose, (4, 8, 2, 3)) == (2, 3, 4, 8)
    assert layout_rect(merge, (0, 16, 48, 64)) == (3, 4, 0, 16)
    assert all(layout_sliceable(op) for op in (reshape, transpose, merge))
    assert not layout_sliceable(product)


def test_a_transpose_moving_an_inner_axis_maps_whole_rows_only() -> None:
    """BERT's keys: [1, S, H, D] -> [1, H, D, S]; a rect of rows (D) leaves its axis 3 cut: no rect."""
    module = parse(
        ATTENTION.replace(
            "%v = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x16xf32>) -> tensor<1x4x16x16xf32>",
            "%v = graph.transpose %0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x16x4x16xf32>) -> tensor<1x4x16x16xf32>",
        ),
        verify=False,
    )
    keys = ops_of(module)[1]
    assert layout_rect(keys, (0, 16, 1, 3)) == (1, 3, 0, 16)
    assert layout_rect(keys, (0, 8, 1, 3)) is None


def test_a_squeeze_to_a_scalar_runs_whole() -> None:
    """A rank-0 tensor has no rows to hold in a buffer: a squeeze to one is no layout op a slice computes
    (random model 375 of the differential suite, global average pooling then squeeze, failed in the
    interpreter's store before)."""
    module = parse(
        "func.func @f(%a: tensor<1x1x1x1xf32>) -> tensor<f32> {\n"
        "  %y = graph.squeeze %a {axes = array<i64: 0, 1, 2, 3>} : (tensor<1x1x1x1xf32>) -> tensor<f32>\n"
        "  func.return %y : tensor<f32>\n}"
    )
    squeeze = ops_of(module)[0]
    assert not layout_sliceable(squeeze)
    unsqueezed = parse(
        "func.func @f(%a: tensor<1x4xf32>) -> tensor<4xf32> {\n"
        "  %y = graph.squeeze %a {axes = array<i64: 0>} : (tensor<1x4xf32>) -> tensor<4xf32>\n"
        "  func.return %y : tensor<4xf32>\n}"
    )
    assert layout_sliceable(ops_of(unsqueezed)[0])


@pytest.mark.parametrize("seed", range(6))
def test_mapped_rects_hold_the_same_elements(seed: int) -> None:
    """For random reshapes and transposes and every rect of their results: the operand's rect, transposed
    or reshaped, is the result's rect; and mapping it back gives the rect again."""
    rng = np.random.default_rng(seed)
    shape = [int(n) for n in rng.choice([1, 2, 3, 4, 6], size=int(rng.integers(2, 5)))]
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    perm = [int(p) for p in rng.permutation(len(shape))]
    target = [int(np.prod(shape[:2])), *shape[2:]] if rng.integers(2) else [*shape[:-2], int(np.prod(shape[-2:]))]
    cases = [
        (np.transpose(x, perm), f"graph.transpose %a {{perm = array<i64: {', '.join(map(str, perm))}>}}"),
        (x.reshape(target), f"graph.reshape %a {{shape = array<i64: {', '.join(map(str, target))}>}}"),
    ]
    mapped = 0
    for y, text in cases:
        xt = "tensor<" + "x".join(map(str, shape)) + "xf32>"
        yt = "tensor<" + "x".join(map(str, y.shape)) + "xf32>"
        module = parse(
            f"func.func @f(%a: {xt}) -> {yt} {{\n  %y = {text} : ({xt}) -> {yt}\n  func.return %y : {yt}\n}}"
        )
        op = next(o for o in module.walk() if isinstance(o, graph.GraphOp))
        if not layout_sliceable(op):
            continue
        full = whole(op.results[0].type)
        rows, channels = range(full[1] + 1), range(full[3] + 1)
        for r0, r1, c0, c1 in itertools.product(rows, rows, channels, channels):
            r = (r0, r1, c0, c1)
            if not (r0 < r1 and c0 < c1):
                continue
            source = layout_rect(op, r)
            if source is None:
                continue
            mapped += 1
            got = _block(x, op.operands[0], source)
            got = np.transpose(got, perm) if "transpose" in text else got.reshape(_block(y, op.results[0], r).shape)
            np.testing.assert_array_equal(got, _block(y, op.results[0], r))
            assert layout_image(op, source) == r
    assert mapped > 0  # the reshape's whole result at least


# --------------------------------------------------------------------------- the attention kernel


def test_attention_splits_by_heads_on_chip() -> None:
    """The cost model splits every op by batch (heads) and keeps the intermediates on chip; the schedule does
    the same: one tile, each core one head from DRAM to DRAM, no barrier, no exchange, no op run whole."""
    module = parse(ATTENTION)
    cost = kernel_cost(kernel_of(module), MLU100)
    assert cost.intermediates == "on-chip" and set(cost.axes) == {"batch"}
    text = scheduled_attention()
    assert "compute_whole" not in text and "barrier" not in text and "exchange" not in text
    heads = "channels = [0, 1, 1, 2, 2, 3, 3, 4]"
    assert "schedule.load %x rows = [0, 16, 0, 16, 0, 16, 0, 16] channels = [0, 16, 16, 32, 32, 48, 48, 64]" in text
    assert f"schedule.compute %v rows = [0, 16, 0, 16, 0, 16, 0, 16] {heads}" in text
    assert f"schedule.compute %c rows = [0, 4, 0, 4, 0, 4, 0, 4] {heads}" in text
    assert "schedule.compute %1 rows = [0, 1, 1, 2, 2, 3, 3, 4] ins" in text
    assert "schedule.store %m rows = [0, 16, 0, 16, 0, 16, 0, 16] channels = [0, 16, 16, 32, 32, 48, 48, 64]" in text


def test_attention_split_by_heads_equals_the_reference() -> None:
    inputs = inputs_of()
    got = execute(parse(scheduled_attention()), inputs, MLU100).outputs[0]
    np.testing.assert_allclose(got, expected_of(inputs), rtol=RTOL, atol=ATOL)


def test_a_wrong_head_fails_verification_and_numerics() -> None:
    """Cores 2 and 3 swap the heads of the context's transpose: each lacks the head it transposes."""
    text = scheduled_attention()
    wrong = text.replace(
        "schedule.compute %1 rows = [0, 1, 1, 2, 2, 3, 3, 4]", "schedule.compute %1 rows = [0, 1, 1, 2, 3, 4, 2, 3]"
    )
    assert wrong != text
    with pytest.raises(
        VerifyException,
        match=r"operand 0 needs rows \[0, 16\) of channels \[3, 4\) on core 2, but its buffer holds rows \[0, 16\) "
        r"of channels \[2, 3\)",
    ):
        parse(wrong)
    inputs = inputs_of()
    got = execute(parse(wrong, verify=False), inputs, MLU100).outputs[0]
    assert np.isnan(got[..., 32:]).all()  # heads 2 and 3
    np.testing.assert_allclose(got[..., :32], expected_of(inputs)[..., :32], rtol=RTOL, atol=ATOL)


def test_attention_moves_its_inputs_and_output_once() -> None:
    """DRAM traffic: value, probs and the result once each, 3 x 1024 elements at 2 bytes: 6144 bytes (a
    schedule through DRAM between ops moved the transposed tensors too)."""
    module = parse(scheduled_attention())
    sim = simulate(kernel_of(module), cost_model(MLU100))
    assert sim.dram_bytes == 6144
    assert {e.core for e in sim.events if e.queue == "compute"} == {0, 1, 2, 3}


# --------------------------------------------------------------------------- following a layout op's split

TRANSPOSED = """
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @transposed(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 4 : (tensor<8x8xf32>) -> tensor<8x8xf32> {
    ^bb0(%a: tensor<8x8xf32>):
      %r = graph.relu %a : tensor<8x8xf32>
      %t = graph.transpose %r {perm = array<i64: 1, 0>} : (tensor<8x8xf32>) -> tensor<8x8xf32>
      %n = graph.neg %t : tensor<8x8xf32>
      accel.yield %n : tensor<8x8xf32>
    }
    func.return %y : tensor<8x8xf32>
  }
}
"""
"""relu -> transpose -> neg of an 8x8 matrix on 4 cores: the cost model splits every op by elements, each
following its producer, and charges no barrier and no exchange."""


def test_elementwise_ops_follow_a_transposed_split() -> None:
    """The transpose of the relu's rows is those columns; the neg keeps them: no op moves data between cores."""
    module = parse(TRANSPOSED)
    cost = kernel_cost(kernel_of(module), MLU100)
    assert set(cost.axes) == {"elements"} and cost.barriers == 0 and cost.redistributed_bytes == 0
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    text = print_module(module)
    columns = "channels = [0, 2, 2, 4, 4, 6, 6, 8]"
    assert f"schedule.compute %t rows = [0, 8, 0, 8, 0, 8, 0, 8] {columns} ins" in text
    for lo, hi in ((0, 2), (2, 4), (4, 6), (6, 8)):  # the neg streams its columns in four chunks of rows
        rows = f"rows = [{lo}, {hi}, {lo}, {hi}, {lo}, {hi}, {lo}, {hi}] {columns}"
        assert f"schedule.compute %n {rows} ins" in text and f"schedule.store %n {rows} from" in text
    assert "barrier" not in text and "exchange" not in text
    x = np.random.default_rng(3).standard_normal((8, 8)).astype(np.float32)
    np.testing.assert_allclose(execute(module, [x], MLU100).outputs[0], -np.maximum(x, 0).T, rtol=RTOL, atol=ATOL)


RESIZED = """
builtin.module attributes {accel.target = #accel.target<"mlu270", cores = [1, 4, 8, 16]>} {
  func.func @resized(%x: tensor<1x4x16x16xf32>) -> tensor<1x4x16x24xf32> {
    %y = accel.kernel "k0"(%x) cores = 16 : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x24xf32> {
    ^bb0(%a: tensor<1x4x16x16xf32>):
      %n = graph.neg %a : tensor<1x4x16x16xf32>
      %z = graph.resize %n {sizes = array<i64: 1, 4, 16, 24>, scales = array<f64: 1.0, 1.0, 1.0, 1.5>, mode = "linear", \
coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x24xf32>
      accel.yield %z : tensor<1x4x16x24xf32>
    }
    func.return %y : tensor<1x4x16x24xf32>
  }
}
"""
"""neg (sliced by rows) -> linear resize (run whole) on 16 mlu270 cores, both split by elements."""


def test_a_whole_op_on_its_producers_axis_waits_at_no_barrier() -> None:
    """The cost model charges no barrier (the resize keeps the neg's partition); a barrier of 16 mlu270 cores
    in 4 clusters costs (15 x 100 + 3 x 1000) cycles at 1 GHz = 4.5 us. The schedule has none: the resize's
    tasks start when the last store of the neg ends (its DRAM dependence), not 4.5 us later."""
    mlu270 = load_target("mlu270")
    assert mlu270.sync_overhead(16) == pytest.approx(4.5e-6)
    module = parse(RESIZED)
    cost = kernel_cost(kernel_of(module), mlu270)
    assert set(cost.axes) == {"elements"} and cost.barriers == 0
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    text = print_module(module)
    assert "schedule.compute_whole %z" in text and "barrier" not in text
    sim = simulate(kernel_of(module), cost_model(mlu270))
    assert not [e for e in sim.events if e.queue == "barrier"]
    stored = max(e.end for e in sim.events if e.name.startswith("store"))
    assert min(e.start for e in sim.events if e.name.startswith("resize")) == pytest.approx(stored)
    x = np.random.default_rng(4).standard_normal((1, 4, 16, 16)).astype(np.float32)
    expected = execute(parse(RESIZED), [x], mlu270).outputs[0]  # the kernel's ops run whole
    np.testing.assert_allclose(execute(module, [x], mlu270).outputs[0], expected, rtol=RTOL, atol=ATOL)
