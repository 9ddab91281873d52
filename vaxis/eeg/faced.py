"""Loader of the FACED dataset as distributed (Chen et al. 2023): the Synapse release or the BIDS release.

Which release
-------------
:func:`load_faced` looks at ``faced_dir`` and says (one printed line) which layout it found:

- **the BIDS release** (NEMAR ``nm000112``: ``dataset_description.json``, ``sub-NNN/eeg/`` with
  ``.bdf`` recordings and their sidecars): read with mne-bids and preprocessed from the raw
  recordings to the released DE features by :mod:`vaxis.eeg.faced_bids` (cached per subject);
- **the Synapse release** (``syn50614194``: ``EEG_Features/`` or ``Processed_data/``), below;

anything else gets one error naming both layouts.

What the Synapse layout holds
-----------------------------
``faced_dir`` is the folder of the release. Either of:

- ``EEG_Features/DE/subNNN.pkl.pkl`` (``NNN`` = 000..122): a pickled ndarray of shape
  (28 clips, 32 channels, 30 windows, 5 bands) -- DE per 1-s window. TorchEEG renames these to
  ``subNNN.pkl``; both names are accepted (not both at once). ``features="PSD"`` reads
  ``EEG_Features/PSD`` the same way (same layout).
- ``Processed_data/subNNN.pkl``: a pickled ndarray (28 clips, 32 channels, 7500 samples) of
  preprocessed EEG at 250 Hz (30 s per clip). With ``features="processed"`` DE is computed here
  with :func:`vaxis.eeg.features.differential_entropy` (bands :data:`~vaxis.eeg.montage.BANDS`)
  and cached on disk.

The 32 rows are the 30 scalp channels and then the two reference/auxiliary channels A2, A1
(:data:`~vaxis.eeg.montage.FACED_CHANNELS`); the loader leaves those two out unless
``reference_channels=True``.

Ratings: per-subject ``Data/subNNN/After_remarks.mat`` (the release's layout, as read by the BIDS
conversion ``nemarDatasets/nm000112`` ``code/faced.py`` line 271; ``After_remarks/subNNN/`` and
``Rating(s)/subNNN/`` are accepted too): a MATLAB struct array ``After_remark`` of 28 entries **in
presentation order**, with fields ``score`` (12 items in the order of
:data:`vaxis.eeg.ratings.FACED_ITEMS`: joy, tenderness, inspiration, amusement, anger, disgust,
fear, sadness, arousal, valence, familiarity, liking; each on the fixed 0-7 scale), ``trial``
(the presentation position, 1..28), ``vid`` (the clip, 1..28), ``Accuracy`` and ``ResponseTime``
(the arithmetic task between blocks, filled at every 4th position only; not used). Rows are put in
video order with ``vid``. Checked against ``nm000112`` ``code/faced.py`` lines 242-290 and the 123
files of ``LJL-6666/clisa-eeg-emotion`` ``Clisa_analysis/runtime_inputs/after_remarks/`` (they
equal the packaged table value for value). When the folder holds no ratings the clip ratings come
from the same participants' packaged table (:func:`vaxis.eeg.ratings.faced_ratings`).

Guards (:mod:`vaxis.eeg.guards`): ratings read from files must rate the positive-category clips
above the negative ones on average (else an error: wrong clip or item order), and must agree with
the packaged table (else a warning); a subject whose amplitude is far outside the cohort's is
named in a warning with ``skip_subjects=[...]`` (``sub023`` is reported at ~3000x).

Verified, and from where
------------------------
- 123 subjects, 28 clips, 9 categories (3 clips each, 4 neutral), 32 channels, 250 Hz, 12 rating
  dimensions: the dataset paper (Chen et al. 2023, Sci Data 10:740) and the dataset's README as
  mirrored by NEMAR/EEGDash (nm000112).
- File names and array shapes: TorchEEG's ``FACEDDataset`` (28 x 32 x 7500) and
  ``FACEDFeatureDataset`` (28 x 32 x 30 x 5, ``.pkl.pkl`` names) documentation and code; CBraMod's
  FACED preprocessing (28 x 32 x 7500 reshaped to 28 x 32 x 30 x 250 samples).
- Clip order -> categories and channel order: see :mod:`vaxis.eeg.montage`.
- Ratings: see above; the loader checks 28 entries, 12 scores each within 0-7, ``trial`` equal to
  the row number, ``vid`` a permutation of 1..28, and fails loudly otherwise.

Pickles can run code when loaded: only point this loader at files you trust.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._checks import VaxisDataError, VaxisInputError, check_dir, check_option
from ..io import cache_dir, load_npz, save_npz, stable_hash
from . import ratings as _ratings
from ._files import find_subject_files, select_subjects
from .dataset import EEGDataset
from .features import CACHE_VERSION as FEATURES_VERSION
from .features import differential_entropy
from .guards import check_valence_order, warn_amplitude_outliers
from . import faced_bids
from .faced_bids import FacedBidsConfig
from .montage import BANDS, FACED_CHANNELS, FACED_CLIP_CATEGORIES, FACED_SFREQ

N_SUBJECTS = 123
N_CLIPS = 28
N_CHANNELS = 32
N_WINDOWS = 30
N_BANDS = 5
N_SAMPLES = 7500
#: Order of the 12 ``score`` values of ``After_remarks.mat`` (see :data:`vaxis.eeg.ratings.FACED_ITEMS`).
RATING_FIELDS = _ratings.FACED_ITEMS
#: Largest difference between a file's score and the packaged table's (which keeps 4 decimals).
_TABLE_TOLERANCE = 1e-4

_HINT = (
    "Point faced_dir at one of FACED's two releases: the BIDS release (NEMAR nm000112: "
    "dataset_description.json and sub-NNN/eeg/sub-NNN_task-watchingVideoClips_eeg.bdf with their sidecars) "
    "or the Synapse release (syn50614194: EEG_Features/DE/subNNN.pkl.pkl or Processed_data/subNNN.pkl)."
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
            why = ("It has sub-NNN folders but no BIDS release of FACED (dataset_description.json and "
                   "sub-NNN/eeg/sub-NNN_task-watchingVideoClips_* files).")
        elif any(n.endswith("_123.npz") for n in listing) or "EEG_DE_features" in listing:
            why = "It looks like SEED-V, not FACED (use vaxis.eeg.cohort('seedv', folder))."
        else:
            why = f"Found instead: {listing}."
        raise VaxisDataError(
            f"{root} is not a FACED release with {features} data: neither the BIDS layout nor {folder}. {why} "
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


def _field(rec, name: str, path: Path, k: int):
    try:
        return getattr(rec, name)
    except AttributeError:
        raise VaxisDataError(
            f"{path}: After_remark entry {k + 1} has no '{name}' field (fields: "
            f"{sorted(getattr(rec, '_fieldnames', []))}); expected score, trial, vid, Accuracy, ResponseTime."
        ) from None


def _read_ratings(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One subject's ratings: scores (28 clips in video order, 12 items) and presentation positions (28,)."""
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
    scores = np.full((N_CLIPS, len(RATING_FIELDS)), np.nan)
    vid = np.zeros(N_CLIPS, dtype=int)
    for k, r in enumerate(rec):
        sc = np.asarray(_field(r, "score", path, k), dtype=float).ravel()
        if sc.shape != (len(RATING_FIELDS),):
            raise VaxisDataError(f"{path}: entry {k + 1} has {sc.size} scores, expected {len(RATING_FIELDS)}.")
        scores[k] = sc
        trial = np.asarray(_field(r, "trial", path, k)).ravel()
        if trial.size != 1 or int(trial[0]) != k + 1:
            raise VaxisDataError(
                f"{path}: entry {k + 1} has trial={trial.tolist()}; the entries must be in presentation order "
                "(trial = 1..28)."
            )
        v = np.asarray(_field(r, "vid", path, k)).ravel()
        vid[k] = int(v[0]) if v.size == 1 else -1
    if sorted(vid.tolist()) != list(range(1, N_CLIPS + 1)):
        raise VaxisDataError(f"{path}: 'vid' must list videos 1..{N_CLIPS} once each, got {vid.tolist()}.")
    lo, hi = _ratings.FACED_SCALE
    if not np.isfinite(scores).all() or scores.min() < lo or scores.max() > hi:
        raise VaxisDataError(
            f"{path}: scores must be finite and on the fixed {lo:g}-{hi:g} scale; found "
            f"{np.nanmin(scores):.3g}..{np.nanmax(scores):.3g}."
        )
    order = np.argsort(vid)
    return scores[order], order + 1  # video order; position of each clip in presentation order


def _faced_ratings(root: Path, wanted: list[int], ratings: str, check_ratings: bool, ids: list[str]):
    """Clip valence/arousal (28,), their source and scale, and each subject's ratings (S, 28, 12)."""
    paths = {s: _find_ratings(root, s) for s in wanted}
    have = [s for s, p in paths.items() if p is not None]
    if ratings == "files" and len(have) < len(wanted):
        missing = [s for s in wanted if paths[s] is None]
        raise VaxisDataError(
            f"No After_remarks.mat for subject(s) {missing[:20]} under {root}/Data/subNNN/ (or "
            "After_remarks/, Rating/). Use ratings='participants' for the same participants' packaged "
            "ratings, or ratings='norms' for word norms."
        )
    table = _ratings.subject_ratings(wanted)  # (S, 28, 12), the packaged copy
    if ratings == "files" or (ratings == "auto" and len(have) == len(wanted)):
        read = [_read_ratings(paths[s]) for s in wanted]
        scores = np.stack([r[0] for r in read])
        if check_ratings:
            valence = scores[..., RATING_FIELDS.index("valence")]
            check_valence_order(valence, FACED_CLIP_CATEGORIES, ids, f"After_remarks.mat under {root}")
        differ = [ids[i] for i in range(len(wanted)) if np.abs(scores[i] - table[i]).max() > _TABLE_TOLERANCE]
        if differ:
            warnings.warn(
                f"After_remarks.mat of {differ[:20]} differ from the published ratings of the same FACED "
                "participants (vaxis.eeg.ratings.faced_ratings): a different release, or files in another "
                "order? The files are used.", UserWarning, stacklevel=3,
            )
        source = f"FACED self-reports read from After_remarks.mat under {root}, mean over {len(wanted)} subjects"
        valence = scores[..., RATING_FIELDS.index("valence")].mean(axis=0)
        arousal = scores[..., RATING_FIELDS.index("arousal")].mean(axis=0)
        return valence, arousal, source, _ratings.FACED_SCALE, scores
    if ratings == "auto" and have:
        warnings.warn(
            f"After_remarks.mat found for only {len(have)} of {len(wanted)} subjects; every subject's ratings "
            "come from the packaged table of the same participants instead.", UserWarning, stacklevel=3,
        )
    if ratings == "norms":
        valence, arousal = _ratings.category_norms(FACED_CLIP_CATEGORIES)
        return valence, arousal, _ratings.NORMS_SOURCE, _ratings.NORMS_SCALE, table
    clips = _ratings.clip_ratings(("valence", "arousal"))
    return (clips["valence"].to_numpy(), clips["arousal"].to_numpy(), _ratings.PARTICIPANTS_SOURCE + ", clip means "
            f"over all {_ratings.N_PARTICIPANTS} participants", _ratings.FACED_SCALE, table)


def load_faced(
    faced_dir: str | Path,
    features: str = "DE",
    subjects: Sequence[int] | None = None,
    skip_subjects: Sequence[int] = (),
    ratings: str = "auto",
    reference_channels: bool = False,
    check_ratings: bool = True,
    n_jobs: int | None = None,
    bids_config: FacedBidsConfig | None = None,
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
        Subjects to leave out on purpose (a warning lists them), e.g. ``[23]`` (see the guards).
    ratings : {"auto", "files", "participants", "norms"}
        Clip valence/arousal and each subject's ratings: ``"files"`` from ``After_remarks.mat`` in
        the folder (error if absent); ``"participants"`` from the packaged table of the same
        participants (:func:`vaxis.eeg.ratings.faced_ratings`); ``"norms"``: clip valence/arousal
        are the word norms of the categories (subject ratings still from the table); ``"auto"``:
        files when every loaded subject has one, else the packaged table.
    reference_channels : bool
        Keep the two reference/auxiliary rows (A2, A1: 32 channels). Default False: the 30 scalp
        channels, the model inputs of every chapter.
    check_ratings : bool
        Apply the valence-order guard to ratings read from files (see :mod:`vaxis.eeg.guards`).
    n_jobs : int, optional
        Parallel jobs of the DE computation (``features="processed"``; the BIDS release: subjects
        preprocessed at once).
    bids_config : FacedBidsConfig, optional
        The BIDS release's preprocessing (:class:`vaxis.eeg.faced_bids.FacedBidsConfig`; default:
        the released feature definition).

    Returns
    -------
    EEGDataset
        ``source="faced"``, channels in file order, subject ids ``"sub000"``..., clip valence/arousal
        the mean over participants (0-7), ``subject_ratings`` (subjects, 28, 12) with
        ``rating_items`` = :data:`vaxis.eeg.ratings.FACED_ITEMS`.
    """
    check_option("features", features, ("DE", "PSD", "processed"))
    check_option("ratings", ratings, ("auto", "files", "participants", "norms"))
    root = check_dir("faced_dir", faced_dir, _HINT)

    if faced_bids.is_bids(root):
        if features != "DE":
            raise VaxisInputError(f"{root} is FACED's BIDS release: its DE features are computed from the raw "
                                  f"recordings (features='DE'); features={features!r} needs the Synapse release.")
        print(f"[vaxis] FACED at {root}: the BIDS release (sub-NNN/eeg/*.bdf, read with mne-bids); DE features "
              "computed from the raw recordings (vaxis.eeg.faced_bids), cached per subject.")
        return faced_bids.load_faced_bids(root, subjects=subjects, skip_subjects=skip_subjects, ratings=ratings,
                                          reference_channels=reference_channels, check_ratings=check_ratings,
                                          config=bids_config, n_jobs=n_jobs or 1)
    folder, pattern = _layout(root, features)
    print(f"[vaxis] FACED at {root}: the Synapse release ({folder.relative_to(root)}/subNNN files).")
    available = find_subject_files(folder, pattern, "FACED")
    if not available:
        raise VaxisDataError(f"No subNNN files in {folder}. " + _HINT)
    wanted = select_subjects(available, range(N_SUBJECTS), subjects, skip_subjects, folder, "FACED")
    ids = [f"sub{s:03d}" for s in wanted]
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
    # log amplitude per subject (DE = log amplitude + const; log PSD = 2 log amplitude + const)
    log_amp = de.mean(axis=(1, 2, 3, 4), dtype=np.float64) / (2.0 if features == "PSD" else 1.0)
    flagged = warn_amplitude_outliers(log_amp, ids, wanted, "FACED")

    valence, arousal, rsrc, scale, per_subject = _faced_ratings(root, wanted, ratings, check_ratings, ids)
    ds = EEGDataset(
        de=de, subjects=ids, clip_category=np.array(FACED_CLIP_CATEGORIES),
        clip_valence=valence, clip_arousal=arousal, channels=list(FACED_CHANNELS),
        bands=dict(BANDS), sfreq=FACED_SFREQ, source="faced", window_s=1.0,
        rating_source=rsrc, rating_scale=scale, subject_ratings=per_subject, rating_items=RATING_FIELDS,
        meta={"faced_dir": str(root), "features": features, "files": [str(available[s]) for s in wanted],
              "skipped": sorted(int(s) for s in skip_subjects), "amplitude_outliers": flagged,
              "reference_channels": bool(reference_channels)},
    )
    return ds if reference_channels else ds.without_reference_channels()


def available_subjects(faced_dir: str | Path, features: str = "DE", **_: object) -> list[int]:
    """Subject numbers whose data are in ``faced_dir`` (either release), in order: what
    :func:`vaxis.eeg.cohort` takes its first ``n_subjects`` from."""
    root = check_dir("faced_dir", faced_dir, _HINT)
    if faced_bids.is_bids(root):
        return faced_bids.subjects_present(root)
    folder, pattern = _layout(root, features)
    return sorted(find_subject_files(folder, pattern, "FACED"))


# ----------------------------------------------------------------------------- the two releases compared
def compare_features(bids_root: str | Path, synapse_root: str | Path, subjects: Sequence[int],
                     config: faced_bids.FacedBidsConfig | None = None, n_jobs: int = 1):
    """This route's DE against the Synapse release's ``EEG_Features/DE``, channel by channel.

    Returns a DataFrame with one row per (channel, band) over the given subjects: the Pearson r of
    the two feature sets over clips and windows (within subject, then averaged), the mean
    difference (this route minus Synapse, nats) and the ratio of their standard deviations.
    """
    import pandas as pd

    folder, pattern = _layout(Path(synapse_root), "DE")
    files = find_subject_files(folder, pattern, "FACED")
    missing = [n for n in subjects if n not in files]
    if missing:
        raise VaxisDataError(f"No Synapse DE file for subjects {missing} in {folder}.")
    config = config or faced_bids.FacedBidsConfig()
    ours = faced_bids.subject_features(bids_root, subjects, config, n_jobs=n_jobs)
    rows = []
    bands = [b[0] for b in config.bands]
    for n in subjects:
        theirs = _load_pickle(files[n])
        _check_array(files[n], theirs, (N_CLIPS, len(FACED_CHANNELS), config.n_windows, N_BANDS), "DE features")
        mine = ours[n]["de"]
        for c, ch in enumerate(FACED_CHANNELS):
            for b, band in enumerate(bands):
                x, y = mine[:, c, :, b].ravel().astype(float), theirs[:, c, :, b].ravel().astype(float)
                rows.append({"subject": n, "channel": ch, "band": band, "r": float(np.corrcoef(x, y)[0, 1]),
                             "mean_diff": float((x - y).mean()), "sd_ratio": float(x.std() / y.std())})
    df = pd.DataFrame(rows)
    return df.groupby(["channel", "band"], sort=False)[["r", "mean_diff", "sd_ratio"]].mean()


def main(argv: list[str] | None = None) -> int:
    """``python -m vaxis.eeg.faced compare BIDS_ROOT SYNAPSE_ROOT --subjects 0 1 2 [--out table.csv]``."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m vaxis.eeg.faced",
                                 description="FACED: compare the BIDS route's DE with the Synapse release's.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="compare with the Synapse release's EEG_Features/DE, channel by channel")
    c.add_argument("bids_root", type=Path)
    c.add_argument("synapse_root", type=Path)
    c.add_argument("--subjects", type=int, nargs="+", required=True)
    c.add_argument("--n-jobs", type=int, default=1)
    c.add_argument("--out", type=Path, default=None, help="also write the table as CSV")
    c.add_argument("--clip-s", type=float, default=30.0, help="seconds kept at the end of each clip (default 30)")
    args = ap.parse_args(argv)
    try:
        table = compare_features(args.bids_root, args.synapse_root, args.subjects,
                                 faced_bids.FacedBidsConfig(clip_s=args.clip_s), n_jobs=args.n_jobs)
    except (VaxisDataError, VaxisInputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(table.round(3).to_string())
    print(f"\nmean over channels and bands: r {table.r.mean():.3f}, difference {table.mean_diff.mean():+.3f} nats")
    if args.out:
        table.to_csv(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
