"""One source for run times: the reference runs (``benchmarks/reference_runs.json``) and the pages.

- every page's generated run times (README, intro, teaching page, each chapter's "Time to run" and
  workshop table) are what the record gives; rewrite them with ``python -m vaxis.book records --write``;
- no page types a run time by hand outside those parts (the rule: :func:`vaxis.book.typed_times.typed_times`);
- the record is within the standing budgets (`make test` 20 minutes, `make book` 45, on 2 cores);
- a record is built from the runner's logs of one machine and one commit, and nothing else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vaxis import book
from vaxis._checks import VaxisInputError
from vaxis.book import records
from vaxis.book.typed_times import page_markdown, typed_times

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = book.chapters(ROOT)
#: Every page a reader sees whose prose could state a run time (api.md and references.md are generated lists).
CHECKED = [ROOT / "README.md", *sorted(p for p in (ROOT / "book").glob("*.md")
                                      if p.name not in ("api.md", "references.md")), *(c.source for c in CHAPTERS)]


@pytest.fixture(scope="module")
def record():
    return records.load_record(ROOT)


@pytest.mark.parametrize("path", records.pages(ROOT), ids=lambda p: p.name)
def test_page_run_times_come_from_the_record(path, record):
    expected = records.expected_pages(record, ROOT)[path]
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)}: its run times differ from benchmarks/reference_runs.json; "
        "run `python -m vaxis.book records --write` (never edit between the markers)")


def test_every_page_has_its_generated_parts():
    assert records.blocks((ROOT / "README.md").read_text()) == ["faced-bids-short", "readme"]
    assert records.blocks((ROOT / "book" / "data.md").read_text()) == ["faced-bids"]
    assert records.blocks((ROOT / "book" / "intro.md").read_text()) == ["intro"]
    assert records.blocks((ROOT / "book" / "teaching.md").read_text()) == ["teaching"]
    for chapter in CHAPTERS:
        assert records.blocks(chapter.source.read_text()) == ["header", "workshop"], chapter.name
        info = records.chapter_info(chapter)
        assert info.exercise_minutes and info.teach_minutes, f"{chapter.name}: exercise times or '**To teach:**' missing"


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.name)
def test_no_page_types_a_run_time(path):
    typed = typed_times(page_markdown(path))
    assert not typed, (f"{path.relative_to(ROOT)} states run times by hand (they come from the record, "
                       "python -m vaxis.book records):\n" + "\n".join(t[:200] for t in typed))


@pytest.mark.parametrize("text", [
    "The chapter takes about 2 min on a laptop.",
    "**Time to run:** a few minutes with the `quick` profile (cached re-runs: seconds).",
    "| profile | where |\n| --- | --- |\n| `quick` | about 3.5 minutes of chapters |",
    "| | `make book` |\n| --- | --- |\n| chapters | 1: 27 s, 2: 122 s |",
    "Re-run it with `-p readout_alpha=1` (a live run of about a minute).",
    "It used 2.5 CPU-minutes (10.5 min of wall time).",
    "The sweep took 1 h 4 min.",
])
def test_a_typed_run_time_is_found(text):
    assert typed_times(text), text


@pytest.mark.parametrize("text", [
    "Each trial keeps the last 30 s of each clip; features come from 4 s windows.",
    "### Exercise 2: Benjamini-Hochberg (about 15 minutes)",
    "**To teach:** about 65 minutes, exercises included.",
    "## Which chapter fits a 90-minute session",
    "Chapter 5 alone fits 90 minutes only in a session with its sweep cached.",
    "AFINN words are a second test set; every 1-s window is a sample.",
    "<!-- BEGIN run times (x): generated -->\nIt takes 31 s.\n<!-- END run times -->",
    "Accuracy rises 1.7-2x faster; 9! = 362,880 orderings; 123 subjects, 28 clips.",
])
def test_data_facts_teaching_estimates_and_generated_parts_pass(text):
    assert typed_times(text) == [], text


def test_the_record_is_within_the_standing_budgets(record):
    ok, lines = records.budget_report(record)
    assert record.cpus == records.BUDGET_CPUS, f"the reference runs must be on {records.BUDGET_CPUS} cores"
    assert ok, "\n".join(lines)
    assert records.BUDGETS == {"make test": 20 * 60, "make book": 45 * 60}


def test_a_record_over_budget_says_so(record):
    data = {**record.data, "commands": {**record.data["commands"],
                                        "make test": {**record.command("make test"), "wall_s": 21 * 60}}}
    ok, lines = records.budget_report(records.Record(data))
    assert not ok and "OVER" in lines[0] and "within" in lines[1]
    assert "**over**" in "\n".join(records.readme_table(records.Record(data)))
    ok, lines = records.budget_report(records.Record({**record.data, "cpus": 16}))
    assert not ok and "not measured on 2 cores" in lines[0]


def test_the_record_names_one_machine_date_and_commit(record):
    assert record.machine and record.date[:4].isdigit() and record.commit
    for profile in records.PROFILES:
        assert set(record.data["profiles"][profile]["chapters"]) == {c.name for c in CHAPTERS}, profile
    assert record.where() in " ".join(" ".join(records.readme_table(record)).split())  # wrapped lines joined


def _log(name, wall, cpu="Intel(R) Xeon(R) CPU", commit="abc1234", runner=None):
    r = {"wall_s": wall, "peak_bytes": 2**30, "cpus": 2, "cpu": cpu, "commit": commit, "numerics": "portable",
         "finished": "2026-12-07T10:00:00+00:00"}
    return {**r, "runner": runner} if runner else r


def test_a_record_is_built_from_one_machines_logs():
    names = ["01_a", "02_b"]
    runs = {"quick": {n: _log(n, 30.0, runner="nbval") for n in names}, "full": {n: _log(n, 100.0) for n in names}}
    commands = {"make test": {"wall_s": 700.0, "peak_bytes": 4 * 2**30}, "make book": {"wall_s": 950.0, "disk_gb": 11}}
    data = records.from_runs(runs, commands, chapter_names=names)
    assert data["machine"] == "2 CPU cores of an Intel(R) Xeon(R) CPU" and data["commit"] == "abc1234"
    assert data["date"] == "2026-12-07" and data["profiles"]["quick"]["runner"] == "nbval"
    rec = records.Record(data)
    assert rec.chapters_total("full") == 200.0 and rec.command("make book")["disk_gb"] == 11
    bad = {**runs, "full": {**runs["full"], "02_b": _log("02_b", 1.0, commit="fff0000")}}
    with pytest.raises(VaxisInputError, match="commits"):
        records.from_runs(bad, commands, chapter_names=names)
    assert records.from_runs(bad, commands, chapter_names=names, commit="abc1234")["commit"] == "abc1234"
    bad = {**runs, "quick": {**runs["quick"], "01_a": {**_log("01_a", 1.0), "cpus": 16}}}
    with pytest.raises(VaxisInputError, match="one machine"):
        records.from_runs(bad, commands, chapter_names=names)
    with pytest.raises(VaxisInputError, match="lacks chapters"):
        records.from_runs({**runs, "full": {"01_a": runs["full"]["01_a"]}}, commands, chapter_names=names)
    with pytest.raises(VaxisInputError, match="make book"):
        records.from_runs(runs, {"make test": commands["make test"]}, chapter_names=names)


def test_generated_blocks_are_rewritten_in_place(record):
    infos = {c.name: records.chapter_info(c) for c in CHAPTERS}
    name = CHAPTERS[0].name
    text = ("# intro\n#\n# " + records._BEGIN.format(name="header") + "\n# stale 99 min\n# " + records._END
            + "\n#\n# after\n")
    out = records.render(text, record, infos, name)
    assert "stale" not in out and out.endswith("#\n# after\n")
    q = records.duration(record.chapter("quick", name)["wall_s"])
    assert f"**Time to run:** {q} with the `quick` profile" in out
    assert records.render(out, record, infos, name) == out  # idempotent


def test_durations_and_logs_are_read_and_written():
    assert [records.duration(s) for s in (31, 99.6, 122, 706, 1200, 3840)] == [
        "31 s", "1 min 40 s", "2 min 2 s", "11 min 46 s", "20 min", "1 h 4 min"]
    assert [records.parse_duration(t) for t in ("706", "706 s", "11:46", "11:46.5", "1:02:03", "11m46s")] == [
        706, 706, 706, 706.5, 3723, 706]
    with pytest.raises(VaxisInputError):
        records.parse_duration("soon")
    log = ("\tCommand being timed: \"make test\"\n\tElapsed (wall clock) time (h:mm:ss or m:ss): 11:46.12\n"
           "\tMaximum resident set size (kbytes): 3984588\n")
    assert records.parse_time_log(log) == {"wall_s": pytest.approx(706.12), "peak_bytes": 3984588 * 1024}
    assert records.parse_time_log("real\t15m46.20s\nuser\t20m0s\n")["wall_s"] == pytest.approx(946.2)


def test_records_command_line_reports_the_budgets():
    out = subprocess.run([sys.executable, "-m", "vaxis.book", "records"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "make test:" in out.stdout and "budget 20 min" in out.stdout and "within" in out.stdout
