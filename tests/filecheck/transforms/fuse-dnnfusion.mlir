// RUN: dlfc-opt %s --split-input-file -p fuse-dnnfusion | filecheck %s

// A conv and the elementwise ops after it form one Many-to-Many group; the group
// records its mapping type and the seed op it grew from (by name, or kind#index).
func.func @conv_elementwise_chain(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %c : tensor<1x8x8x8xf32>
  %a = graph.add %r, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %s = graph.sigmoid %a : tensor<1x8x8x8xf32>
  func.return %s : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @conv_elementwise_chain(
// CHECK-NEXT:    %s = fusion.group "k0_conv2d+relu+add+..."(%x) {fusion.mapping = "many_to_many", fusion.seed = "{{[a-z#0-9.]+}}"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
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

// The fusion table's red cell: no path from a Many-to-Many op (conv) through the
// relu into another Many-to-Many op, so the second conv starts a new group.
func.func @conv_relu_conv(%x: tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32> {
  %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<16x16x3x3xf32>
  %a = graph.conv2d %x, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x16x16xf32>
  %r = graph.relu %a : tensor<1x16x16x16xf32>
  %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<16x16x3x3xf32>
  %b = graph.conv2d %r, %w2 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x16x16xf32>
  func.return %b : tensor<1x16x16x16xf32>
}

// CHECK-LABEL: func.func @conv_relu_conv(
// CHECK-NEXT:    %r = fusion.group "k0_conv2d+relu"(%x) {fusion.mapping = "many_to_many", fusion.seed = "r"}
// CHECK:           graph.conv2d
// CHECK-NOT:       graph.conv2d
// CHECK:           fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = fusion.group "k1_conv2d"(%r) {fusion.mapping = "many_to_many", fusion.seed = "b"}

// -----

// A One-to-One op feeding a conv and a sigmoid: one group with two results.
func.func @two_results(%x: tensor<1x8x8x8xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %r = graph.relu %x : tensor<1x8x8x8xf32>
  %w = graph.weight "a.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
  %a = graph.conv2d %r, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %s = graph.sigmoid %r : tensor<1x8x8x8xf32>
  func.return %a, %s : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @two_results(
// CHECK-NEXT:    %a, %s = fusion.group "k0_relu+conv2d+sigmoid"(%x) {fusion.mapping = "many_to_many", fusion.seed = "r"} : (tensor<1x8x8x8xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
// CHECK:           fusion.yield %{{.*}}, %{{.*}} : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %a, %s
