"""The intro page's scorecard: verdicts computed from result files, never typed."""

import json

import numpy as np
import pandas as pd
import pytest

from vaxis import results, stats
from vaxis.book import scorecard
from vaxis.decoding import ensembles, saturation


def _write(folder, name, obj):
    (folder / name).write_text(json.dumps(obj))


def test_rows_follow_the_numbers(tmp_path):
    _write(tmp_path, results.AXIS_JSON, {"lead": {"model": "m", "vader_test_rho": {"value": 0.7, "low": 0.6, "high": 0.8}}})
    _write(tmp_path, results.SPECIFICITY_JSON, {
        "advantage": {"diff": -0.05, "low": -0.09, "high": -0.01},
        "random": {"rank": 3, "n": 1000, "max_abs": 0.75, "share_at_least": 0.002}})
    _write(tmp_path, results.REDISCOVERY_JSON, {
        "source": "simulated-faced", "count": {"n": 36, "n_rediscover": 30},
        "control_counts": [{"kind": "trained", "significant": 30, "n": 36}, {"kind": "untrained", "significant": 4, "n": 12}]})
    _write(tmp_path, results.ENSEMBLING_JSON, {"faced": {"source": "FACED", "relative": {
        "value": 0.01, "low": -0.01, "high": 0.03, "baseline_name": "seed ensemble"}}})
    t = scorecard.table(tmp_path)
    assert list(t.columns) == scorecard.COLUMNS
    one = t[t.claim.str.startswith("1.")]
    assert one.verdict.tolist() == ["agrees", "no gain over PCA"] and "rank 3 among 1000" in one["this book"].iloc[1]
    four = t[t.claim.str.startswith("4.")].iloc[0]
    assert four.verdict == "partly" and "untrained: 4 of 12" in four["this book"]
    assert four.data == "simulated EEG (tests the method)"
    six = t[t.claim.str.startswith("6.")].iloc[0]
    assert six.verdict == "disagrees" and six.data == "real EEG (FACED)"  # +10.5% lies above the interval
    assert (t[t.claim.str.startswith("2.")].verdict == "not run").all()
    md = scorecard.markdown(t)
    assert md.count("\n") == len(t) + 2 and "| 1. Nine sentences" in md


def test_write_goes_next_to_the_chapters(tmp_path, monkeypatch):
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    out = scorecard.write("quick", root=tmp_path)
    assert out == tmp_path / "book" / "chapters" / "scorecard.md"
    assert "`quick` profile" in out.read_text() and "not run" in out.read_text()


def test_chapter_3_control_verdicts(tmp_path):
    _write(tmp_path, results.MAPPING_JSON, {"source": "simulated-faced", "v_axis_map": {
        "mean_r": 0.5, "ci_low": 0.4, "ci_high": 0.6, "p_value": 0.004, "n_permutations": 362880}})
    for (lo, hi), want in {(-0.04, -0.01): "the split is tracked better", (0.01, 0.05): "LLM adds",
                           (-0.02, 0.02): "undecided"}.items():
        _write(tmp_path, results.ALTERNATIVES_JSON, {"best": "ternary split", "within_side": {"p": 0.9},
                                                     "targets": {"ternary split": {"diff": (lo + hi) / 2, "diff_low": lo,
                                                                                   "diff_high": hi}}})
        rows = scorecard.chapter_rows(tmp_path, "03")
        assert rows.verdict.tolist() == ["agrees", want]


def test_a_partial_result_file_is_reported_not_fatal(tmp_path):
    # chapter 3's own tests write an axis file with only the category positions: the scorecard that
    # the runner writes after every run must say the row is incomplete instead of failing the run
    _write(tmp_path, results.AXIS_JSON, {"lead": {"category_positions": {"joy": 1.0}}})
    one = scorecard.table(tmp_path).query("claim.str.startswith('1.')", engine="python").iloc[0]
    assert one.verdict == "not run" and "lacks 'vader_test_rho'" in one["this book"]


def _saturation(folder, profile, counts, n_units=30, mean_diff=0.01, d_z=0.25, p_tost=0.2):
    folder.mkdir(parents=True, exist_ok=True)
    recs = [{"strategy": f"s{i}", "mean_diff": mean_diff, "d_z": d_z, "p_wilcoxon": 0.5, "p_tost": p_tost}
            for i in range(sum(counts.values()))]
    _write(folder, results.SATURATION_JSON, {"profile": profile, "n_units": n_units, "counts": counts,
                                            "strategies": recs})


@pytest.mark.parametrize("counts, want", [
    ({"helped": 0, "equivalent": 6, "undecided": 20, "hurt": 1}, ["undecided", "undecided"]),
    ({"helped": 0, "equivalent": 20, "undecided": 3, "hurt": 4}, ["undecided", "disagrees"]),  # 7 < 64 % of 27
    ({"helped": 0, "equivalent": 2, "undecided": 0, "hurt": 25}, ["agrees", "agrees"]),
    ({"helped": 1, "equivalent": 0, "undecided": 0, "hurt": 26}, ["disagrees", "agrees"]),
])
def test_chapter_5_verdicts_none_helped_and_most_hurt(tmp_path, counts, want):
    _saturation(tmp_path / "quick", "quick", counts)
    rows = scorecard.chapter_rows(tmp_path / "quick", "05")
    assert rows.verdict.tolist() == want
    assert "30 held-out subjects" in rows["this book"].iloc[0]


def test_saturation_power_reads_every_profile_from_the_result_files(tmp_path):
    counts = {"helped": 0, "equivalent": 1, "undecided": 2, "hurt": 0}
    _saturation(tmp_path / "quick", "quick", counts, n_units=30)
    _saturation(tmp_path / "full", "full", counts, n_units=123, p_tost=0.01)
    assert list(saturation.sweep_power(tmp_path / "quick").columns) == ["quick"]  # the page: this run only
    p = saturation.sweep_power(tmp_path / "quick", other_runs=True)
    assert list(p.columns) == ["quick", "full"]  # this run's profile first
    sd = 0.01 / 0.25  # mean difference over d_z
    assert p.loc["SD of per-subject differences"].tolist() == pytest.approx([sd, sd])
    assert p.loc["P(equivalent if no effect)", "quick"] == pytest.approx(stats.tost_power(30, sd, 0.02))
    assert p.loc["detectable difference (80%)", "full"] == pytest.approx(stats.min_detectable_effect(123, sd))
    assert p.loc["detectable difference (80%)", "full"] < p.loc["detectable difference (80%)", "quick"]
    assert (p.loc["detectable difference, 1 true effect of m (BH)"] > p.loc["detectable difference (80%)"]).all()
    assert p.loc["equivalent, p_tost < alpha (before BH)"].tolist() == [0, 3]
    n80 = p.loc["subjects for P(equivalent if no effect) = 0.8", "quick"]
    assert stats.tost_power(int(n80), sd, 0.02) >= 0.8 > stats.tost_power(int(n80) - 1, sd, 0.02)


@pytest.mark.parametrize("lo, hi, want", [(0.02, 0.20, "agrees"), (0.01, 0.05, "partly: a gain, smaller than the study's"),
                                          (-0.02, 0.05, "disagrees"), (-0.02, 0.15, "undecided")])
def test_chapter_6_verdict_weighs_the_studys_number(tmp_path, lo, hi, want):
    rel = {"value": (lo + hi) / 2, "low": lo, "high": hi, "baseline_name": "all-members ensemble", "n_subjects": 36}
    _write(tmp_path, results.ENSEMBLING_JSON, {"faced": {"source": "simulated-faced", "relative": rel},
                                               "seedv": {"source": "simulated-seedv", "relative": rel}})
    rows = scorecard.chapter_rows(tmp_path, "06")
    direction = "agrees" if lo > 0 else "undecided"
    assert rows.verdict.tolist() == [want, direction] and "36 test subjects" in rows["this book"].iloc[0]


def test_chapter_7_row_tallies_the_predictions(tmp_path):
    _write(tmp_path, results.PHASE_JSON, {"profile": "quick", "predictions": [
        {"id": "P1", "result": "held"}, {"id": "P2", "result": "failed"}, {"id": "P11", "result": "failed"},
        {"id": "P12", "result": "not tested"}]})
    row = scorecard.chapter_rows(tmp_path, "07").iloc[0]
    assert "1 held, 2 failed, 1 not tested" in row["this book"] and "(P11): failed" in row["this book"]
    assert row.verdict.startswith("not testable here") and row.data == "simulated EEG only"


class _Cmp:
    """The parts of an EnsembleComparison that the chapter-6 tables read."""

    def __init__(self, per_subject, relative):
        self.per_subject, self.relative = per_subject, relative


def test_ensemble_power_and_gap_known_answers():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.3, 0.4, 40)
    d = rng.normal(-0.05, 0.03, 40)  # the residual-diversity ensemble is worse here
    ps = pd.DataFrame({"residual_diverse": base + d, "all_members": base, "best_single": base - 0.03,
                       "de_svm": base - 0.05, "de_mlp": base - 0.06})
    rel = {"baseline": "all_members", "baseline_name": "all-members ensemble", "value": 0.005, "low": -0.01,
           "high": 0.02, "n_subjects": 40}
    power = ensembles.study_power({"c": _Cmp(ps, rel)})["c"]
    want = stats.paired_power(40, float(d.std(ddof=1)), 0.105 * base.mean())
    assert power["power to detect it (alpha 0.05)"] == f"{want:.2f}" and want > 0.99
    assert power["+10.5% as a per-subject difference"] == f"{0.105 * base.mean():.3f}"  # of the competitor's mean
    assert power["reading"].endswith("here the gain is smaller")
    gap = ensembles.study_gap(_Cmp(ps, rel))["gain [95% interval]"]
    est = stats.relative_change(ps.residual_diverse.to_numpy(), ps.de_svm.to_numpy())
    assert gap["over the best DE baseline (de_svm)"] == f"{est.value:+.1%} [{est.low:+.1%}, {est.high:+.1%}]"
    assert gap["the study: over the prior best (FACED)"] == "+10.5%"


def test_saturation_power_projects_this_spread_to_another_profiles_subjects(tmp_path):
    _saturation(tmp_path / "quick", "quick", {"helped": 0, "equivalent": 1, "undecided": 2, "hurt": 0})
    n_full = scorecard.profile_subjects("05", "full")
    assert n_full == 123  # the full profile's cohort (vaxis/book/profiles/full.yaml)
    p = saturation.sweep_power(tmp_path / "quick", project_to={"full": n_full, "same": 30})
    assert list(p.columns) == ["quick", "this spread, 123 subjects (full)"]  # the same n is not repeated
    col = p.iloc[:, 1]
    assert col["P(equivalent if no effect)"] == pytest.approx(stats.tost_power(123, 0.04, 0.02))
    assert col["held-out subjects"] == 123 and np.isnan(col["verdict: helped"])
