"""The candidate members of one outer fold, and how members are combined (averaged probabilities)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._checks import VaxisInputError, check_array
from ..engine import TrainResults
from ..folds import Fold


@dataclass
class FoldMembers:
    """The trained members of one outer fold and the fold's trial partition.

    Attributes
    ----------
    names : list of str
        ``"arch/seed"``.
    archs : list of str
    proba : ndarray, shape (M, T, K)
        Trial probabilities of every member on all trials.
    z : list of ndarray, each (T, D_m)
    y : ndarray, shape (T,)
    train, val, test : ndarray of int
        Trials of the fold's training, validation and test subjects.
    """

    names: list[str]
    archs: list[str]
    proba: np.ndarray
    z: list[np.ndarray]
    y: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def fold_members(trained: TrainResults, fold: Fold) -> FoldMembers:
    """Collect every (architecture, seed) unit of ``fold`` from a training job."""
    units = [u for u in trained.units if u.fold == fold.index]
    if not units:
        raise VaxisInputError(f"No trained unit of fold {fold.index}.")
    tr, va, te = trained.data.fold_trials(fold)
    return FoldMembers([f"{u.arch}/{u.seed}" for u in units], [u.arch for u in units],
                       np.stack([u.proba for u in units]).astype(float), [u.z.astype(float) for u in units],
                       np.asarray(trained.data.trial_label), tr, va, te)


def average_proba(proba: np.ndarray, members: Sequence[int] | None = None) -> np.ndarray:
    """Mean of the members' class probabilities: ``proba`` (M, T, K) -> (T, K).

    Every row must be a probability vector (non-negative, summing to 1 within 1e-3).
    """
    p = check_array("proba", proba, ndim=3)
    if (p < 0).any() or not np.allclose(p.sum(-1), 1.0, atol=1e-3):
        raise VaxisInputError("proba must hold probability vectors (non-negative rows summing to 1).")
    idx = list(range(p.shape[0])) if members is None else [int(m) for m in members]
    if not idx:
        raise VaxisInputError("An ensemble needs at least one member.")
    bad = [m for m in idx if not 0 <= m < p.shape[0]]
    if bad:
        raise VaxisInputError(f"Member index(es) {bad} outside 0..{p.shape[0] - 1}.")
    return p[idx].mean(0)
