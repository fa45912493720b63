# expect: error: cannot read weights file: No such file or directory
# weights: missing.npz
model m {
  input x: f32[1, 64]
  output dense(x, 10)
}
