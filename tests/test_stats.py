"""The one definition of each statistic (vaxis.stats): known answers, and intervals that can be wrong."""

import numpy as np
import pytest
import torch

from geometry_cases import constructed
from vaxis import stats
from vaxis._checks import VaxisInputError


# ----------------------------------------------------------------------------- correlation
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
    assert 0.12 < a.high - a.low < 0.22  # about 2 * 1.96 * (1 - r^2) / sqrt(n) = 0.157


# ----------------------------------------------------------------------------- bootstrap
def test_bootstrap_mean_is_the_percentile_interval_of_the_resampled_means():
    v = np.random.default_rng(5).exponential(size=30)
    est = stats.bootstrap_mean(v, n_boot=999, level=0.9, seed=7)
    means = v[np.random.default_rng(7).integers(0, v.size, size=(999, v.size))].mean(axis=1)
    assert est.value == v.mean() and est.n == 30 and est.level == 0.9
    assert (est.low, est.high) == tuple(np.percentile(means, [5.0, 95.0]))


def test_bootstrap_mean_interval_has_the_normal_width_and_coverage():
    """Width about 2 * 1.96 * sd / sqrt(n); over 300 samples the 95% interval covers the true mean ~95%."""
    rng = np.random.default_rng(11)
    v = rng.normal(size=400)
    est = stats.bootstrap_mean(v, n_boot=2000, seed=1)
    assert est.high - est.low == pytest.approx(2 * 1.96 * v.std(ddof=1) / 20, rel=0.12)
    covered = [(lambda e: e.low <= 1.0 <= e.high)(stats.bootstrap_mean(rng.normal(1.0, 2.0, 50), n_boot=400, seed=s))
               for s in range(300)]
    assert 0.89 <= np.mean(covered) <= 0.99


def test_resampling_is_seeded_and_shaped():
    a = stats.resample_indices(7, 5, seed=[3, 6])
    assert a.shape == (5, 7) and a.min() >= 0 and a.max() < 7
    np.testing.assert_array_equal(a, np.random.default_rng([3, 6]).integers(0, 7, size=(5, 7)))
    assert stats.percentile_interval(np.arange(101.0), 0.9) == pytest.approx((5.0, 95.0))


def test_bootstrap_errors():
    with pytest.raises(VaxisInputError):
        stats.bootstrap_mean(np.array([1.0]))
    with pytest.raises(VaxisInputError):
        stats.bootstrap_corr(np.arange(2.0), np.arange(2.0))
    with pytest.raises(VaxisInputError, match="NaN"):
        stats.bootstrap_corr(np.array([1, np.nan, 3.0]), np.arange(3.0))


# ----------------------------------------------------------------------------- permutations and p-values
def test_auc_known_values():
    assert stats.auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert stats.auc(np.array([0.9, 0.8, 0.2, 0.1]), np.array([0, 0, 1, 1])) == 0.0
    assert stats.auc(np.array([1.0, 1.0]), np.array([0, 1])) == 0.5


def test_permutation_pvalue_counts_observed():
    assert stats.permutation_pvalue(10, np.zeros(99)) == pytest.approx(0.01)
    assert stats.permutation_pvalue(0, np.zeros(99)) == 1.0
    assert stats.share_at_least(np.array([3.0, 1.0, 2.0, 3.0]), 3.0) == 0.5


def test_permutation_draws_are_the_generators_permutations():
    draws = stats.draw_permutations(9, 50, seed=4)
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(draws, np.stack([rng.permutation(9) for _ in range(50)]))
    assert all(sorted(row) == list(range(9)) for row in draws)
    exact = stats.assignments(4, "exact")
    assert exact.shape == (24, 4) and exact[0].tolist() == [0, 1, 2, 3] and len({tuple(r) for r in exact}) == 24
    mc = stats.assignments(4, 10, seed=4)
    assert mc.shape == (11, 4) and mc[0].tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(mc[1:], stats.draw_permutations(4, 10, seed=4))
    with pytest.raises(VaxisInputError):
        stats.assignments(4, "all")


# ----------------------------------------------------------------------------- multiple comparisons
def test_benjamini_hochberg_against_its_definition():
    """q_(i) = min over j >= i of p_(j) m / j, clipped at 1; NaN stays NaN and does not count in m."""
    p = np.random.default_rng(2).uniform(size=40) ** 3
    q = stats.benjamini_hochberg(p)
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    expected = np.empty_like(p)
    expected[order] = [min(1.0, ranked[i:].min()) for i in range(p.size)]
    np.testing.assert_allclose(q, expected, rtol=1e-12)
    q = stats.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5, np.nan]))
    np.testing.assert_allclose(q[:4], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5], rtol=1e-6)
    assert np.isnan(q[4])
    assert np.isnan(stats.benjamini_hochberg(np.array([np.nan]))).all()
    tied = stats.benjamini_hochberg(np.array([0.02, 0.02, 0.02, 0.9]))
    assert tied[0] == tied[1] == tied[2]


def test_holm_known_values():
    np.testing.assert_allclose(stats.holm(np.array([0.01, 0.04, 0.03])), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(stats.holm(np.array([0.5, 0.001])), [0.5, 0.002])


def test_paired_comparison_detects_shift():
    rng = np.random.default_rng(0)
    base = rng.normal(0.4, 0.05, 30)
    res = stats.paired_comparison(base + 0.05 + rng.normal(0, 0.01, 30), base)
    assert res["p_wilcoxon"] < 1e-4 and res["ci_low"] > 0 and res["d_z"] > 1
    same = stats.paired_comparison(base, base)
    assert same["p_wilcoxon"] == 1.0 and same["mean_diff"] == 0


# ----------------------------------------------------------------------------- balanced accuracy
def test_balanced_accuracy_known_values_rows_and_counts():
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    pred = np.array([0, 0, 1, 1, 1, 1, 0, 2])
    assert stats.balanced_accuracy(y, pred) == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    rows = np.stack([pred, y, np.zeros_like(y)])
    np.testing.assert_allclose(stats.balanced_accuracy(y, rows), [(0.5 + 1 + 0.5) / 3, 1.0, 1 / 3])
    assert stats.balanced_accuracy(np.array(["a", "a", "b"]), np.array(["a", "c", "b"])) == pytest.approx(0.75)
    n = np.array([[4.0, 2.0, 2.0, 0.0]])  # a fourth class absent from the labels
    correct = np.array([[2.0, 2.0, 1.0, 0.0]])
    assert stats.balanced_accuracy_from_counts(n, correct)[0] == pytest.approx(stats.balanced_accuracy(y, pred))
    with pytest.raises(VaxisInputError, match="shape"):
        stats.balanced_accuracy(y, pred[:3])


def test_balanced_accuracy_is_sklearns():
    from sklearn.metrics import balanced_accuracy_score

    rng = np.random.default_rng(3)
    y, pred = rng.integers(0, 9, 500), rng.integers(0, 9, 500)
    assert stats.balanced_accuracy(y, pred) == balanced_accuracy_score(y, pred)


# ----------------------------------------------------------------------------- geometry
def test_basin_and_residual_known_answer():
    z, y, o, within = constructed()
    origin, Q = stats.basin_basis(z, y)
    assert Q.shape == (5, 2)
    np.testing.assert_allclose(origin, o, atol=1e-12)
    np.testing.assert_allclose(np.abs(Q[2:]), 0, atol=1e-12)  # basin = span(e1, e2)
    np.testing.assert_allclose(stats.project_out(z, origin, Q), within, atol=1e-10)  # the within-class part
    new = np.array([[7.0, 9.0, 1.0, 2.0, 5.0]])  # a new point: basin coordinates removed
    np.testing.assert_allclose(stats.project_out(new, origin, Q), [[0, 0, 0.5, -1.0, 5.0]], atol=1e-10)
    _, Q_str = stats.basin_basis(z, np.array(list("abcd"))[y])  # labels may be strings: the same span
    np.testing.assert_allclose(Q_str @ Q_str.T, Q @ Q.T, atol=1e-10)
    with pytest.raises(VaxisInputError, match="at least 2 classes"):
        stats.basin_basis(np.ones((4, 3)), np.zeros(4, int))


def test_an_ensemble_members_residual_is_its_within_class_part():
    from vaxis.decoding import ensembles

    z, y, _, within = constructed()
    np.testing.assert_allclose(ensembles.member_residual(z, y, np.arange(y.size)), within, atol=1e-10)


def test_basin_is_fitted_on_the_rows_given_only():
    z, y, _, _ = constructed()
    z2 = z.copy()
    z2[50:] += 100.0  # moving rows outside the first 50 does not move the basin fitted on them
    a, b = stats.basin_basis(z[:50], y[:50]), stats.basin_basis(z2[:50], y[:50])
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])


def test_linear_cka_properties_in_numpy_and_torch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    R = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    assert stats.linear_cka(X, 3 * X @ R) == pytest.approx(1.0)  # rotation and scale invariant
    assert stats.linear_cka(X, rng.normal(size=(60, 7))) < 0.3
    assert np.isnan(stats.linear_cka(X, np.ones((60, 2))))  # no variance
    Y = rng.normal(size=(60, 3)) + X[:, :3]
    feature_form = np.linalg.norm((X - X.mean(0)).T @ (Y - Y.mean(0))) ** 2 / (
        np.linalg.norm((X - X.mean(0)).T @ (X - X.mean(0))) * np.linalg.norm((Y - Y.mean(0)).T @ (Y - Y.mean(0))))
    assert stats.linear_cka(X, Y) == pytest.approx(feature_form, rel=1e-12)
    t = stats.linear_cka(torch.tensor(X), torch.tensor(Y))
    assert isinstance(t, torch.Tensor) and float(t) == pytest.approx(feature_form, rel=1e-12)
    with pytest.raises(VaxisInputError, match="same items"):
        stats.linear_cka(np.ones((3, 2)), np.ones((4, 2)))


def test_group_permutations_keep_groups():
    groups = ["neg"] * 4 + ["neutral"] + ["pos"] * 4
    P = stats.group_permutations(groups)
    assert P.shape == (576, 9) and (P[0] == np.arange(9)).all()
    assert len({tuple(r) for r in P}) == 576  # all distinct
    g = np.array(groups)
    assert (g[P] == g[None, :]).all()  # every ordering maps each item into its own group
    assert (P[:, 4] == 4).all()


def test_spearman_interval_known_values():
    lo, hi = stats.spearman_interval(0.6, 9)
    # Fisher z with Bonett-Wright variance: tanh(atanh(.6) -+ 1.96 sqrt(1.18 / 6))
    half = 1.959964 * np.sqrt((1 + 0.18) / 6)
    assert lo == pytest.approx(np.tanh(np.arctanh(0.6) - half), abs=1e-6)
    assert hi == pytest.approx(np.tanh(np.arctanh(0.6) + half), abs=1e-6)
    assert stats.spearman_interval(0.6, 100)[0] > lo  # more items, narrower
    with pytest.raises(VaxisInputError):
        stats.spearman_interval(0.5, 3)


def test_split_half_reliability_known_answers():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=28)
    # raters = truth + noise with SD s: reliability of the mean of n raters = n / (n + s^2) (var(truth) ~ 1)
    noisy = truth[None] + 3.0 * rng.normal(size=(100, 28))
    expected = 100 * truth.var() / (100 * truth.var() + 9.0)
    rel = stats.split_half_reliability(noisy, n_splits=500, seed=1)
    assert rel["value"] == pytest.approx(expected, abs=0.03) and rel["low"] < rel["value"] < rel["high"]
    pure_noise = rng.normal(size=(100, 28))
    assert abs(stats.split_half_reliability(pure_noise, n_splits=500)["value"]) < 0.3


# ----------------------------------------------------------------------------- intervals added for issue 14
def test_bootstrap_auc_is_the_auc_of_every_resample():
    rng = np.random.default_rng(4)
    labels = rng.random(120) < 0.4
    scores = labels + rng.normal(size=120)
    est = stats.bootstrap_auc(scores, labels, n_boot=300, seed=7)
    assert est.value == stats.auc(scores, labels) and est.n == 120
    idx = stats.resample_indices(120, 300, 7)
    direct = [stats.auc(scores[i], labels[i]) for i in idx]  # known answer: the statistic on the same draws
    assert (est.low, est.high) == pytest.approx(stats.percentile_interval(np.array(direct)))
    perfect = stats.bootstrap_auc(np.arange(20.0), np.arange(20) >= 10, n_boot=200)
    assert perfect.value == perfect.low == perfect.high == 1.0


def test_bootstrap_auc_width_matches_its_standard_error():
    """Hanley-McNeil's standard error of an AUC of 0.75 on 200 + 200 items is about 0.024."""
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(200, bool), np.zeros(200, bool)]
    scores = np.r_[rng.normal(0.95, 1, 200), rng.normal(0, 1, 200)]
    est = stats.bootstrap_auc(scores, labels, n_boot=2000)
    assert 0.7 < est.value < 0.8 and 0.07 < est.high - est.low < 0.12


def _member_pairs(n, seed):
    """Pair measures driven by the members: x_ij = a_i + a_j, y_ij = b_i + b_j + noise (a, b related)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.5 * a + rng.normal(size=n)
    x = a[:, None] + a[None]
    y = b[:, None] + b[None] + 0.1 * rng.normal(size=(n, n))
    y = (y + y.T) / 2
    return x, y


def test_pairwise_corr_resamples_units_not_pairs():
    xs, ys = zip(*(_member_pairs(12, s) for s in range(3)))
    est = stats.bootstrap_pairwise_corr(xs, ys, n_boot=1000, seed=0)
    iu = np.triu_indices(12, 1)
    px, py = np.concatenate([x[iu] for x in xs]), np.concatenate([y[iu] for y in ys])
    assert est.value == pytest.approx(stats.spearman(px, py)) and est.n == 36
    naive = stats.bootstrap_corr(px, py, n_boot=1000)  # pairs as if independent: far too narrow here
    assert est.high - est.low > 2 * (naive.high - naive.low)
    assert est.low < est.value < est.high
    same = stats.bootstrap_pairwise_corr(xs, xs, n_boot=100)
    assert same.value == same.low == same.high == pytest.approx(1.0)
    with pytest.raises(VaxisInputError):
        stats.bootstrap_pairwise_corr(xs, ys[:2])


# ----------------------------------------------------------------------------- what a paired design can detect
def test_paired_power_known_answers():
    assert stats.paired_power(30, 0.04, 0.0) == pytest.approx(0.05, abs=1e-12)  # no effect: the level
    # G*Power / Cohen (1988): d_z = 0.5, alpha 0.05 two-sided needs n = 34 for 80 % (actual power 0.8078)
    assert stats.paired_power(34, 1.0, 0.5) == pytest.approx(0.8078, abs=5e-4)
    assert stats.paired_power(33, 1.0, 0.5) < 0.8 <= stats.paired_power(34, 1.0, 0.5)
    assert stats.paired_power(34, 2.0, 1.0) == pytest.approx(stats.paired_power(34, 1.0, 0.5))  # only d_z counts
    assert stats.paired_power(34, 1.0, -0.5) == pytest.approx(stats.paired_power(34, 1.0, 0.5))  # two-sided


def test_min_detectable_effect_inverts_the_power():
    mde = stats.min_detectable_effect(30, 0.04)
    assert stats.paired_power(30, 0.04, mde) == pytest.approx(0.8, abs=1e-8)
    # large n: (z_{0.975} + z_{0.80}) * sd / sqrt(n) = 2.8016 * sd / sqrt(n)
    assert stats.min_detectable_effect(10_000, 1.0) == pytest.approx(2.8016 / 100, rel=2e-3)
    assert stats.min_detectable_effect(123, 0.04) < mde  # more subjects see smaller effects
    with pytest.raises(VaxisInputError):
        stats.min_detectable_effect(1, 0.04)


def test_tost_power_is_the_rate_of_tost_pvalue_below_alpha():
    rng = np.random.default_rng(3)
    for n, sd, effect in ((20, 0.03, 0.0), (30, 0.04, 0.01), (12, 0.015, 0.005)):
        d = rng.normal(effect, sd, size=(6000, n))
        rate = np.mean([stats.tost_pvalue(row, 0.02) < 0.05 for row in d])
        want = stats.tost_power(n, sd, 0.02, effect)
        assert abs(rate - want) < 4 * np.sqrt(want * (1 - want) / 6000) + 1e-3, (n, sd, effect, rate, want)
    # large n, no effect: 2 * Phi(margin / se - z_0.95) - 1 (se = 0.1 / 20 = 0.005)
    assert stats.tost_power(400, 0.1, 0.02) == pytest.approx(2 * 0.990739 - 1, abs=3e-3)
    assert stats.tost_power(30, 0.2, 0.02) < 1e-6  # the 90 % interval is far wider than the margin


def test_tost_reach_known_answer_and_agreement_with_the_test():
    # n = 10, sd = 0.01: t_{0.95, 9} = 1.833113, so 0.02 - 1.833113 * 0.01 / sqrt(10) = 0.0142032
    assert stats.tost_reach(10, 0.01, 0.02) == pytest.approx(0.0142032, abs=1e-6)
    rng = np.random.default_rng(1)
    d = rng.standard_normal(10)
    d = (d - d.mean()) / d.std(ddof=1) * 0.01  # sample SD exactly 0.01
    reach = stats.tost_reach(10, 0.01, 0.02)
    assert stats.tost_pvalue(d + reach - 1e-6, 0.02) < 0.05 < stats.tost_pvalue(d + reach + 1e-6, 0.02)
    assert stats.tost_reach(5, 0.05, 0.02) < 0  # the interval is wider than the margin


def test_tost_sample_size_is_the_first_n_with_enough_power():
    n = stats.tost_sample_size(0.04, 0.02)
    assert stats.tost_power(n, 0.04, 0.02) >= 0.8 > stats.tost_power(n - 1, 0.04, 0.02)
    assert stats.tost_sample_size(0.04, 0.02, effect=0.02, n_max=500) == 500  # at the margin: never


def test_relative_change_known_answer_and_pairing():
    b = np.array([0.2, 0.3, 0.25, 0.4, 0.35])
    est = stats.relative_change(1.1 * b, b, n_boot=500)
    assert (est.value, est.low, est.high, est.n) == pytest.approx((0.1, 0.1, 0.1, 5))  # paired: no spread
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.4, 200)
    est = stats.relative_change(base + rng.normal(0.02, 0.01, 200), base, n_boot=2000)
    assert est.low < 0.02 / base.mean() < est.high and est.high - est.low < 0.03


# ----------------------------------------------------------------------------- hierarchical bootstrap
def test_hierarchical_bootstrap_without_levels_is_the_plain_bootstrap():
    v = np.random.default_rng(3).normal(size=40)
    est, _ = stats.hierarchical_mean(v, [], n_boot=500, seed=7)
    plain = stats.bootstrap_mean(v, n_boot=500, seed=7)
    assert (est.value, est.low, est.high) == (plain.value, plain.low, plain.high)


def test_hierarchical_bootstrap_resamples_the_clusters_not_the_rows():
    """Rows that only repeat their cluster's value carry the information of the clusters alone: the
    spread of the nested bootstrap is that of the cluster means' bootstrap, not the rows' (much smaller)."""
    rng = np.random.default_rng(0)
    cluster_means = rng.normal(size=6)
    fold = np.repeat(np.arange(6), 25)
    v = cluster_means[fold]
    nested = stats.hierarchical_bootstrap(v, [fold], n_boot=4000, seed=1)
    of_clusters = cluster_means[stats.resample_indices(6, 4000, seed=2)].mean(1)
    rows = v[stats.resample_indices(v.size, 4000, seed=3)].mean(1)
    assert nested.std() == pytest.approx(of_clusters.std(), rel=0.1)
    assert rows.std() < 0.3 * nested.std()
    assert nested.mean() == pytest.approx(v.mean(), abs=0.05)


def test_hierarchical_bootstrap_three_levels_and_bad_inputs():
    draw, run = np.repeat([0, 1, 2], 8), np.tile(np.repeat([0, 1], 4), 3)
    v = draw * 1.0 + run * 0.1
    boots = stats.hierarchical_bootstrap(v, [draw, run], n_boot=200, seed=0)
    assert boots.shape == (200,) and set(np.round(boots, 6)) <= set(np.round(np.arange(0, 2.11, 1 / 60), 6))
    with pytest.raises(VaxisInputError, match="one label per value"):
        stats.hierarchical_bootstrap(v, [draw[:-1]])


def test_bootstrap_p_inverts_the_percentile_interval():
    assert stats.bootstrap_p(np.linspace(0.1, 1, 100)) == 0.0
    assert stats.bootstrap_p(np.linspace(-1, 1, 101)) == pytest.approx(1.0)
    boots = np.random.default_rng(0).normal(0.5, 0.25, 10000)
    lo, hi = stats.percentile_interval(boots)
    assert (stats.bootstrap_p(boots) < 0.05) == (lo > 0)
    assert stats.bootstrap_p(boots) == pytest.approx(2 * np.mean(boots <= 0))


def test_paired_spearman_difference_and_ratio():
    rng = np.random.default_rng(1)
    y = rng.normal(size=200)
    good, weak = y + 0.3 * rng.normal(size=200), y + 2.0 * rng.normal(size=200)
    p = stats.paired_spearman(good, weak, y, n_boot=500, seed=0)
    rg, rw = stats.spearman(good, y), stats.spearman(weak, y)
    assert (p["a"].value, p["b"].value) == (rg, rw)
    assert p["diff"].value == pytest.approx(rg - rw) and p["ratio"].value == pytest.approx(rg / rw)
    assert p["diff"].low > 0 and p["ratio"].low > 1 and p["diff"].n == 200
    # each rho's interval is bootstrap_corr's: the same resamples
    e = stats.bootstrap_corr(good, y, n_boot=500, seed=0)
    assert (p["a"].low, p["a"].high) == pytest.approx((e.low, e.high))
    same = stats.paired_spearman(good, 3 * good + 1, y, n_boot=100, seed=0)  # same ranks: no difference at all
    assert (same["diff"].value, same["diff"].low, same["diff"].high) == (0.0, 0.0, 0.0)
    assert same["ratio"].low == same["ratio"].high == pytest.approx(1.0)
    assert stats.paired_spearman(weak, good, y, n_boot=500, seed=0)["ratio"].high < 1
    ra, rb = stats.paired_spearman_draws(good, weak, y, n_boot=50, seed=3)
    assert ra.shape == rb.shape == (50,) and np.all(ra > rb - 0.3)


def test_exact_spearman_known_answers():
    assert stats.exact_spearman(np.arange(4.0), np.array([0.5, 0.6, 0.7, 0.8])) == pytest.approx((1.0, 1 / 24))
    assert stats.exact_spearman(np.arange(4.0), -np.arange(4.0)) == pytest.approx((-1.0, 1.0))
    # rho = 0.8 with four units: orderings with rho >= 0.8 are the identity and three single swaps
    # of neighbours (rho 0.8 each): 4 of 24
    rho, p = stats.exact_spearman(np.arange(4.0), np.array([0.0, 2.0, 1.0, 3.0]))
    assert rho == pytest.approx(0.8) and p == pytest.approx(4 / 24)
    assert stats.exact_min_p(6) == pytest.approx(1 / 720)
    with pytest.raises(VaxisInputError):
        stats.exact_spearman(np.arange(2.0), np.arange(2.0))


# ----------------------------------------------------------------------------- chapter 7's nested design
def _nested(rng, effect, draw_sd=0.004, run_sd=0.008, subject_sd=0.07, G=3, R=9, S=10):
    """Paired differences of a design like chapter 7's: G generator draws > R fold x seed runs >
    S held-out subjects, with a variance component at each level."""
    d = np.repeat(np.arange(G), R * S)
    r = np.tile(np.repeat(np.arange(R), S), G)
    v = (effect + rng.normal(0, draw_sd, G)[d] + rng.normal(0, run_sd, G * R)[d * R + r]
         + rng.normal(0, subject_sd, G * R * S))
    return v, d, r


def test_vectorized_hierarchical_bootstrap_has_the_loops_distribution():
    rng = np.random.default_rng(1)
    v, d, r = _nested(rng, 0.0, draw_sd=0.05)
    keep = rng.random(v.size) > 0.25  # unequal cluster sizes
    loop = stats.hierarchical_bootstrap(v[keep], [d[keep], r[keep]], n_boot=3000, seed=0)
    fast = stats.hierarchical_bootstrap(v[keep], [d[keep], r[keep]], n_boot=3000, seed=0, vectorized=True)
    assert fast.std() == pytest.approx(loop.std(), rel=0.08)
    assert fast.mean() == pytest.approx(loop.mean(), abs=0.01)
    two = stats.hierarchical_bootstrap(np.c_[v, 3 * v], [d, r], n_boot=50, seed=2, vectorized=True)
    assert two.shape == (50, 2) and np.allclose(two[:, 1], 3 * two[:, 0])
    # the three-level known answer of the loop holds too: only means of whole clusters are possible
    draw, run = np.repeat([0, 1, 2], 8), np.tile(np.repeat([0, 1], 4), 3)
    boots = stats.hierarchical_bootstrap(draw * 1.0 + run * 0.1, [draw, run], n_boot=200, seed=0, vectorized=True)
    assert set(np.round(boots, 6)) <= set(np.round(np.arange(0, 2.11, 1 / 60), 6))


def test_bootstrap_tost_p_inverts_the_90_percent_interval():
    boots = np.random.default_rng(0).normal(0.005, 0.006, 20000)
    lo, hi = stats.percentile_interval(boots, 0.90)
    assert (stats.bootstrap_tost_p(boots, 0.02) < 0.05) == (-0.02 < lo and hi < 0.02)
    assert stats.bootstrap_tost_p(boots, 0.02) == pytest.approx(np.mean(boots >= 0.02))
    assert stats.bootstrap_tost_p(np.full(10, 0.03), 0.02) == 1.0


def test_detectable_effect_is_found_at_the_stated_power_and_the_null_at_alpha():
    """Known answers for chapter 7's tests, simulating the statistic (variance components like the
    grid's: subjects 0.07, runs 0.008, draws 0.004 balanced accuracy; 3 draws x 9 runs x 10 subjects).
    The detectable effect is computed as the chapter does, 2.80 x the SD of the nested bootstrap; an
    effect of that size is found (two-sided bootstrap p < 0.05) at least 80 % of the time, and a zero
    effect at most 5 % of the time. Resampling every level counts the subjects' variance again at each
    level, so the nested bootstrap is conservative: measured here 0.87 and 0.01."""
    rng = np.random.default_rng(0)

    def boots(effect, i):
        v, d, r = _nested(rng, effect)
        return stats.hierarchical_bootstrap(v, [d, r], n_boot=400, seed=i, vectorized=True)

    mde = float(np.median([stats.detectable_effect(boots(0.0, i).std()) for i in range(40)]))
    assert stats.detectable_effect(1.0) == pytest.approx(2.8016, rel=1e-4)
    hits = {name: np.mean([stats.bootstrap_p(boots(effect, i)) < 0.05 for i in range(400)])
            for name, effect in (("null", 0.0), ("planted", mde))}
    assert 0.80 <= hits["planted"] <= 0.97, hits
    assert hits["null"] <= 0.05, hits


def test_verdicts_with_a_margin_need_the_effect_beyond_it():
    m, q, qe = np.array([0.03, 0.01, -0.01, -0.05]), np.array([0.01, 0.01, 0.2, 0.01]), np.array([0.5, 0.01, 0.01, 0.5])
    assert stats.equivalence_verdicts(m, q, qe, 0.05).tolist() == ["helped", "helped", "equivalent", "hurt"]
    assert stats.equivalence_verdicts(m, q, qe, 0.05, margin=0.02).tolist() == ["helped", "equivalent", "equivalent",
                                                                                   "hurt"]
