// RUN: dlfc-opt %s --split-input-file -p graph-algebraic-simplify | filecheck %s
// RUN: dlfc-opt %s --split-input-file -p 'graph-algebraic-simplify{rules=repeated-factor fp-model=aggressive}' | filecheck %s --check-prefix=ONLY
// RUN: dlfc-opt %s --split-input-file -p 'graph-algebraic-simplify{fp-model=strict}' | filecheck %s --check-prefix=STRICT
// RUN: dlfc-opt %s --split-input-file -p 'graph-algebraic-simplify{fp-model=aggressive}' | filecheck %s --check-prefix=AGGRESSIVE

// sqrt-pair: a·√b·√b = a·b (the square roots die with the products).
func.func @sqrt_pair(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = graph.sqrt %b : tensor<4x8xf32>
  %x = graph.mul %a, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = graph.mul %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @sqrt_pair(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT:    %y = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %y : tensor<4x8xf32>
// CHECK-NEXT:  }

// Under fp-model=strict nothing changes: √b·√b = b is not bitwise (NaN for b < 0).
// STRICT-LABEL: func.func @sqrt_pair(
// STRICT-NEXT:    %s = graph.sqrt %b : tensor<4x8xf32>
// STRICT-NEXT:    %x = graph.mul %a, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// STRICT-NEXT:    %y = graph.mul %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// STRICT-NEXT:    func.return %y : tensor<4x8xf32>

// With repeated-factor alone (and aggressive: fast squares no factor of a longer chain), √b·√b is Square(√b).
// ONLY-LABEL: func.func @sqrt_pair(
// ONLY-NEXT:    %s = graph.sqrt %b : tensor<4x8xf32>
// ONLY-NEXT:    %[[SQUARE:.*]] = graph.square %s : tensor<4x8xf32>
// ONLY-NEXT:    %[[PRODUCT:.*]] = graph.mul %a, %[[SQUARE]] : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// ONLY-NEXT:    func.return %[[PRODUCT]] : tensor<4x8xf32>

// -----

// The product a·√b is also returned, so the chain keeps it: nothing to rewrite.
func.func @shared_product(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %s = graph.sqrt %b : tensor<4x8xf32>
  %x = graph.mul %a, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = graph.mul %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %x, %y : tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @shared_product(
// CHECK-NOT:     graph.mul %a, %b
// CHECK:         %y = graph.mul %x, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %x, %y : tensor<4x8xf32>, tensor<4x8xf32>

// -----

// √a·√b is no pair (the roots differ): nothing to rewrite.
func.func @different_roots(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = graph.sqrt %a : tensor<4x8xf32>
  %t = graph.sqrt %b : tensor<4x8xf32>
  %y = graph.mul %s, %t : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @different_roots(
// CHECK-NEXT:    %s = graph.sqrt %a : tensor<4x8xf32>
// CHECK-NEXT:    %t = graph.sqrt %b : tensor<4x8xf32>
// CHECK-NEXT:    %y = graph.mul %s, %t : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %y : tensor<4x8xf32>

// -----

// repeated-factor: x·x = Square(x).
func.func @repeated_factor(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = graph.mul %a, %a : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @repeated_factor(
// CHECK-NEXT:    %y = graph.square %a : tensor<4x8xf32>
// CHECK-NEXT:    func.return %y : tensor<4x8xf32>

// -----

// identity-element and double-negation: −(−(x·1)) = x, every op goes.
func.func @identity_and_double_negation(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = graph.constant 1.0 : tensor<f32>
  %y = graph.mul %a, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %z = graph.neg %y : tensor<4x8xf32>
  %w = graph.neg %z : tensor<4x8xf32>
  func.return %w : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @identity_and_double_negation(
// CHECK-NEXT:    func.return %a : tensor<4x8xf32>

// -----

// factor-common-term: x·p + x·q = x·(p + q), one product fewer, under fp-model=aggressive only:
// p + q overflows for x = 1e-10, p = q = 3e38, where x·p + x·q does not, so fast keeps it.
func.func @factor_common_term(%x: tensor<4x8xf32>, %p: tensor<4x8xf32>, %q: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = graph.mul %x, %p : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = graph.mul %x, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %c : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @factor_common_term(
// CHECK-NEXT:    %a = graph.mul %x, %p : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %b = graph.mul %x, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %c = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %c : tensor<4x8xf32>

// AGGRESSIVE-LABEL: func.func @factor_common_term(
// AGGRESSIVE-NEXT:    %[[SUM:.*]] = graph.add %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// AGGRESSIVE-NEXT:    %[[PRODUCT:.*]] = graph.mul %x, %[[SUM]] : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// AGGRESSIVE-NEXT:    func.return %[[PRODUCT]] : tensor<4x8xf32>

// ONLY-LABEL: func.func @factor_common_term(
// ONLY-NOT:     graph.add %p, %q
// ONLY:         %c = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>

// -----

// x·p + y·q shares no term: nothing to factor.
func.func @no_common_term(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %p: tensor<4x8xf32>, %q: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %a = graph.mul %x, %p : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = graph.mul %y, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %c : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @no_common_term(
// CHECK-NOT:     graph.add %p, %q
// CHECK:         %c = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    func.return %c : tensor<4x8xf32>
