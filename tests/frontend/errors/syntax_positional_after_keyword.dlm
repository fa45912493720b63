# expect: 4:34: error: positional argument follows keyword argument
model m {
  input x: f32[1, 3, 8, 8]
  output conv2d(x, 16, kernel=3, 1)
}
