"""Chapter 3's alternative targets: same folds, paired differences, the within-side null."""

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.decoding import alternatives as alt
from vaxis.decoding.mapping import LinearMapCV

CATS = ["anger", "disgust", "fear", "sadness", "neutral", "amusement", "inspiration", "joy", "tenderness"]
#: LLM-like positions: the split plus an order inside each side.
LLM = dict(zip(CATS, [-1.4, -1.1, -0.8, -0.5, 0.0, 0.5, 0.8, 1.1, 1.4]))


def eeg(planted, n_sub=10, F=6, noise=0.3, seed=0):
    """Trials of n_sub subjects (2 per category); feature 0 carries ``planted``'s value of the category."""
    rng = np.random.default_rng(seed)
    cats = np.repeat(CATS, 2)
    X, C, G = [], [], []
    for s in range(n_sub):
        x = rng.normal(size=(cats.size, F)) * noise
        x[:, 0] += np.array([planted[c] for c in cats])
        X.append(x), C.append(cats), G.append(np.full(cats.size, f"s{s}"))
    return LinearMapCV(n_splits=5, inner_splits=2, alphas=(0.1, 10.0, 1000.0)).fit(
        np.vstack(X), np.concatenate(C), np.concatenate(G))


def test_ternary_and_sides():
    t = alt.ternary_split(CATS)
    assert [t[c] for c in CATS] == [-1, -1, -1, -1, 0, 1, 1, 1, 1]
    with pytest.raises(VaxisInputError, match="no side"):
        alt.side("boredom")


def test_target_is_scale_and_shift_free():
    m = eeg(LLM)
    a = alt.per_subject_r(m, LLM)
    b = alt.per_subject_r(m, {c: 3 * v + 2 for c, v in LLM.items()})
    np.testing.assert_allclose(a, b, atol=1e-9)
    assert a.mean() > 0.9


def test_pc1_of_training_class_means_recovers_the_planted_order():
    planted = dict(zip(CATS, [0.3, -1.0, -0.2, -0.6, 0.1, 1.2, 0.4, 0.9, 0.6]))
    m = eeg(planted, noise=0.1)
    pc1 = alt.class_mean_pc1(m)
    assert pc1.shape == (5, 9)
    want = np.array([planted[c] for c in m.categories_])
    for row in pc1:  # every fold: the planted order, oriented with the split
        assert np.corrcoef(row, want)[0, 1] > 0.98
    r = alt.per_subject_r(m, pc1)
    assert r.shape == (10,) and r.mean() > 0.9


def test_split_alone_is_as_good_and_the_within_side_order_adds_nothing():
    """EEG that carries only negative / neutral / positive: the LLM must not beat the split."""
    m = eeg(alt.ternary_split(CATS), noise=0.3)
    table, per = alt.compare_targets(m, {"llm": LLM, "split": alt.ternary_split(CATS)}, "llm", n_boot=500)
    assert per.shape == (10, 2) and np.isnan(table.loc["llm", "diff"])
    assert table.loc["split", "diff"] < 0 and table.loc["split", "diff_high"] < 0  # the split wins
    assert bool(table.loc["split", "best"])
    null = alt.within_side_null(m, LLM)
    assert null["n"] == 576 and null["p"] > 0.2


def test_within_side_order_is_detected_when_the_eeg_carries_it():
    m = eeg(LLM, noise=0.2)
    null = alt.within_side_null(m, LLM)
    assert null["rank"] == 1 and null["p"] == pytest.approx(1 / 576)
    table, _ = alt.compare_targets(m, {"llm": LLM, "split": alt.ternary_split(CATS)}, "llm", n_boot=500)
    assert table.loc["split", "diff_low"] > 0 and bool(table.loc["llm", "best"])


def test_bad_targets_are_refused():
    m = eeg(LLM)
    with pytest.raises(VaxisInputError, match="lacks"):
        alt.per_subject_r(m, {c: 1.0 for c in CATS[:-1]})
    with pytest.raises(VaxisInputError, match="shape"):
        alt.per_subject_r(m, np.zeros((2, 9)))
    with pytest.raises(VaxisInputError, match="reference"):
        alt.compare_targets(m, {"llm": LLM}, "split")
