# expect: 4:15: error: relu: too many arguments (takes at most 1, got 2)
model m {
  input x: f32[1, 3, 8, 8]
  y = relu(x, 2)
  output y
}
