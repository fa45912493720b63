"""DNNFusion's mathematical-property rules (PLDI'21, §4.2, Table 4) as rewrite patterns.

A rule proposes replacements for the value of one op: other expressions equal
to it in real arithmetic. Rules match modulo commutativity (operands in either
order, a product chain as a multiset of factors), which is Table 4's
"commutative" row: it enables the other rules rather than saving anything.
Because every graph op broadcasts like numpy and is elementwise, an identity of
scalars holds for tensors exactly when the replacement has the type of the
original; a replacement whose shapes do not broadcast, or whose type differs,
is never applied. Rules over reductions check their axes explicitly.

Benefit. Each candidate is priced by what it removes minus what it adds:
`Cost(flops, reads)`, where the removed ops are the matched op and every op
that only it used (transitively), `flops` sums `op.flops()` and `reads` sums
the elements of every operand read (DNNFusion's "A loaded once"). A rewrite is
applied only when its benefit is positive in that lexicographic order (fewer
FLOPs, or as many FLOPs and fewer reads). The module's total cost therefore
strictly decreases with every rewrite, so rewriting always terminates.

Table 4 row -> rule:
  Recip(A)⊙Recip(A⊙B)            -> Square(Recip(A))⊙Recip(B)   reciprocal-shared-factor
  (A⊙√B)⊙(√B⊙C)                  -> A⊙B⊙C                       sqrt-pair
  Abs(A)⊙B⊙Abs(C)                -> Abs(A⊙C)⊙B                  abs-pair
  (A⊙ReduceSum(B))⊙(ReduceSum(B)⊙C) -> A⊙Square(ReduceSum(B))⊙C  repeated-factor (after cse)
  A⊙C+A⊙B                        -> A⊙(B+C)                     factor-common-term
  A+A⊙B                          -> A⊙(B+1)                     factor-common-term
  Square(A+B)−(A+B)⊙C            -> (A+B)⊙(A+B−C)               factor-common-term
                                                                 (Square(x) also written x^2: strength-reduction)
  A⊙B                            -> B⊙A                         (matching modulo commutativity)
  ReduceSum(BitShift(A))         -> BitShift(ReduceSum(A))      reduce-of-scaled (a shift is a scale)
  ReduceProd(Exp(A))             -> Exp(ReduceSum(A))           reduce-prod-of-exp
The other rules are the usual algebraic identities. Rules assume finite values
(x/x-style cancellations are not made) and non-negative arguments of √.

Overflow. Regrouping a product or factoring a sum can compute a value larger
than any the original computes: x·y·x = Square(x)·y overflows for x = 1e20,
y = 1e-20, and a·c + a·b = a·(b + c) for a = 1e-10, b = c = 3e38, though every
intermediate of the original is finite. `AlgebraicRule.overflow_safe` is each
rule restricted to the forms whose every new intermediate is bounded by a value
the original computes (or by √ of one, or by 1); `--fp-model=fast` runs those
(`FAST_RULES`), `--fp-model=aggressive` every form (`RULES`, DNNFusion's full
Table 4, which assumes nothing overflows). The bounds, rule by rule:
- a product chain is rewritten only when the rule replaces all of it (no other
  factor is regrouped around the merge), or all but one factor r when the merge
  is a value of the original (r·√b·√b = r·b): f(x)·f(y) for √, |·|, −, 1/ and
  a·(1/b) make one value of the original's magnitude; x·x·…·x (one value)
  becomes powers x^m with m ≤ n, each between 1 and x^n in magnitude;
  exp(a)·exp(b)·… = exp(a + b + …) holds any number of factors, since no
  term exceeds ln(max); (1/a)²·(1/b) (reciprocal-shared-factor) and the
  regrouping of reassociate-product have no such form;
- x·p ± x·q = x·(p ± q) when x is a constant with |x| ≥ 1 and p, q have at most
  two factors (each new value is the original's divided by |x|), or when each of
  p, q is 1, x or one value of the original (|x| ≤ √max since x·x is finite, and
  a sum of two such terms stays finite; two arbitrary values b + c do not);
- Σ(s·a·b) = s·Σ(a·b) for one constant |s| ≥ 1 and at most two other factors.
"""

from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.traits import Commutative
from xdsl.transforms.dead_code_elimination import would_be_trivially_dead

from dlfc.compiler.statistics import add_statistic
from dlfc.compiler.utils.graph_constants import element_type
from dlfc.compiler.utils.locations import located
from dlfc.dialects import graph
from dlfc.dialects.graph import ShapeError, num_elements, shape_of

# --------------------------------------------------------------------------- cost and benefit


class Cost(NamedTuple):
    """What some ops cost: FLOPs, then elements read. Compared lexicographically."""

    flops: int
    reads: int

    def __sub__(self, other: Cost) -> Cost:
        return Cost(self.flops - other.flops, self.reads - other.reads)


NO_BENEFIT = Cost(0, 0)


def cost(ops: Sequence[Operation]) -> Cost:
    """FLOPs (`op.flops()`) and elements read by `ops`."""
    flops = sum(op.flops() for op in ops if isinstance(op, graph.GraphOp))
    reads = sum(num_elements(v.type) for op in ops for v in op.operands)
    return Cost(flops, reads)


def dying_ops(root: Operation, survivor: SSAValue) -> list[Operation]:
    """`root` and every side-effect-free op only it uses, transitively, users first.

    `survivor` replaces `root`'s result, so its producer stays.
    """
    dying, dead = [root], {root}
    for op in dying:  # grows while iterating
        for value in op.operands:
            producer = value.owner
            if (
                isinstance(producer, Operation)
                and producer not in dead
                and producer is not survivor.owner
                and would_be_trivially_dead(producer)
                and all(use.operation in dead for result in producer.results for use in result.uses)
            ):
                dead.add(producer)
                dying.append(producer)
    return dying


# --------------------------------------------------------------------------- building replacements


@dataclass
class Work:
    """What rewriting cost, in steps that do not depend on the machine: the unit of the driver's budget.

    `candidates` counts replacements priced, `ops_built` the ops built to price
    or apply them (each costs a shape inference), `rewrites` the rewrites applied.
    """

    candidates: int = 0
    ops_built: int = 0
    rewrites: int = 0


class Emitter:
    """Collects the ops a replacement is built from, in order; `e(op)` is op's result."""

    def __init__(self, work: Work | None = None) -> None:
        self.ops: list[Operation] = []
        self.work = work

    def __call__(self, op: Operation) -> SSAValue:
        self.ops.append(op)
        if self.work is not None:
            self.work.ops_built += 1
        return op.results[0]

    def number(self, value: float, like: SSAValue) -> SSAValue:
        """The scalar `value` in the element type of `like`."""
        return self(graph.ConstantOp(value, element_type(like)))

    def product(self, factors: Sequence[SSAValue]) -> SSAValue:
        """The product of `factors`, smallest first: broadcast factors are combined before big ones."""
        ordered = sorted(factors, key=lambda v: num_elements(v.type))
        result = ordered[0]
        for factor in ordered[1:]:
            result = self(graph.MulOp(result, factor))
        return result

    def total(self, terms: Sequence[SSAValue]) -> SSAValue:
        """The sum of `terms`, smallest first, as `product` orders factors."""
        ordered = sorted(terms, key=lambda v: num_elements(v.type))
        result = ordered[0]
        for term in ordered[1:]:
            result = self(graph.AddOp(result, term))
        return result

    def discard(self) -> None:
        """Drop the ops built (never inserted), so their operands lose these uses."""
        for op in reversed(self.ops):
            op.erase()


Build = Callable[[Emitter], SSAValue]
"""Builds a replacement value with an emitter (raises ShapeError if shapes forbid it)."""


def benefit_of(root: Operation, build: Build, work: Work | None = None) -> Cost | None:
    """What replacing `root`'s result by `build`'s saves; None when shapes or types forbid it."""
    if work is not None:
        work.candidates += 1
    emitter = Emitter(work)
    try:
        value = build(emitter)
        if value.type != root.results[0].type:
            return None
        return cost(dying_ops(root, value)) - cost(emitter.ops)
    except ShapeError:
        return None
    finally:
        emitter.discard()


@dataclass(frozen=True)
class Proposal:
    """The best candidate of a rule at an op, with what it saves."""

    rule: AlgebraicRule
    root: Operation
    build: Build
    benefit: Cost

    def apply(self, rewriter: PatternRewriter, work: Work | None = None) -> tuple[list[Operation], list[Operation]]:
        """Rewrite the IR; returns the ops inserted and the ops erased."""
        if work is not None:
            work.rewrites += 1
        emitter = Emitter(work)
        value = self.build(emitter)
        dying = dying_ops(self.root, value)
        rewriter.replace(self.root, located(emitter.ops, dying), [value])
        for op in dying[1:]:
            rewriter.erase(op)
        add_statistic(self.rule.name)
        return emitter.ops, dying


class AlgebraicRule(RewritePattern, ABC):
    """A rule: candidate replacements of an op's value, applied when one saves FLOPs or reads.

    `exact` rules give bitwise the same results for every input, infinities and
    NaN included (up to the sign of zero and NaN payloads); only they run under
    `--fp-model=strict`. A rule with `no_new_overflow` set (`overflow_safe`)
    proposes only the forms that overflow nowhere the original does not
    (module docstring, "Overflow"); those run under `--fp-model=fast`.
    """

    name: ClassVar[str]
    exact: ClassVar[bool] = False
    no_new_overflow: bool = False

    def overflow_safe(self) -> AlgebraicRule | None:
        """This rule restricted to the forms that introduce no overflow, or None if it has none."""
        safe = copy.copy(self)
        safe.no_new_overflow = True
        return safe

    @abstractmethod
    def candidates(self, op: Operation) -> Iterator[Build]:
        """Replacements of `op`'s value that equal it wherever their shapes allow them."""

    def propose(self, op: Operation, work: Work | None = None) -> Proposal | None:
        """The candidate with the largest positive benefit, if any."""
        best: Proposal | None = None
        for build in self.candidates(op):
            benefit = benefit_of(op, build, work)
            if benefit is not None and benefit > NO_BENEFIT and (best is None or benefit > best.benefit):
                best = Proposal(self, op, build, benefit)
        return best

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if (proposal := self.propose(op)) is not None:
            proposal.apply(rewriter)


# --------------------------------------------------------------------------- matching helpers


def is_number(value: SSAValue, number: float) -> bool:
    """True if `value` is the scalar constant `number`."""
    return isinstance(value.owner, graph.ConstantOp) and value.owner.number == number


def enlarges_nothing(factor: SSAValue) -> bool:
    """True if `factor` is a finite scalar constant of magnitude ≥ 1: moving it out of a sum shrinks the terms.

    A rewrite that moves a factor out of a sum (Σ(s·a) = s·Σa, x·p + x·q = x·(p + q))
    sums the terms divided by it; by a factor below 1 in magnitude (or unknown
    at compile time) the new sum can overflow where the original did not.
    """
    owner = factor.owner
    return isinstance(owner, graph.ConstantOp) and math.isfinite(owner.number) and abs(owner.number) >= 1


def operand_orders(op: graph.BinaryOp) -> tuple[tuple[SSAValue, SSAValue], ...]:
    """(lhs, rhs), and (rhs, lhs) too when the op declares xDSL's `Commutative` trait."""
    if op.has_trait(Commutative):
        return ((op.lhs, op.rhs), (op.rhs, op.lhs))
    return ((op.lhs, op.rhs),)


def identities(op: graph.BinaryOp) -> graph.Identities:
    """The op's neutral elements, as it declares them (the verifier refuses a binary op without them)."""
    facts = op.get_trait(graph.Identities)
    if facts is None:
        raise TypeError(f"{op.name} declares no graph.Identities trait")
    return facts


def expand_product(value: SSAValue) -> list[SSAValue]:
    """The factors of `value` through products used only once: a·(b·c) -> [a, b, c].

    Iterative, so a chain of any length is expanded in linear time and stack.
    """
    result: list[SSAValue] = []
    pending = [value]
    while pending:
        current = pending.pop()
        op = current.owner
        if isinstance(op, graph.MulOp) and current.has_one_use():
            pending += (op.rhs, op.lhs)  # lhs is expanded first
        else:
            result.append(current)
    return result


def is_inner_product(op: graph.MulOp) -> bool:
    """True if `op`'s only user is a product: `op` is inside a longer chain."""
    use = op.output.first_use
    return op.output.has_one_use() and use is not None and isinstance(use.operation, graph.MulOp)


def factors(value: SSAValue) -> list[SSAValue]:
    """The factors of `value`: of its product chain, [s, s] for Square(s), else [value]."""
    op = value.owner
    if isinstance(op, graph.MulOp):
        return expand_product(op.lhs) + expand_product(op.rhs)
    if isinstance(op, graph.SquareOp):
        return [op.input, op.input]
    return [value]


def without(values: Sequence[SSAValue], *drop: int) -> list[SSAValue]:
    return [v for i, v in enumerate(values) if i not in drop]


def remove_one(values: Sequence[SSAValue], value: SSAValue) -> list[SSAValue]:
    """`values` without the first occurrence of `value`."""
    index = next(i for i, v in enumerate(values) if v is value)
    return without(values, index)


def unary_operand(value: SSAValue, op_type: type[graph.UnaryOp]) -> SSAValue | None:
    """x if `value` is op_type(x)."""
    op = value.owner
    return op.input if isinstance(op, op_type) else None


# --------------------------------------------------------------------------- identities


class IdentityElement(AlgebraicRule):
    """x op n = x and n op x = x for the op's neutral elements (`graph.Identities`): x·1, 1·x, x/1, x+0, 0+x, x−0.

    Applies when the constant does not broadcast x. `exact_only` keeps the
    identities the op declares bitwise exact (all but x + 0, which maps −0 to +0).
    """

    name = "identity-element"

    def __init__(self, exact_only: bool = False) -> None:
        self.exact_only = exact_only

    @property
    def exact(self) -> bool:  # type: ignore[override]
        return self.exact_only

    def candidates(self, op: Operation) -> Iterator[Build]:
        if not isinstance(op, graph.BinaryOp):
            return
        facts = identities(op)
        if self.exact_only and not facts.exact:
            return
        if facts.right is not None and is_number(op.rhs, facts.right):
            yield lambda e: op.lhs
        if facts.left is not None and is_number(op.lhs, facts.left):
            yield lambda e: op.rhs


class Involution(AlgebraicRule):
    """f(f(x)) = x, for an op that declares `graph.Involution` (exact if the trait says so)."""

    OP: ClassVar[type[graph.UnaryOp]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if (facts := cls.OP.get_trait(graph.Involution)) is None:
            raise TypeError(f"{cls.__name__}: {cls.OP.name} declares no graph.Involution trait")
        cls.exact = facts.exact

    def candidates(self, op: Operation) -> Iterator[Build]:
        if isinstance(op, self.OP) and (x := unary_operand(op.input, self.OP)) is not None:
            yield lambda e: x


class DoubleNegation(Involution):
    """−(−x) = x."""

    name = "double-negation"
    OP = graph.NegOp


class DoubleReciprocal(Involution):
    """1/(1/x) = x."""

    name = "double-reciprocal"
    OP = graph.ReciprocalOp


class AbsorbNegation(AlgebraicRule):
    """a + (−b) = a − b and a − (−b) = a + b."""

    name = "absorb-negation"
    exact = True

    def candidates(self, op: Operation) -> Iterator[Build]:
        if isinstance(op, graph.AddOp | graph.SubOp):
            opposite = graph.SubOp if isinstance(op, graph.AddOp) else graph.AddOp
            for a, negated in operand_orders(op):
                if (b := unary_operand(negated, graph.NegOp)) is not None:
                    yield lambda e, a=a, b=b: e(opposite(a, b))


class StrengthReduction(AlgebraicRule):
    """x^1 = x, x^2 = Square(x), x^0.5 = √x, x^−1 = 1/x: a power by a constant is a cheaper op."""

    name = "strength-reduction"
    POWERS: ClassVar[dict[float, Callable[[Emitter, SSAValue], SSAValue]]] = {
        1.0: lambda e, x: x,
        2.0: lambda e, x: e(graph.SquareOp(x)),
        0.5: lambda e, x: e(graph.SqrtOp(x)),
        -1.0: lambda e, x: e(graph.ReciprocalOp(x)),
    }

    def candidates(self, op: Operation) -> Iterator[Build]:
        if isinstance(op, graph.PowOp) and isinstance(exponent := op.rhs.owner, graph.ConstantOp):
            if (power := self.POWERS.get(exponent.number)) is not None:
                yield lambda e: power(e, op.lhs)


# --------------------------------------------------------------------------- products (associative, commutative)


FactorBuild = Callable[[Emitter], list[SSAValue]]
"""Builds the factors that replace a pair of factors."""


Merge = tuple[tuple[int, ...], FactorBuild]
"""The positions of the chain's factors a rule replaces, and what replaces them."""


class ProductRule(AlgebraicRule):
    """A rule on a product chain x1·x2·…·xk, its inner products used only by the chain.

    It fires at the outermost product; the chain is rebuilt smallest factors first.
    Its candidates are the merges of some of the chain's factors (`merges`): by
    default one per pair of factors that `combine` accepts, where a pair of the
    same two values is priced once, and at most `MAX_PAIRS` pairs per chain (the
    first in chain order). Pricing a candidate builds the rebuilt chain (k ops),
    so this keeps a proposal at O(k) builds rather than k·(k−1) of them: a
    product of 150 copies of x has one candidate, not 22,350.
    """

    MAX_PAIRS: ClassVar[int] = 8
    MERGES_TO_AN_OPERAND: ClassVar[bool] = False
    """Whether a merge makes one value the original computes (√b·√b = b): then r·merge is the original's product."""

    def candidates(self, op: Operation) -> Iterator[Build]:
        if not isinstance(op, graph.MulOp) or is_inner_product(op):
            return
        chain = factors(op.output)
        for used, replace in self.merges(chain):
            rest = without(chain, *used)
            if rest and self.no_new_overflow and not (self.MERGES_TO_AN_OPERAND and len(rest) == 1):
                continue  # the rest would be regrouped around the merge
            yield lambda e, rest=rest, replace=replace: e.product(rest + replace(e))

    def merges(self, chain: Sequence[SSAValue]) -> Iterator[Merge]:
        """Pairs (i, j) of factors `combine` accepts, each pair of values once, at most `MAX_PAIRS`."""
        seen: set[tuple[SSAValue, SSAValue]] = set()
        lefts = [i for i, a in enumerate(chain) if self.may_combine(a, left=True)]
        rights = [j for j, b in enumerate(chain) if self.may_combine(b, left=False)]
        for i in lefts:
            for j in rights:
                pair = (chain[i], chain[j])
                if i == j or pair in seen or (replace := self.combine(*pair)) is None:
                    continue
                seen.add(pair)
                yield (i, j), replace
                if len(seen) == self.MAX_PAIRS:
                    return

    def may_combine(self, factor: SSAValue, left: bool) -> bool:
        """A cheap filter: False if `factor` is never the left (right) factor `combine` accepts."""
        return True

    @abstractmethod
    def combine(self, a: SSAValue, b: SSAValue) -> FactorBuild | None:
        """The factors replacing a·b, if this rule applies to the pair."""


def power(e: Emitter, x: SSAValue, n: int) -> list[SSAValue]:
    """Factors whose product is x^n (n ≥ 1), by repeated squaring: x^(2^i) for each set bit i of n."""
    result: list[SSAValue] = []
    while True:
        if n & 1:
            result.append(x)
        n >>= 1
        if not n:
            return result
        x = e(graph.SquareOp(x))


class RepeatedFactor(ProductRule):
    """x·x = Square(x); every repeated factor at once: x^n by repeated squaring (x^5 = Square(Square(x))·x)."""

    name = "repeated-factor"

    def merges(self, chain: Sequence[SSAValue]) -> Iterator[Merge]:
        counts: dict[SSAValue, int] = {}
        for factor in chain:
            counts[factor] = counts.get(factor, 0) + 1
        repeated = {x: n for x, n in counts.items() if n > 1}
        if self.no_new_overflow and len(counts) > 1:  # x·x·y = Square(x)·y: x² may overflow where x·y·x does not
            return
        if repeated:
            used = tuple(i for i, factor in enumerate(chain) if factor in repeated)
            yield used, lambda e: [f for x, n in repeated.items() for f in power(e, x, n)]

    def combine(self, a: SSAValue, b: SSAValue) -> FactorBuild | None:
        return (lambda e: [e(graph.SquareOp(a))]) if a is b else None


class UnaryPair(ProductRule):
    """f(x)·f(y), for one unary f, rewritten in terms of x and y; also every f(x) of the chain at once (`merge_all`)."""

    OP: ClassVar[type[graph.UnaryOp]]
    MERGE_ALL_IS_BOUNDED: ClassVar[bool] = False
    """Whether `merge_all` computes nothing larger than the original's values (it regroups the xs otherwise)."""

    def merges(self, chain: Sequence[SSAValue]) -> Iterator[Merge]:
        yield from super().merges(chain)
        used = tuple(i for i, a in enumerate(chain) if isinstance(a.owner, self.OP))
        xs = [unary_operand(chain[i], self.OP) for i in used]
        if self.no_new_overflow and not self.MERGE_ALL_IS_BOUNDED:
            return
        if len(xs) > 2 and (replace := self.merge_all(xs)) is not None:  # type: ignore[arg-type]
            yield used, replace

    def may_combine(self, factor: SSAValue, left: bool) -> bool:
        return isinstance(factor.owner, self.OP)

    def combine(self, a: SSAValue, b: SSAValue) -> FactorBuild | None:
        x, y = unary_operand(a, self.OP), unary_operand(b, self.OP)
        if x is None or y is None or not self.applies(x, y):
            return None
        return lambda e: self.merge(e, x, y)

    def applies(self, x: SSAValue, y: SSAValue) -> bool:
        return True

    @abstractmethod
    def merge(self, e: Emitter, x: SSAValue, y: SSAValue) -> list[SSAValue]:
        """The factors equal to f(x)·f(y)."""

    def merge_all(self, xs: Sequence[SSAValue]) -> FactorBuild | None:
        """The factors equal to the product of f(x) over `xs` (more than two), if one merge makes them."""
        return None


class SqrtPair(UnaryPair):
    """√b·√b = b (for b < 0 the product is NaN: `fast` assumes no NaN arises, as LLVM's nnan does)."""

    name = "sqrt-pair"
    OP = graph.SqrtOp
    MERGES_TO_AN_OPERAND = True

    def applies(self, x: SSAValue, y: SSAValue) -> bool:
        return x is y

    def merge(self, e: Emitter, x: SSAValue, y: SSAValue) -> list[SSAValue]:
        return [x]


class AbsPair(UnaryPair):
    """|a|·|c| = |a·c|."""

    name = "abs-pair"
    OP = graph.AbsOp

    def merge(self, e: Emitter, x: SSAValue, y: SSAValue) -> list[SSAValue]:
        return [e(graph.AbsOp(e(graph.MulOp(x, y))))]

    def merge_all(self, xs: Sequence[SSAValue]) -> FactorBuild | None:
        return lambda e: [e(graph.AbsOp(e.product(xs)))]


class ExpPair(UnaryPair):
    """exp(a)·exp(b) = exp(a + b)."""

    name = "exp-pair"
    OP = graph.ExpOp
    MERGE_ALL_IS_BOUNDED = True  # exp(Σx) with every x <= ln(max), as exp(x) is finite

    def merge(self, e: Emitter, x: SSAValue, y: SSAValue) -> list[SSAValue]:
        return [e(graph.ExpOp(e(graph.AddOp(x, y))))]

    def merge_all(self, xs: Sequence[SSAValue]) -> FactorBuild | None:
        return lambda e: [e(graph.ExpOp(e.total(xs)))]


class NegPair(UnaryPair):
    """(−a)·(−b) = a·b."""

    name = "neg-pair"
    OP = graph.NegOp

    def merge(self, e: Emitter, x: SSAValue, y: SSAValue) -> list[SSAValue]:
        return [x, y]


class ReciprocalPair(UnaryPair):
    """(1/a)·(1/b) = 1/(a·b)."""

    name = "reciprocal-pair"
    OP = graph.ReciprocalOp

    def merge(self, e: Emitter, x: SSAValue, y: SSAValue) -> list[SSAValue]:
        return [e(graph.ReciprocalOp(e(graph.MulOp(x, y))))]

    def merge_all(self, xs: Sequence[SSAValue]) -> FactorBuild | None:
        return lambda e: [e(graph.ReciprocalOp(e.product(xs)))]


class ReciprocalSharedFactor(ProductRule):
    """(1/a)·(1/(a·b)) = (1/a)²·(1/b): Table 4's first row, `a` read once."""

    name = "reciprocal-shared-factor"

    def overflow_safe(self) -> AlgebraicRule | None:
        return None  # (1/a)² overflows for a = 1e-25, b = 1e25, where 1/a · 1/(a·b) = 1e25

    def may_combine(self, factor: SSAValue, left: bool) -> bool:
        return isinstance(factor.owner, graph.ReciprocalOp)

    def combine(self, a: SSAValue, b: SSAValue) -> FactorBuild | None:
        x, y = unary_operand(a, graph.ReciprocalOp), unary_operand(b, graph.ReciprocalOp)
        if x is None or y is None or not isinstance(y.owner, graph.MulOp):
            return None
        for shared, other in operand_orders(y.owner):
            if shared is x:
                return lambda e, other=other: [e(graph.SquareOp(a)), e(graph.ReciprocalOp(other))]
        return None


class DivideByReciprocal(ProductRule):
    """a·(1/b) = a/b."""

    name = "divide-by-reciprocal"

    def may_combine(self, factor: SSAValue, left: bool) -> bool:
        return left or isinstance(factor.owner, graph.ReciprocalOp)

    def combine(self, a: SSAValue, b: SSAValue) -> FactorBuild | None:
        y = unary_operand(b, graph.ReciprocalOp)
        return (lambda e: [e(graph.DivOp(a, y))]) if y is not None else None


class ReassociateProduct(AlgebraicRule):
    """x1·x2·…·xk in any order and grouping: multiply the smallest (least broadcast) factors first."""

    name = "reassociate-product"

    def overflow_safe(self) -> AlgebraicRule | None:
        return None  # a new grouping computes partial products the original does not

    def candidates(self, op: Operation) -> Iterator[Build]:
        if isinstance(op, graph.MulOp) and not is_inner_product(op):
            chain = factors(op.output)
            yield lambda e: e.product(chain)


# --------------------------------------------------------------------------- sums (distributive)


class FactorCommonTerm(AlgebraicRule):
    """x·p ± x·q = x·(p ± q), where a term that is x alone has p = 1 and Square(x) is x·x.

    Table 4: A⊙C+A⊙B = A⊙(B+C), A+A⊙B = A⊙(B+1), Square(A+B)−(A+B)⊙C = (A+B)⊙(A+B−C).
    With `no_new_overflow`, only the bounded forms (`bounded`): A⊙C+A⊙B is not one,
    since B + C overflows for A = 1e-10, B = C = 3e38.
    """

    name = "factor-common-term"

    def candidates(self, op: Operation) -> Iterator[Build]:
        if not isinstance(op, graph.AddOp | graph.SubOp):
            return
        left, right = factors(op.lhs), factors(op.rhs)
        seen: list[SSAValue] = []
        for x in left:
            if any(x is s for s in seen) or not any(x is r for r in right):
                continue
            seen.append(x)
            p, q = remove_one(left, x), remove_one(right, x)
            if self.no_new_overflow and not self.bounded(x, p, q):
                continue
            if p or q:
                yield lambda e, x=x, p=p, q=q: e.product([x, e(type(op)(self._term(e, p, x), self._term(e, q, x)))])

    @staticmethod
    def bounded(x: SSAValue, p: Sequence[SSAValue], q: Sequence[SSAValue]) -> bool:
        """Whether p ± q (and each of p, q) is bounded by what x·p ± x·q computes.

        Either x is a constant with |x| ≥ 1 and p, q have at most two factors
        (each is an original value divided by |x|), or each of p, q is 1, x
        (|x| ≤ √max, as x·x is finite) or one value, and not both are values.
        """
        if enlarges_nothing(x):
            return len(p) <= 2 and len(q) <= 2

        def small(term: Sequence[SSAValue]) -> bool:
            return not term or (len(term) == 1 and term[0] is x)

        return (small(p) and len(q) <= 1) or (small(q) and len(p) <= 1)

    @staticmethod
    def _term(e: Emitter, factors: Sequence[SSAValue], like: SSAValue) -> SSAValue:
        return e.product(factors) if factors else e.number(1.0, like)


# --------------------------------------------------------------------------- reductions (commutation)


def reduce_like(op: graph.ReduceOp, input: SSAValue, op_type: type[graph.ReduceOp] | None = None) -> graph.ReduceOp:
    """A reduction with `op`'s axes and keepdims (of another kind if `op_type` is given)."""
    keepdims = bool(op.keepdims.value.data)
    return (op_type or type(op))(input, graph.ints(op.axes), keepdims)


class ReduceProdOfExp(AlgebraicRule):
    """∏ exp(a) = exp(Σ a)."""

    name = "reduce-prod-of-exp"

    def candidates(self, op: Operation) -> Iterator[Build]:
        if isinstance(op, graph.ReduceProdOp) and (a := unary_operand(op.input, graph.ExpOp)) is not None:
            yield lambda e: e(graph.ExpOp(e(reduce_like(op, a, graph.ReduceSumOp))))


class ReduceOfScaled(AlgebraicRule):
    """Σ(s·a) = s·Σa and Σ(−a) = −Σa, for scalar constants s (also for the mean).

    Table 4's ReduceSum(BitShift(A)) = BitShift(ReduceSum(A)): a shift is a scale.
    With `no_new_overflow`, one scale with |s| ≥ 1 (`enlarges_nothing`) and at
    most two other factors: Σa is |s| times smaller than Σ(s·a), so it stays
    finite where the original does; with s = 1e-10, Σa would overflow where
    Σ(s·a) did not.
    """

    name = "reduce-of-scaled"

    def candidates(self, op: Operation) -> Iterator[Build]:
        if not isinstance(op, graph.ReduceSumOp | graph.ReduceMeanOp):
            return
        if (a := unary_operand(op.input, graph.NegOp)) is not None:
            yield lambda e: e(graph.NegOp(e(reduce_like(op, a))))
        if isinstance(op.input.owner, graph.MulOp):
            chain = factors(op.input)
            movable = enlarges_nothing if self.no_new_overflow else lambda f: isinstance(f.owner, graph.ConstantOp)
            moved = [i for i, f in enumerate(chain) if movable(f) and self._constant_along_axes(f, op)]
            if self.no_new_overflow:
                moved = moved[:1]
            scales, rest = [chain[i] for i in moved], without(chain, *moved)
            if self.no_new_overflow and len(rest) > 2:
                return
            if scales and rest:
                yield lambda e: e.product(scales + [e(reduce_like(op, e.product(rest)))])

    @staticmethod
    def _constant_along_axes(factor: SSAValue, op: graph.ReduceOp) -> bool:
        shape, rank = shape_of(factor.type), len(shape_of(op.input.type))
        aligned = (1,) * (rank - len(shape)) + shape
        if not op.keepdims.value.data:
            return all(d == 1 for d in aligned)
        return all(aligned[axis] == 1 for axis in graph.ints(op.axes))


RULES: tuple[AlgebraicRule, ...] = (
    IdentityElement(),
    DoubleNegation(),
    DoubleReciprocal(),
    AbsorbNegation(),
    StrengthReduction(),
    RepeatedFactor(),
    SqrtPair(),
    AbsPair(),
    ExpPair(),
    NegPair(),
    ReciprocalPair(),
    ReciprocalSharedFactor(),
    DivideByReciprocal(),
    ReassociateProduct(),
    FactorCommonTerm(),
    ReduceProdOfExp(),
    ReduceOfScaled(),
)
"""Every rule, in the order xDSL's first-match driver tries them: `--fp-model=aggressive`."""

FAST_RULES: tuple[AlgebraicRule, ...] = tuple(safe for rule in RULES if (safe := rule.overflow_safe()) is not None)
"""The rules `--fp-model=fast` runs, in `RULES` order: each restricted to its forms that introduce no overflow."""

EXACT_RULES: tuple[AlgebraicRule, ...] = tuple(
    IdentityElement(exact_only=True) if isinstance(rule, IdentityElement) else rule
    for rule in RULES
    if rule.exact or isinstance(rule, IdentityElement)
)
"""The rules `--fp-model=strict` keeps, in `RULES` order: bitwise exact for every input."""

ALGEBRAIC_OPS: tuple[type[Operation], ...] = (
    graph.AddOp,
    graph.SubOp,
    graph.MulOp,
    graph.DivOp,
    graph.PowOp,
    graph.NegOp,
    graph.ReciprocalOp,
    graph.SqrtOp,
    graph.SquareOp,
    graph.ExpOp,
    graph.AbsOp,
    graph.ReduceSumOp,
    graph.ReduceMeanOp,
    graph.ReduceProdOp,
)
"""Ops with associative, commutative or distributive properties: the rules' vocabulary.

DNNFusion matches within sub-graphs of these ops, cut at every other op.
"""
