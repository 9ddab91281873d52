"""What chapter 5's sweep could detect: its held-out subjects, the spread of their differences, power.

A sweep that calls most strategies *undecided* has said nothing about saturation unless one knows
what it could have seen. :func:`sweep_power` reads chapter 5's result file and answers, for this
run (and, at the same spread, for another number of subjects such as the ``full`` profile's): the
smallest difference the paired test detects, the largest one the equivalence test can still call
equivalent, and how often a strategy with no effect would be called *equivalent*.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ... import io, results, stats
from ...tables import FullText


def sd_of_differences(records: list[dict[str, Any]]) -> float:
    """Median over strategies of the SD of the per-subject differences, ``mean_diff / d_z`` (Cohen's
    ``d_z`` is the mean over the SD); strategies with a mean difference under 0.001 are left out,
    where the rounding of the result file would dominate the ratio."""
    sds = [abs(r["mean_diff"] / r["d_z"]) for r in records
           if r.get("d_z") and abs(r.get("mean_diff") or 0.0) >= 1e-3]
    return float(np.median(sds)) if sds else float("nan")


def _power_column(n: int, sd: float, m: int, alpha: float, power: float, margin: float) -> dict[str, float]:
    ok = n >= 2 and np.isfinite(sd) and sd > 0
    return {
        "held-out subjects": n, "strategies": m, "SD of per-subject differences": sd, "equivalence margin": margin,
        "largest difference TOST can call equivalent": stats.tost_reach(n, sd, margin, alpha) if ok else np.nan,
        "P(equivalent if no effect)": stats.tost_power(n, sd, margin, 0.0, alpha) if ok else np.nan,
        "subjects for P(equivalent if no effect) = 0.8": (stats.tost_sample_size(sd, margin, 0.0, alpha, power)
                                                         if ok else np.nan),
        "detectable difference (80%)": stats.min_detectable_effect(n, sd, alpha, power) if ok else np.nan,
        "detectable difference, 1 true effect of m (BH)": (stats.min_detectable_effect(n, sd, alpha / m, power)
                                                           if ok else np.nan)}


def sweep_power(folder: Path, alpha: float = 0.05, power: float = 0.8,
                margin: float = stats.EQUIVALENCE_MARGIN, project_to: Mapping[str, int | None] | None = None,
                other_runs: bool = False) -> FullText:
    """What chapter 5's sweep could detect, from its result file in ``folder``: one column for this
    run; one per ``project_to`` entry (label -> number of subjects, e.g. the ``full`` profile's):
    this run's spread at that many subjects; with ``other_runs``, one per other profile whose result
    file lies beside ``folder`` (off by default: a page must not change with what else has run).

    Rows: held-out subjects ``n`` and strategies ``m``; the SD of the per-subject accuracy
    differences (median over strategies, :func:`sd_of_differences`); the largest absolute
    difference the equivalence test can still call equivalent at that SD (:func:`vaxis.stats.tost_reach`);
    the probability of *equivalent* if a strategy had no effect at all (:func:`~vaxis.stats.tost_power`,
    before Benjamini-Hochberg, so an upper bound); the number of subjects that would make it
    ``power``; the smallest difference the paired test detects with probability ``power``
    (:func:`~vaxis.stats.min_detectable_effect`) at ``alpha`` and at ``alpha / m`` (what
    Benjamini-Hochberg asks of a single true effect among ``m``); for runs, how many strategies pass
    each test before the correction, and the verdicts after it.
    """
    folder = Path(folder)
    others = (sorted(p for p in folder.parent.iterdir() if p.is_dir() and p != folder)
              if other_runs and folder.parent.is_dir() else [])
    cols: dict[str, dict[str, float]] = {}
    for f in [folder, *others]:
        path = f / results.SATURATION_JSON
        s = io.load_json(path) if path.is_file() else None
        if s is None or not s.get("strategies"):
            continue
        recs, n = s["strategies"], int(s["n_units"])
        sd = sd_of_differences(recs)
        p_w = np.array([r.get("p_wilcoxon", np.nan) for r in recs], dtype=float)
        p_e = np.array([r.get("p_tost", np.nan) for r in recs], dtype=float)
        cols[s.get("profile") or f.name] = {
            **_power_column(n, sd, len(recs), alpha, power, margin),
            "different, p < alpha (before BH)": int(np.sum(p_w < alpha)),
            "equivalent, p_tost < alpha (before BH)": int(np.sum(p_e < alpha)),
            **{f"verdict: {v}": s["counts"].get(v, 0) for v in stats.VERDICTS}}
        if f == folder:
            for label, n_other in (project_to or {}).items():
                if n_other and n_other != n:
                    cols[f"this spread, {n_other} subjects ({label})"] = _power_column(
                        int(n_other), sd, len(recs), alpha, power, margin)
    return FullText(cols)


__all__ = ["sd_of_differences", "sweep_power"]
