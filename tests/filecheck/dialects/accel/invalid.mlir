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

// -----

// The discardable attributes of the accel dialect are checked: a core offset is an i64 of at least 0 ...
func.func @negative_core_offset(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {accel.core_offset = -1 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: attribute 'accel.core_offset' must be an i64 of at least 0, got -1 : i64

// -----

func.func @core_offset_not_i64(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {accel.core_offset = 2 : i32} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: attribute 'accel.core_offset' must be an i64 of at least 0, got 2 : i32

// -----

// ... a start time a finite non-negative f64 ...
func.func @negative_start(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {accel.start = -2.0 : f64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: attribute 'accel.start' must be a finite non-negative f64, got -2.000000e+00 : f64

// -----

func.func @start_not_a_number(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {accel.start = "soon"} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: attribute 'accel.start' must be a finite non-negative f64, got "soon"

// -----

// ... and no other accel.* name is allowed,
func.func @unknown_accel_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {accel.offset = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: unknown attribute 'accel.offset' is not allowed here (allowed: accel.core_offset, accel.start)

// -----

// nor the group's core count (a kernel's is its cores property),
func.func @fusion_cores_on_a_kernel(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {fusion.cores = 4 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: declared attribute 'fusion.cores' is not allowed here (allowed: fusion.mapping, fusion.seed, fusion.pattern)

// -----

// and the fusion attributes a kernel keeps are checked as on a group.
func.func @fusion_mapping_label(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = accel.kernel "k0_relu"(%x) cores = 1 {fusion.mapping = "1:1"} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %b = graph.relu %a : tensor<4xf32>
    accel.yield %b : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK: accel.kernel: attribute 'fusion.mapping' must be one of 'one_to_one', 'reorganize', 'shuffle', 'one_to_many', 'many_to_many', got "1:1"
