"""Classification accuracy: balanced accuracy from labels or from per-class counts."""

from __future__ import annotations


import numpy as np

from .._checks import VaxisInputError


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


__all__ = ['balanced_accuracy', 'balanced_accuracy_from_counts']
