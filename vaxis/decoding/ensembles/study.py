"""The study's +10.5 % against chapter 6's gains: competitor by competitor, and with what power.

:func:`study_gap` sets the study's relative gain beside this book's over each competitor;
:func:`study_power` asks whether each cohort's held-out subjects could have seen a gain that large.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ... import stats
from ...tables import FullText, percent_interval

#: The study's gain of residual-diversity ensembles over the prior best, on FACED (relative).
STUDY_GAIN = 0.105


def study_gap(cmp: Any, structured: Mapping[str, Any] | None = None, n_boot: int = 2000,
              seed: int = 0) -> FullText:
    """The study's +10.5 % against this book's gains, competitor by competitor.

    Rows: the study's number; the residual-diversity ensemble's relative gain over the strongest
    other method (pooled trials, the headline); over the best DE baseline and the best single
    network (per-subject means, paired subject bootstrap, :func:`vaxis.stats.relative_change`); the
    all-members ensemble over the best DE baseline (what ensembling alone gives, with no residual
    selection); and, per ``structured`` cohort (label -> comparison), the gain over its strongest
    other method. Column ``gain [95% interval]``.
    """
    ps, ref = cmp.per_subject, "residual_diverse"
    lit = [k for k in ps.columns if k.startswith("de_")]
    rows = {"the study: over the prior best (FACED)": f"{STUDY_GAIN:+.1%}",
            f"this book: over the strongest other method ({cmp.relative['baseline_name']})":
                percent_interval(cmp.relative)}
    if lit:
        best_lit = max(lit, key=lambda k: ps[k].mean())
        name = getattr(cmp, "table", pd.DataFrame()).get("name", {}).get(best_lit, best_lit)
        rows[f"over the best DE baseline ({name})"] = percent_interval(stats.relative_change(
            ps[ref].to_numpy(), ps[best_lit].to_numpy(), n_boot=n_boot, seed=seed))
        rows[f"all-members ensemble over {name} (ensembling alone)"] = percent_interval(stats.relative_change(
            ps["all_members"].to_numpy(), ps[best_lit].to_numpy(), n_boot=n_boot, seed=seed))
    rows["over the best single network"] = percent_interval(stats.relative_change(
        ps[ref].to_numpy(), ps["best_single"].to_numpy(), n_boot=n_boot, seed=seed))
    for label, c in (structured or {}).items():
        rows[f"simulated, {label}: over {c.relative['baseline_name']}"] = percent_interval(c.relative)
    return FullText({"gain [95% interval]": rows})


def study_power(cohorts: Mapping[str, Any], study: float = STUDY_GAIN, alpha: float = 0.05,
                power: float = 0.8) -> FullText:
    """Could each cohort's held-out subjects have seen the study's gain? One column per cohort.

    The study's relative gain is turned into a per-subject difference over the strongest other
    method (``study`` x its mean per-subject balanced accuracy); its power is that of the paired test
    over the test subjects with the observed SD of the per-subject differences
    (:func:`vaxis.stats.paired_power`), beside the smallest relative gain detectable with
    probability ``power``. ``reading`` says what the interval and the power together allow.
    """
    out = {}
    for label, c in cohorts.items():
        r, ps = c.relative, c.per_subject
        d = (ps["residual_diverse"] - ps[r["baseline"]]).to_numpy()
        n, sd, base = d.size, float(d.std(ddof=1)), float(ps[r["baseline"]].mean())
        pw = stats.paired_power(n, sd, study * base, alpha) if sd > 0 else float("nan")
        mde = stats.min_detectable_effect(n, sd, alpha, power) / base if sd > 0 else float("nan")
        if r["high"] < study:
            reading = (f"the interval lies below {study:+.1%}, and a gain that large would be seen with probability "
                       f"{pw:.2f}: " + ("here the gain is smaller" if pw >= power else "too few subjects to be sure"))
        elif r["low"] > 0:
            reading = f"a gain, and {study:+.1%} lies inside its interval: consistent with the study"
        else:
            reading = f"the interval holds both 0 and {study:+.1%}: too few subjects (power {pw:.2f})"
        out[label] = {"test subjects": str(n), "SD of per-subject differences": f"{sd:.3f}",
                      f"{study:+.1%} as a per-subject difference": f"{study * base:.3f}",
                      f"power to detect it (alpha {alpha:g})": f"{pw:.2f}",
                      f"smallest relative gain detectable ({power:.0%})": f"{mde:+.1%}",
                      "gain found [95% interval]": percent_interval(r), "reading": reading}
    return FullText(out)


__all__ = ["STUDY_GAIN", "study_gap", "study_power"]
