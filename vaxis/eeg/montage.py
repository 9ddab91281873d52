"""Channels, bands and emotion categories of FACED and SEED-V, and scalp positions for topomaps.

Everything here is a constant checked against a public source; the source is named next to it.

FACED (Chen et al. 2023, *Scientific Data* 10:740, :cite:`chen2023faced`)
-------------------------------------------------------------------------
- 32 rows per clip in ``Processed_data/subNNN.pkl`` and ``EEG_Features/DE|PSD/subNNN.pkl.pkl``,
  in the order :data:`FACED_CHANNELS`: 30 scalp electrodes, then the two reference/auxiliary
  channels, **A2 and A1 in the released order** (rows 31 and 32). Checked against:

  * the authors' preprocessing, ``LJL-6666/clisa-eeg-emotion`` at commit ``d98ce049``,
    ``preprocessing/Preprocessing.py`` lines 282-287 (``channel_modify``: ``new_order =
    [0..15, 18..31, 17, 16, 32]`` moves raw rows 17-18, A1 A2, to the end as A2, A1 for the first
    recording cohort) and lines 19-31 (when no channel is named A1, the last two are renamed A2,
    A1); ``preprocessing/main.py`` lines 88-96 (cohort 1 reordered, cohort 2 already in this
    order); downstream the same authors keep the first 30 rows
    (``Clisa_analysis/cfgs/data/FACED_def.yaml`` line 4 ``n_channs: 30``,
    ``Clisa_analysis/data/io_utils.py`` line 42, ``Svm_analysis/src/save_de.py`` line 23);
  * TorchEEG, ``torcheeg/datasets/constants/emotion_recognition/faced.py`` lines 8-12:
    ``FACED_CHANNEL_LIST`` is these 30 scalp channels, "and 'A2', 'A1'" after them;
  * the raw channel names of the BIDS release (``nemarDatasets/nm000112`` at ``e6fabfda``,
    ``sub-NNN/eeg/*_channels.tsv``): sub-000..060 record A1 A2 at rows 17-18 (old names
    T3/T4/T5/T6 = T7/T8/P7/P8), which the reordering above moves to the end; sub-061..122 record
    the 30 scalp channels first and then two channels labelled ``HEOR``/``HEOL`` in their raw
    files, which the authors' code renames A2/A1.

  So rows 31-32 are the mastoid references for the first cohort but may be horizontal EOG for the
  second: either way they are not scalp EEG. :data:`REFERENCE_CHANNELS` names them; every loader
  and the simulator leave them out of the model inputs by default (``reference_channels=False``).
  An earlier version of this module put A1, A2 at rows 17-18: wrong for the released files (it
  labelled real CP1/CP2 as A1/A2 and the reference rows as O1/O2).
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
(the dataset's example script and TorchEEG agree), 3 sessions x 15 trials per subject, in the
per-session orders :data:`SEEDV_SESSION_LABELS` (session 1 differs from sessions 2 and 3).
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

#: Groups of neighbouring bands (name -> band names): slow (delta, theta), alpha, fast (beta, gamma).
#: A property of the features' frequency structure, used wherever the book splits them by band.
BAND_GROUPS: dict[str, tuple[str, ...]] = {"slow": ("delta", "theta"), "alpha": ("alpha",), "fast": ("beta", "gamma")}

#: FACED channel order of the 32 rows of ``Processed_data`` and ``EEG_Features`` (see the module
#: docstring for the sources): 30 scalp channels, then the two reference/auxiliary rows A2, A1.
#: Checked: LJL-6666/clisa-eeg-emotion preprocessing/Preprocessing.py lines 282-287 (channel_modify);
#: TorchEEG torcheeg/datasets/constants/emotion_recognition/faced.py lines 8-12.
FACED_CHANNELS: tuple[str, ...] = (
    "Fp1", "Fp2", "Fz", "F3", "F4", "F7", "F8", "FC1", "FC2", "FC5", "FC6",
    "Cz", "C3", "C4", "T7", "T8", "CP1", "CP2", "CP5", "CP6",
    "Pz", "P3", "P4", "P7", "P8", "PO3", "PO4", "Oz", "O1", "O2", "A2", "A1",
)  # fmt: skip
#: The two reference/auxiliary channels (rows 31-32 of the released files, A2 then A1): not scalp
#: sites. Mastoids for FACED's first recording cohort; labelled HEOR/HEOL (horizontal EOG?) in the
#: second cohort's raw files (see the module docstring). Left out of model inputs by default.
REFERENCE_CHANNELS: tuple[str, ...] = ("A2", "A1")
#: FACED's 30 scalp EEG channels (FACED_CHANNELS without the reference rows), in file order: what
#: every chapter gets by default.
FACED_EEG_CHANNELS: tuple[str, ...] = tuple(c for c in FACED_CHANNELS if c not in REFERENCE_CHANNELS)
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
#: Emotion label of each of the 15 trials of SEED-V's sessions 1, 2 and 3 (labels as
#: :data:`SEEDV_EMOTIONS`). Checked: TorchEEG ``torcheeg/datasets/module/emotion_recognition/seed_v.py``
#: (``SEEDVDataset.process_record``, the ``labels`` list read from the raw files' session number),
#: and several independent public SEED-V scripts with the same three lists.
SEEDV_SESSION_LABELS: tuple[tuple[int, ...], ...] = (
    (4, 1, 3, 2, 0) * 3,
    (2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0),
    (2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0),
)
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
    """``channels`` without the reference/auxiliary channels (:data:`REFERENCE_CHANNELS`, A1 and A2)."""
    return [c for c in channels if c not in REFERENCE_CHANNELS]


def make_info(channels: Sequence[str], sfreq: float = FACED_SFREQ, drop_references: bool = True):
    """An ``mne.Info`` with 10-05 template positions, ready for ``mne.viz.plot_topomap``.

    Parameters
    ----------
    channels : sequence of str
        Channel names (any capitalisation). CB1/CB2 are placed at I1/I2 (a warning says so).
    sfreq : float
        Sampling rate in Hz stored in the Info.
    drop_references : bool
        If True, the reference channels A1 and A2 are left out (they sit below the head outline).

    Returns
    -------
    info : mne.Info
        EEG channels in the given order (less the references if dropped), with positions.
    """
    import mne

    names = canonical_channel_names(list(channels))
    if drop_references:
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

    info = make_info(channels, drop_references=False)
    return np.asarray(_find_topomap_coords(info, picks="eeg"))


# ---------------------------------------------------------------------------- smooth patterns on the scalp
def scalp_positions(channels: Sequence[str]) -> np.ndarray:
    """Unit-sphere 3-D positions (n_channels, 3) from the 10-05 template."""
    pos = _montage("1005").get_positions()["ch_pos"]
    xyz = np.array([pos[_POSITION_ALIASES.get(c, c)] for c in channels], dtype=float)
    xyz -= xyz.mean(axis=0)
    return xyz / np.linalg.norm(xyz, axis=1, keepdims=True)


def scalp_bump(xyz: np.ndarray, centre_names: Sequence[str], channels: Sequence[str],
          width: float = 0.45) -> np.ndarray:
    """Sum of Gaussian bumps on the scalp centred on the named channels (n_channels,)."""
    idx = [list(channels).index(c) for c in centre_names if c in channels]
    if not idx:
        return np.zeros(len(xyz))
    d2 = ((xyz[:, None, :] - xyz[None, idx, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * width**2)).sum(axis=1)


def unit_rms(p: np.ndarray) -> np.ndarray:
    """``p`` scaled to a root mean square of 1."""
    return p / np.sqrt(np.mean(p**2))


def smooth_scalp_cov(xyz: np.ndarray, length: float = 0.5) -> np.ndarray:
    """Squared-exponential covariance of channels from their positions ``xyz`` (n, 3): nearby channels
    covary (``length`` in units of the head's radius)."""
    d2 = ((xyz[:, None, :] - xyz[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * length**2))
