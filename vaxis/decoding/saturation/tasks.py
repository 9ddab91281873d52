"""The sweep's plumbing: one task per (strategy, weight), every fold and seed of it trained as one job."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from ... import io, numerics, stats
from ..._checks import VaxisInputError
from .. import alignment, sweep
from .. import engine
from ..engine import ENGINE_VERSION, TrainConfig, TrainData
from ..folds import Fold
from ..zoo import ARCHITECTURES

BASELINE = "baseline"
#: Version of the rows a task stores (2: per-subject test accuracies, ``subject_bacc``).
ROWS_VERSION = 2


@dataclass
class SweepSetup:
    """Everything the tasks share; written once to disk so worker processes can read it."""

    data: TrainData
    folds: list[Fold]
    seeds: list[int]
    arch: str
    config: TrainConfig
    targets: alignment.AlignmentTargets
    arch_kwargs: dict[str, Any] | None = None
    threads: int = 2

    def context(self) -> str:
        """Hash of the shared inputs and of the code's versions: part of every task key."""
        t = {f: getattr(self.targets, f).numpy().round(6).tobytes().hex()[:64]
             for f in ("category_vectors", "v_positions", "sentence_embeddings", "arousal")}
        # the thread count changes the numbers (summation order); 2, the book's, keeps the keys it always had
        threads = [] if self.threads == 2 else [f"threads={self.threads}"]
        return io.stable_hash(self.data.fingerprint(), [f.as_dict() for f in self.folds], self.seeds,
                              self.arch, self.config.key(), self.arch_kwargs, t, ENGINE_VERSION,
                              ARCHITECTURES[self.arch].version, numerics.fingerprint(), ROWS_VERSION, *threads)


def save_setup(setup: SweepSetup, path: Path) -> Path:
    """Pickle the setup atomically (the tasks' shared input)."""
    with io.atomic_write(path, "wb") as fh:
        pickle.dump(setup, fh)
    return path


@functools.lru_cache(maxsize=2)
def _load_setup(path: str) -> SweepSetup:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def make_tasks(setup: SweepSetup, strategies: Sequence[str],
               weights: Sequence[float] | Mapping[str, Sequence[float]] | None = None) -> list[sweep.Task]:
    """The baseline (weight 0) and every (strategy, weight); each covers every fold and seed.

    ``weights``: one grid for every strategy, a grid per strategy (a mapping; e.g. chapter 7's
    scaled fixed weight of each loss with the chosen arm's grid; repeated weights run once), or
    ``None`` for each strategy's own grid.

    A strategy's tasks carry its :func:`vaxis.decoding.alignment.aux_key` (name, version,
    parameters) in their context: bumping a strategy's version redoes its tasks only.
    """
    unknown = [s for s in strategies if s not in alignment.STRATEGIES]
    if unknown:
        raise VaxisInputError(f"Unknown strategies {unknown}; known: {sorted(alignment.STRATEGIES)}.")
    if len(set(strategies)) != len(strategies):
        raise VaxisInputError("strategies must be distinct.")
    ctx = setup.context()
    tasks = [sweep.Task(BASELINE, {"weight": 0.0}, ctx)]
    for name in strategies:
        grid = (weights.get(name, ()) if isinstance(weights, Mapping) else weights) if weights is not None \
            else alignment.get(name).weights
        grid = list(dict.fromkeys(float(w) for w in grid))
        if not len(grid) or any(w <= 0 for w in grid):
            raise VaxisInputError(f"weights for {name} must be positive numbers, got {list(grid)}.")
        key = io.stable_hash(ctx, alignment.aux_key(name))
        tasks += [sweep.Task(name, {"weight": float(w)}, key) for w in grid]
    return tasks


def run_task(setup_path: str, task: sweep.Task) -> list[dict[str, Any]]:
    """Train one (strategy, weight) on every fold and seed; one row per (fold, seed).

    Each row holds the validation and test balanced accuracy of the unit and ``subject_bacc``,
    the balanced accuracy of each held-out test subject (``{subject: value}``): the unit of the
    paired tests is the subject, not the (fold, seed).
    """
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
        test = unit.test_trials
        pred, y, subj = unit.proba[test].argmax(1), setup.data.trial_label[test], setup.data.trial_subject[test]
        rows.append({"fold": unit.fold, "seed": unit.seed,
                     "val_bacc": stats.balanced_accuracy(setup.data.trial_label[val_trials], val_pred),
                     "test_bacc": unit.metrics["balanced_accuracy"],
                     "subject_bacc": {str(s): stats.balanced_accuracy(y[subj == s], pred[subj == s])
                                      for s in dict.fromkeys(subj.tolist())},
                     "best_epoch": unit.metrics.get("best_epoch")})
    return rows


def run_sweep(setup: SweepSetup, strategies: Sequence[str], store_dir: Path, backend: str = "loky",
              n_jobs: int = 1, weights: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
              progress: bool = True) -> pd.DataFrame:
    """Run (or resume) the sweep; returns one row per (task, seed)."""
    store = sweep.ResultStore(store_dir)
    path = save_setup(setup, Path(store_dir) / f"setup-{setup.context()}.pkl")
    tasks = make_tasks(setup, strategies, weights)
    return sweep.run(tasks, functools.partial(run_task, str(path)), store, backend=backend, n_jobs=n_jobs,
                     progress=progress, desc="saturation sweep")
