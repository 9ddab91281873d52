"""Tables a reader sees whole, lines that fit the page, and how a number with its interval is written.

:class:`FullText` is a :class:`pandas.DataFrame` whose cells are shown in full in the rendered book
(pandas cuts text after 50 characters by default, which hid the key numbers of the scorecard's rows);
:func:`wrap` breaks a printed line that would be wider than the rendered page (:data:`LINE_WIDTH`);
:func:`interval` and :func:`percent_interval` are the one way an estimate with its interval is
written in a table cell; :func:`markdown` writes a table as a Markdown pipe table.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import Any

import pandas as pd

#: The widest printed line (characters) the rendered book shows without a horizontal scrollbar.
#: Measured with Chromium on the built site (sphinx-book-theme 1.1): the article column is capped at
#: 854 px (a window of 1440 px or more), where a cell output's ``pre`` shows 90 characters of its
#: 14 px monospace font (8.4 px each); at 1280 px it shows 76, and ``book/_static/vaxis.css`` wraps
#: stream outputs there rather than scroll them. ``tests/test_outputs.py`` (committed outputs) and
#: ``tests/test_book_html.py`` (the built pages) fail on a longer line.
LINE_WIDTH = 90
_NBSP = "\u00a0"


def wrap(text: str, width: int = LINE_WIDTH, indent: str = "    ") -> str:
    """``text`` with every line longer than ``width`` broken between words, the continuation lines
    indented by ``indent`` (after the line's own indentation); an interval in brackets, such as
    ``[0.800, 0.900]``, is never split. Lines that fit are returned as they are."""
    out = []
    for line in str(text).split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        kept = re.sub(r"\[[^\[\]\n]{0,40}\]", lambda m: m.group().replace(" ", _NBSP), line)
        parts = textwrap.wrap(kept, width, subsequent_indent=lead + indent, break_on_hyphens=False,
                              break_long_words=False, replace_whitespace=False)
        out.extend(p.replace(_NBSP, " ") for p in parts)
    return "\n".join(out)


class FullText(pd.DataFrame):
    """A table whose cells are shown in full on the page; otherwise a plain DataFrame."""

    @property
    def _constructor(self) -> type[FullText]:
        return FullText

    def _repr_html_(self) -> str | None:
        with pd.option_context("display.max_colwidth", None):
            return super()._repr_html_()


def interval(value: float, low: float, high: float) -> str:
    """``"0.512 [0.401, 0.610]"``: an estimate and its interval, three decimals."""
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def percent_interval(estimate: Any) -> str:
    """``"+4.1% [-1.0%, +9.3%]"``: a relative change and its interval, from a
    :class:`vaxis.stats.Estimate` or a mapping with ``value``, ``low`` and ``high``."""
    if isinstance(estimate, Mapping):
        v, lo, hi = estimate["value"], estimate["low"], estimate["high"]
    else:
        v, lo, hi = estimate.value, estimate.low, estimate.high
    return f"{v:+.1%} [{lo:+.1%}, {hi:+.1%}]"


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (its columns, not its index), pipes inside cells escaped: long text
    a page shows as a table that wraps instead of a printed line that scrolls."""
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in r.tolist()) + " |")
    return "\n".join(lines) + "\n"


__all__ = ["LINE_WIDTH", "FullText", "interval", "markdown", "percent_interval", "wrap"]
