"""The module-level contract of a dlfc module: what each op's verifier cannot see.

Every module the tools accept runs in the interpreter (`dlfc.hw.interpreter`),
so the verifier (`dlfc.compiler.pipeline.verification_error`, run on input and
after every pass) and the interpreter check the same rules, here:
- exactly one `func.func` at the top level: the entry function, taking and
  returning tensors of supported types and holding only graph, fusion and
  accel ops (and its `func.return`);
- in every block, each operand defined by an op of that block is defined
  before its use (no use-def cycles: graph passes walk use-def chains);
- one type per weight name (`graph.weight "w"` ops of one name share one array).
Per-op rules (static shapes, supported element types, constants representable
in their type, no kernel inside a kernel) are in the ops' own verifiers.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Attribute, Operation

from dlfc.dialects import graph

DIALECTS = ("graph", "fusion", "accel", "schedule")
"""The dialects whose ops the interpreter runs (with func.return ending the entry function)."""


def contract_error(module: ModuleOp) -> str | None:
    """One line saying which rule of the contract `module` breaks, or None. Linear in the module's size."""
    functions = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(functions) != 1:
        return f"a dlfc module has exactly one func.func (its entry function), this one has {len(functions)}"
    (function,) = functions
    for kind, types in (
        ("argument", function.function_type.inputs.data),
        ("result", function.function_type.outputs.data),
    ):
        for index, t in enumerate(types):
            if not isinstance(t, TensorType):
                return f"@{function.sym_name.data}: {kind} {index} is {t}, not a tensor: the entry function takes and returns tensors"
            if (problem := graph.tensor_contract_error(t)) is not None:
                return f"@{function.sym_name.data}: {kind} {index}: {problem}"
    for op in function.walk():
        if op is not function and op.dialect_name() not in DIALECTS and not isinstance(op, func.ReturnOp):
            return (
                f"{op.name} is not an op of a dlfc module (the interpreter runs graph, fusion, accel and schedule ops)"
            )
    if (problem := use_def_error(module)) is not None:
        return problem
    weights: dict[str, Attribute] = {}
    for op in module.walk():
        if isinstance(op, graph.WeightOp):
            first = weights.setdefault(op.weight_id, op.output.type)
            if first != op.output.type:
                return f'graph.weight "{op.weight_id}" has types {first} and {op.output.type}: one name, one array'
    return None


def use_def_error(module: Operation) -> str | None:
    """A message if some block of `module` uses a value before an op of that block defines it (a use-def cycle)."""
    for op in module.walk():
        for region in op.regions:
            for block in region.blocks:
                if (problem := use_before_definition(block.ops)) is not None:
                    return problem
    return None


def use_before_definition(ops: object) -> str | None:
    """A message if an op of the block uses a value that an op of the same block defines later (or itself)."""
    block_ops: list[Operation] = list(ops)  # type: ignore[call-overload]
    later = set(block_ops)
    for op in block_ops:
        later.discard(op)
        for index, value in enumerate(op.operands):
            if value.owner in later or value.owner is op:
                return (
                    f"{op.name}: operand {index} is defined after its use "
                    f"(by {value.owner.name}, a use-def cycle)"  # type: ignore[union-attr]
                )
    return None
