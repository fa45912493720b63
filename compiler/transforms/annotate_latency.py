"""annotate-latency: write the cost model's verdict on every `accel.kernel`.

Each kernel gets `latency = <us us, bound>`: its modelled latency on its own
core count and the bound that limits it (compute, memory or overhead), as
`dlfc.hw.cost.kernel_cost` computes them for the module's target.
`convert-fusion-to-accel` annotates the kernels it creates; run this pass
again after anything changes a kernel's cores or body.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from dlfc.compiler.utils.latency import annotate_kernels, module_target


@dataclass(frozen=True)
class AnnotateLatencyPass(ModulePass):
    """Annotate every accel.kernel with its modelled latency and limiting bound."""

    name = "annotate-latency"

    target: str = ""
    """A preset name or .toml file; empty: the module's accel.target."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        annotate_kernels(op, module_target(op, self.target))
