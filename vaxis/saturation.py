"""Chapter 5: does aligning the EEG network with the LLM help decoding? The saturation sweep.

Design
------
- One architecture (default the MLP), trained on category labels with cross-entropy, with and
  without an auxiliary alignment loss from :mod:`vaxis.alignment`, on the shared leave-subjects-out
  folds of :mod:`vaxis.folds` and the same seeds. The label-only network is the *baseline*.
- **Weight choice on training subjects only.** Every strategy is trained at each weight of its grid
  (the same number of weights for every strategy: the same budget); for each outer fold the weight
  with the highest mean balanced accuracy on that fold's *validation* subjects (part of the
  training subjects, also used for early stopping) is kept, and only then is its accuracy on the
  fold's held-out test subjects read.
- **Tasks.** The unit of analysis is one (strategy, fold, seed) network. For speed, the unit of
  *work* is one (strategy, weight): its folds x seeds networks are trained together as stacked
  replicas by :mod:`vaxis.engine` (one stacked job; for the MLP, 15 replicas cost a few times one,
  ``benchmarks/README.md``), and stored as one row per (fold, seed).
  Tasks run through :mod:`vaxis.sweep` (joblib; Dask or Ray by changing ``backend``); results go to
  an append-only, atomic store: a killed sweep loses at most the tasks in flight and resumes.
- **Statistics.** For each strategy, the paired differences with the baseline over the same
  (fold, seed) units: Wilcoxon signed-rank test, Benjamini-Hochberg across strategies, mean
  difference with a bootstrap interval and d_z. A strategy *helped* (or *hurt*) when q < alpha and
  the mean difference is positive (negative); otherwise "no difference".

Saturation diagnostics
----------------------
- :func:`basin_shares`: at the trained baseline networks, the share of each auxiliary loss's
  gradient (with respect to the penultimate representation) that lies in the *basin* -- the span of
  the class means, which the labels already drive -- rather than in the within-class residual.
"""

from __future__ import annotations

import functools
import inspect
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from . import alignment, engine, io, numerics, stats, sweep
from ._checks import VaxisInputError
from .folds import Fold

BASELINE = "baseline"
#: Hash of the alignment losses' code: part of every task key, so results of older losses are not reused.
_ALIGNMENT_SOURCE = io.stable_hash(inspect.getsource(alignment))


@dataclass
class SweepSetup:
    """Everything the tasks share; written once to disk so worker processes can read it."""

    data: engine.TrainData
    folds: list[Fold]
    seeds: list[int]
    arch: str
    config: engine.TrainConfig
    targets: alignment.AlignmentTargets
    arch_kwargs: dict[str, Any] | None = None
    threads: int = 2

    def context(self) -> str:
        """Hash of the shared inputs: part of every task key."""
        t = {f: getattr(self.targets, f).numpy().round(6).tobytes().hex()[:64]
             for f in ("category_vectors", "v_positions", "sentence_embeddings", "arousal")}
        return io.stable_hash(self.data.fingerprint(), [f.as_dict() for f in self.folds], self.seeds,
                              self.arch, self.config.key(), self.arch_kwargs, t, engine.ENGINE_VERSION,
                              engine.architecture_source_hash(self.arch), _ALIGNMENT_SOURCE,
                              numerics.fingerprint())


def save_setup(setup: SweepSetup, path: Path) -> Path:
    """Pickle the setup atomically (the tasks' shared input)."""
    with io.atomic_write(path, "wb") as fh:
        pickle.dump(setup, fh)
    return path


@functools.lru_cache(maxsize=2)
def _load_setup(path: str) -> SweepSetup:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def make_tasks(setup: SweepSetup, strategies: Sequence[str], weights: Sequence[float] | None = None) -> list[sweep.Task]:
    """The baseline (weight 0) and every (strategy, weight); each covers every fold and seed."""
    unknown = [s for s in strategies if s not in alignment.STRATEGIES]
    if unknown:
        raise VaxisInputError(f"Unknown strategies {unknown}; known: {sorted(alignment.STRATEGIES)}.")
    if len(set(strategies)) != len(strategies):
        raise VaxisInputError("strategies must be distinct.")
    ctx = setup.context()
    tasks = [sweep.Task(BASELINE, {"weight": 0.0}, ctx)]
    for name in strategies:
        grid = weights if weights is not None else alignment.get(name).weights
        if not len(grid) or any(w <= 0 for w in grid):
            raise VaxisInputError(f"weights for {name} must be positive numbers, got {list(grid)}.")
        tasks += [sweep.Task(name, {"weight": float(w)}, ctx) for w in grid]
    return tasks


def run_task(setup_path: str, task: sweep.Task) -> list[dict[str, Any]]:
    """Train one (strategy, weight) on every fold and seed; one row per (fold, seed)."""
    setup = _load_setup(setup_path)
    torch.set_num_threads(setup.threads)
    aux = None if task.name == BASELINE else alignment.as_aux_loss(task.name, setup.targets)
    res = engine.train(setup.arch, setup.data, setup.folds, setup.seeds, setup.config,
                       arch_kwargs={setup.arch: setup.arch_kwargs} if setup.arch_kwargs else None,
                       aux_loss=aux, aux_weight=task.params["weight"], cache=False, progress=False)
    rows = []
    for unit in res.units:
        fold = next(f for f in setup.folds if f.index == unit.fold)
        val_trials = setup.data.fold_trials(fold)[1]
        val_pred = unit.proba[val_trials].argmax(1)
        rows.append({"fold": unit.fold, "seed": unit.seed,
                     "val_bacc": engine.balanced_accuracy(setup.data.trial_label[val_trials], val_pred),
                     "test_bacc": unit.metrics["balanced_accuracy"],
                     "best_epoch": unit.metrics.get("best_epoch")})
    return rows


def run_sweep(setup: SweepSetup, strategies: Sequence[str], store_dir: Path, backend: str = "loky",
              n_jobs: int = 1, weights: Sequence[float] | None = None, progress: bool = True) -> pd.DataFrame:
    """Run (or resume) the sweep; returns one row per (task, seed)."""
    store = sweep.ResultStore(store_dir)
    path = save_setup(setup, Path(store_dir) / f"setup-{setup.context()}.pkl")
    tasks = make_tasks(setup, strategies, weights)
    return sweep.run(tasks, functools.partial(run_task, str(path)), store, backend=backend, n_jobs=n_jobs,
                     progress=progress, desc="saturation sweep")


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


def basin_shares(z: np.ndarray, proba: np.ndarray, y: np.ndarray, targets: alignment.AlignmentTargets,
                 strategies: Sequence[str], max_rows: int = 512, seed: int = 0) -> pd.DataFrame:
    """Share of each strategy's gradient (w.r.t. the representation) in the label-driven basin.

    Parameters
    ----------
    z : ndarray (n, D)
        Penultimate representations of a trained baseline (training trials).
    proba : ndarray (n, K)
        Its class probabilities; logits are modelled as a linear function of ``z`` fitted to their
        centred logs (the last layer is linear), so logit-based losses also get a gradient on ``z``.
    y : ndarray (n,)
        Labels.
    """
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(y), size=min(max_rows, len(y)), replace=False)
    zt = torch.tensor(z[rows], dtype=torch.float32, requires_grad=True)
    # Logits as a function of z, so that losses on logits (distillation) have a gradient on z too:
    # the networks' last layer is linear in z, so centred log-probabilities are (nearly: trial means
    # of window outputs) a linear function of z; fit it by least squares.
    logp = np.log(np.clip(proba, 1e-8, None))
    logp -= logp.mean(axis=1, keepdims=True)
    design = np.c_[z, np.ones(len(z))]
    head, *_ = np.linalg.lstsq(design, logp, rcond=None)
    w = torch.tensor(head[:-1], dtype=torch.float32)
    b = torch.tensor(head[-1], dtype=torch.float32)
    yt = torch.tensor(y[rows], dtype=torch.int64)
    out = []
    for name in strategies:
        logits = zt @ w + b
        loss = alignment.get(name).loss_fn(zt, logits, yt, targets, {})
        (grad,) = torch.autograd.grad(loss, zt, allow_unused=True)
        share = np.nan if grad is None else alignment.basin_share(zt, yt, grad, targets.n_classes)
        out.append({"strategy": name, "basin_share": share})
    return pd.DataFrame(out)


def targets_from_results(out_dir: Path, dataset: Any, classes: Sequence[str],
                         sentence_model: str = "minilm-l6") -> alignment.AlignmentTargets:
    """Alignment targets from chapter 1's results, the EEG data's human arousal norms and montage.

    - category vectors, V positions and V direction: the lead model at its chosen layer (chapter 1);
    - sentence embeddings: ``sentence_model`` (mean-pooled last layer) of each category's anchor;
    - arousal: the human arousal norm of each category, from the EEG dataset;
    - electrode adjacency: 4 nearest neighbours on the 2-D scalp layout.
    """
    from . import hidden, results
    from .eeg.montage import channel_positions_2d

    summary, arrays = results.load_axis(out_dir)
    vectors = results.category_vectors(out_dir)
    positions = results.category_positions(out_dir)
    anchors = summary.get("anchors") or {}
    missing = [c for c in classes if c not in vectors or c not in anchors]
    if missing:
        raise VaxisInputError(f"Chapter 1's results lack the categories {missing}; re-run chapter 01.")
    hs = hidden.extract(sentence_model, [anchors[c] for c in classes], pooling=["mean"], progress=False)
    arousal = dataset.category_ratings()["arousal"]
    adjacency = alignment.adjacency_from_positions(channel_positions_2d(dataset.channels))
    return alignment.make_targets(
        np.stack([vectors[c] for c in classes]), np.array([positions[c] for c in classes]),
        arrays["direction"], hs.layer(-1, "mean"), arousal.loc[list(classes)].to_numpy(), adjacency)


def alignment_during_training(setup: SweepSetup, positions: dict[str, float], epochs: Sequence[int],
                              progress: bool = False) -> pd.DataFrame:
    """How much of the V-axis the baseline's held-out representation carries after ``e`` epochs.

    For each ``e`` the label-only network is trained for at most ``e`` epochs (``e = 0``: its
    initial weights; early stopping still applies) on every fold and seed, and chapter 4's
    read-out (:func:`vaxis.rediscovery.fold_readout`) is applied to the test subjects' trials.
    Returns one row per (epochs, fold, seed): ``readout_r`` (mean held-out r), ``cos_classmean``,
    ``basin_cos`` and the test balanced accuracy.
    """
    import dataclasses

    from .rediscovery import fold_readout

    cats = np.asarray(setup.data.classes)[setup.data.trial_label]
    rows = []
    for e in epochs:
        config = dataclasses.replace(setup.config, max_epochs=int(e))
        res = engine.train(setup.arch, setup.data, setup.folds, setup.seeds, config, progress=progress,
                           arch_kwargs={setup.arch: setup.arch_kwargs} if setup.arch_kwargs else None)
        for unit in res.units:
            t = unit.test_trials
            ro = fold_readout(unit.z[t], cats[t], setup.data.trial_subject[t], positions)
            rows.append({"epochs": int(e), "fold": unit.fold, "seed": unit.seed, "readout_r": ro.mean_r,
                         "cos_classmean": ro.cos_classmean, "basin_cos": ro.basin_cos,
                         "test_bacc": unit.metrics["balanced_accuracy"]})
    return pd.DataFrame(rows)


def baseline_representation(setup: SweepSetup, fold: int = 0, seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, proba, y)`` of the trained baseline's *training* trials of one fold (engine cache)."""
    seed = setup.seeds[0] if seed is None else seed
    f = next(x for x in setup.folds if x.index == fold)
    res = engine.train(setup.arch, setup.data, [f], [seed], setup.config, progress=False,
                       arch_kwargs={setup.arch: setup.arch_kwargs} if setup.arch_kwargs else None)
    unit = res.units[0]
    train = setup.data.fold_trials(f)[0]
    return unit.z[train], unit.proba[train], setup.data.trial_label[train]
