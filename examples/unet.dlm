# U-Net (small, 4 levels, base width 32)
#   Source: O. Ronneberger, P. Fischer, T. Brox, "U-Net: Convolutional Networks for
#           Biomedical Image Segmentation", MICCAI 2015 (arXiv:1505.04597).
#           Reduced variant: 4 resolution levels instead of 5, base width 32
#           instead of 64, "same" padding (pad 1) so that skips need no cropping,
#           batchnorm after each conv, and nearest upsample + 1x1 conv in place of
#           the 2x2 up-convolution.
#   Input : image f32[1, 3, 128, 128]  (NCHW)
#   Output: f32[1, 2, 128, 128]  per-pixel class probabilities (softmax over axis 1)
#
# Encoder: (conv3x3 + BN + ReLU) x 2 at 32/64/128 channels with 2x2/2 maxpool
# between levels, bottom level 256 channels at 16x16. Decoder: upsample x2,
# 1x1 conv halving the channels, concat with the encoder skip on axis 1,
# (conv3x3 + BN + ReLU) x 2. Final 1x1 conv to 2 classes, softmax over channels.
# Layer ops: 18 conv2d (14 conv3x3, 3 up 1x1, 1 classifier 1x1). Cost: 2.305 GMAC =
# 4.611 GFLOP (multiply-add = 2 FLOPs). Parameters: 1,798,018.

# (conv3x3 + BN + ReLU) x 2; x: [1, C, H, W] -> [1, ch, H, W].
block double_conv(x, ch) {
  conv1 = relu(batchnorm(conv2d(x, ch, kernel=3, pad=1, bias=false)))
  conv2 = relu(batchnorm(conv2d(conv1, ch, kernel=3, pad=1, bias=false)))
  return conv2
}

# Decoder step: x: [1, 2*ch, H, W], skip: [1, ch, 2H, 2W] -> [1, ch, 2H, 2W].
block up_step(x, skip, ch) {
  up_conv = conv2d(upsample(x, scale=2), ch, kernel=1)        # [1, ch, 2H, 2W]
  merged = concat(skip, up_conv, axis=1)                      # [1, 2*ch, 2H, 2W]
  fused = double_conv(merged, ch)                             # [1, ch, 2H, 2W]
  return fused
}

model unet {
  input image: f32[1, 3, 128, 128]

  # encoder (contracting path)
  enc1 = double_conv(image, 32)                      # [1, 32, 128, 128]
  enc2 = double_conv(maxpool(enc1, 2), 64)           # [1, 64, 64, 64]
  enc3 = double_conv(maxpool(enc2, 2), 128)          # [1, 128, 32, 32]
  bottom = double_conv(maxpool(enc3, 2), 256)        # [1, 256, 16, 16]

  # decoder (expanding path) with skip connections
  dec3 = up_step(bottom, enc3, 128)                  # [1, 128, 32, 32]
  dec2 = up_step(dec3, enc2, 64)                     # [1, 64, 64, 64]
  dec1 = up_step(dec2, enc1, 32)                     # [1, 32, 128, 128]

  # per-pixel classifier
  logits = conv2d(dec1, 2, kernel=1)                 # [1, 2, 128, 128]
  output softmax(logits, axis=1)                     # [1, 2, 128, 128]
}
