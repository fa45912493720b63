"""`dlfc sweep model.onnx`: ONNX models sweep like .dlm ones (issue 20)."""

from __future__ import annotations

import csv
import json

from dlfc.compiler.cli import main
from dlfc.hw.target import PRESET_DIR

from .helpers import save
from .models import bert


def test_sweep_an_onnx_model_with_an_input_shape(tmp_path, capsys) -> None:
    m, _, _ = bert()
    path = save(m, tmp_path / "bert.onnx")
    out = tmp_path / "r.csv"
    args = ["sweep", path, "--input-shape", "input_ids=1,6", "--params", "overhead.launch_us=10.0,1.0", "-o", str(out)]
    assert main([*args, "--no-progress"]) == 0, capsys.readouterr().err
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["model"], r["overhead.launch_us"]) for r in rows] == [(path, "10.0"), (path, "1.0")]
    for row in rows:
        hw = tmp_path / "hw.toml"
        preset = (PRESET_DIR / "mlu100.toml").read_text()
        assert preset.count("\nlaunch_us = 5.0\n") == 1
        hw.write_text(preset.replace("\nlaunch_us = 5.0\n", f"\nlaunch_us = {row['overhead.launch_us']}\n"))
        report = tmp_path / "report.json"
        assert main(["run", path, "--input-shape", "input_ids=1,6", "--hw", str(hw), "--report", str(report)]) == 0
        totals = json.loads(report.read_text())["totals"]
        assert float(row["latency_us"]) == totals["latency_s"] * 1e6
        assert float(row["speedup"]) == totals["speedup"]
    assert float(rows[0]["latency_us"]) > float(rows[1]["latency_us"])  # shorter launches, less time


def test_sweep_an_onnx_model_without_its_input_shape(tmp_path, capsys) -> None:
    m, _, _ = bert()
    path = save(m, tmp_path / "bert.onnx")
    assert main(["sweep", path, "-o", str(tmp_path / "r.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dlfc: error: {path}: ") and "input_ids" in err and err.count("\n") == 1
    assert not (tmp_path / "r.csv").exists()
