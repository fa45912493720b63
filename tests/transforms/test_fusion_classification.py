"""Operator classification (DNNFusion's Table 2) as part of the IR, and TVM's pattern kinds."""

from __future__ import annotations

from typing import ClassVar

import pytest
from xdsl.dialects.builtin import TensorType, f32
from xdsl.irdl import irdl_op_definition, operand_def, result_def
from xdsl.utils.test_value import create_ssa_value

from dlfc.compiler.utils.fusion_table import MTM, OTM, OTO, REORG, SHUF
from dlfc.dialects import graph
from dlfc.dialects.graph import MappingType
from dlfc.dialects.graph import PatternKind as Pattern

# Each compute op of the graph dialect and its row of the paper's Table 2.
TABLE_2: dict[type[graph.GraphOp], MappingType] = {
    **{op: OTO for op in (graph.AddOp, graph.SubOp, graph.MulOp, graph.DivOp, graph.MaxOp, graph.MinOp, graph.PowOp)},
    **{
        op: OTO
        for op in (
            graph.ReluOp,
            graph.Relu6Op,
            graph.LeakyReluOp,
            graph.SigmoidOp,
            graph.TanhOp,
            graph.GeluOp,
            graph.SiluOp,
            graph.HardSwishOp,
            graph.HardSigmoidOp,
            graph.ExpOp,
            graph.LogOp,
            graph.SqrtOp,
            graph.RsqrtOp,
            graph.ReciprocalOp,
            graph.SquareOp,
            graph.NegOp,
            graph.AbsOp,
            graph.ErfOp,
            graph.ClipOp,
            graph.EluOp,
            graph.SeluOp,
            graph.SoftplusOp,
            graph.SignOp,
            graph.ShrinkOp,
        )
    },
    graph.PReluOp: OTO,  # an activation whose slope is a weight, as batchnorm's scale
    graph.BatchNormOp: OTO,
    graph.ConcatOp: OTO,
    graph.SplitOp: OTO,
    graph.SliceOp: OTO,
    graph.PadOp: OTO,
    graph.EmbeddingOp: OTM,  # Gather
    graph.UpsampleOp: OTM,  # Upsample / Resize
    graph.ResizeOp: OTM,  # Resize
    graph.Conv2DOp: MTM,
    graph.ConvTransposeOp: MTM,
    graph.LRNOp: MTM,  # a window of channels, like a pooling across them
    graph.DenseOp: MTM,  # GEMM
    graph.MatMulOp: MTM,
    graph.LayerNormOp: MTM,  # a normalisation over an axis, like InstanceNormalization
    graph.SoftmaxOp: MTM,
    graph.LogSoftmaxOp: MTM,
    graph.InstanceNormOp: MTM,
    graph.ExpandOp: OTM,
    graph.TileOp: OTM,
    graph.ReduceSumOp: MTM,
    graph.ReduceMeanOp: MTM,
    graph.ReduceMaxOp: MTM,
    graph.ReduceProdOp: MTM,
    graph.MaxPoolOp: MTM,
    graph.AvgPoolOp: MTM,
    graph.GlobalAvgPoolOp: MTM,
    graph.ReshapeOp: REORG,
    graph.FlattenOp: REORG,
    graph.SqueezeOp: REORG,
    graph.UnsqueezeOp: REORG,
    graph.TransposeOp: SHUF,
    graph.ChannelShuffleOp: SHUF,
    graph.DepthToSpaceOp: SHUF,
}

COMPUTE_OPS = [op for op in graph.Graph.operations if issubclass(op, graph.GraphOp)]


def test_every_compute_op_of_the_dialect_is_classified_here():
    assert set(COMPUTE_OPS) == set(TABLE_2)
    assert {op for op in graph.Graph.operations if op not in TABLE_2} == {graph.WeightOp, graph.ConstantOp}


@pytest.mark.parametrize("op", COMPUTE_OPS, ids=lambda op: op.name)
def test_op_declares_its_table_2_mapping_type(op: type[graph.GraphOp]):
    assert op.MAPPING == TABLE_2[op]


def value(*shape: int):
    return create_ssa_value(TensorType(f32, shape))


@pytest.mark.parametrize(
    "op", [graph.AddOp, graph.SubOp, graph.MulOp, graph.DivOp, graph.MaxOp, graph.MinOp, graph.PowOp]
)
def test_binary_ops_are_one_to_many_when_they_broadcast(op: type[graph.BinaryOp]):
    assert op(value(2, 3), value(2, 3)).mapping_type() == OTO
    assert op(value(2, 3), value(3)).mapping_type() == OTM
    assert op(value(2, 1), value(2, 3)).mapping_type() == OTM
    assert op(value(2, 3), value()).mapping_type() == OTM


@pytest.mark.parametrize("mode", ["reflect", "edge", "wrap"])
def test_pad_copying_edges_outward_is_one_to_many(mode: str):
    """Constant padding reads each input element once; the other modes read edge elements for several outputs."""
    assert graph.PadOp(value(4, 5), [0, 1, 0, 2]).mapping_type() == OTO
    assert graph.PadOp(value(4, 5), [0, 1, 0, 2], mode=mode).mapping_type() == OTM
    assert graph.PadOp(value(4, 5), [0, 0, 0, 0], mode=mode).mapping_type() == OTO


def test_mapping_types_are_ordered_by_complexity():
    assert OTO < REORG < SHUF < OTM < MTM


def test_an_op_without_a_mapping_type_fails_when_defined():
    with pytest.raises(
        graph.MissingOpFact, match=r"^test.unclassified: op declares no DNNFusion mapping type \(MAPPING\)$"
    ):

        class UnclassifiedOp(graph.StructuredOp):
            """A compute op someone added without a mapping type."""

            name = "test.unclassified"
            input = operand_def(TensorType)
            output = result_def(TensorType)
            PATTERN: ClassVar[Pattern] = Pattern.ELEMWISE
            IDENTITY: ClassVar[graph.Identity] = graph.Identity.NEVER
            PARTITION: ClassVar[graph.Partition] = graph.Partition.ELEMENTS
            TILING: ClassVar[graph.Tiling] = graph.Tiling.NONE


@irdl_op_definition
class DeclaredOp(graph.StructuredOp):
    """A compute op with every fact declared, TVM's kOpaque among them."""

    name = "test.declared"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    MAPPING: ClassVar[MappingType] = SHUF
    PATTERN: ClassVar[Pattern] = Pattern.OPAQUE
    IDENTITY: ClassVar[graph.Identity] = graph.Identity.NEVER
    PARTITION: ClassVar[graph.Partition] = graph.Partition.ELEMENTS
    TILING: ClassVar[graph.Tiling] = graph.Tiling.NONE

    @classmethod
    def infer(cls, operand_types, props):
        return [operand_types[0]]

    def access_run(self) -> int:
        return 1


TVM_PATTERNS: dict[type[graph.GraphOp], Pattern] = {
    graph.UnaryOp: Pattern.ELEMWISE,
    graph.BinaryOp: Pattern.BROADCAST,
    graph.BatchNormOp: Pattern.BROADCAST,
    graph.UnsqueezeOp: Pattern.BROADCAST,
    graph.ReduceOp: Pattern.COMM_REDUCE,
    graph.Conv2DOp: Pattern.OUT_EWISE_FUSABLE,
    graph.ConvTransposeOp: Pattern.OUT_EWISE_FUSABLE,  # nn.conv2d_transpose
    graph.LRNOp: Pattern.OPAQUE,  # nn.lrn
    graph.DenseOp: Pattern.OUT_EWISE_FUSABLE,
    graph.MatMulOp: Pattern.OUT_EWISE_FUSABLE,
    graph.PoolOp: Pattern.OUT_EWISE_FUSABLE,
    graph.GlobalAvgPoolOp: Pattern.OUT_EWISE_FUSABLE,
    graph.SoftmaxOp: Pattern.OUT_EWISE_FUSABLE,
    graph.LogSoftmaxOp: Pattern.OUT_EWISE_FUSABLE,
    graph.LayerNormOp: Pattern.OUT_EWISE_FUSABLE,
    graph.InstanceNormOp: Pattern.OUT_EWISE_FUSABLE,
    graph.PReluOp: Pattern.BROADCAST,
    graph.ExpandOp: Pattern.BROADCAST,
    graph.TileOp: Pattern.INJECTIVE,
    graph.EmbeddingOp: Pattern.INJECTIVE,
    graph.ReshapeOp: Pattern.INJECTIVE,
    graph.FlattenOp: Pattern.INJECTIVE,
    graph.SqueezeOp: Pattern.INJECTIVE,
    graph.TransposeOp: Pattern.INJECTIVE,
    graph.ConcatOp: Pattern.INJECTIVE,
    graph.SplitOp: Pattern.INJECTIVE,
    graph.SliceOp: Pattern.INJECTIVE,
    graph.PadOp: Pattern.INJECTIVE,
    graph.UpsampleOp: Pattern.INJECTIVE,
    graph.ResizeOp: Pattern.INJECTIVE,  # image.resize2d
    graph.ChannelShuffleOp: Pattern.INJECTIVE,
    graph.DepthToSpaceOp: Pattern.INJECTIVE,
}
"""The TOpPattern TVM registers for each op, or for the Relay ops it decomposes it into
(batchnorm: SimplifyInference makes it a multiply and an add; GELU, SiLU, HardSwish: elementwise)."""


@pytest.mark.parametrize("op", COMPUTE_OPS, ids=lambda op: op.name)
def test_every_op_declares_the_tvm_pattern_kind(op: type[graph.GraphOp]):
    (expected,) = [TVM_PATTERNS[c] for c in op.__mro__ if c in TVM_PATTERNS][:1]
    assert op.PATTERN == expected


def test_tvm_pattern_kinds_of_representative_ops():
    assert graph.ReluOp(value(4)).PATTERN == Pattern.ELEMWISE
    assert graph.AddOp(value(4), value(4)).PATTERN == Pattern.BROADCAST
    assert graph.TransposeOp(value(2, 3), [1, 0]).PATTERN == Pattern.INJECTIVE
    assert graph.ReduceSumOp(value(2, 3), [1]).PATTERN == Pattern.COMM_REDUCE
    assert graph.MatMulOp(value(2, 3), value(3, 4)).PATTERN == Pattern.OUT_EWISE_FUSABLE
    declared = DeclaredOp.create(operands=[value(4)], result_types=[TensorType(f32, [4])])
    declared.verify()
    assert declared.PATTERN == Pattern.OPAQUE
