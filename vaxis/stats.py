"""Statistics of the book, one definition each: correlations, resampling, tests, accuracy, geometry.

Everything a chapter reports as a number with its uncertainty and its null is computed here, once:

- rank correlation (:func:`spearman`, :func:`pearson_rows`), its interval over items
  (:func:`spearman_interval`) and the AUC; split-half reliability of raters' means
  (:func:`split_half_reliability`);
- resampling: :func:`resample_indices` (the bootstrap's draws), :func:`bootstrap_corr`,
  :func:`bootstrap_mean`, :func:`bootstrap_auc`, :func:`bootstrap_pairwise_corr` (pairs of units:
  the units resampled), :func:`percentile_interval`; permutations: :func:`draw_permutations`,
  :func:`all_permutations`, :func:`assignments` (identity first), :func:`group_permutations`
  (every permutation that keeps group membership, e.g. within negative / neutral / positive);
- p-values: :func:`permutation_pvalue` (observed counted once), :func:`share_at_least` (a null that
  already holds the observed value); multiple comparisons: :func:`benjamini_hochberg`, :func:`holm`;
  paired tests: :func:`paired_comparison`; what a paired design of ``n`` units can detect:
  :func:`paired_power`, :func:`min_detectable_effect`, :func:`tost_power`, :func:`tost_reach`,
  :func:`tost_sample_size`;
  :func:`relative_change` (a ratio of paired means with its bootstrap interval);
- classification: :func:`balanced_accuracy` (labels) and :func:`balanced_accuracy_from_counts`
  (the same statistic from per-class counts, for resampling subjects);
- representation geometry: :func:`linear_cka` (numpy or torch, differentiable) and the
  label-driven *basin* of a representation, :func:`basin_basis` and :func:`project_out`.

All resampling is vectorised over resamples and takes an explicit ``seed`` (an int or a sequence of
ints, as :func:`numpy.random.default_rng` accepts).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _st

from ._checks import VaxisInputError, check_array

Seed = int | Sequence[int]


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


# ----------------------------------------------------------------------------- correlation
def pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of matching rows of ``a`` and ``b`` (both (B, n)); NaN for a constant row."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    num = (a * b).sum(axis=-1)
    den = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def pattern_correlation(pattern: np.ndarray, fold_weights: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                        seed: Seed = 0) -> Estimate:
    """Spatial (Pearson) correlation of a known pattern with weights recovered in ``k`` folds.

    Parameters
    ----------
    pattern : array, shape (F,) or any shape with F entries
        The known pattern (e.g. the simulator's planted valence pattern, channels x bands).
    fold_weights : array, shape (k, F)
        The weights recovered in each of ``k`` folds, features in the order of ``pattern.ravel()``.

    Returns
    -------
    Estimate
        ``value``: r of ``pattern`` with the weights averaged over the folds; ``low``/``high``: a
        percentile bootstrap over the folds (folds drawn with replacement, :func:`resample_indices`,
        their weights averaged). With few folds (k = 5 has 126 distinct resamples) the interval
        is coarse; ``n`` = k.
    """
    W = check_array("fold_weights", fold_weights, ndim=2)
    p = np.asarray(pattern, dtype=float).ravel()
    if p.shape[0] != W.shape[1]:
        raise VaxisInputError(f"pattern has {p.shape[0]} entries for {W.shape[1]} weights per fold.")
    if W.shape[0] < 2:
        raise VaxisInputError("pattern_correlation needs the weights of at least 2 folds.")
    point = float(pearson_rows(W.mean(axis=0)[None], p[None])[0])
    boots = pearson_rows(W[resample_indices(W.shape[0], n_boot, seed)].mean(axis=1), p[None])
    lo, hi = percentile_interval(boots, level, ignore_nan=True)
    return Estimate(point, lo, hi, level, int(W.shape[0]))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of two 1-D arrays (average ranks for ties)."""
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, shape=(x.shape[0],))
    if x.shape[0] < 3:
        raise VaxisInputError(f"spearman needs at least 3 items, got {x.shape[0]}.")
    return float(pearson_rows(_st.rankdata(x)[None], _st.rankdata(y)[None])[0])


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


def spearman_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Interval of a Spearman rho over ``n`` items: Fisher's z with Bonett & Wright's (2000) variance.

    ``tanh(atanh(rho) +- z_q * sqrt((1 + rho**2 / 2) / (n - 3)))``: how far the rank correlation
    could move with another sample of ``n`` items of the same kind (the uncertainty that dominates
    with few items, e.g. nine emotion categories). ``|rho|`` is capped at 0.9999 so that a perfect
    rank agreement still gets an interval. Needs ``n >= 4``.
    """
    if n < 4:
        raise VaxisInputError(f"spearman_interval needs at least 4 items, got {n}.")
    r = float(np.clip(rho, -0.9999, 0.9999))
    half = _st.norm.ppf((1 + level) / 2) * np.sqrt((1 + r * r / 2) / (n - 3))
    z = np.arctanh(r)
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def split_half_reliability(ratings: np.ndarray, n_splits: int = 1000, seed: Seed = 0) -> dict[str, float]:
    """Split-half reliability of the raters' mean over items, stepped up by Spearman-Brown.

    Parameters
    ----------
    ratings : ndarray, shape (n_raters, n_items)
        One row per rater (e.g. a participant's valence of each clip); no NaN.
    n_splits : int
        Random splits of the raters into two halves (sizes ``n // 2`` and ``n - n // 2``).
    seed : int or sequence of int

    Returns
    -------
    dict
        ``value``: mean over splits of ``2 r / (1 + r)``, with ``r`` the Pearson correlation over
        items of the two halves' means; ``low``, ``high``: its 2.5th and 97.5th percentiles over
        the splits (how much the split matters, not a sampling interval); ``n_raters``,
        ``n_items``, ``n_splits``.
    """
    x = check_array("ratings", ratings, ndim=2)
    n, k = x.shape
    if n < 2 or k < 3:
        raise VaxisInputError(f"split_half_reliability needs >= 2 raters and >= 3 items, got {x.shape}.")
    if not np.isfinite(x).all():
        raise VaxisInputError("ratings must be finite (drop raters with missing ratings first).")
    order = draw_permutations(n, int(n_splits), seed)  # (n_splits, n)
    half = n // 2
    a = x[order[:, :half]].mean(axis=1)  # (n_splits, k)
    b = x[order[:, half:]].mean(axis=1)
    r = pearson_rows(a, b)
    sb = 2 * r / (1 + r)
    lo, hi = percentile_interval(sb, 0.95, ignore_nan=True)
    return {"value": float(np.nanmean(sb)), "low": lo, "high": hi, "n_raters": int(n), "n_items": int(k),
            "n_splits": int(n_splits)}


# ----------------------------------------------------------------------------- bootstrap
def resample_indices(n: int, n_boot: int, seed: Seed = 0) -> np.ndarray:
    """The bootstrap's draws: ``(n_boot, n)`` indices of ``n`` units drawn with replacement.

    ``numpy.random.default_rng(seed).integers(0, n, size=(n_boot, n))``: every bootstrap of the
    book resamples through this, so the same seed gives the same resamples everywhere.
    """
    if n < 1 or n_boot < 1:
        raise VaxisInputError(f"resample_indices needs n >= 1 and n_boot >= 1, got {n} and {n_boot}.")
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def percentile_interval(boots: np.ndarray, level: float = 0.95, ignore_nan: bool = False) -> tuple[float, float]:
    """Percentile interval ``(low, high)`` at ``level`` of bootstrap statistics (NaN-aware if asked)."""
    q = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
    lo, hi = (np.nanpercentile if ignore_nan else np.percentile)(boots, q)
    return float(lo), float(hi)


def bootstrap_corr(
    x: np.ndarray,
    y: np.ndarray,
    method: str = "spearman",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: Seed = 0,
) -> Estimate:
    """Correlation of paired items with a percentile bootstrap interval over items.

    Parameters
    ----------
    x, y : array, shape (n_items,)
        Paired observations (e.g. axis positions and human valence ratings).
    method : {"spearman", "pearson"}
    n_boot : int
        Bootstrap resamples (items drawn with replacement, :func:`resample_indices`).
    """
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, shape=(x.shape[0],))
    if method not in ("spearman", "pearson"):
        raise VaxisInputError(f"method={method!r} is not valid; use 'spearman' or 'pearson'.")
    n = x.shape[0]
    if n < 3:
        raise VaxisInputError(f"bootstrap_corr needs at least 3 items, got {n}.")
    idx = resample_indices(n, n_boot, seed)
    xb, yb = x[idx], y[idx]
    if method == "spearman":
        xb, yb = _st.rankdata(xb, axis=1), _st.rankdata(yb, axis=1)
        point = spearman(x, y)
    else:
        point = float(pearson_rows(x[None], y[None])[0])
    lo, hi = percentile_interval(pearson_rows(xb, yb), level, ignore_nan=True)
    return Estimate(point, lo, hi, level, n)


def bootstrap_mean(values: np.ndarray, n_boot: int = 2000, level: float = 0.95, seed: Seed = 0) -> Estimate:
    """Mean of independent units (e.g. per-subject scores) with a percentile bootstrap interval."""
    v = check_array("values", values, ndim=1)
    if v.shape[0] < 2:
        raise VaxisInputError(f"bootstrap_mean needs at least 2 values, got {v.shape[0]}.")
    boots = v[resample_indices(v.shape[0], n_boot, seed)].mean(axis=1)
    lo, hi = percentile_interval(boots, level)
    return Estimate(float(v.mean()), lo, hi, level, int(v.shape[0]))


def bootstrap_auc(scores: np.ndarray, labels: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                  seed: Seed = 0) -> Estimate:
    """:func:`auc` of ``scores`` (n_items,) for binary ``labels`` (n_items,), with a percentile
    bootstrap interval over items (items drawn with replacement, :func:`resample_indices`; a
    resample with one class only is dropped)."""
    s = check_array("scores", scores, ndim=1)
    lab = np.asarray(labels).astype(bool)
    point = auc(s, lab)  # checks shapes and that both classes occur
    idx = resample_indices(s.shape[0], n_boot, seed)
    ranks, lb = _st.rankdata(s[idx], axis=1), lab[idx]
    n_pos = lb.sum(axis=1)
    n_neg = lb.shape[1] - n_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        boots = ((ranks * lb).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    lo, hi = percentile_interval(np.where((n_pos > 0) & (n_neg > 0), boots, np.nan), level, ignore_nan=True)
    return Estimate(point, lo, hi, level, int(s.shape[0]))


def bootstrap_pairwise_corr(x: Sequence[np.ndarray], y: Sequence[np.ndarray], n_boot: int = 2000,
                            level: float = 0.95, seed: Seed = 0) -> Estimate:
    """Spearman rho between two measures of the *pairs* of units, with a bootstrap over units.

    Pairs that share a unit are not independent, so resampling pairs would understate the
    uncertainty; the units are resampled instead (the "vertex" bootstrap of dyadic data), within
    each group, and every pair of two distinct draws enters the resample.

    Parameters
    ----------
    x, y : sequences of ndarray, each of shape (n_g, n_g)
        One pair of symmetric matrices per group (e.g. per fold: the members of that fold), entry
        ``[i, j]`` the measure of the pair (i, j); the diagonal is ignored.

    Returns
    -------
    Estimate
        ``value``: rho over every pair (i < j) of every group; ``n``: the number of units.
    """
    if len(x) != len(y) or not len(x):
        raise VaxisInputError("bootstrap_pairwise_corr needs as many x as y matrices, at least one.")
    xs, ys = [], []
    for a, b in zip(x, y):
        a = check_array("x", a, ndim=2)
        b = check_array("y", b, shape=a.shape)
        if a.shape[0] != a.shape[1] or a.shape[0] < 2:
            raise VaxisInputError(f"pair matrices must be square with >= 2 units, got {a.shape}.")
        xs.append(a)
        ys.append(b)
    iu = [np.triu_indices(a.shape[0], 1) for a in xs]
    point = spearman(np.concatenate([a[i] for a, i in zip(xs, iu)]), np.concatenate([b[i] for b, i in zip(ys, iu)]))
    draws = [resample_indices(a.shape[0], n_boot, [*np.atleast_1d(seed).tolist(), g]) for g, a in enumerate(xs)]
    boots = np.empty(n_boot)
    for r in range(n_boot):
        bx, by = [], []
        for a, b, d, (i, j) in zip(xs, ys, draws, iu):
            k = d[r]
            keep = k[i] != k[j]  # two draws of the same unit make no pair
            bx.append(a[k[i[keep]], k[j[keep]]])
            by.append(b[k[i[keep]], k[j[keep]]])
        boots[r] = spearman(np.concatenate(bx), np.concatenate(by))
    lo, hi = percentile_interval(boots, level, ignore_nan=True)
    return Estimate(point, lo, hi, level, int(sum(a.shape[0] for a in xs)))


# ----------------------------------------------------------------------------- permutations
def draw_permutations(n_items: int, n_draws: int, seed: Seed = 0) -> np.ndarray:
    """``n_draws`` uniform random permutations of ``range(n_items)``: int array (n_draws, n_items).

    Row ``i`` is ``rng.permutation(n_items)`` of the ``i``-th draw of ``default_rng(seed)`` (the
    rows are shuffled one after another), so applying row ``i`` to any vector of length
    ``n_items`` permutes it as ``rng.permuted`` would.
    """
    if n_items < 1 or n_draws < 0:
        raise VaxisInputError(f"draw_permutations needs n_items >= 1 and n_draws >= 0, got {n_items}, {n_draws}.")
    return np.random.default_rng(seed).permuted(np.tile(np.arange(n_items), (n_draws, 1)), axis=1)


def all_permutations(n_items: int) -> np.ndarray:
    """Every permutation of ``range(n_items)``, identity first (lexicographic): int16 (n_items!, n_items)."""
    if n_items > 10:
        raise VaxisInputError(f"{n_items}! permutations are too many to enumerate; sample them instead.")
    return np.array(list(itertools.permutations(range(n_items))), dtype=np.int16)


def assignments(n_items: int, permutations: str | int = "exact", seed: Seed = 0) -> np.ndarray:
    """Assignments for a permutation test, the identity (the observed one) first: (n, n_items).

    ``"exact"``: all ``n_items!`` permutations (:func:`all_permutations`); an int ``m``: the identity
    and ``m`` random permutations (:func:`draw_permutations` with ``seed``).
    """
    if permutations == "exact":
        return all_permutations(n_items)
    if isinstance(permutations, (int, np.integer)) and not isinstance(permutations, bool) and permutations >= 0:
        return np.vstack([np.arange(n_items)[None], draw_permutations(n_items, int(permutations), seed)])
    raise VaxisInputError(f"permutations={permutations!r}: use 'exact' or a number >= 0.")


def group_permutations(groups: Sequence[Any]) -> np.ndarray:
    """Every permutation of ``range(len(groups))`` that maps each item to an item of its own group.

    E.g. nine categories in groups negative (4), neutral (1), positive (4): 4! x 1 x 4! = 576
    orderings that keep the negative / neutral / positive split and shuffle inside each side.
    Identity first; int array (n_orderings, n_items). Refuses more than a million orderings.
    """
    labels = list(groups)
    if not labels:
        raise VaxisInputError("group_permutations needs at least one item.")
    members = [np.flatnonzero(np.array([g == u for g in labels])) for u in dict.fromkeys(labels)]
    total = math.prod(math.factorial(len(m)) for m in members)
    if total > 1_000_000:
        raise VaxisInputError(f"{total} within-group orderings are too many to enumerate.")
    out = np.tile(np.arange(len(labels)), (total, 1))
    per_group = [list(itertools.permutations(m.tolist())) for m in members]
    for row, combo in enumerate(itertools.product(*per_group)):
        for m, perm in zip(members, combo):
            out[row, m] = perm
    return out


def permutation_pvalue(observed: float, null: np.ndarray, alternative: str = "greater") -> float:
    """p-value of ``observed`` against null draws that do not include it, counting it once.

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


def share_at_least(null: np.ndarray, observed: float) -> float:
    """One-sided p-value from a null that already contains the observed statistic (e.g. all K!
    assignments, the identity among them): the share of null values ``>= observed`` (1e-12 slack)."""
    return float(np.mean(np.asarray(null) >= observed - 1e-12))


# ----------------------------------------------------------------------------- multiple comparisons
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
                         alpha: float = 0.05) -> np.ndarray:
    """helped / hurt / equivalent / undecided for each comparison (arrays of equal length).

    - ``helped`` / ``hurt``: the difference test is significant (``q_difference < alpha``) and the
      mean difference is positive / negative;
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
    return np.where(diff, np.where(m > 0, "helped", "hurt"), np.where(equiv, "equivalent", "undecided"))


# ----------------------------------------------------------------------------- what a paired design can detect
def _check_design(n: int, sd: float, alpha: float) -> None:
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise VaxisInputError(f"n={n!r} must be an integer >= 2 (paired units).")
    if not (sd > 0 and math.isfinite(sd)):
        raise VaxisInputError(f"sd={sd!r} must be a positive finite number (SD of the paired differences).")
    if not 0 < alpha < 1:
        raise VaxisInputError(f"alpha={alpha!r} must lie in (0, 1).")


def paired_power(n: int, sd: float, effect: float, alpha: float = 0.05) -> float:
    """Power of the two-sided paired t-test at level ``alpha`` to detect a true mean difference.

    ``n`` independent units (e.g. held-out subjects) whose paired differences are normal with mean
    ``effect`` and standard deviation ``sd`` (same units, e.g. balanced accuracy). Exact for the
    t-test: the statistic is noncentral t with ``n - 1`` degrees of freedom and noncentrality
    ``effect * sqrt(n) / sd``; at ``effect = 0`` the power is ``alpha``. The book's difference test
    is Wilcoxon's signed-rank test, whose efficiency relative to the t-test is 3/pi (0.955) for
    normal differences, so this is a close guide to its power, not its exact value.
    """
    _check_design(n, sd, alpha)
    df, ncp = n - 1, abs(float(effect)) * math.sqrt(n) / float(sd)
    crit = float(_st.t.ppf(1 - alpha / 2, df))
    far = float(_st.nct.cdf(-crit, df, ncp))  # the tail against the effect: scipy gives NaN when it underflows
    return float(_st.nct.sf(crit, df, ncp)) + (far if math.isfinite(far) else 0.0)


def min_detectable_effect(n: int, sd: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true mean difference (> 0, units of ``sd``'s data) that :func:`paired_power` detects
    with probability ``power`` over ``n`` units: the effect a design of this size can see."""
    _check_design(n, sd, alpha)
    if not alpha < power < 1:
        raise VaxisInputError(f"power={power!r} must lie in (alpha, 1).")
    from scipy.optimize import brentq

    hi = float(sd)
    while paired_power(n, sd, hi, alpha) < power:
        hi *= 2.0
    return float(brentq(lambda e: paired_power(n, sd, e, alpha) - power, 0.0, hi, xtol=1e-10 * sd))


def tost_power(n: int, sd: float, margin: float, effect: float = 0.0, alpha: float = 0.05) -> float:
    """Probability that the equivalence test :func:`tost_pvalue` gives ``p < alpha`` within ``+-margin``.

    ``n`` paired differences, normal with mean ``effect`` and standard deviation ``sd``. Exact for
    :func:`tost_pvalue`: given the sample SD ``s``, TOST rejects exactly when the sample mean lies in
    ``(-margin + t s / sqrt(n), margin - t s / sqrt(n))`` with ``t`` the ``1 - alpha`` quantile of t
    on ``n - 1`` degrees of freedom; that probability is integrated over ``s^2 ~ sd^2
    chi2(n - 1) / (n - 1)``. It is 0 when ``t s / sqrt(n) >= margin`` for every plausible ``s``:
    then the 90 % interval of the mean (alpha = 0.05) is wider than the margin and no data of this
    size can show equivalence.
    """
    _check_design(n, sd, alpha)
    if not margin > 0:
        raise VaxisInputError(f"margin={margin!r} must be > 0.")
    from scipy.integrate import quad

    df, root_n = n - 1, math.sqrt(n)
    t = float(_st.t.ppf(1 - alpha, df))
    se_true = sd / root_n
    v_max = df * (margin * root_n / (t * sd)) ** 2  # chi2 value above which the interval is empty

    def inside(v: float) -> float:
        half = margin - t * sd * math.sqrt(v / df) / root_n
        p = _st.norm.cdf((half - effect) / se_true) - _st.norm.cdf((-half - effect) / se_true)
        return max(float(p), 0.0) * float(_st.chi2.pdf(v, df))

    # integrate where chi2(df) has its mass (all but 1e-12 each side), split at its mode so that
    # quad sees the peak however large df is
    lo, hi = float(_st.chi2.ppf(1e-12, df)), min(float(_st.chi2.isf(1e-12, df)), v_max)
    if hi <= lo:
        return 0.0
    mode = max(df - 2.0, 0.0)
    parts = [(lo, mode), (mode, hi)] if lo < mode < hi else [(lo, hi)]
    return float(min(1.0, sum(quad(inside, a, b, limit=200)[0] for a, b in parts)))


def tost_reach(n: int, sd: float, margin: float, alpha: float = 0.05) -> float:
    """The largest |mean difference| that :func:`tost_pvalue` can still call equivalent when the
    sample SD is ``sd``: ``margin - t * sd / sqrt(n)``, ``t`` the ``1 - alpha`` quantile of t on
    ``n - 1`` degrees of freedom (the ``1 - 2 alpha`` interval of the mean must lie inside the
    margin). Zero or negative: no mean difference, not even 0, can be shown equivalent at this size.
    """
    _check_design(n, sd, alpha)
    return float(margin - _st.t.ppf(1 - alpha, n - 1) * sd / math.sqrt(n))


def tost_sample_size(sd: float, margin: float, effect: float = 0.0, alpha: float = 0.05, power: float = 0.8,
                     n_max: int = 100_000) -> int:
    """Smallest number of paired units at which :func:`tost_power` reaches ``power``.

    ``n_max`` if even that many are not enough (an ``effect`` at or beyond the margin never is).
    """
    _check_design(2, sd, alpha)
    if not 0 < power < 1:
        raise VaxisInputError(f"power={power!r} must lie in (0, 1).")
    if tost_power(n_max, sd, margin, effect, alpha) < power:
        return n_max
    lo, hi = 2, n_max  # power grows with n: bisect on integers
    while lo < hi:
        mid = (lo + hi) // 2
        if tost_power(mid, sd, margin, effect, alpha) >= power:
            hi = mid
        else:
            lo = mid + 1
    return lo


def relative_change(treatment: np.ndarray, baseline: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                    seed: Seed = 0) -> Estimate:
    """Relative change ``mean(treatment) / mean(baseline) - 1`` of paired units, with a paired
    percentile bootstrap interval (units resampled together with both their values).

    ``treatment``, ``baseline``: (n,) scores of the same units (e.g. per-subject balanced accuracy of
    two methods). A relative change of +10 % is returned as 0.10.
    """
    t = check_array("treatment", treatment, ndim=1)
    b = check_array("baseline", baseline, shape=(t.shape[0],))
    if t.size < 2:
        raise VaxisInputError(f"A relative change needs at least 2 paired units, got {t.size}.")
    if not b.mean() > 0:
        raise VaxisInputError("The baseline's mean must be positive for a relative change.")
    idx = resample_indices(t.size, n_boot, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        boots = t[idx].mean(1) / b[idx].mean(1) - 1.0
    lo, hi = percentile_interval(boots, level, ignore_nan=True)
    return Estimate(float(t.mean() / b.mean() - 1.0), lo, hi, level, int(t.size))


# ----------------------------------------------------------------------------- classification
def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float | np.ndarray:
    """Mean over the classes present in ``y_true`` of the share of their items predicted correctly.

    ``y_pred`` is one prediction per item ``(n,)`` (returns a float) or one row of predictions per
    candidate ``(r, n)`` (returns an array ``(r,)``: each row scored against the same ``y_true``).
    Labels may be ints or strings. Classes absent from ``y_true`` play no part.
    """
    y = np.asarray(y_true)
    p = np.asarray(y_pred)
    if y.ndim != 1 or p.shape[-1:] != y.shape or p.ndim > 2:
        raise VaxisInputError(f"y_pred must have shape ({y.size},) or (rows, {y.size}); got {p.shape}.")
    if y.size == 0:
        raise VaxisInputError("balanced_accuracy needs at least one item.")
    recall = np.stack([(p[..., y == k] == k).mean(axis=-1) for k in np.unique(y)])  # (K,) or (K, r)
    out = recall.mean(axis=0)
    return float(out) if out.ndim == 0 else out


def balanced_accuracy_from_counts(n: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """:func:`balanced_accuracy` from counts: ``n`` and ``correct`` (..., K) items and correct
    predictions per class (summed over whatever units were resampled); classes with ``n = 0`` are
    absent. Returns an array of shape ``(...)``."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(np.where(n > 0, np.asarray(correct, dtype=float) / n, np.nan), axis=-1)


# ----------------------------------------------------------------------------- representation geometry
def linear_cka(x: Any, y: Any, eps: float = 0.0) -> Any:
    """Linear centred kernel alignment of two representations of the same items (Kornblith et al. 2019).

    ``<Kx, Ky>_F / (||Kx||_F ||Ky||_F)`` with ``Kx = Xc Xc^T`` the Gram matrix of the
    column-centred ``x`` (n, D1) and likewise ``Ky`` for ``y`` (n, D2); in [0, 1], invariant to
    rotations and isotropic scaling, defined for different widths. Works on numpy arrays (returns a
    float) and on torch tensors (returns a 0-d tensor, differentiable and safe under ``vmap``: the
    alignment loss ``cka_linear`` is this function). ``eps`` is added to the denominator; with
    ``eps = 0`` a representation without variance gives NaN (numpy), so check for it first.
    """
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise VaxisInputError(f"linear_cka needs two (n, D) representations of the same items, got shapes "
                              f"{tuple(x.shape)} and {tuple(y.shape)}.")
    xc, yc = x - x.mean(0), y - y.mean(0)
    kx, ky = xc @ xc.T, yc @ yc.T
    if isinstance(kx, np.ndarray):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float((kx * ky).sum() / (np.linalg.norm(kx) * np.linalg.norm(ky) + eps))
    return (kx * ky).sum() / (kx.norm() * ky.norm() + eps)


def basin_basis(z: np.ndarray, y: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """The label-driven *basin* of a representation: origin and orthonormal basis of its class means.

    The basin is the affine span of the class means ``mu_k`` of ``z``; its origin is the mean of the
    class means (unequal class counts do not tilt it), its directions ``span{mu_k - origin}``
    (rank <= K - 1). Every basin of the book (chapter 4's ``basin_cos``, chapter 5's gradient
    shares, chapter 6's residuals) is this one.

    Parameters
    ----------
    z : ndarray, shape (n, D)
        Representations (e.g. of a fold's training trials).
    y : ndarray, shape (n,)
        Their class labels (ints or strings); at least two classes.
    rtol : float
        Singular values below ``rtol * max`` are dropped (degenerate class means).

    Returns
    -------
    origin : ndarray, shape (D,)
    Q : ndarray, shape (D, r)
        Orthonormal basis of the basin's directions, ``r <= min(K - 1, D)``.
    """
    z = check_array("z", z, ndim=2)
    y = np.asarray(y)
    if y.shape != (z.shape[0],):
        raise VaxisInputError(f"y must have shape ({z.shape[0]},), got {y.shape}.")
    classes = np.unique(y)
    if classes.size < 2:
        raise VaxisInputError(f"The basin needs at least 2 classes, got {classes.size}.")
    means = np.stack([z[y == k].mean(axis=0) for k in classes])
    origin = means.mean(axis=0)
    _, s, vt = np.linalg.svd(means - origin, full_matrices=False)
    keep = s > rtol * max(float(s.max()), np.finfo(float).tiny)
    return origin, vt[keep].T


def project_out(z: np.ndarray, origin: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """``(z - origin)`` with its component in ``span(Q)`` removed (the *residual*); shape of ``z``."""
    z = check_array("z", z, ndim=2)
    c = z - np.asarray(origin, dtype=float)
    return c - (c @ Q) @ Q.T
