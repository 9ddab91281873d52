"""Does an ensemble that keeps residual diversity gain over its members and the baselines (chapter 6)?"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..decoding.ensembles import METHODS, REFERENCE
from ._common import _eeg_source, _stamp


def ensemble_curves(cmp: Any, title: str = "", chance: float | None = None, ax: plt.Axes | None = None, *,
                    source: str) -> plt.Figure:
    """Test balanced accuracy against ensemble size for each way of building an ensemble.

    ``cmp``: :class:`vaxis.decoding.ensembles.EnsembleComparison`. Bands: 95% bootstrap interval over
    test subjects at each size (``curves.ci_low``/``ci_high``), and each literature baseline's.
    """
    own = ax is None
    ax = ax or plt.subplots(figsize=(8.5, 3.8))[1]
    for i, (meth, g) in enumerate(cmp.curves.groupby("method", sort=False)):
        ax.plot(g["size"], g.test_bacc, marker="o" if len(g) < 12 else None, ms=3, color=f"C{i}",
                lw=2.2 if meth == REFERENCE else 1.2, label=METHODS[meth][0])
        if "ci_low" in g:
            ax.fill_between(g["size"], g.ci_low, g.ci_high, color=f"C{i}", alpha=0.12, lw=0)
        kept = cmp.table.loc[meth, "size"]
        ax.plot([kept], [np.interp(kept, g["size"], g.test_bacc)], "k|", ms=10)
    for j, (meth, row) in enumerate(cmp.table[cmp.table.kind == "literature baseline"].iterrows()):
        ax.axhline(row.bacc, color=f"C{6 + j}", ls="--", lw=1, label=row["name"])
        ax.axhspan(row.ci_low, row.ci_high, color=f"C{6 + j}", alpha=0.08, lw=0)
    ax.set_xlabel("ensemble size (members, in the order each method adds them)")
    ax.set_ylabel("balanced accuracy, test subjects\n(band: 95% CI over subjects)")
    ax.set_title((title or "Accuracy against ensemble size") + (f" (chance {chance:.3f})" if chance is not None else ""),
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if own:
        ax.figure.tight_layout()
    return _stamp(ax.figure, _eeg_source(source))


def ensemble_diversity(cmp: Any, title: str = "", ax: plt.Axes | None = None, *, source: str) -> plt.Figure:
    """Residual diversity against prediction disagreement for every pair of members (all folds)."""
    own = ax is None
    ax = ax or plt.subplots(figsize=(4.5, 3.6))[1]
    d = cmp.diversity
    for same, color, label in ((True, "C0", "same architecture"), (False, "C1", "different architectures")):
        g = d[d.same_arch == same]
        ax.scatter(g.prediction_div, g.residual_div, s=6, alpha=0.5, color=color, label=label)
    ax.set_xlabel("prediction disagreement (share of validation trials)")
    ax.set_ylabel("residual diversity, 1 - CKA")
    ax.set_title(title or "Two kinds of diversity", fontsize=10)
    ax.legend(fontsize=7)
    if own:
        ax.figure.tight_layout()
    return _stamp(ax.figure, _eeg_source(source))


def clip_holdout_ensembles(table: Any, ax: plt.Axes | None = None, *, source: str) -> plt.Figure:
    """Chapter 6: the residual-diversity ensemble's gain over the strongest other method, on the clips
    its members trained on and on clips they never saw.

    ``table``: :func:`vaxis.decoding.clip_identity.ensemble_table` (one row per evaluation). Left: the
    ensemble's and the strongest other method's balanced accuracy with their intervals over subjects;
    right: the per-subject difference with its paired interval and the verdict.
    """
    own = ax is None
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.4)) if own else (ax.figure, [ax, ax.twinx()])
    evs = list(table.index)
    x = np.arange(len(evs))
    axes[0].errorbar(x - 0.08, table.residual_diverse.astype(float),
                     yerr=[table.residual_diverse.astype(float) - table.low.astype(float),
                           table.high.astype(float) - table.residual_diverse.astype(float)],
                     fmt="o", capsize=4, color="C0", label=METHODS[REFERENCE][0])
    axes[0].scatter(x + 0.08, table.strongest_bacc.astype(float), marker="s", color="C1",
                    label="strongest other method")
    for i, ev in enumerate(evs):
        axes[0].annotate(str(table.loc[ev, "strongest"]), (x[i] + 0.1, float(table.loc[ev, "strongest_bacc"])),
                         fontsize=6, xytext=(3, -8), textcoords="offset points")
    axes[0].set_xticks(x, evs)
    axes[0].set_xlim(-0.5, len(evs) - 0.5)
    axes[0].set_xlabel("clips the test subjects are scored on")
    axes[0].set_ylabel("balanced accuracy\n(95% CI over subjects)")
    axes[0].set_title("The same members, two sets of clips", fontsize=9)
    axes[0].legend(fontsize=7)
    d = table["diff"].astype(float)
    axes[1].errorbar(x, d, yerr=[d - table.diff_low.astype(float), table.diff_high.astype(float) - d], fmt="o",
                     capsize=4, color="C2")
    for i, ev in enumerate(evs):
        axes[1].annotate(str(table.loc[ev, "verdict"]), (x[i], float(table.loc[ev, "diff_high"])), fontsize=7,
                         xytext=(3, 3), textcoords="offset points")
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set_xticks(x, evs)
    axes[1].set_xlim(-0.5, len(evs) - 0.5)
    axes[1].set_xlabel("clips the test subjects are scored on")
    axes[1].set_ylabel("ensemble minus strongest other\n(per subject, 95% CI)")
    axes[1].set_title("Does the gain survive new clips?", fontsize=9)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


__all__ = ['clip_holdout_ensembles', 'ensemble_curves', 'ensemble_diversity']
