"""The one fold definition of chapters 4-6: subjects held out, a validation split for early stopping.

Protocol
--------
- **Outer folds** (:func:`subject_folds`): the distinct subjects are shuffled with
  ``numpy.random.default_rng(seed)`` and cut into ``n_splits`` contiguous groups of nearly equal
  size (``numpy.array_split``); fold ``k`` tests on group ``k`` and trains on the others. Every
  subject is tested exactly once (GroupKFold semantics, but the assignment depends only on the
  sorted subject ids and ``seed``, not on row order or group sizes).
- **Validation subjects** (early stopping): inside each fold, ``ceil(val_fraction * n_train)``
  training subjects (at least 1) drawn with ``default_rng([seed, k])`` are moved from training to
  validation. No test subject is ever used to choose anything.

Every later chapter calls :func:`subject_folds` with the same ``(subjects, n_splits, seed,
val_fraction)`` and so sees the same folds; :func:`fold_signature` is a short hash of them (part of
every cache key).

Bad input is refused before any training starts (:func:`check_training_inputs`): NaN/Inf
features, labels outside the class set, empty folds, and a class missing from a training fold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import io
from .._checks import VaxisInputError, check_type


@dataclass(frozen=True)
class Fold:
    """Subjects of one outer fold.

    Attributes
    ----------
    index : int
        Fold number, 0 .. n_splits - 1.
    train, val, test : tuple of str
        Subject ids used to fit the weights, to stop early, and to score. Disjoint.
    """

    index: int
    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]

    def rows(self, subject_of_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row indices ``(train, val, test)`` of a per-row subject array, each sorted ascending."""
        ids, code = np.unique(np.asarray(subject_of_row).astype(str), return_inverse=True)
        part_of = np.full(ids.size, -1)  # 0 train, 1 val, 2 test, -1 in no part (one pass over the rows)
        for k, part in enumerate((self.train, self.val, self.test)):
            part_of[np.isin(ids, np.asarray(part, dtype=str))] = k
        row_part = part_of[code.ravel()]
        return tuple(np.flatnonzero(row_part == k) for k in range(3))  # type: ignore[return-value]

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "train": list(self.train), "val": list(self.val), "test": list(self.test)}


def subject_folds(subjects: Sequence[str] | np.ndarray, n_splits: int = 5, seed: int = 0,
                  val_fraction: float = 0.2) -> list[Fold]:
    """Leave-subjects-out outer folds with a validation split of the training subjects.

    Parameters
    ----------
    subjects : sequence of str
        Subject ids; repeats are allowed (e.g. one entry per row) and collapse to distinct ids.
    n_splits : int
        Outer folds, 2 <= n_splits <= number of subjects - 1 (every fold needs training subjects).
    seed : int
        Seed of the subject shuffle and of the validation draw.
    val_fraction : float
        Share of each fold's training subjects kept for early stopping, in [0, 1); 0 gives an
        empty validation set (no early stopping possible).

    Returns
    -------
    list of Fold
    """
    check_type("n_splits", n_splits, (int, np.integer))
    uniq = sorted(set(np.asarray(subjects).astype(str).tolist()))
    if not 0 <= val_fraction < 1:
        raise VaxisInputError(f"val_fraction={val_fraction} must be in [0, 1).")
    if n_splits < 2:
        raise VaxisInputError(f"n_splits={n_splits} must be >= 2.")
    if len(uniq) <= n_splits:
        raise VaxisInputError(
            f"{len(uniq)} subject(s) cannot make {n_splits} folds with training and validation "
            f"subjects; use fewer folds or more subjects (need more than {n_splits}).")
    order = np.random.default_rng(seed).permutation(len(uniq))
    groups = np.array_split(np.asarray(uniq)[order], n_splits)
    folds = []
    for k, test in enumerate(groups):
        train = np.asarray(sorted(set(uniq) - set(test.tolist())))
        n_val = 0 if val_fraction == 0 else max(1, math.ceil(val_fraction * train.size))
        if n_val >= train.size:
            raise VaxisInputError(f"Fold {k}: {train.size} training subject(s) leave none to train "
                                  f"after taking {n_val} for validation; lower val_fraction.")
        val = np.sort(np.random.default_rng([seed, k]).choice(train, size=n_val, replace=False))
        fit = np.asarray([s for s in train if s not in set(val.tolist())])
        folds.append(Fold(k, tuple(fit.tolist()), tuple(val.tolist()), tuple(sorted(test.tolist()))))
    return folds


def fold_signature(folds: Sequence[Fold]) -> str:
    """A short content hash of the folds (goes into every cache key)."""
    return io.stable_hash([f.as_dict() for f in folds])


def check_training_inputs(X: np.ndarray, y: np.ndarray, subject_of_row: np.ndarray,
                          folds: Sequence[Fold], n_classes: int) -> None:
    """Refuse inputs that would make training meaningless, before any training starts.

    Parameters
    ----------
    X : ndarray, shape (n_rows, ...)
        Features; must be finite.
    y : ndarray of int, shape (n_rows,)
        Class codes, each in 0 .. n_classes - 1.
    subject_of_row : ndarray of str, shape (n_rows,)
    folds : sequence of Fold
    n_classes : int

    Raises
    ------
    VaxisInputError
        On NaN/Inf features, labels outside the class set, empty folds, unknown subjects, or a
        class absent from a fold's training (or validation) subjects.
    """
    X = np.asarray(X)
    n = X.shape[0]
    bad = ~np.isfinite(X.reshape(n, -1))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise VaxisInputError(
            f"X contains {int(bad.sum())} NaN/Inf value(s) in {rows.size} row(s) (first rows "
            f"{rows[:5].tolist()}, subject(s) {sorted(set(np.asarray(subject_of_row)[rows[:50]].tolist()))[:3]}); "
            "clean or drop them before training.")
    y = np.asarray(y)
    if y.shape != (n,):
        raise VaxisInputError(f"y must have shape ({n},), got {y.shape}.")
    if y.dtype.kind not in "iu":
        raise VaxisInputError(f"y must hold integer class codes, got dtype {y.dtype}.")
    outside = np.unique(y[(y < 0) | (y >= n_classes)])
    if outside.size:
        raise VaxisInputError(f"Label code(s) {outside.tolist()} are outside the class set 0..{n_classes - 1}.")
    subj = np.asarray(subject_of_row).astype(str)
    if subj.shape != (n,):
        raise VaxisInputError(f"subject_of_row must have shape ({n},), got {subj.shape}.")
    if not folds:
        raise VaxisInputError("No folds given.")
    known = set(subj.tolist())
    for fold in folds:
        for part in ("train", "test"):
            members = getattr(fold, part)
            if not members:
                raise VaxisInputError(f"Fold {fold.index} has no {part} subjects (empty fold).")
        unknown = sorted(set(fold.train + fold.val + fold.test) - known)
        if unknown:
            raise VaxisInputError(f"Fold {fold.index} names subject(s) {unknown[:5]} absent from the data.")
        tr, va, te = fold.rows(subj)
        for part, rows in (("train", tr), ("test", te)) + ((("val", va),) if fold.val else ()):
            if rows.size == 0:
                raise VaxisInputError(f"Fold {fold.index}: its {part} subjects have no rows (empty fold).")
        for part, rows in (("training", tr),) + ((("validation", va),) if fold.val else ()):
            missing = sorted(set(range(n_classes)) - set(np.unique(y[rows]).tolist()))
            if missing:
                raise VaxisInputError(
                    f"Fold {fold.index}: class code(s) {missing} never occur in its {part} subjects; "
                    "a classifier cannot learn a class it never sees. Use fewer folds or check the labels.")
