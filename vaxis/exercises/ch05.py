"""Chapter 5's checkers: the worst family, Benjamini-Hochberg, the basin share of a random gradient."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .. import stats
from ._core import NOT_DONE, Verdict, as_array, as_float, call, correct, missing, wrong

__all__ = ["check_benjamini_hochberg", "check_random_share", "check_worst_family"]


def check_worst_family(fn: Callable[[pd.DataFrame], str], comparison: pd.DataFrame) -> Verdict:
    """Check ``fn(comparison) -> family``: the family of strategies with the lowest mean ``mean_diff``.

    ``comparison``: one row per strategy with ``family`` and ``mean_diff`` (accuracy change against
    the label-only baseline), as ``saturation.compare`` returns it.
    """
    mine = call(fn, comparison.copy(), hint="group the rows by 'family', average 'mean_diff' and take the "
                "family with the smallest mean (idxmin).")
    if missing(mine):
        return NOT_DONE
    means = comparison.groupby("family").mean_diff.mean()
    ref = str(means.idxmin())
    if str(mine) == ref:
        return correct(f"{ref}: mean change {means[ref]:+.4f} over its {int((comparison.family == ref).sum())} "
                       "strategies (few units each: read the intervals before the ranking).")
    if str(mine) == str(means.idxmax()):
        return wrong("that family fares *best*; the question asks for the lowest mean change.")
    if str(mine) == str(comparison.loc[comparison.mean_diff.idxmin(), "family"]):
        return wrong("that family holds the single worst strategy; average over each family's strategies.")
    if str(mine) not in means.index:
        return wrong(f"{mine!r} is not a family; the families are {sorted(means.index)}.")
    return wrong(f"{mine} is not the family with the lowest mean mean_diff.")


def check_benjamini_hochberg(fn: Callable[[np.ndarray], np.ndarray], pvalues: np.ndarray) -> Verdict:
    """Check ``fn(p) -> q``: Benjamini-Hochberg adjusted p-values in the order of ``p``.

    Tried on ``pvalues`` (e.g. the sweep's Wilcoxon p-values) and on a case of the checker's own with
    ties and a NaN (a test not run: it stays NaN and does not count in the number of tests).
    """
    p = np.asarray(pvalues, dtype=float)
    mine = call(fn, p.copy(), hint="sort the m p-values, q_(i) = p_(i) m / i, then a running minimum from the "
                "largest down, clipped at 1, back in the original order.")
    if missing(mine):
        return NOT_DONE
    mine = as_array(mine, p.shape, "Your q-values")
    if mine is None:
        return NOT_DONE
    for case, got in ((p, mine), (np.array([0.01, np.nan, 0.04, 0.03, 0.04, 0.5]), None)):
        if got is None:
            got = as_array(fn(case.copy()), case.shape, "Your q-values (the checker's case with a NaN)")
            if got is None:
                return NOT_DONE
        ref = stats.benjamini_hochberg(case)
        ok = np.isfinite(case)
        if not np.array_equal(np.isnan(got), ~ok):
            return wrong("a NaN p-value is a test that was not run: its q stays NaN, and the others are finite "
                         f"(p = {np.round(case, 3).tolist()}).")
        if np.allclose(got[ok], ref[ok], atol=1e-12):
            continue
        m = int(ok.sum())
        if np.allclose(got[ok], np.minimum(case[ok] * m, 1), atol=1e-12):
            return wrong("that is Bonferroni (p m); Benjamini-Hochberg multiplies the i-th smallest p by m / i.")
        if np.allclose(got[ok], np.minimum(case[ok] * case.size / (np.argsort(np.argsort(case[ok])) + 1), 1)):
            return wrong("count only the tests that were run: m excludes NaN p-values.")
        if np.any(np.diff(got[ok][np.argsort(case[ok], kind="stable")]) < -1e-12):
            return wrong("q must not decrease as p grows: take the running minimum from the largest p down.")
        return wrong(f"for p = {np.round(case, 3).tolist()} expected q = {np.round(ref, 3).tolist()}, "
                     f"got {np.round(got, 3).tolist()}.")
    return correct(f"your q-values equal vaxis.stats.benjamini_hochberg ({int(np.sum(mine < 0.05))} of "
                   f"{int(np.isfinite(p).sum())} tests at q < 0.05).")


def check_random_share(fn: Callable[..., float], z: np.ndarray, y: np.ndarray, n_draws: int = 20) -> Verdict:
    """Check ``fn(z, y, n_draws) -> share``: the mean basin share of isotropic random gradients on ``z``.

    ``z`` (B, D) representations, ``y`` (B,) labels. An isotropic gradient puts, on average, the
    fraction ``r / D`` of its squared norm into an ``r``-dimensional basin; the answer must be
    within sampling error of that.
    """
    mine = call(fn, z, y, n_draws, hint="draw Gaussian gradients of z's shape (torch.randn or "
                "np.random.default_rng().standard_normal), pass each to saturation.basin_share(z, y, g), average.")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your share")
    if mine is None:
        return NOT_DONE
    z = np.asarray(z, float)
    _, Q = stats.basin_basis(z, np.asarray(y))
    r, (B, D) = Q.shape[1], z.shape
    expect = r / D
    # a share of B*D Gaussian coordinates is Beta(B r / 2, B (D - r) / 2); its SD, then over n_draws
    a, b = B * r / 2, B * (D - r) / 2
    sd = np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)) / n_draws)
    if abs(mine - expect) <= 5 * sd + 1e-9:
        return correct(f"{mine:.4f}, close to r / D = {r} / {D} = {expect:.4f}: chance puts that share in the basin; "
                       "a loss well above it aims at the class means.")
    if mine > 0.5 and expect < 0.5:
        return wrong(f"{mine:.3f} is far above r / D = {expect:.3f}: are your gradients centred (mean 0)? Uniform "
                     "[0, 1) draws share a common direction; use Gaussian draws.")
    return wrong(f"{mine:.4f} is not within sampling error of r / D = {expect:.4f}; average basin_share over "
                 "isotropic Gaussian gradients of z's shape.")
