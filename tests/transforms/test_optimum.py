"""The exact solver (oracle{mode=exact}) against brute force, and autotune against it: random graphs, wide models."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from random_models import random_model
from transforms.fusion_testing import graph_ops, model
from transforms.test_oracle import INCEPTION
from wide_models import PROVEN, WIDE_MODELS, attention, branches
from xdsl.dialects.builtin import BoolAttr, ModuleOp
from xdsl.parser import Parser

from dlfc.compiler.cli import main as dlfc_main
from dlfc.compiler.context import make_context
from dlfc.compiler.transforms.autotune import tune
from dlfc.compiler.transforms.oracle import OPTIMAL_ATTR, Reduction, exact_oracle, oracle
from dlfc.compiler.utils.bitmasks import mask_of
from dlfc.compiler.utils.optimum import (
    TooLarge,
    _Components,
    candidate_groups,
    parallel_split,
    solve_components,
    solve_exact,
    undominated,
)
from dlfc.compiler.utils.search_space import is_legal_group, plan_latency
from dlfc.dialects import accel
from dlfc.hw.cost import group_cost, kernel_cost
from dlfc.hw.target import load_target

pytest.importorskip("highspy")

MLU100 = load_target("mlu100")


def check_plan(ops, plan, target=MLU100) -> None:
    """Every op in exactly one kernel, each legal, costed right, and the kernels can run one after another."""
    assert sorted(i for k in plan for i in k.ops) == list(range(len(ops)))
    owner = {i: n for n, k in enumerate(plan) for i in k.ops}
    done: set[int] = set()
    pending = list(range(len(plan)))
    while pending:
        ready = [
            n
            for n in pending
            if all(owner[p] in done | {n} for i in plan[n].ops for p in range(len(ops)) if ops[p] in producers(ops[i]))
        ]
        assert ready, "the kernels feed each other in a cycle"
        done |= set(ready)
        pending = [n for n in pending if n not in ready]
    for k in plan:
        members = [ops[i] for i in k.ops]
        assert is_legal_group(members)
        assert k.latency == pytest.approx(group_cost(members, k.cores, target).latency, rel=1e-12)


def producers(op):
    return {v.owner for v in op.operands}


def test_candidates_are_every_legal_convex_group():
    """Against a filter of all 2**n subsets: convex (no path leaves and comes back) and legal."""
    ops = graph_ops(model(INCEPTION))
    n = len(ops)
    index = {op: i for i, op in enumerate(ops)}
    reach = [{i} for i in range(n)]
    for i in range(n - 1, -1, -1):
        for u in ops[i].results[0].uses:
            if u.operation in index:
                reach[i] |= reach[index[u.operation]]
    expected = set()
    for mask in range(1, 1 << n):
        members = [i for i in range(n) if mask >> i & 1]
        between = {j for a in members for b in members for j in reach[a] if b in reach[j]}
        if between <= set(members) and is_legal_group([ops[i] for i in members]):
            expected.add(mask)
    assert set(candidate_groups(ops, 0, 1 << n)) == expected


def test_the_optimum_equals_the_oracle_over_one_window():
    """The brute-force oracle with every op in one window enumerates the same space another way."""
    module = model(INCEPTION)
    ops = graph_ops(module)
    optimum = solve_exact(ops, [], MLU100)
    check_plan(ops, optimum.plan)
    brute = oracle(module, MLU100, Reduction(window=len(ops), joint=False), progress=False)
    assert plan_latency(optimum.plan) == pytest.approx(brute.latency, rel=1e-12)


def check_autotune_against_the_optimum(seed: int, size: int, limit: int) -> None:
    """autotune's exact DP equals the exact solver on a random graph, and its fallback is no better than optimal
    (graphs with more than `limit` candidate groups are skipped)."""
    ops = graph_ops(random_model(seed, size).module)
    try:
        optimum = solve_exact(ops, [], MLU100, cap=32, limit=limit)
    except TooLarge:
        assume(False)
    check_plan(ops, optimum.plan)
    exact = tune(ops, [], MLU100, window=32, budget=10**6)  # the DP over every ideal
    check_plan(ops, exact)
    assert plan_latency(exact) == pytest.approx(plan_latency(optimum.plan), rel=1e-9)
    fallback = tune(ops, [], MLU100, window=32, budget=1)  # the DP over several orders: no better than optimal
    check_plan(ops, fallback)
    assert plan_latency(fallback) >= plan_latency(optimum.plan) * (1 - 1e-9)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.integers(0, 10**6), st.integers(6, 11))
def test_autotune_equals_the_optimum_on_random_graphs(seed: int, size: int):
    """Graphs of 6-11 ops and up to 2,000 candidate groups (the default suite's share; the slow test takes
    graphs of up to 16 ops and 20,000 groups)."""
    check_autotune_against_the_optimum(seed, size, limit=2_000)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.integers(0, 10**6), st.integers(6, 16))
def test_autotune_equals_the_optimum_on_larger_random_graphs(seed: int, size: int):
    """Graphs of up to 20,000 candidate groups (about 3 CPU minutes)."""
    check_autotune_against_the_optimum(seed, size, limit=20_000)


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.integers(0, 10**6), st.integers(4, 8))
def test_leaving_out_dominated_groups_keeps_the_optimum(seed: int, size: int):
    """Against brute force over every partition into every legal convex group (the oracle with one window)."""
    module = random_model(seed, size).module
    ops = graph_ops(module)
    assume(len(ops) <= 9)
    try:
        optimum = solve_exact(ops, [], MLU100, limit=2000)
    except TooLarge:
        assume(False)
    check_plan(ops, optimum.plan)
    assert optimum.columns <= optimum.candidates
    brute = oracle(module, MLU100, Reduction(window=len(ops), joint=False), progress=False)
    assert plan_latency(optimum.plan) == pytest.approx(brute.latency, rel=1e-12)


def test_a_split_as_cheap_as_the_group_dominates_it():
    """Groups {0, 1} and {0, 1, 2} of a chain, each no cheaper than a split: left out; singletons always stay."""
    chain = [0b001, 0b010, 0b100, 0b011, 0b110, 0b111]
    preds = [0, 0b001, 0b010]
    costs = [1.0, 1.0, 1.0, 2.0, 1.5, 2.6]
    kept = [chain[k] for k in undominated(chain, costs, preds)]
    assert kept == [0b001, 0b010, 0b100, 0b110]  # {0,1,2} costs 2.6 > {0} + {1,2} = 2.5


@pytest.mark.parametrize("name", sorted(WIDE_MODELS))
def test_the_fallback_is_within_two_percent_on_wide_models(name: str):
    """Measured gaps (mlu100): 0.00% on every one of these (see docs/tuning.md)."""
    ops = graph_ops(WIDE_MODELS[name]())
    optimum = plan_latency(solve_exact(ops, [], MLU100).plan)
    fallback = tune(ops, [], MLU100, window=32, budget=1)
    check_plan(ops, fallback)
    assert optimum <= plan_latency(fallback) <= optimum * 1.02


def test_eight_branches_come_out_as_two_kernels():
    """Past every budget: the level order makes the stages of the eight branches contiguous (F8: was 3.5x)."""
    ops = graph_ops(branches(8))
    with pytest.raises(TooLarge):
        candidate_groups(ops, 0, 200_000)  # 1.7 million candidates: beyond the integer program
    plan = tune(ops, [], MLU100, window=32, budget=20000)
    check_plan(ops, plan)
    assert len(plan) == 2  # the least possible: conv -> relu -> conv is red


@pytest.mark.parametrize(
    "name, hw",
    [
        pytest.param(name, hw, marks=[pytest.mark.slow] if slow or hw == "mlu270" else [])
        for name, (_, slow) in PROVEN.items()
        for hw in ("mlu100", "mlu270")
        if (name, hw) != ("table4", "mlu270")
    ]
    + [
        pytest.param(
            "table4",
            "mlu270",
            marks=[
                pytest.mark.slow,
                pytest.mark.xfail(
                    strict=True,
                    reason="measured 4.99% (2.83% before the channel-split cost model): the optimum splits the "
                    "rows by kind across core counts, which no order of the fallback makes contiguous",
                ),
            ],
        )
    ],
)
def test_autotune_is_within_two_percent_of_the_proven_optimum_on_wide_models(name: str, hw: str):
    """Measured gaps (docs/tuning.md): 0.00% but the six-branch inception block (1.46% mlu100, 1.62% mlu270) and
    table-4 on mlu270 (4.99%, over the 2%). The optimum is proven: its latency is a lower bound on every plan's."""
    target = load_target(hw)
    ops = graph_ops(PROVEN[name][0]())
    optimum = solve_exact(ops, [], target)
    check_plan(ops, optimum.plan, target)
    assert optimum.lower_bound == pytest.approx(plan_latency(optimum.plan), rel=1e-12)
    assert (optimum.rounds > 0) == (name != "unet")  # the components' DP: past the integer program's limit
    plan = tune(ops, [], target, window=32, budget=20000)
    check_plan(ops, plan, target)
    assert optimum.lower_bound * (1 - 1e-12) <= plan_latency(plan) <= optimum.lower_bound * 1.02


def split_of(ops):
    index = {op: i for i, op in enumerate(ops)}
    return parallel_split([mask_of(index[v.owner] for v in op.operands if v.owner in index) for op in ops])


STAGES = ["relu({})", "sigmoid({})", "conv2d({}, 8, kernel=1)", "conv2d({}, 8, kernel=3, pad=1)"]
STAGES += ["maxpool({}, 3, stride=1, pad=1)", "{} * 0.5", "({} + x)", "dense({}, 16)", "softmax({})"]


@st.composite
def parallel_models(draw: st.DrawFn) -> ModuleOp:
    """Two to four branches of one to three random stages off the input, joined by a concat (and maybe more)."""
    outputs = []
    for _ in range(draw(st.integers(2, 4))):
        value = "x"
        for _ in range(draw(st.integers(1, 3))):
            value = draw(st.sampled_from(STAGES)).format(value)
        outputs.append(value)
    joined = "concat(" + ", ".join(outputs) + ", axis=1)"
    return model(f"output {draw(st.sampled_from(['{}', 'relu({})', 'conv2d({}, 8, kernel=1)'])).format(joined)}")


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(parallel_models(), st.sampled_from(["mlu100", "mlu270"]))
def test_the_components_dp_equals_the_integer_program_on_generated_parallel_graphs(module: ModuleOp, hw: str):
    """And autotune's exact DP equals both (these graphs are within both solvers' limits)."""
    target = load_target(hw)
    ops = graph_ops(module)
    split = split_of(ops)
    assert split is not None and len(split.components) >= 2
    by_components = solve_components(ops, [], target, split)
    check_plan(ops, by_components.plan, target)
    by_program = solve_exact(ops, [], target, limit=10**6)
    assert by_program.rounds == 0  # the integer program, not the DP
    assert plan_latency(by_components.plan) == pytest.approx(plan_latency(by_program.plan), rel=1e-9)
    exact = tune(ops, [], target, window=32, budget=10**6)
    assert plan_latency(exact) == pytest.approx(plan_latency(by_program.plan), rel=1e-9)


@pytest.mark.parametrize("name", ["branches4", "attention2", "inception"])
def test_the_lower_bound_of_every_combination_is_below_its_cost(name: str):
    """Every combination of pieces of the model, costed: the bound the DP prunes with never exceeds the cost."""
    ops = graph_ops(WIDE_MODELS[name]())
    space = _Components(ops, MLU100, 0, split_of(ops), 10**6)
    bounds, _ = space.lower_bounds()
    finite = 0
    for combination, bound in enumerate(bounds.tolist()):
        if bound < float("inf"):
            finite += 1
            assert bound <= space.cost(space.mask(combination))[1] * (1 + 1e-12)
    assert finite > 800


def test_the_split_finds_the_parallel_components_and_the_tail():
    ops = graph_ops(attention(2))
    split = split_of(ops)
    assert [len(c) for c in split.components] == [8, 8]
    assert [ops[i].name for i in split.tail] == ["graph.concat", "graph.dense", "graph.add"]
    assert split_of(graph_ops(WIDE_MODELS["unet"]())) is None  # the skips connect everything


def test_the_components_dp_refuses_incoming_groups_outside_the_legal_ones():
    ops = graph_ops(branches(2))
    with pytest.raises(TooLarge, match="incoming group"):
        solve_components(ops, [0b111], MLU100, split_of(ops))  # conv -> relu -> conv: red


def test_oracle_exact_in_the_default_pipeline_proves_the_plan_optimal(tmp_path: Path):
    """`dlfc --pass-pipeline` with autotune replaced by oracle{mode=exact}: the optimal plan, as autotune's exact DP."""
    lines = "\n".join(f"  {line.strip()}" for line in INCEPTION.strip().splitlines())
    source = tmp_path / "m.dlm"
    source.write_text(f"model m {{\n  input x: f32[1, 8, 16, 16]\n{lines}\n}}\n")
    latencies = {}
    for search in ("oracle{mode=exact}", "autotune"):
        out = tmp_path / "plan.mlir"
        pipeline = f"fuse-dnnfusion,{search},convert-fusion-to-accel"
        assert dlfc_main([str(source), "--pass-pipeline", pipeline, "-o", str(out)]) == 0
        plan = Parser(make_context(), out.read_text()).parse_module()
        latencies[search] = sum(kernel_cost(k, MLU100).latency for k in plan.walk() if isinstance(k, accel.KernelOp))
        if search != "autotune":
            assert plan.attributes[OPTIMAL_ATTR] == BoolAttr.from_bool(True)
    assert latencies["autotune"] == pytest.approx(latencies["oracle{mode=exact}"], rel=1e-12)
    assert latencies["autotune"] <= plan_latency(solve_exact(graph_ops(model(INCEPTION)), [], MLU100).plan) * (
        1 + 1e-12
    )


def test_oracle_exact_refuses_a_graph_over_its_limit():
    """Over the limit and without parallel components (the U-Net's skips connect everything)."""
    module = WIDE_MODELS["unet"]()
    with pytest.raises(ValueError, match=r"oracle: mode=exact: more than 20 candidate groups \(limit=20\)"):
        exact_oracle(module, MLU100, limit=20)  # it has 41
