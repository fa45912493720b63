# expect: 4:3: error: 'return' is only allowed in a block; a model uses 'output'
model m {
  input x: f32[1, 64]
  return relu(x)
}
