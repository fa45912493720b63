"""PRelu, Elu, Selu, Softplus, Sign, Shrink, LogSoftmax, InstanceNormalization, ReduceProd, Expand, Tile, Pad's modes.

Each case is a one-node ONNX model in one of the operator's attribute or input
forms, at an opset between 7 and 20; dlfc imports it (converting opsets below 13
first) and its graph reference must match `onnx.reference.ReferenceEvaluator`
on random inputs, and ONNX Runtime where ONNX Runtime runs that opset.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx.reference import ReferenceEvaluator

from dlfc.compiler.frontend.onnx import load_onnx
from dlfc.dialects import graph
from dlfc.hw.reference import run_graph
from dlfc.hw.weights import store_of

from .helpers import Input, assert_matches, feeds_for, onnxruntime_outputs, save, single

X = Input((2, 3, 4))
IMAGE = Input((2, 3, 5, 6), low=-3.0, high=3.0)
VOLUME = Input((1, 2, 3, 4, 5))
RNG = np.random.default_rng(18)


def rand(*shape: int) -> np.ndarray:
    return RNG.uniform(-1, 1, shape).astype(np.float32)


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


Case = Callable[[], tuple[onnx.ModelProto, dict[str, Input]]]

CASES: dict[str, tuple[Case, tuple[str, ...]]] = {
    # name: (model, the graph ops it must import as)
    "PRelu-channel-slope": (lambda: single("PRelu", IMAGE, rand(3, 1, 1)), ("graph.prelu",)),
    "PRelu-scalar-slope": (lambda: single("PRelu", IMAGE, rand(1)), ("graph.prelu",)),
    "PRelu-last-axis-slope": (lambda: single("PRelu", IMAGE, rand(6)), ("graph.prelu",)),
    "PRelu-full-slope": (lambda: single("PRelu", X, rand(2, 3, 4)), ("graph.prelu",)),
    "PRelu-computed-slope": (lambda: single("PRelu", X, Input((3, 1))), ("graph.prelu",)),
    "PRelu-opset7": (lambda: single("PRelu", IMAGE, rand(3, 1, 1), opset=7), ("graph.prelu",)),
    "PRelu-opset9": (lambda: single("PRelu", IMAGE, rand(3, 1, 1), opset=9), ("graph.prelu",)),
    "PRelu-opset16": (lambda: single("PRelu", IMAGE, rand(1, 3, 1, 1), opset=16), ("graph.prelu",)),
    "Elu": (lambda: single("Elu", IMAGE), ("graph.elu",)),
    "Elu-alpha": (lambda: single("Elu", IMAGE, alpha=0.3), ("graph.elu",)),
    "Elu-opset7": (lambda: single("Elu", IMAGE, opset=7, alpha=2.0), ("graph.elu",)),
    "Selu": (lambda: single("Selu", IMAGE), ("graph.selu",)),
    "Selu-alpha-gamma": (lambda: single("Selu", IMAGE, alpha=1.5, gamma=2.5), ("graph.selu",)),
    "Selu-opset7": (lambda: single("Selu", IMAGE, opset=7), ("graph.selu",)),
    "Softplus": (lambda: single("Softplus", Input((2, 3, 4), low=-30.0, high=30.0)), ("graph.softplus",)),
    "Softplus-opset7": (lambda: single("Softplus", X, opset=7), ("graph.softplus",)),
    "Sign": (lambda: single("Sign", IMAGE), ("graph.sign",)),
    "Sign-int64": (lambda: single("Sign", Input((2, 5), dtype=np.int64, low=-3, high=3)), ("graph.sign",)),
    "Sign-opset9": (lambda: single("Sign", IMAGE, opset=9), ("graph.sign",)),
    "Shrink": (lambda: single("Shrink", X), ("graph.shrink",)),
    "Shrink-bias-lambd": (lambda: single("Shrink", IMAGE, bias=0.25, lambd=1.0), ("graph.shrink",)),
    "Shrink-opset9": (lambda: single("Shrink", IMAGE, opset=9, lambd=0.75), ("graph.shrink",)),
    "LogSoftmax": (lambda: single("LogSoftmax", X), ("graph.log_softmax",)),
    "LogSoftmax-axis": (lambda: single("LogSoftmax", X, axis=1), ("graph.log_softmax",)),
    "LogSoftmax-negative-axis": (lambda: single("LogSoftmax", IMAGE, axis=-3), ("graph.log_softmax",)),
    # before opset 13 the axis flattens the input to 2-D: axis=1 normalises over all of [3, 4]
    "LogSoftmax-opset11-flattening-axis": (
        lambda: single("LogSoftmax", X, opset=11, axis=1),
        ("graph.flatten", "graph.log_softmax", "graph.reshape"),
    ),
    "LogSoftmax-opset7-default-axis": (
        lambda: single("LogSoftmax", X, opset=7),
        ("graph.flatten", "graph.log_softmax", "graph.reshape"),
    ),
    "LogSoftmax-opset11-last-axis": (lambda: single("LogSoftmax", X, opset=11, axis=2), ("graph.log_softmax",)),
    "InstanceNormalization": (
        lambda: single("InstanceNormalization", IMAGE, rand(3), rand(3)),
        ("graph.instance_norm",),
    ),
    "InstanceNormalization-epsilon-1d": (
        lambda: single("InstanceNormalization", Input((2, 4, 7)), rand(4), rand(4), epsilon=0.1),
        ("graph.instance_norm",),
    ),
    "InstanceNormalization-3d-opset7": (
        lambda: single("InstanceNormalization", VOLUME, rand(2), rand(2), opset=7),
        ("graph.instance_norm",),
    ),
    "ReduceProd": (lambda: single("ReduceProd", Input((2, 3, 4), low=0.5, high=1.5), axes=[1]), ("graph.reduce_prod",)),
    "ReduceProd-opset18": (
        lambda: single("ReduceProd", Input((2, 3, 4), low=0.5, high=1.5), ints(0, 2), opset=18, keepdims=0),
        ("graph.reduce_prod",),
    ),
    "Expand-leading-axes": (lambda: single("Expand", Input((3, 1)), ints(2, 3, 4)), ("graph.expand",)),
    "Expand-bidirectional": (lambda: single("Expand", Input((3, 1)), ints(1, 5)), ("graph.expand",)),
    "Expand-short-shape": (lambda: single("Expand", X, ints(1)), ()),
    "Expand-opset8": (lambda: single("Expand", Input((1, 3, 1)), ints(2, 1, 6), opset=8), ("graph.expand",)),
    "Tile": (lambda: single("Tile", X, ints(2, 1, 3)), ("graph.tile",)),
    "Tile-ones": (lambda: single("Tile", X, ints(1, 1, 1)), ()),
    "Tile-opset6": (lambda: single("Tile", IMAGE, ints(1, 2, 1, 1), opset=7), ("graph.tile",)),
    "Pad-reflect": (lambda: single("Pad", IMAGE, ints(0, 0, 2, 1, 0, 0, 1, 3), mode="reflect"), ("graph.pad",)),
    "Pad-edge": (lambda: single("Pad", IMAGE, ints(0, 1, 2, 0, 0, 0, 1, 7), mode="edge"), ("graph.pad",)),
    "Pad-wrap-opset19": (
        lambda: single("Pad", IMAGE, ints(0, 0, 5, 1, 0, 0, 2, 6), mode="wrap", opset=19),
        ("graph.pad",),
    ),
    "Pad-reflect-axes-opset18": (
        lambda: single("Pad", IMAGE, ints(1, 2, 3, 0), None, ints(2, -1), mode="reflect", opset=18),
        ("graph.pad",),
    ),
    "Pad-edge-attribute-opset7": (
        lambda: single("Pad", IMAGE, opset=7, mode="edge", pads=[0, 0, 1, 1, 0, 0, 2, 2]),
        ("graph.pad",),
    ),
    "Pad-constant-attribute-opset7": (
        lambda: single("Pad", IMAGE, opset=7, pads=[0, 0, 1, 1, 0, 0, 2, 2], value=1.5),
        ("graph.pad",),
    ),
    "Pad-reflect-opset11": (lambda: single("Pad", X, ints(0, 1, 2, 0, 1, 3), mode="reflect", opset=11), ("graph.pad",)),
}


EVALUATOR_OPSET_13_ONLY = ("LogSoftmax-opset11-flattening-axis", "LogSoftmax-opset7-default-axis")
"""Cases ONNX's reference evaluator computes with opset 13 semantics (its LogSoftmax ignores the opset):
checked against ONNX Runtime only (`test_matches_onnxruntime`)."""


def reference_outputs(m: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    return list(ReferenceEvaluator(m).run(None, feeds))


def test_the_reference_evaluator_ignores_old_log_softmax_semantics() -> None:
    """Why EVALUATOR_OPSET_13_ONLY exists: if ONNX fixes its evaluator, move those cases back."""
    for name in EVALUATOR_OPSET_13_ONLY:
        m, inputs = CASES[name][0]()
        feeds = feeds_for(m, inputs)
        assert not np.allclose(reference_outputs(m, feeds)[0], onnxruntime_outputs(m, feeds)[0], rtol=1e-3)


@pytest.mark.parametrize(
    "case",
    [c for n, c in CASES.items() if n not in EVALUATOR_OPSET_13_ONLY],
    ids=[n for n in CASES if n not in EVALUATOR_OPSET_13_ONLY],
)
def test_matches_reference_evaluator(case: tuple[Case, tuple[str, ...]], tmp_path) -> None:
    build, expected = case
    m, inputs = build()
    module = load_onnx(save(m, tmp_path / "model.onnx"))
    for seed in range(3):
        feeds = feeds_for(m, inputs, seed=seed)
        actual = run_graph(module, list(feeds.values()), store_of(module))
        assert_matches(actual, reference_outputs(m, feeds))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_matches_onnxruntime(case: tuple[Case, tuple[str, ...]], tmp_path) -> None:
    build, expected = case
    m, inputs = build()
    module = load_onnx(save(m, tmp_path / "model.onnx"))
    names = [op.name for op in module.walk() if op.name.startswith("graph.") and op.name != "graph.weight"]
    assert tuple(names) == expected
    feeds = feeds_for(m, inputs)
    assert_matches(run_graph(module, list(feeds.values()), store_of(module)), onnxruntime_outputs(m, feeds))


def test_prelu_constant_slope_is_a_weight_of_the_input_type(tmp_path) -> None:
    m, _ = single("PRelu", Input((2, 3), dtype=np.float64), np.array([0.5, 0.25, 2.0], np.float32))
    module = load_onnx(save(m, tmp_path / "model.onnx"))
    (weight,) = [op for op in module.walk() if isinstance(op, graph.WeightOp)]
    assert weight.weight_id == "c1.float64"
    assert store_of(module).arrays["c1.float64"].dtype == np.float64


def test_old_log_softmax_axis_flattens(tmp_path) -> None:
    """Opset 11's axis=1 on [2, 3, 4] normalises each row of the [2, 12] flattening (not axis 1 alone)."""
    m, inputs = single("LogSoftmax", X, opset=11, axis=1)
    module = load_onnx(save(m, tmp_path / "model.onnx"))
    feeds = feeds_for(m, inputs)
    (y,) = run_graph(module, list(feeds.values()), store_of(module))
    np.testing.assert_allclose(np.exp(y).reshape(2, 12).sum(axis=1), [1.0, 1.0], rtol=1e-5)


def test_prelu_before_opset_7_runs_a_1d_slope_along_the_channels(tmp_path) -> None:
    """PRelu-6: a slope [C] scales channel c of [N, C, ...] (here [2, 3, 3], so not the trailing axis).

    Neither the reference evaluator nor ONNX Runtime runs PRelu-6: the expected values are computed here.
    """
    slope = np.array([0.5, -2.0, 0.25], np.float32)
    m, inputs = single("PRelu", Input((2, 3, 3)), slope, opset=6)
    module = load_onnx(save(m, tmp_path / "model.onnx"))
    (x,) = feeds_for(m, inputs).values()
    (y,) = run_graph(module, [x], store_of(module))
    np.testing.assert_array_equal(y, np.where(x >= 0, x, x * slope.reshape(3, 1)))
