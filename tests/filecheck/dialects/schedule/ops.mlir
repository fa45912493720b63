// RUN: dlfc-opt %s --split-input-file | filecheck %s --match-full-lines
// RUN: dlfc-opt %s --split-input-file --print-op-generic | dlfc-opt --split-input-file | filecheck %s --match-full-lines
// RUN: dlfc-opt %s --split-input-file --print-op-generic | filecheck %s --check-prefix=GENERIC

// Round trips of the schedule dialect: each case parses, verifies and prints back as
// written, also after a trip through the generic form.

// A conv3x3 -> relu kernel on 2 cores in 2 row tiles: the weights are loaded
// once, each tile loads its input rows with a one-row halo (clipped at the
// tensor's edges), and the loaded and stored tensors are double buffered.
builtin.module {
  func.func @conv_relu(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx0 = schedule.buffer offset = 320 size = 256
        %bx1 = schedule.buffer offset = 576 size = 256
        %bc = schedule.buffer offset = 832 size = 128
        %br0 = schedule.buffer offset = 960 size = 128
        %br1 = schedule.buffer offset = 1088 size = 128
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.tile index = 0 stage = 0 {
          schedule.load %a rows = [0, 3, 3, 7] into %bx0 : tensor<1x4x8x8xf32>
          schedule.compute %c rows = [0, 2, 4, 6] ins(%bx0, %bw) outs(%bc) : tensor<1x4x8x8xf32>
          schedule.compute %r rows = [0, 2, 4, 6] ins(%bc) outs(%br0) : tensor<1x4x8x8xf32>
          schedule.store %r rows = [0, 2, 4, 6] from %br0 : tensor<1x4x8x8xf32>
        }
        schedule.tile index = 1 stage = 1 {
          schedule.load %a rows = [1, 5, 5, 8] into %bx1 : tensor<1x4x8x8xf32>
          schedule.compute %c rows = [2, 4, 6, 8] ins(%bx1, %bw) outs(%bc) : tensor<1x4x8x8xf32>
          schedule.compute %r rows = [2, 4, 6, 8] ins(%bc) outs(%br1) : tensor<1x4x8x8xf32>
          schedule.store %r rows = [2, 4, 6, 8] from %br1 : tensor<1x4x8x8xf32>
        }
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// GENERIC-LABEL: "func.func"() <{sym_name = "conv_relu"
// GENERIC:       "schedule.program"() <{capacity = 

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @conv_relu(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:     %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x4x8x8xf32>):
// CHECK-NEXT:       %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
// CHECK-NEXT:       %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT:       %r = graph.relu %c : tensor<1x4x8x8xf32>
// CHECK-NEXT:       schedule.program capacity = 4096 element_bytes = 2 {
// CHECK-NEXT:         %bw = schedule.buffer offset = 0 size = 320
// CHECK-NEXT:         %bx0 = schedule.buffer offset = 320 size = 256
// CHECK-NEXT:         %bx1 = schedule.buffer offset = 576 size = 256
// CHECK-NEXT:         %bc = schedule.buffer offset = 832 size = 128
// CHECK-NEXT:         %br0 = schedule.buffer offset = 960 size = 128
// CHECK-NEXT:         %br1 = schedule.buffer offset = 1088 size = 128
// CHECK-NEXT:         schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
// CHECK-NEXT:         schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:           schedule.load %a rows = [0, 3, 3, 7] into %bx0 : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.compute %c rows = [0, 2, 4, 6] ins(%bx0, %bw) outs(%bc) : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.compute %r rows = [0, 2, 4, 6] ins(%bc) outs(%br0) : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.store %r rows = [0, 2, 4, 6] from %br0 : tensor<1x4x8x8xf32>
// CHECK-NEXT:         }
// CHECK-NEXT:         schedule.tile index = 1 stage = 1 {
// CHECK-NEXT:           schedule.load %a rows = [1, 5, 5, 8] into %bx1 : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.compute %c rows = [2, 4, 6, 8] ins(%bx1, %bw) outs(%bc) : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.compute %r rows = [2, 4, 6, 8] ins(%bc) outs(%br1) : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.store %r rows = [2, 4, 6, 8] from %br1 : tensor<1x4x8x8xf32>
// CHECK-NEXT:         }
// CHECK-NEXT:       }
// CHECK-NEXT:       accel.yield %r : tensor<1x4x8x8xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<1x4x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// Two phases: an op that cannot be sliced by rows runs whole, DRAM to DRAM,
// after a barrier; the buffers of the first phase are dead by then, so the
// second phase's buffer reuses their memory.
builtin.module {
  func.func @phases(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
    %y = accel.kernel "k0"(%x) cores = 1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      %s = graph.reshape %r {shape = array<i64: 1, 4, 4, 16>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32>
      %t = graph.neg %s : tensor<1x4x4x16xf32>
      schedule.program capacity = 2048 element_bytes = 2 {
        %b0 = schedule.buffer offset = 0 size = 512
        %b1 = schedule.buffer offset = 512 size = 512
        %b2 = schedule.buffer offset = 0 size = 1024
        schedule.tile index = 0 stage = 0 {
          schedule.load %a rows = [0, 8] into %b0 : tensor<1x4x8x8xf32>
          schedule.compute %r rows = [0, 8] ins(%b0) outs(%b1) : tensor<1x4x8x8xf32>
          schedule.store %r rows = [0, 8] from %b1 : tensor<1x4x8x8xf32>
        }
        schedule.barrier
        schedule.compute_whole %s : tensor<1x4x4x16xf32>
        schedule.barrier
        schedule.tile index = 0 stage = 0 {
          schedule.load %s rows = [0, 4] into %b2 : tensor<1x4x4x16xf32>
          schedule.compute %t rows = [0, 4] ins(%b2) outs(%b2) : tensor<1x4x4x16xf32>
          schedule.store %t rows = [0, 4] from %b2 : tensor<1x4x4x16xf32>
        }
      }
      accel.yield %t : tensor<1x4x4x16xf32>
    }
    func.return %y : tensor<1x4x4x16xf32>
  }
}

// GENERIC-LABEL: "func.func"() <{sym_name = "phases"
// GENERIC:       "schedule.program"() <{capacity = 

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @phases(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
// CHECK-NEXT:     %y = accel.kernel "k0"(%x) cores = 1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32> {
// CHECK-NEXT:     ^bb0(%a: tensor<1x4x8x8xf32>):
// CHECK-NEXT:       %r = graph.relu %a : tensor<1x4x8x8xf32>
// CHECK-NEXT:       %s = graph.reshape %r {shape = array<i64: 1, 4, 4, 16>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x16xf32>
// CHECK-NEXT:       %t = graph.neg %s : tensor<1x4x4x16xf32>
// CHECK-NEXT:       schedule.program capacity = 2048 element_bytes = 2 {
// CHECK-NEXT:         %b0 = schedule.buffer offset = 0 size = 512
// CHECK-NEXT:         %b1 = schedule.buffer offset = 512 size = 512
// CHECK-NEXT:         %b2 = schedule.buffer offset = 0 size = 1024
// CHECK-NEXT:         schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:           schedule.load %a rows = [0, 8] into %b0 : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.compute %r rows = [0, 8] ins(%b0) outs(%b1) : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.store %r rows = [0, 8] from %b1 : tensor<1x4x8x8xf32>
// CHECK-NEXT:         }
// CHECK-NEXT:         schedule.barrier
// CHECK-NEXT:         schedule.compute_whole %s : tensor<1x4x4x16xf32>
// CHECK-NEXT:         schedule.barrier
// CHECK-NEXT:         schedule.tile index = 0 stage = 0 {
// CHECK-NEXT:           schedule.load %s rows = [0, 4] into %b2 : tensor<1x4x4x16xf32>
// CHECK-NEXT:           schedule.compute %t rows = [0, 4] ins(%b2) outs(%b2) : tensor<1x4x4x16xf32>
// CHECK-NEXT:           schedule.store %t rows = [0, 4] from %b2 : tensor<1x4x4x16xf32>
// CHECK-NEXT:         }
// CHECK-NEXT:       }
// CHECK-NEXT:       accel.yield %t : tensor<1x4x4x16xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:     func.return %y : tensor<1x4x4x16xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// relu computed in two chunks per core, the second appended to the first;
// then an exchange gives each core the other's neighbouring row before the
// next op (a 2-core relu -> avgpool 3x3 kernel, one tile).
builtin.module {
  func.func @append_exchange(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      %p = graph.avgpool %r {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bx = schedule.buffer offset = 0 size = 512
        %br = schedule.buffer offset = 512 size = 512
        %bp = schedule.buffer offset = 1024 size = 512
        schedule.load %a rows = [0, 4, 4, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 2, 4, 6] ins(%bx) outs(%br) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [2, 4, 6, 8] ins(%bx) outs(%br) append : tensor<1x4x8x8xf32>
        schedule.exchange %r rows = [0, 5, 3, 8] in %br : tensor<1x4x8x8xf32>
        schedule.compute %p rows = [0, 4, 4, 8] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>
        schedule.store %p rows = [0, 4, 4, 8] from %bp : tensor<1x4x8x8xf32>
      }
      accel.yield %p : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// GENERIC-LABEL: "func.func"() <{sym_name = "append_exchange"
// GENERIC:       "schedule.compute"(%r, %bx, %br) <{rows = array<i64: 2, 4, 6, 8>, append}>
// GENERIC:       "schedule.exchange"(%r, %br) <{rows = array<i64: 0, 5, 3, 8>}>

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @append_exchange(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK:              schedule.compute %r rows = [0, 2, 4, 6] ins(%bx) outs(%br) : tensor<1x4x8x8xf32>
// CHECK-NEXT:         schedule.compute %r rows = [2, 4, 6, 8] ins(%bx) outs(%br) append : tensor<1x4x8x8xf32>
// CHECK-NEXT:         schedule.exchange %r rows = [0, 5, 3, 8] in %br : tensor<1x4x8x8xf32>
// CHECK-NEXT:         schedule.compute %p rows = [0, 4, 4, 8] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>

// -----

// A line buffer (the cost model's cached halo): relu -> avgpool 3x3 on one core in
// two tiles of four rows; tile 1 computes only relu rows [5, 8) and keeps rows
// [3, 5) of tile 0's (`append from [3]`), the rows its pooling window reads again.
builtin.module {
  func.func @line_buffer(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      %p = graph.avgpool %r {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bx = schedule.buffer offset = 0 size = 320
        %br = schedule.buffer offset = 320 size = 320
        %bp = schedule.buffer offset = 640 size = 256
        schedule.tile index = 0 stage = 0 {
          schedule.load %a rows = [0, 5] into %bx : tensor<1x4x8x8xf32>
          schedule.compute %r rows = [0, 5] ins(%bx) outs(%br) : tensor<1x4x8x8xf32>
          schedule.compute %p rows = [0, 4] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>
          schedule.store %p rows = [0, 4] from %bp : tensor<1x4x8x8xf32>
        }
        schedule.tile index = 1 stage = 1 {
          schedule.load %a rows = [5, 8] into %bx : tensor<1x4x8x8xf32>
          schedule.compute %r rows = [5, 8] ins(%bx) outs(%br) append from [3] : tensor<1x4x8x8xf32>
          schedule.compute %p rows = [4, 8] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>
          schedule.store %p rows = [4, 8] from %bp : tensor<1x4x8x8xf32>
        }
      }
      accel.yield %p : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// GENERIC-LABEL: "func.func"() <{sym_name = "line_buffer"
// GENERIC:       "schedule.compute"(%r, %bx, %br) <{rows = array<i64: 5, 8>, append, keep_from = array<i64: 3>}>

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @line_buffer(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK:                schedule.compute %r rows = [0, 5] ins(%bx) outs(%br) : tensor<1x4x8x8xf32>
// CHECK:                schedule.compute %r rows = [5, 8] ins(%bx) outs(%br) append from [3] : tensor<1x4x8x8xf32>
// CHECK-NEXT:           schedule.compute %p rows = [4, 8] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>

// -----

// A weight slice: a conv split by channels on 2 cores, each loading only the
// filters (output channels, axis 0 of the weight) it computes.
builtin.module {
  func.func @weight_filters(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 192
        %bx = schedule.buffer offset = 192 size = 512
        %bc = schedule.buffer offset = 704 size = 256
        schedule.load %w rows = [0, 3, 0, 3] filters = [0, 2, 2, 4] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 8, 0, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.store %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] from %bc : tensor<1x4x8x8xf32>
      }
      accel.yield %c : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// GENERIC-LABEL: "func.func"() <{sym_name = "weight_filters"
// GENERIC:       "schedule.load"(%w, %bw) <{rows = array<i64: 0, 3, 0, 3>, filters = array<i64: 0, 2, 2, 4>}>

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @weight_filters(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK:              schedule.load %w rows = [0, 3, 0, 3] filters = [0, 2, 2, 4] into %bw : tensor<4x4x3x3xf32>
