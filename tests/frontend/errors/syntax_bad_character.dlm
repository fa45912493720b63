# expect: 4:12: error: unexpected character '$'
model m {
  input x: f32[1, 3, 8, 8]
  output x $ 2
}
