# expect: 7:7: error: a file holds one model, but model 'first' is already defined at line 2
model first {
  input x: f32[1, 16]
  output relu(x)
}

model second {
  input x: f32[1, 16]
  output relu(x)
}
