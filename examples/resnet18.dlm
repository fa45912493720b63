# ResNet-18
#   Source: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
#           Recognition", CVPR 2016 (arXiv:1512.03385), Table 1, 18-layer column.
#   Input : image f32[1, 3, 224, 224]  (NCHW)
#   Output: f32[1, 1000]  class probabilities (softmax over the logits)
#
# Stem: 7x7/2 conv (64) + BN + ReLU, 3x3/2 maxpool (pad 1).
# Four stages of basic blocks [2, 2, 2, 2] with 64/128/256/512 channels. The first
# block of stages 2-4 downsamples with stride 2 and uses a 1x1/2 conv + BN
# projection shortcut (option B). Convs followed by BN have no bias.
# Layer ops: 20 conv2d + 1 dense = 21. Cost: 1.814 GMAC = 3.628 GFLOP (multiply-add =
# 2 FLOPs, conv2d/dense only). Parameters: 11,689,512 (as torchvision resnet18).

# Basic block with identity shortcut (input and output shapes are equal).
block basic(x, ch) {
  conv1 = conv2d(x, ch, kernel=3, pad=1, bias=false)
  bn1 = relu(batchnorm(conv1))
  conv2 = conv2d(bn1, ch, kernel=3, pad=1, bias=false)
  bn2 = batchnorm(conv2)
  return relu(bn2 + x)
}

# Basic block that changes resolution/width: 1x1 conv + BN projection shortcut.
block basic_down(x, ch, stride=2) {
  conv1 = conv2d(x, ch, kernel=3, stride=stride, pad=1, bias=false)
  bn1 = relu(batchnorm(conv1))
  conv2 = conv2d(bn1, ch, kernel=3, pad=1, bias=false)
  bn2 = batchnorm(conv2)
  downsample = batchnorm(conv2d(x, ch, kernel=1, stride=stride, bias=false))
  return relu(bn2 + downsample)
}

model resnet18 {
  input image: f32[1, 3, 224, 224]

  # stem
  conv1 = conv2d(image, 64, kernel=7, stride=2, pad=3, bias=false)  # [1, 64, 112, 112]
  bn1 = relu(batchnorm(conv1))                                       # [1, 64, 112, 112]
  pool = maxpool(bn1, 3, stride=2, pad=1)                            # [1, 64, 56, 56]

  # Each stage is written out as two calls: the first block's weights are named
  # layerN.*, the second one's layerN_1.* (reassigned names get a _1 suffix).

  # stage 1: 2 x basic(64), no downsampling
  layer1 = basic(pool, 64)                                           # [1, 64, 56, 56]
  layer1 = basic(layer1, 64)                                         # [1, 64, 56, 56]

  # stage 2: basic_down(128, /2) + basic(128)
  layer2 = basic_down(layer1, 128)                                   # [1, 128, 28, 28]
  layer2 = basic(layer2, 128)                                        # [1, 128, 28, 28]

  # stage 3: basic_down(256, /2) + basic(256)
  layer3 = basic_down(layer2, 256)                                   # [1, 256, 14, 14]
  layer3 = basic(layer3, 256)                                        # [1, 256, 14, 14]

  # stage 4: basic_down(512, /2) + basic(512)
  layer4 = basic_down(layer3, 512)                                   # [1, 512, 7, 7]
  layer4 = basic(layer4, 512)                                        # [1, 512, 7, 7]

  # head
  pooled = global_avgpool(layer4)                                    # [1, 512, 1, 1]
  fc = dense(flatten(pooled), 1000)                                  # [1, 1000]
  output softmax(fc)                                                 # [1, 1000]
}
