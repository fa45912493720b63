# expect: 2:7: error: block 'b' does not end with a 'return' statement
block b(x) {
  y = relu(x)
}

model m {
  input x: f32[1, 64]
  output b(x)
}
