"""Do alignment losses help, hurt or make no difference, and where (chapters 5 and 7)?"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._common import _eeg_source, _stamp, VERDICT_COLORS


def strategy_effects(comparison: pd.DataFrame, margin: float | None = None, *, source: str,
                     title: str = "") -> plt.Figure:
    """Each strategy's accuracy change against the baseline with its interval, coloured by verdict.

    ``comparison``: :func:`vaxis.decoding.saturation.compare` (one row per strategy); the
    equivalence margin (default ``comparison.attrs["margin"]``) is shaded.
    """
    margin = comparison.attrs.get("margin") if margin is None else margin
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(comparison) + 1.6))
    if margin:
        ax.axvspan(-margin, margin, color="C0", alpha=0.1, label=f"equivalence margin ±{margin:g}")
    y = np.arange(len(comparison))
    for verdict, color in VERDICT_COLORS.items():
        m = (comparison.verdict == verdict).to_numpy()
        c = comparison[m]
        ax.errorbar(c.mean_diff, y[m], xerr=[c.mean_diff - c.ci_low, c.ci_high - c.mean_diff], fmt="o",
                    color=color, capsize=2, label=verdict)
    ax.set_yticks(y, comparison.strategy, fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("balanced accuracy: strategy - baseline (95% bootstrap CI over held-out subjects)")
    ax.set_ylabel("strategy")
    ax.set_title(title or "Each alignment strategy against the label-only baseline", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


def basin_share_vs_effect(diag: pd.DataFrame, *, source: str, title: str = "") -> plt.Figure:
    """Share of each strategy's gradient in the basin against its accuracy change (``basin_share``,
    ``mean_diff``, ``verdict``, ``strategy`` columns)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for verdict, grp in diag.groupby("verdict"):
        ax.scatter(grp.basin_share, grp.mean_diff, label=verdict, color=VERDICT_COLORS[verdict])
    for _, row in diag.iterrows():
        ax.annotate(row.strategy, (row.basin_share, row.mean_diff), fontsize=6, alpha=0.7)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("share of the auxiliary gradient in the label-driven basin (0-1)")
    ax.set_ylabel("accuracy change vs baseline\n(balanced accuracy)")
    ax.set_title(title or "Where does each auxiliary loss push?", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


def schedule_effects(default: pd.DataFrame, long: pd.DataFrame, *, source: str, title: str = "") -> plt.Figure:
    """Each strategy's effect under two training schedules, with intervals (rows: strategies;
    columns ``mean_diff``, ``ci_low``, ``ci_high``, as in :func:`vaxis.decoding.saturation.compare_schedules`)."""
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.errorbar(default.mean_diff, long.mean_diff,
                xerr=[default.mean_diff - default.ci_low, default.ci_high - default.mean_diff],
                yerr=[long.mean_diff - long.ci_low, long.ci_high - long.mean_diff], fmt="o", ms=3,
                color="0.3", alpha=0.7)
    for name, row in default.iterrows():
        ax.annotate(name, (row.mean_diff, long.mean_diff[name]), fontsize=6, alpha=0.7)
    lim = [min(default.ci_low.min(), long.ci_low.min()), max(default.ci_high.max(), long.ci_high.max())]
    ax.plot(lim, lim, color="0.7", lw=0.8)
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("accuracy change vs baseline, default schedule")
    ax.set_ylabel("accuracy change vs baseline, long schedule")
    ax.set_title(title or "Effects under two training schedules (95% CI)", fontsize=9)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


def phase_diagram(effects: pd.DataFrame, ensembles: pd.DataFrame, plane: str, arm: str = "fixed",
                  vmax: float = 0.06, *, source: str) -> plt.Figure:
    """One plane of chapter 7's grid: each loss's effect (and the ensemble gain) over the plane's two knobs.

    ``effects`` and ``ensembles``: :class:`vaxis.decoding.saturation.phase.PhaseResults`. One panel
    per loss (its ``arm``) and one for the residual-diversity minus all-members ensemble; each cell
    is coloured by the mean change of balanced accuracy over held-out subjects and labelled with it
    and the first letter of its verdict (h helped, e equivalent, u undecided, H hurt). ``source``:
    the cohorts' label (simulated: the grid's cohorts are drawn by the simulator).
    """
    e = effects[(effects.plane == plane) & (effects.arm == arm)]
    ens = ensembles[ensembles.plane == plane].assign(strategy="ensemble gain", mean_diff=lambda d: d.gain)
    x, y = _plane_axes(e)
    panels = list(dict.fromkeys(e.strategy)) + ["ensemble gain"]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.8), squeeze=False)
    letters = {"helped": "h", "equivalent": "e", "undecided": "u", "hurt": "H"}
    for ax, name in zip(axes[0], panels):
        d = ens if name == "ensemble gain" else e[e.strategy == name]
        xs, ys = sorted(d[x].unique()), sorted(d[y].unique())
        grid = np.full((len(ys), len(xs)), np.nan)
        for _, r in d.iterrows():
            i, j = ys.index(r[y]), xs.index(r[x])
            grid[i, j] = r.mean_diff
            ax.text(j, i, f"{r.mean_diff:+.3f}\n{letters.get(r.verdict, '?')}", ha="center", va="center", fontsize=7,
                    color="w" if abs(r.mean_diff) > 0.6 * vmax else "k")
        im = ax.imshow(grid, cmap="RdBu", vmin=-vmax, vmax=vmax, origin="lower", aspect="auto")
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], fontsize=7)
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys], fontsize=7)
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        ax.set_title(name, fontsize=8)
    fig.colorbar(im, ax=axes[0, -1], fraction=0.05, label="Δ balanced accuracy")
    fig.suptitle(f"Plane {plane}: effect vs label-only baseline ({arm} weight) and ensemble gain "
                 f"({_eeg_source(source)})", fontsize=9)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


def _plane_axes(e: pd.DataFrame) -> tuple[str, str]:
    """The two knobs a plane varies: its ``x_knob`` and ``y_knob`` when the table names them, else the
    columns with more than one value among the knob columns."""
    if {"x_knob", "y_knob"} <= set(e.columns) and len(e):
        return str(e.x_knob.iloc[0]), str(e.y_knob.iloc[0])
    knobs = ["congruence", "multi_view", "clip_identity", "within_class", "felt_emotion", "label_noise",
             "valence_strength", "residual_strength", "n_subjects"]
    varied = [k for k in knobs if k in e and e[k].nunique() > 1]
    return (varied + [k for k in knobs if k not in varied])[0], (varied + [k for k in knobs if k not in varied])[1]


def verdict_map(counts: pd.DataFrame, title: str = "", *, source: str) -> plt.Figure:
    """Stacked bars: how many losses got each verdict at each grid point (``phase.verdict_grid``)."""
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(counts) + 1.6))
    left = np.zeros(len(counts))
    labels = [f"{p}" for _, p in counts.index]
    for verdict, color in VERDICT_COLORS.items():
        vals = counts[verdict].to_numpy(float)
        ax.barh(range(len(counts)), vals, left=left, color=color, label=verdict)
        left += vals
    ax.set_yticks(range(len(counts)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("number of losses")
    ax.set_ylabel("grid point")
    ax.legend(fontsize=7, ncol=4, loc="lower right")
    ax.set_title(title or "Verdicts at each grid point", fontsize=9)
    fig.tight_layout()
    return _stamp(fig, _eeg_source(source))


__all__ = ['basin_share_vs_effect', 'phase_diagram', 'schedule_effects', 'strategy_effects', 'verdict_map']
