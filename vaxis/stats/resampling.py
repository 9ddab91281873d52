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
                           seed: Seed = 0) -> np.ndarray:
    """Bootstrap means of ``values`` resampled level by level: the clusters of ``levels[0]`` with
    replacement, then within each drawn cluster those of ``levels[1]``, ..., then the rows.

    For units that are not independent of each other: held-out subjects who share the networks of
    their training run (fold x seed), runs that share a draw of the generator. Resampling only the
    rows would treat them as independent and give intervals too narrow.

    Parameters
    ----------
    values : ndarray (n,)
        One value per unit (e.g. a held-out subject's paired difference).
    levels : sequence of ndarray (n,)
        Cluster labels from the outermost level in (e.g. ``[draw, run]``); a cluster drawn twice
        contributes twice. ``[]`` is the plain bootstrap of the rows.
    n_boot, seed
        Resamples and their seed.

    Returns
    -------
    ndarray (n_boot,)
        The mean of each resample (rows weigh equally; a resample has as many rows as its clusters hold).
    """
    v = check_array("values", values, ndim=1)
    labs = [np.asarray(lv) for lv in levels]
    for i, lv in enumerate(labs):
        if lv.shape != v.shape:
            raise VaxisInputError(f"levels[{i}] has shape {lv.shape}; it needs one label per value, {v.shape}.")
    if v.size < 2 or n_boot < 1:
        raise VaxisInputError(f"hierarchical_bootstrap needs at least 2 values and n_boot >= 1, got {v.size}, {n_boot}.")
    rng = np.random.default_rng(seed)

    def tree(rows: np.ndarray, depth: int) -> Any:  # nested groups of row indices
        if depth == len(labs):
            return rows
        keys = labs[depth][rows]
        return [tree(rows[keys == k], depth + 1) for k in np.unique(keys)]

    def draw(node: Any) -> list[np.ndarray]:
        if isinstance(node, np.ndarray):
            return [node[rng.integers(0, node.size, node.size)]]
        return [part for i in rng.integers(0, len(node), len(node)) for part in draw(node[i])]

    root = tree(np.arange(v.size), 0)
    return np.array([v[np.concatenate(draw(root))].mean() for _ in range(n_boot)])


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


__all__ = ["all_permutations", "assignments", "bootstrap_mean", "bootstrap_p", "draw_permutations", "group_permutations",
           "hierarchical_bootstrap", "hierarchical_mean", "percentile_interval", "permutation_pvalue", "relative_change",
           "resample_indices", "share_at_least"]
