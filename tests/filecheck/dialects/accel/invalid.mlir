// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=NONE

// IR the accel dialect rejects: each case fails to parse or to verify with the
// error of its CHECK line. No case verifies (so none prints a module in custom form):
// NONE-NOT: builtin.module {

builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @illegal_cores(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = accel.kernel "k0_relu"(%x) cores = 3 : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      %b = graph.relu %a : tensor<4xf32>
      accel.yield %b : tensor<4xf32>
    }
    func.return %y : tensor<4xf32>
  }
}

// CHECK: accel.kernel "k0_relu": 3 cores is not legal on target "mlu100" (legal: 1, 2, 4, 8, 16, 32)

// -----

func.func @zero_cores(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 0 : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: cores must be positive, got 0

// -----

func.func @latency_bound(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 latency = <13.14 us, disk> : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: #accel.latency: bound must be one of compute, memory, overhead, got 'disk'

// -----

func.func @negative_latency(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 latency = <-1.0 us, memory> : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: #accel.latency: latency must be non-negative, got -1.0 us

// -----

builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [4, 2]>} {
}

// CHECK: #accel.target: core counts must be positive and increasing, got [4, 2]

// -----

builtin.module attributes {accel.target = "mlu100"} {
  func.func @target_not_a_target(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = accel.kernel "k0_relu"(%x) cores = 1 : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      %b = graph.relu %a : tensor<4xf32>
      accel.yield %b : tensor<4xf32>
    }
    func.return %y : tensor<4xf32>
  }
}

// CHECK: module attribute accel.target must be an #accel.target, got "mlu100"

// -----

func.func @yield_outside_a_kernel(%x: tensor<4xf32>) -> tensor<4xf32> {
  accel.yield %x : tensor<4xf32>
}

// CHECK: 'accel.yield' expects parent op 'accel.kernel'

// -----

func.func @block_argument_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<8xf32>):
    %b = graph.relu %a : tensor<8xf32>
    accel.yield %b : tensor<8xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: block argument types must match the operand types

// -----

func.func @yield_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_sum"(%x) cores = 1 : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %s = graph.reduce_sum %a {axes = array<i64: 0>} : (tensor<4xf32>) -> tensor<1xf32>
    accel.yield %s : tensor<1xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: yielded types must match the result types

// -----

func.func @uses_a_value_from_above(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"() cores = 1 : () -> tensor<4xf32> {
    %b = graph.relu %x : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: Operation using value defined out of its IsolatedFromAbove parent

// -----

func.func @no_cores(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK:      invalid.mlir:[[# @LINE - 8]]:35
// CHECK-NEXT:   %y = accel.kernel "k0_relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:                                   ^
// CHECK-NEXT:                                   Expected 'cores'
