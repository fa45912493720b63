"""The characterisation study reproduces DLFusion's trends on the cost model (small grid, deterministic)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from dlfc.hw.target import load_target


def load_study():
    """benchmarks/characterize.py, imported by path (benchmarks/ is a folder of scripts, not a package)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "characterize.py"
    spec = importlib.util.spec_from_file_location("characterize", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["characterize"] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


study = load_study()
Point, format_table, main, plot_heatmap, sweep = (
    study.Point,
    study.format_table,
    study.main,
    study.plot_heatmap,
    study.sweep,
)

TARGET = load_target("mlu100")
GRID = sweep(
    TARGET,
    channels=(4, 16, 64, 256, 1024),
    steps={"conv": range(5, 14), "dense": range(5, 16)},
)


def series(kind: str, channels: int) -> list:
    """The points of one channel size, by increasing operation count."""
    return sorted((p for p in GRID if p.kind == kind and p.channels == channels), key=lambda p: p.flops)


@pytest.mark.parametrize("kind", ["conv", "dense"])
@pytest.mark.parametrize("channels", [4, 16, 64, 256, 1024])
def test_best_cores_never_decrease_with_operation_count(kind: str, channels: int) -> None:
    best = [p.best_cores for p in series(kind, channels)]
    assert len(best) >= 3
    assert best == sorted(best)


@pytest.mark.parametrize("kind", ["conv", "dense"])
def test_small_layers_prefer_fewer_than_all_cores(kind: str) -> None:
    smallest = min(p.flops for p in GRID if p.kind == kind)
    for p in GRID:
        if p.kind == kind and p.flops == smallest:
            assert p.best_cores < TARGET.cores
    # ... and the largest conv layers do use every core.
    if kind == "conv":
        assert max(p.best_cores for p in GRID if p.kind == kind) == TARGET.cores


@pytest.mark.parametrize(
    ("kind", "low", "high"), [("conv", 4, 64), ("conv", 4, 256), ("dense", 4, 256), ("dense", 4, 1024)]
)
def test_low_channel_counts_gain_less_from_cores(kind: str, low: int, high: int) -> None:
    """C = 4, far below the 64-wide vectors, is memory-bound at any size: at most DRAM's 4x over one core."""
    low_points, high_points = series(kind, low), series(kind, high)
    assert max(p.gain for p in low_points) <= 4.0 + 1e-9
    assert max(p.gain for p in low_points) < max(p.gain for p in high_points)
    largest = max(set(p.flops for p in low_points) & set(p.flops for p in high_points))
    (a,) = [p for p in low_points if p.flops == largest]
    (b,) = [p for p in high_points if p.flops == largest]
    assert a.best_cores < b.best_cores and a.gain < b.gain


def test_sweep_is_deterministic_and_exact() -> None:
    """A 64-channel 3x3 conv at 16x16 (18.9 MFLOP) on one core: 5 us launch + 9.437184 us of compute.

    (Its DRAM traffic, 65536 + 73728 bytes at 25.6 GB/s = 5.44 us, overlaps the compute.)
    """
    again = sweep(TARGET, kinds=("conv",), channels=(64,), steps={"conv": [11]})
    assert again == [p for p in GRID if p.kind == "conv" and p.channels == 64 and p.step == 11]
    (point,) = sweep(TARGET, kinds=("conv",), channels=(64,), steps={"conv": [10]})
    assert (point.size, point.flops) == (16, 18 * 64**2 * 16**2)
    assert point.latency_us[1] == pytest.approx(5 + point.flops / 2e12 * 1e6)


def test_table_lists_every_channel_size() -> None:
    table = format_table(GRID, "conv").splitlines()
    assert table[0].split()[:3] == ["conv:", "C", "/"]
    assert [line.split()[0] for line in table[1:]] == ["4", "16", "64", "256", "1024"]


def test_main_writes_csv_json_and_heatmap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out-dir", str(tmp_path)]) == 0
    rows = list(csv.DictReader((tmp_path / "characterize.csv").open()))
    assert {r["kind"] for r in rows} == {"conv", "dense"}
    assert {int(r["cores"]) for r in rows} == set(TARGET.legal_cores)
    data = json.loads((tmp_path / "characterize.json").read_text())
    assert data["target"] == "mlu100" and len(data["points"]) * len(TARGET.legal_cores) == len(rows)
    assert (tmp_path / "characterize.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "conv: C / FLOPs" in capsys.readouterr().out


def test_heatmap_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert not plot_heatmap(GRID, TARGET, tmp_path / "map.png")
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not (tmp_path / "map.png").exists()
