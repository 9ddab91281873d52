#!/usr/bin/env python
"""Pack the small files of FACED's BIDS release into one archive (the replica's template).

FACED (Chen, J., Wang, X., Huang, C., Hu, X., Shen, X. & Zhang, D. 2023, "A Large Finer-grained
Affective Computing EEG Dataset", Scientific Data 10:740, doi:10.1038/s41597-023-02650-w) as
released in BIDS on NEMAR (nm000112, CC-BY-4.0 as released there; git mirror
``nemarDatasets/nm000112``). The recordings (``.bdf``, 0.1-0.5 GB each) are git-annex pointers in
that repository; every other file is plain text. This script copies, byte for byte, the text files
the replica needs and nothing else:

* ``dataset_description.json``, ``participants.tsv``;
* per subject ``sub-NNN/sub-NNN_scans.tsv`` and ``sub-NNN/eeg/sub-NNN_task-watchingVideoClips_``
  ``{channels.tsv, eeg.json, events.json, events.tsv}``.

(The release's ``README.md`` is left out on purpose: it cites the wrong authors; see
``vaxis/eeg/data/PROVENANCE.md``.) It checks that all 123 subjects are there, that every events
file has 28 clip rows (video_index 1..28 once each) and that every eeg.json gives a sampling rate,
then writes a reproducible ``.tar.xz`` (names sorted, owner 0, a fixed mtime, xz preset 9e) and
prints its sha256 and a summary (sampling rates, unit column of channels.tsv, channel layouts).

Usage::

    python tools/derive_faced_bids_sidecars.py --bids-root NM000112_CHECKOUT \
        --out vaxis/eeg/data/faced_bids_sidecars.tar.xz
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import lzma
import sys
import tarfile
from pathlib import Path

import pandas as pd

N_SUBJECTS = 123
TASK = "watchingVideoClips"
SUFFIXES = ("channels.tsv", "eeg.json", "events.json", "events.tsv")
#: 2026-03-11, the date of the mirror's HEAD commit e6fabfd (every member gets it).
MTIME = 1773187200


def members(root: Path) -> list[str]:
    names = ["dataset_description.json", "participants.tsv"]
    for s in range(N_SUBJECTS):
        sub = f"sub-{s:03d}"
        names.append(f"{sub}/{sub}_scans.tsv")
        names += [f"{sub}/eeg/{sub}_task-{TASK}_{suffix}" for suffix in SUFFIXES]
    missing = [n for n in names if not (root / n).is_file()]
    if missing:
        sys.exit(f"missing in {root}: {missing[:10]} ({len(missing)} files)")
    return names


def check(root: Path) -> dict:
    rates, units, layouts = collections.Counter(), collections.Counter(), collections.Counter()
    for s in range(N_SUBJECTS):
        sub = f"sub-{s:03d}"
        ev = pd.read_csv(root / sub / "eeg" / f"{sub}_task-{TASK}_events.tsv", sep="\t", encoding="utf-8-sig")
        vid = pd.to_numeric(ev["video_index"], errors="coerce").dropna().astype(int)
        if sorted(vid) != list(range(1, 29)):
            sys.exit(f"{sub}: clip rows {sorted(vid)} are not videos 1..28 once each")
        sidecar = json.loads((root / sub / "eeg" / f"{sub}_task-{TASK}_eeg.json").read_text())
        rates[float(sidecar["SamplingFrequency"])] += 1
        ch = pd.read_csv(root / sub / "eeg" / f"{sub}_task-{TASK}_channels.tsv", sep="\t",
                         encoding="utf-8-sig", keep_default_na=False)
        units[",".join(sorted(set(ch["units"])))] += 1
        layouts[" ".join(ch["name"])] += 1
    return {"sampling_rates": dict(rates), "units": dict(units), "layouts": dict(layouts)}


def pack(root: Path, names: list[str], out: Path) -> str:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(names):
            data = (root / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), MTIME, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    packed = lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(packed)
    return hashlib.sha256(packed).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bids-root", type=Path, required=True, help="a checkout of nm000112 (no .bdf needed)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    names = members(args.bids_root)
    summary = check(args.bids_root)
    digest = pack(args.bids_root, names, args.out)
    print(json.dumps({"files": len(names), "bytes": args.out.stat().st_size, "sha256": digest, **summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
