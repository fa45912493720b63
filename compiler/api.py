"""The public API for pass authors: what a dlfc pass plugin imports from dlfc, all in one module.

    from dlfc.compiler.api import ModulePass, add_statistic, graph

A plugin that imports only from here (and from xDSL) keeps working when
dlfc's modules move; everything else in the `dlfc` package is internal.
docs/writing-a-pass.md is the tutorial.

The dialects
    `graph`, `fusion`, `accel`: the modules of dlfc's three IR levels (op
    classes such as `graph.ReluOp`, `fusion.GroupOp`, `accel.KernelOp`, and
    helpers such as `graph.shape_of`, `accel.target_of`).
Passes and their registration
    `ModulePass` (xDSL's pass base: a frozen dataclass whose fields are its
    options, with a class attribute `name`); `PASS_ENTRY_POINT_GROUP`, the
    entry-point group an installed package declares its passes in;
    `make_registry` / `PassRegistry` / `PluginError`, the registry of every
    pass (dlfc's, installed ones and `--load-pass-plugin` files).
Statistics
    `add_statistic(name, amount=1)`: a counter of the running pass (`dlfc --stats`).
Source locations
    `located(new_ops, sources)`: give the ops a rewrite builds the fused location
    of the ops they replace; `fused_location(ops)`, MLIR's FusedLoc of their locations.
The cost model and the targets
    `load_target(name_or_path)` -> `Accelerator` (`DEFAULT_TARGET`, `TargetError`);
    `group_cost(ops, cores, target)` and `kernel_cost(kernel, target)` -> `KernelCost`;
    `best_cores(ops, target)` -> (cores, `KernelCost`);
    `annotate_kernels(module, target)`: refresh every `accel.kernel`'s `latency`
    after changing its cores or body.
Running passes (tests, scripts)
    `make_context()`, the xDSL context with every dlfc dialect;
    `parse_pass_pipeline(text, factories)`, `run_pipeline(ctx, module, passes)`,
    `compile_to(module, level, options)` with `Level` and `level_of`;
    `PipelineError`, `PassFailure`; `print_module(module)`; `dlfc_main(argv)`,
    the `dlfc` command in-process (returns the exit status).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.passes import ModulePass

from dlfc.compiler.context import make_context
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pass_manager import PassFailure, run_pipeline
from dlfc.compiler.pipeline import Level, PipelineError, compile_to, level_of, parse_pass_pipeline
from dlfc.compiler.plugins import ENTRY_POINT_GROUP as PASS_ENTRY_POINT_GROUP
from dlfc.compiler.plugins import PassRegistry, PluginError, make_registry
from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.latency import annotate_kernels
from dlfc.compiler.utils.locations import fused_location, located
from dlfc.dialects import accel, fusion, graph
from dlfc.hw.cost import KernelCost, best_cores, group_cost, kernel_cost
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, TargetError, load_target


def dlfc_main(argv: Sequence[str]) -> int:
    """Run the `dlfc` command with `argv` in this process; its exit status (errors go to stderr)."""
    from dlfc.compiler.cli import main

    return main(argv)


__all__ = [
    "DEFAULT_TARGET",
    "PASS_ENTRY_POINT_GROUP",
    "Accelerator",
    "KernelCost",
    "Level",
    "ModulePass",
    "PassFailure",
    "PassRegistry",
    "PipelineError",
    "PluginError",
    "TargetError",
    "accel",
    "add_statistic",
    "annotate_kernels",
    "best_cores",
    "compile_to",
    "dlfc_main",
    "fused_location",
    "fusion",
    "graph",
    "group_cost",
    "kernel_cost",
    "level_of",
    "load_target",
    "located",
    "make_context",
    "make_registry",
    "parse_pass_pipeline",
    "print_module",
    "run_pipeline",
]
