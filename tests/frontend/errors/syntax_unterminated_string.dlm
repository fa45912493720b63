# expect: 4:7: error: unterminated string
model m {
  input x: f32[1, 3, 8, 8]
  s = "same
  output x
}
