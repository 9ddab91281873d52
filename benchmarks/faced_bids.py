"""Benchmark: FACED's BIDS route (raw recording -> DE features), per subject, against plain MNE.

The vaxis way is :func:`vaxis.eeg.faced_bids.inspect_subject` + :func:`~vaxis.eeg.faced_bids.process_subject`
(what ``cohort("faced", bids_root)`` runs in each worker): the header and sidecars through mne-bids,
then only the 28 clips' last 30 s read from the non-preloaded BDF, resampled, band-passed,
re-referenced and turned into DE. The plain way is the script a reader would write with MNE
alone: load the whole recording (``preload=True``), band-pass it (0.05-47 Hz), cut the same 28
spans as ``mne.Epochs`` (``tmin=-30``, ``tmax=0`` at each clip's offset), resample the epochs to
250 Hz, average-reference them, and compute the same DE. Both run on replica subjects of real length
(:mod:`vaxis.eeg.replica`: the release's own events, sampling rate, channels and units; simulated
signals), each way in a fresh process on one core (``OMP/MKL/OPENBLAS_NUM_THREADS=1``), which
reports its wall time and its peak resident memory (``VmHWM`` of ``/proc/self/status``: the whole
worker, Python and libraries included; ``ru_maxrss`` would also count the memory of the parent it
was forked from, which built the replica). The two ways' DE must agree (correlation over all values > 0.95: the plain
way filters the whole recording, the vaxis way each 30-s span, as the authors did).

Throughput is reported in subject-minutes of recording per second (recording length / wall time).
The projection for all 123 subjects uses the release's own sampling rates and lengths
(``eeg.json``): the vaxis way's time per subject hardly depends on the length (it reads 28 x 30 s),
so it is projected per subject from the measured subject of the same rate; the plain way's time
from its throughput. Two workers (``n_jobs=2``) on 2 cores: half the sum.

    python benchmarks/faced_bids.py                       # sub-000 (1000 Hz, 81 min) and sub-004 (250 Hz)
    python benchmarks/faced_bids.py --subjects 0 --data /tmp/faced-replica   # keep the replica for re-runs

Writes ``benchmarks/results/faced_bids.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r'''
import json, resource, sys, time
import numpy as np
way, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
from pathlib import Path
from vaxis.eeg import faced_bids
config = faced_bids.FacedBidsConfig()
if way == "vaxis":
    plan = faced_bids.inspect_subject(Path(root), n, config)
    de = faced_bids.process_subject(plan, config)["de"]
else:
    import mne, mne_bids
    from vaxis.eeg.features import differential_entropy
    from vaxis.eeg.montage import BANDS, FACED_CHANNELS
    from vaxis.eeg.replica import RELEASE_NAMES
    bids = mne_bids.BIDSPath(root=root, subject=f"{n:03d}", task="watchingVideoClips", datatype="eeg",
                             suffix="eeg", extension=".bdf")
    raw = mne_bids.read_raw_bids(bids, verbose="error")
    raw.load_data(verbose="error")
    data = raw.get_data()
    if np.median(np.abs(data)) > 1e-2:  # microvolt numbers read as volts (the release's unit mix-up)
        raw.apply_function(lambda x: x * 1e-6, channel_wise=False)
    raw.filter(0.05, 47.0, verbose="error")
    extras = raw.annotations.extras
    clips = {int(float(e["video_index"])): (o, d) for o, d, e in zip(raw.annotations.onset, raw.annotations.duration, extras)
             if str(e.get("video_index", "n/a")) not in ("n/a", "", "nan")}
    sf = raw.info["sfreq"]
    events = np.array([[int(round((o + d) * sf)), 0, v] for v, (o, d) in sorted(clips.items())])
    epochs = mne.Epochs(raw, events, tmin=-30.0, tmax=0.0, baseline=(None, 0), preload=True, verbose="error")
    epochs.resample(250.0, verbose="error")
    epochs.set_eeg_reference("average", verbose="error")
    x = epochs.get_data()[:, :, -7500:] * 1e6
    order = [[RELEASE_NAMES.get(c, c) for c in raw.ch_names].index(c) for c in FACED_CHANNELS]
    de = differential_entropy(x[:, order], 250.0, BANDS, 1.0)
wall = time.perf_counter() - t0
np.save(sys.argv[4], de)
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]  # this process's own peak
peak = int(hwm[0].split()[1]) * 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"wall_s": wall, "peak_bytes": peak}))
'''


def run_child(way: str, root: Path, n: int, out: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", CHILD, way, str(root), str(n), str(out)], env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{way} failed on sub-{n:03d}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from vaxis.eeg import replica

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subjects", type=int, nargs="+", default=[0, 4], help="release subjects (default 0: 1000 Hz, 4: 250 Hz)")
    ap.add_argument("--data", type=Path, default=None, help="replica folder (built there if absent; default: a temporary one)")
    ap.add_argument("--ways", nargs="+", default=["vaxis", "plain"], choices=["vaxis", "plain"])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "faced_bids.json")
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="faced-bids-bench-")
    root = args.data or Path(tmp.name) / "nm000112"
    todo = [n for n in args.subjects if not (root / replica.subject_file(n, "eeg.bdf")).is_file()]
    if todo:
        t0 = time.perf_counter()
        replica.build_replica(root, todo, length="recording")
        print(f"replica of {todo} built in {time.perf_counter() - t0:.0f} s: {root}")
    rows = []
    for n in args.subjects:
        rel = replica.release_subject(n)
        bdf = root / replica.subject_file(n, "eeg.bdf")
        minutes = (rel["duration_s"] + 1 / rel["sfreq"]) / 60
        row = {"subject": n, "sfreq": rel["sfreq"], "recording_min": minutes, "file_bytes": bdf.stat().st_size}
        des = {}
        for way in args.ways:
            res = run_child(way, root, n, Path(tmp.name) / f"{way}-{n}.npy")
            des[way] = np.load(Path(tmp.name) / f"{way}-{n}.npy")
            row[way] = {**res, "subject_min_per_s": minutes / res["wall_s"]}
            print(f"sub-{n:03d} ({rel['sfreq']:g} Hz, {minutes:.1f} min): {way:5s} {res['wall_s']:6.1f} s, "
                  f"peak {res['peak_bytes'] / 2**30:.2f} GiB, {minutes / res['wall_s']:.2f} subject-min/s")
        if len(des) == 2:
            row["ratio_plain_over_vaxis"] = row["plain"]["wall_s"] / row["vaxis"]["wall_s"]
            row["memory_ratio"] = row["plain"]["peak_bytes"] / row["vaxis"]["peak_bytes"]
            row["de_correlation"] = float(np.corrcoef(des["vaxis"].ravel(), des["plain"].ravel())[0, 1])
            assert row["de_correlation"] > 0.95, row
            print(f"  plain / vaxis: {row['ratio_plain_over_vaxis']:.1f}x the time, {row['memory_ratio']:.1f}x the "
                  f"memory; DE correlation {row['de_correlation']:.4f}")
        rows.append(row)
    # projection: the release's 123 subjects, 2 workers
    rates = {n: replica.release_subject(n)["sfreq"] for n in range(123)}
    lengths = {n: (replica.release_subject(n)["duration_s"]) / 60 for n in range(123)}
    projection = {}
    for way in args.ways:
        per_rate = {r["sfreq"]: r[way] for r in rows}
        if set(per_rate) >= set(rates.values()):
            if way == "vaxis":
                total = sum(per_rate[rates[n]]["wall_s"] for n in range(123))
            else:
                total = sum(lengths[n] / per_rate[rates[n]]["subject_min_per_s"] for n in range(123))
            projection[way] = {"serial_s": total, "two_workers_s": total / 2}
            print(f"{way}: 123 subjects, 2 workers on 2 cores: {total / 2 / 60:.1f} min (projected)")
    record = {"date": time.strftime("%Y-%m-%d"), "cpu": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "python": platform.python_version(), "subjects": rows,
              "projection_123": projection, "release_total_recording_min": sum(lengths.values())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.out}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
