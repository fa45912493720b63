// RUN: dlfc-opt %s --split-input-file -p assign-cores | filecheck %s
// RUN: dlfc-opt %s --split-input-file -p 'assign-cores{cores-by=features}' | filecheck %s --check-prefix=FEATURES

// Each fusion group gets the core count the cost model likes best (a legal
// count of the target); the groups, their bodies and their other attributes stay.
func.func @groups(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %r = fusion.group "k0_conv2d+relu"(%x) {fusion.mapping = "many_to_many", fusion.seed = "r"} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  ^bb0(%x_1: tensor<1x64x56x56xf32>):
    %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
    %a = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
    %r_1 = graph.relu %a : tensor<1x64x56x56xf32>
    fusion.yield %r_1 : tensor<1x64x56x56xf32>
  }
  %b = fusion.group "k1_conv2d"(%r) {fusion.mapping = "many_to_many", fusion.seed = "b"} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  ^bb0(%r_1: tensor<1x64x56x56xf32>):
    %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
    %b_1 = graph.conv2d %r_1, %w2 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
    fusion.yield %b_1 : tensor<1x64x56x56xf32>
  }
  func.return %b : tensor<1x64x56x56xf32>
}

// CHECK-LABEL: func.func @groups(
// CHECK-NEXT:    %r = fusion.group "k0_conv2d+relu"(%x) {fusion.mapping = "many_to_many", fusion.seed = "r", fusion.cores = {{1|2|4|8|16|32}} : i64} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NEXT:    ^bb0(%x_1: tensor<1x64x56x56xf32>):
// CHECK-NEXT:      %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
// CHECK-NEXT:      %a = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
// CHECK-NEXT:      %r_1 = graph.relu %a : tensor<1x64x56x56xf32>
// CHECK-NEXT:      fusion.yield %r_1 : tensor<1x64x56x56xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = fusion.group "k1_conv2d"(%r) {fusion.mapping = "many_to_many", fusion.seed = "b", fusion.cores = {{1|2|4|8|16|32}} : i64} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NEXT:    ^bb0(%r_1: tensor<1x64x56x56xf32>):
// CHECK-NEXT:      %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
// CHECK-NEXT:      %b_1 = graph.conv2d %r_1, %w2 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
// CHECK-NEXT:      fusion.yield %b_1 : tensor<1x64x56x56xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %b : tensor<1x64x56x56xf32>

// DLFusion's rule of thumb gives a 64-channel 56x56 convolution every core of the MLU100.
// FEATURES-LABEL: func.func @groups(
// FEATURES:         fusion.group "k0_conv2d+relu"(%x) {fusion.mapping = "many_to_many", fusion.seed = "r", fusion.cores = 32 : i64}
// FEATURES:         fusion.group "k1_conv2d"(%r) {fusion.mapping = "many_to_many", fusion.seed = "b", fusion.cores = 32 : i64}

// -----

// On accel kernels it sets the cores property and refreshes the stale latency;
// the scheme stays: still two kernels, neither merged into the other.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @kernels(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %r = accel.kernel "k0_conv2d+relu"(%x) cores = 1 latency = <999.0 us, compute> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%x_1: tensor<1x64x56x56xf32>):
      %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
      %a = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
      %r_1 = graph.relu %a : tensor<1x64x56x56xf32>
      accel.yield %r_1 : tensor<1x64x56x56xf32>
    }
    %b = accel.kernel "k1_conv2d"(%r) cores = 1 latency = <999.0 us, compute> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%r_1: tensor<1x64x56x56xf32>):
      %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
      %b_1 = graph.conv2d %r_1, %w2 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
      accel.yield %b_1 : tensor<1x64x56x56xf32>
    }
    func.return %b : tensor<1x64x56x56xf32>
  }
}

// CHECK-LABEL: func.func @kernels(
// CHECK-NEXT:    %r = accel.kernel "k0_conv2d+relu"(%x) cores = {{2|4|8|16|32}}
// CHECK-NOT:     999.0
// CHECK-SAME:    latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NOT:       graph.conv2d %r
// CHECK:           accel.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = accel.kernel "k1_conv2d"(%r) cores = {{2|4|8|16|32}}
// CHECK-NOT:     999.0
// CHECK-SAME:    latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {

// FEATURES-LABEL: func.func @kernels(
// FEATURES:         %r = accel.kernel "k0_conv2d+relu"(%x) cores = 32 latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}>
// FEATURES:         %b = accel.kernel "k1_conv2d"(%r) cores = 32 latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}>
