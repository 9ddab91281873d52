"""Tables a reader sees whole, and how a number with its interval is written in them.

:class:`FullText` is a :class:`pandas.DataFrame` whose cells are shown in full in the rendered book
(pandas cuts text after 50 characters by default, which hid the key numbers of the scorecard's rows);
:func:`interval` and :func:`percent_interval` are the one way an estimate with its interval is
written in a table cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


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


__all__ = ["FullText", "interval", "percent_interval"]
