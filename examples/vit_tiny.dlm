# ViT-Ti/16 (DeiT-Tiny)
#   Source: H. Touvron, M. Cord, M. Douze, F. Massa, A. Sablayrolles, H. Jegou,
#           "Training data-efficient image transformers & distillation through
#           attention", ICML 2021 (arXiv:2012.12877), DeiT-Ti (no distillation
#           token); architecture of A. Dosovitskiy et al., "An Image is Worth 16x16
#           Words", ICLR 2021 (arXiv:2010.11929).
#   Input : image f32[1, 3, 224, 224]  (NCHW)
#   Output: f32[1, 1000]  class probabilities (softmax over the logits)
#
# Patch embedding: 16x16/16 conv to 192 channels -> 14x14 = 196 patch tokens, a
# learned class token is prepended (197 tokens) and a learned position embedding
# added. 12 pre-LN encoder layers (LayerNorm eps 1e-6), embedding dim 192,
# 3 heads of 64, MLP 768 with GELU. Final LayerNorm, the class token goes through a
# 1000-way linear head.
# Layer ops: 1 conv2d + 73 dense (6 per layer x 12 + head) + 24 matmul = 98.
# Cost: 1.254 GMAC = 2.507 GFLOP (multiply-add = 2 FLOPs). Parameters: 5,717,416
# (as timm deit_tiny_patch16_224).

# Multi-head self-attention: x: [1, N, heads*head_dim] -> [1, N, heads*head_dim].
# The score scale is 1/sqrt(head_dim) = 1/sqrt(64) = 0.125.
block self_attention(x, heads=3, head_dim=64) {
  query = dense(x, heads * head_dim)                                        # [1, 197, 192]
  key = dense(x, heads * head_dim)                                          # [1, 197, 192]
  value = dense(x, heads * head_dim)                                        # [1, 197, 192]
  q = transpose(reshape(query, [1, -1, heads, head_dim]), [0, 2, 1, 3])     # [1, 3, 197, 64]
  kt = transpose(reshape(key, [1, -1, heads, head_dim]), [0, 2, 3, 1])      # [1, 3, 64, 197]
  v = transpose(reshape(value, [1, -1, heads, head_dim]), [0, 2, 1, 3])     # [1, 3, 197, 64]
  probs = softmax(q @ kt * 0.125, axis=-1)                                  # [1, 3, 197, 197]
  context = probs @ v                                                       # [1, 3, 197, 64]
  merged = reshape(transpose(context, [0, 2, 1, 3]), [1, -1, heads * head_dim])  # [1, 197, 192]
  proj = dense(merged, heads * head_dim)                                    # [1, 197, 192]
  return proj
}

# One pre-LN ViT encoder layer: x: [1, N, dim] -> [1, N, dim].
block vit_layer(x, dim=192, heads=3, mlp_dim=768) {
  norm1 = layernorm(x, eps=1e-6)                                            # [1, 197, 192]
  attn = self_attention(norm1, heads, dim // heads)                         # [1, 197, 192]
  residual = x + attn                                                       # [1, 197, 192]
  norm2 = layernorm(residual, eps=1e-6)                                     # [1, 197, 192]
  fc1 = gelu(dense(norm2, mlp_dim))                                         # [1, 197, 768]
  fc2 = dense(fc1, dim)                                                     # [1, 197, 192]
  return residual + fc2
}

model vit_tiny {
  input image: f32[1, 3, 224, 224]
  param cls_token: f32[1, 1, 192]
  param pos_embed: f32[1, 197, 192]

  # patch embedding
  patch_embed = conv2d(image, 192, kernel=16, stride=16)                    # [1, 192, 14, 14]
  tokens = transpose(reshape(patch_embed, [1, 192, 196]), [0, 2, 1])        # [1, 196, 192]
  embedded = concat(cls_token, tokens, axis=1) + pos_embed                  # [1, 197, 192]

  # 12 encoder layers
  # (each iteration's result is named `blocks`, so the weights are blocks.<i>.*)
  encoder = embedded
  repeat 12 {
    blocks = vit_layer(encoder)
    encoder = blocks
  }                                                                         # [1, 197, 192]

  # head on the class token
  norm = layernorm(encoder, eps=1e-6)                                       # [1, 197, 192]
  cls_out = reshape(slice(norm, [0], [1], [1]), [1, 192])                   # [1, 192]
  head = dense(cls_out, 1000)                                               # [1, 1000]
  output softmax(head)                                                      # [1, 1000]
}
