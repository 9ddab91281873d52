"""Chapter 1's controls: random directions, unsupervised baselines chosen on dev, common vs rare words."""

import numpy as np
import pandas as pd
import pytest

from vaxis import stats
from vaxis._checks import VaxisInputError
from vaxis.llm import frequency, specificity as sp


def test_random_direction_in_one_dimension_is_the_axis_up_to_sign():
    rng = np.random.default_rng(0)
    y = rng.normal(size=40)
    x = y + 0.5 * rng.normal(size=40)
    rhos = sp.random_direction_rhos(x[:, None], y, n_directions=20, seed=1)
    np.testing.assert_allclose(np.abs(rhos), abs(stats.spearman(x, y)), atol=1e-12)


def test_rank_of_a_strong_axis_among_random_directions():
    rng = np.random.default_rng(1)
    y = rng.normal(size=200)
    X = rng.normal(size=(200, 50))
    X[:, 0] += 3 * y
    v_rho = stats.spearman(X[:, 0], y)
    rhos = sp.random_direction_rhos(X, y, n_directions=500, seed=0)
    r = sp.rank_among(v_rho, rhos)
    assert r["share_at_least"] == 0 and r["rank"] == 1 and r["n"] == 500
    assert 0 < r["median_abs"] < r["p95_abs"] <= r["max_abs"] < v_rho
    assert sp.rank_among(0.0, rhos)["rank"] == 501


def _states(n=300, seed=0, flip=False):
    """Component 1 (largest variance) is noise; component 2 carries valence, with a negative sign."""
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    X = rng.normal(size=(n, 10)) * 0.1
    X[:, 0] += 5 * rng.normal(size=n)
    X[:, 1] += -2 * y
    return X, y


def test_pca_baseline_component_and_sign_come_from_dev():
    (dev, ydev), (test, ytest), (af, yaf) = _states(seed=0), _states(seed=1), _states(seed=2)
    ws = sp.WordStates(dev, test, af, ydev, ytest, yaf)
    t = sp.pca_baselines(ws, n_components=3)
    chosen = t[t.chosen].iloc[0]
    assert int(chosen.component) == 2 and int(chosen.sign) == -1
    assert chosen.test_rho > 0.95 and chosen.afinn_rho > 0.95 and chosen.dev_rho > 0.95
    assert t.explained.iloc[0] > t.explained.iloc[1]
    np.testing.assert_allclose(stats.spearman(sp.baseline_positions(t, test), ytest), chosen.test_rho)
    with pytest.raises(VaxisInputError):
        sp.pca_baselines(ws, n_components=0)


def test_paired_advantage():
    rng = np.random.default_rng(3)
    y = rng.normal(size=300)
    good, bad = y + 0.2 * rng.normal(size=300), y + 2.0 * rng.normal(size=300)
    a = sp.paired_advantage(good, bad, y, n_boot=500)
    assert a["diff"] > 0.3 and 0 < a["low"] < a["diff"] < a["high"] and a["p_not_greater"] == 0
    b = sp.paired_advantage(bad, good, y, n_boot=500)
    assert b["high"] < 0 and b["p_not_greater"] == 1
    same = sp.paired_advantage(good, good, y, n_boot=100)
    assert same["diff"] == 0 and same["low"] == same["high"] == 0


COMMON = ["good", "bad", "happy", "love", "hate", "great", "nice", "sad", "best", "fun", "war", "death"]
RARE = ["felicitous", "lugubrious", "execrable", "mirthful", "dolorous", "beatific", "baleful",
        "jocund", "odious", "rapturous", "woebegone", "exultant"]


def test_common_and_rare_halves():
    rng = np.random.default_rng(0)
    words = COMMON + RARE
    f = frequency.zipf_frequency(words)
    assert f[: len(COMMON)].min() > f[len(COMMON):].max()  # wordfreq knows which is which
    y = rng.normal(size=len(words))
    pos = np.concatenate([y[: len(COMMON)], rng.normal(size=len(RARE))])  # only common words placed right
    t = frequency.by_frequency(pos, y, words, n_boot=300)
    assert list(t.index) == ["common", "rare", "common - rare"]
    assert t.loc["common", "rho"] == pytest.approx(1.0) and t.loc["common", "n"] == len(COMMON)
    assert set(t.loc["common", ["zipf_min"]]) and t.loc["rare", "zipf_max"] < t.loc["common", "zipf_min"]
    assert t.loc["common - rare", "low"] > 0
    with pytest.raises(VaxisInputError, match="entries"):
        frequency.by_frequency(pos, y, words[:-1])


def _controls(name, v_noise, seed, pc_noise=0.0):
    """A model whose states carry valence on PC 2 (plus ``pc_noise``) and whose V-axis positions are the
    ratings plus ``v_noise`` noise, or (``v_noise=None``) exactly the chosen component's positions."""
    rng = np.random.default_rng(seed + 100)
    splits = []
    for k in range(3):
        X, y = _states(seed=seed + k)
        X[:, 1] += pc_noise * rng.normal(size=y.size)
        splits.append((X, y))
    (dev, ydev), (test, ytest), (af, yaf) = splits
    ws = sp.WordStates(dev, test, af, ydev, ytest, yaf)
    base = sp.pca_baselines(ws, n_components=3)
    pc = sp.baseline_positions(base, ws.test)
    pos = pc if v_noise is None else ytest + v_noise * rng.normal(size=ytest.size)
    random = sp.random_direction_rhos(ws.test, ytest, 50, seed=seed)
    est = stats.bootstrap_corr(pos, ytest, n_boot=200, seed=seed)
    adv = sp.paired_advantage(pos, pc, ytest, n_boot=200, seed=seed)
    freq = pd.DataFrame({"rho": [0.8, 0.4, 0.4], "low": [0.7, 0.3, 0.25], "high": [0.9, 0.5, 0.55],
                         "n": [150, 150, 300], "zipf_min": [3.0, 1.0, 1.0], "zipf_max": [6.0, 3.0, 6.0]},
                        index=["common", "rare", "common - rare"])
    return sp.Controls(name, est, random, sp.rank_among(est.value, random), base, adv, freq)


def test_controls_table_reads_the_intervals():
    """A V-axis noisier than the words' own valence component is worse; one equal to it shows no clear
    difference; one sharper than a noisy component is better; a common - rare interval above 0 reads
    'weaker on rare words'; intervals across 0 read 'no clear difference'."""
    c = {"noisy": _controls("noisy", 3.0, 0), "same": _controls("same", None, 10),
         "sharp": _controls("sharp", 0.2, 20, pc_noise=4.0)}
    straddle = _controls("straddle", None, 30)  # intervals across 0: neither reading
    straddle.advantage.update(diff=0.01, low=-0.02, high=0.03)
    straddle.frequency.loc["common - rare", ["rho", "low", "high"]] = [0.05, -0.1, 0.2]
    c["straddle"] = straddle
    t = sp.controls_table(c)
    assert list(t.index) == ["noisy", "same", "sharp", "straddle"]
    assert t.loc["straddle", "sentences"] == "no clear difference" and t.loc["straddle", "rare_words"] == "no clear difference"
    assert t.loc["noisy", "sentences"] == "V-axis worse" and t.loc["noisy", "diff_high"] < 0
    assert t.loc["same", "sentences"] == "no clear difference" and t.loc["same", "diff"] == 0
    assert t.loc["sharp", "sentences"] == "V-axis better" and t.loc["sharp", "diff_low"] > 0
    assert (t["pc"] == 2).all() and (t["rare_words"][:3] == "weaker on rare words").all() and (t["n_random"] == 50).all()
    assert t.loc["sharp", "rho"] == c["sharp"].vaxis.value and t.loc["sharp", "gap_low"] == 0.25
    assert t.loc["noisy", "rank"] > 1 and t.loc["same", "rank"] == 1
    s = sp.controls_summary(t)
    assert s.loc["sharp", "rare words"] == "0.40 [0.30, 0.50]" and s.loc["same", "rank among random"] == "1 / 51"


def test_specificity_figure_says_where_its_data_come_from():
    import matplotlib

    matplotlib.use("Agg")
    from vaxis import plots

    c = {"a": _controls("a", 0.5, 0), "b": _controls("b", None, 5)}
    fig = plots.specificity_controls(sp.controls_table(c), {n: x.random_rhos for n, x in c.items()}, source="planted test")
    texts = [t.get_text() for t in fig.texts] + [ax.get_title() for ax in fig.axes]
    assert "data: planted test" in texts and all(ax.get_xlabel() for ax in fig.axes)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == ["a", "b"]
