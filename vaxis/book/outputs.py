"""What a reader sees of a chapter's outputs: nothing cut off, no line wider than the page.

Two faults, found in a notebook's outputs (the committed twins, before any build:
:func:`notebook_problems`) and in a built HTML page (:func:`html_problems`):

- a **printed line wider than the page**: a line of a cell's printed output (its stream, or a result
  shown as plain text because it has no richer form) longer than :data:`vaxis.tables.LINE_WIDTH`
  characters, which the site would put behind a horizontal scrollbar. Print within the width
  (:func:`vaxis.tables.wrap`), or show long text as a table (:class:`vaxis.tables.FullText`,
  ``IPython.display.Markdown``);
- a **table cell cut off**: a cell of a pandas table (``<table class="dataframe">``) whose text ends
  in ``...`` (pandas' ``display.max_colwidth``, 50 characters by default) or is ``...`` (rows or
  columns left out by ``display.max_rows`` / ``max_columns``). Show it with :class:`~vaxis.tables.FullText`.

Markdown and images are not checked (the page wraps the one and scales the other).
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser
from typing import Any

from ..tables import LINE_WIDTH

_CUT = re.compile(r"(\.\.\.|…)$")


def wide_lines(text: str, width: int = LINE_WIDTH) -> list[str]:
    """The lines of ``text`` longer than ``width`` characters."""
    return [line for line in text.splitlines() if len(line.rstrip()) > width]


class _Tables(HTMLParser):
    """Cell texts of every ``dataframe`` table, and the text of printed outputs (``pre`` inside an
    ``output stream`` or ``output text_plain`` block of myst-nb)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.printed: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # tag, inside a dataframe, inside a printed output
        self._cell: list[str] | None = None
        self._pre: list[str] | None = None

    def _flags(self) -> tuple[bool, bool]:
        return (self._stack[-1][1], self._stack[-1][2]) if self._stack else (False, False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        in_table, in_output = self._flags()
        in_table |= tag == "table" and "dataframe" in classes
        in_output |= tag == "div" and "output" in classes and bool({"stream", "text_plain"} & classes)
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        self._stack.append((tag, in_table, in_output))
        if in_table and tag in ("td", "th"):
            self._cell = []
        if in_output and tag == "pre":
            self._pre = []

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, in_table, in_output = self._stack.pop()
            if open_tag in ("td", "th") and in_table and self._cell is not None:
                self.cells.append("".join(self._cell).strip())
                self._cell = None
            if open_tag == "pre" and in_output and self._pre is not None:
                self.printed.append("".join(self._pre))
                self._pre = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._pre is not None:
            self._pre.append(data)


def truncated_cells(html: str) -> list[str]:
    """The cells of the pandas tables in ``html`` that pandas cut off (text ending in ``...``)."""
    parser = _Tables()
    parser.feed(html)
    return [c for c in parser.cells if _CUT.search(c)]


def html_problems(page: str, width: int = LINE_WIDTH) -> list[str]:
    """Every cut-off table cell and every printed line wider than ``width`` on a built HTML page."""
    parser = _Tables()
    parser.feed(page)
    out = [f"table cell cut off: {c!r}" for c in parser.cells if _CUT.search(c)]
    for text in parser.printed:
        out += [f"printed line of {len(line.rstrip())} characters: {line[:120]!r}"
                for line in wide_lines(html_lib.unescape(text), width)]
    return out


def notebook_problems(nb: Any, width: int = LINE_WIDTH) -> list[str]:
    """Every cut-off table cell and every printed line wider than ``width`` in a notebook's outputs
    (an ``nbformat`` notebook), each with the number of its code cell (from 0, as nbval counts)."""
    out = []
    code = -1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code += 1
        tags = set(cell.get("metadata", {}).get("tags", []))
        if {"remove-output", "remove-cell"} & tags:
            continue
        for o in cell.get("outputs", []):
            kind = o.get("output_type")
            if kind == "stream":
                if o.get("name") == "stderr" and "remove-stderr" in tags:
                    continue
                out += [f"cell {code}: printed line of {len(line.rstrip())} characters: {line[:120]!r}"
                        for line in wide_lines(o.get("text", ""), width)]
            elif kind in ("execute_result", "display_data"):
                data = o.get("data", {})
                if "text/html" in data:
                    out += [f"cell {code}: table cell cut off: {c!r}" for c in truncated_cells(data["text/html"])]
                elif not {"text/markdown", "image/png", "image/svg+xml", "text/latex"} & set(data):
                    out += [f"cell {code}: shown line of {len(line.rstrip())} characters: {line[:120]!r}"
                            for line in wide_lines(data.get("text/plain", ""), width)]
    return out


__all__ = ["html_problems", "notebook_problems", "truncated_cells", "wide_lines"]
