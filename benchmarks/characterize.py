"""Characterisation study: which core count is best for a layer, by operation count and channel size.

Like DLFusion's synthesized-layer experiment, this sweeps synthetic layers
over operation counts and channel sizes, costs each on every legal core
count with the cost model (`dlfc.hw.cost`), and reports the best core count:

- conv: a 3x3 convolution, C -> C channels, padding 1, on a 1 x C x H x H
  input; FLOPs = 18 * C^2 * H^2.
- dense: a fully connected layer, C -> C features, on M rows; FLOPs = 2 * M * C^2.

Operation counts step by factors of 4, so each (op count, channel size) cell
has an integer spatial size H (or row count M) or is left empty.

    python benchmarks/characterize.py                 # writes benchmarks/results/characterize.{csv,json,png}
    python benchmarks/characterize.py --hw mlu270 --out-dir /tmp/study
    python benchmarks/characterize.py --sweep launch_us=1,5,10 core_dma_gbps=12.8,25.6,51.2 onchip_kib=128,384,1024

With --sweep, each assumed parameter is varied one at a time and, per setting,
the DLFusion trends are checked (best core count never falls as the op count
grows; 4-channel layers gain less from cores than 256-channel ones) and the
distribution of best core counts is printed.

The heat-map needs matplotlib (`pip install 'dlfc[plot]'`); without it the
CSV, JSON and table are still written.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32

from dlfc.dialects import graph
from dlfc.hw.cost import CostModel
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target

CHANNELS = (4, 8, 16, 32, 64, 128, 256, 512, 1024)
STEPS = {"conv": range(5, 15), "dense": range(5, 16)}
"""Operation-count steps j per layer kind: conv does 18 * 4^j FLOPs, dense 2 * 4^j."""
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Point:
    """One synthetic layer costed on every legal core count (latencies in µs, by core count)."""

    kind: str
    channels: int
    size: int
    step: int
    flops: int
    latency_us: dict[int, float]
    best_cores: int
    bound: str

    @property
    def gain(self) -> float:
        """Speedup of the best core count over one core."""
        return self.latency_us[1] / self.latency_us[self.best_cores]


def conv_layer(channels: int, size: int) -> graph.GraphOp:
    """A 3x3, stride 1, padding 1 convolution of channels -> channels on a 1 x channels x size x size input."""
    x = TensorType(f32, [1, channels, size, size])
    fn = func.FuncOp("layer", ((x,), (x,)))
    with ImplicitBuilder(fn.body) as (arg,):
        weight = graph.WeightOp("weight", TensorType(f32, [channels, channels, 3, 3]), "he_normal")
        conv = graph.Conv2DOp(arg, weight.output, pad=(1, 1, 1, 1))
        func.ReturnOp(conv.output)
    ModuleOp([fn])
    return conv


def dense_layer(channels: int, rows: int) -> graph.GraphOp:
    """A channels -> channels fully connected layer on `rows` rows."""
    x = TensorType(f32, [rows, channels])
    fn = func.FuncOp("layer", ((x,), (x,)))
    with ImplicitBuilder(fn.body) as (arg,):
        weight = graph.WeightOp("weight", TensorType(f32, [channels, channels]), "he_normal")
        dense = graph.DenseOp(arg, weight.output)
        func.ReturnOp(dense.output)
    ModuleOp([fn])
    return dense


LAYERS: dict[str, tuple[Callable[[int, int], graph.GraphOp], Callable[[int, int], int | None]]] = {
    # kind -> (builder, size for (channels, step) or None when not an integer >= 1)
    "conv": (conv_layer, lambda c, j: 2**j // c if 2**j % c == 0 else None),
    "dense": (dense_layer, lambda c, j: 4**j // c**2 if 4**j % c**2 == 0 else None),
}


def sweep(
    target: Accelerator,
    kinds: Sequence[str] = ("conv", "dense"),
    channels: Sequence[int] = CHANNELS,
    steps: dict[str, Sequence[int]] | None = None,
) -> list[Point]:
    """Cost every feasible (kind, channel size, op-count step) layer on every legal core count."""
    model = CostModel(target)
    points: list[Point] = []
    for kind in kinds:
        build, size_of = LAYERS[kind]
        for c in channels:
            for j in (steps or STEPS)[kind]:
                size = size_of(c, j)
                if size is None or size < 1:
                    continue
                op = build(c, size)
                boundary = model.boundary([op])
                costs = {cores: model.cost(boundary, cores) for cores in target.legal_cores}
                best = min(costs.values(), key=lambda k: (k.latency, k.cores))
                latencies = {cores: k.latency * 1e6 for cores, k in costs.items()}
                points.append(Point(kind, c, size, j, op.flops(), latencies, best.cores, best.bound))
    return points


# --------------------------------------------------------------------------- outputs


def write_csv(points: Sequence[Point], path: Path) -> None:
    """One row per layer and core count."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["kind", "channels", "size", "flops", "cores", "latency_us", "best_cores", "best_bound"])
        for p in points:
            for cores, latency in p.latency_us.items():
                writer.writerow([p.kind, p.channels, p.size, p.flops, cores, f"{latency:.6f}", p.best_cores, p.bound])


def write_json(points: Sequence[Point], target: Accelerator, path: Path) -> None:
    rows = [{**asdict(p), "gain": p.gain} for p in points]
    path.write_text(json.dumps({"target": target.name, "points": rows}, indent=1) + "\n", encoding="utf-8")


def format_table(points: Sequence[Point], kind: str) -> str:
    """Best core count and gain over one core, per channel size (rows) and op count (columns)."""
    mine = [p for p in points if p.kind == kind]
    steps = sorted({p.step for p in mine})
    cells = {(p.channels, p.step): f"{p.best_cores}/{p.gain:.1f}x" for p in mine}
    lines = [f"{kind + ': C / FLOPs':>15} " + " ".join(f"{_si(_flops_at(kind, j)):>9}" for j in steps)]
    for c in sorted({p.channels for p in mine}):
        lines.append(f"{c:>15} " + " ".join(f"{cells.get((c, j), '-'):>9}" for j in steps))
    return "\n".join(lines)


def _flops_at(kind: str, step: int) -> int:
    return 18 * 4**step if kind == "conv" else 2 * 4**step


def _si(value: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.0f}"


def plot_heatmap(points: Sequence[Point], target: Accelerator, path: Path) -> bool:
    """A heat-map of the best core count per kind; False (and a message) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no heat-map (pip install 'dlfc[plot]'); CSV and JSON were written")
        return False
    kinds = sorted({p.kind for p in points})
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4.5), squeeze=False)
    levels = list(target.legal_cores)
    for ax, kind in zip(axes[0], kinds, strict=False):
        mine = [p for p in points if p.kind == kind]
        steps, channels = sorted({p.step for p in mine}), sorted({p.channels for p in mine})
        grid = [[math.nan] * len(steps) for _ in channels]
        for p in mine:
            grid[channels.index(p.channels)][steps.index(p.step)] = math.log2(p.best_cores)
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=math.log2(levels[-1]))
        for p in mine:
            ax.text(
                steps.index(p.step),
                channels.index(p.channels),
                str(p.best_cores),
                ha="center",
                va="center",
                color="w",
                fontsize=8,
            )
        ax.set_xticks(range(len(steps)), [_si(_flops_at(kind, j)) for j in steps], rotation=45)
        ax.set_yticks(range(len(channels)), [str(c) for c in channels])
        ax.set_xlabel("operation count (FLOPs)")
        ax.set_ylabel("channel size")
        ax.set_title(f"{kind}: best core count on {target.name}")
        bar = fig.colorbar(image, ax=ax, ticks=[math.log2(c) for c in levels])
        bar.ax.set_yticklabels([str(c) for c in levels])
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def trends(points: Sequence[Point]) -> str:
    """DLFusion's trends on one sweep: monotone best core count, and low channel counts gaining less."""
    monotone = True
    for kind in ("conv", "dense"):
        for c in CHANNELS:
            best = [p.best_cores for p in sorted(points, key=lambda p: p.step) if p.kind == kind and p.channels == c]
            monotone &= best == sorted(best)
    gain = {}
    for c in (4, 256):
        cells = [p for p in points if p.kind == "conv" and p.channels == c]
        gain[c] = max(p.latency_us[min(p.latency_us)] / min(p.latency_us.values()) for p in cells)
    counts = Counter(p.best_cores for p in points)
    spread = ", ".join(f"{cores}: {counts[cores]}" for cores in sorted(counts))
    return (
        f"best cores never fall with op count: {'yes' if monotone else 'NO'}; "
        f"max gain from cores C=4 {gain[4]:.1f}x < C=256 {gain[256]:.1f}x: {'yes' if gain[4] < gain[256] else 'NO'}; "
        f"cells per best core count {{{spread}}}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Sweep synthetic conv and dense layers: best core count by op count and channel size."
    )
    parser.add_argument(
        "--hw", default=DEFAULT_TARGET, metavar="NAME|FILE.toml", help="accelerator preset or description file"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=RESULTS, help=f"where to write characterize.csv/.json/.png (default {RESULTS})"
    )
    parser.add_argument(
        "--sweep", nargs="+", metavar="KEY=V1,V2", help="vary assumed parameters one at a time and check the trends"
    )
    args = parser.parse_args(argv)
    if args.sweep:
        sys.path.insert(0, str(Path(__file__).resolve().parent))  # sensitivity.py, a sibling script module
        import sensitivity

        with tempfile.TemporaryDirectory() as tmp:
            for label, _, target in sensitivity.settings(args.hw, args.sweep, Path(tmp)):
                print(f"{label:>22}: {trends(sweep(target))}")
        return 0
    target = load_target(args.hw)
    points = sweep(target)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(points, args.out_dir / "characterize.csv")
    write_json(points, target, args.out_dir / "characterize.json")
    for kind in ("conv", "dense"):
        print(format_table(points, kind), end="\n\n")
    if plot_heatmap(points, target, args.out_dir / "characterize.png"):
        print(f"wrote {args.out_dir / 'characterize.png'}")
    print(f"wrote {args.out_dir / 'characterize.csv'} and {args.out_dir / 'characterize.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
