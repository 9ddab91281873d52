"""Channels, bands and emotion categories of FACED and SEED-V, and scalp positions for topomaps.

Everything here is a constant checked against a public source; the source is named next to it.

FACED (Chen et al. 2023, *Scientific Data* 10:740, :cite:`chen2023faced`)
-------------------------------------------------------------------------
- 32 recorded channels. The order of the 32 rows of ``Processed_data/subNNN.pkl`` and of
  ``EEG_Features/DE/subNNN.pkl.pkl`` is :data:`FACED_CHANNELS`, with the two mastoid references
  A1 and A2 at positions 17 and 18 (1-based). Verified from independent public loaders that read
  the released ``Processed_data`` with exactly this order (a FACED processing script of the
  LibEER/EEG-benchmark family, and the ``leaf_datasets`` FACED pipeline), and from TorchEEG's
  loader for FACED's predecessor (THU-EP/BCI2022), whose *first* recording batch has this order
  while its *second* batch stored A2, A1 last; FACED's released files are harmonised to the first
  order. Caveat, kept visible on purpose: TorchEEG's own ``FACEDDataset`` keeps "the first 30
  channels" and so assumes the mastoids come last; we follow the majority reading and say so.
- 28 clips in a fixed order: 3 anger, 3 disgust, 3 fear, 3 sadness, 4 neutral, 3 amusement,
  3 inspiration, 3 joy, 3 tenderness (:data:`FACED_CLIP_CATEGORIES`). Verified from two
  independent loaders (TorchEEG ``EMOTION_DICT``; CBraMod's FACED preprocessing label vector
  ``[0,0,0,1,1,1,2,2,2,3,3,3,4,4,4,4,5,...,8]``) and consistent with the paper's 9 categories and
  28 clips (4 neutral, 3 per other category).
- 250 Hz processed EEG, 30 s per clip (7500 samples), DE/PSD features per 1-s window (30 windows)
  and 5 bands (TorchEEG ``FACEDFeatureDataset`` documents the 28 x 32 x 30 x 5 layout).

Bands: FACED's DE/PSD features use five bands; we use delta 1-4, theta 4-8, alpha 8-14,
beta 14-30 and gamma 30-47 Hz (:data:`BANDS`). These are the edges our simulator and our DE code
use; we could not read the exact edges of FACED's released features in its documentation, so they
are a stated choice (the 47 Hz top edge stays below FACED's 50 Hz line-noise notch).

SEED-V (Liu et al. 2022, *IEEE TCDS*, :cite:`liu2022seedv`)
-----------------------------------------------------------
62 channels (ESI NeuroScan 10-20 cap, order :data:`SEEDV_CHANNELS` as in TorchEEG's
``SEED_V_CHANNEL_LIST``), 5 emotions with labels 0 disgust, 1 fear, 2 sad, 3 neutral, 4 happy
(the dataset's example script and TorchEEG agree), 3 sessions x 15 trials per subject.
CB1/CB2 (cerebellar) have no standard 10-05 position: :func:`make_info` places them at I1/I2
(inion level, the nearest standard sites) and says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from .._checks import VaxisInputError, check_type

#: Frequency bands (Hz) of the DE features: name -> (low, high). See the module docstring.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 14.0),
    "beta": (14.0, 30.0),
    "gamma": (30.0, 47.0),
}

#: FACED channel order in ``Processed_data`` and ``EEG_Features`` (32 rows, mastoids 17-18).
FACED_CHANNELS: tuple[str, ...] = (
    "Fp1", "Fp2", "Fz", "F3", "F4", "F7", "F8", "FC1", "FC2", "FC5", "FC6",
    "Cz", "C3", "C4", "T7", "T8", "A1", "A2", "CP1", "CP2", "CP5", "CP6",
    "Pz", "P3", "P4", "P7", "P8", "PO3", "PO4", "Oz", "O1", "O2",
)  # fmt: skip
#: The two mastoid reference channels (not scalp sites; excluded from topomaps by default).
MASTOID_CHANNELS: tuple[str, ...] = ("A1", "A2")
#: FACED's 30 scalp EEG channels (FACED_CHANNELS without A1, A2), in file order.
FACED_EEG_CHANNELS: tuple[str, ...] = tuple(c for c in FACED_CHANNELS if c not in MASTOID_CHANNELS)
#: FACED sampling rate of ``Processed_data`` (Hz).
FACED_SFREQ: float = 250.0

#: FACED's nine categories in its label order (0..8).
FACED_CATEGORIES: tuple[str, ...] = (
    "anger", "disgust", "fear", "sadness", "neutral",
    "amusement", "inspiration", "joy", "tenderness",
)  # fmt: skip
#: Number of clips of each FACED category (4 neutral, 3 of each other category).
FACED_CLIPS_PER_CATEGORY: dict[str, int] = {c: (4 if c == "neutral" else 3) for c in FACED_CATEGORIES}
#: Category of each of FACED's 28 clips, in file order (clip 1 .. clip 28).
FACED_CLIP_CATEGORIES: tuple[str, ...] = tuple(
    c for c in FACED_CATEGORIES for _ in range(FACED_CLIPS_PER_CATEGORY[c])
)
#: Coarse valence class TorchEEG attaches to FACED clips: -1 negative, 0 neutral, +1 positive.
FACED_VALENCE_CLASS: dict[str, int] = {
    **{c: -1 for c in ("anger", "disgust", "fear", "sadness")},
    "neutral": 0,
    **{c: 1 for c in ("amusement", "inspiration", "joy", "tenderness")},
}

#: SEED-V channel order (62 channels) of its DE features.
SEEDV_CHANNELS: tuple[str, ...] = (
    "Fp1", "Fpz", "Fp2", "AF3", "AF4", "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "FT8",
    "T7", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "T8",
    "TP7", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "TP8",
    "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8",
    "PO7", "PO5", "PO3", "POz", "PO4", "PO6", "PO8", "CB1", "O1", "Oz", "O2", "CB2",
)  # fmt: skip
#: SEED-V's five emotions in label order (0..4).
SEEDV_EMOTIONS: tuple[str, ...] = ("disgust", "fear", "sad", "neutral", "happy")
#: SEED-V EEG sampling rate after its preprocessing (Hz); DE windows are 4 s long.
SEEDV_SFREQ: float = 200.0
#: SEED-V's DE feature window length (s).
SEEDV_WINDOW_S: float = 4.0

#: Substitute standard sites for channels that have no 10-05 position.
_POSITION_ALIASES: dict[str, str] = {"CB1": "I1", "CB2": "I2"}


def _montage(kind: str = "1005"):
    """The MNE template montage (colin27 name in new MNE, standard_* in older versions)."""
    import mne

    names = mne.channels.get_builtin_montages()
    new, old = f"colin27_{kind}", f"standard_{kind}"
    return mne.channels.make_standard_montage(new if new in names else old)


def canonical_channel_names(names: Sequence[str]) -> list[str]:
    """Map names in any capitalisation (``'FP1'``, ``'fpz'``) to 10-05 spelling (``'Fp1'``, ``'Fpz'``).

    Raises :class:`VaxisInputError` naming every channel that is not a 10-05 site or a known alias.
    """
    check_type("names", names, (list, tuple, np.ndarray))
    known = {n.upper(): n for n in _montage("1005").ch_names}
    for alias in _POSITION_ALIASES:
        known[alias.upper()] = alias
    out, bad = [], []
    for n in names:
        key = str(n).strip().upper()
        if key in known:
            out.append(known[key])
        else:
            bad.append(str(n))
    if bad:
        raise VaxisInputError(
            f"Unknown channel name(s) {bad}: not in the standard 10-05 system. Use 10-05 names "
            "(e.g. 'Fp1', 'T7', 'PO3'); old names T3/T4/T5/T6 are T7/T8/P7/P8."
        )
    return out


def scalp_channels(channels: Sequence[str]) -> list[str]:
    """``channels`` without the mastoid references (A1, A2)."""
    return [c for c in channels if c not in MASTOID_CHANNELS]


def make_info(channels: Sequence[str], sfreq: float = FACED_SFREQ, drop_mastoids: bool = True):
    """An ``mne.Info`` with 10-05 template positions, ready for ``mne.viz.plot_topomap``.

    Parameters
    ----------
    channels : sequence of str
        Channel names (any capitalisation). CB1/CB2 are placed at I1/I2 (a warning says so).
    sfreq : float
        Sampling rate in Hz stored in the Info.
    drop_mastoids : bool
        If True, A1 and A2 are left out (they sit below the head outline).

    Returns
    -------
    info : mne.Info
        EEG channels in the given order (less the mastoids if dropped), with positions.
    """
    import mne

    names = canonical_channel_names(list(channels))
    if drop_mastoids:
        names = scalp_channels(names)
    aliased = [n for n in names if n in _POSITION_ALIASES]
    if aliased:
        warnings.warn(
            f"Channels {aliased} have no standard 10-05 position; they are drawn at "
            f"{[_POSITION_ALIASES[a] for a in aliased]} (inion level).",
            stacklevel=2,
        )
    info = mne.create_info(names, sfreq=float(sfreq), ch_types="eeg")
    montage = _montage("1005")
    pos = montage.get_positions()["ch_pos"]
    ch_pos = {n: pos[_POSITION_ALIASES.get(n, n)] for n in names}
    dig = mne.channels.make_dig_montage(ch_pos=ch_pos, coord_frame="head")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        info.set_montage(dig, on_missing="raise")
    return info


def channel_positions_2d(channels: Sequence[str]) -> np.ndarray:
    """2-D scalp coordinates (n_channels, 2) of ``channels`` as MNE's topomap lays them out."""
    from mne.channels.layout import _find_topomap_coords  # private in MNE 1.13; tested in test_eeg_montage

    info = make_info(channels, drop_mastoids=False)
    return np.asarray(_find_topomap_coords(info, picks="eeg"))
