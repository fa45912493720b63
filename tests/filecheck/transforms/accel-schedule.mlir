// RUN: dlfc-opt %s --split-input-file -p accel-schedule | filecheck %s

// conv3x3 -> relu on 2 cores, which the cost model keeps whole on chip (one
// tile): the weight is loaded once for both cores (rows [0, 3) of its
// kernel-row axis); each core computes its 4 rows of the conv in 2 chunks of
// two rows (4 chunks of one row would load 3 input rows for each:
// chunk_count), loading each chunk's input rows with their halo (clipped at
// the tensor's edges) into alternating buffers, and of the relu in 4 chunks of
// one row; the conv appends its chunks to the buffer the relu reads; only the
// kernel result is stored, chunk by chunk.
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
// CHECK-NEXT:    schedule.program capacity = 786432 element_bytes = 2 {
// CHECK-NEXT:      %[[W:.*]] = schedule.buffer offset = 0 size = 320
// CHECK-NEXT:      %[[X0:.*]] = schedule.buffer offset = 320 size = 256
// CHECK-NEXT:      %[[X1:.*]] = schedule.buffer offset = 576 size = 256
// CHECK-NEXT:      %[[C:.*]] = schedule.buffer offset = 832 size = 256
// CHECK-NEXT:      %[[R0:.*]] = schedule.buffer offset = 320 size = 64
// CHECK-NEXT:      %[[R1:.*]] = schedule.buffer offset = 384 size = 64
// CHECK-NEXT:      schedule.load %w rows = [0, 3, 0, 3] into %[[W]] : tensor<4x4x3x3xf32>
// CHECK-NEXT:      schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:        schedule.load %a rows = [0, 3, 3, 7] into %[[X0]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %c rows = [0, 2, 4, 6] ins(%[[X0]], %[[W]]) outs(%[[C]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.load %a rows = [1, 5, 5, 8] into %[[X1]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %c rows = [2, 4, 6, 8] ins(%[[X1]], %[[W]]) outs(%[[C]]) append : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %r rows = [0, 1, 4, 5] ins(%[[C]]) outs(%[[R0]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.store %r rows = [0, 1, 4, 5] from %[[R0]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %r rows = [1, 2, 5, 6] ins(%[[C]]) outs(%[[R1]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.store %r rows = [1, 2, 5, 6] from %[[R1]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %r rows = [2, 3, 6, 7] ins(%[[C]]) outs(%[[R0]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.store %r rows = [2, 3, 6, 7] from %[[R0]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.compute %r rows = [3, 4, 7, 8] ins(%[[C]]) outs(%[[R1]]) : tensor<1x4x8x8xf32>
// CHECK-NEXT:        schedule.store %r rows = [3, 4, 7, 8] from %[[R1]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    accel.yield %r : tensor<1x4x8x8xf32>
// CHECK-NOT:   schedule.store %c

// -----

// conv3x3 -> relu -> conv3x3 on 2 cores: before the second conv, each core
// gets the relu's row next to its own from the other core (the halo) by an
// exchange over the links: core 0 then holds rows [0, 5), core 1 rows [3, 8).
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @conv_conv(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      %v = graph.weight "v" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %d = graph.conv2d %r, %v {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      accel.yield %d : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK-LABEL: func.func @conv_conv(
// CHECK:         schedule.compute %r rows = [3, 4, 7, 8] ins(%{{.*}}) outs(%[[R:.*]]) append : tensor<1x4x8x8xf32>
// CHECK-NEXT:    schedule.exchange %r rows = [0, 5, 3, 8] in %[[R]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:    schedule.compute %d rows = [0, 1, 4, 5] ins(%[[R]], %{{.*}}) outs(%{{.*}}) : tensor<1x4x8x8xf32>

// -----
// A reflecting pad cannot be sliced by rows (its padding rows copy rows from
// the other end of the tensor): the relu before it stores its result, the
// pad runs whole from DRAM to DRAM after a barrier (every core's rows of the
// relu must be in DRAM), and the neg after it loads the padded tensor after
// another.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @phases(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x10x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x10x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      %s = graph.pad %r {pads = array<i64: 0, 0, 1, 0, 0, 0, 1, 0>, mode = "reflect"} : (tensor<1x4x8x8xf32>) -> tensor<1x4x10x8xf32>
      %t = graph.neg %s : tensor<1x4x10x8xf32>
      accel.yield %t : tensor<1x4x10x8xf32>
    }
    func.return %y : tensor<1x4x10x8xf32>
  }
}

// CHECK-LABEL: func.func @phases(
// CHECK:           schedule.store %r rows = [6, 8] from
// CHECK-NEXT:    }
// CHECK-NEXT:    schedule.barrier
// CHECK-NEXT:    schedule.compute_whole %s : tensor<1x4x10x8xf32>
// CHECK-NEXT:    schedule.barrier
// CHECK:         schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:      schedule.load %s rows = [0, 3] into %{{.*}} : tensor<1x4x10x8xf32>
// CHECK:         schedule.store %t rows = [9, 10] from
// CHECK-NOT:     schedule.store %s

// -----
// A reshape's result rows are not its operand's rows, but in a kernel of one
// tile it is computed from buffers like the ops around it: the rect of its
// operand holding the same elements (`layout_rect`; here all of them) is on
// chip, and nothing goes through DRAM between the ops.
builtin.module attributes {accel.target = #accel.target<"mlu100", cores = [1, 2, 4, 8, 16, 32]>} {
  func.func @reshape_on_chip(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
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

// CHECK-LABEL: func.func @reshape_on_chip(
// CHECK:           schedule.compute %r rows = [6, 8] ins(%{{.*}}) outs(%[[R:.*]]) append : tensor<1x4x8x8xf32>
// CHECK-NEXT:      schedule.compute %s rows = [0, 4] ins(%[[R]]) outs(%[[S:.*]]) : tensor<1x4x4x16xf32>
// CHECK-NEXT:      schedule.compute %t rows = [0, 1] ins(%[[S]]) outs(%{{.*}}) : tensor<1x4x4x16xf32>
// CHECK-NOT:     schedule.compute_whole
// CHECK-NOT:     schedule.barrier
// CHECK-NOT:     schedule.store %s
