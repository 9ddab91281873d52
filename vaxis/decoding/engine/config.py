"""Training hyper-parameters shared by every unit of a job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

from ..._checks import VaxisInputError

#: The auxiliary-loss hook ``f(z, logits, y, idx) -> 0-d tensor`` (contract: :mod:`vaxis.decoding.engine`).
AuxLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class TrainConfig:
    """Training hyper-parameters shared by every unit of a job.

    Parameters
    ----------
    max_epochs : int
        Upper bound on epochs; 0 evaluates the untrained initial networks.
    batch_size : int
        Windows per minibatch and replica.
    lr, weight_decay : float
        AdamW learning rate and decoupled weight decay.
    patience : int
        Epochs without a lower validation loss before a replica stops.
    window_stride : int
        Use every ``window_stride``-th window of each trial (1: all) for training, validation and
        the trial means of the evaluation.
    max_replicas : int
        Replicas stacked in one chunk (memory bound; also the unit of resumption).
    eval_batch : int
        Rows x replicas per forward pass during validation and evaluation (memory bound).
    """

    max_epochs: int = 20
    batch_size: int = 256
    lr: float = 3e-3
    weight_decay: float = 1e-4
    patience: int = 3
    window_stride: int = 1
    max_replicas: int = 64
    eval_batch: int = 16384

    def __post_init__(self) -> None:
        for name in ("batch_size", "patience", "window_stride", "max_replicas", "eval_batch"):
            if int(getattr(self, name)) < 1:
                raise VaxisInputError(f"TrainConfig.{name}={getattr(self, name)} must be >= 1.")
        if self.max_epochs < 0 or self.lr <= 0 or self.weight_decay < 0:
            raise VaxisInputError("TrainConfig needs max_epochs >= 0, lr > 0, weight_decay >= 0.")

    def key(self) -> dict[str, Any]:
        """The fields that change results (``max_replicas`` and ``eval_batch`` do not)."""
        d = asdict(self)
        d.pop("max_replicas"), d.pop("eval_batch")
        return d
