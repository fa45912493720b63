# expect: 7:10: error: recursive block calls: ping -> pong -> ping
block ping(x) {
  return pong(x)
}

block pong(x) {
  return ping(x)
}

model m {
  input x: f32[1, 16]
  output ping(x)
}
