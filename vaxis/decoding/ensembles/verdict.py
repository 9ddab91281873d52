"""Plain words for a relative improvement and its interval."""

from __future__ import annotations

from typing import Any


def verdict(relative: dict[str, Any], small: float = 0.02) -> str:
    """Plain words for a relative improvement and its interval (``small``: the size deemed small)."""
    v, lo, hi = relative["value"], relative["low"], relative["high"]
    if lo > 0:
        size = "large" if v >= 5 * small else "small" if v < small else "moderate"
        return f"a {size} improvement (the interval excludes zero)"
    if hi < 0:
        return "a loss: the residual-diversity ensemble is worse (the interval excludes zero)"
    sign = "positive" if v > 0 else "negative" if v < 0 else "zero"
    return f"{sign} but not distinguishable from zero (the interval includes it)"
