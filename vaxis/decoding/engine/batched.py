"""The batched stack: R replicas of any architecture with a stacked forward pass, trained as one graph.

For convolutional, graph and attention models (``stacking = "batched"``): the architecture writes
its forward pass once more with every weight stacked, ``(R, *shape)``
(:meth:`vaxis.decoding.zoo.ZooModel.forward_stacked`: batched matrix products, ``einsum`` and
grouped convolutions), autograd differentiates it, and one call of PyTorch's fused AdamW kernel
updates every weight of every replica. A training step is then one forward and one backward pass
for all R replicas instead of R small ones, each with its own dispatch, autograd and optimiser
overhead.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import vmap

from ..._checks import VaxisInputError
from ..zoo import ZooModel
from .config import AuxLoss, TrainConfig
from .optim import adamw_tensors_


class BatchedStack:
    """R replicas of one architecture trained as one batched network (:mod:`.batched`).

    ``params`` are the stacked weights, leaf tensors ``(R, *shape)`` (the layout of
    :func:`torch.func.stack_module_state`); buffers (fixed matrices such as a placement or a shift)
    are shared and read from the first replica. The loss of a step is the sum over replicas of each
    replica's mean cross-entropy on its own minibatch (plus ``aux_weight`` times its auxiliary loss),
    so each replica's gradient is its own, as in the plain loop; the arithmetic agrees with the plain
    loop (:class:`~vaxis.decoding.engine.loop.LoopStack`) up to float32 summation order, tested
    against it. Replicas out of patience keep being updated (it costs nothing in a batched step); the
    training loop keeps their best weights fixed, so the result is that of a loop that stopped.
    """

    def __init__(self, models: list[ZooModel]) -> None:
        self.model = models[0]
        if not type(self.model).has_stacked_forward():
            raise VaxisInputError(f"{type(self.model).__name__} has no forward_stacked; use stacking='loop'.")
        self.R = len(models)
        named = [dict(m.named_parameters()) for m in models]
        self.names = list(named[0])
        self.params: dict[str, torch.Tensor] = {
            n: torch.stack([d[n].detach() for d in named]).requires_grad_() for n in self.names}
        self._m = [torch.zeros_like(p) for p in self.params.values()]
        self._v = [torch.zeros_like(p) for p in self.params.values()]
        self._aux: dict[int, object] = {}

    def freeze(self, stopped: np.ndarray) -> None:
        """Nothing to do: stopped replicas keep being updated; the training loop keeps their best weights."""

    def _forward(self, x: torch.Tensor, params: dict[str, torch.Tensor] | None) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.forward_stacked(self.params if params is None else params, x)

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n) (each replica its own rows)."""
        return self._forward(X[rows], params)

    def run_shared(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of the same rows x (n, C, F) for every replica."""
        return self._forward(x.expand(self.R, *x.shape), params)

    def train_step(self, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica on its minibatch rows ``ib`` (R, B)."""
        R, B = ib.shape
        yb = y[ib]
        logits, z = self._forward(X[ib], None)
        # sum over replicas of each replica's mean: d/d logits = (softmax - onehot) / B, as in the plain loop
        loss = torch.nn.functional.cross_entropy(logits.reshape(R * B, -1), yb.reshape(-1), reduction="sum") / B
        if aux_loss is not None and aux_weight != 0.0:
            key = id(aux_loss)
            if key not in self._aux:
                self._aux[key] = vmap(aux_loss, in_dims=(0, 0, 0, 0), randomness="different")
            loss = loss + aux_weight * self._aux[key](z, logits, yb, ib).sum()
        params = list(self.params.values())
        # the fused kernel reads memory in order: a gradient in another layout (the transpose a
        # batched product leaves) must be made contiguous first
        grads = [g.contiguous() for g in torch.autograd.grad(loss, params)]
        adamw_tensors_(params, grads, self._m, self._v, step, config.lr, config.weight_decay)
