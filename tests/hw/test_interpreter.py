"""The accelerator interpreter: outputs equal the graph-level reference at every level; the timeline is the cost model's."""

from __future__ import annotations

from pathlib import Path
from weakref import ref

import numpy as np
import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, f32, i64
from xdsl.interpreter import Interpreter
from xdsl.ir import Operation

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.frontend import load_dlm, parse_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.utils.outlining import form_groups
from dlfc.dialects import accel, fusion, graph
from dlfc.hw.cost import group_cost, kernel_cost
from dlfc.hw.interpreter import Execution, entry_function, execute, time_plan
from dlfc.hw.reference import FunctionCalls, GraphFunctions, run_graph
from dlfc.hw.target import load_target
from dlfc.hw.weights import WeightStore

MLU100 = load_target("mlu100")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def residual_module() -> ModuleOp:
    """conv -> batchnorm -> relu -> add(x) -> relu, and the conv output as a second result."""
    t = TensorType(f32, [1, 8, 6, 6])
    fn = func.FuncOp("main", ((t,), (t, t)))
    with ImplicitBuilder(fn.body) as (x,):
        w = graph.WeightOp("conv.weight", TensorType(f32, [8, 8, 3, 3]), "he_normal")
        conv = graph.Conv2DOp(x, w.output, pad=(1, 1, 1, 1))
        stats = [
            graph.WeightOp(f"bn.{s}", TensorType(f32, [8]), init).output
            for s, init in (("scale", "bn_scale"), ("bias", "bn_shift"), ("mean", "bn_shift"), ("var", "bn_var"))
        ]
        bn = graph.BatchNormOp(conv.output, *stats)
        relu = graph.ReluOp(bn.output)
        add = graph.AddOp(relu.output, x)
        func.ReturnOp(graph.ReluOp(add.output).output, conv.output)
    return ModuleOp([fn])


def compute_ops(module: ModuleOp) -> list[graph.GraphOp]:
    return [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]


def runs(ops: list[Operation], size: int) -> list[list[Operation]]:
    """Consecutive ops of a block in runs of `size`: convex parts, so valid groups."""
    return [ops[i : i + size] for i in range(0, len(ops), size)]


def fuse(module: ModuleOp, size: int, cores: int) -> list[fusion.GroupOp]:
    """Group the function's ops in runs of `size`, each group on `cores` cores."""
    groups = form_groups(module, lambda ops: runs(ops, size))
    for group in groups:
        group.attributes["fusion.cores"] = IntegerAttr(cores, i64)
    module.verify()
    return groups


def assert_same_outputs(run: Execution, reference: list[np.ndarray]) -> None:
    assert len(run.outputs) == len(reference)
    for got, want in zip(run.outputs, reference, strict=False):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def sample_input(module: ModuleOp, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(tuple(a.type.get_shape())).astype(np.float32)
        for a in entry_function(module).body.block.args
    ]


# --------------------------------------------------------------------------- a small model at every level


def test_graph_level_runs_each_op_as_a_one_core_kernel() -> None:
    module = residual_module()
    inputs = sample_input(module)
    run = execute(module, inputs, MLU100)
    assert_same_outputs(run, run_graph(module, inputs))
    ops = compute_ops(module)
    assert [k.name for k in run.timeline] == ["k0_conv2d", "k1_batchnorm", "k2_relu", "k3_add", "k4_relu"]
    assert [k.cost for k in run.timeline] == [group_cost([op], 1, MLU100) for op in ops]
    assert all(k.cores == 1 and k.ops == 1 for k in run.timeline)


def test_fusion_level_runs_groups_on_their_cores() -> None:
    module = residual_module()
    inputs = sample_input(module)
    reference = run_graph(module, inputs)
    groups = fuse(module, 3, 4)
    run = execute(module, inputs, MLU100)
    assert_same_outputs(run, reference)
    assert [(k.name, k.ops, k.cores) for k in run.timeline] == [
        (g.sym_name.data, n, 4) for g, n in zip(groups, (3, 2), strict=False)
    ]
    assert [k.cost for k in run.timeline] == [kernel_cost(g, MLU100) for g in groups]


def test_accel_level_equals_reference_and_timeline_is_sequential() -> None:
    module = residual_module()
    inputs = sample_input(module)
    reference = run_graph(module, inputs)
    fuse(module, 2, 2)
    ConvertFusionToAccelPass().apply(make_context(), module)
    kernels = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    run = execute(module, inputs, MLU100)
    assert_same_outputs(run, reference)
    assert [k.name for k in run.timeline] == [k.sym_name.data for k in kernels]
    assert run.timeline[0].start == 0.0
    for before, after in zip(run.timeline, run.timeline[1:], strict=False):
        assert after.start == before.end
    for entry, kernel in zip(run.timeline, kernels, strict=False):
        cost = kernel_cost(kernel, MLU100)
        assert entry.cost == cost and entry.end - entry.start == pytest.approx(cost.latency)
        assert (entry.cores, entry.bound) == (2, cost.bound)
    assert run.latency == pytest.approx(sum(kernel_cost(k, MLU100).latency for k in kernels))
    assert run.flops == sum(op.flops() for op in compute_ops(residual_module()))
    assert run.dram_bytes == sum(kernel_cost(k, MLU100).dram_bytes for k in kernels)


def test_weights_come_from_the_given_store() -> None:
    module = residual_module()
    inputs = sample_input(module)
    zeros = {"conv.weight": np.zeros((8, 8, 3, 3), np.float32)}
    run = execute(module, inputs, MLU100, WeightStore(zeros))
    assert not run.outputs[1].any()  # the conv output
    assert_same_outputs(run, run_graph(module, inputs, zeros))


def test_other_targets_change_time_not_values() -> None:
    module = residual_module()
    inputs = sample_input(module)
    fuse(module, 5, 8)  # 8 cores span two of the MLU270's clusters
    on_100, on_270 = execute(module, inputs, MLU100), execute(module, inputs, load_target("mlu270"))
    assert_same_outputs(on_270, on_100.outputs)
    # The kernel's join synchronises one more cluster (1000 cycles; its 4 dependent ops split on their
    # producers' axes and wait at no barrier); the two relus, on chip and compute-bound, run on MLU270's
    # twice faster cores (288 elements in 5 vector chunks of 64: 1 chunk per core, 0.9 lanes busy: 32 ps on MLU100);
    # the conv, split by its 6 rows over 6 cores of two clusters, reads its 1152 weight bytes once per cluster.
    relu_100 = 288 * (1 / 5) / (2e12 * 0.9)
    weights = 8 * 8 * 3 * 3 * 2
    assert on_270.latency - on_100.latency == pytest.approx(
        1000 / 1e9 - 2 * relu_100 / 2 + weights / 102.4e9, abs=1e-15
    )


INCEPTION = """\
model branches {
  input x: f32[1, 16, 14, 14]
  a = relu(conv2d(x, 16, kernel=1))
  b = relu(conv2d(x, 16, kernel=3, pad=1))
  c = relu(conv2d(x, 16, kernel=5, pad=2))
  output concat(a, b, c, axis=1)
}
"""


def test_time_plan_is_the_timeline_of_execute_at_every_level() -> None:
    """time_plan computes no numbers but the same kernels, costs and places as execute (serial and parallel)."""
    ctx = make_context()
    graph_level = residual_module()
    fusion_level = residual_module()
    fuse(fusion_level, 3, 4)
    accel_level = residual_module()
    fuse(accel_level, 2, 2)
    ConvertFusionToAccelPass().apply(ctx, accel_level)
    parallel = parse_dlm(INCEPTION, "branches.dlm")
    passes = parse_pass_pipeline("fuse-none,assign-cores,convert-fusion-to-accel,schedule-parallel", get_all_passes())
    run_pipeline(ctx, parallel, passes)
    for module in (graph_level, fusion_level, accel_level, parallel):
        timed, run = time_plan(module, MLU100), execute(module, sample_input(module), MLU100)
        assert timed.outputs == [] and timed.timeline == run.timeline
    timed = time_plan(parallel, MLU100)
    assert len({k.first_core for k in timed.timeline}) > 1  # the check covers kernels side by side
    assert timed.latency < sum(k.cost.latency for k in timed.timeline)


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(("model", "size", "cores"), [("resnet18", 3, 8), ("unet", 4, 16), ("mobilenet_v2", 6, 4)])
def test_fused_example_plan_equals_reference(model: str, size: int, cores: int) -> None:
    """A plan fusing runs of consecutive ops computes what the graph-level reference computes."""
    module = load_dlm(str(EXAMPLES / f"{model}.dlm"))
    inputs = sample_input(module, seed=1)
    reference = run_graph(module, inputs)
    fuse(module, size, cores)
    ConvertFusionToAccelPass().apply(make_context(), module)
    run = execute(module, inputs, MLU100)
    assert_same_outputs(run, reference)
    assert len(run.timeline) == len([op for op in module.walk() if isinstance(op, accel.KernelOp)])
    assert {k.cores for k in run.timeline} == {cores}


def test_function_releases_each_value_after_its_last_use() -> None:
    """`a` is released once `b = relu(a)` ran: a large model's intermediates do not all stay alive."""
    module = parse_dlm("model m {\n  input x: f32[4]\n  a = relu(x)\n  b = relu(a)\n  output relu(b)\n}\n", "m.dlm")
    alive_before: list[list[bool]] = []
    results: list[ref[np.ndarray]] = []

    class Watch(Interpreter.Listener):
        def will_interpret_op(self, op: Operation, args: tuple) -> None:
            alive_before.append([r() is not None for r in results])

        def did_interpret_op(self, op: Operation, values: tuple) -> None:
            results.append(ref(values[0]))

    interpreter = Interpreter(module, listeners=(Watch(),))
    interpreter.register_implementations(FunctionCalls())
    interpreter.register_implementations(GraphFunctions())
    (y,) = interpreter.call_op("m", (np.array([-1, 2, -3, 4], np.float32),))
    np.testing.assert_array_equal(y, [0, 2, 0, 4])
    assert alive_before == [[], [True], [False, True]]  # before each relu: is a (, b) alive?
