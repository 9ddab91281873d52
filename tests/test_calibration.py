"""The simulated cohort's calibration: its defaults land where the documentation says.

``vaxis.eeg.simulate`` documents that a label-only classifier (logistic regression on window-averaged,
subject-normalised DE, subjects held out) reaches a nine-class balanced accuracy of 0.36-0.45 on the
whole default cohort (123 subjects), the range published for real FACED. These tests hold the
defaults to that range, and check that the accuracy falls to chance when the generator plants no
category information (so the range is a property of the planted structure, not of the classifier).
"""

import numpy as np
import pytest

from vaxis.decoding.calibration import DEFAULT_SWEEP, calibration_scores, knob_sweep, label_only_accuracy
from vaxis.eeg.simulate import simulate_faced

#: The documented range (vaxis.eeg.simulate, "Calibration"; book/data.md).
DOCUMENTED = (0.36, 0.45)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_default_cohort_is_in_the_documented_range(seed):
    acc = label_only_accuracy(simulate_faced(n_subjects=123, seed=seed))
    assert DOCUMENTED[0] <= acc <= DOCUMENTED[1], f"seed {seed}: balanced accuracy {acc:.3f} outside {DOCUMENTED}"


def test_no_planted_categories_means_chance():
    flat = simulate_faced(n_subjects=40, seed=0, valence_strength=0.0, arousal_strength=0.0, residual_strength=0.0)
    scores = calibration_scores(flat, n_splits=5)
    assert abs(scores["balanced_accuracy"] - scores["chance"]) < 0.04
    assert abs(scores["valence_r"]) < 0.15


def test_label_only_accuracy_equals_a_direct_computation():
    """Pooled held-out predictions scored once: the mean recall over classes, by hand."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    ds = simulate_faced(n_subjects=12, n_windows=4, seed=2)
    X, y, g = ds.trial_features()
    pred = np.empty_like(y)
    for tr, te in GroupKFold(n_splits=4).split(X, y, g):
        pred[te] = LogisticRegression(max_iter=2000).fit(X[tr], y[tr]).predict(X[te])
    by_hand = np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)])
    assert label_only_accuracy(ds, n_splits=4) == pytest.approx(by_hand, abs=1e-12)


def test_knob_sweep_moves_the_valence_map():
    df = knob_sweep({"valence_strength": [0.0, 0.5]}, n_subjects=12, n_windows=4, n_splits=3)
    assert set(df["value"]) == {0.0, 0.2, 0.5}  # the default is added
    assert {"balanced_accuracy", "valence_r", "is_default"} <= set(df.columns)
    assert df.loc[df.is_default, "value"].tolist() == [0.2]
    r = df.set_index("value")["valence_r"]
    assert r[0.5] > r[0.2] > r[0.0]
    assert set(DEFAULT_SWEEP) <= {"valence_strength", "arousal_strength", "residual_strength", "subject_variability",
                                  "trial_noise", "noise"}
