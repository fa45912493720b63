"""fusion-table=none: the searches with legality from the hardware model alone (every convex group is legal)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from random_models import random_model
from transforms.fusion_testing import graph_ops, group_labels, groups, model
from transforms.test_autotune import chain_module
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.cli import main as dlfc_main
from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms.autotune import Tuner, tune
from dlfc.compiler.utils.search_space import is_legal_group, plan_latency
from dlfc.dialects import graph
from dlfc.hw.cost import best_cores, group_cost, kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")

RED_CELL = """
y = relu(conv2d(x, 8, kernel=3, pad=1))
output relu(conv2d(y, 8, kernel=3, pad=1))
"""
"""conv -> relu -> conv: a path from a Many-to-Many op into a Many-to-Many op, red in DNNFusion's table."""


def planned(body: str, pipeline: str, inputs: str = "x: f32[1, 8, 16, 16]") -> ModuleOp:
    module = model(body, inputs)
    run_pipeline(make_context(), module, parse_pass_pipeline(pipeline, get_all_passes()))
    return module


def latency(module: ModuleOp) -> float:
    return sum(kernel_cost(g, MLU100).latency for g in groups(module))


@pytest.mark.parametrize(
    "search",
    ["autotune{tuning-cache=false}", "oracle{window=8 progress=false}", "oracle{mode=exact}"],
    ids=["autotune", "oracle", "exact"],
)
def test_without_the_table_a_red_cell_that_the_model_would_fuse_is_fused(search: str):
    """On a 16x16 map, conv -> relu -> conv as one kernel saves a launch and a DRAM round trip of y."""
    if "exact" in search:
        pytest.importorskip("highspy")
    ops = graph_ops(model(RED_CELL))
    whole = best_cores(ops, MLU100)[1].latency
    apart = best_cores(ops[:2], MLU100)[1].latency + best_cores(ops[2:], MLU100)[1].latency
    assert whole < apart  # what the model says
    assert not is_legal_group(ops) and is_legal_group(ops, "none")

    default = planned(RED_CELL, search)
    assert group_labels(default) == [["conv2d", "y"], ["conv2d", "relu"]]
    assert latency(default) == pytest.approx(apart, rel=1e-12)

    hardware_only = planned(RED_CELL, search.replace("}", " fusion-table=none}"))
    assert group_labels(hardware_only) == [["conv2d", "y", "conv2d", "relu"]]
    assert latency(hardware_only) == pytest.approx(whole, rel=1e-12)


@pytest.mark.parametrize("search", ["autotune", "oracle{window=4 progress=false}"])
def test_a_hardware_only_plan_computes_the_same_outputs(search: str):
    body = RED_CELL + "\noutput maxpool(relu(conv2d(y, 8, kernel=1)), 2, stride=2)"
    module = model(body)
    (fn,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    x = np.random.default_rng(1).standard_normal(graph.shape_of(fn.args[0].type)).astype(np.float32)
    expected = run_graph(module, [x])
    pipeline = f"{search.split('{')[0]}{{fusion-table=none {search.partition('{')[2].rstrip('}')}}}"
    run_pipeline(make_context(), module, parse_pass_pipeline(pipeline, get_all_passes()))  # verifies after each
    assert any(not is_legal_group(graph_ops_of(g)) for g in groups(module))  # a group the table forbids
    ConvertFusionToAccelPass().apply(make_context(), module)
    module.verify()
    for got, want in zip(execute(module, [x], MLU100).outputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def graph_ops_of(group) -> list[graph.GraphOp]:
    return [op for op in group.body.block.ops if isinstance(op, graph.GraphOp)]


@pytest.mark.parametrize("search", ["autotune", "oracle"])
def test_a_bad_fusion_table_is_a_one_line_error(search: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    source = tmp_path / "m.dlm"
    source.write_text("model m {\n  input x: f32[1, 8]\n  output relu(x)\n}\n")
    out = tmp_path / "plan.mlir"
    assert dlfc_main([str(source), "--pass-pipeline", f"{search}{{fusion-table=dnn}}", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"dlfc: error: pass '{search}': {search}: fusion-table must be 'dnnfusion' or 'none', got 'dnn'\n"
    assert not out.exists()


# --------------------------------------------------------------------------- long kernels: spans, one kernel


@pytest.mark.parametrize("budget", [10_000, 1], ids=["exact", "fallback"])
def test_a_window_shorter_than_the_model_still_finds_one_kernel(budget: int):
    """Six small ops fuse into one kernel; with window=2 the whole function is a candidate of its own (a span)."""
    ops = graph_ops(chain_module([("relu", 0), ("sigmoid", 0)] * 3, channels=8, size=8))
    whole = best_cores(ops, MLU100)
    plan = tune(ops, [], MLU100, window=2, budget=budget, table="none")
    assert len(tune(ops, [], MLU100, window=2, budget=budget)) == 3  # window bounds every group under the table
    assert [(k.ops, k.cores) for k in plan] == [(tuple(range(6)), whole[0])]
    assert plan_latency(plan) == pytest.approx(whole[1].latency, rel=1e-12)


def test_spans_start_and_end_at_narrow_cuts():
    """A residual block: no cut inside it is narrow (y and x both cross), so spans cover it whole or not at all."""
    module = model(
        """
        a = relu(x)
        y = relu(conv2d(a, 8, kernel=3, pad=1))
        b = relu(y + a)
        output sigmoid(b)
        """
    )
    ops = graph_ops(module)
    names = [op.name.removeprefix("graph.") for op in ops]
    assert names == ["relu", "conv2d", "relu", "add", "relu", "sigmoid"]
    spans = Tuner(ops, MLU100, window=1, budget=10_000, table="none").spans()
    cuts = {0, 1, 4, 5, 6}  # after the conv's relu, a and y are both live; after the add only b
    assert {(s[0], s[-1] + 1) for s in spans} == {(a, b) for a in cuts for b in cuts if b - a > 1}


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(("conv1x1", "conv3x3", "relu", "maxpool", "add")), min_size=4, max_size=9))
def test_on_a_chain_spans_make_a_short_window_exact(kinds: list[str]):
    """Every cut of a chain is narrow: with the spans, window=2 searches every segmentation, as window=n does."""
    ops = graph_ops(chain_module([(k, 16) for k in kinds], channels=16, size=8))
    short = tune(ops, [], MLU100, window=2, budget=1, table="none")
    full = tune(ops, [], MLU100, window=len(ops), budget=1, table="none")
    assert plan_latency(short) == pytest.approx(plan_latency(full), rel=1e-12)


# --------------------------------------------------------------------------- against the exact solver


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.integers(0, 10**6), st.integers(5, 9))
def test_autotune_equals_the_optimum_without_the_table(seed: int, size: int):
    """The exact DP (with its lower-bound pruning) equals the integer program over every convex group."""
    pytest.importorskip("highspy")
    from dlfc.compiler.utils.optimum import TooLarge, solve_exact

    ops = graph_ops(random_model(seed, size).module)
    try:
        optimum = solve_exact(ops, [], MLU100, limit=3_000, table="none")
    except TooLarge:
        assume(False)
    plan = tune(ops, [], MLU100, window=32, budget=10**6, table="none")
    assert sorted(i for k in plan for i in k.ops) == list(range(len(ops)))
    for k in plan:
        assert k.latency == pytest.approx(group_cost([ops[i] for i in k.ops], k.cores, MLU100).latency, rel=1e-12)
    assert plan_latency(plan) == pytest.approx(plan_latency(optimum.plan), rel=1e-9)
    assert plan_latency(plan) <= plan_latency(tune(ops, [], MLU100, window=32, budget=10**6)) * (1 + 1e-12)
