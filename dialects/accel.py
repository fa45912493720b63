"""The `accel` dialect: kernels placed on the cores of a multi-core accelerator.

An `accel.kernel` is one launch on the accelerator: it runs its region of
graph ops (one fused group) on `cores` cores. Like `fusion.group` it is
isolated from above; its operands and results are the tensors that cross DRAM.

The module names its target in the `accel.target` attribute, an
`#accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>` that carries the core
counts a kernel may legally use, so the verifier checks `cores` without
loading the accelerator description. A kernel may carry the cost model's
verdict as `latency = <12.5 us, compute>`: its modelled latency and the bound
that limits it.

A scheduler places kernels side by side with two discardable attributes the
dialect declares (`DISCARDABLE`) and verifies: `accel.core_offset` (the first of
the kernel's cores, an `i64` of at least 0) and `accel.start` (its planned start
in µs, a non-negative `f64`). A kernel also keeps the `fusion.mapping`,
`fusion.seed` and `fusion.pattern` of the group it was lowered from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    Float64Type,
    FloatAttr,
    FloatData,
    IntAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from dlfc.dialects import fusion
from dlfc.dialects.fusion import AttrCheck, i64_at_least, verify_discardable, verify_region_signature

TARGET_ATTR = "accel.target"
"""The module attribute naming the target accelerator (an `#accel.target`)."""
OFFSET_ATTR = "accel.core_offset"
"""The first core of a scheduled kernel: it runs on cores offset .. offset + cores - 1 (an `i64`, at least 0)."""
START_ATTR = "accel.start"
"""The planned start of a scheduled kernel in µs (a non-negative `f64`)."""


def non_negative_f64(value: Attribute) -> str | None:
    if isinstance(value, FloatAttr) and isinstance(value.type, Float64Type) and value.value.data >= 0:
        if math.isfinite(value.value.data):
            return None
    return f"must be a finite non-negative f64, got {value}"


DISCARDABLE: Mapping[str, AttrCheck] = {OFFSET_ATTR: i64_at_least(0), START_ATTR: non_negative_f64}
"""The discardable attributes of the accel dialect on an `accel.kernel`, and the checks of their values."""
KERNEL_FUSION_ATTRS = (fusion.MAPPING_ATTR, fusion.SEED_ATTR, fusion.PATTERN_ATTR)
"""The fusion dialect's attributes a kernel keeps from its group (its core count is the `cores` property)."""
BOUNDS = ("compute", "memory", "overhead")
"""What may limit a kernel's latency: its arithmetic, its DRAM traffic, or launch and synchronisation."""


@irdl_attr_definition
class TargetAttr(ParametrizedAttribute):
    """The accelerator a module is compiled for: its name and the legal per-kernel core counts.

    `#accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>`
    """

    name = "accel.target"
    target_name: StringAttr
    legal_cores: ArrayAttr[IntAttr]

    def __init__(self, name: str, legal_cores: Sequence[int]):
        super().__init__(StringAttr(name), ArrayAttr([IntAttr(c) for c in legal_cores]))

    @property
    def cores(self) -> tuple[int, ...]:
        return tuple(c.data for c in self.legal_cores.data)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            name = parser.parse_str_literal()
            parser.parse_punctuation(",")
            parser.parse_keyword("cores")
            parser.parse_punctuation("=")
            cores = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer)
        return (StringAttr(name), ArrayAttr([IntAttr(c) for c in cores]))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string_literal(self.target_name.data)
            printer.print_string(f", cores = [{', '.join(map(str, self.cores))}]")

    def verify(self) -> None:
        cores = self.cores
        if not cores or cores[0] < 1 or list(cores) != sorted(set(cores)):
            raise VerifyException(f"#accel.target: core counts must be positive and increasing, got {list(cores)}")


@irdl_attr_definition
class LatencyAttr(ParametrizedAttribute):
    """A kernel's modelled latency in microseconds and the bound that limits it.

    `#accel.latency<12.5 us, compute>` (bound: compute, memory or overhead).
    """

    name = "accel.latency"
    microseconds: FloatData
    bound: StringAttr

    def __init__(self, microseconds: float, bound: str):
        super().__init__(FloatData(float(microseconds)), StringAttr(bound))

    @property
    def us(self) -> float:
        return self.microseconds.data

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            value = parser.parse_number()
            parser.parse_keyword("us")
            parser.parse_punctuation(",")
            bound = parser.parse_identifier()
        return (FloatData(float(value)), StringAttr(bound))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(f"{self.us!r} us, {self.bound.data}")

    def verify(self) -> None:
        if self.bound.data not in BOUNDS:
            raise VerifyException(f"#accel.latency: bound must be one of {', '.join(BOUNDS)}, got '{self.bound.data}'")
        if not self.us >= 0:
            raise VerifyException(f"#accel.latency: latency must be non-negative, got {self.us} us")


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends an `accel.kernel` and names the tensors it writes back to DRAM."""

    name = "accel.yield"
    values = var_operand_def(TensorType)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(KernelOp), Pure()))
    assembly_format = "($values^ `:` type($values))? attr-dict"

    def __init__(self, *values: SSAValue):
        super().__init__(operands=[values])


@irdl_op_definition
class KernelOp(IRDLOperation):
    """One kernel launch running its body on `cores` accelerator cores.

    `accel.kernel "name" (%a) cores = 4 latency = <12.5 us, compute> : (A) -> (B) { ^bb0(%x: A): ... accel.yield %y : B }`

    `cores` must be one of the module's target's legal core counts.
    `latency` (optional) is the cost model's estimate for this kernel.
    Discardable attributes: `accel.core_offset` and `accel.start` (`DISCARDABLE`),
    and the group's `fusion.mapping`, `fusion.seed` and `fusion.pattern`.
    """

    name = "accel.kernel"
    sym_name = prop_def(StringAttr)
    cores = prop_def(IntegerAttr[I64])
    latency = opt_prop_def(LatencyAttr)
    inputs = var_operand_def(TensorType)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove())
    assembly_format = (
        "$sym_name `(` $inputs `)` `cores` `=` $cores (`latency` `=` $latency^)? attr-dict"
        " `:` functional-type($inputs, $outputs) $body"
    )

    def __init__(
        self, name: str, inputs: Sequence[SSAValue], result_types: Sequence[Attribute], body: Region, cores: int = 1
    ):
        super().__init__(
            operands=[inputs],
            result_types=[result_types],
            regions=[body],
            properties={"sym_name": StringAttr(name), "cores": IntegerAttr(cores, i64)},
        )

    @property
    def core_count(self) -> int:
        return self.cores.value.data

    def verify_(self) -> None:
        if self.core_count < 1:
            raise VerifyException(f"accel.kernel: cores must be positive, got {self.core_count}")
        outer = self.parent_op()
        while outer is not None:
            if isinstance(outer, KernelOp):
                raise VerifyException(
                    f'accel.kernel "{self.sym_name.data}" is nested in accel.kernel "{outer.sym_name.data}": '
                    "kernels run at the function level only"
                )
            outer = outer.parent_op()
        target = target_of(self)
        if target is not None and self.core_count not in target.cores:
            raise VerifyException(
                f'accel.kernel "{self.sym_name.data}": {self.core_count} cores is not legal on target '
                f'"{target.target_name.data}" (legal: {", ".join(map(str, target.cores))})'
            )
        verify_discardable(self, "accel", DISCARDABLE, DISCARDABLE)
        verify_discardable(self, "fusion", fusion.DISCARDABLE, KERNEL_FUSION_ATTRS)
        verify_region_signature(self, self.inputs, self.outputs, self.body)


def target_of(op: Operation) -> TargetAttr | None:
    """The `accel.target` of the module enclosing `op` (or of `op` itself), if it has one."""
    current: Operation | None = op
    while current is not None:
        if isinstance(current, ModuleOp) and TARGET_ATTR in current.attributes:
            attr = current.attributes[TARGET_ATTR]
            if not isinstance(attr, TargetAttr):
                raise VerifyException(f"module attribute {TARGET_ATTR} must be an #accel.target, got {attr}")
            return attr
        current = current.parent_op()
    return None


Accel = Dialect("accel", [KernelOp, YieldOp], [TargetAttr, LatencyAttr])
