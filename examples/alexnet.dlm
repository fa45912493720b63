# AlexNet with local response normalisation
#   Source: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with
#           Deep Convolutional Neural Networks", NIPS 2012; layer sizes, grouping and
#           LRN parameters of the BVLC reference model (Caffe's bvlc_alexnet, the
#           AlexNet of the ONNX model zoo): LRN size 5, alpha 1e-4, beta 0.75, bias 1
#           (ONNX and Caffe divide alpha by the size).
#   Input : image f32[1, 3, 224, 224]  (NCHW)
#   Output: f32[1, 1000]  class probabilities (ImageNet)
#
# Five convolutions (the 2nd, 4th and 5th in 2 groups, the two GPUs of the paper),
# LRN after the first two, 3x3 stride-2 max pooling after the 1st, 2nd and 5th,
# then three dense layers (dropout is the identity at inference).
# Cost: 0.72 GMAC. Parameters: 60,965,224.

model alexnet {
  input image: f32[1, 3, 224, 224]
  x = relu(conv2d(image, 96, kernel=11, stride=4, pad=2))      # [1, 96, 55, 55]
  x = maxpool(lrn(x, 5, alpha=0.0001, beta=0.75), 3, stride=2)  # [1, 96, 27, 27]
  x = relu(conv2d(x, 256, kernel=5, pad=2, groups=2))           # [1, 256, 27, 27]
  x = maxpool(lrn(x, 5, alpha=0.0001, beta=0.75), 3, stride=2)  # [1, 256, 13, 13]
  x = relu(conv2d(x, 384, kernel=3, pad=1))                     # [1, 384, 13, 13]
  x = relu(conv2d(x, 384, kernel=3, pad=1, groups=2))
  x = relu(conv2d(x, 256, kernel=3, pad=1, groups=2))
  x = maxpool(x, 3, stride=2)                                   # [1, 256, 6, 6]
  x = relu(dense(flatten(x), 4096))
  x = relu(dense(x, 4096))
  output softmax(dense(x, 1000))
}
