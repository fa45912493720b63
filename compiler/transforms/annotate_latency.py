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

from dlfc.dialects import accel
from dlfc.hw.cost import kernel_cost
from dlfc.hw.target import Accelerator, load_target


def annotate_kernels(module: ModuleOp, target: Accelerator) -> None:
    """Set the `latency` property of every accel.kernel of `module` (µs, rounded to the nanosecond)."""
    for op in module.walk():
        if isinstance(op, accel.KernelOp):
            cost = kernel_cost(op, target)
            op.latency = accel.LatencyAttr(round(cost.latency * 1e6, 3), cost.bound)


def module_target(module: ModuleOp, override: str = "") -> Accelerator:
    """The accelerator named by `override` (a preset or .toml file), else by the module's `accel.target`."""
    if override:
        return load_target(override)
    attr = accel.target_of(module)
    if attr is None:
        raise ValueError(f"the module has no {accel.TARGET_ATTR} attribute: give the target explicitly")
    return load_target(attr.target_name.data)


@dataclass(frozen=True)
class AnnotateLatencyPass(ModulePass):
    """Annotate every accel.kernel with its modelled latency and limiting bound."""

    name = "annotate-latency"

    target: str = ""
    """A preset name or .toml file; empty: the module's accel.target."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        annotate_kernels(op, module_target(op, self.target))
