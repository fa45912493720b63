// RUN: dlfc-opt %s --split-input-file -p fuse-patterns | filecheck %s

// A complex op (conv2d, kOutEWiseFusable) absorbs the elementwise chain after it;
// the group records the kind of its master op and its mapping type.
func.func @conv_elementwise_chain(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %c : tensor<1x8x8x8xf32>
  %a = graph.add %r, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %s = graph.sigmoid %a : tensor<1x8x8x8xf32>
  func.return %s : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @conv_elementwise_chain(
// CHECK-NEXT:    %s = fusion.group "k0_conv2d+relu+add+..."(%x) {fusion.mapping = "many_to_many", fusion.pattern = "out_ewise_fusable"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<1x8x8x8xf32>):
// CHECK-NEXT:      %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
// CHECK-NEXT:      %c = graph.conv2d %[[X]], %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:      %r = graph.relu %c : tensor<1x8x8x8xf32>
// CHECK-NEXT:      %a = graph.add %r, %[[X]] : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:      %[[S:.*]] = graph.sigmoid %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:      fusion.yield %[[S]] : tensor<1x8x8x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %s : tensor<1x8x8x8xf32>

// -----

// A complex op never joins another complex op: conv -> relu -> conv is two groups.
func.func @conv_relu_conv(%x: tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32> {
  %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<16x16x3x3xf32>
  %a = graph.conv2d %x, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x16x16xf32>
  %r = graph.relu %a : tensor<1x16x16x16xf32>
  %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<16x16x3x3xf32>
  %b = graph.conv2d %r, %w2 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x16x16xf32>
  func.return %b : tensor<1x16x16x16xf32>
}

// CHECK-LABEL: func.func @conv_relu_conv(
// CHECK-NEXT:    %r = fusion.group "k0_conv2d+relu"(%x) {fusion.mapping = "many_to_many", fusion.pattern = "out_ewise_fusable"}
// CHECK:           graph.conv2d
// CHECK-NOT:       graph.conv2d
// CHECK:           fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = fusion.group "k1_conv2d"(%r) {fusion.mapping = "many_to_many", fusion.pattern = "out_ewise_fusable"}

// -----

// An op whose result the function returns has no post-dominator: the relu is
// returned, so the add after it does not join the conv's group.
func.func @returned_intermediate(%x: tensor<1x8x8x8xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %c : tensor<1x8x8x8xf32>
  %a = graph.add %r, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  func.return %r, %a : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @returned_intermediate(
// CHECK:         fusion.group "k0_conv2d+relu"(%x)
// CHECK-NOT:       graph.add
// CHECK:           fusion.yield
// CHECK:         fusion.group "k1_add"(%r, %x) {fusion.mapping = "one_to_one", fusion.pattern = "broadcast"}
