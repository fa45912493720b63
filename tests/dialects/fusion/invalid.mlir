// Cases the fusion dialect rejects (see test_golden.py): each fails to parse or
// to verify with an error containing the text of its expected-error line.

// expected-error {{fusion.group: block argument types must match the operand types}}
func.func @block_argument_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<8xf32>):
    %r = graph.relu %a : tensor<8xf32>
    fusion.yield %r : tensor<8xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// expected-error {{fusion.group: yielded types must match the result types}}
func.func @yield_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %s = graph.reduce_sum %a {axes = array<i64: 0>} : (tensor<4xf32>) -> tensor<1xf32>
    fusion.yield %s : tensor<1xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// expected-error {{'fusion.yield' expects parent op 'fusion.group'}}
func.func @yield_outside_a_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  fusion.yield %x : tensor<4xf32>
}

// -----

// expected-error {{Operation using value defined out of its IsolatedFromAbove parent}}
func.func @uses_a_value_from_above(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0"() : () -> tensor<4xf32> {
    %r = graph.relu %x : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// -----

// expected-error {{Operation fusion.group contains empty block in single-block region that expects at least a terminator}}
func.func @no_terminator(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "fusion.group"(%x) <{sym_name = "k0"}> ({
  ^bb0(%a: tensor<4xf32>):
  }) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// expected-error {{property 'sym_name' expected in operation 'fusion.group'}}
func.func @no_name(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "fusion.group"(%x) ({
  ^bb0(%a: tensor<4xf32>):
    "fusion.yield"(%a) : (tensor<4xf32>) -> ()
  }) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// expected-error {{operand 'inputs' at position 0 does not verify}}
func.func @scalar_operand(%x: f32) -> tensor<f32> {
  %y = "fusion.group"(%x) <{sym_name = "k0"}> ({
  ^bb0(%a: f32):
    %r = graph.constant 1.0 : tensor<f32>
    "fusion.yield"(%r) : (tensor<f32>) -> ()
  }) : (f32) -> tensor<f32>
  func.return %y : tensor<f32>
}
