# expect: 5:12: error: add: shapes [1,16,8,8] and [1,32,8,8] do not broadcast
model m {
  input x: f32[1, 16, 8, 8]
  y = conv2d(x, 32, kernel=3, pad=1)
  output x + y
}
