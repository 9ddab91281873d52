"""Multinomial logistic regression on the flattened DE features (the linear baseline).

The same function as scikit-learn's multinomial ``LogisticRegression`` on ``x.flatten(1)``: with
its ``coef_`` and ``intercept_`` copied across, the same class probabilities within 3e-7
(``tests/test_zoo_reference.py``). Ours is trained by the zoo's engine (minibatch AdamW, early
stopping), not by scikit-learn's full-batch L-BFGS with its L2 penalty.
"""

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
