# expect: 4:10: error: repeat count must be a positive integer, got 0
model m {
  input x: f32[1, 16]
  repeat 0 {
    x = relu(x)
  }
  output x
}
