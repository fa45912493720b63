"""Differential tests of `--fp-model=strict`: the compiled plan computes the model's numbers, infinities and NaN included.

Each case is a seeded random model (`tests/random_models.py`) whose float inputs
are salted with extreme values: ±inf, NaN, ±3e38, ±1e-38, subnormals, ±0. The
default pipeline runs with `fp-model=strict` to the accel level, and the plan's
outputs (`dlfc.hw.interpreter.execute`) must equal the unoptimised graph's
(`run_graph`): the same NaN positions, the same infinities with the same signs,
and the finite values within the suite's tolerance (rtol 1e-4, atol 1e-5).
The same salted inputs through the fast pipeline may differ (fast assumes
finite values); one case below shows it does, so this test could fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from _pytest.mark import ParameterSet
from fuzz.harness import CASES_CHECKED, long_cases, time_limit
from random_models import random_model
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.passes import get_all_passes
from dlfc.compiler.pipeline import Level, default_pipeline, parse_pass_pipeline
from dlfc.hw.interpreter import execute
from dlfc.hw.reference import run_graph
from dlfc.hw.target import load_target

RTOL, ATOL = 1e-4, 1e-5
EXTREMES = np.array([np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-38, -1e-38, 1e-45, 0.0, -0.0], dtype=np.float32)
PER_RUN = 12


def salted(inputs: Sequence[np.ndarray], seed: int) -> list[np.ndarray]:
    """The inputs with about a quarter of every float input's elements replaced by extreme values."""
    rng = np.random.default_rng(seed)
    result = []
    for array in inputs:
        if np.issubdtype(array.dtype, np.floating):
            array = array.copy()
            where = rng.random(array.shape) < 0.25
            array[where] = rng.choice(EXTREMES, size=int(where.sum())).astype(array.dtype)
        result.append(array)
    return result


def compile_strict(module: ModuleOp, fp_model: str = "strict") -> None:
    passes = parse_pass_pipeline(
        ",".join(default_pipeline(Level.GRAPH, Level.ACCEL)), get_all_passes(), {"fp_model": (fp_model,)}
    )
    run_pipeline(make_context(), module, passes)


def assert_same(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray], what: str) -> None:
    assert len(actual) == len(expected)
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        message = f"{what}, output {index}"
        assert got.shape == want.shape and got.dtype == want.dtype, message
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{message}: NaN positions")
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want), err_msg=f"{message}: +inf positions")
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want), err_msg=f"{message}: -inf positions")
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=RTOL, atol=ATOL, err_msg=message)


def cases() -> list[ParameterSet]:
    return [
        pytest.param(
            seed, id=f"{'long-' if seed >= PER_RUN else ''}strict-{seed}", marks=[pytest.mark.slow] * (seed >= PER_RUN)
        )
        for seed in range(PER_RUN + long_cases())
    ]


@pytest.mark.parametrize("seed", cases())
def test_strict_plan_computes_the_models_numbers_on_extreme_inputs(seed: int) -> None:
    with time_limit(120.0):
        model = random_model(seed, 4 + seed % 30)
        inputs = salted(model.inputs, seed)
        with np.errstate(all="ignore"):
            expected = run_graph(model.module, inputs)
            module = model.module.clone()
            compile_strict(module)
            actual = execute(module, inputs, load_target()).outputs
        assert_same(actual, expected, str(model))
    CASES_CHECKED["differential"] += 1


TABLE4_ROWS = """
model rows {
  input a: f32[4]
  input b: f32[4]
  input c: f32[4]
  input s: f32[4, 8]
  output sqrt(b) * a * sqrt(b), a * c + a * b, reduce_sum(s * 0.5, -1), reciprocal(reciprocal(a))
}
"""


@pytest.mark.parametrize("fp_model", ["fast", "aggressive", "strict"])
def test_strict_keeps_what_fast_changes(fp_model: str) -> None:
    """√b·a·√b for b < 0 and 1/(1/a) for a subnormal: fast changes them, strict does not; a·c + a·b near the float
    range: only aggressive factors it (and overflows), fast never introduces an overflow."""
    inputs = [
        np.array([1.0, 2.0, 1e-3, 1e-45], dtype=np.float32),
        np.array([-4.0, 1.0, 3e38, 1.0], dtype=np.float32),
        np.array([1.0, 1.0, 3e38, 1.0], dtype=np.float32),
        np.full((4, 8), 1.0, dtype=np.float32),
    ]
    module, original = parse_dlm(TABLE4_ROWS, "rows.dlm"), parse_dlm(TABLE4_ROWS, "rows.dlm")
    with np.errstate(all="ignore"):
        expected = run_graph(original, inputs)
        compile_strict(module, fp_model)
        actual = execute(module, inputs, load_target()).outputs
    if fp_model == "strict":
        assert_same(actual, expected, "strict")
    else:
        assert not np.isnan(actual[0][0]) and np.isnan(expected[0][0])  # √(−4)·1·√(−4) = NaN; fast: −4
        if fp_model == "aggressive":
            assert np.isinf(actual[1][2]) and np.isfinite(expected[1][2])  # 1e-3·(3e38 + 3e38) overflows
        else:
            np.testing.assert_array_equal(actual[1], expected[1])  # a·c + a·b stays as written
        assert actual[3][3] == np.float32(1e-45) and expected[3][3] == 0  # 1/(1/1e-45) = 1/inf = 0
        np.testing.assert_array_equal(actual[2], expected[2])  # the same sum (under fast the 0.5 stays inside it)
