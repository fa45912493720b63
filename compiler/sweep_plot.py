"""`dlfc sweep --plot`: the figures of a sweep table, PNG and SVG, written beside the table.

For a table `OUT.csv` (rows as `dlfc.compiler.sweep` writes them):

- `OUT-latency.{png,svg}`: modelled latency against each swept key (one row
  of panels per key, one panel per model). A line per pipeline (and, when
  exactly one other key is swept, per value of that key); each point of a
  line is the best latency over every key not drawn.
- `OUT-pareto.{png,svg}`: per model, every point's latency against on-chip
  memory (`memory.onchip_kib`; `compute.cores` when memory is not swept),
  and the Pareto front: the lowest latency reachable with at most that much.
- `OUT-best-cores.{png,svg}` (when `compute.cores` is swept): a heat map of
  the fewest cores that reach the lowest latency, per model (and pipeline)
  and per value of the first other swept key.

matplotlib is the optional extra `dlfc[plot]`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from dlfc.compiler.driver import UsageError

MEMORY, CORES = "memory.onchip_kib", "compute.cores"
MAX_LINES = 8
"""At most this many values of a second key get a line each."""

Row = dict[str, Any]


def check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'dlfc[plot]'") from None


def plot_sweep(rows: Sequence[Row], keys: Sequence[str], table_path: str) -> list[str]:
    """Write the figures of a finished sweep; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "dlfc-sweep"  # the same table gives the same SVG
    stem = os.path.splitext(table_path)[0]
    written: list[str] = []
    numeric = [k for k in keys if all(isinstance(r[k], int | float) for r in rows)]
    if numeric:
        written += _save(_latency_figure(rows, numeric), f"{stem}-latency")
    resource = next((k for k in (MEMORY, CORES) if k in numeric), None)
    if resource is not None:
        written += _save(_pareto_figure(rows, resource), f"{stem}-pareto")
    if CORES in numeric:
        other = next((k for k in keys if k != CORES), None)
        written += _save(_best_cores_figure(rows, other), f"{stem}-best-cores")
    return written


def _save(figure: Any, stem: str) -> list[str]:
    import matplotlib.pyplot as plt

    paths = [f"{stem}.png", f"{stem}.svg"]
    figure.savefig(paths[0], dpi=120, metadata={"Software": None})
    figure.savefig(paths[1], metadata={"Date": None, "Creator": None})
    plt.close(figure)
    return paths


def _models(rows: Sequence[Row]) -> list[str]:
    return list(dict.fromkeys(r["model"] for r in rows))


def _pipelines(rows: Sequence[Row]) -> list[str]:
    return list(dict.fromkeys(r["pipeline"] for r in rows))


def _title(model: str) -> str:
    return os.path.splitext(os.path.basename(model))[0]


def _best(rows: Sequence[Row], by: Callable[[Row], Any]) -> dict[Any, Row]:
    """For each value of `by`, its row with the lowest latency (ties: the fewest cores, then the first)."""
    best: dict[Any, Row] = {}
    for row in rows:
        group = by(row)
        if group not in best or _rank(row) < _rank(best[group]):
            best[group] = row
    return best


def _rank(row: Row) -> tuple[float, float]:
    return row["latency_us"], row.get(CORES, 0)


def _log_if_wide(axis: Any, values: Sequence[float], which: str) -> None:
    positive = [v for v in values if v > 0]
    if len(positive) == len(values) and positive and max(positive) / min(positive) >= 8:
        (axis.set_xscale if which == "x" else axis.set_yscale)("log", base=2 if which == "x" else 10)
        if which == "x":
            ticks = sorted(set(values))
            axis.set_xticks(ticks, [f"{t:g}" for t in ticks])
            axis.minorticks_off()


def _latency_figure(rows: Sequence[Row], keys: Sequence[str]) -> Any:
    import matplotlib.pyplot as plt

    models, pipelines = _models(rows), _pipelines(rows)
    figure, axes = plt.subplots(
        len(keys), len(models), figsize=(4 * len(models), 3.2 * len(keys)), squeeze=False, layout="constrained"
    )
    for i, key in enumerate(keys):
        others = [k for k in keys if k != key]
        split = others[0] if len(others) == 1 and len({r[others[0]] for r in rows}) <= MAX_LINES else None
        for j, model in enumerate(models):
            axis = axes[i][j]
            mine = [r for r in rows if r["model"] == model]
            lines = _best(mine, lambda r: (r["pipeline"], r[split] if split else None, r[key]))  # noqa: B023
            for pipeline in pipelines:
                for level in sorted({r[split] for r in mine}) if split else [None]:
                    points = sorted(
                        (x, row["latency_us"]) for (p, s, x), row in lines.items() if (p, s) == (pipeline, level)
                    )
                    if not points:
                        continue
                    label = ", ".join(
                        [*([pipeline] if len(pipelines) > 1 else []), *([f"{split}={level:g}"] if split else [])]
                    )
                    axis.plot(*zip(*points, strict=True), marker="o", markersize=3, label=label or None)
            _log_if_wide(axis, [r[key] for r in mine], "x")
            axis.set_xlabel(key)
            axis.set_ylabel("latency (µs)")
            axis.set_title(_title(model), fontsize=10)
            axis.grid(alpha=0.3)
            if j == len(models) - 1 and axis.get_legend_handles_labels()[0]:
                axis.legend(fontsize=7)
    figure.suptitle("Modelled latency against each swept key (best over the keys not drawn)", fontsize=11)
    return figure


def _pareto_figure(rows: Sequence[Row], resource: str) -> Any:
    import matplotlib.pyplot as plt

    models, pipelines = _models(rows), _pipelines(rows)
    figure, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 3.4), squeeze=False, layout="constrained")
    for j, model in enumerate(models):
        axis = axes[0][j]
        mine = [r for r in rows if r["model"] == model]
        axis.scatter(
            [r[resource] for r in mine], [r["latency_us"] for r in mine], s=10, color="0.7", label="every point"
        )
        for pipeline in pipelines:
            front = pareto_front([(r[resource], r["latency_us"]) for r in mine if r["pipeline"] == pipeline])
            label = f"Pareto front{f' ({pipeline})' if len(pipelines) > 1 else ''}"
            line = axis.step(*zip(*front, strict=True), where="post", marker="o", markersize=4, label=label)
            widest = max(r[resource] for r in mine)
            if front[-1][0] < widest:  # the front holds on to the widest value swept
                axis.plot([front[-1][0], widest], [front[-1][1]] * 2, color=line[0].get_color())
        _log_if_wide(axis, [r[resource] for r in mine], "x")
        axis.set_xlabel(resource)
        axis.set_ylabel("latency (µs)")
        axis.set_title(_title(model), fontsize=10)
        axis.grid(alpha=0.3)
        if j == len(models) - 1:
            axis.legend(fontsize=7)
    figure.suptitle(f"Latency against {resource}: lowest latency reachable with at most that much", fontsize=11)
    return figure


def pareto_front(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points (resource, latency) that no other point beats on both: less or equal resource, lower latency."""
    front: list[tuple[float, float]] = []
    for resource, latency in sorted(points):
        if not front or latency < front[-1][1]:
            if front and front[-1][0] == resource:
                continue
            front.append((resource, latency))
    return front


def _best_cores_figure(rows: Sequence[Row], other: str | None) -> Any:
    import matplotlib.pyplot as plt
    import numpy as np

    pipelines = _pipelines(rows)
    labels = [
        (m, p) for m in _models(rows) for p in pipelines if any(r["model"] == m and r["pipeline"] == p for r in rows)
    ]
    columns = sorted({r[other] for r in rows}) if other else [None]
    best = _best(rows, lambda r: (r["model"], r["pipeline"], r[other] if other else None))
    cores = np.full((len(labels), len(columns)), np.nan)
    for (model, pipeline, value), row in best.items():
        cores[labels.index((model, pipeline)), columns.index(value)] = row[CORES]
    figure, axis = plt.subplots(figsize=(1.2 + 0.8 * len(columns), 1.2 + 0.5 * len(labels)), layout="constrained")
    image = axis.imshow(np.log2(cores), cmap="viridis", aspect="auto")
    for (i, j), value in np.ndenumerate(cores):
        if not math.isnan(value):
            axis.text(j, i, f"{value:g}", ha="center", va="center", color="white", fontsize=9)
    axis.set_yticks(range(len(labels)), [_title(m) + (f" / {p}" if len(pipelines) > 1 else "") for m, p in labels])
    axis.set_xticks(range(len(columns)), [f"{c:g}" if isinstance(c, int | float) else "all" for c in columns])
    axis.set_xlabel(other or "")
    bar = figure.colorbar(image, ax=axis, label="best compute.cores")
    ticks = sorted({v for v in cores.flat if not math.isnan(v)})
    bar.set_ticks([math.log2(t) for t in ticks], labels=[f"{t:g}" for t in ticks])
    axis.set_title("Fewest cores that reach the lowest latency", fontsize=11)
    return figure
