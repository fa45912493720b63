// RUN: dlfc-opt %s --split-input-file --load-pass-plugin %S/graph_fold_relu.py -p graph-fold-relu | filecheck %s

// relu(relu(x)) is relu(x): the outer relu goes.
func.func @relu_of_relu(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = graph.relu %x : tensor<2x3xf32>
  %b = graph.relu %a : tensor<2x3xf32>
  func.return %b : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @relu_of_relu(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
// CHECK-NEXT:    %a = graph.relu %x : tensor<2x3xf32>
// CHECK-NOT:     graph.relu %a
// CHECK:         func.return %a : tensor<2x3xf32>

// -----

// A relu of something else stays.
func.func @relu_of_sigmoid(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = graph.sigmoid %x : tensor<2x3xf32>
  %b = graph.relu %a : tensor<2x3xf32>
  func.return %b : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @relu_of_sigmoid(
// CHECK-NEXT:    %a = graph.sigmoid %x : tensor<2x3xf32>
// CHECK-NEXT:    %b = graph.relu %a : tensor<2x3xf32>
// CHECK-NEXT:    func.return %b : tensor<2x3xf32>
