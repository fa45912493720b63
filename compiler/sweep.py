"""`dlfc sweep`: design-space exploration over accelerators x models x pipelines.

A sweep is the product of three lists:

- **hardware points**: values of keys of the target description
  (`hw/target.py`, in the units of its TOML files: `compute.cores=8,16,32`,
  `memory.onchip_kib=128,1024`), combined as a full grid, or sampled at random
  or by Latin hypercube (`--sample random|lhs --points N`; a key may then
  also be a range `LO..HI`). Every other key keeps the base target's value
  (`--hw`, default mlu100). When `compute.cores` is swept and
  `compute.legal_cores` is not, a point's legal core counts are the base's
  that fit, then doubling up to the core count, and the core count itself;
- **models**: .dlm and .onnx files, or folders of them;
- **pipelines**: what runs after the default graph passes, as pass names
  joined by `+` (`fuse-patterns+assign-cores`), or `default`
  (`fuse-dnnfusion+autotune`); `convert-fusion-to-accel` is appended unless
  the pipeline runs it itself (then accel-level passes such as
  `schedule-parallel` may follow).

Each point compiles its model from source for its accelerator and times the
plan with the cost model (`dlfc.hw.interpreter.time_plan`, the timeline
`dlfc run` reports, without computing numbers). One row per point: the
swept keys and `latency_us`, `baseline_us` (every op of the model as written
its own kernel on one core, as in `dlfc run`), `speedup`, `kernels`, `flops`,
`flop_per_s`, `dram_bytes`, `compile_s` (wall seconds from source to plan)
and `search_s` (wall seconds of the pipeline's passes before lowering).

Rows are appended to the table as points finish, keyed by a hash of the
model's bytes, the point's full accelerator and the pipeline, so a sweep that
stops (Ctrl-C, a crash, `--max-points`) resumes where it stopped when run
again; when every point is in, the table is rewritten in sweep order. A
`.parquet` table (needs pyarrow) is written at the end; until then rows go
to a CSV journal beside it.

Points run where `dlfc.compiler.executors.open_executor` says (`--jobs`,
`--scheduler`); a worker receives the model's bytes, the accelerator as a
table of numbers and the pipeline as text, never IR objects.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import difflib
import hashlib
import io
import json
import os
import random
import re
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import product
from pathlib import Path
from typing import Any

from tqdm import tqdm
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.driver import ArgumentParser, InputOptions, UsageError, load_module
from dlfc.compiler.executors import ExecutorError, open_executor
from dlfc.compiler.pass_manager import describe_exception, run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import (
    DEFAULT_PIPELINE,
    Level,
    PipelineError,
    default_passes,
    parse_pass_pipeline,
    pipeline_text,
)
from dlfc.hw.cost import baseline_latency
from dlfc.hw.interpreter import time_plan
from dlfc.hw.target import (
    DEFAULT_TARGET,
    Accelerator,
    TargetError,
    load_target,
    table_toml,
    target_from_table,
    target_keys,
    target_table,
)
from dlfc.hw.weights import attach_store, store_of

MODEL_KINDS = (".dlm", ".onnx")
LOWERING = "convert-fusion-to-accel"
METRICS = (
    "latency_us",
    "baseline_us",
    "speedup",
    "kernels",
    "flops",
    "flop_per_s",
    "dram_bytes",
    "compile_s",
    "search_s",
)
TIMING_COLUMNS = ("compile_s", "search_s")
"""Columns that vary from run to run; every other column is a function of the point."""
SAMPLES = ("grid", "random", "lhs")


# --------------------------------------------------------------------------- the hardware points


@dataclass(frozen=True)
class Axis:
    """One swept key: discrete `levels`, or (random and Latin-hypercube sampling only) a range `low..high`."""

    key: str
    levels: tuple[Any, ...] = ()
    span: tuple[int | float, int | float] | None = None


def parse_axis(spec: str) -> Axis:
    """`KEY=V1,V2,...` or `KEY=LO..HI`; values in TOML syntax (a list is `[1,2,4]`). UsageError if malformed."""
    key, equals, text = spec.partition("=")
    key = key.strip()
    if not equals:
        raise UsageError(f"--params {spec}: expected KEY=V1,V2,... or KEY=LO..HI")
    keys = target_keys()
    if key not in keys:
        close = difflib.get_close_matches(key, keys, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UsageError(f"--params: unknown key '{key}'{hint} (keys: {', '.join(keys)})")
    if ".." in text and not text.lstrip().startswith("["):
        low, _, high = text.partition("..")
        bounds = [_value(key, part) for part in (low, high)]
        if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds) or bounds[0] >= bounds[1]:
            raise UsageError(f"--params {spec}: a range needs two numbers LO..HI with LO < HI")
        return Axis(key, span=(bounds[0], bounds[1]))
    parts = _split_top_level(text, ",", "[", "]")
    if not text.strip() or any(not p.strip() for p in parts):
        raise UsageError(f"--params {spec}: empty value")
    levels = tuple(_value(key, part) for part in parts)
    if len(set(map(_cell, levels))) != len(levels):
        raise UsageError(f"--params {spec}: a value is listed twice")
    return Axis(key, levels)


def _value(key: str, text: str) -> Any:
    """A value in TOML syntax; a bare word is a string."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if re.fullmatch(r"[A-Za-z_][\w.-]*", text):
            return text
        raise UsageError(f"--params {key}={text}: not a value (numbers, [1,2,4] lists, or words)") from None


def _split_top_level(text: str, separator: str, opening: str, closing: str) -> list[str]:
    """`text` split at `separator`s outside `opening`..`closing` brackets."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == opening) - (ch == closing)
        if ch == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def hardware_points(
    axes: Sequence[Axis], sample: str, points: int = 0, seed: int = 0, zipped: Sequence[Sequence[str]] = ()
) -> list[dict[str, Any]]:
    """The swept keys' values of each point: the grid in order (last key fastest), or `points` samples.

    Keys of a `zipped` group vary together: the grid takes their i-th values
    at once (they must list equally many), sampling gives them one shared
    draw. `random` draws each key (or group) uniformly and independently (a
    range uniformly, a list one of its levels); `lhs` stratifies each into
    `points` equal bins, each used once, in a random order per key. An
    integer range gives integers. Duplicate samples are dropped.
    """
    factors = _factors(axes, zipped)
    if sample == "grid":
        ranged = [a.key for a in axes if a.span is not None]
        if ranged:
            raise UsageError(f"--params {ranged[0]}: a range LO..HI needs --sample random or lhs (a grid needs values)")
        return [
            {a.key: a.levels[i] for factor, i in zip(factors, indices, strict=True) for a in factor}
            for indices in product(*(range(len(factor[0].levels)) for factor in factors))
        ]
    if points < 1:
        raise UsageError(f"--sample {sample} needs --points N (how many points to draw)")
    rng = random.Random(seed)
    columns: list[list[float]] = []
    for _ in factors:
        if sample == "random":
            columns.append([rng.random() for _ in range(points)])
        else:
            bins = list(range(points))
            rng.shuffle(bins)
            columns.append([(b + rng.random()) / points for b in bins])
    chosen: dict[tuple[str, ...], dict[str, Any]] = {}
    for i in range(points):
        point = {a.key: _at(a, column[i]) for factor, column in zip(factors, columns, strict=True) for a in factor}
        chosen.setdefault(tuple(map(_cell, point.values())), point)
    return list(chosen.values())


def _factors(axes: Sequence[Axis], zipped: Sequence[Sequence[str]]) -> list[list[Axis]]:
    """The axes grouped as they vary: each zipped group together (at its first key's place), every other alone."""
    by_key = {a.key: a for a in axes}
    group_of: dict[str, int] = {}
    for g, group in enumerate(zipped):
        for key in group:
            if key not in by_key:
                raise UsageError(f"--zip {','.join(group)}: '{key}' is not swept (give it values with --params)")
            if key in group_of:
                raise UsageError(f"--zip: '{key}' is zipped twice")
            group_of[key] = g
        if len(group) < 2:
            raise UsageError(f"--zip {','.join(group)}: name two or more swept keys")
        counts = {len(by_key[k].levels) for k in group if by_key[k].span is None}
        if len(counts) > 1:
            raise UsageError(f"--zip {','.join(group)}: the keys must list equally many values")
    factors: list[list[Axis]] = []
    placed: dict[int, list[Axis]] = {}
    for axis in axes:
        g = group_of.get(axis.key)
        if g is None:
            factors.append([axis])
        elif g in placed:
            placed[g].append(axis)
        else:
            placed[g] = [axis]
            factors.append(placed[g])
    return factors


def _at(axis: Axis, u: float) -> Any:
    """The value at quantile `u` in [0, 1) of an axis."""
    if axis.span is None:
        return axis.levels[min(int(u * len(axis.levels)), len(axis.levels) - 1)]
    low, high = axis.span
    if isinstance(low, int) and isinstance(high, int):
        return min(low + int(u * (high - low + 1)), high)
    return low + u * (high - low)


def point_table(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The base description with the point's values (and legal core counts that fit a swept core count)."""
    table = {**base, **overrides}
    cores = overrides.get("compute.cores")
    if isinstance(cores, int) and cores >= 1 and "compute.legal_cores" not in overrides:
        legal = [c for c in base["compute.legal_cores"] if isinstance(c, int) and c <= cores] or [1]
        while legal[-1] * 2 <= cores:
            legal.append(legal[-1] * 2)
        table["compute.legal_cores"] = legal if legal[-1] == cores else [*legal, cores]
    if overrides:
        values = ", ".join(f"{k}={_cell(v)}" for k, v in overrides.items())
        table["description"] = f"{base.get('name', 'base')} with {values}"
    return table


# --------------------------------------------------------------------------- models and pipelines


@dataclass(frozen=True)
class ModelSource:
    """A model as its workers receive it: the file's bytes, the name it is reported under, ONNX input shapes."""

    label: str
    data: bytes
    input_shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def kind(self) -> str:
        return os.path.splitext(self.label)[1]

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def load(self, scratch: str) -> ModuleOp:
        """The graph-level module (an ONNX model goes through a file in the directory `scratch`)."""
        if self.kind == ".dlm":
            from dlfc.compiler.frontend import parse_dlm

            return parse_dlm(self.data, self.label)
        from dlfc.compiler.frontend.onnx import load_onnx

        path = os.path.join(scratch, os.path.basename(self.label))
        Path(path).write_bytes(self.data)
        return load_onnx(path, {name: list(shape) for name, shape in self.input_shapes})


def model_files(paths: Sequence[str]) -> list[str]:
    """The model files named, a folder standing for its .dlm and .onnx files (sorted). UsageError if none."""
    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(
                os.path.join(path, name)
                for name in os.listdir(path)
                if os.path.splitext(name)[1] in MODEL_KINDS and os.path.isfile(os.path.join(path, name))
            )
            if not found:
                raise UsageError(f"{path}: the folder holds no .dlm or .onnx model")
            files += found
        elif os.path.splitext(path)[1] not in MODEL_KINDS:
            raise UsageError(f"{path}: unknown model kind (expected .dlm, .onnx or a folder of them)")
        elif not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
        else:
            files.append(path)
    duplicates = sorted({f for f in files if files.count(f) > 1})
    if duplicates:
        raise UsageError(f"{duplicates[0]}: the model is named twice")
    return files


def read_models(paths: Sequence[str], input_shapes: Sequence[str]) -> list[ModelSource]:
    """Each model's bytes, after checking that it compiles to graph IR here (errors name the file)."""
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    if input_shapes:
        from dlfc.compiler.frontend.onnx import OnnxImportError, parse_input_shape

        try:
            shapes = tuple((name, tuple(dims)) for name, dims in map(parse_input_shape, input_shapes))
        except OnnxImportError as e:
            raise UsageError(f"--input-shape: {e}") from None
    models = []
    for path in model_files(paths):
        load_module(path, InputOptions(input_shapes=tuple(input_shapes)), make_context())
        models.append(ModelSource(path, Path(path).read_bytes(), shapes if path.endswith(".onnx") else ()))
    return models


def pipeline_passes(spec: str) -> str:
    """A `--pipelines` entry as a pass pipeline: `default`, or passes joined by `+`, then lowering to accel.

    PipelineError for an unknown pass or option; UsageError for a pass given its own target.
    """
    if spec == "default":
        text = ",".join(DEFAULT_PIPELINE[Level.FUSION])
    else:
        text = ",".join(_split_top_level(spec, "+", "{", "}"))
    passes = parse_pass_pipeline(text, get_all_passes())
    if re.search(r"\btarget\s*=", text):
        raise UsageError(f"--pipelines {spec}: the sweep gives every pass its target; remove target=")
    if LOWERING not in [p.name for p in passes]:
        text += f",{LOWERING}"
    return text


def split_pipelines(text: str) -> list[str]:
    """`--pipelines a,b+c{x=1,2}`: entries separated by commas outside braces."""
    entries = [e.strip() for e in _split_top_level(text, ",", "{", "}")]
    if any(not e for e in entries):
        raise UsageError(f"--pipelines {text}: empty entry")
    return entries


# --------------------------------------------------------------------------- one point


@dataclass(frozen=True)
class PointJob:
    """One point, as a worker receives it: everything by value, nothing but text, bytes and numbers."""

    key: str
    model: ModelSource
    pipeline: str
    """The pipeline's label (its `--pipelines` entry)."""
    passes: str
    """The passes to run after the default graph passes, in --pass-pipeline syntax (no target options)."""
    table: dict[str, Any]
    """The accelerator description, dotted keys in the TOML files' units."""
    params: dict[str, Any]
    """The swept keys' values."""


class PointFailed(Exception):
    """A point could not be compiled or timed (a one-line message; picklable, unlike IR-carrying errors)."""


def point_key(model: ModelSource, target: Accelerator, passes: str) -> str:
    """A hash of the model (its name, bytes and ONNX input shapes), the accelerator's every number, and the pipeline.

    The accelerator counts by value (100 and 100.0 GB/s are one point), the
    pipeline with every option spelled out.
    """
    described = {k: v for k, v in dataclasses.asdict(target).items() if k != "description"}
    text = json.dumps([model.label, model.digest, model.input_shapes, described, passes])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=4)
def graph_stage(model: ModelSource) -> tuple[ModuleOp, ModuleOp, float]:
    """The model as written, after the default graph passes, and the seconds both took.

    No target key affects the graph passes, so each worker computes them once
    per model (they dominate a point's compile time: batch-norm folding
    computes weights); every point clones the result and counts those seconds
    in its `compile_s`.
    """
    with tempfile.TemporaryDirectory(prefix="dlfc-sweep-") as scratch:
        started = time.perf_counter()
        written = model.load(scratch)
        module = _clone(written)
        passes = default_passes(Level.GRAPH, Level.GRAPH)
        run_pipeline(make_context(), module, passes, verify_each=False)
        return written, module, time.perf_counter() - started


def _clone(module: ModuleOp) -> ModuleOp:
    """A copy of `module` that shares its weight store."""
    copy = module.clone()
    attach_store(copy, store_of(module))
    return copy


def run_point(job: PointJob) -> dict[str, Any]:
    """Compile the point's model for its accelerator and time the plan: the metrics of its row."""
    try:
        written, graph_module, graph_s = graph_stage(job.model)
        with tempfile.TemporaryDirectory(prefix="dlfc-sweep-") as scratch:
            hw = os.path.join(scratch, "target.toml")
            Path(hw).write_text(table_toml(job.table), encoding="utf-8")
            target = load_target(hw)
            started = time.perf_counter()
            module = _clone(graph_module)
            passes = parse_pass_pipeline(job.passes, get_all_passes(), {"target": (hw,)})
            runs = run_pipeline(make_context(), module, passes, verify_each=False)
            compile_s = graph_s + time.perf_counter() - started
        baseline = baseline_latency(written, target)
    except Exception as e:
        raise PointFailed(_one_line(e)) from None
    timeline = time_plan(module, target)
    latency = timeline.latency
    lowered = next(i for i, r in enumerate(runs) if r.module_pass.name == LOWERING)
    return {
        "latency_us": latency * 1e6,
        "baseline_us": baseline * 1e6,
        "speedup": baseline / latency if latency else 1.0,
        "kernels": len(timeline.timeline),
        "flops": timeline.flops,
        "flop_per_s": timeline.flops / latency if latency else 0.0,
        "dram_bytes": timeline.dram_bytes,
        "compile_s": compile_s,
        "search_s": sum(r.seconds for r in runs[:lowered]),
    }


def _one_line(error: BaseException) -> str:
    """A worker's failure in one line: a model's first diagnostic line, or the error's own message."""
    from dlfc.compiler.frontend.diagnostics import DlmError
    from dlfc.compiler.pass_manager import PassFailure

    if isinstance(error, DlmError):
        return error.format().splitlines()[0]
    if isinstance(error, PassFailure | TargetError | PipelineError) or type(error).__name__ == "OnnxImportError":
        return str(error).strip().splitlines()[0]
    return describe_exception(error)


# --------------------------------------------------------------------------- the plan of a sweep


@dataclass(frozen=True)
class Sweep:
    """Every point of a sweep, in order (model, then pipeline, then hardware point), and the table's columns."""

    keys: tuple[str, ...]
    points: tuple[PointJob, ...]

    @property
    def columns(self) -> list[str]:
        return ["key", "model", "pipeline", *self.keys, *METRICS]


def plan_sweep(
    models: Sequence[ModelSource],
    pipelines: Sequence[str],
    axes: Sequence[Axis],
    hw: str = DEFAULT_TARGET,
    sample: str = "grid",
    points: int = 0,
    seed: int = 0,
    zipped: Sequence[Sequence[str]] = (),
) -> Sweep:
    """Check every accelerator and pipeline of the sweep (one-line UsageError) and list its points."""
    keys = [a.key for a in axes]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise UsageError(f"--params {repeated[0]}: the key is swept twice")
    try:
        base = target_table(hw)
        load_target(hw)
    except TargetError as e:
        raise UsageError(f"--hw: {e}") from None
    chips: list[tuple[dict[str, Any], dict[str, Any], Accelerator]] = []
    for values in hardware_points(axes, sample, points, seed, zipped):
        table = point_table(base, values)
        source = "--params " + " ".join(f"{k}={_cell(v)}" for k, v in values.items())
        try:
            chips.append((values, table, target_from_table(table, source)))
        except TargetError as e:
            raise UsageError(str(e)) from None
    passes: dict[str, str] = {}
    normal: dict[str, str] = {}
    for spec in pipelines:
        try:
            passes[spec] = pipeline_passes(spec)
        except PipelineError as e:
            raise UsageError(f"--pipelines {spec}: {e}") from None
        normal[spec] = pipeline_text(parse_pass_pipeline(passes[spec], get_all_passes()))
        same = next((other for other in normal if other != spec and normal[other] == normal[spec]), None)
        if same is not None or list(pipelines).count(spec) > 1:
            raise UsageError(f"--pipelines: '{same or spec}' and '{spec}' are the same pipeline")
    jobs: list[PointJob] = []
    seen: set[str] = set()
    for model in models:
        for spec in pipelines:
            for values, table, target in chips:
                key = point_key(model, target, normal[spec])
                if key not in seen:  # two spellings of one accelerator (100 and 100.0 GB/s): one point
                    seen.add(key)
                    jobs.append(PointJob(key, model, spec, passes[spec], table, values))
    return Sweep(tuple(keys), tuple(jobs))


# --------------------------------------------------------------------------- the table


def _cell(value: Any) -> str:
    """A value as the table stores it: floats exactly (repr), lists as JSON."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    return str(value)


def typed(rows: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Rows with each column as int if every cell is one, else float if every cell is a number, else text."""
    if not rows:
        return []
    kinds: dict[str, type] = {}
    for column in rows[0]:
        cells = [row[column] for row in rows]
        kinds[column] = next((k for k in (int, float) if all(_parses(c, k) for c in cells)), str)
    return [{c: kinds[c](v) for c, v in row.items()} for row in rows]


def _parses(cell: str, kind: type) -> bool:
    try:
        kind(cell)
    except ValueError:
        return False
    return True


class ResultTable:
    """The results file: rows appended as points finish, read back to resume.

    A `.csv` table is its own journal. A `.parquet` table is written when the
    sweep completes; until then rows go to `OUT.parquet.partial.csv`. A last
    line cut short (the process was killed while writing it) is dropped.
    """

    def __init__(self, path: str, columns: Sequence[str], fresh: bool = False):
        self.path = path
        self.columns = list(columns)
        self.parquet = path.endswith(".parquet")
        if not self.parquet and not path.endswith(".csv"):
            raise UsageError(f"-o {path}: expected a .csv or .parquet file name")
        self.journal = f"{path}.partial.csv" if self.parquet else path
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise UsageError(f"-o {path}: directory {directory} does not exist")
        if os.path.isdir(path):
            raise UsageError(f"-o {path}: is a directory")
        if self.parquet:
            _pyarrow()
        if fresh:
            for stale in {path, self.journal}:
                if os.path.exists(stale):
                    os.unlink(stale)
        self.rows: list[dict[str, str]] = [*self._read_parquet(), *self._read_journal()]

    @property
    def keys(self) -> set[str]:
        return {row["key"] for row in self.rows}

    def _check_columns(self, found: Sequence[str], where: str) -> None:
        if list(found) != self.columns:
            raise UsageError(
                f"{where}: its columns ({', '.join(found)}) are not this sweep's ({', '.join(self.columns)}); "
                "choose another -o, or --fresh to start it anew"
            )

    def _read_parquet(self) -> list[dict[str, str]]:
        if not self.parquet or not os.path.exists(self.path):
            return []
        parquet = _pyarrow()
        try:
            table = parquet.read_table(self.path)
        except Exception as e:
            raise UsageError(f"{self.path}: not a readable Parquet file: {describe_exception(e)}") from None
        self._check_columns(table.column_names, self.path)
        return [{c: _cell(v) for c, v in row.items()} for row in table.to_pylist()]

    def _read_journal(self) -> list[dict[str, str]]:
        if not os.path.exists(self.journal):
            return []
        try:
            with open(self.journal, encoding="utf-8", newline="") as f:
                text = f.read()
        except UnicodeDecodeError:
            raise UsageError(f"{self.journal}: not a table of dlfc sweep (not UTF-8 text)") from None
        if text and not text.endswith("\n"):  # killed while writing the last row
            text = text[: text.rfind("\n") + 1]
            with open(self.journal, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        if not text:
            return []
        try:
            lines = list(csv.reader(io.StringIO(text)))
        except csv.Error as e:
            raise UsageError(f"{self.journal}: not a table of dlfc sweep ({e})") from None
        self._check_columns(lines[0], self.journal)
        return [dict(zip(lines[0], cells, strict=True)) for cells in lines[1:] if len(cells) == len(lines[0])]

    def append(self, row: dict[str, Any]) -> None:
        """Add one row to the journal, on disk before this returns."""
        cells = {c: _cell(row[c]) for c in self.columns}
        new = not os.path.exists(self.journal) or os.path.getsize(self.journal) == 0
        with open(self.journal, "a", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            if new:
                writer.writerow(self.columns)
            writer.writerow([cells[c] for c in self.columns])
            f.flush()
        self.rows.append(cells)

    def finish(self, order: Sequence[str]) -> None:
        """Rewrite the table whole, rows in `order` of keys (rows of other sweeps after them, as they were)."""
        from dlfc.compiler.driver import atomic_file

        rank = {key: i for i, key in enumerate(order)}
        rows = sorted(self.rows, key=lambda r: rank.get(r["key"], len(rank)))
        if self.parquet:
            parquet = _pyarrow()
            import pyarrow

            columns = typed(rows)
            table = pyarrow.Table.from_pylist(columns) if columns else pyarrow.table({c: [] for c in self.columns})
            with atomic_file(self.path, "wb") as f:
                parquet.write_table(table, f)
            if os.path.exists(self.journal):
                os.unlink(self.journal)
            return
        with atomic_file(self.path, "w") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(self.columns)
            writer.writerows([row[c] for c in self.columns] for row in rows)


def _pyarrow() -> Any:
    try:
        import pyarrow.parquet
    except ImportError:
        raise UsageError("a .parquet table needs pyarrow: pip install pyarrow (or name a .csv file)") from None
    return pyarrow.parquet


def read_table(path: str) -> list[dict[str, Any]]:
    """A finished sweep table (.csv or .parquet) as typed rows."""
    if path.endswith(".parquet"):
        return _pyarrow().read_table(path).to_pylist()
    with open(path, encoding="utf-8", newline="") as f:
        return typed(list(csv.DictReader(f)))


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class SweepReport:
    computed: int
    already: int
    left: int


def run_sweep(
    sweep: Sweep,
    table: ResultTable,
    executor: Executor | None = None,
    progress: bool = True,
    max_points: int | None = None,
) -> SweepReport:
    """Compute the points not yet in `table` (at most `max_points` of them), appending each row as it finishes.

    Points run in `executor`, or one after another in this process when it is
    None. The first point that fails stops the sweep (UsageError naming it);
    rows already written stay. When every point is in, the table is rewritten
    in sweep order.
    """
    done = table.keys
    todo = [job for job in sweep.points if job.key not in done]
    already = len(sweep.points) - len(todo)
    if max_points is not None:
        todo = todo[:max_points]

    def record(job: PointJob, metrics: dict[str, Any]) -> None:
        table.append({"key": job.key, "model": job.model.label, "pipeline": job.pipeline, **job.params, **metrics})
        bar.update()

    with tqdm(
        total=len(sweep.points), initial=already, desc="sweep", unit="point", file=sys.stderr, disable=not progress
    ) as bar:
        if executor is None:
            for job in todo:
                record(job, _result(job, run_point, job))
        else:
            futures: dict[Future[dict[str, Any]], PointJob] = {executor.submit(run_point, job): job for job in todo}
            try:
                for future in as_completed(futures):
                    job = futures[future]
                    record(job, _result(job, future.result))
            finally:
                for future in futures:
                    future.cancel()
    left = len(sweep.points) - already - len(todo)
    if left == 0:
        table.finish([job.key for job in sweep.points])
    return SweepReport(len(todo), already, left)


def _result(job: PointJob, call: Any, *args: Any) -> dict[str, Any]:
    try:
        return call(*args)
    except PointFailed as e:
        values = " ".join(f"{k}={_cell(v)}" for k, v in job.params.items())
        raise UsageError(f"{job.model.label} --pipelines {job.pipeline}{' ' + values if values else ''}: {e}") from None


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="dlfc sweep",
        description=(
            "Design-space exploration: compile every model with every pipeline for every accelerator\n"
            "of a grid (or a random or Latin-hypercube sample) of target-description values, and write\n"
            "one row per point: the swept values, modelled latency (latency_us), the unoptimised\n"
            "baseline and the speedup over it, kernels, FLOPs, achieved FLOP/s, DRAM traffic, and the\n"
            "compile and search wall times. Rows are appended as points finish; run the same command\n"
            "again to resume an interrupted sweep (points are keyed by a hash of model, accelerator and\n"
            "pipeline). See docs/sweep.md."
        ),
        epilog=(
            "examples:\n"
            "  dlfc sweep examples/resnet50.dlm --params compute.cores=8,16,32 memory.onchip_kib=128,1024 -o r.csv\n"
            "  dlfc sweep examples/ --pipelines default,fuse-patterns+assign-cores -o r.csv --jobs 4 --plot\n"
            "  dlfc sweep m.dlm --params memory.dram_gbps=25.6..204.8 --sample lhs --points 20 -o r.parquet\n"
            "  dlfc sweep m.dlm --params compute.cores=4,8 -o r.csv --scheduler tcp://10.0.0.1:8786\n\n"
            f"keys: {', '.join(target_keys())}"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("models", metavar="MODEL", nargs="+", help="a .dlm or .onnx model, or a folder of them")
    parser.add_argument(
        "--params",
        metavar="KEY=V1,V2",
        nargs="+",
        action="extend",
        default=[],
        help="a target-description key and its values (TOML syntax; LO..HI: a range, for random and lhs)",
    )
    parser.add_argument(
        "--pipelines",
        metavar="P1,P2",
        default="default",
        help="what runs after the graph passes: 'default' (fuse-dnnfusion+autotune) or passes joined by '+', "
        "e.g. fuse-patterns+assign-cores (default: default)",
    )
    parser.add_argument(
        "--hw", metavar="NAME|FILE.toml", default=DEFAULT_TARGET, help="the base accelerator (default: mlu100)"
    )
    parser.add_argument("-o", "--output", metavar="OUT", required=True, help="the table: .csv, or .parquet (pyarrow)")
    sampling = parser.add_argument_group("sampling")
    sampling.add_argument(
        "--zip",
        metavar="KEY1,KEY2",
        action="append",
        default=[],
        help="swept keys that vary together, value by value (e.g. compute.cores and compute.peak_tflops); repeatable",
    )
    sampling.add_argument("--sample", choices=SAMPLES, default="grid", help="grid (default), random, or lhs")
    sampling.add_argument("--points", type=int, default=0, metavar="N", help="points to draw for random and lhs")
    sampling.add_argument("--seed", type=int, default=0, metavar="S", help="seed of random and lhs (default 0)")
    running = parser.add_argument_group("running")
    running.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="worker processes (or Dask workers of --scheduler local)"
    )
    running.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT|local",
        default="",
        help="run the points on a Dask cluster (pip install 'dlfc[cluster]'); 'local' starts one of --jobs workers",
    )
    running.add_argument("--max-points", type=int, metavar="N", help="compute at most N new points, then stop")
    running.add_argument("--fresh", action="store_true", help="discard the rows already in OUT and start anew")
    running.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--plot",
        action="store_true",
        help="also write figures beside OUT, PNG and SVG (needs matplotlib: pip install 'dlfc[plot]')",
    )
    parser.add_argument(
        "--input-shape",
        metavar="NAME=D0,D1,...",
        action="append",
        default=[],
        help="static shape of an ONNX model input with dynamic dimensions (repeatable)",
    )
    return parser


def sweep_command(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    if args.max_points is not None and args.max_points < 1:
        raise UsageError(f"--max-points must be at least 1, got {args.max_points}")
    if args.sample == "grid" and args.points:
        raise UsageError("--points applies to --sample random and lhs; a grid has every combination")
    if args.plot:
        from dlfc.compiler.sweep_plot import check_matplotlib

        check_matplotlib()
    axes = [parse_axis(spec) for spec in args.params]
    pipelines = split_pipelines(args.pipelines)
    models = read_models(args.models, args.input_shape)
    zipped = [[k.strip() for k in group.split(",")] for group in args.zip]
    sweep = plan_sweep(models, pipelines, axes, args.hw, args.sample, args.points, args.seed, zipped)
    table = ResultTable(args.output, sweep.columns, args.fresh)
    try:
        with open_executor(args.jobs, args.scheduler) as executor:
            report = run_sweep(sweep, table, executor, not args.no_progress, args.max_points)
    except ExecutorError as e:
        raise UsageError(f"--scheduler: {e}") from None
    except KeyboardInterrupt:
        done = len(table.keys & {job.key for job in sweep.points})
        print(
            f"dlfc sweep: interrupted; {done} of {len(sweep.points)} points are in {args.output} "
            f"(run the same command again to resume)",
            file=sys.stderr,
        )
        return 130
    where = args.output if report.left == 0 else table.journal
    print(
        f"dlfc sweep: {report.computed} points computed, {report.already} already in {args.output}, "
        f"{report.left} left; table: {where}",
        file=sys.stderr,
    )
    if args.plot and report.left:
        print("dlfc sweep: the figures are drawn once every point is in", file=sys.stderr)
    if args.plot and report.left == 0:
        from dlfc.compiler.sweep_plot import plot_sweep

        followers = {key for group in zipped for key in group[1:]}  # drawn through their group's first key
        drawn = [key for key in sweep.keys if key not in followers]
        for path in plot_sweep(read_table(args.output), drawn, args.output):
            print(f"dlfc sweep: wrote {path}", file=sys.stderr)
    return 0
