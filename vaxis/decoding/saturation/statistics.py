"""The sweep's statistics: weights chosen on validation subjects, subject-level paired and equivalence tests,
verdicts, schedules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import stats
from ..._checks import VaxisInputError
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


#: Equivalence margin of every paired comparison in chapters 5-7 (:data:`vaxis.stats.EQUIVALENCE_MARGIN`).
MARGIN = stats.EQUIVALENCE_MARGIN


def control_kind(strategy: str) -> str:
    """``"control"`` for the control family's losses, ``"alignment"`` for the rest."""
    return "control" if alignment.get(strategy).family == "control" else "alignment"


def subject_accuracy(table: pd.DataFrame) -> pd.DataFrame:
    """Per (task, weight, fold, subject): the held-out subject's balanced accuracy, mean over seeds.

    ``table`` has one row per (task, weight, fold, seed) with ``subject_bacc`` (``{subject: bacc}``,
    written by :func:`~.tasks.run_task`). Seeds of one fold share their subjects, so they are
    averaged within each subject: the subject is the independent unit.
    """
    if "subject_bacc" not in table.columns:
        raise VaxisInputError("The sweep table has no per-subject accuracies (subject_bacc): it comes from "
                              "an older sweep store; re-run the sweep.")
    rows = [(r.task, r.weight, r.fold, r.seed, s, b) for r in table.itertuples() for s, b in r.subject_bacc.items()]
    long = pd.DataFrame(rows, columns=["task", "weight", "fold", "seed", "subject", "bacc"])
    return long.groupby(["task", "weight", "fold", "subject"], as_index=False).bacc.mean()


def arm_rows(table: pd.DataFrame, arm: str | float = "chosen") -> pd.DataFrame:
    """The rows of one arm: ``"chosen"`` (weight chosen on validation, :func:`choose_weights`) or a
    fixed weight (the same for every strategy; the baseline's rows always stay)."""
    if arm == "chosen":
        return choose_weights(table)
    w = float(arm)
    rows = table[(table.task == BASELINE) | np.isclose(table.weight, w)]
    missing = sorted(set(table.task) - set(rows.task))
    if missing:
        raise VaxisInputError(f"No runs at the fixed weight {w:g} for {missing}; add it to the weight grid.")
    return rows


def paired_rows(table: pd.DataFrame, arm: str | float = "chosen", n_boot: int = 2000, seed: int = 0,
                margin: float = MARGIN) -> pd.DataFrame:
    """Each strategy against the baseline, paired over held-out subjects (p-values not yet corrected).

    Columns: ``strategy, bacc`` (mean over subjects), ``mean_diff, ci_low, ci_high`` (bootstrap over
    subjects), ``p_wilcoxon``, ``p_tost`` (equivalence within ``+-margin``), ``d_z``, ``n_units``
    (subjects), ``weights`` (the weights used) and the baseline's mean accuracy in ``baseline_bacc``.
    """
    per = subject_accuracy(arm_rows(table, arm))
    base = per[per.task == BASELINE].set_index("subject").bacc
    rows = []
    for name, grp in per[per.task != BASELINE].groupby("task", sort=False):
        g = grp.set_index("subject").bacc.reindex(base.index)
        if g.isna().any():
            raise VaxisInputError(f"{name} lacks held-out subjects the baseline has: the runs do not pair.")
        res = stats.paired_comparison(g.to_numpy(), base.to_numpy(), n_boot=n_boot, seed=seed, margin=margin)
        rows.append({"strategy": name, "weights": ",".join(f"{w:g}" for w in sorted(grp.weight.unique())),
                     "bacc": float(g.mean()), "baseline_bacc": float(base.mean()), **res})
    return pd.DataFrame(rows)


def add_verdicts(rows: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Benjamini-Hochberg over all rows (difference and equivalence tests separately) and the verdicts
    of :func:`vaxis.stats.equivalence_verdicts`: helped / equivalent / undecided / hurt."""
    out = rows.copy()
    out["q"] = stats.benjamini_hochberg(out.p_wilcoxon.to_numpy())
    out["q_tost"] = stats.benjamini_hochberg(out.p_tost.to_numpy())
    out["verdict"] = stats.equivalence_verdicts(out.mean_diff, out.q, out.q_tost, alpha)
    return out


def compare(table: pd.DataFrame, alpha: float = 0.05, n_boot: int = 2000, seed: int = 0,
            arm: str | float = "chosen", margin: float = MARGIN) -> pd.DataFrame:
    """Each strategy (in one arm) against the baseline, paired over held-out subjects.

    The unit is the held-out subject (its accuracy averaged over seeds); Wilcoxon signed-rank and
    TOST (margin ``margin``, fixed in advance) over subjects, Benjamini-Hochberg across strategies;
    verdicts helped / equivalent / undecided / hurt. ``kind`` says alignment or control loss.
    Sorted by mean difference.
    """
    out = add_verdicts(paired_rows(table, arm, n_boot, seed, margin), alpha)
    out.insert(1, "family", [alignment.get(n).family for n in out.strategy])
    out.insert(2, "kind", [control_kind(n) for n in out.strategy])
    out.attrs["baseline_bacc"] = float(out.baseline_bacc.iloc[0]) if len(out) else float("nan")
    out.attrs["margin"] = margin
    return out.drop(columns="baseline_bacc").sort_values("mean_diff").reset_index(drop=True)


def verdict_counts(comparison: pd.DataFrame, kind: str | None = None) -> dict[str, int]:
    """How many strategies of a :func:`compare` table got each verdict (helped, equivalent, undecided,
    hurt, in that order); ``kind="alignment"`` or ``"control"`` counts only those losses."""
    c = comparison if kind is None else comparison[comparison.kind == kind]
    counts = c.verdict.value_counts()
    return {k: int(counts.get(k, 0)) for k in stats.VERDICTS}


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
