# ResNet-50 (v1.5)
#   Source: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
#           Recognition", CVPR 2016 (arXiv:1512.03385), Table 1, 50-layer column.
#           v1.5 variant (torchvision / NVIDIA): the stride-2 of a downsampling
#           bottleneck sits on the 3x3 conv instead of the first 1x1 conv.
#   Input : image f32[1, 3, 224, 224]  (NCHW)
#   Output: f32[1, 1000]  class probabilities (softmax over the logits)
#
# Stem: 7x7/2 conv (64) + BN + ReLU, 3x3/2 maxpool (pad 1).
# Four stages of bottleneck blocks [3, 4, 6, 3], widths 64/128/256/512, expansion 4
# (outputs 256/512/1024/2048). The first block of every stage has a 1x1 conv + BN
# projection shortcut (stride 1 in stage 1, where only the width changes; stride 2
# in stages 2-4). Convs followed by BN have no bias.
# Layer ops: 53 conv2d + 1 dense = 54. Cost: 4.089 GMAC = 8.178 GFLOP (multiply-add =
# 2 FLOPs, conv2d/dense only). Parameters: 25,557,032 (as torchvision resnet50).

# Bottleneck with identity shortcut; x has width*4 channels.
block bottleneck(x, width) {
  conv1 = conv2d(x, width, kernel=1, bias=false)
  bn1 = relu(batchnorm(conv1))
  conv2 = conv2d(bn1, width, kernel=3, pad=1, bias=false)
  bn2 = relu(batchnorm(conv2))
  conv3 = conv2d(bn2, width * 4, kernel=1, bias=false)
  bn3 = batchnorm(conv3)
  return relu(bn3 + x)
}

# First bottleneck of a stage: stride on the 3x3 conv (v1.5), projection shortcut.
block bottleneck_down(x, width, stride=2) {
  conv1 = conv2d(x, width, kernel=1, bias=false)
  bn1 = relu(batchnorm(conv1))
  conv2 = conv2d(bn1, width, kernel=3, stride=stride, pad=1, bias=false)
  bn2 = relu(batchnorm(conv2))
  conv3 = conv2d(bn2, width * 4, kernel=1, bias=false)
  bn3 = batchnorm(conv3)
  downsample = batchnorm(conv2d(x, width * 4, kernel=1, stride=stride, bias=false))
  return relu(bn3 + downsample)
}

model resnet50 {
  input image: f32[1, 3, 224, 224]

  # stem
  conv1 = conv2d(image, 64, kernel=7, stride=2, pad=3, bias=false)  # [1, 64, 112, 112]
  bn1 = relu(batchnorm(conv1))                                       # [1, 64, 112, 112]
  pool = maxpool(bn1, 3, stride=2, pad=1)                            # [1, 64, 56, 56]

  # stage 1: 3 bottlenecks, width 64 -> 256 channels, 56x56
  layer1 = bottleneck_down(pool, 64, stride=1)                       # [1, 256, 56, 56]
  repeat 2 {
    layer1 = bottleneck(layer1, 64)
  }                                                                  # [1, 256, 56, 56]

  # stage 2: 4 bottlenecks, width 128 -> 512 channels, 28x28
  layer2 = bottleneck_down(layer1, 128)                              # [1, 512, 28, 28]
  repeat 3 {
    layer2 = bottleneck(layer2, 128)
  }                                                                  # [1, 512, 28, 28]

  # stage 3: 6 bottlenecks, width 256 -> 1024 channels, 14x14
  layer3 = bottleneck_down(layer2, 256)                              # [1, 1024, 14, 14]
  repeat 5 {
    layer3 = bottleneck(layer3, 256)
  }                                                                  # [1, 1024, 14, 14]

  # stage 4: 3 bottlenecks, width 512 -> 2048 channels, 7x7
  layer4 = bottleneck_down(layer3, 512)                              # [1, 2048, 7, 7]
  repeat 2 {
    layer4 = bottleneck(layer4, 512)
  }                                                                  # [1, 2048, 7, 7]

  # head
  pooled = global_avgpool(layer4)                                    # [1, 2048, 1, 1]
  fc = dense(flatten(pooled), 1000)                                  # [1, 1000]
  output softmax(fc)                                                 # [1, 1000]
}
