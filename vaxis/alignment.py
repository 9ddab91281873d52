"""Alignment strategies: auxiliary losses that pull an EEG network's representation towards the LLM.

Chapter 5 (the saturation sweep) asks whether aligning an EEG classifier with the LLM's emotion
geometry helps decoding. Each *strategy* here is one real auxiliary loss; the training engine adds
it to the cross-entropy task loss with a weight chosen by a small inner search (the same three
candidate weights for every strategy, :data:`DEFAULT_WEIGHTS`).

The contract the engine relies on
---------------------------------
::

    targets = make_targets(category_vectors, v_positions, v_direction, sentence_embeddings, arousal,
                           channel_adjacency)          # once per training job
    strategy = get("rsa_pearson")
    aux = strategy.loss_fn(z, logits, y, targets, params)   # scalar tensor
    loss = cross_entropy(logits, y) + weight * aux

    # with the training engine (its hook is f(z, logits, y, idx)):
    vaxis.engine.train(..., aux_loss=as_aux_loss("rsa_pearson", targets), aux_weight=weight,
                       aux_key=aux_key("rsa_pearson"))

- ``z``: (B, D_net) the network's penultimate representation of a minibatch; ``logits``: (B, K);
  ``y``: (B,) int64 category labels in ``0..K-1`` (the order of ``targets``' rows).
- ``params``: a mapping of plain Python numbers; missing keys take the strategy's
  ``default_params``, unknown keys raise. ``params`` may be ``None``.
- Every loss is a pure function of torch ops and works under :func:`torch.func.vmap` over stacked
  model replicas (``z`` and ``logits`` batched, ``y`` batched or shared). ``targets`` is *closed
  over* (it is a dataclass, not a pytree): build the loss as ``lambda z, lg, y: fn(z, lg, y,
  targets, params)`` before vmapping. No ``.item()``, no in-place ops, no boolean-mask indexing,
  no random numbers: masks are multiplied in, and every shape depends only on B, D_net and K.

How spaces of different sizes are compared (D_net != D_llm)
-----------------------------------------------------------
All losses are **parameter-free** (nothing to train besides the network itself). Two devices:

1. *Similarity structures* -- RSA, CKA, Procrustes, ridge regressions solved in closed form inside
   the batch (Bertinetto et al., 2019) -- compare the batch's ``z`` with the LLM coordinates of the
   samples' categories and need no common dimension.
2. A *fixed read-out*: :func:`readout` projects ``z`` onto the first ``r`` non-constant DCT-II
   basis vectors over the units (an orthonormal, deterministic, seed-free ``(D_net, r)`` matrix
   that mixes all units, so non-negative ReLU features still give signed coordinates). Losses that
   need a point-to-point comparison (cosine embedding, InfoNCE, prototypes, V read-out) compare
   ``readout(z, r)`` with the LLM's *category coordinates*: the PCA coordinates of the
   category vectors centred on their mean (``r = K - 1``, all the geometry K points have). The
   network is free to route whatever it likes into those ``r`` directions.

LLM vectors are centred across categories before any cosine or correlation: raw hidden states are
strongly anisotropic (every pair of categories has cosine near 1), which would hide the structure.

Families (:data:`FAMILIES`): ``distillation``, ``v_axis``, ``similarity``, ``contrastive``,
``topographic``, ``control``. :func:`describe` tabulates the registry for the book.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from . import numerics
from ._checks import VaxisInputError, check_array, check_type

__all__ = [
    "AlignmentTargets",
    "DEFAULT_WEIGHTS",
    "FAMILIES",
    "STRATEGIES",
    "Strategy",
    "adjacency_from_positions",
    "as_aux_loss",
    "aux_key",
    "basin_share",
    "describe",
    "get",
    "make_targets",
    "readout",
    "register",
]

#: The strategy families of the design (section 5), in the order the book lists them.
FAMILIES: tuple[str, ...] = ("distillation", "v_axis", "similarity", "contrastive", "topographic", "control")

#: Candidate loss weights of the inner search; the same budget (three weights) for every strategy.
#: Every loss is scaled to be O(1) at initialisation (correlations, ratios in [0, 1], or
#: T^2-scaled KL), so one grid serves all.
DEFAULT_WEIGHTS: tuple[float, ...] = (0.1, 0.3, 1.0)

_EPS = 1e-8

LossFn = Callable[[Tensor, Tensor, Tensor, "AlignmentTargets", Mapping[str, Any]], Tensor]


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


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
    unit = cvc / np.maximum(np.linalg.norm(cvc, axis=1, keepdims=True), _EPS)
    sim = unit @ unit.T
    rows = cvc - cvc.mean(axis=1, keepdims=True)
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), _EPS)
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


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Strategy:
    """One alignment strategy: a named auxiliary loss with its defaults and weight grid.

    Attributes
    ----------
    name : str
        Registry key.
    family : str
        One of :data:`FAMILIES`.
    loss_fn : callable
        ``loss_fn(z, logits, y, targets, params) -> scalar tensor``; ``params`` may be partial or
        ``None`` (defaults fill in), unknown keys raise :class:`~vaxis._checks.VaxisInputError`.
        Shapes are checked; label values are not (that would read data under vmap): ``y`` must
        hold ``0..K-1``. ``targets`` is cast to ``z``'s dtype and device when they differ.
    default_params : mapping
        Hyper-parameters (plain numbers) and their defaults.
    weights : tuple of float
        Candidate weights for the inner search (same length for every strategy).
    idea : str
        Short citation of the idea the loss comes from.
    doc : str
        The full docstring of the loss.
    """

    name: str
    family: str
    loss_fn: LossFn
    default_params: Mapping[str, Any]
    weights: tuple[float, ...]
    idea: str
    doc: str = field(repr=False, default="")

    def __call__(self, z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets,
                 params: Mapping[str, Any] | None = None) -> Tensor:
        """Same as ``self.loss_fn(z, logits, y, targets, params)``."""
        return self.loss_fn(z, logits, y, targets, params)


STRATEGIES: dict[str, Strategy] = {}


def register(
    name: str,
    family: str,
    idea: str,
    params: Mapping[str, Any] | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Decorator adding a loss ``fn(z, logits, y, targets, params)`` to :data:`STRATEGIES`.

    ``fn`` receives ``params`` complete (defaults merged in). The same function may be registered
    under several names with different defaults (e.g. distillation temperatures).
    """
    if family not in FAMILIES:
        raise VaxisInputError(f"family={family!r} is not valid; use one of: {', '.join(FAMILIES)}.")
    if name in STRATEGIES:
        raise VaxisInputError(f"an alignment strategy named {name!r} is already registered.")
    defaults = MappingProxyType(dict(params or {}))
    weights = tuple(float(w) for w in weights)
    if not weights or any(not (w > 0 and math.isfinite(w)) for w in weights):
        raise VaxisInputError(f"weights of {name!r} must be positive finite numbers, got {weights}.")

    def deco(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        def loss_fn(z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets,
                    params: Mapping[str, Any] | None = None) -> Tensor:
            p = dict(defaults)
            if params:
                unknown = set(params) - set(defaults)
                if unknown:
                    raise VaxisInputError(
                        f"{name}: unknown parameter(s) {sorted(unknown)}; known: {sorted(defaults)}."
                    )
                p.update(params)
            _check_inputs(name, z, logits, y, targets)
            ref = targets.category_coords
            if ref.dtype != z.dtype or ref.device != z.device:  # static metadata: vmap-safe
                targets = targets.to(device=z.device, dtype=z.dtype)
            return fn(z, logits, y, targets, p)

        loss_fn.__name__ = f"{name}_loss"
        loss_fn.__doc__ = fn.__doc__
        STRATEGIES[name] = Strategy(name=name, family=family, loss_fn=loss_fn, default_params=defaults,
                                    weights=weights, idea=idea, doc=(fn.__doc__ or "").strip())
        return fn

    return deco


def get(name: str) -> Strategy:
    """The strategy registered as ``name``; an unknown name lists the registered ones."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise VaxisInputError(
            f"no alignment strategy named {name!r}; registered: {', '.join(sorted(STRATEGIES))}."
        ) from None


def as_aux_loss(
    name: str, targets: AlignmentTargets, params: Mapping[str, Any] | None = None
) -> Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]:
    """The strategy ``name`` as the training engine's hook ``f(z, logits, y, idx)``.

    ``idx`` (row indices of the minibatch) is not needed: every target here is per category and
    looked up with ``y``. Parameters are validated now, not at the first training step. Use it
    as ``vaxis.engine.train(..., aux_loss=as_aux_loss(name, targets), aux_weight=w,
    aux_key=aux_key(name, params))``.
    """
    strategy = get(name)
    check_type("targets", targets, AlignmentTargets)
    unknown = set(params or {}) - set(strategy.default_params)
    if unknown:
        raise VaxisInputError(
            f"{name}: unknown parameter(s) {sorted(unknown)}; known: {sorted(strategy.default_params)}."
        )
    params = dict(params or {})

    def aux(z: Tensor, logits: Tensor, y: Tensor, idx: Tensor) -> Tensor:
        return strategy.loss_fn(z, logits, y, targets, params)

    aux.__name__ = f"{name}_aux"
    return aux


def aux_key(name: str, params: Mapping[str, Any] | None = None) -> str:
    """A stable cache-key string for a strategy and its (complete) parameters, e.g. ``kd_t2(T=2.0,...)``."""
    p = {**get(name).default_params, **(params or {})}
    return f"{name}(" + ",".join(f"{k}={p[k]!r}" for k in sorted(p)) + ")"


def describe() -> Any:
    """The registry as a table (name, family, idea, weights, params), for the book.

    Returns
    -------
    pandas.DataFrame
        One row per strategy, in family order then registration order.
    """
    import pandas as pd

    rows = [
        {"name": s.name, "family": s.family, "idea": s.idea, "weights": s.weights,
         "params": dict(s.default_params)}
        for fam in FAMILIES for s in STRATEGIES.values() if s.family == fam
    ]
    return pd.DataFrame(rows, columns=["name", "family", "idea", "weights", "params"])


def _check_inputs(name: str, z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets) -> None:
    """Static shape checks (vmap-safe: shapes only, never values)."""
    if not isinstance(targets, AlignmentTargets):
        raise VaxisInputError(f"{name}: targets must be AlignmentTargets (see make_targets), "
                              f"got {type(targets).__name__}.")
    if z.ndim != 2:
        raise VaxisInputError(f"{name}: z must be (batch, features), got shape {tuple(z.shape)}.")
    b = z.shape[0]
    if logits.ndim != 2 or logits.shape[0] != b or logits.shape[1] != targets.n_classes:
        raise VaxisInputError(
            f"{name}: logits must be ({b}, {targets.n_classes}), got shape {tuple(logits.shape)}."
        )
    if y.ndim != 1 or y.shape[0] != b:
        raise VaxisInputError(f"{name}: y must be ({b},) labels, got shape {tuple(y.shape)}.")
    if b < 2:
        raise VaxisInputError(f"{name}: alignment losses compare samples; the batch needs >= 2, got {b}.")


# --------------------------------------------------------------------------------------------
# vmap-safe building blocks
# --------------------------------------------------------------------------------------------


def _onehot(y: Tensor, k: int, dtype: torch.dtype) -> Tensor:
    """(B, K) one-hot by comparison (F.one_hot reads values, which vmap forbids)."""
    return (y[:, None] == torch.arange(k, device=y.device)).to(dtype)


def _same(y: Tensor, dtype: torch.dtype) -> Tensor:
    """(B, B) 1 where two samples share a label."""
    return (y[:, None] == y[None, :]).to(dtype)


def _center(x: Tensor) -> Tensor:
    return x - x.mean(dim=0, keepdim=True)


def _pearson(a: Tensor, b: Tensor) -> Tensor:
    """Pearson correlation of two 1-D tensors (0 if either is constant)."""
    a = a - a.mean()
    b = b - b.mean()
    return (a * b).sum() / (a.norm() * b.norm() + _EPS)


@functools.lru_cache(maxsize=16)
def _upper_index(n: int, device: str) -> Tensor:
    i, j = torch.triu_indices(n, n, offset=1, device=device)
    return i * n + j


def _upper(m: Tensor) -> Tensor:
    """Strict upper triangle of a square matrix, flattened (static indices, built once per size)."""
    n = m.shape[-1]
    return m.flatten(-2).index_select(-1, _upper_index(n, str(m.device)))


def _pairs(b: int, n_pairs: int, device: Any) -> tuple[Tensor, Tensor]:
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


def _corr_rdm(z: Tensor) -> Tensor:
    """1 - Pearson correlation between rows (across features), as in Kriegeskorte et al. (2008)."""
    zc = z - z.mean(dim=1, keepdim=True)
    zn = zc / (zc.norm(dim=1, keepdim=True) + _EPS)
    return 1.0 - zn @ zn.T


def _sqdist(x: Tensor) -> Tensor:
    sq = (x * x).sum(dim=1)
    return (sq[:, None] + sq[None, :] - 2.0 * x @ x.T).clamp(min=0.0)


def _dct_basis(d: int, r: int, dtype: torch.dtype, device: Any) -> Tensor:
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
    return z @ _dct_basis(d, r, z.dtype, z.device)


def _coords_readout(z: Tensor, coords: Tensor) -> tuple[Tensor, Tensor]:
    """``readout(z)`` and ``coords`` truncated to the same number of columns."""
    zr = readout(z, coords.shape[1])
    return zr, coords[:, : zr.shape[1]]


def _ridge_r2(z: Tensor, t: Tensor, ridge: float) -> Tensor:
    """In-batch R^2 of a ridge regression of ``t`` (B,) or (B, q) on ``z`` (B, D), closed form.

    With centred Zc, Tc and lam = ridge * tr(Zc^T Zc) / B (+ a floor of 1e-3, which keeps the
    inverse, and so the gradient, bounded when z collapses: dead units), the residual is
    Tc - Zc (Zc^T Zc + lam I)^-1 Zc^T Tc = lam (Zc Zc^T + lam I)^-1 Tc (push-through identity;
    differentiable ridge solvers: Bertinetto et al., 2019). The D x D (primal) form is used when
    D <= B, the B x B (kernel) form otherwise, so the cost is O(B min(B, D)^2). Both are solved by
    Cholesky (SPD), which is stable under vmap where LU was not.
    """
    zc = _center(z)
    tc = _center(t if t.ndim == 2 else t[:, None])
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
    return 1.0 - (resid * resid).sum() / ((tc * tc).sum() + _EPS)


def _linear_cka(x: Tensor, t: Tensor) -> Tensor:
    kx = _center(x) @ _center(x).T
    kt = _center(t) @ _center(t).T
    return (kx * kt).sum() / (kx.norm() * kt.norm() + _EPS)


def _rbf_gram(x: Tensor, bandwidth: float) -> Tensor:
    d2 = _sqdist(x)
    b = x.shape[0]
    off = 1.0 - torch.eye(b, dtype=x.dtype, device=x.device)
    sigma2 = (bandwidth * (d2 * off).sum() / (b * (b - 1))).detach() + _EPS
    k = torch.exp(-d2 / (2.0 * sigma2))
    return k - k.mean(0, keepdim=True) - k.mean(1, keepdim=True) + k.mean()


def _soft_rank(x: Tensor, n_anchors: int, tau: float) -> Tensor:
    """Differentiable rank of each entry of ``x`` (M,) against up to ``n_anchors`` anchor entries.

    rank_i = sum_j sigmoid((x_i - x_j) / (tau * std(x))) over anchors j chosen at evenly spaced
    positions (all entries when M <= n_anchors); ties count 1/2, i.e. mid-ranks. Sampling the
    anchors keeps memory O(M * n_anchors) instead of O(M^2).
    """
    m = x.shape[0]
    idx = torch.linspace(0, m - 1, min(m, n_anchors), device=x.device).round().long()
    scale = tau * (x.std(correction=0) + _EPS)
    return torch.sigmoid((x[:, None] - x[idx][None, :]) / scale).sum(dim=1)


def _hard_rank(x: Tensor, n_anchors: int) -> Tensor:
    """Exact mid-ranks of ``x`` against the same anchors as :func:`_soft_rank` (no gradient)."""
    m = x.shape[0]
    idx = torch.linspace(0, m - 1, min(m, n_anchors), device=x.device).round().long()
    anchors = torch.sort(x[idx]).values
    below = torch.searchsorted(anchors, x, right=False)
    not_above = torch.searchsorted(anchors, x, right=True)
    return 0.5 * (below + not_above).to(x.dtype)


def _bump_corr(z: Tensor, unit_pos: Tensor, centre: Tensor, sigma: float) -> Tensor:
    """Mean over samples of the correlation across units between z_i and a Gaussian bump.

    ``unit_pos`` (D, p) positions of the units on the sheet; ``centre`` (B, p) bump centres.
    """
    d2 = ((unit_pos[None, :, :] - centre[:, None, :]) ** 2).sum(-1)
    g = torch.exp(-d2 / (2.0 * sigma**2))
    zc = z - z.mean(dim=1, keepdim=True)
    gc = g - g.mean(dim=1, keepdim=True)
    corr = (zc * gc).sum(1) / (zc.norm(dim=1) * gc.norm(dim=1) + _EPS)
    return corr.mean()


def _sheet_1d(d: int, dtype: torch.dtype, device: Any) -> Tensor:
    return torch.linspace(-1.0, 1.0, d, dtype=dtype, device=device)[:, None]


def _sheet_2d(d: int, dtype: torch.dtype, device: Any) -> Tensor:
    """Units placed row-major on a w x h grid (w = ceil(sqrt(D))), coordinates in [-1, 1]."""
    w = math.ceil(math.sqrt(d))
    h = math.ceil(d / w)
    u = torch.arange(d, device=device)
    col = (u % w).to(dtype)
    row = torch.div(u, w, rounding_mode="floor").to(dtype)
    x = col / max(w - 1, 1) * 2 - 1
    yy = row / max(h - 1, 1) * 2 - 1
    return torch.stack([x, yy], dim=1)


def _electrode_pool(d: int, c: int, dtype: torch.dtype, device: Any) -> Tensor:
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


# --------------------------------------------------------------------------------------------
# Knowledge distillation
# --------------------------------------------------------------------------------------------

_KD_IDEA = "Hinton, Vinyals & Dean 2015, knowledge distillation (soft targets at temperature T)"


def _kd(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Knowledge distillation from the LLM's category similarities (Hinton, Vinyals & Dean, 2015).

    The "teacher" for a sample of category y scores every category k by the LLM's cosine
    similarity of the centred category vectors, ``teacher_scale * S[y, k]`` (a prototype
    classifier in LLM space). Loss: ``T^2 * KL(softmax(teacher / T) || softmax(logits / T))``,
    averaged over the batch; the T^2 factor keeps gradient sizes comparable across temperatures,
    as in the paper. Acts on the logits (so on ``z`` through the network's last layer).
    """
    temp = float(p["temperature"])
    teacher = targets.category_similarity[y] * float(p["teacher_scale"])
    q = F.softmax(teacher / temp, dim=1)
    log_q = F.log_softmax(teacher / temp, dim=1)
    log_p = F.log_softmax(logits / temp, dim=1)
    return temp**2 * (q * (log_q - log_p)).sum(dim=1).mean()


for _t in (1, 2, 4, 8):
    register(f"kd_t{_t}", "distillation", f"{_KD_IDEA}; T={_t}",
             params={"temperature": float(_t), "teacher_scale": 10.0})(_kd)


# --------------------------------------------------------------------------------------------
# V-axis supervision
# --------------------------------------------------------------------------------------------


@register("v_regression", "v_axis",
          "Caruana 1997 auxiliary regression task; head solved in closed form (Bertinetto et al. 2019)",
          params={"ridge": 1.0})
def _v_regression(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """V-axis regression head: 1 - R^2 of the samples' V positions regressed on ``z``.

    An auxiliary regression task (Caruana, 1997) whose linear head is the ridge solution inside
    the minibatch, in closed form (Bertinetto et al., 2019), so the loss has no parameters of its
    own. ``ridge`` is relative to the mean squared norm of the centred ``z``. Targets are the
    categories' z-scored V positions.
    """
    return 1.0 - _ridge_r2(z, targets.v_standard[y], float(p["ridge"]))


@register("v_readout", "v_axis",
          "Koh et al. 2020 concept bottleneck (a fixed coordinate predicts the concept)")
def _v_readout(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Fixed read-out of V: mean squared error between ``readout(z, 1)`` and the z-scored V position.

    Like a concept bottleneck (Koh et al., 2020), one fixed coordinate of the representation is
    made to carry the concept (valence); the coordinate is the first DCT read-out (:func:`readout`).
    """
    s = readout(z, 1)[:, 0]
    return ((s - targets.v_standard[y]) ** 2).mean()


@register("v_ranking", "v_axis", "Burges et al. 2005 RankNet pairwise ranking loss",
          params={"tau": 0.5})
def _v_ranking(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Pairwise ranking of V: RankNet (Burges et al., 2005) on the fixed read-out score.

    For every ordered pair with V_i > V_j, ``softplus(-(s_i - s_j) / tau)`` where
    ``s = readout(z, 1)`` is standardised over the batch (so only the order, not the scale, is
    rewarded). Averaged over such pairs; pairs of equal V are ignored by weight 0.
    """
    s = readout(z, 1)[:, 0]
    s = (s - s.mean()) / (s.std(correction=0) + _EPS)
    v = targets.v_standard[y]
    w = (v[:, None] > v[None, :]).to(z.dtype)
    pair = F.softplus(-(s[:, None] - s[None, :]) / float(p["tau"]))
    return (w * pair).sum() / (w.sum() + _EPS)


@register("v_cosine", "v_axis",
          "Chen, Bei & Rudin 2020 concept whitening (align a latent direction with a concept axis)")
def _v_cosine(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Fixed-direction cosine: the network's V direction should be the LLM's V direction.

    The network's V direction is the batch covariance of the read-out coordinates with V,
    ``w = readout(z)_c^T v_c`` (r coordinates); the loss is ``1 - cos(w, d)`` with ``d`` the
    LLM's V-axis direction expressed in the category-coordinate basis (``v_direction_coords``),
    which the read-out is compared against. In the spirit of concept whitening (Chen, Bei &
    Rudin, 2020): a fixed latent direction is aligned with a concept axis.
    """
    zr, _ = _coords_readout(z, targets.category_coords)
    d = targets.v_direction_coords[: zr.shape[1]]
    w = _center(zr).T @ _center(targets.v_standard[y][:, None])
    return 1.0 - (w[:, 0] @ d) / (w.norm() * d.norm() + _EPS)


# --------------------------------------------------------------------------------------------
# Representational similarity
# --------------------------------------------------------------------------------------------


@register("rsa_pearson", "similarity",
          "Kriegeskorte, Mur & Bandettini 2008 RSA (Pearson correlation of RDMs)")
def _rsa_pearson(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """RSA with Pearson correlation (Kriegeskorte, Mur & Bandettini, 2008).

    RDM of the batch: 1 - Pearson correlation between samples' ``z``; target RDM: the LLM's
    ``category_rdm[y_i, y_j]``. Loss: 1 - Pearson correlation of the two upper triangles.
    """
    return 1.0 - _pearson(_upper(_corr_rdm(z)), _upper(targets.category_rdm[y][:, y]))


@register("rsa_spearman", "similarity",
          "Kriegeskorte et al. 2008 RSA, Spearman RDM correlation via soft ranks (Blondel et al. 2020)",
          params={"tau": 0.1, "n_pairs": 1024, "n_anchors": 128})
def _rsa_spearman(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """RSA with Spearman correlation of RDMs (Kriegeskorte et al., 2008; Nili et al., 2014).

    The batch RDM's entries get differentiable soft ranks (sigmoid pairwise comparisons with
    temperature ``tau`` in units of their standard deviation, against ``n_anchors`` evenly spaced
    anchor entries; cf. differentiable sorting and ranking, Blondel et al., 2020); the target
    RDM's entries get exact mid-ranks against the same anchors. Loss: 1 - Pearson of the ranks.
    Above ``n_pairs`` sample pairs (B > 45 by default) a fixed, balanced subset of pairs is used
    (see ``_pairs``), keeping the cost O(n_pairs * n_anchors) per replica.
    """
    i, j = _pairs(z.shape[0], int(p["n_pairs"]), z.device)
    n = int(p["n_anchors"])
    a = _soft_rank(_corr_rdm(z)[i, j], n, float(p["tau"]))
    b = _hard_rank(targets.category_rdm[y][:, y][i, j], n)
    return 1.0 - _pearson(a, b)


@register("cka_linear", "similarity", "Kornblith et al. 2019 linear centred kernel alignment")
def _cka_linear(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """1 - linear CKA (Kornblith et al., 2019) between ``z`` and the samples' LLM category coordinates."""
    return 1.0 - _linear_cka(z, targets.category_coords[y])


@register("cka_rbf", "similarity", "Kornblith et al. 2019 RBF-kernel CKA",
          params={"bandwidth": 1.0})
def _cka_rbf(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """1 - RBF-kernel CKA (Kornblith et al., 2019) between ``z`` and the LLM category coordinates.

    Gaussian kernels with sigma^2 = ``bandwidth`` x the mean squared off-diagonal distance of
    each space (the paper uses a fraction of the median distance; the mean is smoother).
    The bandwidth is treated as a constant in the gradient.
    """
    bw = float(p["bandwidth"])
    kx = _rbf_gram(z, bw)
    kt = _rbf_gram(targets.category_coords[y], bw)
    return 1.0 - (kx * kt).sum() / (kx.norm() * kt.norm() + _EPS)


@register("procrustes", "similarity",
          "Schönemann 1966 orthogonal Procrustes; Williams et al. 2021 shape metrics")
def _procrustes(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Orthogonal Procrustes dissimilarity (Schönemann, 1966; Williams et al., 2021).

    With X = centred ``z`` and Y = centred LLM category coordinates of the samples, each scaled to
    unit Frobenius norm, the best rotation (zero-padding the smaller space) leaves
    ``||X - Y Q||^2 = 2 - 2 ||X^T Y||_*``. Loss: ``1 - ||X^T Y||_*`` in [0, 1].
    """
    x = _center(z)
    t = _center(targets.category_coords[y])
    x = x / (x.norm() + _EPS)
    t = t / (t.norm() + _EPS)
    return 1.0 - torch.linalg.svdvals(x.T @ t).sum()


@register("embedding_regression", "similarity",
          "Yamins et al. 2014 / Schrimpf et al. 2018 linear predictivity (ridge encoding model)",
          params={"ridge": 1.0})
def _embedding_regression(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Embedding regression: 1 - R^2 of the LLM category coordinates predicted linearly from ``z``.

    The linear-predictivity score of Yamins et al. (2014) and Brain-Score (Schrimpf et al., 2018),
    with the least-squares map solved in closed form (ridge, kernel form) inside the batch.
    """
    return 1.0 - _ridge_r2(z, targets.category_coords[y], float(p["ridge"]))


@register("cosine_embedding", "similarity",
          "Barz & Denzler 2019 cosine loss to fixed semantic class embeddings")
def _cosine_embedding(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Cosine embedding loss: ``1 - cos(readout(z_i), coords[y_i])`` averaged over the batch.

    Each sample's read-out is pulled towards its category's LLM coordinates, as with fixed
    semantic class embeddings (Barz & Denzler, 2019; PyTorch's CosineEmbeddingLoss for positives).
    """
    zr, c = _coords_readout(z, targets.category_coords)
    return 1.0 - F.cosine_similarity(zr, c[y], dim=1, eps=_EPS).mean()


# --------------------------------------------------------------------------------------------
# Contrastive
# --------------------------------------------------------------------------------------------


def _clip(zr: Tensor, emb: Tensor, y: Tensor, tau: float) -> Tensor:
    """Symmetric InfoNCE between read-outs (B, r) and class embeddings (K, r) of the samples."""
    zn = F.normalize(zr, dim=1, eps=_EPS)
    en = F.normalize(emb, dim=1, eps=_EPS)
    # sample -> text: classify each sample among the K category embeddings
    lg = zn @ en.T / tau
    onehot = _onehot(y, emb.shape[0], zr.dtype)
    l_img = -(onehot * F.log_softmax(lg, dim=1)).sum(1).mean()
    # text -> sample: each sample's text retrieves the batch; all same-category samples positive
    lb = zn @ en[y].T / tau  # (i, j): sample i vs text of sample j
    prob = F.softmax(lb, dim=0)
    pos = (_same(y, zr.dtype) * prob).sum(0)
    l_txt = -torch.log(pos + _EPS).mean()
    return 0.5 * (l_img + l_txt)


@register("infonce_sentence", "contrastive",
          "Radford et al. 2021 CLIP symmetric InfoNCE (van den Oord et al. 2018) to sentence embeddings",
          params={"tau": 0.1})
def _infonce_sentence(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """CLIP-style symmetric InfoNCE (Radford et al., 2021; van den Oord et al., 2018).

    "Image" side: the fixed read-out of ``z``; "text" side: the sentence-encoder embedding of the
    sample's category in its PCA coordinates (``sentence_coords``). Each sample must pick its
    category's text among the K, and each text the samples of its category in the batch
    (several positives share the probability mass). Temperature ``tau``.
    """
    zr, c = _coords_readout(z, targets.sentence_coords)
    return _clip(zr, c, y, float(p["tau"]))


@register("infonce_llm", "contrastive",
          "Radford et al. 2021 CLIP symmetric InfoNCE to LLM hidden-state prototypes",
          params={"tau": 0.1})
def _infonce_llm(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """CLIP-style symmetric InfoNCE (Radford et al., 2021) to the LLM category coordinates.

    As ``infonce_sentence`` but the "text" side is the lead LLM's hidden-state geometry
    (``category_coords``) instead of a sentence encoder's.
    """
    zr, c = _coords_readout(z, targets.category_coords)
    return _clip(zr, c, y, float(p["tau"]))


@register("supcon_llm", "contrastive",
          "Khosla et al. 2020 supervised contrastive, positives weighted by LLM similarity",
          params={"tau": 0.1, "tau_llm": 0.1})
def _supcon_llm(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Supervised contrastive loss (Khosla et al., 2020) with LLM-similarity-weighted positives.

    On L2-normalised ``z`` with temperature ``tau``: for anchor i, ``-sum_j w_ij log p_ij`` where
    p_ij is the softmax over the other samples of cos(z_i, z_j)/tau and the positive weights
    ``w_ij ∝ exp(S[y_i, y_j] / tau_llm)`` (j != i, rows sum to 1) come from the LLM's category
    similarities: same-category samples weigh most, LLM-similar categories some.
    """
    b = z.shape[0]
    zn = F.normalize(z, dim=1, eps=_EPS)
    eye = torch.eye(b, dtype=z.dtype, device=z.device)
    lg = zn @ zn.T / float(p["tau"]) - 1e4 * eye
    logp = F.log_softmax(lg, dim=1)
    s = targets.category_similarity[y][:, y]
    w = torch.exp((s - 1.0) / float(p["tau_llm"])) * (1.0 - eye)
    w = w / (w.sum(1, keepdim=True) + _EPS)
    return -(w * logp).sum(1).mean()


@register("triplet_v", "contrastive",
          "Schroff, Kalenichenko & Philbin 2015 triplet loss, margins from V distances",
          params={"margin": 0.1, "v_margin": 0.5})
def _triplet_v(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Triplet loss (Schroff, Kalenichenko & Philbin, 2015) with margins that grow with V distance.

    On L2-normalised ``z``: for anchor i, positive distance = mean distance to same-category
    samples (a centroid positive keeps the cost O(B^2)); for every negative n (other category),
    ``relu(d_pos_i - d_in + margin + v_margin * |V_i - V_n|)`` with z-scored V. Averaged over
    (anchor, negative) pairs.
    """
    b = z.shape[0]
    zn = F.normalize(z, dim=1, eps=_EPS)
    d = numerics.sqrt(_sqdist(zn) + 1e-6)  # torch.sqrt rounds differently on Intel and AMD
    eye = torch.eye(b, dtype=z.dtype, device=z.device)
    same = _same(y, z.dtype)
    pos = same * (1.0 - eye)
    d_pos = (pos * d).sum(1) / (pos.sum(1) + _EPS)
    neg = 1.0 - same
    v = targets.v_standard[y]
    m = float(p["margin"]) + float(p["v_margin"]) * (v[:, None] - v[None, :]).abs()
    hinge = F.relu(d_pos[:, None] - d + m)
    return (neg * hinge).sum() / (neg.sum() + _EPS)


# --------------------------------------------------------------------------------------------
# Topographic
# --------------------------------------------------------------------------------------------


@register("topo_sheet_1d", "topographic",
          "Kohonen 1982 self-organising map; Margalit et al. 2024 topographic DNN (units on a sheet)",
          params={"sigma": 0.25})
def _topo_sheet_1d(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Smooth 1-D unit sheet ordered by V (Kohonen, 1982; Margalit et al., 2024).

    Units sit in index order on a line in [-1, 1]; a sample of category y should activate a
    Gaussian bump (width ``sigma``) centred at its V position mapped to [-1, 1] (``v_scaled``).
    Loss: 1 - mean over samples of the correlation across units between ``z_i`` and its bump;
    neighbouring units then respond alike and preferred valence runs along the sheet.
    """
    pos = _sheet_1d(z.shape[1], z.dtype, z.device)
    return 1.0 - _bump_corr(z, pos, targets.v_scaled[y][:, None], float(p["sigma"]))


@register("topo_sheet_2d", "topographic",
          "Kohonen 1982 SOM; Blauch, Behrmann & Plaut 2022 interactive topographic network",
          params={"sigma": 0.35})
def _topo_sheet_2d(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Smooth 2-D unit sheet: valence along one axis, arousal along the other (Kohonen, 1982).

    Units sit row-major on a ceil(sqrt(D))-wide grid in [-1, 1]^2; a sample of category y should
    activate a Gaussian bump at (``v_scaled[y]``, ``arousal_scaled[y]``) -- a circumplex
    (Russell, 1980) laid out on the sheet, as in topographic networks (Blauch et al., 2022).
    Loss: 1 - mean correlation across units between ``z_i`` and its bump.
    """
    pos = _sheet_2d(z.shape[1], z.dtype, z.device)
    centre = torch.stack([targets.v_scaled[y], targets.arousal_scaled[y]], dim=1)
    return 1.0 - _bump_corr(z, pos, centre, float(p["sigma"]))


@register("topo_electrode", "topographic",
          "Zhong, Wang & Miao 2020 RGNN adjacency regularisation; Belkin et al. 2006 Laplacian smoothness")
def _topo_electrode(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Electrode-adjacency smoothness: z, pooled onto electrodes, varies smoothly over the scalp.

    Units are pooled onto the C electrodes in contiguous blocks (see ``_electrode_pool``: for a
    channel-major (C, F) flattening each electrode gets its own features). For each sample the
    graph-Laplacian (Dirichlet) energy ``sum_edges A_ce (m_c - m_e)^2`` of its electrode map m,
    divided by the map's variance times the mean degree (scale-free, about 1 for a random map),
    is averaged over the batch: Laplacian smoothness (Belkin, Niyogi & Sindhwani, 2006) on the
    electrode graph, as RGNN regularises EEG emotion networks with scalp adjacency (Zhong et al.,
    2020). Needs ``channel_adjacency`` in the targets.
    """
    if not targets.has_adjacency:
        raise VaxisInputError(
            "topo_electrode needs an electrode adjacency: pass channel_adjacency to make_targets "
            "(e.g. adjacency_from_positions(vaxis.eeg.montage.channel_positions_2d(channels)))."
        )
    a = targets.channel_adjacency.to(z.dtype)
    c = a.shape[0]
    m = z @ _electrode_pool(z.shape[1], c, z.dtype, z.device)
    mc = m - m.mean(dim=1, keepdim=True)
    lap = torch.diag(a.sum(1)) - a
    energy = ((mc @ lap) * mc).sum(1)
    deg = a.sum() / c
    return (energy / (deg * (mc * mc).sum(1) + _EPS)).mean()


# --------------------------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------------------------


@register("orth_residual", "control",
          "Wen et al. 2016 center loss (normalised): penalise the within-class residual")
def _orth_residual(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Orthogonal-residual penalty: share of ``z``'s variance left in the within-class residual.

    The residual is z minus its category's batch mean -- the part orthogonal (over samples) to the
    label-driven basin. Loss: ``||z - class_mean(z)||^2 / ||z - mean(z)||^2`` in [0, 1], a
    scale-free center loss (Wen et al., 2016). A control: it uses no LLM information and pushes
    the representation into the basin the labels already carve.
    """
    onehot = _onehot(y, targets.n_classes, z.dtype)
    means = onehot.T @ z / (onehot.sum(0)[:, None] + _EPS)
    resid = z - onehot @ means
    zc = _center(z)
    return (resid * resid).sum() / ((zc * zc).sum() + _EPS)


@register("adversarial_v", "control",
          "Ganin & Lempitsky 2015 gradient reversal; closed-form linear adversary (Ravfogel et al. 2020)",
          params={"ridge": 1.0})
def _adversarial_v(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Adversarial removal of V: the in-batch R^2 of the best linear V predictor from ``z``.

    Domain-adversarial training (Ganin & Lempitsky, 2015) trains an adversary to predict V and
    reverses its gradient into the encoder. Here the linear adversary is solved exactly (ridge,
    closed form, as in INLP-style linear concept removal, Ravfogel et al., 2020), so minimising
    its R^2 is the gradient-reversal objective without an inner loop. A control: the opposite
    of V supervision.
    """
    return _ridge_r2(z, targets.v_standard[y], float(p["ridge"]))


@register("arousal_multitask", "control",
          "Caruana 1997 multitask learning; Russell 1980 circumplex (arousal)",
          params={"ridge": 1.0})
def _arousal_multitask(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Arousal multitask: 1 - R^2 of the categories' human arousal norms regressed on ``z``.

    Multitask learning (Caruana, 1997) with the circumplex's other axis (Russell, 1980): the same
    closed-form ridge head as ``v_regression`` but for arousal -- a control for "any extra
    affective target helps".
    """
    return 1.0 - _ridge_r2(z, targets.arousal_standard[y], float(p["ridge"]))


@register("llm_prototypes", "control",
          "Hoffer et al. 2018 fixed classifier; Snell et al. 2017 prototypes; Frome et al. 2013 DeViSE",
          params={"tau": 0.1})
def _llm_prototypes(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Frozen LLM prototypes as class centres: cross-entropy of a fixed cosine-prototype classifier.

    Class k's prototype is its LLM category coordinates; the read-out of ``z`` is classified by
    ``cos(readout(z), prototype_k) / tau``. A fixed, semantically placed classifier
    (Hoffer et al., 2018; prototypes as in Snell et al., 2017; DeViSE, Frome et al., 2013).
    """
    zr, c = _coords_readout(z, targets.category_coords)
    lg = F.normalize(zr, dim=1, eps=_EPS) @ F.normalize(c, dim=1, eps=_EPS).T / float(p["tau"])
    onehot = _onehot(y, targets.n_classes, z.dtype)
    return -(onehot * F.log_softmax(lg, dim=1)).sum(1).mean()


@register("rsa_shuffled", "control",
          "Kriegeskorte et al. 2008 RSA to a relabelled RDM (Nili et al. 2014 relabelling control)")
def _rsa_shuffled(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """RSA (Pearson) to the LLM RDM with its categories relabelled by a fixed derangement.

    Same loss and same RDM statistics as ``rsa_pearson`` but the wrong assignment of geometry to
    categories (the relabelling null of Nili et al., 2014): a control for "any similarity
    structure regularises".
    """
    return 1.0 - _pearson(_upper(_corr_rdm(z)), _upper(targets.control_rdm[y][:, y]))


del _t


# --------------------------------------------------------------------------------------------
# Diagnostics
# --------------------------------------------------------------------------------------------


def basin_share(z: Tensor, y: Tensor, grad: Tensor, n_classes: int) -> float:
    """Share of a gradient on ``z`` that lies in the label-driven basin (saturation diagnostic).

    The basin is the span (in feature space) of the batch's centred class means of ``z``; the
    rest is the within-class residual subspace. Returns ``||G P||^2 / ||G||^2`` with P the
    projector onto the basin and G the (B, D) gradient of a loss with respect to ``z``.
    Not for use under vmap (the basin's rank is read from the data).

    Parameters
    ----------
    z : Tensor, (B, D)
    y : Tensor, (B,)
    grad : Tensor, (B, D)
        E.g. ``torch.autograd.grad(aux_loss, z)[0]``.
    n_classes : int
    """
    if z.ndim != 2 or grad.shape != z.shape or y.shape != z.shape[:1]:
        raise VaxisInputError(
            f"basin_share needs z (B, D), y (B,) and grad (B, D); got {tuple(z.shape)}, "
            f"{tuple(y.shape)}, {tuple(grad.shape)}."
        )
    z = z.detach().double()
    g = grad.detach().double()
    onehot = _onehot(y, n_classes, z.dtype)
    counts = onehot.sum(0)
    means = (onehot.T @ z)[counts > 0] / counts[counts > 0, None]
    mc = means - z.mean(0, keepdim=True)
    u, s, vt = torch.linalg.svd(mc, full_matrices=False)
    basis = vt[s > (s.max() * 1e-8 if s.numel() else 0)]
    total = float((g * g).sum())
    if total == 0 or basis.shape[0] == 0:
        return 0.0
    proj = g @ basis.T
    return float((proj * proj).sum()) / total
