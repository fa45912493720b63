"""Random elementwise graphs with broadcasting: the algebraic rewrites keep every output's values and shape."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rewrite_testing import run_passes
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType, f32
from xdsl.ir import Block, Region, SSAValue
from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination

from dlfc.compiler.transforms.graph_algebraic_simplify import GraphAlgebraicSimplifyPass
from dlfc.compiler.transforms.graph_fold_constants import GraphFoldConstantsPass
from dlfc.dialects import graph
from dlfc.hw.reference import run_graph

SHAPES = [(4, 8), (4, 1), (1, 8), (8,)]
UNARY = [graph.NegOp, graph.ReciprocalOp, graph.SqrtOp, graph.SquareOp, graph.ExpOp, graph.AbsOp]
BINARY = [graph.AddOp, graph.SubOp, graph.MulOp, graph.MulOp, graph.MulOp, graph.DivOp]
REDUCE = [graph.ReduceSumOp, graph.ReduceMeanOp, graph.ReduceProdOp]
NUMBERS = [0.0, 1.0, 2.0, 0.5, -1.0]


def random_graph(seed: int) -> ModuleOp:
    """Three inputs of broadcast-compatible shapes, then 3 to 12 random ops; the last two results are returned."""
    rng = random.Random(seed)
    block = Block(arg_types=[TensorType(f32, rng.choice(SHAPES)) for _ in range(3)])
    values: list[SSAValue] = list(block.args)

    def emit(op: graph.GraphOp | graph.ConstantOp) -> SSAValue:
        block.add_op(op)
        values.append(op.results[0])
        return op.results[0]

    for _ in range(rng.randint(3, 12)):
        kind, x, y = rng.random(), rng.choice(values), rng.choice(values)
        rank = len(graph.shape_of(x.type))
        try:
            if kind < 0.1:
                emit(graph.ConstantOp(rng.choice(NUMBERS), f32))
            elif kind < 0.35:
                emit(rng.choice(UNARY)(x))
            elif kind < 0.9:
                emit(rng.choice(BINARY)(x, y))
            elif kind < 0.95 and rank:
                emit(rng.choice(REDUCE)(x, [rank - 1], rng.random() < 0.5))
            else:
                emit(graph.PowOp(x, emit(graph.ConstantOp(rng.choice([2.0, 0.5, -1.0, 1.0]), f32))))
        except graph.ShapeError:
            continue
    results = [v for v in values[3:] if graph.shape_of(v.type)][-2:] or [block.args[0]]
    block.add_op(func.ReturnOp(*results))
    signature = FunctionType.from_lists(block.arg_types, [r.type for r in results])
    return ModuleOp([func.FuncOp("main", signature, Region(block))])


@pytest.mark.parametrize("order", ["benefit", "first"])
def test_random_graphs_keep_their_numerics(order: str) -> None:
    for seed in range(150):
        module, original = random_graph(seed), random_graph(seed)
        (function,) = module.ops
        assert isinstance(function, func.FuncOp)
        rng = np.random.default_rng(seed)
        inputs = [rng.uniform(0.5, 2.0, graph.shape_of(a.type)).astype(np.float32) for a in function.args]
        with np.errstate(all="ignore"):
            run_passes(
                module,
                CommonSubexpressionElimination(),
                GraphAlgebraicSimplifyPass(order=order),
                GraphFoldConstantsPass(),
            )
            expected, actual = run_graph(original, inputs), run_graph(module, inputs)
        for e, a in zip(expected, actual, strict=True):
            assert a.shape == e.shape, f"seed {seed}"
            moderate = np.isfinite(e) & (np.abs(e) < 1e6)  # exp and reciprocals overflow differently once reordered
            scale = max(1.0, float(np.abs(e[moderate]).max(initial=0.0)))
            np.testing.assert_allclose(a[moderate], e[moderate], rtol=1e-4, atol=1e-5 * scale, err_msg=f"seed {seed}")
