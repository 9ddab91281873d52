"""Chapter 4's checkers: balanced accuracy, and the read-out direction against the class means' V direction."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .. import stats
from ..decoding import rediscovery
from ._core import NOT_DONE, Verdict, as_float, call, correct, missing, wrong

__all__ = ["check_balanced_accuracy", "check_classmean_cosine"]


def check_balanced_accuracy(fn: Callable[[np.ndarray, np.ndarray], float], y_true: np.ndarray,
                            y_pred: np.ndarray) -> Verdict:
    """Check ``fn(y_true, y_pred) -> balanced accuracy``: the mean over classes of each class's recall.

    ``y_true``, ``y_pred`` (n,): labels of held-out trials and a network's predictions. The checker
    also tries an unbalanced case of its own (a classifier that always says the majority class).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    mine = call(fn, y_true, y_pred, hint="for every class present in y_true, the share of its trials predicted "
                "as that class; then the mean of those recalls.")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your balanced accuracy")
    if mine is None:
        return NOT_DONE
    ref = stats.balanced_accuracy(y_true, y_pred)
    if abs(mine - ref) > 1e-9:
        if abs(mine - float(np.mean(y_true == y_pred))) < 1e-9:
            return wrong("that is plain accuracy; average the recall of each class instead.")
        return wrong(f"got {mine:.4f}; average, over the classes in y_true, the share of each class predicted right.")
    toy_true, toy_pred = np.array([0] * 8 + [1, 2]), np.zeros(10, dtype=int)
    toy = as_float(fn(toy_true, toy_pred), "Your balanced accuracy (majority-class case)")
    if toy is None:
        return NOT_DONE
    if abs(toy - 1 / 3) > 1e-9:
        return wrong(f"on 8 trials of class 0 and one each of 1 and 2, always predicting 0 must give 1/3 "
                     f"(recalls 1, 0, 0), got {toy:.3f}.")
    chance = 1 / np.unique(y_true).size
    return correct(f"balanced accuracy {ref:.3f} (chance {chance:.3f}); a majority-class guess scores chance.")


def check_classmean_cosine(fn: Callable[..., float], z: np.ndarray, categories: np.ndarray, subjects: np.ndarray,
                           positions: Mapping[str, float], alpha: float = rediscovery.DEFAULT_ALPHA,
                           n_splits: int = 4) -> Verdict:
    """Check ``fn(z, categories, positions, alpha) -> cosine`` against ``rediscovery.fold_readout(...).cos_classmean``.

    ``z`` (n_trials, D): a network's representation of held-out trials; ``categories``, ``subjects``
    (n_trials,); ``positions``: category -> V position (chapter 1); ``alpha``: the ridge penalty.
    """
    mine = call(fn, z, categories, positions, alpha, hint="standardise each unit of z, solve the ridge problem "
                "(Zs^T Zs + alpha I) w = Zs^T (y - mean y), build d = Zs^T (y - mean y), return w.d / (|w| |d|).")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your cosine")
    if mine is None:
        return NOT_DONE
    ref = rediscovery.fold_readout(z, categories, subjects, positions, n_splits=n_splits, alpha=alpha).cos_classmean
    if abs(mine - ref) < 1e-6:
        return correct(f"cosine {ref:.3f}: the read-out follows the class means' V ordering "
                       f"{'closely' if ref > 0.9 else 'only in part'}.")
    if abs(mine + ref) < 1e-6:
        return wrong("the sign is flipped: both directions must point towards positive valence.")
    zc = np.asarray(z, float) - np.asarray(z, float).mean(0)
    y = np.array([positions[c] for c in np.asarray(categories).astype(str)])
    yc = y - y.mean()
    w = np.linalg.solve(zc.T @ zc + alpha * np.eye(zc.shape[1]), zc.T @ yc)
    d = zc.T @ yc
    if abs(mine - float(w @ d / np.linalg.norm(w) / np.linalg.norm(d))) < 1e-6:
        return wrong("standardise the units first (divide each centred column by its SD; constant units stay 0).")
    return wrong(f"got {mine:.4f}; expected {ref:.4f} within 1e-6. Check the penalty and the centring of y.")
