"""Speed of `dlfc run` on the scheduled path against the whole-op path.

    python benchmarks/schedule_speed.py [examples/resnet50.dlm] [--repeat 3] [--json FILE]

Runs `dlfc run MODEL` (kernels execute their graph ops whole, timed by the
cost model) and `dlfc run MODEL --schedule` (accel-schedule, then every kernel
executes its program tile by tile and is simulated) as separate processes,
`--repeat` times each, and reports the median wall and CPU time of the whole
command and the median of the `wall time: ... (interpreting)` line dlfc prints
(execution only, compilation excluded). Writes the table as JSON (default
benchmarks/schedule_speed.json). BLAS runs on one thread (OPENBLAS_NUM_THREADS=1):
on a busy 2-core machine a multi-threaded BLAS waits for descheduled threads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(args: list[str]) -> dict[str, float]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(["dlfc", "run", *args], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    interpreting = re.search(r"wall time:\s+([0-9.]+) s \(interpreting\)", done.stdout)
    latency = re.search(r"modelled latency:\s+([0-9.]+) s", done.stdout)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "interpreting_s": float(interpreting.group(1)) if interpreting else float("nan"),
        "modelled_latency_s": float(latency.group(1)) if latency else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", default="examples/resnet50.dlm")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "schedule_speed.json"))
    args = parser.parse_args()
    rows = {}
    for label, extra in (("whole ops", []), ("scheduled", ["--schedule"])):
        runs = [run_once([args.model, *extra]) for _ in range(args.repeat)]
        rows[label] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"{'path':<10} {'wall s':>8} {'cpu s':>8} {'interpreting s':>15} {'modelled latency':>17}")
    for label, r in rows.items():
        print(
            f"{label:<10} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} {r['interpreting_s']:>15.2f} "
            f"{r['modelled_latency_s'] * 1e6:>14.1f} µs"
        )
    ratio = rows["scheduled"]["interpreting_s"] / rows["whole ops"]["interpreting_s"]
    print(f"\ntile-level numerics and simulation take {ratio:.2f}x the whole-op execution time")
    result = {
        "model": args.model,
        "repeat": args.repeat,
        "command": "python benchmarks/schedule_speed.py " + " ".join(sys.argv[1:]),
        "paths": rows,
        "interpreting_ratio": ratio,
    }
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
