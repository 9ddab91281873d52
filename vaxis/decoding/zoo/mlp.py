"""Two-hidden-layer perceptron on the flattened DE features (as in FACED's DE + MLP baseline).

The same function as scikit-learn's ``MLPClassifier(hidden_layer_sizes=(64, 32))`` (ReLU, softmax
output) on ``x.flatten(1)``, the features electrode by electrode: with the weights copied across,
the same class probabilities within 3e-8 (``tests/test_zoo_reference.py``).
"""

from __future__ import annotations

import torch
from torch import nn

from ._base import ZooModel


class MLP(ZooModel):
    """``vec(x) -> Linear(hidden) -> ReLU -> Linear(embed) -> ReLU = z -> Linear(n_outputs)``.

    Parameters
    ----------
    n_chans, n_bands, n_outputs : int
    hidden : int
        Width of the first hidden layer.
    embed : int
        Width of the second hidden layer (the penultimate representation).
    """

    name = "mlp"
    stacking = "dense"

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int, hidden: int = 64, embed: int = 32) -> None:
        super().__init__(n_chans, n_bands, n_outputs)
        self.body = nn.Sequential(nn.Linear(n_chans * n_bands, hidden), nn.ReLU(),
                                  nn.Linear(hidden, embed), nn.ReLU())
        self.head = nn.Linear(embed, n_outputs)
        self.embed_dim = embed

    def dense_layers(self) -> list[tuple[str, str]]:
        return [("body.0.weight", "body.0.bias"), ("body.2.weight", "body.2.bias"), ("head.weight", "head.bias")]

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        return self.body(x.flatten(1))
