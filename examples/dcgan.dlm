# DCGAN generator: transposed convolutions from a latent vector to a 64x64 image
#   Source: A. Radford, L. Metz, S. Chintala, "Unsupervised Representation Learning
#           with Deep Convolutional Generative Adversarial Networks", ICLR 2016
#           (arXiv:1511.06434), generator of Figure 1 with the widths of the PyTorch
#           DCGAN example (ngf = 64: 512, 256, 128, 64 channels).
#   Input : z f32[1, 100, 1, 1]  (the latent vector as a 1x1 image)
#   Output: f32[1, 3, 64, 64]  an RGB image in [-1, 1] (tanh)
#
# Each up-step is a 4x4 transposed convolution with stride 2 and padding 1 (doubling
# the side), batch norm and ReLU; the first projects 1x1 to 4x4 (stride 1, no
# padding), the last goes to 3 channels and tanh. No biases: batch norm follows.

# Up-sampling step: x: [1, C, H, W] -> [1, ch, 2H, 2W].
block up(x, ch) {
  return relu(batchnorm(conv_transpose(x, ch, kernel=4, stride=2, pad=1, bias=false)))
}

model dcgan_generator {
  input z: f32[1, 100, 1, 1]
  x = relu(batchnorm(conv_transpose(z, 512, kernel=4, bias=false)))   # [1, 512, 4, 4]
  x = up(x, 256)                                                      # [1, 256, 8, 8]
  x = up(x, 128)                                                      # [1, 128, 16, 16]
  x = up(x, 64)                                                       # [1, 64, 32, 32]
  image = tanh(conv_transpose(x, 3, kernel=4, stride=2, pad=1, bias=false))   # [1, 3, 64, 64]
  output image
}
