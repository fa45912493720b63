// RUN: dlfc-opt %s --split-input-file -p graph-fold-batchnorm | filecheck %s
// RUN: dlfc-opt %s --split-input-file -p 'graph-fold-batchnorm{fp-model="aggressive"}' | filecheck %s --check-prefix=AGGR

// A batch norm after a single-use conv2d folds into the conv's weight and a new
// bias. Under fast (the default), the channels whose factor scale/√(var + eps)
// exceeds 1 in magnitude keep it in a mul after the conv (it would scale the
// conv's partial sums up); aggressive folds every factor into the weights.
func.func @conv_batchnorm(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x4x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  %s = graph.weight "b.scale" {init = "bn_scale"} : tensor<8xf32>
  %b = graph.weight "b.bias" {init = "bn_shift"} : tensor<8xf32>
  %m = graph.weight "b.mean" {init = "bn_shift"} : tensor<8xf32>
  %v = graph.weight "b.var" {init = "bn_var"} : tensor<8xf32>
  %n = graph.batchnorm %c, %s, %b, %m, %v : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %n : tensor<1x8x8x8xf32>
  func.return %r : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @conv_batchnorm(
// CHECK-NEXT:    %c.weight.folded = graph.weight "c.weight.folded" {init = "stored"} : tensor<8x4x3x3xf32>
// CHECK-NEXT:    %c.bias.folded = graph.weight "c.bias.folded" {init = "stored"} : tensor<8xf32>
// CHECK-NEXT:    %c = graph.conv2d %x, %c.weight.folded, %c.bias.folded {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:    %c.scale.folded = graph.weight "c.scale.folded" {init = "stored"} : tensor<8x1x1xf32>
// CHECK-NEXT:    %n = graph.mul %c, %c.scale.folded : (tensor<1x8x8x8xf32>, tensor<8x1x1xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:    %r = graph.relu %n : tensor<1x8x8x8xf32>
// CHECK-NEXT:    func.return %r : tensor<1x8x8x8xf32>

// AGGR-LABEL: func.func @conv_batchnorm(
// AGGR-NEXT:    %c.weight.folded = graph.weight "c.weight.folded" {init = "stored"} : tensor<8x4x3x3xf32>
// AGGR-NEXT:    %c.bias.folded = graph.weight "c.bias.folded" {init = "stored"} : tensor<8xf32>
// AGGR-NEXT:    %n = graph.conv2d %x, %c.weight.folded, %c.bias.folded {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// AGGR-NOT:     graph.mul
// AGGR:         %r = graph.relu %n : tensor<1x8x8x8xf32>

// -----

// A dense with a bias: both fold. With eps = 2 every factor is below 1
// (scale and var are drawn from U(0.5, 1.5)), so fast folds it all too.
func.func @dense_batchnorm(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  %w = graph.weight "d.weight" {init = "he_normal"} : tensor<8x16xf32>
  %bias = graph.weight "d.bias" {init = "normal"} : tensor<8xf32>
  %d = graph.dense %x, %w, %bias : (tensor<2x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %s = graph.weight "b.scale" {init = "bn_scale"} : tensor<8xf32>
  %b = graph.weight "b.bias" {init = "bn_shift"} : tensor<8xf32>
  %m = graph.weight "b.mean" {init = "bn_shift"} : tensor<8xf32>
  %v = graph.weight "b.var" {init = "bn_var"} : tensor<8xf32>
  %n = graph.batchnorm %d, %s, %b, %m, %v {eps = 2.0 : f64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  func.return %n : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @dense_batchnorm(
// CHECK-NEXT:    %d.weight.folded = graph.weight "d.weight.folded" {init = "stored"} : tensor<8x16xf32>
// CHECK-NEXT:    %d.bias.folded = graph.weight "d.bias.folded" {init = "stored"} : tensor<8xf32>
// CHECK-NEXT:    %n = graph.dense %x, %d.weight.folded, %d.bias.folded : (tensor<2x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:    func.return %n : tensor<2x8xf32>

// AGGR-LABEL: func.func @dense_batchnorm(
// AGGR:         %n = graph.dense %x, %d.weight.folded, %d.bias.folded
// AGGR-NEXT:    func.return %n : tensor<2x8xf32>

// -----

// No conv2d or dense before it: the batch norm becomes a per-channel mul and add.
func.func @batchnorm_alone(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %s = graph.weight "b.scale" {init = "bn_scale"} : tensor<8xf32>
  %b = graph.weight "b.bias" {init = "bn_shift"} : tensor<8xf32>
  %m = graph.weight "b.mean" {init = "bn_shift"} : tensor<8xf32>
  %v = graph.weight "b.var" {init = "bn_var"} : tensor<8xf32>
  %n = graph.batchnorm %x, %s, %b, %m, %v : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  func.return %n : tensor<1x8x4x4xf32>
}

// CHECK-LABEL: func.func @batchnorm_alone(
// CHECK-NEXT:    %b.scale.folded = graph.weight "b.scale.folded" {init = "stored"} : tensor<8x1x1xf32>
// CHECK-NEXT:    %b.shift.folded = graph.weight "b.shift.folded" {init = "stored"} : tensor<8x1x1xf32>
// CHECK-NEXT:    %[[SCALED:.*]] = graph.mul %x, %b.scale.folded : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
// CHECK-NEXT:    %[[SHIFTED:.*]] = graph.add %[[SCALED]], %b.shift.folded : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
// CHECK-NEXT:    func.return %[[SHIFTED]] : tensor<1x8x4x4xf32>

// -----

// The conv's result is also returned, so its weight must stay: the conv is kept
// as it is and the batch norm becomes a mul and add after it.
func.func @conv_used_twice(%x: tensor<1x4x8x8xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x4x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  %s = graph.weight "b.scale" {init = "bn_scale"} : tensor<8xf32>
  %b = graph.weight "b.bias" {init = "bn_shift"} : tensor<8xf32>
  %m = graph.weight "b.mean" {init = "bn_shift"} : tensor<8xf32>
  %v = graph.weight "b.var" {init = "bn_var"} : tensor<8xf32>
  %n = graph.batchnorm %c, %s, %b, %m, %v : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  func.return %c, %n : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @conv_used_twice(
// CHECK-NOT:     c.weight.folded
// CHECK:         %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:    %b.scale.folded = graph.weight "b.scale.folded" {init = "stored"} : tensor<8x1x1xf32>
// CHECK-NEXT:    %b.shift.folded = graph.weight "b.shift.folded" {init = "stored"} : tensor<8x1x1xf32>
// CHECK-NEXT:    %[[SCALED:.*]] = graph.mul %c, %b.scale.folded
// CHECK-NEXT:    %[[SHIFTED:.*]] = graph.add %[[SCALED]], %b.shift.folded
// CHECK-NEXT:    func.return %c, %[[SHIFTED]] : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
