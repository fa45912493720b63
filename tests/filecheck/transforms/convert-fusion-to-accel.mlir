// RUN: dlfc-opt %s --split-input-file -p convert-fusion-to-accel | filecheck %s
// RUN: dlfc-opt %s --split-input-file -p 'convert-fusion-to-accel{target=mlu270}' | filecheck %s --check-prefix=MLU270

// Each group becomes a kernel with the same name, operands and body: its
// fusion.cores becomes the kernel's cores (1 without it), the cost model's
// latency is attached, the other fusion attributes stay, and the module names
// its target with the legal core counts.
func.func @groups(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %r = fusion.group "k0_conv2d+relu"(%x) {fusion.mapping = "many_to_many", fusion.seed = "r", fusion.cores = 4 : i64} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  ^bb0(%x_1: tensor<1x8x8x8xf32>):
    %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
    %c = graph.conv2d %x_1, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
    %r_1 = graph.relu %c : tensor<1x8x8x8xf32>
    fusion.yield %r_1 : tensor<1x8x8x8xf32>
  }
  %s = fusion.group "k1_sigmoid"(%r) : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  ^bb0(%r_1: tensor<1x8x8x8xf32>):
    %s_1 = graph.sigmoid %r_1 : tensor<1x8x8x8xf32>
    fusion.yield %s_1 : tensor<1x8x8x8xf32>
  }
  func.return %s : tensor<1x8x8x8xf32>
}

// CHECK:       builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
// CHECK-NEXT:    func.func @groups(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:      %r = accel.kernel "k0_conv2d+relu"(%x) cores = 4 latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}> {fusion.mapping = "many_to_many", fusion.seed = "r"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:      ^bb0(%x_1: tensor<1x8x8x8xf32>):
// CHECK-NEXT:        %w = graph.weight "c.weight" {init = "he_normal"} : tensor<8x8x3x3xf32>
// CHECK-NEXT:        %c = graph.conv2d %x_1, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:        %r_1 = graph.relu %c : tensor<1x8x8x8xf32>
// CHECK-NEXT:        accel.yield %r_1 : tensor<1x8x8x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      %s = accel.kernel "k1_sigmoid"(%r) cores = 1 latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}> : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:      ^bb0(%r_1: tensor<1x8x8x8xf32>):
// CHECK-NEXT:        %s_1 = graph.sigmoid %r_1 : tensor<1x8x8x8xf32>
// CHECK-NEXT:        accel.yield %s_1 : tensor<1x8x8x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      func.return %s : tensor<1x8x8x8xf32>

// On the MLU270 the module names its own legal core counts.
// MLU270:      builtin.module attributes {accel.target = #accel.target<"mlu270", cores = [1, 4, 8, 16]>} {
// MLU270:        accel.kernel "k0_conv2d+relu"(%x) cores = 4 latency
// MLU270:        accel.kernel "k1_sigmoid"(%r) cores = 1 latency

// -----

// No fusion.group and no fusion.cores survive: the core count lives only in the
// kernel's cores property.
func.func @no_group_left(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0_relu"(%x) {fusion.cores = 8 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @no_group_left(
// CHECK-NEXT:    %y = accel.kernel "k0_relu"(%x) cores = 8
// CHECK-NOT:     fusion.
// CHECK:         func.return %y : tensor<4xf32>
