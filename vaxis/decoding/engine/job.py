"""A training job: every (architecture, seed, fold) unit, stacked, cached and resumable (:func:`train`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ... import io
from ..._checks import VaxisInputError, check_option
from ..folds import Fold, check_training_inputs
from ..zoo import ARCHITECTURES, build
from .config import AuxLoss, TrainConfig
from .data import TrainData
from .results import TrainResults, UnitResult, unit_key, unit_path, unit_result
from .stacks import ReplicaStack, make_stack


def epoch_batches(rngs: list[np.random.Generator], train_rows: list[np.ndarray], batch: int) -> np.ndarray:
    """Minibatch row indices of one epoch: (R, steps, batch)."""
    steps = max(1, math.ceil(max(r.size for r in train_rows) / batch))
    return np.stack([np.resize(rows[rng.permutation(rows.size)], steps * batch).reshape(steps, batch)
                     for rng, rows in zip(rngs, train_rows)])


def train_stack(stack: ReplicaStack, X: torch.Tensor, y: torch.Tensor, train_rows: list[np.ndarray],
                val_rows: list[np.ndarray], rngs: list[np.random.Generator], config: TrainConfig,
                aux_loss: AuxLoss | None, aux_weight: float, tick: Callable[[], None]) -> dict[str, Any]:
    """Train stacked replicas with early stopping; returns best params and histories."""
    R = stack.R
    best = {k: p.detach().clone() for k, p in stack.params.items()}
    best_loss = torch.full((R,), float("inf"))
    best_epoch, bad = np.zeros(R, dtype=int), np.zeros(R, dtype=int)
    stopped_at = np.zeros(R, dtype=int)
    history: list[np.ndarray] = []
    has_val = all(v.size for v in val_rows)
    if has_val:
        vmax = max(v.size for v in val_rows)
        vrows = torch.as_tensor(np.stack([np.resize(v, vmax) for v in val_rows]))
        vmask = torch.as_tensor(np.stack([np.arange(vmax) < v.size for v in val_rows]), dtype=torch.float32)
    step = 0
    for epoch in range(1, config.max_epochs + 1):
        batches = torch.as_tensor(epoch_batches(rngs, train_rows, config.batch_size))
        for s in range(batches.shape[1]):
            step += 1
            stack.train_step(X, y, batches[:, s], step, config, aux_loss, aux_weight)
        tick()
        if not has_val:
            continue
        with torch.no_grad():
            total = torch.zeros(R)
            chunk = max(32, config.eval_batch // R)
            for a in range(0, vmax, chunk):
                rows = vrows[:, a:a + chunk]
                logits, _ = stack.forward_rows(X, rows)
                ce = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y[rows].flatten(), reduction="none")
                total += (ce.view(R, -1) * vmask[:, a:a + chunk]).sum(1)
            val = total / vmask.sum(1)
        history.append(val.numpy().copy())
        improved = val < best_loss
        active = bad < config.patience
        upd = improved & torch.as_tensor(active)
        for k, p in stack.params.items():
            best[k] = torch.where(upd.view(R, *([1] * (p.ndim - 1))), p.detach(), best[k])
        best_loss = torch.where(upd, val, best_loss)
        up = upd.numpy()
        best_epoch[up] = epoch
        bad[up] = 0
        bad[active & ~up] += 1
        stopped_at[active & (bad >= config.patience)] = epoch
        stack.freeze(bad >= config.patience)
        if (bad >= config.patience).all():
            break
    if not has_val:
        best = {k: p.detach().clone() for k, p in stack.params.items()}
        best_epoch[:] = config.max_epochs
    stopped_at[stopped_at == 0] = epoch  # replicas that never ran out of patience ran every epoch
    hist = np.stack(history, axis=1) if history else np.zeros((R, 0))
    return {"params": best, "best_epoch": best_epoch, "stopped_at": stopped_at,
            "best_loss": best_loss.numpy(), "history": hist}


def evaluate_stack(stack: ReplicaStack, params: dict[str, torch.Tensor], data: TrainData, X: torch.Tensor,
                   eval_batch: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trial-mean z (R, T, D), trial-mean softmax (R, T, K) and window predictions (R, N; -1 = skipped)."""
    N, T = X.shape[0], data.n_trials
    trial = torch.as_tensor(data.trial)
    keep = torch.as_tensor(np.flatnonzero(data.window % stride == 0))
    z_sum = proba_sum = None
    pred = torch.full((stack.R, N), -1, dtype=torch.int64)
    chunk = max(32, eval_batch // stack.R)
    with torch.no_grad():
        for a in range(0, keep.numel(), chunk):
            rows = keep[a:a + chunk]
            logits, z = stack.run_shared(params, X[rows])
            if z_sum is None:
                z_sum = torch.zeros(stack.R, T, z.shape[-1])
                proba_sum = torch.zeros(stack.R, T, logits.shape[-1])
            z_sum.index_add_(1, trial[rows], z)
            proba_sum.index_add_(1, trial[rows], torch.softmax(logits, dim=-1))
            pred[:, rows] = logits.argmax(-1)
    counts = torch.bincount(trial[keep], minlength=T).clamp(min=1).to(torch.float32)[None, :, None]
    return (z_sum / counts).numpy(), (proba_sum / counts).numpy(), pred.numpy()


def train(architectures: str | Sequence[str], data: TrainData, folds: Sequence[Fold], seeds: Sequence[int],
          config: TrainConfig = TrainConfig(), *, arch_kwargs: dict[str, dict[str, Any]] | None = None,
          aux_loss: AuxLoss | None = None, aux_weight: float = 0.0, aux_key: str | None = None,
          cache: bool | str | Path = True, progress: bool = True, desc: str = "training") -> TrainResults:
    """Train every (architecture, seed, fold) unit, stacked, cached and resumable.

    Parameters
    ----------
    architectures : str or sequence of str
        Names in :data:`vaxis.decoding.zoo.ARCHITECTURES`.
    data : TrainData
    folds : sequence of Fold
        From :func:`vaxis.decoding.folds.subject_folds`.
    seeds : sequence of int
        Initialisation (and minibatch-order) seeds; one unit per seed and fold.
    config : TrainConfig
    arch_kwargs : dict, optional
        Per-architecture size arguments, e.g. ``{"mlp": {"hidden": 128}}``.
    aux_loss, aux_weight : callable, float
        Auxiliary loss added to the task loss (contract: :mod:`vaxis.decoding.engine`).
    aux_key : str, optional
        A name identifying ``aux_loss`` and its targets in the cache key; required when caching
        with an auxiliary loss.
    cache : bool or path
        ``True``: :func:`vaxis.io.cache_dir` ``("classifiers")``; a path: that folder; ``False``: none.
    progress : bool
        Show one tqdm bar (epochs of all chunks) over the whole job.

    Returns
    -------
    TrainResults
    """
    archs = [architectures] if isinstance(architectures, str) else list(architectures)
    for a in archs:
        check_option("architecture", a, ARCHITECTURES)
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise VaxisInputError(f"seeds must be distinct and non-empty, got {seeds}.")
    folds = list(folds)
    check_training_inputs(data.X, data.y, data.subject, folds, len(data.classes),
                          data.row_clip if any(f.restricts_clips for f in folds) else None)
    if aux_loss is not None and aux_weight != 0.0 and cache is not False and not aux_key:
        raise VaxisInputError("Give aux_key (a name for the auxiliary loss and its targets) to cache its results.")
    if aux_loss is not None and not callable(aux_loss):
        raise VaxisInputError("aux_loss must be callable: aux_loss(z, logits, y, idx) -> scalar tensor.")
    folder = None if cache is False else (io.cache_dir("classifiers") if cache is True else Path(cache))
    arch_kwargs = arch_kwargs or {}

    done: dict[tuple[str, int, int], UnitResult] = {}
    chunks: list[tuple[str, list[tuple[int, Fold]], str]] = []
    for a in archs:
        key = unit_key(a, data, folds, config, arch_kwargs.get(a), aux_key, aux_weight)
        todo = []
        for s in seeds:
            for f in folds:
                path = unit_path(folder, a, s, f.index, key) if folder else None
                if path is not None and path.is_file():
                    done[(a, s, f.index)] = UnitResult.load(path)
                else:
                    todo.append((s, f))
        for i in range(0, len(todo), config.max_replicas):
            chunks.append((a, todo[i:i + config.max_replicas], key))

    from tqdm import tqdm

    per_chunk = max(1, config.max_epochs)
    bar = tqdm(total=per_chunk * len(chunks), desc=desc, unit="epoch", disable=not progress or not chunks)
    X = torch.as_tensor(data.X)
    y = torch.as_tensor(data.y)
    n_trained = 0
    try:
        for a, members, key in chunks:
            bar.set_postfix_str(f"{a} x{len(members)}")
            start = bar.n
            units = _train_chunk(a, arch_kwargs.get(a, {}), data, X, y, members, config, aux_loss, aux_weight,
                                 bar.update)
            bar.update(start + per_chunk - bar.n)
            for u in units:
                if folder is not None:
                    u.save(unit_path(folder, a, u.seed, u.fold, key))
                done[(a, u.seed, u.fold)] = u
                n_trained += 1
    finally:
        bar.close()
    ordered = [done[(a, s, f.index)] for a in archs for s in seeds for f in folds]
    return TrainResults(ordered, data, folds, trained=n_trained)


def _train_chunk(arch: str, kwargs: dict[str, Any], data: TrainData, X: torch.Tensor, y: torch.Tensor,
                 members: list[tuple[int, Fold]], config: TrainConfig, aux_loss: AuxLoss | None,
                 aux_weight: float, tick: Callable[..., Any]) -> list[UnitResult]:
    n_chans, n_bands = data.X.shape[1:]
    models = [build(arch, n_chans, n_bands, len(data.classes), seed=s, **kwargs) for s, _ in members]
    stack = make_stack(models)
    plans = [data.strided_rows(f, config.window_stride) for _, f in members]
    rngs = [np.random.default_rng([s, f.index, 1]) for s, f in members]
    torch.manual_seed(int(io.stable_hash(arch, [(s, f.index) for s, f in members], length=8), 16))
    if config.max_epochs > 0:
        out = train_stack(stack, X, y, [p[0] for p in plans], [p[1] for p in plans], rngs, config, aux_loss,
                           aux_weight, lambda: tick(1))
    else:
        R = len(members)
        out = {"params": {k: p.detach() for k, p in stack.params.items()}, "best_epoch": np.zeros(R, int),
               "stopped_at": np.zeros(R, int), "best_loss": np.full(R, np.nan), "history": np.zeros((R, 0))}
    z, proba, pred = evaluate_stack(stack, out["params"], data, X, config.eval_batch, config.window_stride)
    return [unit_result(arch, s, f, data, z[r], proba[r], pred[r], out["best_epoch"][r], out["stopped_at"][r],
                         out["best_loss"][r], out["history"][r]) for r, (s, f) in enumerate(members)]
