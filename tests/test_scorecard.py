"""The intro page's scorecard: verdicts computed from result files, never typed."""

import json

from vaxis import results
from vaxis.book import scorecard


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
