// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=NONE

// IR the graph dialect rejects: each case fails to parse or to verify with the
// error of its CHECK line. No case verifies (so none prints a module in custom form):
// NONE-NOT: builtin.module {

// CHECK: Operation graph.conv3d is not registered
func.func @unknown_op(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %r = graph.conv3d %a : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  func.return %r : tensor<1x8x8x8xf32>
}

// -----

// CHECK: graph.conv2d: result types tensor<1x16x8x8xf32> do not match the inferred tensor<1x16x6x6xf32>
func.func @conv_result_shape(%a: tensor<1x8x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %w = graph.weight "w" {init = "he_normal"} : tensor<16x8x3x3xf32>
  %r = graph.conv2d %a, %w : (tensor<1x8x8x8xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x8x8xf32>
  func.return %r : tensor<1x16x8x8xf32>
}

// -----

// CHECK: graph.conv2d: 3 groups do not divide 8 input and 15 output channels
func.func @conv_groups(%a: tensor<1x8x8x8xf32>) -> tensor<1x15x8x8xf32> {
  %w = graph.weight "w" {init = "he_normal"} : tensor<15x8x3x3xf32>
  %r = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>, groups = 3 : i64} : (tensor<1x8x8x8xf32>, tensor<15x8x3x3xf32>) -> tensor<1x15x8x8xf32>
  func.return %r : tensor<1x15x8x8xf32>
}

// -----

// CHECK: graph.dense: input [1,8] has 8 features but weight [10,16] expects 16
func.func @dense_features(%a: tensor<1x8xf32>) -> tensor<1x10xf32> {
  %w = graph.weight "w" {init = "he_normal"} : tensor<10x16xf32>
  %r = graph.dense %a, %w : (tensor<1x8xf32>, tensor<10x16xf32>) -> tensor<1x10xf32>
  func.return %r : tensor<1x10xf32>
}

// -----

// CHECK: graph.add: shapes [2,3] and [4] do not broadcast
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  %r = graph.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}

// -----

// CHECK: graph.mul: element types f32 and f16 differ
func.func @mul_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  %r = graph.mul %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

// CHECK: graph.sigmoid: needs a floating-point tensor, got tensor<4xi32>
func.func @sigmoid_of_integers(%a: tensor<4xi32>) -> tensor<4xi32> {
  %r = graph.sigmoid %a : tensor<4xi32>
  func.return %r : tensor<4xi32>
}

// -----

// CHECK: attribute tensor<4xf32> expected from variable 'T', but got tensor<5xf32>
func.func @relu_changes_type(%a: tensor<4xf32>) -> tensor<5xf32> {
  %r = "graph.relu"(%a) : (tensor<4xf32>) -> tensor<5xf32>
  func.return %r : tensor<5xf32>
}

// -----

// CHECK: graph.reduce_sum: axes [3, 1] must be distinct, sorted and within rank 2
func.func @reduce_axes(%a: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %r = graph.reduce_sum %a {axes = array<i64: 3, 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  func.return %r : tensor<2x1xf32>
}

// -----

// CHECK: graph.softmax: axis 5 is out of range for tensor<2x3xf32>
func.func @softmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = graph.softmax %a {axis = 5 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}

// -----

// CHECK: graph.prelu: slope [4,1] does not broadcast to input [2,3]
func.func @prelu_slope(%a: tensor<2x3xf32>, %s: tensor<4x1xf32>) -> tensor<2x3xf32> {
  %r = graph.prelu %a, %s : (tensor<2x3xf32>, tensor<4x1xf32>) -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}

// -----

// CHECK: graph.log_softmax: axis 2 is out of range for tensor<2x3xf32>
func.func @log_softmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = graph.log_softmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}

// -----

// CHECK: graph.instance_norm: input must have rank >= 3 ([N, C, D1, ...]), got shape [2,3]
func.func @instance_norm_rank(%a: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {
  %r = graph.instance_norm %a, %s, %s : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}

// -----

// CHECK: graph.pad: reflect padding of axis 1 must be smaller than 3, got pads [0, 3, 0, 0]
func.func @pad_reflect_wide(%a: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %r = graph.pad %a {pads = array<i64: 0, 3, 0, 0>, mode = "reflect"} : (tensor<2x3xf32>) -> tensor<2x6xf32>
  func.return %r : tensor<2x6xf32>
}

// -----

// CHECK: graph.pad: mode 'symmetric' is not one of constant, reflect, edge, wrap
func.func @pad_mode(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %r = graph.pad %a {pads = array<i64: 0, 1, 0, 0>, mode = "symmetric"} : (tensor<2x3xf32>) -> tensor<2x4xf32>
  func.return %r : tensor<2x4xf32>
}

// -----

// CHECK: graph.expand: [2,3] does not broadcast to [4,3]
func.func @expand_shape(%a: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %r = graph.expand %a {shape = array<i64: 4, 3>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  func.return %r : tensor<4x3xf32>
}

// -----

// CHECK: graph.tile: need 2 positive repeats for [2,3], got [2]
func.func @tile_repeats(%a: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %r = graph.tile %a {repeats = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  func.return %r : tensor<4x3xf32>
}

// -----

// CHECK: graph.reshape: cannot reshape [2,3] (6 elements) into [7]
func.func @reshape_elements(%a: tensor<2x3xf32>) -> tensor<7xf32> {
  %r = graph.reshape %a {shape = array<i64: 7>} : (tensor<2x3xf32>) -> tensor<7xf32>
  func.return %r : tensor<7xf32>
}

// -----

// CHECK: graph.transpose: [0, 0] is not a permutation of the 2 axes of [2,3]
func.func @transpose_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %r = graph.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %r : tensor<3x2xf32>
}

// -----

// CHECK: graph.concat: shapes [1,2,4] and [1,2,5] differ outside axis 1
func.func @concat_shapes(%a: tensor<1x2x4xf32>, %b: tensor<1x2x5xf32>) -> tensor<1x4x4xf32> {
  %r = graph.concat %a, %b {axis = 1 : i64} : (tensor<1x2x4xf32>, tensor<1x2x5xf32>) -> tensor<1x4x4xf32>
  func.return %r : tensor<1x4x4xf32>
}

// -----

// CHECK: graph.maxpool: window of 3 does not fit input size 2 with padding 0
func.func @pool_window(%a: tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32> {
  %r = graph.maxpool %a {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
  func.return %r : tensor<1x1x1x1xf32>
}

// -----

// CHECK: graph.constant: result must be a 0-d tensor
func.func @constant_rank() -> tensor<2xf32> {
  %c = "graph.constant"() <{value = 1.000000e+00 : f64}> : () -> tensor<2xf32>
  func.return %c : tensor<2xf32>
}

// -----

// CHECK: property 'init' expected in operation 'graph.weight'
func.func @weight_without_init() -> tensor<2xf32> {
  %w = graph.weight "w" : tensor<2xf32>
  func.return %w : tensor<2xf32>
}
