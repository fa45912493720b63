# expect: 4:12: error: unknown name 'imag'; did you mean 'image'?
model m {
  input image: f32[1, 3, 8, 8]
  y = relu(imag)
  output y
}
