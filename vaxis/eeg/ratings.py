"""Human ratings of the EEG clips: FACED's own 123 participants, and the word norms of the categories.

FACED participants (the default wherever FACED-shaped data is labelled)
-----------------------------------------------------------------------
Every FACED participant rated every clip right after watching it: 12 items on a continuous 0-7
scale (:data:`FACED_ITEMS`, the order of ``After_remark.score``). The package ships them as one
table, ``vaxis/eeg/data/faced_ratings.csv.gz`` (123 subjects x 28 clips = 3,444 rows: ``subject``
0..122, ``clip`` 1..28 in the release's video order, ``category``, ``position`` = presentation
position 1..28, the 12 items), read by :func:`faced_ratings`. Source, licence and how it was
derived: ``vaxis/eeg/data/PROVENANCE.md``. In short: the BIDS release mirrored as
``nemarDatasets/nm000112`` (``sub-NNN/eeg/sub-NNN_task-watchingVideoClips_events.tsv``) and the
original ``After_remarks.mat`` files (``LJL-6666/clisa-eeg-emotion``,
``Clisa_analysis/runtime_inputs/after_remarks/``) agree value for value (41,328 of 41,328); data
CC-BY-4.0 as released on NEMAR (nm000112); cite Chen et al. (2023), *Scientific Data* 10:740,
doi:10.1038/s41597-023-02650-w (:cite:`chen2023faced`).

Helpers: :func:`clip_ratings` (per clip mean and SD over participants), :func:`off_target` (how often
a participant rated another category above the clip's own), :func:`felt_categories` and
:func:`concordance` (what each participant felt on each trial, and whether it was the clip's category), :func:`subject_category_means`
(each participant's mean over a category's clips: a participants x categories matrix),
:func:`subject_ratings` (subjects x clips x items), :func:`reliability` (split-half, Spearman-Brown)
and :func:`compare_with_participants` (nine category values, e.g. an LLM's V-axis positions, against
the participants' category means, with intervals and exact permutation nulls).

Word norms (a documented alternative)
-------------------------------------
Warriner, Kuperman & Brysbaert (2013), crowd-sourced ratings of 13,915 English lemmas on 1-9
scales, copied from ``Ratings_Warriner_et_al.csv`` (``V.Mean.Sum``, ``A.Mean.Sum``) for the
category *words* (:data:`CATEGORY_NORMS`); SEED-V, whose release has no per-trial self-reports, is
labelled with them, and ``ratings="norms"`` selects them for FACED.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as _st

from .. import stats
from .._checks import VaxisDataError, VaxisInputError, check_option
from .montage import FACED_CATEGORIES, FACED_CLIP_CATEGORIES, FACED_VALENCE_CLASS

# ----------------------------------------------------------------------------- FACED participants
#: The 12 items of ``After_remark.score``, in that order, each on a fixed 0-7 scale. Checked: the
#: BIDS conversion ``nemarDatasets/nm000112`` ``code/faced.py`` lines 242-255 (``RATING_KEYS``, "taken
#: from Code/Readme.md" of the release) and the data themselves (each non-neutral clip's highest
#: category item is its own category; neutral clips have the lowest arousal).
FACED_ITEMS: tuple[str, ...] = (
    "joy", "tenderness", "inspiration", "amusement", "anger", "disgust", "fear", "sadness",
    "arousal", "valence", "familiarity", "liking",
)  # fmt: skip
#: The fixed scale of every item (the release's README: "continuous 0-7 scale").
FACED_SCALE: tuple[float, float] = (0.0, 7.0)
#: Subjects and clips of the table.
N_PARTICIPANTS, N_CLIPS = 123, 28
#: The packaged table (see ``PROVENANCE.md`` next to it).
FACED_RATINGS_FILE: Path = Path(__file__).resolve().parent / "data" / "faced_ratings.csv.gz"
#: Provenance string stored with datasets labelled by the participants' ratings.
PARTICIPANTS_SOURCE = (
    "FACED participants' self-reports (123 x 28 clips, 0-7), Chen et al. 2023 Sci Data 10:740, "
    "CC-BY-4.0 as released on NEMAR nm000112 (vaxis/eeg/data/faced_ratings.csv.gz)"
)
_COLUMNS = ("subject", "clip", "category", "position", *FACED_ITEMS)


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    path = FACED_RATINGS_FILE
    if not path.is_file():
        raise VaxisDataError(f"The packaged ratings table {path} is missing: reinstall vaxis (package data).")
    df = pd.read_csv(path)
    if tuple(df.columns) != _COLUMNS:
        raise VaxisDataError(f"{path}: columns {list(df.columns)}, expected {list(_COLUMNS)}.")
    if len(df) != N_PARTICIPANTS * N_CLIPS or df[list(FACED_ITEMS)].isna().any().any():
        raise VaxisDataError(f"{path}: expected {N_PARTICIPANTS * N_CLIPS} complete rows, got {len(df)}.")
    df = df.sort_values(["subject", "clip"], ignore_index=True)
    expected_clips = np.tile(np.arange(1, N_CLIPS + 1), N_PARTICIPANTS)
    if not np.array_equal(df["clip"].to_numpy(), expected_clips) or df["subject"].nunique() != N_PARTICIPANTS:
        raise VaxisDataError(f"{path}: every subject must have clips 1..{N_CLIPS} once each.")
    if not (df["category"].to_numpy() == np.tile(FACED_CLIP_CATEGORIES, N_PARTICIPANTS)).all():
        raise VaxisDataError(f"{path}: clip categories differ from vaxis.eeg.montage.FACED_CLIP_CATEGORIES.")
    return df


def faced_ratings() -> pd.DataFrame:
    """The FACED participants' ratings of every clip: one row per (subject, clip), 3,444 rows.

    Columns ``subject`` (0..122), ``clip`` (1..28, video order), ``category``, ``position``
    (presentation position 1..28 for that participant) and the 12 items of :data:`FACED_ITEMS`
    (0-7). Sorted by subject, then clip. Read from the package (offline), checked on loading; a
    copy, so callers may modify it.
    """
    return _table().copy()


def _subjects(subjects: Sequence[int] | None) -> list[int]:
    if subjects is None:
        return list(range(N_PARTICIPANTS))
    out = [int(s) for s in subjects]
    bad = [s for s in out if not 0 <= s < N_PARTICIPANTS]
    if bad:
        raise VaxisInputError(f"FACED participants are numbered 0..{N_PARTICIPANTS - 1}; got {bad}.")
    return out


def subject_ratings(subjects: Sequence[int] | None = None) -> np.ndarray:
    """Ratings as an array (n_subjects, 28 clips, 12 items): clips in video order, items as
    :data:`FACED_ITEMS`, subjects in the given order (default 0..122; repeats allowed)."""
    values = _table()[list(FACED_ITEMS)].to_numpy(float).reshape(N_PARTICIPANTS, N_CLIPS, len(FACED_ITEMS))
    return values[_subjects(subjects)].copy()


def clip_ratings(items: Sequence[str] = ("valence", "arousal"), subjects: Sequence[int] | None = None) -> pd.DataFrame:
    """Per clip (index 1..28): ``category`` and, for each item, the mean and SD over participants
    (columns ``<item>`` and ``<item>_sd``)."""
    items = _check_items(items)
    x = subject_ratings(subjects)[..., [FACED_ITEMS.index(i) for i in items]]  # (S, 28, k)
    out = pd.DataFrame({"category": FACED_CLIP_CATEGORIES}, index=pd.RangeIndex(1, N_CLIPS + 1, name="clip"))
    for j, item in enumerate(items):
        out[item] = x[..., j].mean(axis=0)
        out[f"{item}_sd"] = x[..., j].std(axis=0, ddof=1) if x.shape[0] > 1 else np.nan
    return out


def subject_category_means(item: str = "valence", subjects: Sequence[int] | None = None) -> pd.DataFrame:
    """Each participant's mean ``item`` over the clips of each category: (n_subjects, 9) frame,
    columns in :data:`~vaxis.eeg.montage.FACED_CATEGORIES` order, index the subject numbers."""
    (item,) = _check_items([item])
    subs = _subjects(subjects)
    x = subject_ratings(subs)[..., FACED_ITEMS.index(item)]  # (S, 28)
    cats = np.asarray(FACED_CLIP_CATEGORIES)
    means = np.stack([x[:, cats == c].mean(axis=1) for c in FACED_CATEGORIES], axis=1)
    return pd.DataFrame(means, columns=list(FACED_CATEGORIES), index=pd.Index(subs, name="subject"))


def category_ratings(items: Sequence[str] = ("valence", "arousal"), n_boot: int = 0, level: float = 0.95,
                     seed: int = 0) -> pd.DataFrame:
    """Category means over all participants (index: the nine categories), one column per item.

    With ``n_boot > 0`` each item also gets ``<item>_low`` and ``<item>_high``: a percentile
    bootstrap interval over participants (:func:`vaxis.stats.bootstrap_mean` of their category means).
    """
    out = {}
    for i in _check_items(items):
        per = subject_category_means(i)
        out[i] = per.mean(axis=0)
        if n_boot > 0:
            est = [stats.bootstrap_mean(per[c].to_numpy(), n_boot=n_boot, level=level, seed=seed) for c in per]
            out[f"{i}_low"] = pd.Series([e.low for e in est], index=per.columns)
            out[f"{i}_high"] = pd.Series([e.high for e in est], index=per.columns)
    return pd.DataFrame(out)


def off_target() -> pd.Series:
    """Share of trials in which a participant rated another category item above the clip's own.

    For every participant and non-neutral clip, the clip's category item (e.g. ``anger`` for an
    anger clip) is compared with the other seven category items; the trial is *off target* when one
    of them is rated strictly higher (a tie with the own category counts as on target). Returns the
    share per category (the eight non-neutral ones, :data:`~vaxis.eeg.montage.FACED_CATEGORIES`
    order) and ``"all"`` over the 123 x 24 trials. FACED: 0.359 overall, 0.537 for the anger clips.
    """
    t = _table()
    t = t[t["category"] != "neutral"]
    items = list(FACED_ITEMS[:8])  # the eight category items
    x = t[items].to_numpy(float)
    own = x[np.arange(len(t)), [items.index(c) for c in t["category"]]]
    off = pd.Series(own < x.max(axis=1), index=t["category"].to_numpy())
    cats = [c for c in FACED_CATEGORIES if c != "neutral"]
    return pd.concat([off.groupby(level=0).mean().reindex(cats), pd.Series({"all": off.mean()})])


# ----------------------------------------------------------------------------- what each participant felt
#: Emotion items of FACED's ratings that name a category, in the order of :data:`FACED_ITEMS`.
EMOTION_ITEMS: tuple[str, ...] = FACED_ITEMS[:8]
#: A neutral clip is felt as an emotion when that emotion's rating reaches this (scale 0-7, midpoint 3.5).
NEUTRAL_FELT_THRESHOLD = 4.0
#: An emotional clip is felt as neutral when no emotion item reaches this.
EMOTION_FELT_THRESHOLD = 1.0
#: The rules of :func:`felt_categories`.
FELT_RULES: tuple[str, ...] = ("book", "gerster2026")


def felt_categories(clip_category: Sequence[str], subject_ratings: np.ndarray, items: Sequence[str] = FACED_ITEMS,
                    categories: Sequence[str] = FACED_CATEGORIES, rule: str = "book") -> np.ndarray:
    """Index (into ``categories``) of the category each participant *felt* for each clip: (n_subjects, n_clips).

    From each participant's own ratings (``subject_ratings`` (n_subjects, n_clips, n_items), item names
    ``items``; e.g. :func:`subject_ratings` or :attr:`vaxis.eeg.EEGDataset.subject_ratings`), the
    highest-rated of the emotion items that name a category (:data:`EMOTION_ITEMS`: joy, tenderness,
    inspiration, amusement, anger, disgust, fear, sadness). Two rules, which differ in ties and neutral:

    ``"book"`` (default)
        Ties at the top that include the clip's own category go to it (a tie is not a discordant
        feeling; so :func:`off_target`); other ties go to the item listed first in :data:`FACED_ITEMS`.
        **Neutral** is a feeling too: an emotional clip is felt as neutral when no emotion item reaches
        :data:`EMOTION_FELT_THRESHOLD` (1 of 7: barely felt; 2.7% of FACED's emotional trials), and a
        neutral clip is felt as neutral unless an emotion item reaches :data:`NEUTRAL_FELT_THRESHOLD`
        (4 of 7, above the scale's midpoint; 14.6% of FACED's neutral trials are felt as an emotion).
        Every category can then be a felt label, so nine-class classifiers can be trained on them.
    ``"gerster2026"``
        Gerster et al. (2026)'s subjective label (``decoding/labels.py`` of
        ``moritz-gerster/faced-stimulus-confound``, read 2026-12): the arg-max of the eight emotion items
        (numpy's ``argmax``: ties go to the item listed first), never neutral -- neutral clips are
        always felt as an emotion. Used to compare with their numbers (:mod:`vaxis.decoding.calibration`).

    Ties are rare on FACED (2.2% of the trials have two emotion items at the top; 0.15% all at 0).
    """
    check_option("rule", rule, FELT_RULES)
    cats, clip = list(categories), np.asarray(clip_category).astype(str)
    r = np.asarray(subject_ratings, dtype=float)
    emo = [e for e in EMOTION_ITEMS if e in cats and e in items]
    if r.ndim != 3 or r.shape[1] != len(clip) or "neutral" not in cats or not emo:
        raise VaxisInputError(f"felt_categories needs ratings (n_subjects, {len(clip)}, n_items) with emotion "
                              f"items naming the categories and a 'neutral' category; got {r.shape}.")
    e = r[:, :, [list(items).index(x) for x in emo]]  # (N, C, E)
    top = e.argmax(-1)
    emo_idx = np.array([cats.index(x) for x in emo])
    if rule == "gerster2026":
        return emo_idx[top]
    own = np.array([emo.index(c) if c in emo else -1 for c in clip])
    best = e.max(-1)
    has_own = own >= 0
    own_val = np.where(has_own[None, :], e[:, np.arange(len(clip)), np.maximum(own, 0)], -np.inf)
    top = np.where(own_val >= best, own[None, :], top)  # ties to the clip's own category
    neutral = cats.index("neutral")
    felt = emo_idx[top]
    is_neutral_clip = (clip == "neutral")[None, :]
    felt = np.where(is_neutral_clip & (best < NEUTRAL_FELT_THRESHOLD), neutral, felt)
    felt = np.where(~is_neutral_clip & (best < EMOTION_FELT_THRESHOLD), neutral, felt)
    return felt


#: Labels of :func:`concordance`.
CONCORDANT, DISCORDANT, NEUTRAL_CLIP = "concordant", "discordant", "neutral clip"


def concordance(felt: np.ndarray, clip_category: Sequence[str], categories: Sequence[str] = FACED_CATEGORIES) -> np.ndarray:
    """Each trial's agreement between what was felt and the clip's category: (n_subjects, n_clips) of str.

    ``felt`` (n_subjects, n_clips): category indices from :func:`felt_categories`. An emotional clip's
    trial is :data:`CONCORDANT` when the felt category is the clip's, else :data:`DISCORDANT`; a
    neutral clip's trial is :data:`NEUTRAL_CLIP` (neither: as Gerster et al. 2026, who compare the
    two on emotional clips only). FACED: 63.1% of the emotional trials concordant with ``rule="book"`` (an emotional clip felt as neutral
    is discordant), 63.6% with ``"gerster2026"``.
    """
    cats, clip = list(categories), np.asarray(clip_category).astype(str)
    felt = np.asarray(felt)
    if felt.ndim != 2 or felt.shape[1] != len(clip):
        raise VaxisInputError(f"felt must have shape (n_subjects, {len(clip)}), got {felt.shape}.")
    own = np.array([cats.index(c) for c in clip])
    out = np.where(felt == own[None, :], CONCORDANT, DISCORDANT).astype(object)
    out[:, clip == "neutral"] = NEUTRAL_CLIP
    return out.astype(str)


def _check_items(items: Sequence[str]) -> list[str]:
    items = [str(i) for i in items]
    for i in items:
        check_option("item", i, FACED_ITEMS)
    return items


def reliability(items: Sequence[str] = ("valence", "arousal"), n_splits: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Split-half reliability of the participants' clip means and category means.

    For each item and unit (``clip``: 28 clip means; ``category``: 9 category means), the 123
    participants are split at random into halves ``n_splits`` times; the halves' means are
    correlated over the units and stepped up by Spearman-Brown (:func:`vaxis.stats.split_half_reliability`).
    Returns one row per (item, unit): ``reliability`` (mean over splits) and ``low``/``high`` (2.5th
    and 97.5th percentiles over splits).
    """
    rows = []
    for item in _check_items(items):
        per_clip = subject_ratings()[..., FACED_ITEMS.index(item)]
        per_cat = subject_category_means(item).to_numpy()
        for unit, x in (("clip", per_clip), ("category", per_cat)):
            r = stats.split_half_reliability(x, n_splits=n_splits, seed=seed)
            rows.append({"item": item, "unit": unit, "reliability": r["value"], "low": r["low"], "high": r["high"],
                         "n_units": r["n_items"]})
    return pd.DataFrame(rows).set_index(["item", "unit"])


# ----------------------------------------------------------------------------- nine values vs the participants
def _rank_corr_rows(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Spearman rho of ``values`` (k,) with every row of ``targets`` (B, k)."""
    return stats.pearson_rows(_st.rankdata(values)[None], _st.rankdata(targets, axis=1))


def compare_with_participants(
    values: Mapping[str, float],
    items: Sequence[str] = ("valence", "arousal"),
    norms: bool = True,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank agreement of nine category values with the FACED participants' mean ratings.

    Parameters
    ----------
    values : mapping category -> float
        One value per FACED category (e.g. an LLM's V-axis positions from chapter 1).
    items : sequence of str
        Participants' items to compare with (valence, and arousal as the contrast).
    norms : bool
        Add a row for the word norms' valence (:data:`CATEGORY_NORMS`), the earlier human reference.
    n_boot, level, seed
        Participant bootstrap (resamples of the 123 participants; :func:`vaxis.stats.resample_indices`).

    Returns
    -------
    DataFrame, one row per target (``participants valence``, ``participants arousal``,
    ``word norms valence``) with columns

    - ``rho``: Spearman rho between ``values`` and the target's nine category means;
    - ``participants low/high``: percentile interval over participant resamples (the human side's
      uncertainty only; NaN for the word norms);
    - ``categories low/high``: :func:`vaxis.stats.spearman_interval` over the nine categories (how
      far rho could move with other categories of the kind: the uncertainty that dominates here);
    - ``p all orderings``: exact share of the 9! = 362,880 orderings of ``values`` whose rho is at
      least the observed one;
    - ``p within sides``: the same over the 576 orderings that keep the negative / neutral /
      positive split and shuffle inside each side (does the order *inside* each side agree?);
    - ``rho for p<0.05 (all)``, ``rho for p<0.05 (within)``: the smallest rho each null would call
      significant at 0.05, i.e. what nine points can detect.
    """
    cats = list(FACED_CATEGORIES)
    missing = [c for c in cats if c not in values]
    if missing:
        raise VaxisInputError(f"values lack the FACED categories {missing}; pass one value per category.")
    v = np.array([float(values[c]) for c in cats])
    if not np.isfinite(v).all() or np.ptp(v) == 0:
        raise VaxisInputError("values must be finite and not all equal.")
    all_orders = stats.all_permutations(len(cats))  # identity first
    within = stats.group_permutations([FACED_VALENCE_CLASS[c] for c in cats])
    null_all_v, null_within_v = v[all_orders], v[within]
    targets: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    for item in _check_items(items):
        m = subject_category_means(item).to_numpy()  # (123, 9)
        targets[f"participants {item}"] = (m.mean(axis=0), m)
    if norms:
        targets["word norms valence"] = (category_norms(cats)[0], None)
    rows = {}
    for name, (t, per_subject) in targets.items():
        rho = stats.spearman(v, t)
        null_all = _rank_corr_rows(t, null_all_v)  # symmetric: permute values against fixed targets
        null_within = _rank_corr_rows(t, null_within_v)
        p_lo = p_hi = np.nan
        if per_subject is not None:
            idx = stats.resample_indices(per_subject.shape[0], n_boot, seed)
            boot = _rank_corr_rows(v, per_subject[idx].mean(axis=1))
            p_lo, p_hi = stats.percentile_interval(boot, level, ignore_nan=True)
        c_lo, c_hi = stats.spearman_interval(rho, len(cats), level)
        rows[name] = {
            "rho": rho, "participants low": p_lo, "participants high": p_hi,
            "categories low": c_lo, "categories high": c_hi,
            "p all orderings": stats.share_at_least(null_all, rho),
            "p within sides": stats.share_at_least(null_within, rho),
            "rho for p<0.05 (all)": _critical(null_all), "rho for p<0.05 (within)": _critical(null_within),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _critical(null: np.ndarray, alpha: float = 0.05) -> float:
    """Smallest value c among the null's values with share(null >= c) <= alpha (NaN if none)."""
    vals = np.sort(np.unique(np.round(null, 12)))
    share = np.array([np.mean(null >= c - 1e-12) for c in vals])
    ok = vals[share <= alpha]
    return float(ok.min()) if ok.size else float("nan")


# ----------------------------------------------------------------------------- word norms
#: Human norms: word -> (valence, arousal), 1-9 scales, Warriner et al. (2013), mean of all raters.
CATEGORY_NORMS: dict[str, tuple[float, float]] = {
    "anger": (2.50, 5.93),
    "disgust": (3.32, 5.00),
    "fear": (2.93, 6.14),
    "sadness": (2.40, 2.81),
    "neutral": (5.50, 3.45),
    "amusement": (7.00, 4.82),
    "inspiration": (6.53, 4.77),
    "joy": (8.21, 5.55),
    "tenderness": (6.89, 3.10),
    # SEED-V's category words
    "sad": (2.10, 3.49),
    "happy": (8.47, 6.05),
}
#: Provenance of :data:`CATEGORY_NORMS`.
NORMS_SOURCE = (
    "Warriner, Kuperman & Brysbaert (2013) Behav Res Methods 45:1191-1207, word norms "
    "(V.Mean.Sum, A.Mean.Sum; 1-9 scales) for the category words"
)
#: Scale of :data:`CATEGORY_NORMS`.
NORMS_SCALE: tuple[float, float] = (1.0, 9.0)
#: Cross-check: VADER lexicon (Hutto & Gilbert 2014) mean valence on -4..4 of the same words,
#: from ``vader_lexicon.txt`` (``neutral`` is not in the lexicon; 0 is its neutral point).
VADER_VALENCE: dict[str, float] = {
    "anger": -2.7, "disgust": -2.9, "fear": -2.2, "sadness": -1.9, "neutral": 0.0,
    "amusement": 1.5, "inspiration": 2.4, "joy": 2.8, "tenderness": 1.8,
    "sad": -2.1, "happy": 2.7,
}  # fmt: skip


def category_norms(categories) -> tuple[np.ndarray, np.ndarray]:
    """Human valence and arousal (1-9) of each category word in ``categories``: two arrays (n,)."""
    cats = [str(c) for c in categories]
    unknown = sorted(set(cats) - set(CATEGORY_NORMS))
    if unknown:
        raise VaxisInputError(f"No human norms for categories {unknown}; known: {sorted(CATEGORY_NORMS)}.")
    norms = np.array([CATEGORY_NORMS[c] for c in cats], dtype=float).reshape(-1, 2)
    return norms[:, 0], norms[:, 1]
