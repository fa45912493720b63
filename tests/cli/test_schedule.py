"""The schedule level on the command line: `--emit schedule`, resuming from a scheduled plan, `dlfc run` on it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli.conftest import EXAMPLES, Dlfc, parse
from cli.test_run import MODEL
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.instruments import print_module
from dlfc.compiler.run import random_inputs
from dlfc.dialects import accel, schedule
from dlfc.hw.interpreter import entry_function
from dlfc.hw.reference import run_graph


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "two_heads.dlm"
    path.write_text(MODEL)
    return path


def test_emit_schedule_prints_a_module_that_parses_back(dlfc: Dlfc) -> None:
    result = dlfc(EXAMPLES / "resnet18.dlm", "--emit", "schedule")
    assert result.code == 0, result.err
    module = parse(result.out)
    assert print_module(module) == result.out
    kernels = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    assert kernels and all(schedule.program_of(k) is not None for k in kernels)
    assert "accel-schedule" in dlfc(EXAMPLES / "resnet18.dlm", "--emit", "schedule", "--print-pipeline").out


def test_scheduled_plan_resumes_and_runs(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    """A scheduled plan compiles to itself, runs to the reference, and reports simulated next to estimated time."""
    plan, report, trace, out = (tmp_path / n for n in ("plan.mlir", "r.json", "t.json", "out.npz"))
    assert dlfc(model, "--emit", "schedule", "-o", plan).code == 0
    again = dlfc(plan)
    assert again.code == 0 and again.out == plan.read_text()
    result = dlfc("run", plan, "--report", report, "--trace", trace, "--outputs", out)
    assert result.code == 0, result.err
    header = result.out.splitlines()[0].split()
    assert header[:6] == ["kernel", "ops", "cores", "µs", "sim", "µs"]
    kernels = json.loads(report.read_text())["kernels"]
    assert all(k["simulated_us"] > 0 for k in kernels)
    latency = json.loads(report.read_text())["totals"]["latency_s"]
    assert latency == pytest.approx(sum(k["simulated_us"] for k in kernels) * 1e-6)
    module = load_dlm(str(model))
    reference = run_graph(module, random_inputs(entry_function(module), module, 0))
    with np.load(out) as got:
        for name, want in zip(got.files, reference, strict=True):
            np.testing.assert_allclose(got[name], want, rtol=1e-4, atol=1e-5)
    events = json.loads(trace.read_text())["traceEvents"]
    tracks = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"core 0 compute", "core 0 DMA in", "core 0 DMA out"} <= tracks
    tasks = [e for e in events if e.get("pid") == 1 and e["ph"] == "X"]
    assert {e["cat"] for e in tasks} >= {"compute", "dma-in", "dma-out"}
    kernel_events = [e for e in events if e.get("pid") == 0]
    for e in tasks:  # every task lies inside its kernel
        (k,) = [k for k in kernel_events if k["name"] == e["args"]["kernel"]]
        assert k["ts"] - 1e-6 <= e["ts"] and e["ts"] + e["dur"] <= k["ts"] + k["dur"] + 1e-6


def test_run_with_schedule_option_matches_the_scheduled_plan(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    plan, first, second = tmp_path / "plan.mlir", tmp_path / "a.json", tmp_path / "b.json"
    assert dlfc(model, "--emit", "schedule", "-o", plan).code == 0
    assert dlfc("run", model, "--schedule", "--report", first).code == 0
    assert dlfc("run", plan, "--report", second).code == 0
    a, b = (json.loads(p.read_text())["kernels"] for p in (first, second))
    assert [k["simulated_us"] for k in a] == [k["simulated_us"] for k in b]
