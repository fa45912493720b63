# expect: 5:7: error: weight 'y.weight' in {weights} has shape [16,3,3,3], expected [16,3,5,5]
# weights: weights_a.npz
model m {
  input x: f32[1, 3, 8, 8]
  y = conv2d(x, 16, kernel=5)
  output y
}
