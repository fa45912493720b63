# TC-ResNet8: a temporal convolutional network for keyword spotting (1-D convolutions)
#   Source: S. Choi, S. Seo, B. Shin, H. Byun, M. Kersner, B. Kim, D. Kim, S. Ha,
#           "Temporal Convolution for Real-time Keyword Spotting on Mobile Devices",
#           Interspeech 2019 (arXiv:1904.03814), TC-ResNet8 with width multiplier 1.
#   Input : mfcc f32[1, 40, 101]  (NCL: 40 MFCC coefficients as channels, 101 frames
#           of a 1 s utterance at a 10 ms hop)
#   Output: f32[1, 12]  class probabilities (10 keywords, silence, unknown: Google
#           Speech Commands v1)
#
# The frequency axis is the channel axis, so every convolution is 1-D along time:
# a 3-tap convolution to 16 channels, then three residual blocks (two 9-tap
# convolutions each, the first with stride 2; a 1-tap strided convolution on the
# shortcut) at 24, 32 and 48 channels, average pooling over the remaining 13
# frames, a dense layer to 12 classes and softmax.

# Residual block: x: [1, C, L] -> [1, ch, ceil(L / 2)].
block tc_block(x, ch) {
  y = relu(batchnorm(conv1d(x, ch, kernel=9, stride=2, pad=4, bias=false)))
  y = batchnorm(conv1d(y, ch, kernel=9, pad=4, bias=false))
  shortcut = relu(batchnorm(conv1d(x, ch, kernel=1, stride=2, bias=false)))
  return relu(y + shortcut)
}

model tc_resnet8 {
  input mfcc: f32[1, 40, 101]
  x = conv1d(mfcc, 16, kernel=3, pad=1, bias=false)    # [1, 16, 101]
  x = tc_block(x, 24)                                  # [1, 24, 51]
  x = tc_block(x, 32)                                  # [1, 32, 26]
  x = tc_block(x, 48)                                  # [1, 48, 13]
  features = flatten(avgpool(x, 13))                   # [1, 48]
  output softmax(dense(features, 12))
}
