"""vmap-safe building blocks of the alignment losses: pure torch, static shapes, no data-dependent branches.

Every function here works on one replica's minibatch and may run under :func:`torch.func.vmap`
(no ``.item()``, no in-place changes of inputs, no boolean-mask indexing, no random numbers).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import torch
from torch import Tensor

from ..._checks import VaxisInputError

#: Floor added to denominators (keeps losses and gradients finite on degenerate batches).
EPS = 1e-8


def one_hot(y: Tensor, k: int, dtype: torch.dtype) -> Tensor:
    """(B, K) one-hot by comparison (F.one_hot reads values, which vmap forbids)."""
    return (y[:, None] == torch.arange(k, device=y.device)).to(dtype)


def same_label(y: Tensor, dtype: torch.dtype) -> Tensor:
    """(B, B) 1 where two samples share a label."""
    return (y[:, None] == y[None, :]).to(dtype)


def center(x: Tensor) -> Tensor:
    return x - x.mean(dim=0, keepdim=True)


def pearson(a: Tensor, b: Tensor) -> Tensor:
    """Pearson correlation of two 1-D tensors (0 if either is constant)."""
    a = a - a.mean()
    b = b - b.mean()
    return (a * b).sum() / (a.norm() * b.norm() + EPS)


@functools.lru_cache(maxsize=16)
def upper_index(n: int, device: str) -> Tensor:
    i, j = torch.triu_indices(n, n, offset=1, device=device)
    return i * n + j


def upper(m: Tensor) -> Tensor:
    """Strict upper triangle of a square matrix, flattened (static indices, built once per size)."""
    n = m.shape[-1]
    return m.flatten(-2).index_select(-1, upper_index(n, str(m.device)))


def pairs(b: int, n_pairs: int, device: Any) -> tuple[Tensor, Tensor]:
    """Indices (i, j) of up to ``n_pairs`` distinct unordered sample pairs (static, data-free).

    All pairs i < j when there are few enough; else the circulant pairs (i, i + s mod B) for
    shifts s = 1..n_pairs // B, so every sample enters the same number of pairs (minibatches are
    shuffled, so which samples meet is random from step to step).
    """
    if b * (b - 1) // 2 <= n_pairs:
        i, j = torch.triu_indices(b, b, offset=1, device=device)
        return i, j
    shifts = max(1, min(n_pairs // b, (b - 1) // 2))
    i = torch.arange(b, device=device).repeat(shifts)
    j = (i + torch.arange(1, shifts + 1, device=device).repeat_interleave(b)) % b
    return i, j


def corr_rdm(z: Tensor) -> Tensor:
    """1 - Pearson correlation between rows (across features), as in Kriegeskorte et al. (2008)."""
    zc = z - z.mean(dim=1, keepdim=True)
    zn = zc / (zc.norm(dim=1, keepdim=True) + EPS)
    return 1.0 - zn @ zn.T


def sqdist(x: Tensor) -> Tensor:
    sq = (x * x).sum(dim=1)
    return (sq[:, None] + sq[None, :] - 2.0 * x @ x.T).clamp(min=0.0)


def dct_basis(d: int, r: int, dtype: torch.dtype, device: Any) -> Tensor:
    u = torch.arange(d, dtype=dtype, device=device)[:, None] + 0.5
    b = torch.arange(1, r + 1, dtype=dtype, device=device)[None, :]
    return torch.cos(math.pi * u * b / d) * math.sqrt(2.0 / d)


def readout(z: Tensor, r: int) -> Tensor:
    """Fixed orthonormal read-out of ``z`` (B, D) to ``min(r, D - 1)`` coordinates.

    The read-out matrix holds DCT-II basis vectors 1..r over the D units (orthonormal, zero-sum,
    deterministic, no seed), so every coordinate mixes all units and is signed even when the units
    are not. It is the same for every network of width D.
    """
    d = z.shape[-1]
    r = min(r, d - 1)
    if r < 1:
        raise VaxisInputError(f"readout needs a representation with at least 2 units, got {d}.")
    return z @ dct_basis(d, r, z.dtype, z.device)


def coords_readout(z: Tensor, coords: Tensor) -> tuple[Tensor, Tensor]:
    """``readout(z)`` and ``coords`` truncated to the same number of columns."""
    zr = readout(z, coords.shape[1])
    return zr, coords[:, : zr.shape[1]]


def ridge_r2(z: Tensor, t: Tensor, ridge: float) -> Tensor:
    """In-batch R^2 of a ridge regression of ``t`` (B,) or (B, q) on ``z`` (B, D), closed form.

    With centred Zc, Tc and lam = ridge * tr(Zc^T Zc) / B (+ a floor of 1e-3, which keeps the
    inverse, and so the gradient, bounded when z collapses: dead units), the residual is
    Tc - Zc (Zc^T Zc + lam I)^-1 Zc^T Tc = lam (Zc Zc^T + lam I)^-1 Tc (push-through identity;
    differentiable ridge solvers: Bertinetto et al., 2019). The D x D (primal) form is used when
    D <= B, the B x B (kernel) form otherwise, so the cost is O(B min(B, D)^2). Both are solved by
    Cholesky (SPD), which is stable under vmap where LU was not.
    """
    zc = center(z)
    tc = center(t if t.ndim == 2 else t[:, None])
    b, d = z.shape
    if d <= b:
        g = zc.T @ zc
        lam = ridge * torch.diagonal(g).sum() / b + 1e-3
        chol = torch.linalg.cholesky(g + lam * torch.eye(d, dtype=z.dtype, device=z.device))
        resid = tc - zc @ torch.cholesky_solve(zc.T @ tc, chol)
    else:
        k = zc @ zc.T
        lam = ridge * torch.diagonal(k).sum() / b + 1e-3
        chol = torch.linalg.cholesky(k + lam * torch.eye(b, dtype=z.dtype, device=z.device))
        resid = lam * torch.cholesky_solve(tc, chol)
    return 1.0 - (resid * resid).sum() / ((tc * tc).sum() + EPS)


def rbf_gram(x: Tensor, bandwidth: float) -> Tensor:
    d2 = sqdist(x)
    b = x.shape[0]
    off = 1.0 - torch.eye(b, dtype=x.dtype, device=x.device)
    sigma2 = (bandwidth * (d2 * off).sum() / (b * (b - 1))).detach() + EPS
    k = torch.exp(-d2 / (2.0 * sigma2))
    return k - k.mean(0, keepdim=True) - k.mean(1, keepdim=True) + k.mean()


def soft_rank(x: Tensor, n_anchors: int, tau: float) -> Tensor:
    """Differentiable rank of each entry of ``x`` (M,) against up to ``n_anchors`` anchor entries.

    rank_i = sum_j sigmoid((x_i - x_j) / (tau * std(x))) over anchors j chosen at evenly spaced
    positions (all entries when M <= n_anchors); ties count 1/2, i.e. mid-ranks. Sampling the
    anchors keeps memory O(M * n_anchors) instead of O(M^2).
    """
    m = x.shape[0]
    idx = torch.linspace(0, m - 1, min(m, n_anchors), device=x.device).round().long()
    scale = tau * (x.std(correction=0) + EPS)
    return torch.sigmoid((x[:, None] - x[idx][None, :]) / scale).sum(dim=1)


def hard_rank(x: Tensor, n_anchors: int) -> Tensor:
    """Exact mid-ranks of ``x`` against the same anchors as :func:`soft_rank` (no gradient)."""
    m = x.shape[0]
    idx = torch.linspace(0, m - 1, min(m, n_anchors), device=x.device).round().long()
    anchors = torch.sort(x[idx]).values
    below = torch.searchsorted(anchors, x, right=False)
    not_above = torch.searchsorted(anchors, x, right=True)
    return 0.5 * (below + not_above).to(x.dtype)


def bump_corr(z: Tensor, unit_pos: Tensor, centre: Tensor, sigma: float) -> Tensor:
    """Mean over samples of the correlation across units between z_i and a Gaussian bump.

    ``unit_pos`` (D, p) positions of the units on the sheet; ``centre`` (B, p) bump centres.
    """
    d2 = ((unit_pos[None, :, :] - centre[:, None, :]) ** 2).sum(-1)
    g = torch.exp(-d2 / (2.0 * sigma**2))
    zc = z - z.mean(dim=1, keepdim=True)
    gc = g - g.mean(dim=1, keepdim=True)
    corr = (zc * gc).sum(1) / (zc.norm(dim=1) * gc.norm(dim=1) + EPS)
    return corr.mean()


def sheet_1d(d: int, dtype: torch.dtype, device: Any) -> Tensor:
    return torch.linspace(-1.0, 1.0, d, dtype=dtype, device=device)[:, None]


def sheet_2d(d: int, dtype: torch.dtype, device: Any) -> Tensor:
    """Units placed row-major on a w x h grid (w = ceil(sqrt(D))), coordinates in [-1, 1]."""
    w = math.ceil(math.sqrt(d))
    h = math.ceil(d / w)
    u = torch.arange(d, device=device)
    col = (u % w).to(dtype)
    row = torch.div(u, w, rounding_mode="floor").to(dtype)
    x = col / max(w - 1, 1) * 2 - 1
    yy = row / max(h - 1, 1) * 2 - 1
    return torch.stack([x, yy], dim=1)


def electrode_pool(d: int, c: int, dtype: torch.dtype, device: Any) -> Tensor:
    """(D, C) averaging matrix: units in contiguous blocks, one block per electrode.

    Unit u belongs to electrode floor(u C / D) when D >= C (a channel-major (C, F) flattening, as
    a graph network's penultimate layer has, maps each channel's features to its electrode);
    when D < C, electrode c reads unit floor(c D / C).
    """
    if d >= c:
        owner = torch.div(torch.arange(d, device=device) * c, d, rounding_mode="floor")
        p = (owner[:, None] == torch.arange(c, device=device)[None, :]).to(dtype)
    else:
        src = torch.div(torch.arange(c, device=device) * d, c, rounding_mode="floor")
        p = (torch.arange(d, device=device)[:, None] == src[None, :]).to(dtype)
    return p / p.sum(dim=0, keepdim=True)
