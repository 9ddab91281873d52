"""The one interface of "a stack of replicas", and which stack each architecture trains in.

The training loop (:mod:`vaxis.decoding.engine.train`) only ever talks to a :class:`ReplicaStack`;
it never asks which kind it has. An architecture names its kind in its ``stacking`` attribute
(:class:`vaxis.decoding.zoo.ZooModel`), a key of :data:`STACKS`. A new way of stacking replicas is
one class with these five members and one entry in :data:`STACKS`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch

from ..._checks import VaxisInputError
from ..zoo import ZooModel
from .config import AuxLoss, TrainConfig
from .batched import BatchedStack
from .dense import DenseStack
from .loop import LoopStack

__all__ = ["STACKS", "AuxLoss", "BatchedStack", "DenseStack", "LoopStack", "ReplicaStack", "make_stack"]


class ReplicaStack(Protocol):
    """R replicas of one architecture, trained together.

    Attributes
    ----------
    R : int
        Number of replicas.
    params : dict of str -> Tensor
        The current weights, stacked: each ``(R, *shape)`` (detached; a copy or a view).
    """

    R: int

    @property
    def params(self) -> dict[str, torch.Tensor]: ...

    def train_step(self, X: torch.Tensor, y: torch.Tensor, rows: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica on its own minibatch ``rows[r]`` (``rows``: (R, B))."""

    def freeze(self, stopped: np.ndarray) -> None:
        """Replicas (R,) bool whose early stopping ran out of patience; updating them is optional."""

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor,
                     params: dict[str, torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n), each replica its own rows."""

    def run_shared(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of the same inputs ``x`` (n, C, F) for every replica."""


#: Kinds of stack, by the name an architecture gives in ``stacking``.
STACKS: dict[str, type] = {"dense": DenseStack, "batched": BatchedStack, "loop": LoopStack}


def make_stack(models: list[ZooModel]) -> ReplicaStack:
    """The stack its architecture asks for (``models``: replicas of one architecture)."""
    kind = type(models[0]).stacking
    if kind not in STACKS:
        raise VaxisInputError(f"{type(models[0]).__name__}.stacking={kind!r} is not a stack; "
                              f"use one of {sorted(STACKS)}.")
    return STACKS[kind](models)
