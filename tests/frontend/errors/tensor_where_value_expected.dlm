# expect: 4:17: error: conv2d: argument 'out' must be a positive integer, got a tensor f32[1,3,8,8]
model m {
  input x: f32[1, 3, 8, 8]
  y = conv2d(x, x, kernel=3)
  output y
}
