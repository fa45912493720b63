"""The `fusion` dialect: which graph ops run together as one kernel.

A `fusion.group` holds a region of graph ops that will execute as one fused
kernel. It is isolated from above: tensors enter as operands (bound to the
block arguments) and leave as results (the operands of `fusion.yield`);
weights and constants live inside the group that uses them. Only tensors that
cross a group boundary travel through DRAM.

Planners record why a group exists in discardable attributes the dialect
declares here (`DISCARDABLE`) and verifies on every op that carries them:
`fusion.mapping` (the group's DNNFusion mapping type, e.g. `"many_to_many"`),
`fusion.seed` (the op DNNFusion grew it from), `fusion.pattern` (its TVM
pattern kind, e.g. `"out_ewise_fusable"`) and `fusion.cores` (the core count a
tuner chose, an `i64` of at least 1). Lowering to `accel.kernel` keeps the first
three and turns `fusion.cores` into the kernel's `cores` property.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from xdsl.dialects.builtin import IntegerAttr, IntegerType, StringAttr, TensorType
from xdsl.ir import Attribute, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    lazy_traits_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from dlfc.dialects.graph import MappingType, PatternKind, is_source

MAPPING_ATTR = "fusion.mapping"
"""A group's DNNFusion mapping type: the lower-case name of a `MappingType` (`"one_to_one"`, ...)."""
SEED_ATTR = "fusion.seed"
"""The op a DNNFusion group was grown from: its result's name, or `<op>#<index>`."""
PATTERN_ATTR = "fusion.pattern"
"""A group's TVM pattern kind: the lower-case name of a `PatternKind` (`"elemwise"`, ...)."""
CORES_ATTR = "fusion.cores"
"""The core count a tuner chose for a group (an `i64`, at least 1); without it a group runs on 1 core."""

AttrCheck = Callable[[Attribute], str | None]
"""Checks the value of a discardable attribute: None when valid, else what is wrong with it."""


def one_of(labels: Sequence[str]) -> AttrCheck:
    """A check that the attribute is a string among `labels`."""

    def check(value: Attribute) -> str | None:
        if isinstance(value, StringAttr) and value.data in labels:
            return None
        return f"must be one of {', '.join(map(repr, labels))}, got {value}"

    return check


def non_empty_string(value: Attribute) -> str | None:
    return None if isinstance(value, StringAttr) and value.data else f"must be a non-empty string, got {value}"


def i64_at_least(low: int) -> AttrCheck:
    """A check that the attribute is an `i64` integer of at least `low`."""

    def check(value: Attribute) -> str | None:
        if (
            isinstance(value, IntegerAttr)
            and isinstance(value.type, IntegerType)
            and value.type.width.data == 64
            and value.value.data >= low
        ):
            return None
        return f"must be an i64 of at least {low}, got {value}"

    return check


DISCARDABLE: Mapping[str, AttrCheck] = {
    MAPPING_ATTR: one_of([m.name.lower() for m in MappingType]),
    SEED_ATTR: non_empty_string,
    PATTERN_ATTR: one_of([k.name.lower() for k in PatternKind]),
    CORES_ATTR: i64_at_least(1),
}
"""The discardable attributes of the fusion dialect and the checks of their values."""


def verify_discardable(
    op: Operation, dialect: str, declared: Mapping[str, AttrCheck], allowed: Collection[str]
) -> None:
    """Check the attributes of `op` that carry the prefix `dialect.`: each must be `allowed` on `op`
    (a name `declared` by the dialect) and have a valid value."""
    for key, value in op.attributes.items():
        if not key.startswith(dialect + "."):
            continue
        if key not in allowed:
            known = "declared" if key in declared else "unknown"
            raise VerifyException(
                f"{op.name}: {known} attribute '{key}' is not allowed here (allowed: {', '.join(allowed)})"
            )
        problem = declared[key](value)
        if problem is not None:
            raise VerifyException(f"{op.name}: attribute '{key}' {problem}")


def verify_region_signature(
    op: IRDLOperation, inputs: Sequence[SSAValue], outputs: Sequence[SSAValue], body: Region
) -> None:
    """Block arguments must match the operands and the terminator must yield the results' types."""
    block = body.block
    if tuple(a.type for a in block.args) != tuple(v.type for v in inputs):
        raise VerifyException(f"{op.name}: block argument types must match the operand types")
    terminator = block.last_op
    if terminator is None:
        raise VerifyException(f"{op.name}: body must end with a yield")
    if tuple(v.type for v in terminator.operands) != tuple(r.type for r in outputs):
        raise VerifyException(f"{op.name}: yielded types must match the result types")


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends a `fusion.group` and names the tensors it produces."""

    name = "fusion.yield"
    values = var_operand_def(TensorType)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(GroupOp), Pure()))
    assembly_format = "($values^ `:` type($values))? attr-dict"

    def __init__(self, *values: SSAValue):
        super().__init__(operands=[values])


@irdl_op_definition
class GroupOp(IRDLOperation):
    """A set of graph ops fused into one kernel.

    `fusion.group "name" (%a, %b) : (A, B) -> (C) { ^bb0(%x: A, %y: B): ... fusion.yield %z : C }`

    Planners may record why the group exists in the discardable attributes of
    `DISCARDABLE` (e.g. `fusion.mapping`, `fusion.seed`); a tuner sets `fusion.cores`.
    """

    name = "fusion.group"
    sym_name = prop_def(StringAttr)
    inputs = var_operand_def(TensorType)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove())
    assembly_format = "$sym_name `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs) $body"

    def __init__(self, name: str, inputs: Sequence[SSAValue], result_types: Sequence[Attribute], body: Region):
        super().__init__(
            operands=[inputs], result_types=[result_types], regions=[body], properties={"sym_name": StringAttr(name)}
        )

    def verify_(self) -> None:
        verify_discardable(self, "fusion", DISCARDABLE, DISCARDABLE)
        verify_region_signature(self, self.inputs, self.outputs, self.body)


def kernel_name(index: int, ops: Sequence[Operation]) -> str:
    """A readable name for the `index`-th fused kernel of `ops`: `k<index>_<first op kinds>` (sources left out)."""
    kinds = [op.name.split(".", 1)[1] for op in ops if not is_source(op)]
    shown = "+".join(kinds[:3]) + ("+..." if len(kinds) > 3 else "")
    return f"k{index}_{shown}"


Fusion = Dialect("fusion", [GroupOp, YieldOp], [])
