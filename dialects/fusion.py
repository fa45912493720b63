"""The `fusion` dialect: which graph ops run together as one kernel.

A `fusion.group` holds a region of graph ops that will execute as one fused
kernel. It is isolated from above: tensors enter as operands (bound to the
block arguments) and leave as results (the operands of `fusion.yield`);
weights and constants live inside the group that uses them. Only tensors that
cross a group boundary travel through DRAM.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import StringAttr, TensorType
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

from dlfc.dialects.graph import is_source


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

    Planners may record why the group exists in discardable attributes
    (e.g. its DNNFusion `mapping` type and `seed` op).
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
        verify_region_signature(self, self.inputs, self.outputs, self.body)


def kernel_name(index: int, ops: Sequence[Operation]) -> str:
    """A readable name for the `index`-th fused kernel of `ops`: `k<index>_<first op kinds>` (sources left out)."""
    kinds = [op.name.split(".", 1)[1] for op in ops if not is_source(op)]
    shown = "+".join(kinds[:3]) + ("+..." if len(kinds) > 3 else "")
    return f"k{index}_{shown}"


Fusion = Dialect("fusion", [GroupOp, YieldOp], [])
