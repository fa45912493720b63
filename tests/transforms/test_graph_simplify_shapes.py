"""graph-simplify-shapes: transpose and reshape composition, squeeze/unsqueeze pairs, identity shape ops."""

from __future__ import annotations

from rewrite_testing import check_rewrite, check_unchanged, dlm

from dlfc.compiler.transforms.graph_simplify_shapes import GraphSimplifyShapesPass


def test_transposes_and_reshapes_compose() -> None:
    """transpose∘transpose is one transpose (or none); reshape-like chains are one reshape (or none)."""
    source = dlm("""
        model m {
          input x: f32[2, 3, 4, 5]
          a = transpose(transpose(x, [0, 2, 1, 3]), [0, 2, 1, 3])
          b = transpose(transpose(x, [0, 2, 3, 1]), [0, 2, 1, 3])
          c = reshape(flatten(x), [6, 20])
          d = unsqueeze(squeeze(unsqueeze(x, 0), 0), 2)
          e = squeeze(unsqueeze(x, 1), 1)
          f = transpose(unsqueeze(x, 1), [0, 2, 1, 3, 4])
          output a, b, c, d, e, f
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<2x3x4x5xf32>) -> (tensor<2x3x4x5xf32>, tensor<2x5x4x3xf32>, tensor<6x20xf32>, tensor<2x3x1x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x1x4x5xf32>) {
    %b = graph.transpose %x {perm = array<i64: 0, 3, 2, 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x5x4x3xf32>
    %c = graph.reshape %x {shape = array<i64: 6, 20>} : (tensor<2x3x4x5xf32>) -> tensor<6x20xf32>
    %d = graph.unsqueeze %x {axes = array<i64: 2>} : (tensor<2x3x4x5xf32>) -> tensor<2x3x1x4x5xf32>
    %f = graph.reshape %x {shape = array<i64: 2, 3, 1, 4, 5>} : (tensor<2x3x4x5xf32>) -> tensor<2x3x1x4x5xf32>
    func.return %x, %b, %c, %d, %x, %f : tensor<2x3x4x5xf32>, tensor<2x5x4x3xf32>, tensor<6x20xf32>, tensor<2x3x1x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x1x4x5xf32>
  }
}
"""
    statistics = check_rewrite(GraphSimplifyShapesPass(), source, expected)
    assert statistics == {"compose-reshapes": 4, "compose-transposes": 2, "transpose-to-reshape": 1}


def test_shape_ops_that_move_nothing_disappear() -> None:
    """A full slice, zero padding, one-input concat, scale-1 upsample, C-group shuffle, block-1 depth_to_space,
    one-part split and identity transpose return their input; the last transpose moves data and stays."""
    source = dlm("""
        model m {
          input x: f32[1, 4, 6, 6]
          a = slice(x, [0], [6], [2])
          b = pad(a, [0, 0, 0, 0, 0, 0, 0, 0])
          c = concat(b, axis=1)
          d = upsample(c, 1)
          e = channel_shuffle(d, 4)
          f = depth_to_space(e, 1)
          g = split(f, 1, 1)
          h = transpose(g, [0, 1, 2, 3])
          i = transpose(h, [2, 1, 0, 3])
          output i
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x4x6x6xf32>) -> tensor<6x4x1x6xf32> {
    %i = graph.transpose %x {perm = array<i64: 2, 1, 0, 3>} : (tensor<1x4x6x6xf32>) -> tensor<6x4x1x6xf32>
    func.return %i : tensor<6x4x1x6xf32>
  }
}
"""
    statistics = check_rewrite(GraphSimplifyShapesPass(), source, expected)
    assert statistics == {
        f"identity-{op}": 1
        for op in ("slice", "pad", "concat", "upsample", "channel_shuffle", "depth_to_space", "split", "transpose")
    }


def test_shape_ops_that_move_data_stay() -> None:
    """A real transpose, reshapes around a transpose, a partial slice, a 2-group channel shuffle."""
    check_unchanged(
        GraphSimplifyShapesPass(),
        dlm("""
        model m {
          input x: f32[2, 4, 6, 6]
          a = transpose(x, [0, 2, 1, 3])
          b = reshape(transpose(reshape(x, [2, 4, 36]), [0, 2, 1]), [2, 144])
          c = slice(x, [1], [5], [2])
          d = channel_shuffle(x, 2)
          output a, b, c, d
        }
    """),
    )
