"""Nothing cut off, nothing wider than the page, checked before any build: the committed twins.

Every chapter's committed outputs (``notebooks/NN_topic.ipynb``, what nbval compares a run with)
must show every table cell whole and print no line wider than the rendered page
(:data:`vaxis.tables.LINE_WIDTH`, measured on the built site); ``tests/test_book_html.py`` checks the
built pages the same way (:mod:`vaxis.book.outputs`).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from vaxis import book, tables
from vaxis.book import outputs

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = book.chapters(ROOT)
#: Chapters whose fixes belong to another change; strict: the marker must go when the chapter passes.
PENDING: dict[str, str] = {}


def pending(number: str) -> list:
    return [pytest.mark.xfail(strict=True, reason=PENDING[number])] if number in PENDING else []


@pytest.mark.parametrize("chapter", [pytest.param(c, marks=pending(c.number)) for c in CHAPTERS], ids=lambda c: c.name)
def test_committed_outputs_show_everything_within_the_page(chapter):
    problems = outputs.notebook_problems(nbformat.read(chapter.paired, as_version=4))
    assert not problems, (f"{chapter.paired.name}: print within {tables.LINE_WIDTH} characters "
                          "(vaxis.tables.wrap) and show long text whole (vaxis.tables.FullText):\n" + "\n".join(problems))


def _nb(*outs, tags=()):
    cell = nbformat.v4.new_code_cell("x", metadata={"tags": list(tags)} if tags else {})
    cell.outputs = [nbformat.from_dict(o) for o in outs]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), cell])


def _stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def _html(frame):
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/html": frame._repr_html_(), "text/plain": repr(frame)}}


def test_a_wide_line_and_a_cut_cell_are_found():
    width = tables.LINE_WIDTH
    assert outputs.notebook_problems(_nb(_stream("x" * width + "\n"))) == []
    assert "printed line of 91" in outputs.notebook_problems(_nb(_stream("ok\n" + "x" * (width + 1))))[0]
    assert outputs.notebook_problems(_nb(_stream("y" * 200, "stderr"), tags=["remove-stderr"])) == []
    assert outputs.notebook_problems(_nb(_stream("y" * 200, "stderr")))  # shown stderr counts
    sentence = "I am furious that they lied to my face and got away with it again."  # 66 characters
    cut = outputs.notebook_problems(_nb(_html(pd.DataFrame({"sentence": [sentence]}))))
    assert len(cut) == 1 and "cut off" in cut[0] and cut[0].endswith("...'")
    assert outputs.notebook_problems(_nb(_html(tables.FullText({"sentence": [sentence]})))) == []
    many = pd.DataFrame({"a": range(100)})  # more rows than display.max_rows: a row of "..."
    assert outputs.notebook_problems(_nb(_html(many)))
    plain = {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": "z" * 120}}
    assert "shown line of 120" in outputs.notebook_problems(_nb(plain))[0]
    page = ('<div class="cell_output docutils container"><div class="output stream highlight-myst-ansi">'
            f'<div class="highlight"><pre><span></span>{"w" * 95}\nshort</pre></div></div></div>'
            f'<table class="dataframe"><tr><td>{sentence[:47]}...</td><td>fine</td></tr></table>'
            f'<div class="cell_input"><pre>{"c" * 200}</pre></div>')  # input code may be wide: not an output
    found = outputs.html_problems(page)
    assert len(found) == 2 and "printed line of 95" in found[1] and "cut off" in found[0], found


def test_wrap_keeps_every_line_within_the_page_and_intervals_whole():
    text = ("Nine categories vs FACED's participants: valence rho = 0.883 (participants [0.800, 0.900], "
            "categories [0.420, 0.981]; p = 0.0015 over 9! orderings, p = 0.123 within sides); "
            "arousal rho = 0.400 [0.101, 0.512]\nshort line")
    out = tables.wrap(text)
    assert outputs.wide_lines(out) == [] and out.endswith("\nshort line")
    assert " ".join(out.split()) == " ".join(text.split())  # only whitespace changed
    for interval in ("[0.800, 0.900]", "[0.420, 0.981]", "[0.101, 0.512]"):
        assert interval in out
    assert all(line.startswith("    ") for line in out.splitlines()[1:-1])
    assert tables.wrap("x" * 50) == "x" * 50
