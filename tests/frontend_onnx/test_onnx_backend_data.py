"""The ONNX backend test data that ships inside the `onnx` package, through `dlfc run`.

Every model under `onnx/backend/test/data/{light, pytorch-converted, pytorch-operator}`
is discovered (nothing is listed here). A model whose operators dlfc converts
runs through `dlfc run` (default pipeline, accel interpreter) with its stored
inputs in an .npz keyed by the model's own input names, and its outputs, read
back under the model's output names, must match the stored ones. A model with
operators dlfc does not convert must be rejected with one line naming exactly
those operators.

- pytorch-*: each model's `test_data_set_0/input_<i>.pb` and `output_<i>.pb`
  (the .pb tensors carry no names: input i is the model's i-th graph input that
  is not an initializer).
- light: the model zoo's architectures with every weight a `ConstantOfShape`
  of 0.02; the inputs are what ONNX's backend runner feeds them
  (`arange(n) / n` in the input's shape, `generate_dummy_data`), the outputs
  `light_<name>_output_<i>.pb`. As constant weights hide most indexing
  mistakes, each is also run with random weights against ONNX Runtime.

The light models with many weights run with `-m slow` (see `HEAVY_WEIGHTS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from dlfc.compiler.cli import main
from dlfc.compiler.frontend.onnx import unsupported_operators

from .helpers import onnxruntime_outputs, save

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
SUITES = ("light", "pytorch-converted", "pytorch-operator")
RTOL, ATOL = 1e-3, 1e-5
"""ONNX's own backend tests use rtol 1e-3 (atol 1e-7) for these models."""
HEAVY_WEIGHTS = 5_000_000
"""A light model with more weight elements than this (its ConstantOfShape sizes) runs only with -m slow."""


@dataclass(frozen=True)
class BackendModel:
    suite: str
    name: str
    path: Path

    def __str__(self) -> str:
        return f"{self.suite}/{self.name}"


def discover() -> list[BackendModel]:
    models = []
    for suite in SUITES:
        folder = DATA / suite
        if suite == "light":
            models += [BackendModel(suite, p.stem, p) for p in sorted(folder.glob("light_*.onnx"))]
        else:
            models += [BackendModel(suite, p.parent.name, p) for p in sorted(folder.glob("*/model.onnx"))]
    return models


MODELS = discover()


def graph_inputs(m: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """The graph inputs that are not initializers, in order."""
    initialized = {t.name for t in m.graph.initializer}
    return [i for i in m.graph.input if i.name not in initialized]


def stored_data(model: BackendModel, m: onnx.ModelProto) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """The model's test inputs, keyed by its input names, and its expected outputs."""
    read = lambda p: numpy_helper.to_array(onnx.load_tensor(str(p)))  # noqa: E731
    if model.suite == "light":
        inputs = {}
        for info in graph_inputs(m):
            shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in info.type.tensor_type.shape.dim)
            n = int(np.prod(shape))
            inputs[info.name] = (np.arange(n).reshape(shape) / n).astype(np.float32)  # ONNX's generate_dummy_data
        outputs = [read(model.path.parent / f"{model.name}_output_{i}.pb") for i in range(len(m.graph.output))]
        return inputs, outputs
    data = model.path.parent / "test_data_set_0"
    names = [i.name for i in graph_inputs(m)]
    inputs = {name: read(data / f"input_{i}.pb") for i, name in enumerate(names)}
    return inputs, [read(data / f"output_{i}.pb") for i in range(len(m.graph.output))]


def weight_elements(m: onnx.ModelProto) -> int:
    """The elements of a light model's weights: the sizes its ConstantOfShape nodes are given."""
    shapes = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return sum(int(np.prod(shapes[n.input[0]])) for n in m.graph.node if n.op_type == "ConstantOfShape")


def run_dlfc(path: Path, inputs: dict[str, np.ndarray], tmp_path: Path, capsys) -> tuple[int, str, dict]:
    """`dlfc run path --inputs in.npz --outputs out.npz`: exit status, stderr and the outputs by name."""
    np.savez(tmp_path / "in.npz", **inputs)
    out = tmp_path / "out.npz"
    status = main(["run", str(path), "--inputs", str(tmp_path / "in.npz"), "--outputs", str(out)])
    err = capsys.readouterr().err
    if status != 0:
        return status, err, {}
    with np.load(out) as arrays:
        return status, err, {k: arrays[k] for k in arrays.files}


def params() -> list:
    """Every model; the light ones dlfc runs that have more than HEAVY_WEIGHTS weight elements marked slow."""

    def heavy(m: BackendModel) -> bool:  # a rejection is quick: only a model dlfc runs can be heavy
        return (
            m.suite == "light"
            and weight_elements(onnx.load(str(m.path))) > HEAVY_WEIGHTS
            and not unsupported_operators(str(m.path))
        )

    return [pytest.param(m, id=str(m), marks=[pytest.mark.slow] if heavy(m) else []) for m in MODELS]


@pytest.mark.parametrize("model", params())
def test_backend_model(model: BackendModel, tmp_path, capsys) -> None:
    unsupported = unsupported_operators(str(model.path))
    if unsupported:
        assert main(["run", str(model.path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"dlfc: error: {model.path}: unsupported ONNX operators: ")
        named = re.findall(r"(?:: |; )([\w.]+) x\d+ \(", err)
        assert named == list(unsupported), err
        return
    m = onnx.load(str(model.path))
    inputs, expected = stored_data(model, m)
    status, err, outputs = run_dlfc(model.path, inputs, tmp_path, capsys)
    assert status == 0, err
    assert list(outputs) == [o.name for o in m.graph.output]
    for actual, reference in zip(outputs.values(), expected, strict=True):
        assert actual.shape == reference.shape
        np.testing.assert_allclose(actual, reference, rtol=RTOL, atol=ATOL)


def with_random_weights(m: onnx.ModelProto, seed: int = 0) -> onnx.ModelProto:
    """The light model with each ConstantOfShape weight replaced by a random initializer of its shape.

    Matrices and kernels are N(0, 1/fan_in) (activations keep their scale); vectors (biases, batch-norm
    statistics) U(0.5, 1.5), so variances stay positive.
    """
    rng = np.random.default_rng(seed)
    shapes = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    out = onnx.ModelProto()
    out.CopyFrom(m)
    del out.graph.node[:]
    for node in m.graph.node:
        if node.op_type != "ConstantOfShape":
            out.graph.node.append(node)
            continue
        shape = tuple(int(d) for d in shapes[node.input[0]])
        if len(shape) >= 2:
            value = rng.normal(0.0, 1.0 / np.sqrt(np.prod(shape[1:])), shape)
        else:
            value = rng.uniform(0.5, 1.5, shape)
        out.graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), node.output[0]))
        # IR version 3 (these models') wants every initializer to be a graph input too
        out.graph.input.append(onnx.helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, shape))
    return out


LIGHT = [p for p in params() if p.values[0].suite == "light"]


@pytest.mark.parametrize("model", LIGHT)
def test_light_model_with_random_weights_matches_onnxruntime(model: BackendModel, tmp_path, capsys) -> None:
    if unsupported_operators(str(model.path)):
        pytest.skip("rejected (test_backend_model checks how)")
    m = with_random_weights(onnx.load(str(model.path)))
    path = save(m, tmp_path / "model.onnx")
    rng = np.random.default_rng(1)
    inputs = {
        i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim]).astype(np.float32)
        for i in graph_inputs(m)
    }
    status, err, outputs = run_dlfc(Path(path), inputs, tmp_path, capsys)
    assert status == 0, err
    for actual, reference in zip(outputs.values(), onnxruntime_outputs(m, inputs), strict=True):
        scale = float(np.abs(reference).max())
        np.testing.assert_allclose(actual, reference, rtol=RTOL, atol=1e-5 * max(scale, 1.0))
