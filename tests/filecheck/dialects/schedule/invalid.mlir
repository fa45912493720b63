// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// RUN: dlfc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s --check-prefix=NONE

// IR the schedule dialect rejects: each case fails to verify with the error of
// its CHECK line. No case verifies (so none prints a module in custom form):
// NONE-NOT: builtin.module {

// A buffer that ends past the core's on-chip memory.
builtin.module {
  func.func @capacity(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 3840 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.buffer: 512 bytes at offset 3840 do not fit in the core's on-chip memory of 4096 bytes

// -----

// Two buffers that overlap while both are live: the conv's input and output.
builtin.module {
  func.func @overlapping_live_buffers(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 512 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.program: buffers 1 and 2 overlap in memory ([320, 832) and [512, 1024)) while both are live

// -----

// A slice past the end of its tensor.
builtin.module {
  func.func @out_of_range_slice(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 9] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.load: rows [3, 9) of core 1 are outside the tensor's 8 rows

// -----

// A compute whose input was never loaded.
builtin.module {
  func.func @use_before_load(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: operand 0 needs rows [0, 5) on core 0, but its buffer holds nothing

// -----

// A halo one row short: core 0's conv rows [0, 4) read input rows [0, 5).
builtin.module {
  func.func @halo_too_small(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 4, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: operand 0 needs rows [0, 5) on core 0, but its buffer holds rows [0, 4)

// -----

// A compute that reads its operand from the wrong buffer.
builtin.module {
  func.func @wrong_buffer(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bx) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: operand 0 needs rows [0, 4) on core 0, but its buffer holds rows [0, 5) of another tensor

// -----

// A load of an intermediate that was never stored to DRAM.
builtin.module {
  func.func @load_before_store(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.load %c rows = [0, 4, 4, 8] into %bc : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.load: rows [0, 4) are not in DRAM yet (load before store)

// -----

// A kernel result that is only half stored.
builtin.module {
  func.func @result_incomplete(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 4] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.program: kernel result r is not complete in DRAM at the end

// -----

// A slice bigger than its buffer.
builtin.module {
  func.func @slice_too_big(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 256
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.load: 5 rows (320 bytes) do not fit in a buffer of 256 bytes

// -----

// One [lo, hi) pair for a kernel on two cores.
builtin.module {
  func.func @rows_per_core(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.store: expected one [lo, hi) pair per core (2), got 1

// -----

// A compute with fewer input buffers than the op has operands.
builtin.module {
  func.func @missing_input_buffer(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = graph.relu %c : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 320
        %bx = schedule.buffer offset = 320 size = 512
        %bc = schedule.buffer offset = 832 size = 512
        %br = schedule.buffer offset = 1344 size = 512
        schedule.load %w rows = [0, 3, 0, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 5, 3, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 4, 4, 8] ins(%bx) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 8] ins(%bc) outs(%br) : tensor<1x4x8x8xf32>
        schedule.store %r rows = [0, 4, 4, 8] from %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: graph.conv2d has 2 operands, got 1 input buffers

// -----

// An exchange asking for rows no core's buffer holds: core 0 wants relu rows
// [0, 6), but the two cores hold [0, 4) and [4, 5) only.
builtin.module {
  func.func @exchange_not_held(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      %n = graph.neg %r : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bx = schedule.buffer offset = 0 size = 512
        %br = schedule.buffer offset = 512 size = 512
        %bn = schedule.buffer offset = 1024 size = 512
        schedule.load %a rows = [0, 4, 4, 5] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %r rows = [0, 4, 4, 5] ins(%bx) outs(%br) : tensor<1x4x8x8xf32>
        schedule.exchange %r rows = [0, 6, 0, 0] in %br : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.exchange: rows [0, 6) for core 0 are not all held by the cores' buffers

// -----

// Channels past the end of the tensor's 4 channels.
builtin.module {
  func.func @channels_out_of_range(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %r = graph.relu %a : tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bx = schedule.buffer offset = 0 size = 512
        schedule.load %a rows = [0, 8, 0, 8] channels = [0, 2, 2, 6] into %bx : tensor<1x4x8x8xf32>
      }
      accel.yield %r : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.load: channels [2, 6) of core 1 are outside the tensor's 4 channels

// -----

// A convolution split by channels reads every input channel: core 0 holds
// only channels [0, 2) of its input.
builtin.module {
  func.func @gather_missing(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x1x1xf32>
      %c = graph.conv2d %a, %w : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 64
        %bx = schedule.buffer offset = 64 size = 512
        %bc = schedule.buffer offset = 576 size = 512
        schedule.load %w rows = [0, 1, 0, 1] into %bw : tensor<4x4x1x1xf32>
        schedule.load %a rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
      }
      accel.yield %c : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: operand 0 needs rows [0, 8) on core 0, but its buffer holds rows [0, 8) of channels [0, 2)

// -----

// A softmax over the channel axis cannot be computed some channels at a time.
builtin.module {
  func.func @not_channel_sliceable(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %s = graph.softmax %a {axis = 1 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bx = schedule.buffer offset = 0 size = 512
        %bs = schedule.buffer offset = 512 size = 512
        schedule.load %a rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %s rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] ins(%bx) outs(%bs) : tensor<1x4x8x8xf32>
      }
      accel.yield %s : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: graph.softmax cannot be sliced by channels

// -----

// A line buffer that drops a row the next window reads: tile 1 keeps relu rows
// from 4 on, but its pooling rows [4, 8) read rows [3, 8).
builtin.module {
  func.func @short_line_buffer(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
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
          schedule.compute %r rows = [5, 8] ins(%bx) outs(%br) append from [4] : tensor<1x4x8x8xf32>
          schedule.compute %p rows = [4, 8] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>
          schedule.store %p rows = [4, 8] from %bp : tensor<1x4x8x8xf32>
        }
      }
      accel.yield %p : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: operand 0 needs rows [3, 8) on core 0, but its buffer holds rows [4, 8)

// -----

// `from` (the rows a core keeps) without `append` (which keeps them).
builtin.module {
  func.func @from_without_append(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
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
          schedule.compute %r rows = [5, 8] ins(%bx) outs(%br) from [3] : tensor<1x4x8x8xf32>
          schedule.compute %p rows = [4, 8] ins(%br) outs(%bp) : tensor<1x4x8x8xf32>
          schedule.store %p rows = [4, 8] from %bp : tensor<1x4x8x8xf32>
        }
      }
      accel.yield %p : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: `from` needs `append` (the rows a core keeps of its buffer)

// -----

// A wrong weight slice: core 1 computes output channels [2, 4) but loaded filters [1, 3).
builtin.module {
  func.func @wrong_weight_slice(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 192
        %bx = schedule.buffer offset = 192 size = 512
        %bc = schedule.buffer offset = 704 size = 256
        schedule.load %w rows = [0, 3, 0, 3] filters = [0, 2, 1, 3] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 8, 0, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.store %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] from %bc : tensor<1x4x8x8xf32>
      }
      accel.yield %c : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.compute: operand 1 needs output channels [2, 4) on core 1, but its buffer holds output channels [1, 3)

// -----

// Filters past the weight's output channels.
builtin.module {
  func.func @filters_out_of_range(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %y = accel.kernel "k0"(%x) cores = 2 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%a: tensor<1x4x8x8xf32>):
      %w = graph.weight "w" {init = "he_normal"} : tensor<4x4x3x3xf32>
      %c = graph.conv2d %a, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
      schedule.program capacity = 4096 element_bytes = 2 {
        %bw = schedule.buffer offset = 0 size = 192
        %bx = schedule.buffer offset = 192 size = 512
        %bc = schedule.buffer offset = 704 size = 256
        schedule.load %w rows = [0, 3, 0, 3] filters = [0, 2, 2, 5] into %bw : tensor<4x4x3x3xf32>
        schedule.load %a rows = [0, 8, 0, 8] into %bx : tensor<1x4x8x8xf32>
        schedule.compute %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] ins(%bx, %bw) outs(%bc) : tensor<1x4x8x8xf32>
        schedule.store %c rows = [0, 8, 0, 8] channels = [0, 2, 2, 4] from %bc : tensor<1x4x8x8xf32>
      }
      accel.yield %c : tensor<1x4x8x8xf32>
    }
    func.return %y : tensor<1x4x8x8xf32>
  }
}

// CHECK: schedule.load: filters [2, 5) of core 1 are outside the tensor's 4 along axis 0
