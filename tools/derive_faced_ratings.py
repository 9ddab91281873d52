#!/usr/bin/env python
"""Derive the FACED participants' per-clip self-reports as one compact table.

FACED (Chen, J., Wang, X., Huang, C., Hu, X., Shen, X. & Zhang, D. 2023, "A Large
Finer-grained Affective Computing EEG Dataset", Scientific Data 10:740,
doi:10.1038/s41597-023-02650-w; data CC-BY-4.0): 123 participants each watched 28
video clips and after each rated 12 items on a continuous 0-7 scale.

Two public copies of those ratings are read and must agree value for value:

* the BIDS release mirrored as ``nemarDatasets/nm000112``:
  ``sub-NNN/eeg/sub-NNN_task-watchingVideoClips_events.tsv`` (one row per event;
  the 28 clip rows carry ``video_index`` and the 12 items as named columns, rows in
  onset order);
* the original ``After_remarks.mat`` files (e.g. ``LJL-6666/clisa-eeg-emotion``,
  ``Clisa_analysis/runtime_inputs/after_remarks/subNNN/After_remarks.mat``): variable
  ``After_remark``, a 28-element struct array in presentation order with fields
  ``score`` (12 items), ``trial`` (presentation position 1..28), ``vid`` (clip
  1..28), ``Accuracy`` and ``ResponseTime`` (arithmetic task between blocks; not used).

Output: one row per (subject, clip), sorted by subject then clip, columns
``subject, clip, category, position`` and the 12 items in the ``score`` order
(:data:`ITEMS`).  A JSON file with the agreement check and summary statistics is
written next to it.

Usage::

    python derive_faced_ratings.py --bids-root NM000112_DIR \
        --after-remarks-root AFTER_REMARKS_DIR --out faced_ratings.csv.gz \
        --stats-out faced_ratings_stats.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.io import loadmat

N_SUBJECTS = 123
N_CLIPS = 28

#: The 12 rated items, in the order of ``After_remark.score`` (and of the BIDS columns).
ITEMS: tuple[str, ...] = (
    "joy", "tenderness", "inspiration", "amusement",
    "anger", "disgust", "fear", "sadness",
    "arousal", "valence", "familiarity", "liking",
)
#: The eight items that name an emotion category.
CATEGORY_ITEMS: tuple[str, ...] = ITEMS[:8]

#: Target category of clip 1..28 (video order of the release).
CLIP_CATEGORY: tuple[str, ...] = (
    ("anger",) * 3 + ("disgust",) * 3 + ("fear",) * 3 + ("sadness",) * 3
    + ("neutral",) * 4
    + ("amusement",) * 3 + ("inspiration",) * 3 + ("joy",) * 3 + ("tenderness",) * 3
)
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(CLIP_CATEGORY))
NEGATIVE = ("anger", "disgust", "fear", "sadness")
POSITIVE = ("amusement", "inspiration", "joy", "tenderness")

KEY = ["subject", "clip"]


# --------------------------------------------------------------------------- reading
def read_after_remarks(root: Path) -> pd.DataFrame:
    """Read every ``subNNN/After_remarks.mat`` under ``root``.

    Returns a long frame with one row per (subject, clip): ``subject`` (int),
    ``clip`` (1..28), ``position`` (1..28) and the 12 items (float, 0-7).
    Raises ``ValueError`` naming the file when a file does not have the expected
    structure.
    """
    rows = []
    files = sorted(root.glob("sub[0-9][0-9][0-9]/After_remarks.mat"))
    if not files:
        raise FileNotFoundError(f"no subNNN/After_remarks.mat under {root}")
    for path in files:
        subject = int(path.parent.name[3:])
        mat = loadmat(path, squeeze_me=True, struct_as_record=False)
        if "After_remark" not in mat:
            raise ValueError(f"{path}: no variable 'After_remark'")
        records = np.atleast_1d(mat["After_remark"])
        if records.shape != (N_CLIPS,):
            raise ValueError(f"{path}: After_remark has shape {records.shape}, expected ({N_CLIPS},)")
        for k, rec in enumerate(records):
            score = np.asarray(rec.score, dtype=float).ravel()
            if score.shape != (len(ITEMS),):
                raise ValueError(f"{path}: entry {k} has {score.size} scores, expected {len(ITEMS)}")
            position = int(rec.trial)
            if position != k + 1:
                raise ValueError(f"{path}: entry {k} has trial={position}; expected rows in presentation order")
            rows.append((subject, int(rec.vid), position, *score))
    out = pd.DataFrame(rows, columns=["subject", "clip", "position", *ITEMS])
    _check_complete(out, f"After_remarks under {root}")
    return out


def read_bids_events(root: Path) -> pd.DataFrame:
    """Read every ``sub-NNN/eeg/*_events.tsv`` of the FACED BIDS release under ``root``.

    Clip events are the rows with a ``video_index``; their rank by ``onset`` is the
    presentation position.  Returns the same layout as :func:`read_after_remarks`
    plus ``emotion_label`` (the release's target-category label, for checking).
    """
    files = sorted(root.glob("sub-[0-9][0-9][0-9]/eeg/sub-*_task-watchingVideoClips_events.tsv"))
    if not files:
        raise FileNotFoundError(f"no sub-NNN/eeg/*_events.tsv under {root}")
    columns = {name.capitalize(): name for name in ITEMS}
    frames = []
    for path in files:
        subject = int(path.parts[-3][4:])
        ev = pd.read_csv(path, sep="\t", encoding="utf-8-sig", na_values=["n/a"])
        missing = {"onset", "video_index", "emotion_label", *columns} - set(ev.columns)
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        clips = ev[ev["video_index"].notna()].sort_values("onset", kind="stable")
        frame = clips.rename(columns=columns)[["video_index", "emotion_label", *ITEMS]].copy()
        frame.insert(0, "subject", subject)
        frame["clip"] = frame.pop("video_index").astype(int)
        frame["position"] = np.arange(1, len(frame) + 1)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    _check_complete(out, f"BIDS events under {root}")
    return out


def _check_complete(df: pd.DataFrame, what: str) -> None:
    """Each subject must have clips 1..28 once each, positions 1..28, no missing ratings."""
    for subject, g in df.groupby("subject"):
        if sorted(g["clip"]) != list(range(1, N_CLIPS + 1)):
            raise ValueError(f"{what}: subject {subject} clips are {sorted(g['clip'])}, expected 1..{N_CLIPS} once each")
        if sorted(g["position"]) != list(range(1, N_CLIPS + 1)):
            raise ValueError(f"{what}: subject {subject} positions are not 1..{N_CLIPS}")
    values = df[list(ITEMS)].to_numpy(float)
    if np.isnan(values).any():
        bad = df.loc[np.isnan(values).any(axis=1), KEY].drop_duplicates()
        raise ValueError(f"{what}: missing ratings for {len(bad)} subject-clip pairs, e.g. {bad.head(3).values.tolist()}")
    if values.min() < 0 or values.max() > 7:
        raise ValueError(f"{what}: ratings outside the 0-7 scale ({values.min()}, {values.max()})")


# ------------------------------------------------------------------------- checking
def compare_copies(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """Compare two rating tables on every (subject, clip, item) both contain.

    Returns counts of values compared, exactly equal and differing, the largest
    absolute difference, the differing cells (up to 50), subjects present in only
    one copy, and subject-clip pairs whose presentation position differs.
    """
    sa, sb = set(a["subject"]), set(b["subject"])
    m = a.merge(b, on=KEY, suffixes=("_a", "_b"), validate="one_to_one")
    va = m[[f"{i}_a" for i in ITEMS]].to_numpy(float)
    vb = m[[f"{i}_b" for i in ITEMS]].to_numpy(float)
    diff = np.abs(va - vb)
    rows, cols = np.nonzero(va != vb)
    mismatches = [
        {"subject": int(m["subject"].iat[r]), "clip": int(m["clip"].iat[r]), "item": ITEMS[c],
         "a": float(va[r, c]), "b": float(vb[r, c])}
        for r, c in zip(rows[:50], cols[:50])
    ]
    pos_diff = m.loc[m["position_a"] != m["position_b"], KEY]
    return {
        "subjects_only_in_first": sorted(int(s) for s in sa - sb),
        "subjects_only_in_second": sorted(int(s) for s in sb - sa),
        "subjects_compared": len(sa & sb),
        "values_compared": int(va.size),
        "values_exactly_equal": int((va == vb).sum()),
        "values_differing": int(len(rows)),
        "subjects_with_differences": sorted({int(m["subject"].iat[r]) for r in rows}),
        "max_abs_difference": float(diff.max()) if diff.size else 0.0,
        "mismatches_first_50": mismatches,
        "position_mismatches": int(len(pos_diff)),
    }


def check_release_labels(bids: pd.DataFrame) -> list[str]:
    """Compare :data:`CLIP_CATEGORY` with the release's ``emotion_label`` column.

    The release labels neutral clips with a backslash; every other label must be
    the capitalised category.  Returns a list of problems (empty when consistent).
    """
    problems = []
    for clip, labels in bids.groupby("clip")["emotion_label"]:
        expected = CLIP_CATEGORY[clip - 1]
        seen = set(labels)
        ok = seen == {"\\"} if expected == "neutral" else seen == {expected.capitalize()}
        if not ok:
            problems.append(f"clip {clip}: release says {sorted(seen)}, expected {expected}")
    return problems


def verify_categories(table: pd.DataFrame) -> dict:
    """Check the clip-to-category map against the ratings themselves.

    For each non-neutral clip the category item with the highest mean rating
    across participants must be the clip's own category; neutral clips must have
    all eight category items low (reported as the largest category-item mean).
    """
    means = table.groupby("clip")[list(CATEGORY_ITEMS)].mean()
    result = {"clips_checked": 0, "clips_failing": [], "neutral_max_category_item_mean": None, "per_clip_top_item": {}}
    neutral_max = 0.0
    for clip, row in means.iterrows():
        cat = CLIP_CATEGORY[clip - 1]
        top = row.idxmax()
        result["per_clip_top_item"][int(clip)] = {"category": cat, "top_item": top, "top_mean": round(float(row.max()), 3)}
        if cat == "neutral":
            neutral_max = max(neutral_max, float(row.max()))
            continue
        result["clips_checked"] += 1
        if top != cat:
            result["clips_failing"].append(int(clip))
    result["neutral_max_category_item_mean"] = round(neutral_max, 3)
    return result


# ----------------------------------------------------------------------- statistics
def split_half_reliability(
    table: pd.DataFrame, item: str, n_splits: int, seed: int, by: str = "clip"
) -> dict:
    """Split-half reliability of the per-``by`` mean of ``item`` across participants.

    Participants are split at random into halves (61/62 for 123); the Pearson
    correlation r of the two halves' means over the ``by`` units is stepped up by
    Spearman-Brown, 2r/(1+r).  Returns the mean and median and the 2.5 and 97.5
    percentiles over ``n_splits`` splits (a spread over splits, not a sampling
    interval).
    """
    if by == "clip":
        wide = table.pivot(index="subject", columns="clip", values=item).to_numpy(float)  # (n_subjects, 28)
    else:
        per = table.groupby(["subject", "category"])[item].mean().unstack("category")[list(CATEGORIES)]
        wide = per.to_numpy(float)  # (n_subjects, 9)
    rng = np.random.default_rng(seed)
    n = wide.shape[0]
    sb = np.empty(n_splits)
    for k in range(n_splits):
        perm = rng.permutation(n)
        h1, h2 = wide[perm[: n // 2]].mean(0), wide[perm[n // 2:]].mean(0)
        r = np.corrcoef(h1, h2)[0, 1]
        sb[k] = 2 * r / (1 + r)
    return {
        "item": item, "unit": by, "n_splits": n_splits, "seed": seed,
        "spearman_brown_mean": round(float(sb.mean()), 4),
        "spearman_brown_median": round(float(np.median(sb)), 4),
        "interval_2.5_97.5": [round(float(q), 4) for q in np.percentile(sb, [2.5, 97.5])],
    }


def off_target_rates(table: pd.DataFrame) -> dict:
    """How often a participant's highest category item is not the clip's own category.

    Per non-neutral category: the share of (participant, clip) ratings whose own
    category item is strictly highest among the 8, tied for highest, or below
    another item (off-target), with counts.
    """
    out = {}
    items = table[list(CATEGORY_ITEMS)].to_numpy(float)
    top = items.max(axis=1)
    for cat in NEGATIVE + POSITIVE:
        mask = (table["category"] == cat).to_numpy()
        own = table.loc[mask, cat].to_numpy(float)
        best = top[mask]
        n_top = (items[mask] == best[:, None]).sum(axis=1)
        strict = (own == best) & (n_top == 1)
        tied = (own == best) & (n_top > 1)
        off = own < best
        n = int(mask.sum())
        # Which item won when another item beat the clip's own category (first in ITEMS order on ties).
        winners = pd.Series(np.asarray(CATEGORY_ITEMS)[items[mask][off].argmax(axis=1)]).value_counts()
        out[cat] = {
            "n_ratings": n,
            "own_strictly_highest": int(strict.sum()),
            "own_tied_highest": int(tied.sum()),
            "other_item_highest": int(off.sum()),
            "off_target_share": round(float(off.sum() / n), 4),
            "off_target_winners": {k: int(v) for k, v in winners.items()},
        }
    total = sum(v["other_item_highest"] for v in out.values())
    n_all = sum(v["n_ratings"] for v in out.values())
    out["all_non_neutral"] = {"n_ratings": n_all, "other_item_highest": total, "off_target_share": round(total / n_all, 4)}
    return out


def summary_statistics(table: pd.DataFrame, n_splits: int, seed: int) -> dict:
    """Clip and category means of valence and arousal, their order, reliability, off-target rates."""
    clip_stats = table.groupby("clip").agg(
        category=("category", "first"),
        valence_mean=("valence", "mean"), valence_sd=("valence", "std"),
        arousal_mean=("arousal", "mean"), arousal_sd=("arousal", "std"),
    )
    # Category level: each participant's mean over the category's clips, then mean and SD across participants.
    per_subject = table.groupby(["category", "subject"])[["valence", "arousal"]].mean()
    cat_stats = per_subject.groupby("category").agg(["mean", "std"]).loc[list(CATEGORIES)]
    cat_stats.columns = [f"{a}_{b.replace('std', 'sd')}" for a, b in cat_stats.columns]
    # Participant bootstrap (seeded) of the category means: 2.5 and 97.5 percentiles.
    wide = per_subject.unstack("category")  # (n_subjects, 2 x 9)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(wide), size=(n_splits, len(wide)))
    boot = wide.to_numpy(float)[idx].mean(axis=1)  # (n_splits, 2 x 9)
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    for (item, cat), l, h in zip(wide.columns, lo, hi):
        cat_stats.loc[cat, f"{item}_ci_lo"], cat_stats.loc[cat, f"{item}_ci_hi"] = l, h
    order = cat_stats["valence_mean"].sort_values().index.tolist()
    # How stable is that order?  Share of participant resamples giving the same full order, and
    # giving every negative category below neutral and neutral below every positive category.
    val_cols = [i for i, (item, _) in enumerate(wide.columns) if item == "valence"]
    val_cats = [wide.columns[i][1] for i in val_cols]
    bval = pd.DataFrame(boot[:, val_cols], columns=val_cats)
    full_order = float(np.mean([list(r.sort_values().index) == order for _, r in bval.iterrows()]))
    grouped = float(((bval[list(NEGATIVE)].max(axis=1) < bval["neutral"])
                     & (bval["neutral"] < bval[list(POSITIVE)].min(axis=1))).mean())
    vmeans = clip_stats["valence_mean"]
    pos = table[table["category"].isin(POSITIVE)]["valence"].mean()
    neg = table[table["category"].isin(NEGATIVE)]["valence"].mean()
    rnd = lambda d: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}
    return {
        "n_subjects": int(table["subject"].nunique()),
        "per_clip": {int(c): rnd(r) for c, r in clip_stats.to_dict(orient="index").items()},
        "per_category": {c: rnd(r) for c, r in cat_stats.to_dict(orient="index").items()},
        "category_order_by_mean_valence_low_to_high": order,
        "bootstrap_share_same_full_order": round(full_order, 4),
        "bootstrap_share_negative_lt_neutral_lt_positive": round(grouped, 4),
        "clip_mean_valence_range": [round(float(vmeans.min()), 4), round(float(vmeans.max()), 4)],
        "clip_mean_valence_argmin_argmax": [int(vmeans.idxmin()), int(vmeans.idxmax())],
        "mean_valence_positive_clips": round(float(pos), 4),
        "mean_valence_negative_clips": round(float(neg), 4),
        "corr_clip_mean_valence_arousal": round(float(np.corrcoef(vmeans, clip_stats["arousal_mean"])[0, 1]), 4),
        "split_half": [
            split_half_reliability(table, "valence", n_splits, seed, "clip"),
            split_half_reliability(table, "arousal", n_splits, seed, "clip"),
            split_half_reliability(table, "valence", n_splits, seed, "category"),
            split_half_reliability(table, "arousal", n_splits, seed, "category"),
        ],
        "off_target": off_target_rates(table),
    }


# ---------------------------------------------------------------------------- main
def build_table(ratings: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Final layout: subject, clip, category, position, 12 items rounded to ``decimals``."""
    t = ratings[["subject", "clip", "position", *ITEMS]].copy()
    t.insert(2, "category", [CLIP_CATEGORY[c - 1] for c in t["clip"]])
    t[list(ITEMS)] = t[list(ITEMS)].round(decimals)
    return t.sort_values(KEY, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bids-root", type=Path, required=True, help="folder holding sub-NNN/eeg/*_events.tsv (nm000112)")
    p.add_argument("--after-remarks-root", type=Path, required=True, help="folder holding subNNN/After_remarks.mat")
    p.add_argument("--out", type=Path, required=True, help="output table (.csv or .csv.gz)")
    p.add_argument("--stats-out", type=Path, help="JSON with the agreement check and statistics")
    p.add_argument("--decimals", type=int, default=4, help="decimals kept in the table (default 4)")
    p.add_argument("--n-splits", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    bids = read_bids_events(args.bids_root)
    mat = read_after_remarks(args.after_remarks_root)
    agreement = compare_copies(bids, mat)
    label_problems = check_release_labels(bids)
    print(f"agreement: {agreement['values_exactly_equal']}/{agreement['values_compared']} values equal, "
          f"{agreement['position_mismatches']} position mismatches, "
          f"only BIDS {agreement['subjects_only_in_first']}, only mat {agreement['subjects_only_in_second']}")
    one_sided = agreement["subjects_only_in_first"] + agreement["subjects_only_in_second"]
    if agreement["values_differing"] or agreement["position_mismatches"] or one_sided or label_problems:
        print(json.dumps({"agreement": agreement, "label_problems": label_problems}, indent=1), file=sys.stderr)
        raise SystemExit("the two copies disagree, a subject is in only one copy, or the release labels do not "
                         "match the clip map (details above); table not written")

    table = build_table(bids, args.decimals)
    if len(table) != N_SUBJECTS * N_CLIPS:
        raise SystemExit(f"expected {N_SUBJECTS * N_CLIPS} rows, got {len(table)}")
    categories = verify_categories(table)
    if categories["clips_failing"]:
        raise SystemExit(f"clips whose top-rated category item is not their category: {categories['clips_failing']}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps a .gz byte-identical between runs (ignored for a plain .csv).
    compression = {"method": "infer", "mtime": 0} if args.out.suffix == ".gz" else "infer"
    table.to_csv(args.out, index=False, float_format=f"%.{args.decimals}f", lineterminator="\n",
                 compression=compression)
    back = pd.read_csv(args.out)
    exact = bids.sort_values(KEY, ignore_index=True)
    err = np.abs(back[list(ITEMS)].to_numpy() - exact[list(ITEMS)].to_numpy()).max()
    if err > 0.5 * 10 ** -args.decimals + 1e-12:
        raise SystemExit(f"written table differs from the source by {err}")
    print(f"wrote {args.out} ({len(table)} rows; max rounding error {err:.2e})")

    stats = summary_statistics(table, args.n_splits, args.seed)
    if args.stats_out:
        report = {
            "agreement_bids_vs_after_remarks": agreement,
            "release_label_problems": label_problems,
            "category_check": categories,
            "max_rounding_error": float(err),
            "statistics": stats,
        }
        args.stats_out.write_text(json.dumps(report, indent=1))
        print(f"wrote {args.stats_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
