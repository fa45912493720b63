# expect: 8:24: error: scale: too many arguments (takes at most 2, got 3)
block scale(x, factor=2.0) {
  return x * factor
}

model m {
  input x: f32[1, 16, 8, 8]
  output scale(x, 2.0, 3.0)
}
