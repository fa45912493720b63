# A tiny model for docs/writing-a-pass.md: the second relu is redundant.
model tiny {
  input image: f32[1, 3, 16, 16]
  x = relu(relu(conv2d(image, 8, kernel=3, pad=1)))
  output dense(flatten(global_avgpool(x)), 10)
}
