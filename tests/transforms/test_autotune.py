"""autotune: the DP is exact on chains (against brute force), never worse than the other plans, numerics kept."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from itertools import pairwise, product
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transforms.fusion_testing import graph_ops, model
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, f32
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.parser import Parser

from dlfc.compiler.cli import main as dlfc_main
from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms.assign_cores import assign_cores
from dlfc.compiler.transforms.autotune import AutotunePass, tune
from dlfc.compiler.utils.outlining import form_groups
from dlfc.compiler.utils.search_space import is_legal_group, plan_latency
from dlfc.dialects import accel, fusion, graph
from dlfc.hw.cost import best_cores, group_cost, kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# --------------------------------------------------------------------------- random chains

Layer = tuple[str, int]
"""An op kind and its parameter (output channels of a convolution, unused otherwise)."""

KINDS = ("conv1x1", "conv3x3", "relu", "sigmoid", "batchnorm", "maxpool", "add")


def weight(name: str, shape: Sequence[int], init: str) -> Operation:
    return graph.WeightOp(name, TensorType(f32, list(shape)), init)


def layer_ops(kind: str, param: int, x: SSAValue, index: int) -> list[Operation]:
    """The ops of one layer applied to `x` (weights first, the layer's op last)."""
    channels = graph.shape_of(x.type)[1]
    if kind.startswith("conv"):
        k = 1 if kind == "conv1x1" else 3
        w = weight(f"conv{index}.weight", (param, channels, k, k), "he_normal")
        return [w, graph.Conv2DOp(x, w.results[0], pad=(k // 2,) * 4)]
    if kind == "batchnorm":
        stats = [
            weight(f"bn{index}.{s}", (channels,), init)
            for s, init in (("scale", "bn_scale"), ("bias", "bn_shift"), ("mean", "bn_shift"), ("var", "bn_var"))
        ]
        return [*stats, graph.BatchNormOp(x, *(w.results[0] for w in stats))]
    if kind == "maxpool":
        return [graph.MaxPoolOp(x, (2, 2), (2, 2))]
    if kind == "add":
        return [graph.AddOp(x, x)]
    return [graph.ReluOp(x) if kind == "relu" else graph.SigmoidOp(x)]


def chain_module(layers: Sequence[Layer], channels: int = 16, size: int = 16) -> ModuleOp:
    """A function applying `layers` one after the other to a [1, channels, size, size] input."""
    block = Block(arg_types=[TensorType(f32, [1, channels, size, size])])
    x: SSAValue = block.args[0]
    for index, (kind, param) in enumerate(layers):
        if kind == "maxpool" and graph.shape_of(x.type)[2] < 2:
            kind = "relu"
        ops = layer_ops(kind, param, x, index)
        block.add_ops(ops)
        x = ops[-1].results[0]
    block.add_op(func.ReturnOp(x))
    fn = func.FuncOp("main", ([block.args[0].type], [x.type]), Region(block))
    module = ModuleOp([fn])
    module.verify()
    return module


layers = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from((8, 64, 96))), min_size=1, max_size=5)


def brute_force(ops: Sequence[graph.GraphOp]) -> float:
    """The least latency over every segmentation of a chain into legal kernels and every core count of each."""
    n, best = len(ops), math.inf
    for cuts in product((False, True), repeat=n - 1):
        bounds = [0, *(i + 1 for i, cut in enumerate(cuts) if cut), n]
        segments = [ops[a:b] for a, b in pairwise(bounds)]
        if not all(is_legal_group(s) for s in segments):
            continue
        options = [[group_cost(s, c, MLU100).latency for c in MLU100.legal_cores] for s in segments]
        best = min(best, min(sum(choice) for choice in product(*options)))
    return best


@settings(max_examples=40, deadline=None, derandomize=True)
@given(layers, st.sampled_from((3, 16, 64)), st.sampled_from((4, 14)))
def test_dp_matches_brute_force_on_random_chains(chain: list[Layer], channels: int, size: int):
    """Both the DP over all ideals and the one over the prefixes of the order (a budget of 1) are exact on chains."""
    ops = graph_ops(chain_module(chain, channels, size))
    optimum = brute_force(ops)
    for budget in (10_000, 1):
        plan = tune(ops, [], MLU100, window=len(ops), budget=budget)
        assert plan_latency(plan) == pytest.approx(optimum, rel=1e-12)
        assert [i for k in plan for i in k.ops] == list(range(len(ops)))
        for kernel in plan:
            assert kernel.latency == pytest.approx(
                group_cost([ops[i] for i in kernel.ops], kernel.cores, MLU100).latency
            )


# --------------------------------------------------------------------------- legality


def test_legality_follows_the_fusion_table():
    ops = graph_ops(chain_module([("conv3x3", 8), ("relu", 0), ("conv1x1", 8), ("relu", 0)]))
    conv, relu, conv2, relu2 = ops
    assert is_legal_group([conv, relu]) and is_legal_group([relu, conv2, relu2])
    assert not is_legal_group([conv, relu, conv2])  # Many-to-Many -> ... -> Many-to-Many: red
    assert is_legal_group([conv])


def test_independent_convolutions_may_share_a_kernel():
    module = model(
        """
        a = conv2d(x, 8, kernel=3, pad=1)
        b = conv2d(x, 8, kernel=1)
        output relu(a + b)
        """
    )
    a, b, *_ = graph_ops(module)
    assert is_legal_group([a, b])  # no path between them: no red cell on any path


# --------------------------------------------------------------------------- the pass


def tuned_latency(module: ModuleOp) -> float:
    return sum(kernel_cost(g, MLU100).latency for g in module.walk() if isinstance(g, fusion.GroupOp))


def every_op_alone_best(module: ModuleOp) -> float:
    return sum(best_cores([op], MLU100)[1].latency for op in graph_ops(module))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.dlm")), ids=lambda p: p.stem)
def test_autotune_examples_quickly_and_never_worse(path: Path):
    incoming = load_dlm(str(path))
    alone = every_op_alone_best(incoming)
    form_groups(incoming, lambda ops: [ops[i : i + 2] for i in range(0, len(ops), 2)])  # a naive incoming plan
    tuned = incoming.clone()
    assign_cores(incoming, MLU100)
    start = time.process_time()  # CPU seconds: the machine may be busy
    AutotunePass().apply(make_context(), tuned)
    assert time.process_time() - start < 5
    tuned.verify()
    groups = [g for g in tuned.walk() if isinstance(g, fusion.GroupOp)]
    assert all(isinstance(g.attributes.get("fusion.cores"), IntegerAttr) for g in groups)
    latency = tuned_latency(tuned)
    assert latency <= tuned_latency(incoming) * (1 + 1e-9)
    assert latency <= alone * (1 + 1e-9)


@pytest.mark.parametrize("name", ["resnet18", "unet", "vit_tiny"])
def test_autotune_is_never_worse_than_the_planners_with_their_best_cores(name: str):
    graph_level = load_dlm(str(EXAMPLES / f"{name}.dlm"))
    latencies = {}
    for pipeline in ("fuse-patterns,assign-cores", "fuse-dnnfusion,assign-cores", "fuse-dnnfusion,autotune"):
        module = graph_level.clone()
        run_pipeline(make_context(), module, parse_pass_pipeline(pipeline, get_all_passes()))
        latencies[pipeline] = tuned_latency(module)
    assert latencies["fuse-dnnfusion,autotune"] <= min(latencies.values()) * (1 + 1e-9)


def test_wide_graphs_fall_back_to_one_order_quickly():
    """Ten independent branches: about 4**10 ideals, over the budget; one topological order is searched instead."""
    body = "\n".join(f"b{i} = sigmoid(relu(x * {i + 2}.0))" for i in range(10))
    module = model(body + "\noutput " + ", ".join(f"b{i}" for i in range(10)), "x: f32[1, 64]")
    alone = every_op_alone_best(module)
    start = time.process_time()
    (run,) = run_pipeline(make_context(), module, parse_pass_pipeline("autotune", get_all_passes()))
    assert time.process_time() - start < 3
    assert run.statistics["searched several topological orders"] == 1
    assert tuned_latency(module) <= alone


@pytest.mark.parametrize("max_states", [20000, 1], ids=["exact", "fallback"])
def test_incoming_groups_stay_candidates_even_when_the_table_forbids_them(max_states: int):
    module = chain_module([("conv3x3", 64), ("relu", 0), ("conv3x3", 64), ("relu", 0)], channels=64, size=8)
    form_groups(module, lambda ops: [ops])  # conv -> relu -> conv: red, yet the incoming plan
    assign_cores(module, MLU100)
    before = tuned_latency(module)
    AutotunePass(max_states=max_states, tuning_cache=False).apply(make_context(), module)
    assert tuned_latency(module) <= before * (1 + 1e-9)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(layers, st.integers(20, 60))
def test_the_fallback_equals_the_exact_dp_on_long_chains(block: list[Layer], repeats: int):
    """A block of layers repeated into a chain of up to 300 ops: the DP over prefixes (the fallback
    that long models take) finds the same latency as the DP over every ideal, and the same kernels."""
    ops = graph_ops(chain_module(block * repeats, 16, 4))
    exact = tune(ops, [], MLU100, window=32, budget=10**6)
    fallback = tune(ops, [], MLU100, window=32, budget=1)
    assert plan_latency(fallback) == pytest.approx(plan_latency(exact), rel=1e-12)
    assert [i for k in fallback for i in k.ops] == list(range(len(ops)))
    assert all(len(k.ops) <= 32 and is_legal_group([ops[i] for i in k.ops]) for k in fallback)


def test_autotune_refuses_accel_level_input():
    module = chain_module([("relu", 0)])
    form_groups(module, lambda ops: [ops])
    ConvertFusionToAccelPass().apply(make_context(), module)
    with pytest.raises(ValueError, match="before convert-fusion-to-accel"):
        AutotunePass().apply(make_context(), module)


# --------------------------------------------------------------------------- numerics


SMALL_MODELS = {
    "residual": (
        """
        y = relu(batchnorm(conv2d(x, 8, kernel=3, pad=1)))
        y = batchnorm(conv2d(y, 8, kernel=3, pad=1))
        s = conv2d(x, 8, kernel=1)
        output relu(y + s)
        """,
        "x: f32[1, 8, 32, 32]",  # at 16x16 the barriers between its ops keep the whole block on 1 core
    ),
    "attention": (
        """
        q = dense(x, 32)
        k = dense(x, 32)
        v = dense(x, 32)
        a = softmax(matmul(q, transpose(k, [0, 2, 1])) * 0.17)
        output layernorm(dense(matmul(a, v), 32) + x)
        """,
        "x: f32[1, 16, 32]",
    ),
}


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_tuned_plan_computes_the_same_outputs(name: str):
    body, inputs = SMALL_MODELS[name]
    module = model(body, inputs)
    (fn,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    x = np.random.default_rng(0).standard_normal(graph.shape_of(fn.args[0].type)).astype(np.float32)
    expected = run_graph(module, [x])
    AutotunePass().apply(make_context(), module)
    ConvertFusionToAccelPass().apply(make_context(), module)
    module.verify()
    assert any(k.core_count > 1 for k in module.walk() if isinstance(k, accel.KernelOp))
    for got, want in zip(execute(module, [x], MLU100).outputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_dlfc_compiles_resnet50_to_an_autotuned_plan(tmp_path: Path):
    out = tmp_path / "plan.mlir"
    start = time.process_time()
    assert dlfc_main([str(EXAMPLES / "resnet50.dlm"), "-o", str(out)]) == 0
    assert time.process_time() - start < 20
    plan = Parser(make_context(), out.read_text()).parse_module()
    kernels = [k for k in plan.walk() if isinstance(k, accel.KernelOp)]
    assert kernels and len({k.core_count for k in kernels}) > 1


def test_groups_autotune_keeps_keep_the_planners_attributes():
    """A group that autotune leaves as fuse-dnnfusion made it keeps its `mapping` and `seed`; new groups only get `cores`."""
    module = load_dlm(str(EXAMPLES / "resnet18.dlm"))
    run_pipeline(make_context(), module, parse_pass_pipeline("fuse-dnnfusion", get_all_passes()), [])

    def ops_of(group: fusion.GroupOp) -> tuple[str, ...]:
        return tuple(o.name for o in group.body.block.ops)

    planned: dict[tuple[str, ...], set[tuple[object, object]]] = {}
    for g in module.walk():
        if isinstance(g, fusion.GroupOp):
            planned.setdefault(ops_of(g), set()).add((g.attributes["fusion.mapping"], g.attributes["fusion.seed"]))
    AutotunePass().apply(make_context(), module)
    groups = [g for g in module.walk() if isinstance(g, fusion.GroupOp)]
    annotated = [g for g in groups if "fusion.mapping" in g.attributes]
    assert annotated and len(annotated) < len(groups)
    for group in annotated:
        assert (group.attributes["fusion.mapping"], group.attributes["fusion.seed"]) in planned[ops_of(group)]
    assert all(isinstance(g.attributes["fusion.cores"], IntegerAttr) for g in groups)
    assert all(set(g.attributes) == {"fusion.cores"} for g in groups if g not in annotated)
