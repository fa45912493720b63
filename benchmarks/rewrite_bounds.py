"""How long graph-algebraic-simplify takes on long chains: steps counted and CPU seconds.

    python benchmarks/rewrite_bounds.py [--json benchmarks/rewrite_bounds.json]

For each family (a product of n copies of x, `repeat n { a = a * a }`, a product
of n exps, a sum of n products with a common factor) and n, runs the pass's
driver on the family's one algebraic sub-graph and prints its size, the work
counted by the driver (`algebraic_rules.Work`: candidates priced, ops built,
rewrites) and the CPU seconds of the rewrite (median of 3). The work is what
tests/transforms/test_rewrite_bounds.py bounds; the seconds depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from xdsl.dialects import func

from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.transforms.graph_algebraic_simplify import RULES, algebraic_subgraphs, rewrite_subgraph


def product(n: int) -> str:
    return f"model m {{\n  input x: f32[4]\n  output {' * '.join(['x'] * n)}\n}}\n"


def squarings(n: int) -> str:
    return f"model m {{\n  input a: f32[4]\n  repeat {n} {{\n    a = a * a\n  }}\n  output a\n}}\n"


def inputs(n: int) -> str:
    return "\n".join(f"  input x{i}: f32[4]" for i in range(n))


def exps(n: int) -> str:
    return f"model m {{\n{inputs(n)}\n  output {' * '.join(f'exp(x{i})' for i in range(n))}\n}}\n"


def common_terms(n: int) -> str:
    return f"model m {{\n{inputs(n)}\n  output {' + '.join(f'x0 * x{i}' for i in range(1, n))}\n}}\n"


FAMILIES: dict[str, Callable[[int], str]] = {
    "product": product,
    "squarings": squarings,
    "exps": exps,
    "common_terms": common_terms,
}
SIZES = (30, 60, 150, 300)


def measure(source: str) -> dict[str, float | int]:
    seconds = []
    for _ in range(3):
        module = parse_dlm(source, "bench.dlm")
        (function,) = [op for op in module.walk() if isinstance(op, func.FuncOp)]
        (ops,) = algebraic_subgraphs(function.body.block)
        size = len(ops)
        start = time.process_time()
        work = rewrite_subgraph(ops, RULES)
        seconds.append(time.process_time() - start)
    return {
        "ops": size,
        "candidates": work.candidates,
        "ops_built": work.ops_built,
        "rewrites": work.rewrites,
        "cpu_s": round(statistics.median(seconds), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args()
    rows = []
    print("| family | n | sub-graph ops | candidates | ops built | rewrites | CPU s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, family in FAMILIES.items():
        for n in SIZES:
            row = {"family": name, "n": n, **measure(family(n))}
            rows.append(row)
            print(
                f"| {name} | {n} | {row['ops']} | {row['candidates']} | {row['ops_built']} | {row['rewrites']} "
                f"| {row['cpu_s']} |",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
