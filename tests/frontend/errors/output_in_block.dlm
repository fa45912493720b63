# expect: 3:3: error: 'output' is only allowed in a model; a block uses 'return'
block b(x) {
  output relu(x)
}

model m {
  input x: f32[1, 64]
  output b(x)
}
