"""What a training job leaves behind, on disk and in memory, and the keys that name it in the cache.

Cache keys (:func:`unit_key`) are built from explicit version constants, never from source text:
:data:`ENGINE_VERSION` here and each architecture's ``version`` (:class:`vaxis.decoding.zoo.ZooModel`).
Bump :data:`ENGINE_VERSION` when the engine's arithmetic changes -- what a unit's numbers are for
the same inputs: minibatch order, optimiser, early stopping, evaluation -- and nothing else
(docstrings, renames and refactoring that keeps results bit-identical leave the cache valid).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import io, numerics, stats
from ..folds import Fold, fold_signature
from ..zoo import ARCHITECTURES
from .config import TrainConfig
from .data import TrainData

#: Version of the training protocol; part of every cache key (bump when the arithmetic changes).
#: 2: DenseStack for the perceptron family; 3: LoopStack where vmap does not pay; 4: fused AdamW.
ENGINE_VERSION = 4


@dataclass
class UnitResult:
    """What one trained (architecture, seed, fold) leaves behind.

    Attributes
    ----------
    arch : str
    seed, fold : int
    metrics : dict
        ``balanced_accuracy`` (held-out trials, window-averaged probabilities),
        ``window_balanced_accuracy``, ``best_epoch``, ``epochs_run``, ``best_val_loss``.
    z : ndarray, shape (n_trials, embed_dim), float32
        Penultimate representation of every trial (mean over its windows), all subjects.
    proba : ndarray, shape (n_trials, n_classes), float32
        Mean window softmax of every trial.
    test_trials : ndarray of int
        Trials of the fold's held-out subjects.
    val_history : ndarray, shape (epochs_run,)
        Validation loss after each epoch.
    """

    arch: str
    seed: int
    fold: int
    metrics: dict[str, float]
    z: np.ndarray
    proba: np.ndarray
    test_trials: np.ndarray
    val_history: np.ndarray

    def save(self, path: Path) -> None:
        io.save_npz(path, z=self.z, proba=self.proba, test_trials=self.test_trials,
                    val_history=self.val_history,
                    meta=np.asarray(json.dumps({"arch": self.arch, "seed": self.seed, "fold": self.fold,
                                                   "metrics": self.metrics})))

    @classmethod
    def load(cls, path: Path) -> UnitResult:
        a = io.load_npz(path)
        meta = json.loads(str(a["meta"]))
        return cls(meta["arch"], int(meta["seed"]), int(meta["fold"]), meta["metrics"], a["z"], a["proba"],
                   a["test_trials"], a["val_history"])


@dataclass
class TrainResults:
    """All units of a job, in (arch, seed, fold) order, with the data they were trained on."""

    units: list[UnitResult]
    data: TrainData
    folds: list[Fold]
    trained: int = 0  # units trained by this call (the rest came from the cache)

    def table(self) -> pd.DataFrame:
        """One row per unit: arch, seed, fold and its metrics."""
        return pd.DataFrame([{"arch": u.arch, "seed": u.seed, "fold": u.fold, **u.metrics} for u in self.units])

    def get(self, arch: str, seed: int, fold: int) -> UnitResult:
        for u in self.units:
            if (u.arch, u.seed, u.fold) == (arch, seed, fold):
                return u
        raise KeyError((arch, seed, fold))


def unit_result(arch: str, seed: int, fold: Fold, data: TrainData, z: np.ndarray, proba: np.ndarray,
                pred: np.ndarray, best_epoch: int, stopped_at: int, best_loss: float,
                history: np.ndarray) -> UnitResult:
    """A :class:`UnitResult` with its metrics: trial-level and window-level balanced accuracy of the
    fold's test subjects (``pred`` -1 marks windows skipped by the stride)."""
    _, _, te_rows = data.fold_rows(fold)
    te_rows = te_rows[pred[te_rows] >= 0]
    test_trials = data.fold_trials(fold)[2]
    metrics = {
        "balanced_accuracy": stats.balanced_accuracy(data.trial_label[test_trials], proba[test_trials].argmax(1)),
        "window_balanced_accuracy": stats.balanced_accuracy(data.y[te_rows], pred[te_rows]),
        "best_epoch": int(best_epoch), "epochs_run": int(stopped_at), "best_val_loss": float(best_loss),
    }
    return UnitResult(arch, int(seed), fold.index, metrics, z.astype(np.float32), proba.astype(np.float32),
                      test_trials, np.asarray(history, dtype=np.float32))


def unit_key(arch: str, data: TrainData, folds: Sequence[Fold], config: TrainConfig,
             arch_kwargs: dict[str, Any] | None, aux_key: str | None, aux_weight: float) -> str:
    """Cache key of every unit of a job (seed and fold are in the file name).

    Versions (:data:`ENGINE_VERSION`, the architecture's ``version``) stand for the code; the rest
    are the job's inputs, and the numerics mode the numbers were computed in.
    """
    return io.stable_hash(ENGINE_VERSION, arch, ARCHITECTURES[arch].version, arch_kwargs or {}, data.fingerprint(),
                          fold_signature(folds), config.key(), aux_key, float(aux_weight), numerics.fingerprint())


def unit_path(folder: Path, arch: str, seed: int, fold: int, key: str) -> Path:
    """File of one cached unit."""
    return folder / f"{arch}-seed{seed}-fold{fold}-{key}.npz"
