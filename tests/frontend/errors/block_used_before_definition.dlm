# expect: 3:10: error: block 'inner' is used before its definition (line 6)
block outer(x) {
  return inner(x) + x
}

block inner(x) {
  return relu(x)
}

model m {
  input x: f32[1, 16]
  output outer(x)
}
