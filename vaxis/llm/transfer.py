r"""Zero-shot transfer to sentences: the V-axis against human-rated sentiment benchmarks.

The study says its nine-sentence axis "demonstrated strong zero-shot transfer to sentiment
benchmarks". Chapter 1 tests the axis on single words; this module asks the same of real sentences
(the VADER paper's tweets and movie-review snippets, :mod:`vaxis.llm.sentences`), beside what a
reader would otherwise use, on the same held-out sentences:

- **the V-axis, zero-shot**: exactly the axis chapter 1 (or 2) chose on *words* -- its layer,
  pooling, construction, direction and origin. No sentence rating touches the axis. The one choice
  made on sentences is how a sentence is shown to the model: as written (``"bare"``) or inside the
  template the chapter chose for the axis on words (e.g. ``"I feel {w}."``), chosen per benchmark on
  its *dev* split (highest Spearman rho; a tie keeps the sentence as written).
- **VADER** (:func:`vaxis.llm.sentences.vader_compound`): the rule-based score a practitioner
  would use; its lexicon and rules were built by the same authors, and 200 of the tweets were
  written to test those rules, so the tweets are VADER's home ground.
- **random directions** (:func:`vaxis.llm.specificity.random_direction_rhos`) and **the best
  no-anchor principal component** of the dev sentences' hidden states (component and sign chosen on
  dev, :func:`vaxis.llm.specificity.principal_directions`), at the axis's layer and presentation.
- **a supervised ceiling**: ridge regression of the human mean rating on the same hidden states,
  trained on the benchmark's *train* split only, features standardised on train, its penalty
  chosen by leave-one-out cross-validation inside train (:data:`RIDGE_ALPHAS`); it never sees a
  test sentence.

Every reported number is on the *test* split (:func:`score_table`): Spearman rho with the human
mean rating; for the clearly positive (mean >= +:data:`CLEAR`) and clearly negative (mean <=
-:data:`CLEAR`) sentences, the AUC and the accuracy of the sign at each method's own origin
(the V-axis: its neutral anchor, position 0; VADER: compound 0; ridge: predicted rating 0; a score
of exactly 0 counts one half); each with a percentile bootstrap interval over sentences. All
bootstraps of one benchmark draw the same resamples (same ``seed``), so methods are compared
paired (:func:`vaxis.stats.paired_spearman`): differences of rho, and the **share of the ceiling**
``rho(V-axis) / rho(ridge)``.

Where the axis fails (:func:`worst_ranked`, :func:`by_tag`): the test sentences whose percentile
rank on the axis is farthest from their percentile rank among the human ratings, shown with their
text and mechanical tags (:func:`vaxis.llm.sentences.tag_sentences`), and rho within each tag.

:func:`model_transfer` runs it all for one model (two batched hidden-state extractions at the one
layer the axis uses, cached by :mod:`vaxis.llm.hidden`); :func:`transfer_table` and
:func:`word_sentence_agreement` compare models (chapter 2); :func:`verdict` is the scorecard's rule.
How the results read -- tables with intervals, the worst sentences as text, one sentence in words,
the scorecard's row -- is :mod:`vaxis.llm.transfer_report`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .. import stats, verdicts
from .._checks import VaxisInputError, check_array
from . import hidden, sentences, specificity
from .model_axis import _Keeper, apply_template

#: A sentence is clearly positive with a mean rating >= CLEAR, clearly negative with <= -CLEAR
#: (the VADER scale -4..4; the threshold chapter 1 uses for words).
CLEAR = 1.0
#: Ridge penalties tried by leave-one-out cross-validation inside the train split (standardised features).
RIDGE_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-1, 6, 15))
#: Method names, in the order tables list them.
METHODS = ("V-axis", "VADER", "best PC", "ridge ceiling")
#: The scorecard's bar: "strong" transfer reaches at least this share of the supervised ceiling.
SHARE_BAR = 0.5


# ----------------------------------------------------------------------------- metrics
def sign_correct(scores: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """1 where the sign of ``scores`` (n,) matches the label (``positive``: bool (n,)), 0 where it does
    not, 1/2 where the score is exactly 0 (a tie is a coin flip): float array (n,)."""
    s = check_array("scores", scores, ndim=1)
    lab = np.asarray(positive, dtype=bool)
    if lab.shape != s.shape:
        raise VaxisInputError(f"positive must have shape {s.shape}, got {lab.shape}.")
    return np.where(s == 0, 0.5, ((s > 0) == lab).astype(float))


def score_table(scores: Mapping[str, np.ndarray], rating: np.ndarray, clear: float = CLEAR,
                n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """How well each scoring of the same sentences agrees with their human mean rating.

    Parameters
    ----------
    scores : mapping
        Method name -> scores ``(n,)`` of the sentences (higher = more positive).
    rating : ndarray, shape (n,)
        The human mean rating of each sentence.
    clear : float
        Sentences with ``rating >= clear`` are clearly positive, ``<= -clear`` clearly negative.

    Returns
    -------
    DataFrame, one row per method
        ``rho``, ``rho_low``, ``rho_high`` (Spearman, bootstrap over all ``n`` sentences);
        ``auc``, ``auc_low``, ``auc_high`` and ``accuracy``, ``accuracy_low``, ``accuracy_high``
        (the sign at 0, :func:`sign_correct`) over the ``n_clear`` clearly rated ones; ``n``.
        Every method's intervals use the same resamples (``seed``).
    """
    y = check_array("rating", rating, ndim=1)
    clear_mask = np.abs(y) >= clear
    labels = y[clear_mask] > 0
    if labels.all() or not labels.any():
        raise VaxisInputError(f"score_table needs clearly positive and clearly negative sentences (|rating| >= {clear}).")
    rows = {}
    for name, s in scores.items():
        s = check_array(f"scores[{name!r}]", s, shape=y.shape)
        rho = stats.bootstrap_corr(s, y, n_boot=n_boot, level=level, seed=seed)
        auc = stats.bootstrap_auc(s[clear_mask], labels, n_boot=n_boot, level=level, seed=seed)
        acc = stats.bootstrap_mean(sign_correct(s[clear_mask], labels), n_boot=n_boot, level=level, seed=seed)
        rows[name] = {"rho": rho.value, "rho_low": rho.low, "rho_high": rho.high,
                      "auc": auc.value, "auc_low": auc.low, "auc_high": auc.high,
                      "accuracy": acc.value, "accuracy_low": acc.low, "accuracy_high": acc.high,
                      "n": int(y.size), "n_clear": int(clear_mask.sum())}
    return pd.DataFrame.from_dict(rows, orient="index")


def percentile_ranks(x: np.ndarray) -> np.ndarray:
    """Mid-rank of each value as a share of ``n``, in (0, 1): ``(rank - 0.5) / n`` (ties averaged)."""
    x = check_array("x", x, ndim=1)
    return (rankdata(x) - 0.5) / x.size


def worst_ranked(frame: pd.DataFrame, positions: np.ndarray, k: int = 8) -> pd.DataFrame:
    """The ``k`` sentences whose rank on the axis is farthest from their rank among human ratings.

    ``frame`` has one row per sentence with ``text``, ``rating`` and (optionally) ``VADER`` and the
    tag columns of :func:`vaxis.llm.sentences.tag_sentences`; ``positions`` (n,) their V-axis
    positions. Returns those ``k`` rows with ``human percentile``, ``axis percentile`` and
    ``disagreement`` (absolute difference of the two), largest first (ties by row order), and
    ``tags`` (the tags that hold, comma-separated).
    """
    pos = check_array("positions", positions, shape=(len(frame),))
    human, axis = percentile_ranks(frame["rating"].to_numpy(float)), percentile_ranks(pos)
    gap = np.abs(axis - human)
    order = np.argsort(-gap, kind="stable")[:k]
    tags = [c for c in sentences.TAGS if c in frame]
    out = pd.DataFrame({
        "text": frame["text"].to_numpy()[order], "rating": frame["rating"].to_numpy()[order],
        "human percentile": human[order], "axis percentile": axis[order], "disagreement": gap[order]})
    if "VADER" in frame:
        out["VADER"] = frame["VADER"].to_numpy()[order]
    out["tags"] = [", ".join(t for t in tags if frame[t].to_numpy()[i]) for i in order]
    return out


def by_tag(frame: pd.DataFrame, positions: np.ndarray, worst_share: float = 0.1, n_boot: int = 1000,
           seed: int = 0) -> pd.DataFrame:
    """Where the axis fails, tag by tag (:data:`vaxis.llm.sentences.TAGS`).

    ``frame``: one row per test sentence with ``rating``, ``VADER`` and the tag columns;
    ``positions``: their V-axis positions. Rows: each tag. Columns: ``n`` (sentences with the tag),
    ``share of all`` and ``share of worst`` (among the ``worst_share`` of sentences with the largest
    rank disagreement, :func:`worst_ranked`), and the V-axis's and VADER's Spearman rho on the tagged
    sentences with bootstrap intervals (``NaN`` with fewer than 10 tagged sentences).
    """
    pos = check_array("positions", positions, shape=(len(frame),))
    y = frame["rating"].to_numpy(float)
    gap = np.abs(percentile_ranks(pos) - percentile_ranks(y))
    n_worst = max(1, int(round(worst_share * len(frame))))
    worst = np.zeros(len(frame), bool)
    worst[np.argsort(-gap, kind="stable")[:n_worst]] = True
    rows = {}
    for tag in sentences.TAGS:
        m = frame[tag].to_numpy(bool)
        row: dict[str, float] = {"n": int(m.sum()), "share of all": float(m.mean()), "share of worst": float(m[worst].mean())}
        for name, s in (("V-axis", pos), ("VADER", frame["VADER"].to_numpy(float))):
            if m.sum() >= 10 and np.ptp(y[m]) > 0 and np.ptp(s[m]) > 0:
                e = stats.bootstrap_corr(s[m], y[m], n_boot=n_boot, seed=seed)
                row.update({f"{name} rho": e.value, f"{name} low": e.low, f"{name} high": e.high})
            else:
                row.update({f"{name} rho": np.nan, f"{name} low": np.nan, f"{name} high": np.nan})
        rows[tag] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.attrs["n_worst"] = n_worst
    return out


# ----------------------------------------------------------------------------- one model
@dataclass
class BenchmarkTransfer:
    """One model on one benchmark (every number on the test split).

    Attributes
    ----------
    benchmark : str
    presentation : str
        The template chosen on dev (``"bare"``: as written).
    dev_rho : dict
        Template -> the V-axis's Spearman rho on the dev sentences.
    sizes : dict
        Sentences per split.
    scores : DataFrame
        :func:`score_table` of :data:`METHODS` on the test sentences.
    paired : DataFrame
        Rows ``"V-axis - VADER"``, ``"V-axis - ridge ceiling"``, ``"V-axis - best PC"`` (differences of
        rho) and ``"share of ceiling"`` (rho ratio), columns ``value``, ``low``, ``high``.
    random_rhos : ndarray (n_random_directions,)
        Test-split rho of random unit directions (:func:`vaxis.llm.specificity.random_direction_rhos`).
    rank : dict
        :func:`vaxis.llm.specificity.rank_among` of the V-axis's rho.
    components : DataFrame
        :func:`vaxis.llm.specificity.principal_directions` of the dev sentences.
    ridge : dict
        ``alpha`` (chosen), ``on_edge`` (at an end of :data:`RIDGE_ALPHAS`), ``n_train``.
    test : DataFrame
        One row per test sentence: ``id``, ``text``, ``rating``, ``position`` (V-axis), ``VADER``,
        ``ridge``, ``best PC`` and the tags.
    """

    benchmark: str
    presentation: str
    dev_rho: dict[str, float]
    sizes: dict[str, int]
    scores: pd.DataFrame
    paired: pd.DataFrame
    random_rhos: np.ndarray
    rank: dict[str, float]
    components: pd.DataFrame
    ridge: dict[str, Any]
    test: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """JSON-ready numbers (4 decimals)."""
        r4 = lambda x: round(float(x), 4)  # noqa: E731
        return {"presentation": self.presentation, "dev_rho": {k: r4(v) for k, v in self.dev_rho.items()},
                "sizes": self.sizes,
                "scores": {m: {k: (r4(v) if isinstance(v, float) else int(v)) for k, v in row.items()}
                           for m, row in self.scores.to_dict(orient="index").items()},
                "paired": {k: {c: r4(v) for c, v in row.items()} for k, row in self.paired.to_dict(orient="index").items()},
                "random": {k: (r4(v) if isinstance(v, float) else v) for k, v in self.rank.items()},
                "component": int(self.components.loc[self.components.chosen, "component"].iloc[0]),
                "ridge": {k: (r4(v) if isinstance(v, float) else v) for k, v in self.ridge.items()}}


@dataclass
class ModelTransfer:
    """One model's zero-shot transfer to every benchmark (:func:`model_transfer`).

    ``choice`` is the word-chosen axis configuration (layer, pooling, construction, template);
    ``word_rho`` the axis's rho on chapter 1's held-out words (:class:`vaxis.stats.Estimate`);
    ``benchmarks``: name -> :class:`BenchmarkTransfer`; ``meta["seconds"]``: wall time of the run.
    """

    model: str
    choice: dict[str, Any]
    word_rho: stats.Estimate
    benchmarks: dict[str, BenchmarkTransfer]
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"model": self.model, "choice": dict(self.choice), "word_rho": self.word_rho.as_dict(),
                "benchmarks": {n: b.summary() for n, b in self.benchmarks.items()}, **self.meta}


def ridge_ceiling(train: np.ndarray, train_rating: np.ndarray, test: np.ndarray,
                  alphas: Sequence[float] = RIDGE_ALPHAS) -> tuple[np.ndarray, dict[str, Any]]:
    """Ridge regression of the rating on standardised hidden states, penalty by leave-one-out CV on train.

    Parameters
    ----------
    train : ndarray, shape (n_train, hidden_size)
    train_rating : ndarray, shape (n_train,)
    test : ndarray, shape (n_test, hidden_size)

    Returns
    -------
    (ndarray, dict)
        Predicted ratings of the test rows ``(n_test,)``; ``{"alpha", "on_edge", "n_train"}``.
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler

    X = check_array("train", train, ndim=2)
    y = check_array("train_rating", train_rating, shape=(X.shape[0],))
    T = check_array("test", test, ndim=2)
    if T.shape[1] != X.shape[1] or X.shape[0] < 10:
        raise VaxisInputError(f"ridge_ceiling needs >= 10 train rows and test rows of the same width; "
                              f"got train {X.shape}, test {T.shape}.")
    scaler = StandardScaler().fit(X)
    model = RidgeCV(alphas=list(alphas)).fit(scaler.transform(X), y)
    alpha = float(model.alpha_)
    return model.predict(scaler.transform(T)), {"alpha": alpha, "on_edge": alpha in (min(alphas), max(alphas)),
                                                "n_train": int(X.shape[0])}


def model_transfer(model: str | os.PathLike, run: Any, splits: Sequence[sentences.SentenceSplits],
                   batch_size: int = 64, n_boot: int = 1000,
                   n_random_directions: int = 1000, n_components: int = 5, seed: int = 0,
                   progress: bool = True) -> ModelTransfer:
    """The V-axis of ``run`` on every benchmark of ``splits``, beside VADER, controls and the ceiling.

    Parameters
    ----------
    model : str or path
        The model ``run`` was validated on (registry name, path or hub id).
    run : :class:`vaxis.llm.validation.ModelValidation`
        Its word validation: ``run.choice`` (layer, pooling, construction, template), ``run.direction``
        and ``run.origin`` (the axis, used unchanged), ``run.test["vader_test"]`` (its word rho).
    splits : sequence of :class:`vaxis.llm.sentences.SentenceSplits`

    Presentations tried on each benchmark's dev split: as written (``"bare"``) and, when it differs,
    the template chosen for the axis on words (``run.choice["template"]``). Two batched extractions
    of the one layer and pooling the axis uses: the dev sentences in each presentation, then the
    train and test sentences in each benchmark's chosen one (cached on disk; the model is loaded at
    most once).
    """
    start = time.perf_counter()
    name = os.fspath(model)
    layer, pooling = int(run.choice["layer"]), str(run.choice["pooling"])
    direction, origin = np.asarray(run.direction, float), np.asarray(run.origin, float)
    cands = list(dict.fromkeys(["bare", str(run.choice["template"])]))
    loader = _Keeper(name).loader("cpu")  # the model is loaded once, on the first forward pass

    def states(texts: list[str]) -> np.ndarray:
        hs = hidden.extract(name, texts, pooling=[pooling], layers=[layer], batch_size=batch_size,
                            progress=progress, loader=loader)
        return hs.layer(layer, pooling).astype(np.float64)

    dev_texts = [t for sp in splits for tpl in cands for t in apply_template(list(sp.dev.text), tpl)]
    dev_all = states(dev_texts)
    chosen, dev_rho, dev_states, at = {}, {}, {}, 0
    for sp in splits:
        rhos, block = {}, {}
        for tpl in cands:
            X = dev_all[at:at + len(sp.dev)]
            at += len(sp.dev)
            rhos[tpl] = stats.spearman((X - origin) @ direction, sp.dev.rating.to_numpy(float))
            block[tpl] = X
        best = max(cands, key=lambda t: (rhos[t], -cands.index(t)))
        chosen[sp.name], dev_rho[sp.name], dev_states[sp.name] = best, rhos, block[best]
    rest = [t for sp in splits for part in (sp.train, sp.test) for t in apply_template(list(part.text), chosen[sp.name])]
    rest_all = states(rest)
    out, at = {}, 0
    for sp in splits:
        train, test = rest_all[at:at + len(sp.train)], rest_all[at + len(sp.train):at + len(sp.train) + len(sp.test)]
        at += len(sp.train) + len(sp.test)
        out[sp.name] = _benchmark(sp, chosen[sp.name], dev_rho[sp.name], dev_states[sp.name], train, test,
                                  direction, origin, n_boot, n_random_directions, n_components, seed)
    return ModelTransfer(str(run.model), {k: run.choice[k] for k in ("layer", "pooling", "construction", "template")
                                          if k in run.choice},
                         run.test["vader_test"], out, {"seconds": round(time.perf_counter() - start, 1)})


def _benchmark(sp: sentences.SentenceSplits, presentation: str, dev_rho: dict[str, float], dev: np.ndarray,
               train: np.ndarray, test: np.ndarray, direction: np.ndarray, origin: np.ndarray, n_boot: int,
               n_random_directions: int, n_components: int, seed: int) -> BenchmarkTransfer:
    y_dev, y_train, y = (p.rating.to_numpy(float) for p in (sp.dev, sp.train, sp.test))
    position = (test - origin) @ direction
    vader = sentences.vader_compound(list(sp.test.text))
    comps = specificity.principal_directions(dev, y_dev, min(n_components, *dev.shape))
    k = int(np.flatnonzero(comps["chosen"].to_numpy())[0])
    pc = (test - comps.attrs["centre"]) @ comps.attrs["directions"][k]
    ridge, ridge_info = ridge_ceiling(train, y_train, test)
    scores = {"V-axis": position, "VADER": vader, "best PC": pc, "ridge ceiling": ridge}
    table = score_table(scores, y, n_boot=n_boot, seed=seed)
    paired = {}
    for other, label in (("VADER", "V-axis - VADER"), ("ridge ceiling", "V-axis - ridge ceiling"),
                         ("best PC", "V-axis - best PC")):
        p = stats.paired_spearman(position, scores[other], y, n_boot=n_boot, seed=seed)
        paired[label] = p["diff"]
        if other == "ridge ceiling":
            paired["share of ceiling"] = p["ratio"]
    paired_frame = pd.DataFrame({k: {"value": e.value, "low": e.low, "high": e.high} for k, e in paired.items()}).T
    random = specificity.random_direction_rhos(test, y, n_random_directions, seed=seed)
    frame = pd.concat([sp.test[["id", "text", "rating"]].reset_index(drop=True),
                       pd.DataFrame({"position": position, "VADER": vader, "ridge": ridge, "best PC": pc}),
                       sentences.tag_sentences(list(sp.test.text))], axis=1)
    return BenchmarkTransfer(sp.name, presentation, dev_rho, sp.sizes(), table, paired_frame, random,
                             specificity.rank_among(table.loc["V-axis", "rho"], random), comps, ridge_info, frame)


# ----------------------------------------------------------------------------- several models
def transfer_table(transfers: Mapping[str, ModelTransfer]) -> pd.DataFrame:
    """One row per (model, benchmark), numbers only: the word rho (chapter 1's held-out words) and,
    on the test sentences, the rho with its interval of the V-axis, VADER, the best PC and the ridge
    ceiling; the V-axis's AUC and sign accuracy; the share of the ceiling and the V-axis minus VADER
    (paired intervals); the presentation chosen on dev; the random directions' 95th percentile |rho|."""
    rows = []
    for model, t in transfers.items():
        for bench, b in t.benchmarks.items():
            s, p = b.scores, b.paired
            rows.append({
                "model": model, "benchmark": bench, "presentation": b.presentation, "n_test": b.sizes["test"],
                "word": t.word_rho.value, "word_low": t.word_rho.low, "word_high": t.word_rho.high,
                **{f"{pre}{suf}": float(s.loc[m, f"rho{suf}"]) for m, pre in
                   (("V-axis", "rho"), ("VADER", "vader"), ("best PC", "pc"), ("ridge ceiling", "ceiling"))
                   for suf in ("", "_low", "_high")},
                "auc": s.loc["V-axis", "auc"], "auc_low": s.loc["V-axis", "auc_low"], "auc_high": s.loc["V-axis", "auc_high"],
                "accuracy": s.loc["V-axis", "accuracy"], "accuracy_low": s.loc["V-axis", "accuracy_low"],
                "accuracy_high": s.loc["V-axis", "accuracy_high"],
                **{f"{k}{suf}": float(p.loc[row, col]) for k, row in (("share", "share of ceiling"),
                                                                       ("minus_vader", "V-axis - VADER"))
                   for suf, col in (("", "value"), ("_low", "low"), ("_high", "high"))},
                "random_p95": b.rank["p95_abs"], "rank": int(b.rank["rank"]), "n_random": int(b.rank["n"]),
            })
    return pd.DataFrame(rows).set_index(["model", "benchmark"])


def word_sentence_agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Does sentence-level agreement follow word-level agreement across models?

    For each benchmark of :func:`transfer_table`: Spearman rho over models between their word rho and
    their sentence rho, and its exact one-sided permutation p over every ordering of the models
    (all ``n!``, the observed one among them, :func:`vaxis.stats.exact_spearman`). The smallest p a
    test of ``n`` models can give is ``1 / n!`` for a perfect agreement (1/6 with three, 1/720 with
    six); ``min_p`` says it. NaN with fewer than 3 models.
    """
    rows = {}
    for bench, g in table.groupby(level="benchmark", sort=False):
        n = len(g)
        row: dict[str, float] = {"models": n, "rho": np.nan, "p": np.nan, "min_p": np.nan}
        if n >= 3:
            rho, p = stats.exact_spearman(g["word"].to_numpy(), g["rho"].to_numpy())
            row.update({"rho": rho, "p": p, "min_p": stats.exact_min_p(n)})
        rows[bench] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def verdict(benchmarks: Mapping[str, Mapping[str, Any]], bar: float = SHARE_BAR) -> str:
    """The scorecard's rule for "zero-shot transfer to sentiment benchmarks" (fixed before the results).

    ``benchmarks``: name -> :meth:`BenchmarkTransfer.summary` (or a dict with ``scores`` and ``paired``
    as written there). The study calls the transfer *strong*; here that means the nine-sentence axis
    reaches at least ``bar`` (one half) of what a supervised linear read-out of the same hidden states
    reaches on the same test sentences:

    - ``"agrees"``: on every benchmark the V-axis's rho interval lies above 0 and the share of the
      ceiling's interval lies at or above ``bar``;
    - ``"disagrees"``: on some benchmark the share's interval lies below ``bar``, or the rho's interval
      lies at or below 0;
    - ``"undecided"``: otherwise (an interval straddles the bar).

    Returns the outcome (:data:`vaxis.verdicts.OUTCOMES`); on these recorded data it is the verdict.
    """
    if not benchmarks:
        raise VaxisInputError("verdict needs at least one benchmark.")
    lows, highs, rho_lows, rho_highs = [], [], [], []
    for b in benchmarks.values():
        share, rho = b["paired"]["share of ceiling"], b["scores"]["V-axis"]
        lows.append(share["low"])
        highs.append(share["high"])
        rho_lows.append(rho["rho_low"])
        rho_highs.append(rho["rho_high"])
    if all(lo >= bar for lo in lows) and all(lo > 0 for lo in rho_lows):
        return verdicts.AGREES
    if any(hi < bar for hi in highs) or any(hi <= 0 for hi in rho_highs):
        return verdicts.DISAGREES
    return verdicts.UNDECIDED


__all__ = ["BenchmarkTransfer", "CLEAR", "METHODS", "ModelTransfer", "RIDGE_ALPHAS", "SHARE_BAR", "by_tag",
           "model_transfer", "percentile_ranks", "ridge_ceiling", "score_table", "sign_correct",
           "transfer_table", "verdict", "word_sentence_agreement", "worst_ranked"]
