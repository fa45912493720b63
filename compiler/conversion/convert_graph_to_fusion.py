"""convert-graph-to-fusion: every graph op becomes its own `fusion.group` (no fusion).

The fusion planners (`fuse-*` passes) produce the same IR with real groups;
this conversion is the trivial plan and the baseline they are measured against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from dlfc.compiler.conversion.outlining import outline
from dlfc.dialects import fusion, graph


def form_groups(
    module: ModuleOp,
    plan: Callable[[list[graph.GraphOp]], Sequence[Sequence[Operation]]],
    annotate: Callable[[Sequence[Operation]], dict[str, Attribute]] | None = None,
) -> list[fusion.GroupOp]:
    """Outline the graph ops of every function into `fusion.group`s.

    `plan` receives the function's graph compute ops in block order and returns
    the parts (convex sets of ops, each in block order) that become groups;
    `annotate` may give each group discardable attributes.
    """
    groups: list[fusion.GroupOp] = []
    for fn in module.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        block = fn.body.block
        ops = [op for op in block.ops if isinstance(op, graph.GraphOp)]

        def make(part: Sequence[Operation], inputs, result_types, body) -> fusion.GroupOp:
            group = fusion.GroupOp(fusion.kernel_name(len(groups), part), inputs, result_types, body)
            if annotate is not None:
                group.attributes.update(annotate(part))
            groups.append(group)
            return group

        outline(block, plan(ops), make, fusion.YieldOp)
    return groups


@dataclass(frozen=True)
class ConvertGraphToFusionPass(ModulePass):
    """Wrap every graph op in its own fusion.group."""

    name = "convert-graph-to-fusion"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        form_groups(op, lambda ops: [[o] for o in ops])
