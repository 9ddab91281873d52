"""The glossary: every term a page links exists, the terms the chapters use without defining them are
there, and its verdicts are the vocabulary of :mod:`vaxis.verdicts`, word for word.

(The strict book build also fails on a ``{term}`` that the glossary lacks; this test says so before
any build, naming the page.)
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

from vaxis import book, stats, verdicts

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
#: Terms the chapters and pages use without defining them (issue 29's list, and more found by reading).
REQUIRED = ["fixed arm", "chosen arm", "within-sides null", "DCT read-out", "GGUF", "AWQ", "portable numerics",
            "native numerics", "pipeline check", "not testable on this cohort", "finding", "verdict",
            "manipulation check", "equivalence margin", "TOST", "equivalence test", "where the generator produces it",
            "recorded data", "outcome of a paired comparison", "prediction stated in advance", "AUC",
            "relabelling null", "ternary split", "split-half reliability", "gap over controls",
            "controls of the read-out", "replica", "residual-diversity ensemble", "smallest detectable difference",
            "phase diagram", "sweep task", "template", "Wilcoxon signed-rank test"]


def glossary_terms(text: str) -> dict[str, str]:
    """term (lower case) -> its definition, from the ``{glossary}`` block (several terms may share one)."""
    block = text[text.index("```{glossary}"):]
    block = block[block.index("\n") + 1: block.index("\n```")]
    terms, pending, definition = {}, [], []
    for line in block.splitlines() + [""]:
        if line and not line.startswith(" "):
            if definition:
                terms.update({t: " ".join(definition) for t in pending})
                pending, definition = [], []
            pending.append(line.strip().lower())
        elif line.strip():
            definition.append(line.strip())
    terms.update({t: " ".join(definition) for t in pending})
    return terms


def _pages() -> dict[str, str]:
    out = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")}
    for chapter in book.chapters(ROOT):
        out[chapter.name] = "\n".join(c.source for c in jupytext.read(chapter.source).cells if c.cell_type == "markdown")
    return out


def linked_terms(text: str) -> set[str]:
    """The glossary terms a page's ``{term}`` roles point at (``{term}`text <target>``` or ``{term}`target```)."""
    out = set()
    for m in re.finditer(r"\{term\}`([^`]+)`", text):
        inner = m.group(1)
        target = re.search(r"<([^<>]+)>\s*$", inner)
        out.add(" ".join((target.group(1) if target else inner).split()).lower())
    return out


@pytest.fixture(scope="module")
def terms():
    return glossary_terms(GLOSSARY.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", sorted(_pages()))
def test_every_linked_term_is_in_the_glossary(page, terms):
    missing = sorted(linked_terms(_pages()[page]) - set(terms))
    assert not missing, f"{page} links {missing}, which book/glossary.md does not define"


def test_the_terms_the_chapters_use_are_defined(terms):
    missing = [t for t in REQUIRED if t.lower() not in terms]
    assert not missing, f"book/glossary.md lacks {missing}"
    assert all(len(d) > 60 for d in terms.values()), "every entry needs a definition of a sentence or more"


def test_the_glossary_speaks_the_verdict_vocabulary(terms):
    """The glossary's verdicts are vaxis.verdicts' strings, word for word (a change there must show here)."""
    finding = terms["finding"]
    for word in verdicts.OUTCOMES:
        assert f"**{word}**" in finding, word
    assert verdicts.RECOVERS in terms["pipeline check"] and verdicts.MISSES in terms["pipeline check"]
    assert verdicts.not_testable("no label information inside a category, so no target can add to the labels") \
        in terms["not testable on this cohort"]
    assert verdicts.regime("...").split(":")[0] in terms["where the generator produces it"]
    assert verdicts.regime(None) .split(": ")[1] in terms["where the generator produces it"]
    assert f'"{verdicts.NOT_RUN}"' in terms["verdict"]
    for kind in ("finding", "pipeline check", "not testable on this cohort", "where the generator produces it"):
        assert f"**{kind}**" in terms["verdict"], kind
    prediction = terms["prediction stated in advance"]
    assert all(o in prediction for o in verdicts.PREDICTION_OUTCOMES), prediction
    paired = terms["outcome of a paired comparison"]
    assert all(f"**{v}**" in paired for v in stats.VERDICTS), paired
    assert f"{stats.EQUIVALENCE_MARGIN:g} balanced" in terms["equivalence margin"]


def test_the_term_parser_reads_shared_definitions():
    text = "```{glossary}\nTOST\nequivalence test\n  Two one-sided tests.\n\nAUC\n  Area.\n```\n"
    assert glossary_terms(text) == {"tost": "Two one-sided tests.", "equivalence test": "Two one-sided tests.",
                                    "auc": "Area."}
    assert linked_terms("a {term}`TOST`, {term}`the margin <equivalence\n margin>` b") == {"tost", "equivalence margin"}
