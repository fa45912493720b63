# expect: 4:17: error: unexpected end of file; expected a statement or '}'
model m {
  input x: f32[1, 3, 8, 8]
  output relu(x)
