# expect: 5:8: error: weight 'fc.weight' in {weights} has dtype int32, expected f32
# weights: weights_a.npz
model m {
  input x: f32[1, 64]
  fc = dense(x, 10)
  output fc
}
