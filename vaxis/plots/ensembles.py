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


__all__ = ['ensemble_curves', 'ensemble_diversity']
