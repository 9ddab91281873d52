"""Plain words for the residual-diversity ensemble against the strongest other method."""

from __future__ import annotations

from typing import Any


def verdict(relative: dict[str, Any], small: float = 0.02) -> str:
    """Plain words for a relative improvement, its interval and the subject-level verdict.

    ``relative``: :attr:`EnsembleComparison.relative`. Its ``verdict`` (helped / equivalent /
    undecided / hurt, from the per-subject paired test and the equivalence test with the margin
    fixed in advance) decides the words; ``small`` sizes an improvement (relative units).
    "No difference" is only ever said as "equivalent within the margin".
    """
    v, lo, hi = relative["value"], relative["low"], relative["high"]
    kind = relative.get("verdict")
    if kind is None:  # an older results file: interval only
        kind = "helped" if lo > 0 else "hurt" if hi < 0 else "undecided"
    margin = relative.get("margin")
    if kind == "helped":
        size = "large" if v >= 5 * small else "small" if v < small else "moderate"
        return f"a {size} improvement (significant over held-out subjects)"
    if kind == "hurt":
        return "a loss: the residual-diversity ensemble is worse (significant over held-out subjects)"
    if kind == "equivalent":
        return f"equivalent: the per-subject difference lies within ±{margin:g} balanced accuracy (TOST)"
    sign = "positive" if v > 0 else "negative" if v < 0 else "zero"
    return f"{sign}, undecided: neither different nor shown equivalent within ±{margin or 0.02:g}"
