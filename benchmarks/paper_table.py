"""DLFusion's evaluation on the hardware model: speedup of every tuning strategy on every example.

Each model first goes through the default graph-level passes (what fusion
receives). The baseline is no optimisation: every op its own kernel on 1 core.
For each strategy the table gives the modelled latency of its plan (kernels
one after another) and the speedup over the baseline:

    fusion only      fuse-dnnfusion, every kernel on 1 core
    cores only       fuse-none + assign-cores (every op alone on its best core count)
    patterns+cores   fuse-patterns (TVM-style) + assign-cores
    DNNFusion+rule   fuse-dnnfusion + assign-cores{cores-by=features} (DLFusion's rule of thumb)
    DNNFusion+cores  fuse-dnnfusion + assign-cores
    autotune         fuse-dnnfusion + autotune (the default pipeline)
    oracle           oracle (brute force within windows); "-" when it hit the time limit
    +parallel        autotune + schedule-parallel (independent kernels side by side; beyond DLFusion)

and the search time of autotune and of the oracle, in CPU seconds of the
process that searched (the oracle runs in this process unless --jobs > 1,
then its wall time is reported).

    python benchmarks/paper_table.py                                # every example, oracle limited to 600 s each
    python benchmarks/paper_table.py resnet18 vgg16 --oracle-time-limit 60
    python benchmarks/paper_table.py --no-oracle --out /tmp/results
    python benchmarks/paper_table.py --sweep launch_us=1,5,10 core_dma_gbps=12.8,25.6,51.2 onchip_kib=128,384,1024

With --sweep (no oracle), each assumed parameter is varied one at a time
(`sensitivity.py`) and the table gives autotune's speedup over the baseline
for every setting and its range: the speedups as claims over the sweep, not
one number from one set of guesses (written to paper_table_sweep.json).

Writes paper_table.csv, paper_table.json and paper_table.png (a bar chart of
the speedups; needs matplotlib, `pip install 'dlfc[plot]'`) into --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sensitivity
from fusion_table import EXAMPLES, graph_stage, run
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.conversion.convert_fusion_to_accel import ConvertFusionToAccelPass
from dlfc.compiler.transforms.oracle import OracleResult, Reduction, oracle
from dlfc.compiler.transforms.schedule_parallel import schedule_parallel
from dlfc.dialects import fusion, graph
from dlfc.hw.cost import baseline_latency, kernel_cost
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target

STRATEGIES = {
    "fusion only": "fuse-dnnfusion",
    "cores only": "fuse-none,assign-cores",
    "patterns+cores": "fuse-patterns,assign-cores",
    "DNNFusion+rule": "fuse-dnnfusion,assign-cores{cores-by=features}",
    "DNNFusion+cores": "fuse-dnnfusion,assign-cores",
    "autotune": "fuse-dnnfusion,autotune",
}
COLUMNS = (*STRATEGIES, "oracle", "+parallel")
HERE = Path(__file__).resolve().parent
T = TypeVar("T")


@dataclass
class Row:
    """One model: latencies (seconds) per strategy, and how the searches went."""

    model: str
    ops: int
    baseline: float
    latency: dict[str, float | None] = field(default_factory=dict)
    autotune_search_s: float = 0.0
    oracle_search_s: float | None = None
    oracle_exhaustive: bool | None = None
    oracle_configurations: int = 0

    def speedup(self, column: str) -> float | None:
        latency = self.latency.get(column)
        return self.baseline / latency if latency else None

    def microseconds(self, column: str) -> float | None:
        latency = self.latency.get(column)
        return latency * 1e6 if latency is not None else None


def plan_latency(module: ModuleOp, target: Accelerator) -> float:
    """The modelled latency of a fusion-level plan, each group on its `cores`."""
    return sum(kernel_cost(g, target).latency for g in module.walk() if isinstance(g, fusion.GroupOp))


def cpu_timed(action: Callable[..., T], *args: Any) -> tuple[T, float]:
    """The action's result and the CPU seconds this process spent on it."""
    start = time.process_time()
    result = action(*args)
    return result, time.process_time() - start


def search_oracle(
    module: ModuleOp, target: Accelerator, reduction: Reduction, time_limit: float, jobs: int
) -> tuple[OracleResult, float]:
    """The oracle's result and its search time: CPU seconds in this process, or wall seconds with worker processes."""
    if jobs <= 1:
        return cpu_timed(oracle, module, target, reduction, None, time_limit)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        result = oracle(module, target, reduction, pool, time_limit)
    return result, time.perf_counter() - start


def measure(
    path: Path, target: Accelerator, hw: str, reduction: Reduction, time_limit: float, jobs: int, with_oracle: bool
) -> Row:
    graph_module = graph_stage(path, hw)
    ops = sum(isinstance(op, graph.GraphOp) for op in graph_module.walk())
    row = Row(path.stem, ops, baseline_latency(graph_module, target))
    for name, pipeline in STRATEGIES.items():
        planned = graph_module.clone()
        *planning, last = pipeline.split(",")
        if planning:
            run(planned, ",".join(planning), hw)
        _, seconds = cpu_timed(run, planned, last, hw)
        row.latency[name] = plan_latency(planned, target)
        if name == "autotune":
            row.autotune_search_s = seconds
            ConvertFusionToAccelPass(hw).apply(make_context(), planned)
            row.latency["+parallel"] = schedule_parallel(planned, target).parallel
    if with_oracle:
        result, row.oracle_search_s = search_oracle(graph_module.clone(), target, reduction, time_limit, jobs)
        row.oracle_exhaustive, row.oracle_configurations = result.exhaustive, result.configurations
        row.latency["oracle"] = result.latency if result.exhaustive else None
        print(result.summary(), file=sys.stderr)
    return row


def fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else format(value, spec) + unit


def tables(rows: list[Row], target: Accelerator, reduction: Reduction) -> str:
    """The latency table and the speedup table (Markdown)."""
    head = "| model | ops | baseline | " + " | ".join(COLUMNS) + " |"
    rule = "|" + "---|" * (3 + len(COLUMNS))
    latency = [f"Modelled latency (µs) on {target.name}; baseline: every op its own kernel on 1 core", "", head, rule]
    for r in rows:
        cells = " | ".join(fmt(r.microseconds(c), ".1f") for c in COLUMNS)
        latency.append(f"| {r.model} | {r.ops} | {r.baseline * 1e6:.1f} | {cells} |")
    head = (
        "| model | " + " | ".join(COLUMNS) + f" | autotune search | oracle search (window {reduction.window}) | ratio |"
    )
    rule = "|" + "---|" * (4 + len(COLUMNS))
    speedup = ["Speedup over the baseline; search times in CPU seconds", "", head, rule]
    for r in rows:
        cells = " | ".join(fmt(r.speedup(c), ".2f", "×") for c in COLUMNS)
        oracle_s = fmt(r.oracle_search_s, ".1f") + ("" if r.oracle_exhaustive in (None, True) else " (limit)")
        ratio = (
            r.oracle_search_s / r.autotune_search_s
            if r.oracle_exhaustive and r.oracle_search_s and r.autotune_search_s
            else None
        )
        speedup.append(f"| {r.model} | {cells} | {r.autotune_search_s:.2f} | {oracle_s} | {fmt(ratio, '.0f', '×')} |")
    return "\n".join(latency) + "\n\n" + "\n".join(speedup) + "\n"


def checks(rows: list[Row]) -> str:
    """The issue's claims, checked on the rows."""
    lines = []
    for r in rows:
        auto = r.latency["autotune"]
        assert auto is not None
        others = [c for c in STRATEGIES if c != "autotune" and (r.latency[c] or 0) < auto * (1 - 1e-9)]
        lines.append(
            f"{r.model}: autotune never worse than the other strategies: {'yes' if not others else 'NO: ' + ', '.join(others)}"
        )
        best = r.latency.get("oracle")
        if best is not None:
            within = auto <= best * 1.02
            ratio = (r.oracle_search_s or 0) / r.autotune_search_s if r.autotune_search_s else float("inf")
            lines.append(f"{r.model}: within 2% of the oracle: {'yes' if within else 'NO'}; search {ratio:.0f}x faster")
    return "\n".join(lines) + "\n"


def write_outputs(rows: list[Row], target: Accelerator, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "paper_table.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "model",
                "ops",
                "baseline_us",
                *(f"{c}_us" for c in COLUMNS),
                *(f"{c}_speedup" for c in COLUMNS),
                "autotune_search_s",
                "oracle_search_s",
                "oracle_exhaustive",
                "oracle_configurations",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.model,
                    r.ops,
                    r.baseline * 1e6,
                    *(fmt(r.microseconds(c), ".3f") for c in COLUMNS),
                    *(fmt(r.speedup(c), ".4f") for c in COLUMNS),
                    r.autotune_search_s,
                    r.oracle_search_s,
                    r.oracle_exhaustive,
                    r.oracle_configurations,
                ]
            )
    data = {
        "target": target.name,
        "models": [{**asdict(r), "speedup": {c: r.speedup(c) for c in COLUMNS}} for r in rows],
    }
    (out / "paper_table.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no bar chart: matplotlib is not installed (pip install 'dlfc[plot]'); CSV and JSON were written")
        return
    fig, ax = plt.subplots(figsize=(12, 4.5))
    width = 0.8 / len(COLUMNS)
    for k, column in enumerate(COLUMNS):
        xs = [i + (k - len(COLUMNS) / 2 + 0.5) * width for i in range(len(rows))]
        ax.bar(xs, [r.speedup(column) or 0 for r in rows], width, label=column)
    ax.set_xticks(range(len(rows)), [r.model for r in rows])
    ax.set_ylabel("speedup over no optimisation")
    ax.set_ylim(0, 1.3 * max((r.speedup(c) or 0 for r in rows for c in COLUMNS), default=1))
    ax.set_title(f"Modelled speedup on {target.name} (baseline: every op its own kernel on 1 core)")
    ax.legend(ncols=4, fontsize="small")
    fig.tight_layout()
    fig.savefig(out / "paper_table.png", dpi=120)


def sweep_table(results: list[tuple[str, list[Row]]]) -> str:
    """Autotune's speedup over the baseline per model and setting, and its range over the settings."""
    labels = [label for label, _ in results]
    lines = [
        "Speedup of autotune over the baseline, one assumed parameter varied at a time",
        "",
        "| model | " + " | ".join(labels) + " | range |",
        "|" + "---|" * (len(labels) + 2),
    ]
    for i, first in enumerate(results[0][1]):
        speedups = [rows[i].speedup("autotune") or 0.0 for _, rows in results]
        cells = " | ".join(f"{x:.2f}×" for x in speedups)
        lines.append(f"| {first.model} | {cells} | {min(speedups):.1f}–{max(speedups):.1f}× |")
    every = [rows[i].speedup("autotune") or 0.0 for _, rows in results for i in range(len(rows))]
    lines += ["", f"autotune over the baseline, every model and setting: {min(every):.1f}–{max(every):.1f}×"]
    return "\n".join(lines) + "\n"


def run_sweep(paths: list[Path], args: argparse.Namespace, reduction: Reduction) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for label, hw, target in sensitivity.settings(args.hw, args.sweep, Path(tmp)):
            print(f"setting {label}", file=sys.stderr)
            results.append((label, [measure(p, target, hw, reduction, 0.0, 1, False) for p in paths]))
    sys.stdout.write(sweep_table(results))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = {label: {r.model: {"baseline": r.baseline, **r.latency} for r in rows} for label, rows in results}
    (out / "paper_table_sweep.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="example names (default: every examples/*.dlm)")
    parser.add_argument("--hw", default=DEFAULT_TARGET, help="accelerator preset or .toml (default: %(default)s)")
    parser.add_argument(
        "--out", default=str(HERE / "results"), help="directory for CSV, JSON and PNG (default: %(default)s)"
    )
    parser.add_argument("--no-oracle", action="store_true", help="skip the oracle")
    parser.add_argument(
        "--oracle-window", type=int, default=Reduction().window, help="oracle window in ops (default: %(default)s)"
    )
    parser.add_argument(
        "--oracle-time-limit", type=float, default=600.0, help="seconds per model (default: %(default)s)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="oracle worker processes (default: %(default)s)")
    parser.add_argument(
        "--sweep", nargs="+", metavar="KEY=V1,V2", help="vary assumed parameters one at a time (no oracle)"
    )
    args = parser.parse_args(argv)
    target = load_target(args.hw)
    reduction = Reduction(window=args.oracle_window)
    paths = [EXAMPLES / f"{m}.dlm" for m in args.models] or sorted(EXAMPLES.glob("*.dlm"))
    if args.sweep:
        return run_sweep(paths, args, reduction)
    rows = [
        measure(p, target, args.hw, reduction, args.oracle_time_limit, args.jobs, not args.no_oracle) for p in paths
    ]
    sys.stdout.write(tables(rows, target, reduction) + "\n" + checks(rows))
    write_outputs(rows, target, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
