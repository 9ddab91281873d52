"""Chapter 6's checkers: a member's residual share, and linear CKA between two residuals."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import stats
from ._core import NOT_DONE, Verdict, as_float, call, correct, missing, wrong

__all__ = ["check_linear_cka", "check_residual_share"]


def residual_share(z: np.ndarray, y: np.ndarray, train: np.ndarray) -> float:
    """Share of the centred variance of all rows of ``z`` (T, D) outside the basin fitted on rows ``train``."""
    origin, Q = stats.basin_basis(z[train], np.asarray(y)[train])
    r = stats.project_out(z, origin, Q)
    r = r - r.mean(0)
    c = z - z.mean(0)
    return float((r ** 2).sum() / (c ** 2).sum())


def check_residual_share(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float], z: np.ndarray, y: np.ndarray,
                         train: np.ndarray) -> Verdict:
    """Check ``fn(z, y, train) -> share``: the share of the centred variance of ``z`` outside the basin.

    ``z`` (T, D) one member's representation of all trials, ``y`` (T,) labels, ``train`` the row
    indices of the fold's training trials (the basin is fitted on them only).
    """
    z = np.asarray(z, float)
    mine = call(fn, z, np.asarray(y), np.asarray(train), hint="class means of the training rows, an orthonormal "
                "basis of their centred span (SVD), remove that span from the centred z, compare squared norms.")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your share")
    if mine is None:
        return NOT_DONE
    ref = residual_share(z, y, train)
    if abs(mine - ref) < 1e-6:
        return correct(f"{ref:.3f} of this member's variance lies outside its label-driven basin.")
    if abs(mine - (1 - ref)) < 1e-6:
        return wrong("that is the share *inside* the basin; the residual is what is left: 1 minus it.")
    every = residual_share(z, y, np.arange(z.shape[0]))
    if abs(mine - every) < 1e-6 and abs(every - ref) > 1e-6:
        return wrong("fit the class means on the training rows only (`train`): the basin must not see the "
                     "validation or test subjects.")
    return wrong(f"got {mine:.4f}; check the centring and that the basis spans the centred class means (K - 1 "
                 "directions).")


def check_linear_cka(fn: Callable[[np.ndarray, np.ndarray], float], a: np.ndarray, b: np.ndarray) -> Verdict:
    """Check ``fn(a, b) -> CKA``: linear centred kernel alignment of two representations of the same items.

    ``a`` (n, D1), ``b`` (n, D2), e.g. two members' residuals on the validation trials (widths may
    differ). Also checks the two properties that make CKA fit for comparing networks: invariance to
    a rotation and to a scaling of one representation.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    mine = call(fn, a, b, hint="centre the columns of both, Gram matrices K = Xc Xc^T, then "
                "<Ka, Kb>_F / (|Ka|_F |Kb|_F).")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your CKA")
    if mine is None:
        return NOT_DONE
    ref = stats.linear_cka(a, b)
    if abs(mine - ref) > 1e-6:
        ka, kb = a @ a.T, b @ b.T
        if abs(mine - float((ka * kb).sum() / (np.linalg.norm(ka) * np.linalg.norm(kb)))) < 1e-6:
            return wrong("centre the columns first (subtract each unit's mean over items).")
        return wrong(f"got {mine:.4f}; expected a value in [0, 1] from the centred Gram matrices.")
    rot = np.linalg.qr(np.random.default_rng(0).standard_normal((a.shape[1], a.shape[1])))[0]
    moved = as_float(fn(3.0 * a @ rot, b), "Your CKA of a rotated, scaled copy")
    if moved is None:
        return NOT_DONE
    if abs(moved - ref) > 1e-6:
        return wrong(f"rotating and scaling `a` changed your CKA from {ref:.4f} to {moved:.4f}; it must not.")
    return correct(f"CKA = {ref:.3f}, so 1 - CKA = {1 - ref:.3f} of residual diversity for this pair.")
