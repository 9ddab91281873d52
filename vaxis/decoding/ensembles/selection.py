"""Choosing ensembles on validation subjects: greedy paths with a diversity bonus, and the simple ways.

Every choice reads training trials (the basins) and validation trials (accuracy, diversity) only;
:func:`select_ensembles` refuses trial sets that overlap, and ``tests/test_ensembles.py`` checks
that scrambling the test subjects' data changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import stats
from ..._checks import VaxisInputError, check_array
from .geometry import prediction_disagreement, residual_diversity
from .members import FoldMembers


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
    single = stats.balanced_accuracy(y, p.argmax(-1))
    order, scores, total = [int(np.argmax(single))], [float(single.max())], p[int(np.argmax(single))].copy()
    while len(order) < size:
        k = len(order)
        cand = np.setdiff1d(np.arange(M), order)
        acc = stats.balanced_accuracy(y, ((total[None] + p[cand]) / (k + 1)).argmax(-1))
        bonus = weight * np.asarray(diversity)[np.ix_(cand, order)].mean(1) if weight else 0.0
        best = int(cand[np.argmax(acc + bonus)])
        order.append(best)
        scores.append(float(acc[cand == best][0]))
        total += p[best]
    return GreedyPath(order, scores, int(np.argmax(scores)) + 1)


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
    res_val = [stats.project_out(z[va], *stats.basin_basis(z[tr], m.y[tr])) for z in m.z]  # basin: training
    rdiv, pdiv = residual_diversity(res_val), prediction_disagreement(P)
    paths: dict[str, GreedyPath] = {
        "residual_diverse": greedy_path(P, y_val, rdiv, diversity_weight, max_size),
        "prediction_diverse": greedy_path(P, y_val, pdiv, diversity_weight, max_size),
        "greedy_accuracy": greedy_path(P, y_val, None, 0.0, max_size),
    }
    single = stats.balanced_accuracy(y_val, P.argmax(-1))
    by_val = [int(i) for i in np.argsort(-single, kind="stable")]
    out = FoldSelection({k: g.order for k, g in paths.items()}, {k: g.size for k, g in paths.items()},
                        {k: g.val_bacc for k, g in paths.items()}, rdiv, pdiv)
    out.paths["all_members"], out.sizes["all_members"] = by_val, len(by_val)
    archs = list(dict.fromkeys(m.archs))
    seed_acc = [stats.balanced_accuracy(y_val, P[[i for i, a in enumerate(m.archs) if a == arch]].mean(0)
                                        .argmax(-1)[None])[0]
                for arch in archs]
    best_arch = archs[int(np.argmax(seed_acc))]
    out.paths["seed_ensemble"] = [i for i in by_val if m.archs[i] == best_arch]
    out.sizes["seed_ensemble"] = len(out.paths["seed_ensemble"])
    out.paths["best_single"], out.sizes["best_single"] = by_val[:1], 1
    return out
