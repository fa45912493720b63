# expect: 4:7: error: conv2d: missing argument 'kernel'
model m {
  input x: f32[1, 3, 8, 8]
  y = conv2d(x, 16)
  output y
}
