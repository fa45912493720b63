"""The tuning cache: equal signatures mean equal costs; a second compilation reuses the first one's search."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest
from random_models import random_model
from transforms.fusion_testing import graph_ops, groups
from transforms.test_autotune import EXAMPLES
from xdsl.dialects.builtin import IntegerAttr

from dlfc.compiler.cli import main as dlfc_main
from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import parse_pass_pipeline
from dlfc.compiler.transforms import autotune, fuse_dnnfusion
from dlfc.compiler.utils.search_space import is_legal_group
from dlfc.compiler.utils.tuning_cache import KERNEL, KernelKeys, TuningCache, default_path, planner_version
from dlfc.dialects.fusion import CORES_ATTR
from dlfc.hw.cost import best_cores
from dlfc.hw.target import load_target

MLU100 = load_target("mlu100")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equal_signatures_have_equal_costs_and_legality(seed: int):
    """Every window of up to 5 consecutive ops of a random model, grouped by signature."""
    ops = graph_ops(random_model(seed, 40).module)
    keys = KernelKeys(ops)
    seen: dict[object, tuple[int, float, bool]] = {}
    repeats = 0
    for start in range(len(ops)):
        for stop in range(start + 1, min(start + 6, len(ops) + 1)):
            members = ops[start:stop]
            cores, cost = best_cores(members, MLU100)
            found = (cores, cost.latency, is_legal_group(members))
            key = keys.key(range(start, stop))
            if key in seen:
                repeats += 1
                assert seen[key] == found
            seen[key] = found
    assert len(seen) > 1


def test_signatures_tell_shared_inputs_apart():
    """add(x, x) reads one tensor, add(x, y) two: different DRAM traffic, different signatures."""
    from transforms.fusion_testing import model

    ops = graph_ops(model("a = x + x\nb = x + y\noutput a, b", "x: f32[1, 64]; y: f32[1, 64]"))
    keys = KernelKeys(ops)
    assert keys.key([0]) != keys.key([1])


def test_the_cache_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_path() == tmp_path / "dlfc" / "tuning.sqlite"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_path() == Path(os.path.expanduser("~")) / ".cache" / "dlfc" / "tuning.sqlite"


def tuned(pipeline: str) -> tuple[list[list[str]], dict[str, int]]:
    module = load_dlm(str(EXAMPLES / "resnet18.dlm"))
    runs = run_pipeline(make_context(), module, parse_pass_pipeline(pipeline, get_all_passes()))
    stats = {"tuning cache hits": sum(run.statistics["tuning cache hits"] for run in runs)}
    plan = [[op.name for op in g.body.block.ops] + [str(g.attributes[CORES_ATTR])] for g in groups(module)]
    assert all(isinstance(g.attributes[CORES_ATTR], IntegerAttr) for g in groups(module))
    return plan, stats


def test_a_second_compilation_hits_the_cache_and_plans_the_same():
    first, stats = tuned("fuse-dnnfusion,autotune")
    assert stats["tuning cache hits"] == 0
    assert default_path().exists()
    second, stats = tuned("fuse-dnnfusion,autotune")
    assert stats["tuning cache hits"] >= 2 and second == first
    off, stats = tuned("fuse-dnnfusion{tuning-cache=false},autotune{tuning-cache=false}")
    assert stats["tuning cache hits"] == 0 and off == first


def test_no_tuning_cache_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    model = str(EXAMPLES / "resnet18.dlm")
    assert dlfc_main([model, "-o", str(tmp_path / "a.mlir")]) == 0
    assert dlfc_main([model, "-o", str(tmp_path / "b.mlir"), "--stats", "--no-tuning-cache"]) == 0
    err = capsys.readouterr().err
    assert "tuning cache hits" not in err.replace("0 tuning cache hits", "")
    assert dlfc_main([model, "-o", str(tmp_path / "c.mlir"), "--stats"]) == 0
    assert "1 tuning cache hits" in capsys.readouterr().err
    plans = [(tmp_path / name).read_text().replace(f"{name[0]}.npz", "W.npz") for name in ("a.mlir", "c.mlir")]
    assert plans[0] == plans[1]


def hits_by_kind(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the tuning cache's hits per kind of entry from now on."""
    counts: dict[str, int] = {}
    get = TuningCache.get

    def counting(self: TuningCache, kind: str, text: str) -> object | None:
        found = get(self, kind, text)
        if found is not None:
            counts[kind] = counts.get(kind, 0) + 1
        return found

    monkeypatch.setattr(TuningCache, "get", counting)
    return counts


def test_a_changed_planner_does_not_read_the_plans_of_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Editing a planner's source (here a module added to each pass's PLANNER) misses both plans; kernel costs stay."""
    planner = tmp_path / "planner_part.py"
    planner.write_text("RULE = 1\n")
    part = ModuleType("planner_part")
    part.__file__ = str(planner)
    monkeypatch.setattr(fuse_dnnfusion, "PLANNER", (*fuse_dnnfusion.PLANNER, part))
    monkeypatch.setattr(autotune, "PLANNER", (*autotune.PLANNER, part))
    first, _ = tuned("fuse-dnnfusion,autotune")
    counts = hits_by_kind(monkeypatch)
    assert tuned("fuse-dnnfusion,autotune")[0] == first
    assert counts == {"dnnfusion": 1, "plan": 1}  # the unchanged planners find both plans
    counts.clear()
    planner.write_text("RULE = 2\n")
    assert tuned("fuse-dnnfusion,autotune")[0] == first
    assert "dnnfusion" not in counts and "plan" not in counts  # both planners search again...
    assert counts[KERNEL] > 0  # ...and find the kernels' costs, which depend on the cost model only


def test_the_planner_version_follows_the_source(tmp_path: Path):
    planner = tmp_path / "planner_part.py"
    part = ModuleType("planner_part")
    part.__file__ = str(planner)
    planner.write_text("RULE = 1\n")
    before = planner_version([part])
    assert planner_version([part]) == before
    planner.write_text("RULE = 2\n")
    assert planner_version([part]) != before
    assert planner_version([autotune]) != planner_version([fuse_dnnfusion])
