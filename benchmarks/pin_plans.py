"""Pinned plans: the kernel count and modelled latency of the default plan of every example on every preset.

`benchmarks/pinned_plans.json` records, for every `examples/*.dlm` and every
preset under `hw/presets/`, the plan the default pipeline makes (`dlfc MODEL
--hw PRESET`): its number of `accel.kernel`s and its modelled latency in µs
(the kernels placed on the chip's timeline in block order, as `dlfc run`
models them, without computing the numerics). `tests/test_pinned_plans.py`
compiles the same plans and fails when either number changes, so every change
to the plans shows in review as a diff of that file. After a change that is
meant to alter plans, regenerate the file and commit it with the change:

    python benchmarks/pin_plans.py                 # rewrite benchmarks/pinned_plans.json
    python benchmarks/pin_plans.py --check         # compare only; exit 1 and list the differences
    python benchmarks/pin_plans.py resnet18 --check

Latencies are compared with a relative tolerance of 1e-6 (they are rounded to
the nanosecond in the file); kernel counts exactly.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pipeline import Level, compile_to
from dlfc.dialects import accel
from dlfc.hw.cost import kernel_cost
from dlfc.hw.target import load_target
from dlfc.hw.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PRESETS = sorted(p.stem for p in (ROOT / "hw" / "presets").glob("*.toml"))
PINNED = Path(__file__).resolve().parent / "pinned_plans.json"
REL_TOL = 1e-6


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.dlm"))


def plan_summary(name: str, preset: str) -> dict[str, float | int]:
    """Kernel count and modelled latency (µs, rounded to the ns) of the default plan of example `name` on `preset`."""
    module = load_dlm(str(EXAMPLES / f"{name}.dlm"))
    compile_to(module, Level.ACCEL, {"target": (preset,)})
    target = load_target(preset)
    timeline = Timeline(target.cores)
    kernels = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    for kernel in kernels:
        timeline.place(kernel, kernel_cost(kernel, target).latency)
    return {"kernels": len(kernels), "latency_us": round(timeline.makespan * 1e6, 3)}


def read_pinned() -> dict[str, dict[str, dict[str, float | int]]]:
    return json.loads(PINNED.read_text())


def differences(name: str, preset: str, pinned: dict, actual: dict) -> list[str]:
    """One line per number of `actual` that differs from `pinned` (empty when they agree)."""
    out = []
    if pinned.get("kernels") != actual["kernels"]:
        out.append(f"{name} on {preset}: {actual['kernels']} kernels, pinned {pinned.get('kernels')}")
    old = pinned.get("latency_us")
    if not isinstance(old, (int, float)) or not math.isclose(old, actual["latency_us"], rel_tol=REL_TOL):
        out.append(f"{name} on {preset}: {actual['latency_us']} µs, pinned {old}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", help="example names (default: every example)")
    parser.add_argument("--check", action="store_true", help="compare with the pinned file instead of rewriting it")
    args = parser.parse_args(argv)
    names = args.models or example_names()
    pinned = read_pinned() if PINNED.exists() else {}
    table = {name: {preset: plan_summary(name, preset) for preset in PRESETS} for name in names}
    if args.check:
        diffs = [
            line
            for name, row in table.items()
            for preset, actual in row.items()
            for line in differences(name, preset, pinned.get(name, {}).get(preset, {}), actual)
        ]
        print("\n".join(diffs) or "plans match benchmarks/pinned_plans.json")
        return 1 if diffs else 0
    merged = {name: table.get(name, pinned.get(name)) for name in sorted(set(pinned) | set(table))}
    merged = {name: row for name, row in merged.items() if name in example_names()}
    PINNED.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    for name, row in table.items():
        print(name, " ".join(f"{p}: {r['kernels']} kernels {r['latency_us']} µs" for p, r in row.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
