# expect: 3:19: error: unknown name 'classes'
block head(x) {
  return dense(x, classes)
}

model m {
  input x: f32[1, 64]
  classes = 10
  output head(x)
}
