"""Tests: multiple comparisons, the paired comparison with its equivalence test, and its verdicts."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

from .._checks import VaxisInputError, check_array
from .estimate import Seed
from .resampling import bootstrap_mean


def benjamini_hochberg(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order of ``pvalues``.

    NaN handling (decided once, here): a NaN p-value is a test that was not run (e.g. a method
    compared with itself). It stays NaN and does not count in the number of tests ``m``.
    Tied p-values get the same q whatever their order.
    """
    p = np.asarray(pvalues, dtype=float)
    q = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty(m)
    out[order] = adj
    q[ok] = out
    return q


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (family-wise error control), in the order of ``pvalues``."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p, kind="stable")
    m = p.size
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def paired_comparison(treatment: np.ndarray, baseline: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                      seed: Seed = 0, margin: float | None = None) -> dict[str, float]:
    """Paired test of ``treatment`` against ``baseline`` over the same units.

    Returns the mean difference with a bootstrap interval over units, the Wilcoxon signed-rank
    p-value (two-sided; zero differences dropped, Pratt would keep them), and a standardised effect
    size (mean difference / SD of differences, i.e. Cohen's d_z). With an equivalence ``margin``
    (fixed in advance), also ``p_tost`` (:func:`tost_pvalue`). The units must be independent (e.g.
    held-out subjects, not folds x seeds that share subjects).
    """
    from scipy.stats import wilcoxon

    t = check_array("treatment", treatment, ndim=1)
    b = check_array("baseline", baseline, shape=(t.shape[0],))
    d = t - b
    if d.size < 2:
        raise VaxisInputError(f"A paired comparison needs at least 2 paired units, got {d.size}.")
    est = bootstrap_mean(d, n_boot=n_boot, level=level, seed=seed)
    p = float(wilcoxon(d).pvalue) if np.any(d != 0) else 1.0
    sd = float(d.std(ddof=1))
    out = {"mean_diff": est.value, "ci_low": est.low, "ci_high": est.high, "p_wilcoxon": p,
           "d_z": est.value / sd if sd > 0 else 0.0, "n_units": int(d.size)}
    if margin is not None:
        out["p_tost"] = tost_pvalue(d, margin)
    return out


def tost_pvalue(differences: np.ndarray, margin: float) -> float:
    """Equivalence test (two one-sided paired t-tests, TOST) of paired ``differences`` within ``+-margin``.

    H0: the mean difference is <= -margin or >= +margin; a small p-value says it lies inside
    ``(-margin, margin)``. Returns ``max(p_lower, p_upper)`` of the two one-sided t-tests (df = n - 1).
    With zero variance the answer is exact: 0 inside the margin, 1 outside. ``margin`` is in the
    units of the differences and must be fixed before the data are seen.
    """
    d = check_array("differences", differences, ndim=1)
    if d.size < 2:
        raise VaxisInputError(f"An equivalence test needs at least 2 paired units, got {d.size}.")
    if not margin > 0:
        raise VaxisInputError(f"margin={margin!r} must be > 0.")
    m, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        return 0.0 if abs(m) < margin else 1.0
    se, df = sd / math.sqrt(d.size), d.size - 1
    p_lower = float(_st.t.sf((m + margin) / se, df))  # H0: mean <= -margin
    p_upper = float(_st.t.cdf((m - margin) / se, df))  # H0: mean >= +margin
    return max(p_lower, p_upper)


#: Equivalence margin of the book's paired comparisons of decoders (chapters 5-7), in balanced
#: accuracy (absolute): fixed in advance (book/saturation_predictions.md), never after seeing data.
EQUIVALENCE_MARGIN = 0.02


#: The four verdicts of a paired comparison with an equivalence margin, in display order.
VERDICTS: tuple[str, ...] = ("helped", "equivalent", "undecided", "hurt")


def equivalence_verdicts(mean_diff: np.ndarray, q_difference: np.ndarray, q_equivalence: np.ndarray,
                         alpha: float = 0.05, margin: float | None = None) -> np.ndarray:
    """helped / hurt / equivalent / undecided for each comparison (arrays of equal length).

    - ``helped`` / ``hurt``: the difference test is significant (``q_difference < alpha``) and the
      mean difference is positive / negative (with ``margin``: also at least ``+margin`` / at most
      ``-margin``, so a verdict of help or hurt needs an effect beyond the margin);
    - ``equivalent``: otherwise, when the equivalence test (:func:`tost_pvalue`, margin fixed in
      advance) is significant (``q_equivalence < alpha``);
    - ``undecided``: neither (too little data to say "different" or "the same").
    NaN q-values (tests not run) count as not significant.
    """
    m, qd, qe = (np.asarray(a, dtype=float) for a in (mean_diff, q_difference, q_equivalence))
    if not (m.shape == qd.shape == qe.shape):
        raise VaxisInputError(f"mean_diff, q_difference and q_equivalence must have one shape; got {m.shape}, "
                              f"{qd.shape}, {qe.shape}.")
    diff, equiv = np.nan_to_num(qd, nan=1.0) < alpha, np.nan_to_num(qe, nan=1.0) < alpha
    if margin is not None:
        diff &= np.abs(m) >= margin
    return np.where(diff, np.where(m > 0, "helped", "hurt"), np.where(equiv, "equivalent", "undecided"))


__all__ = ['benjamini_hochberg', 'EQUIVALENCE_MARGIN', 'equivalence_verdicts', 'holm', 'paired_comparison', 'tost_pvalue', 'VERDICTS']
