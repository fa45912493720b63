"""Building ONNX models with `onnx.helper` and checking dlfc's import of them against ONNX Runtime."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.frontend.onnx import load_onnx
from dlfc.hw.reference import run_graph
from dlfc.hw.weights import store_of

RTOL, ATOL = 1e-4, 1e-5
IR_VERSION = 9  # opsets 19-20; the newest ONNX Runtime here reads


@dataclass(frozen=True)
class Input:
    """A model input: its shape and how test data for it is drawn."""

    shape: Sequence[int | str]
    dtype: type = np.float32
    low: float = -2.0
    high: float = 2.0

    def sample(self, rng: np.random.Generator, shape: Sequence[int] | None = None) -> np.ndarray:
        dims = tuple(shape or self.shape)
        if np.dtype(self.dtype).kind == "i":
            return rng.integers(int(self.low), int(self.high), dims).astype(self.dtype)
        return rng.uniform(self.low, self.high, dims).astype(self.dtype)

    def value_info(self, name: str) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(np.dtype(self.dtype)), list(self.shape)
        )


def model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Mapping[str, Input],
    outputs: Sequence[str],
    constants: Mapping[str, np.ndarray] | None = None,
    opset: int = 17,
    name: str = "test",
    strict: bool = True,
    domains: Mapping[str, int] | None = None,
) -> onnx.ModelProto:
    """A checked model of `nodes`; output types come from ONNX shape inference.

    With `strict` False (for models dlfc must reject), ONNX's shape inference is
    not run and outputs are declared float32 scalars (dlfc ignores declared output types).
    """
    graph = helper.make_graph(
        list(nodes),
        name,
        [spec.value_info(n) for n, spec in inputs.items()],
        [
            helper.make_empty_tensor_value_info(o)
            if strict
            else helper.make_tensor_value_info(o, onnx.TensorProto.FLOAT, [])
            for o in outputs
        ],
        [numpy_helper.from_array(np.asarray(v), n) for n, v in (constants or {}).items()],
    )
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in (domains or {}).items()]
    m = helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION)
    if strict:
        m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    onnx.checker.check_model(m)
    return m


def single(
    op_type: str,
    *args: Input | np.ndarray | None,
    outputs: int = 1,
    opset: int = 17,
    strict: bool = True,
    **attrs: object,
) -> tuple[onnx.ModelProto, dict[str, Input]]:
    """A model of one node: Input args are model inputs, arrays initializers, None absent optional inputs."""
    names, inputs, constants = [], {}, {}
    for i, arg in enumerate(args):
        if arg is None:
            names.append("")
        elif isinstance(arg, Input):
            names.append(f"x{i}")
            inputs[f"x{i}"] = arg
        else:
            names.append(f"c{i}")
            constants[f"c{i}"] = np.asarray(arg)
    outs = [f"y{i}" for i in range(outputs)]
    node = helper.make_node(op_type, names, outs, name=f"{op_type.lower()}_0", **attrs)
    return model([node], inputs, outs, constants, opset, strict=strict), inputs


def save(m: onnx.ModelProto, path: Path) -> str:
    onnx.save(m, path)
    return str(path)


def feeds_for(
    m: onnx.ModelProto, specs: Mapping[str, Input], shapes: Mapping[str, Sequence[int]] | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: spec.sample(rng, (shapes or {}).get(name)) for name, spec in specs.items()}


def onnxruntime_outputs(m: onnx.ModelProto, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, dict(feeds))


def assert_matches(actual: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> float:
    """Every output within RTOL/ATOL of ONNX Runtime's; the largest absolute error."""
    assert len(actual) == len(expected)
    worst = 0.0
    for a, e in zip(actual, expected, strict=False):
        assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
        np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)
        if a.size:
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - e))))
    return worst


def check(
    m: onnx.ModelProto,
    specs: Mapping[str, Input],
    tmp_path: Path,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> ModuleOp:
    """Import `m` and run it with dlfc's graph reference: outputs must match ONNX Runtime's."""
    module = load_onnx(save(m, tmp_path / "model.onnx"), input_shapes)
    feeds = feeds_for(m, specs, input_shapes)
    assert_matches(run_graph(module, list(feeds.values()), store_of(module)), onnxruntime_outputs(m, feeds))
    return module


class GraphBuilder:
    """Nodes named as PyTorch exports them (`/layer1/conv1/Conv`, output `/layer1/conv1/Conv_output_0`)."""

    def __init__(self, seed: int = 0) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.constants: dict[str, np.ndarray] = {}
        self.rng = np.random.default_rng(seed)

    def weight(self, name: str, *shape: int, scale: float | None = None, offset: float = 0.0) -> str:
        """A random float32 initializer (std `scale`, default 1/sqrt(fan-in))."""
        std = scale if scale is not None else 1.0 / np.sqrt(np.prod(shape[1:]) if len(shape) > 1 else shape[0])
        return self.const(name, (self.rng.normal(0.0, std, shape) + offset).astype(np.float32))

    def const(self, name: str, value: object) -> str:
        self.constants[name] = np.asarray(value)
        return name

    def op(self, path: str, op_type: str, *inputs: str, outputs: int = 1, **attrs: object) -> str | list[str]:
        """Add node `{path}/{op_type}`; its output name(s)."""
        name = f"{path}/{op_type}"
        outs = [f"{name}_output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def build(self, inputs: Mapping[str, Input], outputs: Sequence[str], opset: int, name: str) -> onnx.ModelProto:
        """The model; each output is renamed to its position (`output0`, ...) through an Identity."""
        names = []
        for i, out in enumerate(outputs):
            names.append(f"output{i}")
            self.nodes.append(helper.make_node("Identity", [out], [names[-1]]))
        return model(self.nodes, inputs, names, self.constants, opset, name)
