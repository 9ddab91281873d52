"""The EEG-to-axis map: known answers, and the exact permutation null against brute force."""

import itertools

import numpy as np
import pytest
from scipy import stats

from vaxis._checks import VaxisInputError
from vaxis.decoding.mapping import (
    LinearMapCV,
    MapFold,
    MapSubject,
    VAxisRidgeMap,
    cross_validate_map,
    random_direction_positions,
)
from vaxis.stats import all_permutations

ALPHAS = (0.1, 10.0, 1000.0)


def toy(n_sub=6, K=4, F=5, noise=0.5, seed=0, signal=1.0):
    """Rows = subjects x clips (2 clips per category); feature 0 carries the planted positions."""
    rng = np.random.default_rng(seed)
    cats = np.array([f"c{k}" for k in range(K) for _ in range(2)])
    pos = {f"c{k}": float(v) for k, v in enumerate([-1.0, 0.1, 0.45, 2.3, 0.8, -0.4][:K])}
    X, C, G = [], [], []
    for s in range(n_sub):
        x = rng.normal(size=(len(cats), F)) * noise
        x[:, 0] += signal * np.array([pos[c] for c in cats])
        X.append(x), C.append(cats), G.append(np.full(len(cats), f"s{s}"))
    return np.vstack(X), np.concatenate(C), np.concatenate(G), pos


def brute_force_stat(X, cats, groups, pos, n_splits=3, inner=2):
    from sklearn.model_selection import GroupKFold

    y = np.array([pos[c] for c in cats])
    rs = []
    for tr, te in GroupKFold(n_splits=n_splits).split(X, y, groups):
        m = VAxisRidgeMap(alphas=ALPHAS, inner_splits=inner).fit(X[tr], y[tr], groups[tr])
        pred = m.predict(X[te])
        for s in dict.fromkeys(groups[te]):
            k = groups[te] == s
            rs.append(stats.pearsonr(pred[k], y[te][k])[0])
    return float(np.mean(rs))


def test_known_answer_strong_signal():
    X, cats, groups, pos = toy(noise=0.05)
    res = cross_validate_map((X, cats, groups), pos, n_splits=3, inner_splits=2, alphas=ALPHAS,
                             permutations="exact")
    assert res.mean_r > 0.99 and res.pooled_r > 0.99
    assert res.permutation_kind == "exact" and res.n_permutations == 24
    assert res.p_value == pytest.approx(1 / 24)
    assert abs(res.weights[0]) > 5 * np.abs(res.weights[1:]).max()
    assert set(res.per_subject["subject"]) == {f"s{i}" for i in range(6)}


def test_observed_matches_brute_force_refit():
    X, cats, groups, pos = toy(noise=0.8, seed=1)
    res = cross_validate_map((X, cats, groups), pos, n_splits=3, inner_splits=2, alphas=ALPHAS,
                             permutations=0)
    assert res.mean_r == pytest.approx(brute_force_stat(X, cats, groups, pos), abs=1e-8)
    assert res.p_value is None


@pytest.mark.parametrize("mode", ["reselect", "fixed"])
def test_exact_null_matches_brute_force(mode):
    X, cats, groups, pos = toy(noise=1.5, seed=2, signal=0.6)
    res = cross_validate_map((X, cats, groups), pos, n_splits=3, inner_splits=2, alphas=ALPHAS,
                             permutations="exact", alpha_under_null=mode)
    names = list(pos)
    v = np.array([pos[c] for c in names])
    brute = []
    for perm in itertools.permutations(range(len(names))):
        p = {c: v[perm[i]] for i, c in enumerate(names)}
        if mode == "reselect":
            brute.append(brute_force_stat(X, cats, groups, p))
    if mode == "reselect":
        np.testing.assert_allclose(res.null, brute, atol=1e-8)
    else:
        assert res.null[0] == pytest.approx(res.mean_r)
    assert res.p_value == pytest.approx(np.mean(res.null >= res.mean_r - 1e-12))


def test_mean_r_of_positions_and_random_directions():
    X, cats, groups, pos = toy(noise=0.3)
    m = LinearMapCV(n_splits=3, inner_splits=2, alphas=ALPHAS).fit(X, cats, groups)
    names = list(pos)[::-1]
    r = m.mean_r(names, np.array([[pos[c] for c in names]]))
    res = cross_validate_map(None, pos, fitted=m, permutations=0)
    assert r[0] == pytest.approx(res.mean_r)
    vecs = {c: np.random.default_rng(i).normal(size=7) for i, c in enumerate(pos)}
    cats_r, V = random_direction_positions(vecs, n_directions=5, seed=0)
    assert V.shape == (5, 4) and cats_r == list(pos)
    assert np.isfinite(m.mean_r(cats_r, V)).all()


def test_linear_map_is_an_estimator_with_fold_objects():
    """Parameters stored unchanged in __init__, the work in fit; folds are objects that cover every subject once."""
    X, cats, groups, pos = toy(n_sub=6)
    m = LinearMapCV(n_splits=3, inner_splits=2, alphas=ALPHAS)
    assert (m.n_splits, m.inner_splits, m.alphas) == (3, 2, ALPHAS) and not hasattr(m, "folds_")
    with pytest.raises(VaxisInputError, match="not fitted"):
        m.evaluate(np.zeros((1, 4)))
    assert m.fit(X, cats, groups) is m
    assert all(isinstance(f, MapFold) for f in m.folds_) and [f.index for f in m.folds_] == [0, 1, 2]
    held_out = [s.subject for f in m.folds_ for s in f.subjects]
    assert sorted(held_out) == sorted(m.subjects_) and len(held_out) == 6
    for f in m.folds_:
        assert not set(groups[f.train]) & set(groups[f.test])
        for s in f.subjects:
            assert isinstance(s, MapSubject) and set(groups[s.rows]) == {s.subject}
            assert s.P.shape == s.Qp.shape == (len(ALPHAS), 10) and s.B.shape == (len(ALPHAS), s.rows.size, 4)
    assert m.fold_of_ == {s.subject: f.index for f in m.folds_ for s in f.subjects}


def test_monte_carlo_and_errors():
    X, cats, groups, pos = toy()
    res = cross_validate_map((X, cats, groups), pos, n_splits=3, inner_splits=2, alphas=ALPHAS,
                             permutations=50, seed=1)
    assert res.permutation_kind == "monte-carlo" and res.n_permutations == 51
    assert all_permutations(3).tolist()[0] == [0, 1, 2]
    with pytest.raises(VaxisInputError, match="lack the categories"):
        cross_validate_map((X, cats, groups), {"c0": 1.0, "c1": 2.0}, n_splits=3)
    with pytest.raises(VaxisInputError, match="equal"):
        cross_validate_map((X, cats, groups), {c: 1.0 for c in pos}, n_splits=3)
    with pytest.raises(VaxisInputError, match="EEGDataset or a tuple"):
        cross_validate_map([1, 2], pos)


def test_on_simulated_cohort():
    from vaxis.eeg.simulate import simulate_faced
    from vaxis.decoding.mapping import human_valence_positions  # noqa: I001

    ds = simulate_faced(n_subjects=20, n_windows=5, seed=0)
    res = cross_validate_map(ds, human_valence_positions(ds), n_splits=4, permutations="exact")
    assert res.n_permutations == 362880
    assert res.mean_r > 0.2 and res.p_value < 0.05
    assert res.ci.low < res.mean_r < res.ci.high
    assert res.weights.shape == (30 * 5,)  # 30 scalp channels (reference rows left out)


def test_held_out_clips_match_a_refit_per_unit():
    """Clips held out (a crossed split): each subject's r is the mean over its units of a ridge refitted on
    the unit's training subjects and kept clips and scored on its held-out clips, penalty by inner CV."""
    from sklearn.model_selection import GroupKFold

    from vaxis.decoding.folds import HELD_OUT_CLIPS, clip_subject_split

    pos = toy()[3]
    n_sub, n_clip = 6, 12  # every subject sees clips 0..11, three per category
    rng = np.random.default_rng(3)
    cat_clip = np.repeat([f"c{k}" for k in range(4)], 3)
    X = rng.normal(size=(n_sub * n_clip, 5))
    clip = np.tile(np.arange(n_clip), n_sub)
    cats = cat_clip[clip]
    groups = np.repeat([f"s{s}" for s in range(n_sub)], n_clip)
    X[:, 0] += np.array([pos[c] for c in cats]) + rng.normal(size=n_clip)[clip]  # a clip signature too
    split = clip_subject_split(groups, cat_clip, n_splits=3, seed=1, val_fraction=0.0, n_rotations=3)
    units = split.units(HELD_OUT_CLIPS)
    lm = LinearMapCV(inner_splits=2, alphas=ALPHAS).fit(X, cats, groups, clips=clip, folds=units)
    y = np.array([pos[c] for c in cats])
    got = lm.evaluate(np.array([[pos[c] for c in lm.categories_]]))[0]
    per = {}
    for u in units:
        tr, va, te = u.rows(groups, clip)
        tr = np.sort(np.concatenate([tr, va]))
        m = VAxisRidgeMap(alphas=ALPHAS, inner_splits=2).fit(X[tr], y[tr], groups[tr])
        for s in dict.fromkeys(groups[te]):
            k = te[groups[te] == s]
            per.setdefault(s, []).append(stats.pearsonr(m.predict(X[k]), y[k])[0])
    want = np.array([np.mean(per[s]) for s in lm.subjects_])
    np.testing.assert_allclose(got, want, atol=1e-8)
    assert all(len(lm.units_of_[s]) == 3 for s in lm.subjects_)  # every subject in every rotation
    # GroupKFold folds with the clips of one rotation: the same as explicit folds built from them
    h = split.holdouts[0]
    a = LinearMapCV(n_splits=3, inner_splits=2, alphas=ALPHAS).fit(X, cats, groups, clips=clip,
                                                                   train_clips=h.kept, test_clips=h.held_out)
    for f, (tr, te) in zip(a.folds_, GroupKFold(n_splits=3).split(X, y, groups)):
        assert set(clip[f.train]) == set(h.kept) and set(groups[f.train]) == set(groups[tr])
        assert set(clip[f.test]) == set(h.held_out) and set(groups[f.test]) == set(groups[te])
    with pytest.raises(VaxisInputError, match="clip"):
        LinearMapCV().fit(X, cats, groups, folds=units)
