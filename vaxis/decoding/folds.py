"""The one fold definition of chapters 3-6: subjects held out, a validation split, and clips held out.

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

Clips held out as well (:class:`ClipSubjectSplit`)
------------------------------------------------
A map or classifier fitted and tested on the *same clips* can score from what each clip does to the
EEG whatever its emotion (its identity: Gerster et al. 2026 on FACED). The split that separates the
two holds clips out as well as subjects:

- **Clip rotations** (:func:`clip_holdouts`): each category's clips are put in a random order
  (``default_rng([seed, 5])``, one permutation per category) and rotation ``r`` holds out the
  ``r``-th group of ``floor(m / n_rotations)`` clips of every category with ``m`` clips. FACED, 3
  rotations: each rotation trains on two clips of each emotion and three of the four neutral ones
  and holds out the third (the fourth neutral one); every emotional clip is held out exactly once,
  three of the four neutral clips once each, and the fourth neutral clip (drawn with the seed) is
  always trained on. Why a balanced rotation and not a sample of the 3^8 x 4 = 26,244 possible
  holdouts: every clip that is held out is held out exactly once, so each (subject, clip) trial gets
  at most one held-out prediction and per-subject statistics count no trial twice; every rotation's
  test set has one clip per category (a balanced test, chance exactly 1/9); and three rotations cost
  three fits where a random sample large enough to cover every clip would cost many more. Which
  clips share a rotation is random (the seed), not their position in the release.
- **Units** (:meth:`ClipSubjectSplit.units`): subject fold ``k`` x rotation ``r``, each a :class:`Fold`
  whose ``train_clips`` are the rotation's kept clips (training *and* validation subjects see only
  those) and whose ``test_clips`` are its held-out clips (:data:`HELD_OUT_CLIPS`) or, for the
  comparison on the same trained models, its kept clips (:data:`SAME_CLIPS`: held-out subjects, clips
  seen in training). ``crossed=True`` gives every subject fold every rotation (each subject is tested
  on every clip that is held out); ``crossed=False`` pairs subject fold ``k`` with rotation
  ``k mod n_rotations`` (each subject is tested on one rotation's clips: as many fits as the subject
  folds alone, for networks).

Bad input is refused before any training starts (:func:`check_training_inputs`): NaN/Inf
features, labels outside the class set, empty folds, and a class missing from a training fold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import io
from .._checks import VaxisInputError, check_option, check_type


@dataclass(frozen=True)
class Fold:
    """Subjects (and, optionally, clips) of one outer fold.

    Attributes
    ----------
    index : int
        Fold number, 0 .. n_splits - 1 (a unit of a :class:`ClipSubjectSplit`: 0 .. n_units - 1).
    train, val, test : tuple of str
        Subject ids used to fit the weights, to stop early, and to score. Disjoint.
    train_clips : tuple of int, optional
        Clips (positions 0 .. n_clips - 1) whose trials the training and validation subjects
        contribute; None: every clip.
    test_clips : tuple of int, optional
        Clips whose trials the test subjects contribute; None: every clip.
    """

    index: int
    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]
    train_clips: tuple[int, ...] | None = None
    test_clips: tuple[int, ...] | None = None

    @property
    def restricts_clips(self) -> bool:
        """Whether some clips are left out of a part (then :meth:`rows` needs each row's clip)."""
        return self.train_clips is not None or self.test_clips is not None

    def rows(self, subject_of_row: np.ndarray, clip_of_row: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row indices ``(train, val, test)`` of per-row subject (and clip) arrays, each sorted ascending.

        ``clip_of_row`` (clip positions) is needed when the fold restricts clips and ignored otherwise.
        """
        ids, code = np.unique(np.asarray(subject_of_row).astype(str), return_inverse=True)
        part_of = np.full(ids.size, -1)  # 0 train, 1 val, 2 test, -1 in no part (one pass over the rows)
        for k, part in enumerate((self.train, self.val, self.test)):
            part_of[np.isin(ids, np.asarray(part, dtype=str))] = k
        row_part = part_of[code.ravel()]
        if self.restricts_clips:
            if clip_of_row is None:
                raise VaxisInputError(f"Fold {self.index} holds clips out: give each row's clip (clip_of_row).")
            clip = np.asarray(clip_of_row).ravel()
            if clip.shape != row_part.shape:
                raise VaxisInputError(f"clip_of_row must have one entry per row ({row_part.size}), got {clip.shape}.")
            for parts, clips in (((0, 1), self.train_clips), ((2,), self.test_clips)):
                if clips is not None:
                    row_part[np.isin(row_part, parts) & ~np.isin(clip, np.asarray(clips, dtype=int))] = -1
        return tuple(np.flatnonzero(row_part == k) for k in range(3))  # type: ignore[return-value]

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"index": self.index, "train": list(self.train), "val": list(self.val),
                                "test": list(self.test)}
        if self.restricts_clips:  # keys only when clips are held out: subject folds keep their signatures
            d.update(train_clips=None if self.train_clips is None else list(self.train_clips),
                     test_clips=None if self.test_clips is None else list(self.test_clips))
        return d


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


#: :meth:`ClipSubjectSplit.units` scores held-out subjects on the clips held out of training ...
HELD_OUT_CLIPS = "held-out clips"
#: ... or on the clips the same models trained on (the comparison).
SAME_CLIPS = "same clips"


@dataclass(frozen=True)
class ClipHoldout:
    """One clip rotation: the clips held out of training and the clips kept (positions 0 .. n_clips - 1)."""

    index: int
    held_out: tuple[int, ...]
    kept: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "held_out": list(self.held_out), "kept": list(self.kept)}


def clip_holdouts(clip_category: Sequence[str] | np.ndarray, n_rotations: int = 3, seed: int = 0) -> list[ClipHoldout]:
    """Balanced clip rotations: each holds out ``floor(m / n_rotations)`` clips of every category.

    Parameters
    ----------
    clip_category : sequence of str, shape (n_clips,)
        Category of each clip.
    n_rotations : int
        Rotations, 2 .. the fewest clips of a category (each rotation must keep a clip of every
        category to train on and hold one out).
    seed : int
        Seed of the order of each category's clips (``default_rng([seed, 5])``).

    Returns
    -------
    list of ClipHoldout
        Clips of a category with ``m`` clips are permuted once; rotation ``r`` holds out positions
        ``r * q .. (r + 1) * q - 1`` of that order, ``q = m // n_rotations``; the last ``m - R q``
        clips of the order are never held out. See the module docstring for why.
    """
    check_type("n_rotations", n_rotations, (int, np.integer))
    cat = np.asarray(clip_category).astype(str)
    if cat.ndim != 1 or cat.size == 0:
        raise VaxisInputError("clip_category must be a non-empty 1-D array of category names.")
    groups = {c: np.flatnonzero(cat == c) for c in dict.fromkeys(cat.tolist())}
    fewest = min(g.size for g in groups.values())
    if n_rotations < 2 or n_rotations > fewest:
        raise VaxisInputError(f"n_rotations={n_rotations}: need 2 .. {fewest} (the fewest clips of a category: every "
                              "rotation keeps a clip of each category for training and holds one out).")
    rng = np.random.default_rng([seed, 5])
    orders = {c: g[rng.permutation(g.size)] for c, g in groups.items()}
    out = []
    for r in range(n_rotations):
        held = np.sort(np.concatenate([o[r * (o.size // n_rotations):(r + 1) * (o.size // n_rotations)]
                                       for o in orders.values()]))
        kept = np.setdiff1d(np.arange(cat.size), held)
        out.append(ClipHoldout(r, tuple(int(i) for i in held), tuple(int(i) for i in kept)))
    return out


@dataclass(frozen=True)
class ClipSubjectSplit:
    """Leave clips out crossed with leave subjects out: the split of the held-out-clips question.

    Attributes
    ----------
    subject_folds : tuple of Fold
        From :func:`subject_folds` (their validation subjects stop early, on the kept clips).
    holdouts : tuple of ClipHoldout
        From :func:`clip_holdouts`.
    crossed : bool
        Every subject fold with every rotation (True), or subject fold ``k`` with rotation
        ``k mod n_rotations`` (False).
    """

    subject_folds: tuple[Fold, ...]
    holdouts: tuple[ClipHoldout, ...]
    crossed: bool = True

    def pairs(self) -> list[tuple[Fold, ClipHoldout]]:
        """(subject fold, rotation) of every unit, in unit order."""
        if self.crossed:
            return [(f, h) for f in self.subject_folds for h in self.holdouts]
        return [(f, self.holdouts[k % len(self.holdouts)]) for k, f in enumerate(self.subject_folds)]

    def units(self, test: str = HELD_OUT_CLIPS) -> list[Fold]:
        """The units as :class:`Fold` objects, index 0 .. n_units - 1, training on the kept clips.

        ``test``: :data:`HELD_OUT_CLIPS` (score the held-out subjects on the rotation's held-out
        clips) or :data:`SAME_CLIPS` (on its kept clips: the same trained models, clips they saw).
        The training and validation rows, and so the trained models and their cache keys' training
        part, are the same for both; only the scored rows differ.
        """
        check_option("test", test, (HELD_OUT_CLIPS, SAME_CLIPS))
        return [Fold(u, f.train, f.val, f.test, h.kept, h.held_out if test == HELD_OUT_CLIPS else h.kept)
                for u, (f, h) in enumerate(self.pairs())]

    def as_dict(self) -> dict[str, object]:
        return {"subject_folds": [f.as_dict() for f in self.subject_folds],
                "holdouts": [h.as_dict() for h in self.holdouts], "crossed": self.crossed}


def clip_subject_split(subjects: Sequence[str] | np.ndarray, clip_category: Sequence[str] | np.ndarray,
                       n_splits: int = 5, seed: int = 0, val_fraction: float = 0.2, n_rotations: int = 3,
                       crossed: bool = True) -> ClipSubjectSplit:
    """:func:`subject_folds` (same arguments, so the same subject folds as the chapters' own) with
    :func:`clip_holdouts` (``n_rotations``, the same ``seed``), crossed or paired (:class:`ClipSubjectSplit`)."""
    return ClipSubjectSplit(tuple(subject_folds(subjects, n_splits, seed, val_fraction)),
                            tuple(clip_holdouts(clip_category, n_rotations, seed)), bool(crossed))


def fold_signature(folds: Sequence[Fold]) -> str:
    """A short content hash of the folds (goes into every cache key)."""
    return io.stable_hash([f.as_dict() for f in folds])


def check_training_inputs(X: np.ndarray, y: np.ndarray, subject_of_row: np.ndarray,
                          folds: Sequence[Fold], n_classes: int, clip_of_row: np.ndarray | None = None) -> None:
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
    clip_of_row : ndarray of int, shape (n_rows,), optional
        Clip position of each row; needed when a fold holds clips out.

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
        tr, va, te = fold.rows(subj, clip_of_row)
        for part, rows in (("train", tr), ("test", te)) + ((("val", va),) if fold.val else ()):
            if rows.size == 0:
                raise VaxisInputError(f"Fold {fold.index}: its {part} subjects have no rows (empty fold).")
        for part, rows in (("training", tr),) + ((("validation", va),) if fold.val else ()):
            missing = sorted(set(range(n_classes)) - set(np.unique(y[rows]).tolist()))
            if missing:
                raise VaxisInputError(
                    f"Fold {fold.index}: class code(s) {missing} never occur in its {part} subjects; "
                    "a classifier cannot learn a class it never sees. Use fewer folds or check the labels.")
