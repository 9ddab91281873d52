"""A replica of FACED's BIDS release: the release's own small files, with simulated signals as BDF.

Why
---
FACED's recordings (NEMAR ``nm000112``, ~34 GB of ``.bdf``) cannot be fetched here, yet the route
that reads them (:mod:`vaxis.eeg.faced_bids`) must be tested end to end. The replica is that
release with one thing changed: the signal. Everything else is the release's own text, packaged in
``vaxis/eeg/data/faced_bids_sidecars.tar.xz`` (``PROVENANCE.md`` next to it; CC-BY-4.0 as released
on NEMAR, cite Chen et al. 2023, Sci Data 10:740, doi:10.1038/s41597-023-02650-w):
``participants.tsv`` and, per subject, ``events.tsv`` (the real clip onsets, durations, video
indices and that participant's 12 ratings), ``events.json``, ``channels.tsv`` (the subject's real
channel names and order: cohort 1 with T3/T4/T5/T6 and A1, A2 at rows 17-18, cohort 2 with
T7/T8/P7/P8 and HEOR, HEOL last), ``eeg.json`` (the subject's real sampling rate, 1000 or 250 Hz)
and ``scans.tsv``.

The signal
----------
Each subject's recording is written with ``edfio`` as a 24-bit BDF of 1-s records at the subject's
real sampling rate, its rows in the subject's real channel order, in the release's units:

- ``channels.tsv`` says ``µV`` (90 subjects): physical dimension ``uV``, numbers in microvolts;
- ``channels.tsv`` says ``n/a`` (33 subjects: sub-004, 005, 008-035, 058-060): no physical
  dimension, numbers in microvolts -- what the release's mix of units most likely is (MNE reads a
  file without a unit as volts, so these come out a million times too large, and the authors'
  ``unit_check`` multiplies the others by 1e6 to meet them; see :mod:`vaxis.eeg.faced_bids`);
- ``encoding="V"`` (on request): dimension ``V``, numbers in volts.

The last 30 s of every clip (the span the released features keep) carry subject ``n`` of the
simulated cohort (:class:`vaxis.eeg.simulate.FacedRawSource`, the same latent model, seed and knobs
as ``simulate_faced``; clip ``k`` of the release's video order is clip ``k`` of the simulation), at
the real onsets; the rest of the recording is background EEG: band-limited noise with the
subject's mean band power, plus a constant offset per channel. ``code/vaxis_replica.json`` holds the
truth (seed, knobs, the planted valence pattern) and ``dataset_description.json`` names
``vaxis.eeg.replica`` as its generator, so the loader labels the data simulated
(``source="simulated-faced-replica"``) and carries the planted pattern, as the simulation does.

Sizes
-----
A recording of real length takes what the real one takes: 96 kB per second at 1000 Hz (sub-000:
469 MB), 24 kB at 250 Hz. ``length="clips"`` ends each recording 5 s after its last clip instead
(the real recordings go on 18-706 s longer, median 76 s: about 2% of the disk). Every replica keeps all 28 clips:
the chapters need every category. For tiny known-answer files, ``events=`` replaces a subject's
clip timing (e.g. 28 clips of 3 s) and ``clip_s`` shortens the simulated span of each clip.

Command line::

    python -m vaxis.eeg.replica OUT --subjects 4 5 8 37 38 40 --length clips
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import lzma
import sys
import tarfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._checks import VaxisDataError, VaxisInputError, check_option
from .montage import BANDS, FACED_CHANNELS
from .simulate import FacedRawSource

#: The release's small files (``PROVENANCE.md`` next to it).
SIDECARS_FILE: Path = Path(__file__).resolve().parent / "data" / "faced_bids_sidecars.tar.xz"
#: BIDS task name of the release.
TASK = "watchingVideoClips"
#: ``dataset_description.json`` ``GeneratedBy`` name that marks a replica.
GENERATOR = "vaxis.eeg.replica"
#: The replica's truth, relative to its root.
TRUTH_FILE = "code/vaxis_replica.json"
#: The release's channel names that the released files (and :data:`FACED_CHANNELS`) spell otherwise:
#: old 10-20 names, and cohort 2's last two rows, which the authors rename A2, A1.
RELEASE_NAMES: dict[str, str] = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8", "HEOR": "A2", "HEOL": "A1"}
ENCODINGS = ("uV", "blank", "V")
CITATION = ("Chen, J., Wang, X., Huang, C., Hu, X., Shen, X. & Zhang, D. (2023). A Large Finer-grained "
            "Affective Computing EEG Dataset. Scientific Data 10, 740. doi:10.1038/s41597-023-02650-w")


@lru_cache(maxsize=1)
def release_files() -> dict[str, bytes]:
    """Every file of the packaged archive: path relative to the release root -> bytes."""
    if not SIDECARS_FILE.is_file():
        raise VaxisDataError(f"The packaged release files {SIDECARS_FILE} are missing: reinstall vaxis.")
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(SIDECARS_FILE.read_bytes())), mode="r:") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def subject_file(n: int, suffix: str) -> str:
    """Path of subject ``n``'s ``suffix`` file (e.g. ``"events.tsv"``) relative to the root."""
    sub = f"sub-{int(n):03d}"
    return f"{sub}/{sub}_scans.tsv" if suffix == "scans.tsv" else f"{sub}/eeg/{sub}_task-{TASK}_{suffix}"


def _tsv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep="\t", encoding="utf-8-sig", keep_default_na=False)


def release_subject(n: int) -> dict[str, Any]:
    """What the release says of subject ``n``: ``sfreq``, ``duration_s``, ``channels`` (the BIDS
    names, in file order), ``units`` (channels.tsv's unit column), ``events`` (the events table)."""
    files = release_files()
    if subject_file(n, "eeg.json") not in files:
        raise VaxisInputError(f"FACED's release has subjects 0..122, not {n}.")
    sidecar = json.loads(files[subject_file(n, "eeg.json")])
    channels = _tsv(files[subject_file(n, "channels.tsv")])
    return {"sfreq": float(sidecar["SamplingFrequency"]), "duration_s": float(sidecar["RecordingDuration"]),
            "channels": channels["name"].tolist(), "units": sorted(set(channels["units"])),
            "events": _tsv(files[subject_file(n, "events.tsv")])}


def clip_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The clip rows of an events table (those with a video index), with ``video`` (int) and ``end``."""
    vid = pd.to_numeric(events["video_index"], errors="coerce")
    rows = events[vid.notna()].copy()
    rows["video"] = vid[vid.notna()].astype(int)
    rows["end"] = rows["onset"].astype(float) + rows["duration"].astype(float)
    return rows


def _background(n_samples: int, sfreq: float, band_sd: np.ndarray, rng: np.random.Generator,
                block_s: float = 64.0) -> np.ndarray:
    """One channel of background EEG (n_samples,): flat-spectrum noise inside each band with the
    band's standard deviation ``band_sd`` (5,), microvolts. One ``block_s`` block is drawn and
    repeated (a periodic background costs 1/70 of a recording-long one at 1000 Hz; nothing
    analyses the background, it only fills the time between the clips' last 30 s)."""
    from scipy import fft

    n_fft = fft.next_fast_len(min(n_samples, int(block_s * sfreq)), real=True)
    spec = fft.rfft(rng.standard_normal(n_fft))
    freqs = fft.rfftfreq(n_fft, 1.0 / sfreq)
    gain = np.zeros_like(freqs)
    for sd, (lo, hi) in zip(band_sd, BANDS.values()):
        inside = (freqs >= lo) & (freqs < hi)
        share = inside.sum() / max(len(freqs) - 1, 1)  # white noise's variance share in the band
        gain[inside] = sd / np.sqrt(max(share, 1e-12))
    block = fft.irfft(spec * gain, n=n_fft)
    return np.resize(np.roll(block, int(rng.integers(n_fft))), n_samples)


def _nice_range(peak: float, path: Path, name: str) -> float | int:
    """The smallest 1, 2 or 5 x 10^k above ``peak`` that fits the header's 8 characters with a minus sign."""
    for k in range(-9, 7):
        for m in (1, 2, 5):
            top = m * 10.0 ** k
            if top >= peak:
                value = int(top) if top >= 1 else float(f"{top:.0e}")
                if len(str(-value)) <= 8:
                    return value
    raise VaxisInputError(f"{path}: channel {name} peaks at {peak:.3g}, beyond what a BDF header can state "
                          "(5,000,000 in the file's unit); lower the simulation's knobs.")


def _write_bdf(path: Path, rows: np.ndarray, names: Sequence[str], sfreq: float, encoding: Sequence[str]) -> None:
    """BDF of 1-s records: ``rows`` (n_channels, n_samples) in microvolts, written per ``encoding``."""
    import edfio

    signals = []
    for i, (name, enc) in enumerate(zip(names, encoding)):
        x = rows[i] * (1e-6 if enc == "V" else 1.0)
        top = _nice_range(float(np.abs(x).max()) * 1.05, path, name)
        signals.append(edfio.BdfSignal(x, sfreq, label=name, physical_dimension={"uV": "uV", "blank": "", "V": "V"}[enc],
                                       physical_range=(-top, top)))
    bdf = edfio.Bdf(signals, recording=edfio.Recording(startdate=datetime.date(2023, 1, 1)),
                    starttime=datetime.time(0, 0, 0), data_record_duration=1)
    bdf.write(path)


def build_replica(out: str | Path, subjects: Sequence[int], *, seed: int = 0, knobs: Mapping[str, float] | None = None,
                  length: str = "recording", end_margin_s: float = 5.0, clip_s: int = 30,
                  sfreq: float | None = None, encoding: str | Mapping[int, str] | None = None,
                  events: Mapping[int, pd.DataFrame] | None = None, progress: bool = True) -> Path:
    """Write a replica of FACED's BIDS release with ``subjects``' recordings into ``out``.

    Parameters
    ----------
    out : path
        Root of the replica (created; existing subjects are overwritten).
    subjects : sequence of int
        Release subject numbers 0..122; each gets its own events, channels, sampling rate and units.
    seed, knobs
        Seed and knobs of the simulated cohort (:class:`vaxis.eeg.simulate.FacedRawSource`).
    length : {"recording", "clips"}
        ``"recording"``: the real recording's length (``eeg.json``); ``"clips"``: end
        ``end_margin_s`` after the last clip kept (``eeg.json``'s duration then says so).
    clip_s : int
        Seconds of simulated signal at the end of each clip (30: the span the released data keep).
    sfreq : float, optional
        Write every subject at this rate instead of its own (the sidecars then say so).
    encoding : {"uV", "blank", "V"} or mapping subject -> one of them, optional
        Units of the file (module docstring); default from the release's ``channels.tsv``.
    events : mapping subject -> DataFrame, optional
        Events tables to use instead of the release's (columns as the release's; clip rows need
        ``onset``, ``duration``, ``video_index`` and ``emotion_label``).
    """
    from tqdm import tqdm

    check_option("length", length, ("recording", "clips"))
    subjects = [int(s) for s in subjects]
    if not subjects or len(set(subjects)) != len(subjects):
        raise VaxisInputError(f"subjects must be distinct release numbers, got {subjects}.")
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    source = FacedRawSource(n_subjects=max(subjects) + 1, seed=seed, **dict(knobs or {}))
    files = release_files()
    encodings: dict[int, str] = {}
    for n in tqdm(subjects, desc="replica subjects", disable=not progress, leave=False):
        rel = release_subject(n)
        sf = float(sfreq or rel["sfreq"])
        enc = encoding.get(n) if isinstance(encoding, Mapping) else encoding
        enc = enc or ("uV" if rel["units"] == ["µV"] else "blank")
        check_option("encoding", enc, ENCODINGS)
        encodings[n] = enc
        custom = n in (events or {})
        table = events[n].copy() if custom else rel["events"]
        rows = clip_rows(table)
        if sorted(rows["video"]) != list(range(1, 29)):
            raise VaxisInputError(f"sub-{n:03d}: the events must list videos 1..28 once each.")
        last_end = float(rows["end"].max())
        total_s = (int(np.floor(rel["duration_s"])) + 1 if length == "recording" and not custom
                   else int(np.ceil(last_end + end_margin_s)))
        n_samples = int(total_s * sf)
        latent, signal = source.subject(n, sf, n_windows=int(clip_s))  # (28, W, 32, 5) nats, (28, 32, W s) uV
        band_sd = np.sqrt(np.exp(2 * latent.mean(axis=(0, 1)) - np.log(2 * np.pi * np.e)))  # (32, 5)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 7, n]))
        span = signal.shape[-1]
        order = [FACED_CHANNELS.index(RELEASE_NAMES.get(c, c)) for c in rel["channels"]]
        data = np.empty((len(order), n_samples))
        stops = [(int(clip.video), int(round(clip.end * sf))) for clip in rows.itertuples()]
        if any(stop > n_samples or stop < span for _, stop in stops):
            raise VaxisInputError(f"sub-{n:03d}: a clip's last {span / sf:g} s do not fit the recording.")
        for i, row in enumerate(order):
            offset = rng.uniform(-100, 100)  # a constant offset per channel (microvolts)
            data[i] = _background(n_samples, sf, band_sd[row], rng) + offset
            for video, stop in stops:
                data[i, stop - span:stop] = signal[video - 1, row] + offset
        folder = root / f"sub-{n:03d}" / "eeg"
        folder.mkdir(parents=True, exist_ok=True)
        _write_bdf(root / subject_file(n, "eeg.bdf"), data, rel["channels"], sf, [enc] * len(order))
        sidecar = json.loads(files[subject_file(n, "eeg.json")])
        sidecar["SamplingFrequency"], sidecar["RecordingDuration"] = sf, round(total_s - 1 / sf, 3)
        (root / subject_file(n, "eeg.json")).write_text(json.dumps(sidecar, indent=4) + "\n")
        if sf == rel["sfreq"]:
            (root / subject_file(n, "channels.tsv")).write_bytes(files[subject_file(n, "channels.tsv")])
        else:
            channels = _tsv(files[subject_file(n, "channels.tsv")])
            channels["sampling_frequency"] = sf
            channels.to_csv(root / subject_file(n, "channels.tsv"), sep="\t", index=False)
        if not custom:
            (root / subject_file(n, "events.tsv")).write_bytes(files[subject_file(n, "events.tsv")])
        else:
            table.to_csv(root / subject_file(n, "events.tsv"), sep="\t", index=False, na_rep="n/a")
        if sf != rel["sfreq"]:
            _resample_events(root / subject_file(n, "events.tsv"), sf)
        for suffix in ("events.json", "scans.tsv"):
            (root / subject_file(n, suffix)).write_bytes(files[subject_file(n, suffix)])
    _write_root(root, source, seed, dict(knobs or {}), encodings, int(clip_s), length)
    return root


def _resample_events(path: Path, sfreq: float) -> None:
    """Rewrite the ``sample`` column of an events file for another sampling rate."""
    table = _tsv(path.read_bytes())
    table["sample"] = (table["onset"].astype(float) * sfreq).round().astype(int)
    table.to_csv(path, sep="\t", index=False)


def _write_root(root: Path, source: Any, seed: int, knobs: dict[str, float], encodings: dict[int, str],
                clip_s: int, length: str) -> None:
    __version__ = getattr(sys.modules.get("vaxis"), "__version__", "unknown")  # the package's, read as model_axis does
    files = release_files()
    (root / "participants.tsv").write_bytes(files["participants.tsv"])
    release = json.loads(files["dataset_description.json"])
    description = {
        "Name": "Replica of FACED's BIDS release (vaxis): the release's own small files, simulated signals",
        "BIDSVersion": release["BIDSVersion"], "DatasetType": "raw", "License": release["License"],
        "Authors": ["Jingjing Chen", "Xiaobin Wang", "Chen Huang", "Xin Hu", "Xinke Shen", "Dan Zhang"],
        "HowToAcknowledge": "Cite " + CITATION,
        "Acknowledgements": ("Sidecar files from the BIDS release on NEMAR (nm000112, doi:10.82901/nemar.nm000112; "
                             "BIDS conversion by Pierre Guetschel). The EEG is simulated, not recorded."),
        "ReferencesAndLinks": release["ReferencesAndLinks"],
        "GeneratedBy": [{"Name": GENERATOR, "Version": __version__,
                         "Description": "simulated signals (vaxis.eeg.simulate.FacedRawSource) written as BDF "
                                        "with edfio into the release's layout"}],
        "SourceDatasets": [{"DOI": "doi:10.82901/nemar.nm000112"}, *release.get("SourceDatasets", [])],
    }
    (root / "dataset_description.json").write_text(json.dumps(description, indent=2) + "\n")
    truth_path = root / TRUTH_FILE
    old = json.loads(truth_path.read_text()) if truth_path.is_file() else {}
    if old and (old.get("seed"), old.get("knobs")) != (seed, knobs):
        raise VaxisInputError(f"{root} holds a replica with seed {old.get('seed')} and knobs {old.get('knobs')}; "
                              "write subjects of another cohort into another folder.")
    truth_path.parent.mkdir(exist_ok=True)
    truth = {"generator": GENERATOR, "seed": seed, "knobs": knobs, "channels": list(source.channels),
             "bands": list(BANDS), "planted_valence": source.planted_valence.tolist(),
             "encodings": {**old.get("encodings", {}), **{f"sub-{n:03d}": e for n, e in encodings.items()}},
             "clip_s": clip_s, "length": length}
    truth_path.write_text(json.dumps(truth, indent=1) + "\n")
    (root / "README.md").write_text(
        "# Replica of FACED's BIDS release (simulated EEG)\n\n"
        "Written by `vaxis.eeg.replica`. Every text file is the release's own (NEMAR nm000112, CC-BY-4.0 as "
        "released there), except this README, `dataset_description.json`, `code/vaxis_replica.json` and, where "
        "the replica changed them, `eeg.json` (recording duration, sampling rate) and `events.tsv` (clips kept). "
        "The `.bdf` recordings are **simulated**: not EEG of any person.\n\n"
        f"Cite the dataset: {CITATION}.\n")


def read_truth(root: str | Path) -> dict[str, Any] | None:
    """A replica's truth (``code/vaxis_replica.json``), or None when ``root`` is not a replica."""
    root = Path(root)
    try:
        description = json.loads((root / "dataset_description.json").read_text())
    except (OSError, ValueError):
        return None
    if not any(g.get("Name") == GENERATOR for g in description.get("GeneratedBy", []) if isinstance(g, dict)):
        return None
    path = root / TRUTH_FILE
    if not path.is_file():
        raise VaxisDataError(f"{root} is a vaxis replica but {path} is missing; rebuild it.")
    return json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vaxis.eeg.replica", description="Write a replica of FACED's BIDS "
                                 "release (the release's small files, simulated BDF recordings).")
    ap.add_argument("out", type=Path)
    ap.add_argument("--subjects", type=int, nargs="+", required=True, help="release numbers, e.g. 4 5 8 37 38 40")
    ap.add_argument("--length", choices=("recording", "clips"), default="recording")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE", help="a simulation knob")
    args = ap.parse_args(argv)
    knobs = {k: float(v) for k, v in (item.split("=", 1) for item in args.knob)}
    build_replica(args.out, args.subjects, seed=args.seed, knobs=knobs, length=args.length)
    print(f"replica written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
