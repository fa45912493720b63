// RUN: dlfc-opt %s --split-input-file -p schedule-parallel | filecheck %s
// RUN: dlfc-opt %s --split-input-file -p 'schedule-parallel{recore=false}' | filecheck %s --check-prefix=KEEP

// Two independent convs and the add that joins them. Every kernel gets its place
// in the schedule: its first core (accel.core_offset) and its start in µs
// (accel.start); the add waits for both convs.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @branches(%x: tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    %a = accel.kernel "k0_conv2d"(%x) cores = 1 : (tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    ^bb0(%x_1: tensor<1x64x28x28xf32>):
      %w1 = graph.weight "a.weight" {init = "he_normal"} : tensor<64x64x3x3xf32>
      %a_1 = graph.conv2d %x_1, %w1 {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x64x28x28xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x28x28xf32>
      accel.yield %a_1 : tensor<1x64x28x28xf32>
    }
    %b = accel.kernel "k1_conv2d"(%x) cores = 1 : (tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    ^bb0(%x_1: tensor<1x64x28x28xf32>):
      %w2 = graph.weight "b.weight" {init = "he_normal"} : tensor<64x64x1x1xf32>
      %b_1 = graph.conv2d %x_1, %w2 : (tensor<1x64x28x28xf32>, tensor<64x64x1x1xf32>) -> tensor<1x64x28x28xf32>
      accel.yield %b_1 : tensor<1x64x28x28xf32>
    }
    %s = accel.kernel "k2_add"(%a, %b) cores = 1 : (tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    ^bb0(%a_1: tensor<1x64x28x28xf32>, %b_1: tensor<1x64x28x28xf32>):
      %s_1 = graph.add %a_1, %b_1 : (tensor<1x64x28x28xf32>, tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32>
      accel.yield %s_1 : tensor<1x64x28x28xf32>
    }
    func.return %s : tensor<1x64x28x28xf32>
  }
}

// CHECK-LABEL: func.func @branches(
// CHECK-NEXT:    %a = accel.kernel "k0_conv2d"(%x) cores = {{[0-9]+}} latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = 0 : i64, accel.start = 0.000000e+00 : f64}
// CHECK:         %b = accel.kernel "k1_conv2d"(%x) cores = {{[0-9]+}} latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = {{[0-9]+}} : i64, accel.start = {{[0-9.e+-]+}} : f64}
// CHECK:         %s = accel.kernel "k2_add"(%a, %b) cores = {{[0-9]+}} latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = {{[0-9]+}} : i64,
// CHECK-NOT:     accel.start = 0.000000e+00
// CHECK-SAME:    accel.start = {{[0-9.e+-]+}} : f64}

// Keeping every kernel on its one core, the convs run side by side: both start
// at 0, on different cores.
// KEEP-LABEL: func.func @branches(
// KEEP-NEXT:    %a = accel.kernel "k0_conv2d"(%x) cores = 1 latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = 0 : i64, accel.start = 0.000000e+00 : f64}
// KEEP:         %b = accel.kernel "k1_conv2d"(%x) cores = 1 latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = {{[1-9][0-9]*}} : i64, accel.start = 0.000000e+00 : f64}
// KEEP:         %s = accel.kernel "k2_add"(%a, %b) cores = 1

// -----

// A chain: every kernel waits for the one before it, so only the first starts at 0.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @chain(%x: tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    %a = accel.kernel "k0_relu"(%x) cores = 1 : (tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    ^bb0(%x_1: tensor<1x64x28x28xf32>):
      %a_1 = graph.relu %x_1 : tensor<1x64x28x28xf32>
      accel.yield %a_1 : tensor<1x64x28x28xf32>
    }
    %b = accel.kernel "k1_sigmoid"(%a) cores = 1 : (tensor<1x64x28x28xf32>) -> tensor<1x64x28x28xf32> {
    ^bb0(%a_1: tensor<1x64x28x28xf32>):
      %b_1 = graph.sigmoid %a_1 : tensor<1x64x28x28xf32>
      accel.yield %b_1 : tensor<1x64x28x28xf32>
    }
    func.return %b : tensor<1x64x28x28xf32>
  }
}

// CHECK-LABEL: func.func @chain(
// CHECK-NEXT:    %a = accel.kernel "k0_relu"(%x) cores = {{[0-9]+}} latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = 0 : i64, accel.start = 0.000000e+00 : f64}
// CHECK:         %b = accel.kernel "k1_sigmoid"(%a) cores = {{[0-9]+}} latency = <{{[0-9.e+-]+}} us, {{[a-z]+}}> {accel.core_offset = {{[0-9]+}} : i64,
// CHECK-NOT:     accel.start = 0.000000e+00
// CHECK-SAME:    accel.start = {{[0-9.e+-]+}} : f64}

// KEEP-LABEL: func.func @chain(
// KEEP-NEXT:    %a = accel.kernel "k0_relu"(%x) cores = 1 latency
// KEEP:         %b = accel.kernel "k1_sigmoid"(%a) cores = 1 latency
// KEEP-NOT:     accel.start = 0.000000e+00
// KEEP-SAME:    accel.start = {{[0-9.e+-]+}} : f64}
