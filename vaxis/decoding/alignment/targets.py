"""What an alignment loss may look up: the LLM-side targets, precomputed once per training job.

:func:`make_targets` takes plain arrays -- the LLM's category vectors, V positions and direction
(chapter 1's results), a sentence encoder's embeddings of the categories (:mod:`vaxis.llm.hidden`),
human arousal norms and an electrode adjacency (:mod:`vaxis.eeg`) -- validates them and precomputes
every derived target as torch tensors (:class:`AlignmentTargets`). Nothing here runs a model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..._checks import VaxisInputError, check_array, check_type
from .blocks import EPS


@dataclass(frozen=True, eq=False)
class AlignmentTargets:
    """Everything an alignment loss may look up, as torch tensors; build with :func:`make_targets`.

    Rows are categories in the label order of ``y`` (K rows). Given fields:

    Attributes
    ----------
    category_vectors : Tensor, (K, D_llm)
        LLM hidden-state vector per category (chapter 1: lead model, chosen layer).
    v_positions : Tensor, (K,)
        V-axis position per category (chapter 1; positive valence positive).
    v_direction : Tensor, (D_llm,)
        Unit V-axis direction in LLM space.
    sentence_embeddings : Tensor, (K, D_sent)
        Sentence-encoder embedding per category (e.g. MiniLM), for the contrastive losses.
    arousal : Tensor, (K,)
        Human arousal norm per category (for the arousal multitask control).
    channel_adjacency : Tensor, (C, C) or (0, 0)
        Symmetric non-negative electrode adjacency with zero diagonal; (0, 0) when not given
        (then only ``topo_electrode`` refuses to run).

    Derived fields (computed once by :func:`make_targets`):

    category_similarity : Tensor, (K, K)
        Cosine similarity of the category vectors after centring them across categories.
    category_rdm : Tensor, (K, K)
        Representational dissimilarity, 1 - Pearson correlation of the centred category vectors.
    control_rdm : Tensor, (K, K)
        ``category_rdm`` with its categories relabelled by a fixed derangement (control target).
    category_coords : Tensor, (K, r)
        PCA coordinates of the centred category vectors, r = K - 1 (zero-padded past their rank),
        scaled to unit root-mean-square row norm; signs fixed so each column's largest entry is
        positive.
    sentence_coords : Tensor, (K, r)
        The same for the sentence embeddings.
    v_direction_coords : Tensor, (r,)
        The V-axis direction expressed in ``category_coords``' basis, unit norm.
    v_standard, arousal_standard : Tensor, (K,)
        z-scored across categories.
    v_scaled, arousal_scaled : Tensor, (K,)
        Affinely mapped to [-1, 1] (min -> -1, max -> 1), for the topographic sheets.
    """

    category_vectors: Tensor
    v_positions: Tensor
    v_direction: Tensor
    sentence_embeddings: Tensor
    arousal: Tensor
    channel_adjacency: Tensor
    category_similarity: Tensor
    category_rdm: Tensor
    control_rdm: Tensor
    category_coords: Tensor
    sentence_coords: Tensor
    v_direction_coords: Tensor
    v_standard: Tensor
    v_scaled: Tensor
    arousal_standard: Tensor
    arousal_scaled: Tensor

    @property
    def n_classes(self) -> int:
        """Number of categories K."""
        return int(self.category_vectors.shape[0])

    @property
    def has_adjacency(self) -> bool:
        """Whether an electrode adjacency was given."""
        return self.channel_adjacency.numel() > 0

    def to(self, device: Any = None, dtype: torch.dtype | None = None) -> AlignmentTargets:
        """A copy with every tensor moved to ``device`` and/or cast to ``dtype``."""
        return dataclasses.replace(
            self, **{f.name: getattr(self, f.name).to(device=device, dtype=dtype)
                     for f in dataclasses.fields(self)}
        )


def _pca_coords(x: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Centred PCA coordinates (K, r) of the rows of ``x``, the basis (r, D) and the scale used."""
    xc = x - x.mean(axis=0, keepdims=True)
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    keep = s > s.max() * 1e-10 if s.size and s.max() > 0 else np.zeros_like(s, dtype=bool)
    keep[r:] = False
    coords = u[:, keep] * s[keep]
    basis = vt[keep]
    # sign convention: the largest-magnitude entry of each coordinate column is positive
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(coords.shape[1])])
    signs[signs == 0] = 1.0
    coords, basis = coords * signs, basis * signs[:, None]
    scale = float(np.sqrt((coords**2).sum(axis=1).mean()))
    out = np.zeros((x.shape[0], r))
    out[:, : coords.shape[1]] = coords / scale
    full_basis = np.zeros((r, x.shape[1]))
    full_basis[: basis.shape[0]] = basis
    return out, full_basis, scale


def _to_unit_range(v: np.ndarray) -> np.ndarray:
    lo, hi = v.min(), v.max()
    return (v - (hi + lo) / 2) / ((hi - lo) / 2)


def make_targets(
    category_vectors: Any,
    v_positions: Any,
    v_direction: Any,
    sentence_embeddings: Any,
    arousal: Any,
    channel_adjacency: Any = None,
    *,
    control_seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> AlignmentTargets:
    """Validate the LLM-side inputs and precompute every alignment target (see :class:`AlignmentTargets`).

    Parameters
    ----------
    category_vectors : array-like, (K, D_llm)
        LLM hidden-state vector per category, rows in label order; K >= 3.
    v_positions : array-like, (K,)
        V-axis position per category; not all equal.
    v_direction : array-like, (D_llm,)
        V-axis direction (normalised here to unit length; must not be zero, and must have a
        component in the span of the centred category vectors).
    sentence_embeddings : array-like, (K, D_sent)
        Sentence-encoder embedding per category.
    arousal : array-like, (K,)
        Arousal norm per category; not all equal.
    channel_adjacency : array-like (C, C), optional
        Symmetric, non-negative electrode adjacency (the diagonal is ignored), e.g. from
        :func:`adjacency_from_positions`. ``None`` (or an empty array) disables ``topo_electrode``.
    control_seed : int
        Seed of the fixed derangement behind ``control_rdm``.
    dtype : torch.dtype
        Floating dtype of the stored tensors.

    Returns
    -------
    AlignmentTargets
    """
    cv = check_array("category_vectors", category_vectors, ndim=2, dtype=np.float64)
    k, d_llm = cv.shape
    if k < 3:
        raise VaxisInputError(f"category_vectors needs at least 3 categories (rows), got {k}.")
    vp = check_array("v_positions", v_positions, shape=(k,), dtype=np.float64)
    vd = check_array("v_direction", v_direction, shape=(d_llm,), dtype=np.float64)
    se = check_array("sentence_embeddings", sentence_embeddings, ndim=2, dtype=np.float64)
    if se.shape[0] != k:
        raise VaxisInputError(
            f"sentence_embeddings must have one row per category ({k}), got shape {se.shape}."
        )
    ar = check_array("arousal", arousal, shape=(k,), dtype=np.float64)
    for name, v in (("v_positions", vp), ("arousal", ar)):
        if np.ptp(v) <= 0:
            raise VaxisInputError(f"{name} is the same for every category; it must vary.")
    norm = np.linalg.norm(vd)
    if norm <= 0:
        raise VaxisInputError("v_direction is the zero vector; pass the chapter-1 axis direction.")
    vd = vd / norm
    if channel_adjacency is None or np.size(channel_adjacency) == 0:
        adj = np.zeros((0, 0))
    else:
        adj = check_array("channel_adjacency", channel_adjacency, ndim=2, dtype=np.float64)
        if adj.shape[0] != adj.shape[1]:
            raise VaxisInputError(f"channel_adjacency must be square, got shape {adj.shape}.")
        if not np.allclose(adj, adj.T):
            raise VaxisInputError("channel_adjacency must be symmetric.")
        if (adj < 0).any():
            raise VaxisInputError("channel_adjacency must be non-negative.")
        adj = adj * (1 - np.eye(adj.shape[0]))
        if adj.sum() <= 0:
            raise VaxisInputError("channel_adjacency has no edges; pass None to disable topo_electrode.")

    r = k - 1
    cvc = cv - cv.mean(axis=0, keepdims=True)
    unit = cvc / np.maximum(np.linalg.norm(cvc, axis=1, keepdims=True), EPS)
    sim = unit @ unit.T
    rows = cvc - cvc.mean(axis=1, keepdims=True)
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), EPS)
    rdm = 1.0 - rows @ rows.T
    rng = np.random.default_rng(control_seed)
    perm = rng.permutation(k)
    while (perm == np.arange(k)).any():
        perm = rng.permutation(k)
    control = rdm[perm][:, perm]

    coords, basis, _ = _pca_coords(cv, r)
    if not np.abs(coords).sum() > 0:
        raise VaxisInputError("category_vectors are all identical; the LLM gives no geometry to align to.")
    s_coords, _, _ = _pca_coords(se, r)
    vdc = basis @ vd
    if np.linalg.norm(vdc) < 1e-6:
        raise VaxisInputError(
            "v_direction is orthogonal to every difference between category vectors; "
            "pass the axis built from the same model and layer as category_vectors."
        )
    vdc = vdc / np.linalg.norm(vdc)

    def t(a: np.ndarray) -> Tensor:
        return torch.tensor(np.array(a, dtype=np.float64), dtype=dtype)  # a private, writable copy

    return AlignmentTargets(
        category_vectors=t(cv), v_positions=t(vp), v_direction=t(vd), sentence_embeddings=t(se),
        arousal=t(ar), channel_adjacency=t(adj), category_similarity=t(sim), category_rdm=t(rdm),
        control_rdm=t(control), category_coords=t(coords), sentence_coords=t(s_coords),
        v_direction_coords=t(vdc), v_standard=t((vp - vp.mean()) / vp.std()), v_scaled=t(_to_unit_range(vp)),
        arousal_standard=t((ar - ar.mean()) / ar.std()), arousal_scaled=t(_to_unit_range(ar)),
    )


def adjacency_from_positions(positions: Any, n_neighbors: int = 4) -> np.ndarray:
    """Symmetric k-nearest-neighbour electrode adjacency (0/1) from 2-D or 3-D positions.

    Parameters
    ----------
    positions : array-like, (C, 2) or (C, 3)
        Electrode coordinates, e.g. :func:`vaxis.eeg.montage.channel_positions_2d`.
    n_neighbors : int
        Each electrode is linked to its ``n_neighbors`` nearest others (then symmetrised).
    """
    pos = check_array("positions", positions, ndim=2)
    c = pos.shape[0]
    check_type("n_neighbors", n_neighbors, int)
    if not 1 <= n_neighbors < c:
        raise VaxisInputError(f"n_neighbors must be in 1..{c - 1} for {c} electrodes, got {n_neighbors}.")
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :n_neighbors]
    a = np.zeros((c, c))
    a[np.repeat(np.arange(c), n_neighbors), nn.ravel()] = 1.0
    return np.maximum(a, a.T)
