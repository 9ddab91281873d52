"""Representational similarity: RSA, CKA, Procrustes, embedding regression, cosine embedding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ... import stats
from .blocks import (EPS, center, coords_readout, corr_rdm, hard_rank, pairs, pearson, rbf_gram, ridge_r2,
                     soft_rank, upper)
from .registry import register
from .targets import AlignmentTargets


@register("rsa_pearson", "similarity",
          "Kriegeskorte, Mur & Bandettini 2008 RSA (Pearson correlation of RDMs)",
          pulls="the trials' dissimilarities in z and the LLM's dissimilarities of their categories",
          definition="1 - Pearson r of the upper triangles of the batch RDM (1 - correlation of z) and the LLM "
                     "category RDM of the trials",
          cite=("kriegeskorte2008rsa",))
def _rsa_pearson(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """RSA with Pearson correlation (Kriegeskorte, Mur & Bandettini, 2008).

    RDM of the batch: 1 - Pearson correlation between samples' ``z``; target RDM: the LLM's
    ``category_rdm[y_i, y_j]``. Loss: 1 - Pearson correlation of the two upper triangles.
    """
    return 1.0 - pearson(upper(corr_rdm(z)), upper(targets.category_rdm[y][:, y]))


@register("rsa_spearman", "similarity",
          "Kriegeskorte et al. 2008 RSA, Spearman RDM correlation via soft ranks (Blondel et al. 2020)",
          params={"tau": 0.1, "n_pairs": 1024, "n_anchors": 128},
          pulls="the rank order of the trials' dissimilarities and of the LLM's",
          definition="as rsa_pearson with Spearman's rho (differentiable soft ranks of the batch RDM's entries)",
          cite=("kriegeskorte2008rsa", "nili2014toolbox", "blondel2020softsort"))
def _rsa_spearman(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """RSA with Spearman correlation of RDMs (Kriegeskorte et al., 2008; Nili et al., 2014).

    The batch RDM's entries get differentiable soft ranks (sigmoid pairwise comparisons with
    temperature ``tau`` in units of their standard deviation, against ``n_anchors`` evenly spaced
    anchor entries; cf. differentiable sorting and ranking, Blondel et al., 2020); the target
    RDM's entries get exact mid-ranks against the same anchors. Loss: 1 - Pearson of the ranks.
    Above ``n_pairs`` sample pairs (B > 45 by default) a fixed, balanced subset of pairs is used
    (see ``pairs``), keeping the cost O(n_pairs * n_anchors) per replica.
    """
    i, j = pairs(z.shape[0], int(p["n_pairs"]), z.device)
    n = int(p["n_anchors"])
    a = soft_rank(corr_rdm(z)[i, j], n, float(p["tau"]))
    b = hard_rank(targets.category_rdm[y][:, y][i, j], n)
    return 1.0 - pearson(a, b)


@register("cka_linear", "similarity", "Kornblith et al. 2019 linear centred kernel alignment",
          pulls="the whole geometry of z and of the trials' LLM category coordinates",
          definition="1 - <K_z, K_t>_F / (||K_z||_F ||K_t||_F), K the Gram matrices of the centred batch",
          cite=("kornblith2019cka",))
def _cka_linear(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """1 - linear CKA (Kornblith et al., 2019) between ``z`` and the samples' LLM category coordinates."""
    return 1.0 - stats.linear_cka(z, targets.category_coords[y], eps=EPS)


@register("cka_rbf", "similarity", "Kornblith et al. 2019 RBF-kernel CKA",
          params={"bandwidth": 1.0},
          pulls="the local (kernel) geometry of z and of the LLM coordinates",
          definition="1 - CKA with Gaussian kernels, sigma^2 = bandwidth x the mean squared distance in each space",
          cite=("kornblith2019cka",))
def _cka_rbf(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """1 - RBF-kernel CKA (Kornblith et al., 2019) between ``z`` and the LLM category coordinates.

    Gaussian kernels with sigma^2 = ``bandwidth`` x the mean squared off-diagonal distance of
    each space (the paper uses a fraction of the median distance; the mean is smoother).
    The bandwidth is treated as a constant in the gradient.
    """
    bw = float(p["bandwidth"])
    kx = rbf_gram(z, bw)
    kt = rbf_gram(targets.category_coords[y], bw)
    return 1.0 - (kx * kt).sum() / (kx.norm() * kt.norm() + EPS)


@register("procrustes", "similarity",
          "Schönemann 1966 orthogonal Procrustes; Williams et al. 2021 shape metrics",
          pulls="z and the LLM coordinates up to a rotation",
          definition="1 - ||X^T Y||_* (nuclear norm) for centred, unit-norm X (z) and Y (LLM coordinates): what "
                     "the best rotation leaves",
          cite=("schonemann1966procrustes", "williams2021shape"))
def _procrustes(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Orthogonal Procrustes dissimilarity (Schönemann, 1966; Williams et al., 2021).

    With X = centred ``z`` and Y = centred LLM category coordinates of the samples, each scaled to
    unit Frobenius norm, the best rotation (zero-padding the smaller space) leaves
    ``||X - Y Q||^2 = 2 - 2 ||X^T Y||_*``. Loss: ``1 - ||X^T Y||_*`` in [0, 1].
    """
    x = center(z)
    t = center(targets.category_coords[y])
    x = x / (x.norm() + EPS)
    t = t / (t.norm() + EPS)
    return 1.0 - torch.linalg.svdvals(x.T @ t).sum()


@register("embedding_regression", "similarity",
          "Yamins et al. 2014 / Schrimpf et al. 2018 linear predictivity (ridge encoding model)",
          params={"ridge": 1.0},
          pulls="z and the LLM coordinates, as a linear encoding model",
          definition="1 - R^2 of the trials' LLM category coordinates predicted linearly (ridge, in the batch) "
                     "from z",
          cite=("yamins2014performance", "schrimpf2018brainscore"))
def _embedding_regression(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Embedding regression: 1 - R^2 of the LLM category coordinates predicted linearly from ``z``.

    The linear-predictivity score of Yamins et al. (2014) and Brain-Score (Schrimpf et al., 2018),
    with the least-squares map solved in closed form (ridge, kernel form) inside the batch.
    """
    return 1.0 - ridge_r2(z, targets.category_coords[y], float(p["ridge"]))


@register("cosine_embedding", "similarity",
          "Barz & Denzler 2020 cosine loss to fixed semantic class embeddings",
          pulls="each trial's read-out and its category's LLM coordinates",
          definition="1 - mean over trials of cos(readout(z_i), c[y_i])",
          cite=("barz2020cosine",))
def _cosine_embedding(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Cosine embedding loss: ``1 - cos(readout(z_i), coords[y_i])`` averaged over the batch.

    Each sample's read-out is pulled towards its category's LLM coordinates, as with fixed
    semantic class embeddings (Barz & Denzler, 2019; PyTorch's CosineEmbeddingLoss for positives).
    """
    zr, c = coords_readout(z, targets.category_coords)
    return 1.0 - F.cosine_similarity(zr, c[y], dim=1, eps=EPS).mean()
