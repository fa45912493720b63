// RUN: dlfc-opt %s --split-input-file | filecheck %s --match-full-lines
// RUN: dlfc-opt %s --split-input-file --print-op-generic | dlfc-opt --split-input-file | filecheck %s --match-full-lines

// Round trips of the fusion dialect: each case parses, verifies and prints back as
// written (the CHECK lines), also after a trip through the generic form.

// A conv2d + relu group; its weight lives inside the group.
builtin.module {
  func.func @conv_relu(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %y = fusion.group "k0_conv2d+relu"(%x) : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    ^bb0(%a: tensor<1x8x8x8xf32>):
      %w = graph.weight "conv.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
      %r = graph.relu %c : tensor<1x8x8x8xf32>
      fusion.yield %r : tensor<1x8x8x8xf32>
    }
    func.return %y : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @conv_relu(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %y = fusion.group "k0_conv2d+relu"(%x) : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x8x8x8xf32>):
// CHECK-NEXT:       %w = graph.weight "conv.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
// CHECK-NEXT:       %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:       %r = graph.relu %c : tensor<1x8x8x8xf32>
// CHECK-NEXT:       fusion.yield %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Two inputs, two results, and discardable attributes a planner may set.
builtin.module {
  func.func @two_inputs_two_outputs(%x: tensor<2x4xf32>, %y: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
    %s, %m = fusion.group "k0_add+mul"(%x, %y) {fusion.mapping = "one_to_one", fusion.seed = "graph.add"} : (tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
    ^bb0(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>):
      %sum = graph.add %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
      %prod = graph.mul %sum, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
      fusion.yield %sum, %prod : tensor<2x4xf32>, tensor<2x4xf32>
    }
    func.return %s, %m : tensor<2x4xf32>, tensor<2x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @two_inputs_two_outputs(%x: tensor<2x4xf32>, %y: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
// CHECK-NEXT:     %s, %m = fusion.group "k0_add+mul"(%x, %y) {fusion.mapping = "one_to_one", fusion.seed = "graph.add"} : (tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
// CHECK-NEXT:     ^bb0(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>):
// CHECK-NEXT:       %sum = graph.add %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:       %prod = graph.mul %sum, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:       fusion.yield %sum, %prod : tensor<2x4xf32>, tensor<2x4xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %s, %m : tensor<2x4xf32>, tensor<2x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Two groups in a chain: only %h crosses a group boundary (through DRAM).
builtin.module {
  func.func @chain(%x: tensor<1x16xf32>) -> tensor<1x10xf32> {
    %h = fusion.group "k0_dense+gelu"(%x) : (tensor<1x16xf32>) -> tensor<1x32xf32> {
    ^bb0(%a: tensor<1x16xf32>):
      %w = graph.weight "fc1.weight" {init = "he_normal"} : tensor<32x16xf32>
      %b = graph.weight "fc1.bias" {init = "zeros"} : tensor<32xf32>
      %d = graph.dense %a, %w, %b : (tensor<1x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<1x32xf32>
      %g = graph.gelu %d : tensor<1x32xf32>
      fusion.yield %g : tensor<1x32xf32>
    }
    %o = fusion.group "k1_dense+softmax"(%h) : (tensor<1x32xf32>) -> tensor<1x10xf32> {
    ^bb0(%a: tensor<1x32xf32>):
      %w = graph.weight "fc2.weight" {init = "he_normal"} : tensor<10x32xf32>
      %d = graph.dense %a, %w : (tensor<1x32xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
      %s = graph.softmax %d {axis = 1 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
      fusion.yield %s : tensor<1x10xf32>
    }
    func.return %o : tensor<1x10xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @chain(%x: tensor<1x16xf32>) -> tensor<1x10xf32> {
// CHECK-NEXT:     %h = fusion.group "k0_dense+gelu"(%x) : (tensor<1x16xf32>) -> tensor<1x32xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x16xf32>):
// CHECK-NEXT:       %w = graph.weight "fc1.weight" {init = "he_normal"} : tensor<32x16xf32>
// CHECK-NEXT:       %b = graph.weight "fc1.bias" {init = "zeros"} : tensor<32xf32>
// CHECK-NEXT:       %d = graph.dense %a, %w, %b : (tensor<1x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<1x32xf32>
// CHECK-NEXT:       %g = graph.gelu %d : tensor<1x32xf32>
// CHECK-NEXT:       fusion.yield %g : tensor<1x32xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     %o = fusion.group "k1_dense+softmax"(%h) : (tensor<1x32xf32>) -> tensor<1x10xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x32xf32>):
// CHECK-NEXT:       %w = graph.weight "fc2.weight" {init = "he_normal"} : tensor<10x32xf32>
// CHECK-NEXT:       %d = graph.dense %a, %w : (tensor<1x32xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
// CHECK-NEXT:       %s = graph.softmax %d {axis = 1 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
// CHECK-NEXT:       fusion.yield %s : tensor<1x10xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %o : tensor<1x10xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// A scalar constant inside a group.
builtin.module {
  func.func @scalar_constant_inside(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = fusion.group "k0_mul"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      %half = graph.constant 0.5 : tensor<f32>
      %r = graph.mul %a, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
      fusion.yield %r : tensor<4xf32>
    }
    func.return %y : tensor<4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @scalar_constant_inside(%x: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     %y = fusion.group "k0_mul"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<4xf32>):
// CHECK-NEXT:       %half = graph.constant 0.5 : tensor<f32>
// CHECK-NEXT:       %r = graph.mul %a, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK-NEXT:       fusion.yield %r : tensor<4xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }
