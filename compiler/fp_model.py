"""The floating-point contracts: `dlfc --fp-model=fast|strict|aggressive`, the `fp-model` option of the passes that change numerics.

fast (the default): graph rewriting uses identities of real arithmetic
(DNNFusion's rules, batch-norm folding). Results may round differently, since
sums and products are regrouped, and every value is assumed finite and not NaN,
as with LLVM's fast-math flags reassoc, nnan and ninf (√x·√x becomes x, which
differs for x < 0, where the model computes NaN). It never introduces an
overflow: for inputs on which every intermediate of the model is finite, every
value the rewritten graph computes is bounded by one the model computes, so
the plan's results are finite too. The rules run in their overflow-safe forms
(`algebraic_rules.FAST_RULES`, "Overflow" in that module): a product chain is
regrouped only when one merge replaces all of it, a common factor moves out of
a sum only where the new sum is bounded, a constant factor moves out of a sum
or a reduction only if its magnitude is at least 1 (Σ(1e-10·x) stays as
written, because 1e-10·Σx overflows where the model does not). Batch-norm
folding moves a per-channel scale s into a conv's or dense's weights only where
|s| ≤ 1, and keeps a larger one as a multiply after it
(`graph_fold_batchnorm.overflow_safe_split`), so the partial sums are never
larger than the model's.

aggressive: every rule in every form, DNNFusion's full Table 4; it assumes no
value overflows, and can overflow where the model does not: x·y·x becomes
Square(x)·y (x = 1e20, y = 1e-20), a·c + a·b becomes a·(b + c) (b = c = 3e38),
(1/a)·(1/(a·b)) becomes (1/a)²·(1/b) (a = 1e-25, b = 1e25); batch-norm folding
moves every scale into the weights (partial sums 1e30 − 1e30 scaled by 1e10
before they cancel).

strict: only rewrites that give bitwise the same results for every input,
infinities and NaN included (`AlgebraicRule.exact`: identity elements other
than x + 0, double negation, a + (−b) = a − b); batch-norm folding is off.
Constant folding, shape clean-ups and fusion compute with the same kernels as
the model and stay on.
"""

from __future__ import annotations

FP_MODELS = ("fast", "strict", "aggressive")


def check_fp_model(fp_model: str) -> None:
    """Raise ValueError unless `fp_model` is one of `FP_MODELS`."""
    if fp_model not in FP_MODELS:
        raise ValueError(f'fp-model must be "fast", "strict" or "aggressive", got "{fp_model}"')
