"""Bad input at the entry points a user touches: the runner's command line and the chapters' parameters.

Each case must end in ONE clear message (a vaxis error, shown without a traceback by the command
line) naming the problem and the fix, and must leave no result file behind. The tables below are
the list: ``CLI_CASES`` (the runner's command line and chapter parameters) and
``FACED_FOLDER_CASES`` (a damaged data folder met by a running chapter: missing subject, truncated
pickle, NaN, wrong channel count), plus the memory refusal; the count is
``pytest tests/test_bad_inputs.py --collect-only -q``.
Lower-level bad inputs are tested beside their code: loaders in ``test_eeg_loaders.py`` (missing,
partial, truncated, NaN, duplicated, wrong-shape, wrong-release files), models in ``test_llm.py``,
texts and layers in ``test_hidden.py``, axis inputs in ``test_axis.py``.
"""

import pickle

import numpy as np
import pytest

from vaxis import book, results
from vaxis.book import resources

# (id, command-line arguments, text the message must contain)
CLI_CASES = [
    ("unknown-profile", ["run", "--profile", "fast"], "Unknown profile 'fast'"),
    ("unknown-chapter", ["run", "--only", "42"], "No chapter ['42']"),
    ("unknown-parameter", ["run", "--only", "01", "-p", "n_itmes=600"], "has no parameter(s) ['n_itmes']"),
    ("wrong-type-str-for-int", ["run", "--only", "01", "-p", "n_items=many"], "n_items='many' of chapter 01_axis_construction must be int"),
    ("wrong-type-bool-for-int", ["run", "--only", "03", "-p", "n_subjects=true"], "must be int"),
    ("wrong-type-list-for-str", ["run", "--only", "01", "-p", "lead_model=[a, b]"], "must be str"),
    ("missing-data-folder", ["run", "--only", "03", "-p", "faced_dir=/no/such/FACED"], "no such folder"),
    ("override-without-value", ["run", "--only", "01", "-p", "lead_model"], "expects NAME=VALUE"),
    ("build-before-run", ["build"], None),  # handled below: depends on what is executed
]


@pytest.mark.parametrize("case", [c for c in CLI_CASES if c[2]], ids=lambda c: c[0])
def test_cli_refuses_with_one_clear_message(case, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    _, argv, message = case
    assert book.main(argv) == 1
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err and err.strip().count("\n") <= 3
    assert not any((tmp_path / "results").rglob("*.json")), "a refused run wrote a result"


def test_profile_needing_more_memory_than_available_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(resources, "available_bytes", lambda: 256 * 2**20)
    assert book.main(["run", "--profile", "quick", "--only", "01"]) == 1
    assert "estimated to need" in capsys.readouterr().err


def test_memory_estimate_grows_with_models_and_subjects():
    small = resources.estimate_chapter_bytes({"n_subjects": 10})
    assert resources.estimate_chapter_bytes({"n_subjects": 123}) > small


def test_memory_estimate_counts_chapter_4s_negative_control_cohort():
    """Chapter 4's defaults train a second, no-valence cohort: its EEG copies are in the estimate."""
    ch4 = next(c for c in book.chapters() if c.number == "04")
    params = {**{k: v[0] for k, v in book.declared_parameters(ch4).items()}, **book.chapter_parameters("full", ch4)}
    assert params["negative_control"] is True and params["faced_dir"] is None  # the runner's parameters
    one_copy = params["n_subjects"] * 28 * 30 * 32 * 5 * 8
    without = resources.estimate_chapter_bytes({**params, "negative_control": False})
    assert resources.estimate_chapter_bytes(params) - without == resources.NEGATIVE_CONTROL_COPIES * one_copy
    assert resources.NEGATIVE_CONTROL_COPIES >= 2  # its float32 DE and its float32 training copy at least
    # with the real recordings (faced_dir) there is no simulated control cohort
    assert resources.estimate_chapter_bytes({**params, "faced_dir": "/data/FACED"}) == without


def _write_axis(folder):
    cats = ["anger", "disgust", "fear", "sadness", "neutral", "amusement", "inspiration", "joy", "tenderness"]
    pos = dict(zip(cats, [-3.0, -2.5, -2.8, -3.2, 0.0, 2.0, 2.4, 3.0, 2.6]))
    rng = np.random.default_rng(0)
    results.save_axis(folder, {"lead": {"category_positions": pos}},
                      {"anchor_vectors": rng.normal(size=(9, 8)), "anchor_categories": np.array(cats)})


# (id, how subject 2's file is damaged, text the message must contain). Each case is run through
# the runner on chapter 3, as a user would meet it: one message naming the file and the fix.
FACED_FOLDER_CASES = [
    ("missing-subject", "missing", "subjects [2]"),
    ("truncated-pickle", "truncated", "cannot be read as a pickle"),
    ("nan-features", "nan", "NaN/Inf value(s) in clip(s) [4]"),
    ("wrong-channel-count", "channels", "must have shape (28, 32, 30, 5), got (28, 30, 30, 5)"),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", FACED_FOLDER_CASES, ids=lambda c: c[0])
def test_chapter_on_a_damaged_faced_folder_fails_clearly(case, tmp_path, monkeypatch, capsys):
    """The runner executes chapter 3 on a FACED folder with one damaged subject: one message, no result."""
    _, damage, message = case
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("VAXIS_CACHE", str(tmp_path / "cache"))
    _write_axis(tmp_path / "results" / "quick")
    de = tmp_path / "FACED" / "EEG_Features" / "DE"
    de.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for s in range(4):
        x = rng.normal(1, 0.3, (28, 32, 30, 5))
        if s == 2 and damage == "missing":
            continue
        if s == 2 and damage == "nan":
            x[3, 5, 7, 1] = np.nan
        if s == 2 and damage == "channels":
            x = x[:, :30]
        blob = pickle.dumps(x)
        if s == 2 and damage == "truncated":
            blob = blob[: len(blob) // 2]
        (de / f"sub{s:03d}.pkl.pkl").write_bytes(blob)
    code = book.main(["run", "--only", "03", "--no-memory-check", "-p", f"faced_dir={tmp_path / 'FACED'}",
                      "-p", "n_subjects=4"])
    err = capsys.readouterr().err
    assert code == 1 and "Chapter 03_eeg_mapping failed" in err and message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "results" / "quick" / results.MAPPING_JSON).exists()
