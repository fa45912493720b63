# expect: 4:25: error: a list holds values, not tensors; got a tensor f32[1,3,8,8]
model m {
  input x: f32[1, 3, 8, 8]
  output reshape(x, [1, x])
}
