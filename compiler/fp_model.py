"""The floating-point contracts: `dlfc --fp-model=fast|strict`, the `fp-model` option of the passes that change numerics.

fast (the default): graph rewriting uses identities of real arithmetic
(DNNFusion's rules, batch-norm folding). Results may round differently, since
sums and products are regrouped, and every value is assumed finite and not NaN,
as with LLVM's fast-math flags reassoc, nnan and ninf (√x·√x becomes x, which
differs for x < 0, where the model computes NaN). A constant factor is never
moved out of a sum or a reduction unless its magnitude is at least 1
(`algebraic_rules.enlarges_nothing`): Σ(1e-10·x) stays as written, because
1e-10·Σx overflows where the model does not.

strict: only rewrites that give bitwise the same results for every input,
infinities and NaN included (`AlgebraicRule.exact`: identity elements other
than x + 0, double negation, a + (−b) = a − b); batch-norm folding is off.
Constant folding, shape clean-ups and fusion compute with the same kernels as
the model and stay on.
"""

from __future__ import annotations

FP_MODELS = ("fast", "strict")


def check_fp_model(fp_model: str) -> None:
    """Raise ValueError unless `fp_model` is one of `FP_MODELS`."""
    if fp_model not in FP_MODELS:
        raise ValueError(f'fp-model must be "fast" or "strict", got "{fp_model}"')
