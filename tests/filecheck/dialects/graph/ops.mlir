// RUN: dlfc-opt %s --split-input-file | filecheck %s --match-full-lines
// RUN: dlfc-opt %s --split-input-file --print-op-generic | dlfc-opt --split-input-file | filecheck %s --match-full-lines

// Round trips of the graph dialect: each case parses, verifies and prints back as
// written (the CHECK lines), also after a trip through the generic form.

// graph.conv2d
builtin.module {
  func.func @conv2d(%a: tensor<1x8x8x8xf32>) -> tensor<1x16x4x4xf32> {
    %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<16x4x3x3xf32>
    %c.bias = graph.weight "c.bias" {init = "zeros"} : tensor<16xf32>
    %r = graph.conv2d %a, %c.weight, %c.bias {stride = array<i64: 2, 2>, pad = array<i64: 1, 1, 1, 1>, groups = 2 : i64} : (tensor<1x8x8x8xf32>, tensor<16x4x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
    func.return %r : tensor<1x16x4x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @conv2d(%a: tensor<1x8x8x8xf32>) -> tensor<1x16x4x4xf32> {
// CHECK-NEXT:     %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<16x4x3x3xf32>
// CHECK-NEXT:     %c.bias = graph.weight "c.bias" {init = "zeros"} : tensor<16xf32>
// CHECK-NEXT:     %r = graph.conv2d %a, %c.weight, %c.bias {stride = array<i64: 2, 2>, pad = array<i64: 1, 1, 1, 1>, groups = 2 : i64} : (tensor<1x8x8x8xf32>, tensor<16x4x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
// CHECK-NEXT:     func.return %r : tensor<1x16x4x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.conv2d, 1-D
builtin.module {
  func.func @conv1d(%a: tensor<2x4x16xf32>) -> tensor<2x8x8xf32> {
    %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<8x2x5xf32>
    %r = graph.conv2d %a, %c.weight {stride = array<i64: 2>, pad = array<i64: 2, 1>, dilation = array<i64: 1>, groups = 2 : i64} : (tensor<2x4x16xf32>, tensor<8x2x5xf32>) -> tensor<2x8x8xf32>
    func.return %r : tensor<2x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @conv1d(%a: tensor<2x4x16xf32>) -> tensor<2x8x8xf32> {
// CHECK-NEXT:     %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<8x2x5xf32>
// CHECK-NEXT:     %r = graph.conv2d %a, %c.weight {stride = array<i64: 2>, pad = array<i64: 2, 1>, dilation = array<i64: 1>, groups = 2 : i64} : (tensor<2x4x16xf32>, tensor<8x2x5xf32>) -> tensor<2x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<2x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.conv2d, 3-D
builtin.module {
  func.func @conv3d(%a: tensor<1x3x8x16x16xf32>) -> tensor<1x8x4x8x8xf32> {
    %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<8x3x3x3x3xf32>
    %c.bias = graph.weight "c.bias" {init = "zeros"} : tensor<8xf32>
    %r = graph.conv2d %a, %c.weight, %c.bias {stride = array<i64: 2, 2, 2>, pad = array<i64: 1, 1, 1, 1, 1, 1>, dilation = array<i64: 1, 1, 1>} : (tensor<1x3x8x16x16xf32>, tensor<8x3x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x4x8x8xf32>
    func.return %r : tensor<1x8x4x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @conv3d(%a: tensor<1x3x8x16x16xf32>) -> tensor<1x8x4x8x8xf32> {
// CHECK-NEXT:     %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<8x3x3x3x3xf32>
// CHECK-NEXT:     %c.bias = graph.weight "c.bias" {init = "zeros"} : tensor<8xf32>
// CHECK-NEXT:     %r = graph.conv2d %a, %c.weight, %c.bias {stride = array<i64: 2, 2, 2>, pad = array<i64: 1, 1, 1, 1, 1, 1>, dilation = array<i64: 1, 1, 1>} : (tensor<1x3x8x16x16xf32>, tensor<8x3x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x4x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x4x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.conv_transpose
builtin.module {
  func.func @conv_transpose(%a: tensor<1x8x4x4xf32>) -> tensor<1x6x8x9xf32> {
    %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<8x3x3x3xf32>
    %c.bias = graph.weight "c.bias" {init = "zeros"} : tensor<6xf32>
    %r = graph.conv_transpose %a, %c.weight, %c.bias {stride = array<i64: 2, 2>, pad = array<i64: 1, 0, 0, 0>, dilation = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 2 : i64} : (tensor<1x8x4x4xf32>, tensor<8x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x8x9xf32>
    func.return %r : tensor<1x6x8x9xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @conv_transpose(%a: tensor<1x8x4x4xf32>) -> tensor<1x6x8x9xf32> {
// CHECK-NEXT:     %c.weight = graph.weight "c.weight" {init = "he_normal"} : tensor<8x3x3x3xf32>
// CHECK-NEXT:     %c.bias = graph.weight "c.bias" {init = "zeros"} : tensor<6xf32>
// CHECK-NEXT:     %r = graph.conv_transpose %a, %c.weight, %c.bias {stride = array<i64: 2, 2>, pad = array<i64: 1, 0, 0, 0>, dilation = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, groups = 2 : i64} : (tensor<1x8x4x4xf32>, tensor<8x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x8x9xf32>
// CHECK-NEXT:     func.return %r : tensor<1x6x8x9xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.flatten
builtin.module {
  func.func @flatten(%a: tensor<1x8x8x8xf32>) -> tensor<1x512xf32> {
    %r = graph.flatten %a : (tensor<1x8x8x8xf32>) -> tensor<1x512xf32>
    func.return %r : tensor<1x512xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @flatten(%a: tensor<1x8x8x8xf32>) -> tensor<1x512xf32> {
// CHECK-NEXT:     %r = graph.flatten %a : (tensor<1x8x8x8xf32>) -> tensor<1x512xf32>
// CHECK-NEXT:     func.return %r : tensor<1x512xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.dense
builtin.module {
  func.func @dense(%a: tensor<1x512xf32>) -> tensor<1x10xf32> {
    %d.weight = graph.weight "d.weight" {init = "he_normal"} : tensor<10x512xf32>
    %d.bias = graph.weight "d.bias" {init = "zeros"} : tensor<10xf32>
    %r = graph.dense %a, %d.weight, %d.bias : (tensor<1x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    func.return %r : tensor<1x10xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @dense(%a: tensor<1x512xf32>) -> tensor<1x10xf32> {
// CHECK-NEXT:     %d.weight = graph.weight "d.weight" {init = "he_normal"} : tensor<10x512xf32>
// CHECK-NEXT:     %d.bias = graph.weight "d.bias" {init = "zeros"} : tensor<10xf32>
// CHECK-NEXT:     %r = graph.dense %a, %d.weight, %d.bias : (tensor<1x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<1x10xf32>
// CHECK-NEXT:     func.return %r : tensor<1x10xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.batchnorm
builtin.module {
  func.func @batchnorm(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %b.scale = graph.weight "b.scale" {init = "bn_scale"} : tensor<8xf32>
    %b.bias = graph.weight "b.bias" {init = "bn_shift"} : tensor<8xf32>
    %b.mean = graph.weight "b.mean" {init = "bn_shift"} : tensor<8xf32>
    %b.var = graph.weight "b.var" {init = "bn_var"} : tensor<8xf32>
    %r = graph.batchnorm %a, %b.scale, %b.bias, %b.mean, %b.var {eps = 1.000000e-03 : f64} : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @batchnorm(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %b.scale = graph.weight "b.scale" {init = "bn_scale"} : tensor<8xf32>
// CHECK-NEXT:     %b.bias = graph.weight "b.bias" {init = "bn_shift"} : tensor<8xf32>
// CHECK-NEXT:     %b.mean = graph.weight "b.mean" {init = "bn_shift"} : tensor<8xf32>
// CHECK-NEXT:     %b.var = graph.weight "b.var" {init = "bn_var"} : tensor<8xf32>
// CHECK-NEXT:     %r = graph.batchnorm %a, %b.scale, %b.bias, %b.mean, %b.var {eps = 1.000000e-03 : f64} : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.layernorm
builtin.module {
  func.func @layernorm(%a: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
    %l.scale = graph.weight "l.scale" {init = "ones"} : tensor<6xf32>
    %l.bias = graph.weight "l.bias" {init = "zeros"} : tensor<6xf32>
    %r = graph.layernorm %a, %l.scale, %l.bias : (tensor<2x4x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<2x4x6xf32>
    func.return %r : tensor<2x4x6xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @layernorm(%a: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
// CHECK-NEXT:     %l.scale = graph.weight "l.scale" {init = "ones"} : tensor<6xf32>
// CHECK-NEXT:     %l.bias = graph.weight "l.bias" {init = "zeros"} : tensor<6xf32>
// CHECK-NEXT:     %r = graph.layernorm %a, %l.scale, %l.bias : (tensor<2x4x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<2x4x6xf32>
// CHECK-NEXT:     func.return %r : tensor<2x4x6xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.embedding
builtin.module {
  func.func @embedding(%a: tensor<1x4xi64>) -> tensor<1x4x16xf32> {
    %e.weight = graph.weight "e.weight" {init = "normal"} : tensor<100x16xf32>
    %r = graph.embedding %a, %e.weight : (tensor<1x4xi64>, tensor<100x16xf32>) -> tensor<1x4x16xf32>
    func.return %r : tensor<1x4x16xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @embedding(%a: tensor<1x4xi64>) -> tensor<1x4x16xf32> {
// CHECK-NEXT:     %e.weight = graph.weight "e.weight" {init = "normal"} : tensor<100x16xf32>
// CHECK-NEXT:     %r = graph.embedding %a, %e.weight : (tensor<1x4xi64>, tensor<100x16xf32>) -> tensor<1x4x16xf32>
// CHECK-NEXT:     func.return %r : tensor<1x4x16xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.matmul
builtin.module {
  func.func @matmul(%a: tensor<2x4x6xf32>, %b: tensor<2x6x3xf32>) -> tensor<2x4x3xf32> {
    %r = graph.matmul %a, %b : (tensor<2x4x6xf32>, tensor<2x6x3xf32>) -> tensor<2x4x3xf32>
    func.return %r : tensor<2x4x3xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @matmul(%a: tensor<2x4x6xf32>, %b: tensor<2x6x3xf32>) -> tensor<2x4x3xf32> {
// CHECK-NEXT:     %r = graph.matmul %a, %b : (tensor<2x4x6xf32>, tensor<2x6x3xf32>) -> tensor<2x4x3xf32>
// CHECK-NEXT:     func.return %r : tensor<2x4x3xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.add
builtin.module {
  func.func @add(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.add %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @add(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.add %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.sub
builtin.module {
  func.func @sub(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %0 = graph.constant 1.0 : tensor<f32>
    %r = graph.sub %a, %0 : (tensor<1x8x8x8xf32>, tensor<f32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @sub(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %0 = graph.constant 1.0 : tensor<f32>
// CHECK-NEXT:     %r = graph.sub %a, %0 : (tensor<1x8x8x8xf32>, tensor<f32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.mul
builtin.module {
  func.func @mul(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.mul %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @mul(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.mul %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.div
builtin.module {
  func.func @div(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %0 = graph.constant 2.0 : tensor<f32>
    %r = graph.div %a, %0 : (tensor<1x8x8x8xf32>, tensor<f32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @div(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %0 = graph.constant 2.0 : tensor<f32>
// CHECK-NEXT:     %r = graph.div %a, %0 : (tensor<1x8x8x8xf32>, tensor<f32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.max
builtin.module {
  func.func @max(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.max %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @max(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.max %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.min
builtin.module {
  func.func @min(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.min %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @min(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.min %a, %a : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.pow
builtin.module {
  func.func @pow(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %0 = graph.constant 2.0 : tensor<f32>
    %r = graph.pow %a, %0 : (tensor<1x8x8x8xf32>, tensor<f32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @pow(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %0 = graph.constant 2.0 : tensor<f32>
// CHECK-NEXT:     %r = graph.pow %a, %0 : (tensor<1x8x8x8xf32>, tensor<f32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.relu
builtin.module {
  func.func @relu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.relu %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @relu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.relu %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.relu6
builtin.module {
  func.func @relu6(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.relu6 %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @relu6(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.relu6 %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.leaky_relu
builtin.module {
  func.func @leaky_relu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.leaky_relu %a {alpha = 2.000000e-01 : f64} : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @leaky_relu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.leaky_relu %a {alpha = 2.000000e-01 : f64} : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.elu
builtin.module {
  func.func @elu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.elu %a {alpha = 5.000000e-01 : f64} : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @elu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.elu %a {alpha = 5.000000e-01 : f64} : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.selu
builtin.module {
  func.func @selu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.selu %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @selu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.selu %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.softplus
builtin.module {
  func.func @softplus(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.softplus %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @softplus(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.softplus %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.sign
builtin.module {
  func.func @sign(%a: tensor<2x3xi64>) -> tensor<2x3xi64> {
    %r = graph.sign %a : tensor<2x3xi64>
    func.return %r : tensor<2x3xi64>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @sign(%a: tensor<2x3xi64>) -> tensor<2x3xi64> {
// CHECK-NEXT:     %r = graph.sign %a : tensor<2x3xi64>
// CHECK-NEXT:     func.return %r : tensor<2x3xi64>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.shrink
builtin.module {
  func.func @shrink(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.shrink %a {bias = 2.500000e-01 : f64, lambd = 1.000000e+00 : f64} : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @shrink(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.shrink %a {bias = 2.500000e-01 : f64, lambd = 1.000000e+00 : f64} : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.prelu
builtin.module {
  func.func @prelu(%a: tensor<1x8x8x8xf32>, %s: tensor<8x1x1xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.prelu %a, %s : (tensor<1x8x8x8xf32>, tensor<8x1x1xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @prelu(%a: tensor<1x8x8x8xf32>, %s: tensor<8x1x1xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.prelu %a, %s : (tensor<1x8x8x8xf32>, tensor<8x1x1xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.sigmoid
builtin.module {
  func.func @sigmoid(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.sigmoid %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @sigmoid(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.sigmoid %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.tanh
builtin.module {
  func.func @tanh(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.tanh %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @tanh(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.tanh %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.gelu
builtin.module {
  func.func @gelu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.gelu %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @gelu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.gelu %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.silu
builtin.module {
  func.func @silu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.silu %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @silu(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.silu %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.hardswish
builtin.module {
  func.func @hardswish(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.hardswish %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @hardswish(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.hardswish %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.hardsigmoid
builtin.module {
  func.func @hardsigmoid(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.hardsigmoid %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @hardsigmoid(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.hardsigmoid %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.exp
builtin.module {
  func.func @exp(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.exp %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @exp(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.exp %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.log
builtin.module {
  func.func @log(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.log %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @log(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.log %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.sqrt
builtin.module {
  func.func @sqrt(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.sqrt %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @sqrt(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.sqrt %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.rsqrt
builtin.module {
  func.func @rsqrt(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.rsqrt %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @rsqrt(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.rsqrt %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.reciprocal
builtin.module {
  func.func @reciprocal(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.reciprocal %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @reciprocal(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.reciprocal %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.neg
builtin.module {
  func.func @neg(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.neg %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @neg(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.neg %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.abs
builtin.module {
  func.func @abs(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.abs %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @abs(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.abs %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.erf
builtin.module {
  func.func @erf(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.erf %a : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @erf(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.erf %a : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.clip
builtin.module {
  func.func @clip(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.clip %a {min = 0.000000e+00 : f64, max = 6.000000e+00 : f64} : tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @clip(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.clip %a {min = 0.000000e+00 : f64, max = 6.000000e+00 : f64} : tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.softmax
builtin.module {
  func.func @softmax(%a: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
    %r = graph.softmax %a {axis = 2 : i64} : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
    func.return %r : tensor<2x4x6xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @softmax(%a: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
// CHECK-NEXT:     %r = graph.softmax %a {axis = 2 : i64} : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
// CHECK-NEXT:     func.return %r : tensor<2x4x6xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.log_softmax
builtin.module {
  func.func @log_softmax(%a: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
    %r = graph.log_softmax %a {axis = 1 : i64} : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
    func.return %r : tensor<2x4x6xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @log_softmax(%a: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
// CHECK-NEXT:     %r = graph.log_softmax %a {axis = 1 : i64} : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
// CHECK-NEXT:     func.return %r : tensor<2x4x6xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.instance_norm
builtin.module {
  func.func @instance_norm(%a: tensor<1x8x8x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.instance_norm %a, %s, %b {eps = 1.000000e-03 : f64} : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @instance_norm(%a: tensor<1x8x8x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.instance_norm %a, %s, %b {eps = 1.000000e-03 : f64} : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.reduce_sum
builtin.module {
  func.func @reduce_sum(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32> {
    %r = graph.reduce_sum %a {axes = array<i64: 2, 3>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32>
    func.return %r : tensor<1x8x1x1xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @reduce_sum(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32> {
// CHECK-NEXT:     %r = graph.reduce_sum %a {axes = array<i64: 2, 3>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x1x1xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.reduce_mean
builtin.module {
  func.func @reduce_mean(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8xf32> {
    %r = graph.reduce_mean %a {axes = array<i64: 1>, keepdims = false} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8xf32>
    func.return %r : tensor<1x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @reduce_mean(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8xf32> {
// CHECK-NEXT:     %r = graph.reduce_mean %a {axes = array<i64: 1>, keepdims = false} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.reduce_max
builtin.module {
  func.func @reduce_max(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x1xf32> {
    %r = graph.reduce_max %a {axes = array<i64: 3>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x1xf32>
    func.return %r : tensor<1x8x8x1xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @reduce_max(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x1xf32> {
// CHECK-NEXT:     %r = graph.reduce_max %a {axes = array<i64: 3>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x1xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x1xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.maxpool
builtin.module {
  func.func @maxpool(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
    %r = graph.maxpool %a {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
    func.return %r : tensor<1x8x4x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @maxpool(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
// CHECK-NEXT:     %r = graph.maxpool %a {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x4x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.avgpool
builtin.module {
  func.func @avgpool(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.avgpool %a {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @avgpool(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.avgpool %a {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.lrn
builtin.module {
  func.func @lrn(%a: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
    %r = graph.lrn %a {size = 5 : i64, alpha = 2.0e-05, beta = 0.75, bias = 2.0} : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
    func.return %r : tensor<1x8x4x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @lrn(%a: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
// CHECK-NEXT:     %r = graph.lrn %a {size = 5 : i64, alpha = 2.000000e-05 : f64, bias = 2.000000e+00 : f64} : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x4x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.maxpool, 1-D, dilated, ceil mode
builtin.module {
  func.func @maxpool1d(%a: tensor<1x8x10xf32>) -> tensor<1x8x5xf32> {
    %r = graph.maxpool %a {kernel = array<i64: 2>, stride = array<i64: 2>, pad = array<i64: 0, 0>, dilation = array<i64: 2>, ceil_mode = true} : (tensor<1x8x10xf32>) -> tensor<1x8x5xf32>
    func.return %r : tensor<1x8x5xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @maxpool1d(%a: tensor<1x8x10xf32>) -> tensor<1x8x5xf32> {
// CHECK-NEXT:     %r = graph.maxpool %a {kernel = array<i64: 2>, stride = array<i64: 2>, pad = array<i64: 0, 0>, dilation = array<i64: 2>, ceil_mode = true} : (tensor<1x8x10xf32>) -> tensor<1x8x5xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x5xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.avgpool, 3-D, padding counted
builtin.module {
  func.func @avgpool3d(%a: tensor<1x4x4x8x8xf32>) -> tensor<1x4x4x4x4xf32> {
    %r = graph.avgpool %a {kernel = array<i64: 1, 3, 3>, stride = array<i64: 1, 2, 2>, pad = array<i64: 0, 1, 1, 0, 1, 1>, dilation = array<i64: 1, 1, 1>, count_include_pad = true} : (tensor<1x4x4x8x8xf32>) -> tensor<1x4x4x4x4xf32>
    func.return %r : tensor<1x4x4x4x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @avgpool3d(%a: tensor<1x4x4x8x8xf32>) -> tensor<1x4x4x4x4xf32> {
// CHECK-NEXT:     %r = graph.avgpool %a {kernel = array<i64: 1, 3, 3>, stride = array<i64: 1, 2, 2>, pad = array<i64: 0, 1, 1, 0, 1, 1>, dilation = array<i64: 1, 1, 1>, count_include_pad = true} : (tensor<1x4x4x8x8xf32>) -> tensor<1x4x4x4x4xf32>
// CHECK-NEXT:     func.return %r : tensor<1x4x4x4x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.global_avgpool
builtin.module {
  func.func @global_avgpool(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32> {
    %r = graph.global_avgpool %a : (tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32>
    func.return %r : tensor<1x8x1x1xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @global_avgpool(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32> {
// CHECK-NEXT:     %r = graph.global_avgpool %a : (tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x1x1xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.reshape
builtin.module {
  func.func @reshape(%a: tensor<1x8x8x8xf32>) -> tensor<1x512xf32> {
    %r = graph.reshape %a {shape = array<i64: 1, 512>} : (tensor<1x8x8x8xf32>) -> tensor<1x512xf32>
    func.return %r : tensor<1x512xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @reshape(%a: tensor<1x8x8x8xf32>) -> tensor<1x512xf32> {
// CHECK-NEXT:     %r = graph.reshape %a {shape = array<i64: 1, 512>} : (tensor<1x8x8x8xf32>) -> tensor<1x512xf32>
// CHECK-NEXT:     func.return %r : tensor<1x512xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.transpose
builtin.module {
  func.func @transpose(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.transpose %a {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @transpose(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.transpose %a {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.squeeze
builtin.module {
  func.func @squeeze(%a: tensor<1x8x1x1xf32>) -> tensor<1x8xf32> {
    %r = graph.squeeze %a {axes = array<i64: 2, 3>} : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
    func.return %r : tensor<1x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @squeeze(%a: tensor<1x8x1x1xf32>) -> tensor<1x8xf32> {
// CHECK-NEXT:     %r = graph.squeeze %a {axes = array<i64: 2, 3>} : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.unsqueeze
builtin.module {
  func.func @unsqueeze(%a: tensor<2x4x6xf32>) -> tensor<1x2x4x6xf32> {
    %r = graph.unsqueeze %a {axes = array<i64: 0>} : (tensor<2x4x6xf32>) -> tensor<1x2x4x6xf32>
    func.return %r : tensor<1x2x4x6xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @unsqueeze(%a: tensor<2x4x6xf32>) -> tensor<1x2x4x6xf32> {
// CHECK-NEXT:     %r = graph.unsqueeze %a {axes = array<i64: 0>} : (tensor<2x4x6xf32>) -> tensor<1x2x4x6xf32>
// CHECK-NEXT:     func.return %r : tensor<1x2x4x6xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.concat
builtin.module {
  func.func @concat(%a: tensor<1x8x8x8xf32>) -> tensor<1x16x8x8xf32> {
    %r = graph.concat %a, %a {axis = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x16x8x8xf32>
    func.return %r : tensor<1x16x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @concat(%a: tensor<1x8x8x8xf32>) -> tensor<1x16x8x8xf32> {
// CHECK-NEXT:     %r = graph.concat %a, %a {axis = 1 : i64} : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x16x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x16x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.split
builtin.module {
  func.func @split(%a: tensor<1x8x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
    %r0, %r1 = graph.split %a {axis = 1 : i64, sizes = array<i64: 4, 4>} : (tensor<1x8x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>)
    func.return %r0, %r1 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @split(%a: tensor<1x8x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
// CHECK-NEXT:     %r0, %r1 = graph.split %a {axis = 1 : i64, sizes = array<i64: 4, 4>} : (tensor<1x8x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>)
// CHECK-NEXT:     func.return %r0, %r1 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.resize
builtin.module {
  func.func @resize(%a: tensor<1x2x5x6xf32>) -> tensor<1x2x8x3xf32> {
    %r = graph.resize %a {sizes = array<i64: 1, 2, 8, 3>, scales = array<f64: 1.0, 1.0, 1.7, 0.55>, mode = "cubic", coordinate_transformation_mode = "align_corners", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true} : (tensor<1x2x5x6xf32>) -> tensor<1x2x8x3xf32>
    func.return %r : tensor<1x2x8x3xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @resize(%a: tensor<1x2x5x6xf32>) -> tensor<1x2x8x3xf32> {
// CHECK-NEXT:     %r = graph.resize %a {sizes = array<i64: 1, 2, 8, 3>, scales = array<f64: 1.000000e+00, 1.000000e+00, 1.700000e+00, 5.500000e-01>, mode = "cubic", coordinate_transformation_mode = "align_corners", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true} : (tensor<1x2x5x6xf32>) -> tensor<1x2x8x3xf32>
// CHECK-NEXT:     func.return %r : tensor<1x2x8x3xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.resize, tf_crop_and_resize
builtin.module {
  func.func @resize_crop(%a: tensor<1x4x8xf32>) -> tensor<1x4x5xf32> {
    %r = graph.resize %a {sizes = array<i64: 1, 4, 5>, scales = array<f64: 1.0, 1.0, 0.625>, mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 5.000000e-01 : f64, roi = array<f64: 0.0, 0.0, 0.2, 1.0, 1.0, 0.9>} : (tensor<1x4x8xf32>) -> tensor<1x4x5xf32>
    func.return %r : tensor<1x4x5xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @resize_crop(%a: tensor<1x4x8xf32>) -> tensor<1x4x5xf32> {
// CHECK-NEXT:     %r = graph.resize %a {sizes = array<i64: 1, 4, 5>, scales = array<f64: 1.000000e+00, 1.000000e+00, 6.250000e-01>, mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 5.000000e-01 : f64, roi = array<f64: 0.000000e+00, 0.000000e+00, 2.000000e-01, 1.000000e+00, 1.000000e+00, 9.000000e-01>} : (tensor<1x4x8xf32>) -> tensor<1x4x5xf32>
// CHECK-NEXT:     func.return %r : tensor<1x4x5xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.slice
builtin.module {
  func.func @slice(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
    %r = graph.slice %a {starts = array<i64: 0, 0>, ends = array<i64: 4, 4>, axes = array<i64: 2, 3>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
    func.return %r : tensor<1x8x4x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @slice(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
// CHECK-NEXT:     %r = graph.slice %a {starts = array<i64: 0, 0>, ends = array<i64: 4, 4>, axes = array<i64: 2, 3>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x4x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.pad
builtin.module {
  func.func @pad(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x10x10xf32> {
    %r = graph.pad %a {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 5.000000e-01 : f64} : (tensor<1x8x8x8xf32>) -> tensor<1x8x10x10xf32>
    func.return %r : tensor<1x8x10x10xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @pad(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x10x10xf32> {
// CHECK-NEXT:     %r = graph.pad %a {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 5.000000e-01 : f64} : (tensor<1x8x8x8xf32>) -> tensor<1x8x10x10xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x10x10xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.pad (reflect)
builtin.module {
  func.func @pad_reflect(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x11x10xf32> {
    %r = graph.pad %a {pads = array<i64: 0, 0, 2, 1, 0, 0, 1, 1>, mode = "reflect"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x11x10xf32>
    func.return %r : tensor<1x8x11x10xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @pad_reflect(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x11x10xf32> {
// CHECK-NEXT:     %r = graph.pad %a {pads = array<i64: 0, 0, 2, 1, 0, 0, 1, 1>, mode = "reflect"} : (tensor<1x8x8x8xf32>) -> tensor<1x8x11x10xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x11x10xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.expand
builtin.module {
  func.func @expand(%a: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
    %r = graph.expand %a {shape = array<i64: 2, 3, 4>} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
    func.return %r : tensor<2x3x4xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @expand(%a: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
// CHECK-NEXT:     %r = graph.expand %a {shape = array<i64: 2, 3, 4>} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:     func.return %r : tensor<2x3x4xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.tile
builtin.module {
  func.func @tile(%a: tensor<2x3xf32>) -> tensor<4x9xf32> {
    %r = graph.tile %a {repeats = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<4x9xf32>
    func.return %r : tensor<4x9xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @tile(%a: tensor<2x3xf32>) -> tensor<4x9xf32> {
// CHECK-NEXT:     %r = graph.tile %a {repeats = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<4x9xf32>
// CHECK-NEXT:     func.return %r : tensor<4x9xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.upsample
builtin.module {
  func.func @upsample(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x16x16xf32> {
    %r = graph.upsample %a : (tensor<1x8x8x8xf32>) -> tensor<1x8x16x16xf32>
    func.return %r : tensor<1x8x16x16xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @upsample(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x16x16xf32> {
// CHECK-NEXT:     %r = graph.upsample %a : (tensor<1x8x8x8xf32>) -> tensor<1x8x16x16xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x16x16xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.channel_shuffle
builtin.module {
  func.func @channel_shuffle(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
    %r = graph.channel_shuffle %a {groups = 2 : i64} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    func.return %r : tensor<1x8x8x8xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @channel_shuffle(%a: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
// CHECK-NEXT:     %r = graph.channel_shuffle %a {groups = 2 : i64} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
// CHECK-NEXT:     func.return %r : tensor<1x8x8x8xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.depth_to_space
builtin.module {
  func.func @depth_to_space(%a: tensor<1x8x8x8xf32>) -> tensor<1x2x16x16xf32> {
    %r = graph.depth_to_space %a {block = 2 : i64} : (tensor<1x8x8x8xf32>) -> tensor<1x2x16x16xf32>
    func.return %r : tensor<1x2x16x16xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @depth_to_space(%a: tensor<1x8x8x8xf32>) -> tensor<1x2x16x16xf32> {
// CHECK-NEXT:     %r = graph.depth_to_space %a {block = 2 : i64} : (tensor<1x8x8x8xf32>) -> tensor<1x2x16x16xf32>
// CHECK-NEXT:     func.return %r : tensor<1x2x16x16xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.square
builtin.module {
  func.func @square(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %r = graph.square %a : tensor<2x3xf32>
    func.return %r : tensor<2x3xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @square(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
// CHECK-NEXT:     %r = graph.square %a : tensor<2x3xf32>
// CHECK-NEXT:     func.return %r : tensor<2x3xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }

// -----

// graph.reduce_prod
builtin.module {
  func.func @reduce_prod(%a: tensor<2x3xf32>) -> tensor<2xf32> {
    %r = graph.reduce_prod %a {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
    func.return %r : tensor<2xf32>
  }
}

// CHECK:      builtin.module {
// CHECK-NEXT:   func.func @reduce_prod(%a: tensor<2x3xf32>) -> tensor<2xf32> {
// CHECK-NEXT:     %r = graph.reduce_prod %a {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
// CHECK-NEXT:     func.return %r : tensor<2xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }
