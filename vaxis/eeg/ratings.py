"""Human ratings of the emotion category words: the valence and arousal every EEG cohort is labelled with.

One table, read by the real-data loaders (when a release carries no per-clip self-reports) and by
the simulator (whose valence and arousal patterns are scaled by these human numbers, never by a
language model's).

Values: Warriner, Kuperman & Brysbaert (2013), crowd-sourced ratings of 13,915 English lemmas on
1-9 scales, copied from ``Ratings_Warriner_et_al.csv`` (columns ``V.Mean.Sum`` and
``A.Mean.Sum``). FACED's own per-clip self-reports are in its release; when they are loaded they
replace these (see :mod:`vaxis.eeg.faced`).
"""

from __future__ import annotations

import numpy as np

from .._checks import VaxisInputError

#: Human norms: word -> (valence, arousal), 1-9 scales, Warriner et al. (2013), mean of all raters.
CATEGORY_NORMS: dict[str, tuple[float, float]] = {
    "anger": (2.50, 5.93),
    "disgust": (3.32, 5.00),
    "fear": (2.93, 6.14),
    "sadness": (2.40, 2.81),
    "neutral": (5.50, 3.45),
    "amusement": (7.00, 4.82),
    "inspiration": (6.53, 4.77),
    "joy": (8.21, 5.55),
    "tenderness": (6.89, 3.10),
    # SEED-V's category words
    "sad": (2.10, 3.49),
    "happy": (8.47, 6.05),
}
#: Provenance of :data:`CATEGORY_NORMS`.
NORMS_SOURCE = (
    "Warriner, Kuperman & Brysbaert (2013) Behav Res Methods 45:1191-1207, word norms "
    "(V.Mean.Sum, A.Mean.Sum; 1-9 scales) for the category words"
)
#: Cross-check: VADER lexicon (Hutto & Gilbert 2014) mean valence on -4..4 of the same words,
#: from ``vader_lexicon.txt`` (``neutral`` is not in the lexicon; 0 is its neutral point).
VADER_VALENCE: dict[str, float] = {
    "anger": -2.7, "disgust": -2.9, "fear": -2.2, "sadness": -1.9, "neutral": 0.0,
    "amusement": 1.5, "inspiration": 2.4, "joy": 2.8, "tenderness": 1.8,
    "sad": -2.1, "happy": 2.7,
}  # fmt: skip


def category_norms(categories) -> tuple[np.ndarray, np.ndarray]:
    """Human valence and arousal (1-9) of each category word in ``categories``: two arrays (n,)."""
    cats = [str(c) for c in categories]
    unknown = sorted(set(cats) - set(CATEGORY_NORMS))
    if unknown:
        raise VaxisInputError(f"No human norms for categories {unknown}; known: {sorted(CATEGORY_NORMS)}.")
    norms = np.array([CATEGORY_NORMS[c] for c in cats], dtype=float).reshape(-1, 2)
    return norms[:, 0], norms[:, 1]
