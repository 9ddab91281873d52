"""The geometry of ensemble members: each member's residual, and how members differ there.

For one member (a trained (architecture, seed) network) in one outer fold, with trial
representations ``z``, the **basin** is the affine span of its class means fitted on the fold's
training trials (:func:`vaxis.stats.basin_basis`) and the **residual** of a trial is its
representation with that span removed (:func:`vaxis.stats.project_out`). Two members are
residual-diverse when their residuals on validation trials have different geometry
(:func:`residual_diversity`, ``1 - CKA``); the classic contrast is prediction diversity
(:func:`prediction_disagreement`); :func:`diversity_agreement` asks how alike the two rank pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ... import stats
from ..._checks import VaxisInputError, check_array
from .members import FoldMembers


def member_residual(z: np.ndarray, y: np.ndarray, train_trials: np.ndarray) -> np.ndarray:
    """Residual of every trial of ``z`` (T, D), the basin fitted on ``train_trials`` (labels ``y`` (T,))."""
    z = check_array("z", z, ndim=2)
    origin, Q = stats.basin_basis(z[train_trials], np.asarray(y)[train_trials])
    return stats.project_out(z, origin, Q)


def residual_diversity(residuals: Sequence[np.ndarray]) -> np.ndarray:
    """``1 - CKA`` between every pair of residuals (each (n, D_m), same n items); (M, M), 0 on the diagonal.

    Linear CKA is :func:`vaxis.stats.linear_cka`. Pairs involving a residual without variance get 0
    (nothing to add): a pair counts as such when ``||Xc^T Xc|| ||Yc^T Yc|| <= 1e-12 max(1,
    (max|Xc| max|Yc|)^4)`` (centred residuals).
    """
    cen = [check_array("residual", r, ndim=2) for r in residuals]
    cen = [r - r.mean(0) for r in cen]
    if len({r.shape[0] for r in cen}) > 1:
        raise VaxisInputError("Every residual must describe the same items (same number of rows).")
    scale = [float(np.linalg.norm(r.T @ r)) for r in cen]
    amax = [float(np.abs(r).max()) if r.size else 0.0 for r in cen]
    M = len(cen)
    div = np.zeros((M, M))
    for i in range(M):
        for j in range(i + 1, M):
            if scale[i] * scale[j] <= 1e-12 * max(1.0, (amax[i] * amax[j]) ** 4):
                continue  # no residual variance: nothing to add
            div[i, j] = div[j, i] = 1.0 - stats.linear_cka(cen[i], cen[j])
    return div


def prediction_disagreement(proba: np.ndarray) -> np.ndarray:
    """Share of items on which two members' predicted classes differ; ``proba`` (M, n, K) -> (M, M)."""
    p = check_array("proba", proba, ndim=3)
    pred = p.argmax(-1)
    return (pred[:, None, :] != pred[None, :, :]).mean(-1)


def residual_summary(m: FoldMembers, on: str = "val") -> pd.DataFrame:
    """Per member: width, basin dimension (fitted on training trials) and share of the variance of the
    ``on`` trials (``"val"`` or ``"train"``, centred) that lies in the basin rather than the residual."""
    if on not in ("val", "train"):
        raise VaxisInputError(f"on={on!r} is not valid; use 'val' or 'train'.")
    ev = m.val if on == "val" else m.train
    rows = []
    for name, arch, z in zip(m.names, m.archs, m.z):
        origin, Q = stats.basin_basis(z[m.train], m.y[m.train])
        c = z[ev] - z[ev].mean(0)
        r = stats.project_out(z[ev], origin, Q)
        r = r - r.mean(0)
        total = float((c ** 2).sum())
        rows.append({"member": name, "arch": arch, "width": z.shape[1], "basin_dim": Q.shape[1],
                     "basin_share": 1 - float((r ** 2).sum()) / total if total > 0 else float("nan")})
    return pd.DataFrame(rows)


def diversity_agreement(diversity: pd.DataFrame, n_boot: int = 2000, level: float = 0.95,
                        seed: int = 0) -> stats.Estimate:
    """Spearman rho of residual diversity with prediction disagreement over the pairs of members.

    ``diversity``: :attr:`EnsembleComparison.diversity <vaxis.decoding.ensembles.EnsembleComparison>`
    (one row per pair ``a``, ``b`` of members of one ``fold``: ``residual_div``, ``prediction_div``).
    The pairs share members, so the interval resamples *members* within each fold
    (:func:`vaxis.stats.bootstrap_pairwise_corr`), not pairs; ``n`` is the number of members over
    folds (a member is one network trained in one fold).
    """
    xs, ys = [], []
    for _, g in diversity.groupby("fold", sort=True):
        names = sorted({*g["a"], *g["b"]})
        pos = {n: i for i, n in enumerate(names)}
        i, j = g["a"].map(pos).to_numpy(), g["b"].map(pos).to_numpy()
        for col, out in (("residual_div", xs), ("prediction_div", ys)):
            m = np.full((len(names), len(names)), np.nan)
            m[i, j] = m[j, i] = g[col].to_numpy(float)
            np.fill_diagonal(m, 0.0)
            out.append(m)
    if any(np.isnan(m).any() for m in xs + ys):
        raise VaxisInputError("diversity must hold every pair of members of each fold.")
    return stats.bootstrap_pairwise_corr(xs, ys, n_boot=n_boot, level=level, seed=seed)
