"""The training data container: window-level samples with their trial structure and folds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..._checks import VaxisInputError
from ..folds import Fold


@dataclass
class TrainData:
    """Window-level samples with their trial structure.

    Attributes
    ----------
    X : ndarray, shape (n_rows, n_chans, n_bands), float32
        DE features of one window per row.
    y : ndarray, shape (n_rows,), int64
        Class code of the row (its trial's label).
    subject : ndarray of str, shape (n_rows,)
    trial : ndarray of int, shape (n_rows,)
        Trial (subject x clip) index of each row, 0 .. n_trials - 1.
    window : ndarray of int, shape (n_rows,)
        Window index within its trial.
    classes : list of str
        Class names; code k is ``classes[k]``.
    trial_subject : ndarray of str, shape (n_trials,)
    trial_clip : ndarray of int, shape (n_trials,)
    trial_label : ndarray of int, shape (n_trials,)
    """

    X: np.ndarray
    y: np.ndarray
    subject: np.ndarray
    trial: np.ndarray
    window: np.ndarray
    classes: list[str]
    trial_subject: np.ndarray
    trial_clip: np.ndarray
    trial_label: np.ndarray
    _fingerprint: str | None = field(default=None, repr=False)
    _rows: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dataset(cls, dataset: Any, normalize: str = "subject", classes: Sequence[str] | None = None) -> TrainData:
        """Window features of an :class:`~vaxis.eeg.EEGDataset` (labels: clip categories)."""
        X, cats, subs, clip = dataset.window_features(normalize=normalize)
        classes = list(classes) if classes is not None else list(dataset.categories)
        unknown = sorted(set(cats.tolist()) - set(classes))
        if unknown:
            raise VaxisInputError(f"Categories {unknown} are outside the class set {classes}.")
        code = {c: i for i, c in enumerate(classes)}
        S, C, W = dataset.n_subjects, dataset.n_clips, dataset.n_windows
        trial = np.repeat(np.arange(S * C), W)
        return cls(
            X=X.reshape(-1, dataset.n_channels, dataset.n_bands).astype(np.float32),
            y=np.array([code[c] for c in cats], dtype=np.int64), subject=subs.astype(str), trial=trial,
            window=np.tile(np.arange(W), S * C), classes=classes,
            trial_subject=np.repeat(np.asarray(dataset.subjects, dtype=str), C),
            trial_clip=np.tile(np.arange(C), S),
            trial_label=np.array([code[c] for c in np.tile(dataset.clip_category, S)], dtype=np.int64))

    @property
    def row_clip(self) -> np.ndarray:
        """Clip position of every row: (n_rows,)."""
        return self.trial_clip[self.trial]

    def fold_rows(self, fold: Fold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``fold.rows(self.subject, self.row_clip)`` (train, val, test row indices), computed once per fold
        (a fold that holds clips out keeps only its parts' clips)."""
        key = ("rows", fold.train, fold.val, fold.test, fold.train_clips, fold.test_clips)
        if key not in self._rows:
            self._rows[key] = fold.rows(self.subject, self.row_clip if fold.restricts_clips else None)
        return self._rows[key]

    def fold_trials(self, fold: Fold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trial indices (train, val, test) of the fold's subjects (and clips), computed once per fold."""
        key = ("trials", fold.train, fold.val, fold.test, fold.train_clips, fold.test_clips)
        if key not in self._rows:
            self._rows[key] = fold.rows(self.trial_subject, self.trial_clip if fold.restricts_clips else None)
        return self._rows[key]

    @property
    def n_trials(self) -> int:
        return int(self.trial_label.shape[0])

    def fingerprint(self) -> str:
        """Content hash of features, labels and trial structure (part of the cache key)."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for a in (self.X, self.y, self.trial, self.window, self.trial_label):
                h.update(np.ascontiguousarray(a).tobytes())
            h.update("|".join(self.subject[np.r_[0, np.flatnonzero(np.diff(self.trial)) + 1]]).encode())
            h.update("|".join(self.classes).encode())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    def with_trial_labels(self, trial_label: np.ndarray) -> TrainData:
        """The same data with new labels per trial (every window takes its trial's label)."""
        trial_label = np.asarray(trial_label, dtype=np.int64)
        if trial_label.shape != (self.n_trials,):
            raise VaxisInputError(f"trial_label must have shape ({self.n_trials},), got {trial_label.shape}.")
        return TrainData(self.X, trial_label[self.trial], self.subject, self.trial, self.window, self.classes,
                         self.trial_subject, self.trial_clip, trial_label)

    def shuffled_labels(self, seed: int) -> TrainData:
        """Control data: the trial labels permuted within each subject (class counts kept).

        Every window of a trial keeps one (wrong) label, so a network can still memorise trials
        but cannot learn a category mapping shared across subjects.
        """
        rng = np.random.default_rng([seed, 2])
        lab = self.trial_label.copy()
        for s in dict.fromkeys(self.trial_subject.tolist()):
            rows = np.flatnonzero(self.trial_subject == s)
            lab[rows] = lab[rows][rng.permutation(rows.size)]
        return self.with_trial_labels(lab)

    def strided_rows(self, fold: Fold, stride: int) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation rows of ``fold`` that keep every ``stride``-th window of a trial."""
        tr, va, _ = self.fold_rows(fold)
        keep = (self.window % stride) == 0
        return tr[keep[tr]], va[keep[va]]
