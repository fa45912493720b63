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

With --crossover, per model and preset, `onchip_kib` takes each value of
--onchip (default 16 ... 384) and the table gives the largest at which the
one-kernel plan is still slower than the default plan, with the mechanism
that makes it lose there (spill, weights re-streamed per tile, tiling halos,
or barriers and traffic between cores on one core count), and, for the CNN
examples whose batch can change (input batch 1 -> N, no reshape that names
the batch), the smallest batch in --batch at which one kernel is slower at the
preset's own on-chip size (fusion_tradeoffs_crossover.json):

    python benchmarks/fusion_tradeoffs.py --crossover
    python benchmarks/fusion_tradeoffs.py --crossover resnet18 --hw mlu100 --onchip 32,64,128 --batch 2,8

With --hardware-only, DLFusion's question is asked of the model: is fusing
everything optimal when legality comes from the hardware alone? Per model and
preset, the default plan, the whole model as one kernel, and the plan of the
default pipeline with `autotune{fusion-table=none}` (every convex group legal,
the cost model alone decides; one kernel is among its candidates), its
autotune CPU seconds, and where it beats one kernel by more than 1%, how: its
kernels (ops and core counts) and the saving split into the kernels' own core
counts (each kernel on its best count against the one kernel's count) and
the split itself at the one kernel's count, with the cost component that
changes most (fusion_tradeoffs_hardware_only.json):

    python benchmarks/fusion_tradeoffs.py --hardware-only
    python benchmarks/fusion_tradeoffs.py --hardware-only resnet50 bert_base --hw mlu100

Writes fusion_tradeoffs.json into --out (default benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sensitivity
from fusion_table import EXAMPLES, graph_stage, run

from dlfc.compiler.utils.profile_db import Decision
from dlfc.dialects import fusion, graph
from dlfc.hw.cost import CostModel, KernelCost, cost_model, forget_cost_models, kernel_cost
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


ONCHIP_KIB = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384)
BATCHES = (2, 4, 8, 16)
BATCHED = ("alexnet", "c3d", "dcgan", "mobilenet_v2", "resnet18", "resnet50", "tcn", "unet", "vgg16")
"""Examples whose batch can grow: one input whose leading axis is the batch and no reshape naming it."""


def mechanism(one: KernelCost) -> str:
    """What makes the one-kernel plan lose: how it holds its intermediates, and its largest extra cost."""
    if one.intermediates == "spilled":
        return "spill (no on-chip schedule beats DRAM)"
    if one.intermediates == "tiled":
        if one.weights == "streamed":
            return f"weights re-streamed per tile ({one.tiles} tiles)"
        return f"tiling halos ({one.tiles} tiles, halo {one.halo})"
    return one_kernel_why(one)


def one_vs_default(path: Path, hw: str, target: Accelerator) -> dict:
    forget_cost_models()  # each setting is another target: without this the facts of every module stay alive
    _, _, cores, one, groups, default = one_and_default(path, hw, target)
    return {
        "default_us": default * 1e6,
        "one_kernel_us": one.latency * 1e6,
        "one_kernel_cores": cores,
        "ratio": one.latency / default,
        "mechanism": mechanism(one),
    }


def batched(path: Path, batch: int, directory: Path) -> Path:
    """A copy of an example with its input's leading (batch) axis set to `batch`."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for k, line in enumerate(lines):
        head, sep, tail = line.partition(": f32[1,")
        if sep and head.strip().startswith("input "):
            lines[k] = f"{head}: f32[{batch},{tail}"
    out = directory / f"{path.stem}_b{batch}.dlm"
    out.write_text("".join(lines), encoding="utf-8")
    return out


def run_crossover(paths: list[Path], presets: list[str], onchip: list[float], batches: list[int], out: Path) -> int:
    """Per model and preset: the largest on-chip size at which one kernel is still slower, and the smallest batch."""
    rows = []
    specs = [f"onchip_kib={','.join(f'{v:g}' for v in onchip)}"]
    with tempfile.TemporaryDirectory() as tmp:
        for preset in presets:
            base = load_target(preset)
            settings = sensitivity.settings(preset, specs, Path(tmp))
            for path in paths:
                points = []
                for label, hw, target in settings:
                    kib = target.onchip_bytes / 1024
                    points.append(
                        {"onchip_kib": kib, "as_given": label == "as given", **one_vs_default(path, hw, target)}
                    )
                points.sort(key=lambda p: p["onchip_kib"])
                slower = [p for p in points if p["ratio"] > 1]
                last = max(slower, key=lambda p: p["onchip_kib"]) if slower else None
                row = {
                    "model": path.stem,
                    "target": preset,
                    "preset_onchip_kib": base.onchip_bytes / 1024,
                    "points": points,
                    "largest_slower_kib": last["onchip_kib"] if last else None,
                    "mechanism": last["mechanism"] if last else "",
                    "batch_points": [],
                    "batch_slower": None,
                }
                if path.stem in BATCHED:
                    for batch in batches:
                        point = {"batch": batch, **one_vs_default(batched(path, batch, Path(tmp)), preset, base)}
                        row["batch_points"].append(point)
                        if point["ratio"] > 1:
                            row["batch_slower"] = batch
                            break
                rows.append(row)
                sys.stdout.write(f"{path.stem} {preset}: {row['largest_slower_kib']} {row['mechanism']}\n")
    sys.stdout.write(crossover_table(rows))
    out.mkdir(parents=True, exist_ok=True)
    (out / "fusion_tradeoffs_crossover.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def crossover_table(rows: list[dict]) -> str:
    """The --crossover table (from the rows `run_crossover` writes to fusion_tradeoffs_crossover.json)."""
    lines = [
        "| model | target | one / default at the preset's KiB | onchip_kib where one kernel is slower "
        "| largest | one / default there | one kernel loses there by | smallest batch where one kernel is slower |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        given = next(p for p in r["points"] if p["as_given"])
        slower = [f"{p['onchip_kib']:g}" for p in r["points"] if p["ratio"] > 1]
        there = next((p for p in r["points"] if p["onchip_kib"] == r["largest_slower_kib"]), None)
        if r["batch_points"]:
            tried = ", ".join(f"{p['batch']}: {p['ratio']:.2f}" for p in r["batch_points"])
            batch = f"{r['batch_slower'] or 'none'} ({tried})"
        else:
            batch = "- (batch fixed by reshapes)" if r["model"] not in BATCHED else "-"
        largest = f"{r['largest_slower_kib']:g}" if there else "none"
        ratio = f"{there['ratio']:.2f}" if there else "-"
        lines.append(
            f"| {r['model']} | {r['target']} | {given['ratio']:.2f} | {', '.join(slower) or 'none'} | {largest} "
            f"| {ratio} | {r['mechanism'] or '-'} | {batch} |"
        )
    return "\n".join(lines) + "\n"


COMPONENTS = ("overhead", "phases", "barriers", "redistribution", "tile_overhead")
"""A kernel's latency = overhead (launch, sync) + Σ its ops' phases + barriers + redistribution + per-tile costs."""
WHY = {
    "overhead": "launch and sync",
    "phases": "the ops' phases (compute and DRAM time)",
    "barriers": "barriers between the ops",
    "redistribution": "re-partitioning and halo exchange between cores",
    "tile_overhead": "per-tile costs",
}


def components(cost: KernelCost) -> dict[str, float]:
    """The terms that add up to a kernel's latency (seconds)."""
    return {
        "overhead": cost.overhead,
        "phases": sum(p.time for p in cost.phases),
        "barriers": cost.barriers,
        "redistribution": cost.redistribution,
        "tile_overhead": cost.tile_overhead,
    }


def split_mechanism(one: KernelCost, one_cores: int, kernels: list[dict], at_one: list[KernelCost]) -> str:
    """Why the hardware-only plan beats one kernel: own core counts against the split at the one kernel's count,
    and, for the split, the one kernel's handling of its intermediates and the component that shrinks most."""
    own = sum(k["latency_us"] for k in kernels)
    same = sum(c.latency for c in at_one) * 1e6
    cores = sorted({k["cores"] for k in kernels})
    saved = {key: (value - sum(components(c)[key] for c in at_one)) * 1e6 for key, value in components(one).items()}
    top = max(saved, key=lambda k: saved[k])
    handling = mechanism(one) if one.intermediates != "on-chip" else "on-chip"
    parts = [
        f"own core counts ({', '.join(map(str, cores))} against {one_cores}) save {same - own:.1f} us",
        f"splitting at {one_cores} cores saves {one.latency * 1e6 - same:.1f} us "
        f"(one kernel {handling}; most from {WHY[top]}: {saved[top]:.1f} us; "
        f"{len(kernels) - 1} more launch{'es' if len(kernels) > 2 else ''} cost {-saved['overhead']:.1f} us)",
    ]
    return "; ".join(parts)


def describe_kernels(kernels: list[dict]) -> str:
    """The plan's kernels by core count, in order of first use: `90 ops in 1 kernel on 32 cores, ...`."""
    by_cores: dict[int, list[dict]] = {}
    for k in kernels:
        by_cores.setdefault(k["cores"], []).append(k)
    return ", ".join(
        f"{sum(k['ops'] for k in ks)} ops in {len(ks)} kernel{'s' if len(ks) > 1 else ''} on {c} cores"
        for c, ks in by_cores.items()
    )


def hardware_only(path: Path, hw: str) -> dict:
    """One model on one preset: the default plan, one kernel, and autotune{fusion-table=none}'s plan."""
    target = load_target(hw)
    model = cost_model(target)
    module, ops, cores, one, groups, default = one_and_default(path, hw, target)
    planned = module.clone()
    run(planned, "fuse-dnnfusion", hw)
    start = time.process_time()
    run(planned, "autotune{fusion-table=none tuning-cache=false}", hw)
    seconds = time.process_time() - start
    found = [g for g in planned.walk() if isinstance(g, fusion.GroupOp)]
    costs = [kernel_cost(g, target) for g in found]
    members = [[op for op in g.body.block.ops if isinstance(op, graph.GraphOp)] for g in found]
    kernels = [
        {"ops": len(m), "cores": c.cores, "latency_us": c.latency * 1e6, "first": m[0].name, "last": m[-1].name}
        for m, c in zip(members, costs, strict=True)
    ]
    latency = sum(c.latency for c in costs)
    ratio = one.latency / latency
    if len(found) == 1:
        why = "the search's best is one kernel"
    elif ratio <= 1.01:
        why = f"within 1% of one kernel ({describe_kernels(kernels)})"
    else:
        at_one = [model.group_cost(m, cores) for m in members]
        why = f"{describe_kernels(kernels)}: {split_mechanism(one, cores, kernels, at_one)}"
    return {
        "model": path.stem,
        "target": hw,
        "default_us": default * 1e6,
        "default_kernels": len(groups),
        "one_kernel_us": one.latency * 1e6,
        "one_kernel_cores": cores,
        "one_kernel_handling": mechanism(one) if one.intermediates != "on-chip" else "on-chip",
        "hardware_only_us": latency * 1e6,
        "hardware_only_kernels": len(found),
        "hardware_only_cores": sorted({k["cores"] for k in kernels}),
        "autotune_cpu_s": seconds,
        "one_over_hardware_only": ratio,
        "one_over_default": one.latency / default,
        "kernels": kernels,
        "why": why,
    }


def hardware_only_table(rows: list[dict]) -> str:
    """The --hardware-only table (from the rows `hardware_only` returns)."""
    lines = [
        "| model | target | default plan (µs, kernels) | one kernel (µs, cores) | hardware-only plan (µs, kernels) "
        "| one / default | one / hardware-only | autotune CPU s | where the hardware-only plan differs from one kernel |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['target']} | {r['default_us']:.1f} ({r['default_kernels']}) "
            f"| {r['one_kernel_us']:.1f} ({r['one_kernel_cores']}) "
            f"| {r['hardware_only_us']:.1f} ({r['hardware_only_kernels']}) | {r['one_over_default']:.2f} "
            f"| {r['one_over_hardware_only']:.3f} | {r['autotune_cpu_s']:.1f} | {r['why']} |"
        )
    worse = [r for r in rows if r["hardware_only_us"] > r["one_kernel_us"] * (1 + 1e-9)]
    lines += ["", f"Hardware-only plans worse than one kernel: {len(worse)} (must be 0: one kernel is a candidate)"]
    return "\n".join(lines) + "\n"


def run_hardware_only(paths: list[Path], presets: list[str], out: Path) -> int:
    rows = []
    for hw in presets:
        for path in paths:
            forget_cost_models()
            rows.append(hardware_only(path, hw))
            r = rows[-1]
            sys.stderr.write(f"{r['model']} {hw}: {r['hardware_only_us']:.1f} us, {r['autotune_cpu_s']:.1f} s\n")
    sys.stdout.write(hardware_only_table(rows))
    out.mkdir(parents=True, exist_ok=True)
    (out / "fusion_tradeoffs_hardware_only.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if all(r["hardware_only_us"] <= r["one_kernel_us"] * (1 + 1e-9) for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="example names (default: every examples/*.dlm)")
    parser.add_argument("--hw", action="append", help="preset or .toml, repeatable (default: mlu100 and mlu270)")
    parser.add_argument("--out", default=str(HERE / "results"), help="directory for the JSON (default: %(default)s)")
    parser.add_argument("--sweep", nargs="+", metavar="KEY=V1,V2", help="vary assumed parameters one at a time")
    parser.add_argument(
        "--crossover", action="store_true", help="where one kernel stops being slower (on-chip size, batch)"
    )
    parser.add_argument(
        "--hardware-only", action="store_true", help="autotune{fusion-table=none} against one kernel and the default"
    )
    parser.add_argument("--onchip", default=",".join(map(str, ONCHIP_KIB)), help="on-chip KiB for --crossover")
    parser.add_argument(
        "--batch", default=",".join(map(str, BATCHES)), help="batch sizes for --crossover ('' for none)"
    )
    args = parser.parse_args(argv)
    paths = [EXAMPLES / f"{m}.dlm" for m in args.models] or sorted(EXAMPLES.glob("*.dlm"))
    if args.crossover:
        onchip = [float(v) for v in args.onchip.split(",") if v]
        batches = [int(v) for v in args.batch.split(",") if v]
        return run_crossover(paths, args.hw or list(PRESETS), onchip, batches, Path(args.out))
    if args.hardware_only:
        return run_hardware_only(paths, args.hw or list(PRESETS), Path(args.out))
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
