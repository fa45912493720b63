"""assign-cores: give every kernel its core count, keeping the fusion scheme as it is.

Works on `fusion.group`s (sets their `fusion.cores` attribute) and on `accel.kernel`s
(sets their `cores` and refreshes their `latency`). Two ways
to choose, option `cores-by`:

- `model` (default): the legal core count with the lowest latency in the cost
  model (`dlfc.hw.cost.best_cores`; the fewest cores on a tie);
- `features`: a DLFusion-style rule of thumb that looks only at the kernel's
  operation count and feature-map channel size, as DLFusion's strategy does
  (`features_cores`). It ignores memory traffic, on-chip capacity and the
  partition axis, and is there for comparison with the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.latency import annotate_kernels
from dlfc.dialects import accel, fusion, graph
from dlfc.dialects.fusion import CORES_ATTR
from dlfc.hw.cost import best_cores, channel_efficiency
from dlfc.hw.target import DEFAULT_TARGET, Accelerator, load_target

CORES_BY = ("model", "features")


def channel_size(op: graph.GraphOp) -> int:
    """The feature-map channel size an op reads: axis 1 of an NCHW input, else the last axis."""
    shape = graph.shape_of(op.operands[0].type) if op.operands else ()
    if not shape:
        return 1
    return shape[1] if len(shape) == 4 else shape[-1]


def features_cores(ops: Sequence[Operation], target: Accelerator) -> int:
    """DLFusion's rule of thumb: the core count from operation count and channel size alone.

    With F the kernel's FLOPs (its operation count) and C the channel size of
    its largest layer, a vector unit of width V does useful work on a fraction
    e = C / (ceil(C / V) * V) of its lanes. The rule estimates

        t(c) = F / (e * c * core_peak) + sync(c)

    (compute split evenly over c cores, plus the synchronisation of c cores)
    and picks the legal c with the smallest t(c): few cores for small layers
    or layers with few channels per lane, more as the operation count grows.
    """
    layers = [op for op in ops if isinstance(op, graph.GraphOp)]
    flops = sum(op.flops() for op in layers)
    if not flops:
        return target.legal_cores[0]
    main = max(layers, key=lambda op: op.flops())
    efficiency = channel_efficiency(channel_size(main), target.vector_width)

    def estimate(cores: int) -> float:
        return flops / (efficiency * cores * target.core_peak_flops) + target.sync_overhead(cores)

    return min(target.legal_cores, key=lambda c: (estimate(c), c))


def choose_cores(ops: Sequence[Operation], target: Accelerator, cores_by: str) -> int:
    """The core count for one kernel of `ops`, by the cost model or by the features rule."""
    if cores_by == "features":
        return features_cores(ops, target)
    return best_cores(ops, target)[0]


def assign_cores(module: ModuleOp, target: Accelerator, cores_by: str = "model") -> None:
    """Set the core count of every `fusion.group` and `accel.kernel` of `module` (kernels' latencies follow)."""
    if cores_by not in CORES_BY:
        raise ValueError(f"assign-cores: cores-by must be one of {', '.join(CORES_BY)}, got '{cores_by}'")
    kernels = False
    for op in module.walk():
        if not isinstance(op, fusion.GroupOp | accel.KernelOp):
            continue
        cores = choose_cores(list(op.body.block.ops), target, cores_by)
        add_statistic(f"kernels on {cores} cores")
        if isinstance(op, fusion.GroupOp):
            op.attributes[CORES_ATTR] = IntegerAttr(cores, i64)
        else:
            op.cores = IntegerAttr(cores, i64)
            kernels = True
    if kernels:
        annotate_kernels(module, target)


@dataclass(frozen=True)
class AssignCoresPass(ModulePass):
    """Give every fusion group or kernel its core count: the cost model's best, or DLFusion's features rule."""

    name = "assign-cores"

    target: str = DEFAULT_TARGET
    cores_by: str = "model"
    """`model`: lowest modelled latency; `features`: rule of thumb from operation count and channel size."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        assign_cores(op, load_target(self.target), self.cores_by)
