"""Checkers for the workshop exercises (Neuromatch style): call them with your answer.

Each checker compares a learner's function or number with the package's own result and prints a
short verdict; it raises nothing, so a wrong answer never stops the notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .llm.axis import VAxis


def check_axis_function(fn: Callable[[np.ndarray, Sequence[str]], np.ndarray], X: np.ndarray,
                        categories: Sequence[str]) -> bool:
    """Check a hand-written diff-of-means axis ``fn(X, categories) -> unit vector`` against VAxis."""
    try:
        mine = np.asarray(fn(X, categories), dtype=float)
    except NotImplementedError:
        print("Not implemented yet: fill in the function body, then run this cell again.")
        return False
    ref = VAxis("diff_means").fit(X, categories).direction_
    if mine.shape != ref.shape:
        print(f"Wrong shape: got {mine.shape}, expected {ref.shape}.")
        return False
    if not np.isclose(np.linalg.norm(mine), 1, atol=1e-6):
        print(f"Not unit-norm: |v| = {np.linalg.norm(mine):.4f}. Divide by the norm.")
        return False
    cos = float(mine @ ref)
    if cos > 0.999:
        print("Correct: your axis equals vaxis's diff-of-means axis (cosine > 0.999).")
        return True
    if cos < -0.999:
        print("Right direction, wrong sign: positive emotions must project higher. Flip it.")
    else:
        print(f"Not the same direction (cosine {cos:.3f}). Use category means, positive minus negative.")
    return False
