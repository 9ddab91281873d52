"""Chapter 7's grid, its statistics over draws > runs > subjects, and the scoring of the second
edition's predictions (vaxis.decoding.saturation.phase, .comparisons, .predictions), on made-up
worlds whose answers are known: no network is trained here."""

import numpy as np
import pandas as pd
import pytest

from vaxis import verdicts
from vaxis._checks import VaxisInputError
from vaxis.decoding import engine
from vaxis.decoding.saturation import checks, comparisons, phase, predictions

LOSSES = list(phase.REPRESENTATIVES.values())
PLANES = {"A": {"congruence": [-1.0, 0.0, 1.0], "n_subjects": [15, 45]},
          "B": {"multi_view": [0.0, 1.2], "congruence": [-1.0, 0.0]}}


def test_grid_points_keep_the_reference_and_share_cohorts():
    pts = phase.grid_points(PLANES, n_subjects=30)
    assert len(pts) == 10 and pts[0].label == "A: congruence=-1, n_subjects=15"
    assert pts[0].knobs == {"congruence": -1.0, "residual_strength": 0.4, "clip_identity": 0.2} and pts[0].n_subjects == 15
    ref = phase.reference_point(30)
    assert [p.key for p in pts].count(ref.key) == 1  # B's (0, 0) is the reference cohort
    b00 = next(p for p in pts if p.plane == "B" and p.values["multi_view"] == 0 and p.values["congruence"] == 0)
    assert b00.key == ref.key and phase._distinct(pts + [ref])[1][-1] == phase._distinct(pts)[1][pts.index(b00)]
    assert pts[0].with_value("congruence", 0.0).knobs == {"residual_strength": 0.4, "clip_identity": 0.2}
    with pytest.raises(VaxisInputError, match="exactly two"):
        phase.grid_points({"A": {"congruence": [0, 1]}})
    with pytest.raises(VaxisInputError, match="exactly two"):
        phase.grid_points({"A": {"congruence": [0], "strategy": [1]}})
    run, missing = phase.split_planes({**PLANES, "Z": {"no_such_knob": [0, 1], "congruence": [0]}})
    assert list(run) == ["A", "B"] and "no_such_knob" in missing["Z"]


def test_band_mask_keeps_one_band_group():
    rng = np.random.default_rng(0)
    data = engine.TrainData(X=rng.standard_normal((4, 3, 5)).astype(np.float32), y=np.zeros(4, int),
                            subject=np.array(["a"] * 4), trial=np.arange(4), window=np.zeros(4, int), classes=["x"],
                            trial_subject=np.array(["a"] * 4), trial_clip=np.arange(4), trial_label=np.zeros(4, int))
    fast = phase.band_mask(data, "fast")
    assert np.array_equal(fast.X[..., 3:], data.X[..., 3:]) and not fast.X[..., :3].any()
    assert fast.fingerprint() != data.fingerprint() and data.X[..., :3].any()
    with pytest.raises(VaxisInputError, match="band group"):
        phase.band_mask(data, "beta")


def test_networks_trained_counts_every_task_and_member():
    s = {"grid": [0.1, 1.0], "losses": LOSSES, "n_splits": 3, "seeds": [0, 1, 2], "members": ["logreg", "mlp@fast"],
         "member_seeds": [0, 1, 2], "n_draws": 3}
    assert phase.networks_trained(s, 2) == ((1 + 5 * 3) * 9 + 2 * 9) * 2 * 3
    assert phase.networks_trained({**s, "grid": None}, 1) == ((1 + 5) * 9 + 2 * 9) * 3


# ----------------------------------------------------------------------------- made-up worlds
def world(effect, base=lambda v: 0.45, gain=lambda v: 0.0, passed=True, n=6, noise=0.05, draws=3, seeds=3,
          grid=(0.1, 1.0), planes=PLANES, seed=0):
    """A :class:`PhaseResults` whose loss ``effect(values, strategy, arm)`` and ensemble ``gain(values)``
    are planted at every point, with subject noise ``noise``; every check passes (or ``passed(values,
    knob)`` says which). In the chosen arm, validation prefers weight 0.1 (whose effect is the
    ``"chosen"`` one); weight 1.0 and the fixed weight 0.3 have the fixed arm's effect."""
    rng = np.random.default_rng(seed)
    pts = phase.grid_points(planes, n_subjects=30)
    cohorts, ids = phase._distinct(pts)
    fixed = pd.DataFrame({"weight": {s: 0.3 for s in LOSSES}})
    d_, f_, s_, i_ = (a.ravel() for a in np.meshgrid(range(draws), range(3), range(seeds), range(n), indexing="ij"))
    subject = np.char.add(np.char.add(d_.astype(str), f_.astype(str)), i_.astype(str))
    units, ens, chk = [], [], []
    for c, p in enumerate(cohorts):
        v = p.values
        b = base(v) + rng.normal(0, noise, d_.size)
        key = dict(cohort=c, draw=d_, fold=f_, seed=s_, subject=subject)
        units.append(pd.DataFrame({**key, "strategy": "baseline", "weight": 0.0, "bacc": b, "val_bacc": 0.5}))
        for s in LOSSES:
            for w in (0.3, *grid):
                e = effect(v, s, "chosen" if w == 0.1 else "fixed")
                units.append(pd.DataFrame({**key, "strategy": s, "weight": w, "val_bacc": 0.6 if w == 0.1 else 0.5,
                                           "bacc": b + e + rng.normal(0, noise / 3, d_.size)}))
        one = s_ == 0
        a = base(v) + rng.normal(0, noise, one.sum())
        ekey = dict(cohort=c, draw=d_[one], fold=f_[one], subject=subject[one])
        ens += [pd.DataFrame({**ekey, "method": "all_members", "bacc": a}),
                pd.DataFrame({**ekey, "method": "residual_diverse", "bacc": a + gain(v) + rng.normal(0, noise / 3, a.size)}),
                pd.DataFrame({**ekey, "method": "best_single", "bacc": a - 0.01})]
        for knob in checks.CHECKED_KNOBS:
            if v.get(knob, 0) != 0:
                ok = passed if isinstance(passed, bool) else passed(v, knob)
                vals = {"congruence": dict(planted=0.9 if ok else 0.3, planted_twin=0.7,
                                           targets=0.4 if v[knob] > 0 else 0.05, targets_twin=0.4),
                        "multi_view": dict(complementarity=0.2 if ok else 0.15, complementarity_twin=0.15),
                        "clip_identity": dict(clip_accuracy=0.6 if ok else 0.35, clip_accuracy_twin=0.35)}[knob]
                chk += [dict(cohort=c, draw=d, knob=knob, **vals) for d in range(draws)]
    frame = pd.DataFrame([{"plane": p.plane, "point": p.label, "cohort": i, "x_knob": p.axes[0], "y_knob": p.axes[1],
                           **p.values} for p, i in zip(pts, ids)])
    settings = {"n_boot": 200, "seed": 0, "alpha": 0.05, "margin": 0.02, "grid": list(grid) if grid else None,
                "n_draws": draws, "seeds": list(range(seeds)), "n_splits": 3, "losses": LOSSES,
                "reference": phase.reference_values(30)}
    return phase.PhaseResults(frame, pd.concat(units, ignore_index=True), pd.concat(ens, ignore_index=True),
                              pd.DataFrame(chk), fixed, settings)


def hypothesis(v, s, arm):
    """The saturation hypothesis's world: geometry losses follow congruence, prototype losses suffer
    from multi-view structure, the fixed arm hurts a little more than the chosen one."""
    d = -0.01 if arm == "fixed" else 0.0
    if s in predictions.GEOMETRY_LOSSES:
        d += 0.03 * v["congruence"]
    if s in predictions.PROTOTYPE_LOSSES:
        d -= 0.03 * v["multi_view"]
    return d


def scored(res):
    return predictions.score_predictions(res).set_index("id")


def test_a_world_that_matches_the_hypothesis_scores_held():
    res = world(hypothesis, base=lambda v: 0.45 + 0.05 * v["multi_view"], gain=lambda v: 0.03 * v["multi_view"])
    s = scored(res)
    for pid in ("R3", "R4", "R6", "R7", "R8", "R9"):
        assert s.result[pid] == verdicts.HELD, (pid, s.evidence[pid])
    assert s.result["R11"] == verdicts.NOT_TESTED_MANIPULATION and "not in this run's grid" in s.evidence["R11"]
    assert set(s.result) <= set(verdicts.PREDICTION_OUTCOMES)


def test_a_world_against_the_hypothesis_fails_it():
    res = world(lambda v, s, arm: -0.03 * v["congruence"] * (s in predictions.GEOMETRY_LOSSES)
                + 0.03 * v["multi_view"] * (s in predictions.PROTOTYPE_LOSSES) + (0.01 if arm == "fixed" else 0.0),
                base=lambda v: 0.45 - 0.03 * v["multi_view"])
    s = scored(res)
    for pid in ("R3", "R6", "R7", "R8"):
        assert s.result[pid] == verdicts.FAILED, (pid, s.evidence[pid])
    assert s.result["R9"] == verdicts.FAILED  # no gain planted: the contrast is not significant


def test_help_somewhere_fails_the_absence_predictions_and_makes_no_regime():
    res = world(lambda v, s, arm: 0.05 if v["congruence"] < 0 else 0.0)
    s = scored(res)
    assert s.result["R2"] == verdicts.FAILED and "helped" in s.evidence["R2"]
    assert s.result["R1"] == verdicts.HELD  # nothing planted at the reference, and the design can see 0.02
    assert predictions.regime_points(res) == []


def test_a_failed_check_is_not_tested_manipulation():
    res = world(hypothesis, passed=lambda v, knob: knob != "congruence" or v["congruence"] > 0)
    s = scored(res)
    assert s.result["R3"] == verdicts.NOT_TESTED_MANIPULATION and "congruence=-1" in s.evidence["R3"]
    assert s.result["R2"] == verdicts.NOT_TESTED_MANIPULATION
    assert s.result["R7"] == verdicts.NOT_TESTED_MANIPULATION  # plane B's mean over congruence uses -1 too
    assert s.result["R1"] == verdicts.HELD  # the reference cohort switches no knob on: nothing to fail


def test_a_small_noisy_design_is_not_tested_underpowered_with_its_detectable_effect():
    res = world(hypothesis, n=2, noise=0.3, draws=2, seeds=1)
    s = scored(res)
    assert s.result["R3"] == verdicts.NOT_TESTED_POWER and s.detectable["R3"] > predictions.SMALLEST_EFFECT
    assert s.result["R1"] == verdicts.NOT_TESTED_POWER and "median detectable effect" in s.evidence["R1"]
    assert s.result["R4"] == verdicts.NOT_TESTED_POWER


def test_the_regime_where_losses_hurt_and_the_ensemble_gains():
    def effect(v, s, arm):
        return -0.06 if v["multi_view"] > 1 and v["congruence"] < 0 else 0.0

    res = world(effect, gain=lambda v: 0.08 if v["multi_view"] > 1 and v["congruence"] < 0 else 0.0)
    assert predictions.regime_points(res) == ["B: multi_view=1.2, congruence=-1"]
    words = predictions.regime_in_words(res)
    assert "appears at 1 of" in words and "multi-view structure (1.2)" in words and "congruence -1, a relabelled" in words
    assert scored(res).result["R13"] == verdicts.FAILED
    failed = world(effect, gain=lambda v: 0.08 if v["multi_view"] > 1 and v["congruence"] < 0 else 0.0,
                   passed=lambda v, knob: knob != "multi_view")
    assert predictions.regime_points(failed) == []  # a point whose check fails cannot be a regime point
    assert "appears nowhere" in predictions.regime_in_words(failed)


def test_chosen_arm_weights_and_duplicate_arms():
    res = world(hypothesis)
    d = res.diffs
    assert set(d[d.arm == "chosen"].weight) == {0.1}  # validation prefers 0.1 in every fold
    e = res.effects
    assert set(e.arm) == {"fixed", "chosen"} and not e.also_chosen.any()
    one = world(hypothesis, grid=())
    assert set(one.effects.arm) == {"fixed"} and scored(one).result["R6"] == verdicts.NOT_TESTED_MANIPULATION
    # a chosen arm that picks the fixed weight everywhere is the same comparison: counted once
    units = res.units.copy()
    units.loc[units.weight == 0.3, "weight"] = 0.1
    units = units.drop_duplicates(["cohort", "draw", "fold", "seed", "subject", "strategy", "weight"])
    fixed = pd.DataFrame({"weight": {s: 0.1 for s in LOSSES}})
    diffs = comparisons.arm_units(units, fixed["weight"].to_dict(), [0.1, 1.0])
    eff = comparisons.loss_effects(diffs, 100, 0, 0.05, 0.02)
    assert set(eff.arm) == {"fixed"} and eff.also_chosen.all()


def test_effects_intervals_cover_the_planted_effect_and_verdicts_need_the_margin():
    res = world(lambda v, s, arm: 0.01 if s == "kd_t2" else 0.04 if s == "v_regression" else 0.0, noise=0.02)
    e = res.effects.drop_duplicates(["cohort", "strategy", "arm"])
    kd, vr = e[(e.strategy == "kd_t2") & (e.arm == "fixed")], e[(e.strategy == "v_regression") & (e.arm == "fixed")]
    assert ((kd.ci_low < 0.01) & (0.01 < kd.ci_high)).mean() >= 0.8
    assert (kd.q < 0.05).all() and (kd.verdict != "helped").all()  # significant, inside the margin
    assert (vr.verdict == "helped").all()


def test_narrow_summaries_of_checks_effects_and_ensembles():
    res = world(hypothesis)
    chk = phase.check_summary(res.check_table)
    assert list(chk.columns) == ["point", "knob", "measure", "value", "twin", "passed"]
    cong = chk[(chk.point == "A: congruence=-1, n_subjects=15") & (chk.knob == "congruence")]
    assert list(cong.measure) == ["planted", "targets"] and cong.value.tolist() == pytest.approx([0.9, 0.05])
    eff = phase.effect_summary(res.effects, arm="fixed")
    row = res.effects[res.effects.arm == "fixed"].iloc[0]
    assert eff.iloc[0]["effect [95% CI]"] == f"{row.mean_diff:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}]"
    ens = phase.ensemble_summary(res.ensembles)
    assert len(ens) == res.ensembles.point.nunique() and ens.iloc[0]["relative [95% CI]"].endswith("%]")


def test_checks_run_where_a_plane_moves_a_knob_away_from_the_reference():
    """The reference's clip signatures (clip_identity 0.2) are part of every cohort, not a manipulation:
    only plane C's 0.4 is checked; congruence where it is not 0 (broken once: checking every non-zero
    knob -> the reference point and plane A get a clip-identity check, and this fails)."""
    ref = phase.reference_values(30)
    pts = phase.grid_points({**PLANES, "C": {"clip_identity": [0.0, 0.4], "congruence": [-1.0, 1.0]}}, n_subjects=30)
    by_label = {p.label: phase.checked_knobs(p, ref) for p in pts}
    assert phase.checked_knobs(phase.reference_point(30), ref) == []
    assert by_label["A: congruence=1, n_subjects=15"] == ["congruence"]
    assert by_label["A: congruence=0, n_subjects=45"] == []
    assert by_label["B: multi_view=1.2, congruence=0"] == ["multi_view"]
    assert by_label["C: clip_identity=0.4, congruence=1"] == ["congruence", "clip_identity"]
    assert by_label["C: clip_identity=0, congruence=-1"] == ["congruence"]
