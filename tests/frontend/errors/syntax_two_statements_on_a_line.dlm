# expect: 4:15: error: unexpected 'z'; expected an operator, '}' or a new line
model m {
  input x: f32[1, 3, 8, 8]
  y = relu(x) z = relu(y)
  output z
}
