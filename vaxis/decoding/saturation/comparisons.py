"""Chapter 7's statistics over what varies: generator draws > fold x seed runs > held-out subjects.

A grid point is trained on several generator draws (independent cohorts), each with every fold and
seed. Its *units* are held-out subjects of one run: for a loss, the subject's balanced accuracy
under the loss minus under the baseline of the same draw, fold and seed; for the ensembles, the
residual-diversity ensemble minus the all-members ensemble, per draw, fold and subject. Everything
here resamples them nested (:func:`vaxis.stats.hierarchical_bootstrap`, vectorised): draws with
replacement, then each drawn draw's runs, then each run's subjects.

- :func:`loss_effects`: every (cohort, loss, arm) against the baseline: the mean difference, its
  95 % interval, the bootstrap p-value of 0 and of equivalence within the margin, the SD of the
  resamples and the *detectable effect* (:func:`vaxis.stats.detectable_effect`); duplicate arms
  (the chosen arm equal to the fixed one in every draw and fold) removed; one Benjamini-Hochberg
  family over every distinct comparison; verdicts that need the effect beyond the margin.
- :func:`ensemble_effects`: the same for the ensembles (one family), with the relative gain over
  the strongest other ensemble (the study's measure).
- :func:`unit_boots` and :class:`Contrast`: resamples of any per-unit quantity at one cohort
  (e.g. the mean effect of several losses, or the baseline's accuracy), and contrasts between
  cohorts (independent, so their resamples are subtracted): what the predictions are scored on.

Every resample's seed is derived from ``seed`` and what is resampled (cohort, strategy, arm), so
two cohorts' resamples are independent and a re-run gives the same numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import stats
from ..._checks import VaxisInputError
from .tasks import BASELINE

#: Columns that identify a loss unit (cohort, draw, fold, seed, subject).
UNIT = ["cohort", "draw", "fold", "seed", "subject"]


def _seed(seed: int, *parts: object) -> list[int]:
    return [int(seed), *(zlib.crc32(str(p).encode()) for p in parts)]


#: The clusters of a loss unit, outermost first: generator draws, then fold x seed runs within them.
RUNS = (("draw",), ("draw", "fold", "seed"))
#: The clusters of an ensemble unit: draws, then folds within them.
FOLDS = (("draw",), ("draw", "fold"))


def _levels(frame: pd.DataFrame, nested: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """Cluster codes, outermost first: level ``i`` is the combination of the columns ``nested[i]``
    (include the outer levels' columns so that a cluster is unique within its parent)."""
    return [frame.groupby(list(cols), sort=False).ngroup().to_numpy() for cols in nested]


def boots_of(values: np.ndarray, frame: pd.DataFrame, nested: Sequence[Sequence[str]], n_boot: int,
             seed: list[int]) -> np.ndarray:
    """Nested-bootstrap means of ``values`` (rows of ``frame``, clusters ``nested``: :data:`RUNS`,
    :data:`FOLDS`)."""
    return stats.hierarchical_bootstrap(np.asarray(values, float), _levels(frame, nested), n_boot=n_boot, seed=seed,
                                        vectorized=True)


def chosen_weights(units: pd.DataFrame, grid: Sequence[float]) -> pd.DataFrame:
    """Per (cohort, draw, strategy, fold), the weight of ``grid`` with the best mean validation
    accuracy over seeds (ties to the smaller weight). The test subjects play no part."""
    g = units[(units.strategy != BASELINE) & units.weight.round(12).isin([round(float(w), 12) for w in grid])]
    val = g.drop_duplicates(["cohort", "draw", "strategy", "fold", "seed", "weight"])
    val = val.groupby(["cohort", "draw", "strategy", "fold", "weight"], as_index=False).val_bacc.mean()
    val = val.sort_values(["cohort", "draw", "strategy", "fold", "val_bacc", "weight"],
                          ascending=[True, True, True, True, False, True])
    return val.drop_duplicates(["cohort", "draw", "strategy", "fold"])[["cohort", "draw", "strategy", "fold", "weight"]]


def arm_units(units: pd.DataFrame, fixed: dict[str, float], grid: Sequence[float] | None) -> pd.DataFrame:
    """Per-unit differences (loss minus baseline) of each arm: columns :data:`UNIT`, ``strategy``,
    ``arm`` (``"fixed"``, ``"chosen"``), ``weight``, ``diff``, ``bacc``, ``baseline_bacc``.

    ``units``: one row per (cohort, draw, fold, seed, subject, strategy, weight) with ``bacc`` and
    ``val_bacc`` (the run's validation accuracy); the baseline has ``strategy == "baseline"``.
    ``fixed``: each loss's fixed weight; ``grid``: the chosen arm's weights (None or fewer than two:
    no chosen arm).
    """
    base = units[units.strategy == BASELINE].set_index(UNIT).bacc.rename("baseline_bacc")
    parts = []
    losses = units[units.strategy != BASELINE]
    for s, w in fixed.items():
        rows = losses[(losses.strategy == s) & np.isclose(losses.weight, w)]
        if rows.empty:
            raise VaxisInputError(f"No units of {s} at its fixed weight {w:g}.")
        parts.append(rows.assign(arm="fixed"))
    if grid is not None and len(grid) >= 2:
        best = chosen_weights(units, grid)
        parts.append(losses.merge(best, on=["cohort", "draw", "strategy", "fold", "weight"]).assign(arm="chosen"))
    out = pd.concat(parts, ignore_index=True).join(base, on=UNIT)
    if out.baseline_bacc.isna().any():
        raise VaxisInputError("Some loss units have no baseline unit of the same draw, fold, seed and subject.")
    return out.assign(diff=out.bacc - out.baseline_bacc)[UNIT + ["strategy", "arm", "weight", "diff", "bacc",
                                                                 "baseline_bacc"]]


def _summary(values: np.ndarray, boots: np.ndarray, margin: float, alpha: float) -> dict[str, float]:
    lo, hi = stats.percentile_interval(boots)
    sd = float(boots.std())
    return {"mean_diff": float(np.mean(values)), "ci_low": lo, "ci_high": hi, "p": stats.bootstrap_p(boots),
            "p_tost": stats.bootstrap_tost_p(boots, margin), "sd_boot": sd,
            "detectable": stats.detectable_effect(sd, alpha)}


def add_verdicts(rows: pd.DataFrame, alpha: float, margin: float) -> pd.DataFrame:
    """One Benjamini-Hochberg family over ``rows`` (difference and equivalence separately) and the
    verdicts with the margin (:func:`vaxis.stats.equivalence_verdicts`)."""
    out = rows.copy()
    out["q"] = stats.benjamini_hochberg(out.p.to_numpy())
    out["q_tost"] = stats.benjamini_hochberg(out.p_tost.to_numpy())
    out["verdict"] = stats.equivalence_verdicts(out.mean_diff, out.q, out.q_tost, alpha, margin=margin)
    return out


def loss_effects(diffs: pd.DataFrame, n_boot: int, seed: int, alpha: float, margin: float) -> pd.DataFrame:
    """Every distinct (cohort, strategy, arm) comparison of :func:`arm_units`'s differences.

    Columns: ``cohort, strategy, arm, weights`` (the weights used), ``bacc``, ``baseline_bacc``,
    ``n_units``, ``n_draws``, the :func:`_summary` columns, ``q, q_tost, verdict``. A chosen arm that
    used the fixed weight in every draw and fold is the same comparison: it is dropped and the fixed
    row says ``also_chosen``.
    """
    rows = []
    for (c, s, a), g in diffs.groupby(["cohort", "strategy", "arm"], sort=False):
        b = boots_of(g["diff"], g, RUNS, n_boot, _seed(seed, c, s, a))
        rows.append({"cohort": c, "strategy": s, "arm": a,
                     "weights": ",".join(f"{w:.3g}" for w in sorted(g.weight.unique())),
                     "bacc": float(g.bacc.mean()), "baseline_bacc": float(g.baseline_bacc.mean()),
                     "n_units": len(g), "n_draws": g.draw.nunique(), **_summary(g["diff"].to_numpy(), b, margin, alpha)})
    out = pd.DataFrame(rows)
    weights = diffs.drop_duplicates(["cohort", "strategy", "arm", "draw", "fold"]).groupby(
        ["cohort", "strategy", "arm"]).weight.apply(lambda w: tuple(np.round(w.to_numpy(), 12)))
    dup = []
    for (c, s), _ in out[out.arm == "chosen"].groupby(["cohort", "strategy"]):
        fw = weights.get((c, s, "fixed"))
        if fw is not None and set(weights[(c, s, "chosen")]) == set(fw) and len(set(fw)) == 1:
            dup.append((c, s))
    out["also_chosen"] = [(r.cohort, r.strategy) in dup and r.arm == "fixed" for r in out.itertuples()]
    out = out[[not ((r.cohort, r.strategy) in dup and r.arm == "chosen") for r in out.itertuples()]]
    return add_verdicts(out.reset_index(drop=True), alpha, margin)


def ensemble_effects(units: pd.DataFrame, n_boot: int, seed: int, alpha: float, margin: float,
                     method: str = "residual_diverse", reference: str = "all_members") -> pd.DataFrame:
    """Per cohort: ``method`` against ``reference`` (per-subject difference; draws > folds > subjects)
    and the relative gain of ``method`` over the strongest other ensemble (highest mean accuracy):
    ``relative``, ``relative_low``, ``relative_high``, ``strongest``. One BH family over cohorts.

    ``units``: one row per (cohort, draw, fold, subject, method) with ``bacc``.
    """
    rows = []
    for c, g in units.groupby("cohort", sort=False):
        wide = g.pivot_table(index=["draw", "fold", "subject"], columns="method", values="bacc").reset_index()
        if method not in wide or reference not in wide:
            raise VaxisInputError(f"Cohort {c}: the ensemble units lack {method!r} or {reference!r}.")
        others = [m for m in wide.columns if m not in ("draw", "fold", "subject", method)]
        strongest = max(others, key=lambda m: wide[m].mean())
        d = (wide[method] - wide[reference]).to_numpy()
        b = boots_of(d, wide, FOLDS, n_boot, _seed(seed, c, "ensemble"))
        rb = boots_of(wide[[method, strongest]].to_numpy(), wide, FOLDS, n_boot, _seed(seed, c, "relative"))
        rel = rb[:, 0] / rb[:, 1] - 1.0
        lo, hi = stats.percentile_interval(rel)
        rows.append({"cohort": c, "residual_bacc": float(wide[method].mean()), "all_bacc": float(wide[reference].mean()),
                     "n_units": len(d), **_summary(d, b, margin, alpha),
                     "relative": float(wide[method].mean() / wide[strongest].mean() - 1.0), "relative_low": lo,
                     "relative_high": hi, "strongest": strongest})
    out = add_verdicts(pd.DataFrame(rows), alpha, margin)
    return out.rename(columns={"mean_diff": "gain"})


def unit_boots(diffs: pd.DataFrame, cohort: int, strategies: Sequence[str], arm: str, n_boot: int, seed: int,
               column: str = "diff") -> tuple[float, np.ndarray]:
    """The mean over ``strategies`` of ``column`` per unit at one cohort, and its nested resamples.

    With ``column="baseline_bacc"`` and one strategy it resamples the baseline's accuracy.
    """
    g = diffs[(diffs.cohort == cohort) & diffs.strategy.isin(list(strategies)) & (diffs.arm == arm)]
    if g.empty:
        raise VaxisInputError(f"No units of {list(strategies)} ({arm}) at cohort {cohort}.")
    per = g.groupby(["draw", "fold", "seed", "subject"], as_index=False)[column].mean()
    return float(per[column].mean()), boots_of(per[column], per, RUNS, n_boot,
                                               _seed(seed, cohort, "|".join(strategies), arm, column))


@dataclass(frozen=True)
class Contrast:
    """A contrast between cohorts: its estimate, resamples and what the design can detect."""

    estimate: float
    boots: np.ndarray

    @staticmethod
    def of(terms: Sequence[tuple[float, tuple[float, np.ndarray]]]) -> Contrast:
        """``sum(weight * term)`` of independent (estimate, resamples) terms."""
        return Contrast(float(sum(w * e for w, (e, _) in terms)), sum(w * b for w, (_, b) in terms))

    @property
    def sd(self) -> float:
        return float(self.boots.std())

    @property
    def p(self) -> float:
        return stats.bootstrap_p(self.boots)

    def detectable(self, alpha: float = 0.05) -> float:
        return stats.detectable_effect(self.sd, alpha)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        return stats.percentile_interval(self.boots, level)

    def describe(self) -> str:
        lo, hi = self.interval()
        return f"{self.estimate:+.3f} [{lo:+.3f}, {hi:+.3f}]"


__all__ = ["FOLDS", "RUNS", "UNIT", "Contrast", "add_verdicts", "arm_units", "boots_of", "chosen_weights", "ensemble_effects",
           "loss_effects", "unit_boots"]
