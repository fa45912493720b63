"""Each graph op's facts live on the op (`OP_FACTS`, the `ReshapeLike` trait), and a missing one is an error.

The throwaway ops here are what a contributor adding an op writes; the passes
and the cost model must ask them, not a table of their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, result_def, traits_def
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.transforms.graph_simplify_shapes import GraphSimplifyShapesPass
from dlfc.dialects import graph
from dlfc.dialects.graph import Identity, MappingType, PatternKind
from dlfc.hw.cost import cost_model
from dlfc.hw.target import load_target

FACTS = {
    "MAPPING": MappingType.ONE_TO_ONE,
    "PATTERN": PatternKind.ELEMWISE,
    "IDENTITY": Identity.NEVER,
    "PARTITION": graph.Partition.ELEMENTS,
    "TILING": graph.Tiling.ROWS,
}
"""One value of each class fact a graph op must declare (see `graph.missing_facts`)."""


def define_op(facts: dict[str, object], base: type = graph.StructuredOp, name: str | None = "test.partial") -> type:
    """Define a throwaway op class `PartialOp` with these class attributes (a concrete op when it has a `name`)."""
    return type("PartialOp", (base,), {**({"name": name} if name else {}), **facts})


@pytest.mark.parametrize("missing", list(FACTS))
def test_an_op_missing_a_fact_fails_when_defined(missing: str) -> None:
    with pytest.raises(graph.MissingOpFact, match=rf"^test.partial: op declares no .*\({missing}\)$"):
        define_op({fact: value for fact, value in FACTS.items() if fact != missing})


def test_all_facts_declared_is_fine() -> None:
    assert define_op(FACTS).PATTERN == PatternKind.ELEMWISE


def test_a_fact_of_the_wrong_type_is_missing() -> None:
    with pytest.raises(graph.MissingOpFact, match=r"^test.partial: op declares no TVM pattern kind \(PATTERN\)$"):
        define_op({**FACTS, "PATTERN": "elemwise"})


def test_abstract_bases_need_no_facts_and_families_pass_theirs_on() -> None:
    define_op({}, name=None)  # no name of its own: an abstract base
    unary = define_op({}, base=graph.UnaryOp)
    assert (unary.MAPPING, unary.PATTERN, unary.IDENTITY) == (
        MappingType.ONE_TO_ONE,
        PatternKind.ELEMWISE,
        Identity.NEVER,
    )


def test_identity_by_properties_needs_the_method() -> None:
    facts = {**FACTS, "IDENTITY": Identity.SAME_TYPE_AND_PROPERTIES}
    with pytest.raises(graph.MissingOpFact, match=r"op declares no identity properties \(identity_properties\)$"):
        define_op(facts)
    assert define_op({**facts, "identity_properties": lambda self: True}).IDENTITY is Identity.SAME_TYPE_AND_PROPERTIES


def test_every_compute_op_declares_every_fact() -> None:
    compute = [op for op in graph.Graph.operations if issubclass(op, graph.GraphOp)]
    assert {op.name: graph.missing_facts(op) for op in compute if graph.missing_facts(op)} == {}
    assert [op.name for op in compute if op.has_trait(graph.ReshapeLike)] == [
        "graph.reshape",
        "graph.flatten",
        "graph.squeeze",
        "graph.unsqueeze",
    ]


# --------------------------------------------------------------------------- identities


def build(shapes: Sequence[Sequence[int]], make) -> graph.GraphOp:
    types = [TensorType(f32, list(s)) for s in shapes]
    fn = func.FuncOp("f", (types, []))
    with ImplicitBuilder(fn.body) as args:
        op = make(*args)
        func.ReturnOp()
    return op


@pytest.mark.parametrize(
    ("shapes", "make", "identity"),
    [
        ([(2, 3)], lambda x: graph.TransposeOp(x, [0, 1]), True),
        ([(3, 3)], lambda x: graph.TransposeOp(x, [1, 0]), False),  # same type, but elements move
        ([(1, 4, 2, 2)], lambda x: graph.ChannelShuffleOp(x, 1), True),
        ([(1, 4, 2, 2)], lambda x: graph.ChannelShuffleOp(x, 4), True),
        ([(1, 4, 2, 2)], lambda x: graph.ChannelShuffleOp(x, 2), False),
        ([(2, 3)], lambda x: graph.ReshapeOp(x, [2, 3]), True),
        ([(2, 3)], lambda x: graph.ReshapeOp(x, [3, 2]), False),
        ([(2, 3)], lambda x: graph.PadOp(x, [0, 0, 0, 0], 0.0), True),
        ([(2, 3)], lambda x: graph.ConcatOp([x], 0), True),
        ([(2, 3), (2, 3)], lambda x, y: graph.ConcatOp([x, y], 0), False),  # two operands
        ([(2, 3)], lambda x: graph.ReluOp(x), False),  # computes, whatever its type
        ([(2, 3)], lambda x: graph.ClipOp(x, -math.inf, math.inf), False),  # NEVER is a declaration, not a proof
    ],
)
def test_is_identity(shapes, make, identity: bool) -> None:
    assert build(shapes, make).is_identity() is identity


# --------------------------------------------------------------------------- a view the passes have never heard of


class Ravel(graph.StructuredOp):
    """The tensor as one flat axis: a view no pass has heard of."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    MAPPING: ClassVar[MappingType] = MappingType.REORGANIZE
    PATTERN: ClassVar[PatternKind] = PatternKind.INJECTIVE
    IDENTITY: ClassVar[Identity] = Identity.SAME_TYPE
    PARTITION: ClassVar[graph.Partition] = graph.Partition.ELEMENTS
    TILING: ClassVar[graph.Tiling] = graph.Tiling.NONE

    def __init__(self, input: SSAValue):
        self._build([input], {})

    @classmethod
    def infer(cls, operand_types, props):
        (x,) = operand_types
        return [graph.tensor(x.element_type, [graph.num_elements(x)])]


@irdl_op_definition
class RavelOp(Ravel):
    name = "test.ravel"
    traits = traits_def(Pure(), graph.ReshapeLike())


@irdl_op_definition
class UnmarkedRavelOp(Ravel):
    """Declared Reorganize, but without the ReshapeLike trait."""

    name = "test.unmarked_ravel"


def test_a_reorganize_op_without_the_view_trait_does_not_verify() -> None:
    op = build([(2, 3)], UnmarkedRavelOp)
    with pytest.raises(VerifyException, match="has the ReshapeLike trait exactly when its mapping type is Reorganize"):
        op.verify()


def test_the_passes_ask_a_new_view_op() -> None:
    """graph-simplify-shapes composes ravel∘reshape away, and the cost model charges a ravel no work."""
    t = TensorType(f32, [2, 3])
    fn = func.FuncOp("f", ((t,), (t,)))
    with ImplicitBuilder(fn.body) as (x,):
        flat = RavelOp(x)
        func.ReturnOp(graph.ReshapeOp(flat.output, [2, 3]).output)
    module = ModuleOp([fn])
    module.verify()
    assert cost_model(load_target("mlu100")).facts(flat).work == 0
    GraphSimplifyShapesPass().apply(Context(), module)
    assert [op.name for op in fn.body.block.ops] == ["func.return"]
    assert fn.body.block.last_op.operands[0] is fn.body.block.args[0]
