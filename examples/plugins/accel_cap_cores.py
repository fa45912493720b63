"""A dlfc pass plugin on the accel dialect: no kernel uses more than `max` cores.

    dlfc plan.mlir --load-pass-plugin examples/plugins/accel_cap_cores.py \
        --pass-pipeline 'accel-cap-cores{max=8}'

(see docs/writing-a-pass.md)
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64

from dlfc.compiler.api import ModulePass, accel, add_statistic


def capped(cores: int, limit: int, legal: tuple[int, ...]) -> int:
    """The largest legal core count that is at most `limit` (and at most `cores`)."""
    allowed = [c for c in legal if c <= min(cores, limit)]
    return max(allowed) if allowed else min(cores, limit)


@dataclass(frozen=True)
class AccelCapCoresPass(ModulePass):
    """Cap the core count of every accel.kernel at `max`."""

    name = "accel-cap-cores"

    max: int = 8

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = accel.target_of(op)
        legal = target.cores if target is not None else ()
        for kernel in op.walk():
            if isinstance(kernel, accel.KernelOp) and kernel.core_count > self.max:
                kernel.cores = IntegerAttr(capped(kernel.core_count, self.max, legal), i64)
                add_statistic("kernels-capped")
