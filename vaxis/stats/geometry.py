"""Representation geometry: linear CKA and the label-driven basin of a representation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import VaxisInputError, check_array


def linear_cka(x: Any, y: Any, eps: float = 0.0) -> Any:
    """Linear centred kernel alignment of two representations of the same items (Kornblith et al. 2019).

    ``<Kx, Ky>_F / (||Kx||_F ||Ky||_F)`` with ``Kx = Xc Xc^T`` the Gram matrix of the
    column-centred ``x`` (n, D1) and likewise ``Ky`` for ``y`` (n, D2); in [0, 1], invariant to
    rotations and isotropic scaling, defined for different widths. Works on numpy arrays (returns a
    float) and on torch tensors (returns a 0-d tensor, differentiable and safe under ``vmap``: the
    alignment loss ``cka_linear`` is this function). ``eps`` is added to the denominator; with
    ``eps = 0`` a representation without variance gives NaN (numpy), so check for it first.
    """
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise VaxisInputError(f"linear_cka needs two (n, D) representations of the same items, got shapes "
                              f"{tuple(x.shape)} and {tuple(y.shape)}.")
    xc, yc = x - x.mean(0), y - y.mean(0)
    kx, ky = xc @ xc.T, yc @ yc.T
    if isinstance(kx, np.ndarray):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float((kx * ky).sum() / (np.linalg.norm(kx) * np.linalg.norm(ky) + eps))
    return (kx * ky).sum() / (kx.norm() * ky.norm() + eps)


def basin_basis(z: np.ndarray, y: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """The label-driven *basin* of a representation: origin and orthonormal basis of its class means.

    The basin is the affine span of the class means ``mu_k`` of ``z``; its origin is the mean of the
    class means (unequal class counts do not tilt it), its directions ``span{mu_k - origin}``
    (rank <= K - 1). Every basin of the book (chapter 4's ``basin_cos``, chapter 5's gradient
    shares, chapter 6's residuals) is this one.

    Parameters
    ----------
    z : ndarray, shape (n, D)
        Representations (e.g. of a fold's training trials).
    y : ndarray, shape (n,)
        Their class labels (ints or strings); at least two classes.
    rtol : float
        Singular values below ``rtol * max`` are dropped (degenerate class means).

    Returns
    -------
    origin : ndarray, shape (D,)
    Q : ndarray, shape (D, r)
        Orthonormal basis of the basin's directions, ``r <= min(K - 1, D)``.
    """
    z = check_array("z", z, ndim=2)
    y = np.asarray(y)
    if y.shape != (z.shape[0],):
        raise VaxisInputError(f"y must have shape ({z.shape[0]},), got {y.shape}.")
    classes = np.unique(y)
    if classes.size < 2:
        raise VaxisInputError(f"The basin needs at least 2 classes, got {classes.size}.")
    means = np.stack([z[y == k].mean(axis=0) for k in classes])
    origin = means.mean(axis=0)
    _, s, vt = np.linalg.svd(means - origin, full_matrices=False)
    keep = s > rtol * max(float(s.max()), np.finfo(float).tiny)
    return origin, vt[keep].T


def project_out(z: np.ndarray, origin: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """``(z - origin)`` with its component in ``span(Q)`` removed (the *residual*); shape of ``z``."""
    z = check_array("z", z, ndim=2)
    c = z - np.asarray(origin, dtype=float)
    return c - (c @ Q) @ Q.T


__all__ = ['basin_basis', 'linear_cka', 'project_out']
