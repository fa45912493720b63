# MobileNetV2 (width multiplier 1.0, resolution 224)
#   Source: M. Sandler, A. Howard, M. Zhu, A. Zhmoginov, L.-C. Chen, "MobileNetV2:
#           Inverted Residuals and Linear Bottlenecks", CVPR 2018 (arXiv:1801.04381),
#           Table 2.
#   Input : image f32[1, 3, 224, 224]  (NCHW)
#   Output: f32[1, 1000]  class probabilities (softmax over the logits)
#
# Stem 3x3/2 conv to 32 + BN + ReLU6, then the inverted-residual ("bottleneck")
# sequence of Table 2 (t = expansion, c = output channels, n = repeats, s = stride
# of the first block of the sequence):
#     t   c    n  s
#     1   16   1  1
#     6   24   2  2
#     6   32   3  2
#     6   64   4  2
#     6   96   3  1
#     6  160   3  2
#     6  320   1  1
# then a 1x1 conv to 1280 + BN + ReLU6, global average pooling and a 1000-way
# classifier (dropout is a no-op at inference and omitted). Each inverted residual
# is 1x1 expand (ReLU6) -> 3x3 depthwise (groups = channels, ReLU6) -> 1x1 linear
# projection; blocks with stride 1 and equal in/out channels add the input.
# Layer ops: 52 conv2d (17 of them depthwise) + 1 dense = 53. Cost: 300.8 MMAC =
# 0.602 GFLOP (multiply-add = 2 FLOPs). Parameters: 3,504,872 (as torchvision).

# First sequence (t = 1): no expansion conv, depthwise directly on the input.
block inverted_residual_t1(x, cin, cout, stride=1) {
  dw = relu6(batchnorm(conv2d(x, cin, kernel=3, stride=stride, pad=1, groups=cin, bias=false)))
  project = batchnorm(conv2d(dw, cout, kernel=1, bias=false))
  return project
}

# Inverted residual without shortcut (first block of a sequence: stride or width change).
block inverted_residual(x, cin, cout, stride=1, t=6) {
  expand = relu6(batchnorm(conv2d(x, cin * t, kernel=1, bias=false)))
  dw = relu6(batchnorm(conv2d(expand, cin * t, kernel=3, stride=stride, pad=1, groups=cin * t, bias=false)))
  project = batchnorm(conv2d(dw, cout, kernel=1, bias=false))
  return project
}

# Inverted residual with identity shortcut (stride 1, ch in == ch out).
block inverted_residual_skip(x, ch, t=6) {
  expand = relu6(batchnorm(conv2d(x, ch * t, kernel=1, bias=false)))
  dw = relu6(batchnorm(conv2d(expand, ch * t, kernel=3, pad=1, groups=ch * t, bias=false)))
  project = batchnorm(conv2d(dw, ch, kernel=1, bias=false))
  return project + x
}

model mobilenet_v2 {
  input image: f32[1, 3, 224, 224]

  stem = relu6(batchnorm(conv2d(image, 32, kernel=3, stride=2, pad=1, bias=false)))  # [1, 32, 112, 112]

  # t=1, c=16, n=1, s=1
  stage1 = inverted_residual_t1(stem, 32, 16)                        # [1, 16, 112, 112]

  # t=6, c=24, n=2, s=2
  stage2 = inverted_residual(stage1, 16, 24, stride=2)               # [1, 24, 56, 56]
  repeat 1 {
    stage2 = inverted_residual_skip(stage2, 24)
  }                                                                  # [1, 24, 56, 56]

  # t=6, c=32, n=3, s=2
  stage3 = inverted_residual(stage2, 24, 32, stride=2)               # [1, 32, 28, 28]
  repeat 2 {
    stage3 = inverted_residual_skip(stage3, 32)
  }                                                                  # [1, 32, 28, 28]

  # t=6, c=64, n=4, s=2
  stage4 = inverted_residual(stage3, 32, 64, stride=2)               # [1, 64, 14, 14]
  repeat 3 {
    stage4 = inverted_residual_skip(stage4, 64)
  }                                                                  # [1, 64, 14, 14]

  # t=6, c=96, n=3, s=1
  stage5 = inverted_residual(stage4, 64, 96)                         # [1, 96, 14, 14]
  repeat 2 {
    stage5 = inverted_residual_skip(stage5, 96)
  }                                                                  # [1, 96, 14, 14]

  # t=6, c=160, n=3, s=2
  stage6 = inverted_residual(stage5, 96, 160, stride=2)              # [1, 160, 7, 7]
  repeat 2 {
    stage6 = inverted_residual_skip(stage6, 160)
  }                                                                  # [1, 160, 7, 7]

  # t=6, c=320, n=1, s=1
  stage7 = inverted_residual(stage6, 160, 320)                       # [1, 320, 7, 7]

  # head
  head = relu6(batchnorm(conv2d(stage7, 1280, kernel=1, bias=false)))  # [1, 1280, 7, 7]
  pooled = global_avgpool(head)                                      # [1, 1280, 1, 1]
  classifier = dense(flatten(pooled), 1000)                          # [1, 1000]
  output softmax(classifier)                                         # [1, 1000]
}
