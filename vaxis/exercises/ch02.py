"""Chapter 2's checkers: which models agree most, and an exact permutation p-value for one pair."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .. import stats
from ._core import NOT_DONE, Verdict, as_float, call, correct, missing, wrong

__all__ = ["check_agreement_extremes", "check_exact_pair_pvalue"]


def _pair(value: Any) -> frozenset[str] | None:
    try:
        a, b = value
    except (TypeError, ValueError):
        return None
    return frozenset((str(a), str(b)))


def check_agreement_extremes(fn: Callable[[pd.DataFrame], Any], matrix: pd.DataFrame) -> Verdict:
    """Check ``fn(matrix) -> ((a, b), (c, d))``: the pair of models that agree most and the pair that agree least.

    ``matrix``: models x models Spearman rho (symmetric, 1 on the diagonal), e.g. ``item_matrix``.
    """
    mine = call(fn, matrix.copy(), hint="mask the diagonal (a model with itself), then find the largest and the "
                "smallest entry and the two models of each.")
    if missing(mine):
        return NOT_DONE
    try:
        most, least = mine
    except (TypeError, ValueError):
        return wrong("return two pairs: ((model, model) that agree most, (model, model) that agree least).")
    most, least = _pair(most), _pair(least)
    if most is None or least is None:
        return wrong("each answer must be a pair of model names, e.g. ('smollm2-135m', 'minilm-l6').")
    m = matrix.to_numpy(dtype=float).copy()
    names = list(matrix.index)
    np.fill_diagonal(m, np.nan)
    hi = np.unravel_index(np.nanargmax(m), m.shape)
    lo = np.unravel_index(np.nanargmin(m), m.shape)
    ref_most = frozenset((names[hi[0]], names[hi[1]]))
    ref_least = frozenset((names[lo[0]], names[lo[1]]))
    if len(most) == 1:
        return wrong("a model agrees perfectly with itself: leave the diagonal out.")
    if most == ref_least and least == ref_most:
        return wrong("most and least are swapped.")
    if most != ref_most:
        return wrong(f"{sorted(most)} is not the pair with the largest rho; look again (off the diagonal).")
    if least != ref_least:
        return wrong(f"{sorted(least)} is not the pair with the smallest rho.")
    return correct(f"most {sorted(ref_most)} (rho {m[hi]:.3f}), least {sorted(ref_least)} (rho {m[lo]:.3f}).")


def exact_pair_pvalue(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Exact one-sided p of Spearman rho between two models' category positions (all K! orderings of b)."""
    cats = list(a)
    ra = rankdata([a[c] for c in cats])
    rb = rankdata([b[c] for c in cats])
    perms = stats.all_permutations(len(cats))
    null = stats.pearson_rows(np.broadcast_to(ra, perms.shape), rb[perms])
    return stats.share_at_least(null, float(stats.pearson_rows(ra[None], rb[None])[0]))


def check_exact_pair_pvalue(fn: Callable[[Mapping[str, float], Mapping[str, float]], float],
                            a: Mapping[str, float], b: Mapping[str, float]) -> Verdict:
    """Check ``fn(a, b) -> p``: the exact permutation p-value of Spearman rho between two models.

    ``a``, ``b``: category -> position for two models (the same categories). The null holds rho
    under every ordering of ``b``'s ranks (K! of them, the observed one included), and p is the
    share of orderings whose rho is at least the observed one.
    """
    mine = call(fn, dict(a), dict(b), hint="rank both models' positions, correlate a's ranks with every "
                "permutation of b's (itertools.permutations or vaxis.stats.all_permutations), and count.")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your p")
    if mine is None:
        return NOT_DONE
    ref = exact_pair_pvalue(a, b)
    n = len(stats.all_permutations(len(a)))
    if abs(mine - ref) < 1e-9:
        return correct(f"exact p = {ref:.5f} over all {n} orderings.")
    if abs(mine - (ref * n + 1) / (n + 1)) < 1e-9:
        return wrong("the exact null already contains the observed ordering: p is the share of orderings with "
                     "rho >= observed, without the Monte Carlo +1.")
    if abs(mine - (1 - ref)) < 1.5 / n:
        return wrong("that is the other tail: count orderings with rho *at least* the observed one.")
    if abs(mine * n - round(mine * n)) > 1e-6:
        return wrong(f"an exact p is a multiple of 1/{n}; enumerate every ordering instead of sampling.")
    return wrong(f"got {mine:.5f}; compare with rho under every ordering of b's ranks (one-sided, >=).")
