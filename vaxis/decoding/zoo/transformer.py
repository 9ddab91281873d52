"""A small transformer over channel tokens: one token per electrode, its DE bands as features."""

from __future__ import annotations

import torch
from torch import nn

from ..._checks import VaxisInputError
from ._base import ZooModel


class ChannelTransformer(ZooModel):
    """Pre-norm transformer encoder over the ``n_chans`` electrode tokens, mean-pooled.

    Token of electrode c: ``Linear(n_bands -> d_model)(x[:, c]) + e_c`` with a learned electrode
    embedding ``e_c``. ``layers`` blocks of multi-head self-attention and a 2x feed-forward layer
    (GELU), each with a residual connection; final LayerNorm; the tokens are concatenated (mean
    pooling would discard which electrode said what, and the spatial pattern is the signal) and a
    dense layer with ReLU gives the penultimate representation (``embed_dim = embed``). Attention is
    written with plain matmuls (the fused kernel has no ``vmap`` batching rule).

    Parameters
    ----------
    n_chans, n_bands, n_outputs : int
    d_model : int
    heads : int
        Must divide ``d_model``.
    layers : int
    embed : int
        Width of the penultimate representation.
    """

    name = "transformer"

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int, d_model: int = 16, heads: int = 2,
                 layers: int = 1, embed: int = 32) -> None:
        super().__init__(n_chans, n_bands, n_outputs)
        if d_model % heads:
            raise VaxisInputError(f"heads={heads} must divide d_model={d_model}.")
        self.heads = heads
        self.tokens = nn.Linear(n_bands, d_model)
        self.position = nn.Parameter(torch.randn(n_chans, d_model) * 0.1)
        self.blocks = nn.ModuleList(
            nn.ModuleDict({"ln1": nn.LayerNorm(d_model), "qkv": nn.Linear(d_model, 3 * d_model),
                           "out": nn.Linear(d_model, d_model), "ln2": nn.LayerNorm(d_model),
                           "ff1": nn.Linear(d_model, 2 * d_model), "ff2": nn.Linear(2 * d_model, d_model)})
            for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.dense = nn.Linear(n_chans * d_model, embed)
        self.head = nn.Linear(embed, n_outputs)
        self.embed_dim = embed

    def _attention(self, block: nn.ModuleDict, h: torch.Tensor) -> torch.Tensor:
        b, c, d = h.shape
        qkv = block["qkv"](block["ln1"](h)).reshape(b, c, 3, self.heads, d // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, heads, C, d_head)
        att = torch.softmax(q @ k.transpose(-1, -2) / (d // self.heads) ** 0.5, dim=-1)
        out = att @ v  # explicit: the fused SDPA kernel has no vmap batching rule (slow fallback)
        return block["out"](out.transpose(1, 2).reshape(b, c, d))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        h = self.tokens(x) + self.position
        for block in self.blocks:
            h = h + self._attention(block, h)
            h = h + block["ff2"](torch.nn.functional.gelu(block["ff1"](block["ln2"](h))))
        return torch.relu(self.dense(self.norm(h).flatten(1)))
