"""Multinomial logistic regression on the flattened DE features (the linear baseline)."""

from __future__ import annotations

import torch
from torch import nn

from ._base import ZooModel


class LogisticRegression(ZooModel):
    """Softmax regression: ``logits = W vec(x) + b``.

    It has no hidden layer, so its "penultimate representation" is its only learned
    representation: the ``n_outputs`` logits themselves (``embed_dim = n_outputs``). (The other
    choice, the input features, would be the same for trained and untrained models.)

    Parameters
    ----------
    n_chans, n_bands, n_outputs : int
    """

    name = "logreg"
    stacking = "dense"

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int) -> None:
        super().__init__(n_chans, n_bands, n_outputs)
        self.linear = nn.Linear(n_chans * n_bands, n_outputs)
        self.embed_dim = n_outputs

    def dense_layers(self) -> list[tuple[str, str]]:
        return [("linear.weight", "linear.bias")]

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        return self.linear(x.flatten(1))

    def classify(self, z: torch.Tensor) -> torch.Tensor:
        return z
