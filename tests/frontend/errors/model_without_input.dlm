# expect: 2:7: error: model 'm' has no 'input' statement
model m {
  param w: f32[1, 16]
  output relu(w)
}
