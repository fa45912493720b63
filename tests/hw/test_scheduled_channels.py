"""Channel-split schedules: cores computing some channels of every row, and the exchanges that gather or
re-partition a tensor between ops split along different axes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_scheduled import ATOL, CONV_CONV, EXAMPLES, MLU100, RTOL, inputs_of, kernel_of, parse, unscheduled
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
from dlfc.hw.cost import KernelCost, cost_model
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.simulator import simulate
from dlfc.hw.target import Accelerator, load_target


def split_by(module: ModuleOp, channels: set[str]) -> ModuleOp:
    """The module's one kernel scheduled whole (one tile) with the ops whose result names are in `channels`
    split by channels (in vectors of 2 of its 4 channels) and the others by rows."""
    from dataclasses import replace

    cost = KernelCost(kernel_of(module).core_count, 0.0, 0.0, 0.0, 0.0, "compute", 0, 0, 0, "on-chip")
    return scheduled(module, cost, replace(MLU100, vector_width=2), channels)


def scheduled(module: ModuleOp, cost: KernelCost, target: Accelerator, channels: set[str] | None) -> ModuleOp:
    """The module's one kernel lowered by `plan_phases` as `cost` says (tiles, weights) on `target`, on the
    kernel's core count, with the ops whose result names are in `channels` (every op: None) split by channels
    and the others by rows; the module verifies."""
    kernel = kernel_of(module)
    ops = [op for op in kernel.body.block.ops if isinstance(op, graph.GraphOp) and not graph.is_source(op)]
    by_channels = frozenset(op.results[0] for op in ops if channels is None or op.results[0].name_hint in channels)
    program = accel_schedule.emit_program(
        accel_schedule.plan_phases(ops, kernel.core_count, cost, target, by_channels), target
    )
    last = kernel.body.block.last_op
    assert last is not None
    kernel.body.block.insert_op_before(program, last)
    module.verify()
    return module


def expected() -> np.ndarray:
    return execute(unscheduled(parse(CONV_CONV)), inputs_of(), MLU100).outputs[0]


def test_channel_split_conv_relu_conv_gathers_and_equals_whole_ops() -> None:
    """conv -> relu -> conv on 2 cores, every op split by channels: core 0 computes channels [0, 2), core 1
    [2, 4) of all 8 rows (in chunks of rows); before the second conv a barrier and an exchange give each core all 4 channels."""
    text = print_module(split_by(parse(CONV_CONV), {"c", "r", "d"}))
    assert "schedule.compute %c rows = [0, 3, 0, 3] channels = [0, 2, 2, 4]" in text  # rows in chunks
    assert "schedule.barrier\n          schedule.exchange %r rows = [0, 8, 0, 8] in" in text
    got = execute(parse(text), inputs_of(), MLU100).outputs[0]
    np.testing.assert_allclose(got, expected(), rtol=RTOL, atol=ATOL)


def test_a_wrong_gather_fails_verification_and_numerics() -> None:
    """The gather giving each core only channels [0, 3): the verifier names what is missing, and without it
    every output of both cores is wrong (a convolution reads every input channel)."""
    text = print_module(split_by(parse(CONV_CONV), {"c", "r", "d"}))
    wrong = text.replace(
        "schedule.exchange %r rows = [0, 8, 0, 8] in",
        "schedule.exchange %r rows = [0, 8, 0, 8] channels = [0, 3, 0, 3] in",
    )
    assert wrong != text
    with pytest.raises(
        VerifyException,
        match=re.escape("operand 0 needs rows [0, 3) on core 0, but its buffer holds rows [0, 8) of channels [0, 3)"),
    ):
        parse(wrong)
    got = execute(parse(wrong, verify=False), inputs_of(), MLU100).outputs[0]
    assert np.isnan(got).all()


def test_rows_to_channels_and_back() -> None:
    """conv by rows -> relu by channels -> conv by rows: the relu's cores get all rows of their channels, the
    second conv's all channels of their rows and halo; a swapped re-partition fails."""
    module = split_by(parse(CONV_CONV), {"r"})
    text = print_module(module)
    assert "schedule.exchange %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] in" in text
    assert "schedule.exchange %r rows = [0, 5, 3, 8] in" in text
    np.testing.assert_allclose(execute(module, inputs_of(), MLU100).outputs[0], expected(), rtol=RTOL, atol=ATOL)
    swapped = text.replace("channels = [0, 2, 2, 4] in", "channels = [2, 4, 0, 2] in", 1)
    assert swapped != text
    with pytest.raises(VerifyException, match="but its buffer holds rows"):
        parse(swapped)
    got = execute(parse(swapped, verify=False), inputs_of(), MLU100).outputs[0]
    assert not np.isclose(got, expected(), rtol=RTOL, atol=ATOL).any()


def test_a_gather_moves_the_other_cores_channels_over_the_links() -> None:
    """Each core receives the other's 2 channels of 8 rows of 8 (128 elements, 256 bytes) over its link."""
    sim = simulate(kernel_of(split_by(parse(CONV_CONV), {"c", "r", "d"})), cost_model(MLU100))
    links = [e for e in sim.events if e.queue == "link"]
    assert sorted(e.core for e in links) == [0, 1]
    assert all(e.end - e.start == pytest.approx(200e-9 + 256 / 64e9) for e in links)
    assert [e.queue for e in sim.events].count("barrier") == 1


def test_channel_split_compute_time_follows_the_channels() -> None:
    """The first conv on 2 cores by channels: each computes half the work, as by rows."""
    model = cost_model(MLU100)
    by_rows = simulate(kernel_of(split_by(parse(CONV_CONV), set())), model)
    by_channels = simulate(kernel_of(split_by(parse(CONV_CONV), {"c", "r", "d"})), model)
    work = sum(e.end - e.start for e in by_rows.events if e.name == "conv2d")
    assert sum(e.end - e.start for e in by_channels.events if e.name == "conv2d") == pytest.approx(work)


@pytest.mark.parametrize(("model", "preset"), [("resnet18", "mlu100"), ("mobilenet_v2", "mlu270")])
def test_examples_on_16_cores_split_channels_where_the_cost_model_does(model: str, preset: str) -> None:
    """Re-cored to 16 cores, the late layers split by channels (as `KernelCost.axes` says) and the schedules
    still compute what the graph computes."""
    from test_scheduled import sample_inputs

    module = load_dlm(str(EXAMPLES / f"{model}.dlm"))
    inputs = sample_inputs(module, seed=0)
    want = run_graph(module, inputs)
    passes = ",".join(default_pipeline(Level.GRAPH, Level.ACCEL))
    run_pipeline(make_context(), module, parse_pass_pipeline(passes, get_all_passes(), {"target": (preset,)}))
    for kernel in [op for op in module.walk() if isinstance(op, accel.KernelOp)]:
        kernel.cores = IntegerAttr(16, i64)
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes()))
    assert any(isinstance(op, schedule.ComputeOp) and op.channels is not None for op in module.walk())
    got = execute(module, inputs, load_target(preset)).outputs
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("seed", [0, 4, 6, 11])
def test_random_models_split_by_channels_equal_the_graph(seed: int) -> None:
    """Random models (tests/random_models.py, 30 steps) planned for mlu100, every kernel re-cored to 16 cores
    and scheduled for vectors of one lane (so the cost model splits more ops by channels; these seeds have
    some): the outputs equal the unoptimised graph's."""
    from dataclasses import replace

    from random_models import random_model

    model = random_model(seed, 30)
    want = run_graph(model.module, model.inputs)
    module = model.module.clone()
    passes = ",".join(default_pipeline(Level.GRAPH, Level.ACCEL))
    run_pipeline(make_context(), module, parse_pass_pipeline(passes, get_all_passes()))
    narrow = replace(MLU100, vector_width=1)
    for kernel in [op for op in module.walk() if isinstance(op, accel.KernelOp)]:
        kernel.cores = IntegerAttr(16, i64)
        accel_schedule.schedule_kernel(kernel, narrow)
    module.verify()
    assert any(isinstance(op, schedule.ComputeOp) and op.channels is not None for op in module.walk())
    got = execute(module, model.inputs, MLU100).outputs
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
