# DNNFusion Table 4: the representative graph-rewriting rules, one output per row
#   Source: W. Niu, J. Guan, Y. Wang, G. Agrawal, B. Ren, "DNNFusion: Accelerating
#           Deep Neural Networks Execution with Advanced Operator Fusion", PLDI 2021
#           (arXiv:2108.13342), Section 4.2, Table 4.
#   Inputs : m x n operands (m = 128, n = 512); each row has inputs of its own, so
#            that no two rows share an intermediate result.
#   Outputs: one per row, as the paper writes it before rewriting.
#
# Reductions run along the innermost axis (as in the paper) and keep it: [m, 1].
# FLOPs of each row as the paper counts them (mn = m * n = 65,536):
#
#   row  expression                          before   paper after     dlfc after
#   1    Recip(A)*Recip(A*B)                 4mn      4mn             3mn  (Recip(Square(A)*B))
#   2    (A*Sqrt(B))*(Sqrt(B)*C)             5mn      2mn             2mn
#   3    Abs(A)*B*Abs(C)                     4mn      3mn             3mn
#   4    (A*ReduceSum(B))*(ReduceSum(B)*C)   5mn      3mn+m           3mn+m
#   5    A*C + A*B                           3mn      2mn             2mn
#   6    A + A*B                             2mn      2mn             2mn  (A read once)
#   7    Square(A+B) - (A+B)*C               5mn      3mn             3mn
#   9    ReduceSum(BitShift(A))              2mn      mn+m            mn+m (the shift is a scale by 2)
#
# Square is written pow(x, 2) (dlfc rewrites it to square; .dlm's square(x) says it
# directly). Row 8 (commutativity) is how the rules match, not a rewrite; row 10,
# ReduceProd(Exp(A)), and row 7 written with square() are compiled from .dlm by
# tests/transforms/test_graph_algebraic_simplify.py (this example keeps its rows).

block recip_shared(a, b) {
  return reciprocal(a) * reciprocal(a * b)
}

block sqrt_pair(a, b, c) {
  return (a * sqrt(b)) * (sqrt(b) * c)
}

block abs_pair(a, b, c) {
  return abs(a) * b * abs(c)
}

block reduce_square(a, b, c) {
  return (a * reduce_sum(b, -1)) * (reduce_sum(b, -1) * c)
}

block distribute(a, b, c) {
  return a * c + a * b
}

block factor_one(a, b) {
  return a + a * b
}

block square_factor(a, b, c) {
  return pow(a + b, 2) - (a + b) * c
}

block reduce_shift(a) {
  return reduce_sum(a * 2.0, -1)
}

model dnnfusion_table4 {
  input a1: f32[128, 512]
  input b1: f32[128, 512]
  input a2: f32[128, 512]
  input b2: f32[128, 512]
  input c2: f32[128, 512]
  input a3: f32[128, 512]
  input b3: f32[128, 512]
  input c3: f32[128, 512]
  input a4: f32[128, 512]
  input b4: f32[128, 512]
  input c4: f32[128, 512]
  input a5: f32[128, 512]
  input b5: f32[128, 512]
  input c5: f32[128, 512]
  input a6: f32[128, 512]
  input b6: f32[128, 512]
  input a7: f32[128, 512]
  input b7: f32[128, 512]
  input c7: f32[128, 512]
  input a9: f32[128, 512]

  row1 = recip_shared(a1, b1)
  row2 = sqrt_pair(a2, b2, c2)
  row3 = abs_pair(a3, b3, c3)
  row4 = reduce_square(a4, b4, c4)
  row5 = distribute(a5, b5, c5)
  row6 = factor_one(a6, b6)
  row7 = square_factor(a7, b7, c7)
  row9 = reduce_shift(a9)

  output row1, row2, row3, row4, row5, row6, row7, row9
}
