"""The `graph` dialect: one op per DNN layer or operator, on static tensor types.

This is dlfc's entry level. A model is a `func.func` whose body is a DAG of
`graph.*` ops. Weights are `graph.weight` ops that carry a name, a type and an
initialiser kind, never data; scalar literals are `graph.constant` ops.

Every compute op declares, in one place:
- its shape rule (`infer`), used both by its constructor and by its verifier;
- its DNNFusion mapping type (`MAPPING`, see `MappingType`), its TVM pattern
  kind (`PATTERN`, see `PatternKind`) and when it is the identity (`IDENTITY`,
  see `Identity`);
- its FLOP count (`flops`);
- the facts the cost model splits and tiles it by: how it partitions across
  cores (`PARTITION`, `lane_lengths`), whether and how a tile of its output
  rows maps to input rows (`TILING`, `row_window`), the operands it only
  gathers from (`GATHERED_OPERANDS`) and, for a reordering op, the contiguous
  run of its input reads (`access_run`);
- its traits: `Pure`, and `ReshapeLike` for a view that only changes the shape.
A concrete op class that lacks a fact (`missing_facts`) raises `MissingOpFact`
when Python defines it; the verifier checks the same.
Numeric semantics live in `hw/reference.py`, one numpy function per op.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import ClassVar

from xdsl.dialects.builtin import (
    I64,
    BoolAttr,
    DenseArrayBase,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f64,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Commutative, ConstantLike, OpTrait, Pure
from xdsl.utils.exceptions import VerifyException

Shape = tuple[int, ...]
Props = Mapping[str, Attribute]


class ShapeError(VerifyException):
    """An op was given operands or attributes its shape rule rejects."""


class MappingType(IntEnum):
    """DNNFusion's classification of how an op's output indices map to its inputs.

    Ordered by complexity (DNNFusion, footnote 1): a multi-input op, or a fused
    block, takes the most complex type of its parts.
    """

    ONE_TO_ONE = 0
    REORGANIZE = 1
    SHUFFLE = 2
    ONE_TO_MANY = 3
    MANY_TO_MANY = 4


class PatternKind(IntEnum):
    """TVM's OpPatternKind (include/tvm/relay/op_attr_types.h): how FuseOps may fuse an op.

    Ordered as TVM orders them: a fused group takes the largest kind of its parts.
    """

    ELEMWISE = 0
    BROADCAST = 1
    INJECTIVE = 2
    COMM_REDUCE = 3
    OUT_EWISE_FUSABLE = 4
    OPAQUE = 8


class Identity(Enum):
    """When a graph op is the identity: it returns its one operand unchanged (graph-simplify-shapes drops it)."""

    NEVER = "never"
    """The op computes: it is not the identity even when its result has its operand's type."""
    SAME_TYPE = "same type"
    """Whenever its one result has its one operand's type (a reshape to the same shape, a pad by zero, ...)."""
    SAME_TYPE_AND_PROPERTIES = "same type and properties"
    """When, besides, its properties say so (`GraphOp.identity_properties`: a transpose by the identity, ...)."""


class ReshapeLike(OpTrait):
    """A view: the op keeps its operand's elements in row-major order and only changes the shape.

    Reshape, flatten, squeeze and unsqueeze: no element moves, so the cost model
    charges no work, graph-simplify-shapes composes chains of them and the
    reference semantics is numpy's reshape. An op of mapping type Reorganize
    must have it, and only such an op may (checked by `GraphOp.verify_`).
    """


class MissingOpFact(TypeError):
    """A graph op class does not declare one of its facts (see `missing_facts`)."""


class Partition(Enum):
    """The axes along which an op's work splits across cores (the cost model takes the one with most units).

    - WINDOW: batch, output rows, output channels (convolution, pooling);
    - DENSE: rows (every axis but the last), output channels;
    - MATMUL: batch (leading axes), rows, output channels;
    - ELEMENTS: the flat output elements, in vector-width chunks.
    """

    WINDOW = "window"
    DENSE = "dense"
    MATMUL = "matmul"
    ELEMENTS = "elements"


class Tiling(Enum):
    """Whether a tile of an op's output rows needs only some input rows.

    Rows are axis rank - 2 of a rank-4 or rank-5 result (H of NCHW and NCDHW),
    else every axis but the last.

    - NONE: no: every output row may need every input row (reductions over rows, reorderings, gathers);
    - ROWS: output row r needs input row r only (elementwise, normalisation, dense, matmul);
    - WINDOW: output row r needs a window of input rows (`row_window`: kernel, stride, dilation).
    """

    NONE = "none"
    ROWS = "rows"
    WINDOW = "window"


@dataclass(frozen=True)
class RowWindow:
    """How output rows map to input rows: r output rows need (r - 1) * stride + (kernel - 1) * dilation + 1 input rows."""

    kernel: int = 1
    stride: int = 1
    dilation: int = 1

    def input_rows(self, rows: int) -> int:
        """Input rows that `rows` consecutive output rows read."""
        return (rows - 1) * self.stride + (self.kernel - 1) * self.dilation + 1


ROW_WISE = RowWindow()


# --------------------------------------------------------------------------- helpers


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def ints(attr: Attribute) -> Shape:
    """The integers of a DenseArrayBase or IntegerAttr property."""
    if isinstance(attr, IntegerAttr):
        return (attr.value.data,)
    assert isinstance(attr, DenseArrayBase)
    return tuple(int(v) for v in attr.get_values())


def int_of(attr: Attribute) -> int:
    assert isinstance(attr, IntegerAttr)
    return attr.value.data


def float_of(attr: Attribute) -> float:
    assert isinstance(attr, FloatAttr)
    return float(attr.value.data)


def float_literal(value: float) -> str:
    """The shortest text of `value` that parses back (`1.0e-05`, not `1e-05`; `inf`, `-inf`, `nan`)."""
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    if exponent and "." not in mantissa:
        return f"{mantissa}.0e{exponent}"
    return text


def fmt_shape(shape: Sequence[int]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def tensor(element_type: Attribute, shape: Sequence[int]) -> TensorType:
    """The tensor type; ShapeError if it has more elements than an int64 counts (every shape rule builds with this)."""
    if math.prod(shape) > MAX_TENSOR_BYTES:
        raise ShapeError(f"shape [{', '.join(map(str, shape))}] has more than 2^63 elements")
    return TensorType(element_type, list(shape))


def shape_of(t: Attribute) -> Shape:
    assert isinstance(t, TensorType)
    return tuple(t.get_shape())


def num_elements(t: Attribute) -> int:
    return math.prod(shape_of(t))


SUPPORTED_INTEGER_WIDTHS = (8, 16, 32, 64)
MAX_TENSOR_BYTES = 2**63 - 1
"""No tensor may hold more bytes than an int64 counts (numpy's and the cost model's sizes)."""


def tensor_contract_error(t: Attribute) -> str | None:
    """Why a tensor type cannot be computed (dynamic or negative dimension, unsupported element type, over int64), or None."""
    if not isinstance(t, TensorType):
        return None
    shape = t.get_shape()
    if any(d < 0 for d in shape):
        return f"{t} has a dynamic dimension: dlfc computes static shapes only (give a size, e.g. --input-shape)"
    element = t.element_type
    if isinstance(element, IntegerType):
        if element.width.data not in SUPPORTED_INTEGER_WIDTHS:
            return f"{t}: element type {element} is not supported (integers: i8, i16, i32, i64)"
        width = element.width.data // 8
    elif isinstance(element, Float16Type | Float32Type | Float64Type):
        width = element.bitwidth // 8
    else:
        return f"{t}: element type {element} is not supported (f16, f32, f64, i8, i16, i32, i64)"
    if math.prod(shape) * width > MAX_TENSOR_BYTES:
        return f"{t} holds more than 2^63 bytes"
    return None


def representable(value: float, element_type: Attribute) -> bool:
    """True if the number `value` is a value of `element_type` (an integer in range for integer types)."""
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        return math.isfinite(value) and value == int(value) and -(2 ** (width - 1)) <= value < 2 ** (width - 1)
    largest = FLOAT_MAX.get(type(element_type), math.inf)
    return not math.isfinite(value) or abs(value) <= largest  # inf is written as inf, not as 1e39 in f32


FLOAT_MAX: dict[type[Attribute], float] = {Float16Type: 65504.0, Float32Type: 3.4028234663852886e38}
"""The largest finite value of the narrower float types."""


def is_float(t: Attribute) -> bool:
    assert isinstance(t, TensorType)
    return isinstance(t.element_type, Float16Type | Float32Type | Float64Type)


def normalize_axis(op: str, axis: int, rank: int) -> int:
    """Map a possibly negative axis into [0, rank)."""
    if not -rank <= axis < rank:
        raise ShapeError(f"{op}: axis {axis} is out of range for rank {rank}")
    return axis % rank


def normalize_axes(op: str, axes: Sequence[int], rank: int) -> Shape:
    normalized = tuple(normalize_axis(op, a, rank) for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"{op}: repeated axis in {list(axes)}")
    return tuple(sorted(normalized))


def broadcast(op: str, a: Shape, b: Shape) -> Shape:
    """numpy broadcasting of two shapes."""
    rank = max(len(a), len(b))
    a1, b1 = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    out = []
    for x, y in zip(a1, b1, strict=False):
        if x != y and 1 not in (x, y):
            raise ShapeError(f"{op}: shapes {fmt_shape(a)} and {fmt_shape(b)} do not broadcast")
        out.append(max(x, y) if 0 not in (x, y) else 0)
    return tuple(out)


def require_rank(op: str, what: str, shape: Shape, rank: int) -> None:
    if len(shape) != rank:
        raise ShapeError(f"{op}: {what} must have rank {rank}, got shape {fmt_shape(shape)}")


def window_out(
    op: str, size: int, kernel: int, stride: int, pad: int, dilation: int = 1, ceil: bool = False, pad_begin: int = 0
) -> int:
    """Output length of a sliding window along one axis (`pad`: both sides' padding).

    Floor mode by default; `ceil` rounds up as ONNX's ceil_mode does, except
    that the last window must start inside the input or its `pad_begin`
    padding (ONNX, PyTorch).
    """
    if kernel < 1 or stride < 1 or dilation < 1 or pad < 0:
        raise ShapeError(f"{op}: kernel, stride and dilation must be positive and pad non-negative")
    span = dilation * (kernel - 1) + 1
    if size + pad < span:
        raise ShapeError(f"{op}: window of {span} does not fit input size {size} with padding {pad}")
    if not ceil:
        return (size + pad - span) // stride + 1
    out = -(-(size + pad - span) // stride) + 1
    return out - 1 if (out - 1) * stride >= size + pad_begin else out


MAX_SPATIAL_RANK = 3
"""Convolution and pooling windows slide over 1, 2 or 3 spatial axes (NCL, NCHW, NCDHW)."""


def spatial_rank(op: str, per_axis: Mapping[str, Sequence[int]], pad: Sequence[int]) -> int:
    """The number of spatial axes the window properties give (one value per axis each, two pads per axis).

    ShapeError unless they agree on 1 to MAX_SPATIAL_RANK axes.
    """
    k = len(next(iter(per_axis.values())))
    if not 1 <= k <= MAX_SPATIAL_RANK or any(len(v) != k for v in per_axis.values()) or len(pad) != 2 * k:
        names = " and ".join([", ".join(list(per_axis)[:-1]), list(per_axis)[-1]] if len(per_axis) > 1 else per_axis)
        raise ShapeError(
            f"{op}: {names} need one value per spatial axis (1 to {MAX_SPATIAL_RANK}) and pad two, got "
            + ", ".join(f"{name} {list(v)}" for name, v in per_axis.items())
            + f", pad {list(pad)}"
        )
    return k


# --------------------------------------------------------------------------- base classes


# --------------------------------------------------------------------------- algebraic facts


@dataclass(frozen=True)
class Identities(OpTrait):
    """The constants that leave the other operand unchanged: x op right = x, left op x = x (None: none).

    Every elementwise binary op declares this trait (the verifier refuses one that
    does not), so graph rewriting never falls back to a default. `exact` says
    whether removing the identity is bitwise exact for every input (x + 0 is not:
    it turns −0 into +0).
    """

    right: float | None = None
    left: float | None = None
    exact: bool = True


@dataclass(frozen=True)
class Involution(OpTrait):
    """f(f(x)) = x in real arithmetic (−x, 1/x); `exact` if also in floating point for every x."""

    exact: bool = True


class GraphOp(IRDLOperation):
    """A graph compute op: shape rule, FLOP count and its facts (`missing_facts`) live with the op.

    Defining a concrete op class (one with a `name`) checks its facts: a missing
    one raises `MissingOpFact` when the class is defined, i.e. at import.
    """

    MAPPING: ClassVar[MappingType]
    """DNNFusion's mapping type of the op (of every instance, unless `mapping_type` refines it)."""
    PATTERN: ClassVar[PatternKind]
    """TVM's pattern kind of the op (TOpPattern of the op, or of the Relay ops TVM decomposes it into)."""
    IDENTITY: ClassVar[Identity]
    """When the op returns its one operand unchanged."""
    PARTITION: ClassVar[Partition]
    TILING: ClassVar[Tiling]
    GATHERED_OPERANDS: ClassVar[tuple[int, ...]] = ()
    """Operands the op only gathers rows from (it reads no more of them than its result's size)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:  # a concrete op; the abstract bases name none
            missing_facts(cls, raise_as=MissingOpFact)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        """Result types for these operand types and properties; raises ShapeError."""
        raise ShapeError(f"{cls.name}: no shape rule")

    def mapping_type(self) -> MappingType:
        """The DNNFusion mapping type of this op instance."""
        return type(self).MAPPING

    def flops(self) -> int:
        """Floating-point operations of one execution (a multiply-add counts 2)."""
        return 0

    def partition(self) -> Partition:
        """How this op instance splits across cores (`PARTITION`)."""
        return type(self).PARTITION

    def lane_lengths(self) -> tuple[int, ...]:
        """The lengths the vector lanes run along (input channels, im2col or reduction length); () for ELEMENTS."""
        return ()

    def row_window(self) -> RowWindow | None:
        """The input rows a tile of output rows needs (`TILING`); None if the op cannot be split by rows."""
        tiling = type(self).TILING
        if tiling is Tiling.WINDOW:
            raise NotImplementedError(f"{self.name}: a WINDOW op must say its row_window")
        return ROW_WISE if tiling is Tiling.ROWS and len(shape_of(self.results[0].type)) >= 2 else None

    def access_run(self) -> int | None:
        """For a reordering op: the contiguous run (elements) of its input when read in its output's order.

        None: the op reads and writes in order. Every SHUFFLE op must say.
        """
        return None

    def identity_properties(self) -> bool:
        """For IDENTITY = SAME_TYPE_AND_PROPERTIES: do the op's properties make it the identity?"""
        raise NotImplementedError(f"{self.name}: no identity_properties")

    def is_identity(self) -> bool:
        """True if the op returns its only operand unchanged (see `Identity`)."""
        kind = type(self).IDENTITY
        if kind is Identity.NEVER or len(self.operands) != 1 or len(self.results) != 1:
            return False
        if self.operands[0].type != self.results[0].type:
            return False
        return kind is Identity.SAME_TYPE or self.identity_properties()

    def _build(self, operands: Sequence[SSAValue | Sequence[SSAValue] | None], props: dict[str, Attribute]) -> None:
        flat: list[TensorType] = []
        for o in operands:
            if isinstance(o, SSAValue):
                flat.append(o.type)  # type: ignore[arg-type]
            elif o is not None:
                flat.extend(v.type for v in o)  # type: ignore[misc]
        results = type(self).infer(flat, props)
        super().__init__(operands=list(operands), properties=props, result_types=self._shape_results(results))

    @staticmethod
    def _shape_results(results: list[TensorType]) -> list[Attribute | list[Attribute]]:
        return list(results)

    def verify_(self) -> None:
        missing_facts(type(self), raise_as=VerifyException)
        if self.has_trait(ReshapeLike) != (type(self).MAPPING is MappingType.REORGANIZE):
            raise VerifyException(
                f"{self.name}: an op has the ReshapeLike trait exactly when its mapping type is Reorganize"
            )
        for value in (*self.operands, *self.results):
            if (problem := tensor_contract_error(value.type)) is not None:
                raise VerifyException(f"{self.name}: {problem}")
        expected = type(self).infer([o.type for o in self.operands], self.properties)  # type: ignore[misc]
        actual = [r.type for r in self.results]
        if expected != actual:
            raise VerifyException(
                f"{self.name}: result types {', '.join(map(str, actual))} do not match the inferred "
                f"{', '.join(map(str, expected))}"
            )


def missing_facts(cls: type[GraphOp], raise_as: type[Exception] | None = None) -> list[str]:
    """The op facts `cls` does not declare (mapping type, pattern kind, identity, partition, tiling, ...).

    With `raise_as`, raises that exception naming the first missing fact instead.
    """
    missing = []
    if not isinstance(getattr(cls, "MAPPING", None), MappingType):
        missing.append("DNNFusion mapping type (MAPPING)")
    if not isinstance(getattr(cls, "PATTERN", None), PatternKind):
        missing.append("TVM pattern kind (PATTERN)")
    if not isinstance(getattr(cls, "IDENTITY", None), Identity):
        missing.append("identity (IDENTITY)")
    elif cls.IDENTITY is Identity.SAME_TYPE_AND_PROPERTIES and cls.identity_properties is GraphOp.identity_properties:
        missing.append("identity properties (identity_properties)")
    if not isinstance(getattr(cls, "PARTITION", None), Partition):
        missing.append("partition across cores (PARTITION)")
    if not isinstance(getattr(cls, "TILING", None), Tiling):
        missing.append("row tiling (TILING)")
    elif cls.TILING is Tiling.WINDOW and cls.row_window is GraphOp.row_window:
        missing.append("row window (row_window)")
    if getattr(cls, "MAPPING", None) is MappingType.SHUFFLE and cls.access_run is GraphOp.access_run:
        missing.append("access run of a shuffle (access_run)")
    if getattr(cls, "PARTITION", None) not in (None, Partition.ELEMENTS) and cls.lane_lengths is GraphOp.lane_lengths:
        missing.append("vector lane lengths (lane_lengths)")
    if missing and raise_as is not None:
        raise raise_as(f"{cls.name}: op declares no {missing[0]}")
    return missing


class UnaryOp(GraphOp):
    """An elementwise op of one tensor: y[i] = f(x[i])."""

    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    output = result_def(T)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.ELEMWISE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS
    FLOPS_PER_ELEMENT: ClassVar[int] = 1
    assembly_format = "$input attr-dict `:` type($output)"

    def __init__(self, input: SSAValue, **props: Attribute):
        self._build([input], dict(props))

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        if cls.FLOAT_ONLY and not is_float(x):
            raise ShapeError(f"{cls.name}: needs a floating-point tensor, got {x}")
        return [x]

    FLOAT_ONLY: ClassVar[bool] = True

    def flops(self) -> int:
        return self.FLOPS_PER_ELEMENT * num_elements(self.output.type)


class BinaryOp(GraphOp):
    """An elementwise op of two tensors with numpy broadcasting: y[i] = f(a[i], b[i])."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.BROADCAST
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS
    assembly_format = "$lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($output)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        self._build([lhs, rhs], {})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        a, b = operand_types
        if a.element_type != b.element_type:
            raise ShapeError(f"{cls.name}: element types {a.element_type} and {b.element_type} differ")
        return [tensor(a.element_type, broadcast(cls.name, shape_of(a), shape_of(b)))]

    def verify_(self) -> None:
        if not self.has_trait(Identities):
            raise VerifyException(f"{self.name}: binary op declares no Identities trait (its neutral elements)")
        super().verify_()

    def mapping_type(self) -> MappingType:
        """One-to-One, or One-to-Many when an operand is broadcast."""
        out = shape_of(self.output.type)
        if shape_of(self.lhs.type) != out or shape_of(self.rhs.type) != out:
            return MappingType.ONE_TO_MANY
        return MappingType.ONE_TO_ONE

    def flops(self) -> int:
        return num_elements(self.output.type)


class StructuredOp(GraphOp):
    """An op printed in the generic functional form `graph.x %a, %b {props} : (A, B) -> C`."""

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "operands attr-dict `:` functional-type(operands, results)"


# --------------------------------------------------------------------------- sources


@irdl_op_definition
class WeightOp(IRDLOperation):
    """A named weight of the model (data lives in the weight store, never in the IR).

    `init` names how the weight is initialised when no weights file provides it
    (see `hw/weights.py`).
    """

    name = "graph.weight"
    weight_name = prop_def(StringAttr, prop_name="name")
    init = prop_def(StringAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure(), ConstantLike())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$name attr-dict `:` type($output)"

    INITS: ClassVar[tuple[str, ...]] = (
        "he_normal",
        "zeros",
        "ones",
        "normal",
        "bn_scale",
        "bn_shift",
        "bn_var",
        "stored",
    )
    """The initialiser kinds (`dlfc.hw.weights.INIT_KINDS` says what each draws)."""

    def __init__(self, name: str, type: TensorType, init: str):
        super().__init__(properties={"name": StringAttr(name), "init": StringAttr(init)}, result_types=[type])

    @property
    def weight_id(self) -> str:
        return self.weight_name.data

    def verify_(self) -> None:
        if self.init.data not in self.INITS:
            raise VerifyException(
                f'graph.weight "{self.weight_id}": unknown init "{self.init.data}" (known: {", ".join(self.INITS)})'
            )


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A scalar literal of the model, as a 0-d tensor: `graph.constant 0.5 : tensor<f32>`."""

    name = "graph.constant"
    value = prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure(), ConstantLike())

    def __init__(self, value: float, element_type: Attribute):
        super().__init__(properties={"value": FloatAttr(float(value), f64)}, result_types=[tensor(element_type, [])])

    @property
    def number(self) -> float:
        return float_of(self.value)

    def verify_(self) -> None:
        if shape_of(self.output.type) != ():
            raise VerifyException("graph.constant: result must be a 0-d tensor")
        element = self.output.type.element_type  # type: ignore[union-attr]
        if (problem := tensor_contract_error(self.output.type)) is not None:
            raise VerifyException(f"graph.constant: {problem}")
        if not representable(self.number, element):
            raise VerifyException(f"graph.constant: {float_literal(self.number)} is not a value of {element}")

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {float_literal(self.number)}")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.output.type)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        sign = -1.0 if parser.parse_optional_punctuation("-") is not None else 1.0
        keyword = parser.parse_optional_keyword("inf") or parser.parse_optional_keyword("nan")
        value = sign * float(keyword if keyword is not None else parser.parse_number())
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        result_type = parser.parse_type()
        if not isinstance(result_type, TensorType):
            parser.raise_error("graph.constant: expected a tensor type")
        op = cls(value, result_type.element_type)
        op.attributes.update(attrs)
        return op


SOURCE_OPS = (WeightOp, ConstantOp)
"""Ops that provide data without computing: every region (fused kernel) that uses one gets its own copy."""


def is_source(op: Operation | None) -> bool:
    """Is `op` a weight or a constant (see SOURCE_OPS)?"""
    return isinstance(op, SOURCE_OPS)


# --------------------------------------------------------------------------- layers


def window_row(shape: Shape, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> RowWindow | None:
    """The row window of a convolution or pooling whose result has `shape`: along H, its second-last spatial axis.

    The cost model and accel-schedule tile the rows of NCHW and NCDHW results
    (axis rank - 2, H); the rows of an NCL result would be its channels, which
    every output reads whole, so a 1-D window op is not tiled (None).
    """
    if len(shape) not in (4, 5):
        return None
    return RowWindow(kernel[-2], stride[-2], dilation[-2])


@irdl_op_definition
class Conv2DOp(StructuredOp):
    """Convolution over 1, 2 or 3 spatial axes (ONNX Conv): y = conv(x, weight) + bias.

    x is [N, C, *spatial] (NCL, NCHW or NCDHW: as many spatial axes as
    `stride` has values); weight is [out, in/groups, *kernel]; bias (optional)
    is [out]; pad is [x1_begin, x2_begin, ..., x1_end, x2_end, ...] (ONNX
    order: [top, left, bottom, right] in 2-D). The op keeps its 2-D name
    (`graph.conv2d`) and its 2-D defaults: another rank spells out its stride,
    pad and dilation.
    """

    name = "graph.conv2d"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)
    stride = prop_def(DenseArrayBase.constr(I64), default_value=i64_array([1, 1]))
    pad = prop_def(DenseArrayBase.constr(I64), default_value=i64_array([0, 0, 0, 0]))
    dilation = prop_def(DenseArrayBase.constr(I64), default_value=i64_array([1, 1]))
    groups = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.WINDOW
    TILING: ClassVar[Tiling] = Tiling.WINDOW

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None = None,
        stride: Sequence[int] = (1, 1),
        pad: Sequence[int] = (0, 0, 0, 0),
        dilation: Sequence[int] = (1, 1),
        groups: int = 1,
    ):
        props = {
            "stride": i64_array(stride),
            "pad": i64_array(pad),
            "dilation": i64_array(dilation),
            "groups": IntegerAttr(groups, i64),
        }
        self._build([input, weight, bias], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, w, *bias = operand_types
        xs, ws = shape_of(x), shape_of(w)
        stride, pad, dil = ints(props["stride"]), ints(props["pad"]), ints(props["dilation"])
        groups = int_of(props["groups"])
        k = spatial_rank(cls.name, {"stride": stride, "dilation": dil}, pad)
        require_rank(cls.name, "input", xs, k + 2)
        require_rank(cls.name, "weight", ws, k + 2)
        n, c = xs[:2]
        out, cin_g = ws[:2]
        if groups < 1 or c % groups or out % groups:
            raise ShapeError(f"{cls.name}: {groups} groups do not divide {c} input and {out} output channels")
        if cin_g * groups != c:
            raise ShapeError(f"{cls.name}: input has {c} channels but weight {fmt_shape(ws)} expects {cin_g * groups}")
        if bias and shape_of(bias[0]) != (out,):
            raise ShapeError(f"{cls.name}: bias must have shape [{out}], got {fmt_shape(shape_of(bias[0]))}")
        spatial = tuple(
            window_out(cls.name, xs[2 + i], ws[2 + i], stride[i], pad[i] + pad[k + i], dil[i]) for i in range(k)
        )
        return [tensor(x.element_type, (n, out, *spatial))]

    def row_window(self) -> RowWindow | None:
        kernel = shape_of(self.weight.type)[2:]
        return window_row(shape_of(self.output.type), kernel, ints(self.stride), ints(self.dilation))

    def lane_lengths(self) -> tuple[int, ...]:
        ws = shape_of(self.weight.type)
        return (shape_of(self.input.type)[1], math.prod(ws[1:]))

    def flops(self) -> int:
        """2 per multiply-add (out elements x in/groups x kernel taps), plus one add per output for the bias."""
        outputs = num_elements(self.output.type)
        macs = outputs * math.prod(shape_of(self.weight.type)[1:])
        return 2 * macs + (outputs if self.bias is not None else 0)


@irdl_op_definition
class ConvTransposeOp(StructuredOp):
    """Transposed convolution over 1, 2 or 3 spatial axes (ONNX ConvTranspose): y = conv_transpose(x, weight) + bias.

    x is [N, C, *spatial]; weight is [C, out/groups, *kernel]; bias (optional)
    is [out]. Each input cell adds its weighted kernel into the output at
    stride steps; the result is then cropped by pad [x1_begin, ..., x1_end, ...]
    and extended by `output_padding` at the end of each axis:
    out = stride * (in - 1) + (kernel - 1) * dilation + 1 + output_padding - pad_begin - pad_end.
    """

    name = "graph.conv_transpose"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)
    stride = prop_def(DenseArrayBase.constr(I64))
    pad = prop_def(DenseArrayBase.constr(I64))
    dilation = prop_def(DenseArrayBase.constr(I64))
    output_padding = prop_def(DenseArrayBase.constr(I64))
    groups = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE  # TVM's nn.conv2d_transpose
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.WINDOW
    TILING: ClassVar[Tiling] = Tiling.NONE  # output row r reads input rows about r / stride: no RowWindow says so

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None,
        stride: Sequence[int],
        pad: Sequence[int],
        dilation: Sequence[int],
        output_padding: Sequence[int],
        groups: int = 1,
    ):
        props = {
            "stride": i64_array(stride),
            "pad": i64_array(pad),
            "dilation": i64_array(dilation),
            "output_padding": i64_array(output_padding),
            "groups": IntegerAttr(groups, i64),
        }
        self._build([input, weight, bias], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, w, *bias = operand_types
        xs, ws = shape_of(x), shape_of(w)
        stride, pad, dil = ints(props["stride"]), ints(props["pad"]), ints(props["dilation"])
        extra, groups = ints(props["output_padding"]), int_of(props["groups"])
        k = spatial_rank(cls.name, {"stride": stride, "dilation": dil, "output_padding": extra}, pad)
        require_rank(cls.name, "input", xs, k + 2)
        require_rank(cls.name, "weight", ws, k + 2)
        if groups < 1 or xs[1] % groups:
            raise ShapeError(f"{cls.name}: {groups} groups do not divide {xs[1]} input channels")
        if ws[0] != xs[1]:
            raise ShapeError(f"{cls.name}: input has {xs[1]} channels but weight {fmt_shape(ws)} expects {ws[0]}")
        out = ws[1] * groups
        if bias and shape_of(bias[0]) != (out,):
            raise ShapeError(f"{cls.name}: bias must have shape [{out}], got {fmt_shape(shape_of(bias[0]))}")
        if min(stride) < 1 or min(dil) < 1 or min(pad) < 0 or min(extra) < 0:
            raise ShapeError(f"{cls.name}: stride and dilation must be positive, pad and output_padding non-negative")
        spatial = tuple(
            stride[i] * (xs[2 + i] - 1) + (ws[2 + i] - 1) * dil[i] + 1 + extra[i] - pad[i] - pad[k + i]
            for i in range(k)
        )
        if min(spatial) < 1:
            raise ShapeError(f"{cls.name}: pad {list(pad)} leaves an empty output {fmt_shape(spatial)}")
        return [tensor(x.element_type, (xs[0], out, *spatial))]

    def lane_lengths(self) -> tuple[int, ...]:
        ws = shape_of(self.weight.type)
        return (shape_of(self.input.type)[1], ws[0] // int_of(self.groups) * math.prod(ws[2:]))

    def flops(self) -> int:
        """2 per multiply-add (every input cell x out/groups channels x kernel taps), plus one add per output for the bias."""
        ws = shape_of(self.weight.type)
        macs = num_elements(self.input.type) * math.prod(ws[1:])
        return 2 * macs + (num_elements(self.output.type) if self.bias is not None else 0)


@irdl_op_definition
class DenseOp(StructuredOp):
    """Fully connected layer on the last axis: y = x @ weight^T + bias (weight is [out, in])."""

    name = "graph.dense"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.DENSE
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(self, input: SSAValue, weight: SSAValue, bias: SSAValue | None = None):
        self._build([input, weight, bias], {})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, w, *bias = operand_types
        xs, ws = shape_of(x), shape_of(w)
        if not xs:
            raise ShapeError(f"{cls.name}: input must have rank >= 1")
        require_rank(cls.name, "weight", ws, 2)
        if ws[1] != xs[-1]:
            raise ShapeError(
                f"{cls.name}: input {fmt_shape(xs)} has {xs[-1]} features but weight {fmt_shape(ws)} expects {ws[1]}"
            )
        if bias and shape_of(bias[0]) != (ws[0],):
            raise ShapeError(f"{cls.name}: bias must have shape [{ws[0]}], got {fmt_shape(shape_of(bias[0]))}")
        return [tensor(x.element_type, xs[:-1] + (ws[0],))]

    def lane_lengths(self) -> tuple[int, ...]:
        return (shape_of(self.input.type)[-1],)

    def flops(self) -> int:
        out = num_elements(self.output.type)
        k = shape_of(self.weight.type)[1]
        return 2 * out * k + (out if self.bias is not None else 0)


@irdl_op_definition
class BatchNormOp(StructuredOp):
    """Inference batch normalisation on axis 1: y = (x - mean) / sqrt(var + eps) * scale + bias."""

    name = "graph.batchnorm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    mean = operand_def(TensorType)
    var = operand_def(TensorType)
    output = result_def(TensorType)
    eps = prop_def(FloatAttr, default_value=FloatAttr(1e-5, f64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.BROADCAST  # TVM's SimplifyInference: a multiply and an add
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(
        self, input: SSAValue, scale: SSAValue, bias: SSAValue, mean: SSAValue, var: SSAValue, eps: float = 1e-5
    ):
        self._build([input, scale, bias, mean, var], {"eps": FloatAttr(eps, f64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, *stats = operand_types
        xs = shape_of(x)
        if len(xs) < 2:
            raise ShapeError(f"{cls.name}: input must have rank >= 2, got shape {fmt_shape(xs)}")
        for s, what in zip(stats, ("scale", "bias", "mean", "var"), strict=False):
            if shape_of(s) != (xs[1],):
                raise ShapeError(f"{cls.name}: {what} must have shape [{xs[1]}], got {fmt_shape(shape_of(s))}")
        return [x]

    def flops(self) -> int:
        return 2 * num_elements(self.output.type)


@irdl_op_definition
class LayerNormOp(StructuredOp):
    """Layer normalisation over the last axis: y = (x - mean) / sqrt(var + eps) * scale + bias."""

    name = "graph.layernorm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    output = result_def(TensorType)
    eps = prop_def(FloatAttr, default_value=FloatAttr(1e-5, f64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(self, input: SSAValue, scale: SSAValue, bias: SSAValue, eps: float = 1e-5):
        self._build([input, scale, bias], {"eps": FloatAttr(eps, f64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, scale, bias = operand_types
        xs = shape_of(x)
        if not xs:
            raise ShapeError(f"{cls.name}: input must have rank >= 1")
        for s, what in ((scale, "scale"), (bias, "bias")):
            if shape_of(s) != (xs[-1],):
                raise ShapeError(f"{cls.name}: {what} must have shape [{xs[-1]}], got {fmt_shape(shape_of(s))}")
        return [x]

    def flops(self) -> int:
        return 8 * num_elements(self.output.type)


@irdl_op_definition
class EmbeddingOp(StructuredOp):
    """Table lookup (ONNX Gather on axis 0): y[..., :] = table[ids[...], :]."""

    name = "graph.embedding"
    ids = operand_def(TensorType)
    table = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE
    GATHERED_OPERANDS: ClassVar[tuple[int, ...]] = (1,)  # the table: only the looked-up rows are read

    def __init__(self, ids: SSAValue, table: SSAValue):
        self._build([ids, table], {})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        ids, table = operand_types
        if not isinstance(ids.element_type, IntegerType):
            raise ShapeError(f"{cls.name}: ids must be an integer tensor, got {ids}")
        ts = shape_of(table)
        require_rank(cls.name, "table", ts, 2)
        return [tensor(table.element_type, shape_of(ids) + (ts[1],))]


@irdl_op_definition
class MatMulOp(StructuredOp):
    """Batched matrix product with numpy `matmul` semantics and batch broadcasting."""

    name = "graph.matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.MATMUL
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        self._build([lhs, rhs], {})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        a, b = operand_types
        sa, sb = shape_of(a), shape_of(b)
        if a.element_type != b.element_type:
            raise ShapeError(f"{cls.name}: element types {a.element_type} and {b.element_type} differ")
        if not sa or not sb:
            raise ShapeError(f"{cls.name}: operands must have rank >= 1")
        a2 = (1,) + sa if len(sa) == 1 else sa
        b2 = sb + (1,) if len(sb) == 1 else sb
        if a2[-1] != b2[-2]:
            raise ShapeError(
                f"{cls.name}: shapes {fmt_shape(sa)} and {fmt_shape(sb)} do not match ({a2[-1]} != {b2[-2]})"
            )
        batch = broadcast(cls.name, a2[:-2], b2[:-2])
        out = batch + (a2[-2],) * (len(sa) > 1) + (b2[-1],) * (len(sb) > 1)
        return [tensor(a.element_type, out)]

    def partition(self) -> Partition:
        """MATMUL, or ELEMENTS for a result of rank below 2 (a vector product)."""
        return Partition.MATMUL if len(shape_of(self.output.type)) >= 2 else Partition.ELEMENTS

    def lane_lengths(self) -> tuple[int, ...]:
        return (shape_of(self.lhs.type)[-1],)

    def flops(self) -> int:
        k = shape_of(self.lhs.type)[-1]
        return 2 * num_elements(self.output.type) * k


# --------------------------------------------------------------------------- elementwise


@irdl_op_definition
class AddOp(BinaryOp):
    """a + b"""

    name = "graph.add"
    traits = traits_def(Pure(), Commutative(), Identities(right=0.0, left=0.0, exact=False))


@irdl_op_definition
class SubOp(BinaryOp):
    """a - b"""

    name = "graph.sub"
    traits = traits_def(Pure(), Identities(right=0.0))


@irdl_op_definition
class MulOp(BinaryOp):
    """a * b"""

    name = "graph.mul"
    traits = traits_def(Pure(), Commutative(), Identities(right=1.0, left=1.0))


@irdl_op_definition
class DivOp(BinaryOp):
    """a / b"""

    name = "graph.div"
    traits = traits_def(Pure(), Identities(right=1.0))


@irdl_op_definition
class MaxOp(BinaryOp):
    """max(a, b)"""

    name = "graph.max"
    traits = traits_def(Pure(), Commutative(), Identities())


@irdl_op_definition
class MinOp(BinaryOp):
    """min(a, b)"""

    name = "graph.min"
    traits = traits_def(Pure(), Commutative(), Identities())


@irdl_op_definition
class PowOp(BinaryOp):
    """a ** b"""

    name = "graph.pow"
    traits = traits_def(Pure(), Identities(right=1.0))


@irdl_op_definition
class ReluOp(UnaryOp):
    """max(x, 0)"""

    name = "graph.relu"


@irdl_op_definition
class Relu6Op(UnaryOp):
    """min(max(x, 0), 6)"""

    name = "graph.relu6"
    FLOPS_PER_ELEMENT: ClassVar[int] = 2


@irdl_op_definition
class SigmoidOp(UnaryOp):
    """1 / (1 + exp(-x))"""

    name = "graph.sigmoid"
    FLOPS_PER_ELEMENT: ClassVar[int] = 4


@irdl_op_definition
class TanhOp(UnaryOp):
    """tanh(x)"""

    name = "graph.tanh"
    FLOPS_PER_ELEMENT: ClassVar[int] = 4


@irdl_op_definition
class GeluOp(UnaryOp):
    """x * Φ(x) = 0.5 * x * (1 + erf(x / sqrt(2))) (exact form, ONNX Gelu approximate="none")"""

    name = "graph.gelu"
    FLOPS_PER_ELEMENT: ClassVar[int] = 8


@irdl_op_definition
class SiluOp(UnaryOp):
    """x * sigmoid(x)"""

    name = "graph.silu"
    FLOPS_PER_ELEMENT: ClassVar[int] = 5


@irdl_op_definition
class HardSwishOp(UnaryOp):
    """x * max(0, min(1, x / 6 + 0.5)) (ONNX HardSwish)"""

    name = "graph.hardswish"
    FLOPS_PER_ELEMENT: ClassVar[int] = 5


@irdl_op_definition
class HardSigmoidOp(UnaryOp):
    """max(0, min(1, x / 6 + 0.5)) (alpha = 1/6, beta = 0.5, as PyTorch)"""

    name = "graph.hardsigmoid"
    FLOPS_PER_ELEMENT: ClassVar[int] = 4


@irdl_op_definition
class ExpOp(UnaryOp):
    """exp(x)"""

    name = "graph.exp"


@irdl_op_definition
class LogOp(UnaryOp):
    """log(x)"""

    name = "graph.log"


@irdl_op_definition
class SqrtOp(UnaryOp):
    """sqrt(x)"""

    name = "graph.sqrt"


@irdl_op_definition
class RsqrtOp(UnaryOp):
    """1 / sqrt(x)"""

    name = "graph.rsqrt"
    FLOPS_PER_ELEMENT: ClassVar[int] = 2


@irdl_op_definition
class ReciprocalOp(UnaryOp):
    """1 / x"""

    name = "graph.reciprocal"
    traits = traits_def(Pure(), Involution(exact=False))


@irdl_op_definition
class SquareOp(UnaryOp):
    """x * x (produced by graph rewriting, as in DNNFusion's Table 4)"""

    name = "graph.square"


@irdl_op_definition
class NegOp(UnaryOp):
    """-x"""

    name = "graph.neg"
    traits = traits_def(Pure(), Involution())
    FLOAT_ONLY: ClassVar[bool] = False


@irdl_op_definition
class AbsOp(UnaryOp):
    """|x|"""

    name = "graph.abs"
    FLOAT_ONLY: ClassVar[bool] = False


@irdl_op_definition
class ErfOp(UnaryOp):
    """erf(x)"""

    name = "graph.erf"
    FLOPS_PER_ELEMENT: ClassVar[int] = 4


@irdl_op_definition
class LeakyReluOp(UnaryOp):
    """x if x >= 0 else alpha * x"""

    name = "graph.leaky_relu"
    alpha = prop_def(FloatAttr, default_value=FloatAttr(0.01, f64))
    irdl_options = (ParsePropInAttrDict(),)
    FLOPS_PER_ELEMENT: ClassVar[int] = 2

    def __init__(self, input: SSAValue, alpha: float = 0.01):
        super().__init__(input, alpha=FloatAttr(alpha, f64))


@irdl_op_definition
class ClipOp(UnaryOp):
    """min(max(x, min), max)"""

    name = "graph.clip"
    min = prop_def(FloatAttr)
    max = prop_def(FloatAttr)
    irdl_options = (ParsePropInAttrDict(),)
    FLOPS_PER_ELEMENT: ClassVar[int] = 2

    def __init__(self, input: SSAValue, min: float, max: float):
        super().__init__(input, min=FloatAttr(min, f64), max=FloatAttr(max, f64))

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        if float_of(props["min"]) > float_of(props["max"]):
            raise ShapeError(f"{cls.name}: min {float_of(props['min'])} is greater than max {float_of(props['max'])}")
        return super().infer(operand_types, props)


@irdl_op_definition
class EluOp(UnaryOp):
    """x if x > 0 else alpha * (exp(x) - 1) (ONNX Elu)"""

    name = "graph.elu"
    alpha = prop_def(FloatAttr, default_value=FloatAttr(1.0, f64))
    irdl_options = (ParsePropInAttrDict(),)
    FLOPS_PER_ELEMENT: ClassVar[int] = 4

    def __init__(self, input: SSAValue, alpha: float = 1.0):
        super().__init__(input, alpha=FloatAttr(alpha, f64))


SELU_ALPHA, SELU_GAMMA = 1.67326319217681884765625, 1.05070102214813232421875
"""ONNX Selu's defaults: the self-normalising constants of Klambauer et al. (2017), as float32."""


@irdl_op_definition
class SeluOp(UnaryOp):
    """gamma * (x if x > 0 else alpha * (exp(x) - 1)) (ONNX Selu)"""

    name = "graph.selu"
    alpha = prop_def(FloatAttr, default_value=FloatAttr(SELU_ALPHA, f64))
    gamma = prop_def(FloatAttr, default_value=FloatAttr(SELU_GAMMA, f64))
    irdl_options = (ParsePropInAttrDict(),)
    FLOPS_PER_ELEMENT: ClassVar[int] = 5

    def __init__(self, input: SSAValue, alpha: float = SELU_ALPHA, gamma: float = SELU_GAMMA):
        super().__init__(input, alpha=FloatAttr(alpha, f64), gamma=FloatAttr(gamma, f64))


@irdl_op_definition
class SoftplusOp(UnaryOp):
    """log(1 + exp(x)) (ONNX Softplus)"""

    name = "graph.softplus"
    FLOPS_PER_ELEMENT: ClassVar[int] = 3


@irdl_op_definition
class SignOp(UnaryOp):
    """-1, 0 or 1 as x is negative, zero or positive (ONNX Sign; NaN stays NaN)"""

    name = "graph.sign"
    FLOAT_ONLY: ClassVar[bool] = False


@irdl_op_definition
class ShrinkOp(UnaryOp):
    """x + bias if x < -lambd, x - bias if x > lambd, else 0 (ONNX Shrink)"""

    name = "graph.shrink"
    bias = prop_def(FloatAttr, default_value=FloatAttr(0.0, f64))
    lambd = prop_def(FloatAttr, default_value=FloatAttr(0.5, f64))
    irdl_options = (ParsePropInAttrDict(),)
    FLOPS_PER_ELEMENT: ClassVar[int] = 3

    def __init__(self, input: SSAValue, bias: float = 0.0, lambd: float = 0.5):
        super().__init__(input, bias=FloatAttr(bias, f64), lambd=FloatAttr(lambd, f64))


@irdl_op_definition
class PReluOp(StructuredOp):
    """x if x >= 0 else slope * x; slope broadcasts to x (unidirectionally, as ONNX PRelu)."""

    name = "graph.prelu"
    input = operand_def(TensorType)
    slope = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE  # the slope is a weight, as batchnorm's scale
    PATTERN: ClassVar[PatternKind] = PatternKind.BROADCAST  # TVM's prelu: kBroadcast
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(self, input: SSAValue, slope: SSAValue):
        self._build([input, slope], {})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, slope = operand_types
        if not is_float(x):
            raise ShapeError(f"{cls.name}: needs a floating-point tensor, got {x}")
        if slope.element_type != x.element_type:
            raise ShapeError(f"{cls.name}: element types {x.element_type} and {slope.element_type} differ")
        xs, ss = shape_of(x), shape_of(slope)
        if len(ss) > len(xs) or any(d not in (1, x) for d, x in zip(ss[::-1], xs[::-1], strict=False)):
            raise ShapeError(f"{cls.name}: slope {fmt_shape(ss)} does not broadcast to input {fmt_shape(xs)}")
        return [x]

    def flops(self) -> int:
        return 2 * num_elements(self.output.type)


# --------------------------------------------------------------------------- normalisation and reduction


class AxisNormOp(StructuredOp):
    """An op that normalises along one `axis` (softmax, log-softmax): same shape as its input."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(self, input: SSAValue, axis: int = -1):
        rank = len(shape_of(input.type))
        self._build([input], {"axis": IntegerAttr(normalize_axis(self.name, axis, rank), i64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        axis = int_of(props["axis"])
        if not 0 <= axis < len(shape_of(x)):
            raise ShapeError(f"{cls.name}: axis {axis} is out of range for {x}")
        return [x]

    def row_window(self) -> RowWindow | None:
        """Row-wise when it normalises along the last axis; otherwise a row tile would cut its reduction."""
        rank = len(shape_of(self.output.type))
        return ROW_WISE if rank >= 2 and self.axis.value.data == rank - 1 else None

    def flops(self) -> int:
        return 5 * num_elements(self.output.type)


@irdl_op_definition
class SoftmaxOp(AxisNormOp):
    """exp(x) / sum(exp(x)) along `axis` (computed stably as in ONNX Softmax-13)."""

    name = "graph.softmax"


@irdl_op_definition
class LogSoftmaxOp(AxisNormOp):
    """x - log(sum(exp(x))) along `axis` (computed stably as in ONNX LogSoftmax-13)."""

    name = "graph.log_softmax"


@irdl_op_definition
class InstanceNormOp(StructuredOp):
    """Instance normalisation (ONNX InstanceNormalization): per sample and channel, over the spatial axes.

    y = (x - mean) / sqrt(var + eps) * scale[c] + bias[c], mean and var over axes 2.. of [N, C, D1, ...].
    """

    name = "graph.instance_norm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    output = result_def(TensorType)
    eps = prop_def(FloatAttr, default_value=FloatAttr(1e-5, f64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE  # as layernorm: reductions, then elementwise
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE  # it reduces over the rows: a row tile cannot be normalised alone

    def __init__(self, input: SSAValue, scale: SSAValue, bias: SSAValue, eps: float = 1e-5):
        self._build([input, scale, bias], {"eps": FloatAttr(eps, f64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        x, scale, bias = operand_types
        xs = shape_of(x)
        if len(xs) < 3:
            raise ShapeError(f"{cls.name}: input must have rank >= 3 ([N, C, D1, ...]), got shape {fmt_shape(xs)}")
        if not is_float(x):
            raise ShapeError(f"{cls.name}: needs a floating-point tensor, got {x}")
        for s, what in ((scale, "scale"), (bias, "bias")):
            if shape_of(s) != (xs[1],):
                raise ShapeError(f"{cls.name}: {what} must have shape [{xs[1]}], got {fmt_shape(shape_of(s))}")
        return [x]

    def flops(self) -> int:
        return 8 * num_elements(self.output.type)


class ReduceOp(StructuredOp):
    """A reduction over `axes`; `keepdims` keeps reduced axes as size 1."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    axes = prop_def(DenseArrayBase.constr(I64))
    keepdims = prop_def(BoolAttr, default_value=BoolAttr.from_bool(True))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.COMM_REDUCE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE

    def __init__(self, input: SSAValue, axes: Sequence[int], keepdims: bool = True):
        rank = len(shape_of(input.type))
        props = {"axes": i64_array(normalize_axes(self.name, axes, rank)), "keepdims": BoolAttr.from_bool(keepdims)}
        self._build([input], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs = shape_of(x)
        axes = ints(props["axes"])
        if not axes or tuple(sorted(set(axes))) != axes or not all(0 <= a < len(xs) for a in axes):
            raise ShapeError(f"{cls.name}: axes {list(axes)} must be distinct, sorted and within rank {len(xs)}")
        keep = bool(props["keepdims"].value.data)  # type: ignore[attr-defined]
        out = tuple(1 if i in axes else d for i, d in enumerate(xs) if keep or i not in axes)
        return [tensor(x.element_type, out)]

    def flops(self) -> int:
        return num_elements(self.input.type)


@irdl_op_definition
class ReduceSumOp(ReduceOp):
    """Sum over axes."""

    name = "graph.reduce_sum"


@irdl_op_definition
class ReduceMeanOp(ReduceOp):
    """Mean over axes."""

    name = "graph.reduce_mean"


@irdl_op_definition
class ReduceMaxOp(ReduceOp):
    """Maximum over axes."""

    name = "graph.reduce_max"


@irdl_op_definition
class ReduceProdOp(ReduceOp):
    """Product over axes (produced and consumed by graph rewriting)."""

    name = "graph.reduce_prod"


# --------------------------------------------------------------------------- pooling


class PoolOp(StructuredOp):
    """A sliding-window reduction over 1, 2 or 3 spatial axes of [N, C, *spatial] input (ONNX MaxPool/AveragePool).

    kernel, stride and dilation have one value per spatial axis; pad is
    [x1_begin, ..., x1_end, ...] ([top, left, bottom, right] in 2-D), each
    smaller than the window. `ceil_mode` rounds the output length up (ONNX):
    the last windows may reach past the end padding, and those cells never count.
    """

    input = operand_def(TensorType)
    output = result_def(TensorType)
    kernel = prop_def(DenseArrayBase.constr(I64))
    stride = prop_def(DenseArrayBase.constr(I64))
    pad = prop_def(DenseArrayBase.constr(I64), default_value=i64_array([0, 0, 0, 0]))
    dilation = prop_def(DenseArrayBase.constr(I64), default_value=i64_array([1, 1]))
    ceil_mode = prop_def(BoolAttr, default_value=BoolAttr.from_bool(False))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.WINDOW
    TILING: ClassVar[Tiling] = Tiling.WINDOW

    def __init__(
        self,
        input: SSAValue,
        kernel: Sequence[int],
        stride: Sequence[int],
        pad: Sequence[int] | None = None,
        dilation: Sequence[int] | None = None,
        ceil_mode: bool = False,
        **extra: Attribute,
    ):
        props = {
            "kernel": i64_array(kernel),
            "stride": i64_array(stride),
            "pad": i64_array([0] * 2 * len(kernel) if pad is None else pad),
            "dilation": i64_array([1] * len(kernel) if dilation is None else dilation),
            "ceil_mode": BoolAttr.from_bool(ceil_mode),
            **extra,
        }
        self._build([input], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs = shape_of(x)
        k, s, p, d = ints(props["kernel"]), ints(props["stride"]), ints(props["pad"]), ints(props["dilation"])
        r = spatial_rank(cls.name, {"kernel": k, "stride": s, "dilation": d}, p)
        require_rank(cls.name, "input", xs, r + 2)
        if any(min(p[i], p[r + i]) < 0 for i in range(r)):
            raise ShapeError(f"{cls.name}: pad {list(p)} must not be negative")
        if any(max(p[i], p[r + i]) >= d[i] * (k[i] - 1) + 1 for i in range(r)):
            what = f"kernel {list(k)}" if set(d) == {1} else f"the window of kernel {list(k)}, dilation {list(d)}"
            raise ShapeError(f"{cls.name}: pad {list(p)} must be smaller than {what}")
        ceil = bool(props["ceil_mode"].value.data)  # type: ignore[attr-defined]
        spatial = tuple(
            window_out(cls.name, xs[2 + i], k[i], s[i], p[i] + p[r + i], d[i], ceil, p[i]) for i in range(r)
        )
        return [tensor(x.element_type, (*xs[:2], *spatial))]

    def row_window(self) -> RowWindow | None:
        return window_row(shape_of(self.output.type), ints(self.kernel), ints(self.stride), ints(self.dilation))

    def lane_lengths(self) -> tuple[int, ...]:
        return (shape_of(self.input.type)[1],)

    def flops(self) -> int:
        """One compare or add per kernel tap of every output element."""
        return num_elements(self.output.type) * math.prod(ints(self.kernel))


@irdl_op_definition
class MaxPoolOp(PoolOp):
    """Max pooling (padding never wins the max)."""

    name = "graph.maxpool"


@irdl_op_definition
class AvgPoolOp(PoolOp):
    """Average pooling: the sum over each window divided by its cells (ONNX AveragePool).

    Padded cells count only with `count_include_pad` (ONNX's attribute); the
    cells ceil_mode adds past the end padding never count.
    """

    name = "graph.avgpool"
    count_include_pad = prop_def(BoolAttr, default_value=BoolAttr.from_bool(False))

    def __init__(
        self,
        input: SSAValue,
        kernel: Sequence[int],
        stride: Sequence[int],
        pad: Sequence[int] | None = None,
        dilation: Sequence[int] | None = None,
        ceil_mode: bool = False,
        count_include_pad: bool = False,
    ):
        super().__init__(
            input, kernel, stride, pad, dilation, ceil_mode, count_include_pad=BoolAttr.from_bool(count_include_pad)
        )


@irdl_op_definition
class LRNOp(StructuredOp):
    """Local response normalisation across channels (ONNX LRN, AlexNet) of [N, C, *spatial] input.

    y = x / (bias + alpha / size * Σ x²)^beta, the sum over the channels
    c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2) that exist.
    """

    name = "graph.lrn"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    size = prop_def(IntegerAttr[I64])
    alpha = prop_def(FloatAttr, default_value=FloatAttr(1e-4, f64))
    beta = prop_def(FloatAttr, default_value=FloatAttr(0.75, f64))
    bias = prop_def(FloatAttr, default_value=FloatAttr(1.0, f64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY  # each output reads a window of channels
    PATTERN: ClassVar[PatternKind] = PatternKind.OPAQUE  # TVM registers nn.lrn as kOpaque
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.ROWS

    def __init__(self, input: SSAValue, size: int, alpha: float = 1e-4, beta: float = 0.75, bias: float = 1.0):
        props = {
            "size": IntegerAttr(size, i64),
            "alpha": FloatAttr(alpha, f64),
            "beta": FloatAttr(beta, f64),
            "bias": FloatAttr(bias, f64),
        }
        self._build([input], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        if len(shape_of(x)) < 2 or not is_float(x):
            raise ShapeError(f"{cls.name}: needs a floating-point [N, C, ...] tensor, got {x}")
        if int_of(props["size"]) < 1:
            raise ShapeError(f"{cls.name}: size must be positive, got {int_of(props['size'])}")
        return [x]

    def row_window(self) -> RowWindow | None:
        """Row-wise along H of NCHW and NCDHW (and N of [N, C]); the rows of [N, C, L] or rank 6+ include its channels."""
        return ROW_WISE if len(shape_of(self.output.type)) in (2, 4, 5) else None

    def flops(self) -> int:
        """Per element: a square, size - 1 adds, a scale, a bias add, a power and a divide."""
        return (int_of(self.size) + 4) * num_elements(self.output.type)


@irdl_op_definition
class GlobalAvgPoolOp(StructuredOp):
    """Mean over the spatial axes of NCHW input: [N, C, H, W] -> [N, C, 1, 1]."""

    name = "graph.global_avgpool"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.MANY_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.OUT_EWISE_FUSABLE
    IDENTITY: ClassVar[Identity] = Identity.NEVER
    PARTITION: ClassVar[Partition] = Partition.WINDOW
    TILING: ClassVar[Tiling] = Tiling.NONE

    def __init__(self, input: SSAValue):
        self._build([input], {})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs = shape_of(x)
        require_rank(cls.name, "input", xs, 4)
        return [tensor(x.element_type, xs[:2] + (1, 1))]

    def lane_lengths(self) -> tuple[int, ...]:
        return (shape_of(self.input.type)[1],)

    def flops(self) -> int:
        return num_elements(self.input.type)


# --------------------------------------------------------------------------- shape


class ShapeOp(StructuredOp):
    """An op that moves data without computing: one input, one result."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE


@irdl_op_definition
class ReshapeOp(ShapeOp):
    """Same elements in row-major order, new shape (stored fully resolved, no -1)."""

    name = "graph.reshape"
    shape = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.REORGANIZE
    traits = traits_def(ReshapeLike())
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, shape: Sequence[int]):
        resolved = resolve_reshape(self.name, shape_of(input.type), tuple(shape))
        self._build([input], {"shape": i64_array(resolved)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        return [tensor(x.element_type, resolve_reshape(cls.name, shape_of(x), ints(props["shape"])))]


def resolve_reshape(op: str, source: Shape, target: Shape) -> Shape:
    """The target shape with its one `-1` (if any) resolved; checks element counts."""
    if target.count(-1) > 1:
        raise ShapeError(f"{op}: at most one -1 is allowed in {fmt_shape(target)}")
    if any(d < -1 or d == 0 for d in target):
        raise ShapeError(f"{op}: invalid dimension in {fmt_shape(target)}")
    total, known = math.prod(source), math.prod(d for d in target if d != -1)
    if -1 in target:
        if total % known:
            raise ShapeError(f"{op}: cannot reshape {fmt_shape(source)} into {fmt_shape(target)}")
        target = tuple(total // known if d == -1 else d for d in target)
    if math.prod(target) != total:
        raise ShapeError(f"{op}: cannot reshape {fmt_shape(source)} ({total} elements) into {fmt_shape(target)}")
    return target


@irdl_op_definition
class FlattenOp(ShapeOp):
    """[d0..dn] -> [d0*..*d(axis-1), d(axis)*..*dn] (ONNX Flatten)."""

    name = "graph.flatten"
    axis = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    MAPPING: ClassVar[MappingType] = MappingType.REORGANIZE
    traits = traits_def(ReshapeLike())
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, axis: int = 1):
        rank = len(shape_of(input.type))
        if not -rank <= axis <= rank:
            raise ShapeError(f"{self.name}: axis {axis} is out of range for rank {rank}")
        self._build([input], {"axis": IntegerAttr(axis + rank if axis < 0 else axis, i64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, axis = shape_of(x), int_of(props["axis"])
        if not 0 <= axis <= len(xs):
            raise ShapeError(f"{cls.name}: axis {axis} is out of range for rank {len(xs)}")
        return [tensor(x.element_type, (math.prod(xs[:axis]), math.prod(xs[axis:])))]


@irdl_op_definition
class TransposeOp(ShapeOp):
    """Permute axes: y.shape[i] = x.shape[perm[i]]."""

    name = "graph.transpose"
    perm = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.SHUFFLE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE_AND_PROPERTIES

    def __init__(self, input: SSAValue, perm: Sequence[int]):
        self._build([input], {"perm": i64_array(perm)})

    def identity_properties(self) -> bool:
        """A transpose by the identity permutation."""
        perm = ints(self.perm)
        return perm == tuple(range(len(perm)))

    def access_run(self) -> int:
        """The input axes that stay innermost, in order, are read contiguously: their size (1 if none)."""
        perm, xs = ints(self.perm), shape_of(self.input.type)
        kept = 0
        while kept < len(perm) and perm[len(perm) - 1 - kept] == len(perm) - 1 - kept:
            kept += 1
        return math.prod(xs[len(xs) - kept :])

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, perm = shape_of(x), ints(props["perm"])
        if sorted(perm) != list(range(len(xs))):
            raise ShapeError(f"{cls.name}: {list(perm)} is not a permutation of the {len(xs)} axes of {fmt_shape(xs)}")
        return [tensor(x.element_type, tuple(xs[p] for p in perm))]


@irdl_op_definition
class SqueezeOp(ShapeOp):
    """Remove the given size-1 axes."""

    name = "graph.squeeze"
    axes = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.REORGANIZE
    traits = traits_def(ReshapeLike())
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, axes: Sequence[int]):
        rank = len(shape_of(input.type))
        self._build([input], {"axes": i64_array(normalize_axes(self.name, axes, rank))})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, axes = shape_of(x), ints(props["axes"])
        for a in axes:
            if not 0 <= a < len(xs) or xs[a] != 1:
                raise ShapeError(f"{cls.name}: axis {a} of {fmt_shape(xs)} is not of size 1")
        return [tensor(x.element_type, tuple(d for i, d in enumerate(xs) if i not in axes))]


@irdl_op_definition
class UnsqueezeOp(ShapeOp):
    """Insert size-1 axes at the given positions of the result."""

    name = "graph.unsqueeze"
    axes = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.REORGANIZE
    traits = traits_def(ReshapeLike())
    PATTERN: ClassVar[PatternKind] = PatternKind.BROADCAST  # TVM registers expand_dims as kBroadcast
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, axes: Sequence[int]):
        rank = len(shape_of(input.type)) + len(axes)
        self._build([input], {"axes": i64_array(normalize_axes(self.name, axes, rank))})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, axes = shape_of(x), ints(props["axes"])
        rank = len(xs) + len(axes)
        if not all(0 <= a < rank for a in axes) or len(set(axes)) != len(axes):
            raise ShapeError(f"{cls.name}: axes {list(axes)} are invalid for result rank {rank}")
        rest = iter(xs)
        return [tensor(x.element_type, tuple(1 if i in axes else next(rest) for i in range(rank)))]


# --------------------------------------------------------------------------- data movement


@irdl_op_definition
class ConcatOp(StructuredOp):
    """Join tensors along `axis`; all other dimensions must agree."""

    name = "graph.concat"
    inputs = var_operand_def(TensorType)
    output = result_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE

    def __init__(self, inputs: Sequence[SSAValue], axis: int = 1):
        if not inputs:
            raise ShapeError(f"{self.name}: needs at least one input")
        rank = len(shape_of(inputs[0].type))
        self._build([list(inputs)], {"axis": IntegerAttr(normalize_axis(self.name, axis, rank), i64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        if not operand_types:
            raise ShapeError(f"{cls.name}: needs at least one input")
        first = shape_of(operand_types[0])
        axis = int_of(props["axis"])
        if not 0 <= axis < len(first):
            raise ShapeError(f"{cls.name}: axis {axis} is out of range for rank {len(first)}")
        for t in operand_types[1:]:
            s = shape_of(t)
            if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first, strict=False)) if i != axis):
                raise ShapeError(f"{cls.name}: shapes {fmt_shape(first)} and {fmt_shape(s)} differ outside axis {axis}")
            if t.element_type != operand_types[0].element_type:
                raise ShapeError(f"{cls.name}: element types differ")
        total = sum(shape_of(t)[axis] for t in operand_types)
        return [tensor(operand_types[0].element_type, first[:axis] + (total,) + first[axis + 1 :])]


@irdl_op_definition
class SplitOp(StructuredOp):
    """Cut a tensor along `axis` into consecutive parts of the given sizes."""

    name = "graph.split"
    input = operand_def(TensorType)
    outputs = var_result_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    sizes = prop_def(DenseArrayBase.constr(I64))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE

    def __init__(self, input: SSAValue, sizes: Sequence[int], axis: int):
        rank = len(shape_of(input.type))
        props = {"axis": IntegerAttr(normalize_axis(self.name, axis, rank), i64), "sizes": i64_array(sizes)}
        self._build([input], props)

    @staticmethod
    def _shape_results(results: list[TensorType]) -> list[Attribute | list[Attribute]]:
        return [list(results)]

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, axis, sizes = shape_of(x), int_of(props["axis"]), ints(props["sizes"])
        if not 0 <= axis < len(xs):
            raise ShapeError(f"{cls.name}: axis {axis} is out of range for rank {len(xs)}")
        if not sizes:
            raise ShapeError(f"{cls.name}: sizes must not be empty")
        if any(s < 1 for s in sizes):
            raise ShapeError(f"{cls.name}: sizes {list(sizes)} must all be positive")
        if sum(sizes) != xs[axis]:
            raise ShapeError(
                f"{cls.name}: sizes {list(sizes)} do not add up to dimension {xs[axis]} of {fmt_shape(xs)}"
            )
        return [tensor(x.element_type, xs[:axis] + (s,) + xs[axis + 1 :]) for s in sizes]


@irdl_op_definition
class SliceOp(ShapeOp):
    """y = x[starts:ends] on the given axes (step 1; stored clamped and non-negative)."""

    name = "graph.slice"
    starts = prop_def(DenseArrayBase.constr(I64))
    ends = prop_def(DenseArrayBase.constr(I64))
    axes = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int]):
        xs = shape_of(input.type)
        if not len(starts) == len(ends) == len(axes):
            raise ShapeError(f"{self.name}: starts, ends and axes must have the same length")
        norm_axes = [normalize_axis(self.name, a, len(xs)) for a in axes]
        clamp = lambda v, d: min(max(v + d if v < 0 else v, 0), d)  # noqa: E731
        props = {
            "starts": i64_array([clamp(s, xs[a]) for s, a in zip(starts, norm_axes, strict=False)]),
            "ends": i64_array([clamp(e, xs[a]) for e, a in zip(ends, norm_axes, strict=False)]),
            "axes": i64_array(norm_axes),
        }
        self._build([input], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs = list(shape_of(x))
        starts, ends, axes = ints(props["starts"]), ints(props["ends"]), ints(props["axes"])
        if not len(starts) == len(ends) == len(axes) or len(set(axes)) != len(axes):
            raise ShapeError(f"{cls.name}: starts, ends and axes must have the same length and distinct axes")
        for s, e, a in zip(starts, ends, axes, strict=False):
            if not 0 <= a < len(xs) or not 0 <= s < e <= xs[a]:
                raise ShapeError(
                    f"{cls.name}: range {s}:{e} on axis {a} of {fmt_shape(shape_of(x))} is empty or out of range"
                )
            xs[a] = e - s
        return [tensor(x.element_type, xs)]


PAD_MODES = ("constant", "reflect", "edge", "wrap")
"""Pad's modes, as ONNX Pad-19 names them (numpy's `pad` modes constant, reflect, edge and wrap)."""


@irdl_op_definition
class PadOp(ShapeOp):
    """Padding; pads are [x1_begin, x2_begin, ..., x1_end, x2_end, ...] (ONNX order).

    `mode` (ONNX Pad): `constant` fills with `value`; `reflect` mirrors the tensor
    without repeating its edge (each pad smaller than its axis); `edge` repeats
    the edge; `wrap` continues cyclically (each pad at most its axis).
    """

    name = "graph.pad"
    pads = prop_def(DenseArrayBase.constr(I64))
    value = prop_def(FloatAttr, default_value=FloatAttr(0.0, f64))
    mode = prop_def(StringAttr, default_value=StringAttr("constant"))
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_ONE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, pads: Sequence[int], value: float = 0.0, mode: str = "constant"):
        self._build([input], {"pads": i64_array(pads), "value": FloatAttr(value, f64), "mode": StringAttr(mode)})

    def mapping_type(self) -> MappingType:
        """One-to-One for constant padding; One-to-Many when edge, reflect or wrap copy input elements outward."""
        if self.mode.data != "constant" and any(ints(self.pads)):
            return MappingType.ONE_TO_MANY
        return MappingType.ONE_TO_ONE

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, pads = shape_of(x), ints(props["pads"])
        mode = props["mode"].data  # type: ignore[attr-defined]
        if mode not in PAD_MODES:
            raise ShapeError(f"{cls.name}: mode '{mode}' is not one of {', '.join(PAD_MODES)}")
        if len(pads) != 2 * len(xs) or min(pads, default=0) < 0:
            raise ShapeError(f"{cls.name}: need {2 * len(xs)} non-negative pads for {fmt_shape(xs)}, got {list(pads)}")
        r = len(xs)
        if mode != "constant":
            limit = {"reflect": -1, "edge": 2**63, "wrap": 0}[mode]  # pad <= dim + limit on each side
            for i, d in enumerate(xs):
                widest = max(pads[i], pads[i + r])
                if widest and (d == 0 or widest > d + limit):
                    bound = {"reflect": f"smaller than {d}", "wrap": f"at most {d}", "edge": "on a non-empty axis"}
                    raise ShapeError(
                        f"{cls.name}: {mode} padding of axis {i} must be {bound[mode]}, got pads {list(pads)}"
                    )
        return [tensor(x.element_type, tuple(d + pads[i] + pads[i + r] for i, d in enumerate(xs)))]


@irdl_op_definition
class UpsampleOp(ShapeOp):
    """Nearest-neighbour upsampling of the H and W axes of NCHW input by an integer scale."""

    name = "graph.upsample"
    scale = prop_def(IntegerAttr[I64], default_value=IntegerAttr(2, i64))
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, scale: int = 2):
        self._build([input], {"scale": IntegerAttr(scale, i64)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, s = shape_of(x), int_of(props["scale"])
        require_rank(cls.name, "input", xs, 4)
        if s < 1:
            raise ShapeError(f"{cls.name}: scale must be a positive integer, got {s}")
        return [tensor(x.element_type, (xs[0], xs[1], xs[2] * s, xs[3] * s))]


RESIZE_MODES = ("nearest", "linear", "cubic")
COORDINATE_MODES = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def f64_array(values: Sequence[float]) -> DenseArrayBase:
    return DenseArrayBase.from_list(f64, [float(v) for v in values])


def floats(attr: Attribute) -> tuple[float, ...]:
    """The numbers of a DenseArrayBase of f64."""
    assert isinstance(attr, DenseArrayBase)
    return tuple(float(v) for v in attr.get_values())


@irdl_op_definition
class ResizeOp(StructuredOp):
    """ONNX Resize (opset 19) of every axis: nearest, linear or cubic interpolation, to the result's shape.

    `scales` (one per axis) is the factor the coordinate transformation uses
    (ONNX's scale, which may differ from out / in when the sizes were floored);
    `roi` ([starts..., ends...], normalised) is read by tf_crop_and_resize
    only. Axes whose scale is 1, size unchanged and (for tf_crop_and_resize)
    roi the whole axis are copied; the others are interpolated one after the
    other (the interpolation is separable), with edge padding and, with
    `exclude_outside`, the taps outside the input dropped and the rest
    renormalised. antialias is not supported.
    """

    name = "graph.resize"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    sizes = prop_def(DenseArrayBase.constr(I64))
    scales = prop_def(DenseArrayBase.constr(Float64Type))
    mode = prop_def(StringAttr)
    coordinate_transformation_mode = prop_def(StringAttr, default_value=StringAttr("half_pixel"))
    nearest_mode = prop_def(StringAttr, default_value=StringAttr("round_prefer_floor"))
    cubic_coeff_a = prop_def(FloatAttr, default_value=FloatAttr(-0.75, f64))
    exclude_outside = prop_def(BoolAttr, default_value=BoolAttr.from_bool(False))
    extrapolation_value = prop_def(FloatAttr, default_value=FloatAttr(0.0, f64))
    roi = prop_def(DenseArrayBase.constr(Float64Type), default_value=DenseArrayBase.from_list(f64, []))
    traits = traits_def(Pure())
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_MANY  # DNNFusion's Table 2 (Resize)
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE  # TVM's image.resize2d
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE_AND_PROPERTIES
    PARTITION: ClassVar[Partition] = Partition.ELEMENTS
    TILING: ClassVar[Tiling] = Tiling.NONE

    def __init__(
        self,
        input: SSAValue,
        sizes: Sequence[int],
        scales: Sequence[float],
        mode: str,
        coordinate_transformation_mode: str = "half_pixel",
        nearest_mode: str = "round_prefer_floor",
        cubic_coeff_a: float = -0.75,
        exclude_outside: bool = False,
        extrapolation_value: float = 0.0,
        roi: Sequence[float] = (),
    ):
        props = {
            "sizes": i64_array(sizes),
            "scales": f64_array(scales),
            "mode": StringAttr(mode),
            "coordinate_transformation_mode": StringAttr(coordinate_transformation_mode),
            "nearest_mode": StringAttr(nearest_mode),
            "cubic_coeff_a": FloatAttr(cubic_coeff_a, f64),
            "exclude_outside": BoolAttr.from_bool(exclude_outside),
            "extrapolation_value": FloatAttr(extrapolation_value, f64),
            "roi": f64_array(roi),
        }
        self._build([input], props)

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, sizes, scales, roi = shape_of(x), ints(props["sizes"]), floats(props["scales"]), floats(props["roi"])
        mode = props["mode"].data  # type: ignore[attr-defined]
        coordinates = props["coordinate_transformation_mode"].data  # type: ignore[attr-defined]
        nearest = props["nearest_mode"].data  # type: ignore[attr-defined]
        if not is_float(x):
            raise ShapeError(f"{cls.name}: needs a floating-point tensor, got {x}")
        for value, allowed, what in (
            (mode, RESIZE_MODES, "mode"),
            (coordinates, COORDINATE_MODES, "coordinate_transformation_mode"),
            (nearest, NEAREST_MODES, "nearest_mode"),
        ):
            if value not in allowed:
                raise ShapeError(f"{cls.name}: {what} '{value}' is not one of {', '.join(allowed)}")
        if len(sizes) != len(xs) or len(scales) != len(xs) or min(sizes, default=1) < 1:
            raise ShapeError(
                f"{cls.name}: sizes {list(sizes)} and scales {list(scales)} need one value per axis of {fmt_shape(xs)} "
                "(sizes positive)"
            )
        if not all(math.isfinite(s) and s > 0 for s in scales):
            raise ShapeError(f"{cls.name}: scales {list(scales)} must be positive")
        if roi and len(roi) != 2 * len(xs):
            raise ShapeError(f"{cls.name}: roi {list(roi)} needs {2 * len(xs)} values")
        if coordinates == "tf_crop_and_resize" and not roi:
            raise ShapeError(f"{cls.name}: tf_crop_and_resize needs a roi")
        return [tensor(x.element_type, sizes)]

    def resized_axes(self) -> list[int]:
        """The axes that are interpolated (the others are copied)."""
        xs, sizes, scales, roi = shape_of(self.input.type), ints(self.sizes), floats(self.scales), floats(self.roi)
        crop = self.coordinate_transformation_mode.data == "tf_crop_and_resize"
        r = len(xs)
        return [
            a
            for a in range(r)
            if not (
                math.isclose(scales[a], 1.0)
                and sizes[a] == xs[a]
                and (not crop or (math.isclose(roi[a], 0.0) and math.isclose(roi[r + a], 1.0)))
            )
        ]

    def identity_properties(self) -> bool:
        """No axis is interpolated."""
        return not self.resized_axes()

    def taps(self) -> int:
        """Input cells each output cell weighs along one axis: 2 (linear), 4 (cubic); nearest copies one (0 FLOPs)."""
        return {"nearest": 0, "linear": 2, "cubic": 4}[self.mode.data]

    def flops(self) -> int:
        """A multiply-add per tap along each interpolated axis, axis after axis (nearest: none, a gather)."""
        shape, total = list(shape_of(self.input.type)), 0
        for a in self.resized_axes():
            shape[a] = ints(self.sizes)[a]
            total += 2 * self.taps() * math.prod(shape)
        return total


@irdl_op_definition
class ExpandOp(ShapeOp):
    """Broadcast to `shape` (numpy `broadcast_to`): each axis of the input is the result's or 1; new axes lead."""

    name = "graph.expand"
    shape = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.BROADCAST  # TVM's broadcast_to
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, shape: Sequence[int]):
        self._build([input], {"shape": i64_array(shape)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, target = shape_of(x), ints(props["shape"])
        lead = len(target) - len(xs)
        if (
            lead < 0
            or min(target, default=1) < 0
            or any(d not in (1, t) for d, t in zip(xs, target[lead:], strict=True))
        ):
            raise ShapeError(f"{cls.name}: {fmt_shape(xs)} does not broadcast to {fmt_shape(target)}")
        return [tensor(x.element_type, target)]


@irdl_op_definition
class TileOp(ShapeOp):
    """Repeat the whole tensor `repeats[i]` times along axis i (ONNX Tile, numpy `tile`)."""

    name = "graph.tile"
    repeats = prop_def(DenseArrayBase.constr(I64))
    MAPPING: ClassVar[MappingType] = MappingType.ONE_TO_MANY
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE  # TVM's tile
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, repeats: Sequence[int]):
        self._build([input], {"repeats": i64_array(repeats)})

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, repeats = shape_of(x), ints(props["repeats"])
        if len(repeats) != len(xs) or min(repeats, default=1) < 1:
            raise ShapeError(f"{cls.name}: need {len(xs)} positive repeats for {fmt_shape(xs)}, got {list(repeats)}")
        return [tensor(x.element_type, tuple(d * r for d, r in zip(xs, repeats, strict=True)))]


@irdl_op_definition
class ChannelShuffleOp(ShapeOp):
    """ShuffleNet channel shuffle: [N, g*k, H, W] viewed as [N, g, k, H, W], transposed to k-major."""

    name = "graph.channel_shuffle"
    groups = prop_def(IntegerAttr[I64])
    MAPPING: ClassVar[MappingType] = MappingType.SHUFFLE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE_AND_PROPERTIES

    def __init__(self, input: SSAValue, groups: int):
        self._build([input], {"groups": IntegerAttr(groups, i64)})

    def identity_properties(self) -> bool:
        """One group, or one channel per group: no channel moves."""
        return int_of(self.groups) in (1, shape_of(self.input.type)[1])

    def access_run(self) -> int:
        """Whole channel planes move: runs of H * W elements."""
        return math.prod(shape_of(self.input.type)[2:])

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, g = shape_of(x), int_of(props["groups"])
        require_rank(cls.name, "input", xs, 4)
        if g < 1 or xs[1] % g:
            raise ShapeError(f"{cls.name}: {g} groups do not divide {xs[1]} channels")
        return [x]


@irdl_op_definition
class DepthToSpaceOp(ShapeOp):
    """ONNX DepthToSpace (DCR mode): [N, C*b*b, H, W] -> [N, C, H*b, W*b]."""

    name = "graph.depth_to_space"
    block = prop_def(IntegerAttr[I64])
    MAPPING: ClassVar[MappingType] = MappingType.SHUFFLE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE

    def __init__(self, input: SSAValue, block: int):
        self._build([input], {"block": IntegerAttr(block, i64)})

    def access_run(self) -> int:
        """Neighbouring output columns come from different input channels: runs of 1 element."""
        return 1

    @classmethod
    def infer(cls, operand_types: Sequence[TensorType], props: Props) -> list[TensorType]:
        (x,) = operand_types
        xs, b = shape_of(x), int_of(props["block"])
        require_rank(cls.name, "input", xs, 4)
        if b < 1 or xs[1] % (b * b):
            raise ShapeError(f"{cls.name}: block {b}*{b} does not divide {xs[1]} channels")
        return [tensor(x.element_type, (xs[0], xs[1] // (b * b), xs[2] * b, xs[3] * b))]


Graph = Dialect(
    "graph",
    [
        WeightOp,
        ConstantOp,
        Conv2DOp,
        ConvTransposeOp,
        DenseOp,
        BatchNormOp,
        LayerNormOp,
        EmbeddingOp,
        MatMulOp,
        AddOp,
        SubOp,
        MulOp,
        DivOp,
        MaxOp,
        MinOp,
        PowOp,
        ReluOp,
        Relu6Op,
        LeakyReluOp,
        SigmoidOp,
        TanhOp,
        GeluOp,
        SiluOp,
        HardSwishOp,
        HardSigmoidOp,
        ExpOp,
        LogOp,
        SqrtOp,
        RsqrtOp,
        ReciprocalOp,
        SquareOp,
        NegOp,
        AbsOp,
        ErfOp,
        ClipOp,
        EluOp,
        SeluOp,
        SoftplusOp,
        SignOp,
        ShrinkOp,
        PReluOp,
        SoftmaxOp,
        LogSoftmaxOp,
        InstanceNormOp,
        ReduceSumOp,
        ReduceMeanOp,
        ReduceMaxOp,
        ReduceProdOp,
        MaxPoolOp,
        AvgPoolOp,
        LRNOp,
        GlobalAvgPoolOp,
        ReshapeOp,
        FlattenOp,
        TransposeOp,
        SqueezeOp,
        UnsqueezeOp,
        ConcatOp,
        SplitOp,
        SliceOp,
        PadOp,
        UpsampleOp,
        ExpandOp,
        TileOp,
        ResizeOp,
        ChannelShuffleOp,
        DepthToSpaceOp,
    ],
    [],
)
