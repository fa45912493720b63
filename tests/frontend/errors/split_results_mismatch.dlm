# expect: 4:10: error: 'split' produces 3 results but 2 names are assigned
model m {
  input x: f32[1, 16, 8, 8]
  a, b = split(x, [4, 4, 8], axis=1)
  output a, b
}
