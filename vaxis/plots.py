"""Figures of the book, one function per figure kind; each returns the matplotlib Figure."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .stimuli import NEGATIVE, NEUTRAL, POSITIVE

VALENCE_COLORS = {**{c: "#c0392b" for c in NEGATIVE}, NEUTRAL: "#7f8c8d", **{c: "#2471a3" for c in POSITIVE}}


def layer_profile(profile: pd.DataFrame, choice: Mapping, split: str = "dev", title: str = "") -> plt.Figure:
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
        ax.set_title(f"template: {tpl}")
        ax.set_xlabel("layer (0 = embeddings)")
        ax.axhline(0, color="0.7", lw=0.6)
    axes[0][0].set_ylabel(f"Spearman rho with VADER ({split})")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def category_positions(positions: Mapping[str, float], title: str = "", ax: plt.Axes | None = None) -> plt.Figure:
    """The categories as points on one horizontal axis, coloured by FACED valence group."""
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
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def scatter_with_ratings(positions: np.ndarray, ratings: np.ndarray, label: str = "", ax: plt.Axes | None = None) -> plt.Figure:
    """Held-out item positions against human ratings."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 3.6))
    else:
        fig = ax.figure
    ax.scatter(ratings, positions, s=8, alpha=0.5)
    ax.set_xlabel("human valence rating")
    ax.set_ylabel("V-axis position")
    if label:
        ax.set_title(label)
    fig.tight_layout()
    return fig


def agreement_matrix(matrix: pd.DataFrame, title: str = "", vmin: float = -1, vmax: float = 1,
                     ax: plt.Axes | None = None) -> plt.Figure:
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
    fig.colorbar(im, ax=ax, shrink=0.8, label="Spearman rho")
    if title:
        ax.set_title(title)
    return fig


def weight_topomaps(weights: np.ndarray, channels: list[str], bands: list[str], title: str = "") -> plt.Figure:
    """Scalp maps of channel-major feature weights ``(n_channels * n_bands,)``, one per band.

    Mastoid references (A1, A2) are not drawn; one shared, symmetric colour scale.
    """
    import mne

    from .eeg.montage import make_info, scalp_channels

    W = np.asarray(weights, dtype=float).reshape(len(channels), len(bands))
    keep = [i for i, c in enumerate(channels) if c in set(scalp_channels(channels))]
    info = make_info([channels[i] for i in keep])
    W = W[keep]
    lim = float(np.abs(W).max()) or 1.0
    fig, axes = plt.subplots(1, len(bands), figsize=(2.3 * len(bands) + 0.8, 2.6))
    for j, (ax, band) in enumerate(zip(axes, bands)):
        im, _ = mne.viz.plot_topomap(W[:, j], info, axes=ax, show=False, vlim=(-lim, lim), cmap="RdBu_r",
                                     contours=0, sensors=True)
        ax.set_title(band)
    fig.colorbar(im, ax=list(axes), shrink=0.75, label="map weight (z-units per V unit)")
    if title:
        fig.suptitle(title)
    return fig


def null_histogram(null: np.ndarray, observed: float, label: str, ax: plt.Axes | None = None) -> plt.Figure:
    """A permutation null as a histogram with the observed statistic marked."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
    else:
        fig = ax.figure
    ax.hist(null, bins=60, color="0.65", density=True)
    ax.axvline(observed, color="C3", lw=2, label="observed")
    ax.set_xlabel(label)
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
