# VGG-16 (configuration D)
#   Source: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for
#           Large-Scale Image Recognition", ICLR 2015 (arXiv:1409.1556), Table 1, D.
#   Input : image f32[1, 3, 224, 224]  (NCHW)
#   Output: f32[1, 1000]  class probabilities (softmax over the logits)
#
# 13 conv3x3 (pad 1, stride 1, with bias) + ReLU layers in five groups
# (64x2, 128x2, 256x3, 512x3, 512x3), each group followed by a 2x2/2 maxpool,
# then FC-4096 + ReLU, FC-4096 + ReLU, FC-1000, softmax (dropout omitted:
# inference).
# Layer ops: 13 conv2d + 3 dense = 16. Cost: 15.470 GMAC = 30.941 GFLOP (multiply-add =
# 2 FLOPs). Parameters: 138,357,544 (as torchvision vgg16).

# Two conv3x3+ReLU layers followed by a 2x2/2 maxpool (groups 1 and 2).
block vgg_group2(x, ch) {
  conv1 = relu(conv2d(x, ch, kernel=3, pad=1))
  conv2 = relu(conv2d(conv1, ch, kernel=3, pad=1))
  return maxpool(conv2, 2, stride=2)
}

# Three conv3x3+ReLU layers followed by a 2x2/2 maxpool (groups 3 to 5).
block vgg_group3(x, ch) {
  conv1 = relu(conv2d(x, ch, kernel=3, pad=1))
  conv2 = relu(conv2d(conv1, ch, kernel=3, pad=1))
  conv3 = relu(conv2d(conv2, ch, kernel=3, pad=1))
  return maxpool(conv3, 2, stride=2)
}

model vgg16 {
  input image: f32[1, 3, 224, 224]

  group1 = vgg_group2(image, 64)           # [1, 64, 112, 112]
  group2 = vgg_group2(group1, 128)         # [1, 128, 56, 56]
  group3 = vgg_group3(group2, 256)         # [1, 256, 28, 28]
  group4 = vgg_group3(group3, 512)         # [1, 512, 14, 14]
  group5 = vgg_group3(group4, 512)         # [1, 512, 7, 7]

  features = flatten(group5)               # [1, 25088]
  fc6 = relu(dense(features, 4096))        # [1, 4096]
  fc7 = relu(dense(fc6, 4096))             # [1, 4096]
  fc8 = dense(fc7, 1000)                   # [1, 1000]
  output softmax(fc8)                      # [1, 1000]
}
