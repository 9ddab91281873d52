"""What has the book shown? Every claim's verdict at a glance (the findings page)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd

from .. import verdicts
from ._common import _stamp

#: Colour of each kind of verdict (vaxis.verdicts): findings, pipeline checks, untestable, chapter 7.
VERDICT_KIND_COLORS = {
    "agrees": "#2e8b57", "disagrees": "#c0392b", "undecided": "#95a5a6",
    "pipeline check: recovers": "#a9dfbf", "pipeline check: misses": "#f5b7b1",
    "not testable": "#ffffff", "where the generator produces it": "#aed6f1", "not run": "#eeeeee",
}


def verdict_kind(verdict: str) -> str:
    """The key of :data:`VERDICT_KIND_COLORS` a verdict of :mod:`vaxis.verdicts` belongs to."""
    if verdict == verdicts.RECOVERS:
        return "pipeline check: recovers"
    if verdict == verdicts.MISSES:
        return "pipeline check: misses"
    for prefix, kind in ((verdicts.NOT_TESTABLE, "not testable"), (verdicts.REGIME, "where the generator produces it")):
        if verdict.startswith(prefix):
            return kind
    return verdict if verdict in VERDICT_KIND_COLORS else "not run"


def verdict_overview(table: pd.DataFrame, title: str = "", *, source: str) -> plt.Figure:
    """One row per scorecard row (columns ``claim``, ``verdict``, ``data``), placed in the column of
    its kind of evidence (recorded: a finding; simulated: a pipeline check, not testable, or chapter
    7's regime) and coloured by its verdict, whose words are written beside it."""
    rows = table.reset_index(drop=True)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(11, 0.42 * n + 1.6))
    for i, r in rows.iterrows():
        y = n - 1 - i
        data = str(r["data"])
        x = 0 if data.startswith(verdicts.RECORDED) else 1 if data.strip() else 0.5
        kind = verdict_kind(str(r["verdict"]))
        ax.scatter([x], [y], s=160, marker="s", color=VERDICT_KIND_COLORS[kind], edgecolor="0.3", zorder=3)
        ax.text(x + 0.05, y, textwrap.shorten(str(r["verdict"]), 62, placeholder="..."), va="center", fontsize=7)
    labels = [textwrap.shorten(str(c), 60, placeholder="...") for c in rows["claim"]]
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels[::-1], fontsize=7.5)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["recorded data: a finding", "simulated EEG: a check, or not testable"], fontsize=8)
    ax.set_xlim(-0.15, 2.25)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("kind of evidence")
    ax.set_ylabel("claim (scorecard row)")
    ax.grid(axis="y", color="0.92", zorder=0)
    ax.set_title(title or "What the book has shown: every claim's verdict")
    fig.tight_layout()
    return _stamp(fig, source)


__all__ = ["VERDICT_KIND_COLORS", "verdict_kind", "verdict_overview"]
