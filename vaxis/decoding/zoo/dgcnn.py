r"""DGCNN-style graph network over electrodes with a learned adjacency (Song et al. 2020).

Each electrode is a node with its ``n_bands`` DE values as features. The adjacency
:math:`A` (``n_chans x n_chans``) is a parameter, made symmetric and non-negative,
:math:`A^+ = \mathrm{ReLU}((A + A^\top)/2)`, normalised :math:`\hat A = D^{-1/2} A^+ D^{-1/2}`
(:math:`D` its degree matrix, plus a small constant). A Chebyshev graph convolution of order
``order`` with the scaled Laplacian :math:`\tilde L = -\hat A` (eigenvalue bound 2) mixes
neighbours: :math:`h = \mathrm{ReLU}(\sum_k T_k(\tilde L) x W_k)`; the node features are flattened
and a dense layer gives the penultimate representation.

**Against braindecode's and TorchEEG's DGCNN** (``tests/test_zoo_reference.py``). DGCNN reads DE
features per electrode in the paper too, so the input is the same. With the adjacency symmetrised
and the Chebyshev weights re-expressed in each reference's basis, ours computes braindecode 1.8.1's
``DGCNN(n_filters=8, cheb_order=K, mlp_dims=(32,), drop_prob=0)`` and TorchEEG 1.1.3's
``DGCNN(hid_channels=8, num_layers=K)`` (with ``embed=64``, our graph bias 0 and its input batch norm
at the identity): logits within 1.5e-6 and 3.8e-6 for K = 2 and 3 (float32). Neither library installs
beside our pins (the test module says why), so these tests skip in ``make test``; they ran in a
separate environment. Where ours differs, by design:

- *The polynomial's argument*: ours evaluates :math:`T_k` at the rescaled Laplacian
  :math:`2L/\lambda_{max} - I = -\hat A` with :math:`\lambda_{max} = 2` (Song et al.'s eq. 12, as
  in ChebNet), whose eigenvalues lie in [-1, 1] where :math:`T_k` stays bounded; braindecode
  evaluates :math:`T_k` at :math:`L = I - \hat A` itself and TorchEEG takes powers
  :math:`\hat A^k`. All are polynomials of degree < K in :math:`\hat A`: the same functions, with
  the weights in another basis.
- *A symmetric adjacency*, :math:`(A + A^\top)/2` before the ReLU: an undirected graph, as the
  paper's :math:`W`; both references rectify :math:`A` as it is (braindecode adds a learned scalar).
- *Initialisation*: uniform in [0, 0.5) plus 0.5 on the diagonal, from no positions (braindecode: a
  Gaussian-kernel k-nearest-neighbour graph of the electrode positions plus noise; TorchEEG:
  Xavier-normal).
- *Sizes*: 8 graph features and one dense layer of 32 (9.0k parameters at FACED's 30 electrodes);
  braindecode's defaults are 64 features and 256 units (496k), TorchEEG's 32 features and 64 units
  (63k). Chapter 4 trains every architecture for 6 seeds x 3 folds plus controls on two cores.
- *No dropout* (braindecode: 0.5 in the head) and *no input batch norm* (TorchEEG): the engine
  trains pure functions of the parameters; the inputs are z-scored per subject.
- *The graph layer's bias* before the ReLU is braindecode's (``b1relu`` in the authors' code);
  TorchEEG's has none. The degree's zero guard differs (ours :math:`(d + 10^{-4})^{-1/2}`,
  braindecode :math:`1/(\sqrt d + 10^{-5})`, TorchEEG :math:`(d + 10^{-10})^{-1/2}`), a relative
  difference near :math:`10^{-5}` at 30 electrodes.
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
