"""What the default graph pipeline's rewriting does to each example: ops, FLOPs and batch norms before and after.

    python benchmarks/rewrite_table.py [examples/*.dlm ...] [--fp-model fast,aggressive] [--json PATH]

Runs the graph-level default pipeline (`dlfc.compiler.pipeline.DEFAULT_PIPELINE[Level.GRAPH]`)
on every model, under each floating-point contract given (`--fp-model`, default
fast), prints one row per model and contract and writes the rows, with how often
each rewrite fired, as JSON. Ops are graph compute ops (weights and constants not
counted); FLOPs are the sum of their `flops()`; latency is the modelled latency
on mlu100 of the plan the whole default pipeline makes from the rewritten graph.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.fp_model import FP_MODELS
from dlfc.compiler.frontend import load_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import DEFAULT_PIPELINE, Level, compile_to, parse_pass_pipeline
from dlfc.dialects import graph
from dlfc.hw.interpreter import time_plan
from dlfc.hw.target import load_target

EXAMPLES = Path(__file__).parents[1] / "examples"


@dataclass
class Row:
    model: str
    fp_model: str
    ops_before: int
    ops_after: int
    flops_before: int
    flops_after: int
    batchnorms_before: int
    batchnorms_after: int
    seconds: float
    latency_us: float
    rewrites: dict[str, int] = field(default_factory=dict)


def measure(module: ModuleOp) -> tuple[int, int, int]:
    """(compute ops, FLOPs, batch norms) of a graph-level module."""
    ops = [op for op in module.walk() if isinstance(op, graph.GraphOp)]
    return len(ops), sum(op.flops() for op in ops), sum(isinstance(op, graph.BatchNormOp) for op in ops)


def rewrite(path: Path, fp_model: str = "fast") -> Row:
    """Run the default graph pipeline under `fp_model` on the model at `path` and measure it before and after."""
    module = load_dlm(str(path))
    before = measure(module)
    options = {"fp_model": (fp_model,)}
    passes = parse_pass_pipeline(",".join(DEFAULT_PIPELINE[Level.GRAPH]), get_all_passes(), options)
    start = time.perf_counter()
    runs = run_pipeline(make_context(), module, passes)
    seconds = time.perf_counter() - start
    after = measure(module)
    rewrites = sum((run.statistics for run in runs), Counter())
    compile_to(module, Level.ACCEL, {"target": ("mlu100",), **options})
    latency = time_plan(module, load_target("mlu100")).latency
    return Row(
        path.stem,
        fp_model,
        before[0],
        after[0],
        before[1],
        after[1],
        before[2],
        after[2],
        seconds,
        latency * 1e6,
        dict(sorted(rewrites.items())),
    )


def table(rows: list[Row]) -> str:
    lines = [
        f"{'model':<18} {'fp-model':<10} {'ops':>13} {'GFLOPs':>19} {'change':>8} {'batchnorms':>11} {'seconds':>8}"
        f" {'latency µs':>11}",
    ]
    for r in rows:
        change = (r.flops_after - r.flops_before) / r.flops_before
        lines.append(
            f"{r.model:<18} {r.fp_model:<10} {r.ops_before:>5} -> {r.ops_after:<5} {r.flops_before / 1e9:>8.4f} -> "
            f"{r.flops_after / 1e9:<8.4f} {change:>+8.3%} {r.batchnorms_before:>4} -> {r.batchnorms_after:<3} "
            f"{r.seconds:>8.2f} {r.latency_us:>11.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path, help="models (default: every examples/*.dlm)")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).with_suffix(".json"), help="where to write the rows"
    )
    parser.add_argument(
        "--fp-model",
        default="fast",
        help=f"floating-point contracts to compare, comma-separated ({', '.join(FP_MODELS)}; default fast)",
    )
    args = parser.parse_args(argv)
    fp_models = args.fp_model.split(",")
    if unknown := [m for m in fp_models if m not in FP_MODELS]:
        parser.error(f"unknown fp-model {', '.join(unknown)}")
    paths = args.models or sorted(EXAMPLES.glob("*.dlm"))
    rows = [rewrite(path, fp_model) for path in paths for fp_model in fp_models]
    print(table(rows))
    for r in rows:
        print(f"{r.model} ({r.fp_model}): " + ", ".join(f"{name} {count}" for name, count in r.rewrites.items()))
    args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
