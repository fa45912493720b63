"""Compile-time values of graph IR, and the weights that passes compute.

A value is known at compile time when it is a `graph.weight` (its value is in
the module's weight store, `dlfc.hw.weights.store_of`) or a `graph.constant`.
Passes that compute new weights (batch-norm folding, constant folding) add
them to the store under fresh names and refer to them with `graph.weight` ops
of init kind `stored`; a computed scalar stays an inline `graph.constant`.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from dlfc.dialects import graph
from dlfc.hw.reference import evaluate
from dlfc.hw.weights import STORED, numpy_dtype, store_of


class CompileTimeValues:
    """The values of a module's weights and constants, and new weights added to its store."""

    def __init__(self, module: ModuleOp):
        self.store = store_of(module)
        self.taken = {op.weight_id for op in module.walk() if isinstance(op, graph.WeightOp)} | set(self.store.arrays)

    def value(self, value: SSAValue) -> np.ndarray | None:
        """The value of a weight or a constant; None for a value only known at run time."""
        op = value.owner
        if isinstance(op, graph.WeightOp):
            assert isinstance(op.output.type, TensorType)
            return self.store.get(op.weight_id, op.output.type, op.init.data)
        if isinstance(op, graph.ConstantOp):
            (result,) = evaluate(op, ())
            return result
        return None

    def values(self, op: Operation) -> list[np.ndarray] | None:
        """The values of all operands of `op`, if every one is known at compile time."""
        values = [self.value(v) for v in op.operands]
        return None if any(v is None for v in values) else values  # type: ignore[return-value]

    def fresh_name(self, base: str) -> str:
        """`base`, or `base.1`, `base.2`, ...: a weight name neither the module nor its store uses."""
        name, suffix = base, 0
        while name in self.taken:
            suffix += 1
            name = f"{base}.{suffix}"
        self.taken.add(name)
        return name

    def materialize(self, base: str, array: np.ndarray, element_type: Attribute) -> graph.WeightOp | graph.ConstantOp:
        """An op producing `array`: a `graph.constant` for a scalar, else a new `stored` weight named after `base`."""
        if array.ndim == 0:
            return graph.ConstantOp(float(array), element_type)
        name = self.fresh_name(base)
        self.store.add(name, np.ascontiguousarray(array, dtype=numpy_dtype(element_type)))
        weight = graph.WeightOp(name, TensorType(element_type, array.shape), STORED)
        if weight.output.is_valid_name(name):
            weight.output.name_hint = name
        return weight


def element_type(value: SSAValue) -> Attribute:
    """The element type of a tensor value."""
    assert isinstance(value.type, TensorType)
    return value.type.element_type


def weight_name(value: SSAValue) -> str | None:
    """The name of the weight `value` is, if it is one."""
    op = value.owner
    return op.weight_id if isinstance(op, graph.WeightOp) else None
