"""What label-trained EEG classifiers learn and carry (chapter 4)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._common import _eeg_source, _stamp


def accuracy_by_architecture(acc: pd.DataFrame, per_fold: pd.DataFrame, chance: float, ax: plt.Axes | None = None,
                             *, source: str) -> plt.Figure:
    """Balanced accuracy per architecture: mean with interval over folds, dots = networks x folds;
    ``source``: the EEG's label (:attr:`vaxis.eeg.EEGDataset.source`)."""
    own = ax is None
    ax = ax or plt.subplots(figsize=(6.5, 3.4))[1]
    ax.set_title("Label-only classifiers, held-out subjects", fontsize=9)
    x = np.arange(len(acc))
    for i, arch in enumerate(acc.index):
        vals = per_fold.loc[per_fold.arch == arch, "balanced_accuracy"]
        ax.scatter(np.full(len(vals), i) + np.linspace(-0.2, 0.2, len(vals)), vals, s=8, color="0.6")
    ax.errorbar(x, acc.balanced_accuracy, yerr=[acc.balanced_accuracy - acc.ci_low, acc.ci_high - acc.balanced_accuracy],
                fmt="o", color="C0", capsize=4, label="mean, 95% CI over folds")
    ax.axhline(chance, ls="--", color="k", lw=1, label="chance")
    ax.set_xticks(x, acc.index)
    ax.set_xlabel("architecture")
    ax.set_ylabel("balanced accuracy (held-out subjects)")
    ax.legend(fontsize=8)
    if own:
        ax.figure.tight_layout()
    return _stamp(ax.figure, _eeg_source(source))


def rediscovery(networks: pd.DataFrame, ax: plt.Axes | None = None, *, source: str) -> plt.Figure:
    """Read-out strength (mean held-out r) per architecture, trained vs control networks;
    ``source``: the EEG's label."""
    ax = ax or plt.subplots(figsize=(7.5, 3.6))[1]
    ax.set_title("V-axis read-out from each network and control", fontsize=9)
    archs = list(dict.fromkeys(networks.arch))
    kinds = list(dict.fromkeys(networks.kind))
    width = 0.8 / len(kinds)
    for j, kind in enumerate(kinds):
        for i, arch in enumerate(archs):
            vals = networks.loc[(networks.arch == arch) & (networks.kind == kind), "mean_r"]
            xs = i - 0.4 + width * (j + 0.5) + np.linspace(-width / 4, width / 4, len(vals))
            ax.scatter(xs, vals, s=14, color=f"C{j}", label=kind if i == 0 else None)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(np.arange(len(archs)), archs, rotation=15, ha="right", fontsize=8)
    ax.set_xlabel("architecture")
    ax.set_ylabel("V read-out: mean held-out r")
    ax.legend(fontsize=7, ncol=2)
    ax.figure.tight_layout()
    return _stamp(ax.figure, _eeg_source(source))


def class_means_on_readout(table: pd.DataFrame, title: str = "", ax: plt.Axes | None = None, *,
                           source: str) -> plt.Figure:
    """Class means of one network on its V read-out (y) against chapter 1's positions (x)."""
    own = ax is None
    ax = ax or plt.subplots(figsize=(4.6, 3.8))[1]
    ax.errorbar(table.v_position, table["mean"], yerr=table["sem"], fmt="o", capsize=3)
    for cat, row in table.iterrows():
        ax.annotate(cat, (row.v_position, row["mean"]), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("V-axis position (LLM, chapter 1)")
    ax.set_ylabel("network read-out (held-out, mean ± SEM)")
    ax.set_title(title or "Class means on the V read-out", fontsize=9)
    if own:
        ax.figure.tight_layout()
    return _stamp(ax.figure, _eeg_source(source))


def clip_holdout_readout(networks: pd.DataFrame, level: float = 0.05, ax: plt.Axes | None = None, *,
                         source: str) -> plt.Figure:
    """Chapter 4: each network's V read-out on the clips it trained on and on clips it never saw.

    ``networks``: rows of :func:`vaxis.decoding.rediscovery.readout_results` with ``score_clips`` (with
    ``p``), stacked, with an ``evaluation`` column ("same clips" / "held-out clips"). One line per
    network (and control representation) joins its two mean r's; filled markers: permutation p <
    ``level`` (uncorrected).
    """
    own = ax is None
    ax = ax or plt.subplots(figsize=(6.8, 3.6))[1]
    kinds = list(dict.fromkeys(networks.kind))
    order = {"same clips": 0, "held-out clips": 1}
    for j, kind in enumerate(kinds):
        g = networks[networks.kind == kind]
        for i, ((arch, seed), n) in enumerate(g.groupby(["arch", "seed"], sort=False)):
            n = n.sort_values("evaluation", key=lambda e: e.map(order))
            x = n.evaluation.map(order).to_numpy() + 0.08 * (j - (len(kinds) - 1) / 2)
            ax.plot(x, n.mean_r, color=f"C{j}", lw=0.8, alpha=0.7, label=kind if i == 0 else None)
            sig = n.p.to_numpy() < level
            ax.scatter(x[sig], n.mean_r.to_numpy()[sig], color=f"C{j}", s=18, zorder=3)
            ax.scatter(x[~sig], n.mean_r.to_numpy()[~sig], facecolors="white", edgecolors=f"C{j}", s=18, zorder=3)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks([0, 1], ["clips it trained on", "clips it never saw"])
    ax.set_xlim(-0.5, 1.5)
    ax.set_xlabel("clips the read-out is scored on (held-out subjects)")
    ax.set_ylabel("V read-out: mean held-out r")
    ax.set_title(f"Do networks trained without a clip carry the V-axis on it? (filled: p < {level:g})", fontsize=9)
    ax.legend(fontsize=7)
    if own:
        ax.figure.tight_layout()
    return _stamp(ax.figure, _eeg_source(source))


__all__ = ['accuracy_by_architecture', 'class_means_on_readout', 'clip_holdout_readout', 'rediscovery']
