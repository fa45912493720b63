"""Test helpers for graph passes: parse IR, run a pass, compare the printed IR and the numerics."""

from __future__ import annotations

from collections import Counter
from textwrap import dedent

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, IntegerType, ModuleOp, TensorType
from xdsl.parser import Parser
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.hw.reference import run_graph
from dlfc.hw.weights import numpy_dtype

RTOL = 1e-4


def dlm(source: str) -> str:
    """The graph IR of a .dlm model, as MLIR text."""
    return str(parse_dlm(dedent(source), "test.dlm"))


def parse(source: str) -> ModuleOp:
    """A verified module from MLIR text (a bare func.func is wrapped in a module)."""
    module = Parser(make_context(), source).parse_module()
    module.verify()
    return module


def also_returning(source: str, *names: str) -> str:
    """`source` with the values named `names` returned too: intermediates given extra uses."""
    module = parse(source)
    (function,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    values = {r.name_hint: r for op in function.walk() for r in op.results}
    old = function.body.block.last_op
    assert isinstance(old, func.ReturnOp)
    results = [*old.arguments, *(values[name] for name in names)]
    Rewriter.replace_op(old, func.ReturnOp(*results))
    function.function_type = FunctionType.from_lists(function.function_type.inputs.data, [v.type for v in results])
    return str(module)


def run_passes(module: ModuleOp, *passes: ModulePass) -> Counter[str]:
    """Apply `passes`, verifying after each; the statistics the passes reported, summed."""
    runs = run_pipeline(make_context(), module, passes)
    return sum((run.statistics for run in runs), Counter())


def random_inputs(module: ModuleOp, seed: int = 0, positive: bool = False) -> list[np.ndarray]:
    """Random arguments for the module's function: U(0.5, 2) if `positive`, else N(0, 1); ids in [0, 100)."""
    rng = np.random.default_rng(seed)
    (function,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    inputs = []
    for t in function.function_type.inputs.data:
        assert isinstance(t, TensorType)
        shape = tuple(t.get_shape())
        if isinstance(t.element_type, IntegerType):
            inputs.append(rng.integers(0, 100, shape))
        else:
            values = rng.uniform(0.5, 2.0, shape) if positive else rng.normal(size=shape)
            inputs.append(values.astype(numpy_dtype(t.element_type)))
    return inputs


def assert_same_numerics(before: ModuleOp, after: ModuleOp, positive: bool = False, seed: int = 0) -> None:
    """Both modules compute the same outputs (rtol 1e-4) on random inputs, each with its weight store."""
    inputs = random_inputs(before, seed, positive)
    for expected, actual in zip(run_graph(before, inputs), run_graph(after, inputs), strict=True):
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-6 * scale)


def check_rewrite(module_pass: ModulePass, source: str, expected: str, positive: bool = False) -> Counter[str]:
    """`module_pass` turns `source` into exactly `expected` with unchanged numerics; returns its statistics."""
    before, after = parse(source), parse(source)
    statistics = run_passes(after, module_pass)
    assert str(after) == dedent(expected).strip()
    assert_same_numerics(before, after, positive)
    return statistics


def check_unchanged(module_pass: ModulePass, source: str) -> None:
    """`module_pass` leaves `source` as it is."""
    module = parse(source)
    statistics = run_passes(module, module_pass)
    assert str(module) == str(parse(source))
    assert not statistics
