// RUN: dlfc-opt %s --split-input-file | filecheck %s --match-full-lines
// RUN: dlfc-opt %s --split-input-file --print-op-generic | dlfc-opt --split-input-file | filecheck %s --match-full-lines
// RUN: dlfc-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// Round trips of the accel dialect: each case parses, verifies and prints back as
// written, also after a trip through the generic form.

// A kernel on 4 of the target's cores, with the cost model's latency.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @kernel(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    %y = accel.kernel "k0_relu"(%x) cores = 4 latency = <13.14 us, memory> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
    ^bb0(%a: tensor<1x64x56x56xf32>):
      %b = graph.relu %a : tensor<1x64x56x56xf32>
      accel.yield %b : tensor<1x64x56x56xf32>
    }
    func.return %y : tensor<1x64x56x56xf32>
  }
}

// In the generic form cores and latency are properties, the target a module attribute.
// GENERIC-LABEL: "func.func"() <{sym_name = "kernel"
// GENERIC:       %y = "accel.kernel"(%x) <{sym_name = "k0_relu", cores = 4 : i64, latency = #accel.latency<13.14 us, memory>}> ({
// GENERIC:       }) {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} : () -> ()

// CHECK:      builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
// CHECK-NEXT:   func.func @kernel(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NEXT:     %y = accel.kernel "k0_relu"(%x) cores = 4 latency = <13.14 us, memory> : (tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x64x56x56xf32>):
// CHECK-NEXT:       %b = graph.relu %a : tensor<1x64x56x56xf32>
// CHECK-NEXT:       accel.yield %b : tensor<1x64x56x56xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<1x64x56x56xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// The latency is optional; a scheduled kernel carries its first core and start
// time, and keeps the fusion attributes of the group it was lowered from.
builtin.module attributes {accel.target = #accel.target<"mlu270", cores = [1, 4, 8, 16]>} {
  func.func @scheduled(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
    %s, %p = accel.kernel "k0_add+mul"(%x, %y) cores = 8 {fusion.mapping = "one_to_one", fusion.seed = "s", accel.core_offset = 8 : i64, accel.start = 2.500000e+00 : f64} : (tensor<2x8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
    ^bb0(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>):
      %sum = graph.add %a, %b : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
      %prod = graph.mul %sum, %b : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
      accel.yield %sum, %prod : tensor<2x8xf32>, tensor<2x8xf32>
    }
    func.return %s, %p : tensor<2x8xf32>, tensor<2x8xf32>
  }
}

// CHECK:      builtin.module attributes {accel.target = #accel.target<"mlu270", cores = [1, 4, 8, 16]>} {
// CHECK-NEXT:   func.func @scheduled(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
// CHECK-NEXT:     %s, %p = accel.kernel "k0_add+mul"(%x, %y) cores = 8 {fusion.mapping = "one_to_one", fusion.seed = "s", accel.core_offset = 8 : i64, accel.start = 2.500000e+00 : f64} : (tensor<2x8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
// CHECK-NEXT:     ^bb0(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>):
// CHECK-NEXT:       %sum = graph.add %a, %b : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:       %prod = graph.mul %sum, %b : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:       accel.yield %sum, %prod : tensor<2x8xf32>, tensor<2x8xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %s, %p : tensor<2x8xf32>, tensor<2x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Two kernels in a chain, weights inside, a kernel without inputs; every bound
// the latency may name.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @chain(%x: tensor<1x16xf32>) -> (tensor<1x10xf32>, tensor<4xf32>) {
    %h = accel.kernel "k0_dense+gelu"(%x) cores = 2 latency = <5.2 us, overhead> : (tensor<1x16xf32>) -> tensor<1x32xf32> {
    ^bb0(%a: tensor<1x16xf32>):
      %w = graph.weight "fc1.weight" {init = "he_normal"} : tensor<32x16xf32>
      %b = graph.weight "fc1.bias" {init = "zeros"} : tensor<32xf32>
      %d = graph.dense %a, %w, %b : (tensor<1x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<1x32xf32>
      %g = graph.gelu %d : tensor<1x32xf32>
      accel.yield %g : tensor<1x32xf32>
    }
    %o = accel.kernel "k1_dense"(%h) cores = 1 latency = <120.0 us, compute> : (tensor<1x32xf32>) -> tensor<1x10xf32> {
    ^bb0(%a: tensor<1x32xf32>):
      %w = graph.weight "fc2.weight" {init = "he_normal"} : tensor<10x32xf32>
      %d = graph.dense %a, %w : (tensor<1x32xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
      accel.yield %d : tensor<1x10xf32>
    }
    %c = accel.kernel "k2_exp"() cores = 1 latency = <0.0 us, memory> : () -> tensor<4xf32> {
      %v = graph.weight "v" {init = "normal"} : tensor<4xf32>
      %e = graph.exp %v : tensor<4xf32>
      accel.yield %e : tensor<4xf32>
    }
    func.return %o, %c : tensor<1x10xf32>, tensor<4xf32>
  }
}

// CHECK:      builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
// CHECK-NEXT:   func.func @chain(%x: tensor<1x16xf32>) -> (tensor<1x10xf32>, tensor<4xf32>) {
// CHECK-NEXT:     %h = accel.kernel "k0_dense+gelu"(%x) cores = 2 latency = <5.2 us, overhead> : (tensor<1x16xf32>) -> tensor<1x32xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x16xf32>):
// CHECK-NEXT:       %w = graph.weight "fc1.weight" {init = "he_normal"} : tensor<32x16xf32>
// CHECK-NEXT:       %b = graph.weight "fc1.bias" {init = "zeros"} : tensor<32xf32>
// CHECK-NEXT:       %d = graph.dense %a, %w, %b : (tensor<1x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<1x32xf32>
// CHECK-NEXT:       %g = graph.gelu %d : tensor<1x32xf32>
// CHECK-NEXT:       accel.yield %g : tensor<1x32xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     %o = accel.kernel "k1_dense"(%h) cores = 1 latency = <120.0 us, compute> : (tensor<1x32xf32>) -> tensor<1x10xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x32xf32>):
// CHECK-NEXT:       %w = graph.weight "fc2.weight" {init = "he_normal"} : tensor<10x32xf32>
// CHECK-NEXT:       %d = graph.dense %a, %w : (tensor<1x32xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
// CHECK-NEXT:       accel.yield %d : tensor<1x10xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     %c = accel.kernel "k2_exp"() cores = 1 latency = <0.0 us, memory> : () -> tensor<4xf32> {
// CHECK-NEXT:       %v = graph.weight "v" {init = "normal"} : tensor<4xf32>
// CHECK-NEXT:       %e = graph.exp %v : tensor<4xf32>
// CHECK-NEXT:       accel.yield %e : tensor<4xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %o, %c : tensor<1x10xf32>, tensor<4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Without an accel.target, any positive core count verifies.
builtin.module {
  func.func @no_target(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = accel.kernel "k0_relu"(%x) cores = 3 : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      %b = graph.relu %a : tensor<4xf32>
      accel.yield %b : tensor<4xf32>
    }
    func.return %y : tensor<4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @no_target(%x: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     %y = accel.kernel "k0_relu"(%x) cores = 3 : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<4xf32>):
// CHECK-NEXT:       %b = graph.relu %a : tensor<4xf32>
// CHECK-NEXT:       accel.yield %b : tensor<4xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// A kernel may yield its argument; attributes of no dialect are not checked.
builtin.module {
  func.func @yield_the_argument(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = accel.kernel "k0_copy"(%x) cores = 1 {core_offset = -1 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      accel.yield %a : tensor<4xf32>
    }
    func.return %y : tensor<4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @yield_the_argument(%x: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     %y = accel.kernel "k0_copy"(%x) cores = 1 {core_offset = -1 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<4xf32>):
// CHECK-NEXT:       accel.yield %a : tensor<4xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }
