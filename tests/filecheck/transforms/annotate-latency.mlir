// RUN: dlfc-opt %s --split-input-file -p annotate-latency | filecheck %s

// Every kernel gets the cost model's latency on its own core count and the bound
// that limits it; a stale latency is replaced. Nothing else changes.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @kernels(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %r = accel.kernel "k0_conv2d+relu"(%x) cores = 16 {fusion.mapping = "many_to_many"} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%x_1: tensor<1x64x56x56xf32>):
      %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
      %a = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
      %r_1 = graph.relu %a : tensor<1x64x56x56xf32>
      accel.yield %r_1 : tensor<1x64x56x56xf32>
    }
    %s = accel.kernel "k1_sigmoid"(%r) cores = 2 latency = <999.0 us, compute> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%r_1: tensor<1x64x56x56xf32>):
      %s_1 = graph.sigmoid %r_1 : tensor<1x64x56x56xf32>
      accel.yield %s_1 : tensor<1x64x56x56xf32>
    }
    func.return %s : tensor<1x64x56x56xf32>
  }
}

// CHECK-LABEL: func.func @kernels(
// CHECK-NEXT:    %r = accel.kernel "k0_conv2d+relu"(%x) cores = 16 latency = <{{[0-9.e+-]+}} us, {{compute|memory|overhead}}> {fusion.mapping = "many_to_many"} : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NEXT:    ^bb0(%x_1: tensor<1x64x56x56xf32>):
// CHECK-NEXT:      %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
// CHECK-NEXT:      %a = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
// CHECK-NEXT:      %r_1 = graph.relu %a : tensor<1x64x56x56xf32>
// CHECK-NEXT:      accel.yield %r_1 : tensor<1x64x56x56xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %s = accel.kernel "k1_sigmoid"(%r) cores = 2 latency = <
// CHECK-NOT:     999.0
// CHECK-SAME:    {{[0-9.e+-]+}} us, {{compute|memory|overhead}}> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NEXT:    ^bb0(%r_1: tensor<1x64x56x56xf32>):
// CHECK-NEXT:      %s_1 = graph.sigmoid %r_1 : tensor<1x64x56x56xf32>
// CHECK-NEXT:      accel.yield %s_1 : tensor<1x64x56x56xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %s : tensor<1x64x56x56xf32>

// -----

// A large convolution on one core is limited by its arithmetic, an elementwise op by DRAM.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @bounds(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %a = accel.kernel "k0_conv2d"(%x) cores = 1 : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%x_1: tensor<1x64x56x56xf32>):
      %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
      %a_1 = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
      accel.yield %a_1 : tensor<1x64x56x56xf32>
    }
    %s = accel.kernel "k1_sigmoid"(%a) cores = 1 : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%a_1: tensor<1x64x56x56xf32>):
      %s_1 = graph.sigmoid %a_1 : tensor<1x64x56x56xf32>
      accel.yield %s_1 : tensor<1x64x56x56xf32>
    }
    func.return %s : tensor<1x64x56x56xf32>
  }
}

// CHECK-LABEL: func.func @bounds(
// CHECK-NEXT:    %a = accel.kernel "k0_conv2d"(%x) cores = 1 latency = <{{[0-9.e+-]+}} us, compute> :
// CHECK:         %s = accel.kernel "k1_sigmoid"(%a) cores = 1 latency = <{{[0-9.e+-]+}} us, memory> :

// -----

// A function without kernels (graph level) has nothing to annotate.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @no_kernels(%x: tensor<4xf32>) -> tensor<4xf32> {
    %r = graph.relu %x : tensor<4xf32>
    %s = graph.sigmoid %r : tensor<4xf32>
    func.return %s : tensor<4xf32>
  }
}

// CHECK-LABEL: func.func @no_kernels(
// CHECK-NOT:     latency
// CHECK:         func.return %s : tensor<4xf32>
