"""Pinned plans: the default plan of every example on every preset matches `benchmarks/pinned_plans.json`.

A change that alters a plan (kernel count or modelled latency) fails here until
the file is regenerated with `python benchmarks/pin_plans.py` and committed with
the change, so plan changes show in review. The big examples run with `-m slow`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW = {"bert_base", "resnet50", "vgg16", "unet"}
"""Examples whose default pipeline takes tens of seconds: only with -m slow."""

_spec = importlib.util.spec_from_file_location("pin_plans_benchmark", ROOT / "benchmarks" / "pin_plans.py")
assert _spec is not None and _spec.loader is not None
pin = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pin)


def test_every_example_and_preset_is_pinned():
    pinned = pin.read_pinned()
    assert sorted(pinned) == pin.example_names()
    assert all(sorted(row) == pin.PRESETS for row in pinned.values())
    assert pin.PRESETS == ["mlu100", "mlu270"]


@pytest.mark.parametrize("preset", pin.PRESETS)
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in pin.example_names()]
)
def test_default_plan_matches_pinned(name: str, preset: str):
    actual = pin.plan_summary(name, preset)
    diffs = pin.differences(name, preset, pin.read_pinned()[name][preset], actual)
    assert not diffs, "plans changed; regenerate with `python benchmarks/pin_plans.py`:\n" + "\n".join(diffs)


def test_differences_name_the_changed_numbers():
    actual = {"kernels": 5, "latency_us": 100.0}
    assert pin.differences("m", "mlu100", {"kernels": 5, "latency_us": 100.00001}, actual) == []
    assert pin.differences("m", "mlu100", {"kernels": 6, "latency_us": 101.0}, actual) == [
        "m on mlu100: 5 kernels, pinned 6",
        "m on mlu100: 100.0 µs, pinned 101.0",
    ]
    assert pin.differences("m", "mlu100", {}, actual) == [
        "m on mlu100: 5 kernels, pinned None",
        "m on mlu100: 100.0 µs, pinned None",
    ]


def test_check_mode_fails_on_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "pinned.json"
    stale.write_text(json.dumps({"dnnfusion_table4": {p: {"kernels": 999, "latency_us": 1.0} for p in pin.PRESETS}}))
    monkeypatch.setattr(pin, "PINNED", stale)
    assert pin.main(["dnnfusion_table4", "--check"]) == 1
    out = capsys.readouterr().out
    assert "dnnfusion_table4 on mlu100:" in out and "pinned 999" in out
    assert json.loads(stale.read_text())["dnnfusion_table4"]["mlu100"]["kernels"] == 999
