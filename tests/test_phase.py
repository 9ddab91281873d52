"""Chapter 7's grid and the scoring of its predictions (vaxis.decoding.saturation.phase, .predictions)."""

import numpy as np
import pandas as pd
import pytest

from vaxis._checks import VaxisInputError
from vaxis.decoding.saturation import phase, predictions

LOSSES = list(phase.REPRESENTATIVES.values())


def test_grid_points_cross_two_knobs_and_keep_the_rest_at_defaults():
    pts = phase.grid_points({"A": {"congruence": [0, 1], "n_subjects": [15, 45]},
                             "B": {"within_class": [0, 0.4], "valence_strength": [0.2]}}, n_subjects=30)
    assert [p.label for p in pts][:2] == ["A: congruence=0, n_subjects=15", "A: congruence=0, n_subjects=45"]
    assert len(pts) == 6
    assert pts[2].knobs == {"congruence": 1.0} and pts[2].n_subjects == 15
    assert pts[4].knobs == {} and pts[4].n_subjects == 30  # the default cohort
    with pytest.raises(VaxisInputError, match="exactly two"):
        phase.grid_points({"A": {"congruence": [0, 1]}})
    with pytest.raises(VaxisInputError, match="exactly two"):
        phase.grid_points({"A": {"congruence": [0], "strategy": [1]}})


def _effects(effect, base=lambda v: 0.25, arms=("fixed", "chosen")):
    """A grid table whose effect is ``effect(values, strategy, arm)`` at planes A, B, C."""
    rows = []
    planes = {"A": {"congruence": [0.0, 1.0], "n_subjects": [15, 45]},
              "B": {"within_class": [0.0, 0.4], "valence_strength": [0.2, 0.4]},
              "C": {"felt_emotion": [0.0, 1.0], "label_noise": [0.0, 1.0]}}
    for p in phase.grid_points(planes, n_subjects=30):
        for arm in arms:
            for s in LOSSES:
                d = effect(p.values, s, arm)
                verdict = "hurt" if d <= -0.03 else "helped" if d >= 0.03 else "equivalent"
                rows.append({"plane": p.plane, "point": p.label, **p.values, "arm": arm, "strategy": s,
                             "mean_diff": d, "verdict": verdict, "baseline_bacc": base(p.values)})
    return pd.DataFrame(rows)


def _ensembles(effects, gain=lambda v: 0.0):
    pts = effects.drop_duplicates("point")
    cols = ["plane", "point", *phase.DEFAULTS]
    out = pts[cols].copy()
    out["gain"] = [gain(r) for _, r in pts.iterrows()]
    out["verdict"] = np.where(np.abs(out.gain) < 0.02, "equivalent", "undecided")
    out["relative_best"] = out.gain / 0.3
    return out


def test_a_world_that_matches_the_hypothesis_scores_all_held():
    def effect(v, s, arm):
        d = -0.02 if arm == "fixed" else -0.005
        if s in predictions.GEOMETRY_LOSSES:
            d += 0.03 * v["congruence"] * (1.5 if v["n_subjects"] < 30 else 1.0)
            d -= 0.03 * (v["within_class"] > 0) * (s in predictions.PROTOTYPE_LOSSES)
            d += 0.01 * v["label_noise"] * (s == "kd_t2")
        if s == "v_regression":
            d *= 1.0 if v["valence_strength"] < 0.3 else 0.5
        return d * (1.5 if v["n_subjects"] < 30 else 1.0)

    def base(v):
        return 0.25 + 0.05 * v["within_class"] + 0.05 * (v["valence_strength"] - 0.2) \
            - 0.01 * v["felt_emotion"] - 0.05 * v["label_noise"]

    e = _effects(effect, base)
    ens = _ensembles(e, lambda r: 0.0 if r.within_class == 0 else 0.01)
    scored = predictions.score_predictions(e, ens).set_index("id").result
    assert (scored == "held").all(), scored.to_dict()


def test_a_world_against_the_hypothesis_fails_the_predictions():
    e = _effects(lambda v, s, arm: 0.05 if arm == "fixed" else -0.05,  # every loss helps at weight 1.0
                 lambda v: 0.25 - 0.05 * v["within_class"])
    ens = _ensembles(e, lambda r: 0.05)
    scored = predictions.score_predictions(e, ens).set_index("id").result
    for pid in ("P1", "P2", "P3", "P7", "P8"):
        assert scored[pid] == "failed", (pid, scored.to_dict())


def test_missing_planes_are_not_tested():
    e = _effects(lambda v, s, arm: 0.0, arms=("fixed",))
    e = e[e.plane == "A"]
    scored = predictions.score_predictions(e, _ensembles(e)).set_index("id").result
    assert scored["P3"] == "not tested"  # one arm
    assert scored[["P6", "P7", "P8", "P9", "P10"]].eq("not tested").all()


def test_at_default_finds_the_default_point_once():
    e = _effects(lambda v, s, arm: 0.0)
    rows = phase.at_default(e, 30)
    assert len(rows) == 2 * len(LOSSES)  # in planes B and C, counted once
    assert (rows.congruence == 0).all() and (rows.within_class == 0).all()
