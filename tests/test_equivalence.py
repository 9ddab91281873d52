"""Subject-level equivalence tests (TOST) and the four verdicts (vaxis.stats)."""

import numpy as np
import pytest
from scipy import stats as st

from vaxis import stats
from vaxis._checks import VaxisInputError


def test_tost_matches_two_one_sided_t_tests():
    d = np.array([0.004, -0.01, 0.012, 0.0, 0.006, -0.003, 0.009, 0.001])
    lower = st.ttest_1samp(d, -0.02, alternative="greater").pvalue
    upper = st.ttest_1samp(d, 0.02, alternative="less").pvalue
    assert stats.tost_pvalue(d, 0.02) == pytest.approx(max(lower, upper))
    assert stats.tost_pvalue(d, 0.02) < 0.01  # tight around zero: equivalent
    assert stats.tost_pvalue(d + 0.03, 0.02) > 0.5  # shifted outside the margin: not equivalent
    assert stats.tost_pvalue(d - 0.03, 0.02) > 0.5


def test_tost_exact_without_variance_and_input_checks():
    assert stats.tost_pvalue(np.full(5, 0.01), 0.02) == 0.0
    assert stats.tost_pvalue(np.full(5, 0.03), 0.02) == 1.0
    with pytest.raises(VaxisInputError, match="margin"):
        stats.tost_pvalue(np.zeros(5), 0.0)
    with pytest.raises(VaxisInputError, match="at least 2"):
        stats.tost_pvalue(np.zeros(1), 0.02)


def test_tost_size_under_the_boundary():
    """At a true mean exactly on the margin, TOST rejects in at most about alpha of samples."""
    rng = np.random.default_rng(0)
    p = np.array([stats.tost_pvalue(0.02 + 0.05 * rng.standard_normal(30), 0.02) for _ in range(2000)])
    assert 0.03 < (p < 0.05).mean() < 0.07


def test_four_verdicts():
    v = stats.equivalence_verdicts([0.05, -0.05, 0.001, 0.001, -0.01], [0.01, 0.01, 0.5, 0.5, np.nan],
                                   [0.9, 0.9, 0.01, 0.4, np.nan])
    assert list(v) == ["helped", "hurt", "equivalent", "undecided", "undecided"]
    assert stats.VERDICTS == ("helped", "equivalent", "undecided", "hurt")


def test_paired_comparison_reports_tost_only_with_a_margin():
    rng = np.random.default_rng(1)
    b = rng.random(20)
    assert "p_tost" not in stats.paired_comparison(b + 0.001, b, n_boot=50)
    res = stats.paired_comparison(b + 0.001 * rng.standard_normal(20), b, n_boot=50, margin=0.02)
    assert res["p_tost"] < 1e-6
