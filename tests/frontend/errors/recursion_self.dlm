# expect: 3:10: error: block 'deep' calls itself
block deep(x) {
  return deep(relu(x))
}

model m {
  input x: f32[1, 16]
  output deep(x)
}
