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


__all__ = ['all_permutations', 'assignments', 'bootstrap_mean', 'draw_permutations', 'group_permutations', 'percentile_interval', 'permutation_pvalue', 'relative_change', 'resample_indices', 'share_at_least']
