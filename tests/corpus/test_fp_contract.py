"""The `fast` floating-point contract, literally (issue 14, item 7): no overflow the model does not have.

`--fp-model=fast` "never introduces an overflow for inputs whose intermediates
stay finite in the original". Checked two ways:
- the known counterexamples of DNNFusion's rules (each one a model whose every
  intermediate is finite on the given inputs): under fast the plan's outputs are
  finite and close to the model's; under aggressive (the full Table 4, opt-in)
  they overflow, which is why aggressive is not the default;
- a property test: random graphs of products, sums and the rules' unary ops
  (`algebra_graph`) on inputs of random magnitudes about 1e-20, 1e-10, 1, 1e10 and 1e20, kept when
  every intermediate of the model is finite: the rewritten graph's outputs are
  finite and within tolerance.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType, f32
from xdsl.ir import Block, Region, SSAValue
from xdsl.parser import Parser
from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination

from dlfc.compiler.cli import main
from dlfc.compiler.context import make_context
from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.pass_manager import run_pipeline
from dlfc.compiler.transforms.graph_algebraic_simplify import GraphAlgebraicSimplifyPass
from dlfc.compiler.transforms.graph_fold_batchnorm import GraphFoldBatchNormPass
from dlfc.dialects import graph
from dlfc.hw.reference import run_graph
from dlfc.hw.weights import WeightStore, attach_store

# (case, model, inputs): every intermediate of the model is finite on these inputs.
COUNTEREXAMPLES = [
    ("repeated-factor x*y*x", "output x * y * x", {"x": [1e20, 2.0], "y": [1e-20, 3.0]}),
    ("reassociated a*s*a*s", "output a * s * a * s", {"a": [3e30, 2.0], "s": [1e-30, 3.0]}),
    (
        "sqrt-pair (a*sqrt(b))*(sqrt(b)*c)",
        "output (a * sqrt(b)) * (sqrt(b) * c)",
        {"a": [1e20, 2.0], "b": [1e-30, 4.0], "c": [1e20, 3.0]},
    ),
    (
        "abs-pair abs(a)*b*abs(c)",
        "output abs(a) * b * abs(c)",
        {"a": [1e20, -2.0], "b": [1e-30, 3.0], "c": [-1e20, 4.0]},
    ),
    ("reciprocal-shared-factor", "output reciprocal(a) * reciprocal(a * b)", {"a": [1e-25, 2.0], "b": [1e25, 3.0]}),
    ("factor a*c + a*b", "output a * c + a * b", {"a": [1e-10, 2.0], "b": [3e38, 3.0], "c": [3e38, 4.0]}),
    ("reassociate-product (x*s)*t", "output x * s * t", {"x": [1e-20, -2e-20, 3e-21, 0.0], "s": [1e20], "t": [1e20]}),
    ("scale out of a sum", "output reduce_sum(x * 1e-10, -1)", {"x": [3e38, 3e38, 1.0, 2.0]}),
]


def model_text(body: str, inputs: dict[str, list[float]]) -> str:
    declared = "\n".join(f"  input {name}: f32[{len(values)}]" for name, values in inputs.items())
    return f"model m {{\n{declared}\n  {body}\n}}\n"


def all_values(module: ModuleOp) -> ModuleOp:
    """`module` returning every value its function computes (to check that each is finite)."""
    (function,) = [op for op in module.ops if isinstance(op, func.FuncOp)]
    block = function.body.block
    values = [r for op in block.ops if isinstance(op, graph.GraphOp | graph.ConstantOp) for r in op.results]
    terminator = block.last_op
    assert isinstance(terminator, func.ReturnOp)
    terminator.detach()
    terminator.erase()
    block.add_op(func.ReturnOp(*values))
    function.function_type = FunctionType.from_lists(function.function_type.inputs.data, [v.type for v in values])
    return module


def run_plan(capsys: pytest.CaptureFixture[str], folder: Path, text: str, inputs: dict, fp_model: str) -> np.ndarray:
    (folder / "m.dlm").write_text(text)
    np.savez(folder / "in.npz", **{k: np.array(v, np.float32) for k, v in inputs.items()})
    out = folder / f"{fp_model}.npz"
    capsys.readouterr()
    code = main(
        [
            "run",
            str(folder / "m.dlm"),
            "--inputs",
            str(folder / "in.npz"),
            "--outputs",
            str(out),
            "--fp-model",
            fp_model,
        ]
    )
    assert code == 0, capsys.readouterr().err
    with np.load(out) as arrays:
        return arrays["output0"]


@pytest.mark.parametrize(("case", "body", "inputs"), COUNTEREXAMPLES, ids=[c[0] for c in COUNTEREXAMPLES])
def test_fast_never_overflows_where_the_model_does_not(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, body: str, inputs: dict[str, list[float]]
) -> None:
    text = model_text(body, inputs)
    arrays = [np.array(v, np.float32) for v in inputs.values()]
    with np.errstate(all="ignore"):
        intermediates = run_graph(all_values(parse_dlm(text, "m.dlm")), arrays)
        (expected,) = run_graph(parse_dlm(text, "m.dlm"), arrays)
    assert all(np.isfinite(v).all() for v in intermediates), case  # the premise: the model stays finite
    fast = run_plan(capsys, tmp_path, text, inputs, "fast")
    assert np.isfinite(fast).all(), (case, fast)
    np.testing.assert_allclose(fast, expected, rtol=1e-5, err_msg=case)
    aggressive = run_plan(capsys, tmp_path, text, inputs, "aggressive")
    assert not np.isfinite(aggressive).all(), (case, aggressive)  # why aggressive is opt-in


FINITE_INPUT = st.builds(
    lambda sign, exponent, mantissa: sign * mantissa * 10.0**exponent,
    st.sampled_from([-1.0, 1.0]),
    st.sampled_from([-20, -10, 0, 10, 20]),  # products of these cancel or overflow, sums of them absorb
    st.floats(1.0, 9.9),
)
SHAPES = [(2, 4), (2, 1), (1, 4)]
UNARY = [graph.SqrtOp, graph.AbsOp, graph.ExpOp, graph.ReciprocalOp, graph.NegOp, graph.SquareOp]
BINARY = [graph.MulOp, graph.MulOp, graph.MulOp, graph.AddOp, graph.SubOp]
SCALES = [2.0, 0.5, 1e-10, 1e10, -3.0]


def algebra_graph(steps: list[tuple[int, int, int]]) -> ModuleOp:
    """Four inputs, then one op per step (kind, operand, operand: indices into the values so far); returns the last two.

    Mostly products (the rules regroup them), sums of products (factoring), the
    unary ops the pair rules merge, scales by constants and sums over an axis.
    """
    block = Block(arg_types=[TensorType(f32, SHAPES[i % len(SHAPES)]) for i in range(4)])
    values: list[SSAValue] = list(block.args)
    for kind, i, j in steps:
        x, y = values[i % len(values)], values[j % len(values)]
        ops: list[graph.GraphOp | graph.ConstantOp]
        if kind < 6:
            ops = [UNARY[kind](x)]
        elif kind < 11:
            try:
                ops = [BINARY[kind - 6](x, y)]
            except graph.ShapeError:
                continue
        elif kind < 16:
            scale = graph.ConstantOp(SCALES[kind - 11], f32)
            ops = [scale, graph.MulOp(x, scale.results[0])]
        else:
            ops = [graph.ReduceSumOp(x, [len(graph.shape_of(x.type)) - 1], True)]
        for op in ops:
            block.add_op(op)
        values.append(ops[-1].results[0])
    results = values[4:][-2:] or [block.args[0]]
    block.add_op(func.ReturnOp(*results))
    signature = FunctionType.from_lists(block.arg_types, [r.type for r in results])
    return ModuleOp([func.FuncOp("main", signature, Region(block))])


STEPS = st.lists(st.tuples(st.integers(0, 16), st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(steps=STEPS, data=st.data())
def test_fast_keeps_finite_graphs_finite(steps: list[tuple[int, int, int]], data: st.DataObject) -> None:
    """Random graphs and inputs of random magnitudes whose every intermediate is finite: fast's outputs are too."""
    inputs = [
        np.array(data.draw(st.lists(FINITE_INPUT, min_size=math.prod(s), max_size=math.prod(s))), np.float32).reshape(s)
        for s in (SHAPES[i % len(SHAPES)] for i in range(4))
    ]
    module = algebra_graph(steps)
    with np.errstate(all="ignore"):
        intermediates = run_graph(all_values(algebra_graph(steps)), inputs)
        assume(all(np.isfinite(v).all() for v in intermediates))
        expected = run_graph(algebra_graph(steps), inputs)
        run_pipeline(make_context(), module, [CommonSubexpressionElimination(), GraphAlgebraicSimplifyPass()])
        actual = run_graph(module, inputs)
    largest = max(float(np.abs(v).max(initial=0.0)) for v in intermediates)
    for e, a in zip(expected, actual, strict=True):
        assert np.isfinite(a).all(), (steps, inputs, e, a)
        # Regrouping changes rounding by a few eps of the largest magnitude involved.
        np.testing.assert_allclose(a, e, rtol=1e-3, atol=1e-5 * largest, err_msg=str(steps))


def test_a_run_counts_non_finite_values_instead_of_printing_numpy_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """exp(100·x) overflows and √x of a negative x is NaN, in one kernel: one warning line, no RuntimeWarning, exit 0."""
    (tmp_path / "m.dlm").write_text("model m {\n  input x: f32[4, 8]\n  output exp(x * 100.0), sqrt(x), x + 1.0\n}\n")
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as issued:
        warnings.simplefilter("always")
        assert main(["run", str(tmp_path / "m.dlm")]) == 0
    assert not issued, [str(w.message) for w in issued]
    err = capsys.readouterr().err
    assert err == (
        "dlfc: warning: 1 kernel produced non-finite values (invalid operation in 1, overflow in 1); "
        "the first is k0_mul+exp+sqrt+... (m.dlm:3); output0, output1 hold NaN or inf\n"
    )


def test_the_non_finite_count_is_of_kernels_and_names_the_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Many numpy operations of a kernel count once; the first kernel is named with its source lines."""
    model = "model m {\n  input x: f32[4, 8]\n  a = exp(x * 100.0)\n  b = softmax(a)\n  output b, sqrt(x)\n}\n"
    (tmp_path / "m.dlm").write_text(model)
    capsys.readouterr()
    assert main(["run", str(tmp_path / "m.dlm"), "--report", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert err == (
        "dlfc: warning: 2 kernels produced non-finite values (invalid operation in 2, overflow in 1); "
        "the first is k0_mul+exp+sqrt (m.dlm:3,5); output0, output1 hold NaN or inf\n"
    )
    kernels = [k["name"] for k in json.loads((tmp_path / "r.json").read_text())["kernels"]]
    assert kernels[0] == "k0_mul+exp+sqrt" and len(kernels) == 2


def test_finite_runs_and_finite_outputs_are_told_apart(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """No warning without non-finite values; an overflow that the kernel turns finite again (1/(1 + inf) = 0):
    the warning says every output is finite."""
    (tmp_path / "a.dlm").write_text("model m {\n  input x: f32[4, 8]\n  output relu(x) + 1.0\n}\n")
    (tmp_path / "c.dlm").write_text("model m {\n  input x: f32[4, 8]\n  output 1.0 / (1.0 + exp(x * 100.0))\n}\n")
    capsys.readouterr()
    assert main(["run", str(tmp_path / "a.dlm")]) == 0
    assert capsys.readouterr().err == ""
    assert main(["run", str(tmp_path / "c.dlm")]) == 0
    assert capsys.readouterr().err == (
        "dlfc: warning: 1 kernel produced non-finite values (overflow in 1); "
        "the first is k0_mul+exp+add+... (c.dlm:3); every output is finite\n"
    )


def weight_decl(name: str, shape: tuple[int, ...]) -> str:
    return f'%{name} = graph.weight "{name}" {{init = "stored"}} : {tensor(shape)}'


def tensor(shape: tuple[int, ...]) -> str:
    return f"tensor<{'x'.join(map(str, shape))}xf32>"


def conv_batchnorm(x: tuple[int, ...], w: tuple[int, ...], bias: bool = False) -> str:
    """A 1x1 conv2d (bias b if `bias`) then a batch norm: weights w, bn_scale, bn_bias, bn_mean, bn_var (eps 0)."""
    y = (x[0], w[0], *x[2:])
    c = (w[0],)
    stats = [weight_decl(f"bn_{p}", c) for p in ("scale", "bias", "mean", "var")]
    decls = "\n  ".join([weight_decl("w", w), *([weight_decl("b", c)] if bias else []), *stats])
    operands, types = (
        ("%x, %w, %b", f"{tensor(x)}, {tensor(w)}, {tensor(c)}") if bias else ("%x, %w", f"{tensor(x)}, {tensor(w)}")
    )
    return f"""func.func @main(%x: {tensor(x)}) -> {tensor(y)} {{
  {decls}
  %c = graph.conv2d {operands} : ({types}) -> {tensor(y)}
  %y = graph.batchnorm %c, %bn_scale, %bn_bias, %bn_mean, %bn_var {{eps = 0.0 : f64}} : ({tensor(y)}, {", ".join([tensor(c)] * 4)}) -> {tensor(y)}
  func.return %y : {tensor(y)}
}}"""


def dense_scaled_matmul(x: tuple[int, ...], features: int) -> str:
    """(dense(x) @ xᵀ)·1e10, the dense without bias: attention's scale, but above 1."""
    n, k = x
    q, s = (n, features), (n, n)
    return f"""func.func @main(%x: {tensor(x)}, %k: {tensor((features, n))}) -> {tensor(s)} {{
  {weight_decl("w", (features, k))}
  %q = graph.dense %x, %w : ({tensor(x)}, {tensor((features, k))}) -> {tensor(q)}
  %s = graph.matmul %q, %k : ({tensor(q)}, {tensor((features, n))}) -> {tensor(s)}
  %f = graph.constant 1.0e+10 : tensor<f32>
  %y = graph.mul %s, %f : ({tensor(s)}, tensor<f32>) -> {tensor(s)}
  func.return %y : {tensor(s)}
}}"""


def bn(scale: list[float], bias: list[float], mean: list[float], var: list[float]) -> dict[str, list[float]]:
    return {"bn_scale": scale, "bn_bias": bias, "bn_mean": mean, "bn_var": var}


# (case, graph, inputs, weights): folding the scale into the weights overflows where the model does not.
FOLD_COUNTEREXAMPLES = [
    (
        # partial sums 1e30 - 1e30 = 0, scaled by 1e10 afterwards in the model, before the sum when folded
        "conv-batchnorm partial sums",
        conv_batchnorm((1, 2, 1, 2), (2, 2, 1, 1)),
        {"x": [1e30, 1.0, -1e30, 2.0]},
        {"w": [1.0, 1.0, 1.0, -1.0], **bn([1e10, 2.0], [1.0, 0.0], [0.0, 0.5], [1.0, 4.0])},
    ),
    (
        # w·scale = 1e30·1e10 overflows in the folded weight; the model's x·w = 0·1e30 is finite
        "conv-batchnorm folded weight",
        conv_batchnorm((1, 1, 1, 2), (2, 1, 1, 1)),
        {"x": [0.0, 1e-20]},
        {"w": [1e30, 1.0], **bn([1e10, 3.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0])},
    ),
    (
        # the folded bias b·s + t = 3e38 + 3e38 overflows; the model's (x·w + b)·s + t does not
        "conv-batchnorm folded bias",
        conv_batchnorm((1, 1, 1, 2), (1, 1, 1, 1), bias=True),
        {"x": [-3e38, -2.9e38]},
        {"w": [1.0], "b": [3e38], **bn([1.0], [3e38], [0.0], [1.0])},
    ),
    (
        # dense's partial sums cancel before the matmul; folded, the 1e10 scales every one of them
        "scale through dense and matmul",
        dense_scaled_matmul((2, 2), 2),
        {"x": [1e30, -1e30, 1.0, 2.0], "k": [1.0, 2.0, 3.0, 4.0]},
        {"w": [1.0, 1.0, 2.0, 2.0]},
    ),
]


def run_mlir_plan(
    capsys: pytest.CaptureFixture[str], folder: Path, inputs: dict, weights: dict, fp_model: str
) -> np.ndarray:
    np.savez(folder / "in.npz", **{k: np.array(v, np.float32) for k, v in inputs.items()})
    np.savez(folder / "w.npz", **{k: np.array(v, np.float32) for k, v in weights.items()})
    out = folder / f"{fp_model}.npz"
    capsys.readouterr()
    argv = ["run", str(folder / "m.mlir"), "--weights", str(folder / "w.npz"), "--inputs", str(folder / "in.npz")]
    code = main([*argv, "--outputs", str(out), "--fp-model", fp_model])
    assert code == 0, capsys.readouterr().err
    with np.load(out) as arrays:
        return arrays["output0"]


@pytest.mark.parametrize(
    ("case", "text", "inputs", "weights"), FOLD_COUNTEREXAMPLES, ids=[c[0] for c in FOLD_COUNTEREXAMPLES]
)
def test_fast_folds_batchnorm_and_scales_without_overflow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, text: str, inputs: dict, weights: dict
) -> None:
    """graph-fold-batchnorm under fast: finite and close to the model; under aggressive (the full fold): not finite."""
    module = Parser(make_context(), text).parse_module()
    shaped = {
        arg.name_hint: np.array(inputs[arg.name_hint], np.float32).reshape(graph.shape_of(arg.type))
        for arg in module.body.block.first_op.args  # type: ignore[union-attr]
    }
    (function,) = module.body.block.ops
    shapes = {op.weight_id: graph.shape_of(op.output.type) for op in function.walk() if isinstance(op, graph.WeightOp)}
    weights = {k: np.array(v, np.float32).reshape(shapes[k]) for k, v in weights.items()}
    (tmp_path / "m.mlir").write_text(text)
    with np.errstate(all="ignore"):
        values = all_values(Parser(make_context(), text).parse_module())
        attach_store(values, WeightStore(weights))
        intermediates = run_graph(values, list(shaped.values()))
        model = Parser(make_context(), text).parse_module()
        attach_store(model, WeightStore(weights))
        (expected,) = run_graph(model, list(shaped.values()))
    assert all(np.isfinite(v).all() for v in intermediates), case  # the premise: the model stays finite
    fast = run_mlir_plan(capsys, tmp_path, shaped, weights, "fast")
    assert np.isfinite(fast).all(), (case, fast)
    np.testing.assert_allclose(fast, expected, rtol=1e-5, err_msg=case)
    aggressive = run_mlir_plan(capsys, tmp_path, shaped, weights, "aggressive")
    assert not np.isfinite(aggressive).all(), (case, aggressive)  # the full fold overflows


def test_fast_batchnorm_folding_may_cancel_differently_from_the_model() -> None:
    """docs/contracts.md's example: a conv sum 2e20 plus a bias −1e30, then mean −1e30 and f = −1e5. The model's
    float32 conv rounds 2e20 − 1e30 to −1e30 and computes 0; the folded plan computes the exact −2e25."""
    weights = {
        "w": np.array([0.0, -2e20, 0, 0, 0, 0], np.float32).reshape(3, 2, 1, 1),
        "b": np.array([-1e30, 0, 0], np.float32),
        "bn_scale": np.array([-1e10, 1, 1], np.float32),
        "bn_bias": np.zeros(3, np.float32),
        "bn_mean": np.array([-1e30, 0, 0], np.float32),
        "bn_var": np.array([1e10, 1, 1], np.float32),
    }
    x = np.array([0.0, -1.0], np.float32).reshape(1, 2, 1, 1)
    text = conv_batchnorm((1, 2, 1, 1), (3, 2, 1, 1), bias=True)
    model = Parser(make_context(), text).parse_module()
    attach_store(model, WeightStore(weights))
    (expected,) = run_graph(model, [x])
    run_pipeline(make_context(), model, [GraphFoldBatchNormPass()])
    (actual,) = run_graph(model, [x])
    assert expected[0, 0, 0, 0] == 0.0
    assert actual[0, 0, 0, 0] == pytest.approx(-2e25, rel=1e-6)


MAGNITUDE = st.builds(
    lambda sign, exponent, mantissa: sign * mantissa * 10.0**exponent,
    st.sampled_from([-1.0, 1.0]),
    st.sampled_from([-30, -20, -10, 0, 10, 20, 30]),
    st.floats(1.0, 9.9),
)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data(), bias=st.booleans())
def test_fast_batchnorm_folding_keeps_finite_models_finite(data: st.DataObject, bias: bool) -> None:
    """A 1x1 conv of two input channels and a batch norm, every number of random magnitude 1e-30 … 1e30, kept when
    every value of the model is finite: folded under fast, the outputs are finite and within float32 rounding of
    the exact result (computed in float64 by hand). Rounding is measured against the magnitudes the computation
    passes through, (Σ|w·x| + |b| + |mean|)·|scale/√var| + |bias| per output, plus the gradual underflow of folded
    weights: reassociating (conv − mean)·f into conv(x, W·f) + (b − mean)·f may cancel differently, as the model's
    own float32 run does (checked too)."""
    channels = 3
    draw = lambda n: np.array(data.draw(st.lists(MAGNITUDE, min_size=n, max_size=n)), np.float32)  # noqa: E731
    weights = {
        "w": draw(channels * 2).reshape(channels, 2, 1, 1),
        **({"b": draw(channels)} if bias else {}),
        "bn_scale": draw(channels),
        "bn_bias": draw(channels),
        "bn_mean": draw(channels),
        "bn_var": np.abs(draw(channels)),
    }
    x = draw(2 * 2).reshape(1, 2, 1, 2)
    text = conv_batchnorm((1, 2, 1, 2), (channels, 2, 1, 1), bias=bias)

    def module() -> ModuleOp:
        parsed = Parser(make_context(), text).parse_module()
        attach_store(parsed, WeightStore(weights))
        return parsed

    with np.errstate(all="ignore"):
        intermediates = run_graph(all_values(module()), [x])
        assume(all(np.isfinite(v).all() for v in intermediates))
        (model,) = run_graph(module(), [x])
        folded = module()
        run_pipeline(make_context(), folded, [GraphFoldBatchNormPass()])
        (actual,) = run_graph(folded, [x])
    assert np.isfinite(actual).all(), (weights, x, model, actual)

    w, xs = weights["w"][:, :, 0, 0].astype(np.float64), x[0, :, 0, :].astype(np.float64)  # (c, i), (i, pixel)
    b = weights["b"].astype(np.float64) if bias else np.zeros(channels)
    mean, beta = weights["bn_mean"].astype(np.float64), weights["bn_bias"].astype(np.float64)
    f = weights["bn_scale"].astype(np.float64) / np.sqrt(weights["bn_var"].astype(np.float64))
    exact = ((w @ xs + b[:, None] - mean[:, None]) * f[:, None] + beta[:, None])[None, :, None, :]
    magnitude = (np.abs(w) @ np.abs(xs) + np.abs(b)[:, None] + np.abs(mean)[:, None]) * np.abs(f)[:, None]
    tolerance = 16 * np.finfo(np.float32).eps * (magnitude + np.abs(beta)[:, None])[None, :, None, :]
    # Any of f, W·f, (b − mean)·f or t/f may land among float32's subnormals and lose up to half the smallest
    # subnormal, which the computation then multiplies by what it meets: |x|, |conv − mean| or |f|.
    reach = np.abs(xs).sum(axis=0)[None, :] + np.abs(w) @ np.abs(xs) + (np.abs(b) + np.abs(mean) + np.abs(f))[:, None]
    underflow = np.finfo(np.float32).smallest_subnormal * (reach + 1)
    tolerance += (4 * underflow)[None, :, None, :] + np.finfo(np.float32).smallest_normal
    assert (np.abs(model - exact) <= tolerance).all(), (weights, x, model, exact)  # the bound holds for the model
    assert (np.abs(actual - exact) <= tolerance).all(), (weights, x, actual, exact)
