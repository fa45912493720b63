// RUN: dlfc-opt %s --split-input-file -p convert-graph-to-fusion | filecheck %s

// Every computing op gets its own group, named k<i>_<op>; the weights and constants
// it reads move into its group (a weight two ops read is copied into both); only
// tensors that cross a group boundary are group operands and results.
func.func @each_op_alone(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = graph.weight "d.weight" {init = "he_normal"} : tensor<8x8xf32>
  %a = graph.dense %x, %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %b = graph.dense %a, %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %half = graph.constant 0.5 : tensor<f32>
  %c = graph.mul %b, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  func.return %c : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @each_op_alone(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT:    %a = fusion.group "k0_dense"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: tensor<2x8xf32>):
// CHECK-NEXT:      %w = graph.weight "d.weight" {init = "he_normal"} : tensor<8x8xf32>
// CHECK-NEXT:      %[[A:.*]] = graph.dense %[[X]], %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:      fusion.yield %[[A]] : tensor<2x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = fusion.group "k1_dense"(%a) : (tensor<2x8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT:    ^bb0(%[[A2:.*]]: tensor<2x8xf32>):
// CHECK-NEXT:      %w = graph.weight "d.weight" {init = "he_normal"} : tensor<8x8xf32>
// CHECK-NEXT:      %[[B:.*]] = graph.dense %[[A2]], %w : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT:      fusion.yield %[[B]] : tensor<2x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %c = fusion.group "k2_mul"(%b) : (tensor<2x8xf32>) -> tensor<2x8xf32> {
// CHECK-NEXT:    ^bb0(%[[B2:.*]]: tensor<2x8xf32>):
// CHECK-NEXT:      %half = graph.constant 0.5 : tensor<f32>
// CHECK-NEXT:      %[[C:.*]] = graph.mul %[[B2]], %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
// CHECK-NEXT:      fusion.yield %[[C]] : tensor<2x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %c : tensor<2x8xf32>

// -----

// Never fuses: elementwise ops that any planner would fuse stay in groups of one.
func.func @never_fuses(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = graph.relu %x : tensor<4xf32>
  %b = graph.sigmoid %a : tensor<4xf32>
  %c = graph.add %b, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %c : tensor<4xf32>
}

// CHECK-LABEL: func.func @never_fuses(
// CHECK-NEXT:    %a = fusion.group "k0_relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NOT:       graph.sigmoid
// CHECK:           fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %b = fusion.group "k1_sigmoid"(%a) : (tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NOT:       graph.add
// CHECK:           fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    %c = fusion.group "k2_add"(%b, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NEXT:    ^bb0(%{{.*}}: tensor<4xf32>, %{{.*}}: tensor<4xf32>):
// CHECK-NEXT:      %{{.*}} = graph.add
// CHECK-NEXT:      fusion.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %c : tensor<4xf32>
