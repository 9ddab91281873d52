"""Every figure of the book, one function per figure; each returns the matplotlib Figure.

Chapters draw nothing themselves: they call one function here per figure. Figures take plain
tables and arrays (or the result objects of :mod:`vaxis.decoding`), never compute a statistic
(that is :mod:`vaxis.stats`' job), and size themselves so the book's pages stay the same.

- Chapter 1: :func:`layer_profile`, :func:`rating_scatters`, :func:`category_positions`.
- Chapter 2: :func:`model_agreement_with_ratings`, :func:`agreement_matrices`, :func:`null_histogram`.
- Chapter 3: :func:`map_summary`, :func:`weight_topomaps`.
- Chapter 4: :func:`accuracy_by_architecture`, :func:`rediscovery`, :func:`class_means_on_readout`.
- Chapter 5: :func:`strategy_effects`, :func:`basin_share_vs_effect`, :func:`schedule_effects`.
- Chapter 6: :func:`ensemble_diversity`, :func:`ensemble_curves`.
- Chapter 7: :func:`phase_diagram`, :func:`verdict_map`.
- FACED participants' ratings (chapters 1-3 and the Data page): :func:`positions_vs_participants`,
  :func:`clip_ratings`.

Every figure has a title and labelled axes, and names its data in a footnote (:func:`_stamp`, a
text artist with the gid :data:`SOURCE_GID` at the bottom left, below every axes' tick labels):
each function takes ``source``, the EEG dataset's own label (:attr:`vaxis.eeg.EEGDataset.source`,
so a simulated cohort reads "simulated EEG" and real FACED reads "faced") or, for figures of
language models and human ratings, the models and ratings (:func:`llm_source`,
:data:`PARTICIPANTS_SOURCE`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._checks import VaxisInputError
from .decoding.ensembles import METHODS, REFERENCE
from .eeg.dataset import is_simulated
from .eeg.montage import FACED_CATEGORIES, make_info, scalp_channels
from .llm.stimuli import NEGATIVE, NEUTRAL, POSITIVE

#: Colours of the verdicts of chapters 5-7 (vaxis.stats.equivalence_verdicts).
VERDICT_COLORS = {"helped": "C2", "equivalent": "C0", "undecided": "0.6", "hurt": "C3"}

VALENCE_COLORS = {**{c: "#c0392b" for c in NEGATIVE}, NEUTRAL: "#7f8c8d", **{c: "#2471a3" for c in POSITIVE}}

#: gid of the footnote that names a figure's data (tests find it by this).
SOURCE_GID = "vaxis-data-source"
#: Font size (points) of that footnote.
STAMP_FONTSIZE = 7
#: The source of figures of the FACED participants' own ratings (real data, whatever the EEG).
PARTICIPANTS_SOURCE = "FACED participants' ratings (real)"
#: The human word ratings chapters 1-2 validate the V-axis with.
WORD_RATINGS = "VADER and AFINN human word ratings"


# ----------------------------------------------------------------------------- data sources
def llm_source(models: str | Sequence[str], ratings: str = WORD_RATINGS) -> str:
    """The data of a language-model figure: ``"<model(s)> hidden states; <ratings>"``."""
    names = [models] if isinstance(models, str) else list(models)
    return f"{', '.join(names)} hidden states; {ratings}" if ratings else f"{', '.join(names)} hidden states"


def _eeg_source(source: str | None) -> str:
    """How a figure names its EEG, from the dataset's own label (:attr:`vaxis.eeg.EEGDataset.source`):
    ``"simulated EEG (simulated-faced)"`` for a simulated cohort, ``"EEG: faced (recorded)"`` for a real one."""
    if not source or not str(source).strip():
        raise VaxisInputError("A figure of EEG must name its data: pass source=<the dataset's .source>.")
    return f"simulated EEG ({source})" if is_simulated(source) else f"EEG: {source} (recorded)"


def _stamp(fig: plt.Figure, text: str) -> plt.Figure:
    """Name the figure's data in a footnote ``data: <text>`` at its bottom left (gid :data:`SOURCE_GID`).

    Call it last, after the layout: every axes (and colorbar) is moved up, keeping its x extent, just
    enough that no tick label or axis label reaches down to the footnote. Calling it again replaces
    the footnote (a panel function's stamp is replaced by its parent's).
    """
    if not text or not str(text).strip():
        raise VaxisInputError("A figure must name its data: pass source=... (see vaxis.plots).")
    for old in [t for t in fig.texts if t.get_gid() == SOURCE_GID]:
        old.remove()
    width = max(30, int(fig.get_figwidth() * 72 / (0.55 * STAMP_FONTSIZE)))
    stamp = fig.text(0.005, 0.005, textwrap.fill(f"data: {text}", width), ha="left", va="bottom",
                     fontsize=STAMP_FONTSIZE, color="0.3", gid=SOURCE_GID)
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else fig._get_renderer()
    to_fig = fig.transFigure.inverted()
    top = to_fig.transform((0, stamp.get_window_extent(renderer).y1))[1] + 3 / 72 / fig.get_figheight()
    shift = 0.0
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer) if ax.get_visible() else None
        low, y0 = (1.0 if box is None else to_fig.transform((0, box.y0))[1]), ax.get_position().y0
        if low < top and y0 < 1:
            shift = max(shift, (top - low) / (1 - y0))
    if shift > 0:
        for ax in fig.axes:
            p = ax.get_position()
            ax.set_position([p.x0, shift + p.y0 * (1 - shift), p.width, p.height * (1 - shift)])
    return fig


# ----------------------------------------------------------------------------- shared panels
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
                         source: str) -> plt.Figure:
    """Held-out item positions ``(n,)`` against their human ratings ``(n,)``."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 3.6))
    else:
        fig = ax.figure
    ax.scatter(ratings, positions, s=8, alpha=0.5)
    ax.set_xlabel("human valence rating (lexicon scale)")
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

# ----------------------------------------------------------------------------- chapter 1
def rating_scatters(panels: Mapping[str, tuple[np.ndarray, np.ndarray]], *, source: str) -> plt.Figure:
    """Held-out items' positions against their human ratings, one panel per set: ``{title: (positions, ratings)}``."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, (title, (positions, ratings)) in zip(axes[0], panels.items()):
        scatter_with_ratings(positions, ratings, title, ax=ax, source=source)
    return _stamp(fig, source)


# ----------------------------------------------------------------------------- chapter 2
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


# ----------------------------------------------------------------------------- chapter 3
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


# ----------------------------------------------------------------------------- controls (chapters 1, 3)
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


# ----------------------------------------------------------------------------- chapter 4
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


# ----------------------------------------------------------------------------- chapter 5
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


# ----------------------------------------------------------------------------- chapter 7
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
    """The two knobs a plane varies (columns with more than one value among the knob columns)."""
    knobs = ["congruence", "within_class", "felt_emotion", "label_noise", "valence_strength", "n_subjects"]
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


# ----------------------------------------------------------------------------- chapter 6
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


# ----------------------------------------------------------------------------- FACED participants' ratings
#: One colour per FACED category (negative reds/oranges, neutral grey, positive blues/greens).
CATEGORY_COLORS: dict[str, str] = dict(zip(FACED_CATEGORIES, (
    "#c0392b", "#8e44ad", "#d35400", "#7b241c", "#7f8c8d", "#2e86c1", "#17a589", "#1f618d", "#58d68d")))


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
