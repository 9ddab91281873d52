"""Statistics shared by every chapter: rank correlations, bootstrap intervals, permutation nulls.

All resampling is vectorised over resamples and takes an explicit ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from ._checks import VaxisInputError, check_array


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval.

    Attributes
    ----------
    value : float
        The estimate on the full sample.
    low, high : float
        Percentile-bootstrap interval bounds at level ``level``.
    level : float
        Coverage of the interval, e.g. 0.95.
    n : int
        Number of independent units the estimate rests on.
    """

    value: float
    low: float
    high: float
    level: float = 0.95
    n: int = 0

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high, "level": self.level, "n": self.n}


def _rowwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of matching rows of ``a`` and ``b`` (both (B, n))."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    num = (a * b).sum(axis=-1)
    den = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of two 1-D arrays (average ranks for ties)."""
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, shape=(x.shape[0],))
    if x.shape[0] < 3:
        raise VaxisInputError(f"spearman needs at least 3 items, got {x.shape[0]}.")
    return float(_rowwise_pearson(_st.rankdata(x)[None], _st.rankdata(y)[None])[0])


def bootstrap_corr(
    x: np.ndarray,
    y: np.ndarray,
    method: str = "spearman",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Correlation of paired items with a percentile bootstrap interval over items.

    Parameters
    ----------
    x, y : array, shape (n_items,)
        Paired observations (e.g. axis positions and human valence ratings).
    method : {"spearman", "pearson"}
    n_boot : int
        Bootstrap resamples (items drawn with replacement).
    """
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, shape=(x.shape[0],))
    if method not in ("spearman", "pearson"):
        raise VaxisInputError(f"method={method!r} is not valid; use 'spearman' or 'pearson'.")
    n = x.shape[0]
    if n < 3:
        raise VaxisInputError(f"bootstrap_corr needs at least 3 items, got {n}.")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    xb, yb = x[idx], y[idx]
    if method == "spearman":
        xb, yb = _st.rankdata(xb, axis=1), _st.rankdata(yb, axis=1)
        point = spearman(x, y)
    else:
        point = float(_rowwise_pearson(x[None], y[None])[0])
    boots = _rowwise_pearson(xb, yb)
    lo, hi = np.nanpercentile(boots, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return Estimate(point, float(lo), float(hi), level, n)


def bootstrap_mean(values: np.ndarray, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> Estimate:
    """Mean of independent units (e.g. per-subject scores) with a percentile bootstrap interval."""
    v = check_array("values", values, ndim=1)
    if v.shape[0] < 2:
        raise VaxisInputError(f"bootstrap_mean needs at least 2 values, got {v.shape[0]}.")
    rng = np.random.default_rng(seed)
    boots = v[rng.integers(0, v.shape[0], size=(n_boot, v.shape[0]))].mean(axis=1)
    lo, hi = np.percentile(boots, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return Estimate(float(v.mean()), float(lo), float(hi), level, int(v.shape[0]))


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (Mann-Whitney form, ties = 1/2)."""
    s = check_array("scores", scores, ndim=1)
    lab = np.asarray(labels).astype(bool)
    if lab.shape != s.shape:
        raise VaxisInputError(f"labels must have shape {s.shape}, got {lab.shape}.")
    n_pos, n_neg = int(lab.sum()), int((~lab).sum())
    if n_pos == 0 or n_neg == 0:
        raise VaxisInputError("auc needs both positive and negative labels.")
    ranks = _st.rankdata(s)
    return float((ranks[lab].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def permutation_pvalue(observed: float, null: np.ndarray, alternative: str = "greater") -> float:
    """p-value of ``observed`` against null draws, counting the observed value itself.

    ``(1 + #{null >= observed}) / (1 + n_null)`` for ``alternative="greater"``; this never gives 0
    and is exact when the null holds all assignments or a uniform random sample of them.
    """
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if alternative == "greater":
        k = np.sum(null >= observed - 1e-12)
    elif alternative == "two-sided":
        k = np.sum(np.abs(null) >= abs(observed) - 1e-12)
    else:
        raise VaxisInputError(f"alternative={alternative!r} is not valid; use 'greater' or 'two-sided'.")
    return float((1 + k) / (1 + null.size))


def benjamini_hochberg(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), same order as ``pvalues``; NaN stays NaN."""
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


def paired_comparison(treatment: np.ndarray, baseline: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                      seed: int = 0) -> dict[str, float]:
    """Paired test of ``treatment`` against ``baseline`` over the same units (folds x seeds).

    Returns the mean difference with a bootstrap interval over units, the Wilcoxon signed-rank
    p-value (two-sided; zero differences dropped, Pratt would keep them), and a standardised effect
    size (mean difference / SD of differences, i.e. Cohen's d_z).
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
    return {"mean_diff": est.value, "ci_low": est.low, "ci_high": est.high, "p_wilcoxon": p,
            "d_z": est.value / sd if sd > 0 else 0.0, "n_units": int(d.size)}
