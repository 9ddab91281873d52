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


def gain_in_words(relative: dict[str, Any], study: float) -> str:
    """Chapter 6's answer in one sentence: the residual-diversity ensemble against the strongest other
    method (``relative``: :attr:`EnsembleComparison.relative`), and the study's relative gain ``study``
    against its interval."""
    lo, hi, name = relative["low"], relative["high"], relative["baseline_name"]
    if lo > 0:
        first = f"the residual-diversity ensemble beats the {name}"
    elif hi < 0:
        first = f"the residual-diversity ensemble does worse than the {name}"
    else:
        first = f"the residual-diversity ensemble and the {name} cannot be told apart"
    second = (f"a gain as large as the study's {study:+.1%} lies inside the interval" if lo <= study <= hi else
              f"a gain as large as the study's {study:+.1%} lies above the interval" if hi < study else
              f"the gain is larger than the study's {study:+.1%}")
    text = f"{first} ({relative['value']:+.1%} [{lo:+.1%}, {hi:+.1%}]); {second}."
    return text[0].upper() + text[1:]

