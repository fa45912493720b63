"""The worked study of docs/sweep.md: on-chip memory x core count for ResNet-50, MobileNetV2 and BERT-base.

    python benchmarks/sweep_study.py                          # 105 points, --jobs 2
    python benchmarks/sweep_study.py --scheduler tcp://host:8786 --jobs 1

Runs `dlfc sweep` with STUDY's arguments (printed first; typed by hand, the
same command gives the same table and figures) from the repository root,
writing docs/sweep/study.csv and its figures; further arguments are appended
to the command (an executor, say). Then it rewrites the summary table in
docs/sweep.md between its markers, and prints it. Rerun it whenever the cost
model changes: every number in the study comes from here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dlfc.compiler.cli import main as dlfc
from dlfc.compiler.sweep import read_table

ROOT = Path(__file__).resolve().parents[1]
OUT = "docs/sweep/study.csv"
MODELS = ["examples/resnet50.dlm", "examples/mobilenet_v2.dlm", "examples/bert_base.dlm"]
STUDY = [
    "sweep",
    *MODELS,
    "--params",
    "memory.onchip_kib=64,128,256,512,1024,2048,4096",
    "compute.cores=4,8,16,32,64",
    "compute.peak_tflops=8,16,32,64,128",
    "--zip",
    "compute.cores,compute.peak_tflops",
    "--fresh",
    "--plot",
    "-o",
    OUT,
]
DOC = "docs/sweep.md"
BEGIN = "<!-- study table: written by python benchmarks/sweep_study.py -->"
END = "<!-- end of study table -->"
WITHIN = 0.01
"""'Within 1%' of a model's lowest latency."""

Row = dict[str, Any]


def smallest(rows: Sequence[Row], limit: float) -> Row:
    """The point with the fewest cores, then the least on-chip memory, whose latency is at most `limit`."""
    return min(
        (r for r in rows if r["latency_us"] <= limit), key=lambda r: (r["compute.cores"], r["memory.onchip_kib"])
    )


def summary(rows: Sequence[Row]) -> str:
    lines = [
        "| model | lowest latency (µs) | reached with | within 1% with | best at 64 KiB (µs) "
        "| best on 4 cores (µs) | speedup over the baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == model]
        best = min(r["latency_us"] for r in mine)
        first, near = smallest(mine, best * (1 + 1e-9)), smallest(mine, best * (1 + WITHIN))
        at_64 = min(r["latency_us"] for r in mine if r["memory.onchip_kib"] == 64)
        on_4 = min(r["latency_us"] for r in mine if r["compute.cores"] == 4)
        lines.append(
            f"| {Path(model).stem} | {best:.1f} | {first['compute.cores']} cores, {first['memory.onchip_kib']} KiB "
            f"| {near['compute.cores']} cores, {near['memory.onchip_kib']} KiB | {at_64:.1f} | {on_4:.1f} "
            f"| {first['speedup']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    os.chdir(ROOT)
    command = [*STUDY, *(argv or ["--jobs", "2"])]
    print("dlfc " + " ".join(command), flush=True)
    code = dlfc(command)
    if code:
        return code
    table = summary(read_table(OUT))
    doc = Path(DOC).read_text(encoding="utf-8")
    head, found, rest = doc.partition(BEGIN)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        print(f"{DOC}: the markers of the study table are missing", file=sys.stderr)
        return 1
    Path(DOC).write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
