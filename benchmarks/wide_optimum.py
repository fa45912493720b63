"""The proven optimum of wide models and autotune's gap to it (issue 17), with what proving it took.

For each wide model of tests/wide_models.py on both presets: the exact solver
(`oracle{mode=exact}`'s `solve_exact`: the integer program up to 50,000
candidate groups, else the DP over parallel components), the number of
candidate groups or combinations of pieces, how many kernels it costed, its
rounds and CPU time, and autotune's plan (default window and max-states)
beside it. Prints a Markdown table and writes JSON.

    python benchmarks/wide_optimum.py                     # every model, both presets
    python benchmarks/wide_optimum.py branches8 --hw mlu100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from transforms.fusion_testing import graph_ops  # noqa: E402
from wide_models import PROVEN, WIDE_MODELS  # noqa: E402

from dlfc.compiler.transforms.autotune import tune  # noqa: E402
from dlfc.compiler.utils.optimum import solve_exact  # noqa: E402
from dlfc.compiler.utils.search_space import plan_latency  # noqa: E402
from dlfc.hw.target import load_target  # noqa: E402

MODELS = {**{name: build for name, build in WIDE_MODELS.items()}, **{name: p[0] for name, p in PROVEN.items()}}


def measure(name: str, hw: str) -> dict[str, object]:
    target = load_target(hw)
    ops = graph_ops(MODELS[name]())
    started = time.process_time()
    optimum = solve_exact(ops, [], target)
    seconds = time.process_time() - started
    plan = tune(ops, [], target, window=32, budget=20000)
    best, tuned = plan_latency(optimum.plan), plan_latency(plan)
    return {
        "model": name,
        "hw": hw,
        "ops": len(ops),
        "method": "components DP" if optimum.rounds else "integer program",
        "candidates": optimum.candidates,
        "costed": optimum.columns,
        "rounds": optimum.rounds,
        "cpu_s": seconds,
        "optimum_us": best * 1e6,
        "lower_bound_us": optimum.lower_bound * 1e6,
        "kernels": len(optimum.plan),
        "autotune_us": tuned * 1e6,
        "gap_percent": (tuned / best - 1) * 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", default=list(MODELS), help=f"from {', '.join(MODELS)}")
    parser.add_argument("--hw", nargs="*", default=["mlu100", "mlu270"])
    parser.add_argument("--json", default="benchmarks/wide_optimum.json")
    args = parser.parse_args()
    rows = []
    print(
        "| model | preset | ops | solver | candidate groups / combinations | columns / costed | CPU s | optimum µs "
        "(kernels) | autotune µs | gap |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.models:
        for hw in args.hw:
            r = measure(name, hw)
            rows.append(r)
            print(
                f"| {name} | {hw} | {r['ops']} | {r['method']} | {r['candidates']:,} | {r['costed']:,} | "
                f"{r['cpu_s']:.1f} | {r['optimum_us']:.2f} ({r['kernels']}) | {r['autotune_us']:.2f} | "
                f"{r['gap_percent']:.2f}% |",
                flush=True,
            )
    Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
