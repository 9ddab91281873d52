"""V-axis supervision: regression, read-out, ranking and direction of the network's V."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch.nn.functional as F
from torch import Tensor

from .blocks import EPS, center, coords_readout, readout, ridge_r2
from .registry import register
from .targets import AlignmentTargets


@register("v_regression", "v_axis",
          "Caruana 1997 auxiliary regression task; head solved in closed form (Bertinetto et al. 2019)",
          params={"ridge": 1.0},
          pulls="the representation and each trial's V position",
          definition="1 - R^2 of the category's z-scored V position regressed on z (ridge head solved in the batch)",
          cite=("caruana1997multitask", "bertinetto2019closedform"))
def _v_regression(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """V-axis regression head: 1 - R^2 of the samples' V positions regressed on ``z``.

    An auxiliary regression task (Caruana, 1997) whose linear head is the ridge solution inside
    the minibatch, in closed form (Bertinetto et al., 2019), so the loss has no parameters of its
    own. ``ridge`` is relative to the mean squared norm of the centred ``z``. Targets are the
    categories' z-scored V positions.
    """
    return 1.0 - ridge_r2(z, targets.v_standard[y], float(p["ridge"]))


@register("v_readout", "v_axis",
          "Koh et al. 2020 concept bottleneck (a fixed coordinate predicts the concept)",
          pulls="one fixed coordinate of the representation and the V position",
          definition="mean squared error between the first DCT read-out of z and the z-scored V position",
          cite=("koh2020cbm",))
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
          params={"tau": 0.5},
          pulls="the order of a fixed read-out and the order of V",
          definition="mean over trial pairs with V_i > V_j of softplus(-(s_i - s_j) / tau), s the standardised "
                     "first read-out of z",
          cite=("burges2005ranknet",))
def _v_ranking(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Pairwise ranking of V: RankNet (Burges et al., 2005) on the fixed read-out score.

    For every ordered pair with V_i > V_j, ``softplus(-(s_i - s_j) / tau)`` where
    ``s = readout(z, 1)`` is standardised over the batch (so only the order, not the scale, is
    rewarded). Averaged over such pairs; pairs of equal V are ignored by weight 0.
    """
    s = readout(z, 1)[:, 0]
    s = (s - s.mean()) / (s.std(correction=0) + EPS)
    v = targets.v_standard[y]
    w = (v[:, None] > v[None, :]).to(z.dtype)
    pair = F.softplus(-(s[:, None] - s[None, :]) / float(p["tau"]))
    return (w * pair).sum() / (w.sum() + EPS)


@register("v_cosine", "v_axis",
          "Chen, Bei & Rudin 2020 concept whitening (align a latent direction with a concept axis)",
          pulls="the network's V direction and the LLM's V-axis direction",
          definition="1 - cos(w, d): w the batch covariance of z's read-out coordinates with V, d the LLM's V "
                     "direction in the same coordinates",
          cite=("chen2020conceptwhitening",))
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
    zr, _ = coords_readout(z, targets.category_coords)
    d = targets.v_direction_coords[: zr.shape[1]]
    w = center(zr).T @ center(targets.v_standard[y][:, None])
    return 1.0 - (w[:, 0] @ d) / (w.norm() * d.norm() + EPS)
