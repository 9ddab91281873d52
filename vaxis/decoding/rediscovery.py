r"""Do classifiers trained on category labels alone carry the V-axis? (chapter 4)

For one trained network and one outer fold, take the penultimate representation ``z`` of every
held-out trial (mean over its windows, :mod:`vaxis.engine`), standardise each unit over those
trials, and ask how well a **linear read-out** places each trial at the V-axis position of its
category (chapter 1's positions; the true categories, whatever labels the network was trained on):

- *read-out strength* ``r``: a ridge map from ``z`` to V positions, fitted and scored
  leave-subjects-out **within the held-out subjects** (:class:`vaxis.decoding.mapping.LinearMapCV`,
  ``n_splits`` folds, one fixed penalty ``alpha`` on standardised units), scored per subject by the
  Pearson correlation of predicted and target positions; the statistic is the mean over subjects.
  The network never saw these subjects; the read-out never scores a subject it was fitted on.
- *test*: the same read-out for every one of the 9! = 362,880 assignments of the nine positions to
  the nine categories (exact: predictions are linear in the targets, see :mod:`vaxis.decoding.mapping`).
  A network whose classes are merely separable lets a read-out fit part of *any* ordering; the
  permutation test asks whether the **valence ordering** is read out better than the others.
  For a classifier the statistic is the mean r over all held-out subjects of all folds, the same
  assignment applied in every fold; p = share of assignments (observed included) with a mean r at
  least the observed one. "Rediscovers the V-axis" = Benjamini-Hochberg-adjusted p < ``level``
  across the classifiers tested together (one-sided; see :func:`count_rediscoveries`).
- *alignment with the class-mean structure*: ``w``, the ridge read-out fitted on all held-out
  trials, against ``d = sum_k n_k (v_k - vbar)(mu_k - mubar)``, the direction along which the
  class means ``mu_k`` are ordered by V (the diff-of-means axis of the class means): ``cos(w, d)``;
  and ``basin_cos``, the cosine between ``w`` and its projection on the span of the centred class
  means (1 = the read-out lives entirely in the label-driven "basin").

Controls (same folds, same read-out, **same permutation test**, counted the same way by
:func:`control_counts`): networks trained on labels shuffled within subject, untrained networks
(their initial weights), and the raw input features themselves (:func:`raw_feature_units`: each
trial's DE features averaged over its windows, no network at all). A negative-control cohort
without planted valence (chapter 4 trains the same zoo on it) should bring the count towards zero.

What ``cos_classmean`` measures: with ``d = Z^T (y - ybar)`` and ``w = (Z^T Z + alpha I)^{-1} d``,
``cos(w, d)`` is 1 exactly when ``d`` is an eigenvector of the units' covariance, e.g. when the
units are uncorrelated with equal variance; correlated units rotate the ridge direction away from
``d``. It is a property of the representation's covariance, high in an untrained network whose
units are nearly independent random projections, and **not** a measure of how much valence
training built; chapter 4 therefore does not read it as evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st
from threadpoolctl import threadpool_limits

from .. import results, stats
from .._checks import VaxisDataError, VaxisInputError, check_array, check_option
from ..eeg import EEGDataset, cohort
from .engine.config import TrainConfig
from .engine.results import TrainResults, UnitResult
from .folds import HELD_OUT_CLIPS, SAME_CLIPS, Fold, subject_folds
from .mapping import LinearMapCV

#: Fixed ridge penalty of the read-out (units are z-scored over the held-out trials).
DEFAULT_ALPHA = 10.0


@dataclass
class FoldReadout:
    """Read-out of the V-axis from one network's representation in one held-out fold.

    Attributes
    ----------
    r : ndarray, shape (n_subjects,)
        Held-out Pearson r of each subject (true assignment).
    null_sum : ndarray, shape (n_assignments,) or None
        Sum over subjects of r under each assignment (row 0 = the true one).
    cos_classmean : float
        Cosine between the read-out direction and the class means' V direction.
    basin_cos : float
        Cosine between the read-out direction and the span of the centred class means.
    predictions : ndarray, shape (n_trials,)
        Cross-validated V predictions of the trials (for figures).
    subjects : list of str
        The held-out subjects, in the order of ``r``.
    """

    r: np.ndarray
    null_sum: np.ndarray | None
    cos_classmean: float
    basin_cos: float
    predictions: np.ndarray
    subjects: list[str] = field(default_factory=list)

    @property
    def mean_r(self) -> float:
        return float(np.nanmean(self.r))


def assignments(n_categories: int, permutations: str | int = "exact", seed: int = 0) -> np.ndarray:
    """Assignments of positions to categories, identity first: (n, K) permutation indices.

    ``"exact"``: all K!; an int ``m``: the identity and ``m`` uniform random permutations
    (:func:`vaxis.stats.assignments`).
    """
    return stats.assignments(n_categories, permutations, seed)


def _standardize(z: np.ndarray) -> np.ndarray:
    sd = z.std(axis=0)
    return (z - z.mean(axis=0)) / np.where(sd > 1e-8, sd, np.inf)


def fold_readout(z: np.ndarray, categories: Sequence[str], subjects: Sequence[str],
                 positions: Mapping[str, float], *, n_splits: int = 4, alpha: float = DEFAULT_ALPHA,
                 perms: np.ndarray | None = None, clips: np.ndarray | None = None,
                 train_clips: Sequence[int] | None = None, test_clips: Sequence[int] | None = None) -> FoldReadout:
    """V read-out of one representation (see the module docstring).

    Parameters
    ----------
    z : ndarray, shape (n_trials, embed_dim)
        Representation of the held-out trials.
    categories, subjects : sequence of str, length n_trials
        True category and subject of each trial.
    positions : mapping category -> float
        V-axis position of every category (chapter 1).
    n_splits : int
        Subject folds of the read-out's own cross-validation (capped at the number of subjects).
    alpha : float
        Ridge penalty.
    perms : ndarray, shape (n, K), optional
        Assignments from :func:`assignments` (identity first) for the permutation null; None: no null.
    clips, train_clips, test_clips : optional
        Clips held out of the read-out too (:mod:`vaxis.decoding.folds`): each trial's clip position
        (n_trials,), the clips the read-out is fitted on and the clips it is scored on (e.g. a network
        trained without some clips: fitted on the clips it saw, scored on those it did not).
    """
    return _fold_readout(z, categories, subjects, positions, n_splits, alpha, perms, None,
                         (clips, train_clips, test_clips))


@threadpool_limits.wrap(limits=1)  # multi-threaded OpenBLAS SVD of small matrices is ~100x slower here
def _fold_readout(z, categories, subjects, positions, n_splits, alpha, perms, pair_products,
                  clip_parts=(None, None, None)) -> FoldReadout:
    z = check_array("z", z, ndim=2)
    cats = np.asarray(categories).astype(str)
    subs = np.asarray(subjects).astype(str)
    if cats.shape != (z.shape[0],) or subs.shape != (z.shape[0],):
        raise VaxisInputError("categories and subjects need one entry per row of z.")
    missing = sorted(set(cats.tolist()) - set(positions))
    if missing:
        raise VaxisInputError(f"No V position for categor(ies) {missing}.")
    zs = _standardize(z)
    n_sub = len(set(subs.tolist()))
    clips, train_clips, test_clips = clip_parts
    lm = LinearMapCV(n_splits=min(n_splits, n_sub), inner_splits=2, alphas=(alpha,)).fit(
        zs, cats, subs, **({} if clips is None else {"clips": clips, "train_clips": train_clips,
                                                      "test_clips": test_clips}))
    v = np.array([positions[c] for c in lm.categories_], dtype=float)
    r = lm.evaluate(v[None], alpha_index=np.zeros(len(lm.folds_), dtype=int))[0]
    null_sum = None if perms is None else _null_sums(lm, v, perms, pair_products)
    pred = lm.predictions(v, alpha_index=np.zeros(len(lm.folds_), dtype=int))
    # read-out direction on all held-out trials, and the class means' V direction
    y = np.array([positions[c] for c in cats])
    yc = y - y.mean()
    w = np.linalg.solve(zs.T @ zs + alpha * np.eye(zs.shape[1]), zs.T @ yc)
    means = np.stack([zs[cats == c].mean(axis=0) for c in lm.categories_])
    counts = np.array([(cats == c).sum() for c in lm.categories_])
    d = ((counts * (v - (counts @ v) / counts.sum()))[:, None] * (means - means.mean(axis=0))).sum(axis=0)
    _, basis = stats.basin_basis(zs, cats)  # the span of the centred class means
    nw = np.linalg.norm(w)
    cos = float(w @ d / (nw * np.linalg.norm(d))) if nw > 0 and np.linalg.norm(d) > 0 else float("nan")
    basin = float(np.linalg.norm(basis.T @ w) / nw) if nw > 0 else float("nan")
    return FoldReadout(r, null_sum, cos, basin, pred, [str(x) for x in lm.subjects_])


def _null_sums(lm: LinearMapCV, v: np.ndarray, perms: np.ndarray, pair_products: dict | None = None,
               chunk: int = 4096) -> np.ndarray:
    """Sum over held-out subjects of r for every assignment ``v[perms]`` (fixed penalty).

    The same quadratic forms as :meth:`LinearMapCV.evaluate`, all subjects of all folds in one
    matrix product per chunk of assignments (float64). The products ``v_i v_j`` of every pair under
    every assignment depend only on ``v`` and ``perms``: ``pair_products`` (a dict, e.g. one per
    :func:`readout_results` call) keeps them for the next network instead of rebuilding them (130 MB
    for the 9! assignments of nine categories). Chunks of 4,096 assignments stay in the CPU's
    cache: 1.6x faster than 32,768 on the unit of chapter 4 (12 subjects), the reuse another 1.7x.
    """
    subs = [m for f in lm.folds_ for m in f.subjects]
    n = len(subs)
    # num, and the two quadratic forms of the denominator, of every subject: one (3n, n_pairs) matrix
    M = np.ascontiguousarray(np.concatenate([np.stack([m.P[0] for m in subs]), np.stack([m.Qp[0] for m in subs]),
                                             np.stack([m.R for m in subs])]))
    iu0, iu1 = lm.pairs_
    key = (v.tobytes(), id(perms), perms.shape, iu0.tobytes(), iu1.tobytes())
    cached = None if pair_products is None else pair_products.get(key)
    chunks = cached if cached is not None else []
    out = np.empty(perms.shape[0])
    for i, a in enumerate(range(0, perms.shape[0], chunk)):
        if cached is None:
            VT = np.ascontiguousarray(v[perms[a:a + chunk]].T)  # (K, n): row gathers are fast
            chunks.append(VT[iu0] * VT[iu1])  # (n_pairs, n)
        A = M @ chunks[i]
        num, q, r2 = A[:n], A[n:2 * n], A[2 * n:]
        # r = num / sqrt(q r2), clipped to [-1, 1]; 0 (left out of the sum) where the denominator
        # vanishes against num; in place: half the passes over memory of the plain expression
        np.clip(q, 0, None, out=q)
        q *= np.clip(r2, 0, None, out=r2)
        den = np.sqrt(q, out=q)
        tiny = np.abs(num)
        tiny += 1
        tiny *= 1e-12
        r = np.zeros_like(num)
        np.divide(num, den, out=r, where=den > tiny)
        out[a:a + chunk] = np.clip(r, -1, 1, out=r).sum(axis=0)
    if pair_products is not None and cached is None:
        pair_products[key] = chunks
    return out


def readout_results(results, true_categories: np.ndarray, positions: Mapping[str, float], kind: str,
                    *, n_splits: int = 4, alpha: float = DEFAULT_ALPHA, perms: np.ndarray | None = None,
                    score_clips: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read out the V-axis from every unit of a :class:`vaxis.decoding.engine.TrainResults`.

    Parameters
    ----------
    results : TrainResults
    true_categories : ndarray of str, shape (n_trials,)
        The real category of every trial (also for networks trained on shuffled labels).
    positions : mapping category -> V position
    kind : str
        Label of this set of networks (``"trained"``, ``"shuffled labels"``, ``"untrained"``).
    perms : ndarray, optional
        Assignments for the exact/Monte-Carlo test (None: r only, no p-value).
    score_clips : {None, "held-out clips", "same clips"}
        For units that held clips out of training (:meth:`vaxis.decoding.folds.ClipSubjectSplit.units`):
        the read-out is fitted on the held-out subjects' trials of the clips the network trained on and
        scored on the clips it never saw (:data:`~vaxis.decoding.folds.HELD_OUT_CLIPS`) or on the clips
        it saw (:data:`~vaxis.decoding.folds.SAME_CLIPS`, the comparison), so neither the network nor
        the read-out saw a clip it is scored on. None: every held-out trial, as before.

    Returns
    -------
    per_fold : DataFrame
        arch, seed, fold, kind, mean_r, n_subjects, cos_classmean, basin_cos, balanced_accuracy, and
        subject_r (``{held-out subject: r}``, for :func:`gap_over_controls`).
    per_network : DataFrame
        arch, seed, kind, mean_r (over all held-out subjects), p (if ``perms``), cos_classmean and
        basin_cos (means over folds), balanced_accuracy (mean over folds).
    """
    data = results.data
    cats = np.asarray(true_categories).astype(str)
    if cats.shape != (data.n_trials,):
        raise VaxisInputError(f"true_categories must have shape ({data.n_trials},), got {cats.shape}.")
    if score_clips is not None:
        check_option("score_clips", score_clips, (HELD_OUT_CLIPS, SAME_CLIPS))
    folds = {f.index: f for f in results.folds}
    rows, nets, pair_products = [], {}, {}
    for u in results.units:
        t, parts = u.test_trials, (None, None, None)
        if score_clips is not None:
            f = folds[u.fold]
            if f.train_clips is None or f.test_clips is None:
                raise VaxisInputError(f"score_clips={score_clips!r} needs units that held clips out (fold {u.fold} "
                                      "did not): train on ClipSubjectSplit.units().")
            t = np.flatnonzero(np.isin(data.trial_subject, np.asarray(f.test, dtype=str)))
            parts = (data.trial_clip[t], f.train_clips, f.test_clips if score_clips == HELD_OUT_CLIPS else f.train_clips)
        fr = _fold_readout(u.z[t], cats[t], data.trial_subject[t], positions, n_splits, alpha, perms, pair_products,
                           parts)
        rows.append({"arch": u.arch, "seed": u.seed, "fold": u.fold, "kind": kind, "mean_r": fr.mean_r,
                     "n_subjects": int(np.isfinite(fr.r).sum()), "cos_classmean": fr.cos_classmean,
                     "basin_cos": fr.basin_cos, "balanced_accuracy": u.metrics["balanced_accuracy"],
                     "subject_r": dict(zip(fr.subjects, fr.r.tolist()))})
        acc = nets.setdefault((u.arch, u.seed), {"r": [], "null": 0.0, "n": 0})
        acc["r"].append(fr.r)
        if fr.null_sum is not None:
            acc["null"] = acc["null"] + fr.null_sum
            acc["n"] += int(np.isfinite(fr.r).sum())
    per_fold = pd.DataFrame(rows)
    agg = per_fold.groupby(["arch", "seed"], sort=False)[["cos_classmean", "basin_cos", "balanced_accuracy"]].mean()
    out = []
    for (arch, seed), acc in nets.items():
        row = {"arch": arch, "seed": seed, "kind": kind, "mean_r": float(np.nanmean(np.concatenate(acc["r"])))}
        if perms is not None:
            null = acc["null"] / acc["n"]
            row["p"] = stats.share_at_least(null, null[0])
            row["n_assignments"] = int(null.size)
        out.append({**row, **agg.loc[(arch, seed)].to_dict()})
    return per_fold, pd.DataFrame(out)


def count_rediscoveries(per_network: pd.DataFrame, controls: pd.DataFrame, level: float = 0.05) -> dict[str, object]:
    """How many networks rediscover the V-axis, and how many beat every control of their architecture.

    ``rediscovers``: Benjamini-Hochberg-adjusted exact permutation p < ``level`` (one-sided; false
    discovery rate controlled across the networks of ``per_network``). Also given: the count with
    the stricter Holm (family-wise) adjustment. Note the test's floor: assignments that only swap
    categories with nearly equal V positions (e.g. the four negative ones among themselves) read
    out almost as well as the true one, so p cannot fall far below (number of such swaps) / 9!;
    a family-wise correction over 36 networks can then be out of reach for every network.
    ``beyond_controls``: also a mean r above the largest mean r of the control networks
    (shuffled labels and untrained) of the same architecture.
    """
    if "p" not in per_network:
        raise VaxisInputError("per_network has no p-values: run readout_results with perms.")
    df = per_network.copy()
    df["p_bh"] = stats.benjamini_hochberg(df["p"].to_numpy())
    df["p_holm"] = stats.holm(df["p"].to_numpy())
    df["rediscovers"] = df["p_bh"] < level
    ctrl_max = controls.groupby("arch")["mean_r"].max()
    df["beyond_controls"] = df["mean_r"] > df["arch"].map(ctrl_max)
    return {"table": df, "n": int(len(df)), "n_rediscover": int(df["rediscovers"].sum()),
            "n_holm": int((df["p_holm"] < level).sum()), "n_uncorrected": int((df["p"] < level).sum()),
            "n_beyond_controls": int((df["rediscovers"] & df["beyond_controls"]).sum()), "level": level,
            "test": "exact permutation test over all assignments of the V positions to the categories "
                    "(one-sided, statistic: mean held-out r), Benjamini-Hochberg across networks"}


def subject_readouts(per_fold: pd.DataFrame) -> pd.DataFrame:
    """One row per (kind, fold, held-out subject): the read-out r averaged over the networks of that
    kind (architectures x seeds) that were tested on the subject. ``per_fold``: rows of
    :func:`readout_results` (several kinds stacked)."""
    rows = [{"kind": k, "fold": int(f), "subject": s, "r": r}
            for k, f, sr in per_fold[["kind", "fold", "subject_r"]].itertuples(index=False) for s, r in sr.items()]
    return pd.DataFrame(rows).groupby(["kind", "fold", "subject"], sort=False, as_index=False)["r"].mean()


def gap_over_controls(per_fold: pd.DataFrame, reference: str = "trained", n_boot: int = 2000, level: float = 0.95,
                      seed: int = 0) -> pd.DataFrame:
    """How much more of the V-axis the ``reference`` networks carry than each control, with its interval.

    For every held-out subject, the read-out r averaged over the reference networks minus the same
    average over a control kind's networks (shuffled labels, untrained, raw features, ...) tested on
    that subject (:func:`subject_readouts`). Subjects are the units, nested in the outer fold whose
    trained networks they share: the interval and the two-sided p-value come from a bootstrap over
    folds, then subjects within them (:func:`vaxis.stats.hierarchical_mean`), not from treating the
    subjects as independent.

    Returns
    -------
    DataFrame indexed by control kind
        ``gap`` (mean difference in r), ``low``, ``high``, ``p`` (bootstrap, two-sided), ``n_subjects``,
        ``n_folds``, and the mean r of the reference and of the control.
    """
    sub = subject_readouts(per_fold)
    ref = sub[sub.kind == reference].set_index(["fold", "subject"]).r
    if ref.empty:
        raise VaxisInputError(f"per_fold has no networks of kind {reference!r}.")
    rows = {}
    for kind, g in sub[sub.kind != reference].groupby("kind", sort=False):
        ctl = g.set_index(["fold", "subject"]).r
        both = ref.index.intersection(ctl.index)
        d = (ref.loc[both] - ctl.loc[both]).to_numpy(dtype=float)
        folds = np.asarray(both.get_level_values("fold"))
        est, p = stats.hierarchical_mean(d, [folds], n_boot=n_boot, level=level, seed=seed)
        rows[kind] = {"gap": est.value, "low": est.low, "high": est.high, "p": p, "n_subjects": int(d.size),
                      "n_folds": int(np.unique(folds).size), "reference_r": float(ref.loc[both].mean()),
                      "control_r": float(ctl.loc[both].mean())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("control")


def gap_in_words(gap: pd.DataFrame) -> str:
    """One sentence of what :func:`gap_over_controls` found, from its intervals: which controls the
    trained networks beat (interval above 0), which carry as much or more (interval at or below 0),
    and which the data cannot separate from them."""
    above = [k for k, g in gap.iterrows() if g.low > 0]
    below = [k for k, g in gap.iterrows() if g.high <= 0]
    open_ = [k for k in gap.index if k not in above and k not in below]
    if len(above) == len(gap):
        return "Trained networks carry more of the V-axis than every control (" + ", ".join(above) + ")."
    parts = []
    if above:
        parts.append("trained networks carry more of the V-axis than " + " and ".join(above))
    if below:
        parts.append(" and ".join(below) + " carr" + ("y" if len(below) > 1 else "ies") + " as much or more")
    if open_:
        parts.append("against " + " and ".join(open_) + " the held-out subjects cannot tell (the interval holds 0)")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def control_counts(per_network: pd.DataFrame, level: float = 0.05) -> pd.DataFrame:
    """The permutation test's counts for every kind of network, each kind corrected on its own.

    Parameters
    ----------
    per_network : DataFrame
        Rows of :func:`readout_results` (with ``p``) of several kinds stacked (``kind`` column:
        trained, shuffled labels, untrained, raw features, a negative-control cohort, ...).
    level : float
        Test level.

    Returns
    -------
    DataFrame, one row per kind (in order of first appearance)
        ``n`` (tests), ``significant`` (Benjamini-Hochberg across the tests of that kind),
        ``holm``, ``uncorrected`` (counts at ``level``), ``mean_r`` and ``median_p``. The tests of
        one kind share one dataset and its folds: they are correlated, not independent replications.
    """
    if "p" not in per_network or "kind" not in per_network:
        raise VaxisInputError("per_network needs 'kind' and 'p' columns: run readout_results with perms.")
    rows = []
    for kind, g in per_network.groupby("kind", sort=False):
        p = g["p"].to_numpy(dtype=float)
        rows.append({"kind": kind, "n": int(p.size),
                     "significant": int((stats.benjamini_hochberg(p) < level).sum()),
                     "holm": int((stats.holm(p) < level).sum()), "uncorrected": int((p < level).sum()),
                     "mean_r": float(g["mean_r"].mean()), "median_p": float(np.median(p))})
    return pd.DataFrame(rows).set_index("kind")


#: ``arch`` name of the raw-feature "network" (:func:`raw_feature_units`).
RAW_FEATURES = "raw features"


def raw_feature_units(data, folds: Sequence) -> TrainResults:
    """The input itself as a control representation: one unit per fold, no network.

    Parameters
    ----------
    data : TrainData
        Window-level DE features ``X`` (n_rows, n_chans, n_bands) with their trial index.
    folds : sequence of Fold
        The folds of the trained networks (the read-out uses each fold's held-out subjects).

    Returns
    -------
    TrainResults
        Units with ``arch`` :data:`RAW_FEATURES`, seed 0, ``z`` = each trial's features averaged
        over its windows, shape (n_trials, n_chans * n_bands); no accuracy (NaN).
    """
    X = np.asarray(data.X, dtype=np.float64).reshape(data.X.shape[0], -1)
    z = np.zeros((data.n_trials, X.shape[1]))
    np.add.at(z, data.trial, X)
    z /= np.bincount(data.trial, minlength=data.n_trials)[:, None]
    units = [UnitResult(RAW_FEATURES, 0, f.index, {"balanced_accuracy": float("nan")}, z.astype(np.float32),
                        np.zeros((data.n_trials, 0), np.float32), data.fold_trials(f)[2], np.zeros(0, np.float32))
             for f in folds]
    return TrainResults(units, data, list(folds))


def accuracy_table(per_fold: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Balanced accuracy per architecture: mean over folds of the seed-mean, t interval over folds."""
    rows = []
    for arch, g in per_fold.groupby("arch", sort=False):
        by_fold = g.groupby("fold")["balanced_accuracy"].mean().to_numpy()
        m, n = float(by_fold.mean()), by_fold.size
        half = float(_st.t.ppf((1 + level) / 2, n - 1) * by_fold.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        rows.append({"arch": arch, "balanced_accuracy": m, "ci_low": m - half, "ci_high": m + half,
                     "n_folds": n, "n_networks": int(len(g))})
    return pd.DataFrame(rows).set_index("arch")


def projection_table(unit, true_categories: np.ndarray, trial_subjects: np.ndarray, positions: Mapping[str, float],
                     *, n_splits: int = 4, alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """Cross-validated V read-out of one unit's held-out trials, averaged per category."""
    t = unit.test_trials
    cats = np.asarray(true_categories).astype(str)[t]
    fr = fold_readout(unit.z[t], cats, np.asarray(trial_subjects)[t], positions, n_splits=n_splits, alpha=alpha)
    df = pd.DataFrame({"category": cats, "pred": fr.predictions})
    out = df.groupby("category", sort=False)["pred"].agg(["mean", "sem"])
    out["v_position"] = [positions[c] for c in out.index]
    return out.sort_values("v_position")


@dataclass(frozen=True)
class ZooSetup:
    """Chapter 4's data, zoo, folds and training, as its result file records them: what chapter 6
    trains again (from the engine's cache, so the same networks) instead of repeating the parameters.

    Attributes
    ----------
    faced_dir : str or None
        The FACED release chapter 4 read (``None``: the simulated cohort).
    n_subjects, sim_seed : int
        Subjects and simulation seed of the cohort.
    sim_knobs : dict
        Simulation knobs chapter 4 set (empty: the defaults).
    architectures : tuple of str
    seeds : tuple of int
    n_splits, fold_seed : int
    val_fraction : float
        The leave-subjects-out folds (:func:`vaxis.decoding.folds.subject_folds`).
    config : TrainConfig
    """

    faced_dir: str | None
    n_subjects: int
    sim_seed: int
    sim_knobs: Mapping[str, float]
    architectures: tuple[str, ...]
    seeds: tuple[int, ...]
    n_splits: int
    fold_seed: int
    val_fraction: float
    config: TrainConfig

    @classmethod
    def from_results(cls, folder: str | Path) -> ZooSetup:
        """Read chapter 4's set-up from its result file in ``folder`` (run chapter 4 first)."""
        r = results.load_rediscovery(folder)
        if "data" not in r:
            raise VaxisDataError(f"{Path(folder) / results.REDISCOVERY_JSON} predates the recorded data set-up; "
                                 "re-run chapter 4 (python -m vaxis.book run --only 04).")
        d, f = r["data"], r["folds"]
        return cls(faced_dir=d["faced_dir"], n_subjects=int(d["n_subjects"]), sim_seed=int(d["seed"]),
                   sim_knobs=dict(d["knobs"]), architectures=tuple(r["architectures"]),
                   seeds=tuple(int(s) for s in r["seeds"]), n_splits=int(f["n_splits"]), fold_seed=int(f["seed"]),
                   val_fraction=float(f["val_fraction"]), config=TrainConfig(**r["train_config"]))

    def data_record(self) -> dict[str, Any]:
        """The data part of the record (what :meth:`from_results` reads back)."""
        return {"faced_dir": self.faced_dir, "n_subjects": self.n_subjects, "seed": self.sim_seed,
                "knobs": dict(self.sim_knobs)}

    def cohort(self, **knobs: float) -> EEGDataset:
        """Chapter 4's FACED cohort; ``knobs`` added to its simulation knobs (simulated data only)."""
        if knobs and self.faced_dir is not None:
            raise VaxisInputError("Simulation knobs cannot be applied to a real FACED release.")
        return cohort("faced", self.faced_dir, n_subjects=self.n_subjects, seed=self.sim_seed,
                      knobs={**self.sim_knobs, **knobs})

    def folds(self, subjects: Sequence[str] | np.ndarray) -> list[Fold]:
        """The leave-subjects-out folds of ``subjects`` with chapter 4's fold parameters."""
        return subject_folds(subjects, n_splits=self.n_splits, seed=self.fold_seed, val_fraction=self.val_fraction)
