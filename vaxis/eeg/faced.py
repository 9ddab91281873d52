"""Loader of the FACED dataset as distributed (Chen et al. 2023, Synapse release).

What this loader reads
----------------------
``faced_dir`` is the folder of the release. Either of:

- ``EEG_Features/DE/subNNN.pkl.pkl`` (``NNN`` = 000..122): a pickled ndarray of shape
  (28 clips, 32 channels, 30 windows, 5 bands) -- DE per 1-s window. TorchEEG renames these to
  ``subNNN.pkl``; both names are accepted (not both at once). ``features="PSD"`` reads
  ``EEG_Features/PSD`` the same way (same layout).
- ``Processed_data/subNNN.pkl``: a pickled ndarray (28 clips, 32 channels, 7500 samples) of
  preprocessed EEG at 250 Hz (30 s per clip). With ``features="processed"`` DE is computed here
  with :func:`vaxis.eeg.features.differential_entropy` (bands :data:`~vaxis.eeg.montage.BANDS`)
  and cached on disk.

Ratings: per-subject ``After_remarks.mat`` (looked for in ``Data/subNNN/``, ``After_remarks/subNNN/``
and ``Rating/subNNN/``), a MATLAB struct array ``After_remark`` with a 12-value field ``score``
ordered (anger, disgust, fear, sadness, amusement, joy, inspiration, tenderness, arousal,
valence, familiarity, liking). If a ``vid`` field is present, rows are put in video order with it.
When no ratings file is found the clip ratings are the human word norms of
:data:`vaxis.eeg.ratings.CATEGORY_NORMS` and ``rating_source`` says so.

Verified, and from where
------------------------
- 123 subjects, 28 clips, 9 categories (3 clips each, 4 neutral), 32 channels, 250 Hz, 12 rating
  dimensions: the dataset paper (Chen et al. 2023, Sci Data 10:740) and the dataset's README as
  mirrored by NEMAR/EEGDash (nm000112).
- File names and array shapes: TorchEEG's ``FACEDDataset`` (28 x 32 x 7500) and
  ``FACEDFeatureDataset`` (28 x 32 x 30 x 5, ``.pkl.pkl`` names) documentation and code; CBraMod's
  FACED preprocessing (28 x 32 x 7500 reshaped to 28 x 32 x 30 x 250 samples).
- Clip order -> categories and channel order: see :mod:`vaxis.eeg.montage`.
- Lead, not verified against the release's own README: the ``After_remarks.mat`` location and
  field layout (read as a public FACED processing script reads it). The loader checks what it can
  (12 scores per clip, 28 clips) and fails loudly otherwise.

Pickles can run code when loaded: only point this loader at files you trust.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._checks import VaxisDataError, check_dir, check_option
from ..io import cache_dir, load_npz, save_npz, stable_hash
from ._files import find_subject_files, select_subjects
from .dataset import EEGDataset
from .features import CACHE_VERSION as FEATURES_VERSION
from .features import differential_entropy
from .montage import BANDS, FACED_CHANNELS, FACED_CLIP_CATEGORIES, FACED_SFREQ
from .ratings import NORMS_SOURCE, category_norms

N_SUBJECTS = 123
N_CLIPS = 28
N_CHANNELS = 32
N_WINDOWS = 30
N_BANDS = 5
N_SAMPLES = 7500
#: Order of the 12 ``score`` values of ``After_remarks.mat`` (lead; see module docstring).
RATING_FIELDS = ("anger", "disgust", "fear", "sadness", "amusement", "joy", "inspiration",
                 "tenderness", "arousal", "valence", "familiarity", "liking")

_HINT = (
    "Point faced_dir at the FACED release folder that contains EEG_Features/DE/subNNN.pkl.pkl "
    "or Processed_data/subNNN.pkl."
)


def _load_pickle(path: Path) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            obj = pickle.load(fh, encoding="latin1")
    except Exception as exc:  # truncated download, not a pickle, ...
        raise VaxisDataError(
            f"{path}: cannot be read as a pickle ({type(exc).__name__}: {exc}). The file may be "
            "truncated; download it again."
        ) from exc
    if not isinstance(obj, np.ndarray) or obj.dtype.kind not in "fiu":
        raise VaxisDataError(
            f"{path}: expected a numeric numpy array, got {type(obj).__name__}"
            f"{'' if not isinstance(obj, np.ndarray) else ' of dtype ' + str(obj.dtype)}."
        )
    return obj


def _check_array(path: Path, arr: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    if arr.shape != shape:
        raise VaxisDataError(
            f"{path}: {what} must have shape {shape}, got {arr.shape}. Is this the FACED release "
            "(28 clips x 32 channels ...)? A different release or a re-saved file would explain it."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        clips = sorted(set(np.argwhere(bad)[:, 0].tolist()))
        raise VaxisDataError(
            f"{path}: {int(bad.sum())} NaN/Inf value(s) in clip(s) {[c + 1 for c in clips][:10]}. "
            "Re-download the file or skip this subject with skip_subjects=[...]."
        )


def _layout(root: Path, features: str) -> tuple[Path, str]:
    """Folder holding the per-subject files of ``features`` and the file-name pattern."""
    if features in ("DE", "PSD"):
        folder = root / "EEG_Features" / features
        pattern = r"sub(\d{3})\.pkl(?:\.pkl)?"
    else:
        folder = root / "Processed_data"
        pattern = r"sub(\d{3})\.pkl"
    if not folder.is_dir():
        listing = sorted(p.name for p in root.iterdir())[:12]
        if any(n.startswith("sub-") for n in listing):
            why = ("It looks like the BIDS release (sub-XXX folders), which this loader does not "
                   "read.")
        elif any(n.endswith("_123.npz") for n in listing) or "EEG_DE_features" in listing:
            why = "It looks like SEED-V, not FACED (use vaxis.eeg.cohort('seedv', folder))."
        else:
            why = f"Found instead: {listing}."
        raise VaxisDataError(
            f"{root} is not a FACED release with {features} data: {folder} does not exist. {why} "
            + _HINT
        )
    return folder, pattern


def _de_from_processed(path: Path, n_jobs: int | None) -> np.ndarray:
    """DE (28, 32, 30, 5) from a Processed_data file, cached by file identity."""
    st = path.stat()
    key = stable_hash("faced-de", FEATURES_VERSION, str(path.resolve()), st.st_size, st.st_mtime_ns, BANDS)
    cached = cache_dir("faced_de") / f"{path.stem}-{key}.npz"
    if cached.is_file():
        return load_npz(cached)["de"]
    x = _load_pickle(path)
    _check_array(path, x, (N_CLIPS, N_CHANNELS, N_SAMPLES), "processed EEG")
    de = differential_entropy(x, FACED_SFREQ, BANDS, window_s=1.0, n_jobs=n_jobs)
    save_npz(cached, de=de)
    return de


def _find_ratings(root: Path, sub: int) -> Path | None:
    for folder in ("Data", "After_remarks", "Rating", "Ratings"):
        p = root / folder / f"sub{sub:03d}" / "After_remarks.mat"
        if p.is_file():
            return p
    return None


def _read_ratings(path: Path) -> np.ndarray:
    """(28, 12) scores of one subject in video order."""
    from scipy.io import loadmat

    try:
        mat = loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as exc:
        raise VaxisDataError(f"{path}: cannot be read as a MATLAB file ({exc}).") from exc
    if "After_remark" not in mat:
        raise VaxisDataError(f"{path}: no variable 'After_remark' (found {sorted(k for k in mat if not k.startswith('__'))}).")
    rec = np.atleast_1d(mat["After_remark"])
    if rec.size != N_CLIPS:
        raise VaxisDataError(f"{path}: After_remark has {rec.size} entries, expected {N_CLIPS} clips.")
    try:
        scores = np.stack([np.asarray(r.score, dtype=float).ravel() for r in rec])
    except AttributeError as exc:
        raise VaxisDataError(f"{path}: After_remark entries have no 'score' field.") from exc
    if scores.shape != (N_CLIPS, len(RATING_FIELDS)):
        raise VaxisDataError(
            f"{path}: scores have shape {scores.shape}, expected ({N_CLIPS}, {len(RATING_FIELDS)})."
        )
    if hasattr(rec[0], "vid"):
        vid = np.array([int(np.asarray(r.vid).ravel()[0]) for r in rec])
        if sorted(vid.tolist()) != list(range(1, N_CLIPS + 1)):
            raise VaxisDataError(f"{path}: 'vid' must list videos 1..{N_CLIPS} once each, got {vid.tolist()}.")
        scores = scores[np.argsort(vid)]
    return scores


def load_faced(
    faced_dir: str | Path,
    features: str = "DE",
    subjects: Sequence[int] | None = None,
    skip_subjects: Sequence[int] = (),
    ratings: str = "auto",
    n_jobs: int | None = None,
) -> EEGDataset:
    """Load FACED as an :class:`EEGDataset` (DE per subject, clip, 1-s window, channel, band).

    Parameters
    ----------
    faced_dir : str or Path
        Root of the release (see the module docstring for the layout).
    features : {"DE", "PSD", "processed"}
        Read the released DE (default) or PSD features, or compute DE from ``Processed_data``.
    subjects : sequence of int, optional
        Subject numbers to load (0..122); default all 123, and then every one must be present.
    skip_subjects : sequence of int
        Subjects to leave out on purpose (a warning lists them).
    ratings : {"auto", "files", "norms"}
        ``"files"``: self-reports from ``After_remarks.mat`` (error if absent); ``"norms"``: human
        word norms; ``"auto"``: files when every loaded subject has one, else norms (warning).

    Returns
    -------
    EEGDataset
        ``source="faced"``, 32 channels in file order (A1/A2 included; drop them with
        ``pick_channels``), subject ids ``"sub000"``..., clip valence/arousal = mean over subjects.
    """
    check_option("features", features, ("DE", "PSD", "processed"))
    check_option("ratings", ratings, ("auto", "files", "norms"))
    root = check_dir("faced_dir", faced_dir, _HINT)
    folder, pattern = _layout(root, features)
    available = find_subject_files(folder, pattern, "FACED")
    if not available:
        raise VaxisDataError(f"No subNNN files in {folder}. " + _HINT)
    wanted = select_subjects(available, range(N_SUBJECTS), subjects, skip_subjects, folder, "FACED")
    de = np.empty((len(wanted), N_CLIPS, N_WINDOWS, N_CHANNELS, N_BANDS), dtype=np.float32)
    for i, sub in enumerate(wanted):
        path = available[sub]
        if features == "processed":
            arr = _de_from_processed(path, n_jobs)  # (28, 32, 30, 5)
        else:
            arr = _load_pickle(path)
            _check_array(path, arr, (N_CLIPS, N_CHANNELS, N_WINDOWS, N_BANDS), f"{features} features")
        de[i] = np.transpose(arr, (0, 2, 1, 3))
    if features == "PSD":
        if (de <= 0).any():
            raise VaxisDataError("PSD features must be positive to be used as log-power features.")
        de = np.log(de)  # log band power: same role as DE up to a constant

    cats = np.array(FACED_CLIP_CATEGORIES)
    rating_paths = {s: _find_ratings(root, s) for s in wanted}
    have = all(p is not None for p in rating_paths.values())
    if ratings == "files" and not have:
        missing = [s for s, p in rating_paths.items() if p is None]
        raise VaxisDataError(
            f"No After_remarks.mat for subject(s) {missing[:20]} under {root}/Data/subNNN/ (or "
            "After_remarks/, Rating/). Use ratings='norms' to use human word norms instead."
        )
    if ratings != "norms" and have:
        scores = np.stack([_read_ratings(p) for p in rating_paths.values()])  # (S, 28, 12)
        valence = np.nanmean(scores[:, :, RATING_FIELDS.index("valence")], axis=0)
        arousal = np.nanmean(scores[:, :, RATING_FIELDS.index("arousal")], axis=0)
        rsrc = f"FACED self-reports (After_remarks.mat), mean over {len(wanted)} subjects"
        scale = (float(np.nanmin(scores[..., 8:10])), float(np.nanmax(scores[..., 8:10])))
        meta_ratings = scores
    else:
        if ratings == "auto":
            warnings.warn(
                "FACED ratings files not found for every subject; clip valence/arousal are human "
                "word norms of the category names (Warriner et al. 2013).", UserWarning, stacklevel=2,
            )
        valence, arousal = category_norms(cats)
        rsrc, scale, meta_ratings = NORMS_SOURCE, (1.0, 9.0), None
    return EEGDataset(
        de=de, subjects=[f"sub{s:03d}" for s in wanted], clip_category=cats,
        clip_valence=valence, clip_arousal=arousal, channels=list(FACED_CHANNELS),
        bands=dict(BANDS), sfreq=FACED_SFREQ, source="faced", window_s=1.0,
        rating_source=rsrc, rating_scale=scale,
        meta={"faced_dir": str(root), "features": features, "files": [str(available[s]) for s in wanted],
              "subject_ratings": meta_ratings, "skipped": sorted(int(s) for s in skip_subjects)},
    )
