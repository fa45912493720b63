# expect: 4:10: error: reshape: at most one -1 is allowed in [1,-1,-1]
model m {
  input x: f32[1, 16, 8, 8]
  output reshape(x, [1, -1, -1])
}
