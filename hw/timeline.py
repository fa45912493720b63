"""When and where kernels run: the timeline of a module on a multi-core chip.

Kernels are placed in block order. A kernel starts when its operands are ready
(their producers have finished) and its cores are free. Its cores are those
its schedule attributes name (`accel.core_offset` .. `accel.core_offset + cores - 1`,
not before its planned `accel.start` in µs, both written by `schedule-parallel`); a
kernel without them takes the whole chip, so an unscheduled module runs its
kernels one after another.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Operation, SSAValue

from dlfc.dialects.accel import OFFSET_ATTR, START_ATTR
from dlfc.hw.cost import region_cores


@dataclass(frozen=True)
class Slot:
    """Where and when one kernel runs: cores offset .. offset + cores - 1, from `start` to `end` (seconds)."""

    op: Operation
    offset: int
    cores: int
    start: float
    end: float


class Timeline:
    """Start and end times of kernels placed in block order on a chip of `cores` cores."""

    def __init__(self, cores: int):
        self.free = [0.0] * cores
        self.ready: dict[SSAValue, float] = {}
        self.slots: list[Slot] = []

    def ready_time(self, op: Operation) -> float:
        """When the operands of `op` are all available."""
        return max((self.ready.get(v, 0.0) for v in op.operands), default=0.0)

    def cores_free(self, offset: int, cores: int) -> float:
        return max(self.free[offset : offset + cores])

    def occupy(self, op: Operation, offset: int, cores: int, start: float, latency: float) -> Slot:
        slot = Slot(op, offset, cores, start, start + latency)
        self.free[offset : offset + cores] = [slot.end] * cores
        for result in op.results:
            self.ready[result] = slot.end
        self.slots.append(slot)
        return slot

    def place(self, op: Operation, latency: float) -> Slot:
        """Run `op` as its schedule attributes say (on the whole chip when it has none)."""
        offset = op.attributes.get(OFFSET_ATTR)
        if not isinstance(offset, IntegerAttr):
            start = max(self.ready_time(op), self.cores_free(0, len(self.free)))
            return self.occupy(op, 0, len(self.free), start, latency)
        cores = region_cores(op)
        planned = op.attributes.get(START_ATTR)
        start = max(self.ready_time(op), self.cores_free(offset.value.data, cores))
        if isinstance(planned, FloatAttr):
            start = max(start, planned.value.data * 1e-6)
        return self.occupy(op, offset.value.data, cores, start, latency)

    @property
    def makespan(self) -> float:
        return max((s.end for s in self.slots), default=0.0)
