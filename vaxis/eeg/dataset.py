"""The one EEG data structure every chapter uses: :class:`EEGDataset`.

A dataset holds differential-entropy (DE) features of every subject, clip, window, channel and
band, plus what is known about each clip (its emotion category and human valence/arousal
ratings) and, where they exist, each subject's own ratings of each clip. Real FACED, real SEED-V
and the simulated cohorts all produce it.

Shapes
------
``de``: ``(n_subjects, n_clips, n_windows, n_channels, n_bands)`` float32, in nats.
All subjects share the same clips (same stimuli, same order). SEED-V, whose trials have different
lengths, is brought to a fixed ``n_windows`` by its loader (see :mod:`vaxis.eeg.seedv`).

Feature vectors
---------------
:meth:`EEGDataset.trial_features` and :meth:`EEGDataset.window_features` flatten channels and
bands channel-major: feature ``j = channel * n_bands + band`` (names from
:meth:`EEGDataset.feature_names`), so ``w.reshape(n_channels, n_bands)`` gives back a scalp map
per band.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._checks import VaxisInputError, check_option
from ..tables import wrap
from ..verdicts import RECORDED, SIMULATED
from .mechanisms import MECHANISM_KNOBS
from .montage import BANDS, canonical_channel_names, scalp_channels


@dataclass
class EEGDataset:
    """DE features of a cohort with the clip labels and human ratings that go with them.

    Parameters
    ----------
    de : ndarray, shape (n_subjects, n_clips, n_windows, n_channels, n_bands)
        Differential entropy in nats (float32). Must be finite.
    subjects : list of str
        Unique subject ids, one per first axis entry.
    clip_category : ndarray of str, shape (n_clips,)
        Emotion category of each clip.
    clip_valence, clip_arousal : ndarray, shape (n_clips,)
        Human valence / arousal rating of each clip (scale in ``rating_scale``); NaN where unknown.
    channels : list of str
        Channel names (10-05 spelling), one per channel axis entry.
    bands : dict of str -> (low, high)
        Frequency band edges in Hz, one per band axis entry, in order.
    sfreq : float
        Sampling rate (Hz) of the EEG the features were computed from.
    source : str
        Where the data came from: ``"simulated-faced"``, ``"simulated-seedv"``, ``"faced"``,
        ``"seedv"``.
    window_s : float
        Length of one feature window in seconds.
    clip_ids : list of str, optional
        Name of each clip (default ``clip01`` ...).
    clip_session : ndarray of int, shape (n_clips,), optional
        Recording session of each clip (SEED-V); all zeros when there is one session.
    rating_source : str
        Provenance of ``clip_valence``/``clip_arousal`` (a citation or a file).
    rating_scale : tuple of float
        (min, max) of the rating scale.
    subject_ratings : ndarray, shape (n_subjects, n_clips, n_items), optional
        Each subject's own ratings of each clip (FACED: the 12 items of
        :data:`vaxis.eeg.ratings.FACED_ITEMS` on 0-7; a simulated subject ``n`` carries FACED
        participant ``n mod 123``'s); None when the data have none (SEED-V).
    rating_items : tuple of str
        Names of the last axis of ``subject_ratings`` (empty when there are none).
    meta : dict
        Anything else worth keeping (generator parameters, file list, ...).
    planted_valence : ndarray, shape (n_channels, n_bands), optional
        A simulated cohort's truth: the valence pattern the simulator adds to every subject's DE
        (unit root-mean-square, in the order of ``channels`` and ``bands``; its size in the data is
        ``meta["valence_strength"]`` per z-unit of clip valence). ``None`` for real recordings,
        whose truth is unknown. Nothing that fits or scores a decoder reads it: only the comparison
        of a fitted map with the truth (:mod:`vaxis.decoding.recovery`).
    """

    de: np.ndarray
    subjects: list[str]
    clip_category: np.ndarray
    clip_valence: np.ndarray
    clip_arousal: np.ndarray
    channels: list[str]
    bands: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(BANDS))
    sfreq: float = 250.0
    source: str = "unknown"
    window_s: float = 1.0
    clip_ids: list[str] | None = None
    clip_session: np.ndarray | None = None
    rating_source: str = ""
    rating_scale: tuple[float, float] = (1.0, 9.0)
    subject_ratings: np.ndarray | None = None
    rating_items: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    planted_valence: np.ndarray | None = None

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        de = np.asarray(self.de)
        if de.ndim != 5:
            raise VaxisInputError(
                "de must be 5-D (n_subjects, n_clips, n_windows, n_channels, n_bands), "
                f"got shape {de.shape}."
            )
        if de.dtype.kind not in "fiu":
            raise VaxisInputError(f"de must be numeric, got dtype {de.dtype}.")
        self.de = np.ascontiguousarray(de, dtype=np.float32)
        n_sub, n_clip, n_win, n_ch, n_band = self.de.shape
        if min(self.de.shape) == 0:
            raise VaxisInputError(f"de has an empty axis: shape {self.de.shape}.")
        bad = ~np.isfinite(self.de)
        if bad.any():
            where = np.argwhere(bad.any(axis=(2, 3, 4)))
            pairs = ", ".join(f"subject {self.subjects[s] if s < len(self.subjects) else s}"
                              f" clip {c}" for s, c in where[:5])
            raise VaxisInputError(
                f"de contains {int(bad.sum())} NaN/Inf value(s) (e.g. {pairs}). DE of a flat or "
                "missing signal is -inf: fix or drop those recordings before building the dataset."
            )
        self.subjects = [str(s) for s in self.subjects]
        if len(self.subjects) != n_sub:
            raise VaxisInputError(f"{len(self.subjects)} subject ids for {n_sub} subjects in de.")
        dup = sorted({s for s in self.subjects if self.subjects.count(s) > 1})
        if dup:
            raise VaxisInputError(f"Duplicated subject id(s) {dup}: each subject must appear once.")
        self.clip_category = np.asarray(self.clip_category).astype(str)
        if self.clip_category.shape != (n_clip,):
            raise VaxisInputError(
                f"clip_category must have shape ({n_clip},), got {self.clip_category.shape}."
            )
        if (np.char.strip(self.clip_category) == "").any():
            raise VaxisInputError("clip_category has empty labels; every clip needs a category.")
        for name in ("clip_valence", "clip_arousal"):
            v = np.asarray(getattr(self, name), dtype=float)
            if v.shape != (n_clip,):
                raise VaxisInputError(f"{name} must have shape ({n_clip},), got {v.shape}.")
            if np.isinf(v).any():
                raise VaxisInputError(f"{name} contains Inf; use NaN for unknown ratings.")
            setattr(self, name, v)
        self.channels = canonical_channel_names(list(self.channels))
        if len(self.channels) != n_ch:
            raise VaxisInputError(f"{len(self.channels)} channel names for {n_ch} channels in de.")
        dupc = sorted({c for c in self.channels if self.channels.count(c) > 1})
        if dupc:
            raise VaxisInputError(f"Duplicated channel name(s) {dupc}.")
        self.bands = {str(k): (float(v[0]), float(v[1])) for k, v in dict(self.bands).items()}
        if len(self.bands) != n_band:
            raise VaxisInputError(f"{len(self.bands)} bands given for {n_band} bands in de.")
        for k, (lo, hi) in self.bands.items():
            if not 0 <= lo < hi:
                raise VaxisInputError(f"Band {k!r} has edges ({lo}, {hi}); need 0 <= low < high.")
        if self.clip_ids is None:
            self.clip_ids = [f"clip{i + 1:02d}" for i in range(n_clip)]
        self.clip_ids = [str(c) for c in self.clip_ids]
        if len(self.clip_ids) != n_clip or len(set(self.clip_ids)) != n_clip:
            raise VaxisInputError(f"clip_ids must be {n_clip} unique names.")
        if self.clip_session is None:
            self.clip_session = np.zeros(n_clip, dtype=int)
        self.clip_session = np.asarray(self.clip_session, dtype=int)
        if self.clip_session.shape != (n_clip,):
            raise VaxisInputError(f"clip_session must have shape ({n_clip},).")
        if not (self.sfreq > 0 and self.window_s > 0):
            raise VaxisInputError("sfreq and window_s must be positive.")
        self.rating_items = tuple(str(i) for i in self.rating_items)
        if self.subject_ratings is not None:
            r = np.asarray(self.subject_ratings, dtype=float)
            if r.ndim != 3 or r.shape[:2] != (n_sub, n_clip) or r.shape[2] != len(self.rating_items):
                raise VaxisInputError(
                    f"subject_ratings must have shape ({n_sub}, {n_clip}, {len(self.rating_items)}) "
                    f"(subjects, clips, one per rating_items entry), got {r.shape}."
                )
            self.subject_ratings = r
        elif self.rating_items:
            raise VaxisInputError("rating_items given without subject_ratings.")
        if self.planted_valence is not None:
            planted = np.asarray(self.planted_valence, dtype=float)
            if planted.shape != (n_ch, n_band) or not np.isfinite(planted).all():
                raise VaxisInputError(f"planted_valence must be finite with shape ({n_ch}, {n_band}) "
                                      f"(channels, bands), got {planted.shape}.")
            self.planted_valence = planted

    # ------------------------------------------------------------------ what the data are
    @property
    def evidence(self) -> str:
        """``"simulated"`` or ``"recorded"`` (:func:`evidence_of` of :attr:`source`)."""
        return evidence_of(self.source)

    @property
    def mechanisms(self) -> dict[str, float]:
        """The generator's mechanism knobs (:data:`vaxis.eeg.mechanisms.MECHANISM_KNOBS`) switched on
        in a simulated cohort (empty for the default cohort and for recorded data)."""
        if not is_simulated(self.source):
            return {}
        return {k: float(self.meta[k]) for k in MECHANISM_KNOBS if float(self.meta.get(k, 0) or 0) != 0}

    # ------------------------------------------------------------------ shape helpers
    @property
    def n_subjects(self) -> int:
        return self.de.shape[0]

    @property
    def n_clips(self) -> int:
        return self.de.shape[1]

    @property
    def n_windows(self) -> int:
        return self.de.shape[2]

    @property
    def n_channels(self) -> int:
        return self.de.shape[3]

    @property
    def n_bands(self) -> int:
        return self.de.shape[4]

    @property
    def band_names(self) -> list[str]:
        return list(self.bands)

    @property
    def categories(self) -> list[str]:
        """Distinct categories in order of first appearance among the clips."""
        return list(dict.fromkeys(self.clip_category.tolist()))

    def feature_names(self) -> list[str]:
        """Names ``"<channel>_<band>"`` of the flattened features, channel-major."""
        return [f"{c}_{b}" for c in self.channels for b in self.bands]

    def subject_item(self, item: str) -> np.ndarray:
        """Each subject's own rating ``item`` of each clip: (n_subjects, n_clips)."""
        if self.subject_ratings is None:
            raise VaxisInputError(f"This dataset ({self.source}) carries no per-subject ratings.")
        check_option("item", item, self.rating_items)
        return self.subject_ratings[..., self.rating_items.index(item)]

    def clip_ratings(self, item: str = "valence") -> dict[str, float]:
        """Clip id -> the clip's human ``valence`` or ``arousal`` (:attr:`clip_valence` / :attr:`clip_arousal`)."""
        check_option("item", item, ("valence", "arousal"))
        values = self.clip_valence if item == "valence" else self.clip_arousal
        return {c: float(v) for c, v in zip(self.clip_ids, values)}

    def trial_clips(self) -> np.ndarray:
        """Clip id of every row of :meth:`trial_features` (subject-major): (n_subjects * n_clips,)."""
        return np.tile(np.asarray(self.clip_ids), self.n_subjects)

    def category_ratings(self) -> pd.DataFrame:
        """Mean human valence and arousal per category (index: category, first-appearance order)."""
        df = pd.DataFrame(
            {"category": self.clip_category, "valence": self.clip_valence,
             "arousal": self.clip_arousal}
        )
        return df.groupby("category", sort=False).mean()

    def clip_table(self) -> pd.DataFrame:
        """One row per clip: id, session, category, valence, arousal."""
        return pd.DataFrame(
            {"clip": self.clip_ids, "session": self.clip_session, "category": self.clip_category,
             "valence": self.clip_valence, "arousal": self.clip_arousal}
        )

    def __repr__(self) -> str:
        return wrap(
            f"EEGDataset(source={self.source!r}, subjects={self.n_subjects}, clips={self.n_clips}, "
            f"windows={self.n_windows}, channels={self.n_channels}, bands={self.band_names}, "
            f"categories={len(self.categories)})", indent=" " * len("EEGDataset(")
        )

    # ------------------------------------------------------------------ features
    def trial_features(
        self, normalize: str = "subject"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One feature vector per subject and clip: DE averaged over windows.

        Parameters
        ----------
        normalize : {"subject", "none"}
            ``"subject"`` z-scores every feature within each subject across that subject's clips
            (removes subject offsets and gains, uses no label and no other subject: safe inside
            leave-subjects-out cross-validation).

        Returns
        -------
        X : ndarray, shape (n_subjects * n_clips, n_channels * n_bands)
            Rows ordered subject-major (all clips of subject 0, then subject 1, ...); float64.
        categories : ndarray of str, shape (n_subjects * n_clips,)
        subject_ids : ndarray of str, shape (n_subjects * n_clips,)
        """
        check_option("normalize", normalize, ("subject", "none"))
        X = self.de.mean(axis=2, dtype=np.float64).reshape(self.n_subjects, self.n_clips, -1)
        if normalize == "subject":
            X = _zscore(X, axis=1)
        X = X.reshape(self.n_subjects * self.n_clips, -1)
        cats = np.tile(self.clip_category, self.n_subjects)
        subs = np.repeat(np.asarray(self.subjects), self.n_clips)
        return X, cats, subs

    def window_features(
        self, normalize: str = "subject", dtype: Any = np.float32
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One feature vector per subject, clip and window (for classifiers).

        Parameters
        ----------
        normalize : {"subject", "none"}
            ``"subject"`` z-scores each feature within subject across all its clips and windows.
        dtype : numpy dtype
            Output dtype of ``X`` (float32 by default, to keep memory small).

        Returns
        -------
        X : ndarray, shape (n_subjects * n_clips * n_windows, n_channels * n_bands)
            Rows ordered subject, clip, window.
        categories : ndarray of str
        subject_ids : ndarray of str
        clip_index : ndarray of int
            Index of the clip each row belongs to (0 .. n_clips - 1), e.g. to group windows.
        """
        check_option("normalize", normalize, ("subject", "none"))
        S, C, W = self.n_subjects, self.n_clips, self.n_windows
        X = self.de.reshape(S, C * W, -1)
        if normalize == "subject":
            X = _zscore(X.astype(np.float64), axis=1)
        X = np.asarray(X, dtype=dtype).reshape(S * C * W, -1)
        cats = np.tile(np.repeat(self.clip_category, W), S)
        subs = np.repeat(np.asarray(self.subjects), C * W)
        clip_index = np.tile(np.repeat(np.arange(C), W), S)
        return X, cats, subs, clip_index

    # ------------------------------------------------------------------ subsetting
    def select_subjects(self, subjects: Sequence[str] | Sequence[int] | np.ndarray) -> EEGDataset:
        """A new dataset with only ``subjects`` (ids, or integer positions), in the given order."""
        items = list(np.asarray(subjects).tolist())
        if all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in items):
            idx = [int(i) for i in items]
            bad = [i for i in idx if not -self.n_subjects <= i < self.n_subjects]
            if bad:
                raise VaxisInputError(f"Subject position(s) {bad} out of range 0..{self.n_subjects - 1}.")
        else:
            pos = {s: i for i, s in enumerate(self.subjects)}
            missing = [s for s in map(str, items) if s not in pos]
            if missing:
                raise VaxisInputError(
                    f"Unknown subject id(s) {missing}; available: {self.subjects[:5]}... "
                    f"({self.n_subjects} in all)."
                )
            idx = [pos[str(s)] for s in items]
        if not idx:
            raise VaxisInputError("select_subjects needs at least one subject.")
        return dataclasses.replace(
            self, de=self.de[idx], subjects=[self.subjects[i] for i in idx],
            subject_ratings=None if self.subject_ratings is None else self.subject_ratings[idx],
        )

    def pick_channels(self, channels: Sequence[str]) -> EEGDataset:
        """A new dataset with only ``channels`` (any capitalisation), in the given order."""
        names = canonical_channel_names(list(channels))
        missing = [c for c in names if c not in self.channels]
        if missing:
            raise VaxisInputError(f"Channel(s) {missing} not in this dataset ({self.channels}).")
        idx = [self.channels.index(c) for c in names]
        planted = None if self.planted_valence is None else self.planted_valence[idx]
        return dataclasses.replace(self, de=self.de[:, :, :, idx], channels=names, planted_valence=planted)

    def without_reference_channels(self) -> EEGDataset:
        """A new dataset without the reference/auxiliary channels (A2, A1: see
        :data:`vaxis.eeg.montage.REFERENCE_CHANNELS`), the other channels in their order. What
        every loader and the simulator return unless ``reference_channels=True``."""
        return self.pick_channels(scalp_channels(self.channels))

    def select_clips(self, mask_or_index: Sequence[int] | np.ndarray) -> EEGDataset:
        """A new dataset with only some clips (boolean mask or integer positions)."""
        idx = np.arange(self.n_clips)[np.asarray(mask_or_index)]
        if idx.size == 0:
            raise VaxisInputError("select_clips selected no clip.")
        return dataclasses.replace(
            self, de=self.de[:, idx], clip_category=self.clip_category[idx],
            clip_valence=self.clip_valence[idx], clip_arousal=self.clip_arousal[idx],
            clip_ids=[self.clip_ids[i] for i in idx], clip_session=self.clip_session[idx],
            subject_ratings=None if self.subject_ratings is None else self.subject_ratings[:, idx],
        )


def is_simulated(source: str | None) -> bool:
    """Whether a dataset label (:attr:`EEGDataset.source`) names a simulated cohort (``"simulated-..."``).

    The one test of it: figures (:mod:`vaxis.plots`) and the scorecard (:mod:`vaxis.book.scorecard`)
    word their data from it.
    """
    return str(source or "").startswith("simulated")


def evidence_of(source: str | None) -> str:
    """The kind of evidence a dataset label gives (:mod:`vaxis.verdicts`): ``"simulated"`` for a
    simulated cohort, ``"recorded"`` for a real release. Verdicts take it from here, never typed."""
    return SIMULATED if is_simulated(source) else RECORDED



def _zscore(X: np.ndarray, axis: int) -> np.ndarray:
    """Z-score along ``axis``; constant features become 0 (not NaN)."""
    mu = X.mean(axis=axis, keepdims=True)
    sd = X.std(axis=axis, keepdims=True)
    return (X - mu) / np.where(sd > 0, sd, 1.0)
