"""The `accel` dialect: kernels placed on the cores of a multi-core accelerator.

An `accel.kernel` is one launch on the accelerator: it runs its region of
graph ops (one fused group) on `cores` cores. Like `fusion.group` it is
isolated from above; its operands and results are the tensors that cross DRAM.
The module names its target accelerator in the `accel.target` attribute.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import I64, IntegerAttr, StringAttr, TensorType, i64
from xdsl.ir import Attribute, Dialect, Region, SSAValue
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

from dialects.fusion import verify_region_signature

TARGET_ATTR = "accel.target"


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

    `accel.kernel "name" (%a) cores = 4 : (A) -> (B) { ^bb0(%x: A): ... accel.yield %y : B }`
    """

    name = "accel.kernel"
    sym_name = prop_def(StringAttr)
    cores = prop_def(IntegerAttr[I64])
    inputs = var_operand_def(TensorType)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(IsolatedFromAbove())
    assembly_format = (
        "$sym_name `(` $inputs `)` `cores` `=` $cores attr-dict `:` functional-type($inputs, $outputs) $body"
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
        verify_region_signature(self, self.inputs, self.outputs, self.body)


Accel = Dialect("accel", [KernelOp, YieldOp], [])
