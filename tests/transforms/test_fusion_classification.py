"""Operator classification (DNNFusion's Table 2) as part of the IR, and TVM's pattern kinds."""

from __future__ import annotations

from typing import ClassVar

import pytest
from xdsl.dialects.builtin import TensorType, f32
from xdsl.irdl import irdl_op_definition, operand_def, result_def
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.test_value import create_ssa_value

from dlfc.compiler.transforms.fuse_patterns import OP_PATTERNS, op_pattern
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
        )
    },
    graph.BatchNormOp: OTO,
    graph.ConcatOp: OTO,
    graph.SplitOp: OTO,
    graph.SliceOp: OTO,
    graph.PadOp: OTO,
    graph.EmbeddingOp: OTM,  # Gather
    graph.UpsampleOp: OTM,  # Upsample / Resize
    graph.Conv2DOp: MTM,
    graph.DenseOp: MTM,  # GEMM
    graph.MatMulOp: MTM,
    graph.LayerNormOp: MTM,  # a normalisation over an axis, like InstanceNormalization
    graph.SoftmaxOp: MTM,
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


def test_mapping_types_are_ordered_by_complexity():
    assert OTO < REORG < SHUF < OTM < MTM


@irdl_op_definition
class UnclassifiedOp(graph.StructuredOp):
    """A compute op someone added without a mapping type."""

    name = "test.unclassified"
    input = operand_def(TensorType)
    output = result_def(TensorType)

    @classmethod
    def infer(cls, operand_types, props):
        return [operand_types[0]]


@irdl_op_definition
class DeclaredOp(graph.StructuredOp):
    name = "test.declared"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    MAPPING: ClassVar[MappingType] = SHUF
    PARTITION: ClassVar[graph.Partition] = graph.Partition.ELEMENTS
    TILING: ClassVar[graph.Tiling] = graph.Tiling.NONE

    @classmethod
    def infer(cls, operand_types, props):
        return [operand_types[0]]

    def access_run(self) -> int:
        return 1


def test_an_op_without_a_mapping_type_does_not_verify():
    t = TensorType(f32, [4])
    with pytest.raises(VerifyException, match="declares no DNNFusion mapping type"):
        UnclassifiedOp.create(operands=[value(4)], result_types=[t]).verify()
    DeclaredOp.create(operands=[value(4)], result_types=[t]).verify()


@pytest.mark.parametrize("op", COMPUTE_OPS, ids=lambda op: op.name)
def test_every_op_has_a_tvm_pattern_kind(op: type[graph.GraphOp]):
    kinds = [OP_PATTERNS[c] for c in op.__mro__ if c in OP_PATTERNS]
    assert kinds and kinds[0] != Pattern.OPAQUE


def test_tvm_pattern_kinds_of_representative_ops():
    assert op_pattern(graph.ReluOp(value(4))) == Pattern.ELEMWISE
    assert op_pattern(graph.AddOp(value(4), value(4))) == Pattern.BROADCAST
    assert op_pattern(graph.TransposeOp(value(2, 3), [1, 0])) == Pattern.INJECTIVE
    assert op_pattern(graph.ReduceSumOp(value(2, 3), [1])) == Pattern.COMM_REDUCE
    assert op_pattern(graph.MatMulOp(value(2, 3), value(3, 4))) == Pattern.OUT_EWISE_FUSABLE
    assert op_pattern(DeclaredOp.create(operands=[value(4)], result_types=[TensorType(f32, [4])])) == Pattern.OPAQUE
