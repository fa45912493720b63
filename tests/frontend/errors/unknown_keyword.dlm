# expect: 4:31: error: conv2d: unknown keyword argument 'strides'; did you mean 'stride'?
model m {
  input x: f32[1, 3, 8, 8]
  y = conv2d(x, 16, kernel=3, strides=2)
  output y
}
