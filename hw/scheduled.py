"""Numerics of a scheduled kernel: its `schedule.program` executed step by step, per core, from buffer contents.

The kernel's DRAM holds its inputs and its weights and constants; every
other value exists only as rows in buffers or as rows stored back to DRAM. A
`schedule.load` copies rows of a DRAM tensor into a core's buffer; a
`schedule.compute` reads from its `ins` buffers exactly the rows that
`operand_rows` says a slice needs and runs the graph op's reference kernel
(`dlfc.hw.reference`) on them: a convolution or pooling slice runs with the
padding rows that fall inside its window and nothing else, so its numbers
depend on the halo that was loaded. Rows a buffer does not hold read as NaN
(zero for integers), a buffer written on a core destroys whatever any other
buffer overlapping it held there, and DRAM rows never stored are NaN: a wrong
slice, halo or buffer allocation shows in the outputs. `schedule.compute_whole`
runs the op on whole DRAM tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import BoolAttr, IntegerAttr, i64
from xdsl.interpreter import Interpreter, PythonValues
from xdsl.ir import SSAValue

from dlfc.dialects import accel, graph, schedule
from dlfc.dialects.graph import i64_array, ints
from dlfc.dialects.schedule import (
    Rect,
    aligned_channels,
    batched,
    channel_axis,
    channel_count,
    hull,
    inside,
    is_empty,
    layout_rect,
    layout_sliceable,
    meet,
    operand_channels,
    operand_filters,
    operand_rect,
    operand_rows,
    pad_top,
    real_rows,
    row_axis,
    row_count,
    row_factor,
    window_rows,
)
from dlfc.hw.reference import KERNELS, ExecutionError, evaluate, result_dtype

Content = tuple[SSAValue, Rect, np.ndarray]
"""What a buffer holds on one core: the tensor, its rect (rows by channels) and their values."""


class _Repadded:
    """A convolution or pooling op seen with other padding (the rows of one slice) and, for a depthwise
    convolution's channels, other groups."""

    def __init__(self, op: graph.GraphOp, pad: Sequence[int], groups: int | None = None):
        self._op = op
        self.pad = i64_array(pad)
        self.ceil_mode = BoolAttr.from_bool(False)  # the slice's padding ends with its last window
        if groups is not None:
            self.groups = IntegerAttr(groups, i64)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._op, name)


class _Padded:
    """A pad seen with other pads (the padding rows of one slice)."""

    def __init__(self, op: graph.PadOp, pads: Sequence[int]):
        self._op = op
        self.pads = i64_array(pads)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._op, name)


def _block(array: np.ndarray, value: SSAValue, r: Rect) -> np.ndarray:
    """Rect `r` of `array` (of `value`'s type, or a piece of it whose rect starts at 0, 0)."""
    index = [slice(None)] * array.ndim
    axis = row_axis(value.type)
    if axis is not None:
        index[axis] = slice(r[0], r[1])
    axis = channel_axis(value.type)
    if axis is not None:
        index[axis] = slice(r[2], r[3])
    return array[tuple(index)]


def _shifted(r: Rect, origin: Rect) -> Rect:
    return (r[0] - origin[0], r[1] - origin[0], r[2] - origin[2], r[3] - origin[2])


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _poison(dtype: np.dtype) -> float | int:
    return np.nan if dtype.kind in "fc" else 0


def take(content: Content | None, value: SSAValue, r: Rect, dtype: np.dtype) -> np.ndarray:
    """Rect `r` of `value` as a buffer holds it; what it lacks reads as NaN (0 for integers)."""
    if content is not None and content[0] is value and inside(r, content[1]):
        return _block(content[2], value, _shifted(r, content[1]))
    shape = list(graph.shape_of(value.type))
    for axis, (lo, hi) in ((row_axis(value.type), r[:2]), (channel_axis(value.type), r[2:])):
        if axis is not None:
            shape[axis] = hi - lo
    out = np.full(shape, _poison(dtype), dtype=dtype)
    if content is not None and content[0] is value:
        common = meet(r, content[1])
        if not is_empty(common):
            _block(out, value, _shifted(common, r))[...] = _block(content[2], value, _shifted(common, content[1]))
    return out


def compute_rows(
    op: graph.GraphOp, lo: int, hi: int, args: Sequence[np.ndarray], groups: int | None = None
) -> np.ndarray:
    """Rows [lo, hi) of the result of a row-sliceable op from the operand rows `operand_rows` names."""
    if isinstance(op, graph.UpsampleOp | graph.DepthToSpaceOp):  # the input rows' output rows, cut to [lo, hi)
        (out,) = evaluate(op, args)
        first = lo // row_factor(op) * row_factor(op)
        return out[:, :, lo - first : hi - first]
    if isinstance(op, graph.PadOp):  # the slice's input rows padded with the padding rows inside [lo, hi)
        axis = row_axis(op.results[0].type)
        assert axis is not None
        rank, top = len(args[0].shape), pad_top(op)
        height = row_count(op.operands[0].type)
        before = min(max(top - lo, 0), hi - lo)
        after = min(max(hi - top - height, 0), hi - lo)
        pads = list(ints(op.pads))
        pads[axis], pads[axis + rank] = before, after
        return np.asarray(KERNELS[graph.PadOp](_Padded(op, pads), *args), dtype=result_dtype(op))
    if isinstance(op, graph.Conv2DOp | graph.PoolOp):
        first, last = window_rows(op, lo, hi)
        real_lo, real_hi = real_rows(op, first, last)
        top, bottom = (real_lo - first, last - real_hi) if real_lo < real_hi else (last - first, 0)
        pad = list(ints(op.pad))
        h = len(pad) // 2 - 2  # H: the second-last spatial axis
        pad[h], pad[h + len(pad) // 2] = top, bottom
        repadded = _Repadded(op, pad, groups)
        out = KERNELS[type(op)](repadded, *args)
        return np.asarray(out, dtype=result_dtype(op))
    (out,) = evaluate(op, args)
    return out


def compute_rect(op: graph.GraphOp, r: Rect, args: Sequence[np.ndarray]) -> np.ndarray:
    """Rect `r` of the result of a row-sliceable op from the operand rects `operand_rect` names.

    Of some channels only: the per-channel operands read whole (a weight's
    output channels, a bias, batch norm's statistics, a broadcast operand with
    the result's channels) are cut to those channels, and a depthwise
    convolution runs with as many groups as it has channels.
    """
    out = op.results[0].type
    c0, c1 = r[2], r[3]
    if layout_sliceable(op):
        return layout_block(op, r, args[0])
    if (c0, c1) == (0, channel_count(out)):
        return compute_rows(op, r[0], r[1], args)
    args = list(args)
    groups = None
    if isinstance(op, graph.Conv2DOp):
        args[1:] = [a[c0:c1] for a in args[1:]]  # weight [out, in/groups, ...] and bias [out]
        if op.groups.value.data > 1:
            groups = c1 - c0
    elif isinstance(op, graph.DenseOp):
        args[1:] = [a[c0:c1] for a in args[1:]]  # weight [out, in] and bias [out]
    elif isinstance(op, graph.MatMulOp) and not batched(op):
        args[1] = args[1][..., c0:c1]
    elif isinstance(op, graph.BatchNormOp):
        args[1:] = [a[c0:c1] for a in args[1:]]
    else:
        for i in range(len(op.operands)):
            rows = operand_rows(op, i, r[0], r[1])
            position = aligned_channels(op, i)
            cut = rows is None and not (i == 1 and batched(op))  # a batched matmul's heads come cut already
            if cut and position is not None and operand_channels(op, i, c0, c1) is not None:
                index = [slice(None)] * args[i].ndim
                index[position] = slice(c0, c1)
                args[i] = args[i][tuple(index)]
    return compute_rows(op, r[0], r[1], args, groups)


def layout_block(op: graph.GraphOp, r: Rect, arg: np.ndarray) -> np.ndarray:
    """Rect `r` of the result of a `layout_sliceable` op from the rect of its operand `operand_rect` names:
    the block transposed or reshaped (from the whole operand, cut, where no rect holds exactly its elements)."""
    result = op.results[0]
    if layout_rect(op, r) is None:
        (out,) = evaluate(op, [arg])
        return _block(out, result, r)
    if isinstance(op, graph.TransposeOp):
        return np.transpose(arg, ints(op.perm))
    shape = list(graph.shape_of(result.type))
    for axis, (lo, hi) in ((row_axis(result.type), r[:2]), (channel_axis(result.type), r[2:])):
        if axis is not None:
            shape[axis] = hi - lo
    return arg.reshape(shape)


class ProgramRun:
    """One execution of a kernel's program: per-core buffers and the kernel's DRAM."""

    def __init__(self, program: schedule.ProgramOp, cores: int, dram: dict[SSAValue, np.ndarray]):
        self.program = program
        self.cores = cores
        self.dram = dram
        self.dtypes: dict[SSAValue, np.dtype] = {}
        buffers = [op for op in program.body.block.ops if isinstance(op, schedule.BufferOp)]
        self.clobbers = {
            b.buffer: [o.buffer for o in buffers if o is not b and o.span[0] < b.span[1] and b.span[0] < o.span[1]]
            for b in buffers
        }
        self.held: list[dict[SSAValue, Content]] = [{} for _ in range(cores)]
        self.filters: list[dict[SSAValue, tuple[int, int]]] = [{} for _ in range(cores)]
        """Per core, the buffers holding some output channels (axis 0) of a weight only: which."""

    def dtype(self, value: SSAValue) -> np.dtype:
        found = self.dtypes.get(value)
        if found is None:
            owner = value.owner
            if isinstance(owner, graph.GraphOp) or graph.is_source(owner):
                found = result_dtype(owner, value.index)  # type: ignore[arg-type, union-attr]
            else:
                found = self.dram[value].dtype
            self.dtypes[value] = found
        return found

    def write(self, core: int, buffer: SSAValue, content: Content, filters: tuple[int, int] | None = None) -> None:
        held = self.held[core]
        for other in self.clobbers[buffer]:
            held.pop(other, None)
            self.filters[core].pop(other, None)
        held[buffer] = content
        if filters is None:
            self.filters[core].pop(buffer, None)
        else:
            self.filters[core][buffer] = filters

    def run(self) -> None:
        for op in self.program.steps():
            if isinstance(op, schedule.LoadOp):
                source = self.dram.get(op.source)
                if source is None:
                    raise ExecutionError("schedule.load: the tensor is not in DRAM")
                for core, (r, f) in enumerate(zip(op.core_rects(), op.core_filters(), strict=True)):
                    if not is_empty(r):
                        values = _block(source, op.source, r)
                        self.write(core, op.dest, (op.source, r, values if f is None else values[f[0] : f[1]]), f)
            elif isinstance(op, schedule.ComputeOp):
                self.compute(op)
            elif isinstance(op, schedule.StoreOp):
                self.store(op)
            elif isinstance(op, schedule.ExchangeOp):
                self.exchange(op)
            elif isinstance(op, schedule.ComputeWholeOp):
                graph_op = op.graph_op
                results = evaluate(graph_op, [self.dram[v] for v in graph_op.operands])
                self.dram.update(zip(graph_op.results, results, strict=True))

    def compute(self, op: schedule.ComputeOp) -> None:
        """Each core's rect from the operand rects its buffers hold.

        Cores computing other channels of the same rows from equal operands (a
        convolution or dense layer split by channels, whose gathered input every
        core holds) share one evaluation over their channels, cut per core: the
        numbers are those each core would compute (equal inputs, NaN included),
        without every core repeating the whole input's im2col.
        """
        graph_op = op.graph_op
        shared: list[tuple[Rect, list[np.ndarray], np.ndarray]] = []  # (rect, args, values) evaluated
        rects = op.core_rects()
        for core, r in enumerate(rects):
            if is_empty(r):
                continue
            held = self.held[core]
            args, exact = [], True
            for i, (operand, buffer) in enumerate(zip(graph_op.operands, op.ins, strict=True)):
                weight = self.weight(core, buffer, operand, operand_filters(graph_op, i, r))
                if weight is None:
                    weight = take(held.get(buffer), operand, operand_rect(graph_op, i, r), self.dtype(operand))
                elif weight is not self.dram.get(operand):
                    exact = False
                args.append(weight)
            values = None
            gathers = isinstance(graph_op, graph.Conv2DOp | graph.DenseOp | graph.MatMulOp)
            if exact and op.channels is not None and gathers and operand_channels(graph_op, 0, r[2], r[3]) is None:
                for done, done_args, done_values in shared:
                    if done[:2] == r[:2] and done[2] <= r[2] and r[3] <= done[3] and _same(args[0], done_args[0]):
                        values = _block(done_values, op.value, (0, r[1] - r[0], r[2] - done[2], r[3] - done[2]))
                        break
                if values is None and not any(done[:2] == r[:2] for done, _, _ in shared):
                    same = [q for q in rects if q[:2] == r[:2] and not is_empty(q)]
                    span = (r[0], r[1], min(q[2] for q in same), max(q[3] for q in same))
                    shared.append((span, args, compute_rect(graph_op, span, args)))
                    values = _block(shared[-1][2], op.value, (0, r[1] - r[0], r[2] - span[2], r[3] - span[2]))
            if values is None:
                values = compute_rect(graph_op, r, args)
            content = held.get(op.out)
            kept = op.kept(core, content[:2] if content is not None else None, r)
            if content is not None and not is_empty(kept):
                axis = row_axis(op.value.type)
                old = _block(content[2], op.value, _shifted(kept, content[1]))
                self.write(core, op.out, (op.value, hull(kept, r), np.concatenate([old, values], axis=axis)))
            else:
                self.write(core, op.out, (op.value, r, values))

    def weight(self, core: int, buffer: SSAValue, operand: SSAValue, need: tuple[int, int] | None) -> np.ndarray | None:
        """A weight operand whose buffer holds some of its output channels only (None: any other operand).

        The whole weight in DRAM when the core holds the filters `need` (those are the values its buffer holds,
        loaded from there), else the whole weight's shape with the filters it lacks NaN (0 for integers).
        """
        have = self.filters[core].get(buffer)
        content = self.held[core].get(buffer)
        if have is None or content is None or content[0] is not operand:
            return None
        full = self.dram[operand]
        need = need or (0, full.shape[0])
        if have[0] <= need[0] and need[1] <= have[1]:
            return full
        partial = np.full(full.shape, _poison(full.dtype), dtype=full.dtype)
        partial[have[0] : have[1]] = content[2]
        return partial

    def exchange(self, op: schedule.ExchangeOp) -> None:
        """Each core's buffer gets its rect, its own rows first, the rest from the other cores' same buffer."""
        value, dtype = op.value, self.dtype(op.value)
        before = [held.get(op.buffer) for held in self.held]
        for core, r in enumerate(op.core_rects()):
            if is_empty(r):
                continue
            out = take(None, value, r, dtype)
            for other in [*(c for c in range(self.cores) if c != core), core]:  # its own rows last: they win
                content = before[other]
                if content is None or content[0] is not value:
                    continue
                common = meet(r, content[1])
                if not is_empty(common):
                    _block(out, value, _shifted(common, r))[...] = _block(
                        content[2], value, _shifted(common, content[1])
                    )
            self.write(core, op.buffer, (value, r, out))

    def store(self, op: schedule.StoreOp) -> None:
        value = op.value
        target = self.dram.get(value)
        if target is None:
            dtype = self.dtype(value)
            target = self.dram[value] = np.full(graph.shape_of(value.type), _poison(dtype), dtype=dtype)
        for core, r in enumerate(op.core_rects()):
            if not is_empty(r):
                _block(target, value, r)[...] = take(self.held[core].get(op.source), value, r, target.dtype)


def run_scheduled_kernel(interpreter: Interpreter, kernel: accel.KernelOp, args: PythonValues) -> PythonValues:
    """The results of a scheduled kernel on `args`, computed by its program."""
    program = schedule.program_of(kernel)
    assert program is not None
    block = kernel.body.block
    dram: dict[SSAValue, np.ndarray] = dict(zip(block.args, args, strict=True))
    for op in block.ops:
        if graph.is_source(op):
            dram.update(zip(op.results, interpreter.run_op(op, ()), strict=True))
    ProgramRun(program, kernel.core_count, dram).run()
    yield_op = block.last_op
    assert isinstance(yield_op, accel.YieldOp)
    return tuple(dram[v] for v in yield_op.values)
