"""What the ONNX importer rejects, and how: one line naming the problem, exit 1, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import onnx
import pytest
from onnx import helper

from dlfc.compiler.cli import main
from dlfc.compiler.frontend.onnx import OnnxImportError, load_onnx, parse_input_shape

from .helpers import Input, model, save, single

X = Input((2, 3, 4))
IMAGE = Input((1, 4, 8, 8))


def fails(m: onnx.ModelProto, tmp_path, input_shapes: dict | None = None) -> str:
    with pytest.raises(OnnxImportError) as error:
        load_onnx(save(m, tmp_path / "model.onnx"), input_shapes)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(tmp_path / "model.onnx"))
    return message


def cli_fails(tmp_path, capsys, *args: str) -> str:
    """Run `dlfc` with -o; it must exit 1, print one line and write nothing."""
    out = tmp_path / "plan.mlir"
    assert main([*args, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dlfc: error: ")
    assert not out.exists()
    return err


def test_unsupported_operators_are_listed_together(tmp_path, capsys) -> None:
    nodes = [
        helper.make_node("Where", ["c", "x", "x"], ["w1"], name="where_a"),
        helper.make_node("Where", ["c", "w1", "x"], ["w2"], name="where_b"),
        helper.make_node("Relu", ["w2"], ["r"], name="relu"),
        helper.make_node("NonZero", ["r"], ["e"]),
        helper.make_node("FusedGelu", ["e"], ["y"], name="gelu", domain="com.microsoft"),
    ]
    inputs = {"x": X, "c": Input((2, 3, 4), dtype=np.bool_)}
    m = model(nodes, inputs, ["y"], strict=False, domains={"com.microsoft": 1})
    message = fails(m, tmp_path)
    assert message.endswith(
        "unsupported ONNX operators: Where x2 (where_a, where_b); NonZero x1 (e); com.microsoft.FusedGelu x1 (gelu)"
    )
    assert message in cli_fails(tmp_path, capsys, str(tmp_path / "model.onnx"))


def test_unsupported_listing_shortens_long_name_lists(tmp_path) -> None:
    nodes = [helper.make_node("Celu", [f"v{i}"], [f"v{i + 1}"], name=f"celu{i}") for i in range(7)]
    m = model(nodes, {"v0": X}, ["v7"])
    assert fails(m, tmp_path).endswith("Celu x7 (celu0, celu1, celu2, celu3, celu4, and 2 more)")


def dynamic() -> onnx.ModelProto:
    return single("Relu", Input(("batch", 3, None, 8)))[0]


def test_dynamic_dimensions_need_input_shapes(tmp_path, capsys) -> None:
    message = fails(dynamic(), tmp_path)
    assert message.endswith(
        "input 'x0' has dynamic dimensions batch (axis 0), ? (axis 2): give its shape with --input-shape x0=D0,D1,..."
    )
    assert message in cli_fails(tmp_path, capsys, str(tmp_path / "model.onnx"))


def test_input_shape_option(tmp_path, capsys) -> None:
    path = save(dynamic(), tmp_path / "model.onnx")
    out = tmp_path / "graph.mlir"
    assert main([path, "--input-shape", "x0=2,3,5,8", "--emit", "graph", "-o", str(out)]) == 0
    assert "tensor<2x3x5x8xf32>" in out.read_text()
    assert "NAME=D0,D1,..." in cli_fails(tmp_path, capsys, path, "--input-shape", "x0=2,3,x,8")


@pytest.mark.parametrize(
    "shapes, expected",
    [
        ({"x0": [2, 3, 5]}, "input 'x0' has shape [batch,3,?,8]; --input-shape gives [2, 3, 5]"),
        ({"x0": [2, 4, 5, 8]}, "input 'x0' has shape [batch,3,?,8]; --input-shape gives [2, 4, 5, 8]"),
        ({"x0": [2, 3, 5, 8], "y": [1]}, "--input-shape names no input of the model: y (inputs: x0)"),
    ],
)
def test_bad_input_shapes(shapes: dict, expected: str, tmp_path) -> None:
    assert fails(dynamic(), tmp_path, shapes).endswith(expected)


@pytest.mark.parametrize("spec", ["x", "=1,2", "x=", "x=1,,2", "x=0,2"])
def test_malformed_input_shape(spec: str) -> None:
    with pytest.raises(OnnxImportError, match="expected NAME=D0,D1"):
        parse_input_shape(spec)


def test_input_shape_name_may_contain_equals() -> None:
    assert parse_input_shape("a=b=1,2") == ("a=b", [1, 2])


CORRUPT: dict[str, Callable[[bytes], bytes]] = {
    "garbage": lambda good: b"\xff\xfe not a protobuf \x00\x01" * 8,
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "text": lambda good: b"model tiny { input x: f32[1] }\n",
}


@pytest.mark.parametrize("corrupt", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file(corrupt: Callable[[bytes], bytes], tmp_path, capsys) -> None:
    good = single("Conv", IMAGE, np.ones((8, 4, 3, 3), np.float32))[0].SerializeToString()
    path = tmp_path / "model.onnx"
    path.write_bytes(corrupt(good))
    err = cli_fails(tmp_path, capsys, str(path))
    assert "not a valid ONNX model" in err or "invalid ONNX model" in err


def test_opset_too_new(tmp_path) -> None:
    assert fails(single("Relu", X, opset=21)[0], tmp_path).endswith("opset 21 is newer than dlfc imports (13-20)")


def test_weights_option_is_rejected(tmp_path, capsys) -> None:
    path = save(single("Relu", X)[0], tmp_path / "model.onnx")
    assert "--weights applies to .dlm models" in cli_fails(tmp_path, capsys, path, "--weights", "w.npz")


def runtime_indices() -> onnx.ModelProto:
    return single("Gather", X, Input((2,), dtype=np.int64, low=0, high=2))[0]


def pool_indices() -> onnx.ModelProto:
    nodes = [helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 2], name="pool")]
    return model(nodes, {"x": IMAGE}, ["y", "i"])


REJECTED: dict[str, tuple[Callable[[], onnx.ModelProto], str]] = {
    "runtime-reshape-shape": (
        lambda: single("Reshape", X, Input((2,), dtype=np.int64, low=1, high=2))[0],
        "Reshape node 'reshape_0': input 1 ('x1') must be a constant, but depends on model inputs",
    ),
    "shape-error": (
        lambda: single("Add", X, Input((3,)), strict=False)[0],
        "Add node 'add_0': graph.add: shapes [2,3,4] and [3] do not broadcast",
    ),
    "pool-indices": (pool_indices, "MaxPool node 'pool': output 1 ('i') is not supported"),
    "conv4d": (
        lambda: single("Conv", Input((1, 1, 3, 3, 3, 3)), np.ones((1, 1, 2, 2, 2, 2), np.float32))[0],
        "only 1-D, 2-D and 3-D (NCL, NCHW, NCDHW) inputs are supported, got shape [1, 1, 3, 3, 3, 3]",
    ),
    "pool-rank2": (
        lambda: single("MaxPool", Input((2, 3)), kernel_shape=[1], strict=False)[0],
        "only 1-D, 2-D and 3-D (NCL, NCHW, NCDHW) inputs are supported, got shape [2, 3]",
    ),
    "slice-step": (
        lambda: single("Slice", X, np.array([0]), np.array([4]), np.array([2]), np.array([2]))[0],
        "only step 1 is supported, got steps [2]",
    ),
    "pad-reflect-wide": (
        lambda: single("Pad", X, np.array([0, 0, 4, 0, 0, 0]), mode="reflect")[0],
        "Pad node 'pad_0': graph.pad: reflect padding of axis 2 must be smaller than 4, got pads [0, 0, 4, 0, 0, 0]",
    ),
    "pad-negative": (
        lambda: single("Pad", X, np.array([0, 0, -1, 0, 0, 0]))[0],
        "Pad node 'pad_0': negative pads [0, 0, -1, 0, 0, 0] (cropping) are not supported",
    ),
    "prelu-slope": (
        lambda: single("PRelu", X, np.ones((2, 1), np.float32), strict=False)[0],
        "PRelu node 'prelu_0': graph.prelu: slope [2,1] does not broadcast to input [2,3,4]",
    ),
    "gelu-tanh": (lambda: single("Gelu", X, opset=20, approximate="tanh")[0], "approximate='tanh' is not supported"),
    "layernorm-axis": (
        lambda: single("LayerNormalization", X, np.ones((3, 4), np.float32), axis=1)[0],
        "normalising from axis 1 is not supported (only the last axis)",
    ),
    "gather-runtime-indices": (runtime_indices, "Gather node 'gather_0': input 1 ('x1') must be a constant"),
    "cast": (
        lambda: single("Cast", X, to=onnx.TensorProto.FLOAT16)[0],
        "casting a computed tensor from float32 to float16 is not supported",
    ),
    "batchnorm-training": (
        lambda: single("BatchNormalization", IMAGE, *[np.ones(4, np.float32)] * 4, strict=False, training_mode=1)[0],
        "training_mode=1 is not supported",
    ),
    "depth-to-space-channels": (
        lambda: single("DepthToSpace", Input((1, 6, 2, 2)), blocksize=2, mode="CRD")[0],
        "graph.reshape",
    ),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_rejected(case: tuple[Callable[[], onnx.ModelProto], str], tmp_path) -> None:
    build, expected = case
    assert expected in fails(build(), tmp_path)


def test_without_onnx(tmp_path, monkeypatch, capsys) -> None:
    """No onnx package: .onnx input is one line naming the extra to install."""
    path = save(single("Relu", X)[0], tmp_path / "model.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)
    err = cli_fails(tmp_path, capsys, path)
    assert err == "dlfc: error: reading ONNX models needs the onnx package: pip install 'dlfc[onnx]'\n"


def test_dlm_path_never_imports_onnx() -> None:
    """Compiling a .dlm model works, and does not import onnx (run in a fresh interpreter)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = (
        "import sys; sys.modules['onnx'] = None\n"
        "from dlfc.compiler.cli import main\n"
        "assert main(['examples/resnet18.dlm', '--emit', 'graph', '-o', '-']) == 0\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- hostile attribute values (issue 14)


def _raw_model(nodes: list, inputs: dict, outputs: list, initializers: tuple | list = ()) -> onnx.ModelProto:
    """A model as a hostile file may be: not checked, not shape-inferred."""
    graph = helper.make_graph(
        nodes,
        "hostile",
        [spec.value_info(n) for n, spec in inputs.items()],
        [helper.make_tensor_value_info(o, onnx.TensorProto.FLOAT, []) for o in outputs],
        list(initializers),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


@pytest.mark.parametrize("strides", [[0, 1], [1, 0]])
@pytest.mark.parametrize("auto_pad", ["NOTSET", "SAME_UPPER"])
def test_zero_strides_are_refused(tmp_path, strides: list[int], auto_pad: str) -> None:
    w = helper.make_tensor("w", onnx.TensorProto.FLOAT, [4, 4, 3, 3], np.zeros(144, np.float32))
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", strides=strides, auto_pad=auto_pad)
    message = fails(_raw_model([node], {"x": IMAGE}, ["y"], [w]), tmp_path)
    assert message.endswith("must be positive") or "must be positive and pad non-negative" in message, message


@pytest.mark.parametrize("block", [0, -2])
@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_zero_block_sizes_are_refused(tmp_path, block: int, mode: str) -> None:
    node = helper.make_node("DepthToSpace", ["x"], ["y"], name="d2s", blocksize=block, mode=mode)
    message = fails(_raw_model([node], {"x": IMAGE}, ["y"]), tmp_path)
    assert message.endswith(f"DepthToSpace node 'd2s': blocksize must be a positive integer, got {block}")


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), 0.0, -2.0])
def test_resize_scales_must_be_positive_and_finite(tmp_path, scale: float) -> None:
    scales = helper.make_tensor("s", onnx.TensorProto.FLOAT, [4], [1.0, 1.0, scale, scale])
    node = helper.make_node("Resize", ["x", "", "s"], ["y"], name="resize")
    message = fails(_raw_model([node], {"x": IMAGE}, ["y"], [scales]), tmp_path)
    assert message.endswith(
        f"Resize node 'resize': scales must be positive finite numbers, got [1.0, 1.0, {scale}, {scale}]"
    )


def test_a_huge_constant_loop_is_not_computed_at_import(tmp_path) -> None:
    """A Loop of 10^15 iterations over constants: refused at once instead of folded forever."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond"], ["cond_out"]), helper.make_node("Add", ["v", "one"], ["v_out"])],
        "body",
        [
            helper.make_tensor_value_info("i", onnx.TensorProto.INT64, []),
            helper.make_tensor_value_info("cond", onnx.TensorProto.BOOL, []),
            helper.make_tensor_value_info("v", onnx.TensorProto.FLOAT, [1]),
        ],
        [
            helper.make_tensor_value_info("cond_out", onnx.TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", onnx.TensorProto.FLOAT, [1]),
        ],
        [helper.make_tensor("one", onnx.TensorProto.FLOAT, [1], [1.0])],
    )
    constants = [
        helper.make_tensor("trips", onnx.TensorProto.INT64, [], [10**15]),
        helper.make_tensor("go", onnx.TensorProto.BOOL, [], [True]),
        helper.make_tensor("start", onnx.TensorProto.FLOAT, [1], [0.0]),
    ]
    loop = helper.make_node("Loop", ["trips", "go", "start"], ["count"], name="loop", body=body)
    add = helper.make_node("Add", ["x", "count"], ["y"], name="add")
    message = fails(_raw_model([loop, add], {"x": Input((1,))}, ["y"], constants), tmp_path)
    assert message.endswith(
        "Loop node 'loop': a Loop of 1000000000000000 iterations cannot be computed at import (at most 65536)"
    )


def test_unknown_element_types_are_refused(tmp_path) -> None:
    m = _raw_model([helper.make_node("Relu", ["x"], ["y"], name="relu")], {"x": IMAGE}, ["y"])
    m.graph.input[0].type.tensor_type.elem_type = 99
    assert fails(m, tmp_path).endswith("input 'x' has an unknown element type (ONNX code 99)")
    m = _raw_model([helper.make_node("Add", ["x", "c"], ["y"], name="add")], {"x": IMAGE}, ["y"])
    c = helper.make_tensor("c", onnx.TensorProto.FLOAT, [1], [1.0])
    c.data_type = 77
    m.graph.initializer.append(c)
    assert fails(m, tmp_path).endswith("invalid ONNX model: Unrecognized data_type (tensor name: c): 77")


@pytest.mark.parametrize("size", [2**62, 2**63 - 1, 10**20])
def test_input_shapes_beyond_int64_are_refused(tmp_path, size: int) -> None:
    """--input-shape giving a tensor of more than 2^63 bytes: the verifier refuses it (it used to compile)."""
    m = model([helper.make_node("Relu", ["x"], ["y"])], {"x": Input(("n", 4))}, ["y"])
    message = fails(m, tmp_path, {"x": [size, 4]})
    assert message.endswith(f"graph.relu: tensor<{size}x4xf32> holds more than 2^63 bytes")


def _floats(name: str, shape: list[int]) -> onnx.TensorProto:
    return helper.make_tensor(name, onnx.TensorProto.FLOAT, shape, np.ones(int(np.prod(shape)), np.float32))


def _ints(name: str, values: list[int]) -> onnx.TensorProto:
    return helper.make_tensor(name, onnx.TensorProto.INT64, [len(values)], values)


# (case, node over constants, its constants, the elements of the constant it would compute): each is refused
# before it is computed, by its size (the importer's MAX_FOLDED_ELEMENTS, 2^28).
HUGE_CONSTANTS = [
    ("broadcast-add", "Add", ["a", "b"], [_floats("a", [2**15, 1]), _floats("b", [1, 2**14])], {}, 2**29),
    ("broadcast-where", "Mul", ["a", "b"], [_floats("a", [2**10, 1, 1]), _floats("b", [1, 2**10, 2**9])], {}, 2**29),
    ("outer-matmul", "MatMul", ["a", "b"], [_floats("a", [2**15, 1]), _floats("b", [1, 2**14])], {}, 2**29),
    ("outer-gemm", "Gemm", ["a", "b"], [_floats("a", [1, 2**15]), _floats("b", [1, 2**14])], {"transA": 1}, 2**29),
    ("pad", "Pad", ["a", "p"], [_floats("a", [2, 2]), _ints("p", [0, 0, 2**30, 0])], {}, (2**30 + 2) * 2),
    ("one-hot", "OneHot", ["i", "d", "v"], [_ints("i", [0, 1]), _ints("d", [2**28]), _floats("v", [2])], {}, 2**29),
    (
        "resize-sizes",
        "Resize",
        ["a", "", "", "s"],
        [_floats("a", [1, 1, 2, 2]), _ints("s", [1, 1, 2**15, 2**15])],
        {},
        2**30,
    ),
]


@pytest.mark.parametrize(
    ("case", "op_type", "inputs", "constants", "attrs", "elements"), HUGE_CONSTANTS, ids=[c[0] for c in HUGE_CONSTANTS]
)
def test_a_huge_constant_is_refused_before_it_is_computed(
    tmp_path, case: str, op_type: str, inputs: list[str], constants: list, attrs: dict, elements: int
) -> None:
    """A node over constants whose result would have more than 2^28 elements: one line, nothing allocated."""
    node = helper.make_node(op_type, inputs, ["c"], name="big", **attrs)
    shape = helper.make_node("Shape", ["c"], ["c_shape"], name="shape")
    cast = helper.make_node("Cast", ["c_shape"], ["f"], name="cast", to=onnx.TensorProto.FLOAT)
    add = helper.make_node("ReduceSum", ["f"], ["r"], name="sum", keepdims=1)
    use = helper.make_node("Add", ["x", "r"], ["y"], name="use")
    message = fails(_raw_model([node, shape, cast, add, use], {"x": Input((1,))}, ["y"], constants), tmp_path)
    assert message.endswith(
        f"{op_type} node 'big': a constant of {elements} elements cannot be computed at import (at most 268435456)"
    ), message


def test_a_huge_nearest_upsample_is_not_checked_cell_by_cell(tmp_path) -> None:
    """Resize to 2^29 x 2^29 (nearest, an integer factor): the importer does not map 2^29 coordinates to see
    whether it is an upsample (that allocated 4 GiB per axis); it stays a general resize."""
    sizes = _ints("s", [1, 1, 2**29, 2**29])
    node = helper.make_node("Resize", ["x", "", "", "s"], ["y"], name="resize", mode="nearest")
    module = load_onnx(save(_raw_model([node], {"x": Input((1, 1, 2, 2))}, ["y"], [sizes]), tmp_path / "m.onnx"))
    names = [op.name for op in module.walk() if op.name.startswith("graph.")]
    assert names == ["graph.resize"]
