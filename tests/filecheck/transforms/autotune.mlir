// RUN: dlfc-opt %s --split-input-file -p autotune | filecheck %s
// RUN: dlfc-opt %s --split-input-file -p 'autotune{window=1}' | filecheck %s --check-prefix=WINDOW1

// The elementwise chain after a conv costs least fused into it; every group gets
// the core count the cost model chose for it (a legal count: a power of two here).
func.func @conv_elementwise_chain(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
  %c = graph.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %c : tensor<1x8x8x8xf32>
  %a = graph.add %r, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %s = graph.sigmoid %a : tensor<1x8x8x8xf32>
  func.return %s : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @conv_elementwise_chain(
// CHECK-NEXT:    %s = fusion.group "k0_conv2d+relu+add+..."(%x) {fusion.cores = {{1|2|4|8|16|32}} : i64} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<1x8x8x8xf32>):
// CHECK-NEXT:      %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
// CHECK-NEXT:      %c = graph.conv2d %[[X]], %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:      %r = graph.relu %c : tensor<1x8x8x8xf32>
// CHECK-NEXT:      %a = graph.add %r, %[[X]] : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:      %[[S:.*]] = graph.sigmoid %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:      fusion.yield %[[S]] : tensor<1x8x8x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %s : tensor<1x8x8x8xf32>

// With groups of at most one op, nothing fuses; every op still gets its core count.
// WINDOW1-LABEL: func.func @conv_elementwise_chain(
// WINDOW1:         %c = fusion.group "k0_conv2d"(%x) {fusion.cores = {{[0-9]+}} : i64}
// WINDOW1-NOT:       graph.relu
// WINDOW1:         %r = fusion.group "k1_relu"(%c) {fusion.cores = {{[0-9]+}} : i64}
// WINDOW1-NOT:       graph.add
// WINDOW1:         %a = fusion.group "k2_add"(%r, %x) {fusion.cores = {{[0-9]+}} : i64}
// WINDOW1-NOT:       graph.sigmoid
// WINDOW1:         %s = fusion.group "k3_sigmoid"(%a) {fusion.cores = {{[0-9]+}} : i64}

// -----

// No group may hold a path from a Many-to-Many op into another (DNNFusion's red
// cell): whatever the costs, the two convs are in different groups.
func.func @conv_relu_conv(%x: tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32> {
  %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<16x16x3x3xf32>
  %a = graph.conv2d %x, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x16x16xf32>
  %r = graph.relu %a : tensor<1x16x16x16xf32>
  %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<16x16x3x3xf32>
  %b = graph.conv2d %r, %w2 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x16xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x16x16xf32>
  func.return %b : tensor<1x16x16x16xf32>
}

// CHECK-LABEL: func.func @conv_relu_conv(
// CHECK:         fusion.group "k0_{{.*}}"(%x) {fusion.cores = {{[0-9]+}} : i64}
// CHECK:           graph.conv2d
// CHECK-NOT:       graph.conv2d
// CHECK:           fusion.yield
// CHECK:         fusion.group "k1_{{.*}}"
// CHECK:           graph.conv2d
// CHECK:           fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return

// WINDOW1-LABEL: func.func @conv_relu_conv(
// WINDOW1-COUNT-3: fusion.group "k{{[0-2]}}_{{conv2d|relu}}"
// WINDOW1-NOT:     fusion.group
