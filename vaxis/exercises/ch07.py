"""Chapter 7's checkers: the four verdicts of a comparison with an equivalence margin (help or hurt
needs the effect beyond it), and how a loss's effect changes with congruence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..stats import EQUIVALENCE_MARGIN, equivalence_verdicts
from ._core import NOT_DONE, Verdict, call, correct, missing, wrong

__all__ = ["check_congruence_change", "check_verdicts"]


def check_verdicts(fn: Callable[..., Any], mean_diff: np.ndarray, q_difference: np.ndarray,
                   q_equivalence: np.ndarray, alpha: float = 0.05, margin: float = EQUIVALENCE_MARGIN) -> Verdict:
    """Check ``fn(mean_diff, q_difference, q_equivalence, alpha, margin) -> verdicts`` (one string per
    comparison).

    ``helped`` / ``hurt`` when the difference test is significant and the mean difference lies
    beyond the margin (at least ``+margin`` / at most ``-margin``); otherwise ``equivalent`` when the
    equivalence test (margin fixed in advance) is significant; otherwise ``undecided``. A NaN q-value
    is a test not run: not significant. The checker also tries a case of its own with every verdict,
    a NaN and a significant difference inside the margin.
    """
    arrays = [np.asarray(a, dtype=float) for a in (mean_diff, q_difference, q_equivalence)]
    mine = call(fn, *[a.copy() for a in arrays], alpha, margin, hint="significant difference (q_difference < alpha) "
                "beyond the margin -> helped or hurt by the sign; else significant equivalence (q_equivalence < "
                "alpha) -> equivalent; else undecided (NaN counts as not significant).")
    if missing(mine):
        return NOT_DONE
    own = [np.array([0.03, -0.04, 0.001, 0.01, -0.02, 0.05, 0.004, 0.012]),
           np.array([0.01, 0.001, 0.8, 0.3, np.nan, 0.2, 0.01, 0.001]),
           np.array([0.9, 0.7, 0.01, 0.4, 0.02, np.nan, 0.01, 0.4])]  # different *and* equivalent; inside the margin
    for case, got in ((arrays, mine), (own, None)):
        if got is None:
            got = fn(*[a.copy() for a in case], alpha, margin)
        got = np.asarray(got).astype(str)
        ref = equivalence_verdicts(*case, alpha=alpha, margin=margin)
        if got.shape != ref.shape:
            return wrong(f"return one verdict per comparison: {ref.size}, got shape {got.shape}.")
        if np.array_equal(got, ref):
            continue
        i = int(np.flatnonzero(got != ref)[0])
        md, qd, qe = (float(a[i]) for a in case)
        return wrong(f"mean_diff {md:+.3f}, q {qd:.3g}, q_tost {qe:.3g} should be '{ref[i]}', got '{got[i]}'"
                     + (" (a NaN q is a test not run: not significant)." if np.isnan(qd) or np.isnan(qe) else
                        " (the difference test decides first; equivalence only when no difference is shown)."
                        if ref[i] in ("helped", "hurt") else
                        f" (a significant difference inside +-{margin:g} is not help or hurt)." if qd < alpha else "."))
    counts = pd.Series(equivalence_verdicts(*arrays, alpha=alpha, margin=margin)).value_counts().to_dict()
    return correct(f"the verdicts match vaxis.stats.equivalence_verdicts: {counts}.")


def congruence_change(effects: pd.DataFrame, plane: str = "A", arm: str = "fixed") -> pd.Series:
    """Per loss: mean effect on ``plane`` (``arm`` weights) at the highest minus at the lowest congruence."""
    a = effects[(effects.plane == plane) & (effects.arm == arm)]
    by = a.groupby(["strategy", "congruence"]).mean_diff.mean().unstack()
    return by.iloc[:, -1] - by.iloc[:, 0]


def check_congruence_change(fn: Callable[[pd.DataFrame], pd.Series], effects: pd.DataFrame) -> Verdict:
    """Check ``fn(effects) -> Series``: per loss, the mean effect (fixed arm, plane A) at the highest
    congruence minus at the lowest.

    ``effects``: one row per (grid point, loss, arm) with ``plane``, ``arm``, ``strategy``,
    ``congruence`` and ``mean_diff`` (chapter 7's ``phased.effects``).
    """
    mine = call(fn, effects.copy(), hint="keep plane 'A' and arm 'fixed', average mean_diff by strategy and "
                "congruence (groupby + unstack), then the last column minus the first.")
    if missing(mine):
        return NOT_DONE
    if not isinstance(mine, pd.Series):
        return wrong(f"return a pandas Series indexed by loss, got {type(mine).__name__}.")
    ref = congruence_change(effects)
    if set(mine.index) != set(ref.index):
        return wrong(f"one entry per loss: expected {sorted(ref.index)}, got {sorted(map(str, mine.index))}.")
    got = mine.reindex(ref.index).astype(float)
    if np.allclose(got, ref, atol=1e-9, equal_nan=True):
        worst = ref.abs().idxmax()
        return correct(f"{worst} changes most with congruence ({ref[worst]:+.3f}).")
    if np.allclose(got, -ref, atol=1e-9, equal_nan=True):
        return wrong("the sign is reversed: highest congruence minus lowest.")
    everything = effects[effects.plane == "A"].groupby(["strategy", "congruence"]).mean_diff.mean().unstack()
    if np.allclose(got, (everything.iloc[:, -1] - everything.iloc[:, 0]).reindex(ref.index), atol=1e-9,
                   equal_nan=True):
        return wrong("keep only the fixed arm (arm == 'fixed'): the chosen-weight arm is another experiment.")
    return wrong("not the difference of the mean effects at the highest and the lowest congruence on plane A.")
