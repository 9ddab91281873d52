"""What FACED's participants said of each clip (real ratings; chapters 1-3 and the Data page)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._common import _stamp, CATEGORY_COLORS, llm_source, PARTICIPANTS_SOURCE, VALENCE_COLORS


def positions_vs_participants(positions: Mapping[str, Mapping[str, float]], participants: pd.DataFrame,
                              item: str = "valence", *, source: str) -> plt.Figure:
    """One panel per model: its nine category positions against the FACED participants' mean ``item``.

    ``positions``: model -> category -> position; ``participants``: index the categories, columns
    ``item`` and, if present, ``<item>_low``/``<item>_high`` (drawn as horizontal error bars);
    ``source``: the models and the ratings (e.g. ``llm_source(models, PARTICIPANTS_SOURCE)``).
    """
    names = list(positions)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names) + 0.4, 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        cats = [c for c in participants.index if c in positions[name]]
        x = participants.loc[cats, item].to_numpy(float)
        y = np.array([positions[name][c] for c in cats])
        if f"{item}_low" in participants:
            xerr = np.abs(participants.loc[cats, [f"{item}_low", f"{item}_high"]].to_numpy(float).T - x)
            ax.errorbar(x, y, xerr=xerr, fmt="none", ecolor="0.6", lw=1)
        for c, xi, yi in zip(cats, x, y):
            ax.plot(xi, yi, "o", ms=7, color=VALENCE_COLORS.get(c, "k"))
            ax.annotate(c, (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=7)
        ax.set_xlabel(f"participants' mean {item} (0-7)")
        ax.set_title(name, fontsize=10)
        ax.set_ylabel("position on the V-axis (hidden-state units)")
    fig.suptitle(f"Nine categories: each model's V-axis against FACED's 123 participants ({item})", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


def clip_ratings(clips: pd.DataFrame, title: str = "", *, source: str = PARTICIPANTS_SOURCE) -> plt.Figure:
    """Valence against arousal per clip, coloured by category, with +-1 SD across participants.

    ``clips``: one row per clip with ``category``, ``valence``, ``valence_sd``, ``arousal``,
    ``arousal_sd`` (:func:`vaxis.eeg.ratings.clip_ratings`).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for cat, grp in clips.groupby("category", sort=False):
        color = CATEGORY_COLORS.get(cat, "k")
        ax.errorbar(grp["valence"], grp["arousal"], xerr=grp["valence_sd"], yerr=grp["arousal_sd"], fmt="none",
                    ecolor=color, alpha=0.25, lw=1)
        ax.plot(grp["valence"], grp["arousal"], "o", ms=7, color=color, label=cat)
    ax.set_xlim(0, 7)
    ax.set_ylim(0, 7)
    ax.set_xlabel("mean rated valence (0-7)")
    ax.set_ylabel("mean rated arousal (0-7)")
    ax.legend(fontsize=8, ncol=2, loc="lower right", frameon=False)
    ax.set_title(title or "FACED clips: participants' mean ratings, bars +-1 SD across participants", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


__all__ = ['clip_ratings', 'positions_vs_participants']
