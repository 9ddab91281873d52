"""The V read-out of chapter 4 on constructed representations with known answers."""

import numpy as np
import pandas as pd
import pytest

from vaxis._checks import VaxisInputError
from vaxis.decoding import rediscovery as rd
from vaxis.eeg.montage import FACED_CATEGORIES

CATS = ["anger", "disgust", "fear", "sadness", "neutral", "amusement", "inspiration", "joy", "tenderness"]
POS = dict(zip(CATS, [-1.0, -1.2, -0.8, -0.9, 0.0, 0.9, 0.7, 1.2, 0.8]))


def _trials(n_subjects=8, seed=0):
    cats = np.tile(np.repeat(CATS, 2), n_subjects)
    subs = np.repeat([f"s{i}" for i in range(n_subjects)], 2 * len(CATS))
    return cats, subs, np.random.default_rng(seed)


def test_assignments():
    a = rd.assignments(9)
    assert a.shape == (362880, 9) and (a[0] == np.arange(9)).all()
    m = rd.assignments(9, 50, seed=1)
    assert m.shape == (51, 9) and (m[0] == np.arange(9)).all()
    with pytest.raises(VaxisInputError):
        rd.assignments(9, "all")


def test_representation_carrying_v_is_found():
    cats, subs, rng = _trials()
    v = np.array([POS[c] for c in cats])
    z = np.column_stack([v + 0.3 * rng.standard_normal(v.size), rng.standard_normal((v.size, 5))])
    fr = rd.fold_readout(z, cats, subs, POS, perms=rd.assignments(9, 500, seed=0))
    assert fr.mean_r > 0.8
    assert (fr.null_sum[1:] < fr.null_sum[0]).all()  # no other ordering does as well
    assert fr.cos_classmean > 0.95 and fr.basin_cos > 0.95


def test_separable_classes_in_another_order_are_not_the_v_axis():
    """Classes spread along one unit but in an order unrelated to V: the test must not fire."""
    cats, subs, rng = _trials()
    other = dict(zip(CATS, np.array([0.0, 1.0, -1.0, 0.5, -0.5, 0.2, -1.2, -0.1, 1.1])))  # rho(V) ~ 0
    z = np.column_stack([[other[c] for c in cats], rng.standard_normal((len(cats), 3))])
    z[:, 0] += 0.05 * rng.standard_normal(len(cats))
    fr = rd.fold_readout(z, cats, subs, POS, perms=rd.assignments(9, 500, seed=0))
    p = np.mean(fr.null_sum >= fr.null_sum[0])
    assert p > 0.05


def test_null_sums_are_the_read_out_of_each_reassigned_ordering():
    """Known answer: null_sum[i] = sum over subjects of r with the positions permuted by perms[i], read
    out directly; with the pair products kept for reuse (as readout_results does across networks),
    a second representation gets its own sums, not the first one's."""
    cats, subs, rng = _trials(n_subjects=6)
    perms = rd.assignments(9, 5000, seed=3)  # > 1 chunk of 4096
    cache = {}
    for seed in (0, 1):
        z = np.random.default_rng(seed).standard_normal((len(cats), 4)) + np.array([POS[c] for c in cats])[:, None]
        with_cache = rd._fold_readout(z, cats, subs, POS, 4, rd.DEFAULT_ALPHA, perms, cache)
        assert len(cache) == 1
        fresh = rd.fold_readout(z, cats, subs, POS, perms=perms)
        np.testing.assert_array_equal(with_cache.null_sum, fresh.null_sum)
        for i in (0, 1, 4097, 4999):
            # the read-out orders categories as they first appear in the trials (CATS here)
            moved = dict(zip(CATS, np.array([POS[c] for c in CATS])[perms[i]]))
            direct = rd.fold_readout(z, cats, subs, moved)
            assert with_cache.null_sum[i] == pytest.approx(np.nansum(direct.r), abs=1e-9)


def test_noise_carries_nothing():
    cats, subs, rng = _trials()
    fr = rd.fold_readout(rng.standard_normal((len(cats), 6)), cats, subs, POS)
    assert abs(fr.mean_r) < 0.2


def test_count_and_accuracy_table():
    nets = pd.DataFrame({"arch": ["mlp", "mlp"], "seed": [0, 1], "mean_r": [0.5, 0.1], "p": [0.001, 0.5]})
    ctrl = pd.DataFrame({"arch": ["mlp"], "mean_r": [0.2]})
    c = rd.count_rediscoveries(nets, ctrl, level=0.05)
    assert (c["n"], c["n_rediscover"], c["n_beyond_controls"]) == (2, 1, 1)
    fold = pd.DataFrame({"arch": ["a"] * 4, "fold": [0, 0, 1, 1], "balanced_accuracy": [0.2, 0.4, 0.5, 0.5]})
    acc = rd.accuracy_table(fold)
    assert acc.loc["a", "balanced_accuracy"] == pytest.approx(0.4) and acc.loc["a", "n_folds"] == 2
    assert acc.loc["a", "ci_low"] < 0.4 < acc.loc["a", "ci_high"]


def test_missing_position_is_refused():
    cats, subs, rng = _trials()
    with pytest.raises(VaxisInputError, match="No V position"):
        rd.fold_readout(rng.standard_normal((len(cats), 3)), cats, subs, {c: 0.0 for c in CATS[:-1]})


def test_control_counts_correct_each_kind_on_its_own():
    df = pd.DataFrame({"kind": ["trained"] * 3 + ["untrained"] * 3 + ["raw features"],
                       "mean_r": [0.5, 0.4, 0.3, 0.1, 0.0, 0.2, 0.3],
                       "p": [0.001, 0.03, 0.04, 0.5, 0.03, 0.9, 0.004]})
    c = rd.control_counts(df, level=0.05)
    assert list(c.index) == ["trained", "untrained", "raw features"]
    assert c.loc["trained", ["n", "significant", "uncorrected"]].tolist() == [3, 3, 3]
    assert c.loc["trained", "holm"] == 1  # Holm: 0.003, then 0.03 x 2 = 0.06 stops; BH keeps all three
    assert c.loc["untrained", ["n", "significant", "uncorrected"]].tolist() == [3, 0, 1]
    assert c.loc["raw features", "significant"] == 1
    assert c.loc["untrained", "mean_r"] == pytest.approx(0.1)
    with pytest.raises(VaxisInputError, match="kind"):
        rd.control_counts(df.drop(columns="p"))


def test_raw_feature_units_average_windows_per_trial():
    from vaxis.decoding.engine import TrainData
    from vaxis.decoding.folds import subject_folds

    rng = np.random.default_rng(0)
    S, C, W = 6, 9, 3
    trial = np.repeat(np.arange(S * C), W)
    X = rng.normal(size=(S * C * W, 2, 2)).astype(np.float32)
    subs = np.repeat([f"s{i}" for i in range(S)], C)
    data = TrainData(X=X, y=np.zeros(trial.size, np.int64), subject=subs[trial], trial=trial,
                     window=np.tile(np.arange(W), S * C), classes=CATS, trial_subject=subs,
                     trial_clip=np.tile(np.arange(C), S), trial_label=np.tile(np.arange(C), S))
    folds = subject_folds(subs, n_splits=3, seed=0, val_fraction=0.2)
    res = rd.raw_feature_units(data, folds)
    assert [u.fold for u in res.units] == [0, 1, 2] and res.units[0].arch == rd.RAW_FEATURES
    z = res.units[0].z
    assert z.shape == (S * C, 4)
    np.testing.assert_allclose(z[5], X[trial == 5].reshape(W, 4).mean(axis=0), rtol=1e-6)
    held = set(subs[res.units[1].test_trials])
    assert held == set(folds[1].test)


def _per_fold(kind, r_of, n_folds=3, n_sub=5, archs=("mlp", "logreg")):
    return pd.DataFrame([{"arch": a, "seed": 0, "fold": f, "kind": kind,
                          "subject_r": {f"s{f}{i}": r_of(a, f, i) for i in range(n_sub)}}
                         for a in archs for f in range(n_folds)])


def test_gap_over_controls_known_answer_and_words():
    trained = _per_fold("trained", lambda a, f, i: 0.5 + (0.1 if a == "mlp" else -0.1))  # mean over archs: 0.5
    untrained = _per_fold("untrained", lambda a, f, i: 0.2)
    raw = _per_fold("raw features", lambda a, f, i: 0.5 + 0.1 * (f - 1) + 0.01 * i, archs=("raw features",))
    gap = rd.gap_over_controls(pd.concat([trained, untrained, raw]), n_boot=500)
    assert gap.loc["untrained", ["gap", "low", "high"]].tolist() == pytest.approx([0.3, 0.3, 0.3])
    assert gap.loc["untrained", "p"] == 0.0 and gap.loc["untrained", "n_subjects"] == 15
    assert gap.loc["raw features", "gap"] == pytest.approx(-0.02)
    assert gap.loc["raw features", "low"] < 0 < gap.loc["raw features", "high"]  # folds differ: a wide interval
    assert gap.loc["raw features", "n_folds"] == 3
    words = rd.gap_in_words(gap)
    assert words.startswith("Trained networks carry more of the V-axis than untrained") and "raw features" in words
    assert "cannot tell" in words


def test_subject_readouts_come_from_the_readout():
    """readout_results keeps every held-out subject's r: their mean is the fold's mean r."""
    rng = np.random.default_rng(0)
    cats = np.repeat(FACED_CATEGORIES, 8)
    subs = np.tile(np.repeat(["a", "b", "c", "d"], 2), 9)
    positions = dict(zip(FACED_CATEGORIES, np.linspace(-1, 1, 9)))
    z = np.array([positions[c] for c in cats])[:, None] * np.ones((1, 4)) + rng.normal(0, 0.5, (cats.size, 4))
    fr = rd.fold_readout(z, cats, subs, positions, n_splits=2)
    assert sorted(fr.subjects) == ["a", "b", "c", "d"] and fr.r.shape == (4,)
