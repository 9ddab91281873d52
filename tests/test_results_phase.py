"""Chapter 7's result file: the grid's tables and the scored predictions, read back as written."""

import json

import numpy as np
import pandas as pd

from vaxis import results


def test_write_phase_round_trip(tmp_path):
    effects = pd.DataFrame({"point": ["A: congruence=0", "A: congruence=1"], "strategy": ["kd_t2", "kd_t2"],
                            "mean_diff": [-0.0142345, 0.01], "q": [0.17, np.nan], "verdict": ["undecided", "hurt"]})
    ensembles = pd.DataFrame({"point": ["A: congruence=0"], "gain": [0.004], "verdict": ["undecided"]})
    scored = pd.DataFrame({"id": ["P1"], "result": ["held"]})
    path = results.write_phase(tmp_path, profile="quick", planes={"A": {"congruence": [0.0, 1.0]}},
                               effects=effects, ensembles=ensembles, predictions=scored, margin=0.02)
    assert path == tmp_path / results.PHASE_JSON and path.name.startswith("07_")
    d = json.loads(path.read_text())
    assert d["margin"] == 0.02 and d["planes"] == {"A": {"congruence": [0.0, 1.0]}}
    assert [e["mean_diff"] for e in d["effects"]] == [-0.01423, 0.01]
    assert d["effects"][1]["q"] is None  # a test not run stays missing, never a number
    assert [e["verdict"] for e in d["effects"]] == ["undecided", "hurt"]
    assert d["predictions"] == [{"id": "P1", "result": "held"}] and d["ensembles"][0]["gain"] == 0.004


def test_write_phase_keeps_the_second_editions_fields(tmp_path):
    effects = pd.DataFrame({"point": ["A: congruence=-1"], "strategy": ["kd_t2"], "mean_diff": [-0.03]})
    checks = pd.DataFrame({"point": ["A: congruence=-1"], "knob": ["congruence"], "planted": [0.81234567],
                           "passed": [True]})
    fixed = pd.DataFrame({"weight": {"kd_t2": 0.27, "v_regression": 0.05}})
    path = results.write_phase(tmp_path, profile="full", planes={}, effects=effects, ensembles=effects,
                               predictions=pd.DataFrame({"id": ["R1"], "result": ["held"]}), margin=0.02,
                               regime=["A: congruence=-1"], checks=checks, fixed_weights=fixed,
                               settings={"n_draws": 3, "grid": [0.1, 1.0]}, missing_planes={"C": "no knob"},
                               regime_words="The study's regime appears at 1 of 1 grid points.")
    d = json.loads(path.read_text())
    assert d["checks"] == [{"point": "A: congruence=-1", "knob": "congruence", "planted": 0.81235, "passed": True}]
    assert d["fixed_weights"] == [{"strategy": "kd_t2", "weight": 0.27}, {"strategy": "v_regression", "weight": 0.05}]
    assert d["settings"]["n_draws"] == 3 and d["missing_planes"] == {"C": "no knob"}
    assert d["regime"] == ["A: congruence=-1"] and d["regime_words"].startswith("The study's regime")
