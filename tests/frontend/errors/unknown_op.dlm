# expect: 4:7: error: unknown op or block 'conv3d'; did you mean 'conv2d'?
model m {
  input x: f32[1, 3, 8, 8]
  y = conv3d(x, 16, kernel=3)
  output y
}
