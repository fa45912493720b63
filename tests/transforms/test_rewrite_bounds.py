"""graph-algebraic-simplify runs in polynomial time: its work, counted in steps, is bounded by the graph's size.

Work is counted by the driver (`algebraic_rules.Work`: candidates priced, ops
built, rewrites applied), not timed, so these bounds are deterministic. Chains
that took the old driver exponential-looking time (a 30-factor product: 5.9 s,
60 factors: 90 s) are linear here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rewrite_testing import run_passes
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType, f32
from xdsl.ir import Block, Region, SSAValue

from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.transforms.graph_algebraic_simplify import (
    RULES,
    GraphAlgebraicSimplifyPass,
    algebraic_subgraphs,
    rewrite_subgraph,
    work_budget,
)
from dlfc.compiler.utils.algebraic_rules import Work
from dlfc.dialects import graph
from dlfc.hw.reference import run_graph


def function_of(module: ModuleOp) -> func.FuncOp:
    (function,) = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    return function


def rewrite_work(module: ModuleOp) -> list[tuple[int, Work]]:
    """Rewrite every algebraic sub-graph of the module's function: (its size, the work done) for each."""
    block = function_of(module).body.block
    return [(len(ops), rewrite_subgraph(ops, RULES)) for ops in algebraic_subgraphs(block)]


def product(n: int) -> str:
    return f"model m {{\n  input x: f32[4]\n  output {' * '.join(['x'] * n)}\n}}\n"


def squarings(n: int) -> str:
    return f"model m {{\n  input a: f32[4]\n  repeat {n} {{\n    a = a * a\n  }}\n  output a\n}}\n"


def exps(n: int) -> str:
    inputs = "\n".join(f"  input x{i}: f32[4]" for i in range(n))
    return f"model m {{\n{inputs}\n  output {' * '.join(f'exp(x{i})' for i in range(n))}\n}}\n"


def common_terms(n: int) -> str:
    inputs = "\n".join(f"  input x{i}: f32[4]" for i in range(n))
    return f"model m {{\n{inputs}\n  output {' + '.join(f'x0 * x{i}' for i in range(1, n))}\n}}\n"


@pytest.mark.parametrize("family", [product, squarings, exps, common_terms])
@pytest.mark.parametrize("n", [8, 64, 150])
def test_work_is_linear_in_the_chain_length(family, n: int) -> None:
    """Each family costs at most 12 ops built per op of the graph (the old driver: 22,350 candidates for one step)."""
    ((size, work),) = rewrite_work(parse_dlm(family(n), "t.dlm"))
    assert work.ops_built <= 12 * size + 16, work
    assert work.candidates <= 8 * size + 16, work
    assert work.rewrites <= size, work


def test_product_of_150_factors_is_computed_by_squaring() -> None:
    """x^150 = x^128·x^16·x^4·x^2: 7 squares and 3 products, and the same numbers."""
    module, original = parse_dlm(product(150), "t.dlm"), parse_dlm(product(150), "t.dlm")
    run_passes(module, GraphAlgebraicSimplifyPass())
    kinds = [op.name for op in function_of(module).body.block.ops]
    assert kinds.count("graph.square") == 7 and kinds.count("graph.mul") == 3
    x = np.random.default_rng(0).uniform(0.99, 1.01, 4).astype(np.float32)
    np.testing.assert_allclose(run_graph(module, [x])[0], run_graph(original, [x])[0], rtol=1e-5)
    np.testing.assert_allclose(run_graph(module, [x])[0], x.astype(np.float64) ** 150, rtol=1e-4)


def test_squaring_64_times_keeps_one_op_per_step() -> None:
    module = parse_dlm(squarings(64), "t.dlm")
    run_passes(module, GraphAlgebraicSimplifyPass())
    kinds = [op.name for op in function_of(module).body.block.ops]
    assert kinds == ["graph.square"] * 64 + ["func.return"]


# --------------------------------------------------------------------------- random graphs

SHAPES = [(4, 8), (4, 1), (1, 8), (8,)]
UNARY = [graph.NegOp, graph.ReciprocalOp, graph.SqrtOp, graph.SquareOp, graph.ExpOp, graph.AbsOp]
BINARY = [graph.AddOp, graph.SubOp, graph.MulOp, graph.MulOp, graph.MulOp, graph.DivOp]

step = st.tuples(st.integers(0, 9), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 5))


def build(shapes: Sequence[int], steps: Sequence[tuple[int, int, int, int]]) -> ModuleOp:
    """A function of the inputs `shapes` and one op per step (kind, operand, operand, which op); returns its last value."""
    block = Block(arg_types=[TensorType(f32, SHAPES[s]) for s in shapes])
    values: list[SSAValue] = list(block.args)
    for kind, i, j, which in steps:
        x, y = values[i % len(values)], values[-1 - j % min(len(values), 4)]  # mostly recent values: deep graphs
        try:
            if kind < 3:
                op = UNARY[which](x)
            elif kind < 9:
                op = BINARY[which](x, y)
            else:
                op = graph.ConstantOp([0.0, 1.0, 2.0, 0.5, -1.0, 1.0][which], f32)
        except graph.ShapeError:
            continue
        block.add_op(op)
        values.append(op.results[0])
    result = values[-1]
    block.add_op(func.ReturnOp(result))
    signature = FunctionType.from_lists(block.arg_types, [result.type])
    return ModuleOp([func.FuncOp("main", signature, Region(block))])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=3), st.lists(step, min_size=1, max_size=80))
def test_work_is_bounded_by_the_graph_size(shapes: list[int], steps: list[tuple[int, int, int, int]]) -> None:
    """On any graph: at most 2·n² + 32 ops built for a sub-graph of n ops (observed: under 9·n), far below the budget."""
    for size, work in rewrite_work(build(shapes, steps)):
        assert work.ops_built <= 2 * size * size + 32, (size, work)
        assert work.rewrites <= 2 * size + 4, (size, work)
        assert work.ops_built < work_budget(size)


def test_an_exhausted_budget_stops_rewriting_with_valid_ir(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no budget, one rewrite is applied, the IR verifies, computes the same, and the stop is counted."""
    import dlfc.compiler.transforms.graph_algebraic_simplify as simplify

    monkeypatch.setattr(simplify, "WORK_PER_OP_SQUARED", 0)
    monkeypatch.setattr(simplify, "WORK_MINIMUM", 0)
    module, original = parse_dlm(common_terms(6), "t.dlm"), parse_dlm(common_terms(6), "t.dlm")
    statistics = run_passes(module, GraphAlgebraicSimplifyPass(fp_model="aggressive"))
    assert statistics == {"factor-common-term": 1, "budget-exhausted": 1}
    inputs = [np.random.default_rng(i).normal(size=4).astype(np.float32) for i in range(6)]
    np.testing.assert_allclose(run_graph(module, inputs)[0], run_graph(original, inputs)[0], rtol=1e-5)
