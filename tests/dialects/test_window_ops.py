"""Facts of the N-d window ops and their relatives: shapes, FLOPs (hand-counted) and the cost model's row windows."""

from __future__ import annotations

import pytest
from test_graph_ops import build, result_shape
from xdsl.utils.exceptions import VerifyException

from dlfc.dialects import graph
from dlfc.dialects.schedule import row_sliceable


def conv(xs, ws, **kw):
    return build([xs, ws], lambda x, w: graph.Conv2DOp(x, w, **kw))


def test_conv_1d_shape_flops_and_facts():
    op = conv((2, 4, 17), (6, 2, 3), stride=(2,), pad=(2, 1), dilation=(3,), groups=2)
    # (17 + 3 - 7) // 2 + 1 = 7 positions
    assert result_shape(op) == (2, 6, 7)
    # each of 2 * 6 * 7 outputs: 2 in-channels per group x 3 taps multiply-adds
    assert op.flops() == 2 * (2 * 6 * 7) * (2 * 3)
    assert op.lane_lengths() == (4, 6)
    assert op.row_window() is None  # rows of an NCL result are its channels: not tiled
    assert op.partition() is graph.Partition.WINDOW
    assert not row_sliceable(op)


def test_conv_3d_shape_flops_and_facts():
    op = build(
        [(1, 3, 8, 16, 16), (8, 3, 3, 3, 3), (8,)],
        lambda x, w, b: graph.Conv2DOp(x, w, b, (1, 2, 2), (1, 1, 1, 1, 1, 1), (1, 1, 1)),
    )
    assert result_shape(op) == (1, 8, 8, 8, 8)
    outputs = 8 * 8 * 8 * 8
    assert op.flops() == 2 * outputs * 3 * 27 + outputs
    assert op.row_window() == graph.RowWindow(3, 2, 1)  # tiled along H: the second-last spatial axis
    assert row_sliceable(op)


def test_conv_2d_keeps_its_row_window():
    op = conv((1, 8, 16, 16), (4, 8, 3, 3), stride=(2, 2), dilation=(2, 2))
    assert op.row_window() == graph.RowWindow(3, 2, 2)
    assert row_sliceable(op)


def test_pool_facts():
    maxpool = build([(1, 4, 9, 9)], lambda x: graph.MaxPoolOp(x, (2, 3), (1, 2), dilation=(3, 1), ceil_mode=True))
    # rows: (9 - 4) / 1 + 1 = 6; columns: ceil((9 - 3) / 2) + 1 = 4
    assert result_shape(maxpool) == (1, 4, 6, 4)
    assert maxpool.flops() == 1 * 4 * 6 * 4 * 6
    assert maxpool.row_window() == graph.RowWindow(2, 1, 3)
    assert row_sliceable(maxpool)
    avg3d = build([(1, 2, 4, 6, 6)], lambda x: graph.AvgPoolOp(x, (2, 2, 2), (2, 2, 2), count_include_pad=True))
    assert result_shape(avg3d) == (1, 2, 2, 3, 3)
    assert avg3d.flops() == 2 * 2 * 3 * 3 * 8
    assert avg3d.row_window() == graph.RowWindow(2, 2, 1)
    assert row_sliceable(avg3d)
    counted_ceil = build(
        [(1, 2, 7, 7)], lambda x: graph.AvgPoolOp(x, (2, 2), (2, 2), ceil_mode=True, count_include_pad=True)
    )
    assert result_shape(counted_ceil) == (1, 2, 4, 4)
    assert not row_sliceable(counted_ceil)  # a slice could not tell ceil_mode's extra cells from padding


def test_ceil_mode_last_window_starts_inside():
    """ONNX and PyTorch drop a last window that would start in the end padding."""
    op = build([(1, 1, 4)], lambda x: graph.MaxPoolOp(x, (2,), (2,), (1, 1), ceil_mode=True))
    # ceil((4 + 2 - 2) / 2) + 1 = 3 windows start at -1, 1, 3: all inside input or begin padding
    assert result_shape(op) == (1, 1, 3)
    op = build([(1, 1, 5)], lambda x: graph.MaxPoolOp(x, (2,), (3,), (0, 1), ceil_mode=True))
    # ceil((5 + 1 - 2) / 3) + 1 = 3, but the third would start at 6 >= 5: 2
    assert result_shape(op) == (1, 1, 2)


@pytest.mark.parametrize(
    "shapes,make,message",
    [
        (
            [(1, 2, 8), (4, 2, 3)],
            lambda x, w: graph.Conv2DOp(x, w, stride=(1,), pad=(0, 0, 0, 0), dilation=(1,)),
            "graph.conv2d: stride and dilation need one value per spatial axis (1 to 3) and pad two, "
            "got stride [1], dilation [1], pad [0, 0, 0, 0]",
        ),
        (
            [(1, 2, 8, 8), (4, 2, 3)],
            lambda x, w: graph.Conv2DOp(x, w, stride=(1,), pad=(0, 0), dilation=(1,)),
            "graph.conv2d: input must have rank 3, got shape [1,2,8,8]",
        ),
        (
            [(1, 1, 2, 2, 2, 2), (1, 1, 1, 1, 1, 1)],
            lambda x, w: graph.Conv2DOp(x, w, stride=(1,) * 4, pad=(0,) * 8, dilation=(1,) * 4),
            "graph.conv2d: stride and dilation need one value per spatial axis (1 to 3)",
        ),
        (
            [(1, 2, 8)],
            lambda x: graph.MaxPoolOp(x, (3,), (1,), (5, 0), (2,)),
            "graph.maxpool: pad [5, 0] must be smaller than the window of kernel [3], dilation [2]",
        ),
    ],
)
def test_window_shape_errors(shapes, make, message):
    with pytest.raises(VerifyException) as info:
        build(shapes, make)
    assert message in str(info.value)


def test_conv_transpose_shape_flops_and_facts():
    op = build(
        [(1, 8, 4, 5), (8, 3, 3, 3), (6,)],
        lambda x, w, b: graph.ConvTransposeOp(x, w, b, (2, 2), (1, 0, 0, 1), (1, 2), (1, 0), groups=2),
    )
    # rows: 2 * 3 + 2 * 1 + 1 + 1 - 1 - 0 = 9; columns: 2 * 4 + 2 * 2 + 1 + 0 - 0 - 1 = 12
    assert result_shape(op) == (1, 6, 9, 12)
    # each of the 8 * 4 * 5 input cells multiplies into 3 channels of its group x 9 taps; plus a bias add per output
    assert op.flops() == 2 * (8 * 4 * 5) * 3 * 9 + 6 * 9 * 12
    assert op.row_window() is None
    assert op.lane_lengths() == (8, 4 * 9)
    assert not row_sliceable(op)


def test_lrn_flops_and_rows():
    lrn = build([(1, 8, 4, 4)], lambda x: graph.LRNOp(x, 5))
    # per element: a square, 4 adds, a scale, a bias add, a power and a divide
    assert lrn.flops() == (1 + 4 + 4) * 128
    assert lrn.row_window() == graph.ROW_WISE
    assert row_sliceable(lrn)
    sequence = build([(1, 8, 16)], lambda x: graph.LRNOp(x, 3))
    assert sequence.row_window() is None  # the rows of [N, C, L] are channels
    assert not row_sliceable(sequence)
