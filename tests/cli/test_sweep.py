"""`dlfc sweep`: grids and samples over target keys, models and pipelines; executors, resuming, tables, figures (issue 20)."""

from __future__ import annotations

import csv
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import Dlfc
from dlfc.compiler.pipeline import DEFAULT_PIPELINE, Level
from dlfc.compiler.sweep import (
    METRICS,
    TIMING_COLUMNS,
    Axis,
    ResultTable,
    Sweep,
    SweepReport,
    hardware_points,
    parse_axis,
    plan_sweep,
    point_table,
    read_models,
    read_table,
    run_sweep,
)
from dlfc.hw.target import PRESET_DIR, target_table

MODEL = """\
model two_heads {
  input image: f32[1, 3, 16, 16]
  x = relu(batchnorm(conv2d(image, 8, kernel=3, pad=1)))
  y = relu(batchnorm(conv2d(x, 8, kernel=3, pad=1)))
  output y, dense(flatten(global_avgpool(y)), 10)
}
"""
PARAMS = ["compute.cores=4,8", "memory.onchip_kib=64,1024"]
PIPELINES = "default,fuse-patterns+assign-cores"
GRID = [(p, c, m) for p in ("default", "fuse-patterns+assign-cores") for c in ("4", "8") for m in ("64", "1024")]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "two_heads.dlm"
    path.write_text(MODEL)
    return path


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def stable(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows without the wall-time columns (the only ones that vary from run to run)."""
    return [{c: v for c, v in row.items() if c not in TIMING_COLUMNS} for row in rows]


def small_sweep(model: Path) -> Sweep:
    return plan_sweep(read_models([str(model)], []), PIPELINES.split(","), [parse_axis(p) for p in PARAMS])


def mlu100_with(cores: int, onchip_kib: int) -> str:
    """The MLU100 preset's text with other cores and on-chip memory (written independently of table_toml)."""
    text = (PRESET_DIR / "mlu100.toml").read_text()
    legal = [c for c in (1, 2, 4, 8, 16, 32) if c <= cores]
    for pattern, line in (
        (r"(?m)^cores = 32$", f"cores = {cores}"),
        (r"(?m)^legal_cores = .*$", f"legal_cores = {legal}"),
        (r"(?m)^onchip_kib = 384$", f"onchip_kib = {onchip_kib}"),
    ):
        text, count = re.subn(pattern, line, text)
        assert count == 1, pattern
    return text


# --------------------------------------------------------------------------- the table


def test_grid_rows_hold_what_dlfc_run_reports(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    result = dlfc("sweep", tiny, "--params", *PARAMS, "--pipelines", PIPELINES, "-o", out, "--no-progress")
    assert (result.code, result.out) == (0, "")
    assert result.err == f"dlfc sweep: 8 points computed, 0 already in {out}, 0 left; table: {out}\n"
    rows = rows_of(out)
    assert list(rows[0]) == ["key", "model", "pipeline", "compute.cores", "memory.onchip_kib", *METRICS]
    assert [(r["pipeline"], r["compute.cores"], r["memory.onchip_kib"]) for r in rows] == GRID
    assert {r["model"] for r in rows} == {str(tiny)} and len({r["key"] for r in rows}) == 8
    for row in (rows[0], rows[3], rows[5]):
        hw = tmp_path / "hw.toml"
        hw.write_text(mlu100_with(int(row["compute.cores"]), int(row["memory.onchip_kib"])))
        plan = tmp_path / "plan.mlir"
        if row["pipeline"] == "default":
            run = dlfc("run", tiny, "--hw", hw, "--report", tmp_path / "report.json")
        else:  # the plan alone: `dlfc run` then measures its baseline on the compiled graph
            graph = ",".join(DEFAULT_PIPELINE[Level.GRAPH])
            pipeline = f"{graph},fuse-patterns,assign-cores,convert-fusion-to-accel"
            assert dlfc(tiny, "--hw", hw, "--pass-pipeline", pipeline, "-o", plan).code == 0
            run = dlfc("run", plan, "--hw", hw, "--report", tmp_path / "report.json")
        assert run.code == 0, run.err
        totals = json.loads((tmp_path / "report.json").read_text())["totals"]
        assert float(row["latency_us"]) == pytest.approx(totals["latency_s"] * 1e6, rel=1e-12)
        assert float(row["flop_per_s"]) == pytest.approx(totals["flop_per_s"], rel=1e-12)
        assert (int(row["kernels"]), int(row["flops"]), int(row["dram_bytes"])) == (
            totals["kernels"],
            totals["flops"],
            totals["dram_bytes"],
        )
        if row["pipeline"] == "default":
            assert float(row["baseline_us"]) == pytest.approx(totals["baseline_latency_s"] * 1e6, rel=1e-12)
            assert float(row["speedup"]) == pytest.approx(totals["speedup"], rel=1e-12)
        assert 0 < float(row["search_s"]) < float(row["compile_s"])


def test_points_search_without_the_tuning_cache(
    dlfc: Dlfc, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """search_s measures a search: no point reads or fills the tuning cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert dlfc("sweep", tiny, "-o", tmp_path / "r.csv", "--no-progress").code == 0
    assert not (tmp_path / "cache").exists()
    assert dlfc(tiny, "-o", tmp_path / "plan.mlir").code == 0  # a plain compile does use it
    assert (tmp_path / "cache" / "dlfc" / "tuning.sqlite").exists()


def test_process_pool_and_dask_cluster_give_identical_tables(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    """The same sweep here, on 2 worker processes, and on a real dask LocalCluster of 2 worker processes."""
    pytest.importorskip("distributed")
    tables = {}
    for name, how in {"here": [], "pool": ["--jobs", "2"], "dask": ["--scheduler", "local", "--jobs", "2"]}.items():
        out = tmp_path / f"{name}.csv"
        result = dlfc("sweep", tiny, "--params", *PARAMS, "--pipelines", PIPELINES, "-o", out, "--no-progress", *how)
        assert result.code == 0, result.err
        tables[name] = stable(rows_of(out))
    assert len(tables["here"]) == 8
    assert tables["pool"] == tables["here"]
    assert tables["dask"] == tables["here"]


class CountingExecutor(ThreadPoolExecutor):
    """Records every job submitted to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.jobs: list[Any] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        self.jobs.extend(args)
        return super().submit(fn, *args, **kwargs)


def test_interrupted_sweep_resumes_without_recomputing(tiny: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "r.csv")
    sweep = small_sweep(tiny)
    keys = [p.key for p in sweep.points]
    assert run_sweep(sweep, ResultTable(out, sweep.columns), None, False, max_points=3) == SweepReport(3, 0, 5)
    partial = rows_of(Path(out))
    assert [r["key"] for r in partial] == keys[:3]

    with CountingExecutor() as executor:
        assert run_sweep(sweep, ResultTable(out, sweep.columns), executor, False) == SweepReport(5, 3, 0)
    assert sorted(job.key for job in executor.jobs) == sorted(keys[3:])
    rows = rows_of(Path(out))
    assert [r["key"] for r in rows] == keys  # rewritten in sweep order once complete
    assert rows[:3] == partial  # their compile times too: the first three were not computed again

    with CountingExecutor() as executor:
        assert run_sweep(sweep, ResultTable(out, sweep.columns), executor, False) == SweepReport(0, 8, 0)
    assert executor.jobs == [] and rows_of(Path(out)) == rows


def test_max_points_then_the_same_command_completes(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    command = ["sweep", tiny, "--params", *PARAMS, "--pipelines", PIPELINES, "-o", out, "--no-progress"]
    first = dlfc(*command, "--max-points", "5", "--plot")
    assert first.err == (
        f"dlfc sweep: 5 points computed, 0 already in {out}, 3 left; table: {out}\n"
        "dlfc sweep: the figures are drawn once every point is in\n"
    )
    assert len(rows_of(out)) == 5
    second = dlfc(*command)
    assert second.err == f"dlfc sweep: 3 points computed, 5 already in {out}, 0 left; table: {out}\n"
    assert [(r["pipeline"], r["compute.cores"], r["memory.onchip_kib"]) for r in rows_of(out)] == GRID


def test_a_failing_point_stops_the_sweep_and_keeps_the_rows_before_it(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    result = dlfc("sweep", tiny, "--params", "compute.cores=4,8", "--pipelines", "default,oracle{window=0}", "-o", out)
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines()[-1] == (
        f"dlfc: error: {tiny} --pipelines oracle{{window=0}} compute.cores=4: pass 'oracle' failed: "
        "oracle: window must be positive and cap non-negative, got window=0 cap=0"
    )
    assert [(r["pipeline"], r["compute.cores"]) for r in rows_of(out)] == [("default", "4"), ("default", "8")]


def test_a_row_cut_short_by_a_kill_is_computed_again(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    sweep = small_sweep(tiny)
    run_sweep(sweep, ResultTable(str(out), sweep.columns), None, False, max_points=2)
    whole = out.read_text()
    out.write_text(whole + sweep.points[2].key + ",two_he")  # the process died while writing row 3
    table = ResultTable(str(out), sweep.columns)
    assert out.read_text() == whole and len(table.rows) == 2
    assert run_sweep(sweep, table, None, False) == SweepReport(6, 2, 0)
    assert [r["key"] for r in rows_of(out)] == [p.key for p in sweep.points]


def test_another_sweep_into_the_same_table(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert dlfc("sweep", tiny, "--params", "compute.cores=4", "-o", out, "--no-progress").code == 0
    before = out.read_text()
    other = dlfc("sweep", tiny, "--params", "memory.onchip_kib=64", "-o", out, "--no-progress")
    assert other.code == 1 and other.err == (
        f"dlfc: error: {out}: its columns (key, model, pipeline, compute.cores, {', '.join(METRICS)}) are not this "
        f"sweep's (key, model, pipeline, memory.onchip_kib, {', '.join(METRICS)}); choose another -o, or --fresh "
        "to start it anew\n"
    )
    assert out.read_text() == before
    assert dlfc("sweep", tiny, "--params", "memory.onchip_kib=64", "-o", out, "--no-progress", "--fresh").code == 0
    assert [r["memory.onchip_kib"] for r in rows_of(out)] == ["64"]


def test_a_folder_stands_for_its_models(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    (tmp_path / "a_copy.dlm").write_text(MODEL.replace("two_heads", "a_copy"))
    (tmp_path / "notes.txt").write_text("not a model")
    out = tmp_path / "r.csv"
    assert dlfc("sweep", tmp_path, "-o", out, "--no-progress").code == 0
    rows = rows_of(out)
    assert [r["model"] for r in rows] == [str(tmp_path / "a_copy.dlm"), str(tiny)]
    assert list(rows[0]) == ["key", "model", "pipeline", *METRICS]
    assert rows[0]["latency_us"] == rows[1]["latency_us"] and rows[0]["key"] != rows[1]["key"]


def test_parquet_table_is_written_when_complete(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    csv_out, parquet_out = tmp_path / "r.csv", tmp_path / "r.parquet"
    journal = tmp_path / "r.parquet.partial.csv"
    command = ["sweep", tiny, "--params", *PARAMS, "--no-progress"]
    assert dlfc(*command, "-o", parquet_out, "--max-points", "2").code == 0
    assert journal.exists() and not parquet_out.exists()
    assert dlfc(*command, "-o", parquet_out).code == 0
    assert parquet_out.exists() and not journal.exists()
    assert dlfc(*command, "-o", csv_out).code == 0
    from_parquet, from_csv = read_table(str(parquet_out)), read_table(str(csv_out))
    assert stable(from_parquet) == stable(from_csv)  # type: ignore[arg-type]
    assert isinstance(from_parquet[0]["compute.cores"], int) and isinstance(from_parquet[0]["latency_us"], float)


def test_plot_writes_png_and_svg_figures(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.csv"
    result = dlfc("sweep", tiny, "--params", *PARAMS, "-o", out, "--no-progress", "--plot")
    assert result.code == 0, result.err
    names = [f"r-{figure}.{kind}" for figure in ("latency", "pareto", "best-cores") for kind in ("png", "svg")]
    assert result.err.splitlines()[1:] == [f"dlfc sweep: wrote {tmp_path / name}" for name in names]
    for name in names:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") if name.endswith("png") else b"<svg" in data


def test_pareto_front() -> None:
    from dlfc.compiler.sweep_plot import pareto_front

    points = [(256, 5.0), (64, 9.0), (64, 7.0), (1024, 5.0), (128, 8.0), (4096, 4.0)]
    assert pareto_front(points) == [(64, 7.0), (256, 5.0), (4096, 4.0)]


# --------------------------------------------------------------------------- the points


def test_legal_cores_follow_a_swept_core_count() -> None:
    base = target_table("mlu100")
    assert point_table(base, {"compute.cores": 4})["compute.legal_cores"] == [1, 2, 4]
    assert point_table(base, {"compute.cores": 64})["compute.legal_cores"] == [1, 2, 4, 8, 16, 32, 64]
    assert point_table(base, {"compute.cores": 48})["compute.legal_cores"] == [1, 2, 4, 8, 16, 32, 48]
    given = {"compute.cores": 8, "compute.legal_cores": [2, 8]}
    assert point_table(base, given)["compute.legal_cores"] == [2, 8]
    assert point_table(base, {"compute.cores": 8})["description"] == "mlu100 with compute.cores=8"


def test_grid_order_and_zipped_keys() -> None:
    cores, peak, onchip = (
        Axis("compute.cores", (4, 8)),
        Axis("compute.peak_tflops", (8.0, 16.0)),
        Axis("memory.onchip_kib", (64, 128, 256)),
    )
    grid = hardware_points([cores, onchip], "grid")
    assert [(p["compute.cores"], p["memory.onchip_kib"]) for p in grid] == [
        (4, 64), (4, 128), (4, 256), (8, 64), (8, 128), (8, 256)
    ]  # fmt: skip
    zipped = hardware_points([cores, onchip, peak], "grid", zipped=[["compute.cores", "compute.peak_tflops"]])
    assert [(p["compute.cores"], p["compute.peak_tflops"], p["memory.onchip_kib"]) for p in zipped] == [
        (4, 8.0, 64), (4, 8.0, 128), (4, 8.0, 256), (8, 16.0, 64), (8, 16.0, 128), (8, 16.0, 256)
    ]  # fmt: skip


def test_latin_hypercube_uses_each_bin_once() -> None:
    axes = [Axis("memory.dram_gbps", span=(10.0, 60.0)), Axis("compute.cores", span=(1, 10))]
    points = hardware_points(axes, "lhs", points=5, seed=3)
    assert sorted(int((p["memory.dram_gbps"] - 10.0) / 10.0) for p in points) == [0, 1, 2, 3, 4]
    assert sorted((p["compute.cores"] - 1) // 2 for p in points) == [0, 1, 2, 3, 4]
    assert all(isinstance(p["compute.cores"], int) for p in points)
    assert hardware_points(axes, "lhs", points=5, seed=3) == points
    assert hardware_points(axes, "lhs", points=5, seed=4) != points


def test_random_sample_draws_listed_values() -> None:
    axes = [Axis("compute.cores", (4, 8, 16)), Axis("memory.onchip_kib", span=(64, 4096))]
    points = hardware_points(axes, "random", points=20, seed=1)
    assert {p["compute.cores"] for p in points} == {4, 8, 16}
    assert all(64 <= p["memory.onchip_kib"] <= 4096 for p in points) and len(points) == 20


def test_parse_axis() -> None:
    assert parse_axis("compute.cores=4,8") == Axis("compute.cores", (4, 8))
    assert parse_axis("memory.dram_gbps=51.2, 102.4") == Axis("memory.dram_gbps", (51.2, 102.4))
    assert parse_axis("compute.legal_cores=[1,2],[1,2,4]") == Axis("compute.legal_cores", ([1, 2], [1, 2, 4]))
    assert parse_axis("memory.onchip_kib=64..4096") == Axis("memory.onchip_kib", span=(64, 4096))


def test_points_are_keyed_by_the_accelerator_not_its_spelling(tiny: Path) -> None:
    models = read_models([str(tiny)], [])
    spelled = plan_sweep(models, ["default"], [parse_axis("memory.dram_gbps=100,102.4")])
    as_floats = plan_sweep(models, ["fuse-dnnfusion+autotune"], [parse_axis("memory.dram_gbps=100.0,102.4")])
    assert [p.key for p in spelled.points] == [p.key for p in as_floats.points]
    base = plan_sweep(models, ["default"], [])
    assert base.points[0].key == spelled.points[1].key  # 102.4 GB/s is the preset's own value
    assert len(plan_sweep(models, ["default"], [parse_axis("memory.dram_gbps=100,100.0")]).points) == 1


def test_a_model_counts_by_name_and_bytes(tiny: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.dlm"
    twin.write_text(MODEL)
    sweep = plan_sweep(read_models([str(tiny), str(twin)], []), ["default"], [])
    assert [p.model.label for p in sweep.points] == [str(tiny), str(twin)]
    assert sweep.points[0].key != sweep.points[1].key


# --------------------------------------------------------------------------- errors


ERRORS = [
    (["--params", "compute.cores"], "--params compute.cores: expected KEY=V1,V2,... or KEY=LO..HI"),
    (["--params", "compute.cores=4,,8"], "--params compute.cores=4,,8: empty value"),
    (["--params", "compute.cores=4,4"], "--params compute.cores=4,4: a value is listed twice"),
    (["--params", "compute.cores=4", "compute.cores=8"], "--params compute.cores: the key is swept twice"),
    (
        ["--params", "compute.cores=3.5"],
        "--params compute.cores=3.5: 'compute.cores' must be an integer from 0 to 2147483647",
    ),
    (["--params", "compute.clusters=3"], "--params compute.clusters=3: 3 clusters must evenly divide 32 cores"),
    (
        ["--params", "memory.dram_gbps=12.8"],
        "--params memory.dram_gbps=12.8: 'memory.core_dma_gbps' cannot exceed 'memory.dram_gbps'",
    ),
    (
        ["--params", "compute.cores=4..64"],
        "--params compute.cores: a range LO..HI needs --sample random or lhs (a grid needs values)",
    ),
    (
        ["--params", "compute.cores=64..4", "--sample", "lhs", "--points", "3"],
        "--params compute.cores=64..4: a range needs two numbers LO..HI with LO < HI",
    ),
    (["--params", "compute.cores=4,8", "--sample", "lhs"], "--sample lhs needs --points N (how many points to draw)"),
    (["--points", "3"], "--points applies to --sample random and lhs; a grid has every combination"),
    (
        ["--params", "compute.cores=4,8", "--zip", "compute.cores,compute.peak_tflops"],
        "--zip compute.cores,compute.peak_tflops: 'compute.peak_tflops' is not swept (give it values with --params)",
    ),
    (
        ["--params", "compute.cores=4,8", "compute.peak_tflops=8", "--zip", "compute.cores,compute.peak_tflops"],
        "--zip compute.cores,compute.peak_tflops: the keys must list equally many values",
    ),
    (
        ["--pipelines", "fuse-patern+assign-cores"],
        "--pipelines fuse-patern+assign-cores: unknown pass 'fuse-patern'; did you mean 'fuse-patterns'?",
    ),
    (
        ["--pipelines", 'autotune{target="mlu270"}'],
        '--pipelines autotune{target="mlu270"}: the sweep gives every pass its target; remove target=',
    ),
    (["--pipelines", "default,"], "--pipelines default,: empty entry"),
    (
        ["--pipelines", "default,fuse-dnnfusion+autotune{window=32}"],
        "--pipelines: 'default' and 'fuse-dnnfusion+autotune{window=32}' are the same pipeline",
    ),
    (["--pipelines", "fuse-none,fuse-none"], "--pipelines: 'fuse-none' and 'fuse-none' are the same pipeline"),
    (["--jobs", "0"], "--jobs must be at least 1, got 0"),
    (["--hw", "mlu9"], "--hw: unknown accelerator 'mlu9': expected a preset (mlu100, mlu270) or a .toml file"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_bad_sweeps_are_one_line_errors(dlfc: Dlfc, tiny: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r.csv"
    result = dlfc("sweep", tiny, *args, "-o", out, "--no-progress")
    assert (result.code, result.out, result.err) == (1, "", f"dlfc: error: {message}\n")
    assert not out.exists()


def test_unknown_key_names_the_closest(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    result = dlfc("sweep", tiny, "--params", "compute.core=4", "-o", tmp_path / "r.csv")
    assert result.code == 1
    assert result.err.startswith(
        "dlfc: error: --params: unknown key 'compute.core'; did you mean 'compute.cores'? (keys: name, description, "
    )
    assert result.err.count("\n") == 1


def test_bad_models(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    missing = dlfc("sweep", tmp_path / "nope.dlm", "-o", out)
    assert missing.err == f"dlfc: error: {tmp_path / 'nope.dlm'}: no such file\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert dlfc("sweep", empty, "-o", out).err == f"dlfc: error: {empty}: the folder holds no .dlm or .onnx model\n"
    text = tmp_path / "model.txt"
    text.write_text("x")
    assert dlfc("sweep", text, "-o", out).err == (
        f"dlfc: error: {text}: unknown model kind (expected .dlm, .onnx or a folder of them)\n"
    )
    broken = tmp_path / "broken.dlm"
    broken.write_text(MODEL.replace("relu(batchnorm(conv2d(x", "relu(batchnorm(conv2d(z"))
    result = dlfc("sweep", broken, "-o", out)
    assert result.code == 1 and result.err.startswith(f"{broken}:4:")
    assert not out.exists()


def test_output_that_is_no_table(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    assert dlfc("sweep", tiny, "-o", tmp_path / "r.txt").err == (
        f"dlfc: error: -o {tmp_path / 'r.txt'}: expected a .csv or .parquet file name\n"
    )
    binary = tmp_path / "r.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    assert (
        dlfc("sweep", tiny, "-o", binary).err == f"dlfc: error: {binary}: not a table of dlfc sweep (not UTF-8 text)\n"
    )
    assert binary.read_bytes() == b"\xff\xfe\x00"


def test_missing_output_directory(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "r.csv"
    result = dlfc("sweep", tiny, "-o", out)
    assert result.err == f"dlfc: error: -o {out}: directory {out.parent} does not exist\n"


def test_bad_scheduler(dlfc: Dlfc, tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    result = dlfc("sweep", tiny, "-o", tmp_path / "r.csv", "--scheduler", "cluster7")
    assert result.err == (
        "dlfc: error: --scheduler: scheduler 'cluster7': expected 'local' or a Dask scheduler address "
        "such as tcp://HOST:8786\n"
    )
