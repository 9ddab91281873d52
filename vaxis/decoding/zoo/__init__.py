"""The classifier zoo: six architectures on DE features, swappable by name.

Every model takes ``(n_chans, n_bands, n_outputs, **sizes)``, reads DE features shaped
``(batch, n_chans, n_bands)``, returns logits from ``forward`` and its penultimate representation
from ``embed`` (see :class:`~vaxis.zoo._base.ZooModel`).

============  =========================================================  ==================
name          architecture                                               penultimate dim
============  =========================================================  ==================
logreg        multinomial logistic regression                            n_outputs (logits)
mlp           two hidden layers                                          ``embed`` (32)
dgcnn         Chebyshev graph conv over a learned electrode adjacency     ``embed`` (32)
eegnet        spectral conv -> depthwise spatial conv -> pointwise        ``embed`` (32)
transformer   self-attention over electrode tokens, concatenated        ``embed`` (32)
gridcnn       CNN on the 9 x 9 scalp grid, bands as input channels       ``embed`` (32)
============  =========================================================  ==================

Each model file says how the architecture compares with the field's reference implementation
(braindecode, TorchEEG, PyTorch, scikit-learn) and why it differs; ``tests/test_zoo_reference.py``
copies weights across and checks that both compute the same function.
"""

from __future__ import annotations

from typing import Any

import torch

from ..._checks import check_option
from ._base import ZooModel
from .dgcnn import DGCNN
from .eegnet import EEGNetDE
from .gridcnn import ScalpGridCNN
from .logreg import LogisticRegression
from .mlp import MLP
from .transformer import ChannelTransformer

#: Registry: name -> model class, in the order the chapters list them. Adding an architecture is one
#: new file (a :class:`ZooModel` subclass with its ``name``, and ``stacking``/``version`` if not the
#: defaults) and its class in this tuple.
ARCHITECTURES: dict[str, type[ZooModel]] = {
    cls.name: cls for cls in (LogisticRegression, MLP, DGCNN, EEGNetDE, ChannelTransformer, ScalpGridCNN)
}


def build(name: str, n_chans: int, n_bands: int, n_outputs: int, seed: int | None = None,
          **kwargs: Any) -> ZooModel:
    """Instantiate architecture ``name``; with ``seed``, its initial weights depend on it alone.

    The global torch random state is left untouched (the initialisation runs in a forked RNG).
    """
    check_option("architecture", name, ARCHITECTURES)
    if seed is None:
        return ARCHITECTURES[name](n_chans, n_bands, n_outputs, **kwargs)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return ARCHITECTURES[name](n_chans, n_bands, n_outputs, **kwargs)


__all__ = ["ARCHITECTURES", "ZooModel", "build", "LogisticRegression", "MLP", "DGCNN", "EEGNetDE",
           "ChannelTransformer", "ScalpGridCNN"]
