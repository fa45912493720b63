"""Where fusion pays and where it does not, on the hardware model, for every example on every preset.

For each model (after the default graph-level passes) and preset:

- the default plan (`fuse-dnnfusion,autotune`, kernels one after another)
  against the whole model as one kernel on its best core count;
- the producer -> consumer pairs of graph ops that are slower fused (one kernel
  of the two ops keeping the intermediate on chip, `CostModel.on_chip_cost`)
  than apart (two kernels), on each legal core count, each with the physical
  reason that costs the fused kernel most: recomputed halo rows, per-tile
  costs, short DRAM runs of a fused shuffle, barriers between the ops,
  re-partitioning or halo exchange between cores, or a lost overlap (the
  consumer's DMA no longer hides under the producer's compute). Such a kernel
  is then modelled as its ops one after another through DRAM ("spilled");
- the yellow-cell decisions `fuse-dnnfusion` took with the cost model (a fresh
  profiling database, no stub): fused, kept apart because fused on chip is
  slower, kept apart because no on-chip schedule fits.

    python benchmarks/fusion_tradeoffs.py                   # every example, mlu100 and mlu270
    python benchmarks/fusion_tradeoffs.py resnet18 --hw mlu100
    python benchmarks/fusion_tradeoffs.py --sweep onchip_kib=96,192,768   # one kernel / default only, per setting

With --sweep, each assumed parameter is varied one at a time on each preset
(`benchmarks/sensitivity.py`) and only the one-kernel plan against the default
plan is measured (written to fusion_tradeoffs_sweep.json).

Writes fusion_tradeoffs.json into --out (default benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sensitivity
from fusion_table import EXAMPLES, graph_stage, run

from dlfc.compiler.utils.profile_db import Decision
from dlfc.dialects import fusion, graph
from dlfc.hw.cost import CostModel, KernelCost, cost_model, kernel_cost
from dlfc.hw.interpreter import entry_function
from dlfc.hw.target import Accelerator, load_target

HERE = Path(__file__).resolve().parent
PRESETS = ("mlu100", "mlu270")


@dataclass
class Row:
    """One model on one preset (latencies in µs)."""

    model: str
    target: str
    default_us: float
    default_kernels: int
    one_kernel_us: float
    one_kernel_cores: int
    one_kernel_handling: str
    one_kernel_why: str
    pairs: int
    slower_pairs: int
    reasons: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    yellow_fused: int = 0
    yellow_slower: int = 0
    yellow_no_fit: int = 0
    yellow_apart_pairs: list[str] = field(default_factory=list)


def reason(model: CostModel, ops: list[graph.GraphOp], fused: KernelCost, apart: list[KernelCost]) -> str:
    """The effect that adds most to the fused kernel against its ops apart."""
    access = sum(p.memory * (1 - model.facts(op).access_efficiency) for p, op in zip(fused.phases, ops, strict=True))
    extra_compute = fused.compute - sum(k.compute for k in apart)
    effects = {
        "halo recompute" if fused.halo == "recompute" else "short tiles (idle cores)": extra_compute,
        "per-tile cost": fused.tile_overhead,
        "short DRAM runs of a fused shuffle": access,
        "barrier between the ops": fused.barriers,
        "re-partitioning / halo exchange between cores": fused.redistribution,
        "lost overlap of DMA and compute": fused.overlap_lost - sum(k.overlap_lost for k in apart),
        "weights re-read per tile": (fused.dram_bytes - sum(k.dram_bytes for k in apart)) / 1e11
        if fused.weights == "streamed"
        else 0.0,
    }
    return max(effects, key=lambda k: effects[k])


def one_kernel_why(one: KernelCost) -> str:
    """What the whole model as one kernel pays most for."""
    parts = {
        "barriers": one.barriers,
        "redistribution": one.redistribution,
        "per-tile cost": one.tile_overhead,
        "lost overlap": one.overlap_lost,
    }
    top = max(parts, key=lambda k: parts[k])
    return f"{one.intermediates}; {top} {parts[top] * 1e6:.0f} us"


def yellow_decisions(module, hw: str) -> tuple[int, int, int, list[str]]:
    """(fused, slower fused, no on-chip fit, the pairs kept apart) of fuse-dnnfusion's yellow cells (fresh database)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db.json"
        run(module.clone(), f'fuse-dnnfusion{{profile-db="{db}"}}', hw)
        entries = [Decision(**e) for e in json.loads(db.read_text())["entries"].values()] if db.exists() else []
    no_fit = [e for e in entries if e.handling == "spilled"]
    slower = [e for e in entries if e.handling != "spilled" and e.fused > e.separate]
    labels = [
        f"{e.ops}: {'slower fused' if e.handling != 'spilled' else 'no on-chip fit'} "
        f"({e.fused * 1e6:.1f} us fused, {e.handling}, vs {e.separate * 1e6:.1f} us apart)"
        for e in slower + no_fit
    ]
    return sum(e.fuse for e in entries), len(slower), len(no_fit), labels


def one_and_default(path: Path, hw: str, target: Accelerator):
    """(graph-level module, its graph ops, best cores and cost of them as one kernel, default plan's groups and latency)."""
    model = cost_model(target)
    module = graph_stage(path, hw)
    ops = [op for op in entry_function(module).body.block.ops if isinstance(op, graph.GraphOp)]
    cores, one = model.best_cores(ops)
    planned = module.clone()
    run(planned, "fuse-dnnfusion", hw)
    run(planned, "autotune", hw)
    groups = [g for g in planned.walk() if isinstance(g, fusion.GroupOp)]
    return module, ops, cores, one, groups, sum(kernel_cost(g, target).latency for g in groups)


def measure(path: Path, hw: str) -> Row:
    target: Accelerator = load_target(hw)
    model = cost_model(target)
    module, ops, cores, one, groups, default = one_and_default(path, hw, target)
    reasons: Counter[str] = Counter()
    examples: dict[str, str] = {}
    pairs = slower = 0
    members = set(ops)
    for producer in ops:
        consumers = dict.fromkeys(u.operation for r in producer.results for u in r.uses if u.operation in members)
        for consumer in consumers:
            pair = [producer, consumer]
            for c in target.legal_cores:
                pairs += 1
                fused = model.on_chip_cost(model.boundary(pair), c)
                if fused is None:
                    continue
                apart = [model.group_cost([op], c) for op in pair]
                if fused.latency > sum(k.latency for k in apart) * (1 + 1e-12):
                    slower += 1
                    why = reason(model, pair, fused, apart)
                    reasons[why] += 1
                    examples.setdefault(
                        why,
                        f"{producer.name} -> {consumer.name} on {c} cores: "
                        f"{fused.latency * 1e6:.1f} us fused vs {sum(k.latency for k in apart) * 1e6:.1f} apart",
                    )
    yes, slower_cells, no_fit, kept = yellow_decisions(module, hw)
    return Row(
        path.stem,
        hw,
        default * 1e6,
        len(groups),
        one.latency * 1e6,
        cores,
        one.intermediates,
        one_kernel_why(one),
        pairs,
        slower,
        dict(reasons.most_common()),
        examples,
        yes,
        slower_cells,
        no_fit,
        kept,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| model | target | default plan (µs, kernels) | one kernel (µs, cores) | one / default | one kernel pays most for "
        "| pairs slower fused | yellow cells fused / slower / no fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.model} | {r.target} | {r.default_us:.1f} ({r.default_kernels}) | {r.one_kernel_us:.1f} "
            f"({r.one_kernel_cores}) | {r.one_kernel_us / r.default_us:.2f} | {r.one_kernel_why} "
            f"| {r.slower_pairs} of {r.pairs} | {r.yellow_fused} / {r.yellow_slower} / {r.yellow_no_fit} |"
        )
    reasons: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for r in rows:
        reasons.update(r.reasons)
        for k, v in r.examples.items():
            examples.setdefault(k, f"{r.model}/{r.target}: {v}")
    lines += ["", "Pairs slower fused than apart, by the effect that costs the fused kernel most:", ""]
    lines += [f"- {k}: {n} (e.g. {examples[k]})" for k, n in reasons.most_common()]
    kept = [f"{r.model}/{r.target}: {p}" for r in rows for p in r.yellow_apart_pairs]
    lines += ["", f"Yellow cells fuse-dnnfusion kept apart ({len(kept)}):", ""]
    lines += [f"- {k}" for k in kept[:20]] + ([f"- ... ({len(kept) - 20} more)"] if len(kept) > 20 else [])
    return "\n".join(lines) + "\n"


def run_sweep(paths: list[Path], presets: list[str], specs: list[str], out: Path) -> int:
    """One kernel against the default plan, per model, preset and one-at-a-time setting."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in presets:
            for label, hw, target in sensitivity.settings(preset, specs, Path(tmp)):
                for path in paths:
                    _, _, cores, one, groups, default = one_and_default(path, hw, target)
                    rows.append(
                        {
                            "model": path.stem,
                            "target": preset,
                            "setting": label,
                            "default_us": default * 1e6,
                            "one_kernel_us": one.latency * 1e6,
                            "one_kernel_cores": cores,
                            "one_kernel_handling": one.intermediates,
                        }
                    )
    settings = list(dict.fromkeys(r["setting"] for r in rows))
    lines = [
        "One kernel / default plan (modelled latency ratio; > 1: fusing everything is slower)",
        "",
        "| model | target | " + " | ".join(settings) + " |",
        "|---|---|" + "---|" * len(settings),
    ]
    for preset in presets:
        for path in paths:
            cells = {r["setting"]: r for r in rows if r["model"] == path.stem and r["target"] == preset}
            ratios = [
                f"{cells[k]['one_kernel_us'] / cells[k]['default_us']:.2f}" if k in cells else "-" for k in settings
            ]
            lines.append(f"| {path.stem} | {preset} | " + " | ".join(ratios) + " |")
    sys.stdout.write("\n".join(lines) + "\n")
    out.mkdir(parents=True, exist_ok=True)
    (out / "fusion_tradeoffs_sweep.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="example names (default: every examples/*.dlm)")
    parser.add_argument("--hw", action="append", help="preset or .toml, repeatable (default: mlu100 and mlu270)")
    parser.add_argument("--out", default=str(HERE / "results"), help="directory for the JSON (default: %(default)s)")
    parser.add_argument("--sweep", nargs="+", metavar="KEY=V1,V2", help="vary assumed parameters one at a time")
    args = parser.parse_args(argv)
    paths = [EXAMPLES / f"{m}.dlm" for m in args.models] or sorted(EXAMPLES.glob("*.dlm"))
    if args.sweep:
        return run_sweep(paths, args.hw or list(PRESETS), args.sweep, Path(args.out))
    rows = [measure(p, hw) for hw in args.hw or PRESETS for p in paths]
    sys.stdout.write(table(rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fusion_tradeoffs.json").write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
