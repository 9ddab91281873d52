r"""Valence or the clip? The held-out-clips test of chapters 3, 4 and 6, and its verdict.

FACED's 123 participants all watched the same 28 clips. A map (chapter 3) or a classifier (chapters 4
and 6) fitted on some subjects and tested on others still sees **the same clips** on both sides; if
the EEG carries what each clip does to the brain whatever its emotion -- its pictures, sounds and
story, its *identity* -- a map can score from that alone. Gerster et al. (2026, bioRxiv, doi
10.64898/2026.06.12.731889) argue that this is most of what EEG classifiers decode on FACED
(:mod:`vaxis.decoding.calibration` reproduces their pattern on the simulated cohort).

What a map fitted and tested on the same clips can and cannot show
------------------------------------------------------------------
- It *can* show that the EEG orders the clips as their valence does, in people the map never saw.
- It *cannot* tell a valence code (a pattern shared by every clip of a valence, one the map would
  find in a new clip) from clip identity (a pattern per clip, which the map learns clip by clip and
  maps to that clip's position). With 28 clips and 150 features a ridge map can learn any position
  for each clip; its held-out-subject r then rises whatever the positions are.
- The exact permutation test over the nine categories' positions guards against part of this: clip
  identity that is independent of valence reads out every assignment equally well, so it raises the
  null with the observed r. It does not guard against clip identity that happens to line up with the
  positions of the few clips of one experiment, and it says nothing of new clips.
- Holding clips out answers the question directly: fitted on two clips of each category (three of
  the four neutral ones), scored on the third, the map can only use what the unseen clip shares with
  the clips of its category. It cannot separate valence from stimulus features that vary with valence
  across *all* clips (a brighter palette in happier films): that needs other stimuli.

The split is :class:`vaxis.decoding.folds.ClipSubjectSplit` (subjects and clips held out together);
the **same trained models** are scored on the held-out clips and, for comparison, on the clips they
trained on (held-out subjects in both), so the difference between the two is paired over subjects.

Chapter 3 (:func:`fit_clip_maps`, :func:`map_table`, :func:`own_valence_table`)
    The ridge map (:class:`~vaxis.decoding.mapping.LinearMapCV`) and the targets that need no LLM
    (:mod:`vaxis.decoding.alternatives`), each scored on both sets of clips; exact (or Monte Carlo)
    permutation nulls of the category positions; the drop from same to held-out clips per subject;
    and each participant's **own** valence rating of each clip as a target, with the part of it that
    no clip mean can carry: the correlation of the held-out predictions with the participant's
    deviation from the other participants' mean rating of the clip, against a null that gives each
    held-out subject another held-out subject's deviations (:func:`own_valence_table`).
Chapter 4 (:func:`readout_table`, :func:`label_table`, :func:`concordance_table`)
    Networks trained without the held-out clips; the V read-out fitted on the clips they saw and
    scored on those they did not (:func:`vaxis.decoding.rediscovery.readout_results` with
    ``score_clips``); networks trained on what participants felt (:func:`felt_labels`) against
    networks trained on the clips' categories; concordant against discordant trials.
Chapter 6 (:func:`ensemble_table`)
    The ensembles' comparison (:func:`vaxis.decoding.ensembles.compare`) on the held-out clips and on
    the same clips of the same members: does the gain over the strongest other method survive?

The verdict (:func:`verdict`)
    "Valence beyond clip identity": the EEG-to-V map scored on clips it never saw. On real EEG a
    finding; on a simulated cohort a check of the pipeline on data built with known clip identity
    and known valence (:func:`verdict` reads what was planted from the cohort's generator knobs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .. import results, stats, verdicts
from .._checks import VaxisDataError, VaxisInputError, check_option
from ..eeg import ratings as _ratings
from ..eeg.dataset import is_simulated
from . import alternatives
from .ensembles import REFERENCE as ENS
from .ensembles import verdict as ensemble_verdict
from .folds import HELD_OUT_CLIPS, SAME_CLIPS, ClipSubjectSplit, clip_subject_split
from .mapping import DEFAULT_ALPHAS, LinearMapCV, VAxisRidgeMap
from .rediscovery import ZooSetup, control_counts

#: The two evaluations of the same trained models, in the order of every table.
EVALUATIONS: tuple[str, str] = (SAME_CLIPS, HELD_OUT_CLIPS)
#: Name of the LLM's target in chapter 3's tables.
REFERENCE = "V-axis (LLM)"
#: Test level of the verdict.
LEVEL = 0.05


# ----------------------------------------------------------------------------- chapter 3: the map
@dataclass
class ClipMaps:
    """Ridge maps of one dataset on one :class:`ClipSubjectSplit`, scored on both sets of clips.

    Attributes
    ----------
    split : ClipSubjectSplit
    by_category : dict
        :data:`EVALUATIONS` -> :class:`LinearMapCV` whose rows are labelled by category (targets:
        nine category positions).
    by_clip : dict
        The same with rows labelled by clip id (targets: one value per clip, e.g. the participants'
        mean rating of each clip).
    X, categories, subjects, clip_ids, clips : the trial features and their labels (subject-major rows);
        ``clips`` the clip positions.
    """

    split: ClipSubjectSplit
    by_category: dict[str, LinearMapCV]
    by_clip: dict[str, LinearMapCV]
    X: np.ndarray
    categories: np.ndarray
    subjects: np.ndarray
    clip_ids: np.ndarray
    clips: np.ndarray


@threadpool_limits.wrap(limits=1)  # small SVDs and products: one BLAS thread is several times faster here
def fit_clip_maps(data: Any, split: ClipSubjectSplit, inner_splits: int = 3,
                  alphas: Sequence[float] = DEFAULT_ALPHAS) -> ClipMaps:
    """Fit the ridge maps of ``data`` (an :class:`~vaxis.eeg.EEGDataset`) on every unit of ``split``.

    Trial features are window-averaged and z-scored within subject
    (:meth:`~vaxis.eeg.EEGDataset.trial_features`). Each unit trains on its training and validation
    subjects' kept clips; the penalty is chosen by inner folds over those subjects (the same for both
    evaluations, so the two score the same fitted maps).
    """
    X, cats, subs = data.trial_features(normalize="subject")
    clips = np.tile(np.arange(data.n_clips), data.n_subjects)
    clip_ids = data.trial_clips()
    by_cat, by_clip = {}, {}
    for ev in EVALUATIONS:
        units = split.units(ev)
        by_cat[ev] = LinearMapCV(inner_splits=inner_splits, alphas=alphas).fit(X, cats, subs, clips=clips, folds=units)
        by_clip[ev] = LinearMapCV(inner_splits=inner_splits, alphas=alphas).fit(X, clip_ids, subs, clips=clips,
                                                                                folds=units)
    return ClipMaps(split, by_cat, by_clip, X, cats, subs, clip_ids, clips)


def _vector(lmap: LinearMapCV, target: Mapping[str, float]) -> np.ndarray:
    missing = [c for c in lmap.categories_ if c not in target]
    if missing:
        raise VaxisInputError(f"The target lacks {missing[:5]}; give one value per category (or per clip).")
    return np.array([float(target[c]) for c in lmap.categories_])


@threadpool_limits.wrap(limits=1)
def _null_p(lmap: LinearMapCV, v: np.ndarray, observed: float, permutations: str | int, seed: int,
            chunk: int = 20000) -> tuple[float, int]:
    """Share of assignments of ``v`` to the labels whose mean r is at least ``observed`` (penalty re-chosen)."""
    perms = stats.assignments(v.size, permutations if (permutations != "exact" or v.size <= 10) else 10000, seed)
    null = np.empty(perms.shape[0])
    for a in range(0, perms.shape[0], chunk):  # (chunk, n_subjects) at a time: 9! x 123 subjects would be 0.4 GB
        with np.errstate(invalid="ignore"):
            null[a:a + chunk] = np.nanmean(lmap.evaluate(v[perms[a:a + chunk]]), axis=1)
    null[0] = observed
    return stats.share_at_least(null, observed), int(null.size)


def map_table(maps: ClipMaps, targets: Mapping[str, Any], clip_targets: Mapping[str, Mapping[str, float]] | None = None,
              reference: str = REFERENCE, null_targets: Sequence[str] | None = None,
              permutations: str | int = "exact", n_boot: int = 2000, level: float = 0.95,
              seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every target scored on the same clips and on held-out clips, by the same maps.

    Parameters
    ----------
    maps : ClipMaps
    targets : mapping name -> target
        Nine-value targets as :func:`vaxis.decoding.alternatives.per_subject_r` takes them (a mapping
        category -> value, or :func:`~vaxis.decoding.alternatives.class_mean_pc1`-style arrays, one
        row per unit of the held-out map; the same array serves both evaluations, whose units train alike).
    clip_targets : mapping name -> (clip id -> value), optional
        Targets with one value per clip (scored by the clip-labelled maps).
    reference : str
        The target every other one is compared with on held-out clips (paired over subjects).
    null_targets : sequence of str, optional
        Targets whose permutation null is computed (default: the reference and every mapping
        target). The reference's is computed on both sets of clips, the others' on held-out clips.
    permutations : "exact" or int
        All K! assignments of the positions (Monte Carlo with 10,000 when K > 10, e.g. 28 clips) or
        that many random ones.

    Returns
    -------
    table : DataFrame, one row per target
        ``same_r``, ``same_low``, ``same_high`` and ``held_r``, ``held_low``, ``held_high`` (mean
        per-subject r, bootstrap interval over subjects); ``gap``, ``gap_low``, ``gap_high``,
        ``gap_p`` (same minus held-out, paired over subjects, Wilcoxon); ``p_same``, ``p_held``
        (permutation p; NaN where not computed); ``vs_reference``, ``vs_low``, ``vs_high``,
        ``vs_p`` (reference minus this target on held-out clips, paired); ``n_subjects``.
    per_subject : DataFrame
        Each subject's r, columns ``(target, evaluation)``.
    """
    clip_targets = dict(clip_targets or {})
    if reference not in targets and reference not in clip_targets:
        raise VaxisInputError(f"reference {reference!r} is not among the targets.")
    all_targets = {**{k: ("category", v) for k, v in targets.items()}, **{k: ("clip", v) for k, v in clip_targets.items()}}
    if null_targets is None:
        null_targets = [k for k, (kind, v) in all_targets.items() if isinstance(v, Mapping)]
    per: dict[tuple[str, str], np.ndarray] = {}
    for name, (kind, target) in all_targets.items():
        for ev in EVALUATIONS:
            lmap = (maps.by_category if kind == "category" else maps.by_clip)[ev]
            per[(name, ev)] = alternatives.per_subject_r(lmap, target)
    subjects = maps.by_category[HELD_OUT_CLIPS].subjects_
    frame = pd.DataFrame(per, index=pd.Index(subjects, name="subject"))
    keep = frame.notna().all(axis=1).to_numpy()
    rows = {}
    for name, (kind, target) in all_targets.items():
        same, held = frame[(name, SAME_CLIPS)].to_numpy()[keep], frame[(name, HELD_OUT_CLIPS)].to_numpy()[keep]
        es, eh = (stats.bootstrap_mean(x, n_boot=n_boot, level=level, seed=seed) for x in (same, held))
        d = stats.paired_comparison(same, held, n_boot=n_boot, level=level, seed=seed)
        row = {"same_r": es.value, "same_low": es.low, "same_high": es.high,
               "held_r": eh.value, "held_low": eh.low, "held_high": eh.high,
               "gap": d["mean_diff"], "gap_low": d["ci_low"], "gap_high": d["ci_high"], "gap_p": d["p_wilcoxon"],
               "p_same": np.nan, "p_held": np.nan, "vs_reference": np.nan, "vs_low": np.nan, "vs_high": np.nan,
               "vs_p": np.nan, "n_subjects": int(keep.sum())}
        if name in null_targets and isinstance(target, Mapping):
            maps_of = maps.by_category if kind == "category" else maps.by_clip
            evs = EVALUATIONS if name == reference else (HELD_OUT_CLIPS,)
            for ev in evs:
                lm = maps_of[ev]
                obs = float(np.nanmean(frame[(name, ev)].to_numpy()))
                row["p_same" if ev == SAME_CLIPS else "p_held"] = _null_p(lm, _vector(lm, target), obs, permutations,
                                                                          seed)[0]
        if name != reference:
            ref = frame[(reference, HELD_OUT_CLIPS)].to_numpy()[keep]
            c = stats.paired_comparison(ref, held, n_boot=n_boot, level=level, seed=seed)
            row.update(vs_reference=c["mean_diff"], vs_low=c["ci_low"], vs_high=c["ci_high"], vs_p=c["p_wilcoxon"])
        rows[name] = row
    table = pd.DataFrame(rows).T
    table["n_subjects"] = table["n_subjects"].astype(int)
    return table, frame


def leave_one_out_mean(values: np.ndarray) -> np.ndarray:
    """Each subject's value replaced by the mean of the *other* subjects, per clip: (S, C) -> (S, C)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] < 2:
        raise VaxisInputError(f"leave_one_out_mean needs (n_subjects >= 2, n_clips) values, got {v.shape}.")
    return (v.sum(axis=0, keepdims=True) - v) / (v.shape[0] - 1)


def _cross_r(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r of every row of ``a`` (n, c) with every row of ``b`` (m, c): (n, m); NaN for a constant row."""
    def z(x: np.ndarray) -> np.ndarray:
        x = x - x.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(x, axis=1, keepdims=True)
        return np.where(norm > 0, x / np.where(norm > 0, norm, 1.0), np.nan)
    return z(np.asarray(a, float)) @ z(np.asarray(b, float)).T


def _r(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


@threadpool_limits.wrap(limits=1)
def own_valence_table(data: Any, split: ClipSubjectSplit, item: str = "valence", inner_splits: int = 3,
                      alphas: Sequence[float] = DEFAULT_ALPHAS, n_perm: int = 2000, n_boot: int = 2000,
                      level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """The map onto each participant's own rating of each clip, on the same clips and on held-out clips.

    For every unit of ``split``, a ridge map (:class:`~vaxis.decoding.mapping.VAxisRidgeMap`, penalty by
    inner folds over the training subjects) is fitted from the training subjects' trials of the kept
    clips to **their own** ratings (``item``, :meth:`~vaxis.eeg.EEGDataset.subject_item`) and scored on
    the held-out subjects. Per held-out subject (mean over the units that score it):

    - ``own_r``: Pearson r of the predictions with the subject's own ratings;
    - ``deviation_r``: r of the predictions with the subject's *deviation* from the other subjects'
      mean rating of each clip (:func:`leave_one_out_mean`) -- what no clip mean, and so no clip
      identity, can carry. Null: every held-out subject of a unit is given another's deviations (a
      random permutation of the unit's test subjects, ``n_perm`` of them, the observed first); p =
      share of permutations with a mean at least the observed.

    Returns one row per evaluation (:data:`EVALUATIONS`): ``own_r``, ``own_low``, ``own_high``,
    ``deviation_r``, ``deviation_low``, ``deviation_high``, ``deviation_p``, ``n_subjects``.
    """
    own = data.subject_item(item)  # (S, C)
    dev = own - leave_one_out_mean(own)
    X, _, subs = data.trial_features(normalize="subject")
    clips = np.tile(np.arange(data.n_clips), data.n_subjects)
    y = own.ravel()
    S = data.n_subjects
    row_subject = np.repeat(np.arange(S), data.n_clips)
    out = {}
    for ev in EVALUATIONS:
        own_r = [[] for _ in range(S)]
        scored: list[tuple[np.ndarray, list[int], np.ndarray]] = []  # (clips, subject indices, predictions (s, c))
        for unit in split.units(ev):
            tr, va, te = unit.rows(subs, clips)
            tr = np.sort(np.concatenate([tr, va]))
            m = VAxisRidgeMap(alphas=alphas, inner_splits=inner_splits).fit(X[tr], y[tr], subs[tr])
            cl = np.asarray(unit.test_clips)
            who = sorted(set(row_subject[te].tolist()))
            pred = np.stack([m.predict(X[te[row_subject[te] == s]]) for s in who])  # rows in clip order
            for i, s in enumerate(who):
                own_r[s].append(_r(pred[i], own[s, cl]))
            scored.append((cl, who, pred))
        rng = np.random.default_rng([seed, 7])
        dev_stat = np.zeros(n_perm)
        dev_sub = [[] for _ in range(S)]
        n_scored = 0
        for cl, who, pred in scored:
            R = _cross_r(pred, dev[np.asarray(who)][:, cl])  # R[i, j]: subject i's predictions vs subject j's deviations
            n = len(who)
            perms = np.stack([np.arange(n)] + [rng.permutation(n) for _ in range(n_perm - 1)])
            dev_stat += np.nansum(R[np.arange(n)[None, :], perms], axis=1)
            for i, s in enumerate(who):
                dev_sub[s].append(R[i, i])
            n_scored += n
        dev_stat /= n_scored
        own_s = np.array([np.nanmean(r) if r else np.nan for r in own_r])
        dev_s = np.array([np.nanmean(r) if r else np.nan for r in dev_sub])
        ok = np.isfinite(own_s) & np.isfinite(dev_s)
        eo = stats.bootstrap_mean(own_s[ok], n_boot=n_boot, level=level, seed=seed)
        ed = stats.bootstrap_mean(dev_s[ok], n_boot=n_boot, level=level, seed=seed)
        out[ev] = {"own_r": eo.value, "own_low": eo.low, "own_high": eo.high, "deviation_r": ed.value,
                   "deviation_low": ed.low, "deviation_high": ed.high,
                   "deviation_p": stats.share_at_least(dev_stat, dev_stat[0]), "n_subjects": int(ok.sum())}
    table = pd.DataFrame(out).T
    table["n_subjects"] = table["n_subjects"].astype(int)
    return table


# ----------------------------------------------------------------------------- chapter 4: classifiers
def felt_labels(data: Any, classes: Sequence[str], rule: str = "book") -> np.ndarray:
    """Each trial's felt category as a class code of ``classes`` (subject-major trials, as
    :class:`~vaxis.decoding.engine.TrainData`): :func:`vaxis.eeg.ratings.felt_categories` of the dataset's
    subjects' own ratings."""
    if data.subject_ratings is None:
        raise VaxisInputError(f"{data.source}: no per-subject ratings, so no felt labels (FACED-shaped data only).")
    felt = _ratings.felt_categories(data.clip_category, data.subject_ratings, data.rating_items, data.categories,
                                    rule=rule)
    names = np.asarray(data.categories)[felt].ravel()
    code = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(names.tolist()) - set(code))
    if unknown:
        raise VaxisInputError(f"Felt categories {unknown} are outside the classes {list(classes)}.")
    return np.array([code[c] for c in names], dtype=np.int64)


def trial_concordance(data: Any, rule: str = "book") -> np.ndarray:
    """Each trial's :func:`vaxis.eeg.ratings.concordance` label (subject-major, as
    :class:`~vaxis.decoding.engine.TrainData`'s trials): concordant, discordant or neutral clip."""
    if data.subject_ratings is None:
        raise VaxisInputError(f"{data.source}: no per-subject ratings, so no concordance (FACED-shaped data only).")
    felt = _ratings.felt_categories(data.clip_category, data.subject_ratings, data.rating_items, data.categories,
                                    rule=rule)
    return _ratings.concordance(felt, data.clip_category, data.categories).ravel()


def subset(trained: Any, architectures: Sequence[str], seeds: Sequence[int]) -> Any:
    """The units of a :class:`~vaxis.decoding.engine.TrainResults` with these architectures and seeds."""
    units = [u for u in trained.units if u.arch in set(architectures) and u.seed in set(int(s) for s in seeds)]
    if not units:
        raise VaxisInputError(f"No unit of {list(architectures)} x seeds {list(seeds)} in this training job.")
    return dataclasses.replace(trained, units=units)


def _subject_bacc(trained: Any, labels: np.ndarray, trials: Mapping[int, np.ndarray] | None = None) -> pd.Series:
    """Per-subject balanced accuracy of every unit's held-out trials against ``labels`` (per trial),
    averaged over the units (networks) that test the subject; ``trials`` (fold -> trial indices)
    overrides the units' test trials."""
    data = trained.data
    acc: dict[str, list[float]] = {}
    for u in trained.units:
        t = u.test_trials if trials is None else trials[u.fold]
        pred = u.proba[t].argmax(1)
        subj = data.trial_subject[t]
        for s in dict.fromkeys(subj.tolist()):
            k = subj == s
            acc.setdefault(s, []).append(float(stats.balanced_accuracy(labels[t][k], pred[k])))
    return pd.Series({s: float(np.mean(v)) for s, v in acc.items()})


def label_table(clip_trained: Any, felt_trained: Any, clip_labels: np.ndarray, felt: np.ndarray,
                n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Networks trained on the clips' categories and on what participants felt, each scored against both.

    ``clip_trained``, ``felt_trained``: :class:`~vaxis.decoding.engine.TrainResults` of the same
    architectures, seeds and folds, trained on ``clip_labels`` and ``felt`` (class codes per trial).
    One row per (trained on, scored against): per-subject balanced accuracy averaged over networks,
    mean with a bootstrap interval over held-out subjects, and ``n_networks``.
    """
    rows = []
    for tname, tr in (("clip categories", clip_trained), ("felt categories", felt_trained)):
        for sname, lab in (("clip categories", clip_labels), ("felt categories", felt)):
            per = _subject_bacc(tr, np.asarray(lab))
            e = stats.bootstrap_mean(per.to_numpy(), n_boot=n_boot, level=level, seed=seed)
            rows.append({"trained on": tname, "scored against": sname, "balanced_accuracy": e.value, "low": e.low,
                         "high": e.high, "n_networks": len({(u.arch, u.seed) for u in tr.units})})
    return pd.DataFrame(rows).set_index(["trained on", "scored against"])


def concordance_table(trained: Any, agreement: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                      seed: int = 0) -> pd.DataFrame:
    """Clip-label networks on concordant and on discordant trials (Gerster et al. 2026's test).

    ``agreement``: each trial's :func:`vaxis.eeg.ratings.concordance` label (subject-major). Per held-out
    subject and network, balanced accuracy against the clip categories on the subject's concordant and
    on its discordant emotional trials; averaged over networks. Rows ``concordant``, ``discordant``
    (mean, bootstrap interval over subjects) and ``concordant minus discordant`` (paired over the
    subjects with both kinds; Wilcoxon ``p``).
    """
    data = trained.data
    agreement = np.asarray(agreement).astype(str)
    per = {}
    for kind in (_ratings.CONCORDANT, _ratings.DISCORDANT):
        trials = {f.index: np.intersect1d(data.fold_trials(f)[2], np.flatnonzero(agreement == kind))
                  for f in trained.folds}
        per[kind] = _subject_bacc(trained, np.asarray(data.trial_label), trials)
    both = per[_ratings.CONCORDANT].index.intersection(per[_ratings.DISCORDANT].index)
    rows = {}
    for kind, s in per.items():
        e = stats.bootstrap_mean(s.to_numpy(), n_boot=n_boot, level=level, seed=seed)
        rows[kind] = {"balanced_accuracy": e.value, "low": e.low, "high": e.high, "p": np.nan, "n_subjects": s.size}
    d = stats.paired_comparison(per[_ratings.CONCORDANT][both].to_numpy(), per[_ratings.DISCORDANT][both].to_numpy(),
                                n_boot=n_boot, level=level, seed=seed)
    rows["concordant minus discordant"] = {"balanced_accuracy": d["mean_diff"], "low": d["ci_low"],
                                           "high": d["ci_high"], "p": d["p_wilcoxon"], "n_subjects": int(both.size)}
    out = pd.DataFrame(rows).T
    out["n_subjects"] = out["n_subjects"].astype(int)
    return out


def readout_table(per_network: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Chapter 4's read-out on both sets of clips, counted as :func:`vaxis.decoding.rediscovery.control_counts`.

    ``per_network``: rows of :func:`~vaxis.decoding.rediscovery.readout_results` (with ``p``) with an
    ``evaluation`` column (:data:`EVALUATIONS`) and, optionally, a ``target`` column (the positions read
    out). One row per (target, kind, evaluation): ``n``, ``significant`` (Benjamini-Hochberg within the
    row), ``uncorrected``, ``mean_r`` and ``median_p``.
    """
    if "evaluation" not in per_network:
        raise VaxisInputError("per_network needs an 'evaluation' column (same clips / held-out clips).")
    keys = [k for k in ("target", "kind", "evaluation") if k in per_network]
    df = per_network.assign(kind=per_network[keys].astype(str).agg(" | ".join, axis=1))
    out = control_counts(df, level=level).reset_index()
    out[keys] = out["kind"].str.split(" | ", n=len(keys) - 1, regex=False, expand=True)
    return out.set_index(keys)[["n", "significant", "uncorrected", "mean_r", "median_p"]]


# ----------------------------------------------------------------------------- chapter 6: ensembles
@dataclass(frozen=True)
class HeldOutSetup:
    """Chapter 4's networks trained without the held-out clips, as its result file records them:
    what chapter 6 trains again (from the engine's cache, so the same networks).

    Attributes
    ----------
    architectures : tuple of str
    seeds : tuple of int
    n_rotations : int
        Clip rotations (:func:`vaxis.decoding.folds.clip_holdouts`), one per subject fold.
    """

    architectures: tuple[str, ...]
    seeds: tuple[int, ...]
    n_rotations: int

    @classmethod
    def from_results(cls, folder: Any) -> HeldOutSetup:
        """Read the set-up from chapter 4's held-out-clips file in ``folder`` (run chapter 4 first)."""
        r = results.load_clip_identity(folder, "04")
        if r is None or not r.get("setup"):
            raise VaxisDataError(f"No held-out-clips set-up from chapter 4 in {folder}; run chapter 4 first "
                                 "(python -m vaxis.book run --only 04).")
        s = r["setup"]
        return cls(tuple(s["architectures"]), tuple(int(x) for x in s["seeds"]), int(s["n_rotations"]))

    def as_dict(self) -> dict[str, Any]:
        return {"architectures": list(self.architectures), "seeds": list(self.seeds), "n_rotations": self.n_rotations}

    def split(self, zoo: ZooSetup, data: Any) -> ClipSubjectSplit:
        """The paired split of chapter 4: ``zoo``'s subject folds (:class:`~vaxis.decoding.rediscovery.ZooSetup`)
        with this set-up's clip rotations, one per subject fold."""
        return clip_subject_split(data.subjects, data.clip_category, n_splits=zoo.n_splits, seed=zoo.fold_seed,
                                  val_fraction=zoo.val_fraction, n_rotations=self.n_rotations, crossed=False)


def with_scored_clips(trained: Any, split: ClipSubjectSplit, evaluation: str) -> Any:
    """The same trained units (trained on ``split.units()``) scored on ``evaluation``'s clips: a
    :class:`~vaxis.decoding.engine.TrainResults` whose folds are ``split.units(evaluation)``."""
    check_option("evaluation", evaluation, EVALUATIONS)
    units = split.units(evaluation)
    if [f.index for f in trained.folds] != [u.index for u in units]:
        raise VaxisInputError("trained was not trained on this split's units.")
    if split.crossed and evaluation == SAME_CLIPS:
        raise VaxisInputError("A crossed split scores a kept clip in several units; score the same clips on a "
                              "paired split (crossed=False), where every subject is tested once.")
    return dataclasses.replace(trained, folds=units)


def ensemble_table(comparisons: Mapping[str, Any]) -> pd.DataFrame:
    """The ensembles on each evaluation: ``comparisons`` maps an evaluation (:data:`EVALUATIONS`) to
    an :class:`~vaxis.decoding.ensembles.EnsembleComparison` of the same members. One row per
    evaluation: the residual-diversity ensemble's balanced accuracy with its interval, the strongest
    other method's, the relative gain with its interval, the per-subject difference with its
    interval, Wilcoxon and TOST p and the verdict (:func:`vaxis.decoding.ensembles.verdict`)."""
    rows = {}
    for ev, cmp in comparisons.items():
        t, r = cmp.table, cmp.relative
        rows[ev] = {"residual_diverse": t.bacc[ENS], "low": t.ci_low[ENS], "high": t.ci_high[ENS],
                    "strongest": r["baseline_name"], "strongest_bacc": t.bacc[r["baseline"]],
                    "relative": r["value"], "relative_low": r["low"], "relative_high": r["high"],
                    "diff": r["diff"], "diff_low": r["diff_low"], "diff_high": r["diff_high"],
                    "p_wilcoxon": r["p_wilcoxon"], "p_tost": r["p_tost"], "verdict": ensemble_verdict(r),
                    "n_subjects": r["n_subjects"]}
    return pd.DataFrame(rows).T


# ----------------------------------------------------------------------------- the verdict
def summary(table: pd.DataFrame, own: pd.DataFrame | None, source: str, meta: Mapping[str, Any] | None = None,
            reference: str = REFERENCE, alternative: str | None = "participants' valence") -> dict[str, Any]:
    """Chapter 3's numbers for the result file and the verdict: the reference and one no-LLM alternative
    on both sets of clips (``table`` of :func:`map_table`), the own-rating map (:func:`own_valence_table`),
    the data's source and, for a simulated cohort, the generator knobs that say what was planted."""
    cols = ["same_r", "same_low", "same_high", "held_r", "held_low", "held_high", "gap", "gap_low", "gap_high",
            "gap_p", "p_same", "p_held", "vs_reference", "vs_low", "vs_high", "vs_p", "n_subjects"]

    def row(name: str) -> dict[str, float]:
        return {c: (None if pd.isna(table.loc[name, c]) else float(table.loc[name, c])) for c in cols}

    out: dict[str, Any] = {"source": source, "reference": reference, "targets": {reference: row(reference)}}
    if alternative is not None and alternative in table.index:
        out["targets"][alternative] = row(alternative)
    if own is not None:
        out["own_rating"] = {ev: {c: float(v) for c, v in own.loc[ev].items()} for ev in own.index}
    if meta is not None and is_simulated(source):
        out["planted"] = {k: float(meta[k]) for k in ("valence_strength", "clip_identity") if k in meta}
    return out


#: The rule of the scorecard row "valence beyond clip identity" (:func:`verdict`), as the page prints it.
RULE = ("agrees if the map's permutation p on clips it never saw is < 0.05 and its interval lies above 0; "
        "disagrees if that p is >= 0.05 while the same maps' p on the clips they trained on is < 0.05 (the "
        "same-clips score is clip identity); else undecided")


def outcome(s: Mapping[str, Any], level: float = LEVEL) -> str:
    """The outcome against the study (agrees / disagrees / undecided, :mod:`vaxis.verdicts`) of a
    :func:`summary`, by :data:`RULE`: the EEG-to-V map scored on clips it never saw (held-out subjects
    too) against the same maps on the clips they trained on."""
    ref = s["targets"][s["reference"]]
    p_held, p_same = ref["p_held"], ref["p_same"]
    if p_held is not None and p_held < level and ref["held_low"] > 0:
        return verdicts.AGREES
    if p_held is not None and p_held >= level and p_same is not None and p_same < level:
        return verdicts.DISAGREES
    return verdicts.UNDECIDED


def verdict(s: Mapping[str, Any], level: float = LEVEL) -> dict[str, str]:
    """The scorecard row "valence beyond clip identity" from a :func:`summary`: ``this book`` (the
    numbers), ``rule`` (:data:`RULE`), ``verdict`` and ``data`` (what the row rests on, after the kind
    of evidence, which the scorecard adds from the source label).

    - Recorded EEG: a finding, the :func:`outcome` itself (agrees: a valence code beyond the clips,
      the study's claim 3 survives its confound; disagrees: the same-clips map is clip identity).
    - Simulated EEG: a check of the pipeline on a cohort with known clip identity and valence (read
      from the cohort's knobs in the summary). Without clip signatures (``clip_identity`` 0) clip
      identity cannot stand in for valence: not testable. With valence planted (``valence_strength``
      > 0) the pipeline recovers what was planted when the outcome agrees; without a valence code,
      when the map does not transfer (permutation p >= ``level`` on held-out clips).
    """
    ref = s["targets"][s["reference"]]
    p_held = ref["p_held"]
    text = (f"V-axis map on clips it never saw: mean r {ref['held_r']:.3f} [{ref['held_low']:.3f}, "
            f"{ref['held_high']:.3f}], permutation p {p_held:.3g}; on the clips it trained on {ref['same_r']:.3f} "
            f"[{ref['same_low']:.3f}, {ref['same_high']:.3f}], p {ref['p_same']:.3g} (same fitted maps, held-out "
            f"subjects); gap {ref['gap']:.3f} [{ref['gap_low']:.3f}, {ref['gap_high']:.3f}]")
    own = s.get("own_rating", {}).get(HELD_OUT_CLIPS)
    if own:
        text += (f"; participants' own deviation from the clip mean, held-out clips: r {own['deviation_r']:.3f} "
                 f"[{own['deviation_low']:.3f}, {own['deviation_high']:.3f}], p {own['deviation_p']:.3g}")
    result = outcome(s, level)
    if not is_simulated(s["source"]):
        return {"this book": text, "rule": RULE, "verdict": result, "data": "real LLM positions, real ratings"}
    planted = s.get("planted", {})
    if planted.get("clip_identity", 0.0) == 0:
        return {"this book": text, "rule": RULE, "data": "no clip signatures",
                "verdict": verdicts.not_testable("no clip signatures, clip_identity 0, so clip identity cannot stand "
                                                 "in for valence")}
    valence = planted.get("valence_strength", 0.0) > 0
    if valence:
        v = verdicts.with_study(result, verdicts.SIMULATED, planted=True)
    else:
        v = verdicts.RECOVERS if p_held is not None and p_held >= level else verdicts.MISSES
    data = (f"known clip identity (clip_identity {planted['clip_identity']:g}) and "
            f"{'a planted valence pattern' if valence else 'no valence code'} (valence_strength "
            f"{planted.get('valence_strength', 0.0):g})")
    return {"this book": text, "rule": RULE, "verdict": v, "data": data}


def in_words(s: Mapping[str, Any], level: float = LEVEL) -> str:
    """Chapter 3's held-out-clips answer in one sentence, from the intervals of a :func:`summary`."""
    ref = s["targets"][s["reference"]]
    held = (f"on clips it never saw the map keeps a mean r of {ref['held_r']:.2f} [{ref['held_low']:.2f}, "
            f"{ref['held_high']:.2f}] (p {ref['p_held']:.2g}), against {ref['same_r']:.2f} on the clips it trained on")
    if ref["gap_low"] > 0:
        gap = f"; the {ref['gap']:.2f} it loses is what the clips themselves gave it"
    elif ref["gap_high"] < 0:
        gap = "; it does better on new clips"
    else:
        gap = "; the two cannot be told apart"
    own = s.get("own_rating", {}).get(HELD_OUT_CLIPS)
    feel = ""
    if own:
        feel = ("; what each participant felt beyond the clip mean is read out too" if own["deviation_p"] < level
                and own["deviation_low"] > 0 else
                "; what each participant felt beyond the clip mean is not read out detectably "
                f"(r {own['deviation_r']:.2f} [{own['deviation_low']:.2f}, {own['deviation_high']:.2f}])")
    text = held + gap + feel + "."
    return text[0].upper() + text[1:]


__all__ = ["EVALUATIONS", "LEVEL", "REFERENCE", "ClipMaps", "HeldOutSetup", "concordance_table", "ensemble_table", "felt_labels",
           "fit_clip_maps", "label_table", "leave_one_out_mean", "map_table", "own_valence_table", "readout_table",
           "RULE", "in_words", "outcome", "subset", "summary", "trial_concordance", "verdict", "with_scored_clips"]
