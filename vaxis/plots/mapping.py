"""Does one linear map of EEG track the V-axis, and does it beat the targets that need no LLM (chapter 3)?"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._common import _eeg_source, _stamp
from .panels import null_histogram


def map_summary(result: Any, *, source: str) -> plt.Figure:
    """The EEG-to-axis map in three panels: held-out subjects' r, the permutation null, predictions by category.

    ``result``: a :class:`vaxis.decoding.mapping.MapResult` with its permutation null; ``source``:
    the EEG's label.
    """
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].hist(result.per_subject.r, bins=20, color="C0")
    axes[0].set_xlabel("held-out subject's r (predicted vs V position)")
    axes[0].set_ylabel("number of subjects")
    axes[0].set_title("Per held-out subject", fontsize=9)
    null_histogram(result.null, result.mean_r, "mean r under relabelled categories", ax=axes[1], source=source,
                   title="Permutation null (relabelled categories)")
    pred = result.predictions.groupby("category").agg(target=("target", "first"), mean=("prediction", "mean"),
                                                      sd=("prediction", "std"))
    axes[2].errorbar(pred.target, pred["mean"], yerr=pred.sd, fmt="o", capsize=3)
    for c, row in pred.iterrows():
        axes[2].annotate(c, (row.target, row["mean"]), fontsize=8, xytext=(3, 3), textcoords="offset points")
    axes[2].set_xlabel("V-axis position (LLM, hidden-state units)")
    axes[2].set_ylabel("EEG prediction\n(mean ± SD over trials)")
    axes[2].set_title("Predictions by category", fontsize=9)
    fig.suptitle("EEG-to-V-axis map, subjects held out", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


def target_comparison(table: pd.DataFrame, per_subject: pd.DataFrame, source: str, title: str = "") -> plt.Figure:
    """Chapter 3: held-out r of each nine-value target on the same folds (dots: subjects; bars: mean
    with 95% bootstrap interval over subjects); the best-tracked target in red. ``table`` and
    ``per_subject``: :func:`vaxis.decoding.alternatives.compare_targets`; ``source``: the EEG's label."""
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    names = list(table.index)
    rng = np.random.default_rng(0)
    for i, name in enumerate(names):
        vals = per_subject[name].to_numpy()
        ax.scatter(i + rng.uniform(-0.15, 0.15, vals.size), vals, s=8, color="0.65")
        r = table.loc[name]
        ax.errorbar(i, r.mean_r, yerr=[[r.mean_r - r.low], [r.high - r.mean_r]], fmt="o", capsize=4,
                    color="C3" if bool(r.best) else "C0")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(names)), names, rotation=15, ha="right", fontsize=8)
    ax.set_xlabel("nine-value target")
    ax.set_ylabel("held-out r per subject")
    ax.set_title(title or f"Which nine-value target does EEG track? Same folds ({_eeg_source(source)})", fontsize=9)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


def clip_holdout_map(table: pd.DataFrame, per_subject: pd.DataFrame, *, source: str) -> plt.Figure:
    """Chapter 3: each target's held-out r on the clips the maps trained on and on clips they never saw.

    ``table`` and ``per_subject``: :func:`vaxis.decoding.clip_identity.map_table` (the same fitted maps
    scored on both sets of clips, held-out subjects in both). Grey lines: subjects (their two r's);
    points: means with 95% bootstrap intervals over subjects; the permutation p on held-out clips
    beside each target where it was computed.
    """
    names = list(table.index)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.9 * len(names)), 3.8))
    for i, name in enumerate(names):
        same = per_subject[(name, "same clips")].to_numpy()
        held = per_subject[(name, "held-out clips")].to_numpy()
        x0, x1 = i - 0.18, i + 0.18
        ax.plot(np.vstack([np.full_like(same, x0), np.full_like(held, x1)]), np.vstack([same, held]),
                color="0.8", lw=0.6, zorder=1)
        r = table.loc[name]
        ax.errorbar([x0], [r.same_r], yerr=[[r.same_r - r.same_low], [r.same_high - r.same_r]], fmt="o", color="C0",
                    capsize=4, zorder=3, label="same clips" if i == 0 else None)
        ax.errorbar([x1], [r.held_r], yerr=[[r.held_r - r.held_low], [r.held_high - r.held_r]], fmt="s", color="C3",
                    capsize=4, zorder=3, label="held-out clips" if i == 0 else None)
        if np.isfinite(float(r.p_held)):
            ax.annotate(f"p={float(r.p_held):.2g}", (x1, r.held_high), fontsize=7, xytext=(4, 2),
                        textcoords="offset points")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(range(len(names)), names, rotation=12, ha="right", fontsize=8)
    ax.set_xlabel("target of the map")
    ax.set_ylabel("held-out subject's r")
    ax.set_title("Valence or the clip? The same maps on the clips they trained on and on clips they never saw",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


__all__ = ['clip_holdout_map', 'map_summary', 'target_comparison']
