"""convert-fusion-to-accel: every `fusion.group` becomes one `accel.kernel`.

The kernel keeps the group's name, body and location (the fused location of
its body when the group has none). Its core count is the group's
`fusion.cores` attribute when a tuner has set one, else 1. The module records the
target accelerator in `accel.target` (its name and legal core counts), and
every kernel gets its modelled latency and bound (see annotate-latency).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, UnknownLoc
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

from dlfc.compiler.utils.latency import annotate_kernels
from dlfc.compiler.utils.locations import fused_location, located
from dlfc.dialects import accel, fusion
from dlfc.hw.cost import region_cores
from dlfc.hw.target import load_target


class GroupToKernel(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: fusion.GroupOp, rewriter: PatternRewriter) -> None:
        cores = region_cores(op)
        body = rewriter.move_region_contents_to_new_regions(op.body)
        yield_op = body.block.last_op
        assert isinstance(yield_op, fusion.YieldOp)
        rewriter.replace(yield_op, located([accel.YieldOp(*yield_op.values)], [yield_op]))
        kernel = accel.KernelOp(
            op.sym_name.data,
            list(op.inputs),
            list(op.outputs.types),
            body,
            cores,
        )
        kernel.location = op.location if not isinstance(op.location, UnknownLoc) else fused_location(body.block.ops)
        kernel.attributes.update({k: v for k, v in op.attributes.items() if k != fusion.CORES_ATTR})
        rewriter.replace(op, kernel)


@dataclass(frozen=True)
class ConvertFusionToAccelPass(ModulePass):
    """Lower each fusion.group to an accel.kernel on the target accelerator."""

    name = "convert-fusion-to-accel"

    target: str = "mlu100"
    """A preset name or an accelerator description (.toml) file."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = load_target(self.target)
        PatternRewriteWalker(GroupToKernel(), apply_recursively=False).rewrite_module(op)
        op.attributes[accel.TARGET_ATTR] = accel.TargetAttr(target.name, target.legal_cores)
        annotate_kernels(op, target)
