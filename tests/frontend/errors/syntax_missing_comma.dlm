# expect: 4:16: error: unexpected '16'; expected an operator, '(', ')', ',' or '='
model m {
  input x: f32[1, 3, 8, 8]
  y = conv2d(x 16, kernel=3)
  output y
}
