# expect: error: not a valid .npz file
# weights: corrupt.npz
model m {
  input x: f32[1, 64]
  output dense(x, 10)
}
