import numpy as np
import pytest

from vaxis import stats
from vaxis._checks import VaxisInputError


def test_spearman_and_bootstrap_known_values():
    x = np.arange(50.0)
    est = stats.bootstrap_corr(x, x**3, n_boot=200, seed=1)
    assert est.value == pytest.approx(1.0) and est.low == pytest.approx(1.0)
    est = stats.bootstrap_corr(x, -x, n_boot=200)
    assert est.value == pytest.approx(-1.0)


def test_bootstrap_interval_covers_and_is_seeded():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = 0.5 * x + rng.normal(size=400)
    a = stats.bootstrap_corr(x, y, method="pearson", n_boot=500, seed=3)
    b = stats.bootstrap_corr(x, y, method="pearson", n_boot=500, seed=3)
    assert a == b
    assert a.low < 0.447 < a.high  # population r = 0.5 / sqrt(1.25)


def test_bootstrap_mean_and_errors():
    est = stats.bootstrap_mean(np.array([1.0, 2, 3, 4]), n_boot=500)
    assert est.value == 2.5 and est.low >= 1 and est.high <= 4
    with pytest.raises(VaxisInputError):
        stats.bootstrap_corr(np.arange(2.0), np.arange(2.0))
    with pytest.raises(VaxisInputError, match="NaN"):
        stats.bootstrap_corr(np.array([1, np.nan, 3.0]), np.arange(3.0))


def test_auc_known_values():
    assert stats.auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert stats.auc(np.array([0.9, 0.8, 0.2, 0.1]), np.array([0, 0, 1, 1])) == 0.0
    assert stats.auc(np.array([1.0, 1.0]), np.array([0, 1])) == 0.5


def test_permutation_pvalue_counts_observed():
    assert stats.permutation_pvalue(10, np.zeros(99)) == pytest.approx(0.01)
    assert stats.permutation_pvalue(0, np.zeros(99)) == 1.0
