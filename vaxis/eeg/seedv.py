"""Loader of SEED-V's DE features as distributed (Liu et al. 2022, BCMI lab release).

What this loader reads
----------------------
``seedv_dir/EEG_DE_features/<subject>_123.npz`` (or those files directly in ``seedv_dir``),
``<subject>`` = 1..16. Each ``.npz`` holds two entries, ``data`` and ``label``, each a *pickled
dict stored as bytes* (the release wrote ``np.savez(..., data=pickle.dumps(dict), ...)``, so each
entry is a 0-d bytes array that ``np.load`` reads without ``allow_pickle`` and ``pickle.loads``
turns back into the dict: TorchEEG's ``SEEDVFeatureDataset.process_record``,
``torcheeg/datasets/module/emotion_recognition/seed_v_feature.py``, does exactly
``pkl.loads(np.load(file)['data'])``), with 45 keys 0..44: keys 0-14 are session 1's 15 trials,
15-29 session 2, 30-44 session 3.
``data[k]`` has shape (n_windows_k, 310): DE of 62 channels x 5 bands per 4-s window;
``label[k]`` has shape (n_windows_k,), the trial's emotion repeated (0 disgust, 1 fear, 2 sad,
3 neutral, 4 happy).

The 310 columns are read channel-major (``reshape(62, 5)``: all bands of channel 1, then
channel 2 ...), the convention of TorchEEG's ``SEEDVFeatureDataset``; ``feature_order="band_major"``
reads them the other way. We could not confirm the column order in SEED-V's own README: check a
topomap if in doubt.

Fitting SEED-V into :class:`EEGDataset`
---------------------------------------
Clips are the 45 trials (``clip_session`` 1..3, ids ``s1_t01``...). Trials differ in length, so
each is brought to a fixed number of windows: by default every trial is cropped to the shortest
trial's length (its first windows are kept); with ``n_windows=k`` each trial's windows are split
into k contiguous, near-equal blocks that are averaged (uses all the data). Every subject saw the
same stimuli in the same order, so trial labels must agree across subjects; the loader checks it,
and warns if they differ from SEED-V's published per-session orders
(:data:`~vaxis.eeg.montage.SEEDV_SESSION_LABELS`).
Clip valence/arousal are the human word norms of the emotion names (Warriner et al. 2013): the DE
release carries no per-trial self-reports.
The five bands are labelled with :data:`~vaxis.eeg.montage.BANDS`; the exact band edges of
SEED-V's released features are the BCMI lab's (not checked here) and only matter as labels.

Verified, and from where
------------------------
File names, the pickled-dict layout, 45 trials = 3 sessions x 15, label coding: the example script
distributed with SEED-V (as reproduced in public code) and TorchEEG's ``SEEDVFeatureDataset``
(62 channels x 5 bands = 310 values, 4-s windows at 200 Hz). 16 subjects: the public release
(as used by public loaders, ``1_123.npz`` .. ``16_123.npz``).

Pickles can run code when loaded: only point this loader at files you trust.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._checks import VaxisDataError, VaxisInputError, check_dir, check_option
from ._files import find_subject_files, select_subjects
from .dataset import EEGDataset
from .guards import warn_amplitude_outliers
from .montage import BANDS, SEEDV_CHANNELS, SEEDV_EMOTIONS, SEEDV_SESSION_LABELS, SEEDV_SFREQ, SEEDV_WINDOW_S
from .ratings import NORMS_SCALE, NORMS_SOURCE, category_norms

N_SUBJECTS = 16
N_TRIALS = 45
TRIALS_PER_SESSION = 15
N_CHANNELS = 62
N_BANDS = 5

_HINT = "Point seedv_dir at the SEED-V folder that contains EEG_DE_features/<subject>_123.npz."


def _unpickle(path: Path, npz: np.lib.npyio.NpzFile, key: str) -> dict:
    if key not in npz.files:
        raise VaxisDataError(f"{path}: no '{key}' entry (found {npz.files}); expected 'data' and 'label'.")
    raw = npz[key]
    try:
        obj = pickle.loads(raw.tobytes() if isinstance(raw, np.ndarray) else raw)
    except Exception as exc:
        raise VaxisDataError(f"{path}: '{key}' is not a pickled dict ({type(exc).__name__}: {exc}).") from exc
    if not isinstance(obj, dict):
        raise VaxisDataError(f"{path}: '{key}' should unpickle to a dict, got {type(obj).__name__}.")
    return obj


def _read_subject(path: Path, feature_order: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-trial DE arrays (n_windows_k, 62, 5) and trial labels (45,) of one subject file."""
    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise VaxisDataError(f"{path}: cannot be read as .npz ({exc}).") from exc
    with npz:
        data, label = _unpickle(path, npz, "data"), _unpickle(path, npz, "label")
    keys = sorted(data, key=lambda k: int(k))
    if [int(k) for k in keys] != list(range(N_TRIALS)) or sorted(int(k) for k in label) != list(range(N_TRIALS)):
        raise VaxisDataError(
            f"{path}: 'data' and 'label' must have keys 0..{N_TRIALS - 1} (3 sessions x 15 trials); "
            f"got {len(data)} data keys and {len(label)} label keys."
        )
    lab_by_int = {int(k): v for k, v in label.items()}
    trials, labels = [], np.empty(N_TRIALS, dtype=int)
    for k in keys:
        x = np.asarray(data[k])
        t = int(k)
        if x.ndim != 2 or x.shape[1] != N_CHANNELS * N_BANDS or x.shape[0] < 1:
            raise VaxisDataError(
                f"{path}: trial {t} has DE of shape {x.shape}; expected (n_windows, "
                f"{N_CHANNELS * N_BANDS}) = 62 channels x 5 bands."
            )
        if x.dtype.kind not in "fiu" or not np.isfinite(x).all():
            raise VaxisDataError(f"{path}: trial {t} has non-numeric or NaN/Inf DE values.")
        y = np.asarray(lab_by_int[t]).ravel()
        if y.shape[0] != x.shape[0]:
            raise VaxisDataError(f"{path}: trial {t} has {x.shape[0]} windows but {y.shape[0]} labels.")
        if np.unique(y).size != 1:
            raise VaxisDataError(f"{path}: trial {t} has several labels {np.unique(y).tolist()}.")
        if not 0 <= int(y[0]) < len(SEEDV_EMOTIONS):
            raise VaxisDataError(f"{path}: trial {t} has label {int(y[0])}; expected 0..4.")
        labels[t] = int(y[0])
        if feature_order == "channel_major":
            trials.append(x.reshape(-1, N_CHANNELS, N_BANDS).astype(np.float32))
        else:
            trials.append(x.reshape(-1, N_BANDS, N_CHANNELS).transpose(0, 2, 1).astype(np.float32))
    return trials, labels


def _fix_windows(trials: list[np.ndarray], n_windows: int, mode: str) -> np.ndarray:
    if mode == "crop":
        return np.stack([t[:n_windows] for t in trials])
    return np.stack([np.stack([b.mean(axis=0) for b in np.array_split(t, n_windows)]) for t in trials])


def load_seedv(
    seedv_dir: str | Path,
    subjects: Sequence[int] | None = None,
    skip_subjects: Sequence[int] = (),
    n_windows: int | None = None,
    feature_order: str = "channel_major",
) -> EEGDataset:
    """Load SEED-V's DE features as an :class:`EEGDataset` (45 trials as clips).

    Parameters
    ----------
    seedv_dir : str or Path
        SEED-V folder (containing ``EEG_DE_features``) or that folder itself.
    subjects : sequence of int, optional
        Subject numbers (1..16) to load; default all 16, each of which must be present.
    skip_subjects : sequence of int
        Subjects to leave out on purpose (a warning lists them).
    n_windows : int, optional
        Windows per trial after block-averaging; default: crop to the shortest trial.
    feature_order : {"channel_major", "band_major"}
        How the 310 columns are laid out (see the module docstring).
    """
    check_option("feature_order", feature_order, ("channel_major", "band_major"))
    root = check_dir("seedv_dir", seedv_dir, _HINT)
    folder = root / "EEG_DE_features" if (root / "EEG_DE_features").is_dir() else root
    available = find_subject_files(folder, r"(\d+)_123\.npz", "SEED-V")
    if not available:
        listing = sorted(p.name for p in root.iterdir())[:12]
        extra = (" It looks like FACED (use vaxis.eeg.cohort('faced', folder))."
                 if {"EEG_Features", "Processed_data"} & set(listing) else "")
        raise VaxisDataError(f"No <subject>_123.npz files in {folder} (found {listing}).{extra} " + _HINT)
    wanted = select_subjects(available, range(1, N_SUBJECTS + 1), subjects, skip_subjects, folder, "SEED-V")
    per_subject, ref_labels = [], None
    for sub in wanted:
        trials, labels = _read_subject(available[sub], feature_order)
        if ref_labels is None:
            ref_labels, ref_sub = labels, sub
        elif not np.array_equal(labels, ref_labels):
            bad = np.flatnonzero(labels != ref_labels) + 1
            raise VaxisDataError(
                f"{available[sub]}: trial labels differ from subject {ref_sub}'s at trial(s) "
                f"{bad.tolist()}; every subject should have the same stimuli in the same order."
            )
        per_subject.append(trials)
    shortest = min(t.shape[0] for trials in per_subject for t in trials)
    if n_windows is None:
        k, mode = shortest, "crop"
    else:
        k, mode = int(n_windows), "blocks"
        if not 1 <= k <= shortest:
            raise VaxisInputError(f"n_windows={n_windows} must be between 1 and the shortest trial ({shortest}).")
    de = np.stack([_fix_windows(trials, k, mode) for trials in per_subject])
    published = np.concatenate(SEEDV_SESSION_LABELS)
    if not np.array_equal(ref_labels, published):
        bad = np.flatnonzero(ref_labels != published) + 1
        warnings.warn(
            f"SEED-V trial labels differ from the published per-session orders at trial(s) {bad.tolist()[:20]} "
            "(vaxis.eeg.montage.SEEDV_SESSION_LABELS); the files' labels are used. A different release?",
            UserWarning, stacklevel=2,
        )
    ids = [f"seedv{s:02d}" for s in wanted]
    flagged = warn_amplitude_outliers(de.mean(axis=(1, 2, 3, 4), dtype=np.float64), ids, wanted, "SEED-V")
    cats = np.array([SEEDV_EMOTIONS[i] for i in ref_labels])
    valence, arousal = category_norms(cats)
    return EEGDataset(
        de=de, subjects=ids, clip_category=cats,
        clip_valence=valence, clip_arousal=arousal,
        channels=list(SEEDV_CHANNELS), bands=dict(BANDS), sfreq=SEEDV_SFREQ, source="seedv",
        window_s=SEEDV_WINDOW_S,
        clip_ids=[f"s{t // TRIALS_PER_SESSION + 1}_t{t % TRIALS_PER_SESSION + 1:02d}" for t in range(N_TRIALS)],
        clip_session=np.arange(N_TRIALS) // TRIALS_PER_SESSION + 1,
        rating_source=NORMS_SOURCE, rating_scale=NORMS_SCALE,
        meta={"seedv_dir": str(root), "window_mode": mode, "n_windows": k,
              "shortest_trial": shortest, "feature_order": feature_order,
              "skipped": sorted(int(s) for s in skip_subjects), "amplitude_outliers": flagged},
    )
