// RUN: dlfc-opt %s -p fuse-none | filecheck %s

// Every op alone in its group, with its DNNFusion mapping type recorded.
func.func @block(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %c : tensor<1x8x8x8xf32>
  %a = graph.add %r, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  func.return %a : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @block(
// CHECK-NEXT:    %c = fusion.group "k0_conv2d"(%x) {fusion.mapping = "many_to_many"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<1x8x8x8xf32>):
// CHECK-NEXT:      %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
// CHECK-NEXT:      %[[C:.*]] = graph.conv2d %[[X]], %w {pad = array<i64: 1, 1, 1, 1>}
// CHECK-NOT:       graph.relu
// CHECK:           fusion.yield %[[C]] : tensor<1x8x8x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %r = fusion.group "k1_relu"(%c) {fusion.mapping = "one_to_one"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NOT:       graph.add
// CHECK:           fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %a = fusion.group "k2_add"(%r, %x) {fusion.mapping = "one_to_one"} : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK:         func.return %a : tensor<1x8x8x8xf32>
