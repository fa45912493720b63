# expect: 4:13: error: an output must be a tensor, got 3
model m {
  input x: f32[1, 64]
  output x, 3
}
