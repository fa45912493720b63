"""Pass pipelines: the IR levels, the default pipeline, and the pass manager that runs one.

The pass manager runs xDSL `ModulePass`es in order on one module, verifies the
module after each of them, and calls `PassInstrument`s around every pass (as
MLIR's `PassInstrumentation`): IR dumps, numbered dump files, statistics.
A pass may report counters of its own with `add_statistic`.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import os
import re
import time
import traceback
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TextIO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.printer import Printer
from xdsl.utils.arg_spec import ArgSpec, ParameterListType, parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException

from dlfc.compiler.passes import PassFactory
from dlfc.dialects import accel, fusion, graph
from dlfc.hw.weights import WEIGHTS_ATTR, plan_weights, write_npz


class Level(IntEnum):
    """The abstraction levels of dlfc IR, in compilation order."""

    GRAPH = 0
    FUSION = 1
    ACCEL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


# The passes that run at each level; the last pass of a stage produces the next level.
DEFAULT_PIPELINE: dict[Level, list[str]] = {
    Level.GRAPH: [
        "cse",
        "graph-simplify-shapes",
        "graph-fold-batchnorm",
        "graph-fold-constants",
        "graph-algebraic-simplify",
        "graph-fold-constants",
        "cse",
        "dce",
    ],
    Level.FUSION: ["fuse-dnnfusion", "autotune"],
    Level.ACCEL: ["convert-fusion-to-accel"],
}


def level_of(module: ModuleOp) -> Level:
    """The level a module is at: the highest-level op it contains."""
    level = Level.GRAPH
    for op in module.walk():
        if isinstance(op, accel.KernelOp):
            return Level.ACCEL
        if isinstance(op, fusion.GroupOp):
            level = Level.FUSION
    return level


def default_pipeline(start: Level, stop: Level) -> list[str]:
    """The default passes that take a module at `start` to `stop` (graph passes run on graph input only)."""
    return [
        p
        for level in Level
        if start <= level <= stop and (level > start or level == Level.GRAPH)
        for p in DEFAULT_PIPELINE[level]
    ]


# --------------------------------------------------------------------------- building a pipeline


class PipelineError(Exception):
    """A pipeline that cannot be built: bad syntax, unknown pass or option (one-line message)."""


def unknown_pass_message(name: str, known: Iterable[str]) -> str:
    """`unknown pass 'x'`, with the closest registered name if there is one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else " (dlfc --list-passes lists them)"
    return f"unknown pass '{name}'{hint}"


def parse_pass_pipeline(
    text: str, factories: Mapping[str, PassFactory], option_defaults: Mapping[str, ParameterListType] | None = None
) -> list[ModulePass]:
    """The passes of a pipeline in xDSL's syntax: `a,b{option=value other=1,2}`.

    `option_defaults` gives a value to an option of that name in every pass
    that has one and whose spec leaves it unset.
    """
    try:
        specs = list(parse_pipeline(text))
    except ArgSpecParseError as e:  # a BaseException: `except Exception` misses it
        raise PipelineError(describe_pipeline_syntax_error(e)) from None
    return [instantiate(spec, factories, option_defaults or {}) for spec in specs]


def describe_pipeline_syntax_error(error: ArgSpecParseError) -> str:
    """`invalid pass pipeline at column N: what is wrong`, from xDSL's multi-line message."""
    message = str(error)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    position = re.search(r"pass-pipeline:\d+:(\d+)", message)
    where = f" at column {position.group(1)}" if position else ""
    return f"invalid pass pipeline{where}: {lines[-1] if lines else 'syntax error'}"


def instantiate(
    spec: ArgSpec, factories: Mapping[str, PassFactory], option_defaults: Mapping[str, ParameterListType]
) -> ModulePass:
    """The pass a spec names, with its options checked against the pass's fields."""
    if spec.name not in factories:
        raise PipelineError(unknown_pass_message(spec.name, factories))
    pass_class = factories[spec.name]()
    options = [f.name for f in dataclasses.fields(pass_class) if f.init]
    given = spec.normalize_parameter_names().parameters
    for key in given:
        if key not in options:
            raise PipelineError(unknown_option_message(spec.name, key, options))
    defaults = {key: value for key, value in option_defaults.items() if key in options}
    try:
        return pass_class.from_spec(ArgSpec(spec.name, {**defaults, **given}))
    except (ValueError, TypeError) as e:
        raise PipelineError(f"pass '{spec.name}': {str(e).strip()}") from None


def unknown_option_message(pass_name: str, key: str, options: Sequence[str]) -> str:
    if not options:
        return f"pass '{pass_name}' takes no options (got '{key}')"
    close = difflib.get_close_matches(key, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"pass '{pass_name}' has no option '{key}'{hint} (options: {', '.join(options)})"


def pipeline_text(passes: Iterable[ModulePass]) -> str:
    """A pipeline in xDSL's syntax, every option spelled out (defaults included)."""
    return ",".join(str(p.spec(include_default=True)) for p in passes)


# --------------------------------------------------------------------------- pass statistics

_statistics: ContextVar[Counter[str] | None] = ContextVar("dlfc_pass_statistics", default=None)


def add_statistic(name: str, amount: int = 1) -> None:
    """Add `amount` to the counter `name` of the pass that is running.

    `dlfc --stats` prints the counters of every pass; outside a dlfc pipeline
    (in xdsl-opt, in a unit test) this does nothing.
    """
    counter = _statistics.get()
    if counter is not None:
        counter[name] += amount


def module_size(module: ModuleOp) -> tuple[int, int]:
    """(operations, FLOPs) of a module: FLOPs of every graph op, inside groups and kernels too."""
    ops = flops = 0
    for op in module.walk():
        ops += 1
        if isinstance(op, graph.GraphOp):
            flops += op.flops()
    return ops - 1, flops


# --------------------------------------------------------------------------- running a pipeline


@dataclass
class PassRun:
    """One execution of a pass within a pipeline."""

    index: int
    """1-based position in the pipeline."""
    module_pass: ModulePass
    seconds: float = 0.0
    verify_seconds: float = 0.0
    statistics: Counter[str] = field(default_factory=Counter[str])


class PassInstrument:
    """Hooks the pass manager calls around the pipeline and each pass; each does nothing by default."""

    def run_before_pipeline(self, module: ModuleOp) -> None:
        pass

    def run_before_pass(self, run: PassRun, module: ModuleOp) -> None:
        pass

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        pass

    def run_after_pipeline(self, module: ModuleOp) -> None:
        """Also called when the pipeline failed."""


class PassFailure(Exception):
    """A pass raised an exception or left the module invalid (one-line message).

    `invalid_module` is the module that failed to verify, for the user to inspect.
    """

    def __init__(self, message: str, module_pass: ModulePass | None, invalid_module: ModuleOp | None = None):
        super().__init__(message)
        self.module_pass = module_pass
        self.invalid_module = invalid_module


def run_pipeline(
    ctx: Context,
    module: ModuleOp,
    passes: Sequence[ModulePass],
    instruments: Sequence[PassInstrument] = (),
    verify_each: bool = True,
) -> list[PassRun]:
    """Apply `passes` in order; raises PassFailure naming the pass that failed.

    The module is verified after each pass, or with `verify_each=False` only
    at the end.
    """
    for instrument in instruments:
        instrument.run_before_pipeline(module)
    try:
        runs = [run_pass(ctx, module, index, p, instruments, verify_each) for index, p in enumerate(passes, 1)]
    finally:
        for instrument in instruments:
            instrument.run_after_pipeline(module)
    if not verify_each and passes and (problem := verification_error(module)) is not None:
        raise PassFailure(
            f"the pipeline produced invalid IR: {problem} (verify after each pass to find the pass)", None, module
        )
    return runs


def run_pass(
    ctx: Context,
    module: ModuleOp,
    index: int,
    module_pass: ModulePass,
    instruments: Sequence[PassInstrument],
    verify_each: bool,
) -> PassRun:
    run = PassRun(index, module_pass)
    for instrument in instruments:
        instrument.run_before_pass(run, module)
    apply_pass(ctx, module, run)
    if verify_each:
        start = time.perf_counter()
        problem = verification_error(module)
        run.verify_seconds = time.perf_counter() - start
        if problem is not None:
            raise PassFailure(f"pass '{module_pass.name}' produced invalid IR: {problem}", module_pass, module)
    for instrument in instruments:
        instrument.run_after_pass(run, module)
    return run


def apply_pass(ctx: Context, module: ModuleOp, run: PassRun) -> None:
    token = _statistics.set(run.statistics)
    start = time.perf_counter()
    try:
        run.module_pass.apply(ctx, module)
    except Exception as e:
        raise PassFailure(f"pass '{run.module_pass.name}' failed: {describe_exception(e)}", run.module_pass) from e
    finally:
        run.seconds = time.perf_counter() - start
        _statistics.reset(token)


def describe_exception(error: BaseException) -> str:
    """One line: the message of a diagnostic, else `Type: message (file:line)` of where it was raised."""
    lines = str(error).strip().splitlines()
    if isinstance(error, DiagnosticException) and lines:
        return lines[0]
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    frames = traceback.extract_tb(error.__traceback__)
    if frames and not isinstance(error, SyntaxError):
        text += f" ({frames[-1].filename}:{frames[-1].lineno})"
    return text


def verification_error(module: ModuleOp) -> str | None:
    """None if the module verifies, else one line saying what is wrong (naming the op)."""
    try:
        module.verify()
    except Exception as e:
        message = describe_exception(e)
        op = failing_op(module)
        return message if op is None or op.name in message else f"{op.name}: {message}"
    return None


def failing_op(module: ModuleOp) -> Operation | None:
    """The first op, in walk order, whose own verification fails."""
    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except Exception:
            return op
    return None


# --------------------------------------------------------------------------- instruments


def print_module(module: ModuleOp, generic: bool = False) -> str:
    """The module in MLIR syntax (xDSL's custom or generic form), ending with a newline."""
    out = io.StringIO()
    Printer(stream=out, print_generic_format=generic).print_op(module)
    return out.getvalue() + "\n"


def dump_header(when: str, module_pass: ModulePass, failed: bool = False) -> str:
    """MLIR's dump header: `// -----// IR Dump After cse (cse) //----- //`."""
    status = " Failed" if failed else ""
    return f"// -----// IR Dump {when} {module_pass.name}{status} ({module_pass}) //----- //"


PassFilter = Callable[[ModulePass], bool]


def pass_filter(all_passes: bool, names: Collection[str]) -> PassFilter:
    """Selects every pass, or the passes with one of `names`."""
    return lambda p: all_passes or p.name in names


class IRPrinter(PassInstrument):
    """Prints the module before and/or after the selected passes (`--mlir-print-ir-*`)."""

    def __init__(self, stream: TextIO, before: PassFilter, after: PassFilter, generic: bool = False):
        self.stream, self.before, self.after, self.generic = stream, before, after, generic

    def run_before_pass(self, run: PassRun, module: ModuleOp) -> None:
        if self.before(run.module_pass):
            self._dump("Before", run.module_pass, module)

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        if self.after(run.module_pass):
            self._dump("After", run.module_pass, module)

    def _dump(self, when: str, module_pass: ModulePass, module: ModuleOp) -> None:
        self.stream.write(f"{dump_header(when, module_pass)}\n{print_module(module, self.generic)}\n")


class TreeDirWriter(PassInstrument):
    """Writes `00-input.mlir`, then `NN-<pass>.mlir` after each pass, into a directory.

    Each file is a module that dlfc (or xdsl-opt) reads back. Weight values a
    module needs beyond its initialisers (folded or loaded from a file) go to
    one `weights.npz` in the directory, which the dumps that need it name (as
    a plan names its `plan.npz`), so compilation can resume from any dump.
    """

    WEIGHTS_FILE = "weights.npz"

    def __init__(self, directory: str, pass_count: int, write: Callable[[str, str], None], generic: bool = False):
        self.directory, self.write, self.generic = directory, write, generic
        self.width = max(2, len(str(pass_count)))
        self.weights: dict[str, np.ndarray] = {}

    def run_before_pipeline(self, module: ModuleOp) -> None:
        os.makedirs(self.directory, exist_ok=True)
        self._write(0, "input", "// -----// Input //----- //", module)

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        self._write(run.index, run.module_pass.name, dump_header("After", run.module_pass), module)

    def run_after_pipeline(self, module: ModuleOp) -> None:
        if self.weights:
            write_npz(os.path.join(self.directory, self.WEIGHTS_FILE), self.weights)

    def _write(self, index: int, name: str, header: str, module: ModuleOp) -> None:
        needed = plan_weights(module)
        self.weights.update(needed)
        previous = module.attributes.pop(WEIGHTS_ATTR, None)
        if needed:
            module.attributes[WEIGHTS_ATTR] = StringAttr(self.WEIGHTS_FILE)
        try:
            text = print_module(module, self.generic)
        finally:
            module.attributes.pop(WEIGHTS_ATTR, None)
            if previous is not None:
                module.attributes[WEIGHTS_ATTR] = previous
        self.write(f"{header}\n{text}", os.path.join(self.directory, f"{index:0{self.width}d}-{name}.mlir"))


class StatisticsCollector(PassInstrument):
    """Per pass: operations and FLOPs before and after, and the pass's own counters (`--stats`)."""

    def __init__(self) -> None:
        self.before: dict[int, tuple[int, int]] = {}
        self.rows: list[tuple[PassRun, tuple[int, int], tuple[int, int]]] = []

    def run_before_pass(self, run: PassRun, module: ModuleOp) -> None:
        self.before[run.index] = module_size(module)

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        self.rows.append((run, self.before.pop(run.index), module_size(module)))

    def report(self) -> str:
        lines = [*report_banner("Pass statistics report")]
        for run, (ops_before, flops_before), (ops_after, flops_after) in self.rows:
            lines.append(f"{run.module_pass}")
            lines.append(f"  (S) {ops_before} -> {ops_after} ops - operations in the module")
            lines.append(f"  (S) {flops_before} -> {flops_after} flops - FLOPs of the graph ops")
            lines.extend(f"  (S) {value} {name}" for name, value in sorted(run.statistics.items()))
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- timing


class Stopwatch:
    """Wall time of named steps (`with clock.measure("Parser"): ...`), from its creation on."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def report_banner(title: str) -> list[str]:
    """MLIR's report banner: a rule, the centred title, a rule."""
    rule = "===" + "-" * 73 + "==="
    return [rule, " " * ((80 - len(title) - 8) // 2) + f"... {title} ...", rule]


def timing_report(rows: Sequence[tuple[int, str, float]], total: float) -> str:
    """MLIR's `--mlir-timing` table; rows are (indent, name, seconds) and `Rest` fills up to `total`."""
    top_level = sum(seconds for depth, _, seconds in rows if depth == 0)
    lines = [*report_banner("Execution time report"), f"  Total Execution Time: {total:.4f} seconds", ""]
    lines.append("  ----Wall Time----  ----Name----")
    for depth, name, seconds in [*rows, (0, "Rest", max(total - top_level, 0.0)), (0, "Total", total)]:
        share = 100 * seconds / total if total > 0 else 0.0
        lines.append(f"  {seconds:>8.4f} ({share:5.1f}%)  {'  ' * depth}{name}")
    return "\n".join(lines) + "\n"


def pipeline_timing_rows(runs: Sequence[PassRun]) -> list[tuple[int, str, float]]:
    """`Pipeline`, then each pass and its verification, for `timing_report`."""
    rows = [(0, "Pipeline", sum(r.seconds + r.verify_seconds for r in runs))]
    for run in runs:
        rows.append((1, str(run.module_pass), run.seconds))
        if run.verify_seconds:
            rows.append((1, "Verifier", run.verify_seconds))
    return rows
