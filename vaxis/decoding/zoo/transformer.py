"""A small transformer over channel tokens: one token per electrode, its DE bands as features.

**Against PyTorch's encoder** (``tests/test_zoo_reference.py``): the blocks and the final LayerNorm
are ``nn.TransformerEncoder`` of ``nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=2 *
d_model, dropout=0, activation="gelu", norm_first=True)`` with ``norm=nn.LayerNorm(d_model)``, our
packed query, key and value rows as its ``in_proj``: the same penultimate representation within 6e-7
(float32). Ours writes attention with plain matrix products because the fused kernel has no
``vmap`` batching rule.

**Against TorchEEG's** ``VanillaTransformer`` (1.1.3; the test skips in ``make test``, TorchEEG does
not install beside our pins): with one time patch per electrode (``chunk_size = t_patch_size =
n_bands``) its tokens are ours (a linear embedding of each electrode's bands plus a learned
position) and its pre-norm blocks are ours with the attention's projections unbiased: the same
representation within 5e-7. Where ours differs: biases in those projections (PyTorch's default);
no class token, and the tokens after the final LayerNorm concatenated into a dense layer instead
of averaged (with the class token) into TorchEEG's LayerNorm and head: averaging would discard
which electrode said what, and the spatial pattern is the signal; one block of width 16 with 2
heads and a feed-forward layer of 32 (TorchEEG's defaults: 3 blocks of width 32, 4 heads, 64).
braindecode's transformers (``EEGConformer`` and others) tokenise the raw signal over time; ours
reads DE features, the zoo's common input. No dropout anywhere: the engine's models are pure
functions of their parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from ..._checks import VaxisInputError
from ._base import ZooModel, stacked_layer_norm, stacked_linear


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
    #: Trained one replica after another (LoopStack), although :meth:`forward_stacked` exists and is
    #: tested: on an idle AMD EPYC (2 cores) chapter 4's full transformer job took 116 s stacked and
    #: 84 s looped (benchmarks/README.md, "Why the transformer does not stack"); on an idle Intel
    #: Xeon one stacked step of 30 replicas is 0.89x the loop's, the fastest rewrite found 1.4x (1.8x
    #: through torch.compile), each with other rounding (same file, 2026-12-03).
    stacking = "loop"
    #: 2: trained through forward_stacked (BatchedStack); 3: looped again (rounds as the plain loop)
    version = 3

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

    def forward_stacked(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """R replicas at once (:meth:`ZooModel.forward_stacked`): x (R, n, C, F) -> logits, z.

        Every token of every replica in one (R, n*C, d) batch: linear layers are batched matrix
        products per replica, attention PyTorch's fused kernel over (replica, sample, head). Each
        LayerNorm's affine map is folded into the linear layer after it (``W diag(g)``, ``W b + c``:
        weight-sized work instead of two passes over every token). The same function of the same
        parameters as :meth:`embed`, rounded differently.

        Why stacking gains little here (``benchmarks/README.md``, "Why the transformer does not
        stack"): a step of 30 replicas x 256 windows is 3.6 GFLOP but moves at least 1.8 GB
        (element-wise passes over 230,400 tokens x 16 floats, 14.7 MB each: LayerNorms, GELU,
        softmax, residual adds, layout copies) through products with inner dimensions of 5-30;
        those bytes and small products are the same one replica at a time or all together, so
        only per-operator overhead is saved. Explicit attention products instead of the fused
        kernel and forward/backward passes in groups of replicas were measured and did not help.
        """
        R, n, C, F = x.shape
        p = params
        h = stacked_linear(x.reshape(R, n * C, F), p["tokens.weight"], p["tokens.bias"])
        h = (h.view(R, n, C, -1) + p["position"].unsqueeze(1)).view(R, n * C, -1)
        d = h.shape[-1]
        dh = d // self.heads

        def norm_linear(h: torch.Tensor, ln: str, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            g, beta = p[ln + ".weight"], p[ln + ".bias"]  # LayerNorm(h) g + beta, then W . + b
            reps = w.shape[-1] // g.shape[-1]
            w_g = w * g.repeat(1, reps).unsqueeze(1)
            b_g = torch.baddbmm(b.unsqueeze(-1), w, beta.repeat(1, reps).unsqueeze(-1)).squeeze(-1)
            normed = torch.nn.functional.layer_norm(h, (d,))  # tokens (R, n*C, d)
            return stacked_linear(normed.view(R, -1, w.shape[-1]), w_g, b_g)

        for i in range(len(self.blocks)):
            b = f"blocks.{i}."
            qkv = norm_linear(h, b + "ln1", p[b + "qkv.weight"], p[b + "qkv.bias"])
            q, k, v = qkv.view(R * n, C, 3, self.heads, dh).permute(2, 0, 3, 1, 4).unbind(0)
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v)  # (R*n, heads, C, d_head)
            h = h + stacked_linear(out.transpose(1, 2).reshape(R, n * C, d), p[b + "out.weight"], p[b + "out.bias"])
            a = torch.nn.functional.gelu(norm_linear(h, b + "ln2", p[b + "ff1.weight"], p[b + "ff1.bias"]))
            h = h + stacked_linear(a, p[b + "ff2.weight"], p[b + "ff2.bias"])
        z = torch.relu(norm_linear(h, "norm", p["dense.weight"], p["dense.bias"]))
        return stacked_linear(z, p["head.weight"], p["head.bias"]), z
