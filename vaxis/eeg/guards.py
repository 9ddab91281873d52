"""Guards on real data: checks that catch a wrong file layout or a bad recording before any analysis.

- :func:`check_valence_order` -- the clips rated most positive must be the positive-category clips.
  Fails (an error naming the subjects and the fix) when the cohort's mean rated valence of the
  positive-category clips does not exceed that of the negative-category clips: the clip order or
  the rating items are then in the wrong order (e.g. ``valence`` read from the ``arousal`` column,
  or rows left in presentation order). It is a cohort-level test on purpose: a few real
  participants rate the other way round (in FACED's table 10 of 123 have a difference <= 0, with a
  cohort mean of +2.8 on the 0-7 scale), so one subject's reversal is data, not an error.
- :func:`amplitude_outliers` -- a subject whose signal amplitude is far from the cohort's. In FACED,
  ``sub023`` is reported with an amplitude about 3000 times its neighbours' (``LJL-6666/clisa-eeg-emotion``
  README lines 43-47 and ``Svm_analysis/src/save_de.py`` lines 18-21). The measure is the subject's
  mean log amplitude (mean DE over clips, windows, channels and bands: DE is log amplitude plus a
  constant); a subject is flagged when it lies more than :data:`AMPLITUDE_Z` robust standard
  deviations (1.4826 x the median absolute deviation) from the cohort's median **and** more than
  :data:`AMPLITUDE_RATIO` times above or below the median amplitude. Needs at least
  :data:`MIN_SUBJECTS` subjects. Loaders warn, naming the subject and ``skip_subjects=[...]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from .._checks import VaxisDataError, VaxisInputError
from .montage import FACED_VALENCE_CLASS

#: Robust z (median / 1.4826 MAD) beyond which a subject's mean log amplitude is flagged.
AMPLITUDE_Z: float = 5.0
#: ... and only if its amplitude is also more than this many times above or below the median.
AMPLITUDE_RATIO: float = 10.0
#: Fewest subjects for a cohort to compare with.
MIN_SUBJECTS: int = 5


def valence_difference(valence: np.ndarray, clip_category: Sequence[str]) -> np.ndarray:
    """Mean valence of positive-category clips minus that of negative-category clips, per subject.

    ``valence`` (n_subjects, n_clips) in the clips' order; ``clip_category`` names each clip's
    category (:data:`~vaxis.eeg.montage.FACED_VALENCE_CLASS` gives its side). Returns (n_subjects,).
    """
    v = np.atleast_2d(np.asarray(valence, dtype=float))
    side = np.array([FACED_VALENCE_CLASS.get(str(c), 0) for c in clip_category])
    if v.shape[1] != side.size:
        raise VaxisInputError(f"valence has {v.shape[1]} clips, clip_category {side.size}.")
    if not (side > 0).any() or not (side < 0).any():
        raise VaxisInputError("valence_difference needs positive and negative clips.")
    return v[:, side > 0].mean(axis=1) - v[:, side < 0].mean(axis=1)


def check_valence_order(valence: np.ndarray, clip_category: Sequence[str], subjects: Sequence[str],
                        source: str) -> np.ndarray:
    """Raise :class:`VaxisDataError` unless positive clips are rated above negative ones on average.

    Parameters
    ----------
    valence : ndarray, shape (n_subjects, n_clips)
        Each subject's rated valence of each clip, clips in the dataset's order.
    clip_category : sequence of str
    subjects : sequence of str
        Subject ids (named in the error).
    source : str
        Where the ratings were read (named in the error).

    Returns
    -------
    ndarray (n_subjects,)
        The per-subject differences (:func:`valence_difference`).
    """
    diff = valence_difference(valence, clip_category)
    if not np.nanmean(diff) > 0:
        reversed_ = [s for s, d in zip(subjects, diff) if not d > 0]
        raise VaxisDataError(
            f"Ratings from {source}: the positive-category clips are rated no higher in valence than the "
            f"negative-category clips (mean difference {np.nanmean(diff):+.2f}; subjects with a difference "
            f"<= 0: {reversed_[:20]}{' ...' if len(reversed_) > 20 else ''}). The clips or the rating items "
            "are in the wrong order: check that rows are put in video order with 'vid' and that the 12 "
            "'score' values follow vaxis.eeg.ratings.FACED_ITEMS (valence is the 10th). If these files "
            "really hold such ratings, pass check_ratings=False."
        )
    return diff


def amplitude_outliers(log_amplitude: np.ndarray, subjects: Sequence[str]) -> dict[str, dict[str, float]]:
    """Subjects whose mean log amplitude is far outside the cohort's (see the module docstring).

    Parameters
    ----------
    log_amplitude : ndarray, shape (n_subjects,)
        Each subject's mean log amplitude in nats (e.g. mean DE).
    subjects : sequence of str

    Returns
    -------
    dict
        Subject id -> ``{"z": robust z, "ratio": amplitude / median amplitude}`` for each flagged
        subject (empty when none, or with fewer than :data:`MIN_SUBJECTS` subjects).
    """
    a = np.asarray(log_amplitude, dtype=float)
    if a.shape != (len(subjects),):
        raise VaxisInputError(f"log_amplitude must have shape ({len(subjects)},), got {a.shape}.")
    if a.size < MIN_SUBJECTS:
        return {}
    med = float(np.median(a))
    scale = 1.4826 * float(np.median(np.abs(a - med)))
    dev = a - med
    z = dev / scale if scale > 0 else np.where(dev == 0, 0.0, np.inf * np.sign(dev))
    flag = (np.abs(z) > AMPLITUDE_Z) & (np.abs(dev) > np.log(AMPLITUDE_RATIO))
    return {s: {"z": float(z[i]), "ratio": float(np.exp(dev[i]))} for i, s in enumerate(subjects) if flag[i]}


def warn_amplitude_outliers(log_amplitude: np.ndarray, subjects: Sequence[str], numbers: Sequence[int],
                            what: str) -> dict[str, dict[str, float]]:
    """:func:`amplitude_outliers`, announced with a warning naming each subject and ``skip_subjects``."""
    out = amplitude_outliers(log_amplitude, subjects)
    if out:
        num = dict(zip(subjects, numbers))
        desc = ", ".join(f"{s} ({v['ratio']:.3g} x the median amplitude, robust z {v['z']:.1f})" for s, v in out.items())
        warnings.warn(
            f"{what} subject(s) with a signal amplitude far outside the cohort's: {desc}. Probably a bad "
            "recording (FACED's sub023 is reported at ~3000x). Subject-wise z-scoring absorbs the scale, but "
            f"look at it; to leave it out, pass skip_subjects={[num[s] for s in out]}.",
            UserWarning, stacklevel=3,
        )
    return out
