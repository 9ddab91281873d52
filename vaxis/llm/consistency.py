"""Cross-model consistency of the V-axis (chapter 2).

The same recipe (difference-of-means axis from the nine anchors; layer, pooling and template chosen
per model on the dev split) is applied to every model. Two agreements are measured for every pair
of models, as Spearman correlations:

- of the **category positions** (nine numbers per model), and
- of the **held-out test item positions** (the VADER test words, never used for any choice).

Permutation nulls give each agreement a p-value:

- *categories*: each model's nine positions are permuted independently (Monte Carlo), the exact
  null of "models order the categories at random with respect to each other";
- *items*: the sentence-to-category assignment of the nine anchors is shuffled **the same way in
  every model** and the axes rebuilt. Up to sign, a diff-of-means axis depends only on which anchor
  is neutral and how the other eight split 4/4, so all 9 x 70 = 630 assignments are enumerated:
  an exact test of whether the agreement is specific to the valence labels rather than to any
  direction the models happen to share.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .. import stats
from .._checks import VaxisInputError
from .validation import ModelValidation


def pairwise_spearman(vectors: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Model x model Spearman correlations of equally long position vectors."""
    names = list(vectors)
    if len(names) < 2:
        raise VaxisInputError(f"Agreement needs at least two models, got {names}.")
    lengths = {len(v) for v in vectors.values()}
    if len(lengths) != 1:
        raise VaxisInputError(f"All models must position the same items; got lengths {sorted(lengths)}.")
    ranks = np.stack([rankdata(vectors[n]) for n in names])
    mat = np.corrcoef(ranks)
    return pd.DataFrame(mat, index=names, columns=names)


def mean_offdiag(mat: np.ndarray) -> float:
    """Mean of the off-diagonal entries of a square matrix."""
    n = mat.shape[0]
    return float((mat.sum() - np.trace(mat)) / (n * (n - 1)))


def category_null(positions: Mapping[str, Mapping[str, float]], n_perm: int = 10000, seed: int = 0) -> tuple[float, np.ndarray, float]:
    """Observed mean pairwise rho of category positions, its permutation null and p-value.

    ``positions``: model -> {category: position}; all models must share the categories.
    """
    names = list(positions)
    cats = list(positions[names[0]])
    if any(set(positions[n]) != set(cats) for n in names):
        raise VaxisInputError("All models must position the same categories.")
    ranks = np.stack([rankdata([positions[n][c] for c in cats]) for n in names])  # (M, K)
    observed = mean_offdiag(np.corrcoef(ranks))
    draws = stats.draw_permutations(ranks.shape[1], n_perm * ranks.shape[0], seed).reshape(n_perm, *ranks.shape)
    perm = np.take_along_axis(np.broadcast_to(ranks, draws.shape), draws, axis=2)  # (P, M, K): each row permuted
    z = perm - perm.mean(axis=2, keepdims=True)
    z /= np.linalg.norm(z, axis=2, keepdims=True)
    corr = np.einsum("pmk,pnk->pmn", z, z)
    m = ranks.shape[0]
    null = (corr.sum(axis=(1, 2)) - m) / (m * (m - 1))
    return observed, null, stats.permutation_pvalue(observed, null)


def assignments(categories: Sequence[str], positive: Sequence[str], negative: Sequence[str]) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """Every (neutral index, positive indices, negative indices) relabelling of the anchors, up to sign.

    With nine anchors (one neutral, four positive, four negative) there are 9 x C(8,4) / 2 = 315
    distinct axes up to sign, i.e. 630 labelled assignments; each is listed once with both signs
    counted by the caller. The true assignment is included.
    """
    n = len(categories)
    n_pos = sum(c in positive for c in categories)
    n_neg = sum(c in negative for c in categories)
    if n_pos + n_neg + 1 != n or n_pos != n_neg:
        raise VaxisInputError(
            "The exact assignment null needs one anchor per category: one neutral and as many "
            f"positive as negative ones; got {n_pos} positive, {n_neg} negative of {n}."
        )
    out = []
    for neutral in range(n):
        rest = [i for i in range(n) if i != neutral]
        for pos in itertools.combinations(rest, n_pos):
            neg = tuple(i for i in rest if i not in pos)
            if pos < neg:  # each unordered split once; its mirror is the same axis with flipped sign
                out.append((neutral, pos, neg))
    return out


def item_null(validations: Mapping[str, ModelValidation], anchor_categories: Sequence[str],
              positive: Sequence[str], negative: Sequence[str]) -> tuple[float, np.ndarray, float]:
    """Observed mean pairwise rho of test-item positions, the exact assignment null, and its p-value.

    For each relabelling, every model's diff-of-means axis is rebuilt from its own anchor vectors at
    its chosen layer, and its test items re-projected; the statistic is the mean pairwise Spearman
    rho across models. Flipping the sign of all axes together leaves it unchanged, so each unordered
    split stands for two assignments.
    """
    names = list(validations)
    cats = list(anchor_categories)
    combos = assignments(cats, positive, negative)
    null = np.empty(len(combos))
    ranks_true = np.stack([rankdata(validations[n].test_positions) for n in names])
    observed = mean_offdiag(np.corrcoef(ranks_true))
    for j, (_, pos, neg) in enumerate(combos):
        rows = []
        for n in names:
            v = validations[n]
            d = v.anchor_vectors[list(pos)].mean(0) - v.anchor_vectors[list(neg)].mean(0)
            rows.append(rankdata(v.test_vectors @ d))
        null[j] = mean_offdiag(np.corrcoef(np.stack(rows)))
    null = np.repeat(null, 2)  # each split and its mirror
    return observed, null, stats.share_at_least(null, observed)


def model_table(validations: Mapping[str, ModelValidation]) -> pd.DataFrame:
    """One row per model: size, chosen layer (and its relative depth), held-out rho (VADER test words
    and AFINN), sentiment AUC, each with its 95% bootstrap interval over words."""
    rows = []
    for name, v in validations.items():
        t = v.test["vader_test"]
        rows.append({
            "model": name, "layers": v.n_layers, "hidden": v.hidden_size,
            "layer": v.choice["layer"], "depth": v.choice["layer"] / v.n_layers,
            "pooling": v.choice["pooling"], "template": v.choice["template"],
            "rho test": t.value, "CI low": t.low, "CI high": t.high,
            "rho AFINN": v.test["afinn"].value, "AFINN low": v.test["afinn"].low, "AFINN high": v.test["afinn"].high,
            "AUC": v.test["auc"], "AUC low": v.test["auc_ci"].low, "AUC high": v.test["auc_ci"].high,
        })
    return pd.DataFrame(rows).set_index("model")


def model_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`model_table` for reading: each number with its 95% bootstrap interval (over words) in
    one short column, so the table fits a page."""
    def ci(col: str, low: str, high: str) -> pd.Series:
        return (table[col].map("{:.2f}".format) + " [" + table[low].map("{:.2f}".format) + ", "
                + table[high].map("{:.2f}".format) + "]")

    return pd.DataFrame({
        "layer / blocks": table["layer"].astype(str) + " / " + table["layers"].astype(str),
        "pooling, template": table["pooling"] + ", " + table["template"],
        "rho test words": ci("rho test", "CI low", "CI high"),
        "rho AFINN": ci("rho AFINN", "AFINN low", "AFINN high"),
        "sentiment AUC": ci("AUC", "AUC low", "AUC high"),
    }, index=table.index)


def item_agreement(validations: Mapping[str, ModelValidation], n_boot: int = 2000, level: float = 0.95,
                   seed: int = 0) -> stats.Estimate:
    """Mean pairwise Spearman rho of the models' test-word positions, with a bootstrap over words.

    The words are the independent unit: every resample draws the test words with replacement (the
    same draw for every model) and recomputes every pair's rho. ``n`` is the number of words.
    """
    pos = np.stack([np.asarray(v.test_positions, dtype=float) for v in validations.values()])  # (M, n)
    if pos.shape[0] < 2:
        raise VaxisInputError(f"Agreement needs at least two models, got {list(validations)}.")
    observed = mean_offdiag(np.corrcoef(np.stack([rankdata(p) for p in pos])))
    idx = stats.resample_indices(pos.shape[1], n_boot, seed)
    z = rankdata(pos[:, idx], axis=2)  # (M, B, n)
    z -= z.mean(axis=2, keepdims=True)
    z /= np.linalg.norm(z, axis=2, keepdims=True)
    corr = np.einsum("mbk,nbk->bmn", z, z)
    m = pos.shape[0]
    boots = (corr.sum(axis=(1, 2)) - np.trace(corr, axis1=1, axis2=2)) / (m * (m - 1))
    low, high = stats.percentile_interval(boots, level, ignore_nan=True)
    return stats.Estimate(observed, low, high, level, int(pos.shape[1]))


def size_comparison(
    validations: Mapping[str, ModelValidation],
    small: str,
    large: str,
    ratings: np.ndarray,
    others: Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    margin: float = 0.05,
    level: float = 0.975,
) -> pd.DataFrame:
    """Two sizes of one family, paired over the held-out test words (``book/size_predictions.md``).

    Rows: ``"human ratings"`` -- Spearman rho of each model's test-word positions with ``ratings``
    (the VADER test ratings, shape ``(n_test,)``); ``"other models"`` -- the mean Spearman rho of its
    positions with each model in ``others`` (default: every other model of ``validations``).
    Columns: both models' values, ``delta`` (large - small), its paired bootstrap interval at
    ``level`` (words resampled, the same draw for every model, correlations recomputed), the 95 %
    interval used for equivalence, and the verdict: ``"larger better"`` / ``"smaller better"`` when
    the ``level`` interval excludes 0, ``"equivalent"`` when the 95 % interval lies inside
    ``+-margin`` (two one-sided tests at 0.025), else ``"undecided"``.
    """
    for name in (small, large):
        if name not in validations:
            raise VaxisInputError(f"size_comparison needs {name!r} among the models run; have {list(validations)}.")
    others = [n for n in (others if others is not None else validations) if n not in (small, large)]
    if not others:
        raise VaxisInputError("size_comparison needs at least one other model to compare agreement with.")
    ratings = np.asarray(ratings, dtype=float)
    pos = {n: np.asarray(validations[n].test_positions, dtype=float) for n in [small, large, *others]}
    if any(p.shape != ratings.shape for p in pos.values()):
        raise VaxisInputError("Every model's test positions and the ratings must cover the same test words.")
    idx = stats.resample_indices(ratings.size, n_boot, seed)
    full = np.arange(ratings.size)[None]

    def agreement(draw: np.ndarray) -> dict[str, np.ndarray]:
        ranks = {n: rankdata(p[draw], axis=1) for n, p in pos.items()}
        r = rankdata(ratings[draw], axis=1)
        out = {}
        for name in (small, large):
            out[(name, "human ratings")] = stats.pearson_rows(ranks[name], r)
            out[(name, "other models")] = np.mean([stats.pearson_rows(ranks[name], ranks[o]) for o in others],
                                                  axis=0)
        return out

    point, boot = agreement(full), agreement(idx)
    rows = []
    for what in ("human ratings", "other models"):
        d = boot[(large, what)] - boot[(small, what)]
        lo, hi = stats.percentile_interval(d, level, ignore_nan=True)
        elo, ehi = stats.percentile_interval(d, 0.95, ignore_nan=True)
        verdict = ("larger better" if lo > 0 else "smaller better" if hi < 0
                   else "equivalent" if -margin < elo and ehi < margin else "undecided")
        rows.append({"agreement with": what, small: float(point[(small, what)][0]),
                     large: float(point[(large, what)][0]),
                     "delta": float(point[(large, what)][0] - point[(small, what)][0]),
                     "low": lo, "high": hi, "eq low (95%)": elo, "eq high (95%)": ehi, "verdict": verdict})
    return pd.DataFrame(rows).set_index("agreement with")


def agreement_in_words(n_models: int, category_p: float, item_p: float, controls: pd.DataFrame | None = None) -> str:
    """Chapter 2's answer in one sentence: do ``n_models`` models order the nine emotions (permutation
    ``category_p``) and held-out words (exact ``item_p``) alike, and in how many do the nine sentences
    beat the best direction found without them (``controls``: :func:`vaxis.llm.specificity.controls_table`)?"""
    def alike(p: float, what: str) -> str:
        return (f"order {what} alike (p = {p:.2g})" if p < 0.05 else
                f"do not order {what} more alike than relabelled anchors (p = {p:.2g})" if p >= 0.5 else
                f"cannot be shown to order {what} alike (p = {p:.2g})")

    text = f"The {n_models} models {alike(category_p, 'the nine emotions')} and {alike(item_p, 'held-out words')}"
    if controls is not None and len(controls):
        beats = int((controls["diff_low"] > 0).sum())
        text += (f"; the nine sentences beat the best direction found without them in {beats} of "
                 f"{len(controls)} models")
    return text + "."

