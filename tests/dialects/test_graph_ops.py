"""The graph dialect's shape rules, errors, mapping types and FLOP counts, op by op."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest
from xdsl.builder import ImplicitBuilder
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32, i64
from xdsl.ir import SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, result_def
from xdsl.parser import Parser
from xdsl.utils.exceptions import VerifyException

from dlfc.compiler.context import make_context
from dlfc.dialects import graph
from dlfc.dialects.graph import MappingType as M


def build(shapes: list[tuple[int, ...]], make: Callable[..., graph.GraphOp], dtype=f32) -> graph.GraphOp:
    """Build `make(*args)` on function arguments of the given shapes; returns the op (module verified)."""
    types = [TensorType(dtype, list(s)) for s in shapes]
    fn = func.FuncOp("f", (types, []))
    with ImplicitBuilder(fn.body) as args:
        op = make(*args)
        func.ReturnOp()
    ModuleOp([fn]).verify()
    return op


def result_shape(op: graph.GraphOp) -> tuple[int, ...]:
    return tuple(op.results[0].type.get_shape())


SHAPE_CASES = [
    ("conv", [(1, 3, 32, 32), (16, 3, 3, 3)], lambda x, w: graph.Conv2DOp(x, w, pad=(1, 1, 1, 1)), (1, 16, 32, 32)),
    (
        "conv stride",
        [(1, 3, 32, 32), (16, 3, 3, 3)],
        lambda x, w: graph.Conv2DOp(x, w, stride=(2, 2), pad=(1, 1, 1, 1)),
        (1, 16, 16, 16),
    ),
    (
        "conv dilated",
        [(1, 4, 16, 16), (8, 4, 3, 3)],
        lambda x, w: graph.Conv2DOp(x, w, dilation=(2, 2)),
        (1, 8, 12, 12),
    ),
    (
        "conv depthwise",
        [(1, 8, 10, 10), (8, 1, 3, 3)],
        lambda x, w: graph.Conv2DOp(x, w, pad=(1, 1, 1, 1), groups=8),
        (1, 8, 10, 10),
    ),
    ("conv asym pad", [(1, 2, 5, 5), (4, 2, 2, 2)], lambda x, w: graph.Conv2DOp(x, w, pad=(0, 1, 1, 0)), (1, 4, 5, 5)),
    ("dense rank3", [(2, 7, 16), (10, 16), (10,)], graph.DenseOp, (2, 7, 10)),
    ("matmul batched", [(2, 1, 4, 5), (3, 5, 6)], graph.MatMulOp, (2, 3, 4, 6)),
    ("matmul vector", [(4, 5), (5,)], graph.MatMulOp, (4,)),
    ("add broadcast", [(1, 16, 8, 8), (16, 1, 1)], graph.AddOp, (1, 16, 8, 8)),
    ("maxpool pad", [(1, 4, 112, 112)], lambda x: graph.MaxPoolOp(x, (3, 3), (2, 2), (1, 1, 1, 1)), (1, 4, 56, 56)),
    ("avgpool", [(1, 4, 7, 7)], lambda x: graph.AvgPoolOp(x, (2, 2), (2, 2)), (1, 4, 3, 3)),
    ("global avgpool", [(1, 4, 7, 7)], graph.GlobalAvgPoolOp, (1, 4, 1, 1)),
    ("reduce keep", [(2, 3, 4)], lambda x: graph.ReduceSumOp(x, [-1, 0], True), (1, 3, 1)),
    ("reduce drop", [(2, 3, 4)], lambda x: graph.ReduceMeanOp(x, [1], False), (2, 4)),
    ("reshape -1", [(2, 3, 4)], lambda x: graph.ReshapeOp(x, [4, -1]), (4, 6)),
    ("flatten", [(2, 3, 4, 5)], lambda x: graph.FlattenOp(x, 2), (6, 20)),
    ("flatten negative", [(2, 3, 4, 5)], lambda x: graph.FlattenOp(x, -1), (24, 5)),
    ("flatten 0", [(2, 3)], lambda x: graph.FlattenOp(x, 0), (1, 6)),
    ("transpose", [(2, 3, 4)], lambda x: graph.TransposeOp(x, [2, 0, 1]), (4, 2, 3)),
    ("squeeze", [(1, 3, 1, 4)], lambda x: graph.SqueezeOp(x, [0, -2]), (3, 4)),
    ("unsqueeze", [(3, 4)], lambda x: graph.UnsqueezeOp(x, [0, -1]), (1, 3, 4, 1)),
    ("concat", [(1, 2, 4), (1, 3, 4)], lambda a, b: graph.ConcatOp([a, b], 1), (1, 5, 4)),
    ("slice clamped", [(4, 10)], lambda x: graph.SliceOp(x, [-3, 1], [100, 3], [1, 0]), (2, 3)),
    ("pad", [(1, 2, 3)], lambda x: graph.PadOp(x, [0, 1, 2, 0, 3, 4]), (1, 6, 9)),
    ("upsample", [(1, 2, 3, 4)], lambda x: graph.UpsampleOp(x, 3), (1, 2, 9, 12)),
    ("depth_to_space", [(1, 8, 3, 3)], lambda x: graph.DepthToSpaceOp(x, 2), (1, 2, 6, 6)),
    ("channel_shuffle", [(1, 8, 3, 3)], lambda x: graph.ChannelShuffleOp(x, 4), (1, 8, 3, 3)),
    ("softmax", [(2, 5)], lambda x: graph.SoftmaxOp(x, -1), (2, 5)),
]


@pytest.mark.parametrize("shapes,make,expected", [c[1:] for c in SHAPE_CASES], ids=[c[0] for c in SHAPE_CASES])
def test_shape_rule(shapes, make, expected):
    assert result_shape(build(shapes, make)) == expected


def test_split_results():
    op = build([(2, 10)], lambda x: graph.SplitOp(x, [3, 7], -1))
    assert [tuple(r.type.get_shape()) for r in op.results] == [(2, 3), (2, 7)]


ERROR_CASES = [
    (
        "conv channels",
        [(1, 3, 8, 8), (4, 2, 3, 3)],
        lambda x, w: graph.Conv2DOp(x, w),
        "graph.conv2d: input has 3 channels but weight [4,2,3,3] expects 2",
    ),
    (
        "conv groups",
        [(1, 3, 8, 8), (4, 1, 3, 3)],
        lambda x, w: graph.Conv2DOp(x, w, groups=2),
        "graph.conv2d: 2 groups do not divide 3 input and 4 output channels",
    ),
    (
        "conv too small",
        [(1, 3, 2, 2), (4, 3, 3, 3)],
        lambda x, w: graph.Conv2DOp(x, w),
        "graph.conv2d: window of 3 does not fit input size 2 with padding 0",
    ),
    (
        "broadcast",
        [(1, 16, 8, 8), (1, 32, 8, 8)],
        graph.AddOp,
        "graph.add: shapes [1,16,8,8] and [1,32,8,8] do not broadcast",
    ),
    (
        "dense features",
        [(2, 5), (3, 4)],
        graph.DenseOp,
        "graph.dense: input [2,5] has 5 features but weight [3,4] expects 4",
    ),
    ("matmul inner", [(2, 3), (4, 5)], graph.MatMulOp, "graph.matmul: shapes [2,3] and [4,5] do not match (3 != 4)"),
    (
        "reshape count",
        [(2, 3)],
        lambda x: graph.ReshapeOp(x, [4, 2]),
        "graph.reshape: cannot reshape [2,3] (6 elements) into [4,2]",
    ),
    (
        "reshape two -1",
        [(2, 3)],
        lambda x: graph.ReshapeOp(x, [-1, -1]),
        "graph.reshape: at most one -1 is allowed in [-1,-1]",
    ),
    (
        "transpose perm",
        [(2, 3)],
        lambda x: graph.TransposeOp(x, [0, 0]),
        "graph.transpose: [0, 0] is not a permutation of the 2 axes of [2,3]",
    ),
    ("squeeze non-1", [(2, 3)], lambda x: graph.SqueezeOp(x, [0]), "graph.squeeze: axis 0 of [2,3] is not of size 1"),
    ("softmax axis", [(2, 3)], lambda x: graph.SoftmaxOp(x, 2), "graph.softmax: axis 2 is out of range for rank 2"),
    (
        "split sizes",
        [(2, 10)],
        lambda x: graph.SplitOp(x, [3, 3], 1),
        "graph.split: sizes [3, 3] do not add up to dimension 10 of [2,10]",
    ),
    (
        "concat",
        [(1, 2, 4), (1, 3, 5)],
        lambda a, b: graph.ConcatOp([a, b], 1),
        "graph.concat: shapes [1,2,4] and [1,3,5] differ outside axis 1",
    ),
    (
        "slice empty",
        [(4,)],
        lambda x: graph.SliceOp(x, [3], [2], [0]),
        "graph.slice: range 3:2 on axis 0 of [4] is empty or out of range",
    ),
    (
        "pool pad",
        [(1, 1, 8, 8)],
        lambda x: graph.MaxPoolOp(x, (2, 2), (2, 2), (2, 2, 2, 2)),
        "graph.maxpool: pad [2, 2, 2, 2] must be smaller than kernel [2, 2]",
    ),
    (
        "depth_to_space",
        [(1, 6, 2, 2)],
        lambda x: graph.DepthToSpaceOp(x, 2),
        "graph.depth_to_space: block 2*2 does not divide 6 channels",
    ),
    ("clip", [(4,)], lambda x: graph.ClipOp(x, 1.0, 0.0), "graph.clip: min 1.0 is greater than max 0.0"),
    (
        "batchnorm stats",
        [(1, 4, 2, 2), (4,), (4,), (4,), (3,)],
        graph.BatchNormOp,
        "graph.batchnorm: var must have shape [4], got [3]",
    ),
]


@pytest.mark.parametrize("shapes,make,message", [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_shape_error(shapes, make, message):
    with pytest.raises(graph.ShapeError) as info:
        build(shapes, make)
    assert str(info.value) == message


def test_embedding_needs_integer_ids():
    fn = func.FuncOp("f", ([TensorType(i64, [2, 3]), TensorType(f32, [10, 4])], []))
    with ImplicitBuilder(fn.body) as (ids, table):
        op = graph.EmbeddingOp(ids, table)
        func.ReturnOp()
    assert result_shape(op) == (2, 3, 4)
    with pytest.raises(graph.ShapeError, match="ids must be an integer tensor"):
        build([(2, 3), (10, 4)], graph.EmbeddingOp)


def test_verifier_rejects_wrong_result_type():
    op = build([(1, 4, 8, 8)], graph.ReluOp)
    bad = graph.ReshapeOp.create(
        operands=[op.output], result_types=[TensorType(f32, [4, 64])], properties={"shape": graph.i64_array([3, 100])}
    )
    with pytest.raises(VerifyException, match="cannot reshape"):
        bad.verify()
    good_props = graph.ReshapeOp.create(
        operands=[op.output], result_types=[TensorType(f32, [4, 64])], properties={"shape": graph.i64_array([8, 32])}
    )
    with pytest.raises(
        VerifyException, match=r"result types tensor<4x64xf32> do not match the inferred tensor<8x32xf32>"
    ):
        good_props.verify()


def test_every_compute_op_declares_a_mapping_type():
    ops = list(graph.Graph.operations)
    compute = [op for op in ops if issubclass(op, graph.GraphOp)]
    assert set(ops) - set(compute) == {graph.WeightOp, graph.ConstantOp}
    assert all(isinstance(op.MAPPING, M) for op in compute)
    assert {op.name: graph.missing_facts(op) for op in compute if graph.missing_facts(op)} == {}


def test_an_op_without_cost_facts_fails_verification():
    """A throwaway op with a mapping type but no partition or tiling: the verifier names the first missing fact."""

    @irdl_op_definition
    class ForgetfulOp(graph.GraphOp):
        name = "graph.forgetful"
        input = operand_def(TensorType)
        output = result_def(TensorType)
        MAPPING: ClassVar[M] = M.ONE_TO_ONE

        @classmethod
        def infer(cls, operand_types, props):
            return list(operand_types)

    assert graph.missing_facts(ForgetfulOp) == ["partition across cores (PARTITION)", "row tiling (TILING)"]
    x = build([(2, 3)], graph.ReluOp)
    op = ForgetfulOp.create(operands=[x.output], result_types=[x.output.type])
    with pytest.raises(
        VerifyException, match=r"^graph.forgetful: op declares no partition across cores \(PARTITION\)\n"
    ):
        op.verify()


def test_op_cost_facts():
    """Windows follow kernel, stride and dilation; a transpose reads runs of the input axes it keeps innermost."""
    conv = build([(1, 8, 16, 16), (4, 8, 3, 3)], lambda x, w: graph.Conv2DOp(x, w, stride=(2, 2), dilation=(2, 2)))
    assert conv.row_window() == graph.RowWindow(3, 2, 2)
    assert conv.row_window().input_rows(4) == 3 * 2 + 2 * 2 + 1
    assert conv.lane_lengths() == (8, 72)
    pool = build([(1, 8, 16, 16)], lambda x: graph.MaxPoolOp(x, (3, 3), (2, 2)))
    assert pool.row_window() == graph.RowWindow(3, 2, 1)
    assert build([(1, 8, 16, 16)], graph.ReluOp).row_window() == graph.ROW_WISE
    assert build([(1, 8, 16, 16)], graph.GlobalAvgPoolOp).row_window() is None
    assert build([(4, 8)], lambda x: graph.SoftmaxOp(x, axis=0)).row_window() is None
    assert build([(4, 8)], lambda x: graph.SoftmaxOp(x, axis=1)).row_window() == graph.ROW_WISE
    assert build([(2, 3, 4, 5)], lambda x: graph.TransposeOp(x, (0, 2, 1, 3))).access_run() == 5
    assert build([(2, 3, 4, 5)], lambda x: graph.TransposeOp(x, (1, 0, 2, 3))).access_run() == 20
    assert build([(2, 3, 4, 5)], lambda x: graph.TransposeOp(x, (0, 1, 3, 2))).access_run() == 1
    assert build([(1, 8, 4, 5)], lambda x: graph.ChannelShuffleOp(x, 2)).access_run() == 20
    assert build([(1, 8, 4, 5)], graph.ReluOp).access_run() is None
    assert graph.EmbeddingOp.GATHERED_OPERANDS == (1,)
    assert build([(4, 8), (8, 3)], graph.MatMulOp).partition() is graph.Partition.MATMUL
    assert build([(8,), (8,)], graph.MatMulOp).partition() is graph.Partition.ELEMENTS


MAPPING_CASES = [
    (graph.Conv2DOp, M.MANY_TO_MANY),
    (graph.DenseOp, M.MANY_TO_MANY),
    (graph.MatMulOp, M.MANY_TO_MANY),
    (graph.SoftmaxOp, M.MANY_TO_MANY),
    (graph.ReduceSumOp, M.MANY_TO_MANY),
    (graph.MaxPoolOp, M.MANY_TO_MANY),
    (graph.LayerNormOp, M.MANY_TO_MANY),
    (graph.BatchNormOp, M.ONE_TO_ONE),
    (graph.ReluOp, M.ONE_TO_ONE),
    (graph.ConcatOp, M.ONE_TO_ONE),
    (graph.SliceOp, M.ONE_TO_ONE),
    (graph.SplitOp, M.ONE_TO_ONE),
    (graph.UpsampleOp, M.ONE_TO_MANY),
    (graph.EmbeddingOp, M.ONE_TO_MANY),
    (graph.ReshapeOp, M.REORGANIZE),
    (graph.FlattenOp, M.REORGANIZE),
    (graph.SqueezeOp, M.REORGANIZE),
    (graph.TransposeOp, M.SHUFFLE),
    (graph.DepthToSpaceOp, M.SHUFFLE),
    (graph.ChannelShuffleOp, M.SHUFFLE),
]


@pytest.mark.parametrize("op,mapping", MAPPING_CASES, ids=[c[0].name for c in MAPPING_CASES])
def test_mapping_type_follows_dnnfusion_table_2(op, mapping):
    assert op.MAPPING == mapping


def test_broadcasting_binary_op_is_one_to_many():
    assert build([(1, 4, 2, 2), (1, 4, 2, 2)], graph.MulOp).mapping_type() == M.ONE_TO_ONE
    assert build([(1, 4, 2, 2), (4, 1, 1)], graph.MulOp).mapping_type() == M.ONE_TO_MANY


def test_flops():
    conv = build([(1, 3, 8, 8), (4, 3, 3, 3), (4,)], lambda x, w, b: graph.Conv2DOp(x, w, b, pad=(1, 1, 1, 1)))
    assert conv.flops() == 2 * (4 * 8 * 8) * (3 * 3 * 3) + 4 * 8 * 8
    assert build([(2, 5), (3, 5)], graph.DenseOp).flops() == 2 * 2 * 3 * 5
    assert build([(2, 4, 5), (5, 6)], graph.MatMulOp).flops() == 2 * 2 * 4 * 6 * 5
    assert build([(10,)], graph.SigmoidOp).flops() == 40
    assert build([(1, 2, 4, 4)], lambda x: graph.MaxPoolOp(x, (2, 2), (2, 2))).flops() == 1 * 2 * 2 * 2 * 4
    assert build([(2, 3)], lambda x: graph.TransposeOp(x, [1, 0])).flops() == 0


@pytest.mark.parametrize(
    "value,text",
    [
        (1e-5, "1.0e-05"),
        (0.5, "0.5"),
        (-2.0, "-2.0"),
        (1.5e20, "1.5e+20"),
        (float("inf"), "inf"),
        (-float("inf"), "-inf"),
    ],
)
def test_constant_prints_its_value_and_parses_back(value, text):
    fn = func.FuncOp("f", ([], []))
    with ImplicitBuilder(fn.body):
        graph.ConstantOp(value, f32)
        func.ReturnOp()
    module = ModuleOp([fn])
    assert f"graph.constant {text} : tensor<f32>" in str(module)
    parsed = Parser(make_context(), str(module)).parse_module()
    assert str(parsed) == str(module)


def test_unary_float_only():
    with pytest.raises(graph.ShapeError, match="graph.relu: needs a floating-point tensor"):
        build([(3,)], graph.ReluOp, dtype=i64)
    assert result_shape(build([(3,)], graph.NegOp, dtype=i64)) == (3,)


def test_values_are_ssa():
    op = build([(2, 2)], graph.ReluOp)
    assert isinstance(op.output, SSAValue)
