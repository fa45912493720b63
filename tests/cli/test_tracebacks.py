"""The tracebacks class of issue 14: inputs that once crashed with a Python traceback, now one line each.

Each case runs a command in a temporary folder and checks exit status 1, one
`dlfc: error:` line naming the problem (no traceback, no internal class name or
.py path) and that no file of the folder changed (`cli.test_safety.check_failure`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from cli.test_safety import Command, check_failure, folder, run  # noqa: F401
from dlfc.hw.target import PRESET_DIR

onnx = pytest.importorskip("onnx")


def mlir(args: str, results: str, body: str = "") -> str:
    """A one-function module returning its first argument after `body`."""
    first = args.split(":")[0].strip()
    return f"builtin.module {{\n  func.func @main({args}) -> {results} {{\n{body}    func.return {first} : {results}\n  }}\n}}\n"


MODULES = {
    "zero.mlir": (
        "builtin.module {\n}\n",
        "invalid IR: a dlfc module has exactly one func.func (its entry function), this one has 0",
    ),
    "two.mlir": (
        mlir("%x: tensor<2xf32>", "tensor<2xf32>").replace(
            "builtin.module {\n",
            "builtin.module {\n  func.func @other(%x: tensor<2xf32>) -> tensor<2xf32> {\n"
            "    func.return %x : tensor<2xf32>\n  }\n",
        ),
        "invalid IR: a dlfc module has exactly one func.func (its entry function), this one has 2",
    ),
    "call.mlir": (
        mlir("%x: tensor<2xf32>", "tensor<2xf32>", "    %y = func.call @main(%x) : (tensor<2xf32>) -> tensor<2xf32>\n"),
        "invalid IR: func.call is not an op of a dlfc module (the interpreter runs graph, fusion, accel and schedule ops)",
    ),
    "memref.mlir": (
        mlir("%x: memref<2xf32>", "memref<2xf32>"),
        "invalid IR: @main: argument 0 is memref<2xf32>, not a tensor: the entry function takes and returns tensors",
    ),
    "scalar.mlir": (
        mlir("%x: f32", "f32"),
        "invalid IR: @main: argument 0 is f32, not a tensor: the entry function takes and returns tensors",
    ),
    "i1.mlir": (
        mlir("%x: tensor<2xi1>", "tensor<2xi1>"),
        "invalid IR: @main: argument 0: tensor<2xi1>: element type i1 is not supported (integers: i8, i16, i32, i64)",
    ),
    "dynamic.mlir": (
        mlir("%x: tensor<?x2xf32>", "tensor<?x2xf32>"),
        "invalid IR: @main: argument 0: tensor<?x2xf32> has a dynamic dimension: dlfc computes static shapes only "
        "(give a size, e.g. --input-shape)",
    ),
    "init.mlir": (
        mlir(
            "%x: tensor<2xf32>",
            "tensor<2xf32>",
            '    %w = graph.weight "w" {init = "bogus"} : tensor<2xf32>\n'
            "    %y = graph.add %x, %w : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n",
        ),
        'invalid IR: graph.weight "w": unknown init "bogus" '
        "(known: he_normal, zeros, ones, normal, bn_scale, bn_shift, bn_var, stored)",
    ),
}


@pytest.mark.parametrize("name", list(MODULES))
@pytest.mark.parametrize("command", [["run"], ["run", "--schedule"], []])
def test_a_module_the_interpreter_cannot_run_is_refused(
    folder: Path,  # noqa: F811
    run: Command,  # noqa: F811
    name: str,
    command: list[str],
) -> None:
    """What the verifier accepts, `dlfc run` runs: every one of these is refused by the verifier, at every command."""
    text, message = MODULES[name]
    (folder / name).write_text(text)
    check_failure(folder, run, [*command, name, *(["-o", "plan.mlir"] if not command else [])], f"{name}: {message}")


def hardware(where: Path, old: str, new: str) -> str:
    """The mlu100 preset with one line changed, as hw.toml in `where`."""
    text = (PRESET_DIR / "mlu100.toml").read_text()
    assert old in text
    (where / "hw.toml").write_text(text.replace(old, new))
    return "hw.toml"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "onchip_kib = 384",
            "onchip_kib = 0",
            "--hw: hw.toml: 'memory.onchip_kib' must be positive: a kernel's intermediates live on chip",
        ),
        (
            "cores = 32",
            "cores = 1000000000000",
            "--hw: hw.toml: 'compute.cores' must be an integer from 0 to 2147483647",
        ),
        ("cores = 32", "cores = 100000", "--hw: hw.toml: 'compute.cores' must be from 1 to 4096, got 100000"),
        ("cores = 32", "cores = 0", "--hw: hw.toml: 'compute.cores' must be from 1 to 4096, got 0"),
        (
            "dram_gbps = 102.4",
            "dram_gbps = nan",
            "--hw: hw.toml: 'memory.dram_gbps' must be a positive finite number, got nan",
        ),
    ],
)
@pytest.mark.parametrize("command", [["run"], []])
def test_a_hardware_file_out_of_range_is_one_line(
    folder: Path,  # noqa: F811
    run: Command,  # noqa: F811
    old: str,
    new: str,
    message: str,
    command: list[str],
) -> None:
    path = hardware(folder, old, new)
    check_failure(folder, run, [*command, "model.dlm", "--hw", path], message)


def test_seed_minus_one(folder: Path, run: Command) -> None:  # noqa: F811
    check_failure(
        folder,
        run,
        ["run", "model.dlm", "--seed", "-1"],
        "argument --seed: -1 is out of range (0 <= N < 2**64) (see dlfc --help)",
    )


def test_seed_two_to_the_64(folder: Path, run: Command) -> None:  # noqa: F811
    check_failure(
        folder,
        run,
        ["run", "model.dlm", "--seed", str(2**64)],
        f"argument --seed: {2**64} is out of range (0 <= N < 2**64) (see dlfc --help)",
    )


# --------------------------------------------------------------------------- ONNX external data


def external_model(path: Path, location: str, length: int | None = None) -> None:
    """An ONNX model y = x @ w whose initializer w (2x2 f32, 16 bytes) lives in the external file `location`."""
    from onnx import TensorProto, helper, numpy_helper
    from onnx.external_data_helper import set_external_data

    w = numpy_helper.from_array(np.eye(2, dtype=np.float32), "w")
    set_external_data(w, location=location, length=length)
    w.data_location = TensorProto.EXTERNAL
    w.ClearField("raw_data")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])],
        [w],
    )
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())


@pytest.fixture
def models(folder: Path) -> Path:  # noqa: F811
    """models/ with a model beside it: outside.bin, one level up, holds valid data for w."""
    (folder / "models").mkdir()
    np.eye(2, dtype=np.float32).tofile(folder / "outside.bin")
    np.eye(2, dtype=np.float32).tofile(folder / "models" / "w.bin")
    return folder / "models"


@pytest.mark.parametrize(
    ("location", "length", "message"),
    [
        ("missing.bin", None, "tensor 'w' has its data in 'missing.bin', which is missing"),
        ("../outside.bin", None, "tensor 'w' has its data in '../outside.bin', outside the model's folder; refused"),
        ("/etc/passwd", None, "tensor 'w' has its data in '/etc/passwd', outside the model's folder; refused"),
        (
            "sub/../../outside.bin",
            None,
            "tensor 'w' has its data in 'sub/../../outside.bin', outside the model's folder; refused",
        ),
        ("w.bin", 4000, "tensor 'w' has its data in 'w.bin', which holds 16 bytes; the tensor needs 4000"),
        ("pipe.bin", None, "tensor 'w' has its data in 'pipe.bin', which is not a regular file"),
    ],
)
@pytest.mark.parametrize("command", [["run"], []])
def test_onnx_external_data_that_cannot_be_read(
    folder: Path,  # noqa: F811
    models: Path,
    run: Command,  # noqa: F811
    location: str,
    length: int | None,
    message: str,
    command: list[str],
) -> None:
    os.mkfifo(models / "pipe.bin")
    external_model(models / "m.onnx", location, length)
    check_failure(folder, run, [*command, "models/m.onnx"], f"models/m.onnx: {message}")


def test_onnx_external_data_inside_the_folder_is_read(models: Path, run: Command) -> None:  # noqa: F811
    """The same model with its data beside it runs: y = x @ I = x."""
    external_model(models / "m.onnx", "w.bin")
    np.savez(models / "in.npz", x=np.arange(4, dtype=np.float32).reshape(2, 2))
    code, _, err = run("run", "models/m.onnx", "--inputs", "models/in.npz", "--outputs", "out.npz")
    assert (code, err) == (0, "")
    assert np.array_equal(np.load("out.npz")["y"], np.arange(4, dtype=np.float32).reshape(2, 2))


# --------------------------------------------------------------------------- ONNX constants of any size


OUTPUT_SHAPES = {
    "ConstantOfShape": [100_000, 100_000],
    "Range": [2**40],
    "Tile": [200_000, 200_000],
    "Expand": [100_000, 100_000],
}


def folding_model(path: Path, node: str) -> None:
    """y = x + c, where c is a constant the importer folds from small inputs (see SIZE_MAKERS)."""
    from onnx import TensorProto, helper, numpy_helper

    initializers = {
        "shape": np.array([100_000, 100_000], np.int64),
        "start": np.array(0.0, np.float32),
        "limit": np.array(2.0**40, np.float32),
        "delta": np.array(1.0, np.float32),
        "small": np.ones((2, 2), np.float32),
        "repeats": np.array([100_000, 100_000], np.int64),
    }
    nodes = {
        "ConstantOfShape": helper.make_node(
            "ConstantOfShape", ["shape"], ["c"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])
        ),
        "Range": helper.make_node("Range", ["start", "limit", "delta"], ["c"]),
        "Tile": helper.make_node("Tile", ["small", "repeats"], ["c"]),
        "Expand": helper.make_node("Expand", ["small", "shape"], ["c"]),
    }
    graph = helper.make_graph(
        [nodes[node], helper.make_node("Add", ["x", "c"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, OUTPUT_SHAPES[node])],
        [numpy_helper.from_array(v, k) for k, v in initializers.items()],
    )
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())


@pytest.mark.parametrize(
    ("node", "elements"),
    [("ConstantOfShape", 10**10), ("Range", 2**40), ("Tile", 4 * 10**10), ("Expand", 10**10)],
)
def test_an_onnx_constant_of_any_size_is_refused_before_it_is_made(
    folder: Path,  # noqa: F811
    run: Command,  # noqa: F811
    node: str,
    elements: int,
) -> None:
    """The importer folds constants; one of 10^10 elements would take 40 GB: refused from its size, at once."""
    import time
    import tracemalloc

    folding_model(folder / "m.onnx", node)
    started = time.process_time()
    tracemalloc.start()
    try:
        check_failure(
            folder,
            run,
            ["m.onnx", "-o", "plan.mlir"],
            f"m.onnx: {node} node 'c': a constant of {elements} elements cannot be computed at import "
            "(at most 268435456)",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.process_time() - started < 60  # a hang guard: the import of onnx itself takes seconds
    assert peak < 256 * 2**20
