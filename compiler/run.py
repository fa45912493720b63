"""`dlfc run FILE`: execute a model on the hardware model and report its modelled time.

A .dlm model (or a graph- or fusion-level .mlir) is first compiled to an accel
plan with the default pipeline; a plan .mlir runs as it is. The interpreter
(`dlfc.hw.interpreter`) computes the outputs with numpy and the cost model times
every kernel. The report compares against the unoptimised baseline: every
graph op its own kernel on one core. A scheduled plan (or any input with
`--schedule`, which runs accel-schedule) executes its schedules instead: its
kernels take their simulated time, reported beside the cost model's estimate.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, IntegerType, ModuleOp, StringAttr, TensorType

from dlfc.compiler.context import make_context
from dlfc.compiler.driver import (
    CommandLineTool,
    InputOptions,
    UsageError,
    check_outputs,
    is_special,
    load_module,
    npz_bytes,
    parse_mlir,
    write_outputs,
)
from dlfc.compiler.fp_model import FP_MODELS
from dlfc.compiler.frontend.onnx import ONNX_NAME
from dlfc.compiler.pipeline import Level, compile_to, level_of
from dlfc.compiler.utils.locations import describe_sources, location_records
from dlfc.dialects import accel, graph
from dlfc.hw.cost import KernelCost, baseline_latency
from dlfc.hw.interpreter import Execution, entry_function, execute
from dlfc.hw.memory import format_bytes, run_memory
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, TargetError, load_target
from dlfc.hw.weights import (
    WeightError,
    WeightStore,
    attach_store,
    load_npz,
    load_plan_weights,
    numpy_dtype,
    store_of,
)

# --------------------------------------------------------------------------- inputs


def read_model(args: argparse.Namespace, ctx: Context) -> ModuleOp:
    """The module with its weight store: a model's --weights, or for a plan the weights --weights gives.

    A plan's own weights file (`dlfc.weights`) is read, and --weights overrides
    its arrays by name. With --weights, a plan whose `dlfc.weights` cannot be
    read (missing, or outside the plan's folder: never opened) runs on the
    user's file alone, which the user chose explicitly; without it, such a
    plan is refused (`dlfc.hw.weights.load_plan_weights`).
    """
    if os.path.splitext(args.input)[1] != ".mlir" or args.weights is None:
        return load_module(args.input, InputOptions(args.weights, args.input_shape or ()), ctx)
    if not os.path.isfile(args.input):
        raise UsageError(f"{args.input}: no such file")
    try:
        given = load_npz(args.weights)
    except WeightError as e:
        raise UsageError(f"--weights {args.weights}: {e}") from None
    module = parse_mlir(args.input, ctx, plan_weights=False)
    try:
        load_plan_weights(module, args.input)
    except WeightError:
        pass  # the plan's own file is unreadable or refused; --weights replaces it
    attach_store(module, WeightStore({**store_of(module).arrays, **given}, args.weights))
    return module


def choose_target(hw: str | None, module: ModuleOp) -> Accelerator:
    """--hw, else the plan's accel.target, else the default preset."""
    plan_target = accel.target_of(module)
    name = hw or (plan_target.target_name.data if plan_target is not None else DEFAULT_TARGET)
    try:
        return load_target(name)
    except TargetError as e:
        hint = "" if hw else " (the plan's target; choose one with --hw)"
        raise UsageError(f"--hw: {e}{hint}") from None


def check_cores(module: ModuleOp, target: Accelerator, path: str) -> None:
    for op in module.walk():
        if isinstance(op, accel.KernelOp) and op.core_count not in target.legal_cores:
            raise UsageError(
                f'{path}: kernel "{op.sym_name.data}" runs on {op.core_count} cores, which {target.name} does not allow '
                f"(legal: {', '.join(map(str, target.legal_cores))}); compile the plan with --hw {target.name}"
            )


def argument_names(fn: func.FuncOp) -> list[str]:
    """The names of the function's arguments (`arg<i>` for an unnamed one)."""
    return [arg.name_hint or f"arg{i}" for i, arg in enumerate(fn.body.block.args)]


def model_names(attrs: ArrayAttr[DictionaryAttr] | None, count: int) -> list[str | None]:
    """The model's own names of `count` arguments or results (`dlfc.onnx_name`), None where there is none."""
    names: list[str | None] = [None] * count
    for i, entry in enumerate(attrs.data if attrs is not None else ()):
        name = entry.data.get(ONNX_NAME)
        if isinstance(name, StringAttr) and i < count:
            names[i] = name.data
    return names


def read_inputs(path: str, fn: func.FuncOp) -> list[np.ndarray]:
    """The arrays of an .npz file, one per function argument, checked against the argument types.

    An array is named like the argument (its SSA name), or, for an imported
    model, like the model's input (`dlfc.onnx_name`: `data_0`, `gpu_0/data_0`, `0`).
    """
    try:
        arrays = load_npz(path)
    except WeightError as e:
        raise UsageError(f"--inputs {path}: {e}") from None
    names = argument_names(fn)
    originals = model_names(fn.arg_attrs, len(names))
    shown = ", ".join(original or name for name, original in zip(names, originals, strict=True))
    unknown = sorted(set(arrays) - set(names) - {o for o in originals if o is not None})
    if unknown:
        raise UsageError(f"--inputs {path}: unknown input '{unknown[0]}' (the model's inputs: {shown})")
    inputs = []
    for name, original, arg in zip(names, originals, fn.body.block.args, strict=True):
        given = [key for key in dict.fromkeys((original, name)) if key is not None and key in arrays]
        if not given:
            raise UsageError(f"--inputs {path}: missing input '{original or name}' (the model's inputs: {shown})")
        if len(given) > 1:
            raise UsageError(f"--inputs {path}: input '{original}' is given twice, also as '{name}'")
        key = given[0]
        array, t = arrays[key], arg.type
        assert isinstance(t, TensorType)
        expected = tuple(t.get_shape())
        if array.shape != expected:
            raise UsageError(f"--inputs {path}: '{key}' has shape {list(array.shape)}, expected {list(expected)}")
        if array.dtype.kind != numpy_dtype(t.element_type).kind:
            raise UsageError(f"--inputs {path}: '{key}' has dtype {array.dtype}, expected {t.element_type}")
        inputs.append(array)
    return inputs


def random_inputs(fn: func.FuncOp, module: ModuleOp, seed: int) -> list[np.ndarray]:
    """Standard-normal floats; integers uniform below the smallest embedding table (ids stay valid)."""
    rng = np.random.default_rng(seed)
    vocabulary = min(
        (graph.shape_of(op.table.type)[0] for op in module.walk() if isinstance(op, graph.EmbeddingOp)), default=2
    )
    inputs = []
    for arg in fn.body.block.args:
        t = arg.type
        assert isinstance(t, TensorType)
        shape, dtype = tuple(t.get_shape()), numpy_dtype(t.element_type)
        if isinstance(t.element_type, IntegerType):
            inputs.append(rng.integers(0, vocabulary, shape).astype(dtype))
        else:
            inputs.append(rng.standard_normal(shape).astype(dtype))
    return inputs


# --------------------------------------------------------------------------- memory

SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def memory_size(text: str) -> int:
    """--max-memory's value: bytes, or a number with a unit (2GiB, 512MiB, 1.5GB, 100k); case-insensitive."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*", text)
    if match is None or match.group(2).lower() not in SIZE_UNITS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (examples: 2GiB, 512MiB, 1.5GB, 1000000)")
    size = float(match.group(1)) * SIZE_UNITS[match.group(2).lower()]
    if not math.isfinite(size) or size < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive size")
    return int(size)


def available_memory() -> int | None:
    """Bytes this process can still allocate: MemAvailable (/proc/meminfo), capped by a cgroup v2 limit; None if unknown."""
    available: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            return None
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as f:
            used = int(f.read().strip())
        if limit != "max":
            available = min(available, max(0, int(limit) - used))
    except (OSError, ValueError):
        pass
    return available


def check_memory(module: ModuleOp, limit: int | None, given: bool, path: str) -> None:
    """Refuse (UsageError: the estimate, the limit, how to override) a run that needs more than `limit` bytes.

    `limit` is --max-memory when `given`, else the memory available when the
    command started (None: unknown, nothing is checked). The estimate is
    `dlfc.hw.memory.run_memory`'s.
    """
    if limit is None:
        return
    estimate = run_memory(module)
    if estimate.total <= limit:
        return
    suggestion = format_bytes(estimate.total * 1.25).replace(" ", "").replace(".0", "")
    where = (
        f"the --max-memory limit of {format_bytes(limit)}"
        if given
        else f"the {format_bytes(limit)} of memory available"
    )
    raise UsageError(
        f"running {path} needs about {format_bytes(estimate.total)} (inputs {format_bytes(estimate.inputs)}, "
        f"weights {format_bytes(estimate.weights)}, at most {format_bytes(estimate.intermediates)} of intermediates "
        "at once), "
        f"more than {where}; to run it anyway, pass --max-memory {suggestion}"
    )


# --------------------------------------------------------------------------- non-finite values


class FloatingPointEvents:
    """numpy's floating-point errors during a run, by kernel and kind (an `execute` handler), never printed."""

    KINDS = {"overflow": "overflow", "divide by zero": "division by zero", "invalid value": "invalid operation"}

    def __init__(self) -> None:
        self.kernels: dict[int, set[str]] = {}

    def __call__(self, kernel: int, kind: str) -> None:
        self.kernels.setdefault(kernel, set()).add(self.KINDS.get(kind, kind))

    def warning(self, run: Execution) -> str | None:
        """One stderr line when some kernel produced NaN or inf: how many, of which kind, the first one and its
        source, and which outputs hold any."""
        if not self.kernels:
            return None
        count = len(self.kernels)
        kinds = sorted({kind for kinds in self.kernels.values() for kind in kinds})
        per_kind = ", ".join(f"{kind} in {sum(kind in k for k in self.kernels.values())}" for kind in kinds)
        first = min(self.kernels)
        if first < len(run.timeline):
            kernel = run.timeline[first]
            sources = describe_sources(kernel.location)
            named = f"the first is {kernel.name}" + ("" if sources == "-" else f" ({sources})")
        else:
            named = "the first outside any kernel"
        holding = [
            f"output{i}"
            for i, out in enumerate(run.outputs)
            if np.asarray(out).dtype.kind == "f" and not np.isfinite(out).all()
        ]
        verb = "holds" if len(holding) == 1 else "hold"
        where = f"{', '.join(holding)} {verb} NaN or inf" if holding else "every output is finite"
        kernels = "1 kernel" if count == 1 else f"{count} kernels"
        return f"dlfc: warning: {kernels} produced non-finite values ({per_kind}); {named}; {where}\n"


# --------------------------------------------------------------------------- report


def kernel_rows(run: Execution) -> list[dict[str, Any]]:
    """One JSON-ready row per kernel of the timeline.

    `percent` is the kernel's share of all kernels' time, which is the latency
    unless schedule-parallel overlaps kernels: the shares always add up to 100.
    """
    total = sum(k.cost.latency for k in run.timeline) or 1.0
    return [
        {
            "name": k.name,
            "ops": k.ops,
            "cores": k.cores,
            "latency_us": k.cost.latency * 1e6,
            "bound": k.bound,
            "percent": 100 * k.cost.latency / total,
            "start_us": k.start * 1e6,
            "first_core": k.first_core,
            "compute_us": k.cost.compute * 1e6,
            "memory_us": k.cost.memory * 1e6,
            "overhead_us": k.cost.overhead * 1e6,
            "flops": k.cost.flops,
            "dram_bytes": k.cost.dram_bytes,
            "working_set_bytes": k.cost.working_set,
            "intermediates": k.cost.intermediates,
            "tiles": k.cost.tiles,
            "simulated_us": k.simulated.latency * 1e6 if k.simulated is not None else None,
            "source": describe_sources(k.location),
            "locations": location_records(k.location),
            **cost_breakdown(k.cost),
        }
        for k in run.timeline
    ]


def cost_breakdown(cost: KernelCost) -> dict[str, Any]:
    """Why a kernel costs what it does: lost overlap, barriers, traffic between cores, multicast, tiles, and each
    op's phase (`max(compute, memory - prefetched, multicast)`, `OpPhase`)."""
    return {
        "overlap_lost_us": cost.overlap_lost * 1e6,
        "barriers_us": cost.barriers * 1e6,
        "redistribution_us": cost.redistribution * 1e6,
        "redistributed_bytes": cost.redistributed_bytes,
        "multicast_us": sum(p.multicast for p in cost.phases) * 1e6,
        "tile_overhead_us": cost.tile_overhead * 1e6,
        "tile_rows": cost.tile_rows,
        "halo": cost.halo,
        "weights": cost.weights,
        "phases": [
            {
                "op": p.op,
                "axis": axis,
                "compute_us": p.compute * 1e6,
                "memory_us": p.memory * 1e6,
                "prefetched_us": p.prefetched * 1e6,
                "multicast_us": p.multicast * 1e6,
                "time_us": p.time * 1e6,
                "rows": p.rows,
            }
            for p, axis in zip(cost.phases, cost.axes or ("",) * len(cost.phases), strict=True)
        ],
    }


def handling(row: dict[str, Any]) -> str:
    """`on-chip`, `spilled`, or `tiled (T x R rows, halo)` ('-' for a kernel without intermediates)."""
    if not row["working_set_bytes"]:
        return "-"
    if row["intermediates"] != "tiled":
        return row["intermediates"]
    streamed = ", weights per tile" if row["weights"] == "streamed" else ""
    return f"tiled ({row['tiles']} x {row['tile_rows']} rows, halo {row['halo']}{streamed})"


def totals(run: Execution, baseline: float, baseline_of: str, target: Accelerator) -> dict[str, Any]:
    latency = run.latency
    return {
        "target": target.name,
        "kernels": len(run.timeline),
        "latency_s": latency,
        "flops": run.flops,
        "flop_per_s": run.flops / latency if latency else 0.0,
        "peak_flop_per_s": target.peak_flops,
        "dram_bytes": run.dram_bytes,
        "baseline_latency_s": baseline,
        "baseline": f"every op of {baseline_of} its own kernel on 1 core",
        "speedup": baseline / latency if latency else 1.0,
    }


def format_table(rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The per-kernel table and the totals; a scheduled plan gets a `sim µs` column (its simulated time)."""
    width = max([len("kernel"), *(len(r["name"]) for r in rows)])
    parts = ("compute", "memory", "multicast", "lost", "barriers", "redist")
    simulated = any(r["simulated_us"] is not None for r in rows)
    handling_width = max([len("intermediates"), *(len(handling(r)) for r in rows)])

    def sim(r: dict[str, Any]) -> str:
        if not simulated:
            return ""
        return f"  {r['simulated_us']:>10.3f}" if r["simulated_us"] is not None else f"  {'-':>10}"

    lines = [
        f"{'kernel':<{width}}  {'ops':>4}  {'cores':>5}  {'µs':>10}{'  ' + 'sim µs'.rjust(10) if simulated else ''}"
        f"  {'bound':<8}  {'% time':>7}  "
        + "  ".join(f"{p:>9}" for p in parts)
        + f"  {'intermediates':<{handling_width}}  source"
    ]
    lines += [
        f"{r['name']:<{width}}  {r['ops']:>4}  {r['cores']:>5}  {r['latency_us']:>10.3f}{sim(r)}  {r['bound']:<8}  "
        f"{r['percent']:>6.1f}%  "
        + "  ".join(
            f"{r[key]:>9.3f}"
            for key in (
                "compute_us",
                "memory_us",
                "multicast_us",
                "overlap_lost_us",
                "barriers_us",
                "redistribution_us",
            )
        )
        + f"  {handling(r):<{handling_width}}  {r['source']}"
        for r in rows
    ]
    s = summary
    lines += [
        "",
        f"target:            {s['target']}",
        f"kernels:           {s['kernels']}",
        f"modelled latency:  {s['latency_s']:.6f} s ({s['latency_s'] * 1e6:.1f} µs)",
        f"achieved:          {s['flop_per_s'] / 1e12:.3f} TFLOP/s of {s['peak_flop_per_s'] / 1e12:g} peak "
        f"({s['flops'] / 1e9:.3f} GFLOP)",
        f"DRAM traffic:      {s['dram_bytes'] / 1e6:.3f} MB",
        f"baseline:          {s['baseline_latency_s']:.6f} s ({s['baseline']})",
        f"speedup:           {s['speedup']:.2f}x over the baseline",
    ]
    return "\n".join(lines) + "\n"


def chrome_trace(run: Execution, model: str) -> dict[str, Any]:
    """The timeline in Chrome's trace-event format (complete events, times in µs).

    Each kernel is drawn on the track of its first core, so kernels that run
    side by side on disjoint cores (schedule-parallel) get separate tracks.
    A scheduled kernel's simulated tasks go to a second process, "cores":
    per core one track for compute, one for DMA from DRAM, one for DMA to
    DRAM and one for its links to the other cores (see `dlfc.hw.simulator`),
    plus one track for barriers.
    """
    trace: dict[str, Any] = {
        "traceEvents": [
            {
                "name": k.name,
                "cat": "kernel",
                "ph": "X",
                "ts": k.start * 1e6,
                "dur": (k.end - k.start) * 1e6,
                "pid": 0,
                "tid": k.first_core,
                "args": {
                    "ops": k.ops,
                    "cores": f"{k.first_core}-{k.first_core + k.cores - 1}",
                    "bound": k.bound,
                    "intermediates": k.cost.intermediates,
                    "source": describe_sources(k.location),
                    "locations": location_records(k.location),
                },
            }
            for k in run.timeline
        ],
        "displayTimeUnit": "ns",
        "otherData": {"model": model},
    }
    trace["traceEvents"] += core_tracks(run)
    return trace


QUEUE_TRACKS = {"compute": (0, "compute"), "dma-in": (1, "DMA in"), "dma-out": (2, "DMA out"), "link": (3, "links")}


def core_tracks(run: Execution) -> list[dict[str, Any]]:
    """Chrome trace events of the simulated tasks of every scheduled kernel (process 1, four tracks per core)."""
    events: list[dict[str, Any]] = []
    tracks: dict[int, str] = {}
    for k in run.timeline:
        if k.simulated is None:
            continue
        for e in k.simulated.events:
            if e.queue == "barrier":
                tid, label = 0, "barriers"
            else:
                index, what = QUEUE_TRACKS[e.queue]
                core = k.first_core + e.core
                tid, label = 1 + len(QUEUE_TRACKS) * core + index, f"core {core} {what}"
            tracks[tid] = label
            events.append(
                {
                    "name": e.name,
                    "cat": e.queue,
                    "ph": "X",
                    "ts": (k.start + e.start) * 1e6,
                    "dur": (e.end - e.start) * 1e6,
                    "pid": 1,
                    "tid": tid,
                    "args": {"kernel": k.name},
                }
            )
    if tracks:
        events.append({"name": "process_name", "ph": "M", "pid": 1, "args": {"name": "cores"}})
        events += [
            {"name": "thread_name", "ph": "M", "pid": 1, "tid": tid, "args": {"name": label}}
            for tid, label in sorted(tracks.items())
        ]
    return events


def output_names(fn: func.FuncOp) -> list[str]:
    """The names of the model's outputs in --outputs files: an imported model's own (`dlfc.onnx_name`), else `output<i>`.

    A name that would repeat one before it (the same ONNX value output twice) falls back to `output<i>`.
    """
    names: list[str] = []
    for i, original in enumerate(model_names(fn.res_attrs, len(fn.function_type.outputs.data))):
        names.append(original if original is not None and original not in names else f"output{i}")
    return names


# --------------------------------------------------------------------------- command


def check_output_paths(args: argparse.Namespace) -> None:
    """Fail before the run, not after it, when an output file cannot be written or would overwrite an input."""
    outputs: dict[str, str] = {}
    for option in ("outputs", "trace", "report"):
        path = getattr(args, option)
        if path is not None:
            if path in outputs and not is_special(path):
                raise UsageError(f"--{option} {path}: also the file of {outputs[path]}; choose another path")
            outputs[path] = f"--{option}"
    inputs = [args.input, args.inputs, args.weights, args.hw if args.hw and os.path.isfile(args.hw) else None]
    check_outputs({path: option for path, option in outputs.items() if path != "-"}, inputs)


def seed_value(text: str) -> int:
    """--seed's value: an integer 0 <= N < 2**64 (numpy's seeds)."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= seed < 2**64:
        raise argparse.ArgumentTypeError(f"{text} is out of range (0 <= N < 2**64)")
    return seed


class RunTool(CommandLineTool):
    """`dlfc run FILE`: compile if needed, execute on the hardware model, report."""

    prog = "dlfc run"
    description = (
        "Run a model on dlfc's hardware model: compute its outputs (numpy) and model how long\n"
        "each kernel takes on the accelerator. Prints one row per kernel (ops fused in it, cores,\n"
        "modelled microseconds, what limits it, share of all kernels' time, the source lines or\n"
        "ONNX nodes it was made from) and the totals: modelled\n"
        "latency, achieved FLOP/s, DRAM traffic and the speedup over the unoptimised baseline\n"
        "(every op its own kernel on one core: the ops of the model as written, or of the plan\n"
        "dissolved back into graph ops).\n\n"
        "FILE is a model (.dlm, or any other format dlfc compiles; compiled with the default\n"
        "pipeline first) or an .mlir plan (run as it is; graph- and fusion-level modules are\n"
        "compiled first)."
    )
    epilog = (
        "examples:\n"
        "  dlfc run examples/resnet50.dlm                      random inputs (seed 0), MLU100\n"
        "  dlfc run plan.mlir --hw mlu270 --seed 3             another preset, other inputs\n"
        "  dlfc run model.dlm --inputs in.npz --outputs out.npz\n"
        "  dlfc run model.dlm --trace trace.json               open trace.json in ui.perfetto.dev"
    )

    def register_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("input", metavar="FILE", help="the model: a .dlm file or an .mlir plan")
        parser.add_argument(
            "--input-shape",
            metavar="NAME=D0,D1,...",
            action="append",
            help="static shape of an ONNX model input with dynamic dimensions (repeatable)",
        )
        parser.add_argument(
            "--hw",
            metavar="NAME|FILE.toml",
            help=f"the accelerator: a preset (mlu100, mlu270) or a description file "
            f"(default: the plan's target, else {DEFAULT_TARGET})",
        )
        parser.add_argument(
            "--fp-model",
            choices=FP_MODELS,
            default="fast",
            help="the floating-point contract of the compile (as dlfc --fp-model): fast (default), strict or aggressive",
        )
        given = parser.add_mutually_exclusive_group()
        given.add_argument(
            "--inputs",
            metavar="IN.npz",
            help="input arrays named like the model's inputs (the function's argument names, or an ONNX model's own)",
        )
        given.add_argument(
            "--seed",
            type=seed_value,
            default=0,
            metavar="N",
            help="seed of the random inputs used without --inputs (default 0)",
        )
        parser.add_argument(
            "--weights",
            metavar="FILE.npz",
            help="weights by name; missing ones are initialised deterministically. For a plan, its arrays override "
            "the plan's own weights file (dlfc.weights), and replace it where that file cannot be read",
        )
        parser.add_argument("--outputs", metavar="OUT.npz", help="write the model's outputs")
        parser.add_argument(
            "--trace", metavar="OUT.json", help="write the kernel timeline as a Chrome trace (opens in Perfetto)"
        )
        parser.add_argument("--report", metavar="OUT.json", help="write the per-kernel table and the totals as JSON")
        parser.add_argument(
            "--max-memory",
            type=memory_size,
            metavar="SIZE",
            help="the most memory the run may take, e.g. 2GiB, 512MiB, 1.5GB (default: the memory available). "
            "Before it allocates anything, dlfc run estimates what the inputs, the weights and the largest set of "
            "intermediates alive at once need, and refuses a run whose estimate is larger",
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="lower the plan to explicit schedules (accel-schedule) and run those: numerics tile by tile, "
            "time from their simulation (a scheduled .mlir plan always runs this way)",
        )

    def execute(self, args: argparse.Namespace) -> int:
        check_output_paths(args)
        limit = args.max_memory if args.max_memory is not None else available_memory()
        ctx = make_context()
        module = read_model(args, ctx)
        target = choose_target(args.hw, module)
        check_memory(module, limit, args.max_memory is not None, args.input)
        fn = entry_function(module)
        inputs = read_inputs(args.inputs, fn) if args.inputs else random_inputs(fn, module, args.seed)
        baseline = baseline_latency(module, target)
        baseline_of = "the model" if level_of(module) == Level.GRAPH else "the plan"
        stop = max(level_of(module), Level.SCHEDULE if args.schedule else Level.ACCEL)
        compile_to(module, stop, {"target": (args.hw or target.name,), "fp_model": (args.fp_model,)}, ctx=ctx)
        check_cores(module, target, args.input)
        check_memory(module, limit, args.max_memory is not None, args.input)

        started = time.perf_counter()
        events = FloatingPointEvents()
        try:
            run = execute(module, inputs, target, on_fp_error=events)
        except WeightError as e:
            raise UsageError(f"{args.weights or args.input}: {e}") from None
        wall = time.perf_counter() - started

        rows, summary = kernel_rows(run), totals(run, baseline, baseline_of, target)
        files: dict[str, str | bytes] = {}
        if args.trace is not None:
            files[args.trace] = json.dumps(chrome_trace(run, args.input)) + "\n"
        if args.report is not None:
            files[args.report] = json.dumps({"model": args.input, "kernels": rows, "totals": summary}, indent=1) + "\n"
        if args.outputs is not None:
            files[args.outputs] = npz_bytes(dict(zip(output_names(fn), run.outputs, strict=False)))
        write_outputs(files)
        sys.stdout.write(format_table(rows, summary) + f"wall time:         {wall:.2f} s (interpreting)\n")
        if (warning := events.warning(run)) is not None:
            sys.stderr.write(warning)
        return 0
