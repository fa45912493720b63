"""The cost model's estimate against the simulated time of every kernel's schedule.

    python benchmarks/cost_vs_sim.py                      # writes benchmarks/cost_vs_sim.json
    python benchmarks/cost_vs_sim.py --models resnet18 --presets mlu100 --json /tmp/x.json

For every example (and `--random N` random models from tests/random_models.py)
on both presets, the model is compiled with dlfc's default pipeline to an
accel plan; then, for the tuned core counts and for every kernel re-cored to
each of `--cores` (clamped to the preset's legal counts), accel-schedule lowers
the kernels and the simulator (`dlfc.hw.simulator`) times each one. The
estimate is `dlfc.hw.cost.kernel_cost` of the same kernel on the same cores.

Printed: per (model, preset, cores) the kernel count, the median and 90th
percentile of |estimate - simulated| / simulated and the summed times; then
the same over all kernels, Kendall's tau between the two rankings of all
kernels, and the kernels that disagree most. The JSON has `median_rel_err`,
`p90_rel_err`, `kendall_tau`, the per-row breakdown and the worst kernels.
Only the IR and the two time models run (no numerics), so it takes about a
minute for everything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from scipy.stats import kendalltau
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import Level, default_pipeline, parse_pass_pipeline
from dlfc.dialects import accel, schedule
from dlfc.hw.cost import cost_model, kernel_cost
from dlfc.hw.simulator import simulate
from dlfc.hw.target import load_target

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.dlm"))
PRESETS = ("mlu100", "mlu270")
CORES = (1, 4, 16)


def compile_plan(module: ModuleOp, preset: str) -> None:
    """The default pipeline, graph to accel, for `preset`."""
    passes = parse_pass_pipeline(
        ",".join(default_pipeline(Level.GRAPH, Level.ACCEL)), get_all_passes(), {"target": (preset,)}
    )
    run_pipeline(make_context(), module, passes)


def measure(plan: ModuleOp, preset: str, cores: int | None) -> list[dict]:
    """Estimate and simulated time of every kernel of a copy of `plan` (re-cored to `cores` unless None)."""
    target = load_target(preset)
    module = plan.clone()
    kernels = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    if cores is not None:
        count = max(c for c in target.legal_cores if c <= cores)
        for k in kernels:
            k.cores = IntegerAttr(count, i64)
    estimates = [kernel_cost(k, target) for k in kernels]
    run_pipeline(make_context(), module, parse_pass_pipeline("accel-schedule", get_all_passes(), {"target": (preset,)}))
    model = cost_model(target)
    rows = []
    for k, estimate in zip(kernels, estimates, strict=True):
        sim = simulate(k, model)
        program = schedule.program_of(k)
        assert program is not None
        rows.append(
            {
                "kernel": k.sym_name.data,
                "cores": k.core_count,
                "estimate_us": estimate.latency * 1e6,
                "simulated_us": sim.latency * 1e6,
                "estimate_bound": estimate.bound,
                "tiles": max(
                    (t.index.value.data + 1 for t in program.walk() if isinstance(t, schedule.TileOp)), default=0
                ),
                "whole_ops": sum(1 for op in program.walk() if isinstance(op, schedule.ComputeWholeOp)),
                "simulated_busy_us": {q: t * 1e6 for q, t in sim.busy.items()},
            }
        )
    return rows


def relative_error(row: dict) -> float:
    return abs(row["estimate_us"] - row["simulated_us"]) / row["simulated_us"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(rows: list[dict]) -> dict:
    errors = [relative_error(r) for r in rows]
    return {
        "kernels": len(rows),
        "median_rel_err": statistics.median(errors),
        "p90_rel_err": percentile(errors, 0.9),
        "estimate_us": sum(r["estimate_us"] for r in rows),
        "simulated_us": sum(r["simulated_us"] for r in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="*", default=EXAMPLES, help="examples to measure (default: all)")
    parser.add_argument("--presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--cores", nargs="*", type=int, default=list(CORES), help="core counts besides the tuned ones")
    parser.add_argument("--random", type=int, default=4, metavar="N", help="random models (seeds 0..N-1, 30 steps)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "cost_vs_sim.json"))
    parser.add_argument("--every", metavar="PATH", help="also write every kernel's row (for rank analysis) to PATH")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "tests"))
    from random_models import random_model

    sources = [(name, lambda name=name: load_dlm(str(ROOT / "examples" / f"{name}.dlm"))) for name in args.models]
    sources += [(f"random{seed}", lambda seed=seed: random_model(seed, 30).module) for seed in range(args.random)]
    started = time.perf_counter()
    table, every = [], []
    for name, load in sources:
        for preset in args.presets:
            plan = load()
            compile_plan(plan, preset)
            for cores in (None, *args.cores):
                rows = measure(plan, preset, cores)
                for r in rows:
                    r.update(model=name, preset=preset)
                every += rows
                table.append({"model": name, "preset": preset, "cores": cores or "tuned", **summary(rows)})

    header = f"{'model':<18} {'preset':<7} {'cores':>5} {'kernels':>7} {'median':>7} {'p90':>7} {'est µs':>10} {'sim µs':>10}"
    print(header)
    for t in table:
        print(
            f"{t['model']:<18} {t['preset']:<7} {t['cores']!s:>5} {t['kernels']:>7} {t['median_rel_err']:>7.1%} "
            f"{t['p90_rel_err']:>7.1%} {t['estimate_us']:>10.1f} {t['simulated_us']:>10.1f}"
        )
    overall = summary(every)
    tau = kendalltau([r["estimate_us"] for r in every], [r["simulated_us"] for r in every]).statistic
    worst = sorted(every, key=relative_error, reverse=True)[:15]
    print(
        f"\nall {overall['kernels']} kernels: median relative error {overall['median_rel_err']:.1%}, "
        f"90th percentile {overall['p90_rel_err']:.1%}, Kendall tau {tau:.3f}"
    )
    print("\nlargest disagreements (estimate vs simulated µs):")
    for r in worst:
        print(
            f"  {r['model']:<16} {r['preset']:<7} {r['kernel'][:36]:<36} cores={r['cores']:<3} tiles={r['tiles']:<3} "
            f"{r['estimate_us']:9.2f} {r['simulated_us']:9.2f}"
        )
    result = {
        "median_rel_err": overall["median_rel_err"],
        "p90_rel_err": overall["p90_rel_err"],
        "kendall_tau": tau,
        "kernels": overall["kernels"],
        "command": "python benchmarks/cost_vs_sim.py " + " ".join(sys.argv[1:]),
        "seconds": time.perf_counter() - started,
        "rows": table,
        "worst": worst,
    }
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    if args.every:
        Path(args.every).write_text(json.dumps(every, indent=1) + "\n")
    print(f"\nwrote {args.json} ({result['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
