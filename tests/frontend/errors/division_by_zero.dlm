# expect: 5:22: error: division by zero
model m {
  input x: f32[1, 64]
  n = 0
  output dense(x, 64 // n)
}
