# A small 3-D CNN for action recognition: C3D stem and an R(2+1)D residual block
#   Sources: D. Tran, L. Bourdev, R. Fergus, L. Torresani, M. Paluri, "Learning
#            Spatiotemporal Features with 3D Convolutional Networks", ICCV 2015
#            (arXiv:1412.0767): 3x3x3 convolutions, a first pooling of 1x2x2 that keeps
#            the frames, 2x2x2 pooling after;
#            D. Tran, H. Wang, L. Torresani, J. Ray, Y. LeCun, M. Paluri, "A Closer
#            Look at Spatiotemporal Convolutions for Action Recognition", CVPR 2018
#            (arXiv:1711.11248): the (2+1)D block, a 1x3x3 spatial convolution then a
#            3x1x1 temporal one.
#   Reduced variant: 8 frames of 56x56 (C3D: 16 of 112x112), widths 32/64/128
#   (C3D: 64 to 512), batch norm after each convolution.
#   Input : clip f32[1, 3, 8, 56, 56]  (NCDHW: RGB, 8 frames, 56x56)
#   Output: f32[1, 101]  class probabilities (UCF101)

# (2+1)D residual block: x: [1, ch, D, H, W] -> same shape; mid channels between the
# spatial and the temporal convolution.
block r2plus1d(x, ch, mid) {
  y = relu(batchnorm(conv3d(x, mid, kernel=[1, 3, 3], pad=[0, 1, 1], bias=false)))
  y = relu(batchnorm(conv3d(y, ch, kernel=[3, 1, 1], pad=[1, 0, 0], bias=false)))
  y = relu(batchnorm(conv3d(y, mid, kernel=[1, 3, 3], pad=[0, 1, 1], bias=false)))
  y = batchnorm(conv3d(y, ch, kernel=[3, 1, 1], pad=[1, 0, 0], bias=false))
  return relu(y + x)
}

model c3d_small {
  input clip: f32[1, 3, 8, 56, 56]
  x = relu(batchnorm(conv3d(clip, 32, kernel=3, pad=1, bias=false)))   # [1, 32, 8, 56, 56]
  x = maxpool(x, [1, 2, 2])                                             # [1, 32, 8, 28, 28]
  x = relu(batchnorm(conv3d(x, 64, kernel=3, pad=1, bias=false)))      # [1, 64, 8, 28, 28]
  x = maxpool(x, 2)                                                     # [1, 64, 4, 14, 14]
  x = r2plus1d(x, 64, 96)                                               # [1, 64, 4, 14, 14]
  x = relu(batchnorm(conv3d(x, 128, kernel=3, pad=1, bias=false)))     # [1, 128, 4, 14, 14]
  x = maxpool(x, 2, ceil_mode=true)                                     # [1, 128, 2, 7, 7]
  features = flatten(avgpool(x, [2, 7, 7]))                             # [1, 128]
  output softmax(dense(features, 101))
}
