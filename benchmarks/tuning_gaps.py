"""autotune against the proven optimum on the wide models of docs/tuning.md (mlu100).

For each model: its ops, the candidate groups of the exact solver
(`candidate_groups`, counted up to --limit), and, when they are at most
--limit, the optimum (`solve_exact`) with the seconds it took; autotune's plan
(`tune`, window 32, 20,000 states: its fallback past that) with its kernels,
latency and gap to the optimum. The models are those of
tests/transforms/test_optimum.py: n parallel conv1x1 -> relu -> conv3x3
branches joined by a concat, and multi-head attention with every head apart.

    python benchmarks/tuning_gaps.py                     # 4, 6 and 8 branches, four-head attention
    python benchmarks/tuning_gaps.py --limit 60000       # solve up to 60,000 candidate groups (6 branches: minutes)

Writes tuning_gaps.json into --out (default benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.transforms.autotune import tune
from dlfc.compiler.utils.optimum import TooLarge, candidate_groups, solve_exact
from dlfc.compiler.utils.search_space import plan_latency
from dlfc.dialects import graph
from dlfc.hw.interpreter import entry_function
from dlfc.hw.target import load_target

HERE = Path(__file__).resolve().parent


def model(body: list[str], inputs: str) -> list[graph.GraphOp]:
    source = f"model m {{\n  input {inputs}\n" + "\n".join(f"  {line}" for line in body) + "\n}\n"
    module = parse_dlm(source, "m.dlm")
    return [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]


def branches(n: int) -> list[graph.GraphOp]:
    """n parallel conv1x1 -> relu -> conv3x3 branches joined by a concat (as tests/transforms/test_optimum.py)."""
    body = [f"b{i} = conv2d(relu(conv2d(x, 16, kernel=1)), 16, kernel=3, pad=1)" for i in range(n)]
    body.append("output concat(" + ", ".join(f"b{i}" for i in range(n)) + ", axis=1)")
    return model(body, "x: f32[1, 32, 28, 28]")


def attention(heads: int) -> list[graph.GraphOp]:
    """Multi-head attention with every head's projections and products as separate ops."""
    body = []
    for i in range(heads):
        body += [
            f"q{i} = dense(x, 16)",
            f"k{i} = dense(x, 16)",
            f"v{i} = dense(x, 16)",
            f"a{i} = softmax(matmul(q{i}, transpose(k{i}, [0, 2, 1])) * 0.25)",
            f"o{i} = matmul(a{i}, v{i})",
        ]
    body.append("output dense(concat(" + ", ".join(f"o{i}" for i in range(heads)) + ", axis=2), 64) + x")
    return model(body, "x: f32[1, 32, 64]")


MODELS = {
    "four branches": lambda: branches(4),
    "six branches": lambda: branches(6),
    "eight branches": lambda: branches(8),
    "four-head attention": lambda: attention(4),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=60_000, help="candidate groups the exact solver takes on")
    parser.add_argument("--out", default=str(HERE / "results"), help="directory for the JSON (default: %(default)s)")
    args = parser.parse_args(argv)
    target = load_target("mlu100")
    rows = []
    for name, build in MODELS.items():
        ops = build()
        started = time.process_time()
        plan = tune(ops, [], target, window=32, budget=20000)
        row: dict = {
            "model": name,
            "ops": len(ops),
            "autotune_kernels": len(plan),
            "autotune_us": plan_latency(plan) * 1e6,
            "autotune_cpu_s": time.process_time() - started,
        }
        try:
            row["candidate_groups"] = len(candidate_groups(ops, 0, args.limit))
        except TooLarge:
            row["candidate_groups"] = f"> {args.limit}"
        else:
            started = time.process_time()
            optimum = solve_exact(ops, [], target, limit=args.limit)
            row["optimum_us"] = plan_latency(optimum.plan) * 1e6
            row["optimum_cpu_s"] = time.process_time() - started
            row["gap"] = row["autotune_us"] / row["optimum_us"] - 1
        rows.append(row)
        sys.stdout.write(json.dumps(row) + "\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tuning_gaps.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
