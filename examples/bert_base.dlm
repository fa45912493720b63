# BERT-base (uncased) encoder
#   Source: J. Devlin, M.-W. Chang, K. Lee, K. Toutanova, "BERT: Pre-training of Deep
#           Bidirectional Transformers for Language Understanding", NAACL 2019
#           (arXiv:1810.04805); Transformer encoder from A. Vaswani et al.,
#           "Attention Is All You Need", NeurIPS 2017.
#   Input : ids i64[1, 128]  (token ids, vocabulary 30522, batch 1, sequence 128)
#   Output: hidden f32[1, 128, 768]  final hidden states of the last encoder layer
#           pooled f32[1, 768]       pooler output: tanh(dense(hidden of [CLS]))
#
# L = 12 layers, H = 768, A = 12 heads of 64, FFN 3072 with GELU, post-LN
# (LayerNorm after each residual add, eps 1e-12 as in the reference code).
# Embeddings: word embedding + learned position embedding (a parameter of the
# model, positions 0..127) followed by LayerNorm. Token-type (segment) embeddings
# are omitted: with a single segment they are one constant row that can be folded
# into the position parameter. No attention mask (the whole sequence is valid).
# Layer ops: 73 dense (6 per layer x 12 + pooler) + 24 matmul (2 per layer) = 97.
# Cost: 11.174 GMAC = 22.348 GFLOP (multiply-add = 2 FLOPs; the embedding lookup is
# a gather and costs none). Per layer: 4x 128x768x768 (QKV, out) + 2x 128x768x3072
# (FFN) + 2x 12x128x128x64 (scores, context) = 931.1 MMAC.
# Parameters: 109,185,792 (HF bert-base-uncased minus 384 unused positions and the
# token-type table).

# Multi-head self-attention over x: [1, S, heads*head_dim] -> [1, S, heads*head_dim].
# The score scale is 1/sqrt(head_dim) = 1/sqrt(64) = 0.125.
block self_attention(x, heads=12, head_dim=64) {
  query = dense(x, heads * head_dim)                                        # [1, S, 768]
  key = dense(x, heads * head_dim)                                          # [1, S, 768]
  value = dense(x, heads * head_dim)                                        # [1, S, 768]
  q = transpose(reshape(query, [1, -1, heads, head_dim]), [0, 2, 1, 3])     # [1, 12, S, 64]
  kt = transpose(reshape(key, [1, -1, heads, head_dim]), [0, 2, 3, 1])      # [1, 12, 64, S]
  v = transpose(reshape(value, [1, -1, heads, head_dim]), [0, 2, 1, 3])     # [1, 12, S, 64]
  probs = softmax(q @ kt * 0.125, axis=-1)                                  # [1, 12, S, S]
  context = probs @ v                                                       # [1, 12, S, 64]
  merged = reshape(transpose(context, [0, 2, 1, 3]), [1, -1, heads * head_dim])  # [1, S, 768]
  attn_out = dense(merged, heads * head_dim)                                # [1, S, 768]
  return attn_out
}

# One post-LN Transformer encoder layer (BERT): x: [1, S, hidden] -> [1, S, hidden].
block encoder_layer(x, hidden=768, heads=12, ffn=3072) {
  attention = self_attention(x, heads, hidden // heads)                     # [1, S, 768]
  attention_norm = layernorm(x + attention, eps=1e-12)                      # [1, S, 768]
  intermediate = gelu(dense(attention_norm, ffn))                           # [1, S, 3072]
  ffn_out = dense(intermediate, hidden)                                     # [1, S, 768]
  layer_norm = layernorm(attention_norm + ffn_out, eps=1e-12)               # [1, S, 768]
  return layer_norm
}

model bert_base {
  input ids: i64[1, 128]
  param position_embeddings: f32[1, 128, 768]

  # embeddings
  word_embeddings = embedding(ids, 30522, 768)                              # [1, 128, 768]
  embeddings = layernorm(word_embeddings + position_embeddings, eps=1e-12)  # [1, 128, 768]

  # 12 encoder layers
  # (each iteration's result is named `layer`, so the weights are layer.<i>.*)
  encoder = embeddings
  repeat 12 {
    layer = encoder_layer(encoder)
    encoder = layer
  }                                                                         # [1, 128, 768]

  # pooler: dense + tanh on the first ([CLS]) token
  cls = reshape(slice(encoder, [0], [1], [1]), [1, 768])                    # [1, 768]
  pooler = tanh(dense(cls, 768))                                            # [1, 768]

  output encoder, pooler
}
