# expect: 6:7: error: block 'b' is already defined at line 2
block b(x) {
  return relu(x)
}

block b(x) {
  return sigmoid(x)
}

model m {
  input x: f32[1, 64]
  output b(x)
}
