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
