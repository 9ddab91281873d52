"""Contrastive losses: CLIP-style InfoNCE, supervised contrastive, triplets with V margins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ... import numerics
from .blocks import EPS, coords_readout, one_hot, same_label, sqdist
from .registry import register
from .targets import AlignmentTargets


def _clip(zr: Tensor, emb: Tensor, y: Tensor, tau: float) -> Tensor:
    """Symmetric InfoNCE between read-outs (B, r) and class embeddings (K, r) of the samples."""
    zn = F.normalize(zr, dim=1, eps=EPS)
    en = F.normalize(emb, dim=1, eps=EPS)
    # sample -> text: classify each sample among the K category embeddings
    lg = zn @ en.T / tau
    onehot = one_hot(y, emb.shape[0], zr.dtype)
    l_img = -(onehot * F.log_softmax(lg, dim=1)).sum(1).mean()
    # text -> sample: each sample's text retrieves the batch; all same-category samples positive
    lb = zn @ en[y].T / tau  # (i, j): sample i vs text of sample j
    prob = F.softmax(lb, dim=0)
    pos = (same_label(y, zr.dtype) * prob).sum(0)
    l_txt = -torch.log(pos + EPS).mean()
    return 0.5 * (l_img + l_txt)


@register("infonce_sentence", "contrastive",
          "Radford et al. 2021 CLIP symmetric InfoNCE (van den Oord et al. 2018) to sentence embeddings",
          params={"tau": 0.1},
          pulls="trial read-outs and the sentence encoder's embeddings of the nine anchor sentences",
          definition="symmetric InfoNCE at temperature tau: each trial picks its category's sentence among the "
                     "K, each sentence its trials in the batch",
          cite=("oord2018cpc", "radford2021clip"))
def _infonce_sentence(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """CLIP-style symmetric InfoNCE (Radford et al., 2021; van den Oord et al., 2018).

    "Image" side: the fixed read-out of ``z``; "text" side: the sentence-encoder embedding of the
    sample's category in its PCA coordinates (``sentence_coords``). Each sample must pick its
    category's text among the K, and each text the samples of its category in the batch
    (several positives share the probability mass). Temperature ``tau``.
    """
    zr, c = coords_readout(z, targets.sentence_coords)
    return _clip(zr, c, y, float(p["tau"]))


@register("infonce_llm", "contrastive",
          "Radford et al. 2021 CLIP symmetric InfoNCE to LLM hidden-state prototypes",
          params={"tau": 0.1},
          pulls="trial read-outs and the LLM's category coordinates",
          definition="as infonce_sentence with the lead LLM's hidden-state geometry on the text side",
          cite=("oord2018cpc", "radford2021clip"))
def _infonce_llm(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """CLIP-style symmetric InfoNCE (Radford et al., 2021) to the LLM category coordinates.

    As ``infonce_sentence`` but the "text" side is the lead LLM's hidden-state geometry
    (``category_coords``) instead of a sentence encoder's.
    """
    zr, c = coords_readout(z, targets.category_coords)
    return _clip(zr, c, y, float(p["tau"]))


@register("supcon_llm", "contrastive",
          "Khosla et al. 2020 supervised contrastive, positives weighted by LLM similarity",
          params={"tau": 0.1, "tau_llm": 0.1},
          pulls="trials of the same or of LLM-similar categories, towards each other",
          definition="-sum_j w_ij log softmax_j(cos(z_i, z_j) / tau), positive weights w_ij proportional to "
                     "exp(S[y_i, y_j] / tau_llm)",
          cite=("khosla2020supcon",))
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
    zn = F.normalize(z, dim=1, eps=EPS)
    eye = torch.eye(b, dtype=z.dtype, device=z.device)
    lg = zn @ zn.T / float(p["tau"]) - 1e4 * eye
    logp = F.log_softmax(lg, dim=1)
    s = targets.category_similarity[y][:, y]
    w = torch.exp((s - 1.0) / float(p["tau_llm"])) * (1.0 - eye)
    w = w / (w.sum(1, keepdim=True) + EPS)
    return -(w * logp).sum(1).mean()


@register("triplet_v", "contrastive",
          "Schroff, Kalenichenko & Philbin 2015 triplet loss, margins from V distances",
          params={"margin": 0.1, "v_margin": 0.5},
          pulls="trials of a category together, and apart from others by their V distance",
          definition="mean of relu(d(i, own category) - d(i, n) + margin + v_margin |V_i - V_n|) over anchors i "
                     "and negatives n",
          cite=("schroff2015facenet",))
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
    zn = F.normalize(z, dim=1, eps=EPS)
    d = numerics.sqrt(sqdist(zn) + 1e-6, positive=True)  # torch.sqrt rounds differently on Intel and AMD
    eye = torch.eye(b, dtype=z.dtype, device=z.device)
    same = same_label(y, z.dtype)
    pos = same * (1.0 - eye)
    d_pos = (pos * d).sum(1) / (pos.sum(1) + EPS)
    neg = 1.0 - same
    v = targets.v_standard[y]
    m = float(p["margin"]) + float(p["v_margin"]) * (v[:, None] - v[None, :]).abs()
    hinge = F.relu(d_pos[:, None] - d + m)
    return (neg * hinge).sum() / (neg.sum() + EPS)
