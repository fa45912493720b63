// RUN: dlfc-opt %s --split-input-file -p canonicalize | filecheck %s

// Dead graph ops go (they are pure); the rest is left as it is.
func.func @dead_ops(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %w = graph.weight "w" {init = "normal"} : tensor<4xf32>
  %dead = graph.add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %a = graph.sub %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = graph.relu %a : tensor<4xf32>
  func.return %b : tensor<4xf32>
}

// CHECK-LABEL: func.func @dead_ops(
// CHECK-NOT:     graph.weight
// CHECK-NOT:     %dead
// CHECK:         %a = graph.sub %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %b = graph.relu %a : tensor<4xf32>
// CHECK-NEXT:    func.return %b : tensor<4xf32>

// -----

// Inside a group, too: the unused sigmoid goes, the yielded relu stays.
func.func @in_a_group(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = fusion.group "k0_relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %unused = graph.sigmoid %a : tensor<4xf32>
    %r = graph.relu %a : tensor<4xf32>
    fusion.yield %r : tensor<4xf32>
  }
  func.return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @in_a_group(
// CHECK-NEXT:    %y = fusion.group "k0_relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^bb0(%a: tensor<4xf32>):
// CHECK-NEXT:      %r = graph.relu %a : tensor<4xf32>
// CHECK-NEXT:      fusion.yield %r : tensor<4xf32>
