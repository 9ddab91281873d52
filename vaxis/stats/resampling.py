"""Resampling: the bootstrap's draws and intervals, permutations, and p-values from a null."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import VaxisInputError, check_array
from .estimate import Estimate, Seed


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


def bootstrap_mean(values: np.ndarray, n_boot: int = 2000, level: float = 0.95, seed: Seed = 0) -> Estimate:
    """Mean of independent units (e.g. per-subject scores) with a percentile bootstrap interval."""
    v = check_array("values", values, ndim=1)
    if v.shape[0] < 2:
        raise VaxisInputError(f"bootstrap_mean needs at least 2 values, got {v.shape[0]}.")
    boots = v[resample_indices(v.shape[0], n_boot, seed)].mean(axis=1)
    lo, hi = percentile_interval(boots, level)
    return Estimate(float(v.mean()), lo, hi, level, int(v.shape[0]))


def hierarchical_bootstrap(values: np.ndarray, levels: Sequence[np.ndarray], n_boot: int = 2000,
                           seed: Seed = 0, vectorized: bool = False) -> np.ndarray:
    """Bootstrap means of ``values`` resampled level by level: the clusters of ``levels[0]`` with
    replacement, then within each drawn cluster those of ``levels[1]``, ..., then the rows.

    For units that are not independent of each other: held-out subjects who share the networks of
    their training run (fold x seed), runs that share a draw of the generator. Resampling only the
    rows would treat them as independent and give intervals too narrow.

    Parameters
    ----------
    values : ndarray (n,) or (n, k)
        One value per unit (e.g. a held-out subject's paired difference); with k columns (e.g. two
        methods' accuracies, for a ratio of their means) every column is resampled with the same
        draws.
    levels : sequence of ndarray (n,)
        Cluster labels from the outermost level in (e.g. ``[draw, run]``); a cluster drawn twice
        contributes twice. ``[]`` is the plain bootstrap of the rows.
    n_boot, seed
        Resamples and their seed.
    vectorized : bool
        Draw every resample at once (arrays padded to the largest cluster): the same distribution,
        other draws than the default loop (which walks the clusters resample by resample), and
        hundreds of times faster for many bootstraps (chapter 7). Both are exact for unequal cluster
        sizes.

    Returns
    -------
    ndarray (n_boot,) or (n_boot, k)
        The mean of each resample (rows weigh equally; a resample has as many rows as its clusters hold).
    """
    v = np.asarray(values, dtype=float)
    if v.ndim not in (1, 2) or not np.isfinite(v).all():
        raise VaxisInputError(f"values must be a finite (n,) or (n, k) array, got shape {v.shape}.")
    labs = [np.asarray(lv) for lv in levels]
    for i, lv in enumerate(labs):
        if lv.shape != v.shape[:1]:
            raise VaxisInputError(f"levels[{i}] has shape {lv.shape}; it needs one label per value, {v.shape[:1]}.")
    if v.shape[0] < 2 or n_boot < 1:
        raise VaxisInputError(f"hierarchical_bootstrap needs at least 2 values and n_boot >= 1, got {v.shape[0]}, "
                              f"{n_boot}.")
    rng = np.random.default_rng(seed)
    if vectorized:
        return _hierarchical_vectorized(v, labs, n_boot, rng)

    def tree(rows: np.ndarray, depth: int) -> Any:  # nested groups of row indices
        if depth == len(labs):
            return rows
        keys = labs[depth][rows]
        return [tree(rows[keys == k], depth + 1) for k in np.unique(keys)]

    def draw(node: Any) -> list[np.ndarray]:
        if isinstance(node, np.ndarray):
            return [node[rng.integers(0, node.size, node.size)]]
        return [part for i in rng.integers(0, len(node), len(node)) for part in draw(node[i])]

    root = tree(np.arange(v.shape[0]), 0)
    return np.array([v[np.concatenate(draw(root))].mean(axis=0) for _ in range(n_boot)])


def _hierarchical_vectorized(v: np.ndarray, labs: list[np.ndarray], n_boot: int,
                             rng: np.random.Generator) -> np.ndarray:
    """:func:`hierarchical_bootstrap` with every resample drawn at once.

    The clusters form a tree (level 0 .. L - 1, then the rows). Each level's nodes keep a padded
    table of their children; a resample draws, for every slot of every drawn node, a child uniformly
    among that node's own children (slots beyond a node's size are masked), level by level down to
    the rows. Memory: ``n_boot`` x the product of the largest fan-out of each level.
    """
    n = v.shape[0]
    # node ids per level: tuples of labels from the top, so equal labels under different parents differ
    keys = [np.zeros(n, dtype=np.int64)]
    for lv in labs:
        _, code = np.unique(np.stack([keys[-1], np.unique(lv, return_inverse=True)[1]], axis=1), axis=0,
                            return_inverse=True)
        keys.append(code.ravel().astype(np.int64))
    keys.append(np.arange(n, dtype=np.int64))  # the rows are the leaves
    tables = []
    for parent, child in zip(keys[:-1], keys[1:]):
        n_parent = int(parent.max()) + 1
        pairs = np.unique(np.stack([parent, child], axis=1), axis=0)
        counts = np.bincount(pairs[:, 0], minlength=n_parent)
        table = np.zeros((n_parent, int(counts.max())), dtype=np.int64)
        start = np.r_[0, np.cumsum(counts)[:-1]]
        table[pairs[:, 0], np.arange(len(pairs)) - start[pairs[:, 0]]] = pairs[:, 1]
        tables.append((table, counts))
    nodes = np.zeros((n_boot, 1), dtype=np.int64)  # every resample starts at the root
    mask = np.ones((n_boot, 1), dtype=bool)
    for table, counts in tables:
        width = table.shape[1]
        k = counts[nodes]  # (B, m): children of each drawn node
        pick = np.floor(rng.random((*nodes.shape, width)) * k[..., None]).astype(np.int64)
        child = np.take_along_axis(table[nodes], pick, axis=-1)
        slot_ok = np.arange(width) < k[..., None]
        mask = (mask[..., None] & slot_ok).reshape(n_boot, -1)
        nodes = child.reshape(n_boot, -1)
    w = mask.astype(float)
    vals = v[nodes]  # (B, m) or (B, m, k)
    if v.ndim == 1:
        return (vals * w).sum(axis=1) / w.sum(axis=1)
    return (vals * w[..., None]).sum(axis=1) / w.sum(axis=1)[:, None]


def hierarchical_mean(values: np.ndarray, levels: Sequence[np.ndarray], n_boot: int = 2000, level: float = 0.95,
                      seed: Seed = 0) -> tuple[Estimate, float]:
    """Mean of ``values`` with its :func:`hierarchical_bootstrap` interval, and a two-sided bootstrap
    p-value of "the mean is 0" (:func:`bootstrap_p`). ``Estimate.n`` is the number of outermost clusters
    (what the interval's width rests on)."""
    boots = hierarchical_bootstrap(values, levels, n_boot, seed)
    lo, hi = percentile_interval(boots, level)
    v = np.asarray(values, dtype=float)
    n = int(np.unique(np.asarray(levels[0])).size) if len(levels) else int(v.size)
    return Estimate(float(v.mean()), lo, hi, level, n), bootstrap_p(boots)


def bootstrap_tost_p(boots: np.ndarray, margin: float) -> float:
    """Equivalence within ``+-margin`` from bootstrap statistics: the larger of the shares of
    resamples at or below ``-margin`` and at or above ``+margin`` (two one-sided tests). ``p <
    alpha`` exactly when the ``1 - 2 alpha`` percentile interval lies inside the margin."""
    if not margin > 0:
        raise VaxisInputError(f"margin={margin!r} must be > 0.")
    b = np.asarray(boots, dtype=float)
    return float(max(np.mean(b <= -margin), np.mean(b >= margin)))


def bootstrap_p(boots: np.ndarray, null: float = 0.0) -> float:
    """Two-sided p-value of ``null`` from bootstrap statistics: twice the smaller share of resamples
    on either side of it (capped at 1; with B resamples the smallest is 2 / B). It inverts the
    percentile interval: ``p < 1 - level`` exactly when ``null`` lies outside it."""
    b = np.asarray(boots, dtype=float)
    below, above = np.mean(b <= null), np.mean(b >= null)
    return float(min(1.0, 2 * min(below, above)))


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


__all__ = ["all_permutations", "assignments", "bootstrap_mean", "bootstrap_p", "bootstrap_tost_p", "draw_permutations", "group_permutations",
           "hierarchical_bootstrap", "hierarchical_mean", "percentile_interval", "permutation_pvalue", "relative_change",
           "resample_indices", "share_at_least"]
