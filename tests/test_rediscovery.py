"""The V read-out of chapter 4 on constructed representations with known answers."""

import numpy as np
import pandas as pd
import pytest

from vaxis._checks import VaxisInputError
from vaxis.decoding import rediscovery as rd

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
