# expect: 4:12: error: '@' needs two tensors, got a tensor f32[4,4] and 2.0
model m {
  input x: f32[4, 4]
  output x @ 2.0
}
