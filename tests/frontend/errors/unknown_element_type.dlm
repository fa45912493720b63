# expect: 3:12: error: unknown element type 'f64'; expected one of f16, f32, i32, i64
model m {
  input x: f64[1, 64]
  output relu(x)
}
