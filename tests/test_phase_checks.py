"""Chapter 7's manipulation checks and the fixed arm's scaled weights, on small simulated cohorts and
known answers (vaxis.decoding.saturation.checks, .scaling)."""

import numpy as np
import pandas as pd
import pytest
import torch

from vaxis._checks import VaxisInputError
from vaxis.decoding import engine
from vaxis.decoding.folds import subject_folds
from vaxis.decoding.saturation import checks, phase, scaling


def _point(**knobs):
    return phase.grid_points({"X": {"n_subjects": [12], **{k: [v] for k, v in knobs.items()}}}, n_subjects=12)[0] \
        if len(knobs) == 1 else None


def test_checks_pass_where_the_knob_is_planted_and_fail_where_it_is_not():
    on = phase.cohort_at(_point(multi_view=1.2), 0)
    off = phase.cohort_at(_point(multi_view=0.0), 0)
    mv = checks.multi_view_check(on, off)
    assert checks.passes("multi_view", mv), mv
    assert not checks.passes("multi_view", checks.multi_view_check(off, off))
    for k in (-1.0, 1.0):
        ds, twin = phase.cohort_at(_point(congruence=k), 0), phase.cohort_at(_point(congruence=0.0), 0)
        c = checks.congruence_check(ds, twin, k, np.random.default_rng(0).standard_normal((9, 16)))
        assert checks.passes("congruence", c), (k, c)
        assert not checks.passes("congruence", checks.congruence_check(twin, twin, k, np.eye(9)))
    with pytest.raises(VaxisInputError, match="No manipulation check"):
        checks.passes("n_subjects", {})


def test_within_category_clip_accuracy_is_at_chance_without_clip_information():
    """Clips of one category that differ only by their valence ratings are told apart a little; a
    made-up cohort whose clips carry nothing of their own is at chance (1/3 or 1/4 per category)."""
    ds = phase.cohort_at(_point(congruence=0.0), 0)
    flat = ds.__class__(**{**ds.__dict__, "de": np.random.default_rng(1).standard_normal(ds.de.shape).astype(np.float32)})
    chance = np.mean([1 / 4 if c == "neutral" else 1 / 3 for c in ds.clip_category])
    assert abs(checks.within_category_clip_accuracy(flat) - chance) < 0.06
    assert checks.within_category_clip_accuracy(ds) >= chance - 0.05


def test_scaled_weight_is_the_share_over_the_gradient_ratio():
    """An auxiliary loss that is c times the cross-entropy has c times its gradient: weight share / c."""
    ds = phase.cohort_at(_point(congruence=0.0), 0)
    data = engine.TrainData.from_dataset(ds)
    fold = subject_folds(ds.subjects, n_splits=3, seed=0)[0]
    config = engine.TrainConfig(window_stride=10)
    hooks = {f"x{c}": (lambda c: lambda z, logits, y, idx: c * torch.nn.functional.cross_entropy(logits, y))(c)
             for c in (0.5, 4.0)}
    norms = scaling.gradient_norms("mlp", data, fold, hooks, config)
    assert norms.loc["x4.0", "norm"] == pytest.approx(4 * norms.loc["cross_entropy", "norm"], rel=1e-5)
    assert norms.loc["x0.5", "norm"] == pytest.approx(0.5 * norms.loc["cross_entropy", "norm"], rel=1e-5)
    w = scaling.SHARE * norms.loc["cross_entropy", "norm"] / norms.drop("cross_entropy").norm
    assert w.to_dict() == pytest.approx({"x0.5": 1.0, "x4.0": 0.125}, rel=1e-5)
    assert isinstance(norms, pd.DataFrame) and list(norms.index)[0] == "cross_entropy"
