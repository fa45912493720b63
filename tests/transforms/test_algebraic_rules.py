"""graph-algebraic-simplify: one test where each rule applies (exact IR and numerics) and one where it must not.

The must-not tests use shapes the rule rejects, or the same graph with intermediates
given extra uses (also returned), which makes the rewrite save nothing.
"""

from __future__ import annotations

from rewrite_testing import also_returning, check_rewrite, check_unchanged

from dlfc.compiler.transforms.graph_algebraic_simplify import GraphAlgebraicSimplifyPass

ABSORB = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %n = graph.neg %b : tensor<4x8xf32>
  %s = graph.add %n, %a : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %m = graph.neg %s : tensor<4x8xf32>
  %t = graph.sub %a, %m : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %t : tensor<4x8xf32>
}
"""

ROW4 = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %r = graph.reduce_sum %b {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %x = graph.mul %a, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %y = graph.mul %r, %c : (tensor<4x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.mul %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""

ROW3 = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.abs %a : tensor<4x8xf32>
  %q = graph.abs %c : tensor<4x8xf32>
  %x = graph.mul %p, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.mul %x, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""

EXP = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.exp %a : tensor<4x8xf32>
  %q = graph.exp %b : tensor<4x8xf32>
  %z = graph.mul %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""

RECIPPAIR = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.reciprocal %a : tensor<4x8xf32>
  %q = graph.reciprocal %b : tensor<4x8xf32>
  %z = graph.mul %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""

DIV = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %q = graph.reciprocal %b : tensor<4x8xf32>
  %z = graph.mul %a, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""

ROW5 = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %x = graph.mul %a, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.add %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""

ROW10 = """
func.func @main(%a: tensor<4x8xf32>) -> (tensor<4x1xf32>) {
  %e = graph.exp %a : tensor<4x8xf32>
  %z = graph.reduce_prod %e {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  func.return %z : tensor<4x1xf32>
}
"""


def test_identity_element() -> None:
    """x·1, 0+x, x/1 and x−0 are x."""
    source = """
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %one = graph.constant 1.0 : tensor<f32>
  %zero = graph.constant 0.0 : tensor<f32>
  %m = graph.mul %x, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %a = graph.add %zero, %m : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %d = graph.div %a, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %s = graph.sub %d, %zero : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  func.return %s : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    func.return %x : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), source, expected, positive=True)
    assert statistics == {"identity-element": 4}


def test_identity_element_not_for_absorbing_positions() -> None:
    """1/x, 0−x and x·2 are not identities."""
    source = """
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %one = graph.constant 1.0 : tensor<f32>
  %zero = graph.constant 0.0 : tensor<f32>
  %two = graph.constant 2.0 : tensor<f32>
  %d = graph.div %one, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %s = graph.sub %zero, %d : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %m = graph.mul %s, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  func.return %m : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_involutions() -> None:
    """−(−x) = x and 1/(1/x) = x."""
    source = """
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %n = graph.neg %x : tensor<4x8xf32>
  %nn = graph.neg %n : tensor<4x8xf32>
  %r = graph.reciprocal %nn : tensor<4x8xf32>
  %rr = graph.reciprocal %r : tensor<4x8xf32>
  func.return %rr : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    func.return %x : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), source, expected, positive=True)
    assert statistics == {"double-negation": 1, "double-reciprocal": 1}


def test_strength_reduction() -> None:
    """x^2 = Square(x), x^0.5 = √x, x^−1 = 1/x, x^1 = x."""
    source = """
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %two = graph.constant 2.0 : tensor<f32>
  %half = graph.constant 0.5 : tensor<f32>
  %minus_one = graph.constant -1.0 : tensor<f32>
  %one = graph.constant 1.0 : tensor<f32>
  %s = graph.pow %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %r = graph.pow %s, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %i = graph.pow %r, %minus_one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %p = graph.pow %x, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  func.return %i, %p : tensor<4x8xf32>, tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
    %s = graph.square %x : tensor<4x8xf32>
    %r = graph.sqrt %s : tensor<4x8xf32>
    %i = graph.reciprocal %r : tensor<4x8xf32>
    func.return %i, %x : tensor<4x8xf32>, tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(
        GraphAlgebraicSimplifyPass(rules=("strength-reduction",)), source, expected, positive=True
    )
    assert statistics == {"strength-reduction": 4}


def test_strength_reduction_only_for_known_constant_powers() -> None:
    """x^3 and x^w, w a weight, stay powers."""
    source = """
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %three = graph.constant 3.0 : tensor<f32>
  %w = graph.weight "w" {init = "ones"} : tensor<f32>
  %c = graph.pow %x, %three : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %p = graph.pow %c, %w : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  func.return %p : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_involutions_need_the_same_op_twice() -> None:
    """−(1/(−x)) is no involution."""
    source = """
func.func @main(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %n = graph.neg %x : tensor<4x8xf32>
  %r = graph.reciprocal %n : tensor<4x8xf32>
  %nn = graph.neg %r : tensor<4x8xf32>
  func.return %nn : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_absorb_negation() -> None:
    """(−b) + a = a − b and a − (−(a − b)) = a + (a − b)."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %s = graph.sub %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %t = graph.add %a, %s : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %t : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), ABSORB, expected, positive=True)
    assert statistics == {"absorb-negation": 2}


def test_absorb_negation_not_when_the_negations_stay() -> None:
    """With both negations also returned, a sub or add saves nothing."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(ABSORB, "n", "m"))


def test_table4_repeated_factor() -> None:
    """Table 4: (A⊙ReduceSum(B))⊙(ReduceSum(B)⊙C) = A⊙Square(ReduceSum(B))⊙C (5mn -> 3mn+m once cse merged the ReduceSums)."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %r = graph.reduce_sum %b {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
    %z = graph.square %r : tensor<4x1xf32>
    %z_1 = graph.mul %z, %a : (tensor<4x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_2 = graph.mul %z_1, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_2 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(fp_model="aggressive"), ROW4, expected, positive=True)
    assert statistics == {"repeated-factor": 1}
    # fast keeps it as written: x·y·x = Square(x)·y overflows for x = 1e20, y = 1e-20
    check_unchanged(GraphAlgebraicSimplifyPass(), ROW4)


def test_repeated_factor_not_through_a_shared_product() -> None:
    """A⊙R is also returned, so it is a factor of its own and R occurs once."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(ROW4, "x"))


def test_table4_sqrt_pair() -> None:
    """Table 4: (A⊙√B)⊙(√B⊙C) = A⊙B⊙C (5mn -> 2mn), also with two separate √B ops."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %s1 = graph.sqrt %b : tensor<4x8xf32>
  %s2 = graph.sqrt %b : tensor<4x8xf32>
  %x = graph.mul %a, %s1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = graph.mul %s2, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.mul %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.mul %a, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.mul %z, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(fp_model="aggressive"), source, expected, positive=True)
    assert statistics == {"sqrt-pair": 1}
    # fast keeps it as written: A⊙B⊙C computes A⊙C first, which overflows for A = C = 1e20, B = 1e-30
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_sqrt_pair_needs_the_same_radicand() -> None:
    """√B⊙√C is not B."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %s1 = graph.sqrt %b : tensor<4x8xf32>
  %s2 = graph.sqrt %c : tensor<4x8xf32>
  %x = graph.mul %a, %s1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.mul %x, %s2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_table4_abs_pair() -> None:
    """Table 4: Abs(A)⊙B⊙Abs(C) = Abs(A⊙C)⊙B (4mn -> 3mn): commute, then associate."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.mul %a, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.abs %z : tensor<4x8xf32>
    %z_2 = graph.mul %b, %z_1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_2 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(fp_model="aggressive"), ROW3, expected, positive=True)
    assert statistics == {"abs-pair": 1}
    # fast keeps it as written: A⊙C overflows for A = C = 1e20, B = 1e-30, where |A|⊙B⊙|C| does not
    check_unchanged(GraphAlgebraicSimplifyPass(), ROW3)


def test_abs_pair_not_when_an_abs_stays() -> None:
    """Abs(A) is also returned: merging saves no FLOP and no read."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(ROW3, "p"))


def test_exp_pair() -> None:
    """exp(a)·exp(b) = exp(a + b)."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.exp %z : tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), EXP, expected, positive=True)
    assert statistics == {"exp-pair": 1}


def test_exp_pair_not_when_an_exp_stays() -> None:
    """exp(a) is also returned: the rewrite would cost as much."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(EXP, "p"))


def test_neg_pair() -> None:
    """(−a)·(−b) = a·b."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.neg %a : tensor<4x8xf32>
  %q = graph.neg %b : tensor<4x8xf32>
  %z = graph.mul %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), source, expected, positive=True)
    assert statistics == {"neg-pair": 1}


def test_neg_pair_needs_two_negations() -> None:
    """(−a)·|b| stays."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.neg %a : tensor<4x8xf32>
  %q = graph.abs %b : tensor<4x8xf32>
  %z = graph.mul %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_reciprocal_pair() -> None:
    """(1/a)·(1/b) = 1/(a·b)."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.reciprocal %z : tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(
        GraphAlgebraicSimplifyPass(rules=("reciprocal-pair",)), RECIPPAIR, expected, positive=True
    )
    assert statistics == {"reciprocal-pair": 1}


def test_reciprocal_pair_not_when_both_reciprocals_stay() -> None:
    """Both reciprocals are also returned: 1/(a·b) would add an op."""
    check_unchanged(GraphAlgebraicSimplifyPass(rules=("reciprocal-pair",)), also_returning(RECIPPAIR, "p", "q"))


def test_table4_reciprocal_shared_factor() -> None:
    """Table 4: Recip(A)⊙Recip(A⊙B) = Square(Recip(A))⊙Recip(B) (4mn, A read once)."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.reciprocal %a : tensor<4x8xf32>
  %ab = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %q = graph.reciprocal %ab : tensor<4x8xf32>
  %z = graph.mul %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %p = graph.reciprocal %a : tensor<4x8xf32>
    %z = graph.square %p : tensor<4x8xf32>
    %z_1 = graph.reciprocal %b : tensor<4x8xf32>
    %z_2 = graph.mul %z, %z_1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_2 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(
        GraphAlgebraicSimplifyPass(rules=("reciprocal-shared-factor",), fp_model="aggressive"),
        source,
        expected,
        positive=True,
    )
    assert statistics == {"reciprocal-shared-factor": 1}
    # fast keeps it as written: (1/A)² overflows for A = 1e-25, B = 1e25
    check_unchanged(GraphAlgebraicSimplifyPass(rules=("reciprocal-shared-factor",)), source)


def test_reciprocal_shared_factor_needs_the_shared_factor() -> None:
    """Recip(A)⊙Recip(C⊙B) shares nothing."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.reciprocal %a : tensor<4x8xf32>
  %cb = graph.mul %c, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %q = graph.reciprocal %cb : tensor<4x8xf32>
  %z = graph.mul %p, %q : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(rules=("reciprocal-shared-factor",)), source)


def test_divide_by_reciprocal() -> None:
    """a·(1/b) = a/b."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.div %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), DIV, expected, positive=True)
    assert statistics == {"divide-by-reciprocal": 1}


def test_divide_by_reciprocal_not_when_the_reciprocal_stays() -> None:
    """1/b is also returned: a/b would cost as much as a·(1/b)."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(DIV, "q"))


def test_reassociate_product_multiplies_small_factors_first() -> None:
    """(x·s)·t = (s·t)·x for s, t of shape [4,1]: 64 -> 36 FLOPs."""
    source = """
func.func @main(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>, %t: tensor<4x1xf32>) -> (tensor<4x8xf32>) {
  %p = graph.mul %x, %s : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %z = graph.mul %p, %t : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>, %t: tensor<4x1xf32>) -> tensor<4x8xf32> {
    %z = graph.mul %s, %t : (tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
    %z_1 = graph.mul %z, %x : (tensor<4x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(fp_model="aggressive"), source, expected, positive=True)
    assert statistics == {"reassociate-product": 1}
    # fast keeps it as written: s·t overflows for s = t = 1e20, x = 1e-20
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_reassociate_product_not_for_equal_shapes() -> None:
    """(a·b)·c with equal shapes: every order costs the same."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %p = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.mul %p, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_table4_factor_common_term() -> None:
    """Table 4: A⊙C+A⊙B = A⊙(B+C) (3mn -> 2mn)."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.add %c, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.mul %a, %z : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(fp_model="aggressive"), ROW5, expected, positive=True)
    assert statistics == {"factor-common-term": 1}
    # fast keeps it as written: B + C overflows for A = 1e-10, B = C = 3e38
    check_unchanged(GraphAlgebraicSimplifyPass(), ROW5)


def test_factor_common_term_not_when_the_products_stay() -> None:
    """A⊙C and A⊙B are also returned: factoring would add a product."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(ROW5, "x", "y"))


def test_table4_factor_a_term_alone() -> None:
    """Table 4: A+A⊙B = A⊙(B+1) (2mn, A read once)."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %y = graph.mul %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.add %a, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %z = graph.constant 1.0 : tensor<f32>
    %z_1 = graph.add %z, %b : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_2 = graph.mul %a, %z_1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_2 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), source, expected, positive=True)
    assert statistics == {"factor-common-term": 1}


def test_table4_factor_out_of_a_square() -> None:
    """Table 4: Square(A+B)−(A+B)⊙C = (A+B)⊙(A+B−C) (4mn -> 3mn)."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %s = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %q = graph.square %s : tensor<4x8xf32>
  %y = graph.mul %s, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.sub %q, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %s = graph.add %a, %b : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z = graph.sub %s, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.mul %s, %z : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), source, expected, positive=True)
    assert statistics == {"factor-common-term": 1}


def test_table4_reduce_prod_of_exp() -> None:
    """Table 4: ReduceProd(Exp(A)) = Exp(ReduceSum(A)) (2mn -> mn+m)."""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>) -> tensor<4x1xf32> {
    %z = graph.reduce_sum %a {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
    %z_1 = graph.exp %z : tensor<4x1xf32>
    func.return %z_1 : tensor<4x1xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), ROW10, expected, positive=True)
    assert statistics == {"reduce-prod-of-exp": 1}


def test_reduce_prod_of_exp_not_when_the_exp_stays() -> None:
    """Exp(A) is also returned: the rewrite would add m FLOPs."""
    check_unchanged(GraphAlgebraicSimplifyPass(), also_returning(ROW10, "e"))


def test_table4_reduce_of_scaled() -> None:
    """Table 4's ReduceSum(BitShift(A)) = BitShift(ReduceSum(A)), a shift being a scale: Σ(a·2) = 2·Σa; mean(−a) = −mean(a)."""
    source = """
func.func @main(%a: tensor<4x8xf32>) -> (tensor<4x1xf32>, tensor<8xf32>) {
  %half = graph.constant 2.0 : tensor<f32>
  %s = graph.mul %a, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %z = graph.reduce_sum %s {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %n = graph.neg %a : tensor<4x8xf32>
  %y = graph.reduce_mean %n {axes = array<i64: 0>, keepdims = false} : (tensor<4x8xf32>) -> tensor<8xf32>
  func.return %z, %y : tensor<4x1xf32>, tensor<8xf32>
}
"""
    expected = """
builtin.module {
  func.func @main(%a: tensor<4x8xf32>) -> (tensor<4x1xf32>, tensor<8xf32>) {
    %half = graph.constant 2.0 : tensor<f32>
    %z = graph.reduce_sum %a {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
    %z_1 = graph.mul %half, %z : (tensor<f32>, tensor<4x1xf32>) -> tensor<4x1xf32>
    %y = graph.reduce_mean %a {axes = array<i64: 0>, keepdims = false} : (tensor<4x8xf32>) -> tensor<8xf32>
    %y_1 = graph.neg %y : tensor<8xf32>
    func.return %z_1, %y_1 : tensor<4x1xf32>, tensor<8xf32>
  }
}
"""
    statistics = check_rewrite(GraphAlgebraicSimplifyPass(), source, expected, positive=True)
    assert statistics == {"reduce-of-scaled": 2}


def test_reduce_of_scaled_never_moves_a_scale_that_shrinks() -> None:
    """Σ(a·1e-10) = 1e-10·Σa would overflow for a ≈ 1e30 where the original does not: scales below 1 in
    magnitude, and scales unknown at compile time, stay inside the sum."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %v: tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>) {
  %tiny = graph.constant 1.0e-10 : tensor<f32>
  %half = graph.constant -0.5 : tensor<f32>
  %s = graph.mul %a, %tiny : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %z = graph.reduce_sum %s {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %t = graph.mul %half, %a : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = graph.reduce_mean %t {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %r = graph.mul %a, %v : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %x = graph.reduce_sum %r {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  func.return %z, %y, %x : tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)


def test_factor_common_term_never_moves_a_constant_that_shrinks() -> None:
    """0.5·b + 0.5·c = 0.5·(b + c) overflows for b = c = 3e38; 2·b + 2·c = 2·(b + c) cannot overflow first."""
    source = """
func.func @main(%b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> (tensor<4x8xf32>) {
  %half = graph.constant 0.5 : tensor<f32>
  %x = graph.mul %half, %b : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = graph.mul %half, %c : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = graph.add %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  func.return %z : tensor<4x8xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)
    doubled = source.replace("0.5", "2.0")
    expected = """
builtin.module {
  func.func @main(%b: tensor<4x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %half = graph.constant 2.0 : tensor<f32>
    %z = graph.add %b, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %z_1 = graph.mul %half, %z : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    func.return %z_1 : tensor<4x8xf32>
  }
}
"""
    assert check_rewrite(GraphAlgebraicSimplifyPass(), doubled, expected) == {"factor-common-term": 1}


def test_reduce_of_scaled_respects_axes() -> None:
    """A scale varying along the summed axis stays inside; without keepdims a [4,1] or [1,1] scale would no longer align (the [1,1] one would broadcast the result to [1,4])."""
    source = """
func.func @main(%a: tensor<4x8xf32>, %w: tensor<1x8xf32>, %v: tensor<4x1xf32>, %u: tensor<1x1xf32>) -> (tensor<4x1xf32>, tensor<4xf32>, tensor<4xf32>) {
  %s = graph.mul %a, %w : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %z = graph.reduce_sum %s {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %t = graph.mul %a, %v : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %y = graph.reduce_sum %t {axes = array<i64: 1>, keepdims = false} : (tensor<4x8xf32>) -> tensor<4xf32>
  %r = graph.mul %a, %u : (tensor<4x8xf32>, tensor<1x1xf32>) -> tensor<4x8xf32>
  %x = graph.reduce_sum %r {axes = array<i64: 1>, keepdims = false} : (tensor<4x8xf32>) -> tensor<4xf32>
  func.return %z, %y, %x : tensor<4x1xf32>, tensor<4xf32>, tensor<4xf32>
}
"""
    check_unchanged(GraphAlgebraicSimplifyPass(), source)
