"""The registry of every pass dlfc knows: CLI name -> pass class, imported on first use.

To add a pass, append one line to `PASSES`. Passes from outside this
repository come in as plugins (see `compiler/plugins.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from xdsl.passes import ModulePass

PassFactory = Callable[[], type[ModulePass]]
"""Imports and returns a pass class (the form xDSL's `PassPipeline` takes)."""

# CLI name -> "module:Class". Dialect-local transforms live in compiler/transforms/,
# cross-dialect conversions in compiler/conversion/.
PASSES: dict[str, str] = {
    "convert-graph-to-fusion": "dlfc.compiler.conversion.convert_graph_to_fusion:ConvertGraphToFusionPass",
    "convert-fusion-to-accel": "dlfc.compiler.conversion.convert_fusion_to_accel:ConvertFusionToAccelPass",
    "accel-schedule": "dlfc.compiler.transforms.accel_schedule:AccelSchedulePass",
    "annotate-latency": "dlfc.compiler.transforms.annotate_latency:AnnotateLatencyPass",
    "graph-algebraic-simplify": "dlfc.compiler.transforms.graph_algebraic_simplify:GraphAlgebraicSimplifyPass",
    "graph-fold-batchnorm": "dlfc.compiler.transforms.graph_fold_batchnorm:GraphFoldBatchNormPass",
    "graph-fold-constants": "dlfc.compiler.transforms.graph_fold_constants:GraphFoldConstantsPass",
    "graph-simplify-shapes": "dlfc.compiler.transforms.graph_simplify_shapes:GraphSimplifyShapesPass",
    "fuse-none": "dlfc.compiler.transforms.fuse_none:FuseNonePass",
    "fuse-patterns": "dlfc.compiler.transforms.fuse_patterns:FusePatternsPass",
    "fuse-dnnfusion": "dlfc.compiler.transforms.fuse_dnnfusion:FuseDnnfusionPass",
    "assign-cores": "dlfc.compiler.transforms.assign_cores:AssignCoresPass",
    "autotune": "dlfc.compiler.transforms.autotune:AutotunePass",
    "oracle": "dlfc.compiler.transforms.oracle:OraclePass",
    "schedule-parallel": "dlfc.compiler.transforms.schedule_parallel:ScheduleParallelPass",
    "canonicalize": "xdsl.transforms.canonicalize:CanonicalizePass",
    "cse": "xdsl.transforms.common_subexpression_elimination:CommonSubexpressionElimination",
    "dce": "xdsl.transforms.dead_code_elimination:DeadCodeElimination",
}


def import_object(reference: str) -> Any:
    """The object named by a "package.module:attribute" reference."""
    module, _, attribute = reference.partition(":")
    return getattr(import_module(module), attribute)


def _factory(reference: str) -> PassFactory:
    return lambda: import_object(reference)


def get_all_passes() -> dict[str, PassFactory]:
    """Name -> factory of every pass in `PASSES` (plugins not included)."""
    return {name: _factory(reference) for name, reference in PASSES.items()}


def is_dlfc_pass(name: str) -> bool:
    """True for passes implemented by dlfc (not re-exported from xDSL)."""
    return not PASSES[name].startswith("xdsl.")
