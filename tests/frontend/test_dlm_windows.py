""".dlm window ops over 1, 2 and 3 spatial axes: conv, conv1d, conv3d, maxpool, avgpool (exact IR and errors)."""

from __future__ import annotations

import textwrap

import pytest

from dlfc.compiler.frontend import DlmError, parse_dlm
from dlfc.dialects import graph
from dlfc.dialects.graph import ints, shape_of


def only_op(body: str, kind: type[graph.GraphOp]) -> graph.GraphOp:
    text = "model m {\n" + textwrap.indent(textwrap.dedent(body), "  ") + "}\n"
    module = parse_dlm(text, "t.dlm")
    module.verify()
    (op,) = [op for op in module.walk() if isinstance(op, kind)]
    return op


def props(op: graph.GraphOp, *names: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in names:
        attr = op.properties[name]
        if name in ("ceil_mode", "count_include_pad"):
            out[name] = int(bool(attr.value.data))
        else:
            out[name] = ints(attr) if hasattr(attr, "get_values") else attr.value.data  # type: ignore[attr-defined]
    return out


CONVS = {
    "conv1d": (
        "input x: f32[2, 4, 16]\noutput conv1d(x, 8, kernel=5, stride=2, pad=2, dilation=1)",
        {"stride": (2,), "pad": (2, 2), "dilation": (1,), "groups": 1},
        [8, 4, 5],
        [2, 8, 8],
    ),
    "conv-rank-from-input-1d": (
        "input x: f32[1, 6, 20]\noutput conv(x, 6, kernel=3, pad=[2, 0], dilation=2, groups=3, bias=false)",
        {"stride": (1,), "pad": (2, 0), "dilation": (2,), "groups": 3},
        [6, 2, 3],
        [1, 6, 18],
    ),
    "conv3d": (
        "input x: f32[1, 3, 8, 16, 16]\noutput conv3d(x, 8, kernel=[3, 3, 3], stride=[1, 2, 2], pad=1)",
        {"stride": (1, 2, 2), "pad": (1, 1, 1, 1, 1, 1), "dilation": (1, 1, 1), "groups": 1},
        [8, 3, 3, 3, 3],
        [1, 8, 8, 8, 8],
    ),
    "conv-rank-from-input-3d": (
        "input x: f32[1, 2, 5, 6, 7]\noutput conv(x, 4, kernel=[1, 2, 3], pad=[0, 1, 1, 0, 0, 1])",
        {"stride": (1, 1, 1), "pad": (0, 1, 1, 0, 0, 1), "dilation": (1, 1, 1), "groups": 1},
        [4, 2, 1, 2, 3],
        [1, 4, 5, 6, 7],
    ),
    "conv-rank-from-input-2d": (
        "input x: f32[1, 2, 6, 6]\noutput conv(x, 4, kernel=3, pad=1)",
        {"stride": (1, 1), "pad": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1},
        [4, 2, 3, 3],
        [1, 4, 6, 6],
    ),
}


@pytest.mark.parametrize("case", CONVS)
def test_conv(case):
    body, expected, weight, result = CONVS[case]
    op = only_op(body, graph.Conv2DOp)
    assert props(op, "stride", "pad", "dilation", "groups") == expected
    assert list(shape_of(op.weight.type)) == weight
    assert list(shape_of(op.output.type)) == result


POOLS = {
    "maxpool-1d": (
        "input x: f32[1, 4, 9]\noutput maxpool(x, 3, stride=2, pad=1, dilation=1, ceil_mode=true)",
        graph.MaxPoolOp,
        {"kernel": (3,), "stride": (2,), "pad": (1, 1), "dilation": (1,), "ceil_mode": 1},
        [1, 4, 5],
    ),
    "avgpool-3d": (
        "input x: f32[1, 4, 4, 8, 8]\noutput avgpool(x, [1, 2, 2], count_include_pad=true, pad=[0, 1, 1, 0, 0, 0])",
        graph.AvgPoolOp,
        {"kernel": (1, 2, 2), "stride": (1, 2, 2), "pad": (0, 1, 1, 0, 0, 0), "count_include_pad": 1},
        [1, 4, 4, 4, 4],
    ),
    "maxpool-2d-dilated": (
        "input x: f32[1, 4, 9, 9]\noutput maxpool(x, 2, stride=1, dilation=[2, 3])",
        graph.MaxPoolOp,
        {"kernel": (2, 2), "stride": (1, 1), "pad": (0, 0, 0, 0), "dilation": (2, 3), "ceil_mode": 0},
        [1, 4, 7, 6],
    ),
}


@pytest.mark.parametrize("case", POOLS)
def test_pool(case):
    body, kind, expected, result = POOLS[case]
    op = only_op(body, kind)
    assert props(op, *expected) == expected
    assert list(shape_of(op.output.type)) == result


ERRORS = {
    "conv1d(x, 4, kernel=[3, 3])": ("f32[1, 2, 8]", "conv1d: kernel [3, 3] needs 1 values, one per spatial axis"),
    "conv3d(x, 4, kernel=3)": ("f32[1, 2, 8, 8]", "conv3d: input must have rank 5, got shape [1,2,8,8]"),
    "conv(x, 4, kernel=3)": ("f32[2, 8]", "conv: input must have rank 3, 4 or 5 ([N, C, *spatial]), got shape [2,8]"),
    "conv(x, 4, kernel=3, pad=[1, 1, 1])": ("f32[1, 2, 8, 8]", "conv: pad [1, 1, 1] needs 1, 2 or 4 values"),
    "maxpool(x, [2, 2])": ("f32[1, 2, 8, 8, 8]", "maxpool: kernel [2, 2] needs 3 values, one per spatial axis"),
    "avgpool(x, 2, pad=2)": ("f32[1, 2, 8]", "avgpool: pad [2, 2] must be smaller than kernel [2]"),
    "conv(x, 4, kernel=x)": ("f32[1, 2, 8]", "conv: argument 'kernel' must be an integer or a list of integers"),
}


@pytest.mark.parametrize("call", ERRORS)
def test_errors(call):
    input_type, message = ERRORS[call]
    with pytest.raises(DlmError) as info:
        parse_dlm(f"model m {{\n  input x: {input_type}\n  output {call}\n}}\n", "t.dlm")
    assert message in str(info.value).splitlines()[0]


def test_conv_transpose():
    op = only_op(
        "input z: f32[1, 16, 4, 4]\noutput conv_transpose(z, 8, kernel=4, stride=2, pad=1, output_padding=[1, 0])",
        graph.ConvTransposeOp,
    )
    assert props(op, "stride", "pad", "dilation", "output_padding", "groups") == {
        "stride": (2, 2),
        "pad": (1, 1, 1, 1),
        "dilation": (1, 1),
        "output_padding": (1, 0),
        "groups": 1,
    }
    assert list(shape_of(op.weight.type)) == [16, 8, 4, 4]
    assert list(shape_of(op.output.type)) == [1, 8, 9, 8]  # 2 * 3 + 3 + 1 + 1 - 2 rows, one fewer column


def test_conv_transpose_3d_groups():
    op = only_op(
        "input v: f32[1, 4, 2, 3, 3]\noutput conv_transpose(v, 6, kernel=[2, 3, 3], stride=[2, 1, 1], groups=2)",
        graph.ConvTransposeOp,
    )
    assert list(shape_of(op.weight.type)) == [4, 3, 2, 3, 3]
    assert list(shape_of(op.output.type)) == [1, 6, 4, 5, 5]


def test_lrn():
    op = only_op("input x: f32[1, 96, 8, 8]\noutput lrn(x, 5, alpha=0.0001, beta=0.75, bias=2)", graph.LRNOp)
    assert (op.size.value.data, op.alpha.value.data, op.beta.value.data, op.bias.value.data) == (5, 1e-4, 0.75, 2.0)


def test_conv_transpose_groups_error():
    with pytest.raises(DlmError) as info:
        parse_dlm("model m {\n  input x: f32[1, 4, 3]\n  output conv_transpose(x, 5, kernel=2, groups=2)\n}\n", "t.dlm")
    assert "conv_transpose: 2 groups do not divide 4 input and 5 output channels" in str(info.value)


RESIZES = {
    'resize(x, scale=1.5, mode="linear")': ((1, 1, 1.5, 1.5), (1, 3, 7, 9), "linear", "half_pixel"),
    'resize(x, size=[1, 3, 8, 3], mode="cubic", coordinates="align_corners")': (
        (1, 1, 1.6, 0.5),
        (1, 3, 8, 3),
        "cubic",
        "align_corners",
    ),
    'resize(x, scale=[1, 1, 2, 0.5], nearest="floor", coordinates="asymmetric")': (
        (1, 1, 2, 0.5),
        (1, 3, 10, 3),
        "nearest",
        "asymmetric",
    ),
}


@pytest.mark.parametrize("call", RESIZES)
def test_resize(call):
    scales, sizes, mode, coordinates = RESIZES[call]
    op = only_op(f"input x: f32[1, 3, 5, 6]\noutput {call}", graph.ResizeOp)
    assert graph.floats(op.scales) == scales and ints(op.sizes) == sizes
    assert (op.mode.data, op.coordinate_transformation_mode.data) == (mode, coordinates)


@pytest.mark.parametrize(
    "call,message",
    [
        ("resize(x)", "resize: give either scale or size"),
        ("resize(x, scale=2, size=[1, 3, 10, 12])", "resize: give either scale or size"),
        ("resize(x, size=[10, 12])", "resize: size [10, 12] needs 4 positive values, one per axis of [1,3,5,6]"),
        (
            'resize(x, scale=2, mode="bilinear")',
            'resize: argument \'mode\' must be one of "nearest", "linear", "cubic"',
        ),
    ],
)
def test_resize_errors(call, message):
    with pytest.raises(DlmError) as info:
        parse_dlm(f"model m {{\n  input x: f32[1, 3, 5, 6]\n  output {call}\n}}\n", "t.dlm")
    assert message in str(info.value).splitlines()[0]
