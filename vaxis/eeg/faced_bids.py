"""FACED's BIDS release, from the raw recordings to the released feature definition.

What this reads
---------------
The BIDS release of FACED on NEMAR (``nm000112``; CC-BY-4.0 as released there; cite Chen et al.
2023, Sci Data 10:740, doi:10.1038/s41597-023-02650-w): ``sub-NNN/eeg/sub-NNN_task-watchingVideoClips_``
``{eeg.bdf, events.tsv, channels.tsv, eeg.json}``. The layout, the events (with their extra columns:
``video_index``, ``emotion_label`` and the 12 ratings) and the channel sidecar are read with
``mne-bids`` (:func:`mne_bids.read_raw_bids`); the signal with MNE (a raw BDF that is never loaded
whole: :meth:`mne.io.Raw.get_data` reads one clip's span at a time, so a worker holds one subject's
clips, ~60 MB, whatever the recording's length).

What the release holds (checked in ``nemarDatasets/nm000112`` at ``e6fabfd``, all 123 sidecars;
``vaxis/eeg/data/PROVENANCE.md``): 123 subjects; sampling rate **1000 Hz for 68 subjects**
(sub-000..003, 006, 007, 061..122) **and 250 Hz for 55** (``eeg.json`` and ``channels.tsv`` agree;
the release's README says 92 and 31, which no sidecar supports); 32 channels in two layouts
(sub-000..060: ... T3 T4 **A1 A2** CP1 ... T5 T6 ...; sub-061..122: ... T7 T8 CP1 ... P7 P8 ...
O2 **HEOR HEOL**); ``channels.tsv`` unit ``µV`` for 90 subjects and ``n/a`` for 33 (sub-004, 005,
008-035, 058-060). Clip rows: ``onset`` (video onset, trigger 101), ``duration`` (to the video
offset, trigger 102; 34.1-129.6 s), ``video_index`` 1..28 once each.

Preprocessing (:class:`FacedBidsConfig` holds every parameter)
-------------------------------------------------------------
Following the dataset paper (Chen et al. 2023) and the authors' code as published in
``LJL-6666/clisa-eeg-emotion`` (``preprocessing/main.py`` and ``Preprocessing.py``; the DE of
``Svm_analysis/src/save_de.py``), re-written here:

1. **The last 30 s of each clip**: samples ``[end - 30 s, end)`` with ``end = onset + duration``
   (the authors: ``mne.Epochs`` from -30 s to 0 around the offset trigger 102, baseline over the
   epoch, i.e. each channel's mean removed; we remove it too). ``pad_s > 0`` reads that much more
   recording on both sides for the filters and cuts it off after (the authors filter the 30-s epoch
   alone: ``pad_s = 0``, the default).
2. **Resampling** to 250 Hz (:func:`mne.filter.resample` with the arguments ``Epochs.resample``
   passes: FFT method, ``npad="auto"``, ``pad="edge"``).
3. **Band-pass 0.05-47 Hz** (:func:`mne.filter.filter_data`, MNE's default FIR, as the authors'
   ``raw.filter(0.05, 47)``; on a 30-s epoch the 0.05-Hz high-pass is longer than the signal and
   MNE pads it, as it did for them).
4. **Units detected and normalised** (the release mixes them: see below), then the amplitude guard.
5. **Average reference** over the 32 recorded rows (as the authors, whose average includes the two
   auxiliary rows: the mastoids A1/A2 in cohort 1, HEOR/HEOL in cohort 2).
6. **Rows in the released order** (:data:`~vaxis.eeg.montage.FACED_CHANNELS`: the 30 scalp
   channels, then A2, A1; T3/T4/T5/T6 are T7/T8/P7/P8; cohort 2's HEOR, HEOL become A2, A1 as the
   authors rename them) and **microvolts** (the released ``Processed_data`` unit).
7. **Differential entropy** in the five bands (1-4, 4-8, 8-14, 14-30, 30-47 Hz) on 1-s windows
   (:func:`vaxis.eeg.features.differential_entropy`: MNE's default FIR per band, the variance of
   each window, the Gaussian closed form: the authors' ``save_de.py``). Result per subject:
   (28 clips in video order, 32 rows, 30 windows, 5 bands), the layout of ``EEG_Features/DE``.

Not replicated (the Data page says so): the authors' ICA (FastICA without a seed, components
matching Fp1/Fp2 removed), their bad-channel interpolation (as published it tests only the first
channel's samples and marks no channel: ``np.argwhere`` of a scalar), and anything the released
``Processed_data`` received after that code.

Units
-----
MNE scales a BDF by its header's physical dimension (``uV`` -> 1e-6; no unit or ``V`` -> 1). The
release's files are of two kinds (the authors' ``unit_check``: "the first batch and the second batch
have different unit (uV and V)", decided by the whole recording's mean absolute value), so one
scale factor per file is chosen among 1, 1e-6 (microvolt numbers read as volts) and 1e6 (volt
numbers read as microvolts): the one that puts the subject's EEG amplitude (the median over clips
of the median over the 30 scalp channels of the standard deviation of the band-passed span) inside
``amplitude_range`` (1-200 uV). None fits, or the channels of one file differ by more than
``max_channel_ratio``, or a channel is flat: an error naming the subject, the file and the numbers.

Cache, resume, parallel
-----------------------
Each subject's features are cached in ``$VAXIS_CACHE/faced_bids/`` under a key of the files'
identity (path, size, modification time of the ``.bdf``, ``events.tsv`` and ``channels.tsv``), the
:class:`FacedBidsConfig` and the code's version (:data:`CACHE_VERSION`), written atomically when the
subject is done: a killed run resumes with the subjects it had finished, and a failed subject costs
no other subject's work. Subjects run in parallel with joblib (``n_jobs``); cheap checks of every
subject (files present and complete, clips in the events, channels) run before any long work.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import VaxisDataError, VaxisInputError, check_option
from ..io import cache_dir, load_npz, save_npz, stable_hash
from . import ratings as _ratings
from ._files import select_subjects
from .dataset import EEGDataset
from .features import CACHE_VERSION as FEATURES_VERSION
from .features import differential_entropy
from .guards import check_valence_order, warn_amplitude_outliers
from .montage import BANDS, FACED_CHANNELS, FACED_CLIP_CATEGORIES, REFERENCE_CHANNELS
from .replica import RELEASE_NAMES, TASK, read_truth

#: Version of this preprocessing, part of every cache key: bump it when the same files and
#: configuration would give other numbers.
CACHE_VERSION = 1
N_CLIPS = 28
#: Candidate scale factors (file units -> volts after MNE's own scaling), see "Units".
UNIT_FACTORS: dict[float, str] = {1.0: "volts", 1e-6: "microvolt numbers read as volts",
                                  1e6: "volt numbers read as microvolts"}
_RATING_COLUMNS = {item: item.capitalize() for item in _ratings.FACED_ITEMS}
_SCALP = [i for i, c in enumerate(FACED_CHANNELS) if c not in REFERENCE_CHANNELS]


@dataclass(frozen=True)
class FacedBidsConfig:
    """Every parameter of the route from a BIDS recording to DE features (module docstring).

    Attributes
    ----------
    clip_s : float
        Seconds kept at the end of each clip (the released data: the last 30 s).
    sfreq : float
        Sampling rate after resampling (Hz).
    l_freq, h_freq : float
        Band-pass edges (Hz), MNE's default FIR.
    pad_s : float
        Recording read on each side of a clip's span for the filters, then cut off (0: the
        authors' epochs, filtered alone).
    reference : {"average", "none"}
        Average reference over the 32 recorded rows (the authors'), or none.
    unit : {"uV", "V"}
        Unit of the signal the DE is computed from (the released features: microvolts).
    amplitude_range : (float, float)
        Plausible EEG amplitude, volts: median channel standard deviation of the band-passed spans.
    max_channel_ratio : float
        Largest ratio between a channel's amplitude and the median channel's in one file.
    bands : tuple of (name, low, high)
        DE bands (Hz).
    window_s : float
        DE window (s).
    """

    clip_s: float = 30.0
    sfreq: float = 250.0
    l_freq: float = 0.05
    h_freq: float = 47.0
    pad_s: float = 0.0
    reference: str = "average"
    unit: str = "uV"
    amplitude_range: tuple[float, float] = (1e-6, 2e-4)
    max_channel_ratio: float = 1000.0
    bands: tuple[tuple[str, float, float], ...] = tuple((k, float(lo), float(hi)) for k, (lo, hi) in BANDS.items())
    window_s: float = 1.0

    def __post_init__(self) -> None:
        check_option("reference", self.reference, ("average", "none"))
        check_option("unit", self.unit, ("uV", "V"))
        if not (self.clip_s > 0 and self.sfreq > 0 and 0 <= self.l_freq < self.h_freq < self.sfreq / 2
                and self.pad_s >= 0 and 0 < self.amplitude_range[0] < self.amplitude_range[1]
                and self.max_channel_ratio > 1 and self.window_s > 0):
            raise VaxisInputError(f"Inconsistent FacedBidsConfig: {self}.")
        if round(self.clip_s * self.sfreq) % round(self.window_s * self.sfreq):
            raise VaxisInputError(f"clip_s={self.clip_s} must hold whole {self.window_s}-s windows.")

    @property
    def n_windows(self) -> int:
        return int(round(self.clip_s / self.window_s))

    def key(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ----------------------------------------------------------------------------- layout
def is_bids(root: Path) -> bool:
    """Whether ``root`` looks like FACED's BIDS release (a description file and sub-NNN folders)."""
    return (root / "dataset_description.json").is_file() and any(root.glob(f"sub-*/eeg/sub-*_task-{TASK}_*"))


def _bids_path(root: Path, n: int):
    import mne_bids

    return mne_bids.BIDSPath(root=root, subject=f"{n:03d}", task=TASK, datatype="eeg", suffix="eeg",
                             extension=".bdf")


def subject_status(root: Path) -> dict[int, str]:
    """Every subject folder of the release: number -> ``"ok"``, ``"missing"`` (no .bdf) or
    ``"pointer"`` (a git-annex pointer or a broken link: the recording was not fetched). A truncated
    file is found by :func:`inspect_subject` (it needs the header)."""
    import mne_bids

    out = {}
    for value in mne_bids.get_entity_vals(root, "subject"):
        if not value.isdigit():
            continue
        out[int(value)] = subject_status_one(Path(_bids_path(root, int(value)).fpath))
    return out


def subjects_present(root: str | Path) -> list[int]:
    """Subjects whose recording is in the folder (``.bdf`` fetched), in order."""
    return sorted(n for n, s in subject_status(Path(root)).items() if s == "ok")


# ----------------------------------------------------------------------------- one subject: checks
@dataclass
class SubjectPlan:
    """What the cheap checks found for one subject: where its clips are and what else is known."""

    number: int
    bdf: str
    sfreq: float
    n_times: int
    spans: np.ndarray  # (28, 2) start, stop sample of each clip's kept span, video order
    rows: list[int]  # file row of each FACED_CHANNELS entry
    ratings: np.ndarray  # (28, 12) video order, FACED_ITEMS order
    position: np.ndarray  # (28,) presentation position 1..28 of each clip
    header_unit: str
    identity: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"sub-{self.number:03d}"


def file_identity(root: Path, n: int) -> dict[str, Any]:
    """Path, size and modification time of subject ``n``'s recording and sidecars (the cache key)."""
    bids = _bids_path(root, n)
    out = {}
    for suffix in ("eeg.bdf", "events.tsv", "channels.tsv"):
        p = Path(bids.fpath).with_name(f"sub-{n:03d}_task-{TASK}_{suffix}")
        st = p.stat() if p.exists() else None
        out[suffix] = [str(p.resolve()), st.st_size if st else None, st.st_mtime_ns if st else None]
    return out


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def inspect_subject(root: Path, n: int, config: FacedBidsConfig) -> SubjectPlan:
    """The cheap checks of subject ``n`` (header, events, channels; no signal read).

    Raises :class:`VaxisDataError` naming the subject and the file: a missing or not fetched
    ``.bdf``, a file shorter than its header announces (truncated download), events without the
    28 clips (or a clip's category other than the release's), a clip that ends after the recording
    or lasts less than ``clip_s``, channels that are not FACED's 32.
    """
    import mne_bids

    bids = _bids_path(root, n)
    bdf, name = Path(bids.fpath), f"sub-{n:03d}"
    status = subject_status_one(bdf)
    if status == "missing":
        raise VaxisDataError(f"{name}: the recording {bdf} is missing. Download it (e.g. `datalad get "
                             f"{bdf.relative_to(root)}`) or leave the subject out with skip_subjects=[{n}].")
    if status == "pointer":
        raise VaxisDataError(f"{name}: {bdf} is a git-annex pointer or a broken link, not the recording: its "
                             f"content was not fetched. Run `datalad get {bdf.relative_to(root)}` in {root}, or "
                             f"leave the subject out with skip_subjects=[{n}].")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = mne_bids.read_raw_bids(bids, verbose="warning")
    except Exception as exc:  # mne-bids / MNE say what is wrong with the sidecars or the header
        raise VaxisDataError(f"{name}: mne-bids cannot read {bdf} with its sidecars ({type(exc).__name__}: {exc}).") from exc
    if any("does not match the file size" in str(w.message) for w in caught):  # MNE's check of the header
        raise VaxisDataError(
            f"{name}: {bdf} is truncated: its header announces more records than its {bdf.stat().st_size:,} bytes "
            "hold (MNE: 'Number of records from the header does not match the file size'); the download stopped "
            f"early. Fetch it again, or leave the subject out with skip_subjects=[{n}].")
    sfreq = float(raw.info["sfreq"])
    events_file = bdf.with_name(f"{name}_task-{TASK}_events.tsv")
    try:  # every row of the events file, also those beyond the recording (which MNE's annotations drop)
        events = mne_bids.events_file_to_annotation_kwargs(events_file, verbose="error")
    except Exception as exc:
        raise VaxisDataError(f"{name}: mne-bids cannot read {events_file} ({type(exc).__name__}: {exc}).") from exc
    extras_rows = list(events.get("extras") or [{}] * len(events["onset"]))
    clips = {}
    for onset, duration, extra in zip(events["onset"], events["duration"], extras_rows):
        video = _float(extra.get("video_index"))
        if np.isfinite(video):
            if int(video) in clips:
                raise VaxisDataError(f"{name}: {events_file} lists video {int(video)} twice.")
            clips[int(video)] = (float(onset), float(duration), extra)
    if sorted(clips) != list(range(1, N_CLIPS + 1)):
        raise VaxisDataError(
            f"{name}: {events_file} has {len(clips)} clip rows (rows with a video_index) for videos "
            f"{sorted(clips)[:10]}{' ...' if len(clips) > 10 else ''}; FACED has 28 (video_index 1..28 once each). "
            "An events file without its clips cannot place the EEG: fetch the release's file again, or leave the "
            f"subject out with skip_subjects=[{n}].")
    n_times, span = int(raw.n_times), int(round(config.clip_s * sfreq))
    spans, ratings, onsets = np.zeros((N_CLIPS, 2), dtype=np.int64), np.zeros((N_CLIPS, len(_ratings.FACED_ITEMS))), []
    for video in range(1, N_CLIPS + 1):
        onset, duration, extra = clips[video]
        label = str(extra.get("emotion_label", "")).strip().lower()
        label = "neutral" if label in ("\\", "neutral") else label
        if label != FACED_CLIP_CATEGORIES[video - 1]:
            raise VaxisDataError(f"{name}: {events_file} labels video {video} {extra.get('emotion_label')!r}; in "
                                 f"FACED it is {FACED_CLIP_CATEGORIES[video - 1]}. Is this FACED's release?")
        if duration < config.clip_s:
            raise VaxisDataError(f"{name}: video {video} lasts {duration:.2f} s in {events_file}, less than the "
                                 f"{config.clip_s:g} s kept of each clip.")
        stop = int(round((onset + duration) * sfreq))
        if stop > n_times:
            raise VaxisDataError(
                f"{name}: video {video} ends at {(onset + duration):.1f} s but {bdf.name} holds {n_times / sfreq:.1f} s: "
                "the recording is truncated (or the events belong to another file). Fetch it again, or leave the "
                f"subject out with skip_subjects=[{n}].")
        spans[video - 1] = (stop - span, stop)
        ratings[video - 1] = [_float(extra.get(col)) for col in _RATING_COLUMNS.values()]
        onsets.append(onset)
    names = [RELEASE_NAMES.get(c, c) for c in raw.ch_names]
    if sorted(names) != sorted(FACED_CHANNELS) or len(names) != len(FACED_CHANNELS):
        raise VaxisDataError(f"{name}: channels {raw.ch_names} are not FACED's 32 (expected {list(FACED_CHANNELS)}, "
                             f"old 10-20 names and HEOR/HEOL allowed).")
    units = sorted(set(getattr(raw, "_orig_units", {}).values()))
    position = np.argsort(np.argsort(onsets)) + 1
    return SubjectPlan(n, str(bdf), sfreq, n_times, spans, [names.index(c) for c in FACED_CHANNELS], ratings,
                       position, ",".join(units) or "none", file_identity(root, n))


def subject_status_one(bdf: Path) -> str:
    """``"ok"``, ``"missing"`` or ``"pointer"`` for one ``.bdf`` path (its first byte only is read)."""
    if not os.path.lexists(bdf):
        return "missing"
    if not bdf.exists() or bdf.stat().st_size < 512:
        return "pointer"
    with open(bdf, "rb") as fh:
        return "ok" if fh.read(1) == b"\xff" else "pointer"


# ----------------------------------------------------------------------------- one subject: the signal
def process_subject(plan: SubjectPlan, config: FacedBidsConfig) -> dict[str, Any]:
    """Preprocess one subject (module docstring, steps 1-7): reads only its clips' spans.

    Returns a dict: ``de`` (28, 32, 30, 5) float32 nats in :data:`FACED_CHANNELS` order,
    ``factor`` (file units -> volts), ``amplitude`` (volts), ``ratings`` (28, 12), ``position``
    (28,). Raises :class:`VaxisDataError` for an implausible amplitude, mixed units or a flat channel.
    """
    import mne

    raw = mne.io.read_raw_bdf(plan.bdf, preload=False, verbose="error")
    pad = int(round(config.pad_s * plan.sfreq))
    span_out = int(round(config.clip_s * config.sfreq))
    pad_out = int(round(config.pad_s * config.sfreq))
    clips = np.empty((N_CLIPS, len(FACED_CHANNELS), span_out))
    for k, (start, stop) in enumerate(plan.spans):
        a, b = max(0, int(start) - pad), min(plan.n_times, int(stop) + pad)
        x = raw.get_data(start=a, stop=b)
        x -= x[:, int(start) - a:x.shape[1] - (b - int(stop))].mean(axis=1, keepdims=True)  # the epoch's baseline
        if plan.sfreq != config.sfreq:
            x = mne.filter.resample(x, up=config.sfreq, down=plan.sfreq, npad="auto", window="auto", pad="edge",
                                    method="fft", verbose="error")
        x = mne.filter.filter_data(x, config.sfreq, config.l_freq, config.h_freq, verbose="error")
        lead = int(round((int(start) - a) * config.sfreq / plan.sfreq)) if pad else 0
        lead = min(lead, pad_out)
        clips[k] = x[plan.rows, lead:lead + span_out]
    sd = clips.std(axis=-1)  # (28, 32) file units
    if (sd == 0).any():
        k, c = np.argwhere(sd == 0)[0]
        raise VaxisDataError(f"{plan.name}: channel {FACED_CHANNELS[c]} is flat in video {k + 1}'s span of {plan.bdf}.")
    channel_amp = np.median(sd, axis=0)  # (32,)
    med = float(np.median(channel_amp[_SCALP]))
    ratio = channel_amp / med
    off = [FACED_CHANNELS[c] for c in np.flatnonzero((ratio > config.max_channel_ratio) | (ratio < 1 / config.max_channel_ratio))]
    if off:
        raise VaxisDataError(
            f"{plan.name}: channels {off} of {plan.bdf} differ from the median channel by a factor of "
            f"{', '.join(f'{r:.3g}' for r in ratio[[FACED_CHANNELS.index(c) for c in off]])} (amplitude): mixed units "
            "(some channels in volts, others in microvolts?) or a broken file. No single unit fits it; leave the "
            f"subject out with skip_subjects=[{plan.number}] or repair the file.")
    lo, hi = config.amplitude_range
    fits = [f for f in UNIT_FACTORS if lo <= med * f <= hi]
    if len(fits) != 1:
        raise VaxisDataError(
            f"{plan.name}: implausible EEG amplitude in {plan.bdf}: the median channel's SD of the "
            f"{config.l_freq:g}-{config.h_freq:g} Hz band is {med:.3g} in the units MNE read (header: "
            f"{plan.header_unit!r}), i.e. {med:.3g} V, or {med * 1e6:.3g} uV if the numbers were microvolts, or "
            f"{med * 1e-6:.3g} V if volts were stored as microvolts; EEG lies within {lo * 1e6:g}-{hi * 1e6:g} uV. "
            f"A bad recording (FACED's sub-023 is reported at ~3000x its neighbours) or a wrong unit: leave the "
            f"subject out with skip_subjects=[{plan.number}].")
    factor = fits[0]
    clips *= factor
    if config.reference == "average":
        clips -= clips.mean(axis=1, keepdims=True)
    clips *= 1e6 if config.unit == "uV" else 1.0
    bands = {b[0]: (b[1], b[2]) for b in config.bands}
    de = differential_entropy(clips, config.sfreq, bands, config.window_s)  # (28, 32, W, 5)
    return {"de": de.astype(np.float32), "factor": np.float64(factor), "amplitude": np.float64(med * factor),
            "ratings": plan.ratings, "position": plan.position, "sfreq": np.float64(plan.sfreq)}


def _cache_path(plan_or_identity: Any, n: int, config: FacedBidsConfig) -> Path:
    identity = plan_or_identity.identity if isinstance(plan_or_identity, SubjectPlan) else plan_or_identity
    key = stable_hash("faced-bids", CACHE_VERSION, FEATURES_VERSION, config.key(), identity)
    return cache_dir("faced_bids") / f"sub-{n:03d}-{key}.npz"


def _work(plan: SubjectPlan, config: FacedBidsConfig) -> tuple[int, Any]:
    """One subject in a worker: its features written to the cache, or the error it met."""
    try:
        out = process_subject(plan, config)
    except VaxisDataError as err:
        return plan.number, str(err)
    except Exception as err:  # an MNE/IO failure: named, not fatal to the other subjects
        return plan.number, f"{plan.name}: {type(err).__name__}: {err}"
    save_npz(_cache_path(plan, plan.number, config), **out)
    return plan.number, None


def subject_features(root: str | Path, subjects: Sequence[int], config: FacedBidsConfig | None = None,
                     n_jobs: int = 1, progress: bool = True) -> dict[int, dict[str, np.ndarray]]:
    """Features of ``subjects``: from the cache, else computed (in parallel) and cached.

    Every uncached subject is checked first (:func:`inspect_subject`); any problem stops the run
    before the long work, with one error listing every subject's problem. Subjects that then fail
    (amplitude, units) do not stop the others: their results are cached, and the error listing the
    failures is raised at the end.
    """
    from joblib import Parallel, delayed
    from tqdm import tqdm

    root, config = Path(root), config or FacedBidsConfig()
    out, todo = {}, []
    for n in subjects:
        path = _cache_path(file_identity(root, n), n, config)
        if path.is_file():
            out[n] = load_npz(path)
        else:
            todo.append(n)
    plans, problems = [], []
    for n in tqdm(todo, desc="checking FACED BIDS subjects", disable=not progress or len(todo) < 2, leave=False):
        try:
            plans.append(inspect_subject(root, n, config))
        except VaxisDataError as err:
            problems.append(str(err))
    if problems:
        raise VaxisDataError(f"{len(problems)} FACED subject(s) cannot be read; nothing was computed "
                             f"({len(out)} cached subject(s) kept):\n- " + "\n- ".join(problems))
    failed = []
    if plans:
        t0 = time.perf_counter()
        jobs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(delayed(_work)(p, config) for p in plans)
        for n, err in tqdm(jobs, total=len(plans), desc=f"FACED BIDS -> DE ({n_jobs} job(s))", disable=not progress,
                           leave=False):
            if err is None:
                out[n] = load_npz(_cache_path(file_identity(root, n), n, config))
            else:
                failed.append(err)
        if progress:
            print(f"[vaxis] preprocessed {len(plans) - len(failed)} subject(s) in {time.perf_counter() - t0:.0f} s "
                  f"({n_jobs} job(s)); cache: {cache_dir('faced_bids')}")
    if failed:
        raise VaxisDataError(f"{len(failed)} FACED subject(s) failed; the other {len(out)} are cached and a re-run "
                             "resumes from them:\n- " + "\n- ".join(failed))
    return {n: out[n] for n in subjects}


# ----------------------------------------------------------------------------- the cohort
def load_faced_bids(root: str | Path, subjects: Sequence[int] | None = None, skip_subjects: Sequence[int] = (),
                    ratings: str = "auto", reference_channels: bool = False, check_ratings: bool = True,
                    config: FacedBidsConfig | None = None, n_jobs: int = 1, progress: bool = True):
    """FACED's BIDS release (or a replica of it) as an :class:`~vaxis.eeg.dataset.EEGDataset`.

    Parameters
    ----------
    root : path
        Root of the release (``dataset_description.json``, ``sub-NNN/``).
    subjects : sequence of int, optional
        Subject numbers; default all 123 (every recording must then be present).
    skip_subjects : sequence of int
        Subjects left out on purpose (a warning lists them), e.g. ``[23]``.
    ratings : {"auto", "events", "participants", "norms"}
        Clip valence/arousal and each subject's ratings: from the events files (``"auto"``,
        ``"events"``; each subject's own 12 ratings per clip), the packaged table of the same
        participants, or the word norms (see :func:`vaxis.eeg.faced.load_faced`).
    reference_channels, check_ratings
        As :func:`vaxis.eeg.faced.load_faced`.
    config : FacedBidsConfig, optional
        The preprocessing (default: the released feature definition).
    n_jobs : int
        Subjects preprocessed in parallel (joblib processes).
    """
    check_option("ratings", ratings, ("auto", "events", "files", "participants", "norms"))
    root, config = Path(root), config or FacedBidsConfig()
    status = subject_status(root)
    wanted = select_subjects({n: root for n in status}, range(123), subjects, skip_subjects, root, "FACED BIDS")
    feats = subject_features(root, wanted, config, n_jobs=n_jobs, progress=progress)
    ids = [f"sub{n:03d}" for n in wanted]
    de = np.stack([np.transpose(feats[n]["de"], (0, 2, 1, 3)) for n in wanted])  # (S, 28, W, 32, 5)
    scores = np.stack([feats[n]["ratings"] for n in wanted])  # (S, 28, 12)
    table = _ratings.subject_ratings(wanted)
    v_i, a_i = _ratings.FACED_ITEMS.index("valence"), _ratings.FACED_ITEMS.index("arousal")
    if ratings in ("auto", "events", "files"):
        if not np.isfinite(scores).all():
            raise VaxisDataError(f"Ratings missing in the events files of {[ids[i] for i in np.flatnonzero(~np.isfinite(scores).all(axis=(1, 2)))][:20]}; "
                                 "use ratings='participants'.")
        other = [i for i in range(len(wanted)) if np.abs(scores[i] - table[i]).max() > 1e-4]
        differ = [ids[i] for i in other]
        if check_ratings and other:  # the published ratings are known to be in order; others are checked
            check_valence_order(scores[other][..., v_i], FACED_CLIP_CATEGORIES, differ, f"the events files under {root}")
        if differ:
            warnings.warn(f"The ratings in the events files of {differ[:20]} differ from the published ratings of the "
                          "same FACED participants (vaxis.eeg.ratings.faced_ratings); the files are used.",
                          UserWarning, stacklevel=2)
        valence, arousal, per_subject, scale = scores[..., v_i].mean(0), scores[..., a_i].mean(0), scores, _ratings.FACED_SCALE
        rsrc = f"FACED self-reports read from the BIDS events files under {root}, mean over {len(wanted)} subjects"
    elif ratings == "norms":
        valence, arousal = _ratings.category_norms(FACED_CLIP_CATEGORIES)
        per_subject, scale, rsrc = table, _ratings.NORMS_SCALE, _ratings.NORMS_SOURCE
    else:
        clips = _ratings.clip_ratings(("valence", "arousal"))
        valence, arousal, per_subject, scale = clips["valence"].to_numpy(), clips["arousal"].to_numpy(), table, _ratings.FACED_SCALE
        rsrc = _ratings.PARTICIPANTS_SOURCE + f", clip means over all {_ratings.N_PARTICIPANTS} participants"
    flagged = warn_amplitude_outliers(de.mean(axis=(1, 2, 3, 4), dtype=np.float64), ids, wanted, "FACED")
    truth = read_truth(root)
    factors = {ids[i]: UNIT_FACTORS[float(feats[n]["factor"])] for i, n in enumerate(wanted)}
    ds = EEGDataset(
        de=de, subjects=ids, clip_category=np.array(FACED_CLIP_CATEGORIES), clip_valence=valence,
        clip_arousal=arousal, channels=list(FACED_CHANNELS),
        bands={b[0]: (b[1], b[2]) for b in config.bands}, sfreq=config.sfreq,
        source="faced" if truth is None else "simulated-faced-replica", window_s=config.window_s,
        rating_source=rsrc, rating_scale=scale, subject_ratings=per_subject, rating_items=_ratings.FACED_ITEMS,
        meta={"faced_dir": str(root), "layout": "bids", "features": "DE from the raw recordings",
              "config": config.key(), "units": factors, "amplitude_uV": {ids[i]: float(feats[n]["amplitude"]) * 1e6
                                                                        for i, n in enumerate(wanted)},
              "sfreq_recorded": {ids[i]: float(feats[n]["sfreq"]) for i, n in enumerate(wanted)},
              "presentation_position": np.stack([feats[n]["position"] for n in wanted]).tolist(),
              "skipped": sorted(int(s) for s in skip_subjects), "amplitude_outliers": flagged,
              "reference_channels": bool(reference_channels),
              **({} if truth is None else {"replica": {k: truth[k] for k in ("seed", "knobs", "encodings")}})},
        planted_valence=None if truth is None else np.asarray(truth["planted_valence"], dtype=float),
    )
    return ds if reference_channels else ds.without_reference_channels()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vaxis.eeg.faced_bids",
                                 description="FACED's BIDS release: preprocess to DE features (compare them with "
                                             "Synapse's: python -m vaxis.eeg.faced compare).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features", help="preprocess (and cache) subjects' DE features")
    f.add_argument("root", type=Path)
    f.add_argument("--subjects", type=int, nargs="+", default=None, help="default: every recording present")
    f.add_argument("--n-jobs", type=int, default=1)
    f.add_argument("--clip-s", type=float, default=30.0, help="seconds kept at the end of each clip (default 30)")
    args = ap.parse_args(argv)
    config = FacedBidsConfig(clip_s=args.clip_s)
    try:
        if args.cmd == "features":
            subjects = args.subjects or subjects_present(args.root)
            subject_features(args.root, subjects, config, n_jobs=args.n_jobs)
            print(f"{len(subjects)} subject(s) ready in {cache_dir('faced_bids')}")
    except (VaxisDataError, VaxisInputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
