"""Does the map find what was planted? The simulated cohort's valence pattern against the map's weights (chapter 3).

A simulated cohort knows its truth: the valence pattern the simulator adds to every subject's
differential entropy (:attr:`vaxis.eeg.EEGDataset.planted_valence`, channels x bands; ``None`` for
real recordings, whose truth is unknown). Nothing in the decoding path reads it: only this module,
after the map is fitted, compares it with the map's weights.

:func:`planted_recovery` gives the spatial (Pearson) correlation of the planted pattern with the
ridge weights averaged over the outer folds (:func:`vaxis.stats.pattern_correlation`: a bootstrap
over the folds), each fold's own correlation, and a null: the same correlation for maps fitted on
the same folds to **relabelled categories** (the nine positions shuffled among the categories, the
penalty re-chosen in every fold as for the observed map), a random sample of the 9! assignments.

The weights are a decoder's *filter*, not the forward *pattern* (Haufe et al. 2014): where the
channels' noise is correlated, a perfect decoder's weights differ from the planted pattern, so the
correlation is below 1 even when the map has found the right signal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import stats
from .._checks import VaxisInputError
from .mapping import LinearMapCV

#: Assignments drawn per block when the null's weights are computed (bounds the memory).
_BLOCK = 500


@dataclass(frozen=True)
class PlantedRecovery:
    """The planted pattern against the recovered map weights.

    Attributes
    ----------
    estimate : vaxis.stats.Estimate
        r of the planted pattern with the fold-averaged weights, bootstrap interval over folds.
    per_fold : ndarray, shape (n_folds,)
        r of the planted pattern with each outer fold's weights.
    null : ndarray, shape (n_assignments,)
        r for maps to relabelled categories (the true assignment first).
    p_value : float
        Share of the null at least as large as the observed r (observed included).
    """

    estimate: stats.Estimate
    per_fold: np.ndarray
    null: np.ndarray
    p_value: float


def fold_weights(lmap: LinearMapCV, V: np.ndarray) -> np.ndarray:
    """Map weights of every outer fold for each row of ``V`` (N, K): shape (N, n_folds, F),
    the penalty of each fold chosen for each row as :meth:`LinearMapCV.choose_alpha` does."""
    V = np.atleast_2d(np.asarray(V, dtype=float))
    chosen = lmap.choose_alpha(V)  # (n_folds, N)
    return np.stack([np.einsum("nfk,nk->nf", fold.W[chosen[f]], V) for f, fold in enumerate(lmap.folds_)], axis=1)


def planted_recovery(lmap: LinearMapCV, positions: Mapping[str, float], planted: np.ndarray | None, *,
                     permutations: int = 1000, n_boot: int = 2000, seed: int = 0) -> PlantedRecovery | None:
    """Correlate the planted valence pattern with the weights of the map to ``positions``.

    Parameters
    ----------
    lmap : LinearMapCV
        The fitted map (its folds and penalties), as for :func:`vaxis.decoding.mapping.cross_validate_map`.
    positions : mapping category -> position
        The map's target (chapter 1's V-axis positions).
    planted : ndarray, shape (n_channels, n_bands) or (n_channels * n_bands,), or None
        :attr:`vaxis.eeg.EEGDataset.planted_valence`, channel-major like the features. ``None``
        (real data: the truth is unknown) returns ``None``.
    permutations : int
        Relabelled assignments in the null (plus the true one), drawn with ``seed``.
    n_boot, seed : int
        Bootstrap over folds; seed of the bootstrap and of the assignments.
    """
    if planted is None:
        return None
    cats = list(lmap.categories_)
    missing = [c for c in cats if c not in positions]
    if missing:
        raise VaxisInputError(f"positions lack the categories {missing}.")
    v = np.array([float(positions[c]) for c in cats])
    p = np.asarray(planted, dtype=float).ravel()
    observed = fold_weights(lmap, v)[0]  # (n_folds, F)
    if p.shape[0] != observed.shape[1]:
        raise VaxisInputError(f"planted has {p.shape[0]} entries for {observed.shape[1]} features.")
    estimate = stats.pattern_correlation(p, observed, n_boot=n_boot, seed=seed)
    perms = stats.assignments(len(cats), int(permutations), seed)
    null = np.concatenate([stats.pearson_rows(fold_weights(lmap, v[perms[i:i + _BLOCK]]).mean(axis=1), p[None])
                           for i in range(0, len(perms), _BLOCK)])
    return PlantedRecovery(estimate, stats.pearson_rows(observed, p[None]), null,
                           stats.share_at_least(null, null[0]))


__all__ = ["PlantedRecovery", "fold_weights", "planted_recovery"]
