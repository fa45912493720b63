// RUN: dlfc-opt %s --split-input-file -p dce | filecheck %s

// Graph ops without side effects whose results nobody uses are removed, with the
// weights and constants only they read; used ops stay.
func.func @dead_ops(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = graph.weight "w" {init = "normal"} : tensor<4xf32>
  %two = graph.constant 2.0 : tensor<f32>
  %a = graph.add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = graph.mul %a, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %live = graph.relu %x : tensor<4xf32>
  func.return %live : tensor<4xf32>
}

// CHECK-LABEL: func.func @dead_ops(
// CHECK-NOT:     graph.weight
// CHECK-NOT:     graph.constant
// CHECK-NOT:     graph.add
// CHECK-NOT:     graph.mul
// CHECK:         %live = graph.relu %x : tensor<4xf32>
// CHECK-NEXT:    func.return %live : tensor<4xf32>

// -----

// A used chain stays whole.
func.func @live_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = graph.weight "w" {init = "normal"} : tensor<4xf32>
  %a = graph.add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = graph.relu %a : tensor<4xf32>
  func.return %b : tensor<4xf32>
}

// CHECK-LABEL: func.func @live_chain(
// CHECK-NEXT:    %w = graph.weight "w" {init = "normal"} : tensor<4xf32>
// CHECK-NEXT:    %a = graph.add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %b = graph.relu %a : tensor<4xf32>
// CHECK-NEXT:    func.return %b : tensor<4xf32>
