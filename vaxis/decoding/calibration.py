"""Calibration of the simulated cohort: how decodable is it, and how do its knobs move that?

A decoding experiment on the simulator's output, so it sits on the decoding side (the simulator
itself, :mod:`vaxis.eeg.simulate`, never imports a decoder). Two numbers per dataset: the
label-only nine-class balanced accuracy of a logistic regression on window-averaged DE, subjects
held out (:func:`label_only_accuracy`), and the held-out correlation of the EEG-to-human-valence
map (:func:`valence_map_correlation`, :mod:`vaxis.decoding.mapping`). The simulator's defaults
are chosen so that the first lies in the range published for real FACED with subject-independent
splits (0.36-0.45, chance 0.11) on the whole simulated cohort; ``tests/test_calibration.py``
holds them there. :func:`knob_sweep` moves one knob at a time (chapter 3, section 5).

Clip identity: the stimulus-identity pattern of Gerster et al. (2026)
---------------------------------------------------------------------
Gerster et al. (2026, bioRxiv, doi 10.64898/2026.06.12.731889; code
``moritz-gerster/faced-stimulus-confound``) decoded FACED's released DE features across subjects
with a LinearSVC (10 subject folds, per-subject accuracy averaged over the 123 subjects,
:data:`PREPRINT`): 39.4% with the clips' categories as labels, 26.8% with each participant's own
reported emotion (the arg-max of the eight emotion items), 33.9% vs 36.0% on trials whose felt
emotion agreed or disagreed with the clip's category, and 44.9% when only one clip per category was
kept: fewer clips per class decode *better*, the mark of a classifier that learns clips. The
generator's ``clip_identity`` knob (:class:`vaxis.eeg.simulate.SimulationParams`: each clip's own
signature, independent of its category and valence) and its ``residual_strength`` were set so that
the default cohort reproduces that pattern (:func:`stimulus_identity_scores`,
:func:`clip_identity_grid`, :func:`choose_clip_identity`).

Our classifier is the one of :func:`label_only_accuracy` (logistic regression on window-averaged,
subject-normalised DE, C = 1), not their LinearSVC on running-normalised, Kalman-smoothed 1-s
windows with C tuned on the test fold; so the *levels* need not match theirs and the tolerances
are on the pattern. **Fixed before the calibration grid was run** (:data:`CLIP_IDENTITY_TOLERANCES`;
an exploratory look at seven knob settings on seed 0 preceded them and is not part of the evidence):

- clip-category labels: per-subject accuracy in 0.36-0.45 (the published FACED range; 0.394);
- felt labels: accuracy / clip-label accuracy in 0.58-0.78 (theirs 0.268 / 0.394 = 0.680);
- concordant minus discordant trials (balanced accuracy of the clip-label classifier on each):
  within -0.05..+0.05 (theirs -0.021);
- one clip per category minus all clips: +0.02..+0.12 (theirs +0.055);
- and, as before, the label-only balanced accuracy in 0.36-0.45.

Every tolerance must hold on both seeds (0, 1) of the whole cohort (123 subjects). Among the grid
points that pass, the default is the one closest to the preprint (:func:`choose_clip_identity`:
smallest sum of absolute differences of the four numbers, seed means), with ``residual_strength``
kept at 0.10 or more so that the mechanisms acting on the category residual (congruence, label
noise, felt intensity; chapter 7) keep something to act on. Manipulation checks at the chosen
point: ``label_noise`` 1 (trials felt as another category carry its patterns) must move concordant
minus discordant, and ``clip_identity`` 0 must remove the one-clip gain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .. import stats
from .._checks import VaxisInputError
from ..eeg import ratings as _ratings
from ..eeg.dataset import EEGDataset
from ..eeg.simulate import SimulationParams, simulate_faced, with_knobs
from .mapping import cross_validate_map


@threadpool_limits.wrap(limits=1)
def label_only_accuracy(dataset: EEGDataset, n_splits: int = 5, C: float = 1.0) -> float:
    """Balanced accuracy of a label-only classifier, subjects held out.

    Logistic regression (L2, ``C``) on window-averaged, subject-normalised DE
    (:meth:`EEGDataset.trial_features`), GroupKFold by subject with ``n_splits`` folds; the
    prediction of every held-out trial is pooled and scored once (:func:`vaxis.stats.balanced_accuracy`).
    Runs on one BLAS thread: for these (trials x 160) problems two threads made each fit 3.5x
    slower on 2 cores, with the same predictions (2026-12-03).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    X, y, groups = dataset.trial_features()
    pred = np.empty_like(y)
    for tr, te in GroupKFold(n_splits=min(n_splits, dataset.n_subjects)).split(X, y, groups):
        clf = LogisticRegression(C=C, max_iter=2000)
        clf.fit(X[tr], y[tr])
        pred[te] = clf.predict(X[te])
    return float(stats.balanced_accuracy(y, pred))


@threadpool_limits.wrap(limits=1)
def valence_map_correlation(dataset: EEGDataset, n_splits: int = 5) -> float:
    """Mean held-out-subject Pearson r of a ridge map from EEG to the categories' human valence."""
    positions = dataset.category_ratings()["valence"].to_dict()
    res = cross_validate_map(dataset, positions, n_splits=n_splits, permutations=0)
    return float(res.mean_r)


def calibration_scores(dataset: EEGDataset, n_splits: int = 5) -> dict[str, float]:
    """Label-only balanced accuracy and EEG-to-valence map correlation of a dataset."""
    n_cat = len(dataset.categories)
    return {
        "balanced_accuracy": label_only_accuracy(dataset, n_splits=n_splits),
        "chance": 1.0 / n_cat,
        "valence_r": valence_map_correlation(dataset, n_splits=n_splits),
    }


#: Values each knob takes in the default sweep (the default value is added if missing).
DEFAULT_SWEEP: dict[str, tuple[float, ...]] = {
    "valence_strength": (0.0, 0.1, 0.2, 0.4),
    "arousal_strength": (0.0, 0.1, 0.2),
    "residual_strength": (0.0, 0.1, 0.2, 0.4),
    "subject_variability": (0.0, 0.5, 1.0, 2.0),
    "trial_noise": (0.7, 1.4, 2.8),
    "noise": (0.45, 0.9, 1.8),
    "clip_identity": (0.0, 0.2, 0.4, 0.8),
}


def knob_sweep(
    knobs: Mapping[str, Sequence[float]] | None = None,
    n_subjects: int = 40,
    n_windows: int = 30,
    seeds: Sequence[int] = (0,),
    n_splits: int = 5,
    base: SimulationParams | None = None,
) -> pd.DataFrame:
    """How label-only accuracy and the EEG-to-valence correlation move as each knob moves.

    One knob at a time is set to each of its values, the others stay at ``base`` (defaults).

    Returns
    -------
    DataFrame
        One row per (knob, value, seed): ``knob``, ``value``, ``is_default``, ``seed``,
        ``balanced_accuracy``, ``chance``, ``valence_r``.
    """
    base = base or SimulationParams()
    knobs = dict(DEFAULT_SWEEP if knobs is None else knobs)
    rows = []
    for knob, values in knobs.items():
        default = getattr(with_knobs(base, {}), knob) if knob in asdict(base) else None
        with_knobs(base, {knob: values[0]})  # validates the knob name
        vals = sorted(set(float(x) for x in values) | {float(default)})
        for value in vals:
            for seed in seeds:
                ds = simulate_faced(n_subjects=n_subjects, n_windows=n_windows, seed=seed,
                                    params=with_knobs(base, {knob: value}))
                scores = calibration_scores(ds, n_splits=n_splits)
                rows.append({"knob": knob, "value": value, "is_default": value == default,
                             "seed": seed, **scores})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- clip identity (Gerster et al. 2026)
#: Gerster et al. (2026), cross-subject LinearSVC on FACED's released DE features, mean per-subject
#: accuracy over the 123 subjects (their README's table; chance 0.111).
PREPRINT: dict[str, float] = {"clip_labels": 0.394, "felt_labels": 0.268, "concordant": 0.339, "discordant": 0.360,
                              "one_clip": 0.449}
#: Tolerances on the pattern, fixed before the calibration grid was run (see the module docstring).
CLIP_IDENTITY_TOLERANCES: dict[str, tuple[float, float]] = {
    "clip_labels": (0.36, 0.45),
    "felt_ratio": (0.58, 0.78),
    "concordant_minus_discordant": (-0.05, 0.05),
    "one_clip_gain": (0.02, 0.12),
    "balanced_accuracy": (0.36, 0.45),
}
#: The grid the defaults were chosen on, and the floor on the residual (see the module docstring).
CLIP_IDENTITY_GRID: dict[str, tuple[float, ...]] = {
    "residual_strength": (0.10, 0.15, 0.21),
    "clip_identity": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
}
MIN_RESIDUAL = 0.10


def _per_subject(correct: np.ndarray, subject: np.ndarray) -> float:
    """Mean over subjects of each subject's share of correct trials."""
    return float(np.mean([correct[subject == s].mean() for s in np.unique(subject)]))


@threadpool_limits.wrap(limits=1)
def stimulus_identity_scores(dataset: EEGDataset, n_splits: int = 10, C: float = 1.0) -> dict[str, float]:
    """Gerster et al. (2026)'s four cross-subject numbers on one FACED-shaped dataset, with our classifier.

    Logistic regression (L2, ``C``) on window-averaged, subject-normalised DE
    (:meth:`EEGDataset.trial_features`), GroupKFold by subject (``n_splits``, 10 as theirs); scores are
    per-subject accuracies averaged over subjects, as theirs:

    - ``clip_labels``: labels = the clips' categories;
    - ``felt_labels``: labels = each participant's felt category, the preprint's rule
      (:func:`vaxis.eeg.ratings.felt_categories`, ``rule="gerster2026"``: arg-max of the eight
      emotion items, never neutral), scored against those labels;
    - ``concordant`` / ``discordant``: the clip-label classifier's per-subject balanced accuracy on
      the emotional clips' trials whose felt category is / is not the clip's (subjects without such
      trials left out);
    - ``one_clip``: trained and tested on one clip per category (the k-th of each category's clips,
      neutral included, in release order; mean over k = 0, 1, 2: the preprint kept k = 0 only);
    - ``balanced_accuracy``: :func:`label_only_accuracy` (pooled, 5 folds: the documented calibration);
    - ``felt_ratio``, ``concordant_minus_discordant``, ``one_clip_gain``: the pattern.

    Needs the participants' ratings (``dataset.subject_ratings``; a simulated subject n carries FACED
    participant n mod 123's).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    if dataset.subject_ratings is None:
        raise VaxisInputError("stimulus_identity_scores needs each subject's ratings (FACED-shaped data).")
    X, cats, groups = dataset.trial_features()
    S, n_clips = dataset.n_subjects, dataset.n_clips
    clip = np.tile(np.arange(n_clips), S)
    code = {c: i for i, c in enumerate(dataset.categories)}
    y = np.array([code[c] for c in cats])
    felt_idx = _ratings.felt_categories(dataset.clip_category, dataset.subject_ratings, dataset.rating_items,
                                        dataset.categories, rule="gerster2026")
    felt = felt_idx.ravel()
    agree = _ratings.concordance(felt_idx, dataset.clip_category, dataset.categories).ravel()

    def held_out(rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        pred = np.empty(rows.size, dtype=int)
        for tr, te in GroupKFold(n_splits=min(n_splits, S)).split(X[rows], labels[rows], groups[rows]):
            pred[te] = LogisticRegression(C=C, max_iter=2000).fit(X[rows][tr], labels[rows][tr]).predict(X[rows][te])
        return pred

    every = np.arange(y.size)
    pred = held_out(every, y)
    out = {"clip_labels": _per_subject(pred == y, groups)}
    for name, kind in (("concordant", _ratings.CONCORDANT), ("discordant", _ratings.DISCORDANT)):
        per = [stats.balanced_accuracy(y[m], pred[m]) for s in np.unique(groups)
               if (m := (groups == s) & (agree == kind)).any()]
        out[name] = float(np.mean(per))
    out["felt_labels"] = _per_subject(held_out(every, felt) == felt, groups)
    by_cat = [np.flatnonzero(dataset.clip_category == c) for c in dataset.categories]
    n_one = min(len(g) for g in by_cat)
    one = []
    for k in range(n_one):
        rows = np.flatnonzero(np.isin(clip, [g[k] for g in by_cat]))
        one.append(_per_subject(held_out(rows, y) == y[rows], groups[rows]))
    out["one_clip"] = float(np.mean(one))
    out["balanced_accuracy"] = label_only_accuracy(dataset)
    out["felt_ratio"] = out["felt_labels"] / out["clip_labels"]
    out["concordant_minus_discordant"] = out["concordant"] - out["discordant"]
    out["one_clip_gain"] = out["one_clip"] - out["clip_labels"]
    return out


def within_tolerances(scores: dict[str, float]) -> dict[str, bool]:
    """Which of :data:`CLIP_IDENTITY_TOLERANCES` the scores of :func:`stimulus_identity_scores` meet."""
    return {k: bool(lo <= scores[k] <= hi) for k, (lo, hi) in CLIP_IDENTITY_TOLERANCES.items()}


def preprint_distance(scores: dict[str, float]) -> float:
    """Sum of absolute differences from :data:`PREPRINT` of clip-label and felt-label accuracy,
    concordant minus discordant and the one-clip gain (the choice rule of the calibration)."""
    p = PREPRINT
    return float(abs(scores["clip_labels"] - p["clip_labels"]) + abs(scores["felt_labels"] - p["felt_labels"])
                 + abs(scores["concordant_minus_discordant"] - (p["concordant"] - p["discordant"]))
                 + abs(scores["one_clip_gain"] - (p["one_clip"] - p["clip_labels"])))


def clip_identity_grid(grid: Mapping[str, Sequence[float]] | None = None, seeds: Sequence[int] = (0, 1),
                       n_subjects: int = 123, base: SimulationParams | None = None,
                       progress: bool = False) -> pd.DataFrame:
    """:func:`stimulus_identity_scores` on every combination of the knobs in ``grid`` (default
    :data:`CLIP_IDENTITY_GRID`) and seed: one row per (knob values, seed) with every score, each
    tolerance's pass/fail (``ok_<name>``, ``ok``) and :func:`preprint_distance`."""
    import itertools

    base = base or SimulationParams()
    grid = dict(CLIP_IDENTITY_GRID if grid is None else grid)
    names = list(grid)
    rows = []
    for values in itertools.product(*(grid[k] for k in names)):
        knobs = dict(zip(names, (float(v) for v in values)))
        for seed in seeds:
            sc = stimulus_identity_scores(simulate_faced(n_subjects=n_subjects, seed=seed,
                                                         params=with_knobs(base, knobs)))
            ok = within_tolerances(sc)
            rows.append({**knobs, "seed": seed, **sc, **{f"ok_{k}": v for k, v in ok.items()}, "ok": all(ok.values()),
                         "distance": preprint_distance(sc)})
            if progress:
                print(knobs, seed, {k: round(v, 3) for k, v in sc.items()}, all(ok.values()), flush=True)
    return pd.DataFrame(rows)


def choose_clip_identity(table: pd.DataFrame, knobs: Sequence[str] = ("residual_strength", "clip_identity"),
                         min_residual: float = MIN_RESIDUAL) -> pd.Series | None:
    """The calibration's choice from a :func:`clip_identity_grid` table: among knob settings that pass
    every tolerance on every seed, with ``residual_strength >= min_residual``, the one with the
    smallest seed-mean :func:`preprint_distance`; None if none passes."""
    knobs = list(knobs)
    g = table.groupby(knobs)
    summary = g.mean(numeric_only=True).assign(ok=g["ok"].all())
    keep = summary[summary.ok & (summary.index.get_level_values("residual_strength") >= min_residual - 1e-12)]
    if keep.empty:
        return None
    best = keep["distance"].idxmin()
    return pd.Series(dict(zip(knobs, best)) | keep.loc[best].to_dict())
