"""The map's outcome with its permutation test (:func:`cross_validate_map`, :class:`MapResult`) and the
control targets of chapter 3 (human valence, random directions of the LLM's space).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ... import stats
from ..._checks import VaxisInputError, check_option
from ...stats import Estimate
from .linear import DEFAULT_ALPHAS, LinearMapCV


# ----------------------------------------------------------------------------- results
@dataclass
class MapResult:
    """Outcome of :func:`cross_validate_map`.

    Attributes
    ----------
    per_subject : DataFrame
        ``subject``, ``fold``, ``alpha``, ``r`` (held-out Pearson r of that subject).
    mean_r : float
        Mean of the per-subject r (the test statistic).
    ci : Estimate
        ``mean_r`` with a percentile bootstrap interval over subjects.
    pooled_r : float
        Pearson r over all held-out rows pooled.
    p_value : float or None
        Permutation p-value of ``mean_r`` (None when no permutation was run).
    null : ndarray or None
        Statistic under every evaluated assignment (the observed one included, first).
    permutation_kind : str
        ``"exact"`` (all K! assignments), ``"monte-carlo"`` or ``"none"``.
    alpha_under_null : str
        ``"reselect"`` or ``"fixed"`` (see the module docstring).
    predictions : DataFrame
        ``subject``, ``category``, ``target``, ``prediction`` for every held-out row.
    weights : ndarray, shape (n_features,)
        Map weights averaged over the outer folds (z-units of the features per unit position).
    fold_weights : ndarray, shape (n_folds, n_features)
    positions : dict
        Category -> position used as targets.
    """

    per_subject: pd.DataFrame
    mean_r: float
    ci: Estimate
    pooled_r: float
    p_value: float | None
    null: np.ndarray | None
    permutation_kind: str
    alpha_under_null: str
    predictions: pd.DataFrame
    weights: np.ndarray
    fold_weights: np.ndarray
    positions: dict[str, float] = field(default_factory=dict)

    @property
    def n_permutations(self) -> int:
        return 0 if self.null is None else int(self.null.size)

    def summary(self) -> dict[str, Any]:
        """Plain numbers for a results file or a table."""
        return {
            "mean_r": self.mean_r, "ci_low": self.ci.low, "ci_high": self.ci.high,
            "ci_level": self.ci.level, "n_subjects": int(self.per_subject.shape[0]),
            "pooled_r": self.pooled_r, "p_value": self.p_value,
            "n_permutations": self.n_permutations, "permutation_kind": self.permutation_kind,
            "alpha_under_null": self.alpha_under_null,
        }


def _as_xyz(data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if hasattr(data, "trial_features"):
        return data.trial_features(normalize="subject")
    if isinstance(data, tuple) and len(data) == 3:
        return np.asarray(data[0], float), np.asarray(data[1]).astype(str), np.asarray(data[2]).astype(str)
    raise VaxisInputError(
        "data must be an EEGDataset or a tuple (X, categories, subject_ids) as returned by "
        "EEGDataset.trial_features()."
    )


def _position_vector(positions: Mapping[str, float], categories: Sequence[str]) -> np.ndarray:
    if not isinstance(positions, Mapping):
        raise VaxisInputError("positions must be a mapping category -> position.")
    missing = [c for c in categories if c not in positions]
    if missing:
        raise VaxisInputError(
            f"positions lack the categories {missing} present in the EEG data "
            f"(given: {sorted(positions)}). Pass one position per category."
        )
    v = np.array([float(positions[c]) for c in categories])
    if not np.isfinite(v).all():
        raise VaxisInputError("positions must be finite numbers.")
    if np.ptp(v) == 0:
        raise VaxisInputError("All positions are equal; a correlation is undefined.")
    return v


def cross_validate_map(
    data: Any,
    positions: Mapping[str, float],
    n_splits: int = 5,
    inner_splits: int = 3,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    permutations: str | int = "exact",
    alpha_under_null: str = "reselect",
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    fitted: LinearMapCV | None = None,
) -> MapResult:
    """Leave-subjects-out ridge map from EEG to category positions, with a permutation test.

    Parameters
    ----------
    data : EEGDataset or (X, categories, subject_ids)
        EEG trial features; an EEGDataset is turned into subject-normalised trial features.
    positions : mapping str -> float
        Position of each category on the target axis (e.g. the V-axis, chapter 1).
    n_splits, inner_splits : int
        Outer GroupKFold folds (by subject) and inner folds that choose the penalty.
    alphas : sequence of float
        Ridge penalty grid.
    permutations : "exact", int or 0
        ``"exact"``: all K! category-to-position assignments (Monte Carlo with 10,000 draws if
        K > 10); an int: that many random assignments (plus the observed); 0: no test.
    alpha_under_null : {"reselect", "fixed"}
        Re-select the penalty inside every fold for every assignment (default), or keep the
        penalty chosen for the observed assignment.
    n_boot, level, seed : int, float, int
        Bootstrap over subjects for the interval of the mean r; ``seed`` also drives Monte Carlo
        permutations.
    fitted : LinearMapCV, optional
        A fitted map whose folds to reuse (e.g. to run controls on the same folds); ``data`` and
        the fold arguments are then ignored.

    Returns
    -------
    MapResult
    """
    check_option("alpha_under_null", alpha_under_null, ("reselect", "fixed"))
    m = fitted or LinearMapCV(n_splits, inner_splits, alphas).fit(*_as_xyz(data))
    v = _position_vector(positions, m.categories_)
    obs_alpha = m.choose_alpha(v[None])[:, 0]
    r_obs = m.evaluate(v[None], alpha_index=obs_alpha)[0]
    mean_r = float(np.nanmean(r_obs))
    pred = m.predictions(v, alpha_index=obs_alpha)
    target = m.C_ @ v
    fold_w = m.weights(v, alpha_index=obs_alpha)
    per_subject = pd.DataFrame({
        "subject": m.subjects_,
        "fold": [m.fold_of_[s] for s in m.subjects_],
        "alpha": [float(m.alphas_[obs_alpha[m.fold_of_[s]]]) for s in m.subjects_],
        "r": r_obs,
    })
    finite = r_obs[np.isfinite(r_obs)]
    ci = (stats.bootstrap_mean(finite, n_boot=n_boot, level=level, seed=seed) if finite.size >= 2
          else Estimate(mean_r, np.nan, np.nan, level, int(finite.size)))
    scored = np.isfinite(pred)  # every row, unless clips were held out (a clip no rotation holds out)
    pooled = (float(np.corrcoef(pred[scored], target[scored])[0, 1]) if scored.sum() > 2 and np.ptp(pred[scored]) > 0
              else float("nan"))

    null, p, kind = None, None, "none"
    if permutations not in (0, None, "none"):
        K = len(m.categories_)
        if permutations == "exact" and K <= 10:
            perms, kind = stats.assignments(K, "exact"), "exact"
        else:
            n_draw = 10000 if permutations == "exact" else int(permutations)
            if n_draw < 1:
                raise VaxisInputError(f"permutations={permutations!r} must be 'exact', 0 or >= 1.")
            perms, kind = stats.assignments(K, n_draw, seed), "monte-carlo"
        Vp = v[perms]
        if alpha_under_null == "reselect":
            r_null = m.evaluate(Vp)
        else:
            r_null = m.evaluate(Vp, alpha_index=obs_alpha)
        with np.errstate(invalid="ignore"):
            null = np.nanmean(r_null, axis=1)
        null[0] = mean_r  # the identity assignment is the observed one (first row of perms)
        p = stats.share_at_least(null, mean_r)
    cats_rows = np.asarray(m.categories_)[m.C_.argmax(axis=1)]
    return MapResult(
        per_subject=per_subject, mean_r=mean_r, ci=ci, pooled_r=pooled, p_value=p, null=null,
        permutation_kind=kind, alpha_under_null=alpha_under_null,
        predictions=pd.DataFrame({"subject": m.groups_, "category": cats_rows, "target": target,
                                  "prediction": pred}),
        weights=fold_w.mean(axis=0), fold_weights=fold_w,
        positions={c: float(x) for c, x in zip(m.categories_, v)},
    )


# ----------------------------------------------------------------------------- controls
def human_valence_positions(dataset: Any) -> dict[str, float]:
    """Mean human valence rating of each category of an EEGDataset (a control target)."""
    return {str(k): float(x) for k, x in dataset.category_ratings()["valence"].items()}


def random_direction_positions(
    category_vectors: Mapping[str, np.ndarray], n_directions: int = 1000, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """Category positions along random unit directions of an embedding space.

    Parameters
    ----------
    category_vectors : mapping str -> array (D,)
        One vector per category (e.g. mean LLM hidden state of its sentences).
    n_directions : int
    seed : int

    Returns
    -------
    categories : list of str
    V : ndarray, shape (n_directions, K)
        Projection of each category vector (centred over categories) on each direction.
    """
    cats = list(category_vectors)
    E = np.stack([np.asarray(category_vectors[c], dtype=float) for c in cats])
    E = E - E.mean(axis=0)
    U = np.random.default_rng(seed).standard_normal((int(n_directions), E.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return cats, U @ E.T
