# expect: 8:19: error: scale: unknown keyword argument 'factr'; did you mean 'factor'?
block scale(x, factor=2.0) {
  return x * factor
}

model m {
  input x: f32[1, 16, 8, 8]
  output scale(x, factr=3.0)
}
