"""schedule-parallel: independent kernels side by side on disjoint cores, within DRAM bandwidth, never slower."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from transforms.fusion_testing import model
from transforms.test_autotune import EXAMPLES, SMALL_MODELS
from transforms.test_oracle import INCEPTION
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms.autotune import AutotunePass
from dlfc.compiler.transforms.schedule_parallel import dram_rate, kernels_of, replay, schedule_parallel
from dlfc.dialects import accel, graph
from dlfc.dialects.accel import OFFSET_ATTR, START_ATTR
from dlfc.hw.cost import kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target
from dlfc.hw.timeline import Timeline

MLU100 = load_target("mlu100")


def accel_module(body: str, inputs: str = "x: f32[1, 8, 16, 16]", tune: bool = True) -> ModuleOp:
    """A small model as kernels: autotuned, or one kernel per op on its best core count."""
    module = model(body, inputs)
    passes = "autotune" if tune else "convert-graph-to-fusion,assign-cores"
    run_pipeline(make_context(), module, parse_pass_pipeline(f"{passes},convert-fusion-to-accel", get_all_passes()))
    return module


def check_schedule(timeline: Timeline) -> None:
    """Overlapping kernels use disjoint cores, and their DRAM rates add up to at most the bandwidth."""
    for a, b in combinations(timeline.slots, 2):
        if a.start < b.end and b.start < a.end:
            assert a.offset + a.cores <= b.offset or b.offset + b.cores <= a.offset
    for slot in timeline.slots:
        running = [s for s in timeline.slots if s.start <= slot.start < s.end]
        rates = [dram_rate(kernel_cost(s.op, MLU100)) for s in running]  # type: ignore[arg-type]
        assert sum(rates) <= MLU100.dram_bandwidth * (1 + 1e-9)


def test_independent_branches_run_side_by_side():
    module = accel_module(INCEPTION, tune=False)
    saving = schedule_parallel(module, MLU100)
    module.verify()
    assert saving.parallel < saving.sequential
    timeline = replay(module, MLU100)
    assert timeline.makespan == pytest.approx(saving.parallel)
    check_schedule(timeline)
    assert any(a.start < b.end and b.start < a.end for a, b in combinations(timeline.slots, 2))
    for kernel in kernels_of(module):
        assert OFFSET_ATTR in kernel.attributes and START_ATTR in kernel.attributes


def test_without_schedule_attributes_kernels_run_one_after_another():
    module = accel_module(INCEPTION, tune=False)
    timeline = replay(module, MLU100)
    assert timeline.makespan == pytest.approx(sum(kernel_cost(k, MLU100).latency for k in kernels_of(module)))
    assert all(s.cores == MLU100.cores for s in timeline.slots)


def test_horizontal_kernels_are_split_when_the_parts_run_faster_side_by_side():
    body, inputs = SMALL_MODELS["attention"]
    module = accel_module(body, inputs)
    names = {k.sym_name.data for k in kernels_of(module)}
    saving = schedule_parallel(module, MLU100)
    module.verify()
    split = {k.sym_name.data for k in kernels_of(module)} - names
    assert saving.parallel <= saving.sequential
    if split:
        assert saving.parallel < saving.sequential and all("/" in name for name in split)
    check_schedule(replay(module, MLU100))


@pytest.mark.parametrize("name", ["resnet18", "vit_tiny", "unet"])
def test_never_slower_than_sequential_on_examples(name: str):
    module = load_dlm(str(EXAMPLES / f"{name}.dlm"))
    AutotunePass().apply(make_context(), module)
    ConvertFusionToAccelPass().apply(make_context(), module)
    saving = schedule_parallel(module, MLU100)
    module.verify()
    assert saving.parallel <= saving.sequential * (1 + 1e-12)
    timeline = replay(module, MLU100)
    assert timeline.makespan == pytest.approx(saving.parallel)
    check_schedule(timeline)


def test_scheduled_plan_computes_the_same_outputs():
    body, inputs = SMALL_MODELS["attention"]
    module = model(body, inputs)
    (fn,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    x = np.random.default_rng(2).standard_normal(graph.shape_of(fn.args[0].type)).astype(np.float32)
    expected = run_graph(module, [x])
    run_pipeline(
        make_context(),
        module,
        parse_pass_pipeline("autotune,convert-fusion-to-accel,schedule-parallel", get_all_passes()),
    )
    assert all(isinstance(k, accel.KernelOp) for k in kernels_of(module))
    for got, want in zip(execute(module, [x], MLU100).outputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_the_interpreter_runs_the_schedule():
    """dlfc.hw.interpreter's timeline places kernels as the schedule attributes say: side by side, same makespan."""
    module = accel_module(INCEPTION, tune=False)
    saving = schedule_parallel(module, MLU100)
    x = np.random.default_rng(3).standard_normal((1, 8, 16, 16)).astype(np.float32)
    execution = execute(module, [x], MLU100)
    assert execution.latency == pytest.approx(saving.parallel) and execution.latency < saving.sequential
    planned = replay(module, MLU100).slots
    assert [k.start for k in execution.timeline] == pytest.approx([s.start for s in planned])
    assert [k.end for k in execution.timeline] == pytest.approx([s.end for s in planned])
