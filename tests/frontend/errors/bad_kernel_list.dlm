# expect: 4:24: error: conv2d: argument 'kernel' must be an integer or a list of 2 integers, got [3, 3, 3]
model m {
  input x: f32[1, 3, 8, 8]
  output conv2d(x, 16, kernel=[3, 3, 3])
}
