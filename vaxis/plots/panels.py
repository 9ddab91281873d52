"""Panels several figures share: a layer profile, category positions, a scatter against ratings, an
agreement matrix, weights on the scalp, a null histogram. Each draws one axes or one small figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..eeg.montage import make_info, scalp_channels
from ._common import _eeg_source, _stamp, VALENCE_COLORS


def layer_profile(profile: pd.DataFrame, choice: Mapping, split: str = "dev", title: str = "", *,
                  source: str) -> plt.Figure:
    """Spearman rho with human ratings against layer, one panel per template, lines per pooling x construction."""
    data = profile[profile.split == split]
    templates = list(dict.fromkeys(data.template))
    fig, axes = plt.subplots(1, len(templates), figsize=(4.2 * len(templates), 3.4), sharey=True, squeeze=False)
    for ax, tpl in zip(axes[0], templates):
        sub = data[data.template == tpl]
        for (pooling, construction), grp in sub.groupby(["pooling", "construction"], sort=True):
            ax.plot(grp.layer, grp.rho, marker=".", label=f"{pooling} / {construction}",
                    ls="-" if construction == "diff_means" else "--")
        if tpl == choice.get("template"):
            ax.axvline(choice["layer"], color="k", lw=0.8, ls=":")
            ax.annotate("chosen", (choice["layer"], ax.get_ylim()[0]), fontsize=8, ha="left", va="bottom")
        ax.set_title(f"template: {tpl}", fontsize=9)
        ax.set_xlabel("layer (0 = embeddings)")
        ax.set_ylabel(f"Spearman rho with VADER ({split})")
        ax.axhline(0, color="0.7", lw=0.6)
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.suptitle(title or f"Layer profile ({split} split)", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


def category_positions(positions: Mapping[str, float], title: str = "", ax: plt.Axes | None = None, *,
                       source: str) -> plt.Figure:
    """The categories as points on one horizontal axis, coloured by FACED valence group (no y axis)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 2.2))
    else:
        fig = ax.figure
    cats = sorted(positions, key=positions.get)
    vals = np.array([positions[c] for c in cats])
    ax.axhline(0, color="0.6", lw=0.8)
    for i, (c, v) in enumerate(zip(cats, vals)):
        ax.plot(v, 0, "o", ms=9, color=VALENCE_COLORS.get(c, "k"))
        ax.annotate(c, (v, 0), xytext=(0, 10 if i % 2 else -16), textcoords="offset points",
                    ha="center", fontsize=9)
    ax.set_yticks([])
    ax.set_xlabel("position on the V-axis (hidden-state units; neutral anchor = 0)")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or "The nine categories on the V-axis", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


def scatter_with_ratings(positions: np.ndarray, ratings: np.ndarray, label: str = "", ax: plt.Axes | None = None, *,
                         source: str, xlabel: str = "human valence rating (lexicon scale)") -> plt.Figure:
    """Held-out item positions ``(n,)`` against their human ratings ``(n,)`` (``xlabel``: their scale)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 3.6))
    else:
        fig = ax.figure
    ax.scatter(ratings, positions, s=8, alpha=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("V-axis position (hidden-state units)")
    ax.set_title(label or "Held-out words", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


def agreement_matrix(matrix: pd.DataFrame, title: str = "", vmin: float = -1, vmax: float = 1,
                     ax: plt.Axes | None = None, *, source: str) -> plt.Figure:
    """A model x model matrix of rank correlations, annotated."""
    n = matrix.shape[0]
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.1 * n + 2, 1.0 * n + 1.2))
    else:
        fig = ax.figure
    im = ax.imshow(matrix.to_numpy(), vmin=vmin, vmax=vmax, cmap="RdBu_r")
    ax.set_xticks(range(n), matrix.columns, rotation=35, ha="right")
    ax.set_yticks(range(n), matrix.index)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{matrix.iat[i, j]:.2f}", ha="center", va="center", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.8, label="Spearman rho (unitless)")
    ax.set_xlabel("model")
    ax.set_ylabel("model")
    ax.set_title(title or "Agreement between models", fontsize=10)
    return _stamp(fig, source)


def weight_topomaps(weights: np.ndarray, channels: list[str], bands: list[str], title: str = "", *,
                    source: str, planted: np.ndarray | None = None, agreement: Any = None) -> plt.Figure:
    """Scalp maps of channel-major feature weights ``(n_channels * n_bands,)``, one per band.

    With ``planted`` (the simulator's valence pattern, ``(n_channels, n_bands)`` or channel-major
    ``(n_channels * n_bands,)``, :attr:`vaxis.eeg.EEGDataset.planted_valence`), a first row shows it
    and a second the recovered weights, each divided by its largest absolute value (one scale,
    -1..1); ``agreement`` (an estimate with ``value``, ``low``, ``high``, e.g.
    :func:`vaxis.stats.pattern_correlation`) is printed above. Without it (real data) only the
    weights are drawn, on their own symmetric scale. Mastoid references (A1, A2) are not drawn.
    """
    import mne

    keep = [i for i, c in enumerate(channels) if c in set(scalp_channels(channels))]
    info = make_info([channels[i] for i in keep])
    W = np.asarray(weights, dtype=float).reshape(len(channels), len(bands))[keep]
    rows = [("recovered\nmap weights", W)]
    if planted is not None:
        P = np.asarray(planted, dtype=float).reshape(len(channels), len(bands))[keep]
        rows = [("planted pattern\n(simulated truth)", P / (np.abs(P).max() or 1.0)),
                ("recovered\nmap weights", W / (np.abs(W).max() or 1.0))]
    lim = 1.0 if planted is not None else float(np.abs(W).max()) or 1.0
    fig, axes = plt.subplots(len(rows), len(bands), figsize=(2.3 * len(bands) + 1.2, 2.5 * len(rows) + 0.6),
                             squeeze=False)
    for (name, M), row in zip(rows, axes):
        for j, (ax, band) in enumerate(zip(row, bands)):
            im, _ = mne.viz.plot_topomap(M[:, j], info, axes=ax, show=False, vlim=(-lim, lim),
                                         cmap="RdBu_r", contours=0, sensors=True)
            ax.set_title(band, fontsize=9)
        row[0].annotate(name, (0, 0.5), xycoords="axes fraction", xytext=(-8, 0), textcoords="offset points",
                        rotation=90, ha="right", va="center", fontsize=9)
    fig.subplots_adjust(top=1 - 0.8 / fig.get_figheight(), bottom=0.35 / fig.get_figheight())  # room for the titles
    label = ("weight / max |weight| (unitless)" if planted is not None
             else "map weight (z-units per V unit)")
    fig.colorbar(im, ax=list(axes.ravel()), shrink=0.75, label=label)
    head = title or "EEG-to-V-axis map weights"
    if agreement is not None:
        head += (f"\nspatial correlation, planted vs recovered: {agreement.value:.3f} "
                 f"[{agreement.low:.3f}, {agreement.high:.3f}]")
    fig.suptitle(head, fontsize=10)
    return _stamp(fig, _eeg_source(source))


def null_histogram(null: np.ndarray, observed: float, label: str, ax: plt.Axes | None = None, *,
                   source: str, null_label: str | None = None, observed_label: str = "observed", bins: int = 60,
                   density: bool = True, figsize: tuple[float, float] = (4.6, 3.2), title: str = "") -> plt.Figure:
    """A permutation null ``(n_permutations,)`` as a histogram with the observed statistic marked."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    ax.hist(null, bins=bins, color="0.65" if density else "0.6", density=density, label=null_label)
    ax.axvline(observed, color="C3", label=observed_label, **({"lw": 2} if density else {}))
    ax.set_xlabel(label)
    ax.set_ylabel("density (per unit of the statistic)" if density else "number of assignments")
    ax.set_title(title or "Permutation null and the observed value", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _stamp(fig, source)


__all__ = ['agreement_matrix', 'category_positions', 'layer_profile', 'null_histogram', 'scatter_with_ratings', 'weight_topomaps']
