"""Pass instruments and reports: IR dumps (`--mlir-print-ir-*`), numbered dump
files (`--mlir-print-ir-tree-dir`), statistics (`--stats`) and timing (`--mlir-timing`).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.passes import ModulePass
from xdsl.printer import Printer

from dlfc.compiler.pass_manager import PassInstrument, PassRun
from dlfc.dialects import graph
from dlfc.hw.weights import WEIGHTS_ATTR, plan_weights


def module_size(module: ModuleOp) -> tuple[int, int]:
    """(operations, FLOPs) of a module: FLOPs of every graph op, inside groups and kernels too."""
    ops = flops = 0
    for op in module.walk():
        ops += 1
        if isinstance(op, graph.GraphOp):
            flops += op.flops()
    return ops - 1, flops


def print_module(module: ModuleOp, generic: bool = False, debuginfo: bool = False) -> str:
    """The module in MLIR syntax (xDSL's custom or generic form), ending with a newline.

    `debuginfo` prints every op's location (`loc(...)`), as MLIR's `--mlir-print-debuginfo`.
    """
    out = io.StringIO()
    Printer(stream=out, print_generic_format=generic, print_debuginfo=debuginfo).print_op(module)
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

    def __init__(
        self,
        directory: str,
        pass_count: int,
        write: Callable[[str, str], None],
        write_arrays: Callable[[str, Mapping[str, np.ndarray]], None],
        generic: bool = False,
    ):
        """`write(text, path)` and `write_arrays(path, arrays)` create the files (the driver's writers)."""
        self.directory, self.write, self.write_arrays, self.generic = directory, write, write_arrays, generic
        self.width = max(2, len(str(pass_count)))
        self.weights: dict[str, np.ndarray] = {}

    def run_before_pipeline(self, module: ModuleOp) -> None:
        os.makedirs(self.directory, exist_ok=True)
        self._write(0, "input", "// -----// Input //----- //", module)

    def run_after_pass(self, run: PassRun, module: ModuleOp) -> None:
        self._write(run.index, run.module_pass.name, dump_header("After", run.module_pass), module)

    def run_after_pipeline(self, module: ModuleOp) -> None:
        if self.weights:
            self.write_arrays(os.path.join(self.directory, self.WEIGHTS_FILE), self.weights)

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
