"""The registry of every pass dlfc knows: CLI name -> pass class, imported on first use."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from xdsl.passes import ModulePass

# CLI name -> "module:Class". Dialect-local transforms live in compiler/transforms/,
# cross-dialect conversions in compiler/conversion/.
PASSES: dict[str, str] = {
    "convert-graph-to-fusion": "compiler.conversion.convert_graph_to_fusion:ConvertGraphToFusionPass",
    "convert-fusion-to-accel": "compiler.conversion.convert_fusion_to_accel:ConvertFusionToAccelPass",
    "canonicalize": "xdsl.transforms.canonicalize:CanonicalizePass",
    "cse": "xdsl.transforms.common_subexpression_elimination:CommonSubexpressionElimination",
    "dce": "xdsl.transforms.dead_code_elimination:DeadCodeElimination",
}


def _loader(path: str) -> Callable[[], type[ModulePass]]:
    module, cls = path.split(":")
    return lambda: getattr(import_module(module), cls)


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Name -> factory of every registered pass (the form xDSL's PassPipeline takes)."""
    return {name: _loader(path) for name, path in PASSES.items()}
