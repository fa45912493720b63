"""oracle: brute force within windows; autotune is within 2% of it, and faster; parallel and time-limited runs."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from transforms.fusion_testing import graph_ops, model
from transforms.test_autotune import EXAMPLES, SMALL_MODELS, chain_module
from xdsl.dialects import func
from xdsl.dialects.builtin import BoolAttr, ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms.autotune import AutotunePass
from dlfc.compiler.transforms.oracle import WINDOWS_COMPLETE_ATTR, Reduction, oracle
from dlfc.dialects import fusion, graph
from dlfc.hw.cost import kernel_cost
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")

INCEPTION = """
    a = relu(conv2d(x, 16, kernel=1))
    b = relu(conv2d(relu(conv2d(x, 8, kernel=1)), 16, kernel=3, pad=1))
    c = relu(conv2d(maxpool(x, 3, stride=1, pad=1), 16, kernel=1))
    output concat(a, b, c, axis=1)
"""


def plan_latency(module: ModuleOp) -> float:
    return sum(kernel_cost(g, MLU100).latency for g in module.walk() if isinstance(g, fusion.GroupOp))


def autotuned(module: ModuleOp) -> tuple[float, float]:
    """The autotuned plan's latency and the CPU seconds the search took."""
    tuned = module.clone()
    start = time.process_time()
    AutotunePass().apply(make_context(), tuned)
    return plan_latency(tuned), time.process_time() - start


def test_on_a_chain_in_one_window_the_oracle_equals_the_dp():
    module = chain_module(
        [("conv3x3", 64), ("relu", 0), ("conv1x1", 96), ("sigmoid", 0), ("add", 0), ("maxpool", 0)], 32, 16
    )
    expected, _ = autotuned(module)
    result = oracle(module, MLU100, Reduction(window=6), progress=False)
    assert result.all_windows_complete and result.latency == pytest.approx(expected, rel=1e-12)
    assert plan_latency(module) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("body", [INCEPTION, SMALL_MODELS["residual"][0]], ids=["inception", "residual"])
def test_autotune_equals_the_oracle_over_one_window(body: str):
    """With every op in one window the oracle enumerates autotune's whole space: the DP must find its optimum.
    (How much faster the DP searches is measured by benchmarks/paper_table.py's ratio column, not here.)"""
    module = model(body)
    tuned, _ = autotuned(module)
    result = oracle(module, MLU100, Reduction(window=len(graph_ops(module)), joint=False), progress=False)
    assert result.all_windows_complete and result.latency == pytest.approx(tuned, rel=1e-12)
    joint = oracle(model(body), MLU100, Reduction(window=7), progress=False)
    assert tuned <= joint.latency * 1.02


def test_joint_and_separable_core_search_agree():
    """Kernels run one after another, so the best core counts are the groups' own best."""
    joint = oracle(model(INCEPTION), MLU100, Reduction(window=5), progress=False)
    separate = oracle(model(INCEPTION), MLU100, Reduction(window=5, joint=False), progress=False)
    assert joint.latency == pytest.approx(separate.latency, rel=1e-12)
    assert joint.configurations > separate.configurations


def test_group_size_cap():
    module = chain_module([("relu", 0)] * 6)
    oracle(module, MLU100, Reduction(window=6, cap=2), progress=False)
    assert all(len(list(g.body.block.ops)) <= 3 for g in module.walk() if isinstance(g, fusion.GroupOp))  # + yield


@pytest.mark.parametrize("executor", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_executors_find_the_serial_plan(executor):
    serial = oracle(model(INCEPTION), MLU100, Reduction(window=4), progress=False)
    with executor(max_workers=2) as pool:
        module = model(INCEPTION)
        parallel = oracle(module, MLU100, Reduction(window=4), executor=pool, progress=False)
    module.verify()
    assert parallel.all_windows_complete and parallel.plans == serial.plans


def test_time_limit_returns_the_best_so_far_marked_windows_incomplete(capsys):
    module = load_dlm(str(EXAMPLES / "resnet18.dlm"))
    passes = parse_pass_pipeline("oracle{window=12 time-limit=0.5}", get_all_passes())
    start = time.perf_counter()
    run_pipeline(make_context(), module, passes)
    assert time.perf_counter() - start < 20
    assert module.attributes[WINDOWS_COMPLETE_ATTR] == BoolAttr.from_bool(False)
    err = capsys.readouterr().err
    assert "NOT every window searched" in err and "windows searched completely" in err
    assert "window/s" in err or "s/window" in err  # tqdm's rate, next to its ETA


def test_oracle_plan_computes_the_same_outputs():
    module = model(INCEPTION)
    (fn,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    x = np.random.default_rng(1).standard_normal(graph.shape_of(fn.args[0].type)).astype(np.float32)
    expected = run_graph(module, [x])
    oracle(module, MLU100, Reduction(window=5), progress=False)
    ConvertFusionToAccelPass().apply(make_context(), module)
    for got, want in zip(execute(module, [x], MLU100).outputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
