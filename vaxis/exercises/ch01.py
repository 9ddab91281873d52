"""Chapter 1's checkers: the difference-of-means axis, category positions, Spearman's rho."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.stats import rankdata

from .. import stats
from ..llm.axis import AxisEstimator
from ._core import NOT_DONE, Verdict, as_array, as_float, call, correct, missing, wrong

__all__ = ["check_axis_function", "check_category_positions", "check_spearman"]


def check_axis_function(fn: Callable[[np.ndarray, Sequence[str]], np.ndarray], X: np.ndarray,
                        categories: Sequence[str]) -> Verdict:
    """Check a hand-written diff-of-means axis ``fn(X, categories) -> unit vector`` against AxisEstimator.

    ``X`` (n_anchors, hidden_size): the anchors' hidden states; ``categories``: one name per row.
    """
    mine = call(fn, X, categories, hint="average each category's rows, mean of the positive "
                "categories' means minus mean of the negative ones (vaxis.llm.stimuli.POSITIVE / NEGATIVE), "
                "divided by its norm.")
    if missing(mine):
        return NOT_DONE
    ref = AxisEstimator("diff_means").fit(X, categories).direction_
    mine = as_array(mine, ref.shape, "Your axis")
    if mine is None:
        return NOT_DONE
    if not np.isclose(np.linalg.norm(mine), 1, atol=1e-6):
        return wrong(f"not unit-norm: |v| = {np.linalg.norm(mine):.4f}. Divide by the norm.")
    cos = float(mine @ ref)
    if cos > 0.999:
        return correct("your axis equals vaxis's diff-of-means axis (cosine > 0.999).")
    if cos < -0.999:
        return wrong("right direction, wrong sign: positive emotions must project higher. Flip it.")
    cats = np.array(categories)
    plain = X[np.isin(cats, AxisEstimator().positive)].mean(0) - X[np.isin(cats, AxisEstimator().negative)].mean(0)
    if abs(float(mine @ plain) / np.linalg.norm(plain)) > 0.999:
        return wrong("that is the mean of the positive *anchors* minus the mean of the negative ones; average "
                     "within each category first, then over categories (each category counts once).")
    return wrong(f"not the same direction (cosine {cos:.3f}). Use category means, positive minus negative.")


def check_category_positions(fn: Callable[..., Mapping[str, float]], X: np.ndarray, categories: Sequence[str],
                             origin: np.ndarray, direction: np.ndarray) -> Verdict:
    """Check ``fn(X, categories, origin, direction) -> {category: position}``.

    A category's position is the mean of its anchors' projections ``(x - origin) @ direction``;
    ``X`` (n_anchors, hidden_size), ``origin`` and ``direction`` (hidden_size,).
    """
    mine = call(fn, X, categories, origin, direction,
                hint="project every anchor, (x - origin) @ direction, then average the projections per category.")
    if missing(mine):
        return NOT_DONE
    if not isinstance(mine, Mapping):
        return wrong(f"return a dict category -> position, got {type(mine).__name__}.")
    cats = np.array([str(c) for c in categories])
    proj = (np.asarray(X, float) - origin) @ direction
    ref = {c: float(proj[cats == c].mean()) for c in dict.fromkeys(cats.tolist())}
    if set(mine) != set(ref):
        return wrong(f"one entry per category: expected {sorted(ref)}, got {sorted(mine)}.")
    diff = np.array([float(mine[c]) - ref[c] for c in ref])
    if np.allclose(diff, 0, atol=1e-6):
        return correct("every category sits where vaxis puts it; the neutral anchor is at 0 by construction."
                       if abs(ref.get("neutral", 1.0)) < 1e-9 else "every category sits where vaxis puts it.")
    if np.allclose(diff, diff[0], atol=1e-6):
        return wrong(f"all positions are off by the same {diff[0]:+.3f}: subtract the origin before projecting.")
    flipped = np.array([float(mine[c]) + ref[c] for c in ref])
    if np.allclose(flipped, 0, atol=1e-6):
        return wrong("the signs are flipped: project onto `direction`, not `-direction`.")
    return wrong("the positions differ from the projections; check that you average within each category.")


def check_spearman(fn: Callable[[np.ndarray, np.ndarray], float], x: np.ndarray, y: np.ndarray) -> Verdict:
    """Check a hand-written Spearman rank correlation ``fn(x, y) -> rho`` against :func:`vaxis.stats.spearman`.

    ``x``, ``y`` (n,): e.g. the test words' positions and their human ratings (which have ties).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    mine = call(fn, x, y, hint="rank both arrays (ties get the mean of their ranks), then take Pearson's r "
                "of the ranks.")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your rho")
    if mine is None:
        return NOT_DONE
    ref = stats.spearman(x, y)
    if abs(mine - ref) < 1e-9:
        return correct(f"rho = {ref:.3f}, as vaxis.stats.spearman.")
    if abs(mine - float(np.corrcoef(x, y)[0, 1])) < 1e-9:
        return wrong("that is Pearson's r of the values; rank both arrays first.")
    ordinal = np.corrcoef(rankdata(x, method="ordinal"), rankdata(y, method="ordinal"))[0, 1]
    if abs(mine - ordinal) < 1e-9:
        return wrong("close: tied values must share the mean of their ranks (rankdata's default 'average').")
    n = x.size
    d = rankdata(x) - rankdata(y)
    if abs(mine - (1 - 6 * (d ** 2).sum() / (n * (n ** 2 - 1)))) < 1e-9:
        return wrong("the 1 - 6 sum d^2 / (n (n^2 - 1)) formula holds only without ties; take Pearson's r "
                     "of the ranks instead.")
    return wrong(f"got {mine:.4f}; expected Pearson's r between the two rank vectors.")
