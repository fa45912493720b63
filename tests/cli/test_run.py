"""`dlfc run FILE`: the report, its output files, and the errors users see (issue 3, item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import IntegerAttr, i64

from cli.conftest import EXAMPLES, Dlfc
from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.run import random_inputs
from dlfc.compiler.utils.outlining import form_groups
from dlfc.dialects import graph
from dlfc.hw.cost import baseline_latency
from dlfc.hw.interpreter import entry_function
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target

MODEL = """\
model two_heads {
  input image: f32[1, 3, 16, 16]
  input bias: f32[1, 8, 16, 16]
  x = relu(conv2d(image, 8, kernel=3, pad=1) + bias)
  y = relu(batchnorm(conv2d(x, 8, kernel=3, pad=1)))
  output y, dense(flatten(global_avgpool(y)), 10)
}
"""


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "two_heads.dlm"
    path.write_text(MODEL)
    return path


def fused_plan(model: Path, tmp_path: Path, cores: int = 8) -> Path:
    """A plan fusing the model's ops in runs of 3 on `cores` cores."""
    module = load_dlm(str(model))
    groups = form_groups(module, lambda ops: [ops[i : i + 3] for i in range(0, len(ops), 3)])
    for group in groups:
        group.attributes["fusion.cores"] = IntegerAttr(cores, i64)
    ConvertFusionToAccelPass().apply(make_context(), module)
    path = tmp_path / "plan.mlir"
    path.write_text(str(module) + "\n")
    return path


def table_rows(out: str) -> list[list[str]]:
    lines = out.splitlines()
    assert lines[0].split() == [
        *("kernel", "ops", "cores", "µs", "bound", "%", "time"),
        *("compute", "memory", "multicast", "lost", "barriers", "redist", "intermediates", "source"),
    ]
    return [line.split() for line in lines[1 : lines.index("")]]


def totals(out: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.split("\n\n", 1)[1].splitlines())}


# --------------------------------------------------------------------------- the report


def test_run_resnet50(dlfc: Dlfc, tmp_path: Path) -> None:
    """The issue's example: the table and totals, outputs equal to the graph-level reference."""
    outputs, report, trace = tmp_path / "out.npz", tmp_path / "report.json", tmp_path / "trace.json"
    result = dlfc("run", EXAMPLES / "resnet50.dlm", "--outputs", outputs, "--report", report, "--trace", trace)
    assert result.code == 0, result.err
    assert result.err == ""
    rows = table_rows(result.out)
    assert rows[0][0].startswith("k0_conv2d") and rows[0][4] in ("compute", "memory", "overhead")
    summary = totals(result.out)
    assert summary["target"] == "mlu100"
    data = json.loads(report.read_text())
    latency = data["totals"]["latency_s"]
    assert summary["modelled latency"].startswith(f"{latency:.6f} s")
    assert latency == pytest.approx(sum(k["latency_us"] for k in data["kernels"]) * 1e-6)
    assert len(rows) == len(data["kernels"]) == data["totals"]["kernels"]
    assert sum(k["percent"] for k in data["kernels"]) == pytest.approx(100)
    module = load_dlm(str(EXAMPLES / "resnet50.dlm"))
    baseline = baseline_latency(module, load_target("mlu100"))  # the model as written, every op alone on 1 core
    assert data["totals"]["baseline_latency_s"] == pytest.approx(baseline)
    assert summary["speedup"] == f"{baseline / latency:.2f}x over the baseline"

    reference = run_graph(module, random_inputs(entry_function(module), module, 0))
    with np.load(outputs) as got:
        assert list(got.files) == ["output0"]
        np.testing.assert_allclose(got["output0"], reference[0], rtol=1e-4, atol=1e-5)
    assert len(json.loads(trace.read_text())["traceEvents"]) == len(rows)


def test_report_table_and_trace_name_each_kernels_source(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    """Each kernel's source: the lines of its ops in the table, each op's location in the report and the trace."""
    report, trace = tmp_path / "report.json", tmp_path / "trace.json"
    result = dlfc("run", model, "--report", report, "--trace", trace)
    assert result.code == 0, result.err
    kernels = json.loads(report.read_text())["kernels"]
    table = {line.split()[0]: line.rsplit("  ", 1)[1] for line in result.out.splitlines()[1 : len(kernels) + 1]}
    events = {e["name"]: e["args"] for e in json.loads(trace.read_text())["traceEvents"]}
    file = str(model)

    def at(line: int, *columns: int) -> list[dict[str, object]]:
        return [{"file": file, "line": line, "column": c} for c in columns]

    # line 4: relu(conv2d(...) + bias); 5: relu(batchnorm(conv2d(...))), the batch norm folded into the conv
    # (and, under the default fp-model fast, a mul by its factors above 1); 6: dense(flatten(global_avgpool(y)))
    expected = {
        "k0_conv2d+add+relu": ("two_heads.dlm:4", at(4, 12, 46, 7)),
        "k1_conv2d+mul+relu": ("two_heads.dlm:5", at(5, 22, 12, 7)),
        "k2_global_avgpool+flatten": ("two_heads.dlm:6", at(6, 27, 19)),
        "k3_dense": ("two_heads.dlm:6", at(6, 13)),
    }
    assert {k["name"]: (k["source"], k["locations"]) for k in kernels} == expected
    assert table == {name: source for name, (source, _) in expected.items()}
    assert {name: (args["source"], args["locations"]) for name, args in events.items()} == expected


def test_the_table_shows_the_multicast_of_operands_every_core_needs(dlfc: Dlfc, tmp_path: Path) -> None:
    """A dense layer split by output channels needs its whole input on each of its c cores: read once from
    DRAM and multicast, each core's link receives the (1 - 1/c) of it that it did not fetch."""
    source = tmp_path / "dense.dlm"
    source.write_text("model d {\n  input x: f32[1, 1024]\n  output dense(x, 512)\n}\n")
    report = tmp_path / "report.json"
    result = dlfc("run", source, "--report", report)
    assert result.code == 0, result.err
    ((name, ops, cores, *rest),) = table_rows(result.out)
    assert (name, ops) == ("k0_dense", "1")
    c, target = int(cores), load_target("mlu100")
    assert c > 1
    expected = 1024 * target.element_bytes * (1 - 1 / c) / target.link_bandwidth * 1e6  # µs
    assert rest[5] == f"{expected:.3f}" != "0.000"  # after µs, bound, % time, compute, memory
    (kernel,) = json.loads(report.read_text())["kernels"]
    assert kernel["multicast_us"] == pytest.approx(expected)
    assert [p["multicast_us"] for p in kernel["phases"]] == [pytest.approx(expected)]


def test_trace_is_valid_chrome_trace_json(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    assert dlfc("run", model, "--trace", trace).code == 0
    data = json.loads(trace.read_text())
    events = data["traceEvents"]
    assert isinstance(events, list) and events
    for event in events:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "args"} <= set(event)
        assert event["ph"] == "X" and isinstance(event["name"], str)
        assert isinstance(event["ts"], float | int) and isinstance(event["dur"], float | int) and event["dur"] > 0
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int) and isinstance(event["args"], dict)
    for before, after in zip(events, events[1:], strict=False):
        assert after["ts"] == pytest.approx(before["ts"] + before["dur"])


def test_fused_plan_reports_speedup_and_same_outputs(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    plan = fused_plan(model, tmp_path)
    base_out, plan_out, report = tmp_path / "base.npz", tmp_path / "plan.npz", tmp_path / "r.json"
    assert dlfc("run", model, "--outputs", base_out).code == 0
    result = dlfc("run", plan, "--outputs", plan_out, "--report", report)
    assert result.code == 0, result.err
    rows = table_rows(result.out)
    assert [row[1:3] for row in rows] == [["3", "8"]] * 3
    data = json.loads(report.read_text())["totals"]
    module = load_dlm(str(model))
    assert data["baseline_latency_s"] == pytest.approx(baseline_latency(module, load_target("mlu100")))
    assert data["speedup"] > 1.5
    with np.load(base_out) as a, np.load(plan_out) as b:
        assert a.files == b.files == ["output0", "output1"]
        for name in a.files:
            np.testing.assert_allclose(b[name], a[name], rtol=1e-4, atol=1e-5)


def test_inputs_file_and_seed(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    arrays = {
        "image": rng.standard_normal((1, 3, 16, 16)).astype(np.float32),
        "bias": np.zeros((1, 8, 16, 16), np.float32),
    }
    np.savez(tmp_path / "in.npz", **arrays)
    out = tmp_path / "out.npz"
    assert dlfc("run", model, "--inputs", tmp_path / "in.npz", "--outputs", out).code == 0
    module = load_dlm(str(model))
    reference = run_graph(module, [arrays["image"], arrays["bias"]])
    with np.load(out) as got:
        np.testing.assert_allclose(got["output1"], reference[1], rtol=1e-4, atol=1e-5)
    seeded = [tmp_path / f"s{seed}.npz" for seed in (1, 1, 2)]
    for path, seed in zip(seeded, (1, 1, 2), strict=False):
        assert dlfc("run", model, "--seed", str(seed), "--outputs", path).code == 0
    with np.load(seeded[0]) as a, np.load(seeded[1]) as b, np.load(seeded[2]) as c:
        assert np.array_equal(a["output0"], b["output0"]) and not np.array_equal(a["output0"], c["output0"])


def test_weights_file_for_a_plan(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    plan = fused_plan(model, tmp_path)
    module = load_dlm(str(model))
    names = {op.weight_id: tuple(op.output.type.get_shape()) for op in module.walk() if isinstance(op, graph.WeightOp)}
    np.savez(tmp_path / "w.npz", **{name: np.zeros(shape, np.float32) for name, shape in names.items()})
    out = tmp_path / "out.npz"
    assert dlfc("run", plan, "--weights", tmp_path / "w.npz", "--outputs", out).code == 0
    with np.load(out) as got:
        assert not got["output1"].any()  # a dense layer with zero weights and bias


def test_other_target(dlfc: Dlfc, model: Path) -> None:
    result = dlfc("run", model, "--hw", "mlu270")
    assert result.code == 0, result.err
    assert totals(result.out)["target"] == "mlu270"


def test_help_explains_the_command(dlfc: Dlfc) -> None:
    result = dlfc("run", "--help")
    assert result.code == 0
    for fragment in (
        "--hw",
        "--inputs",
        "--seed",
        "--weights",
        "--trace",
        "--report",
        "--outputs",
        "Perfetto",
        "baseline",
    ):
        assert fragment in result.out


# --------------------------------------------------------------------------- errors


def assert_fails(result, *fragments: str) -> None:
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlfc: error: "), result.err
    for fragment in fragments:
        assert fragment in lines[0]


def test_input_errors(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    image = np.zeros((1, 3, 16, 16), np.float32)
    bias = np.zeros((1, 8, 16, 16), np.float32)
    cases = {
        "missing.npz": ({"image": image}, "missing input 'bias' (the model's inputs: image, bias)"),
        "shape.npz": (
            {"image": image[:, :2], "bias": bias},
            "'image' has shape [1, 2, 16, 16], expected [1, 3, 16, 16]",
        ),
        "dtype.npz": ({"image": image.astype(np.int32), "bias": bias}, "'image' has dtype int32, expected f32"),
        "unknown.npz": ({"image": image, "bias": bias, "imgae": image}, "unknown input 'imgae'"),
    }
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / name, **arrays)
        assert_fails(dlfc("run", model, "--inputs", tmp_path / name), message)
    (tmp_path / "bad.npz").write_text("not a zip")
    assert_fails(dlfc("run", model, "--inputs", tmp_path / "bad.npz"), "not a valid .npz file")


def test_usage_errors(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    assert_fails(dlfc("run", model, "--hw", "tpu"), "--hw: unknown accelerator 'tpu'")
    assert_fails(dlfc("run", model, "--inputs", "x.npz", "--seed", "1"), "not allowed with argument")
    assert_fails(dlfc("run", tmp_path / "none.dlm"), "no such file")
    assert_fails(dlfc("run", model, "--trace", tmp_path / "no" / "t.json"), "--trace", "does not exist")
    plan = fused_plan(model, tmp_path, cores=2)
    assert_fails(
        dlfc("run", plan, "--hw", "mlu270"), "runs on 2 cores, which mlu270 does not allow (legal: 1, 4, 8, 16)"
    )


def test_no_partial_output_files_on_error(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    np.savez(tmp_path / "in.npz", image=np.zeros((1, 3, 16, 16), np.float32))
    files = [tmp_path / "out.npz", tmp_path / "trace.json", tmp_path / "report.json"]
    args = ["--outputs", files[0], "--trace", files[1], "--report", files[2]]
    assert_fails(dlfc("run", model, "--inputs", tmp_path / "in.npz", *args), "missing input 'bias'")
    assert not any(f.exists() for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.npz", "two_heads.dlm"]


def test_compiled_plan_runs_like_its_model(dlfc: Dlfc, model: Path, tmp_path: Path) -> None:
    """`dlfc model.dlm -o plan.mlir` (default pipeline, weights beside the plan), then run both: same outputs."""
    plan = tmp_path / "compiled.mlir"
    assert dlfc(model, "-o", plan).code == 0
    assert dlfc("run", model, "--outputs", tmp_path / "model.npz").code == 0
    result = dlfc("run", plan, "--outputs", tmp_path / "plan.npz")
    assert result.code == 0, result.err
    with np.load(tmp_path / "model.npz") as a, np.load(tmp_path / "plan.npz") as b:
        for name in a.files:
            np.testing.assert_allclose(b[name], a[name], rtol=1e-4, atol=1e-6)


def test_trace_of_a_parallel_schedule_puts_side_by_side_kernels_on_their_own_tracks(dlfc: Dlfc, tmp_path: Path) -> None:
    """With schedule-parallel, kernels on disjoint cores overlap in time; each track (first core) stays sequential."""
    model = EXAMPLES / "resnet18.dlm"
    pipeline = dlfc(model, "--print-pipeline").out.strip() + ",schedule-parallel"
    plan, trace = tmp_path / "parallel.mlir", tmp_path / "trace.json"
    assert dlfc(model, "--pass-pipeline", pipeline, "-o", plan).code == 0
    report = tmp_path / "report.json"
    result = dlfc("run", plan, "--trace", trace, "--report", report)
    assert result.code == 0, result.err
    data = json.loads(report.read_text())
    kernel_time = sum(k["latency_us"] for k in data["kernels"]) * 1e-6
    assert data["totals"]["latency_s"] < kernel_time  # kernels overlap, and their shares still add up to 100%
    assert sum(k["percent"] for k in data["kernels"]) == pytest.approx(100)
    events = json.loads(trace.read_text())["traceEvents"]
    tracks: dict[int, list[dict]] = {}
    for event in events:
        first, last = map(int, event["args"]["cores"].split("-"))
        assert first == event["tid"] and last >= first
        tracks.setdefault(event["tid"], []).append(event)
    assert len(tracks) > 1
    for track in tracks.values():
        track.sort(key=lambda e: e["ts"])
        for before, after in zip(track, track[1:], strict=False):
            assert after["ts"] >= before["ts"] + before["dur"] - 1e-9
