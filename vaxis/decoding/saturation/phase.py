"""Chapter 7: a phase diagram of the saturation regularity over the generator's mechanisms.

A *grid* is a set of *planes*, each two knobs of the simulated cohort (``vaxis.eeg.simulate``
knobs such as ``congruence``, ``within_class``, ``valence_strength``, ``felt_emotion``,
``label_noise``, or ``n_subjects``, the cohort size) crossed at the listed values; every other knob
keeps its default. At each grid point (one simulated cohort):

- the label-only baseline and each representative loss (one per family, :data:`REPRESENTATIVES`)
  are trained at every weight of ``weights`` on the same leave-subjects-out folds and seeds, as
  tasks of chapter 5's sweep (:func:`~.tasks.run_sweep`: one stored file per (strategy, weight),
  keyed by the cohort's data, so a killed grid resumes where it stopped, and ``backend="dask"``
  sends the tasks to a dask.distributed cluster);
- two arms are compared with the baseline over held-out subjects (:func:`~.statistics.paired_rows`):
  the **fixed** weight (the same for every loss) and the weight **chosen** on validation subjects;
- the residual-diversity ensemble is compared with the all-members ensemble over held-out subjects
  (members: every architecture x seed of ``members``; :func:`vaxis.decoding.ensembles.compare`).

Verdicts (helped / equivalent / undecided / hurt) come from one Benjamini-Hochberg correction over
every loss comparison of the grid (:func:`~.statistics.add_verdicts`), and one over the ensemble
comparisons, with the equivalence margin :data:`~.statistics.MARGIN` fixed in advance.
The predictions these results are scored against are in :mod:`~.predictions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import results, stats
from ..._checks import VaxisInputError
from ...eeg import cohort
from .. import alignment, engine, ensembles
from ..folds import subject_folds
from .statistics import MARGIN, add_verdicts, paired_rows
from .tasks import SweepSetup, run_sweep

#: One representative loss per family of the study (chapter 7's grid trains these).
REPRESENTATIVES: dict[str, str] = {"distillation": "kd_t2", "v_axis": "v_regression", "similarity": "rsa_pearson",
                                   "contrastive": "supcon_llm", "topographic": "topo_sheet_1d"}
#: The default cohort's values of the knobs a plane can vary (n_subjects: the chapter's default size).
DEFAULTS: dict[str, float] = {"congruence": 0.0, "within_class": 0.0, "felt_emotion": 0.0, "label_noise": 0.0,
                              "valence_strength": 0.2, "n_subjects": 30}


@dataclass(frozen=True)
class GridPoint:
    """One simulated cohort of the grid: its plane, the two knobs it sets and all knob values."""

    plane: str
    axes: tuple[str, str]
    values: dict[str, float] = field(default_factory=dict)  # every knob of DEFAULTS at this point

    @property
    def knobs(self) -> dict[str, float]:
        """Simulation knobs that differ from the defaults (``n_subjects`` excluded)."""
        return {k: v for k, v in self.values.items() if k != "n_subjects" and v != DEFAULTS.get(k)}

    @property
    def n_subjects(self) -> int:
        return int(self.values["n_subjects"])

    @property
    def label(self) -> str:
        return f"{self.plane}: " + ", ".join(f"{a}={self.values[a]:g}" for a in self.axes)


def grid_points(planes: Mapping[str, Mapping[str, Sequence[float]]], n_subjects: int | None = None) -> list[GridPoint]:
    """The points of every plane: ``{"A": {"congruence": [0, 1], "n_subjects": [15, 45]}, ...}``.

    Each plane names exactly two knobs of :data:`DEFAULTS`; ``n_subjects`` (default cohort size
    where a plane does not vary it) defaults to ``DEFAULTS["n_subjects"]``.
    """
    base = {**DEFAULTS, **({"n_subjects": n_subjects} if n_subjects is not None else {})}
    points = []
    for plane, axes in planes.items():
        names = list(axes)
        unknown = sorted(set(names) - set(DEFAULTS))
        if len(names) != 2 or unknown:
            raise VaxisInputError(f"Plane {plane!r} must vary exactly two of {sorted(DEFAULTS)}; got {names}.")
        for x in axes[names[0]]:
            for y in axes[names[1]]:
                points.append(GridPoint(plane, (names[0], names[1]), {**base, names[0]: float(x), names[1]: float(y)}))
    return points


@dataclass
class PhaseResults:
    """Everything chapter 7 reports.

    effects : one row per (point, loss, arm): the plane and knob values, ``strategy``, ``family``,
        ``arm`` (``"fixed"`` or ``"chosen"``), ``mean_diff, ci_low, ci_high`` (over held-out subjects),
        ``p_wilcoxon, p_tost, q, q_tost, verdict``, ``baseline_bacc``, ``n_units``.
    ensembles : one row per point: ``gain`` of the residual-diversity over the all-members ensemble
        (mean over subjects) with ``ci_low, ci_high, q, q_tost, verdict``, both ensembles' pooled
        accuracy, ``relative`` (residual-diversity / all-members - 1) and ``relative_best`` (over the
        strongest other ensemble, the study's measure), ``label_noise_share`` of trials.
    """

    effects: pd.DataFrame
    ensembles: pd.DataFrame


def _point_columns(point: GridPoint) -> dict[str, Any]:
    return {"plane": point.plane, "point": point.label, **point.values}


def run_point(point: GridPoint, dataset: Any, targets: alignment.AlignmentTargets, store_dir: Path, *,
              losses: Sequence[str], weights: Sequence[float], fixed_weight: float, config: engine.TrainConfig,
              seeds: Sequence[int], n_splits: int, fold_seed: int = 0, arch: str = "mlp",
              members: Sequence[str] = ("logreg", "mlp"), member_seeds: Sequence[int] = (0, 1, 2),
              backend: str = "loky", n_jobs: int = 1, n_boot: int = 1000, seed: int = 0,
              margin: float = MARGIN, progress: bool = False) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train and compare everything at one grid point (``dataset``: its simulated cohort).

    Returns the uncorrected loss comparisons (both arms) and the ensemble comparison of this point.
    """
    if not any(np.isclose(fixed_weight, w) for w in weights):
        raise VaxisInputError(f"fixed_weight={fixed_weight} must be one of weights={list(weights)}.")
    data = engine.TrainData.from_dataset(dataset)
    folds = subject_folds(dataset.subjects, n_splits=n_splits, seed=fold_seed)
    setup = SweepSetup(data, folds, list(seeds), arch, config, targets)
    runs = run_sweep(setup, list(losses), store_dir, backend=backend, n_jobs=n_jobs, weights=list(weights),
                     progress=progress)
    parts = []
    for arm, key in (("fixed", fixed_weight), ("chosen", "chosen")):
        if arm == "chosen" and len(weights) < 2:
            continue  # one weight: the chosen arm is the fixed arm
        rows = paired_rows(runs, key, n_boot=n_boot, seed=seed, margin=margin)
        rows.insert(0, "arm", arm)
        parts.append(rows)
    effects = pd.concat(parts, ignore_index=True)
    for k, v in reversed(list(_point_columns(point).items())):
        effects.insert(0, k, v)
    effects.insert(len(_point_columns(point)), "family", [alignment.get(s).family for s in effects.strategy])
    trained = engine.train(list(members), data, folds, list(member_seeds), config, progress=progress,
                           desc=f"members {point.label}")
    cmp = ensembles.compare(trained, baselines=(), n_boot=n_boot, seed=seed)
    per = cmp.per_subject
    pc = stats.paired_comparison(per["residual_diverse"].to_numpy(), per["all_members"].to_numpy(),
                                 n_boot=n_boot, seed=seed, margin=margin)
    b = cmp.table.bacc
    ens = {**_point_columns(point), "gain": pc["mean_diff"], "ci_low": pc["ci_low"], "ci_high": pc["ci_high"],
           "p_wilcoxon": pc["p_wilcoxon"], "p_tost": pc["p_tost"], "n_units": pc["n_units"],
           "residual_bacc": float(b["residual_diverse"]), "all_bacc": float(b["all_members"]),
           "relative": float(b["residual_diverse"] / b["all_members"] - 1.0),
           "relative_best": cmp.relative["value"], "relative_low": cmp.relative["low"],
           "relative_high": cmp.relative["high"], "strongest": cmp.relative["baseline"],
           "label_noise_share": float(dataset.meta.get("label_noise_share", 0.0))}
    return effects, ens


def llm_geometry(out_dir: Path, classes: Sequence[str]) -> np.ndarray:
    """The lead model's category vectors (chapter 1's results), rows in ``classes`` order: (K, D)."""
    vectors = results.category_vectors(out_dir)
    missing = [c for c in classes if c not in vectors]
    if missing:
        raise VaxisInputError(f"Chapter 1's results lack the categories {missing}; re-run chapter 01.")
    return np.stack([vectors[c] for c in classes])


def cohort_at(point: GridPoint, seed: int = 0, category_geometry: np.ndarray | None = None) -> Any:
    """The simulated FACED-shaped cohort of one grid point (:func:`vaxis.eeg.cohort`, no real data:
    the mechanisms are properties of the simulation). ``category_geometry``: the LLM's category
    vectors, read by the ``congruence`` mechanism only."""
    return cohort("faced", None, n_subjects=point.n_subjects, seed=seed, knobs=point.knobs,
                  category_geometry=category_geometry)


def run_grid(points: Sequence[GridPoint], targets: alignment.AlignmentTargets, store_dir: Path, *,
             sim_seed: int = 0, category_geometry: np.ndarray | None = None, alpha: float = 0.05,
             progress: bool = True, scheduler: str | None = None, **kwargs: Any) -> PhaseResults:
    """Every point of the grid (:func:`run_point` on :func:`cohort_at`, keyword arguments passed
    on), then the verdicts over the whole grid.

    ``scheduler``: the address of a dask.distributed scheduler (e.g. ``"tcp://10.0.0.5:8786"``, or a
    ``LocalCluster``'s ``scheduler_address``). When given, a client connects to it for the run and the
    sweep's tasks go to its workers (``backend="dask"``); the ensembles' members and the statistics
    stay in this process. The workers need vaxis installed and must see ``store_dir`` (the tasks read
    the sweep's setup from it). The results are the same as in-process (tests/test_phase_dask.py).
    """
    from tqdm import tqdm

    if scheduler is not None:
        import distributed

        with distributed.Client(scheduler):
            return run_grid(points, targets, store_dir, sim_seed=sim_seed, category_geometry=category_geometry,
                            alpha=alpha, progress=progress, **{**kwargs, "backend": "dask"})

    effects, ens = [], []
    for point in tqdm(points, desc="grid points", unit="point", disable=not progress):
        e, s = run_point(point, cohort_at(point, sim_seed, category_geometry), targets, store_dir, **kwargs)
        effects.append(e)
        ens.append(s)
    effects_df = _verdicts_once(pd.concat(effects, ignore_index=True), list(DEFAULTS) + ["strategy", "arm"], alpha)
    ens_df = pd.DataFrame(ens).rename(columns={"gain": "mean_diff"})
    ens_df = _verdicts_once(ens_df, list(DEFAULTS), alpha).rename(columns={"mean_diff": "gain"})
    return PhaseResults(effects_df, ens_df)


def _verdicts_once(rows: pd.DataFrame, key: list[str], alpha: float) -> pd.DataFrame:
    """Verdicts with each distinct comparison counted once in the correction (a point shared by two
    planes, e.g. the default cohort, is one test, not two), copied back to every row."""
    unique = add_verdicts(rows.drop_duplicates(key), alpha)
    out = rows.merge(unique[key + ["q", "q_tost", "verdict"]], on=key, how="left")
    out.index = rows.index
    return out


def plane_table(effects: pd.DataFrame, plane: str, value: str = "mean_diff", arm: str = "fixed") -> pd.DataFrame:
    """One plane as a table: rows = losses, columns = the plane's points, cells = ``value``."""
    sel = effects[(effects.plane == plane) & (effects.arm == arm)]
    return sel.pivot_table(index="strategy", columns="point", values=value, aggfunc="first", sort=False)


def at_default(effects: pd.DataFrame, n_subjects: int = int(DEFAULTS["n_subjects"])) -> pd.DataFrame:
    """The rows of the default cohort's point (every knob at its default, ``n_subjects`` subjects),
    once per (loss, arm) even when several planes contain that point."""
    m = np.isclose(effects.n_subjects.astype(float), n_subjects)
    for k, v in DEFAULTS.items():
        if k != "n_subjects":
            m &= np.isclose(effects[k].astype(float), v)
    return effects[m].drop_duplicates(["strategy", "arm"])


def verdict_grid(effects: pd.DataFrame, arm: str = "fixed") -> pd.DataFrame:
    """Counts of each verdict per point in one arm (columns :data:`vaxis.stats.VERDICTS`)."""
    sel = effects[effects.arm == arm]
    counts = sel.groupby(["plane", "point"], sort=False).verdict.value_counts().unstack(fill_value=0)
    return counts.reindex(columns=list(stats.VERDICTS), fill_value=0)
