# expect: 4:7: error: unknown op or block 'conv4d'; did you mean 'conv3d'?
model m {
  input x: f32[1, 3, 8, 8]
  y = conv4d(x, 16, kernel=3)
  output y
}
