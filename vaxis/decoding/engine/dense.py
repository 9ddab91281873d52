"""The perceptron stack: R replicas of a ReLU perceptron trained with a hand-written batched pass."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.func import vmap

from ..._checks import VaxisInputError
from ..zoo import ZooModel
from .config import AuxLoss, TrainConfig
from .optim import adamw_tensor_


class DenseStack:
    """R replicas of a ReLU perceptron (logistic regression, MLP) with a hand-written batched pass.

    For architectures whose :meth:`~vaxis.zoo.ZooModel.dense_layers` is not ``None``. All
    parameters of all replicas live in one flat tensor (``params`` holds contiguous views of it with
    the shapes of :func:`torch.func.stack_module_state`), and so do their gradients and AdamW
    moments. One training step is a few batched matrix products (``baddbmm``/``bmm``, no input
    gradient for the first layer), the softmax-cross-entropy gradient written out, and one AdamW
    update of the flat tensors: about 25 tensor operations for all replicas, where ``vmap`` +
    autograd + a per-parameter optimiser dispatch several hundred. Same arithmetic as the plain
    loop (:class:`~vaxis.decoding.engine.loop.LoopStack`) up to float32 summation order. An
    auxiliary loss is differentiated with autograd (under ``vmap``) with respect to ``z`` and the
    logits only, and its gradient joins the hand-written backward pass there.
    """

    def __init__(self, models: list[ZooModel]) -> None:
        layers = models[0].dense_layers()
        if not layers:
            raise VaxisInputError(f"{type(models[0]).__name__} is not a dense architecture.")
        self.R = len(models)
        named = [dict(m.named_parameters()) for m in models]
        self.names = [n for pair in layers for n in pair]
        shapes = [tuple(named[0][n].shape) for n in self.names]
        # parameter-major layout: each parameter's (R, *shape) block is contiguous (batched matrix
        # products on a strided view of an (R, P) layout fall off the fast GEMM path)
        self.flat = torch.cat([torch.stack([d[n].detach() for d in named]).reshape(-1) for n in self.names])
        self.grad = torch.zeros_like(self.flat)
        self.m, self.v = torch.zeros_like(self.flat), torch.zeros_like(self.flat)
        self.params: dict[str, torch.Tensor] = {}
        self.grads: dict[str, torch.Tensor] = {}
        offset = 0
        for n, shape in zip(self.names, shapes):
            size = self.R * math.prod(shape)
            self.params[n] = self.flat[offset:offset + size].view(self.R, *shape)
            self.grads[n] = self.grad[offset:offset + size].view(self.R, *shape)
            offset += size
        self.layers = layers
        self._aux: dict[int, Callable[..., torch.Tensor]] = {}

    def freeze(self, stopped: np.ndarray) -> None:
        """Nothing to do: stopped replicas keep being updated (it costs nothing in a batched step);
        the training loop keeps their best weights fixed."""

    def _weights(self, params: dict[str, torch.Tensor] | None) -> list[tuple[torch.Tensor, torch.Tensor]]:
        p = self.params if params is None else params
        return [(p[w], p[b]) for w, b in self.layers]

    def _forward(self, x: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """x (R, n, F) or (n, F) -> logits (R, n, K) and z (R, n, D)."""
        h = x
        weights = self._weights(params)
        for i, (w, b) in enumerate(weights):
            a = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2)) if h.ndim == 3 else \
                torch.matmul(h, w.transpose(1, 2)).add_(b.unsqueeze(1))
            if i < len(weights) - 1:
                h = a.clamp_min(0)
        return a, (h if len(weights) > 1 else a)

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n) (each replica its own rows)."""
        return self._forward(X[rows].flatten(2), params)

    def run_shared(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of the same rows x (n, C, F) for every replica."""
        return self._forward(x.flatten(1), params)

    def _aux_grads(self, z, logits, y, ib, aux_loss, aux_weight) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Gradients of ``aux_weight * aux_loss`` (summed over replicas) w.r.t. z and the logits."""
        key = id(aux_loss)
        if key not in self._aux:
            self._aux[key] = vmap(aux_loss, in_dims=(0, 0, 0, 0), randomness="different")
        if z is logits:  # logistic regression: z is the logits
            leaf = logits.detach().requires_grad_()
            (g,) = torch.autograd.grad(self._aux[key](leaf, leaf, y, ib).sum() * aux_weight, leaf)
            return None, g
        zl, ll = z.detach().requires_grad_(), logits.detach().requires_grad_()
        gz, gl = torch.autograd.grad(self._aux[key](zl, ll, y, ib).sum() * aux_weight, (zl, ll), allow_unused=True)
        return (gz if gz is not None else torch.zeros_like(zl)), (gl if gl is not None else torch.zeros_like(ll))

    def _workspace(self, X: torch.Tensor, B: int) -> dict[str, Any]:
        """Buffers of one training step, allocated once per (data, batch size) and reused."""
        key = (X.data_ptr(), tuple(X.shape), B)
        if getattr(self, "_ws_key", None) != key:
            widths = [self.params[w].shape[1] for w, _ in self.layers]
            self._ws = {"X": X.reshape(X.shape[0], -1).contiguous(),
                        "x": torch.empty(self.R * B, X[0].numel()),
                        "act": [torch.empty(self.R, B, n) for n in widths],
                        "delta": [torch.empty(self.R, B, n) for n in widths[:-1]],
                        "minus_one": torch.full((self.R, B, 1), -1.0)}
            self._ws_key = key
        return self._ws

    def train_step(self, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica on its minibatch rows ``ib`` (R, B).

        Every intermediate lives in a preallocated buffer (``out=`` and in-place operations), the
        ReLU is applied in place and its gradient taken from its output (``threshold_backward``),
        and the softmax is written out over the small class axis: on 2 cores these halve the step
        time against the allocating form.
        """
        R, B = ib.shape
        ws = self._workspace(X, B)
        act, delta = ws["act"], ws["delta"]
        weights = self._weights(None)
        L = len(weights)
        with torch.no_grad():
            torch.index_select(ws["X"], 0, ib.reshape(-1), out=ws["x"])
            x = ws["x"].view(R, B, -1)
            inputs = [x] + act[:-1]
            for i, (w, b) in enumerate(weights):
                torch.baddbmm(b.unsqueeze(1), inputs[i], w.transpose(1, 2), out=act[i])
                if i < L - 1:
                    act[i].clamp_min_(0)
            logits = act[-1]
            z = act[-2] if L > 1 else logits
            yb = y[ib]
            if aux_loss is not None and aux_weight != 0.0:
                with torch.enable_grad():
                    gz, gl = self._aux_grads(z, logits, yb, ib, aux_loss, aux_weight)
            else:
                gz = gl = None
            d = logits  # d(mean CE)/d logits = (softmax - onehot) / B, computed in place
            d.sub_(d.amax(dim=-1, keepdim=True)).exp_()
            d.div_(d.sum(dim=-1, keepdim=True))
            d.scatter_add_(2, yb.unsqueeze(2), ws["minus_one"])
            d.div_(B)
            if gl is not None:
                d.add_(gl)
            for i in range(L - 1, -1, -1):
                gw, gb = self.grads[self.layers[i][0]], self.grads[self.layers[i][1]]
                torch.bmm(d.transpose(1, 2), inputs[i], out=gw)
                torch.sum(d, dim=1, out=gb)
                if i == 0:
                    break
                torch.bmm(d, weights[i][0], out=delta[i - 1])
                d = delta[i - 1]
                if gz is not None and i == L - 1:
                    d.add_(gz)
                torch.ops.aten.threshold_backward.grad_input(d, act[i - 1], 0.0, grad_input=d)
            adamw_tensor_(self.flat, self.grad, self.m, self.v, step, config.lr, config.weight_decay)
