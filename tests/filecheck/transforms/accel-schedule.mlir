// RUN: dlfc-opt %s --split-input-file -p accel-schedule | filecheck %s

// conv3x3 -> relu on 2 cores: the weight is loaded once for both cores (rows
// [0, 3) of its kernel-row axis); each core loads its input rows with a
// one-row halo, clipped at the tensor's edges; both results are computed per
// slice and only the kernel result is stored.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @conv_relu(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK-LABEL: func.func @conv_relu(
// CHECK:         %r = graph.relu %c : tensor<1x4x8x8xf32>
// CHECK-NEXT:    schedule.program capacity = 393216 element_bytes = 2 {
// CHECK-NEXT:      %[[W:.*]] = schedule.buffer offset = 768 size = 320
// CHECK-NEXT:      %[[X0:.*]] = schedule.buffer offset = 0 size = 256
// CHECK-NEXT:      %[[X1:.*]] = schedule.buffer offset = 256 size = 256
// CHECK-NEXT:      %[[C:.*]] = schedule.buffer offset = 1088 size = 128
// CHECK-NEXT:      %[[R0:.*]] = schedule.buffer offset = 512 size = 128
// CHECK-NEXT:      %[[R1:.*]] = schedule.buffer offset = 640 size = 128
// CHECK-NEXT:      schedule.load %w rows = [0, 3, 0, 3] into %[[W]] : tensor<4x4x3x3xf32>
// CHECK-NEXT:      schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:        schedule.load %a rows = [0, 3, 3, 7] into %[[X0]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %c rows = [0, 2, 4, 6] ins(%[[X0]], %[[W]]) outs(%[[C]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %r rows = [0, 2, 4, 6] ins(%[[C]]) outs(%[[R0]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.store %r rows = [0, 2, 4, 6] from %[[R0]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      schedule.tile index = 1 stage = 1 {
// CHECK-NEXT:        schedule.load %a rows = [1, 5, 5, 8] into %[[X1]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %c rows = [2, 4, 6, 8] ins(%[[X1]], %[[W]]) outs(%[[C]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %r rows = [2, 4, 6, 8] ins(%[[C]]) outs(%[[R1]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.store %r rows = [2, 4, 6, 8] from %[[R1]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    accel.yield %r : tensor<1x4x8x8xf32>
// CHECK-NOT:   schedule.store %c

// -----

// A reshape cannot be sliced by rows: the relu before it stores its result,
// the reshape runs whole from DRAM to DRAM after a barrier, and the neg after
// it loads the reshaped tensor.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @phases(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
    %y = accel.kernel "k0"(%x) cores = 1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      %s = graph.reshape %r {shape = array<i64: 1, 4, 4, 16>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32>
      %t = graph.neg %s : tensor<1x4x4x16xf32>
      accel.yield %t : tensor<1x4x4x16xf32>
    }
    func.return %y : tensor<1x4x4x16xf32>
  }
}

// CHECK-LABEL: func.func @phases(
// CHECK:           schedule.store %r rows = [7, 8] from
// CHECK-NEXT:    }
// CHECK-NEXT:    schedule.barrier
// CHECK-NEXT:    schedule.compute_whole %s : tensor<1x4x4x16xf32>
// CHECK-NEXT:    schedule.barrier
// CHECK-NEXT:    %[[S:.*]] = schedule.buffer offset = 0 size = 128
// CHECK:         schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:      schedule.load %s rows = [0, 1] into %[[S]] : tensor<1x4x4x16xf32>
// CHECK:         schedule.store %t rows = [3, 4] from
// CHECK-NOT:     schedule.store %s
