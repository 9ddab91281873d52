"""Chapter 7: a phase diagram of the saturation regularity over the generator's mechanisms.

A *grid* is a set of *planes*, each two knobs of the simulated cohort (:data:`PLANE_KNOBS`, or
``n_subjects``) crossed at the listed values; every other knob keeps the grid's *reference* value
(:data:`REFERENCE`: the default cohort with ``residual_strength`` 0.4, book/saturation_predictions_2.md,
and ``clip_identity`` 0.2, the clip signatures the generator gave that cohort when the predictions were
written: ``clip_variability`` 0.5 x 0.4; the merge of ``clip_identity`` left planes A and B unchanged).
A point shared by two planes is one cohort, trained once. At each point and each of ``n_draws``
generator draws (independent cohorts, seeds ``sim_seed + d``):

- the label-only baseline and each representative loss (:data:`REPRESENTATIVES`), at its **fixed**
  weight (:mod:`~.scaling`: half the label loss's gradient norm at the start) and at every weight of
  the **chosen** arm's grid, on the same folds and seeds: tasks of chapter 5's sweep store
  (:func:`~.tasks.run_sweep`: one file per (strategy, weight), keyed by the cohort's data; a killed
  grid resumes, ``backend="dask"`` sends the tasks to a cluster);
- the ensembles' members (:func:`train_members`: every architecture x member seed, on all features
  or, for a spec ``"arch@group"``, on one band group of :data:`vaxis.eeg.montage.BAND_GROUPS`;
  cached by the engine) and chapter 6's comparison (:func:`vaxis.decoding.ensembles.compare`);
- the manipulation check of every knob the point switches on, away from the reference
  (:func:`checked_knobs`, :mod:`~.checks`), against the same draw with that knob at 0.

The statistics over draws, runs and subjects are :mod:`~.comparisons`'; the predictions they are
scored against are :mod:`~.predictions`'. The generator sees only the point's knobs and the draw's
seed: :func:`cohort_at` takes nothing else (tests/test_mechanisms.py checks it by running it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import results, stats, tables
from ..._checks import VaxisInputError
from ...eeg import cohort
from ...eeg.montage import BAND_GROUPS, BANDS
from ...eeg.simulate import SimulationParams
from .. import alignment, engine, ensembles
from ..folds import subject_folds
from . import checks, comparisons
from .statistics import MARGIN
from .tasks import SweepSetup, run_sweep

#: One representative loss per family of the study (chapter 7's grid trains these).
REPRESENTATIVES: dict[str, str] = {"distillation": "kd_t2", "v_axis": "v_regression", "similarity": "rsa_pearson",
                                   "contrastive": "supcon_llm", "topographic": "topo_sheet_1d"}
#: Knobs a plane may vary (those the generator has), besides ``n_subjects``.
PLANE_KNOBS: tuple[str, ...] = ("congruence", "multi_view", "clip_identity", "within_class", "felt_emotion",
                                "label_noise", "valence_strength", "residual_strength")
#: The grid's reference cohort: knobs that differ from the generator's defaults at every point.
#: ``clip_identity`` 0.2 = the former ``clip_variability`` 0.5 x ``residual_strength`` 0.4, the cohort of the
#: predictions page (book/saturation_predictions_2.md), not the generator's later default (0.40).
REFERENCE: dict[str, float] = {"residual_strength": 0.4, "clip_identity": 0.2}
#: The default number of subjects of a grid point.
N_SUBJECTS = 30


def available_knobs() -> dict[str, float]:
    """The plane knobs this generator has, at its default values."""
    p = SimulationParams()
    return {k: float(getattr(p, k)) for k in PLANE_KNOBS if hasattr(p, k)}


def reference_values(n_subjects: int = N_SUBJECTS, reference: Mapping[str, float] | None = None) -> dict[str, float]:
    """Every knob at the grid's reference (``reference``, default :data:`REFERENCE`) and ``n_subjects``."""
    ref = dict(REFERENCE if reference is None else reference)
    unknown = sorted(set(ref) - set(available_knobs()))
    if unknown:
        raise VaxisInputError(f"Reference knobs {unknown} are not knobs of the generator ({sorted(available_knobs())}).")
    return {**available_knobs(), **{k: float(v) for k, v in ref.items()}, "n_subjects": float(n_subjects)}


@dataclass(frozen=True)
class GridPoint:
    """One simulated cohort of the grid: its plane, the two knobs it sets and all knob values."""

    plane: str
    axes: tuple[str, str]
    values: dict[str, float] = field(default_factory=dict)  # every plane knob and n_subjects at this point

    @property
    def knobs(self) -> dict[str, float]:
        """Simulation knobs that differ from the generator's defaults (``n_subjects`` excluded)."""
        d = available_knobs()
        return {k: v for k, v in self.values.items() if k != "n_subjects" and v != d.get(k)}

    @property
    def n_subjects(self) -> int:
        return int(self.values["n_subjects"])

    @property
    def label(self) -> str:
        return f"{self.plane}: " + ", ".join(f"{a}={self.values[a]:g}" for a in self.axes)

    @property
    def key(self) -> tuple[tuple[str, float], ...]:
        """What the cohort is: points with equal keys are one cohort (trained once)."""
        return tuple(sorted(self.values.items()))

    def with_value(self, knob: str, value: float) -> GridPoint:
        """The same point with ``knob`` set to ``value`` (a check's twin)."""
        return dataclasses.replace(self, values={**self.values, knob: float(value)})


def checked_knobs(point: GridPoint, reference: Mapping[str, float] | None = None) -> list[str]:
    """The knobs whose manipulation check runs at ``point``: those of :data:`~.checks.CHECKED_KNOBS`
    the point sets away from the grid's reference (``reference``: :func:`reference_values`) and not
    to 0. A knob at its reference value is part of the reference cohort, not a manipulation: the
    reference's clip signatures (``clip_identity`` 0.2) are checked only where plane C moves them."""
    ref = reference_values() if reference is None else reference
    return [k for k in checks.CHECKED_KNOBS
            if point.values.get(k, 0.0) != 0 and point.values.get(k, 0.0) != ref.get(k, 0.0)]


def reference_point(n_subjects: int = N_SUBJECTS, reference: Mapping[str, float] | None = None) -> GridPoint:
    """The grid's reference cohort as a point of its own (plane ``"reference"``)."""
    return GridPoint("reference", ("congruence", "n_subjects"), reference_values(n_subjects, reference))


def grid_points(planes: Mapping[str, Mapping[str, Sequence[float]]], n_subjects: int = N_SUBJECTS,
                reference: Mapping[str, float] | None = None) -> list[GridPoint]:
    """The points of every plane: ``{"A": {"congruence": [-1, 0, 1], "n_subjects": [15, 45]}, ...}``.

    Each plane names exactly two knobs (:data:`PLANE_KNOBS` the generator has, or ``n_subjects``);
    every other knob is at the reference (:func:`reference_values`). A plane naming a knob the
    generator lacks is refused here; :func:`split_planes` sets such planes aside first.
    """
    base = reference_values(n_subjects, reference)
    points = []
    for plane, axes in planes.items():
        names = list(axes)
        unknown = sorted(set(names) - set(base))
        if len(names) != 2 or unknown:
            raise VaxisInputError(f"Plane {plane!r} must vary exactly two of {sorted(base)}; got {names}.")
        for x in axes[names[0]]:
            for y in axes[names[1]]:
                points.append(GridPoint(plane, (names[0], names[1]), {**base, names[0]: float(x), names[1]: float(y)}))
    return points


def split_planes(planes: Mapping[str, Mapping[str, Sequence[float]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The planes this generator can run, and for the others why not (a knob it does not have)."""
    have = set(available_knobs()) | {"n_subjects"}
    run, missing = {}, {}
    for plane, axes in planes.items():
        lacking = sorted(set(axes) - have)
        if lacking:
            missing[plane] = f"the generator has no knob {', '.join(lacking)}"
        else:
            run[plane] = axes
    return run, missing


def cohort_at(point: GridPoint, seed: int = 0) -> Any:
    """The simulated FACED-shaped cohort of one grid point and generator draw ``seed``
    (:func:`vaxis.eeg.cohort`, no real data: the mechanisms are properties of the simulation).
    Nothing but the point's knobs and the seed reaches the generator."""
    return cohort("faced", None, n_subjects=point.n_subjects, seed=seed, knobs=point.knobs)


def band_mask(data: engine.TrainData, group: str) -> engine.TrainData:
    """``data`` with every band outside ``group`` (:data:`BAND_GROUPS`) set to 0, the subject mean of
    the normalised features: a member that sees one band group only."""
    if group not in BAND_GROUPS:
        raise VaxisInputError(f"Unknown band group {group!r}; groups: {list(BAND_GROUPS)}.")
    keep = np.array([b in BAND_GROUPS[group] for b in list(BANDS)[: data.X.shape[2]]])
    return dataclasses.replace(data, X=data.X * keep[None, None, :].astype(data.X.dtype), _fingerprint=None, _rows={})


def train_members(members: Sequence[str], data: engine.TrainData, folds: Sequence[Any], seeds: Sequence[int],
                  config: engine.TrainConfig, progress: bool = False) -> engine.TrainResults:
    """Every member spec x seed x fold: ``"mlp"`` on all features, ``"mlp@fast"`` on one band group.

    One :class:`~vaxis.decoding.engine.TrainResults` whose units are named by their spec."""
    units = []
    for spec in members:
        arch, _, group = spec.partition("@")
        d = band_mask(data, group) if group else data
        res = engine.train(arch, d, list(folds), list(seeds), config, progress=progress, desc=f"member {spec}")
        units += [dataclasses.replace(u, arch=spec) for u in res.units]
    return engine.TrainResults(units, data, list(folds))


@dataclass
class PhaseResults:
    """Everything chapter 7 reports.

    points : one row per (plane, point): ``plane, point, cohort`` (the distinct cohort's id) and every knob.
    units : one row per loss unit: ``cohort, draw, fold, seed, subject, strategy, weight, bacc, val_bacc``.
    ensemble_units : ``cohort, draw, fold, subject, method, bacc``.
    checks : one row per (cohort, draw, knob) with the check's values (:mod:`~.checks`).
    fixed_weights : each loss's fixed weight (:mod:`~.scaling`), with the gradient norms it came from.
    settings : ``n_boot, seed, alpha, margin, grid`` (the chosen arm's weights) and the draws.
    """

    points: pd.DataFrame
    units: pd.DataFrame
    ensemble_units: pd.DataFrame
    checks: pd.DataFrame
    fixed_weights: pd.DataFrame
    settings: dict[str, Any]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def diffs(self) -> pd.DataFrame:
        """Per-unit differences of every arm (:func:`~.comparisons.arm_units`)."""
        if "diffs" not in self._cache:
            fixed = self.fixed_weights.weight.to_dict()
            self._cache["diffs"] = comparisons.arm_units(self.units, fixed, self.settings["grid"])
        return self._cache["diffs"]

    @property
    def effects(self) -> pd.DataFrame:
        """Every loss comparison at every (plane, point), with its verdict (one BH family)."""
        if "effects" not in self._cache:
            s = self.settings
            e = comparisons.loss_effects(self.diffs, s["n_boot"], s["seed"], s["alpha"], s["margin"])
            e.insert(2, "family", [alignment.get(n).family for n in e.strategy])
            self._cache["effects"] = self.points.merge(e, on="cohort")
        return self._cache["effects"]

    @property
    def ensembles(self) -> pd.DataFrame:
        """The ensemble comparison at every (plane, point) (one BH family)."""
        if "ensembles" not in self._cache:
            s = self.settings
            e = comparisons.ensemble_effects(self.ensemble_units, s["n_boot"], s["seed"], s["alpha"], s["margin"])
            self._cache["ensembles"] = self.points.merge(e, on="cohort")
        return self._cache["ensembles"]

    @property
    def check_table(self) -> pd.DataFrame:
        """Each (plane, point, knob) check: values averaged over draws and ``passed``."""
        if self.checks.empty:
            return pd.DataFrame(columns=["plane", "point", "knob", "passed"])
        vals = [c for c in self.checks.columns if c not in ("cohort", "draw", "knob")]
        mean = self.checks.groupby(["cohort", "knob"], as_index=False)[vals].mean()
        mean["passed"] = [checks.passes(r.knob, {k: getattr(r, k) for k in vals if pd.notna(getattr(r, k))})
                          for r in mean.itertuples()]
        return self.points[["plane", "point", "cohort"]].merge(mean, on="cohort")


def _distinct(points: Sequence[GridPoint]) -> tuple[list[GridPoint], list[int]]:
    """The distinct cohorts among ``points`` and each point's cohort id."""
    keys, cohorts, ids = {}, [], []
    for p in points:
        if p.key not in keys:
            keys[p.key] = len(cohorts)
            cohorts.append(p)
        ids.append(keys[p.key])
    return cohorts, ids


def _loss_units(table: pd.DataFrame, c: int, d: int) -> list[dict[str, Any]]:
    return [{"cohort": c, "draw": d, "fold": int(r.fold), "seed": int(r.seed), "subject": str(s), "strategy": r.task,
             "weight": float(r.weight), "bacc": float(b), "val_bacc": float(r.val_bacc)}
            for r in table.itertuples() for s, b in r.subject_bacc.items()]


def _ensemble_units(cmp: Any, folds: Sequence[Any], c: int, d: int) -> list[dict[str, Any]]:
    fold_of = {s: f.index for f in folds for s in f.test}
    per = cmp.per_subject
    return [{"cohort": c, "draw": d, "fold": fold_of[str(s)], "subject": str(s), "method": m, "bacc": float(v)}
            for s, row in per.iterrows() for m, v in row.items()]


def run_grid(points: Sequence[GridPoint], targets: alignment.AlignmentTargets, store_dir: Path, *,
             fixed_weights: pd.DataFrame, losses: Sequence[str], weights: Sequence[float] | None,
             config: engine.TrainConfig, seeds: Sequence[int], n_splits: int = 3, n_draws: int = 3,
             sim_seed: int = 0, arch: str = "mlp", members: Sequence[str] = ("logreg", "mlp"),
             member_seeds: Sequence[int] = (0, 1, 2), check_geometry: np.ndarray | None = None,
             reference: Mapping[str, float] | None = None, backend: str = "loky", n_jobs: int = 1, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05,
             margin: float = MARGIN, progress: bool = True, scheduler: str | None = None) -> PhaseResults:
    """Train and check every distinct cohort of the grid in every draw; the statistics come lazily
    from :class:`PhaseResults`.

    ``fixed_weights``: :func:`~.scaling.scaled_weights`'s table (its ``weight`` column, one row per
    loss); ``weights``: the chosen arm's grid (``None`` or one weight: no chosen arm).
    ``check_geometry``: the losses' target geometry (K, D; the lead model's category vectors in the
    class order) for the congruence check's agreement with the targets. ``reference``: every knob's
    value at the grid's reference cohort (:func:`reference_values`; its default with
    :data:`N_SUBJECTS` subjects), for the predictions about it.

    ``n_jobs``: parallel sweep tasks; with more than one, each task trains on one thread (two
    processes of one thread each do more small steps per second than one of two), and the numbers
    differ from the one-job run's in the last bits (the store keys say so).

    ``scheduler``: the address of a dask.distributed scheduler (e.g. ``"tcp://10.0.0.5:8786"``, or a
    ``LocalCluster``'s ``scheduler_address``): a client connects to it for the run and the sweep's
    tasks go to its workers (``backend="dask"``); members, checks and statistics stay here. The
    workers need vaxis installed and must see ``store_dir``. Same results as in-process
    (tests/test_phase_dask.py).
    """
    from tqdm import tqdm

    if scheduler is not None:
        import distributed

        with distributed.Client(scheduler):
            return run_grid(points, targets, store_dir, fixed_weights=fixed_weights, losses=losses, weights=weights,
                            config=config, seeds=seeds, n_splits=n_splits, n_draws=n_draws, sim_seed=sim_seed,
                            arch=arch, members=members, member_seeds=member_seeds, check_geometry=check_geometry,
                            reference=reference, backend="dask", n_jobs=n_jobs, n_boot=n_boot, seed=seed, alpha=alpha, margin=margin,
                            progress=progress)
    missing = sorted(set(losses) - set(fixed_weights.index))
    if missing:
        raise VaxisInputError(f"No fixed weight for {missing}: pass scaling.scaled_weights(...) of every loss.")
    if n_draws < 1 or not seeds:
        raise VaxisInputError("n_draws must be >= 1 and seeds non-empty.")
    cohorts, ids = _distinct(points)
    grid = sorted(set(float(w) for w in weights)) if weights is not None and len(weights) >= 2 else None
    per_loss = {s: [float(fixed_weights.loc[s, "weight"])] + (grid or []) for s in losses}
    loss_rows, ens_rows, check_rows = [], [], []
    jobs = [(c, d) for c in range(len(cohorts)) for d in range(n_draws)]
    for c, d in tqdm(jobs, desc="grid cohorts x draws", unit="cohort", disable=not progress):
        point, draw_seed = cohorts[c], sim_seed + d
        dataset = cohort_at(point, draw_seed)
        data = engine.TrainData.from_dataset(dataset)
        folds = subject_folds(dataset.subjects, n_splits=n_splits, seed=0)
        setup = SweepSetup(data, folds, list(seeds), arch, config, targets, threads=2 if n_jobs == 1 else 1)
        table = run_sweep(setup, list(losses), store_dir, backend=backend, n_jobs=n_jobs, weights=per_loss,
                          progress=False)
        loss_rows += _loss_units(table, c, d)
        cmp = ensembles.compare(train_members(members, data, folds, member_seeds, config), baselines=(),
                                n_boot=200, seed=seed)
        ens_rows += _ensemble_units(cmp, folds, c, d)
        for knob in checked_knobs(point, reference):
            twin = cohort_at(point.with_value(knob, 0.0), draw_seed)
            check_rows.append({"cohort": c, "draw": d, "knob": knob,
                               **checks.run_check(knob, dataset, twin, point.values[knob], check_geometry)})
    frame = pd.DataFrame([{"plane": p.plane, "point": p.label, "cohort": i, "x_knob": p.axes[0], "y_knob": p.axes[1],
                           **p.values} for p, i in zip(points, ids)])
    settings = {"n_boot": n_boot, "seed": seed, "alpha": alpha, "margin": margin, "grid": grid, "n_draws": n_draws,
                "sim_seed": sim_seed, "seeds": list(seeds), "n_splits": n_splits, "members": list(members),
                "member_seeds": list(member_seeds), "losses": list(losses),
                "reference": dict(reference or reference_values())}
    return PhaseResults(frame, pd.DataFrame(loss_rows), pd.DataFrame(ens_rows),
                        pd.DataFrame(check_rows, columns=["cohort", "draw", "knob"] if not check_rows else None),
                        fixed_weights, settings)


def check_summary(check_table: pd.DataFrame) -> pd.DataFrame:
    """The checks in long form, one row per (point, knob, measure): ``value`` at the point, ``twin``
    (the same draws with the knob at 0) and whether the knob's check ``passed`` (a narrow table)."""
    measures = {"congruence": ("planted", "targets"), "multi_view": ("complementarity",),
                "clip_identity": ("clip_accuracy",)}
    rows = [{"point": r["point"], "knob": r["knob"], "measure": m, "value": r[m], "twin": r[f"{m}_twin"],
             "passed": bool(r["passed"])}
            for _, r in check_table.drop_duplicates(["point", "knob"]).iterrows() for m in measures[r["knob"]]]
    return pd.DataFrame(rows, columns=["point", "knob", "measure", "value", "twin", "passed"])


def effect_summary(effects: pd.DataFrame, arm: str | None = None) -> pd.DataFrame:
    """Each loss comparison in four narrow columns: the effect with its 95 % interval, the effect the
    design could detect, the verdict (one row per point, strategy and arm)."""
    e = effects if arm is None else effects[effects.arm == arm]
    return pd.DataFrame({"point": e.point, "strategy": e.strategy, "arm": e.arm,
                         "effect [95% CI]": [tables.interval(*x) for x in zip(e.mean_diff, e.ci_low, e.ci_high)],
                         "detectable": e.detectable.round(3), "verdict": e.verdict}).set_index(["point", "strategy", "arm"])


def ensemble_summary(ensembles: pd.DataFrame) -> pd.DataFrame:
    """Per point: both ensembles' accuracy, the gain with its interval and verdict, and the relative
    gain over the strongest other ensemble with its interval (the study's measure)."""
    e = ensembles.drop_duplicates("point")
    return pd.DataFrame({"point": e.point, "all members": e.all_bacc.round(3), "residual": e.residual_bacc.round(3),
                         "gain [95% CI]": [tables.interval(*x) for x in zip(e.gain, e.ci_low, e.ci_high)],
                         "verdict": e.verdict,
                         "relative [95% CI]": [tables.percent_interval({"value": v, "low": lo, "high": hi})
                                               for v, lo, hi in zip(e.relative, e.relative_low, e.relative_high)]
                         }).set_index("point")


def networks_trained(settings: Mapping[str, Any], n_cohorts: int) -> int:
    """How many networks a grid trains: per cohort and draw, folds x seeds per (loss, weight) task
    and the baseline, and folds x member seeds per member spec."""
    n_w = 1 + (len(settings["grid"]) if settings["grid"] else 0)
    tasks = 1 + len(settings["losses"]) * n_w
    per = tasks * settings["n_splits"] * len(settings["seeds"]) + len(settings["members"]) * len(
        settings["member_seeds"]) * settings["n_splits"]
    return per * n_cohorts * settings["n_draws"]


def llm_geometry(out_dir: Path, classes: Sequence[str]) -> np.ndarray:
    """The lead model's category vectors (chapter 1's results), rows in ``classes`` order: (K, D).
    The losses' targets: read by the congruence check, never by the generator."""
    vectors = results.category_vectors(out_dir)
    missing = [c for c in classes if c not in vectors]
    if missing:
        raise VaxisInputError(f"Chapter 1's results lack the categories {missing}; re-run chapter 01.")
    return np.stack([vectors[c] for c in classes])


def plane_table(effects: pd.DataFrame, plane: str, value: str = "mean_diff", arm: str = "fixed") -> pd.DataFrame:
    """One plane as a table: rows = losses, columns = the plane's points, cells = ``value``."""
    sel = effects[(effects.plane == plane) & (effects.arm == arm)]
    return sel.pivot_table(index="strategy", columns="point", values=value, aggfunc="first", sort=False)


def reference_rows(frame: pd.DataFrame, n_subjects: int = N_SUBJECTS,
                   reference: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The rows of the reference cohort (every knob at the reference, ``n_subjects`` subjects), once
    per cohort even when several planes contain it."""
    ref = reference_values(n_subjects, reference)
    m = np.ones(len(frame), bool)
    for k, v in ref.items():
        if k in frame:
            m &= np.isclose(frame[k].astype(float), v)
    sub = frame[m]
    keys = [c for c in ("strategy", "arm") if c in sub]
    return sub.drop_duplicates(["cohort", *keys])


def verdict_grid(effects: pd.DataFrame, arm: str = "fixed") -> pd.DataFrame:
    """Counts of each verdict per point in one arm (columns :data:`vaxis.stats.VERDICTS`)."""
    sel = effects[effects.arm == arm]
    counts = sel.groupby(["plane", "point"], sort=False).verdict.value_counts().unstack(fill_value=0)
    return counts.reindex(columns=list(stats.VERDICTS), fill_value=0)


__all__ = ["N_SUBJECTS", "PLANE_KNOBS", "REFERENCE", "REPRESENTATIVES", "GridPoint", "PhaseResults", "available_knobs",
           "checked_knobs",
           "band_mask", "check_summary", "cohort_at", "effect_summary", "ensemble_summary", "grid_points", "llm_geometry", "networks_trained", "plane_table",
           "reference_point", "reference_rows", "reference_values", "run_grid", "split_planes", "train_members",
           "verdict_grid"]
