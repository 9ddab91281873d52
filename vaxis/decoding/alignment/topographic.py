"""Topographic losses: smooth unit sheets ordered by V (and arousal), electrode-adjacency smoothness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ..._checks import VaxisInputError
from .blocks import EPS, bump_corr, electrode_pool, sheet_1d, sheet_2d
from .registry import register
from .targets import AlignmentTargets


@register("topo_sheet_1d", "topographic",
          "Kohonen 1982 self-organising map; Margalit et al. 2024 topographic DNN (units on a sheet)",
          params={"sigma": 0.25},
          pulls="units on a line and valence (neighbouring units prefer similar V)",
          definition="1 - mean correlation across units between z_i and a Gaussian bump at the trial's V on a "
                     "1-D sheet of units",
          cite=("kohonen1982som", "margalit2024tdann"))
def _topo_sheet_1d(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Smooth 1-D unit sheet ordered by V (Kohonen, 1982; Margalit et al., 2024).

    Units sit in index order on a line in [-1, 1]; a sample of category y should activate a
    Gaussian bump (width ``sigma``) centred at its V position mapped to [-1, 1] (``v_scaled``).
    Loss: 1 - mean over samples of the correlation across units between ``z_i`` and its bump;
    neighbouring units then respond alike and preferred valence runs along the sheet.
    """
    pos = sheet_1d(z.shape[1], z.dtype, z.device)
    return 1.0 - bump_corr(z, pos, targets.v_scaled[y][:, None], float(p["sigma"]))


@register("topo_sheet_2d", "topographic",
          "Kohonen 1982 SOM; Blauch, Behrmann & Plaut 2022 interactive topographic network",
          params={"sigma": 0.35},
          pulls="units on a grid and the valence x arousal plane",
          definition="as topo_sheet_1d on a 2-D sheet, the bump at (V, arousal)",
          cite=("kohonen1982som", "blauch2022itn", "russell1980circumplex"))
def _topo_sheet_2d(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Smooth 2-D unit sheet: valence along one axis, arousal along the other (Kohonen, 1982).

    Units sit row-major on a ceil(sqrt(D))-wide grid in [-1, 1]^2; a sample of category y should
    activate a Gaussian bump at (``v_scaled[y]``, ``arousal_scaled[y]``) -- a circumplex
    (Russell, 1980) laid out on the sheet, as in topographic networks (Blauch et al., 2022).
    Loss: 1 - mean correlation across units between ``z_i`` and its bump.
    """
    pos = sheet_2d(z.shape[1], z.dtype, z.device)
    centre = torch.stack([targets.v_scaled[y], targets.arousal_scaled[y]], dim=1)
    return 1.0 - bump_corr(z, pos, centre, float(p["sigma"]))


@register("topo_electrode", "topographic",
          "Zhong, Wang & Miao 2022 RGNN adjacency regularisation; Belkin et al. 2006 Laplacian smoothness",
          pulls="the features of neighbouring electrodes, towards each other",
          definition="graph-Laplacian energy sum A_ce (m_c - m_e)^2 of z pooled onto electrodes, over degree x "
                     "variance",
          cite=("zhong2022rgnn", "belkin2006manifold"))
def _topo_electrode(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Electrode-adjacency smoothness: z, pooled onto electrodes, varies smoothly over the scalp.

    Units are pooled onto the C electrodes in contiguous blocks (see ``electrode_pool``: for a
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
    m = z @ electrode_pool(z.shape[1], c, z.dtype, z.device)
    mc = m - m.mean(dim=1, keepdim=True)
    lap = torch.diag(a.sum(1)) - a
    energy = ((mc @ lap) * mc).sum(1)
    deg = a.sum() / c
    return (energy / (deg * (mc * mc).sum(1) + EPS)).mean()
