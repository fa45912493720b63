"""convert-graph-to-fusion: every graph op becomes its own `fusion.group` (no fusion).

The fusion planners (`fuse-*` passes) produce the same IR with real groups;
this conversion is the trivial plan and the baseline they are measured against.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dlfc.compiler.utils.outlining import form_groups


@dataclass(frozen=True)
class ConvertGraphToFusionPass(ModulePass):
    """Wrap every graph op in its own fusion.group."""

    name = "convert-graph-to-fusion"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        form_groups(op, lambda ops: [[o] for o in ops])
