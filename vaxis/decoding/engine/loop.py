"""The loop stack: R replicas trained one after another, each an ``nn.Module`` with ``torch.optim.AdamW``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch.func import functional_call

from ..zoo import ZooModel
from .config import AuxLoss, TrainConfig
from .optim import adamw_optimizer


def plain_step(model: ZooModel, opt: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
                rows: torch.Tensor, aux_loss: AuxLoss | None, aux_weight: float) -> None:
    """One optimiser step of one model on minibatch ``rows``: cross-entropy (+ weighted auxiliary loss)."""
    opt.zero_grad(set_to_none=True)
    logits, z = model(X[rows], return_embedding=True)
    loss = torch.nn.functional.cross_entropy(logits, y[rows])
    if aux_loss is not None and aux_weight != 0.0:
        loss = loss + aux_weight * aux_loss(z, logits, y[rows], rows)
    loss.backward()
    opt.step()


class LoopStack:
    """R replicas trained one after another: each an ``nn.Module`` with ``torch.optim.AdamW``.

    For architectures without a stacked forward pass (``stacking = "loop"``, the default of
    :class:`vaxis.decoding.zoo.ZooModel`), and the reference the other stacks are tested against. It
    offers the :class:`~vaxis.decoding.engine.stacks.ReplicaStack` interface, so caching,
    resumption, early stopping and evaluation are shared; ``params`` is a stacked *copy* of the
    current weights. A replica whose early stopping has run out of patience (:meth:`freeze`) is no
    longer updated: its kept weights are fixed anyway. With one replica this is the plain loop
    (:func:`vaxis.decoding.engine.plain.train_plain`), bit for bit.
    """

    def __init__(self, models: list[ZooModel]) -> None:
        self.models = models
        self.R = len(models)
        self.names = [k for k, _ in models[0].named_parameters()]
        self.frozen = np.zeros(self.R, dtype=bool)
        self._opts: list[torch.optim.Optimizer] | None = None

    def freeze(self, stopped: np.ndarray) -> None:
        """Stop updating the replicas marked in ``stopped`` (R,) bool."""
        self.frozen = np.asarray(stopped, dtype=bool).copy()

    @property
    def params(self) -> dict[str, torch.Tensor]:
        per_model = [dict(m.named_parameters()) for m in self.models]
        return {k: torch.stack([d[k].detach() for d in per_model]) for k in self.names}

    def train_step(self, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica that is not frozen, on its minibatch rows ``ib[r]``."""
        if self._opts is None:
            self._opts = [adamw_optimizer(m, config) for m in self.models]
        for r, (model, opt) in enumerate(zip(self.models, self._opts)):
            if self.frozen[r]:
                continue
            plain_step(model, opt, X, y, ib[r], aux_loss, aux_weight)

    def _each(self, params: dict[str, torch.Tensor] | None, inputs: Callable[[int], torch.Tensor]):
        outs = []
        for r, model in enumerate(self.models):
            if params is None:
                outs.append(model(inputs(r), return_embedding=True))
            else:
                outs.append(functional_call(model, {k: v[r] for k, v in params.items()}, (inputs(r),),
                                            {"return_embedding": True}))
        return torch.stack([o[0] for o in outs]), torch.stack([o[1] for o in outs])

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n) (each replica its own rows)."""
        return self._each(params, lambda r: X[rows[r]])

    def run_shared(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of the same rows x for every replica."""
        return self._each(params, lambda r: x)
