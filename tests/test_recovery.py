"""The simulated cohort's planted valence pattern, and the map's recovery of it (chapter 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vaxis import stats
from vaxis._checks import VaxisInputError
from vaxis.decoding import mapping, recovery
from vaxis.eeg import EEGDataset
from vaxis.eeg.simulate import simulate_faced

ROOT = Path(__file__).resolve().parents[1]


def test_pattern_correlation_known_answer():
    p = np.array([1.0, -1.0, 0.0, 0.0])
    q = np.array([0.0, 0.0, 1.0, -1.0])  # orthogonal to p, both centred: r(p, p + q) = 1 / sqrt(2)
    est = stats.pattern_correlation(p, np.stack([p + q, p - q]), n_boot=2000, seed=0)
    assert est.value == pytest.approx(1.0)  # the folds' mean is p itself
    assert est.low == pytest.approx(2 ** -0.5) and est.high == pytest.approx(1.0) and est.n == 2
    same = stats.pattern_correlation(p.reshape(2, 2), np.stack([p + q] * 3))
    assert same.value == same.low == same.high == pytest.approx(2 ** -0.5)
    with pytest.raises(VaxisInputError, match="4 entries for 3"):
        stats.pattern_correlation(p, np.ones((2, 3)))
    with pytest.raises(VaxisInputError, match="at least 2 folds"):
        stats.pattern_correlation(p, p[None])


def test_the_simulator_exposes_its_planted_pattern():
    full = simulate_faced(n_subjects=2, n_windows=2, seed=0, reference_channels=True)
    scalp = simulate_faced(n_subjects=2, n_windows=2, seed=0)
    assert full.planted_valence.shape == (32, 5) and scalp.planted_valence.shape == (30, 5)
    assert np.sqrt(np.mean(full.planted_valence ** 2)) == pytest.approx(1.0)  # unit RMS, as planted
    np.testing.assert_array_equal(scalp.planted_valence, full.pick_channels(scalp.channels).planted_valence)
    np.testing.assert_array_equal(scalp.select_subjects([1]).planted_valence, scalp.planted_valence)
    real = EEGDataset(de=np.zeros((1, 2, 1, 2, 5)), subjects=["s"], clip_category=["a", "b"],
                      clip_valence=[1.0, 2.0], clip_arousal=[1.0, 2.0], channels=["Fz", "Cz"], source="faced")
    assert real.planted_valence is None
    with pytest.raises(VaxisInputError, match="planted_valence"):
        EEGDataset(de=np.zeros((1, 2, 1, 2, 5)), subjects=["s"], clip_category=["a", "b"], clip_valence=[1.0, 2.0],
                   clip_arousal=[1.0, 2.0], channels=["Fz", "Cz"], planted_valence=np.ones((3, 5)))


def test_nothing_that_decodes_reads_the_truth():
    """Only the dataset, the simulators, the recovery comparison and the figure name the planted pattern.

    The BIDS replica is a simulator (it writes the planted pattern into its own ``code/`` sidecar) and the BIDS
    loader carries that sidecar into the dataset it builds, as the dataset's constructor; a real release has no
    sidecar and loads with ``planted_valence=None`` (tests/test_eeg_bids.py)."""
    readers = {str(p.relative_to(ROOT)) for p in (ROOT / "vaxis").rglob("*.py") if "planted_valence" in p.read_text()}
    assert readers <= {"vaxis/eeg/dataset.py", "vaxis/eeg/simulate.py", "vaxis/eeg/replica.py", "vaxis/eeg/faced_bids.py",
                       "vaxis/decoding/recovery.py", "vaxis/plots/panels.py"}


@pytest.fixture(scope="module")
def fitted():
    data = simulate_faced(n_subjects=10, n_windows=4, seed=0)
    X, cats, subjects = data.trial_features(normalize="subject")
    return data, mapping.LinearMapCV(n_splits=5, inner_splits=3).fit(X, cats, subjects)


def test_planted_recovery_finds_the_planted_pattern(fitted):
    data, lmap = fitted
    positions = mapping.human_valence_positions(data)
    rec = recovery.planted_recovery(lmap, positions, data.planted_valence, permutations=200, n_boot=500, seed=0)
    v = np.array([positions[c] for c in lmap.categories_])
    np.testing.assert_allclose(recovery.fold_weights(lmap, v)[0], lmap.weights(v))  # the map's own weights
    assert rec.null[0] == pytest.approx(rec.estimate.value) and rec.null.size == 201 and rec.per_fold.shape == (5,)
    assert rec.estimate.value > 0.4 and rec.estimate.low <= rec.estimate.value <= rec.estimate.high
    assert rec.p_value < 0.05
    flipped = recovery.planted_recovery(lmap, positions, -data.planted_valence, permutations=200, n_boot=500)
    assert flipped.estimate.value == pytest.approx(-rec.estimate.value) and flipped.p_value > 0.9
    assert recovery.planted_recovery(lmap, positions, None) is None
    with pytest.raises(VaxisInputError, match="entries for"):
        recovery.planted_recovery(lmap, positions, np.ones(7))
