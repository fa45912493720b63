"""ONNX locations: every op the importer makes names its node, loc("node name"("model.onnx":0:0)), and keeps it to the kernels."""

from __future__ import annotations

import numpy as np
from onnx import helper
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, NameLoc, StringAttr

from dlfc.compiler.frontend.onnx import load_onnx
from dlfc.compiler.instruments import print_module
from dlfc.compiler.pipeline import Level, compile_to
from dlfc.compiler.utils.locations import describe_sources, source_locations
from dlfc.dialects import accel

from .helpers import Input, model, save


def test_each_op_has_its_node_name_and_the_model_file(tmp_path) -> None:
    m = model(
        [
            helper.make_node("Mul", ["x", "scale"], ["scaled"], name="/block/Mul"),
            helper.make_node("Relu", ["scaled"], ["y"], name="/block/act/Relu"),
            helper.make_node("Sigmoid", ["y"], ["z"]),  # unnamed: its first output names it
        ],
        {"x": Input([2, 3])},
        ["z"],
        {"scale": np.full([2, 3], 0.5, np.float32)},
    )
    path = save(m, tmp_path / "model.onnx")
    module = load_onnx(path)
    file = FileLineColLoc(StringAttr(path), IntAttr(0), IntAttr(0))

    def node(name: str) -> NameLoc:
        return NameLoc(StringAttr(name), file)

    fn = module.body.block.first_op
    assert [(op.name, op.location) for op in fn.regions[0].block.ops] == [
        ("graph.weight", node("/block/Mul")),  # the initializer, made for its first user
        ("graph.mul", node("/block/Mul")),
        ("graph.relu", node("/block/act/Relu")),
        ("graph.sigmoid", node("z")),
        ("func.return", file),
    ]
    assert fn.location == module.location == file
    assert [a.location for a in fn.regions[0].block.args] == [node("x")]
    assert f'tensor<2x3xf32> loc("/block/act/Relu"("{path}":0:0))' in print_module(module, debuginfo=True)

    compile_to(module, Level.ACCEL)
    (kernel,) = [op for op in module.walk() if isinstance(op, accel.KernelOp)]
    assert source_locations(kernel.location) == [node("/block/Mul"), node("/block/act/Relu"), node("z")]
    assert describe_sources(kernel.location) == "{/block/Mul, /block/act/Relu, z}"
