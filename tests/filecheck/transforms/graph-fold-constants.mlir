// RUN: dlfc-opt %s --split-input-file -p graph-fold-constants | filecheck %s

// transpose(w)·2 depends only on a weight and a constant: one stored weight,
// named after the computation, replaces the sub-graph.
func.func @weight_subgraph(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = graph.weight "w" {init = "normal"} : tensor<8x4xf32>
  %t = graph.transpose %w {perm = array<i64: 1, 0>} : (tensor<8x4xf32>) -> tensor<4x8xf32>
  %two = graph.constant 2.0 : tensor<f32>
  %s = graph.mul %t, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %y = graph.add %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @weight_subgraph(
// CHECK-NEXT:    %w.transpose.mul = graph.weight "w.transpose.mul" {init = "stored"} : tensor<4x8xf32>
// CHECK-NEXT:    %y = graph.add %x, %w.transpose.mul : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %y : tensor<4x8xf32>

// -----

// A scalar result stays a graph.constant: 2·3 = 6.
func.func @scalar_constants() -> tensor<f32> {
  %a = graph.constant 2.0 : tensor<f32>
  %b = graph.constant 3.0 : tensor<f32>
  %y = graph.mul %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  func.return %y : tensor<f32>
}

// CHECK-LABEL: func.func @scalar_constants() -> tensor<f32> {
// CHECK-NEXT:    %y = graph.constant 6.0 : tensor<f32>
// CHECK-NEXT:    func.return %y : tensor<f32>

// -----

// x·2 depends on the function's input: nothing folds.
func.func @depends_on_input(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %two = graph.constant 2.0 : tensor<f32>
  %y = graph.mul %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @depends_on_input(
// CHECK-NOT:     stored
// CHECK:         %y = graph.mul %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %y : tensor<4x8xf32>
