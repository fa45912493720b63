// RUN: dlfc-opt %s --split-input-file -p cse | filecheck %s

// Graph ops are pure: the same op on the same operands is computed once, and two
// graph.weight ops that load the same weight are one.
func.func @same_op_twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %w1 = graph.weight "w" {init = "normal"} : tensor<4xf32>
  %w2 = graph.weight "w" {init = "normal"} : tensor<4xf32>
  %a = graph.add %x, %w1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = graph.add %x, %w2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %c = graph.relu %a : tensor<4xf32>
  %d = graph.relu %b : tensor<4xf32>
  func.return %c, %d : tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @same_op_twice(
// CHECK-NEXT:    %w1 = graph.weight "w" {init = "normal"} : tensor<4xf32>
// CHECK-NEXT:    %a = graph.add %x, %w1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %c = graph.relu %a : tensor<4xf32>
// CHECK-NEXT:    func.return %c, %c : tensor<4xf32>, tensor<4xf32>

// -----

// Different weights, different attributes or operands in another order (of an op
// that does not commute) are different values.
func.func @different_ops(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %v = graph.weight "v" {init = "normal"} : tensor<4xf32>
  %w = graph.weight "w" {init = "normal"} : tensor<4xf32>
  %a = graph.sub %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = graph.sub %y, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %c = graph.add %x, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %d = graph.add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %a, %b, %c, %d : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @different_ops(
// CHECK-NEXT:    %v = graph.weight "v"
// CHECK-NEXT:    %w = graph.weight "w"
// CHECK-NEXT:    %a = graph.sub %x, %y
// CHECK-NEXT:    %b = graph.sub %y, %x
// CHECK-NEXT:    %c = graph.add %x, %v
// CHECK-NEXT:    %d = graph.add %x, %w
// CHECK-NOT:     graph.
// CHECK:         func.return %a, %b, %c, %d

// -----

// Inside a fusion group too; an op without a use goes as well.
func.func @in_a_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0_relu+relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = graph.relu %a : tensor<4xf32>
    %s = graph.relu %a : tensor<4xf32>
    %t = graph.add %r, %s : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %unused = graph.sigmoid %a : tensor<4xf32>
    fusion.yield %t : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @in_a_group(
// CHECK-NEXT:    %y = fusion.group "k0_relu+relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^bb0(%a: tensor<4xf32>):
// CHECK-NEXT:      %r = graph.relu %a : tensor<4xf32>
// CHECK-NEXT:      %t = graph.add %r, %r : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:      fusion.yield %t : tensor<4xf32>
