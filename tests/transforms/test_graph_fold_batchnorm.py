"""graph-fold-batchnorm: batch norm and per-channel scale/shift folded into conv2d and dense weights."""

from __future__ import annotations

import numpy as np
from rewrite_testing import check_rewrite, check_unchanged, dlm, parse, run_passes
from xdsl.dialects.builtin import TensorType, f32

from dlfc.compiler.transforms.graph_fold_batchnorm import GraphFoldBatchNormPass
from dlfc.hw.weights import initial_value, store_of

AGGRESSIVE = GraphFoldBatchNormPass(fp_model="aggressive")


def test_batchnorm_folds_into_conv2d_without_bias() -> None:
    """bn(conv(x, W)) = conv(x, W·f, bias − mean·f) with f = scale/√(var + eps) (aggressive: every f)."""
    source = dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          conv = conv2d(x, 4, kernel=3, pad=1, bias=false)
          y = batchnorm(conv)
          output y
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %conv.weight.folded = graph.weight "conv.weight.folded" {init = "stored"} : tensor<4x3x3x3xf32>
    %conv.bias.folded = graph.weight "conv.bias.folded" {init = "stored"} : tensor<4xf32>
    %y = graph.conv2d %x, %conv.weight.folded, %conv.bias.folded {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    func.return %y : tensor<1x4x8x8xf32>
  }
}
"""
    assert check_rewrite(AGGRESSIVE, source, expected) == {"batchnorm-into-conv2d": 1}


def test_fast_keeps_the_factors_above_one_in_a_mul_after_the_conv() -> None:
    """Under fast, f = inner·outer with inner = f where |f| ≤ 1: conv(x, W·inner, shift/outer)·outer."""
    source = dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          cv = conv2d(x, 4, kernel=3, pad=1, bias=false)
          y = batchnorm(cv)
          output y
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %cv.weight.folded = graph.weight "cv.weight.folded" {init = "stored"} : tensor<4x3x3x3xf32>
    %cv.bias.folded = graph.weight "cv.bias.folded" {init = "stored"} : tensor<4xf32>
    %cv = graph.conv2d %x, %cv.weight.folded, %cv.bias.folded {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %cv.scale.folded = graph.weight "cv.scale.folded" {init = "stored"} : tensor<4x1x1xf32>
    %y = graph.mul %cv, %cv.scale.folded : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
    func.return %y : tensor<1x4x8x8xf32>
  }
}
"""
    assert check_rewrite(GraphFoldBatchNormPass(), source, expected) == {"batchnorm-into-conv2d": 1}
    module = parse(source)
    run_passes(module, GraphFoldBatchNormPass())
    stats = {
        p: initial_value(f"y.{p}", TensorType(f32, [4]), init).astype(np.float64)
        for p, init in (("scale", "bn_scale"), ("bias", "bn_shift"), ("mean", "bn_shift"), ("var", "bn_var"))
    }
    factor = stats["scale"] / np.sqrt(stats["var"] + 1e-5)
    assert (np.abs(factor) > 1).any() and (np.abs(factor) <= 1).any()  # both kinds of channel
    inner, outer = np.where(np.abs(factor) <= 1, factor, 1.0), np.where(np.abs(factor) <= 1, 1.0, factor)
    weight = initial_value("cv.weight", TensorType(f32, [4, 3, 3, 3]), "he_normal")
    arrays = store_of(module).arrays
    np.testing.assert_allclose(arrays["cv.scale.folded"].ravel(), outer, rtol=1e-6)
    np.testing.assert_allclose(arrays["cv.weight.folded"], weight * inner[:, None, None, None], rtol=1e-6)
    shift = stats["bias"] - stats["mean"] * factor
    np.testing.assert_allclose(arrays["cv.bias.folded"], shift / outer, rtol=1e-6)


def test_fast_folds_everything_when_every_factor_is_at_most_one() -> None:
    """With eps = 2, f = U(0.5, 1.5)/√(U(0.5, 1.5) + 2) < 1 on every channel: the whole batch norm folds."""
    source = dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          conv = conv2d(x, 4, kernel=3, pad=1, bias=false)
          y = batchnorm(conv, eps=2.0)
          output y
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %conv.weight.folded = graph.weight "conv.weight.folded" {init = "stored"} : tensor<4x3x3x3xf32>
    %conv.bias.folded = graph.weight "conv.bias.folded" {init = "stored"} : tensor<4xf32>
    %y = graph.conv2d %x, %conv.weight.folded, %conv.bias.folded {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    func.return %y : tensor<1x4x8x8xf32>
  }
}
"""
    assert check_rewrite(GraphFoldBatchNormPass(), source, expected) == {"batchnorm-into-conv2d": 1}


def test_fast_folds_only_the_shift_when_every_factor_exceeds_one() -> None:
    """conv(x, W, b)·s + t with every |s| > 1 = conv(x, W, b + t/s)·s: the weights stay, a mul remains."""
    source = dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          cv = conv2d(x, 4, kernel=3, pad=1)
          y = cv * 4.0 - 1.0
          output y
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %cv.weight.folded = graph.weight "cv.weight.folded" {init = "stored"} : tensor<4x3x3x3xf32>
    %cv.bias.folded = graph.weight "cv.bias.folded" {init = "stored"} : tensor<4xf32>
    %cv = graph.conv2d %x, %cv.weight.folded, %cv.bias.folded {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %cv.scale.folded = graph.weight "cv.scale.folded" {init = "stored"} : tensor<4x1x1xf32>
    %y = graph.mul %cv, %cv.scale.folded : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
    func.return %y : tensor<1x4x8x8xf32>
  }
}
"""
    assert check_rewrite(GraphFoldBatchNormPass(), source, expected) == {"mul-into-conv2d": 1, "sub-into-conv2d": 1}
    module = parse(source)
    run_passes(module, GraphFoldBatchNormPass())
    arrays = store_of(module).arrays
    weight = initial_value("cv.weight", TensorType(f32, [4, 3, 3, 3]), "he_normal")
    np.testing.assert_array_equal(arrays["cv.weight.folded"], weight)
    np.testing.assert_array_equal(arrays["cv.bias.folded"], np.full(4, -0.25, np.float32))  # zeros + (−1)/4
    np.testing.assert_array_equal(arrays["cv.scale.folded"].ravel(), np.full(4, 4.0, np.float32))


def test_a_conv_followed_by_scales_above_one_only_stays_as_it_is() -> None:
    """Nothing left to fold under fast (the form the fold produces): the pass reaches a fixed point."""
    check_unchanged(
        GraphFoldBatchNormPass(),
        dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          output conv2d(x, 4, kernel=3, pad=1) * 4.0
        }
    """),
    )


def test_folded_weights_are_in_the_store() -> None:
    module = parse(
        dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          y = batchnorm(conv2d(x, 4, kernel=3, bias=false), eps=0.001)
          output y
        }
    """)
    )
    run_passes(module, AGGRESSIVE)
    stats = {
        p: initial_value(f"y.batchnorm.{p}", TensorType(f32, [4]), init).astype(np.float64)
        for p, init in (("scale", "bn_scale"), ("bias", "bn_shift"), ("mean", "bn_shift"), ("var", "bn_var"))
    }
    weight = initial_value("y.conv2d.weight", TensorType(f32, [4, 3, 3, 3]), "he_normal")
    factor = stats["scale"] / np.sqrt(stats["var"] + 0.001)
    arrays = store_of(module).arrays
    np.testing.assert_allclose(arrays["y.conv2d.weight.folded"], weight * factor[:, None, None, None], rtol=1e-6)
    np.testing.assert_allclose(arrays["y.conv2d.bias.folded"], stats["bias"] - stats["mean"] * factor, rtol=1e-6)
    assert arrays["y.conv2d.weight.folded"].dtype == np.float32


def test_a_chain_of_per_channel_affine_ops_folds_at_once() -> None:
    """conv, batchnorm, ·s, +t, −0.5, /2 (s, t per channel) become one conv with one new weight and bias."""
    source = dlm("""
        model m {
          param s: f32[4, 1, 1]
          param t: f32[1, 4, 1, 1]
          input x: f32[1, 3, 8, 8]
          conv = conv2d(x, 4, kernel=3, stride=2)
          bn = batchnorm(conv)
          y = (s * bn + t - 0.5) / 2.0
          output relu(y)
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x3x3xf32> {
    %conv.weight.folded = graph.weight "conv.weight.folded" {init = "stored"} : tensor<4x3x3x3xf32>
    %conv.bias.folded = graph.weight "conv.bias.folded" {init = "stored"} : tensor<4xf32>
    %y = graph.conv2d %x, %conv.weight.folded, %conv.bias.folded {stride = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
    %0 = graph.relu %y : tensor<1x4x3x3xf32>
    func.return %0 : tensor<1x4x3x3xf32>
  }
}
"""
    statistics = check_rewrite(AGGRESSIVE, source, expected)
    assert statistics == {
        "batchnorm-into-conv2d": 1,
        "mul-into-conv2d": 1,
        "add-into-conv2d": 1,
        "sub-into-conv2d": 1,
        "div-into-conv2d": 1,
    }


def test_batchnorm_folds_into_dense() -> None:
    """On [N, features], batch norm's axis 1 is dense's output axis."""
    source = dlm("""
        model m {
          input x: f32[2, 16]
          fc = dense(x, 8)
          y = batchnorm(fc)
          output y
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
    %fc.weight.folded = graph.weight "fc.weight.folded" {init = "stored"} : tensor<8x16xf32>
    %fc.bias.folded = graph.weight "fc.bias.folded" {init = "stored"} : tensor<8xf32>
    %y = graph.dense %x, %fc.weight.folded, %fc.bias.folded : (tensor<2x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<2x8xf32>
    func.return %y : tensor<2x8xf32>
  }
}
"""
    assert check_rewrite(AGGRESSIVE, source, expected) == {"batchnorm-into-dense": 1}


def test_a_conv_used_twice_keeps_its_weights_and_the_batchnorm_becomes_mul_add() -> None:
    source = dlm("""
        model m {
          input x: f32[1, 3, 8, 8]
          conv = conv2d(x, 4, kernel=1, bias=false)
          y = batchnorm(conv)
          output y, conv
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
    %conv.weight = graph.weight "conv.weight" {init = "he_normal"} : tensor<4x3x1x1xf32>
    %conv = graph.conv2d %x, %conv.weight : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
    %y.scale.folded = graph.weight "y.scale.folded" {init = "stored"} : tensor<4x1x1xf32>
    %y.shift.folded = graph.weight "y.shift.folded" {init = "stored"} : tensor<4x1x1xf32>
    %y = graph.mul %conv, %y.scale.folded : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
    %y_1 = graph.add %y, %y.shift.folded : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
    func.return %y_1, %conv : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
  }
}
"""
    assert check_rewrite(GraphFoldBatchNormPass(), source, expected) == {"batchnorm-decomposed": 1}


def test_batchnorm_after_a_rank3_dense_is_not_on_its_output_axis() -> None:
    """On [1, S, features], batch norm's axis 1 is the sequence: it cannot move into dense's weights."""
    source = dlm("""
        model m {
          input x: f32[1, 5, 16]
          fc = dense(x, 8)
          y = batchnorm(fc)
          output y
        }
    """)
    expected = """
builtin.module {
  func.func @m(%x: tensor<1x5x16xf32>) -> tensor<1x5x8xf32> {
    %fc.weight = graph.weight "fc.weight" {init = "he_normal"} : tensor<8x16xf32>
    %fc.bias = graph.weight "fc.bias" {init = "zeros"} : tensor<8xf32>
    %fc = graph.dense %x, %fc.weight, %fc.bias : (tensor<1x5x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
    %y.scale.folded = graph.weight "y.scale.folded" {init = "stored"} : tensor<5x1xf32>
    %y.shift.folded = graph.weight "y.shift.folded" {init = "stored"} : tensor<5x1xf32>
    %y = graph.mul %fc, %y.scale.folded : (tensor<1x5x8xf32>, tensor<5x1xf32>) -> tensor<1x5x8xf32>
    %y_1 = graph.add %y, %y.shift.folded : (tensor<1x5x8xf32>, tensor<5x1xf32>) -> tensor<1x5x8xf32>
    func.return %y_1 : tensor<1x5x8xf32>
  }
}
"""
    assert check_rewrite(GraphFoldBatchNormPass(), source, expected) == {"batchnorm-decomposed": 1}


def test_scale_shift_that_is_not_per_channel_stays() -> None:
    """Not folded: a scale varying over H and W, a run-time scale, c − conv, and a conv used twice."""
    check_unchanged(
        GraphFoldBatchNormPass(),
        dlm("""
        model m {
          param s: f32[1, 4, 8, 8]
          param u: f32[8]
          input x: f32[1, 3, 8, 8]
          input z: f32[1, 4, 1, 1]
          a = conv2d(x, 4, kernel=3, pad=1) * s
          b = conv2d(x, 4, kernel=3, pad=1) * z
          c = u - conv2d(x, 4, kernel=3, pad=1)
          d = conv2d(x, 4, kernel=3, pad=1)
          e = d * 2.0
          output a, b, c, e, d
        }
    """),
    )


SHARED_WEIGHT = """
func.func @main(%x: tensor<1x3x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = graph.weight "w" {init = "he_normal"} : tensor<2x3x1x1xf32>
  %s = graph.weight "s" {init = "bn_scale"} : tensor<2xf32>
  %t = graph.weight "t" {init = "bn_shift"} : tensor<2xf32>
  %v = graph.weight "v" {init = "bn_var"} : tensor<2xf32>
  %c1 = graph.conv2d %x, %w : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y1 = graph.batchnorm %c1, %s, %t, %t, %v : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %c2 = graph.conv2d %x, %w : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y2 = graph.batchnorm %c2, %v, %t, %s, %s {eps = 0.5 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  func.return %y1, %y2 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
"""


def test_a_shared_weight_folds_into_two_fresh_names() -> None:
    expected = """
builtin.module {
  func.func @main(%x: tensor<1x3x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
    %w.folded = graph.weight "w.folded" {init = "stored"} : tensor<2x3x1x1xf32>
    %w.bias.folded = graph.weight "w.bias.folded" {init = "stored"} : tensor<2xf32>
    %y1 = graph.conv2d %x, %w.folded, %w.bias.folded : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %w.folded.1 = graph.weight "w.folded.1" {init = "stored"} : tensor<2x3x1x1xf32>
    %w.bias.folded.1 = graph.weight "w.bias.folded.1" {init = "stored"} : tensor<2xf32>
    %y2 = graph.conv2d %x, %w.folded.1, %w.bias.folded.1 : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    func.return %y1, %y2 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
  }
}
"""
    assert check_rewrite(AGGRESSIVE, SHARED_WEIGHT, expected) == {"batchnorm-into-conv2d": 2}


def test_a_scalar_scale_folds_back_through_reshapes_transposes_and_matmul() -> None:
    """Attention's (q @ kᵀ)·½ with q = transpose(reshape(dense(x))): the ½ moves into the dense's weights."""
    source = dlm("""
        model attention {
          input x: f32[1, 4, 8]
          query = dense(x, 8)
          q = transpose(reshape(query, [1, 4, 2, 4]), [0, 2, 1, 3])
          kt = transpose(reshape(x, [1, 4, 2, 4]), [0, 2, 3, 1])
          output softmax(q @ kt * 0.5, axis=-1)
        }
    """)
    expected = """
builtin.module {
  func.func @attention(%x: tensor<1x4x8xf32>) -> tensor<1x2x4x4xf32> {
    %query.weight.folded = graph.weight "query.weight.folded" {init = "stored"} : tensor<8x8xf32>
    %query.bias.folded = graph.weight "query.bias.folded" {init = "stored"} : tensor<8xf32>
    %query = graph.dense %x, %query.weight.folded, %query.bias.folded : (tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %0 = graph.reshape %query {shape = array<i64: 1, 4, 2, 4>} : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
    %q = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
    %1 = graph.reshape %x {shape = array<i64: 1, 4, 2, 4>} : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
    %kt = graph.transpose %1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x4xf32>) -> tensor<1x2x4x4xf32>
    %2 = graph.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %3 = graph.softmax %2 {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    func.return %3 : tensor<1x2x4x4xf32>
  }
}
"""
    assert check_rewrite(GraphFoldBatchNormPass(), source, expected) == {"scale-into-dense": 1}


def test_a_scale_stays_where_it_cannot_move_into_weights() -> None:
    """Not folded: the dense's result is used elsewhere too, an add is in between, the scale is not a scalar,
    no op at all (a function input) is before it."""
    check_unchanged(
        GraphFoldBatchNormPass(),
        dlm("""
        model m {
          param s: f32[1, 1, 4]
          input x: f32[1, 4, 8]
          input y: f32[1, 4, 8]
          query = dense(x, 8)
          a = reshape(query, [1, 4, 2, 4]) * 0.5
          b = reshape(dense(x, 8, bias=false) + x, [1, 4, 2, 4]) * 0.5
          c = reshape(dense(x, 8, bias=false), [1, 4, 2, 4]) * s
          output a, query, b, c, y * 0.5
        }
    """),
    )


def test_a_scalar_scale_above_one_moves_into_weights_only_under_aggressive() -> None:
    """(q @ kᵀ)·2: folded into q's dense, every partial sum of the dense and the matmul doubles."""
    source = dlm("""
        model m {
          input x: f32[1, 4, 8]
          output (dense(x, 8) @ transpose(x, [0, 2, 1])) * 2.0
        }
    """)
    check_unchanged(GraphFoldBatchNormPass(), source)
    module = parse(source)
    assert run_passes(module, AGGRESSIVE) == {"scale-into-dense": 1}
