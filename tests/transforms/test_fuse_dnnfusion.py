"""fuse-dnnfusion: seeds, growth, the red cells, convexity, capacity, yellow cells and the profiling database."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fusion_testing import Stub, fuse, graph_ops, group_labels, groups, model, plan

from dlfc.compiler.transforms.fuse_dnnfusion import FuseDnnfusionPass
from dlfc.compiler.utils.fusion_graph import ContractedDag
from dlfc.compiler.utils.profile_db import (
    CostModelProfiler,
    Decision,
    ProfileDB,
    pair_key,
)
from dlfc.hw.target import PRESET_DIR, load_target

# --------------------------------------------------------------------------- seeds and growth


def test_seed_is_the_one_to_one_op_with_the_smallest_result_and_groups_say_so():
    m = model(
        """
        h = relu(dense(x, 64))
        y = sigmoid(dense(h, 16))
        output y
        """,
        "x: f32[1, 256]",
    )
    assert plan(m, Stub()) == [["dense", "y"], ["dense", "h"]]  # the sigmoid's 16 floats seed first
    fuse(m)
    attrs = [(g.attributes["fusion.mapping"].data, g.attributes["fusion.seed"].data) for g in groups(m)]  # type: ignore[attr-defined]
    assert attrs == [("many_to_many", "h"), ("many_to_many", "y")]
    assert [len(labels) for labels in group_labels(m)] == [2, 2]


def test_block_grows_predecessors_then_successors_and_updates_its_type():
    m = model("y = relu(batchnorm(conv2d(x, 8, kernel=3, pad=1)))\noutput y")
    stub = Stub()
    (block,) = plan(m, stub)
    assert len(block) == 3 and not stub.asked  # conv -> bn -> relu: green cells only
    fuse(m)
    (group,) = groups(m)
    assert group.attributes["fusion.mapping"].data == "many_to_many"  # type: ignore[attr-defined]


def test_green_cells_ask_no_profiling_and_yellow_cells_do():
    m = model("y = transpose(reshape(dense(x, 32), [1, 8, 4, 8]), [0, 2, 1, 3])\noutput y", "x: f32[1, 8, 32]")
    stub = Stub()
    assert len(plan(m, stub)) == 1
    assert [candidate for _, candidate in stub.asked] == ["dense", "y"]  # Reorganize seed: MtM->Reorg, MtM->Shuffle


# --------------------------------------------------------------------------- the two red cells


def test_many_to_many_never_fuses_with_many_to_many():
    m = model("a = conv2d(x, 8, kernel=3, pad=1)\nb = conv2d(a, 8, kernel=3, pad=1)\ny = matmul(b, b)\noutput y")
    assert sorted(map(len, plan(m, Stub()))) == [1, 1, 1]


def test_one_to_many_never_fuses_into_many_to_many():
    m = model("u = upsample(relu(x))\ny = conv2d(u, 8, kernel=3, pad=1)\noutput y")
    blocks = plan(m, Stub())
    assert ["y"] in blocks and any("u" in block for block in blocks)
    assert all(not ("u" in block and "y" in block) for block in blocks)


def test_red_cell_stops_the_walk_past_it():
    m = model("a = conv2d(x, 8, kernel=3, pad=1)\nb = conv2d(a, 8, kernel=3, pad=1)\ny = relu(b)\noutput y")
    blocks = plan(m, Stub())
    assert ["b", "y"] in [sorted(block) for block in blocks]


# --------------------------------------------------------------------------- convexity


RESIDUAL = """
    a = relu(x)
    b = conv2d(a, 8, kernel=3, pad=1)
    d = conv2d(b, 8, kernel=3, pad=1)
    c = a + d
    output c
"""


def test_residual_block_is_not_fused_into_a_cycle():
    """relu -> conv -> conv -> add with the skip relu -> add: the add may join the relu only with both convs."""
    m = model(RESIDUAL)
    blocks = plan(m, Stub())
    for block in blocks:
        assert not ({"a", "c"} <= set(block) and not {"b", "d"} <= set(block))
    assert sorted(map(sorted, blocks)) == [["a", "b"], ["c", "d"]]
    fuse(m)  # outlining would fail on a cycle; the module verifies
    assert sorted(map(sorted, group_labels(m))) == [["a", "b"], ["c", "d"]]


def test_contracted_dag_refuses_a_merge_that_leaves_and_reenters():
    # 0 -> 1 -> 2 -> 3 and 0 -> 3: merging 0 with 3 would leave through 1, 2 and come back.
    dag = ContractedDag([[1, 3], [2], [3], []])
    assert dag.can_merge(0, 3) is None
    merged = dag.merge(dag.can_merge(0, 1))  # type: ignore[arg-type]
    assert dag.can_merge(merged, 3) is None
    merged = dag.merge(dag.can_merge(merged, 2))  # type: ignore[arg-type]
    assert dag.can_merge(merged, 3) is not None


def test_contracted_dag_keeps_a_topological_order_after_merges():
    # 0 -> 1 -> 3, 0 -> 2 -> 3: merge 0 into 3's side through 1, then the order must still put 2 before 3.
    dag = ContractedDag([[1, 2], [3], [3], []])
    node = dag.merge(dag.can_merge(0, 1))  # type: ignore[arg-type]
    for n, succs in enumerate(dag.succ):
        for s in succs:
            assert dag.pos[n] < dag.pos[s], (n, s)
    assert dag.can_merge(node, 3) is None  # 2 is still outside, between them
    node = dag.merge(dag.can_merge(node, 2))  # type: ignore[arg-type]
    assert dag.can_merge(node, 3) is not None


def reaches(succ: list[set[int]], start: int, goal: int) -> bool:
    stack, seen = [start], set()
    while stack:
        n = stack.pop()
        if n == goal:
            return True
        if n not in seen:
            seen.add(n)
            stack.extend(succ[n])
    return False


@pytest.mark.parametrize("seed", range(20))
def test_contracted_dag_agrees_with_brute_force_on_random_graphs(seed: int):
    rng = random.Random(seed)
    n = 30
    edges = [sorted({j for j in range(i + 1, n) if rng.random() < 0.12}) for i in range(n)]
    dag = ContractedDag(edges)
    alive = set(range(n))
    for _ in range(60):
        a = rng.choice(sorted(alive))
        if not dag.succ[a]:
            continue
        b = rng.choice(sorted(dag.succ[a]))
        others = [set(s) - {b} if i == a else set(s) for i, s in enumerate(dag.succ)]
        cycle = any(reaches(others, s, b) for s in others[a])  # a path a -> ... -> b besides the edge
        merge = dag.can_merge(a, b)
        assert (merge is None) == cycle
        if merge is not None:
            alive.discard(a if dag.merge(merge) == b else b)
        assert all(dag.pos[x] < dag.pos[y] for x in alive for y in dag.succ[x])


# --------------------------------------------------------------------------- capacity


def tiny_target(tmp_path: Path, onchip_kib: int) -> str:
    text = (PRESET_DIR / "mlu100.toml").read_text()
    path = tmp_path / "tiny.toml"
    lines = [f"onchip_kib = {onchip_kib}" if line.startswith("onchip_kib") else line for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_tiny_on_chip_memory_forbids_the_merge(tmp_path: Path):
    source = "y = relu(conv2d(x, 64, kernel=3, pad=1))\noutput y"
    inputs = "x: f32[1, 64, 32, 32]"
    roomy = model(source, inputs)
    fuse(roomy)
    assert len(groups(roomy)) == 1
    tiny = model(source, inputs)
    fuse(tiny, FuseDnnfusionPass(target=tiny_target(tmp_path, 1)))
    assert len(groups(tiny)) == 2


def test_fits_on_chip_whole_or_in_row_tiles(tmp_path: Path):
    ops = graph_ops(model("y = relu(conv2d(x, 64, kernel=3, pad=1))\noutput y", "x: f32[1, 64, 32, 32]"))
    # A tile of t rows holds 4 KiB per row of the conv output, and the input (t + 2 halo rows) and the
    # output double-buffered: 4 KiB x (5t + 4). Whole (t = 32) that is 656 KiB > 384 KiB: 2 tiles fit.
    assert CostModelProfiler(load_target()).fits_on_chip(ops)
    assert CostModelProfiler(load_target(tiny_target(tmp_path, 64))).fits_on_chip(ops)  # 2-row tiles: 56 KiB
    assert not CostModelProfiler(load_target(tiny_target(tmp_path, 32))).fits_on_chip(ops)  # 1-row tiles: 36 KiB
    assert CostModelProfiler(load_target(tiny_target(tmp_path, 1))).fits_on_chip(ops[:1])  # one op: nothing to hold


# --------------------------------------------------------------------------- yellow cells


YELLOW = ("y = reshape(dense(x, 32), [1, 8, 4, 8])\noutput y", "x: f32[1, 8, 32]")  # Many-to-Many -> Reorganize


def test_yellow_cell_fuses_when_the_cost_model_says_fused_is_not_slower():
    m = model(*YELLOW)
    dense, reshape = graph_ops(m)
    profiler = CostModelProfiler(load_target())
    decision = profiler.measure([reshape], dense)
    assert decision.fused <= decision.separate
    fuse(m)
    assert group_labels(m) == [["dense", "y"]]


def test_yellow_cell_stays_apart_when_fusing_is_slower():
    assert plan(model(*YELLOW), Stub(profitable=False)) == [["y"], ["dense"]]
    m = model(*YELLOW)
    dense, reshape = graph_ops(m)
    db = ProfileDB({pair_key(load_target(), [reshape], dense): Decision("profiled slower", fused=2.0, separate=1.0)})
    assert plan(m, CostModelProfiler(load_target(), db=db)) == [["y"], ["dense"]]  # type: ignore[arg-type]
    assert (db.hits, db.misses) == (1, 0)


def test_profiling_database_round_trips_and_is_reused(tmp_path: Path):
    path = tmp_path / "profile.json"
    first = model(*YELLOW)
    stats = fuse(first, FuseDnnfusionPass(profile_db=str(path)))
    assert stats["profiled pairs"] == 1 and stats["profiling database hits"] == 0
    data = json.loads(path.read_text())
    assert data["format"] == "dlfc-profile-db" and len(data["entries"]) == 1
    (entry,) = data["entries"].values()
    assert entry["ops"] == "graph.reshape -> graph.dense" and entry["fused"] <= entry["separate"]
    assert ProfileDB.load(str(path)).entries == ProfileDB.load(str(path)).entries

    again = model(*YELLOW)
    stats = fuse(again, FuseDnnfusionPass(profile_db=str(path)))
    assert stats["profiled pairs"] == 0 and stats["profiling database hits"] == 1
    assert group_labels(again) == [["dense", "y"]]

    (key,) = data["entries"]
    data["entries"][key].update(fused=1.0, separate=0.5)  # a profile that says fusing is slower
    path.write_text(json.dumps(data))
    obeyed = model(*YELLOW)
    fuse(obeyed, FuseDnnfusionPass(profile_db=str(path)))
    assert group_labels(obeyed) == [["dense"], ["y"]]


def test_profile_keys_depend_on_shapes_and_target():
    a, same = graph_ops(model(*YELLOW)), graph_ops(model(*YELLOW))
    b = graph_ops(model("y = reshape(dense(x, 32), [1, 8, 4, 8])\noutput y", "x: f32[1, 8, 64]"))
    mlu100 = load_target()
    assert pair_key(mlu100, a[1:], a[0]) == pair_key(mlu100, same[1:], same[0])
    assert pair_key(mlu100, a[1:], a[0]) != pair_key(mlu100, b[1:], b[0])
    assert pair_key(mlu100, a[1:], a[0]) != pair_key(load_target("mlu270"), a[1:], a[0])
    assert pair_key(mlu100, a[1:], a[0]) != pair_key(replace(mlu100, onchip_bytes=1024), a[1:], a[0])


# --------------------------------------------------------------------------- output


def test_multi_output_groups():
    m = model("a = relu(x)\nb = sigmoid(a)\noutput a, b", "x: f32[1, 64]")
    fuse(m)
    (group,) = groups(m)
    assert len(group.outputs) == 2


def test_statistics_report_groups_and_their_mapping_types():
    m = model("a = relu(conv2d(x, 8, kernel=3, pad=1))\nb = sigmoid(x)\noutput a, b")
    stats = fuse(m)
    assert stats["fusion groups"] == 2
    assert stats["many_to_many groups"] == 1 and stats["one_to_one groups"] == 1


def test_plans_thousands_of_ops_quickly():
    body = "\n".join(["h = x"] + ["h = layernorm(h + gelu(dense(h, 16)))"] * 600 + ["output h"])
    m = model(body, "x: f32[1, 4, 16]")
    ops = graph_ops(m)
    assert len(ops) >= 2400
    start = time.perf_counter()
    fuse(m)
    assert time.perf_counter() - start < 20
    assert len(groups(m)) == 1200  # [dense gelu add] [layernorm] per layer
