"""Common and rare words: the V-axis's validation split by how often a word is used (chapter 1).

The rated word lists mix everyday words ("happy") with rare ones ("felicitous"), and a model's
hidden state of a rare word rests on fewer training occurrences (mean-pooled models, which average
sub-word pieces, suffer most). The held-out words are split at the median of their **Zipf
frequency** (log10 of occurrences per billion words, wordfreq's blend of corpora: subtitles,
Wikipedia, books, web text, ...; shipped offline by the ``wordfreq`` package, Speer 2022) into a
*common* and a *rare* half, and the V-axis's Spearman rho is reported in each with a bootstrap
interval over words, with the difference (common minus rare) and its interval (independent
bootstraps of the two halves).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .. import stats
from .._checks import VaxisInputError, check_array


def zipf_frequency(words: Sequence[str], lang: str = "en") -> np.ndarray:
    """Zipf frequency of each word (0 for a word wordfreq has never seen), shape (n_words,)."""
    try:
        import wordfreq
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise VaxisInputError("Word frequencies need the 'wordfreq' package: pip install wordfreq.") from err
    return np.array([wordfreq.zipf_frequency(str(w), lang) for w in words], dtype=float)


def by_frequency(positions: np.ndarray, rating: np.ndarray, words: Sequence[str], n_boot: int = 2000,
                 level: float = 0.95, seed: int = 0, lang: str = "en") -> pd.DataFrame:
    """Spearman rho of ``positions`` with ``rating`` in the common and the rare half of ``words``.

    Parameters
    ----------
    positions, rating : ndarray, shape (n_words,)
        Words' V-axis positions and human valence.
    words : sequence of str, length n_words
    n_boot, level, seed :
        Bootstrap over words within each half.

    Returns
    -------
    DataFrame indexed ``common``, ``rare``, ``common - rare``
        ``rho``, ``low``, ``high``, ``n`` (words), ``zipf_min``, ``zipf_max`` (frequency range of
        the half). Words at the median go to the common half.
    """
    x = check_array("positions", positions, ndim=1)
    y = check_array("rating", rating, shape=x.shape)
    words = [str(w) for w in words]
    if len(words) != x.size:
        raise VaxisInputError(f"words has {len(words)} entries for {x.size} positions.")
    f = zipf_frequency(words, lang)
    common = f >= np.median(f)
    if common.all() or not common.any():
        raise VaxisInputError("All words have the same frequency: no common/rare split.")
    rows, boots = {}, {}
    for name, mask, s in (("common", common, seed), ("rare", ~common, seed + 1)):
        est = stats.bootstrap_corr(x[mask], y[mask], n_boot=n_boot, level=level, seed=s)
        idx = stats.resample_indices(int(mask.sum()), n_boot, s)  # the draws bootstrap_corr made
        boots[name] = stats.pearson_rows(rankdata(x[mask][idx], axis=1), rankdata(y[mask][idx], axis=1))
        rows[name] = {"rho": est.value, "low": est.low, "high": est.high, "n": int(mask.sum()),
                      "zipf_min": float(f[mask].min()), "zipf_max": float(f[mask].max())}
    diff = boots["common"] - boots["rare"]
    low, high = stats.percentile_interval(diff, level, ignore_nan=True)
    rows["common - rare"] = {"rho": rows["common"]["rho"] - rows["rare"]["rho"], "low": low, "high": high,
                             "n": x.size, "zipf_min": float(f.min()), "zipf_max": float(f.max())}
    return pd.DataFrame(rows).T.astype({"n": int})


__all__ = ["zipf_frequency", "by_frequency"]
