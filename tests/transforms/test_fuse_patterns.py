"""fuse-patterns: TVM FuseOps' fixed patterns, and fuse-none."""

from __future__ import annotations

from fusion_testing import fuse, graph_ops, group_labels, groups, label, model
from xdsl.dialects.builtin import ModuleOp

from dlfc.compiler.transforms.fuse_none import FuseNonePass
from dlfc.compiler.transforms.fuse_patterns import FusePatternsPass, Partitioner


def partition(module: ModuleOp, max_depth: int = 256) -> list[list[str]]:
    ops = graph_ops(module)
    return sorted([label(ops[i]) for i in part] for part in Partitioner(ops, max_depth).run())


def test_complex_op_absorbs_the_elementwise_and_broadcast_chain_after_it():
    m = model("y = relu(batchnorm(conv2d(x, 8, kernel=3, pad=1)) + x)\noutput y")
    assert partition(m) == [["conv2d", "batchnorm", "add", "y"]]


def test_two_complex_ops_never_share_a_group():
    m = model("a = conv2d(x, 8, kernel=3, pad=1)\ny = relu(conv2d(a, 8, kernel=3, pad=1))\noutput y")
    assert partition(m) == [["a"], ["conv2d", "y"]]


def test_complex_op_does_not_absorb_injective_ops():
    m = model("y = transpose(reshape(dense(x, 32), [1, 8, 4, 8]), [0, 2, 1, 3])\noutput y", "x: f32[1, 8, 32]")
    assert partition(m) == [["dense"], ["reshape", "y"]]  # and the injective chain fuses


def test_injective_chain_does_not_fuse_into_a_complex_op():
    m = model(
        "k = transpose(reshape(x, [1, 8, 4, 8]), [0, 2, 3, 1])\ny = matmul(transpose(reshape(x, [1, 8, 4, 8]), [0, 2, 1, 3]), k)\noutput y",
        "x: f32[1, 8, 32]",
    )
    parts = partition(m)
    assert ["y"] in parts and ["reshape", "k"] in parts


def test_reduction_absorbs_elementwise_producers():
    m = model("y = reduce_sum(exp(x) * 2.0, [1])\noutput y", "x: f32[4, 16]")
    assert partition(m) == [["exp", "mul", "y"]]


def test_elementwise_op_does_not_fuse_into_a_complex_consumer():
    m = model("y = dense(relu(x), 16)\noutput y", "x: f32[1, 32]")
    assert partition(m) == [["relu"], ["y"]]


def test_elementwise_branch_joins_a_complex_group_at_their_common_sink():
    m = model("y = conv2d(x, 8, kernel=3, pad=1) + relu(x)\noutput y")
    assert partition(m) == [["conv2d", "relu", "y"]]


def test_a_returned_value_is_not_fused_into_its_consumers():
    m = model("a = relu(x)\nb = sigmoid(a)\noutput a, b", "x: f32[1, 64]")
    assert partition(m) == [["a"], ["b"]]


def test_max_depth_bounds_the_group_size():
    body = "\n".join(["h = x", *["h = relu(h)"] * 10, "output h"])
    assert max(map(len, partition(model(body, "x: f32[1, 64]"), max_depth=4))) <= 4
    assert partition(model(body, "x: f32[1, 64]")) == [["h"] * 10]


def test_pass_annotates_pattern_and_mapping_and_reports_statistics():
    m = model("y = relu(conv2d(x, 8, kernel=3, pad=1))\nz = transpose(y, [0, 1, 3, 2])\noutput z")
    stats = fuse(m, FusePatternsPass())
    assert [(g.attributes["fusion.pattern"].data, g.attributes["fusion.mapping"].data) for g in groups(m)] == [  # type: ignore[attr-defined]
        ("out_ewise_fusable", "many_to_many"),
        ("injective", "shuffle"),
    ]
    assert stats["fusion groups"] == 2


def test_fuse_none_puts_every_op_alone():
    m = model("y = relu(conv2d(x, 8, kernel=3, pad=1))\noutput y")
    stats = fuse(m, FuseNonePass())
    assert group_labels(m) == [["conv2d"], ["y"]]
    assert stats["fusion groups"] == 2 and stats["one_to_one groups"] == 1
