"""Each chapter's 'What it means' starts with one sentence generated from its numbers: the sentences
say what the intervals say, and turn when the numbers turn."""

import pandas as pd
import pytest

from vaxis import stats
from vaxis.decoding import alternatives, ensembles, saturation
from vaxis.llm import consistency, specificity

E = stats.Estimate


@pytest.mark.parametrize("rho, adv, want", [
    (E(0.7, 0.6, 0.8), {"low": 0.01, "high": 0.1}, ("orders held-out words as people", "better valence direction")),
    (E(0.7, 0.6, 0.8), {"low": -0.1, "high": -0.01}, ("orders held-out words", "does as well or better")),
    (E(0.0, -0.1, 0.1), {"low": -0.1, "high": 0.1}, ("cannot be told", "cannot be told apart"))])
def test_chapter_1(rho, adv, want):
    text = specificity.axis_in_words("m", rho, adv)
    assert text[0].isupper() and all(w in text for w in want)


def test_chapter_2():
    controls = pd.DataFrame({"diff_low": [0.01, -0.1, -0.02]}, index=["a", "b", "c"])
    text = consistency.agreement_in_words(3, 0.001, 0.6, controls)
    assert "order the nine emotions alike" in text and "do not order held-out words more alike" in text
    assert "in 1 of 3 models" in text


def test_chapter_3():
    table = pd.DataFrame({"best": [False, True, False], "diff_low": [float("nan"), -0.05, -0.04],
                          "diff_high": [float("nan"), -0.01, 0.02]},
                         index=["V-axis (LLM)", "participants' valence", "ternary split"])
    text = alternatives.alternatives_in_words(table, {"p": 0.4}, "V-axis (LLM)")
    assert text.startswith("The EEG tracks participants' valence better than the V-axis")
    assert "cannot be told apart" in text and "adds nothing detectable" in text
    table.loc["ternary split", ["diff_low", "diff_high"]] = [0.01, 0.03]
    table["best"] = [True, False, False]
    text = alternatives.alternatives_in_words(table, {"p": 0.01}, "V-axis (LLM)")
    assert "tracks the V-axis best" in text and "beats the negative" in text and "adds something" in text


@pytest.mark.parametrize("lo, hi, want", [(0.02, 0.2, ("beats", "inside")), (-0.05, -0.01, ("does worse", "above")),
                                          (0.12, 0.3, ("beats", "larger than"))])
def test_chapter_6(lo, hi, want):
    rel = {"value": (lo + hi) / 2, "low": lo, "high": hi, "baseline_name": "seed ensemble"}
    text = ensembles.gain_in_words(rel, 0.105)
    assert all(w in text for w in want)


@pytest.mark.parametrize("rho, want", [(E(-0.5, -0.8, -0.1), "as the saturated-basin explanation predicts."),
                                       (E(0.5, 0.1, 0.8), "the opposite"), (E(0.1, -0.3, 0.5), "interval holds 0")])
def test_chapter_5(rho, want):
    assert want in saturation.basin_in_words(rho)
