// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=NONE

// IR the fusion dialect rejects: each case fails to parse or to verify with the
// error of its CHECK line. No case verifies (so none prints a module in custom form):
// NONE-NOT: builtin.module {

// CHECK: fusion.group: block argument types must match the operand types
func.func @block_argument_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<8xf32>):
    %r = graph.relu %a : tensor<8xf32>
    fusion.yield %r : tensor<8xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: fusion.group: yielded types must match the result types
func.func @yield_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %s = graph.reduce_sum %a {axes = array<i64: 0>} : (tensor<4xf32>) -> tensor<1xf32>
    fusion.yield %s : tensor<1xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: 'fusion.yield' expects parent op 'fusion.group'
func.func @yield_outside_a_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  fusion.yield %x : tensor<4xf32>
}

// -----

// CHECK: Operation using value defined out of its IsolatedFromAbove parent
func.func @uses_a_value_from_above(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"() : () -> tensor<4xf32> {
    %r = graph.relu %x : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: Operation fusion.group contains empty block in single-block region that expects at least a terminator
func.func @no_terminator(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "fusion.group"(%x) <{sym_name = "k0"}> ({
  ^bb0(%a: tensor<4xf32>):
  }) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: property 'sym_name' expected in operation 'fusion.group'
func.func @no_name(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "fusion.group"(%x) ({
  ^bb0(%a: tensor<4xf32>):
    "fusion.yield"(%a) : (tensor<4xf32>) -> ()
  }) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: operand 'inputs' at position 0 does not verify
func.func @scalar_operand(%x: f32) -> tensor<f32> {
  %y = "fusion.group"(%x) <{sym_name = "k0"}> ({
  ^bb0(%a: f32):
    %r = graph.constant 1.0 : tensor<f32>
    "fusion.yield"(%r) : (tensor<f32>) -> ()
  }) : (f32) -> tensor<f32>
  func.return %y : tensor<f32>
}

// -----

// CHECK: fusion.group: attribute 'fusion.mapping' must be one of 'one_to_one', 'reorganize', 'shuffle', 'one_to_many', 'many_to_many', got "one-to-one"
func.func @mapping_label(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) {fusion.mapping = "one-to-one"} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: fusion.group: attribute 'fusion.pattern' must be one of 'elemwise', 'broadcast', 'injective', 'comm_reduce', 'out_ewise_fusable', 'opaque', got "elementwise"
func.func @pattern_label(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) {fusion.pattern = "elementwise"} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: fusion.group: attribute 'fusion.seed' must be a non-empty string, got ""
func.func @empty_seed(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) {fusion.seed = ""} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: fusion.group: attribute 'fusion.cores' must be an i64 of at least 1, got 0 : i64
func.func @zero_cores(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) {fusion.cores = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: fusion.group: attribute 'fusion.cores' must be an i64 of at least 1, got 4 : i32
func.func @cores_not_i64(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) {fusion.cores = 4 : i32} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: fusion.group: unknown attribute 'fusion.core' is not allowed here (allowed: fusion.mapping, fusion.seed, fusion.pattern, fusion.cores)
func.func @unknown_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) {fusion.core = 4 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}
