"""Scoring every ensemble and baseline on held-out subjects, with intervals over subjects.

Each subject is tested once (outer folds), so every trial has exactly one held-out prediction per
method. The headline is the trial-level balanced accuracy over the pooled test trials of all folds,
with a percentile bootstrap interval over **subjects** (resampled with their trials). Each method is
tested against ``residual_diverse`` with the per-subject balanced accuracies (paired Wilcoxon
signed-rank, :func:`vaxis.stats.paired_comparison`; Benjamini-Hochberg across methods). The
relative improvement over the strongest other method (highest pooled accuracy, which favours the
baseline) has a paired subject bootstrap interval, and the per-subject difference with it a verdict
(helped / equivalent / undecided / hurt: Wilcoxon and TOST over subjects with the margin
:data:`vaxis.stats.EQUIVALENCE_MARGIN` fixed in advance; :func:`vaxis.stats.equivalence_verdicts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ... import stats
from ..._checks import VaxisInputError
from ..engine import TrainData, TrainResults
from ..folds import Fold
from .baselines import BASELINES, de_baseline, trial_features
from .members import average_proba, fold_members
from .selection import select_ensembles

#: Methods, in the order of the table, with their display names and kinds.
METHODS: dict[str, tuple[str, str]] = {
    "residual_diverse": ("residual-diversity ensemble", "ensemble"),
    "prediction_diverse": ("prediction-diversity ensemble", "ensemble"),
    "greedy_accuracy": ("greedy ensemble (accuracy only)", "ensemble"),
    "all_members": ("all-members ensemble", "ensemble"),
    "seed_ensemble": ("seed ensemble of the best architecture", "ensemble"),
    "best_single": ("best single network", "single network"),
    "de_svm": ("DE + SVM", "literature baseline"),
    "de_mlp": ("DE + MLP", "literature baseline"),
    "de_logreg": ("DE + logistic regression", "literature baseline"),
}
REFERENCE = "residual_diverse"


def _counts(y: np.ndarray, pred: np.ndarray, subject: np.ndarray, subjects: list[str],
            n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-subject, per-class counts of trials and of correct predictions: (S, K) each."""
    s_idx = pd.Index(subjects).get_indexer(subject)
    n = np.zeros((len(subjects), n_classes))
    c = np.zeros((len(subjects), n_classes))
    np.add.at(n, (s_idx, y), 1)
    np.add.at(c, (s_idx, y), (pred == y).astype(float))
    return n, c


def subject_bootstrap(counts: dict[Any, tuple[np.ndarray, np.ndarray]], n_boot: int = 2000,
                      seed: int = 0) -> dict[Any, np.ndarray]:
    """Pooled balanced accuracy of each method on ``n_boot`` resamples of subjects (the same for all)."""
    S = next(iter(counts.values()))[0].shape[0]
    idx = stats.resample_indices(S, n_boot, [seed, 6])
    return {k: stats.balanced_accuracy_from_counts(n[idx].sum(1), c[idx].sum(1)) for k, (n, c) in counts.items()}


@dataclass
class EnsembleComparison:
    """Everything chapter 6 reports for one cohort.

    Attributes
    ----------
    table : DataFrame
        One row per method: balanced accuracy (pooled test trials) with its subject-bootstrap
        interval, mean ensemble size, paired comparison with the residual-diversity ensemble.
    curves : DataFrame
        ``method, size, test_bacc, ci_low, ci_high, val_bacc``: accuracy against ensemble size along
        each path, with its percentile interval over test subjects (the same subject resamples as
        the table's).
    selections : DataFrame
        ``fold, method, size, members``: what each method kept in each fold.
    relative : dict
        Relative improvement of ``residual_diverse`` over the strongest other method, with interval.
    per_subject : DataFrame
        Per-subject balanced accuracy of every method (subjects x methods).
    diversity : DataFrame
        Pairwise residual diversity and prediction disagreement of the members in every fold.
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    selections: pd.DataFrame
    relative: dict[str, Any]
    per_subject: pd.DataFrame
    diversity: pd.DataFrame


def compare(trained: TrainResults, *, diversity_weight: float = 0.05, max_size: int | None = None,
            baselines: Sequence[str] = BASELINES, n_boot: int = 2000, level: float = 0.95,
            seed: int = 0, n_jobs: int = 1) -> EnsembleComparison:
    """Build every ensemble and baseline on the folds of ``trained`` and evaluate them on test subjects.

    Parameters
    ----------
    trained : vaxis.decoding.engine.TrainResults
        Members: every (architecture, seed) of the job, in every fold.
    diversity_weight : float
        Bonus per unit of diversity in the greedy selections (accuracy units).
    max_size : int, optional
        Longest greedy path (default: all members).
    baselines : sequence of {"svm", "mlp", "logreg"}
        DE baselines to run.
    n_boot, level, seed : int, float, int
        Subject bootstrap.
    n_jobs : int
        Processes for the DE baselines, one (baseline, fold) each (joblib's loky; 1: in this
        process). Each fit runs on one BLAS thread, so the results do not depend on ``n_jobs``.
    """
    data, folds = trained.data, trained.folds
    for b in baselines:
        if b not in BASELINES:
            raise VaxisInputError(f"baseline={b!r} is not valid; use one of: {', '.join(map(repr, BASELINES))}.")
    T = data.n_trials
    feats = trial_features(data) if baselines else None
    pred = {k: np.full(T, -1) for k in METHODS if not k.startswith("de_") or k[3:] in baselines}
    curve_pred: dict[tuple[str, int], np.ndarray] = {}
    rows, div_rows, val_curve = [], [], {}
    fitted = iter(_fit_baselines(data, folds, baselines, feats, seed, n_jobs))
    for fold in folds:
        m = fold_members(trained, fold)
        sel = select_ensembles(m, diversity_weight, max_size)
        for meth, path in sel.paths.items():
            pred[meth][m.test] = average_proba(m.proba[:, m.test], path[: sel.sizes[meth]]).argmax(-1)
            rows.append({"fold": fold.index, "method": meth, "size": sel.sizes[meth],
                         "members": [m.names[i] for i in path[: sel.sizes[meth]]]})
            run = np.cumsum(m.proba[path][:, m.test], axis=0)
            for k in range(1, len(path) + 1):
                curve_pred.setdefault((meth, k), np.full(T, -1))[m.test] = run[k - 1].argmax(-1)
            for k, v in enumerate(sel.val_curves.get(meth, []), start=1):
                val_curve.setdefault((meth, k), []).append(v)
        iu = np.triu_indices(len(m.names), 1)
        div_rows.append(pd.DataFrame({"fold": fold.index, "a": np.asarray(m.names)[iu[0]],
                                      "b": np.asarray(m.names)[iu[1]], "residual_div": sel.residual_div[iu],
                                      "prediction_div": sel.prediction_div[iu],
                                      "same_arch": np.asarray(m.archs)[iu[0]] == np.asarray(m.archs)[iu[1]]}))
        for b in baselines:
            pred[f"de_{b}"][m.test], chosen = next(fitted)
            rows.append({"fold": fold.index, "method": f"de_{b}", "size": 1, "members": [str(chosen)]})
    return _evaluate(data, pred, curve_pred, val_curve, pd.DataFrame(rows), pd.concat(div_rows, ignore_index=True),
                     n_boot, level, seed)


def _fit_baselines(data: TrainData, folds: Sequence[Fold], baselines: Sequence[str], feats: np.ndarray | None,
                   seed: int, n_jobs: int) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """:func:`de_baseline` of every (fold, baseline), in that order, in ``n_jobs`` processes (1: here)."""
    import joblib

    y = np.asarray(data.trial_label)
    return joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(de_baseline)(b, feats, y, *data.fold_trials(fold), seed)
                                          for fold in folds for b in baselines)


def _evaluate(data, pred, curve_pred, val_curve, selections, diversity, n_boot, level, seed) -> EnsembleComparison:
    tested = pred[REFERENCE] >= 0
    y, subj = data.trial_label[tested], data.trial_subject[tested].astype(str)
    subjects = list(dict.fromkeys(subj.tolist()))
    K = len(data.classes)
    counts = {k: _counts(y, p[tested], subj, subjects, K) for k, p in pred.items()}
    boots = subject_bootstrap(counts, n_boot, seed)
    per_subject = pd.DataFrame({k: stats.balanced_accuracy_from_counts(n, c) for k, (n, c) in counts.items()},
                               index=pd.Index(subjects, name="subject"))
    rows = []
    for k, (n, c) in counts.items():
        lo, hi = stats.percentile_interval(boots[k], level)
        row = {"method": k, "name": METHODS[k][0], "kind": METHODS[k][1],
               "size": float(selections.loc[selections.method == k, "size"].mean()),
               "bacc": float(stats.balanced_accuracy_from_counts(n.sum(0), c.sum(0))), "ci_low": lo, "ci_high": hi}
        if k != REFERENCE:
            pc = stats.paired_comparison(per_subject[k].to_numpy(), per_subject[REFERENCE].to_numpy(),
                                         n_boot=n_boot, level=level, seed=seed)
            row.update(diff_vs_residual=pc["mean_diff"], diff_low=pc["ci_low"], diff_high=pc["ci_high"],
                       p_wilcoxon=pc["p_wilcoxon"])
        rows.append(row)
    table = pd.DataFrame(rows).set_index("method")
    table["q"] = stats.benjamini_hochberg(table.get("p_wilcoxon", pd.Series(np.nan, index=table.index)).to_numpy())
    others = table.drop(index=REFERENCE)
    strongest = str(others.bacc.idxmax())
    rel_boot = boots[REFERENCE] / boots[strongest] - 1.0
    r_lo, r_hi = stats.percentile_interval(rel_boot, level)
    pc = stats.paired_comparison(per_subject[REFERENCE].to_numpy(), per_subject[strongest].to_numpy(),
                                 n_boot=n_boot, level=level, seed=seed, margin=stats.EQUIVALENCE_MARGIN)
    relative = {"baseline": strongest, "baseline_name": METHODS[strongest][0],
                "value": float(table.bacc[REFERENCE] / table.bacc[strongest] - 1.0), "low": r_lo,
                "high": r_hi, "level": level, "n_subjects": len(subjects),
                "diff": pc["mean_diff"], "diff_low": pc["ci_low"], "diff_high": pc["ci_high"],
                "p_wilcoxon": pc["p_wilcoxon"], "p_tost": pc["p_tost"], "margin": stats.EQUIVALENCE_MARGIN,
                "verdict": str(stats.equivalence_verdicts([pc["mean_diff"]], [pc["p_wilcoxon"]], [pc["p_tost"]])[0])}
    points = {key: p[tested] for key, p in curve_pred.items() if (p[tested] >= 0).all()}
    curve_boots = subject_bootstrap({key: _counts(y, p, subj, subjects, K) for key, p in points.items()},
                                    n_boot, seed) if points else {}
    curves = pd.DataFrame([{"method": meth, "size": k, "test_bacc": stats.balanced_accuracy(y, p),
                            "ci_low": stats.percentile_interval(curve_boots[(meth, k)], level)[0],
                            "ci_high": stats.percentile_interval(curve_boots[(meth, k)], level)[1],
                            "val_bacc": float(np.mean(val_curve[(meth, k)])) if (meth, k) in val_curve else np.nan}
                           for (meth, k), p in points.items()])
    return EnsembleComparison(table, curves, selections, relative, per_subject, diversity)
