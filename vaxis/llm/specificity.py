r"""What do nine sentences add? Directions that use no anchors, against the V-axis (chapter 1).

Valence is a large share of the variance of word hidden states, so a direction chosen without any
anchor sentence can already rank words by valence. Two such controls, at the layer, pooling and
template chosen for the V-axis, scored on the same held-out words:

- **random directions** (:func:`random_direction_rhos`): ``n`` unit directions drawn uniformly on the
  sphere; each word's position is its hidden state projected on the direction; the statistic is
  Spearman's rho with the human ratings. A random direction has no sign convention, so its
  ``|rho|`` is compared with the V-axis's (signed) rho: a generous control. :func:`rank_among`
  gives the share of random directions at least as good as the V-axis.
- **unsupervised baselines** (:func:`pca_baselines`): the top principal components of the *dev*
  words' hidden states (no ratings used to find them); the component and its sign are chosen on
  the dev split only (largest ``|rho|`` with the dev ratings), then scored once on the test words,
  exactly as the V-axis's layer is chosen on dev. :func:`paired_advantage` gives the V-axis's rho
  minus the chosen baseline's on the same test words, with a paired bootstrap interval over words
  (both rhos recomputed on every resample of words).

The hidden states are re-read from :mod:`vaxis.llm.hidden`'s cache (:func:`word_states` asks for
the very texts :func:`vaxis.llm.validation.validate_model` extracted, so no forward pass runs).

:func:`model_controls` runs all of them, and the common/rare split of :mod:`vaxis.llm.frequency`,
for one validated model; :func:`controls_table` puts several models side by side (chapter 2).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .. import stats
from .._checks import VaxisInputError, check_array
from . import frequency, hidden
from .norms import NormSplits, apply_template


@dataclass
class WordStates:
    """Hidden states of the rated words at one layer, pooling and template.

    Attributes
    ----------
    dev, test, afinn : ndarray, shape (n_words, hidden_size)
        States of each split's words (rows in the split's order), float64.
    dev_rating, test_rating, afinn_rating : ndarray, shape (n_words,)
        Human valence of those words.
    """

    dev: np.ndarray
    test: np.ndarray
    afinn: np.ndarray
    dev_rating: np.ndarray
    test_rating: np.ndarray
    afinn_rating: np.ndarray


def word_states(model: str | os.PathLike, anchor_texts: Sequence[str], splits: NormSplits, choice: dict,
                templates: Sequence[str] = ("bare", "feel"), poolings: Sequence[str] = ("last", "mean"),
                batch_size: int = 64) -> WordStates:
    """The rated words' states at the V-axis's chosen ``layer``, ``pooling`` and ``template``.

    Pass the arguments chapter 1 passed to :func:`~vaxis.llm.validation.validate_model`
    (``choice`` is its ``ModelValidation.choice``): the texts are then those already extracted and
    come from the cache.
    """
    for key in ("layer", "pooling", "template"):
        if key not in choice:
            raise VaxisInputError(f"choice needs {key!r} (pass ModelValidation.choice).")
    if choice["template"] not in templates or choice["pooling"] not in poolings:
        raise VaxisInputError(f"templates {list(templates)} and poolings {list(poolings)} must include the chosen "
                              f"template {choice['template']!r} and pooling {choice['pooling']!r}.")
    items = splits.items()
    texts, start = list(anchor_texts), None
    for tpl in templates:
        if tpl == choice["template"]:
            start = len(texts)
        texts += apply_template(items, tpl)
    hs = hidden.extract(model, texts, pooling=list(poolings), batch_size=batch_size, progress=False)
    layer = hs[choice["pooling"]][int(choice["layer"]), start:start + len(items)].astype(np.float64)
    index = {w: i for i, w in enumerate(items)}
    pick = {name: np.array([index[w] for w in part.item]) for name, part in
            (("dev", splits.dev), ("test", splits.test), ("afinn", splits.afinn))}
    return WordStates(layer[pick["dev"]], layer[pick["test"]], layer[pick["afinn"]],
                      splits.dev.rating.to_numpy(float), splits.test.rating.to_numpy(float),
                      splits.afinn.rating.to_numpy(float))


def _spearman_cols(P: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """Spearman rho of every column of ``P`` (n_words, m) with ``rating`` (n_words,): (m,)."""
    rp = rankdata(P, axis=0).T
    return stats.pearson_rows(rp, np.broadcast_to(rankdata(rating), rp.shape))


def random_direction_rhos(states: np.ndarray, rating: np.ndarray, n_directions: int = 1000,
                          seed: int = 0) -> np.ndarray:
    """Spearman rho with ``rating`` of the words' positions on random unit directions.

    Parameters
    ----------
    states : ndarray, shape (n_words, hidden_size)
    rating : ndarray, shape (n_words,)
    n_directions : int
        Directions drawn uniformly on the unit sphere (Gaussian, normalised).
    seed : int

    Returns
    -------
    ndarray, shape (n_directions,)
        Signed rho of each direction (a random direction's sign is arbitrary: compare ``|rho|``).
    """
    X = check_array("states", states, ndim=2)
    y = check_array("rating", rating, shape=(X.shape[0],))
    if n_directions < 1:
        raise VaxisInputError(f"n_directions must be >= 1, got {n_directions}.")
    U = np.random.default_rng(seed).standard_normal((int(n_directions), X.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return _spearman_cols(X @ U.T, y)


def rank_among(value: float, random_rhos: np.ndarray) -> dict[str, float]:
    """Where ``value`` (the V-axis's rho) falls among random directions' ``|rho|``.

    Returns ``share_at_least`` (share of random directions with ``|rho| >= value``: 0 means none
    reaches the V-axis), ``rank`` (1 = best; 1 + the number of random directions above it),
    ``n``, and the random ``|rho|``'s median, 95th percentile and maximum.
    """
    a = np.abs(check_array("random_rhos", random_rhos, ndim=1))
    return {"value": float(value), "share_at_least": float(np.mean(a >= value)), "rank": int(1 + np.sum(a > value)),
            "n": int(a.size), "median_abs": float(np.median(a)), "p95_abs": float(np.percentile(a, 95)),
            "max_abs": float(a.max())}


def principal_directions(states: np.ndarray, rating: np.ndarray, n_components: int = 5) -> pd.DataFrame:
    """The top principal components of ``states`` as valence directions, oriented and chosen on ``rating``.

    Components are found without the ratings; each one's sign is then set so that its Spearman rho
    with ``rating`` is positive, and the ``chosen`` one has the largest ``|rho|``. Give it the *dev*
    items only: what it chooses may then be scored on held-out items (:func:`pca_baselines`,
    :mod:`vaxis.llm.transfer`).

    Parameters
    ----------
    states : ndarray, shape (n_items, hidden_size)
    rating : ndarray, shape (n_items,)
    n_components : int

    Returns
    -------
    DataFrame, one row per component (``component`` 1..n_components)
        ``explained`` (share of the items' variance), ``dev_rho`` (after the sign flip), ``sign``,
        ``chosen`` (bool). ``attrs["directions"]``: the oriented unit directions
        (n_components, hidden_size); ``attrs["centre"]``: the items' mean (hidden_size,).
    """
    X = check_array("dev states", states, ndim=2)
    y = check_array("dev rating", rating, shape=(X.shape[0],))
    if not 1 <= n_components <= min(X.shape):
        raise VaxisInputError(f"n_components must lie in 1..{min(X.shape)}, got {n_components}.")
    centre = X.mean(axis=0)
    _, s, vt = np.linalg.svd(X - centre, full_matrices=False)
    comps = vt[:n_components]
    dev = _spearman_cols((X - centre) @ comps.T, y)
    sign = np.where(dev >= 0, 1.0, -1.0)
    table = pd.DataFrame({
        "component": np.arange(1, n_components + 1),
        "explained": (s[:n_components] ** 2) / np.sum(s ** 2),
        "dev_rho": dev * sign, "sign": sign.astype(int),
    })
    table["chosen"] = np.arange(n_components) == int(np.argmax(np.abs(dev)))
    table.attrs["directions"], table.attrs["centre"] = comps * sign[:, None], centre
    return table


def pca_baselines(ws: WordStates, n_components: int = 5) -> pd.DataFrame:
    """The top principal components of the dev words' states as valence directions.

    Components are found on the dev words without their ratings; each one's sign is set on dev
    (positive dev rho), the ``chosen`` one has the largest dev ``|rho|`` (:func:`principal_directions`).
    Only then are the test and AFINN words scored.

    Returns
    -------
    DataFrame, one row per component (``component`` 1..n_components)
        ``explained`` (share of the dev words' variance), ``dev_rho`` (after the sign flip),
        ``sign``, ``test_rho``, ``afinn_rho``, ``chosen`` (bool). ``attrs["directions"]``:
        the oriented unit directions (n_components, hidden_size); ``attrs["centre"]``: the dev mean.
    """
    table = principal_directions(ws.dev, ws.dev_rating, n_components)
    comps, centre = table.attrs["directions"], table.attrs["centre"]
    table.insert(4, "test_rho", _spearman_cols((ws.test - centre) @ comps.T, ws.test_rating))
    table.insert(5, "afinn_rho", _spearman_cols((ws.afinn - centre) @ comps.T, ws.afinn_rating))
    return table


def baseline_positions(table: pd.DataFrame, states: np.ndarray) -> np.ndarray:
    """Positions of ``states`` (n_words, hidden_size) on the chosen baseline of :func:`pca_baselines`."""
    k = int(np.flatnonzero(table["chosen"].to_numpy())[0])
    return (np.asarray(states, float) - table.attrs["centre"]) @ table.attrs["directions"][k]


def paired_advantage(v_positions: np.ndarray, other_positions: np.ndarray, rating: np.ndarray,
                     n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Spearman rho of the V-axis minus that of another direction, on the same words.

    Paired bootstrap over words: every resample recomputes both rhos on the same words
    (:func:`vaxis.stats.paired_spearman_draws`).

    Returns
    -------
    dict
        ``v_rho``, ``other_rho``, ``diff`` (V minus other), ``low``, ``high`` (percentile interval of
        the difference), ``p_not_greater`` (share of resamples with a difference <= 0: a one-sided
        bootstrap p of "the V-axis is no better"), ``n`` (words), ``n_boot``.
    """
    a = check_array("v_positions", v_positions, ndim=1)
    b = check_array("other_positions", other_positions, shape=a.shape)
    y = check_array("rating", rating, shape=a.shape)
    ra, rb = stats.paired_spearman_draws(a, b, y, n_boot, seed)
    d = ra - rb
    va, vb = stats.spearman(a, y), stats.spearman(b, y)
    low, high = stats.percentile_interval(d, level, ignore_nan=True)
    return {"v_rho": va, "other_rho": vb, "diff": va - vb, "low": low, "high": high,
            "p_not_greater": float(np.mean(d <= 0)), "n": int(a.size), "n_boot": int(n_boot)}


@dataclass
class Controls:
    """Chapter 1's controls for one model, at its V-axis's chosen layer, pooling and template.

    Attributes
    ----------
    model : str
    vaxis : stats.Estimate
        The V-axis's Spearman rho on the held-out (VADER test) words, with its bootstrap interval.
    random_rhos : ndarray, shape (n_random_directions,)
        Signed rho of random unit directions (:func:`random_direction_rhos`).
    rank : dict
        :func:`rank_among` of the V-axis's rho among them.
    baselines : DataFrame
        :func:`pca_baselines` (component and sign chosen on dev).
    advantage : dict
        :func:`paired_advantage`: V-axis minus the chosen component, paired bootstrap over test words.
    frequency : DataFrame
        :func:`vaxis.llm.frequency.by_frequency` of the V-axis's test positions.
    """

    model: str
    vaxis: stats.Estimate
    random_rhos: np.ndarray
    rank: dict[str, float]
    baselines: pd.DataFrame
    advantage: dict[str, float]
    frequency: pd.DataFrame


def model_controls(model: str | os.PathLike, run: Any, anchor_texts: Sequence[str], splits: NormSplits,
                   templates: Sequence[str] = ("bare", "feel"), batch_size: int = 64,
                   n_random_directions: int = 1000, n_components: int = 5, n_boot: int = 1000,
                   seed: int = 0) -> Controls:
    """Random directions, no-anchor principal components and common/rare words for one model.

    ``run`` is the model's :class:`~vaxis.llm.validation.ModelValidation` from
    :func:`~vaxis.llm.validation.validate_model` called with ``model``, ``anchor_texts``, ``splits``,
    ``templates`` and ``batch_size`` (so the word states come from the hidden-state cache). The
    statistics are chapter 1's, on the same held-out words: the V-axis's test rho (``run.test``),
    its rank among ``n_random_directions`` random directions' ``|rho|``, the best of the top
    ``n_components`` principal components of the dev words (chosen on dev) and the paired
    difference, and rho in the common and rare halves of the test words; bootstraps over words.
    """
    ws = word_states(model, anchor_texts, splits, run.choice, templates=templates, batch_size=batch_size)
    est = run.test["vader_test"]
    random = random_direction_rhos(ws.test, ws.test_rating, n_random_directions, seed=seed)
    baselines = pca_baselines(ws, n_components=n_components)
    advantage = paired_advantage(run.test_positions, baseline_positions(baselines, ws.test), ws.test_rating,
                                 n_boot=n_boot, seed=seed)
    by_freq = frequency.by_frequency(run.test_positions, ws.test_rating, splits.test.item, n_boot=n_boot, seed=seed)
    return Controls(str(run.model), est, random, rank_among(est.value, random), baselines, advantage, by_freq)


def _verdict(low: float, high: float, above: str, below: str, neither: str) -> str:
    return above if low > 0 else below if high < 0 else neither


def controls_table(controls: Mapping[str, Controls]) -> pd.DataFrame:
    """One row per model (``controls``: name -> :func:`model_controls`), numbers only.

    Columns: ``rho``, ``low``, ``high`` (the V-axis on the held-out words, 95% interval); ``rank``
    among ``n_random`` random directions (1 = none better) and their ``random_p95`` (95th
    percentile of ``|rho|``); ``pc`` (the component chosen on dev) and its ``pc_rho`` on the test
    words; ``diff``, ``diff_low``, ``diff_high`` (V-axis minus that component, paired interval);
    ``common``, ``common_low``, ``common_high``, ``rare``, ``rare_low``, ``rare_high`` and
    ``gap``, ``gap_low``, ``gap_high`` (common minus rare); and two readings of the intervals:
    ``sentences`` (``"V-axis better"`` when the difference's interval lies above 0, ``"no clear
    difference"`` when it contains 0, ``"V-axis worse"`` when it lies below) and ``rare_words``
    (``"weaker on rare words"``, ``"no clear difference"``, ``"stronger on rare words"``, from the
    interval of common minus rare).
    """
    rows = []
    for name, c in controls.items():
        pc = c.baselines[c.baselines["chosen"]].iloc[0]
        f, a = c.frequency, c.advantage
        rows.append({
            "model": name, "rho": c.vaxis.value, "low": c.vaxis.low, "high": c.vaxis.high,
            "rank": int(c.rank["rank"]), "n_random": int(c.rank["n"]), "random_p95": c.rank["p95_abs"],
            "pc": int(pc.component), "pc_rho": float(pc.test_rho),
            "diff": a["diff"], "diff_low": a["low"], "diff_high": a["high"],
            **{f"{k}{s}": float(f.loc[h, col]) for k, h in (("common", "common"), ("rare", "rare"), ("gap", "common - rare"))
               for s, col in (("", "rho"), ("_low", "low"), ("_high", "high"))},
            "sentences": _verdict(a["low"], a["high"], "V-axis better", "V-axis worse", "no clear difference"),
            "rare_words": _verdict(float(f.loc["common - rare", "low"]), float(f.loc["common - rare", "high"]),
                                   "weaker on rare words", "stronger on rare words", "no clear difference"),
        })
    return pd.DataFrame(rows).set_index("model")


def controls_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`controls_table` for reading: each number with its 95% interval in one short column
    (two decimals), narrow enough for a page; the readings (``sentences``, ``rare_words``) stay in
    the numeric table."""
    def ci(v: pd.Series, lo: pd.Series, hi: pd.Series) -> pd.Series:
        return v.map("{:.2f}".format) + " [" + lo.map("{:.2f}".format) + ", " + hi.map("{:.2f}".format) + "]"

    t = table
    return pd.DataFrame({
        "V-axis rho": ci(t["rho"], t["low"], t["high"]),
        "rank among random": t["rank"].astype(str) + " / " + (t["n_random"] + 1).astype(str),
        "best PC: rho": "PC" + t["pc"].astype(str) + ": " + t["pc_rho"].map("{:.2f}".format),
        "V-axis - PC": ci(t["diff"], t["diff_low"], t["diff_high"]),
        "common words": ci(t["common"], t["common_low"], t["common_high"]),
        "rare words": ci(t["rare"], t["rare_low"], t["rare_high"]),
    }, index=t.index)


def axis_in_words(model: str, rho: Any, advantage: Mapping[str, float]) -> str:
    """Chapter 1's answer in one sentence: does the axis order held-out words as people do (``rho``,
    an estimate with ``low`` / ``high``), and do the nine sentences beat the best direction found
    without them (``advantage``: :func:`paired_advantage`)?"""
    if rho.low > 0:
        first = f"{model}'s V-axis orders held-out words as people rate them (rho {rho.value:.2f})"
    elif rho.high <= 0:
        first = f"{model}'s V-axis does not order held-out words as people rate them"
    else:
        first = f"whether {model}'s V-axis orders held-out words as people rate them cannot be told"
    if advantage["low"] > 0:
        second = "and the nine sentences find a better valence direction than any found without them"
    elif advantage["high"] <= 0:
        second = "but a direction found without the nine sentences does as well or better"
    else:
        second = "and the nine sentences cannot be told apart from the best direction found without them"
    text = f"{first}, {second}."
    return text[0].upper() + text[1:]


__all__ = ["axis_in_words", "WordStates", "word_states", "random_direction_rhos", "rank_among", "principal_directions",
           "pca_baselines", "baseline_positions", "paired_advantage", "Controls", "model_controls",
           "controls_table",
           "controls_summary"]
