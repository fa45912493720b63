"""The memory a run needs: how many bytes `dlfc.hw.interpreter.execute` holds at once, known before it allocates.

`run_memory` walks the entry function in execution order and follows what the
interpreter keeps alive (a liveness walk with the interpreter's lifetimes):

- the inputs, for the whole run (the caller holds them);
- every weight, for the whole run, once per name (the weight store caches each
  value), and any array of the weights file that no weight op names;
- a value of the entry function from the op that defines it to its last use
  (`dlfc.hw.reference.run_function_body` releases it then; a result nobody
  uses lives to the end);
- a value inside a kernel (`accel.kernel`, `fusion.group`) until the kernel
  returns (xDSL's interpreter keeps a region's values until it leaves it);
  a scheduled kernel's values twice over (its DRAM tensors, and the row
  slices its cores' buffers hold, which together cover each value at most
  once more), and the simulated tasks its timeline keeps (`simulation_bytes`);
- while an op runs, the copies its numpy kernel makes (`scratch_bytes`).

The peak of that walk is an upper bound, not an exact figure: views (a
reshape of a contiguous array) are counted as copies, and every op is
assumed to need its temporaries at the same moment as its results. Against
tracemalloc's peak on the examples (tests/cli/test_resources.py) it is 1.04-1.8
times what a whole-op run allocates and 1.2-3 times what a scheduled run does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import Float16Type, ModuleOp, TensorType
from xdsl.ir import Attribute, Block, Operation, SSAValue

from dlfc.dialects import accel, fusion, graph, schedule
from dlfc.dialects.graph import ints
from dlfc.hw.weights import numpy_dtype, store_of


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run holds: `inputs` and `weights` for the whole run, plus at most `intermediates` at one moment."""

    inputs: int
    weights: int
    intermediates: int

    @property
    def total(self) -> int:
        return self.inputs + self.weights + self.intermediates


def value_bytes(t: Attribute) -> int:
    """Bytes of a value of type `t` as numpy holds it (0 for a non-tensor)."""
    if not isinstance(t, TensorType):
        return 0
    return math.prod(t.get_shape()) * numpy_dtype(t.element_type).itemsize


def _widened(t: Attribute) -> int:
    """Bytes of the float32 copy `dlfc.hw.reference.wide` makes of an f16 value (0 for other types)."""
    if isinstance(t, TensorType) and isinstance(t.element_type, Float16Type):
        return 2 * value_bytes(t)
    return 0


def _padded(t: Attribute, pad: tuple[int, ...], element: int) -> int:
    """Bytes of an NCHW value of type `t` padded by [top, left, bottom, right] (0 without padding)."""
    if not any(pad):
        return 0
    n, c, h, w = graph.shape_of(t)
    return n * c * (h + pad[0] + pad[2]) * (w + pad[1] + pad[3]) * element


def scratch_bytes(op: Operation) -> int:
    """Bytes the reference kernel of `op` allocates besides its results while it runs.

    A convolution: its padded input and its im2col columns [N, C·kh·kw, Ho·Wo]
    (a copy unless the kernel is 1x1 with stride 1); a pooling: its padded
    input; erf and GELU: six float64 arrays of the result's element count
    (`erf_values` computes in float64; measured with tracemalloc: 13.5 times
    an f32 result in all); any op: float32 copies of f16 operands, and two
    temporaries of its largest result's size (the intermediate arrays of a
    numpy expression, as softmax's x − max and exp).
    """
    if not isinstance(op, graph.GraphOp):
        return 0
    largest = max((value_bytes(r.type) for r in op.results), default=0)
    scratch = 2 * largest + sum(_widened(v.type) for v in op.operands)
    if isinstance(op, graph.ErfOp | graph.GeluOp):
        scratch += 6 * 8 * graph.num_elements(op.results[0].type)
    if isinstance(op, graph.Conv2DOp | graph.PoolOp) and len(graph.shape_of(op.operands[0].type)) == 4:
        x = op.operands[0].type
        assert isinstance(x, TensorType)
        element = 4 if isinstance(x.element_type, Float16Type) else numpy_dtype(x.element_type).itemsize
        scratch += _padded(x, tuple(ints(op.pad)), element)
        if isinstance(op, graph.Conv2DOp):
            n, c = graph.shape_of(x)[:2]
            _, _, kh, kw = graph.shape_of(op.operands[1].type)
            _, _, ho, wo = graph.shape_of(op.results[0].type)
            scratch += n * c * kh * kw * ho * wo * element
    return scratch


def _is_weight(value: SSAValue) -> bool:
    return isinstance(value.owner, graph.WeightOp)


def _results_bytes(op: Operation) -> int:
    """Bytes of `op`'s results that are new arrays (a weight's value is the store's)."""
    return 0 if isinstance(op, graph.WeightOp) else sum(value_bytes(r.type) for r in op.results)


def region_peak(block: Block, scheduled: bool = False) -> int:
    """Peak bytes of the values of a kernel's `block` while it runs: they all stay until it returns.

    A scheduled kernel's values count twice (in DRAM, and as the row slices its
    cores' buffers hold); an op's slice needs at most the whole op's scratch.
    """
    copies = 2 if scheduled else 1
    held, peak = 0, 0
    for op in block.ops:
        results = _results_bytes(op)
        peak = max(peak, held + copies * results + _op_peak(op) - results)
        held += copies * results
    return peak


def _op_peak(op: Operation) -> int:
    """Bytes `op` holds while it runs: its results and scratch, or for a kernel its whole body's peak."""
    if isinstance(op, accel.KernelOp | fusion.GroupOp):
        return region_peak(op.body.block, isinstance(op, accel.KernelOp) and schedule.program_of(op) is not None)
    return _results_bytes(op) + scratch_bytes(op)


def function_peak(block: Block) -> int:
    """Peak bytes of the entry function's values (not its arguments), each released after its last use."""
    last_use: dict[SSAValue, Operation] = {}
    for op in block.ops:
        last_use.update((operand, op) for operand in op.operands)
    held, peak = 0, 0
    sizes: dict[SSAValue, int] = {}
    for op in block.ops:
        if isinstance(op, func.ReturnOp):
            break
        peak = max(peak, held + _op_peak(op))
        for operand in op.operands:
            if last_use[operand] is op and operand in sizes:
                held -= sizes.pop(operand)
        for result in op.results:
            size = 0 if _is_weight(result) else value_bytes(result.type)
            sizes[result] = size
            held += size
        peak = max(peak, held)
    return peak


def weight_bytes(module: ModuleOp) -> int:
    """Bytes of every weight the module names (once per name) and of the weights file's other arrays."""
    sizes: dict[str, int] = {}
    for op in module.walk():
        if isinstance(op, graph.WeightOp):
            sizes[op.weight_id] = max(sizes.get(op.weight_id, 0), value_bytes(op.output.type))
    extra = sum(array.nbytes for name, array in store_of(module).arrays.items() if name not in sizes)
    return sum(sizes.values()) + extra


def entry_block(module: ModuleOp) -> Block:
    (fn,) = (op for op in module.ops if isinstance(op, func.FuncOp))
    return fn.body.block


SIMULATION_EVENT_BYTES = 400
"""Bytes of one simulated task on the timeline (`dlfc.hw.simulator.Event` and its strings; tracemalloc measures
300-390 on the examples)."""


def step_events(step: Operation) -> int:
    """The most simulated tasks one program step makes per core on the timeline (`dlfc.hw.simulator`).

    A whole op makes four (its compute, its reads, its writes, the multicast
    of operands every core needs), an exchange two (over the links and,
    across clusters, through DRAM), any other step one (a barrier one in all;
    joins are not kept).
    """
    if isinstance(step, schedule.ComputeWholeOp):
        return 4
    return 2 if isinstance(step, schedule.ExchangeOp) else 1


def simulation_bytes(module: ModuleOp) -> int:
    """Bytes of the simulated tasks the run keeps on its timeline: at most `step_events` per program step and core."""
    return SIMULATION_EVENT_BYTES * sum(
        sum(step_events(step) for step in program.steps()) * op.core_count
        for op in module.walk()
        if isinstance(op, accel.KernelOp) and (program := schedule.program_of(op)) is not None
    )


def run_memory(module: ModuleOp) -> MemoryEstimate:
    """What executing `module` holds at most (see the module docstring); `module` satisfies the module contract."""
    block = entry_block(module)
    return MemoryEstimate(
        inputs=sum(value_bytes(arg.type) for arg in block.args),
        weights=weight_bytes(module),
        intermediates=function_peak(block) + simulation_bytes(module),
    )


UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def format_bytes(size: float) -> str:
    """`size` in binary units: 512 B, 1.5 KiB, 37.3 GiB."""
    unit = 0
    while size >= 1024 and unit < len(UNITS) - 1:
        size /= 1024
        unit += 1
    return f"{size:.0f} {UNITS[unit]}" if unit == 0 else f"{size:.1f} {UNITS[unit]}"
