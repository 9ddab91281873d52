"""The base class every architecture of the zoo derives from (braindecode-style API)."""

from __future__ import annotations

import torch
from torch import nn

from ..._checks import VaxisInputError


class ZooModel(nn.Module):
    """A classifier of DE features with an exposed penultimate representation.

    All architectures share the constructor signature ``(n_chans, n_bands, n_outputs, **kwargs)``
    (keyword arguments set the sizes and have defaults), so they can be swapped by name
    (:func:`vaxis.zoo.build`).

    Input ``x``: DE features, shape ``(batch, n_chans, n_bands)``, float32, z-scored per subject.
    :meth:`embed` returns the penultimate representation ``z`` of shape ``(batch, embed_dim)``;
    :meth:`forward` returns the logits ``(batch, n_outputs)`` (and ``z`` with
    ``return_embedding=True``). No layer keeps running statistics (no BatchNorm) and no layer is
    random at training time, so a model is a pure function of its parameters and input: the
    training engine can stack many of them with :func:`torch.func.functional_call` and ``vmap``.
    """

    #: Name in the registry (set by subclasses).
    name: str = ""
    #: How the training engine trains replicas of this architecture together (the one engine hint,
    #: a key of :data:`vaxis.decoding.engine.stacks.STACKS`): ``"loop"`` one after another (any
    #: architecture), ``"batched"`` as one network through :meth:`forward_stacked` (needs it),
    #: ``"dense"`` the hand-written batched perceptron pass (needs :meth:`dense_layers`).
    stacking: str = "loop"
    #: Version of the architecture's arithmetic, part of the cache key of every network trained
    #: with it. Bump it when the same weights or seed would give other numbers (layers, sizes,
    #: initialisation, forward pass); not for docstrings or refactoring that keeps the numbers.
    version: int = 1

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int) -> None:
        super().__init__()
        for arg, v in (("n_chans", n_chans), ("n_bands", n_bands), ("n_outputs", n_outputs)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise VaxisInputError(f"{arg} must be a positive int, got {v!r}.")
        if n_outputs < 2:
            raise VaxisInputError(f"n_outputs={n_outputs}: a classifier needs at least 2 classes.")
        self.n_chans, self.n_bands, self.n_outputs = n_chans, n_bands, n_outputs
        self.embed_dim: int = 0

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 3 or tuple(x.shape[1:]) != (self.n_chans, self.n_bands):
            raise VaxisInputError(
                f"{type(self).__name__} expects x of shape (batch, {self.n_chans}, {self.n_bands}), "
                f"got {tuple(x.shape)}.")

    def dense_layers(self) -> list[tuple[str, str]] | None:
        """``(weight, bias)`` parameter names of a plain ReLU perceptron, or ``None``.

        An architecture that is exactly ``vec(x) -> [Linear -> ReLU]* -> Linear = logits``, with
        ``z`` the output of the last ReLU (or the logits when there is no hidden layer), returns its
        layers in order and sets ``stacking = "dense"``; the training engine then trains its
        replicas with a hand-written batched forward/backward pass
        (:class:`vaxis.decoding.engine.dense.DenseStack`).
        """
        return None

    @classmethod
    def has_stacked_forward(cls) -> bool:
        """Whether the architecture writes :meth:`forward_stacked` (``stacking = "batched"`` needs it)."""
        return cls.forward_stacked is not ZooModel.forward_stacked

    def forward_stacked(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The forward pass of R replicas at once: logits (R, n, n_outputs) and z (R, n, embed_dim).

        ``params``: every parameter of :meth:`named_parameters`, stacked, ``(R, *shape)``; ``x``:
        ``(R, n, n_chans, n_bands)``, replica r's own inputs (possibly an expanded view). Buffers
        come from ``self``. The same arithmetic as :meth:`forward` of each replica, written with
        batched matrix products, ``einsum`` or grouped convolutions (``tests/test_engine.py`` checks
        it against :meth:`forward`). Optional: an architecture without it trains with
        ``stacking = "loop"``.
        """
        raise NotImplementedError(f"{type(self).__name__} has no stacked forward pass.")

    def embed(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Penultimate representation, shape (batch, embed_dim)."""
        raise NotImplementedError

    def classify(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (batch, n_outputs) from the penultimate representation."""
        return self.head(z)

    def forward(self, x: torch.Tensor, return_embedding: bool = False):
        z = self.embed(x)
        logits = self.classify(z)
        return (logits, z) if return_embedding else logits


def stacked_linear(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``nn.Linear`` of R replicas: h (R, ..., in), weight (R, out, in), bias (R, out) -> (R, ..., out)."""
    R, out = bias.shape
    flat = h.reshape(R, -1, h.shape[-1])
    return torch.baddbmm(bias.unsqueeze(1), flat, weight.transpose(1, 2)).view(*h.shape[:-1], out)


def stacked_layer_norm(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """``nn.LayerNorm`` over the last axis of R replicas: h (R, ..., d), weight and bias (R, d)."""
    shape = (h.shape[0],) + (1,) * (h.ndim - 2) + (h.shape[-1],)
    return torch.nn.functional.layer_norm(h, h.shape[-1:], eps=eps) * weight.view(shape) + bias.view(shape)
