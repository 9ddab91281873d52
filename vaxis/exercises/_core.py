"""What every checker shares: call the learner's function, then say what is right or wrong.

A checker prints one verdict and returns a :class:`Verdict`, true when the answer is correct; it
never raises on a wrong answer, so a notebook keeps running, and a notebook shows only the printed
verdict (a ``Verdict`` displays nothing in IPython). A stub that still raises ``NotImplementedError`` gets
``Not implemented yet`` and the exercise's hint. Any other error in the learner's code propagates,
with its own traceback, because that is what the learner needs to see. Messages are printed within
the page's width (:func:`vaxis.tables.wrap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tables import wrap

#: Printed when the stub still raises NotImplementedError (the student notebooks' tests look for it).
NOT_YET = "Not implemented yet"

_MISSING = object()


@dataclass(frozen=True)
class Verdict:
    """What a checker found: ``ok`` (also the truth value) and the message it printed."""

    ok: bool
    message: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def _ipython_display_(self) -> None:
        """Nothing to show: the checker has printed its message (no ``True``/``False`` under the cell)."""


def call(fn: Callable[..., Any], *args: Any, hint: str) -> Any:
    """``fn(*args)``, or a sentinel after printing ``Not implemented yet: <hint>`` for a stub."""
    try:
        return fn(*args)
    except NotImplementedError:
        print(wrap(f"{NOT_YET}: {hint} Fill in the function body, then run this cell again."))
        return _MISSING


def missing(value: Any) -> bool:
    """True when :func:`call` found a stub."""
    return value is _MISSING


def correct(message: str) -> Verdict:
    print(wrap(f"Correct: {message}"))
    return Verdict(True, message)


def wrong(message: str) -> Verdict:
    print(wrap(f"Not yet: {message}"))
    return Verdict(False, message)


#: The verdict on a stub, or on an answer whose type :func:`as_float` / :func:`as_array` refused.
NOT_DONE = Verdict(False)


def as_float(value: Any, what: str) -> float | None:
    """``value`` as a finite float, or None after saying what was expected."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        wrong(f"{what} must be one number, got {type(value).__name__}.")
        return None
    if not np.isfinite(out):
        wrong(f"{what} is {out}; expected a finite number.")
        return None
    return out


def as_array(value: Any, shape: tuple[int, ...], what: str) -> np.ndarray | None:
    """``value`` as a float array of ``shape``, or None after saying what was expected."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        wrong(f"{what} must be an array of numbers, got {type(value).__name__}.")
        return None
    if arr.shape != shape:
        wrong(f"{what} has shape {arr.shape}; expected {shape}.")
        return None
    return arr
