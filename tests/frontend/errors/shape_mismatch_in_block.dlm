# expect: 4:17: error: add: shapes [1,32,8,8] and [1,16,8,8] do not broadcast
block residual(x, ch) {
  y = conv2d(x, ch, kernel=3, pad=1)
  return relu(y + x)
}

model m {
  input x: f32[1, 16, 8, 8]
  output residual(x, 32)
}
