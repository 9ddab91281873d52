"""The reference every stack is measured against: one model, a plain PyTorch training loop."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from ..folds import Fold, check_training_inputs
from ..zoo import build
from .config import AuxLoss, TrainConfig
from .data import TrainData
from .loop import LoopStack, plain_step
from .optim import adamw_optimizer
from .results import UnitResult, unit_result
from .job import epoch_batches, evaluate_stack


def train_plain(arch: str, data: TrainData, fold: Fold, seed: int, config: TrainConfig = TrainConfig(),
                arch_kwargs: dict[str, Any] | None = None, aux_loss: AuxLoss | None = None,
                aux_weight: float = 0.0) -> UnitResult:
    """The reference: one model, a plain PyTorch loop with ``torch.optim.AdamW`` (no stacking, no cache).

    Same initial weights, minibatches, optimiser arithmetic and early stopping as :func:`train`
    (when the folds' training sets differ in size, a stacked job gives every replica the step count
    of the largest and the plain loop takes its own, so the two then differ by a few steps);
    ``aux_loss`` (same contract, called on the one model's minibatch) is added with ``aux_weight``.
    Used by the tests (stacked == sequential) and by ``benchmarks/`` (the plain way).
    """
    check_training_inputs(data.X, data.y, data.subject, [fold], len(data.classes))
    n_chans, n_bands = data.X.shape[1:]
    model = build(arch, n_chans, n_bands, len(data.classes), seed=seed, **(arch_kwargs or {}))
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    tr, va = data.strided_rows(fold, config.window_stride)
    rng = np.random.default_rng([seed, fold.index, 1])
    opt = adamw_optimizer(model, config)
    best_state = copy.deepcopy(model.state_dict())
    best_loss, best_epoch, bad, stopped, history = float("inf"), 0, 0, config.max_epochs, []
    for epoch in range(1, config.max_epochs + 1):
        batches = torch.as_tensor(epoch_batches([rng], [tr], config.batch_size)[0])
        for ib in batches:
            plain_step(model, opt, X, y, ib, aux_loss, aux_weight)
        if va.size == 0:
            best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch
            continue
        with torch.no_grad():
            total = sum(torch.nn.functional.cross_entropy(model(X[va[a:a + config.eval_batch]]),
                                                          y[va[a:a + config.eval_batch]], reduction="sum")
                        for a in range(0, va.size, config.eval_batch))
        val = float(total) / va.size
        history.append(val)
        if val < best_loss:
            best_loss, best_epoch, bad = val, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad += 1
            if bad >= config.patience:
                stopped = epoch
                break
    model.load_state_dict(best_state)
    stack = LoopStack([model])
    z, proba, pred = evaluate_stack(stack, stack.params, data, X, config.eval_batch, config.window_stride)
    return unit_result(arch, seed, fold, data, z[0], proba[0], pred[0], best_epoch,
                        stopped if va.size else config.max_epochs, best_loss, np.asarray(history))
