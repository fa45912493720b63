"""A corpus of hostile inputs for three classes of promise: no hangs, no invalid input accepted, no numbers that change.

Each case runs `dlfc` (or `dlfc run`, `dlfc-opt`) in-process on hand-made files
and checks the exit status and the exact form of the message. Time is bounded
by counting steps where the work has a counter (`algebraic_rules.Work`, in
tests/transforms/test_rewrite_bounds.py); here every case also runs under a
CPU-time guard (fuzz.harness.time_limit), so a hang fails instead of blocking.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from fuzz.harness import time_limit
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType, f32
from xdsl.ir import Block, Region

from dlfc.compiler.cli import main
from dlfc.compiler.frontend import parse_dlm
from dlfc.compiler.opt import main as opt_main
from dlfc.dialects import accel, graph
from dlfc.hw.reference import run_graph
from dlfc.hw.target import PRESET_DIR

GUARD_SECONDS = 30.0
"""CPU seconds a case may take before it counts as a hang (each takes well under 2 s)."""


def dlfc(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """Run `dlfc ARGS` in-process under the guard: (exit status, stderr); stdout is dropped."""
    capsys.readouterr()
    with time_limit(GUARD_SECONDS):
        code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def one_line(err: str) -> str:
    lines = err.rstrip("\n").split("\n")
    assert "Traceback" not in err, err
    return lines[0]


def mlir(body: str, args: str = "%x: tensor<2xf32>", results: str = "tensor<2xf32>") -> str:
    return f"func.func @main({args}) -> {results} {{\n{body}\n}}\n"


RELU_RETURN = "  %y = graph.relu %x : tensor<2xf32>\n  func.return %y : tensor<2xf32>"

# --------------------------------------------------------------------------- invalid input accepted

# (case, file name, content, extra arguments, the exact first line of stderr ({f} is the file's path))
INVALID: list[tuple[str, str, str, tuple[str, ...], str]] = [
    (
        "half-on-i32",
        "m.dlm",
        "model m {\n  input x: i32[4]\n  output x * 0.5\n}\n",
        (),
        "{f}:3:12: error: mul: 0.5 is not a value of the tensor's element type i32",
    ),
    (
        "f32-literal-overflows",
        "m.dlm",
        "model m {\n  input x: f32[4]\n  output x + 1e39\n}\n",
        (),
        "{f}:3:12: error: add: 1e+39 is not a value of the tensor's element type f32",
    ),
    (
        "5000-digit-number",
        "m.dlm",
        "model m {\n  input x: f32[4]\n  output x * " + "9" * 5000 + "\n}\n",
        (),
        "{f}:3:14: error: number 99999999999999999999… (5000 characters) is out of range "
        "(integers up to 2^63 − 1, floats up to 1.8e308)",
    ),
    (
        "pad-beyond-int64",
        "m.dlm",
        "model m {\n  input x: f32[1, 1, 4, 4]\n  output pad(x, [0, 0, 0, 9223372036854775807, 0, 0, 0, 1])\n}\n",
        (),
        "{f}:3:10: error: shape [1, 1, 4, 9223372036854775812] has more than 2^63 elements",
    ),
    (
        "dynamic-dimension",
        "m.mlir",
        mlir(
            "  %y = graph.relu %x : tensor<?x2xf32>\n  func.return %y : tensor<?x2xf32>",
            "%x: tensor<?x2xf32>",
            "tensor<?x2xf32>",
        ),
        (),
        "dlfc: error: {f}: invalid IR: graph.relu: tensor<?x2xf32> has a dynamic dimension: "
        "dlfc computes static shapes only (give a size, e.g. --input-shape)",
    ),
    (
        "i1-tensor",
        "m.mlir",
        mlir("  %y = graph.neg %x : tensor<2xi1>\n  func.return %y : tensor<2xi1>", "%x: tensor<2xi1>", "tensor<2xi1>"),
        (),
        "dlfc: error: {f}: invalid IR: graph.neg: tensor<2xi1>: element type i1 is not supported (integers: i8, i16, i32, i64)",
    ),
    (
        "constant-half-in-i32",
        "m.mlir",
        mlir(
            "  %c = graph.constant 0.5 : tensor<i32>\n"
            "  %y = graph.mul %x, %c : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>\n"
            "  func.return %y : tensor<2xi32>",
            "%x: tensor<2xi32>",
            "tensor<2xi32>",
        ),
        (),
        "dlfc: error: {f}: invalid IR: graph.constant: 0.5 is not a value of i32",
    ),
    (
        "one-weight-name-two-types",
        "m.mlir",
        mlir(
            '  %w = graph.weight "w" {init = "zeros"} : tensor<2xf32>\n'
            '  %v = graph.weight "w" {init = "zeros"} : tensor<3xf32>\n'
            "  %y = graph.add %x, %w : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n"
            "  func.return %y : tensor<2xf32>"
        ),
        (),
        'dlfc: error: {f}: invalid IR: graph.weight "w" has types tensor<2xf32> and tensor<3xf32>: one name, one array',
    ),
    (
        "two-functions",
        "m.mlir",
        mlir(RELU_RETURN) + mlir(RELU_RETURN).replace("@main", "@other"),
        (),
        "dlfc: error: {f}: invalid IR: a dlfc module has exactly one func.func (its entry function), this one has 2",
    ),
    (
        "scalar-argument",
        "m.mlir",
        "func.func @main(%x: f32) -> f32 {\n  func.return %x : f32\n}\n",
        (),
        "dlfc: error: {f}: invalid IR: @main: argument 0 is f32, not a tensor: the entry function takes and returns tensors",
    ),
    (
        "func-call",
        "m.mlir",
        mlir("  %y = func.call @main(%x) : (tensor<2xf32>) -> tensor<2xf32>\n  func.return %y : tensor<2xf32>"),
        (),
        "dlfc: error: {f}: invalid IR: func.call is not an op of a dlfc module (the interpreter runs graph, fusion, accel and schedule ops)",
    ),
    (
        "no-function",
        "m.mlir",
        "builtin.module {\n}\n",
        (),
        "dlfc: error: {f}: invalid IR: a dlfc module has exactly one func.func (its entry function), this one has 0",
    ),
]

# Hardware descriptions: (case, the preset line replaced, its replacement, the message after "{f}: ")
TARGETS: list[tuple[str, str, str, str]] = [
    (
        "dram-nan",
        "dram_gbps = 102.4",
        "dram_gbps = nan",
        "'memory.dram_gbps' must be a positive finite number, got nan",
    ),
    (
        "dram-inf",
        "dram_gbps = 102.4",
        "dram_gbps = inf",
        "'memory.dram_gbps' must be a positive finite number, got inf",
    ),
    (
        "onchip-zero",
        "onchip_kib = 384",
        "onchip_kib = 0",
        "'memory.onchip_kib' must be positive: a kernel's intermediates live on chip",
    ),
    ("cores-huge", "cores = 32", "cores = 1000000000", "'compute.cores' must be from 1 to 4096, got 1000000000"),
    (
        "sync-huge",
        "sync_per_core_cycles = 100",
        "sync_per_core_cycles = 99999999999",
        "'overhead.sync_per_core_cycles' must be an integer from 0 to 2147483647",
    ),
]


@pytest.mark.parametrize(("case", "name", "content", "extra", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_input_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, name: str, content: str, extra: tuple, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    for command in ((), ("run",)):
        code, err = dlfc(
            capsys,
            *command,
            path,
            *extra,
            "-o" if not command else "--seed",
            tmp_path / "plan.mlir" if not command else "1",
        )
        assert code == 1, f"{case}: exit status {code}"
        assert one_line(err) == message.format(f=path), case
        assert not (tmp_path / "plan.mlir").exists()


@pytest.mark.parametrize(("case", "old", "new", "message"), TARGETS, ids=[c[0] for c in TARGETS])
def test_invalid_hardware_description_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, old: str, new: str, message: str
) -> None:
    preset = (PRESET_DIR / "mlu100.toml").read_text()
    assert old in preset
    target = tmp_path / "bad.toml"
    target.write_text(preset.replace(old, new))
    model = tmp_path / "m.dlm"
    model.write_text("model m {\n  input x: f32[4]\n  output relu(x)\n}\n")
    code, err = dlfc(capsys, "run", model, "--hw", target)
    assert code == 1
    assert one_line(err) == f"dlfc: error: --hw: {target}: {message}"


def test_a_kernel_inside_a_kernel_does_not_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A plan with a kernel inside another: the verifier refuses it (it used to run)."""
    t = TensorType(f32, [4])
    inner_body = Block(arg_types=[t])
    inner_body.add_ops([relu := graph.ReluOp(inner_body.args[0]), accel.YieldOp(relu.output)])
    outer_body = Block(arg_types=[t])
    inner = accel.KernelOp("inner", [outer_body.args[0]], [t], Region(inner_body))
    outer_body.add_ops([inner, accel.YieldOp(inner.outputs[0])])
    body = Block(arg_types=[t])
    outer = accel.KernelOp("outer", [body.args[0]], [t], Region(outer_body))
    body.add_ops([outer, func.ReturnOp(outer.outputs[0])])
    module = ModuleOp([func.FuncOp("main", FunctionType.from_lists([t], [t]), Region(body))])
    path = tmp_path / "nested.mlir"
    path.write_text(str(module))
    code, err = dlfc(capsys, "run", path)
    assert code == 1
    assert one_line(err) == (
        f'dlfc: error: {path}: invalid IR: accel.kernel "inner" is nested in accel.kernel "outer": '
        "kernels run at the function level only"
    )


# --------------------------------------------------------------------------- hangs

CYCLE = mlir(
    "  %a = graph.add %x, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n"
    "  %b = graph.relu %a : tensor<2xf32>\n"
    "  func.return %b : tensor<2xf32>"
)
SELF_CYCLE = mlir(
    "  %a = graph.add %x, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n  func.return %a : tensor<2xf32>"
)


def inputs(n: int) -> str:
    return "\n".join(f"  input x{i}: f32[4]" for i in range(n))


# (case, .dlm model) that used to hang or take exponential-looking time; each compiles to a plan.
SLOW_BEFORE: list[tuple[str, str]] = [
    ("product-150", "model m {\n  input x: f32[4]\n  output " + " * ".join(["x"] * 150) + "\n}\n"),
    ("product-300", "model m {\n  input x: f32[4]\n  output " + " * ".join(["x"] * 300) + "\n}\n"),
    ("square-64-times", "model m {\n  input a: f32[4]\n  repeat 64 {\n    a = a * a\n  }\n  output a\n}\n"),
    (
        "multiply-200-times",
        "model m {\n  input a: f32[4]\n  input x: f32[4]\n  repeat 200 {\n    a = a * x\n  }\n  output a\n}\n",
    ),
    ("exp-product-150", f"model m {{\n{inputs(150)}\n  output {' * '.join(f'exp(x{i})' for i in range(150))}\n}}\n"),
    (
        "common-factor-150",
        f"model m {{\n{inputs(150)}\n  output {' + '.join(f'x0 * x{i}' for i in range(1, 150))}\n}}\n",
    ),
    ("sqrt-pairs-100", "model m {\n  input x: f32[4]\n  output " + " * ".join(["sqrt(x)"] * 100) + "\n}\n"),
    (
        "reciprocals-100",
        f"model m {{\n{inputs(100)}\n  output {' * '.join(f'reciprocal(x{i})' for i in range(100))}\n}}\n",
    ),
]


@pytest.mark.parametrize(("case", "model"), SLOW_BEFORE, ids=[c[0] for c in SLOW_BEFORE])
def test_long_products_compile_without_hanging(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, model: str
) -> None:
    path = tmp_path / "m.dlm"
    path.write_text(model)
    code, err = dlfc(capsys, path, "-o", tmp_path / "plan.mlir")
    assert code == 0, err
    assert "accel.kernel" in (tmp_path / "plan.mlir").read_text()


@pytest.mark.parametrize("source", [CYCLE, SELF_CYCLE], ids=["cycle", "self-cycle"])
@pytest.mark.parametrize("command", [(), ("run",), ("--pass-pipeline", "fuse-dnnfusion")], ids=["dlfc", "run", "fuse"])
def test_a_use_def_cycle_is_refused_not_walked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str, command: tuple[str, ...]
) -> None:
    path = tmp_path / "cycle.mlir"
    path.write_text(source)
    run = command[:1] == ("run",)
    code, err = dlfc(capsys, *command[:1], path, *command[1:]) if run else dlfc(capsys, path, *command)
    assert code == 1
    assert re.fullmatch(
        rf"dlfc: error: {re.escape(str(path))}: invalid IR: graph.add: operand 1 is defined after its use "
        r"\(by graph\.(relu|add), a use-def cycle\)",
        one_line(err),
    ), err


def test_dlfc_opt_refuses_a_use_def_cycle(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cycle.mlir"
    path.write_text(CYCLE)
    capsys.readouterr()
    with time_limit(GUARD_SECONDS):
        assert opt_main([str(path), "-p", "fuse-dnnfusion"]) == 1
    assert one_line(capsys.readouterr().err) == (
        "dlfc-opt: error: invalid IR: graph.add: operand 1 is defined after its use (by graph.relu, a use-def cycle)"
    )


# --------------------------------------------------------------------------- numbers that change

# (case, model, inputs, fp-model): the plan's outputs must be the model's (same NaN and inf, finite values close).
NUMERICS: list[tuple[str, str, list[list[float]], str]] = [
    (
        "scale-out-of-sum",
        "model m {\n  input x: f32[4]\n  output reduce_sum(x * 1e-10, -1)\n}\n",
        [[1e30, 2e30, 3e30, 3e30]],
        "fast",
    ),
    (
        "scale-out-of-mean",
        "model m {\n  input x: f32[4]\n  output reduce_mean(x * 0.001, -1)\n}\n",
        [[3e38, 3e38, 3e38, 3e38]],
        "fast",
    ),
    (
        "half-factored",
        "model m {\n  input b: f32[4]\n  input c: f32[4]\n  output b * 0.5 + c * 0.5\n}\n",
        [[3e38, 1, 2, 3], [3e38, 1, 2, 3]],
        "fast",
    ),
    ("sqrt-of-negative", "model m {\n  input b: f32[4]\n  output sqrt(b) * sqrt(b)\n}\n", [[-4, -1, 4, 9]], "strict"),
    (
        "factor-large",
        "model m {\n  input a: f32[4]\n  input b: f32[4]\n  input c: f32[4]\n  output a * c + a * b\n}\n",
        [[1e-3, 1, 2, 3], [3e38, 1, 2, 3], [3e38, 1, 2, 3]],
        "strict",
    ),
    (
        "double-reciprocal-subnormal",
        "model m {\n  input a: f32[4]\n  output reciprocal(reciprocal(a))\n}\n",
        [[1e-45, 1, 0, -0.0]],
        "strict",
    ),
    (
        "exp-pair-overflow",
        "model m {\n  input a: f32[4]\n  input b: f32[4]\n  output exp(a) * exp(b)\n}\n",
        [[100, 1, 0, -100], [-100, 1, 0, 100]],
        "strict",
    ),
    (
        "plus-zero-keeps-sign",
        "model m {\n  input a: f32[4]\n  output (a + 0.0) * 1.0\n}\n",
        [[-0.0, 1, float("inf"), float("nan")]],
        "strict",
    ),
    (
        "pow-half-of-minus-inf",
        "model m {\n  input a: f32[4]\n  output pow(a, 0.5)\n}\n",
        [[float("-inf"), -0.0, 4, 9]],
        "strict",
    ),
    (
        "product-overflows",
        "model m {\n  input x: f32[4]\n  output " + " * ".join(["x"] * 150) + "\n}\n",
        [[1.5, 1.0, 0.5, -1.01]],
        "strict",
    ),
    (
        "reassociated-product",
        "model m {\n  input a: f32[4]\n  input s: f32[1]\n  output a * s * a * s\n}\n",
        [[3e30, 1, 2, 3], [1e-30]],
        "strict",
    ),
    (
        "batchnorm-with-mean",
        "model m {\n  input x: f32[1, 2, 4, 4]\n  output batchnorm(conv2d(x, 2, kernel=1))\n}\n",
        [],
        "strict",
    ),
]


@pytest.mark.parametrize(("case", "model", "values", "fp_model"), NUMERICS, ids=[c[0] for c in NUMERICS])
def test_the_plan_computes_the_models_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, model: str, values: list, fp_model: str
) -> None:
    path = tmp_path / "m.dlm"
    path.write_text(model)
    module = parse_dlm(model, str(path))
    function = next(op for op in module.walk() if op.name == "func.func")
    arrays = [np.array(v, dtype=np.float32) for v in values]
    if not arrays:
        arrays = [np.random.default_rng(0).normal(1e4, 1.0, (1, 2, 4, 4)).astype(np.float32)]
    names = [arg.name_hint for arg in function.body.block.args]  # type: ignore[attr-defined]
    np.savez(tmp_path / "in.npz", **dict(zip(names, arrays, strict=True)))
    code, err = dlfc(
        capsys, "run", path, "--inputs", tmp_path / "in.npz", "--outputs", tmp_path / "out.npz", "--fp-model", fp_model
    )
    assert code == 0, err
    with np.errstate(all="ignore"):
        (expected,) = run_graph(module, arrays)
    with np.load(tmp_path / "out.npz") as out:
        (actual,) = [out[k] for k in out.files]
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=case)
    np.testing.assert_array_equal(np.isinf(actual), np.isinf(expected), err_msg=case)
    np.testing.assert_array_equal(np.signbit(actual[np.isinf(actual)]), np.signbit(expected[np.isinf(expected)]))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(actual[finite], expected[finite], rtol=1e-5, atol=0, err_msg=case)
