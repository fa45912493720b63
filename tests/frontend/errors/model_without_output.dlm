# expect: 2:7: error: model 'm' has no 'output' statement
model m {
  input x: f32[1, 16]
  y = relu(x)
}
