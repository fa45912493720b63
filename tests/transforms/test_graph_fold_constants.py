"""graph-fold-constants: sub-graphs of weights and constants computed at compile time."""

from __future__ import annotations

import numpy as np
from rewrite_testing import check_rewrite, check_unchanged, dlm, parse, run_passes

from dlfc.compiler.transforms.graph_fold_constants import GraphFoldConstantsPass
from dlfc.hw.weights import store_of

WEIGHT_SUBGRAPHS = dlm("""
    model m {
      param scale: f32[4]
      param var: f32[4]
      param w: f32[8, 4]
      input x: f32[2, 4]
      factor = scale / sqrt(abs(var) + 0.001)
      p, q = split(transpose(w, [1, 0]), 2, 1)
      output x * factor, x @ q, factor
    }
""")


def test_weight_subgraphs_become_stored_weights() -> None:
    """Only the outputs of each sub-graph are stored; a multi-result op's results are numbered."""
    expected = """
builtin.module {
  func.func @m(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>) {
    %scale.div = graph.weight "scale.div" {init = "stored"} : tensor<4xf32>
    %w.transpose.split.1 = graph.weight "w.transpose.split.1" {init = "stored"} : tensor<4x4xf32>
    %0 = graph.mul %x, %scale.div : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %1 = graph.matmul %x, %w.transpose.split.1 : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    func.return %0, %1, %scale.div : tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>
  }
}
"""
    assert check_rewrite(GraphFoldConstantsPass(), WEIGHT_SUBGRAPHS, expected) == {"folded-subgraphs": 2}


def test_only_the_subgraph_outputs_enter_the_store() -> None:
    module = parse(WEIGHT_SUBGRAPHS)
    run_passes(module, GraphFoldConstantsPass())
    arrays = store_of(module).arrays
    assert sorted(arrays) == ["scale.div", "w.transpose.split.1"]
    assert arrays["w.transpose.split.1"].dtype == np.float32 and arrays["w.transpose.split.1"].flags.c_contiguous


def test_scalar_results_stay_inline_constants() -> None:
    source = """
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = graph.constant 0.5 : tensor<f32>
  %b = graph.constant 8.0 : tensor<f32>
  %c = graph.mul %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %d = graph.sqrt %c : tensor<f32>
  %y = graph.mul %x, %d : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    %d = graph.constant 2.0 : tensor<f32>
    %y = graph.mul %x, %d : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
    func.return %y : tensor<4xf32>
  }
}
"""
    assert check_rewrite(GraphFoldConstantsPass(), source, expected) == {"folded-subgraphs": 1}


def test_what_depends_on_an_input_stays() -> None:
    check_unchanged(
        GraphFoldConstantsPass(),
        dlm("""
        model m {
          param w: f32[4]
          input x: f32[4]
          output exp(x) * w + x
        }
    """),
    )


def test_a_result_of_more_than_the_bound_is_not_computed() -> None:
    """[2^15, 1] + [1, 2^14] would be 2^29 elements (2 GiB): the add and the reduction over it stay ops (they run
    under dlfc run's memory guard), while a small result of the same weights folds; nothing is generated but
    the two small weights."""
    source = dlm("""
        model m {
          param a: f32[32768, 1]
          param b: f32[1, 16384]
          input x: f32[1]
          output x + reduce_sum(reshape(a + b, [536870912]), 0), x + reduce_sum(reshape(a, [32768]), 0)
        }
    """)
    module = parse(source)
    assert run_passes(module, GraphFoldConstantsPass()) == {"folded-subgraphs": 1}
    ops = [op.name for op in module.walk() if op.name.startswith("graph.")]
    assert ops.count("graph.add") == 3 and ops.count("graph.reduce_sum") == 1
    assert sorted(store_of(module).arrays) == ["a.reshape.reduce_sum"]
