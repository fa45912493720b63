# expect: 3:22: error: '*' cannot combine 16 and "2"
block b(x, ch) {
  return dense(x, ch * "2")
}

model m {
  input x: f32[1, 64]
  output b(x, 16)
}
