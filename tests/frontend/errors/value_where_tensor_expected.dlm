# expect: 4:12: error: relu: argument 'x' must be a tensor, got 3
model m {
  input x: f32[1, 3, 8, 8]
  y = relu(3)
  output y
}
