"""Kernel latency annotation, shared by `annotate-latency`, `convert-fusion-to-accel`,
`assign-cores` and `schedule-parallel`: each writes the cost model's verdict on the
`accel.kernel`s it creates or changes.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp

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
