"""Algebraic facts live on the graph ops (traits), graph rewriting asks the op, and a missing fact is an error."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import TensorType, f32
from xdsl.ir import Block
from xdsl.irdl import irdl_op_definition, traits_def
from xdsl.traits import Commutative, Pure
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.utils.algebraic_rules import EXACT_RULES, RULES, Involution, identities, operand_orders
from dlfc.dialects import graph

T = TensorType(f32, [4])


def test_commutativity_is_xdsls_trait() -> None:
    commutative = {op.name for op in graph.Graph.operations if op.has_trait(Commutative)}
    assert commutative == {"graph.add", "graph.mul", "graph.max", "graph.min"}
    a, b = Block(arg_types=[T, T]).args
    assert len(operand_orders(graph.MulOp(a, b))) == 2 and len(operand_orders(graph.SubOp(a, b))) == 1


def test_every_binary_op_declares_its_neutral_elements() -> None:
    a, b = Block(arg_types=[T, T]).args
    facts = {op.name: identities(op) for op in (graph.AddOp(a, b), graph.SubOp(a, b), graph.MulOp(a, b))}
    assert facts == {
        "graph.add": graph.Identities(right=0.0, left=0.0, exact=False),
        "graph.sub": graph.Identities(right=0.0),
        "graph.mul": graph.Identities(right=1.0, left=1.0),
    }


@irdl_op_definition
class FactlessOp(graph.BinaryOp):
    """A throwaway binary op that forgets to declare its Identities."""

    name = "graph.factless"
    traits = traits_def(Pure())


def test_a_binary_op_without_identities_does_not_verify() -> None:
    a, b = Block(arg_types=[T, T]).args
    op = FactlessOp(a, b)
    with pytest.raises(VerifyException, match="graph.factless: binary op declares no Identities trait"):
        op.verify()
    with pytest.raises(TypeError, match="graph.factless declares no graph.Identities trait"):
        identities(op)


def test_an_involution_rule_needs_the_ops_trait() -> None:
    with pytest.raises(TypeError, match="graph.exp declares no graph.Involution trait"):

        class ExpInvolution(Involution):
            name = "exp-involution"
            OP = graph.ExpOp


def test_strict_rules_are_the_exact_ones() -> None:
    assert [rule.name for rule in EXACT_RULES] == ["identity-element", "double-negation", "absorb-negation"]
    assert {rule.name for rule in RULES if rule.exact} == {"double-negation", "absorb-negation"}
