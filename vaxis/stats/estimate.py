"""Seed and :class:`Estimate`: a number with its interval, the return type of every bootstrap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


Seed = int | Sequence[int]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval.

    Attributes
    ----------
    value : float
        The estimate on the full sample.
    low, high : float
        Percentile-bootstrap interval bounds at level ``level``.
    level : float
        Coverage of the interval, e.g. 0.95.
    n : int
        Number of independent units the estimate rests on.
    """

    value: float
    low: float
    high: float
    level: float = 0.95
    n: int = 0

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high, "level": self.level, "n": self.n}


__all__ = ['Estimate', 'Seed']
