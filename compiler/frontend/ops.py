"""The ops of the .dlm language: their signatures and how each becomes graph IR.

Each op has an `OpSpec`: its arguments (name, kind, default) and a builder that
turns the bound, kind-checked arguments into a `graph` op. Layer ops create
their weights through `OpContext.weight`, which names them after the statement
(see docs/dlm.md, "Weights").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from xdsl.dialects.builtin import TensorType, f32
from xdsl.ir import Attribute, Operation, SSAValue

from dlfc.dialects import graph
from dlfc.dialects.graph import ShapeError, fmt_shape, shape_of

Value = SSAValue | int | float | bool | str | list
"""What an expression evaluates to: a tensor (an SSA value) or a compile-time value."""


# --------------------------------------------------------------------------- argument kinds


class ArgKindError(Exception):
    """A value of the wrong kind for an argument; the message says what was expected."""


def format_value(value: Value) -> str:
    """A value as it would be written in .dlm (tensors as their type)."""
    if isinstance(value, SSAValue):
        return f"a tensor {format_type(value.type)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return repr(value)


def format_type(type: Attribute) -> str:
    """A tensor type in .dlm syntax: f32[1,3,32,32]."""
    assert isinstance(type, TensorType)
    return f"{type.element_type}{fmt_shape(shape_of(type))}"


def is_int(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def tensor(value: Value) -> SSAValue:
    if not isinstance(value, SSAValue):
        raise ArgKindError("a tensor")
    return value


def _as_float(value: Value) -> float | None:
    """A number as a float; None for anything else, or an integer beyond float range."""
    if not is_number(value):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return None


def operand(value: Value) -> SSAValue | float:
    """A tensor, or a number (made a scalar constant of the other operand's type)."""
    if isinstance(value, SSAValue):
        return value
    number = _as_float(value)
    if number is None:
        raise ArgKindError("a tensor or a number")
    return number


def integer(value: Value) -> int:
    if not is_int(value) or not -(2**63) <= value < 2**63:
        raise ArgKindError("a 64-bit integer")
    return value


def positive(value: Value) -> int:
    if not is_int(value) or not 1 <= value < 2**63:
        raise ArgKindError("a positive integer")
    return value


def number(value: Value) -> float:
    result = _as_float(value)
    if result is None:
        raise ArgKindError("a number")
    return result


def boolean(value: Value) -> bool:
    if not isinstance(value, bool):
        raise ArgKindError("true or false")
    return value


def integers(value: Value) -> tuple[int, ...]:
    """A list of integers."""
    if not isinstance(value, list) or not all(is_int(v) and -(2**63) <= v < 2**63 for v in value):
        raise ArgKindError("a list of integers")
    return tuple(value)


def int_or_integers(value: Value) -> tuple[int, ...]:
    """An integer or a list of integers (axes): always a tuple."""
    if is_int(value):
        return (integer(value),)
    try:
        return integers(value)
    except ArgKindError:
        raise ArgKindError("an integer or a list of integers") from None


def count_or_sizes(value: Value) -> int | tuple[int, ...]:
    """split's parts: a number of equal parts, or a list of sizes."""
    if is_int(value):
        return positive(value)
    try:
        return integers(value)
    except ArgKindError:
        raise ArgKindError("a positive integer or a list of sizes") from None


def pair(value: Value) -> tuple[int, int]:
    """An int n meaning [n, n], or a list [h, w]."""
    if is_int(value):
        return (integer(value),) * 2  # type: ignore[return-value]
    if isinstance(value, list) and len(value) == 2:
        try:
            return integers(value)  # type: ignore[return-value]
        except ArgKindError:
            pass
    raise ArgKindError("an integer or a list of 2 integers")


def padding(value: Value) -> tuple[int, int, int, int]:
    """An int n, a list [h, w] (top = bottom = h, left = right = w), or [top, left, bottom, right]."""
    if isinstance(value, list) and len(value) == 4:
        try:
            return integers(value)  # type: ignore[return-value]
        except ArgKindError:
            pass
    try:
        h, w = pair(value)
    except ArgKindError:
        raise ArgKindError("an integer or a list of 2 or 4 integers") from None
    return (h, w, h, w)


def pad_mode(value: Value) -> str:
    """Pad's mode: one of graph.PAD_MODES, as a string."""
    if not isinstance(value, str) or value not in graph.PAD_MODES:
        raise ArgKindError(" or ".join(f'"{m}"' for m in graph.PAD_MODES))
    return value


def int_or_list(value: Value) -> int | tuple[int, ...]:
    """A window size: an int n (n along every spatial axis) or a list of ints (one per axis, or per side for pad)."""
    if is_int(value):
        return integer(value)
    try:
        return integers(value)
    except ArgKindError:
        raise ArgKindError("an integer or a list of integers") from None


def number_or_numbers(value: Value) -> float | tuple[float, ...]:
    """A number, or a list of numbers."""
    if (single := _as_float(value)) is not None:
        return single
    if isinstance(value, list) and value and all(_as_float(v) is not None for v in value):
        return tuple(float(v) for v in value)  # type: ignore[arg-type]
    raise ArgKindError("a number or a list of numbers")


def choice(*options: str) -> Callable[[Value], str]:
    """A string, one of `options`."""

    def kind(value: Value) -> str:
        if not isinstance(value, str) or value not in options:
            raise ArgKindError("one of " + ", ".join(f'"{o}"' for o in options))
        return value

    return kind


Kind = Callable[[Value], Any]


def per_axis(op: str, what: str, value: int | Sequence[int], rank: int) -> tuple[int, ...]:
    """`value` with one entry per spatial axis: an int repeated, or a list of exactly `rank` ints."""
    if isinstance(value, int):
        return (value,) * rank
    if len(value) != rank:
        raise ShapeError(f"{op}: {what} {list(value)} needs {rank} values, one per spatial axis")
    return tuple(value)


def spatial_padding(op: str, value: int | Sequence[int], rank: int) -> tuple[int, ...]:
    """Padding in ONNX order [x1_begin, ..., x1_end, ...]: an int, one int per axis (both sides), or 2 * rank ints."""
    if isinstance(value, int):
        return (value,) * 2 * rank
    if len(value) == rank:
        return tuple(value) * 2
    if len(value) == 2 * rank:
        return tuple(value)
    raise ShapeError(f"{op}: pad {list(value)} needs 1, {rank} or {2 * rank} values")


def window_rank(op: str, x: SSAValue, rank: int | None) -> int:
    """The spatial rank of a window op on `x`: `rank` (conv1d/2d/3d), else the input's rank - 2, from 1 to 3."""
    xs = shape_of(x.type)
    if rank is None:
        if not 1 <= len(xs) - 2 <= graph.MAX_SPATIAL_RANK:
            raise ShapeError(f"{op}: input must have rank 3, 4 or 5 ([N, C, *spatial]), got shape {fmt_shape(xs)}")
        return len(xs) - 2
    graph.require_rank(op, "input", xs, rank + 2)
    return rank


# --------------------------------------------------------------------------- op table


class OpContext(Protocol):
    """What a builder needs from the IR generator."""

    def weight(self, param: str, shape: Sequence[int], element_type: Attribute, init: str) -> SSAValue:
        """The weight `<prefix>.<param>` of the op being built (emitted, file-checked)."""
        ...

    def emit(self, op: Operation) -> Operation:
        """Append `op` to the function being built."""
        ...


REQUIRED = object()
"""Default of an argument that must be given."""


@dataclass(frozen=True)
class Arg:
    """One argument of an op: name, kind (a converter) and default (REQUIRED if none)."""

    name: str
    kind: Kind
    default: Any = REQUIRED


@dataclass(frozen=True)
class OpSpec:
    """An op of the language.

    `variadic` names the argument that takes all positional arguments (concat's
    tensors); the others are then keyword-only. `layer` ops create weights.
    """

    name: str
    args: tuple[Arg, ...]
    build: Callable[[OpContext, Mapping[str, Any]], Operation]
    variadic: str | None = None
    layer: bool = False


def elementwise(ctx: OpContext, cls: type[graph.BinaryOp], a: SSAValue | float, b: SSAValue | float) -> Operation:
    """`cls(a, b)`, a number operand becoming a scalar constant of the tensor's element type."""
    if not isinstance(a, SSAValue) and not isinstance(b, SSAValue):
        raise ShapeError(f"{cls.name.removeprefix('graph.')}: at least one operand must be a tensor")
    like = a if isinstance(a, SSAValue) else b
    assert isinstance(like, SSAValue) and isinstance(like.type, TensorType)

    def as_tensor(v: SSAValue | float) -> SSAValue:
        if isinstance(v, SSAValue):
            return v
        if not graph.representable(v, like.type.element_type):  # type: ignore[union-attr]
            raise ShapeError(
                f"{cls.name.removeprefix('graph.')}: {v:g} is not a value of the tensor's element type "
                f"{like.type.element_type}"  # type: ignore[union-attr]
            )
        return ctx.emit(graph.ConstantOp(v, like.type.element_type)).results[0]  # type: ignore[union-attr]

    return cls(as_tensor(a), as_tensor(b))


def _element_type(x: SSAValue) -> Attribute:
    assert isinstance(x.type, TensorType)
    return x.type.element_type


def _conv(name: str, rank: int | None) -> Callable[[OpContext, Mapping[str, Any]], Operation]:
    """The builder of `conv` (any spatial rank, from the input) or conv1d/conv2d/conv3d (`rank`)."""

    def build(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
        x, out, groups = a["x"], a["out"], a["groups"]
        r = window_rank(name, x, rank)
        channels = shape_of(x.type)[1]
        if channels % groups:
            raise ShapeError(f"{name}: {groups} groups do not divide {channels} input channels")
        kernel = per_axis(name, "kernel", a["kernel"], r)
        stride, dilation = per_axis(name, "stride", a["stride"], r), per_axis(name, "dilation", a["dilation"], r)
        pad = spatial_padding(name, a["pad"], r)
        weight = ctx.weight("weight", (out, channels // groups, *kernel), _element_type(x), "he_normal")
        bias = ctx.weight("bias", (out,), _element_type(x), "zeros") if a["bias"] else None
        return graph.Conv2DOp(x, weight, bias, stride, pad, dilation, groups)

    return build


def _conv_spec(name: str, rank: int | None) -> OpSpec:
    """conv2d keeps its 2-D argument kinds (pairs, 2 or 4 pads); conv, conv1d and conv3d take ints or lists."""
    size, pads = (pair, padding) if rank == 2 else (int_or_list, int_or_list)
    args = (
        Arg("x", tensor),
        Arg("out", positive),
        Arg("kernel", size),
        Arg("stride", size, 1),
        Arg("pad", pads, 0),
        Arg("dilation", size, 1),
        Arg("groups", positive, 1),
        Arg("bias", boolean, True),
    )
    return OpSpec(name, args, _conv(name, rank), layer=True)


def _conv_transpose(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    x, out, groups = a["x"], a["out"], a["groups"]
    r = window_rank("conv_transpose", x, None)
    channels = shape_of(x.type)[1]
    if channels % groups or out % groups:
        raise ShapeError(f"conv_transpose: {groups} groups do not divide {channels} input and {out} output channels")
    kernel = per_axis("conv_transpose", "kernel", a["kernel"], r)
    stride, dilation = (
        per_axis("conv_transpose", "stride", a["stride"], r),
        per_axis("conv_transpose", "dilation", a["dilation"], r),
    )
    extra = per_axis("conv_transpose", "output_padding", a["output_padding"], r)
    pad = spatial_padding("conv_transpose", a["pad"], r)
    weight = ctx.weight("weight", (channels, out // groups, *kernel), _element_type(x), "he_normal")
    bias = ctx.weight("bias", (out,), _element_type(x), "zeros") if a["bias"] else None
    return graph.ConvTransposeOp(x, weight, bias, stride, pad, dilation, extra, groups)


def _dense(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    x, out = a["x"], a["out"]
    xs = shape_of(x.type)
    if not xs:
        raise ShapeError("dense: input must have rank >= 1")
    weight = ctx.weight("weight", (out, xs[-1]), _element_type(x), "he_normal")
    bias = ctx.weight("bias", (out,), _element_type(x), "zeros") if a["bias"] else None
    return graph.DenseOp(x, weight, bias)


def _batchnorm(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    x = a["x"]
    xs = shape_of(x.type)
    if len(xs) < 2:
        raise ShapeError(f"batchnorm: input must have rank >= 2, got shape {fmt_shape(xs)}")
    et = _element_type(x)
    stats = [
        ctx.weight(p, (xs[1],), et, init)
        for p, init in (("scale", "bn_scale"), ("bias", "bn_shift"), ("mean", "bn_shift"), ("var", "bn_var"))
    ]
    return graph.BatchNormOp(x, *stats, eps=a["eps"])


def _layernorm(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    x = a["x"]
    xs = shape_of(x.type)
    if not xs:
        raise ShapeError("layernorm: input must have rank >= 1")
    scale = ctx.weight("scale", (xs[-1],), _element_type(x), "ones")
    bias = ctx.weight("bias", (xs[-1],), _element_type(x), "zeros")
    return graph.LayerNormOp(x, scale, bias, a["eps"])


def _instance_norm(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    x = a["x"]
    xs = shape_of(x.type)
    if len(xs) < 3:
        raise ShapeError(f"instance_norm: input must have rank >= 3 ([N, C, D1, ...]), got shape {fmt_shape(xs)}")
    scale = ctx.weight("scale", (xs[1],), _element_type(x), "ones")
    bias = ctx.weight("bias", (xs[1],), _element_type(x), "zeros")
    return graph.InstanceNormOp(x, scale, bias, a["eps"])


def _prelu(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    """One slope per channel (axis 1, shaped [C, 1, ...] to broadcast), or one for the whole tensor."""
    x = a["x"]
    xs = shape_of(x.type)
    shape = (xs[1],) + (1,) * (len(xs) - 2) if a["channels"] and len(xs) >= 2 else (1,)
    return graph.PReluOp(x, ctx.weight("slope", shape, _element_type(x), "bn_shift"))


def _embedding(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    table = ctx.weight("weight", (a["vocab"], a["dim"]), f32, "normal")
    return graph.EmbeddingOp(a["ids"], table)


def _pool(name: str, cls: type[graph.PoolOp]) -> Callable[[OpContext, Mapping[str, Any]], Operation]:
    def build(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
        x = a["x"]
        r = window_rank(name, x, None)
        kernel = per_axis(name, "kernel", a["kernel"], r)
        stride = kernel if a["stride"] is None else per_axis(name, "stride", a["stride"], r)
        pad, dilation = spatial_padding(name, a["pad"], r), per_axis(name, "dilation", a["dilation"], r)
        if cls is graph.AvgPoolOp:
            return graph.AvgPoolOp(x, kernel, stride, pad, dilation, a["ceil_mode"], a["count_include_pad"])
        return cls(x, kernel, stride, pad, dilation, a["ceil_mode"])

    return build


def _resize(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    """`scale` (a number for every axis after the channels, or one per axis) or `size` (the whole result shape)."""
    x = a["x"]
    xs = shape_of(x.type)
    scale, size = a["scale"], a["size"]
    if (scale is None) == (size is None):
        raise ShapeError("resize: give either scale or size")
    if size is not None:
        if len(size) != len(xs) or min(size) < 1:
            raise ShapeError(
                f"resize: size {list(size)} needs {len(xs)} positive values, one per axis of {fmt_shape(xs)}"
            )
        scales = [o / d for o, d in zip(size, xs, strict=True)]
    else:
        scales = [1.0, 1.0] + [scale] * (len(xs) - 2) if isinstance(scale, float) else list(scale)
        if len(scales) != len(xs) or min(scales) <= 0:
            raise ShapeError(
                f"resize: scale {list(scales)} needs {len(xs)} positive values, one per axis of {fmt_shape(xs)}"
            )
        size = [int(d * s) for d, s in zip(xs, scales, strict=True)]
    return graph.ResizeOp(
        x, size, scales, a["mode"], a["coordinates"], a["nearest"], a["cubic_a"], a["exclude_outside"]
    )


def _split(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    x, parts, axis = a["x"], a["parts"], a["axis"]
    if isinstance(parts, int):
        xs = shape_of(x.type)
        dim = xs[graph.normalize_axis("split", axis, len(xs))]
        if dim % parts:
            raise ShapeError(f"split: {parts} parts do not divide dimension {dim} of {fmt_shape(xs)}")
        parts = (dim // parts,) * parts
    return graph.SplitOp(x, parts, axis)


def _slice(ctx: OpContext, a: Mapping[str, Any]) -> Operation:
    axes = tuple(range(len(a["starts"]))) if a["axes"] is None else a["axes"]
    return graph.SliceOp(a["x"], a["starts"], a["ends"], axes)


def _unary(name: str, cls: type[graph.UnaryOp]) -> OpSpec:
    return OpSpec(name, (Arg("x", tensor),), lambda ctx, a: cls(a["x"]))


def _binary(name: str, cls: type[graph.BinaryOp]) -> OpSpec:
    return OpSpec(name, (Arg("a", operand), Arg("b", operand)), lambda ctx, a: elementwise(ctx, cls, a["a"], a["b"]))


def _reduce(name: str, cls: type[graph.ReduceOp]) -> OpSpec:
    args = (Arg("x", tensor), Arg("axes", int_or_integers), Arg("keepdims", boolean, True))
    return OpSpec(name, args, lambda ctx, a: cls(a["x"], a["axes"], a["keepdims"]))


def _pool_spec(name: str, cls: type[graph.PoolOp]) -> OpSpec:
    args = (
        Arg("x", tensor),
        Arg("kernel", int_or_list),
        Arg("stride", int_or_list, None),
        Arg("pad", int_or_list, 0),
        Arg("dilation", int_or_list, 1),
        Arg("ceil_mode", boolean, False),
        *((Arg("count_include_pad", boolean, False),) if cls is graph.AvgPoolOp else ()),
    )
    return OpSpec(name, args, _pool(name, cls))


_UNARY = {
    "relu": graph.ReluOp,
    "relu6": graph.Relu6Op,
    "sigmoid": graph.SigmoidOp,
    "tanh": graph.TanhOp,
    "gelu": graph.GeluOp,
    "silu": graph.SiluOp,
    "hardswish": graph.HardSwishOp,
    "hardsigmoid": graph.HardSigmoidOp,
    "exp": graph.ExpOp,
    "log": graph.LogOp,
    "sqrt": graph.SqrtOp,
    "rsqrt": graph.RsqrtOp,
    "reciprocal": graph.ReciprocalOp,
    "neg": graph.NegOp,
    "abs": graph.AbsOp,
    "erf": graph.ErfOp,
    "softplus": graph.SoftplusOp,
    "sign": graph.SignOp,
    "square": graph.SquareOp,
}
_BINARY = {
    "add": graph.AddOp,
    "sub": graph.SubOp,
    "mul": graph.MulOp,
    "div": graph.DivOp,
    "max": graph.MaxOp,
    "min": graph.MinOp,
    "pow": graph.PowOp,
}
_REDUCE = {
    "reduce_sum": graph.ReduceSumOp,
    "reduce_mean": graph.ReduceMeanOp,
    "reduce_max": graph.ReduceMaxOp,
    "reduce_prod": graph.ReduceProdOp,
}

_SPECS: list[OpSpec] = [
    # layers
    _conv_spec("conv", None),
    _conv_spec("conv1d", 1),
    _conv_spec("conv2d", 2),
    _conv_spec("conv3d", 3),
    OpSpec(
        "conv_transpose",
        (
            Arg("x", tensor),
            Arg("out", positive),
            Arg("kernel", int_or_list),
            Arg("stride", int_or_list, 1),
            Arg("pad", int_or_list, 0),
            Arg("dilation", int_or_list, 1),
            Arg("output_padding", int_or_list, 0),
            Arg("groups", positive, 1),
            Arg("bias", boolean, True),
        ),
        _conv_transpose,
        layer=True,
    ),
    OpSpec("dense", (Arg("x", tensor), Arg("out", positive), Arg("bias", boolean, True)), _dense, layer=True),
    OpSpec("batchnorm", (Arg("x", tensor), Arg("eps", number, 1e-5)), _batchnorm, layer=True),
    OpSpec("layernorm", (Arg("x", tensor), Arg("eps", number, 1e-5)), _layernorm, layer=True),
    OpSpec("instance_norm", (Arg("x", tensor), Arg("eps", number, 1e-5)), _instance_norm, layer=True),
    OpSpec("prelu", (Arg("x", tensor), Arg("channels", boolean, True)), _prelu, layer=True),
    OpSpec("embedding", (Arg("ids", tensor), Arg("vocab", positive), Arg("dim", positive)), _embedding, layer=True),
    # linear algebra
    OpSpec("matmul", (Arg("a", tensor), Arg("b", tensor)), lambda ctx, a: graph.MatMulOp(a["a"], a["b"])),
    # elementwise
    *(_unary(name, cls) for name, cls in _UNARY.items()),
    *(_binary(name, cls) for name, cls in _BINARY.items()),
    OpSpec(
        "leaky_relu",
        (Arg("x", tensor), Arg("alpha", number, 0.01)),
        lambda ctx, a: graph.LeakyReluOp(a["x"], a["alpha"]),
    ),
    OpSpec(
        "clip",
        (Arg("x", tensor), Arg("min", number), Arg("max", number)),
        lambda ctx, a: graph.ClipOp(a["x"], a["min"], a["max"]),
    ),
    OpSpec("elu", (Arg("x", tensor), Arg("alpha", number, 1.0)), lambda ctx, a: graph.EluOp(a["x"], a["alpha"])),
    OpSpec(
        "selu",
        (Arg("x", tensor), Arg("alpha", number, graph.SELU_ALPHA), Arg("gamma", number, graph.SELU_GAMMA)),
        lambda ctx, a: graph.SeluOp(a["x"], a["alpha"], a["gamma"]),
    ),
    OpSpec(
        "shrink",
        (Arg("x", tensor), Arg("bias", number, 0.0), Arg("lambd", number, 0.5)),
        lambda ctx, a: graph.ShrinkOp(a["x"], a["bias"], a["lambd"]),
    ),
    # normalisation and reduction
    OpSpec("softmax", (Arg("x", tensor), Arg("axis", integer, -1)), lambda ctx, a: graph.SoftmaxOp(a["x"], a["axis"])),
    OpSpec(
        "log_softmax",
        (Arg("x", tensor), Arg("axis", integer, -1)),
        lambda ctx, a: graph.LogSoftmaxOp(a["x"], a["axis"]),
    ),
    *(_reduce(name, cls) for name, cls in _REDUCE.items()),
    # pooling
    _pool_spec("maxpool", graph.MaxPoolOp),
    _pool_spec("avgpool", graph.AvgPoolOp),
    OpSpec("global_avgpool", (Arg("x", tensor),), lambda ctx, a: graph.GlobalAvgPoolOp(a["x"])),
    OpSpec(
        "lrn",
        (
            Arg("x", tensor),
            Arg("size", positive),
            Arg("alpha", number, 1e-4),
            Arg("beta", number, 0.75),
            Arg("bias", number, 1.0),
        ),
        lambda ctx, a: graph.LRNOp(a["x"], a["size"], a["alpha"], a["beta"], a["bias"]),
    ),
    # shape
    OpSpec("reshape", (Arg("x", tensor), Arg("shape", integers)), lambda ctx, a: graph.ReshapeOp(a["x"], a["shape"])),
    OpSpec("flatten", (Arg("x", tensor), Arg("axis", integer, 1)), lambda ctx, a: graph.FlattenOp(a["x"], a["axis"])),
    OpSpec("transpose", (Arg("x", tensor), Arg("perm", integers)), lambda ctx, a: graph.TransposeOp(a["x"], a["perm"])),
    OpSpec(
        "squeeze", (Arg("x", tensor), Arg("axes", int_or_integers)), lambda ctx, a: graph.SqueezeOp(a["x"], a["axes"])
    ),
    OpSpec(
        "unsqueeze",
        (Arg("x", tensor), Arg("axes", int_or_integers)),
        lambda ctx, a: graph.UnsqueezeOp(a["x"], a["axes"]),
    ),
    # data movement
    OpSpec(
        "concat",
        (Arg("inputs", tensor), Arg("axis", integer, 1)),
        lambda ctx, a: graph.ConcatOp(a["inputs"], a["axis"]),
        variadic="inputs",
    ),
    OpSpec("split", (Arg("x", tensor), Arg("parts", count_or_sizes), Arg("axis", integer)), _split),
    OpSpec(
        "slice", (Arg("x", tensor), Arg("starts", integers), Arg("ends", integers), Arg("axes", integers, None)), _slice
    ),
    OpSpec(
        "pad",
        (Arg("x", tensor), Arg("pads", integers), Arg("value", number, 0.0), Arg("mode", pad_mode, "constant")),
        lambda ctx, a: graph.PadOp(a["x"], a["pads"], a["value"], a["mode"]),
    ),
    OpSpec("expand", (Arg("x", tensor), Arg("shape", integers)), lambda ctx, a: graph.ExpandOp(a["x"], a["shape"])),
    OpSpec("tile", (Arg("x", tensor), Arg("repeats", integers)), lambda ctx, a: graph.TileOp(a["x"], a["repeats"])),
    OpSpec(
        "upsample", (Arg("x", tensor), Arg("scale", positive, 2)), lambda ctx, a: graph.UpsampleOp(a["x"], a["scale"])
    ),
    OpSpec(
        "resize",
        (
            Arg("x", tensor),
            Arg("scale", number_or_numbers, None),
            Arg("size", integers, None),
            Arg("mode", choice(*graph.RESIZE_MODES), "nearest"),
            Arg("coordinates", choice(*(m for m in graph.COORDINATE_MODES if m != "tf_crop_and_resize")), "half_pixel"),
            Arg("nearest", choice(*graph.NEAREST_MODES), "round_prefer_floor"),
            Arg("cubic_a", number, -0.75),
            Arg("exclude_outside", boolean, False),
        ),
        _resize,
    ),
    OpSpec(
        "channel_shuffle",
        (Arg("x", tensor), Arg("groups", positive)),
        lambda ctx, a: graph.ChannelShuffleOp(a["x"], a["groups"]),
    ),
    OpSpec(
        "depth_to_space",
        (Arg("x", tensor), Arg("block", positive)),
        lambda ctx, a: graph.DepthToSpaceOp(a["x"], a["block"]),
    ),
]

OPS: Mapping[str, OpSpec] = {spec.name: spec for spec in _SPECS}
"""Every op of the language by name."""
