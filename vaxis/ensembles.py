r"""Chapter 6: ensembles whose members differ in the within-class residual.

Chapter 5 found the label-driven *basin* (the span of the class means of a network's penultimate
representation) saturated: every network already puts its class means there. What differs between
networks is the rest, the *residual*. This module builds ensembles from members that differ there,
and compares them with the usual ways of building ensembles and with the EEG literature's baselines.

The residual of a member
------------------------
For one member (a trained (architecture, seed) network) in one outer fold, with trial
representations ``z`` (:attr:`vaxis.engine.UnitResult.z`):

- the **basin** is the affine span of its class means computed on the fold's **training trials
  only**: origin ``o = mean_k mu_k`` (the mean of the class means, so unequal class counts do not
  tilt it), directions ``span{mu_k - o}`` (rank <= K - 1, orthonormal basis ``Q`` from an SVD).
  Training trials because the basin is what the labels drive *during fitting*; the class means of
  validation or test trials would let held-out labels define the projection.
- the **residual** of a trial is ``r(z) = (z - o) - Q Q^T (z - o)``: what is left of the
  representation once its position in the label-driven subspace is removed (:func:`residual`).

Diversity between two members
-----------------------------
``1 - linear CKA`` of their residuals on the fold's **validation trials** (:func:`linear_cka`,
Kornblith et al. 2019). CKA compares two representations of the same trials through their
trial-by-trial similarity structure; it is invariant to rotations and isotropic scaling and does not
need equal widths, so a 9-dimensional logistic-regression residual and a 32-dimensional MLP residual
can be compared. Validation trials because they are held out of the weights but belong to the
training side of the fold (test subjects are never looked at). A member whose residual has no
variance (nothing outside the basin) gets diversity 0 with everyone: it has no residual to add.
The contrast is **prediction diversity**: the share of validation trials on which two members'
predicted classes differ (:func:`prediction_disagreement`), the classic ensemble-diversity measure.

Building ensembles (all on validation subjects)
-----------------------------------------------
Members are combined by averaging their trial probabilities (:func:`average_proba`).

- ``residual_diverse`` (the chapter's method): greedy forward selection (:func:`greedy_path`).
  Start from the member with the best validation balanced accuracy; at each step add the member
  that maximises ``bacc_val(average of S + c) + diversity_weight * mean_{s in S} div(c, s)`` with
  ``div`` the residual diversity. The selection path is ranked by validation accuracy of the
  averaged probabilities alone, and the ensemble kept is the prefix with the highest validation
  balanced accuracy (first maximum: ties go to the smaller ensemble).
- ``prediction_diverse``: the same procedure with prediction disagreement as ``div``.
- ``greedy_accuracy``: the same with ``diversity_weight = 0`` (Caruana et al. 2004's ensemble
  selection without replacement); isolates what the diversity bonus adds.
- ``all_members``: every member (its curve adds members in order of validation accuracy).
- ``seed_ensemble``: all seeds of the architecture whose seed ensemble is best on validation.
- ``best_single``: the member with the best validation balanced accuracy.
- ``de_svm``, ``de_mlp``, ``de_logreg``: the literature's baselines (FACED paper benchmarks) on
  trial-averaged, subject-normalised DE features (:func:`trial_features`): scikit-learn SVC
  (kernel and C chosen on validation subjects), a one-hidden-layer MLP (its L2 penalty chosen on
  validation), multinomial logistic regression (C chosen on validation); fitted on training subjects.

:func:`select_ensembles` refuses trial sets that overlap and slices every array to the training
(basin) and validation (everything else) trials before any choice is made; the test helps
nothing. ``tests/test_ensembles.py`` checks that scrambling test subjects' data leaves every
selection unchanged.

Evaluation
----------
Each subject is tested once (outer folds), so every trial has exactly one held-out prediction per
method. The headline is the trial-level balanced accuracy over the pooled test trials of all folds,
with a percentile bootstrap interval over **subjects** (resampled with their trials). Each method is
tested against ``residual_diverse`` with the per-subject balanced accuracies (paired Wilcoxon
signed-rank, :func:`vaxis.stats.paired_comparison`; Benjamini-Hochberg across methods). The
relative improvement over the strongest other method (highest pooled accuracy, which favours the
baseline) has a paired subject bootstrap interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import engine, stats
from ._checks import VaxisInputError, check_array
from .folds import Fold

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
BASELINES = ("svm", "mlp", "logreg")


# ----------------------------------------------------------------------------- residual
def basin_basis(z_train: np.ndarray, y_train: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Origin and orthonormal basis of the label-driven basin of one representation.

    Parameters
    ----------
    z_train : ndarray, shape (n, D)
        Representations of the fold's training trials.
    y_train : ndarray of int, shape (n,)
        Their class codes; at least two classes.
    rtol : float
        Singular values below ``rtol * max`` are dropped (degenerate class means).

    Returns
    -------
    origin : ndarray, shape (D,)
        Mean of the class means.
    Q : ndarray, shape (D, r)
        Orthonormal basis of ``span{mu_k - origin}``, ``r <= min(K - 1, D)``.
    """
    z = check_array("z_train", z_train, ndim=2)
    y = np.asarray(y_train)
    if y.shape != (z.shape[0],):
        raise VaxisInputError(f"y_train must have shape ({z.shape[0]},), got {y.shape}.")
    classes = np.unique(y)
    if classes.size < 2:
        raise VaxisInputError(f"The basin needs at least 2 classes among the training trials, got {classes.size}.")
    means = np.stack([z[y == k].mean(axis=0) for k in classes])
    origin = means.mean(axis=0)
    _, s, vt = np.linalg.svd(means - origin, full_matrices=False)
    keep = s > rtol * max(float(s.max()), np.finfo(float).tiny)
    return origin, vt[keep].T


def residual(z: np.ndarray, origin: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """``(z - origin)`` with its component in ``span(Q)`` removed; shape of ``z``."""
    z = check_array("z", z, ndim=2)
    c = z - np.asarray(origin, dtype=float)
    return c - (c @ Q) @ Q.T


def member_residual(z: np.ndarray, y: np.ndarray, train_trials: np.ndarray) -> np.ndarray:
    """Residual of every trial of ``z`` (T, D), the basin fitted on ``train_trials`` (labels ``y`` (T,))."""
    z = check_array("z", z, ndim=2)
    origin, Q = basin_basis(z[train_trials], np.asarray(y)[train_trials])
    return residual(z, origin, Q)


# ----------------------------------------------------------------------------- diversity
def linear_cka(X: np.ndarray, Y: np.ndarray) -> float:
    """Linear centred kernel alignment of two representations of the same n items (n, D1), (n, D2).

    ``||Xc^T Yc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)`` with column-centred ``Xc, Yc``; in [0, 1].
    NaN when either has no variance.
    """
    X = check_array("X", X, ndim=2)
    Y = check_array("Y", Y, ndim=2)
    if X.shape[0] != Y.shape[0]:
        raise VaxisInputError(f"X and Y must describe the same items, got {X.shape[0]} and {Y.shape[0]} rows.")
    X, Y = X - X.mean(0), Y - Y.mean(0)
    den = np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)
    if den <= 1e-12 * max(1.0, float(np.abs(X).max() * np.abs(Y).max()) ** 4):
        return float("nan")
    return float(np.linalg.norm(X.T @ Y) ** 2 / den)


def residual_diversity(residuals: Sequence[np.ndarray]) -> np.ndarray:
    """``1 - CKA`` between every pair of residuals (each (n, D_m), same n items); (M, M), 0 on the diagonal.

    Pairs involving a residual without variance get 0 (nothing to add).
    """
    M = len(residuals)
    div = np.zeros((M, M))
    for i in range(M):
        for j in range(i + 1, M):
            cka = linear_cka(residuals[i], residuals[j])
            div[i, j] = div[j, i] = 0.0 if np.isnan(cka) else 1.0 - cka
    return div


def prediction_disagreement(proba: np.ndarray) -> np.ndarray:
    """Share of items on which two members' predicted classes differ; ``proba`` (M, n, K) -> (M, M)."""
    p = check_array("proba", proba, ndim=3)
    pred = p.argmax(-1)
    return (pred[:, None, :] != pred[None, :, :]).mean(-1)


# ----------------------------------------------------------------------------- combining
def average_proba(proba: np.ndarray, members: Sequence[int] | None = None) -> np.ndarray:
    """Mean of the members' class probabilities: ``proba`` (M, T, K) -> (T, K).

    Every row must be a probability vector (non-negative, summing to 1 within 1e-3).
    """
    p = check_array("proba", proba, ndim=3)
    if (p < 0).any() or not np.allclose(p.sum(-1), 1.0, atol=1e-3):
        raise VaxisInputError("proba must hold probability vectors (non-negative rows summing to 1).")
    idx = list(range(p.shape[0])) if members is None else [int(m) for m in members]
    if not idx:
        raise VaxisInputError("An ensemble needs at least one member.")
    bad = [m for m in idx if not 0 <= m < p.shape[0]]
    if bad:
        raise VaxisInputError(f"Member index(es) {bad} outside 0..{p.shape[0] - 1}.")
    return p[idx].mean(0)


def _bacc_rows(pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Balanced accuracy of each row of predictions (C, n) against y (n,), classes present in y."""
    return np.mean([(pred[:, y == k] == k).mean(1) for k in np.unique(y)], axis=0)


@dataclass
class GreedyPath:
    """A greedy forward selection: members in the order added, validation accuracy of each prefix."""

    order: list[int]
    val_bacc: list[float]
    size: int  # prefix kept: the first maximum of val_bacc

    def members(self, size: int | None = None) -> list[int]:
        return self.order[: self.size if size is None else size]


def greedy_path(proba_val: np.ndarray, y_val: np.ndarray, diversity: np.ndarray | None = None,
                weight: float = 0.0, max_size: int | None = None) -> GreedyPath:
    """Greedy forward selection on validation trials (see the module docstring).

    Parameters
    ----------
    proba_val : ndarray, shape (M, n, K)
        Members' probabilities on validation trials only.
    y_val : ndarray of int, shape (n,)
    diversity : ndarray, shape (M, M), optional
        Pairwise diversity; required when ``weight != 0``.
    weight : float
        Bonus per unit of mean diversity to the members already chosen (accuracy units), >= 0.
    max_size : int, optional
        Length of the path (default: all M members).
    """
    p = check_array("proba_val", proba_val, ndim=3)
    y = np.asarray(y_val)
    M, n, _ = p.shape
    if y.shape != (n,):
        raise VaxisInputError(f"y_val must have shape ({n},), got {y.shape}.")
    if weight < 0:
        raise VaxisInputError(f"weight={weight} must be >= 0.")
    if weight and (diversity is None or np.shape(diversity) != (M, M)):
        raise VaxisInputError(f"diversity must be an (M, M) = ({M}, {M}) matrix when weight != 0.")
    size = M if max_size is None else int(max_size)
    if not 1 <= size <= M:
        raise VaxisInputError(f"max_size={max_size} must be between 1 and the number of members ({M}).")
    single = _bacc_rows(p.argmax(-1), y)
    order, scores, total = [int(np.argmax(single))], [float(single.max())], p[int(np.argmax(single))].copy()
    while len(order) < size:
        k = len(order)
        cand = np.setdiff1d(np.arange(M), order)
        acc = _bacc_rows(((total[None] + p[cand]) / (k + 1)).argmax(-1), y)
        bonus = weight * np.asarray(diversity)[np.ix_(cand, order)].mean(1) if weight else 0.0
        best = int(cand[np.argmax(acc + bonus)])
        order.append(best)
        scores.append(float(acc[cand == best][0]))
        total += p[best]
    return GreedyPath(order, scores, int(np.argmax(scores)) + 1)


# ----------------------------------------------------------------------------- members of a fold
@dataclass
class FoldMembers:
    """The trained members of one outer fold and the fold's trial partition.

    Attributes
    ----------
    names : list of str
        ``"arch/seed"``.
    archs : list of str
    proba : ndarray, shape (M, T, K)
        Trial probabilities of every member on all trials.
    z : list of ndarray, each (T, D_m)
    y : ndarray, shape (T,)
    train, val, test : ndarray of int
        Trials of the fold's training, validation and test subjects.
    """

    names: list[str]
    archs: list[str]
    proba: np.ndarray
    z: list[np.ndarray]
    y: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def fold_members(trained: engine.TrainResults, fold: Fold) -> FoldMembers:
    """Collect every (architecture, seed) unit of ``fold`` from a training job."""
    units = [u for u in trained.units if u.fold == fold.index]
    if not units:
        raise VaxisInputError(f"No trained unit of fold {fold.index}.")
    tr, va, te = trained.data.fold_trials(fold)
    return FoldMembers([f"{u.arch}/{u.seed}" for u in units], [u.arch for u in units],
                       np.stack([u.proba for u in units]).astype(float), [u.z.astype(float) for u in units],
                       np.asarray(trained.data.trial_label), tr, va, te)


@dataclass
class FoldSelection:
    """What was chosen in one fold: each method's path (member order) and the size kept."""

    paths: dict[str, list[int]]
    sizes: dict[str, int]
    val_curves: dict[str, list[float]] = field(default_factory=dict)
    residual_div: np.ndarray | None = None
    prediction_div: np.ndarray | None = None


def select_ensembles(m: FoldMembers, diversity_weight: float = 0.05, max_size: int | None = None) -> FoldSelection:
    """Every ensemble of the chapter for one fold, chosen on training and validation trials only.

    The basin of each member is fitted on ``m.train``; accuracy and diversity are measured on
    ``m.val``. Test trials are checked to be disjoint from both and are never read.
    """
    tr, va, te = (np.asarray(a, dtype=int) for a in (m.train, m.val, m.test))
    if va.size == 0:
        raise VaxisInputError("Ensemble selection needs validation subjects (val_fraction > 0 in subject_folds).")
    if np.intersect1d(va, te).size or np.intersect1d(tr, te).size or np.intersect1d(tr, va).size:
        raise VaxisInputError("Training, validation and test trials overlap: selection would see test data.")
    P, y_val = m.proba[:, va], m.y[va]  # from here on, nothing indexed by test trials
    res_val = [residual(z[va], *basin_basis(z[tr], m.y[tr])) for z in m.z]  # basin: training trials
    rdiv, pdiv = residual_diversity(res_val), prediction_disagreement(P)
    paths: dict[str, GreedyPath] = {
        "residual_diverse": greedy_path(P, y_val, rdiv, diversity_weight, max_size),
        "prediction_diverse": greedy_path(P, y_val, pdiv, diversity_weight, max_size),
        "greedy_accuracy": greedy_path(P, y_val, None, 0.0, max_size),
    }
    single = _bacc_rows(P.argmax(-1), y_val)
    by_val = [int(i) for i in np.argsort(-single, kind="stable")]
    out = FoldSelection({k: g.order for k, g in paths.items()}, {k: g.size for k, g in paths.items()},
                        {k: g.val_bacc for k, g in paths.items()}, rdiv, pdiv)
    out.paths["all_members"], out.sizes["all_members"] = by_val, len(by_val)
    archs = list(dict.fromkeys(m.archs))
    seed_acc = [_bacc_rows(P[[i for i, a in enumerate(m.archs) if a == arch]].mean(0).argmax(-1)[None], y_val)[0]
                for arch in archs]
    best_arch = archs[int(np.argmax(seed_acc))]
    out.paths["seed_ensemble"] = [i for i in by_val if m.archs[i] == best_arch]
    out.sizes["seed_ensemble"] = len(out.paths["seed_ensemble"])
    out.paths["best_single"], out.sizes["best_single"] = by_val[:1], 1
    return out


def residual_summary(m: FoldMembers, on: str = "val") -> pd.DataFrame:
    """Per member: width, basin dimension (fitted on training trials) and share of the variance of the
    ``on`` trials (``"val"`` or ``"train"``, centred) that lies in the basin rather than the residual."""
    if on not in ("val", "train"):
        raise VaxisInputError(f"on={on!r} is not valid; use 'val' or 'train'.")
    ev = m.val if on == "val" else m.train
    rows = []
    for name, arch, z in zip(m.names, m.archs, m.z):
        origin, Q = basin_basis(z[m.train], m.y[m.train])
        c = z[ev] - z[ev].mean(0)
        r = residual(z[ev], origin, Q)
        r = r - r.mean(0)
        total = float((c ** 2).sum())
        rows.append({"member": name, "arch": arch, "width": z.shape[1], "basin_dim": Q.shape[1],
                     "basin_share": 1 - float((r ** 2).sum()) / total if total > 0 else float("nan")})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- DE baselines
def trial_features(data: engine.TrainData) -> np.ndarray:
    """Trial-averaged DE (T, n_chans * n_bands) of the (subject-normalised) window features."""
    X = data.X.reshape(data.X.shape[0], -1).astype(float)
    sums = np.zeros((data.n_trials, X.shape[1]))
    np.add.at(sums, data.trial, X)
    return sums / np.bincount(data.trial, minlength=data.n_trials).clip(min=1)[:, None]


def _baseline_grid(name: str, seed: int) -> list[Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if name == "svm":
        models = [SVC(kernel="linear", C=c) for c in (0.001, 0.01, 0.1)] + \
                 [SVC(kernel="rbf", C=c, gamma="scale") for c in (0.1, 1.0, 10.0, 100.0)]
    elif name == "mlp":
        models = [MLPClassifier(hidden_layer_sizes=(64,), alpha=a, max_iter=300, random_state=seed)
                  for a in (1e-3, 1e-2, 1e-1, 1.0)]
    elif name == "logreg":
        models = [LogisticRegression(C=c, max_iter=3000) for c in (0.001, 0.01, 0.1, 1.0)]
    else:
        raise VaxisInputError(f"baseline={name!r} is not valid; use one of: {', '.join(map(repr, BASELINES))}.")
    return [make_pipeline(StandardScaler(), mdl) for mdl in models]


def de_baseline(name: str, features: np.ndarray, y: np.ndarray, train: np.ndarray, val: np.ndarray,
                test: np.ndarray, seed: int = 0) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit ``name`` (svm / mlp / logreg) on training trials, choose its setting on validation trials.

    Returns the predicted classes of ``test`` trials and the chosen setting.
    """
    from sklearn.exceptions import ConvergenceWarning

    best, best_acc, chosen = None, -1.0, {}
    for model in _baseline_grid(name, seed):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features[train], y[train])
        acc = engine.balanced_accuracy(y[val], model.predict(features[val]))
        if acc > best_acc:
            best, best_acc = model, acc
            est = model.steps[-1][1]
            chosen = {k: v for k, v in est.get_params().items() if k in ("kernel", "C", "alpha")}
    chosen["val_bacc"] = best_acc
    return best.predict(features[test]), chosen


# ----------------------------------------------------------------------------- evaluation
def _counts(y: np.ndarray, pred: np.ndarray, subject: np.ndarray, subjects: list[str],
            n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-subject, per-class counts of trials and of correct predictions: (S, K) each."""
    s_idx = pd.Index(subjects).get_indexer(subject)
    n = np.zeros((len(subjects), n_classes))
    c = np.zeros((len(subjects), n_classes))
    np.add.at(n, (s_idx, y), 1)
    np.add.at(c, (s_idx, y), (pred == y).astype(float))
    return n, c


def _pooled_bacc(n: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Balanced accuracy of pooled counts; n, c (..., K) summed over subjects already."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(np.where(n > 0, c / n, np.nan), axis=-1)


def subject_bootstrap(counts: dict[str, tuple[np.ndarray, np.ndarray]], n_boot: int = 2000,
                      seed: int = 0) -> dict[str, np.ndarray]:
    """Pooled balanced accuracy of each method on ``n_boot`` resamples of subjects (the same for all)."""
    S = next(iter(counts.values()))[0].shape[0]
    idx = np.random.default_rng([seed, 6]).integers(0, S, size=(n_boot, S))
    return {k: _pooled_bacc(n[idx].sum(1), c[idx].sum(1)) for k, (n, c) in counts.items()}


@dataclass
class EnsembleComparison:
    """Everything chapter 6 reports for one cohort.

    Attributes
    ----------
    table : DataFrame
        One row per method: balanced accuracy (pooled test trials) with its subject-bootstrap
        interval, mean ensemble size, paired comparison with the residual-diversity ensemble.
    curves : DataFrame
        ``method, size, test_bacc, val_bacc``: accuracy against ensemble size along each path.
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


def compare(trained: engine.TrainResults, *, diversity_weight: float = 0.05, max_size: int | None = None,
            baselines: Sequence[str] = BASELINES, n_boot: int = 2000, level: float = 0.95,
            seed: int = 0) -> EnsembleComparison:
    """Build every ensemble and baseline on the folds of ``trained`` and evaluate them on test subjects.

    Parameters
    ----------
    trained : vaxis.engine.TrainResults
        Members: every (architecture, seed) of the job, in every fold.
    diversity_weight : float
        Bonus per unit of diversity in the greedy selections (accuracy units).
    max_size : int, optional
        Longest greedy path (default: all members).
    baselines : sequence of {"svm", "mlp", "logreg"}
        DE baselines to run.
    n_boot, level, seed : int, float, int
        Subject bootstrap.
    """
    data, folds = trained.data, trained.folds
    for b in baselines:
        if b not in BASELINES:
            raise VaxisInputError(f"baseline={b!r} is not valid; use one of: {', '.join(map(repr, BASELINES))}.")
    K, T = len(data.classes), data.n_trials
    feats = trial_features(data) if baselines else None
    pred = {k: np.full(T, -1) for k in METHODS if not k.startswith("de_") or k[3:] in baselines}
    curve_pred: dict[tuple[str, int], np.ndarray] = {}
    rows, div_rows, val_curve = [], [], {}
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
            pred[f"de_{b}"][m.test], chosen = de_baseline(b, feats, m.y, m.train, m.val, m.test, seed)
            rows.append({"fold": fold.index, "method": f"de_{b}", "size": 1, "members": [str(chosen)]})
    return _evaluate(data, pred, curve_pred, val_curve, pd.DataFrame(rows), pd.concat(div_rows, ignore_index=True),
                     n_boot, level, seed)


def _evaluate(data, pred, curve_pred, val_curve, selections, diversity, n_boot, level, seed) -> EnsembleComparison:
    tested = pred[REFERENCE] >= 0
    y, subj = data.trial_label[tested], data.trial_subject[tested].astype(str)
    subjects = list(dict.fromkeys(subj.tolist()))
    K = len(data.classes)
    counts = {k: _counts(y, p[tested], subj, subjects, K) for k, p in pred.items()}
    boots = subject_bootstrap(counts, n_boot, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_subject = pd.DataFrame({k: np.nanmean(np.where(n > 0, c / n, np.nan), axis=1)
                                    for k, (n, c) in counts.items()}, index=pd.Index(subjects, name="subject"))
    q_lo, q_hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    rows = []
    for k, (n, c) in counts.items():
        lo, hi = np.percentile(boots[k], [q_lo, q_hi])
        row = {"method": k, "name": METHODS[k][0], "kind": METHODS[k][1],
               "size": float(selections.loc[selections.method == k, "size"].mean()),
               "bacc": float(_pooled_bacc(n.sum(0), c.sum(0))), "ci_low": float(lo), "ci_high": float(hi)}
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
    r_lo, r_hi = np.percentile(rel_boot, [q_lo, q_hi])
    relative = {"baseline": strongest, "baseline_name": METHODS[strongest][0],
                "value": float(table.bacc[REFERENCE] / table.bacc[strongest] - 1.0), "low": float(r_lo),
                "high": float(r_hi), "level": level, "n_subjects": len(subjects)}
    curves = pd.DataFrame([{"method": meth, "size": k, "test_bacc": engine.balanced_accuracy(y, p[tested]),
                            "val_bacc": float(np.mean(val_curve[(meth, k)])) if (meth, k) in val_curve else np.nan}
                           for (meth, k), p in curve_pred.items() if (p[tested] >= 0).all()])
    return EnsembleComparison(table, curves, selections, relative, per_subject, diversity)


def verdict(relative: dict[str, Any], small: float = 0.02) -> str:
    """Plain words for a relative improvement and its interval (``small``: the size deemed small)."""
    v, lo, hi = relative["value"], relative["low"], relative["high"]
    if lo > 0:
        size = "large" if v >= 5 * small else "small" if v < small else "moderate"
        return f"a {size} improvement (the interval excludes zero)"
    if hi < 0:
        return "a loss: the residual-diversity ensemble is worse (the interval excludes zero)"
    sign = "positive" if v > 0 else "negative" if v < 0 else "zero"
    return f"{sign} but not distinguishable from zero (the interval includes it)"


# ----------------------------------------------------------------------------- figures
def plot_curves(cmp: EnsembleComparison, title: str = "", chance: float | None = None, ax=None):
    """Test balanced accuracy against ensemble size for each way of building an ensemble."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(8.5, 3.8))[1]
    for i, (meth, g) in enumerate(cmp.curves.groupby("method", sort=False)):
        ax.plot(g["size"], g.test_bacc, marker="o" if len(g) < 12 else None, ms=3, color=f"C{i}",
                lw=2.2 if meth == REFERENCE else 1.2, label=METHODS[meth][0])
        kept = cmp.table.loc[meth, "size"]
        ax.plot([kept], [np.interp(kept, g["size"], g.test_bacc)], "k|", ms=10)
    for j, (meth, row) in enumerate(cmp.table[cmp.table.kind == "literature baseline"].iterrows()):
        ax.axhline(row.bacc, color=f"C{6 + j}", ls="--", lw=1, label=row["name"])
    ax.set_xlabel("ensemble size (members, in the order each method adds them)")
    ax.set_ylabel("balanced accuracy, test subjects")
    ax.set_title(title + (f" (chance {chance:.3f})" if chance is not None else ""), fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.figure.tight_layout()
    return ax.figure


def plot_diversity(cmp: EnsembleComparison, title: str = "", ax=None):
    """Residual diversity against prediction disagreement for every pair of members (all folds)."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(4.5, 3.6))[1]
    d = cmp.diversity
    for same, color, label in ((True, "C0", "same architecture"), (False, "C1", "different architectures")):
        g = d[d.same_arch == same]
        ax.scatter(g.prediction_div, g.residual_div, s=6, alpha=0.5, color=color, label=label)
    ax.set_xlabel("prediction disagreement (validation trials)")
    ax.set_ylabel("residual diversity, 1 - CKA")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return ax.figure
