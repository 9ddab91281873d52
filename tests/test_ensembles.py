"""Chapter 6's ensembles: the residual projection, selection blind to test data, probability averaging."""

import numpy as np
import pandas as pd
import pytest
import torch

from geometry_cases import constructed
from vaxis._checks import VaxisInputError
from vaxis.decoding import engine, ensembles
from vaxis.decoding.folds import subject_folds
from vaxis.eeg import cohort

torch.set_num_threads(2)


def test_residual_diversity():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    R = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    div = ensembles.residual_diversity([X, X @ R, np.ones((60, 2)), rng.normal(size=(60, 7))])
    assert div[0, 1] == pytest.approx(0.0, abs=1e-12)  # a rotation is no diversity
    assert div[0, 2] == 0.0 and div[2, 3] == 0.0  # a residual without variance adds nothing
    assert div[0, 3] > 0.7 and np.all(np.diag(div) == 0) and np.allclose(div, div.T)
    with pytest.raises(VaxisInputError, match="same items"):
        ensembles.residual_diversity([X, X[:10]])


def test_average_proba_and_disagreement():
    p = np.array([[[0.7, 0.3], [0.2, 0.8]], [[0.1, 0.9], [0.4, 0.6]], [[0.5, 0.5], [1.0, 0.0]]])
    np.testing.assert_allclose(ensembles.average_proba(p, [0, 1]), [[0.4, 0.6], [0.3, 0.7]])
    np.testing.assert_allclose(ensembles.average_proba(p), p.mean(0))
    d = ensembles.prediction_disagreement(p)
    assert d[0, 1] == 0.5 and d[1, 2] == 1.0 and d[0, 2] == 0.5 and d[0, 0] == 0


@pytest.mark.parametrize("bad, match", [
    (np.full((2, 3, 2), 0.7), "probability vectors"),
    (np.full((2, 3), 0.5), "3-D"),
    (np.array([[[np.nan, 1.0]]]), "NaN"),
])
def test_average_proba_refuses_bad_input(bad, match):
    with pytest.raises(VaxisInputError, match=match):
        ensembles.average_proba(bad)


def test_bad_inputs_have_clear_errors():
    p = np.full((2, 4, 2), 0.5)
    with pytest.raises(VaxisInputError, match="outside"):
        ensembles.average_proba(p, [0, 5])
    with pytest.raises(VaxisInputError, match="at least one member"):
        ensembles.average_proba(p, [])
    with pytest.raises(VaxisInputError, match="diversity must be"):
        ensembles.greedy_path(p, np.array([0, 1, 0, 1]), None, weight=0.1)
    with pytest.raises(VaxisInputError, match="max_size"):
        ensembles.greedy_path(p, np.array([0, 1, 0, 1]), max_size=3)
    with pytest.raises(VaxisInputError, match="baseline='knn'"):
        ensembles.de_baseline("knn", np.ones((4, 2)), np.array([0, 1, 0, 1]), [0, 1], [2], [3])


def test_greedy_path_known_answer():
    y = np.array([0, 0, 1, 1])
    good = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.6, 0.4]])  # 3 of 4 right
    fixer = np.array([[0.6, 0.4], [0.3, 0.7], [0.3, 0.7], [0.1, 0.9]])  # fixes the last trial, breaks none avg
    bad = np.array([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.9, 0.1]])
    path = ensembles.greedy_path(np.stack([bad, good, fixer]), y)
    assert path.order[:2] == [1, 2] and path.val_bacc[1] == 1.0 and path.size == 2
    # a large diversity bonus makes the most diverse member come second
    div = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float)
    assert ensembles.greedy_path(np.stack([bad, good, fixer]), y, div, weight=10.0).order[1] == 0


@pytest.fixture(scope="module")
def fold_members():
    rng = np.random.default_rng(1)
    T, K, M = 60, 3, 5
    y = np.tile(np.arange(K), T // K)
    logits = rng.normal(size=(M, T, K)) + 1.5 * np.eye(K)[y]
    proba = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    z = [rng.normal(size=(T, d)) + np.eye(K)[y] @ rng.normal(size=(K, d)) for d in (4, 6, 6, 8, 3)]
    return ensembles.FoldMembers([f"a{i % 2}/{i}" for i in range(M)], [f"a{i % 2}" for i in range(M)], proba, z, y,
                                 np.arange(0, 30), np.arange(30, 45), np.arange(45, 60))


def _selection_key(sel):
    return sel.paths, sel.sizes, sel.val_curves, sel.residual_div.round(12).tolist()


def test_selection_never_touches_test_data(fold_members):
    m = fold_members
    before = ensembles.select_ensembles(m, diversity_weight=0.2)
    rng = np.random.default_rng(5)
    scrambled = ensembles.FoldMembers(
        m.names, m.archs, m.proba.copy(), [z.copy() for z in m.z], m.y.copy(), m.train, m.val, m.test)
    scrambled.proba[:, m.test] = rng.dirichlet(np.ones(3), size=(5, m.test.size))
    for z in scrambled.z:
        z[m.test] = rng.normal(size=(m.test.size, z.shape[1])) * 100
    scrambled.y[m.test] = rng.permutation(scrambled.y[m.test])
    after = ensembles.select_ensembles(scrambled, diversity_weight=0.2)
    assert _selection_key(before) == _selection_key(after)
    # ... whereas validation data do matter
    scrambled.proba[:, m.val] = rng.dirichlet(np.ones(3), size=(5, m.val.size))
    assert _selection_key(ensembles.select_ensembles(scrambled, 0.2))[2] != _selection_key(before)[2]


def test_selection_refuses_overlapping_trials(fold_members):
    m = fold_members
    leaky = ensembles.FoldMembers(m.names, m.archs, m.proba, m.z, m.y, m.train, np.arange(30, 50), m.test)
    with pytest.raises(VaxisInputError, match="overlap"):
        ensembles.select_ensembles(leaky)
    novalid = ensembles.FoldMembers(m.names, m.archs, m.proba, m.z, m.y, m.train, np.arange(0), m.test)
    with pytest.raises(VaxisInputError, match="validation subjects"):
        ensembles.select_ensembles(novalid)


def test_methods_structure(fold_members):
    sel = ensembles.select_ensembles(fold_members, 0.05)
    assert set(sel.paths) == {k for k in ensembles.METHODS if not k.startswith("de_")}
    assert sel.sizes["best_single"] == 1 and sel.sizes["all_members"] == 5
    assert {fold_members.archs[i] for i in sel.paths["seed_ensemble"]} == {fold_members.archs[sel.paths["seed_ensemble"][0]]}
    assert sel.paths["best_single"][0] == sel.paths["greedy_accuracy"][0] == sel.paths["residual_diverse"][0]


def test_compare_end_to_end_small():
    data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=8, seed=0))
    folds = subject_folds(data.subject, n_splits=2, seed=0, val_fraction=0.25)
    cfg = engine.TrainConfig(max_epochs=2, batch_size=128, patience=1, window_stride=15)
    trained = engine.train(["logreg", "mlp"], data, folds, [0, 1], cfg, cache=False, progress=False)
    cmp = ensembles.compare(trained, baselines=("logreg",), n_boot=200)
    assert list(cmp.table.index) == [k for k in ensembles.METHODS if k != "de_svm" and k != "de_mlp"]
    t = cmp.table
    assert ((t.ci_low <= t.bacc + 1e-12) & (t.bacc <= t.ci_high + 1e-12)).all()
    assert len(cmp.per_subject) == 8 and cmp.relative["baseline"] in t.index
    # the all-members curve ends at the all-members ensemble
    last = cmp.curves[cmp.curves.method == "all_members"].sort_values("size").test_bacc.iloc[-1]
    assert last == pytest.approx(t.loc["all_members", "bacc"])
    c = cmp.curves  # every point of every curve has its subject-bootstrap interval (chapter 6's bands)
    assert ((c.ci_low <= c.test_bacc + 1e-12) & (c.test_bacc <= c.ci_high + 1e-12)).all()
    assert (c.ci_high - c.ci_low).min() > 0
    assert isinstance(ensembles.verdict(cmp.relative), str)
    summary = ensembles.residual_summary(ensembles.fold_members(trained, folds[0]))
    assert ((summary.basin_share >= 0) & (summary.basin_share <= 1)).all() and len(summary) == 4


def test_compare_baselines_in_processes_give_the_same_answer():
    """The DE baselines fitted in two processes: every prediction and chosen setting as in one, in order."""
    data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=6, seed=1))
    folds = subject_folds(data.subject, n_splits=2, seed=0, val_fraction=0.25)
    cfg = engine.TrainConfig(max_epochs=1, batch_size=128, patience=1, window_stride=15)
    trained = engine.train(["logreg"], data, folds, [0], cfg, cache=False, progress=False)
    one, two = (ensembles.compare(trained, baselines=("svm", "logreg"), n_boot=50, n_jobs=n) for n in (1, 2))
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.selections, two.selections)
    assert one.selections.method.tolist()[-2:] == ["de_svm", "de_logreg"]


def test_residual_summary_known_answer():
    z, y, _, within = constructed()
    m = ensembles.FoldMembers(["a/0"], ["a"], np.full((1, y.size, 4), 0.25), [z], y, np.arange(100),
                              np.arange(0), np.arange(0))
    row = ensembles.residual_summary(m, on="train").iloc[0]
    centred = z - z.mean(0)
    assert row.basin_dim == 2
    assert row.basin_share == pytest.approx(1 - (within ** 2).sum() / (centred ** 2).sum())


def test_verdict_words_follow_the_subject_level_verdict():
    """Words come from the per-subject verdict; "no difference" only as equivalence within the margin."""
    base = {"value": 0.01, "low": -0.02, "high": 0.04, "margin": 0.02}
    assert ensembles.verdict({**base, "verdict": "equivalent"}).startswith("equivalent")
    assert "undecided" in ensembles.verdict({**base, "verdict": "undecided"})
    assert "improvement" in ensembles.verdict({**base, "value": 0.12, "low": 0.05, "verdict": "helped"})
    assert "large" in ensembles.verdict({**base, "value": 0.12, "low": 0.05, "verdict": "helped"})
    assert ensembles.verdict({**base, "verdict": "hurt"}).startswith("a loss")
    assert "undecided" in ensembles.verdict({"value": 0.01, "low": -0.02, "high": 0.04})  # older files


def test_diversity_agreement_rebuilds_each_folds_pairs():
    """The long table of pairs is turned back into one matrix per fold: the value is the rho over all
    pairs, and the interval is stats.bootstrap_pairwise_corr's on those matrices (members resampled)."""
    from vaxis import stats

    rng = np.random.default_rng(0)
    rows, xs, ys = [], [], []
    for fold in range(2):
        names = [f"m{k}" for k in range(6)]
        x, y = rng.random((6, 6)), rng.random((6, 6))
        x, y = x + x.T, y + y.T
        np.fill_diagonal(x, 0)
        np.fill_diagonal(y, 0)
        xs.append(x)
        ys.append(y)
        for i, j in zip(*np.triu_indices(6, 1)):
            rows.append({"fold": fold, "a": names[i], "b": names[j], "residual_div": x[i, j], "prediction_div": y[i, j]})
    div = pd.DataFrame(rows).sample(frac=1, random_state=0)  # row order must not matter
    est = ensembles.diversity_agreement(div, n_boot=200, seed=1)
    ref = stats.bootstrap_pairwise_corr(xs, ys, n_boot=200, seed=1)
    assert (est.value, est.low, est.high, est.n) == pytest.approx((ref.value, ref.low, ref.high, 12))
    with pytest.raises(VaxisInputError, match="every pair"):
        ensembles.diversity_agreement(div.iloc[1:], n_boot=10)
