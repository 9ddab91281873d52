"""The sweep's statistics: weights chosen on validation subjects, paired tests, verdicts, schedules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import stats
from .. import alignment
from .tasks import BASELINE


def choose_weights(table: pd.DataFrame) -> pd.DataFrame:
    """Per (strategy, fold), the weight with the best mean validation accuracy; its test rows.

    Ties go to the smaller weight. The test column plays no part in the choice.
    """
    val = table.groupby(["task", "fold", "weight"], as_index=False).val_bacc.mean()
    val = val.sort_values(["task", "fold", "val_bacc", "weight"], ascending=[True, True, False, True])
    best = val.drop_duplicates(["task", "fold"])[["task", "fold", "weight"]]
    return table.merge(best, on=["task", "fold", "weight"])


def compare(table: pd.DataFrame, alpha: float = 0.05, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Each strategy (at its chosen weights) against the baseline, paired over (fold, seed) units."""
    chosen = choose_weights(table)
    base = chosen[chosen.task == BASELINE].set_index(["fold", "seed"]).test_bacc
    rows = []
    for name, grp in chosen[chosen.task != BASELINE].groupby("task", sort=False):
        g = grp.set_index(["fold", "seed"]).test_bacc.loc[base.index]
        res = stats.paired_comparison(g.to_numpy(), base.to_numpy(), n_boot=n_boot, seed=seed)
        rows.append({"strategy": name, "family": alignment.get(name).family,
                     "weights": ",".join(f"{w:g}" for w in sorted(grp.weight.unique())),
                     "bacc": float(g.mean()), **res})
    out = pd.DataFrame(rows)
    out["q"] = stats.benjamini_hochberg(out.p_wilcoxon.to_numpy())
    out["verdict"] = np.where(out.q < alpha, np.where(out.mean_diff > 0, "helped", "hurt"), "no difference")
    out.attrs["baseline_bacc"] = float(base.mean())
    return out.sort_values("mean_diff").reset_index(drop=True)


def verdict_counts(comparison: pd.DataFrame) -> dict[str, int]:
    """How many strategies of a :func:`compare` table helped, made no difference, hurt (in that order)."""
    counts = comparison.verdict.value_counts()
    return {k: int(counts.get(k, 0)) for k in ("helped", "no difference", "hurt")}


def best_epochs(table: pd.DataFrame) -> pd.DataFrame:
    """How long the losses acted: best epoch (early stopping) of the baseline and of the strategies.

    Rows ``baseline`` and ``strategies`` (at their chosen weights), columns ``mean``, ``median``,
    ``max`` over (fold, seed) units.
    """
    chosen = choose_weights(table)
    who = np.where(chosen.task == BASELINE, "baseline", "strategies")
    out = chosen.groupby(who).best_epoch.agg(["mean", "median", "max"])
    return out.reindex(["baseline", "strategies"])


def compare_schedules(comparisons: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per strategy: its effect and verdict under each training schedule (from :func:`compare`).

    ``comparisons`` maps a schedule's name to its :func:`compare` table; columns are
    ``(schedule, mean_diff | ci_low | ci_high | q | verdict)``. Rows in the first schedule's order.
    """
    cols = ["mean_diff", "ci_low", "ci_high", "q", "verdict"]
    parts = {name: c.set_index("strategy")[cols] for name, c in comparisons.items()}
    first = next(iter(parts.values()))
    return pd.concat(parts, axis=1).loc[first.index]
