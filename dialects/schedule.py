"""The `schedule` dialect: an `accel.kernel` made explicit as buffers, DMA and per-slice compute.

The lowest level of dlfc, in the manner of TPU-MLIR's layer groups (the `tpu`
ops after LayerGroup carry slices and local-memory addresses) and MLIR-AIR
(herds of cores, DMA between memory levels). After `accel-schedule` a kernel's
body still holds its graph ops, which say *what* each tensor is (types and
semantics); one `schedule.program` at the end of the body says *how* the
kernel's cores compute them:

    %r = accel.kernel "k0" (%x) cores = 2 : (...) -> (...) {
    ^bb0(%a: tensor<1x16x32x32xf32>):
      %w = graph.weight ...
      %y = graph.conv2d %a, %w {...} : (...) -> tensor<1x16x32x32xf32>
      %z = graph.relu %y : tensor<1x16x32x32xf32>
      schedule.program capacity = 393216 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 4608
        %bx = schedule.buffer offset = 4608 size = 19456
        %by = schedule.buffer offset = 24064 size = 16384
        schedule.load %w rows = array<i64: 0, 16, 0, 16> into %bw : tensor<16x16x3x3xf32>
        schedule.tile index = 0 stage = 0 {
          schedule.load %a rows = array<i64: 0, 9, 7, 17> into %bx : tensor<1x16x32x32xf32>
          schedule.compute %y rows = array<i64: 0, 8, 8, 16> ins(%bx, %bw) outs(%by) : tensor<1x16x32x32xf32>
          ...
        }
        schedule.barrier
      }
      accel.yield %z : tensor<1x16x32x32xf32>
    }

Slices. Every tensor is sliced along its *row axis*, axis rank - 2 (H of an
NCHW tensor, the rows of a matrix, axis 0 of a vector). A `rows` property holds
one `[lo, hi)` pair per core of the kernel, so one op describes what all cores
do in one step (cores with `lo == hi` idle); every core holds the same buffers
at the same offsets. `operand_rows` says which rows of each operand one slice
of an op's result needs (with the halo of a convolution or pooling); an op it
cannot slice (`row_sliceable` is false) runs as `schedule.compute_whole`, from
DRAM to DRAM. A reshape or transpose (`layout_sliceable`) can be computed
slice by slice too, each rect of its result from the rect of its operand
holding the same elements (`layout_rect`; the whole operand where none does).

Channels. With a `channels` property (one `[lo, hi)` pair per core along the
tensor's `channel_axis`: 1 of NCHW and NCDHW, the last axis of other ranks) a
slice is those rows of those channels only: a core computing some channels
of every row (`channel_sliceable` ops; `operand_channels` says which channels
of each operand they read). A buffer then holds a rect, rows by channels.
The weight of a convolution or dense layer split by channels is loaded in
slices along its axis 0, its output channels (`schedule.load ... filters`;
`operand_filters` says which ones a slice reads).

Memory. `schedule.buffer` reserves `size` bytes at `offset` of each core's
on-chip memory (`capacity` bytes; sizes count `element_bytes` per element, the
target's). `schedule.load` copies rows of a tensor in DRAM (a kernel input, a
weight, or rows stored earlier) into a buffer, `schedule.store` rows of a
buffer back to DRAM. `schedule.tile` is one iteration of the tile loop (its
`stage` says which copy of double-buffered buffers it uses); `schedule.barrier`
waits for every core.

The program's verifier checks what hardware would enforce: buffers inside the
on-chip memory, no two buffers overlapping while both are live (a buffer's
content is live from the step that writes it to the last step that reads it,
in program order), slices inside their
tensors and buffers, and every compute's operands (and every store's rows)
present in its buffers when it runs, every load's rows present in DRAM, and
every kernel result complete in DRAM at the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from xdsl.dialects.builtin import I64, DenseArrayBase, IntegerAttr, TensorType, UnitAttr, i64
from xdsl.ir import Attribute, Block, Dialect, Operation, ParametrizedAttribute, Region, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import HasParent, NoTerminator
from xdsl.utils.exceptions import VerifyException

from dlfc.dialects import accel, graph
from dlfc.dialects.graph import i64_array, int_of, ints, shape_of

Rows = tuple[int, int]

# --------------------------------------------------------------------------- slices


def row_axis(t: Attribute) -> int | None:
    """The axis a tensor is sliced along: rank - 2, or 0 for a vector, None for a scalar."""
    rank = len(shape_of(t))
    return None if rank == 0 else max(rank - 2, 0)


def row_count(t: Attribute) -> int:
    """The extent of a tensor along its row axis (1 for a scalar)."""
    axis = row_axis(t)
    return 1 if axis is None else shape_of(t)[axis]


def row_bytes(t: Attribute, element_bytes: int) -> int:
    """Bytes of one row of a tensor at `element_bytes` per element."""
    rows = row_count(t)
    return math.prod(shape_of(t)) // rows * element_bytes if rows else 0


def _same_rows(op: graph.GraphOp, index: int) -> bool:
    """Does operand `index` have the result's row axis (same position from the end, same extent)?"""
    out, x = shape_of(op.results[0].type), shape_of(op.operands[index].type)
    if len(out) < 2 or len(x) < 2:
        return False
    return x[-2] == out[-2] and out[-2] > 1


def window_of(op: graph.GraphOp) -> tuple[int, int, int, int] | None:
    """(kernel rows, stride, dilation, top padding) along H of a convolution or pooling, else None."""
    if isinstance(op, graph.Conv2DOp):
        kernel = shape_of(op.weight.type)[2:]
    elif isinstance(op, graph.PoolOp):
        kernel = ints(op.kernel)
    else:
        return None
    h = len(kernel) - 2  # H: the second-last spatial axis
    return kernel[h], ints(op.stride)[h], ints(op.dilation)[h], ints(op.pad)[h]


def window_rows(op: graph.GraphOp, lo: int, hi: int) -> tuple[int, int]:
    """The input rows, padding included, that output rows [lo, hi) of a convolution or pooling read."""
    window = window_of(op)
    assert window is not None
    kh, stride, dilation, top = window
    return lo * stride - top, (hi - 1) * stride - top + (kh - 1) * dilation + 1


def real_rows(op: graph.GraphOp, first: int, last: int) -> Rows:
    """The rows of the input of a convolution or pooling that lie in window rows [first, last): empty if none do."""
    height = row_count(op.operands[0].type)
    lo = min(max(first, 0), height)
    return lo, max(min(last, height), lo)


def row_sliceable(op: Operation) -> bool:
    """Can a slice of rows of the op's result be computed from slices (or whole copies) of its operands?

    True for convolutions and pooling of NCHW and NCDHW results (sliced along
    H, with halos; an average pooling counting its padding in ceil mode runs
    whole), nearest upsampling and depth-to-space (output row r reads input
    row r // factor), constant padding (the rows inside read their input rows,
    the others are the constant), elementwise ops, batch norm (unless the row axis is its channel
    axis 1), LRN of NCHW and NCDHW, dense, matmul with a full-rank left
    operand, layer norm, softmax off the row axis, concat off the row axis,
    reductions with kept dimensions off the row axis and transposes that keep
    the row axis, when the result has at least two rows.
    """
    if not isinstance(op, graph.GraphOp) or len(op.results) != 1:
        return False
    out = shape_of(op.results[0].type)
    if len(out) < 2 or out[-2] < 2 or 0 in out:
        return False
    rank = len(out)
    if isinstance(op, graph.UpsampleOp | graph.DepthToSpaceOp):
        return True  # rank 4
    if isinstance(op, graph.PadOp):
        return op.mode.data == "constant"
    if isinstance(op, graph.Conv2DOp | graph.PoolOp):
        return rank in (4, 5) and not (
            isinstance(op, graph.AvgPoolOp) and op.count_include_pad.value.data and op.ceil_mode.value.data
        )
    if isinstance(op, graph.BatchNormOp) and rank - 2 == 1:  # the rows would be its channels
        return False
    if isinstance(op, graph.UnaryOp | graph.BinaryOp | graph.BatchNormOp | graph.DenseOp | graph.LayerNormOp):
        return _same_rows(op, 0) or (isinstance(op, graph.BinaryOp) and _same_rows(op, 1))
    if isinstance(op, graph.LRNOp):  # its channel window runs across rows only in [N, C, L]
        return rank in (4, 5)
    if isinstance(op, graph.MatMulOp):
        return len(shape_of(op.lhs.type)) == rank and _same_rows(op, 0)
    if isinstance(op, graph.SoftmaxOp):
        return int_of(op.axis) % rank != rank - 2
    if isinstance(op, graph.ConcatOp):
        return int_of(op.axis) % rank != rank - 2
    if isinstance(op, graph.ReduceOp):  # a reduction that keeps its rank and does not reduce the rows
        return bool(op.keepdims.value.data) and rank - 2 not in ints(op.axes) and _same_rows(op, 0)
    if isinstance(op, graph.TransposeOp):
        return ints(op.perm)[rank - 2] == rank - 2
    return False


def row_factor(op: graph.UpsampleOp | graph.DepthToSpaceOp) -> int:
    """Output rows per input row of an upsampling (its scale) or a depth-to-space (its block)."""
    return int_of(op.scale) if isinstance(op, graph.UpsampleOp) else int_of(op.block)


def pad_top(op: graph.PadOp) -> int:
    """The padding rows a pad adds before its input's first row (along the row axis)."""
    pads = ints(op.pads)
    return pads[row_axis(op.results[0].type) or 0]


def operand_rows(op: graph.GraphOp, index: int, lo: int, hi: int) -> Rows | None:
    """The rows of operand `index` that rows [lo, hi) of the result of a `row_sliceable` op read.

    None: the op reads the whole operand (a weight, a broadcast operand). The
    rows of a convolution or pooling input are its window (the halo) clipped
    to the tensor: the rows outside are padding. A `layout_sliceable` op reads
    all rows of its operand by this account (`operand_rect` is exact).
    """
    if index > 0 and isinstance(op, graph.Conv2DOp | graph.DenseOp | graph.BatchNormOp | graph.LayerNormOp):
        return None
    if isinstance(op, graph.Conv2DOp | graph.PoolOp):
        return real_rows(op, *window_rows(op, lo, hi))
    if isinstance(op, graph.UpsampleOp | graph.DepthToSpaceOp):
        factor = row_factor(op)
        return lo // factor, (hi - 1) // factor + 1
    if isinstance(op, graph.PadOp):
        top, height = pad_top(op), row_count(op.operands[0].type)
        first = min(max(lo - top, 0), height)
        return first, max(min(hi - top, height), first)
    if isinstance(op, graph.MatMulOp) and index == 1:
        return None
    if layout_sliceable(op):  # rows of the result are no rows of the operand: all of them (`layout_rect`)
        return 0, row_count(op.operands[0].type)
    return (lo, hi) if _same_rows(op, index) else None


def batched(op: graph.GraphOp) -> bool:
    """Is the op a matmul of rank 4 or 5, whose channel axis (1) is a batch axis of its products?"""
    return isinstance(op, graph.MatMulOp) and len(shape_of(op.results[0].type)) in (4, 5)


def channel_axis(t: Attribute) -> int | None:
    """The axis a tensor is split along by channels: 1 of NCHW and NCDHW, the last of any other rank >= 2."""
    rank = len(shape_of(t))
    if rank < 2:
        return None
    return 1 if rank in (4, 5) else rank - 1


def channel_count(t: Attribute) -> int:
    """The extent of a tensor along its channel axis (1 below rank 2)."""
    axis = channel_axis(t)
    return 1 if axis is None else shape_of(t)[axis]


def _depthwise(op: graph.Conv2DOp) -> bool:
    groups = op.groups.value.data
    return groups > 1 and groups == shape_of(op.input.type)[1] == shape_of(op.results[0].type)[1]


def channel_sliceable(op: Operation) -> bool:
    """Can channels [c0, c1) of rows of the result of a `row_sliceable` op be computed on one core?

    True for convolutions (every input channel gathered; a depthwise one reads
    its own channels) and pooling of NCHW and NCDHW, elementwise ops, batch norm
    over axis 1, dense layers and matmuls (split by output features, their
    left operand gathered), when the result's channel axis (`channel_axis`)
    is the one the op's channels run along; and for a matmul of rank 4 or 5,
    whose channels are its first batch axis (the heads of an attention
    product: each core multiplies its heads' matrices), and a softmax of rank
    4 or 5 off that axis.
    """
    if not row_sliceable(op):
        return False
    assert isinstance(op, graph.GraphOp)
    rank = len(shape_of(op.results[0].type))
    if isinstance(op, graph.Conv2DOp):
        return op.groups.value.data == 1 or _depthwise(op)
    if isinstance(op, graph.PoolOp):
        return True
    if isinstance(op, graph.BatchNormOp):
        return channel_axis(op.results[0].type) == 1
    if isinstance(op, graph.DenseOp):
        return rank not in (4, 5)
    if isinstance(op, graph.MatMulOp):  # of rank 4 and 5 the channels are a batch axis (BERT's heads)
        return True
    if isinstance(op, graph.SoftmaxOp):  # rank 4 and 5: the channels are not the softmax's axis
        return rank in (4, 5) and int_of(op.axis) % rank != 1
    return isinstance(op, graph.UnaryOp | graph.BinaryOp)


def aligned_channels(op: graph.GraphOp, index: int) -> int | None:
    """The axis of operand `index` aligned (numpy broadcasting) with the result's channel axis, if it has one."""
    out = op.results[0].type
    axis = channel_axis(out)
    if axis is None:
        return None
    position = axis - len(shape_of(out)) + len(shape_of(op.operands[index].type))
    return position if position >= 0 else None


def operand_channels(op: graph.GraphOp, index: int, c0: int, c1: int) -> Rows | None:
    """The channels of operand `index` that channels [c0, c1) of a `channel_sliceable` op's result read.

    None: all of them (a convolution's or dense layer's gathered input, a
    broadcast operand). Operands `operand_rows` reads whole are read whole,
    except the right operand of a `batched` matmul: all its rows, of the
    result's channels (its heads).
    """
    if isinstance(op, graph.Conv2DOp):
        return (c0, c1) if index == 0 and _depthwise(op) else None
    if isinstance(op, graph.DenseOp) or (isinstance(op, graph.MatMulOp) and not batched(op)):
        return None
    if isinstance(op, graph.BatchNormOp) and index > 0:
        return None
    position = aligned_channels(op, index)
    if position is None or shape_of(op.operands[index].type)[position] != channel_count(op.results[0].type):
        return None
    return c0, c1


Rect = tuple[int, int, int, int]
"""Rows [r0, r1) by channels [c0, c1) of a tensor."""

# --------------------------------------------------------------------------- layout ops


def layout_sliceable(op: Operation) -> bool:
    """Is the op a reshape-like op or a transpose that `row_sliceable` rejects (its result rows are not its
    operand's rows), computed slice by slice by `layout_rect`? The lowering puts them in row phases of one tile.
    Not to or from a scalar (a rank-0 tensor has no rows to hold in a buffer), nor of an empty tensor."""
    if not isinstance(op, graph.GraphOp) or len(op.results) != 1 or len(op.operands) != 1:
        return False
    if not (op.has_trait(graph.ReshapeLike) or isinstance(op, graph.TransposeOp)) or row_sliceable(op):
        return False
    shapes = (shape_of(op.results[0].type), shape_of(op.operands[0].type))
    return all(shape and 0 not in shape for shape in shapes)


def _ranges(t: Attribute, r: Rect) -> list[Rows]:
    """Rect `r` of a tensor of type `t` as one [lo, hi) per axis (every axis but rows and channels whole)."""
    shape = shape_of(t)
    ranges = [(0, n) for n in shape]
    rows, channels = row_axis(t), channel_axis(t)
    if rows is not None:
        ranges[rows] = (r[0], r[1])
    if channels is not None:
        ranges[channels] = (r[2], r[3])
    return ranges


def _rect_of(t: Attribute, ranges: Sequence[Rows]) -> Rect | None:
    """Per-axis ranges of a tensor of type `t` as a rect; None if an axis other than rows and channels is cut."""
    shape = shape_of(t)
    rows, channels = row_axis(t), channel_axis(t)
    for axis, (lo, hi) in enumerate(ranges):
        if (lo, hi) != (0, shape[axis]) and axis not in (rows, channels):
            return None
    r = (0, 1) if rows is None else ranges[rows]
    c = (0, 1) if channels is None else ranges[channels]
    return rect(r, c)


def _reshaped(source: Sequence[int], dest: Sequence[int], ranges: Sequence[Rows]) -> list[Rows] | None:
    """The ranges of a reshape's `dest` axes holding exactly the elements `ranges` of its `source` axes hold;
    None if they are no box.

    The axes fall into groups of equal products (`[768]` and `[12, 64]`); in a group, a box of the source
    is one flat run when it cuts only its first axis longer than 1, and that run is a box of the destination
    when it starts and ends on a multiple of what the destination's first such axis counts.
    """
    out = [(0, n) for n in dest]
    i = j = 0
    while i < len(source) or j < len(dest):
        a, b = [], []
        size_a = size_b = 1
        while True:  # the next group: axes on both sides until the products meet (and one more axis at least)
            if (
                (a or b)
                and size_a == size_b
                and (i == len(source) or source[i] != 1)
                and (j == len(dest) or dest[j] != 1)
            ):
                break
            if i < len(source) and (size_a <= size_b or j == len(dest)):
                a.append(i)
                size_a *= source[i]
                i += 1
            elif j < len(dest):
                b.append(j)
                size_b *= dest[j]
                j += 1
            else:
                break
        cut = [k for k in a if ranges[k] != (0, source[k])]
        if not cut:
            continue
        if len(cut) > 1 or any(source[k] > 1 for k in a if k < cut[0]):
            return None
        (k,) = cut
        inner = math.prod(source[m] for m in a if m > k)
        lo, hi = ranges[k][0] * inner, ranges[k][1] * inner
        first = next((m for m in b if dest[m] > 1), None)
        if first is None:
            return None
        inner = math.prod(dest[m] for m in b if m > first)
        if lo % inner or hi % inner:
            return None
        out[first] = (lo // inner, hi // inner)
    return out


def layout_rect(op: graph.GraphOp, r: Rect) -> Rect | None:
    """The rect of the operand of a `layout_sliceable` op holding exactly rect `r` of its result (the same
    elements: a transpose's axes permuted, a reshape's runs); None if no rect does."""
    result, operand = op.results[0].type, op.operands[0].type
    ranges = _ranges(result, r)
    if isinstance(op, graph.TransposeOp):
        source: list[Rows] = [(0, 0)] * len(ranges)
        for j, p in enumerate(ints(op.perm)):
            source[p] = ranges[j]
        return _rect_of(operand, source)
    mapped = _reshaped(shape_of(result), shape_of(operand), ranges)
    return None if mapped is None else _rect_of(operand, mapped)


def layout_image(op: graph.GraphOp, r: Rect) -> Rect | None:
    """The rect of the result of a `layout_sliceable` op holding exactly rect `r` of its operand; None if none."""
    result, operand = op.results[0].type, op.operands[0].type
    ranges = _ranges(operand, r)
    if isinstance(op, graph.TransposeOp):
        return _rect_of(result, [ranges[p] for p in ints(op.perm)])
    mapped = _reshaped(shape_of(operand), shape_of(result), ranges)
    return None if mapped is None else _rect_of(result, mapped)


NOTHING: Rect = (0, 0, 0, 0)


def rect(rows: Rows, channels: Rows) -> Rect:
    return (rows[0], rows[1], channels[0], channels[1])


def whole(t: Attribute) -> Rect:
    """Every row and channel of a tensor of type `t`."""
    return (0, row_count(t), 0, channel_count(t))


def is_empty(r: Rect) -> bool:
    return r[0] >= r[1] or r[2] >= r[3]


def inside(a: Rect, b: Rect) -> bool:
    """Is `a` empty or within `b`?"""
    return is_empty(a) or (b[0] <= a[0] and a[1] <= b[1] and b[2] <= a[2] and a[3] <= b[3])


def meet(a: Rect, b: Rect) -> Rect:
    r = (max(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3]))
    return NOTHING if is_empty(r) else r


def hull(a: Rect, b: Rect) -> Rect:
    """The smallest rect holding both (an empty one adds nothing)."""
    if is_empty(a):
        return b if not is_empty(b) else NOTHING
    if is_empty(b):
        return a
    return (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))


def area(r: Rect) -> int:
    return 0 if is_empty(r) else (r[1] - r[0]) * (r[3] - r[2])


def rect_bytes(t: Attribute, r: Rect, element_bytes: int, filters: Rows | None = None) -> int:
    """Bytes of rect `r` of a tensor of type `t` at `element_bytes` per element (of its axis-0 range `filters`
    only, if given: a weight's output channels)."""
    size = area(r) * row_bytes(t, element_bytes) // channel_count(t)
    if filters is None:
        return size
    return size // shape_of(t)[0] * max(filters[1] - filters[0], 0)


def operand_filters(op: graph.GraphOp, index: int, r: Rect) -> Rows | None:
    """The output channels of a weight (its axis 0) that rect `r` of a convolution or dense layer split by
    channels reads: channels [c0, c1) of the result read filters [c0, c1) of operand 1, the weight
    ([out, in/groups, kh, kw] or [out, in]). None: all of them (another operand, or all the result's channels).
    """
    if index != 1 or not isinstance(op, graph.Conv2DOp | graph.DenseOp):
        return None
    if (r[2], r[3]) == (0, channel_count(op.results[0].type)):
        return None
    return r[2], r[3]


def uncovered(pieces: Sequence[Rect], target: Rect, grid: Sequence[Rect] = ()) -> list[Rect]:
    """The cells of `target` that no piece covers, on the grid of the edges of every piece and of `grid`."""
    if is_empty(target):
        return []
    edges = [*pieces, *grid]
    rows = sorted({target[0], target[1], *(v for p in edges for v in p[:2] if target[0] < v < target[1])})
    chans = sorted({target[2], target[3], *(v for p in edges for v in p[2:] if target[2] < v < target[3])})
    cells = [(r0, r1, c0, c1) for r0, r1 in zip(rows, rows[1:]) for c0, c1 in zip(chans, chans[1:])]  # noqa: B905
    return [cell for cell in cells if not any(inside(cell, p) for p in pieces)]


# --------------------------------------------------------------------------- types and ops


@irdl_attr_definition
class BufferType(ParametrizedAttribute, TypeAttribute):
    """`!schedule.buffer`: a region of each core's on-chip memory."""

    name = "schedule.buffer"


def pairs(attr: DenseArrayBase) -> list[Rows]:
    """The [lo, hi) pairs of a `rows` property."""
    values = ints(attr)
    return [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]


def rows_attr(rows: Sequence[Rows]) -> DenseArrayBase:
    return i64_array([v for pair in rows for v in pair])


@irdl_op_definition
class BufferOp(IRDLOperation):
    """Reserves `size` bytes at byte `offset` of every core's on-chip memory.

    `%b = schedule.buffer offset = 0 size = 4096`
    """

    name = "schedule.buffer"
    offset = prop_def(IntegerAttr[I64])
    size = prop_def(IntegerAttr[I64])
    buffer = result_def(BufferType)
    traits = lazy_traits_def(lambda: (HasParent(ProgramOp),))
    assembly_format = "`offset` `=` $offset `size` `=` $size attr-dict"

    def __init__(self, offset: int, size: int):
        super().__init__(
            properties={"offset": IntegerAttr(offset, i64), "size": IntegerAttr(size, i64)},
            result_types=[BufferType()],
        )

    @property
    def span(self) -> tuple[int, int]:
        """[first byte, last byte + 1) of the buffer."""
        offset = self.offset.value.data
        return offset, offset + self.size.value.data


class SliceOp(IRDLOperation):
    """An op that moves or computes rows of a tensor on every core: `rows` holds one [lo, hi) per core.

    With `channels` (one [lo, hi) per core along the tensor's `channel_axis`),
    each core's slice is those rows of those channels only; without, of every channel.
    """

    rows = prop_def(DenseArrayBase.constr(I64))
    channels = opt_prop_def(DenseArrayBase.constr(I64))

    @property
    def tensor(self) -> SSAValue:
        return self.operands[0]

    def core_rows(self) -> list[Rows]:
        return pairs(self.rows)

    def core_channels(self) -> list[Rows]:
        if self.channels is None:
            return [(0, channel_count(self.tensor.type))] * (len(ints(self.rows)) // 2)
        return pairs(self.channels)

    def core_rects(self) -> list[Rect]:
        """Each core's slice; an empty one when its rows or its channels are."""
        return [
            rect(r, c) if r[0] < r[1] and c[0] < c[1] else NOTHING
            for r, c in zip(self.core_rows(), self.core_channels(), strict=False)
        ]


def slice_properties(rects: Sequence[Rect], t: Attribute) -> dict[str, Attribute]:
    """`rows` (and `channels` unless every core's slice has all channels) of per-core rects of a tensor of type `t`."""
    props: dict[str, Attribute] = {"rows": rows_attr([(r[0], r[1]) if not is_empty(r) else (0, 0) for r in rects])}
    full = (0, channel_count(t))
    if any(not is_empty(r) and (r[2], r[3]) != full for r in rects):
        props["channels"] = rows_attr([(r[2], r[3]) if not is_empty(r) else (0, 0) for r in rects])
    return props


@irdl_op_definition
class LoadOp(SliceOp):
    """DMA of rows of a tensor in DRAM into a buffer, on every core.

    `schedule.load %x rows = array<i64: 0, 9, 7, 17> into %b : tensor<1x16x32x32xf32>`

    With `filters` (one [lo, hi) per core along axis 0 of a weight: its output
    channels) each core loads only those of its slice:
    `schedule.load %w rows = [0, 3, 0, 3] filters = [0, 8, 8, 16] into %b : tensor<16x4x3x3xf32>`,
    the weight of a convolution whose cores compute channels [0, 8) and [8, 16).
    """

    name = "schedule.load"
    source = operand_def(TensorType)
    dest = operand_def(BufferType)
    filters = opt_prop_def(DenseArrayBase.constr(I64))
    assembly_format = (
        "$source `rows` `=` $rows (`channels` `=` $channels^)? (`filters` `=` $filters^)? `into` $dest attr-dict "
        "`:` type($source)"
    )

    def __init__(self, source: SSAValue, rows: Sequence[Rows], dest: SSAValue):
        super().__init__(operands=[source, dest], properties={"rows": rows_attr(rows)})

    @classmethod
    def of(
        cls, source: SSAValue, rects: Sequence[Rect], dest: SSAValue, filters: Sequence[Rows] | None = None
    ) -> LoadOp:
        """A load of each core's rect of `source` (of its axis-0 range in `filters`, if given)."""
        op = cls(source, [], dest)
        op.properties.update(slice_properties(rects, source.type))
        if filters is not None:
            op.properties["filters"] = rows_attr(filters)
        return op

    def core_filters(self) -> list[Rows | None]:
        """Each core's range along axis 0 of the tensor (None: all of it)."""
        if self.filters is None:
            return [None] * (len(ints(self.rows)) // 2)
        return list(pairs(self.filters))


@irdl_op_definition
class StoreOp(SliceOp):
    """DMA of rows of a tensor from a buffer back to DRAM, on every core.

    `schedule.store %y rows = array<i64: 0, 8, 8, 16> from %b : tensor<1x16x32x32xf32>`
    """

    name = "schedule.store"
    value = operand_def(TensorType)
    source = operand_def(BufferType)
    assembly_format = "$value `rows` `=` $rows (`channels` `=` $channels^)? `from` $source attr-dict `:` type($value)"

    def __init__(self, value: SSAValue, rows: Sequence[Rows], source: SSAValue):
        super().__init__(operands=[value, source], properties={"rows": rows_attr(rows)})

    @classmethod
    def of(cls, value: SSAValue, rects: Sequence[Rect], source: SSAValue) -> StoreOp:
        op = cls(value, [], source)
        op.properties.update(slice_properties(rects, value.type))
        return op


@irdl_op_definition
class ExchangeOp(SliceOp):
    """Core-to-core transfer: afterwards each core's buffer holds rows [lo, hi) of the tensor.

    `schedule.exchange %c rows = array<i64: 0, 5, 3, 8> in %b : tensor<1x16x32x32xf32>`

    Rows a core's buffer already holds stay; the others come over the on-chip
    links from the cores whose same buffer holds them (the halo rows of a
    row-split convolution's input, computed by the neighbouring cores).
    """

    name = "schedule.exchange"
    value = operand_def(TensorType)
    buffer = operand_def(BufferType)
    assembly_format = "$value `rows` `=` $rows (`channels` `=` $channels^)? `in` $buffer attr-dict `:` type($value)"

    def __init__(self, value: SSAValue, rows: Sequence[Rows], buffer: SSAValue):
        super().__init__(operands=[value, buffer], properties={"rows": rows_attr(rows)})

    @classmethod
    def of(cls, value: SSAValue, rects: Sequence[Rect], buffer: SSAValue) -> ExchangeOp:
        op = cls(value, [], buffer)
        op.properties.update(slice_properties(rects, value.type))
        return op


@irdl_op_definition
class ComputeOp(SliceOp):
    """Each core computes its rows of the result of a graph op, reading operands from `ins`, writing `outs`.

    `schedule.compute %y rows = array<i64: 0, 8, 8, 16> ins(%bx, %bw) outs(%by) : tensor<1x16x32x32xf32>`

    `%y` is the graph op's (only) result; `ins` has one buffer per operand of
    that op, in order; each must hold the rows `operand_rows` asks for. With
    `append`, a core whose `outs` buffer holds rows [x, lo) of the same tensor
    keeps them: the buffer then holds [x, hi) (an op computing its rows chunk by
    chunk into one buffer); without it, the buffer holds [lo, hi) afterwards.
    With `append from [f0, f1, ...]` (one row per core) core k keeps only the
    rows from f_k on, [max(x, f_k), lo), and the buffer holds [max(x, f_k), hi):
    a line buffer, which keeps the rows the next tile's windows read again (the
    cost model's cached halo) and drops the older ones.
    """

    name = "schedule.compute"
    value = operand_def(TensorType)
    ins = var_operand_def(BufferType)
    out = operand_def(BufferType)
    append = opt_prop_def(UnitAttr)
    keep_from = opt_prop_def(DenseArrayBase.constr(I64))
    irdl_options = ()
    assembly_format = (
        "$value `rows` `=` $rows (`channels` `=` $channels^)? `ins` `(` $ins `)` `outs` `(` $out `)` "
        "(`append` $append^)? (`from` $keep_from^)? attr-dict `:` type($value)"
    )

    def __init__(
        self,
        value: SSAValue,
        rows: Sequence[Rows],
        ins: Sequence[SSAValue],
        out: SSAValue,
        append: bool = False,
        keep_from: Sequence[int] | None = None,
    ):
        properties: dict[str, Attribute] = {"rows": rows_attr(rows)}
        if append:
            properties["append"] = UnitAttr()
        if keep_from is not None:
            properties["keep_from"] = i64_array(keep_from)
        super().__init__(operands=[value, ins, out], properties=properties)

    @classmethod
    def of(
        cls,
        value: SSAValue,
        rects: Sequence[Rect],
        ins: Sequence[SSAValue],
        out: SSAValue,
        append: bool = False,
        keep_from: Sequence[int] | None = None,
    ) -> ComputeOp:
        op = cls(value, [], ins, out, append, keep_from)
        op.properties.update(slice_properties(rects, value.type))
        return op

    def kept(self, core: int, content: tuple[SSAValue, Rect] | None, r: Rect) -> Rect:
        """What core `core` keeps of its `outs` buffer's `content` (tensor, rect) when it computes rect `r`:
        with `append`, the rows of this op's result that `r` continues, from the core's `from` row on; else
        nothing (the buffer then holds `r` alone)."""
        if self.append is None or content is None or content[0] is not self.value or not appends(content[1], r):
            return NOTHING
        held = content[1]
        if self.keep_from is not None:
            held = (max(held[0], ints(self.keep_from)[core]), *held[1:])
        return NOTHING if is_empty(held) else held

    @property
    def graph_op(self) -> graph.GraphOp:
        owner = self.value.owner
        assert isinstance(owner, graph.GraphOp)
        return owner

    def verify_(self) -> None:
        owner = self.value.owner
        if not isinstance(owner, graph.GraphOp) or not (row_sliceable(owner) or layout_sliceable(owner)):
            raise VerifyException(f"{self.name}: the value must be the result of a graph op that can be sliced by rows")
        if len(self.ins) != len(owner.operands):
            raise VerifyException(
                f"{self.name}: {owner.name} has {len(owner.operands)} operands, got {len(self.ins)} input buffers"
            )
        if self.channels is not None and not (channel_sliceable(owner) or layout_sliceable(owner)):
            raise VerifyException(f"{self.name}: {owner.name} cannot be sliced by channels")
        if self.keep_from is not None:
            if self.append is None:
                raise VerifyException(f"{self.name}: `from` needs `append` (the rows a core keeps of its buffer)")
            if len(ints(self.keep_from)) != len(ints(self.rows)) // 2:
                raise VerifyException(f"{self.name}: expected one `from` row per core ({len(ints(self.rows)) // 2})")


@irdl_op_definition
class ComputeWholeOp(IRDLOperation):
    """The kernel's cores compute a whole graph op together, streaming its operands and results through DRAM.

    `schedule.compute_whole %y : tensor<1x1000xf32>` (`%y` is one result of the op).
    """

    name = "schedule.compute_whole"
    value = operand_def(TensorType)
    assembly_format = "$value attr-dict `:` type($value)"

    def __init__(self, value: SSAValue):
        super().__init__(operands=[value])

    @property
    def graph_op(self) -> graph.GraphOp:
        owner = self.value.owner
        assert isinstance(owner, graph.GraphOp)
        return owner

    def verify_(self) -> None:
        if not isinstance(self.value.owner, graph.GraphOp):
            raise VerifyException(f"{self.name}: the value must be the result of a graph op")


@irdl_op_definition
class BarrierOp(IRDLOperation):
    """Every core of the kernel waits here until all of them arrive (and their DMA to DRAM is done)."""

    name = "schedule.barrier"
    assembly_format = "attr-dict"


@irdl_op_definition
class TileOp(IRDLOperation):
    """One iteration of a tile loop: its loads, computes and stores; `stage` is the double-buffering copy it uses.

    `schedule.tile index = 1 stage = 1 { ... }`
    """

    name = "schedule.tile"
    index = prop_def(IntegerAttr[I64])
    stage = prop_def(IntegerAttr[I64])
    body = region_def("single_block")
    traits = lazy_traits_def(lambda: (NoTerminator(), HasParent(ProgramOp)))
    assembly_format = "`index` `=` $index `stage` `=` $stage $body attr-dict"

    def __init__(self, index: int, stage: int, ops: Sequence[Operation]):
        super().__init__(
            properties={"index": IntegerAttr(index, i64), "stage": IntegerAttr(stage, i64)},
            regions=[Region(Block(ops))],
        )


@irdl_op_definition
class ProgramOp(IRDLOperation):
    """The schedule of the enclosing `accel.kernel` on its cores (see the module docstring).

    `schedule.program capacity = 393216 element_bytes = 2 { ... }`: `capacity`
    is each core's on-chip memory in bytes.
    """

    name = "schedule.program"
    capacity = prop_def(IntegerAttr[I64])
    element_bytes = prop_def(IntegerAttr[I64])
    body = region_def("single_block")
    traits = traits_def(NoTerminator(), HasParent(accel.KernelOp))
    assembly_format = "`capacity` `=` $capacity `element_bytes` `=` $element_bytes $body attr-dict"

    def __init__(self, capacity: int, element_bytes: int, ops: Sequence[Operation]):
        super().__init__(
            properties={"capacity": IntegerAttr(capacity, i64), "element_bytes": IntegerAttr(element_bytes, i64)},
            regions=[Region(Block(ops))],
        )

    def steps(self) -> Iterator[Operation]:
        """The program's ops in execution order, tile bodies inlined (tiles themselves left out)."""
        for op in self.body.block.ops:
            if isinstance(op, TileOp):
                yield from op.body.block.ops
            else:
                yield op

    def verify_(self) -> None:
        kernel = self.parent_op()
        assert isinstance(kernel, accel.KernelOp)
        _Checker(self, kernel).run()


class _Checker:
    """`ProgramOp.verify_`: a symbolic run of the program that tracks what each buffer and DRAM hold."""

    def __init__(self, program: ProgramOp, kernel: accel.KernelOp):
        self.program = program
        self.kernel = kernel
        self.cores = kernel.core_count
        self.element_bytes = program.element_bytes.value.data
        self.held: dict[tuple[SSAValue, int], tuple[SSAValue, Rect]] = {}  # (buffer, core) -> (tensor, rect)
        self.filters: dict[tuple[SSAValue, int], Rows] = {}  # (buffer, core) -> a weight's output channels held
        self.dram: dict[SSAValue, list[Rect]] = {}  # tensor -> rects written to DRAM so far
        self.complete: set[SSAValue] = set(kernel.body.block.args)
        self.complete.update(
            r for op in kernel.body.block.ops if graph.is_source(op) for r in op.results
        )  # weights and constants

    def run(self) -> None:
        capacity = self.program.capacity.value.data
        buffers = [op for op in self.program.body.block.ops if isinstance(op, BufferOp)]
        for b in buffers:
            first, end = b.span
            if first < 0 or b.size.value.data <= 0 or end > capacity:
                raise VerifyException(
                    f"schedule.buffer: {b.size.value.data} bytes at offset {first} do not fit in the core's "
                    f"on-chip memory of {capacity} bytes"
                )
        live: dict[SSAValue, list[list[int]]] = {}  # buffer -> [write, last read] of each content it held
        for step, op in enumerate(self.program.steps()):
            for buffer in _reads(op):
                if buffer in live:
                    live[buffer][-1][1] = step
            written = _written(op)
            if written is not None:
                live.setdefault(written, []).append([step, step])
            self.step(op)
        self.check_overlaps(buffers, live)
        yield_op = self.kernel.body.block.last_op
        for value in yield_op.operands if yield_op is not None else ():
            if not self.in_dram(value, whole(value.type)):
                raise VerifyException(
                    f"schedule.program: kernel result {value.name_hint or 'value'} is not complete in DRAM at the end"
                )

    def check_overlaps(self, buffers: Sequence[BufferOp], live: dict[SSAValue, list[list[int]]]) -> None:
        spans = sorted((b.span, i, b.buffer) for i, b in enumerate(buffers))
        for k, ((s0, e0), i, a) in enumerate(spans):
            for (s1, e1), j, b in spans[k + 1 :]:
                if s1 >= e0:
                    break
                if _meet(live.get(a, []), live.get(b, [])):
                    raise VerifyException(
                        f"schedule.program: buffers {min(i, j)} and {max(i, j)} overlap in memory "
                        f"([{s0}, {e0}) and [{s1}, {e1})) while both are live"
                    )

    def in_dram(self, value: SSAValue, r: Rect) -> bool:
        if value in self.complete or is_empty(r):
            return True
        return not uncovered(self.dram.get(value, []), r)

    def check_rects(self, op: SliceOp, value: SSAValue) -> list[Rect]:
        rows = op.core_rows()
        extent, channels = row_count(value.type), channel_count(value.type)
        if len(ints(op.rows)) != 2 * self.cores:
            raise VerifyException(f"{op.name}: expected one [lo, hi) pair per core ({self.cores}), got {len(rows)}")
        if op.channels is not None and len(ints(op.channels)) != 2 * self.cores:
            raise VerifyException(f"{op.name}: expected one channel range per core ({self.cores})")
        for core, ((lo, hi), (c0, c1)) in enumerate(zip(rows, op.core_channels(), strict=True)):
            if not 0 <= lo <= hi <= extent:
                raise VerifyException(
                    f"{op.name}: rows [{lo}, {hi}) of core {core} are outside the tensor's {extent} rows"
                )
            if not 0 <= c0 <= c1 <= channels:
                raise VerifyException(
                    f"{op.name}: channels [{c0}, {c1}) of core {core} are outside the tensor's {channels} channels"
                )
        return op.core_rects()

    def check_fits(
        self, op: Operation, buffer: SSAValue, value: SSAValue, r: Rect, filters: Rows | None = None
    ) -> None:
        owner = buffer.owner
        assert isinstance(owner, BufferOp)
        needed = rect_bytes(value.type, r, self.element_bytes, filters)
        if needed > owner.size.value.data:
            what = _count(value, r) if filters is None else f"filters [{filters[0]}, {filters[1]})"
            raise VerifyException(
                f"{op.name}: {what} ({needed} bytes) do not fit in a buffer of {owner.size.value.data} bytes"
            )

    def holds(self, op: Operation, buffer: SSAValue, core: int, value: SSAValue, r: Rect, what: str) -> None:
        if is_empty(r):
            return
        content = self.held.get((buffer, core))
        if content is None or content[0] is not value or not inside(r, content[1]):
            has = "nothing" if content is None else f"{_describe(content[0], content[1])} of another tensor"
            if content is not None and content[0] is value:
                has = _describe(value, content[1])
            raise VerifyException(
                f"{op.name}: {what} needs {_describe(value, r)} on core {core}, but its buffer holds {has}"
            )

    def check_filters(self, op: LoadOp) -> list[Rows | None]:
        """Each core's filters of a load (None: all of them), checked against the tensor and the load's rects."""
        filters = op.core_filters()
        if op.filters is None:
            return filters
        shape = shape_of(op.source.type)
        if len(filters) != self.cores:
            raise VerifyException(f"{op.name}: expected one filter range per core ({self.cores})")
        if len(shape) < 2:
            raise VerifyException(f"{op.name}: filters slice axis 0 of a tensor of rank 2 or more")
        for core, (f, r) in enumerate(zip(filters, op.core_rects(), strict=True)):
            assert f is not None
            if not 0 <= f[0] <= f[1] <= shape[0]:
                raise VerifyException(
                    f"{op.name}: filters [{f[0]}, {f[1]}) of core {core} are outside the tensor's {shape[0]} along axis 0"
                )
            if not is_empty(r) and r != whole(op.source.type):
                raise VerifyException(f"{op.name}: a load with filters takes all rows and channels of each one")
        return filters

    def hold_filters(self, buffer: SSAValue, core: int, filters: Rows | None) -> None:
        if filters is None:
            self.filters.pop((buffer, core), None)
        else:
            self.filters[(buffer, core)] = filters

    def check_weight(self, op: ComputeOp, index: int, buffer: SSAValue, core: int, r: Rect) -> None:
        """A buffer holding some output channels of a weight serves only a slice that reads no others."""
        have = self.filters.get((buffer, core))
        if have is None:
            return
        need = operand_filters(op.graph_op, index, r) or (0, shape_of(op.graph_op.operands[index].type)[0])
        if not (have[0] <= need[0] and need[1] <= have[1]):
            wanted = f"output channels [{need[0]}, {need[1]})"
            raise VerifyException(
                f"{op.name}: operand {index} needs {wanted} on core {core}, but its buffer holds output channels "
                f"[{have[0]}, {have[1]})"
            )

    def step(self, op: Operation) -> None:
        if isinstance(op, LoadOp):
            filters = self.check_filters(op)
            for core, r in enumerate(self.check_rects(op, op.source)):
                if not is_empty(r):
                    if not self.in_dram(op.source, r):
                        raise VerifyException(
                            f"schedule.load: {_describe(op.source, r)} are not in DRAM yet (load before store)"
                        )
                    self.check_fits(op, op.dest, op.source, r, filters[core])
                    self.held[(op.dest, core)] = (op.source, r)
                    self.hold_filters(op.dest, core, filters[core])
        elif isinstance(op, ComputeOp):
            graph_op = op.graph_op
            for core, r in enumerate(self.check_rects(op, op.value)):
                if is_empty(r):
                    continue
                for i, (operand, buffer) in enumerate(zip(graph_op.operands, op.ins, strict=True)):
                    self.holds(op, buffer, core, operand, operand_rect(graph_op, i, r), f"operand {i}")
                    self.check_weight(op, i, buffer, core, r)
                first = hull(op.kept(core, self.held.get((op.out, core)), r), r)
                self.check_fits(op, op.out, op.value, first)
                self.held[(op.out, core)] = (op.value, first)
                self.hold_filters(op.out, core, None)
        elif isinstance(op, ExchangeOp):
            before = {core: self.held.get((op.buffer, core)) for core in range(self.cores)}
            sources = [c[1] for c in before.values() if c is not None and c[0] is op.value]
            for core, r in enumerate(self.check_rects(op, op.value)):
                if is_empty(r):
                    continue
                if uncovered(sources, r):
                    raise VerifyException(
                        f"schedule.exchange: {_describe(op.value, r)} for core {core} are not all held by the "
                        "cores' buffers"
                    )
                self.check_fits(op, op.buffer, op.value, r)
                self.held[(op.buffer, core)] = (op.value, r)
                self.hold_filters(op.buffer, core, None)
        elif isinstance(op, StoreOp):
            for core, r in enumerate(self.check_rects(op, op.value)):
                if not is_empty(r):
                    self.holds(op, op.source, core, op.value, r, "the store")
                    self.dram.setdefault(op.value, []).append(r)
        elif isinstance(op, ComputeWholeOp):
            graph_op = op.graph_op
            for i, operand in enumerate(graph_op.operands):
                if not self.in_dram(operand, whole(operand.type)):
                    raise VerifyException(f"schedule.compute_whole: operand {i} is not complete in DRAM")
            self.complete.update(graph_op.results)


def _describe(value: SSAValue, r: Rect) -> str:
    """`rows [r0, r1)`, with `of channels [c0, c1)` unless they are all of the tensor's."""
    text = f"rows [{r[0]}, {r[1]})"
    if (r[2], r[3]) != (0, channel_count(value.type)):
        text += f" of channels [{r[2]}, {r[3]})"
    return text


def _count(value: SSAValue, r: Rect) -> str:
    """`5 rows`, with `of channels [c0, c1)` unless they are all of the tensor's."""
    text = f"{r[1] - r[0]} rows"
    if (r[2], r[3]) != (0, channel_count(value.type)):
        text += f" of channels [{r[2]}, {r[3]})"
    return text


def appends(kept: Rect, r: Rect) -> bool:
    """Does `r` continue `kept` (same channels, its rows start where kept's end)?"""
    return kept[2:] == r[2:] and kept[0] <= r[0] == kept[1]


def operand_rect(op: graph.GraphOp, index: int, r: Rect) -> Rect:
    """The rect of operand `index` that rect `r` of the result of a `row_sliceable` (or `layout_sliceable`)
    op reads (whole: all of it)."""
    operand = op.operands[index]
    if layout_sliceable(op):
        return layout_rect(op, r) or whole(operand.type)
    rows = operand_rows(op, index, r[0], r[1])
    if rows is None and index == 1 and batched(op) and aligned_channels(op, 1) == 1:
        rows = (0, row_count(operand.type))  # a batched matmul's right operand: its heads, every row
    if rows is None:
        return whole(operand.type)
    full = (0, channel_count(operand.type))
    if (r[2], r[3]) == (0, channel_count(op.results[0].type)):
        return rect(rows, full)
    return rect(rows, operand_channels(op, index, r[2], r[3]) or full)


def _reads(op: Operation) -> list[SSAValue]:
    """The buffers a program step reads."""
    if isinstance(op, ComputeOp):
        return [*op.ins, op.out] if op.append is not None else list(op.ins)  # appending keeps what the buffer holds
    if isinstance(op, StoreOp | ExchangeOp):
        return [op.source] if isinstance(op, StoreOp) else [op.buffer]
    return []


def _written(op: Operation) -> SSAValue | None:
    """The buffer a program step writes, if any."""
    if isinstance(op, LoadOp):
        return op.dest
    if isinstance(op, ComputeOp):
        return op.out
    if isinstance(op, ExchangeOp):
        return op.buffer
    return None


def _meet(a: Sequence[list[int]], b: Sequence[list[int]]) -> bool:
    """Does some closed interval of `a` meet one of `b` (both sorted)?"""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][0] <= b[j][1] and b[j][0] <= a[i][1]:
            return True
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return False


def _covered(intervals: Sequence[Rows], rows: Rows) -> bool:
    """Do the union of `intervals` cover `rows`?"""
    position = rows[0]
    for lo, hi in sorted(intervals):
        if lo > position:
            break
        position = max(position, hi)
        if position >= rows[1]:
            return True
    return position >= rows[1]


def program_of(kernel: Operation) -> ProgramOp | None:
    """The `schedule.program` of a scheduled `accel.kernel`, else None."""
    last = kernel.regions[0].block.last_op if kernel.regions and kernel.regions[0].blocks else None
    previous = last.prev_op if last is not None else None
    return previous if isinstance(previous, ProgramOp) else None


Schedule = Dialect(
    "schedule",
    [ProgramOp, BufferOp, TileOp, LoadOp, StoreOp, ExchangeOp, ComputeOp, ComputeWholeOp, BarrierOp],
    [BufferType],
)
