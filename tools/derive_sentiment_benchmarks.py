#!/usr/bin/env python
"""Derive vaxis's copy of two human-rated sentence benchmarks from the VADER paper's archive.

Hutto, C.J. & Gilbert, E.E. (2014), "VADER: A Parsimonious Rule-based Model for Sentiment
Analysis of Social Media Text", ICWSM-14, released their evaluation sets with the code
(``cjhutto/vaderSentiment``, ``additional_resources/hutto_ICWSM_2014.tar.gz``, MIT licence).
Two of them are read here:

* ``tweets`` -- ``tweets_GroundTruth.txt`` (ID, mean rating, text; 4,200 tweet-like texts) and
  ``tweets_anonDataRatings.txt`` (ID, mean, SD, raw ratings);
* ``movie_reviews`` -- ``movieReviewSnippets_GroundTruth.txt`` and
  ``movieReviewSnippets_anonDataRatings.txt`` (10,605 sentence-level snippets of Pang & Lee's
  2004 movie reviews).

Output, one xz-compressed CSV per benchmark (``hutto2014_<name>.csv.xz``; xz writes no time
stamp, so a re-run writes the same bytes): columns ``id`` (int, the archive's ID), ``rating`` (the
ground-truth mean rating on -4..+4, as given), ``raw`` (the raw integer ratings of
anonDataRatings, space separated: their count, mean and standard deviation (ddof 0, which the
archive's SD column equals) are computed by the loader), ``text`` (exactly as in the archive).
Rows in ID order.

Checks (the script refuses to write if one fails): the archive's sha256; the expected number of
rows and unique IDs 1..n in both files of a benchmark, the same IDs in both; ratings within
-4..+4 and raw ratings integers within -4..+4; the anonDataRatings mean equals the mean of its
raw ratings, and its SD their standard deviation (ddof 0); non-empty texts; a read-back of the written file equals the table. It reports the
rows whose ground-truth mean differs from the raw ratings' mean (199 tweets, see PROVENANCE.md).

Usage::

    python tools/derive_sentiment_benchmarks.py --archive hutto_ICWSM_2014.tar.gz \
        --out-dir vaxis/llm/data
"""
from __future__ import annotations

import argparse
import lzma
import hashlib
import io
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

#: sha256 of ``additional_resources/hutto_ICWSM_2014.tar.gz`` (git blob 17f4f966, 2,338,514 bytes).
ARCHIVE_SHA256 = "d5bb07d87474b3eb8d30b4deccbc23f19d742a6c5718fbacc65485b70b95c5fa"
#: benchmark -> (file stem in the archive, expected number of rows)
BENCHMARKS = {"tweets": ("tweets", 4200), "movie_reviews": ("movieReviewSnippets", 10605)}
COLUMNS = ["id", "rating", "raw", "text"]


def _lines(tar: tarfile.TarFile, name: str) -> list[list[str]]:
    member = tar.extractfile(f"hutto_ICWSM_2014/{name}")
    if member is None:
        raise SystemExit(f"{name} is missing from the archive")
    text = member.read().decode("utf-8")
    return [line.split("\t") for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def derive(tar: tarfile.TarFile, stem: str, expected: int) -> tuple[pd.DataFrame, dict]:
    truth = _lines(tar, f"{stem}_GroundTruth.txt")
    raw = _lines(tar, f"{stem}_anonDataRatings.txt")
    for what, rows, width in (("GroundTruth", truth, 3), ("anonDataRatings", raw, 4)):
        if len(rows) != expected or any(len(r) != width for r in rows):
            raise SystemExit(f"{stem} {what}: {len(rows)} rows (expected {expected}) or a row without {width} fields")
    ids = [int(r[0]) for r in truth]
    if sorted(ids) != list(range(1, expected + 1)):
        raise SystemExit(f"{stem}: IDs are not 1..{expected} once each")
    by_id = {int(r[0]): r for r in raw}
    if set(by_id) != set(ids):
        raise SystemExit(f"{stem}: the two files hold different IDs")
    out, raw_mean = [], []
    for r in sorted(truth, key=lambda r: int(r[0])):
        i, rating, text = int(r[0]), float(r[1]), r[2]
        q = by_id[i]
        values = [int(v) for v in q[3].strip().strip("[]").split(",") if v.strip()]
        arr = np.array(values, dtype=float)
        if not text.strip():
            raise SystemExit(f"{stem} {i}: empty text")
        if not (-4 <= rating <= 4) or arr.min() < -4 or arr.max() > 4:
            raise SystemExit(f"{stem} {i}: a rating outside -4..4")
        if abs(arr.mean() - float(q[1])) > 1e-6:
            raise SystemExit(f"{stem} {i}: anonDataRatings mean {q[1]} is not the mean of its raw ratings")
        if abs(arr.std() - float(q[2])) > 1e-4:
            raise SystemExit(f"{stem} {i}: anonDataRatings SD {q[2]} is not the SD (ddof 0) of its raw ratings")
        out.append((i, rating, " ".join(map(str, values)), text))
        raw_mean.append(arr.mean())
    df = pd.DataFrame(out, columns=COLUMNS)
    n_raters = df.raw.str.split().str.len()
    raw_mean = np.array(raw_mean)
    differ = np.abs(df.rating.to_numpy() - raw_mean) > 1e-6
    info = {"rows": len(df), "raters_min": int(n_raters.min()), "raters_median": float(n_raters.median()),
            "raters_max": int(n_raters.max()), "rating_min": float(df.rating.min()),
            "rating_max": float(df.rating.max()), "rating_mean": float(df.rating.mean()),
            "clearly_positive(>=1)": int((df.rating >= 1).sum()), "clearly_negative(<=-1)": int((df.rating <= -1).sum()),
            "duplicate_texts": int(df.text.duplicated().sum()),
            "truth_differs_from_raw_mean": int(differ.sum()),
            "their_raters_median": float(n_raters[differ].median()) if differ.any() else None,
            "their_truth_vs_raw_r": (float(np.corrcoef(df.rating[differ], raw_mean[differ])[0, 1])
                                     if differ.sum() > 2 else None),
            "their_mean_abs_difference": float(np.abs(df.rating.to_numpy() - raw_mean)[differ].mean()) if differ.any() else None,
            "their_ids": f"{df.id[differ].min()}..{df.id[differ].max()}" if differ.any() else None}
    return df, info


def write(df: pd.DataFrame, path: Path) -> str:
    data = lzma.compress(df.to_csv(index=False, lineterminator="\n").encode("utf-8"),
                         preset=9 | lzma.PRESET_EXTREME)
    path.write_bytes(data)
    back = pd.read_csv(path, keep_default_na=False)
    if not back.equals(df):
        raise SystemExit(f"{path}: the written file does not read back as the table")
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", required=True, type=Path)
    ap.add_argument("--out-dir", required=True, type=Path)
    args = ap.parse_args(argv)
    blob = args.archive.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != ARCHIVE_SHA256:
        raise SystemExit(f"{args.archive}: sha256 {digest}, expected {ARCHIVE_SHA256}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for name, (stem, expected) in BENCHMARKS.items():
            df, info = derive(tar, stem, expected)
            path = args.out_dir / f"hutto2014_{name}.csv.xz"
            sha = write(df, path)
            print(f"{path} ({path.stat().st_size:,} bytes) sha256 {sha}")
            for k, v in info.items():
                print(f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
