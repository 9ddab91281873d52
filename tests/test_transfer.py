"""Zero-shot transfer to sentences: known answers of the metrics on tiny sets, the ceiling, the rule."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from vaxis import stats
from vaxis._checks import VaxisInputError
from vaxis.llm import sentences, transfer as tr, transfer_report as rep

RATING = np.array([-3.0, -2.0, -0.5, 0.5, 2.0, 3.0])


def test_sign_correct_counts_a_zero_as_half():
    np.testing.assert_array_equal(tr.sign_correct(np.array([1.0, -1.0, 0.0, 2.0]), np.array([True, True, False, False])),
                                  [1.0, 0.0, 0.5, 0.0])


def test_score_table_known_answers():
    scores = {"perfect": RATING * 2, "reversed": -RATING, "zero": np.zeros(6),
              "mixed": np.array([1.0, -1.0, 0.2, 0.3, 2.0, -0.5])}
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):  # "zero" has no rho on any resample
        t = tr.score_table(scores, RATING, n_boot=200, seed=0)
    assert t.loc["perfect", ["rho", "auc", "accuracy"]].tolist() == [1.0, 1.0, 1.0]
    assert t.loc["reversed", ["rho", "auc", "accuracy"]].tolist() == [-1.0, 0.0, 0.0]
    assert t.loc["zero", "auc"] == 0.5 and t.loc["zero", "accuracy"] == 0.5
    # by hand: ranks 5,1,3,4,6,2 against 1..6: sum d^2 = 34, rho = 1 - 6*34/210; clear sentences
    # (|rating| >= 1): scores 1, -1 (negative) and 2, -0.5 (positive): AUC 3/4, signs right 2 of 4
    assert t.loc["mixed", "rho"] == pytest.approx(1 - 6 * 34 / 210)
    assert t.loc["mixed", "auc"] == pytest.approx(0.75) and t.loc["mixed", "accuracy"] == pytest.approx(0.5)
    assert (t["n"] == 6).all() and (t["n_clear"] == 4).all()
    assert t.loc["mixed", "rho_low"] < t.loc["mixed", "rho"] < t.loc["mixed", "rho_high"]
    assert t.loc["perfect", "rho_low"] == t.loc["perfect", "rho_high"] == 1.0
    with pytest.raises(VaxisInputError, match="clearly"):
        tr.score_table({"x": RATING}, np.abs(RATING))


def test_score_table_intervals_are_paired_across_methods():
    rng = np.random.default_rng(0)
    y = rng.normal(size=80) * 2
    a = y + rng.normal(size=80)
    t = tr.score_table({"a": a, "b": a.copy()}, y, n_boot=300, seed=5)
    assert t.loc["a"].equals(t.loc["b"])  # same resamples, same numbers
    e = stats.bootstrap_corr(a, y, n_boot=300, seed=5)
    assert (t.loc["a", "rho_low"], t.loc["a", "rho_high"]) == (e.low, e.high)


def test_percentile_ranks_and_worst_ranked():
    np.testing.assert_allclose(tr.percentile_ranks(np.array([10.0, 20, 20, 30])), [0.125, 0.5, 0.5, 0.875])
    frame = pd.DataFrame({"text": list("abcdef"), "rating": RATING, "VADER": RATING / 4,
                          **sentences.tag_sentences(["not", "but", "x", "y", "z", "w"])})
    pos = np.array([-3.0, -2.0, -0.5, 0.5, 2.0, 3.0])
    pos[[0, 5]] = pos[[5, 0]]  # the most negative sentence placed most positive, and back
    worst = tr.worst_ranked(frame, pos, k=3)
    assert worst.text.tolist()[:2] == ["a", "f"] and worst.disagreement.iloc[0] == pytest.approx(5 / 6)
    assert worst.disagreement.iloc[2] == 0 and worst.tags.iloc[0] == "negation, no sentiment word"
    assert list(worst.columns) == ["text", "rating", "human percentile", "axis percentile", "disagreement", "VADER", "tags"]


def test_by_tag_shares_and_rhos():
    rng = np.random.default_rng(2)
    n = 200
    y = rng.normal(size=n) * 2
    negated = np.arange(n) < 50
    pos = np.where(negated, -y, y)  # the axis gets every negated sentence backwards
    texts = ["it is not so" if m else "it is so" for m in negated]
    frame = pd.DataFrame({"text": texts, "rating": y, "VADER": y, **sentences.tag_sentences(texts)})
    t = tr.by_tag(frame, pos, worst_share=0.1, n_boot=200)
    assert t.loc["negation", "n"] == 50 and t.loc["negation", "share of all"] == 0.25
    assert t.loc["negation", "share of worst"] == 1.0 and t.attrs["n_worst"] == 20
    assert t.loc["negation", "V-axis rho"] == pytest.approx(-1.0) and t.loc["negation", "VADER rho"] == pytest.approx(1.0)
    assert np.isnan(t.loc["contrast", "V-axis rho"])  # no tagged sentence


def test_ridge_ceiling_recovers_a_linear_rating_and_never_sees_test_ratings():
    rng = np.random.default_rng(3)
    w = rng.normal(size=30)
    X = rng.normal(size=(400, 30)) * rng.uniform(0.5, 5, size=30)
    y = X @ w / 10 + 0.2 * rng.normal(size=400)
    pred, info = tr.ridge_ceiling(X[:200], y[:200], X[200:])
    assert stats.spearman(pred, y[200:]) > 0.95 and info["n_train"] == 200 and not info["on_edge"]
    pred2, _ = tr.ridge_ceiling(X[:200], y[:200], X[200:])
    np.testing.assert_array_equal(pred, pred2)
    _, info = tr.ridge_ceiling(X[:200], rng.normal(size=200), X[200:])  # nothing to learn: the largest penalty
    assert info["alpha"] == max(tr.RIDGE_ALPHAS) and info["on_edge"]


def test_word_sentence_agreement_exact_p():
    idx = pd.MultiIndex.from_product([list("abcd"), ["tweets"]], names=["model", "benchmark"])
    same = tr.word_sentence_agreement(pd.DataFrame({"word": [0.1, 0.2, 0.3, 0.4], "rho": [0.5, 0.6, 0.7, 0.8]}, index=idx))
    assert same.loc["tweets", "rho"] == pytest.approx(1.0) and same.loc["tweets", "p"] == pytest.approx(1 / 24)
    assert same.loc["tweets", "min_p"] == pytest.approx(1 / 24) and same.loc["tweets", "models"] == 4
    back = tr.word_sentence_agreement(pd.DataFrame({"word": [0.1, 0.2, 0.3, 0.4], "rho": [0.8, 0.7, 0.6, 0.5]}, index=idx))
    assert back.loc["tweets", "rho"] == pytest.approx(-1.0) and back.loc["tweets", "p"] == 1.0
    two = tr.word_sentence_agreement(pd.DataFrame({"word": [0.1, 0.2], "rho": [0.5, 0.6]}, index=idx[:2]))
    assert np.isnan(two.loc["tweets", "rho"])


def _bench(share_low, share_high, rho_low=0.2, rho_high=0.6):
    return {"scores": {"V-axis": {"rho_low": rho_low, "rho_high": rho_high}},
            "paired": {"share of ceiling": {"low": share_low, "high": share_high}}}


def test_verdict_rule_comes_out_every_way():
    assert tr.verdict({"a": _bench(0.6, 0.9), "b": _bench(0.5, 0.8)}) == "agrees"
    assert tr.verdict({"a": _bench(0.6, 0.9), "b": _bench(0.2, 0.45)}) == "disagrees"
    assert tr.verdict({"a": _bench(0.6, 0.9), "b": _bench(0.4, 0.7)}) == "undecided"
    assert tr.verdict({"a": _bench(0.6, 0.9, rho_low=-0.1, rho_high=0.0)}) == "disagrees"
    assert tr.verdict({"a": _bench(0.6, 0.9, rho_low=-0.1, rho_high=0.3)}) == "undecided"
    with pytest.raises(VaxisInputError):
        tr.verdict({})


def _splits(name, rng, n=(30, 40, 40)):
    words = ["good", "great", "happy", "bad", "awful", "sad", "fine", "dull"]
    val = {"good": 2, "great": 3, "happy": 2.5, "bad": -2, "awful": -3, "sad": -2.5, "fine": 0.5, "dull": -0.5}
    parts = []
    for k, m in enumerate(n):
        ws = rng.choice(words, size=(m, 2))
        parts.append(pd.DataFrame({"id": np.arange(m) + 1000 * k, "text": [f"it is {a} and {b}" for a, b in ws],
                                   "rating": [(val[a] + val[b]) / 2 for a, b in ws]}))
    return sentences.SentenceSplits(name, *parts)


@pytest.mark.slow
def test_model_transfer_on_a_tiny_model_chooses_on_dev_only(tiny_model_dir, tmp_path):
    from vaxis.llm import hidden
    from vaxis.llm.axis import AxisEstimator

    model = str(tiny_model_dir)
    anchors = ["it is awful", "it is sad", "it is fine", "it is great", "it is happy"]
    cats = ["anger", "sadness", "neutral", "joy", "tenderness"]
    X = hidden.extract(model, anchors, pooling=["mean"], progress=False).layer(1, "mean").astype(float)
    ax = AxisEstimator().fit(X, cats)
    run = SimpleNamespace(model=model, choice={"layer": 1, "pooling": "mean", "construction": "diff_means",
                                               "template": "feel"},
                          direction=ax.direction_, origin=ax.origin_,
                          test={"vader_test": stats.Estimate(0.5, 0.4, 0.6, 0.95, 100)})
    rng = np.random.default_rng(0)
    splits = [_splits("tweets", rng), _splits("movie_reviews", rng)]
    out = tr.model_transfer(model, run, splits, n_boot=100, n_random_directions=50, n_components=3, progress=False)
    b = out.benchmarks["tweets"]
    assert set(out.benchmarks) == {"tweets", "movie_reviews"} and set(b.dev_rho) == {"bare", "feel"}
    assert b.presentation == max(b.dev_rho, key=b.dev_rho.get)
    assert list(b.scores.index) == list(tr.METHODS) and len(b.test) == 40 and b.ridge["n_train"] == 40
    # the V-axis positions are the axis's own: (h - origin) . direction of the chosen presentation
    shown = [("I feel {}." if b.presentation == "feel" else "{}").format(t) for t in splits[0].test.text]
    h = hidden.extract(model, shown, pooling=["mean"], progress=False).layer(1, "mean").astype(float)
    np.testing.assert_allclose(b.test.position, (h - ax.origin_) @ ax.direction_, rtol=1e-5, atol=1e-6)
    # nothing is chosen on test ratings: scrambling them changes the scores, not the choices
    scrambled = [sentences.SentenceSplits(s.name, s.dev, s.train, s.test.assign(rating=s.test.rating.to_numpy()[::-1]))
                 for s in splits]
    again = tr.model_transfer(model, run, scrambled, n_boot=100, n_random_directions=50, n_components=3, progress=False)
    a2 = again.benchmarks["tweets"]
    assert a2.presentation == b.presentation and a2.ridge == b.ridge
    np.testing.assert_array_equal(a2.test.ridge, b.test.ridge)
    assert a2.components.equals(b.components)
    assert a2.scores.loc["V-axis", "rho"] != b.scores.loc["V-axis", "rho"]
    summary = out.summary()
    assert summary["benchmarks"]["tweets"]["presentation"] == b.presentation and summary["seconds"] >= 0
    table = tr.transfer_table({"tiny": out})
    assert table.shape[0] == 2 and {"rho", "vader", "ceiling", "share", "word"} <= set(table.columns)
    assert rep.transfer_summary(table).shape == (2, 8)
    assert rep.method_summary(out).shape == (8, 4) and rep.paired_summary(out).shape == (8, 1)
    text = rep.describe_worst(tr.worst_ranked(b.test, b.test.position.to_numpy(), k=3), width=40)
    assert text.count("human mean") == 3 and max(len(line) for line in text.splitlines()[1::2]) <= 40
    tags = rep.tag_summary(tr.by_tag(b.test, b.test.position.to_numpy(), n_boot=50))
    assert list(tags.index) == list(sentences.TAGS) and set(tags.columns) >= {"V-axis rho", "VADER rho"}
    # the result file and the scorecard's row read back what was computed
    from vaxis import results

    results.write_sentences(tmp_path, chapter="01", profile="test", transfers={"tiny": out}, n_sentences=110, seed=0)
    saved = results.load_sentences(tmp_path, "01")
    row = rep.scorecard_row(saved)
    assert row["outcome"] == tr.verdict({k: v.summary() for k, v in out.benchmarks.items()})
    assert row["outcome"] in ("agrees", "disagrees", "undecided") and "share of the ceiling" in row["this book"]
    assert results.load_sentences(tmp_path, "02") is None


@pytest.mark.parametrize("share, diff, want", [
    ((0.6, 0.9), (0.05, 0.2), ("at least 0.5 of the supervised ceiling", "better than VADER")),
    ((0.2, 0.45), (-0.4, -0.1), ("less than 0.5", "worse than VADER")),
    ((0.4, 0.7), (-0.1, 0.1), ("cannot be told from 0.5", "cannot be told apart from VADER"))])
def test_in_words_turn_with_the_intervals(share, diff, want):
    b = {"paired": {"share of ceiling": {"value": sum(share) / 2, "low": share[0], "high": share[1]},
                    "V-axis - VADER": {"value": sum(diff) / 2, "low": diff[0], "high": diff[1]}}}
    text = rep.transfer_in_words("m", {"tweets": b}, width=None)
    assert text.startswith("Zero-shot") and all(w in text for w in want) and "on tweets" in text
    idx = pd.MultiIndex.from_tuples([("a", "tweets"), ("b", "tweets")], names=["model", "benchmark"])
    table = pd.DataFrame({"share_low": [share[0], 0.6], "minus_vader_low": [diff[0], -0.2],
                          "minus_vader_high": [diff[1], -0.05]}, index=idx)
    text = rep.models_in_words(table, width=None)
    half = int(share[0] >= 0.5) + 1
    assert f"{half} of 2 reach at least 0.5" in text and f"{int(diff[0] > 0)} rank sentences better" in text
