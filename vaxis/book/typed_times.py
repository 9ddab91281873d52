"""Run times typed by hand: the check that every run time on a page comes from the reference runs.

Pages never type a run time; the parts between the markers of :mod:`vaxis.book.records` are generated
from ``benchmarks/reference_runs.json``. :func:`typed_times` finds a run time stated anywhere else in a
page's markdown (the rule is in its docstring); ``tests/test_records.py`` runs it on the README, every
page of ``book/`` and every chapter's markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

from .records import BLOCK

_UNIT = r"(?:ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?)"
_NUMBER = r"\d+(?:[.,]\d+)?(?:\s*(?:-|to|–)\s*\d+(?:[.,]\d+)?)?"
_DURATION = re.compile(
    rf"(?<![\w.-]){_NUMBER}\s*{_UNIT}(?![\w-])"                          # 31 s, 2.5 min, 12-16 minutes
    r"|\b(?:an?|half an?|about an?|under an?)\s+(?:minute|hour)\b"       # about a minute (not "a second lexicon")
    r"|(?<![\w-])(?:seconds|minutes|hours)(?![\w-])"                     # a few minutes, "(cached re-runs: seconds)"
    r"|\bCPU-minutes\b", re.I)
#: Words after a duration that make it a property of the data, not of a run (the last 30 s of a clip).
_DATA_AFTER = re.compile(r"^\W{0,3}(?:\w+\W+){0,3}?(?:clips?|windows?|segments?|recordings?|trials?|stimul\w*|"
                         r"of (?:each|every|the) (?:clip|film|trial|recording))\b", re.I)
#: A unit of text whose durations are teaching-time estimates, not run times.
_TEACHING = re.compile(r"^#+\s*Exercise \d+:|\bteach\w*\b|\bsessions?\b|\bworkshops?\b|\bexercises?\b", re.I)


def _units(text: str) -> list[str]:
    """Table rows (each with its table's header row before it) and sentences of the prose."""
    out, header, para = [], None, []

    def flush() -> None:
        if para:
            out.extend(re.split(r"(?<=[.;!?])\s+(?=[A-Z(`*\[])", " ".join(para)))
            para.clear()

    lines = text.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("|"):
            flush()
            if header is None or (i and not lines[i - 1].strip().startswith("|")):
                header = s
                continue
            if not re.fullmatch(r"\|[\s:|-]+\|", s):
                out.append(f"{header} {s}")
        else:
            header = None
            if not s or s.startswith("#"):
                flush()
                if s:
                    out.append(s)
            else:
                para.append(s)
    flush()
    return out


def typed_times(text: str) -> list[str]:
    """The run times typed by hand in a page's markdown, outside its generated parts.

    The rule: on a page, every duration (a number with a unit of time -- ``31 s``, ``2.5 min``,
    ``12-16 minutes`` -- or words such as "a few minutes", "about a minute", "seconds") is a **run
    time**, and comes from the record, unless it is

    - a **property of the data**: the duration is followed within three words by what it measures
      in the data (a clip, window, segment, recording, trial or stimulus: "the last 30 s of each
      clip", "4 s windows"); or
    - a **teaching-time estimate**: it stands in an exercise heading ("### Exercise 2: ... (about
      10 minutes)") or in a sentence or table row about teaching, a session, a workshop or exercises
      ("**To teach:** about 65 minutes", "which chapter fits 90 minutes of a session").

    Returns the offending sentences or table rows (empty when the page is clean).
    """
    text = BLOCK.sub("", text)
    bad = []
    for unit in _units(text):
        if _TEACHING.search(unit):
            continue
        for m in _DURATION.finditer(unit):
            if not _DATA_AFTER.match(unit[m.end():]):
                bad.append(unit)
                break
    return bad


def page_markdown(path: Path) -> str:
    """A page's markdown: the file itself, or a chapter source's markdown cells."""
    if path.suffix == ".py":
        import jupytext

        return "\n\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


__all__ = ["page_markdown", "typed_times"]
