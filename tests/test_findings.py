"""The published answer: book/results/<profile>/ and the generated parts of the findings page, the
intro and the README (python -m vaxis.book publish)."""

import json
import shutil
from pathlib import Path

import pytest

from vaxis import results, verdicts
from vaxis.book import findings

ROOT = Path(__file__).resolve().parents[1]


def _write(folder, name, obj):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(obj))


@pytest.fixture
def site(tmp_path):
    """A project root with the three pages (their generated parts empty) and one profile's results."""
    for page in findings.PAGES:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        text = (ROOT / page).read_text()
        start, end = text.index(findings.BEGIN), text.index(findings.END)
        (tmp_path / page).write_text(text[:start] + findings.BEGIN + "\n" + text[end:])
    res = tmp_path / "results" / "full"
    _write(res, results.AXIS_JSON, {"lead": {"model": "m", "vader_test_rho": {"value": 0.7, "low": 0.6, "high": 0.8}}})
    _write(res, results.CONSISTENCY_JSON, {"models": ["a", "b"], "category_agreement": {"mean_rho": 0.8, "p": 0.6},
                                           "item_agreement": {"mean_rho": 0.5, "p": 0.01}})
    _write(res, results.MAPPING_JSON, {"source": "simulated-faced", "v_axis_map": {
        "mean_r": 0.5, "ci_low": 0.4, "ci_high": 0.6, "p_value": 0.001, "n_permutations": 362880}})
    _write(res, results.PHASE_JSON, {"profile": "full", "predictions": [{"id": "P1", "result": "held"}],
                                     "regime": []})
    return tmp_path, tmp_path / "results"


def test_publish_copies_the_answer_and_fills_every_page(site):
    root, res = site
    written = findings.publish("full", root=root, results_root=res)
    out = root / "book" / "results" / "full"
    assert {p.name for p in written} >= {"scorecard.json", "scorecard.md", "07_phase.md", "findings.png",
                                         "findings.md", "intro.md", "README.md"}
    table, stamp = findings.published_table("full", root)
    assert stamp["profile"] == "full" and all(verdicts.is_verdict(v) for v in table.verdict)
    page = (root / "book" / "findings.md").read_text()
    assert "## What holds on recorded data (findings)" in page
    assert "**1. Nine sentences define a V-axis" in page and "agrees: m: rho 0.700" in page
    assert "**2. The recipe gives the same ordering across LLMs** -- disagrees" in page  # p = 0.6
    assert "pipeline check: recovers what was planted" in page
    assert "where the generator produces it: nowhere in this grid" in page
    readme = (root / "README.md").read_text()
    block = readme[readme.index(findings.BEGIN):readme.index(findings.END)]
    assert [ln[:2] for ln in block.splitlines() if ln[:1].isdigit()] == ["1.", "2.", "3.", "4.", "5."]
    assert "2 disagrees" in block and "3 pipeline check: recovers what was planted" in block
    assert (out / "scorecard.md").read_text().count("| 1. Nine sentences") == 1
    # publishing again changes nothing: the pages are a function of the committed copy
    before = {p: (root / p).read_text() for p in findings.PAGES}
    findings.write_pages("full", root)
    assert before == {p: (root / p).read_text() for p in findings.PAGES}


def test_publish_refuses_an_empty_results_folder(site, tmp_path):
    root, _ = site
    with pytest.raises(Exception, match="holds no chapter results"):
        findings.publish("full", root=root, results_root=tmp_path / "nothing")


@pytest.mark.parametrize("verdict, data, want", [
    ("agrees", "recorded: LLMs", "finding"), ("undecided", "recorded EEG (faced)", "finding"),
    (verdicts.RECOVERS, "simulated EEG (simulated-faced)", "pipeline check"),
    (verdicts.not_testable("x"), "simulated EEG", "not testable"), (verdicts.regime(None), "simulated", "regime"),
    ("not run", "", "not run")])
def test_rows_are_grouped_by_their_kind_of_evidence(verdict, data, want):
    assert findings.evidence_group(verdict, data) == want


def test_the_committed_pages_show_the_committed_full_profile():
    """Every generated part is what `python -m vaxis.book publish --pages-only` gives from book/results/full."""
    for page in findings.PAGES:
        assert (ROOT / page).read_text() == findings.render(page, "full", ROOT), (
            f"{page} differs from the published full-profile results: run python -m vaxis.book publish --pages-only")
    table, _ = findings.published_table("full", ROOT)
    assert all(verdicts.is_verdict(v) for v in table.verdict)
    assert (ROOT / findings.FIGURE).is_file()


def test_chapter_7s_copy_formats_its_result_file():
    p = {"regime": [], "regime_words": "The study's regime appears nowhere on this grid of 2 points.",
         "predictions": [{"id": "R1", "prediction": "nothing helps", "result": "held", "evidence": "0 helped | of 5"}],
         "effects": [{"cohort": 0, "point": "A: x=0", "strategy": "kd_t2", "arm": "fixed", "mean_diff": -0.01234},
                     {"cohort": 0, "point": "B: y=0", "strategy": "kd_t2", "arm": "fixed", "mean_diff": -0.01234},
                     {"cohort": 0, "point": "A: x=0", "strategy": "kd_t2", "arm": "chosen", "mean_diff": 0.5}],
         "ensembles": [{"cohort": 0, "point": "A: x=0", "gain": 0.001}], "missing_planes": {"C": "no knob"}}
    md = findings.phase_markdown(p)
    assert md.startswith("Chapter 7 (second edition): The study's regime appears nowhere")
    assert "Planes set aside: C: no knob." in md and "0 helped \\| of 5" in md
    effects = md[md.index("### Loss effects"):md.index("### Ensembles")]
    assert effects.count("kd_t2") == 1 and "-0.012" in effects and "0.5" not in effects  # fixed arm, once per cohort
