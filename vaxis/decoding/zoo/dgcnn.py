r"""DGCNN-style graph network over electrodes with a learned adjacency (Song et al. 2020).

Each electrode is a node with its ``n_bands`` DE values as features. The adjacency
:math:`A` (``n_chans x n_chans``) is a parameter, made symmetric and non-negative,
:math:`A^+ = \mathrm{ReLU}((A + A^\top)/2)`, normalised :math:`\hat A = D^{-1/2} A^+ D^{-1/2}`
(:math:`D` its degree matrix, plus a small constant). A Chebyshev graph convolution of order
``order`` with the scaled Laplacian :math:`\tilde L = -\hat A` (eigenvalue bound 2) mixes
neighbours: :math:`h = \mathrm{ReLU}(\sum_k T_k(\tilde L) x W_k)`; the node features are flattened
and a dense layer gives the penultimate representation.
"""

from __future__ import annotations

import torch
from torch import nn

from ._base import ZooModel, stacked_linear


class DGCNN(ZooModel):
    """Graph convolution over electrodes with a learned adjacency.

    Parameters
    ----------
    n_chans, n_bands, n_outputs : int
    graph_features : int
        Features per node after the graph convolution.
    order : int
        Chebyshev order K (number of polynomial terms).
    embed : int
        Width of the penultimate representation.
    """

    name = "dgcnn"
    stacking = "batched"
    #: 2: trained through forward_stacked (BatchedStack), which rounds differently from the loop
    version = 2

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int, graph_features: int = 8,
                 order: int = 2, embed: int = 32) -> None:
        super().__init__(n_chans, n_bands, n_outputs)
        self.order = order
        self.adjacency = nn.Parameter(torch.rand(n_chans, n_chans) * 0.5 + 0.5 * torch.eye(n_chans))
        self.cheb = nn.Parameter(torch.randn(order, n_bands, graph_features) / (order * n_bands) ** 0.5)
        self.cheb_bias = nn.Parameter(torch.zeros(graph_features))
        self.dense = nn.Linear(n_chans * graph_features, embed)
        self.head = nn.Linear(embed, n_outputs)
        self.embed_dim = embed

    def normalized_adjacency(self) -> torch.Tensor:
        """:math:`\\hat A`, shape (n_chans, n_chans)."""
        a = torch.relu((self.adjacency + self.adjacency.T) / 2)
        d = (a.sum(dim=1) + 1e-4).rsqrt()
        return d[:, None] * a * d[None, :]

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        lap = -self.normalized_adjacency()
        t_prev, t_cur = x, lap @ x  # T0 x, T1 x, shape (B, C, F)
        h = t_prev @ self.cheb[0]
        if self.order > 1:
            h = h + t_cur @ self.cheb[1]
        for k in range(2, self.order):
            t_prev, t_cur = t_cur, 2 * (lap @ t_cur) - t_prev
            h = h + t_cur @ self.cheb[k]
        h = torch.relu(h + self.cheb_bias)
        return torch.relu(self.dense(h.flatten(1)))

    def forward_stacked(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """R replicas at once (:meth:`ZooModel.forward_stacked`): x (R, n, C, F) -> logits, z.

        The graph convolution is linear in x, so it is one matrix per replica,
        ``W[(c, g), (c', f)] = sum_k T_k(L)[c, c'] cheb[k, f, g]`` (built from the weights, cheap),
        and the whole network a perceptron of batched matrix products: the same function of the
        same parameters as :meth:`embed`, summed in another order.
        """
        R, n, C, F = x.shape
        adj = params["adjacency"]
        a = torch.relu((adj + adj.transpose(1, 2)) / 2)
        d = (a.sum(dim=2) + 1e-4).rsqrt()
        lap = -(d[:, :, None] * a * d[:, None, :])  # (R, C, C)
        polys = [torch.eye(C).expand(R, C, C), lap]  # Chebyshev T_k(L)
        for _ in range(2, self.order):
            polys.append(2 * torch.bmm(lap, polys[-1]) - polys[-2])
        t = torch.stack(polys[:self.order], dim=1)  # (R, K, C, C)
        w = torch.einsum("rkac,rkfg->ragcf", t, params["cheb"]).reshape(R, -1, C * F)  # (R, C*G, C*F)
        bias = params["cheb_bias"].unsqueeze(1).expand(R, C, -1).reshape(R, -1)
        h = torch.relu(stacked_linear(x.reshape(R, n, C * F), w, bias))  # (R, n, C*G), as flatten(1)
        z = torch.relu(stacked_linear(h, params["dense.weight"], params["dense.bias"]))
        return stacked_linear(z, params["head.weight"], params["head.bias"]), z
