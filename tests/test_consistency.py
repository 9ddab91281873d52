from types import SimpleNamespace

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.llm import consistency, norms, stimuli, validation


def test_assignments_enumerate_all_relabellings():
    combos = consistency.assignments(stimuli.CATEGORIES, stimuli.POSITIVE, stimuli.NEGATIVE)
    assert len(combos) == 9 * 70 // 2  # 315 unordered splits = 630 assignments with sign
    true = (4, (5, 6, 7, 8), (0, 1, 2, 3))
    assert (true[0], true[2], true[1]) in combos  # stored with the smaller index tuple first
    assert len(set(combos)) == len(combos)


def test_pairwise_spearman_known_matrix():
    m = consistency.pairwise_spearman({"a": np.arange(5.0), "b": np.arange(5.0) ** 2, "c": -np.arange(5.0)})
    assert m.loc["a", "b"] == pytest.approx(1) and m.loc["a", "c"] == pytest.approx(-1)
    with pytest.raises(VaxisInputError, match="at least two"):
        consistency.pairwise_spearman({"a": np.arange(3.0)})
    with pytest.raises(VaxisInputError, match="same items"):
        consistency.pairwise_spearman({"a": np.arange(3.0), "b": np.arange(4.0)})


def test_category_null_detects_agreement_and_not_noise():
    base = {c: float(i) for i, c in enumerate(stimuli.CATEGORIES)}
    obs, null, p = consistency.category_null({"a": base, "b": base, "c": base}, n_perm=2000)
    assert obs == pytest.approx(1) and p < 0.001 and abs(null.mean()) < 0.05
    rng = np.random.default_rng(1)
    rand = {m: dict(zip(stimuli.CATEGORIES, rng.permutation(9).astype(float))) for m in "abc"}
    assert consistency.category_null(rand, n_perm=2000)[2] > 0.01


def test_end_to_end_on_a_tiny_model(tiny_model_dir):
    texts, cats = stimuli.anchor_table()
    splits = norms.norm_splits(n_items=40, n_afinn=20, seed=0)
    run = validation.validate_model(tiny_model_dir, texts, cats, splits, templates=["bare"],
                                    constructions=["diff_means"], n_boot=50, progress=False)
    assert set(run.profile.split) == {"dev", "test", "afinn"}
    assert run.choice["layer"] in range(run.n_layers + 1)
    assert run.test_positions.shape == (20,) and run.test_vectors.shape == (20, 16)
    assert run.category_positions["neutral"] == pytest.approx(0, abs=1e-9)
    # the chosen configuration is the dev maximum: the test split played no part
    dev = run.profile[run.profile.split == "dev"]
    assert run.choice["dev_rho"] == pytest.approx(dev.rho.max())



def _planted_model(seed, shared_items, ratings, valence_strength):
    """A fake ModelValidation: anchors and test words carry valence along one direction u (scaled by
    ``valence_strength``); every other direction is this model's own noise, except ``shared_items``
    (structure both models see, not valence)."""
    rng = np.random.default_rng(seed)
    D = 24
    u = np.zeros(D)
    u[0] = 1.0
    valence = np.array([{"neutral": 0.0}.get(c, 1.0 if c in stimuli.POSITIVE else -1.0) for c in stimuli.CATEGORIES])
    anchors = valence_strength * valence[:, None] * u + rng.normal(size=(9, D))
    items = valence_strength * ratings[:, None] * u + shared_items + rng.normal(size=(ratings.size, D))
    d = anchors[[5, 6, 7, 8]].mean(0) - anchors[[0, 1, 2, 3]].mean(0)
    return SimpleNamespace(anchor_vectors=anchors, test_vectors=items, test_positions=items @ d)


@pytest.mark.parametrize("strength, expect_small_p", [(3.0, True), (0.0, False)])
def test_item_null_separates_shared_valence_from_shared_structure(strength, expect_small_p):
    """Two different models that share valence (and some non-valence structure): the exact relabelling
    null puts the true labels at the top. Without valence, the shared structure agrees under any
    labelling, and the test must not call that valence."""
    rng = np.random.default_rng(0)
    ratings = rng.uniform(-1, 1, 80)
    shared = rng.normal(size=(80, 24)) * np.r_[0.0, np.full(23, 0.6)]  # shared, off the valence direction
    runs = {"a": _planted_model(1, shared, ratings, strength), "b": _planted_model(2, shared, ratings, strength)}
    obs, null, p = consistency.item_null(runs, stimuli.CATEGORIES, stimuli.POSITIVE, stimuli.NEGATIVE)
    assert null.size == 630 and p == np.mean(null >= obs - 1e-12)
    assert obs < 0.999  # two different models, not one model compared with itself
    if expect_small_p:
        assert obs > 0.5 and p <= 0.01  # the true split (and its mirror, and near-equivalent splits) at the top
    else:
        assert p > 0.05


def test_item_agreement_interval_is_the_pair_bootstrap_for_two_models():
    """With two models the mean pairwise rho is their rho: the interval is bootstrap_corr's on the same draws."""
    from vaxis import stats

    rng = np.random.default_rng(0)
    y = rng.normal(size=150)
    runs = {n: SimpleNamespace(test_positions=y + s * rng.normal(size=150)) for n, s in (("a", 0.5), ("b", 1.0))}
    est = consistency.item_agreement(runs, n_boot=400, seed=3)
    ref = stats.bootstrap_corr(runs["a"].test_positions, runs["b"].test_positions, n_boot=400, seed=3)
    assert (est.value, est.low, est.high, est.n) == pytest.approx((ref.value, ref.low, ref.high, 150))
    runs["c"] = SimpleNamespace(test_positions=rng.normal(size=150))  # an unrelated model lowers the mean
    three = consistency.item_agreement(runs, n_boot=400, seed=3)
    m = consistency.pairwise_spearman({n: r.test_positions for n, r in runs.items()}).to_numpy()
    assert three.value == pytest.approx(consistency.mean_offdiag(m)) and three.high < est.low
