# expect: 4:15: error: 'split' produces 2 results; assign them to names: r0, r1 = split(...)
model m {
  input x: f32[1, 16, 8, 8]
  output relu(split(x, 2, axis=1))
}
