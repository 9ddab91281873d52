"""The intro page's scorecard: verdicts computed from result files by rules that can come out either
way, in the one vocabulary of vaxis.verdicts, with the kind of evidence taken from the data's source."""

import json

import numpy as np
import pandas as pd
import pytest

from vaxis import results, stats, verdicts
from vaxis.book import scorecard
from vaxis.decoding import ensembles, saturation

SIM, REAL = "simulated-faced", "faced"


def _write(folder, name, obj):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(obj))


def _verdicts(folder, chapter):
    return scorecard.chapter_rows(folder, chapter).verdict.tolist()


# ----------------------------------------------------------------------------- recorded data: findings
@pytest.mark.parametrize("lo, hi, want", [(0.6, 0.8, "agrees"), (-0.3, -0.05, "disagrees"), (-0.1, 0.2, "undecided")])
def test_chapter_1_rows_come_out_either_way(tmp_path, lo, hi, want):
    _write(tmp_path, results.AXIS_JSON, {"lead": {"model": "m", "vader_test_rho": {"value": (lo + hi) / 2, "low": lo,
                                                                                   "high": hi}}})
    _write(tmp_path, results.SPECIFICITY_JSON, {"advantage": {"diff": (lo + hi) / 2, "low": lo, "high": hi},
                                                "random": {"rank": 3, "n": 1000, "max_abs": 0.75}})
    rows = scorecard.chapter_rows(tmp_path, "01")
    assert rows.verdict.tolist() == [want, want]
    assert rows.data.str.startswith("recorded").all() and "rank 3 among 1000" in rows["this book"].iloc[1]


def _sentences(share_tweets, share_movies, rho_low=0.2):
    def bench(share):
        lo, hi = share
        return {"sizes": {"dev": 20, "train": 40, "test": 40},
                "scores": {"V-axis": {"rho": 0.4, "rho_low": rho_low, "rho_high": 0.6},
                           "VADER": {"rho": 0.7, "rho_low": 0.6, "rho_high": 0.8},
                           "ridge ceiling": {"rho": 0.6, "rho_low": 0.5, "rho_high": 0.7}},
                "paired": {"share of ceiling": {"value": (lo + hi) / 2, "low": lo, "high": hi}}}
    return {"models": {"m": {"benchmarks": {"tweets": bench(share_tweets), "movie_reviews": bench(share_movies)}}}}


@pytest.mark.parametrize("tweets, movies, rho_low, want", [
    ((0.55, 0.9), (0.5, 0.8), 0.2, "agrees"), ((0.2, 0.45), (0.6, 0.9), 0.2, "disagrees"),
    ((0.4, 0.9), (0.6, 0.9), 0.2, "undecided"), ((0.6, 0.9), (0.6, 0.9), -0.05, "undecided")])
def test_chapter_1_sentence_transfer_row_comes_out_every_way(tmp_path, tweets, movies, rho_low, want):
    _write(tmp_path, results.AXIS_JSON, {"lead": {"model": "m", "vader_test_rho": {"value": 0.7, "low": 0.6,
                                                                                   "high": 0.8}}})
    _write(tmp_path, results.sentences_file("01"), _sentences(tweets, movies, rho_low))
    row = scorecard.chapter_rows(tmp_path, "01").iloc[-1]
    assert row.claim.startswith("1c.") and row.verdict == want and row.data.startswith("recorded")
    assert "tweets (40 test sentences)" in row["this book"] and "at or above 0.5" in row.rule
    assert row["this book"].index("tweets") < row["this book"].index("movie reviews")


@pytest.mark.parametrize("p_cat, p_item, want", [(0.001, 0.01, "agrees"), (0.001, 0.6, "disagrees"),
                                                 (0.02, 0.2, "undecided")])
def test_chapter_2_can_disagree(tmp_path, p_cat, p_item, want):
    _write(tmp_path, results.CONSISTENCY_JSON, {
        "models": ["a", "b", "c"], "category_agreement": {"mean_rho": 0.8, "p": p_cat, "n_perm": 10000},
        "item_agreement": {"mean_rho": 0.5, "p": p_item, "n_null": 630},
        "controls": {"a": {"diff": 0.1, "diff_low": 0.05, "diff_high": 0.15},
                     "b": {"diff": -0.1, "diff_low": -0.15, "diff_high": -0.05},
                     "c": {"diff": 0.0, "diff_low": -0.05, "diff_high": 0.05}}})
    rows = scorecard.chapter_rows(tmp_path, "02")
    assert rows.verdict.tolist() == [want, "disagrees"]  # model b's axis is below its own best component


@pytest.mark.parametrize("mean_r, lo, hi, p, want", [(0.5, 0.4, 0.6, 0.001, "agrees"), (-0.1, -0.2, -0.01, 0.9, "disagrees"),
                                                     (0.1, -0.05, 0.25, 0.2, "undecided")])
def test_chapter_3_on_recorded_eeg_is_a_finding_that_can_disagree(tmp_path, mean_r, lo, hi, p, want):
    _write(tmp_path, results.MAPPING_JSON, {"source": REAL, "v_axis_map": {
        "mean_r": mean_r, "ci_low": lo, "ci_high": hi, "p_value": p, "n_permutations": 362880}})
    _write(tmp_path, results.ALTERNATIVES_JSON, {"best": "ternary split", "within_side": {"p": 0.9},
                                                 "targets": {"ternary split": {"diff": -0.03, "diff_low": -0.04,
                                                                               "diff_high": -0.01}}})
    rows = scorecard.chapter_rows(tmp_path, "03")
    assert rows.verdict.tolist() == [want, "disagrees"]  # the split is tracked better than the LLM's order
    assert rows.data.iloc[0].startswith("recorded EEG (faced)")


def test_chapter_3_on_simulated_eeg_is_a_pipeline_check_and_its_control_not_testable(tmp_path):
    _write(tmp_path, results.MAPPING_JSON, {"source": SIM, "v_axis_map": {
        "mean_r": 0.5, "ci_low": 0.4, "ci_high": 0.6, "p_value": 0.001, "n_permutations": 362880}})
    _write(tmp_path, results.ALTERNATIVES_JSON, {"best": "ternary split", "within_side": {"p": 0.9},
                                                 "targets": {"ternary split": {"diff": 0.03, "diff_low": 0.01,
                                                                               "diff_high": 0.05}}})
    v = _verdicts(tmp_path, "03")
    assert v[0] == verdicts.RECOVERS
    assert v[1] == verdicts.not_testable(scorecard.PLANTED_FROM_RATINGS)
    _write(tmp_path, results.MAPPING_JSON, {"source": SIM, "v_axis_map": {
        "mean_r": 0.05, "ci_low": -0.1, "ci_high": 0.2, "p_value": 0.3, "n_permutations": 362880}})
    assert _verdicts(tmp_path, "03")[0] == verdicts.MISSES


def _clip_summary(source, p_held, held_low, p_same, planted=None):
    ref = {"same_r": 0.55, "same_low": 0.5, "same_high": 0.6, "held_r": held_low + 0.05, "held_low": held_low,
           "held_high": held_low + 0.1, "gap": 0.05, "gap_low": 0.02, "gap_high": 0.08, "gap_p": 0.01,
           "p_same": p_same, "p_held": p_held}
    out = {"source": source, "reference": "V-axis (LLM)", "targets": {"V-axis (LLM)": ref}}
    return {**out, "planted": planted} if planted is not None else out


@pytest.mark.parametrize("source, p_held, held_low, p_same, planted, want", [
    (REAL, 0.001, 0.2, 0.001, None, "agrees"),  # the map transfers to clips it never saw
    (REAL, 0.4, -0.1, 0.001, None, "disagrees"),  # the same-clips map is clip identity
    (REAL, 0.03, -0.02, 0.001, None, "undecided"),
    (SIM, 0.001, 0.2, 0.001, {"valence_strength": 0.2, "clip_identity": 0.4}, verdicts.RECOVERS),
    (SIM, 0.4, -0.1, 0.001, {"valence_strength": 0.2, "clip_identity": 0.4}, verdicts.MISSES),
    (SIM, 0.4, -0.1, 0.4, {"valence_strength": 0.0, "clip_identity": 0.4}, verdicts.RECOVERS),  # nothing to transfer
    (SIM, 0.001, 0.2, 0.001, {"valence_strength": 0.0, "clip_identity": 0.4}, verdicts.MISSES),
    (SIM, 0.001, 0.2, 0.001, {"valence_strength": 0.2, "clip_identity": 0.0}, "not testable"),
])
def test_chapter_3_valence_beyond_clip_identity(tmp_path, source, p_held, held_low, p_same, planted, want):
    _write(tmp_path, results.MAPPING_JSON, {"source": source, "v_axis_map": {
        "mean_r": 0.5, "ci_low": 0.4, "ci_high": 0.6, "p_value": 0.001, "n_permutations": 362880}})
    _write(tmp_path, results.CLIP_IDENTITY_JSON["03"], {"source": source,
                                                        "summary": _clip_summary(source, p_held, held_low, p_same,
                                                                                 planted)})
    rows = scorecard.chapter_rows(tmp_path, "03")
    row = rows.iloc[-1]
    assert row.claim.startswith("3c.") and row.verdict.startswith(want) and verdicts.is_verdict(row.verdict)
    assert row.data.startswith("recorded EEG" if source == REAL else "simulated EEG") and row.rule


def _rediscovery(folder, source, gaps):
    _write(folder, results.REDISCOVERY_JSON, {
        "source": source, "count": {"n": 36, "n_rediscover": 30, "n_holm": 0},
        "gap": [{"control": k, "gap": (lo + hi) / 2, "low": lo, "high": hi, "p": 0.01} for k, (lo, hi) in gaps.items()]})


@pytest.mark.parametrize("raw, want", [((0.01, 0.05), "agrees"), ((-0.05, -0.01), "disagrees"), ((-0.02, 0.03), "undecided")])
def test_chapter_4_claims_the_gap_over_every_control(tmp_path, raw, want):
    _rediscovery(tmp_path, REAL, {"untrained": (0.1, 0.2), "shuffled labels": (0.05, 0.1), "raw features": raw})
    row = scorecard.chapter_rows(tmp_path, "04").iloc[0]
    assert row.verdict == want and "30 of 36 pass the exact test (BH), 0 with Holm" in row["this book"]
    _rediscovery(tmp_path, SIM, {"untrained": (0.1, 0.2), "shuffled labels": (0.05, 0.1), "raw features": raw})
    assert _verdicts(tmp_path, "04") == [verdicts.RECOVERS if want == "agrees" else verdicts.MISSES]


def _saturation(folder, source, counts, controls=None, n_units=30, mean_diff=0.01, d_z=0.25, p_tost=0.2,
                mechanisms=None):
    controls = controls or {"helped": 0, "equivalent": 1, "undecided": 3, "hurt": 1}
    recs = [{"strategy": f"s{i}", "mean_diff": mean_diff, "d_z": d_z, "p_wilcoxon": 0.5, "p_tost": p_tost}
            for i in range(sum(counts.values()))]
    _write(folder, results.SATURATION_JSON, {
        "profile": folder.name, "source": source, "mechanisms": mechanisms or {}, "n_units": n_units,
        "counts": {k: counts.get(k, 0) + controls.get(k, 0) for k in stats.VERDICTS},
        "counts_by_kind": {"alignment": counts, "control": controls}, "strategies": recs})


@pytest.mark.parametrize("counts, want", [
    ({"helped": 0, "equivalent": 6, "undecided": 15, "hurt": 1}, ["undecided", "undecided"]),
    ({"helped": 0, "equivalent": 15, "undecided": 3, "hurt": 4}, ["undecided", "disagrees"]),  # 7 < 64 % of 22
    ({"helped": 0, "equivalent": 6, "undecided": 0, "hurt": 16}, ["agrees", "agrees"]),
    ({"helped": 1, "equivalent": 0, "undecided": 0, "hurt": 21}, ["disagrees", "agrees"]),
])
def test_chapter_5_counts_alignment_losses_only(tmp_path, counts, want):
    _saturation(tmp_path / "quick", REAL, counts)
    rows = scorecard.chapter_rows(tmp_path / "quick", "05")
    assert rows.verdict.tolist() == want
    assert f"of {sum(counts.values())} alignment losses; controls counted apart" in rows["this book"].iloc[0]
    assert "30 held-out subjects" in rows["this book"].iloc[0]


def test_chapter_5_on_the_default_simulated_cohort_is_not_testable_and_names_why(tmp_path):
    _saturation(tmp_path / "quick", SIM, {"helped": 0, "equivalent": 6, "undecided": 0, "hurt": 16})
    want = verdicts.not_testable(scorecard.NO_WITHIN_CLASS_INFORMATION)
    assert _verdicts(tmp_path / "quick", "05") == [want, want]
    _saturation(tmp_path / "quick", SIM, {"helped": 0, "equivalent": 6, "undecided": 0, "hurt": 16},
                mechanisms={"within_class": 0.4})
    assert _verdicts(tmp_path / "quick", "05") == [verdicts.regime("at within_class 0.4")] * 2


@pytest.mark.parametrize("lo, hi, want", [(0.02, 0.20, ["agrees", "agrees"]), (0.01, 0.05, ["agrees", "disagrees"]),
                                          (-0.06, -0.01, ["disagrees", "disagrees"]),
                                          (-0.02, 0.15, ["undecided", "undecided"])])
def test_chapter_6_direction_and_size_against_the_studys_number(tmp_path, lo, hi, want):
    rel = {"value": (lo + hi) / 2, "low": lo, "high": hi, "baseline_name": "all-members ensemble", "n_subjects": 36}
    _write(tmp_path, results.ENSEMBLING_JSON, {"faced": {"source": REAL, "relative": rel},
                                               "seedv": {"source": "simulated-seedv", "relative": rel}})
    rows = scorecard.chapter_rows(tmp_path, "06")
    assert rows.verdict.tolist()[:2] == want and "36 test subjects" in rows["this book"].iloc[0]
    assert rows.verdict.iloc[2] == verdicts.not_testable(scorecard.NO_WITHIN_CLASS_INFORMATION)


def test_chapter_7_row_says_where_the_generator_produces_the_regime(tmp_path):
    preds = [{"id": "R1", "result": verdicts.HELD}, {"id": "R2", "result": verdicts.NOT_TESTED_POWER},
             {"id": "R3", "result": verdicts.FAILED}, {"id": "R4", "result": verdicts.NOT_TESTED_MANIPULATION},
             {"id": "R5", "result": verdicts.FAILED}]
    regime = ["B: multi_view=1.2, congruence=-1", "C: clip_identity=0.4, congruence=-1"]
    _write(tmp_path, results.PHASE_JSON, {"profile": "full", "predictions": preds, "regime": regime})
    row = scorecard.chapter_rows(tmp_path, "07").iloc[0]
    assert row.verdict == ("where the generator produces it: B: multi_view=1.2, congruence=-1; "
                           "C: clip_identity=0.4, congruence=-1")
    assert ("5 predictions written before the grid ran: 1 held, 2 failed, 1 not tested (manipulation failed), "
            "1 not tested (underpowered) (full profile)") == row["this book"]
    assert "every manipulation check passes" in row.rule and verdicts.is_verdict(row.verdict)
    _write(tmp_path, results.PHASE_JSON, {"profile": "quick", "predictions": preds, "regime": []})
    assert _verdicts(tmp_path, "07") == ["where the generator produces it: nowhere in this grid"]
    _write(tmp_path, results.PHASE_JSON, {"profile": "quick", "predictions": preds})
    assert _verdicts(tmp_path, "07") == [verdicts.NOT_RUN]


# ----------------------------------------------------------------------------- the table and its page
def test_every_verdict_is_in_the_vocabulary_and_unrun_chapters_say_so(tmp_path):
    _rediscovery(tmp_path, SIM, {"untrained": (0.1, 0.2)})
    t = scorecard.table(tmp_path)
    assert list(t.columns) == scorecard.COLUMNS
    assert all(verdicts.is_verdict(v) for v in t.verdict)
    assert (t[t.claim.str.startswith("2.")].verdict == "not run").all()
    md = scorecard.markdown(t)
    assert md.count("\n") == len(t) + 2 and "| 4. Label-only" in md


def test_write_goes_next_to_the_chapters(tmp_path, monkeypatch):
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    out = scorecard.write("quick", root=tmp_path)
    assert out == tmp_path / "book" / "chapters" / "scorecard.md"
    assert "`quick` profile" in out.read_text() and "not run" in out.read_text()


def test_a_partial_result_file_is_reported_not_fatal(tmp_path):
    # chapter 3's own tests write an axis file with only the category positions: the scorecard that
    # the runner writes after every run must say the row is incomplete instead of failing the run
    _write(tmp_path, results.AXIS_JSON, {"lead": {"category_positions": {"joy": 1.0}}})
    one = scorecard.table(tmp_path).query("claim.str.startswith('1.')", engine="python").iloc[0]
    assert one.verdict == "not run" and "lacks 'vader_test_rho'" in one["this book"]


# ----------------------------------------------------------------------------- what chapters 5 and 6 could see
def test_sweep_power_reads_every_profile_from_the_result_files(tmp_path):
    counts = {"helped": 0, "equivalent": 1, "undecided": 2, "hurt": 0}
    none = {k: 0 for k in counts}
    _saturation(tmp_path / "quick", SIM, counts, controls=none, n_units=30)
    _saturation(tmp_path / "full", SIM, counts, controls=none, n_units=123, p_tost=0.01)
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


def test_sweep_power_projects_this_spread_to_another_profiles_subjects(tmp_path):
    counts = {"helped": 0, "equivalent": 1, "undecided": 2, "hurt": 0}
    _saturation(tmp_path / "quick", SIM, counts, controls={k: 0 for k in counts})
    n_full = scorecard.profile_subjects("05", "full")
    assert n_full == 123  # the full profile's cohort (vaxis/book/profiles/full.yaml)
    p = saturation.sweep_power(tmp_path / "quick", project_to={"full": n_full, "same": 30})
    assert list(p.columns) == ["quick", "this spread, 123 subjects (full)"]  # the same n is not repeated
    col = p.iloc[:, 1]
    assert col["P(equivalent if no effect)"] == pytest.approx(stats.tost_power(123, 0.04, 0.02))
    assert col["held-out subjects"] == 123 and np.isnan(col["verdict: helped"])


class _Cmp:
    """The parts of an EnsembleComparison that the chapter-6 tables read."""

    def __init__(self, per_subject, relative):
        self.per_subject, self.relative = per_subject, relative


def test_study_power_and_gap_known_answers():
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
