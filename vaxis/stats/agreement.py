"""Agreement between two sets of numbers: correlations, the AUC, reliability, and their intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats as _st

from .._checks import VaxisInputError, check_array
from .estimate import Estimate, Seed
from .resampling import all_permutations, draw_permutations, percentile_interval, resample_indices, share_at_least


def pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of matching rows of ``a`` and ``b`` (both (B, n)); NaN for a constant row."""
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


def paired_spearman_draws(a: np.ndarray, b: np.ndarray, y: np.ndarray, n_boot: int = 2000,
                          seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Spearman rho with ``y`` of two scorings of the same items, on the same bootstrap resamples.

    Parameters
    ----------
    a, b : ndarray, shape (n_items,)
        Two scores of each item (e.g. V-axis positions and another method's).
    y : ndarray, shape (n_items,)
        What both are correlated with (e.g. human ratings).
    n_boot, seed
        Resamples of the items (:func:`resample_indices`: the same seed draws the same items as
        every other bootstrap of the book).

    Returns
    -------
    (ndarray, ndarray), each of shape (n_boot,)
        Rho of ``a`` and of ``b`` on each resample (NaN where a resample is constant).
    """
    a = check_array("a", a, ndim=1)
    b = check_array("b", b, shape=a.shape)
    y = check_array("y", y, shape=a.shape)
    idx = resample_indices(a.size, n_boot, seed)
    ry = _st.rankdata(y[idx], axis=1)
    return pearson_rows(_st.rankdata(a[idx], axis=1), ry), pearson_rows(_st.rankdata(b[idx], axis=1), ry)


def paired_spearman(a: np.ndarray, b: np.ndarray, y: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                    seed: Seed = 0) -> dict[str, Estimate]:
    """Two scorings of the same items compared by their Spearman rho with ``y``, paired bootstrap.

    Returns ``{"a", "b", "diff", "ratio"}``, each an :class:`Estimate` over the ``n`` items: the two
    rhos, ``rho(a) - rho(b)`` and ``rho(a) / rho(b)`` (e.g. the share of a ceiling one method
    reaches), every interval from the same resamples for both rhos (:func:`paired_spearman_draws`).
    """
    ra, rb = paired_spearman_draws(a, b, y, n_boot, seed)
    a, b, y = (np.asarray(v, dtype=float) for v in (a, b, y))
    va, vb = spearman(a, y), spearman(b, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = ra / rb
    out = {}
    for key, value, draws in (("a", va, ra), ("b", vb, rb), ("diff", va - vb, ra - rb),
                              ("ratio", va / vb if vb else np.nan, ratio)):
        lo, hi = percentile_interval(draws, level, ignore_nan=True)
        out[key] = Estimate(float(value), lo, hi, level, int(y.size))
    return out


def exact_spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rho of a few paired units and its exact one-sided p-value (``>= rho``) over every
    ordering of ``y`` against ``x`` (all ``n!``, the observed one among them: the smallest p is
    ``1 / n!``). ``n`` from 3 to 10, e.g. a handful of language models."""
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, shape=x.shape)
    if not 3 <= x.size <= 10:
        raise VaxisInputError(f"exact_spearman needs 3 to 10 units, got {x.size}.")
    rx, ry = _st.rankdata(x), _st.rankdata(y)
    perms = all_permutations(x.size)
    null = pearson_rows(np.broadcast_to(rx, perms.shape), ry[perms])
    rho = float(pearson_rows(rx[None], ry[None])[0])
    return rho, share_at_least(null, rho)


def exact_min_p(n: int) -> float:
    """The smallest p-value :func:`exact_spearman` can give with ``n`` units: ``1 / n!``."""
    return 1 / math.factorial(int(n))


__all__ = ['auc', 'bootstrap_auc', 'bootstrap_corr', 'bootstrap_pairwise_corr', 'exact_min_p', 'exact_spearman', 'paired_spearman',
           'paired_spearman_draws', 'pattern_correlation', 'pearson_rows', 'spearman', 'spearman_interval',
           'split_half_reliability']
