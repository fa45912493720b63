// RUN: dlfc-opt %s --split-input-file -p graph-simplify-shapes | filecheck %s

// transpose∘transpose is one transpose, or none when the permutations cancel.
func.func @transposes_compose(%x: tensor<2x3x4x5xf32>) -> (tensor<2x3x4x5xf32>, tensor<2x5x4x3xf32>) {
  %0 = graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x3x4x5xf32>) -> tensor<2x4x3x5xf32>
  %a = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x3x5xf32>) -> tensor<2x3x4x5xf32>
  %1 = graph.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x4x5x3xf32>
  %b = graph.transpose %1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x5x3xf32>) -> tensor<2x5x4x3xf32>
  func.return %a, %b : tensor<2x3x4x5xf32>, tensor<2x5x4x3xf32>
}

// CHECK-LABEL: func.func @transposes_compose(
// CHECK-NEXT:    %b = graph.transpose %x {perm = array<i64: 0, 3, 2, 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x5x4x3xf32>
// CHECK-NEXT:    func.return %x, %b : tensor<2x3x4x5xf32>, tensor<2x5x4x3xf32>

// -----

// Reshape-like chains (flatten, reshape, squeeze, unsqueeze) are one reshape, or none.
func.func @reshapes_compose(%x: tensor<2x3x4x5xf32>) -> (tensor<6x20xf32>, tensor<2x3x4x5xf32>) {
  %0 = graph.flatten %x : (tensor<2x3x4x5xf32>) -> tensor<2x60xf32>
  %c = graph.reshape %0 {shape = array<i64: 6, 20>} : (tensor<2x60xf32>) -> tensor<6x20xf32>
  %1 = graph.unsqueeze %x {axes = array<i64: 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x1x3x4x5xf32>
  %d = graph.squeeze %1 {axes = array<i64: 1>} : (tensor<2x1x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  func.return %c, %d : tensor<6x20xf32>, tensor<2x3x4x5xf32>
}

// CHECK-LABEL: func.func @reshapes_compose(
// CHECK-NEXT:    %c = graph.reshape %x {shape = array<i64: 6, 20>} : (tensor<2x3x4x5xf32>) -> tensor<6x20xf32>
// CHECK-NEXT:    func.return %c, %x : tensor<6x20xf32>, tensor<2x3x4x5xf32>

// -----

// A transpose that only moves a unit dimension is a reshape.
func.func @transpose_to_reshape(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x1x4x5xf32> {
  %0 = graph.unsqueeze %x {axes = array<i64: 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x1x3x4x5xf32>
  %f = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3, 4>} : (tensor<2x1x3x4x5xf32>) -> tensor<2x3x1x4x5xf32>
  func.return %f : tensor<2x3x1x4x5xf32>
}

// CHECK-LABEL: func.func @transpose_to_reshape(
// CHECK-NEXT:    %f = graph.reshape %x {shape = array<i64: 2, 3, 1, 4, 5>} : (tensor<2x3x4x5xf32>) -> tensor<2x3x1x4x5xf32>
// CHECK-NEXT:    func.return %f : tensor<2x3x1x4x5xf32>

// -----

// Shape ops that move nothing (a full slice, zero padding, an identity transpose) return their input.
func.func @identities(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %a = graph.slice %x {starts = array<i64: 0>, ends = array<i64: 6>, axes = array<i64: 2>} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %b = graph.pad %a {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %c = graph.transpose %b {perm = array<i64: 0, 1, 2, 3>} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  func.return %c : tensor<1x4x6x6xf32>
}

// CHECK-LABEL: func.func @identities(
// CHECK-NEXT:    func.return %x : tensor<1x4x6x6xf32>

// -----

// Shape ops that move data stay: a real transpose, reshapes around a transpose, a partial slice.
func.func @data_movement_stays(%x: tensor<2x3x4x5xf32>) -> (tensor<2x2x4x5xf32>, tensor<2x4x3x5xf32>, tensor<2x60xf32>) {
  %e = graph.slice %x {starts = array<i64: 0>, ends = array<i64: 2>, axes = array<i64: 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x2x4x5xf32>
  %f = graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x3x4x5xf32>) -> tensor<2x4x3x5xf32>
  %0 = graph.reshape %x {shape = array<i64: 2, 3, 20>} : (tensor<2x3x4x5xf32>) -> tensor<2x3x20xf32>
  %1 = graph.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<2x3x20xf32>) -> tensor<2x20x3xf32>
  %g = graph.reshape %1 {shape = array<i64: 2, 60>} : (tensor<2x20x3xf32>) -> tensor<2x60xf32>
  func.return %e, %f, %g : tensor<2x2x4x5xf32>, tensor<2x4x3x5xf32>, tensor<2x60xf32>
}

// CHECK-LABEL: func.func @data_movement_stays(
// CHECK-NOT:     graph.reshape %x {shape = array<i64: 2, 60>}
// CHECK:         %1 = graph.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<2x3x20xf32>) -> tensor<2x20x3xf32>
// CHECK-NEXT:    %g = graph.reshape %1 {shape = array<i64: 2, 60>} : (tensor<2x20x3xf32>) -> tensor<2x60xf32>
// CHECK-NEXT:    func.return %e, %f, %g : tensor<2x2x4x5xf32>, tensor<2x4x3x5xf32>, tensor<2x60xf32>
