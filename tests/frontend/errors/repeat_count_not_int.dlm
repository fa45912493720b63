# expect: 3:10: error: repeat count must be a positive integer, got 2.0
block stack(x, n) {
  repeat n / 2 {
    x = relu(dense(x, 16))
  }
  return x
}

model m {
  input x: f32[1, 16]
  output stack(x, 4)
}
