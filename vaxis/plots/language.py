"""Does the V-axis agree with people (words and whole sentences), and do language models agree with each
other (chapters 1-2)?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._common import _stamp
from .panels import agreement_matrix, scatter_with_ratings


def rating_scatters(panels: Mapping[str, tuple[np.ndarray, np.ndarray]], *, source: str,
                    xlabel: str = "human valence rating (lexicon scale)") -> plt.Figure:
    """Held-out items' positions against their human ratings, one panel per set: ``{title: (positions, ratings)}``
    (``xlabel``: the ratings' scale)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, (title, (positions, ratings)) in zip(axes[0], panels.items()):
        scatter_with_ratings(positions, ratings, title, ax=ax, source=source, xlabel=xlabel)
    return _stamp(fig, source)


def layer_profiles(runs: Mapping[str, Any], split: str = "dev", title: str = "", *, source: str) -> plt.Figure:
    """Every model's layer profile in one panel: Spearman rho with human ratings (``split``) against
    relative depth (layer / number of blocks), at each model's chosen template, pooling and construction.

    ``runs``: model name -> an object with ``profile`` (chapter 1's per-layer table), ``choice`` and
    ``n_layers`` (a :class:`vaxis.llm.validation.ModelValidation`); the chosen layer is marked.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for name, run in runs.items():
        c = run.choice
        p = run.profile
        sel = p[(p.split == split) & (p.template == c["template"]) & (p.pooling == c["pooling"])
                & (p.construction == c["construction"])].sort_values("layer")
        depth = sel.layer.to_numpy() / run.n_layers
        (line,) = ax.plot(depth, sel.rho, marker=".", ms=3, lw=1.2,
                          label=f"{name} ({c['pooling']}, {c['template']})")
        ax.plot(c["layer"] / run.n_layers, sel.rho.to_numpy()[sel.layer.to_numpy() == c["layer"]][0], "o",
                color=line.get_color(), ms=7, mfc="none")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_xlabel("relative depth (layer / blocks; 0 = embeddings)")
    ax.set_ylabel(f"Spearman rho with VADER ({split})")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(title or "Layer profiles at each model's chosen configuration (circle: chosen layer)")
    fig.tight_layout()
    return _stamp(fig, source)


def specificity_controls(table: pd.DataFrame, random_rhos: Mapping[str, np.ndarray],
                         title: str = "", *, source: str) -> plt.Figure:
    """Chapter 2: chapter 1's specificity controls for every model, one row per model.

    ``table``: :func:`vaxis.llm.specificity.controls_table`; ``random_rhos``: model -> the signed rho
    of its random directions (``Controls.random_rhos``). Left: Spearman rho with human valence on the
    held-out words of the V-axis (95% interval over words), of the principal component chosen on dev
    (no anchors) and the spread of random directions' ``|rho|`` (box: quartiles, whiskers: 2.5-97.5
    percentiles). Middle: the V-axis minus that component (paired 95% interval). Right: the V-axis's
    rho in the common and rare halves of the words (95% intervals). ``source`` is stamped below the
    figure (where the numbers come from).
    """
    models = list(table.index)
    y = np.arange(len(models))[::-1]
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 0.55 * len(models) + 2.0), sharey=True,
                             gridspec_kw={"width_ratios": [1.4, 1, 1]})
    ax = axes[0]
    a = [np.abs(np.asarray(random_rhos[m], dtype=float)) for m in models]
    ax.boxplot(a, positions=y, orientation="horizontal", widths=0.35, whis=(2.5, 97.5), showfliers=False,
               patch_artist=True, boxprops={"facecolor": "0.85", "color": "0.5"}, medianprops={"color": "0.4"})
    t = table
    ax.errorbar(t["rho"], y, xerr=[t["rho"] - t["low"], t["high"] - t["rho"]], fmt="o", color="C3", capsize=3,
                label="V-axis (nine sentences)")
    ax.plot(t["pc_rho"], y, "D", color="C0", label="best principal component (no anchors, chosen on dev)")
    ax.plot([], [], "s", color="0.85", label=f"random directions, |rho| ({int(t['n_random'].iloc[0])} per model; box: quartiles, "
                 "whiskers: 2.5-97.5%)")
    ax.set_yticks(y, models)
    ax.set_ylabel("language model")
    ax.set_xlabel("Spearman rho with human valence\n(held-out words; 95% CI)")
    ax.set_title("V-axis vs directions without anchors", fontsize=9)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.08), frameon=False)
    ax = axes[1]
    ax.axvline(0, color="0.6", lw=0.8)
    ax.errorbar(t["diff"], y, xerr=[t["diff"] - t["diff_low"], t["diff_high"] - t["diff"]], fmt="o", color="k",
                capsize=3)
    ax.set_xlabel("rho difference, V-axis - best PC\n(paired 95% CI over words)")
    ax.set_ylabel("language model")
    ax.set_title("What the nine sentences add", fontsize=9)
    ax = axes[2]
    for i, (half, color) in enumerate((("common", "C1"), ("rare", "C4"))):
        ax.errorbar(t[half], y + (0.12 if i == 0 else -0.12),
                    xerr=[t[half] - t[f"{half}_low"], t[f"{half}_high"] - t[half]], fmt="o", color=color,
                    capsize=3, label=f"{half} words (Zipf median split)")
    ax.set_xlabel("Spearman rho with human valence\n(95% CI over words)")
    ax.set_ylabel("language model")
    ax.set_title("Common vs rare words", fontsize=9)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.08), frameon=False)
    fig.suptitle(title or "Specificity controls of chapter 1, every model", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


def random_directions(random_rhos: np.ndarray, v_rho: float, baselines: pd.DataFrame | None = None,
                      title: str = "", *, source: str) -> plt.Figure:
    """Chapter 1: |Spearman rho| of random unit directions (histogram) against the V-axis's rho and
    the no-anchor principal component chosen on the dev words (``baselines``:
    :func:`vaxis.llm.specificity.pca_baselines`). Real LLM, real word ratings."""
    fig, ax = plt.subplots(figsize=(6.8, 3.4))
    a = np.abs(np.asarray(random_rhos, dtype=float))
    ax.hist(a, bins=40, color="0.75", label=f"{a.size} random directions (|rho|)")
    ax.axvline(v_rho, color="C3", lw=2, label=f"V-axis from nine sentences: {v_rho:.3f}")
    if baselines is not None:
        row = baselines[baselines["chosen"]].iloc[0]
        ax.axvline(row.test_rho, color="C0", ls="--", lw=1.5,
                   label=f"PC{int(row.component)} of the words (no anchors; chosen on dev): {row.test_rho:.3f}")
    ax.set_xlabel("Spearman rho with human valence, held-out words")
    ax.set_ylabel("number of directions")
    ax.set_title(title or "What do nine sentences add? Directions without anchors (real LLM, real ratings)",
                 fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return _stamp(fig, source)


def frequency_split(tables: Mapping[str, pd.DataFrame], title: str = "", *, source: str) -> plt.Figure:
    """Chapter 1: the V-axis's rho (95% bootstrap interval over words) in common and rare held-out
    words, one group per model (``tables``: model -> :func:`vaxis.llm.frequency.by_frequency`)."""
    fig, ax = plt.subplots(figsize=(max(4.2, 1.6 * len(tables) + 2.4), 3.4))
    for j, (model, t) in enumerate(tables.items()):
        for i, half in enumerate(("common", "rare")):
            r = t.loc[half]
            ax.errorbar(j + (i - 0.5) * 0.3, r.rho, yerr=[[r.rho - r.low], [r.high - r.rho]], fmt="o",
                        color=f"C{i}", capsize=4,
                        label=f"{half} words (Zipf {r.zipf_min:.1f}-{r.zipf_max:.1f})" if j == 0 else None)
    ax.set_xticks(range(len(tables)), list(tables))
    ax.set_xlim(-0.6, len(tables) - 0.4)
    ax.set_xlabel("model")
    ax.set_ylabel("Spearman rho with human valence\n(95% CI over words)")
    ax.set_title(title or "Common vs rare held-out words (real LLM, real ratings)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _stamp(fig, source)


def model_agreement_with_ratings(table: pd.DataFrame, *, source: str) -> plt.Figure:
    """Each model's Spearman rho with the held-out VADER words, with its bootstrap interval.

    ``table``: :func:`vaxis.llm.consistency.model_table` (columns ``rho test``, ``CI low``, ``CI high``).
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.errorbar(table["rho test"], range(len(table)), xerr=[table["rho test"] - table["CI low"],
                table["CI high"] - table["rho test"]], fmt="o", capsize=3)
    ax.set_yticks(range(len(table)), table.index)
    ax.set_xlabel("Spearman rho with VADER test words (95% bootstrap CI)")
    ax.set_ylabel("model")
    ax.set_title("Each model's V-axis against held-out human word ratings", fontsize=10)
    ax.axvline(0, color="0.7", lw=0.8)
    fig.tight_layout()
    return _stamp(fig, source)


def agreement_matrices(matrices: Mapping[str, pd.DataFrame], *, source: str) -> plt.Figure:
    """Model x model agreement matrices side by side: ``{title: matrix}``."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(6 * len(matrices), 4.4), squeeze=False)
    for ax, (title, matrix) in zip(axes[0], matrices.items()):
        agreement_matrix(matrix, title, ax=ax, source=source)
    fig.tight_layout()
    return _stamp(fig, source)




def sentence_transfer(table: pd.DataFrame, title: str = "", *, source: str) -> plt.Figure:
    """Chapters 1-2: the V-axis on human-rated sentences beside VADER, the best no-anchor principal
    component and the supervised ridge ceiling, one panel per benchmark, one row per model.

    ``table``: :func:`vaxis.llm.transfer.transfer_table` (index ``(model, benchmark)``; columns
    ``rho``, ``vader``, ``pc``, ``ceiling`` with ``_low``/``_high``, ``random_p95``, ``n_test``).
    Every marker is a Spearman rho with the mean human rating on the benchmark's test sentences
    with its 95% bootstrap interval (the best PC's as a point); VADER scores the same sentences
    whatever the model, so it is drawn once per row too; the grey bar reaches the 95th percentile
    of random directions' ``|rho|``.
    """
    benches = list(dict.fromkeys(table.index.get_level_values("benchmark")))
    models = list(dict.fromkeys(table.index.get_level_values("model")))
    y = np.arange(len(models))[::-1]
    fig, axes = plt.subplots(1, len(benches), figsize=(5.2 * len(benches), 0.5 * len(models) + 2.4), sharey=True,
                             squeeze=False)
    marks = (("ceiling", "^", "C2", "ridge ceiling (supervised, train split)"),
             ("vader", "s", "C1", "VADER (rule-based)"),
             ("rho", "o", "C3", "V-axis (nine sentences, zero-shot)"))
    for ax, bench in zip(axes[0], benches):
        t = table.xs(bench, level="benchmark").loc[models]
        ax.barh(y, t["random_p95"], height=0.5, color="0.88", label="random directions: 95th percentile |rho|")
        ax.plot(t["pc"], y, "D", color="C0", ms=5, label="best principal component (no anchors, chosen on dev)")
        for i, (col, marker, color, label) in enumerate(marks):
            off = (i - 1) * 0.15
            ax.errorbar(t[col], y + off, xerr=[t[col] - t[f"{col}_low"], t[f"{col}_high"] - t[col]], fmt=marker,
                        color=color, capsize=3, ms=5, label=label)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlim(min(-0.05, float(np.nanmin(t[["rho_low", "vader_low", "ceiling_low", "pc"]].to_numpy())) - 0.05), 1)
        ax.set_yticks(y, models)
        ax.set_ylabel("language model")
        ax.set_xlabel(f"Spearman rho with the human mean rating\n({int(t['n_test'].iloc[0])} test sentences; 95% CI)")
        ax.set_title(f"{bench.replace('_', ' ')}", fontsize=10)
    axes[0, 0].legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.1), frameon=False, ncol=2)
    fig.suptitle(title or "Zero-shot transfer to human-rated sentences", fontsize=10)
    fig.tight_layout()
    return _stamp(fig, source)


def word_vs_sentence(table: pd.DataFrame, agreement: pd.DataFrame | None = None, title: str = "", *,
                     source: str) -> plt.Figure:
    """Chapter 2: each model's rho on held-out words (x) against its rho on each benchmark's test
    sentences (y), 95% intervals both ways; ``agreement`` (:func:`vaxis.llm.transfer.word_sentence_agreement`)
    puts each benchmark's rho over models and exact p in the legend."""
    benches = list(dict.fromkeys(table.index.get_level_values("benchmark")))
    fig, ax = plt.subplots(figsize=(6.2, 4.4))
    for i, bench in enumerate(benches):
        t = table.xs(bench, level="benchmark")
        label = bench.replace("_", " ")
        if agreement is not None and bench in agreement.index and np.isfinite(agreement.loc[bench, "rho"]):
            a = agreement.loc[bench]
            label += f" (rho over {int(a['models'])} models {a['rho']:.2f}, exact p = {a['p']:.3f})"
        ax.errorbar(t["word"], t["rho"], xerr=[t["word"] - t["word_low"], t["word_high"] - t["word"]],
                    yerr=[t["rho"] - t["rho_low"], t["rho_high"] - t["rho"]], fmt="os"[i % 2], color=f"C{i}",
                    capsize=2, label=label)
        for m, row in t.iterrows():
            ax.annotate(m, (row["word"], row["rho"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xlabel("V-axis rho, held-out words (chapter 1's test split)")
    ax.set_ylabel("V-axis rho, test sentences")
    ax.set_title(title or "Does sentence-level agreement follow word-level agreement?", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    fig.tight_layout()
    return _stamp(fig, source)


__all__ = ['agreement_matrices', 'frequency_split', 'layer_profiles', 'model_agreement_with_ratings', 'random_directions',
           'rating_scatters', 'sentence_transfer', 'specificity_controls', 'word_vs_sentence']
