import numpy as np
import pytest

from vaxis import consistency, norms, stimuli, validation
from vaxis._checks import VaxisInputError


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
    obs, null, p = consistency.item_null({"m1": run, "m2": run}, cats, stimuli.POSITIVE, stimuli.NEGATIVE)
    assert null.size == 630 and obs == pytest.approx(1) and 0 < p <= 1
