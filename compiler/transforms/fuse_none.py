"""fuse-none: the no-fusion baseline, every graph op alone in its own `fusion.group`.

The same plan as `convert-graph-to-fusion`, under the name the fusion
benchmarks compare, with each group's mapping type recorded and reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dlfc.compiler.utils.fusion_graph import group_mapping, report_groups
from dlfc.compiler.utils.outlining import form_groups
from dlfc.dialects.fusion import MAPPING_ATTR


@dataclass(frozen=True)
class FuseNonePass(ModulePass):
    """Wrap every graph op in its own fusion.group (the baseline of the fusion planners)."""

    name = "fuse-none"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        report_groups(form_groups(op, lambda ops: [[o] for o in ops], lambda part: {MAPPING_ATTR: group_mapping(part)}))
