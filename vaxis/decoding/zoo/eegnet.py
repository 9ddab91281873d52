r"""EEGNet-style convolutional network (Lawhern et al. 2018) adapted to DE features.

EEGNet convolves in time, then applies depthwise spatial filters over all electrodes, then a
separable convolution. DE features have no time axis within a window; the spectral axis (5 bands)
takes its place:

1. *Spectral convolution*: ``n_filters`` 1-D kernels of length ``kernel`` slid along the bands of
   every electrode (zero padding, "same" length), written as a Toeplitz matrix per filter.
2. *Depthwise spatial convolution*: for each spectral filter, ``depth`` spatial filters spanning
   all electrodes (EEGNet's ``(n_chans, 1)`` depthwise kernel), ELU.
3. *Separable (pointwise) layer*: a dense layer over the flattened filter-by-band map, ELU:
   the penultimate representation.

No batch normalisation (the engine needs models without running statistics) and no dropout.

**Against braindecode's EEGNet** (``EEGNetv4`` in braindecode 0.8, ``EEGNet`` in 1.x; checked in
``tests/test_zoo_reference.py``). On the same ``(batch, electrodes, bands)`` input, with the bands in
place of time samples, ``EEGNetDE(n_filters=8, depth=2, kernel=3, embed=16 * 6)`` whose dense layer
holds the matrix of the reference's separable convolution computes braindecode's
``EEGNet(F1=8, D=2, F2=16, kernel_length=3)`` (logits and penultimate maps within 3e-7, float32)
once the reference's batch norms are at the identity, its two average pools and dropouts are left
out and its spatial filters lie within its max-norm. Steps 1 and 2 (and the ELU) are EEGNet's
blocks with the same weights. Where ours differs, by design:

- *Input*: five DE bands per electrode (the zoo's common input, the features of FACED's and the
  study's baselines) instead of raw samples; hence a spectral kernel of 3 bands where EEGNet's
  temporal kernel spans 64 samples (half a second at 128 Hz).
- *No batch norm* (EEGNet has three): the training engine stacks replicas as pure functions of their
  parameters, which running statistics would break; the inputs are z-scored per subject instead.
- *No average pooling* (EEGNet pools 4, then 8 samples): five bands would pool away to one value.
- *No dropout* (EEGNet: 0.25 twice): no layer is random at training time (the engine's contract);
  early stopping and AdamW's weight decay regularise instead.
- *A dense layer instead of the separable convolution* (depthwise along time, length 16, then 1x1 to
  F2 maps, no bias): on five bands the separable convolution is a constrained linear map of the
  flattened (filter, band) map; ours is any such map (with a bias) to ``embed`` = 32 units, so it
  contains EEGNet's (the test sets it to it). The head reads those units as EEGNet's classifier
  (a convolution over the whole map) reads its F2 x time map.
- *No max-norm* on the spatial filters (1) or the classifier (0.25 in braindecode's optional linear
  head): weight decay instead.
- *Initialisation*: Gaussian scaled by the fan-in (kernel, spatial) and PyTorch's default for the
  dense layers, where braindecode uses Glorot-uniform weights and zero biases.
"""

from __future__ import annotations

import torch
from torch import nn

from ._base import ZooModel, stacked_linear


class EEGNetDE(ZooModel):
    """EEGNet on DE features (spectral conv -> depthwise spatial conv -> pointwise dense).

    Parameters
    ----------
    n_chans, n_bands, n_outputs : int
    n_filters : int
        Spectral filters (EEGNet's F1).
    depth : int
        Spatial filters per spectral filter (EEGNet's D).
    kernel : int
        Length of the spectral kernel (odd).
    embed : int
        Width of the penultimate representation.
    """

    name = "eegnet"
    stacking = "batched"
    #: 2: trained through forward_stacked (BatchedStack), which rounds differently from the loop
    version = 2

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int, n_filters: int = 8, depth: int = 2,
                 kernel: int = 3, embed: int = 32) -> None:
        super().__init__(n_chans, n_bands, n_outputs)
        self.kernel = nn.Parameter(torch.randn(n_filters, kernel) / kernel**0.5)
        # shift[j, g, h] = 1 where input band g = output band h + j - kernel // 2 (zero padding)
        shift = torch.zeros(kernel, n_bands, n_bands)
        for j in range(kernel):
            for h in range(n_bands):
                g = h + j - kernel // 2
                if 0 <= g < n_bands:
                    shift[j, g, h] = 1.0
        self.register_buffer("shift", shift)  # (kernel, F, F)
        self.spatial = nn.Parameter(torch.randn(n_filters, depth, n_chans) / n_chans**0.5)
        self.pointwise = nn.Linear(n_filters * depth * n_bands, embed)
        self.head = nn.Linear(embed, n_outputs)
        self.embed_dim = embed

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        toeplitz = torch.einsum("fj,jgh->fgh", self.kernel, self.shift)  # (F1, F, F)
        h = torch.einsum("bcg,fgh->bfch", x, toeplitz)  # spectral conv: (B, F1, C, F)
        h = torch.nn.functional.elu(torch.einsum("bfch,fdc->bfdh", h, self.spatial))  # (B, F1, D, F)
        return torch.nn.functional.elu(self.pointwise(h.flatten(1)))

    def forward_stacked(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """R replicas at once (:meth:`ZooModel.forward_stacked`): x (R, n, C, F) -> logits, z.

        The spectral and the depthwise spatial convolution are both linear, so together they are
        one matrix per replica, ``W[(f, d, h), (c, g)] = spatial[f, d, c] toeplitz[f, g, h]`` (built
        from the weights, cheap): the whole network is a perceptron of batched matrix products,
        the same function of the same parameters as :meth:`embed`, summed in another order.
        """
        R, n, C, F = x.shape
        toeplitz = torch.einsum("rfj,jgh->rfgh", params["kernel"], self.shift)  # (R, F1, F, F)
        w = torch.einsum("rfdc,rfgh->rfdhcg", params["spatial"], toeplitz).reshape(R, -1, C * F)
        h = torch.nn.functional.elu(torch.bmm(x.reshape(R, n, C * F), w.transpose(1, 2)))  # (R, n, F1*D*F)
        z = torch.nn.functional.elu(stacked_linear(h, params["pointwise.weight"], params["pointwise.bias"]))
        return stacked_linear(z, params["head.weight"], params["head.bias"]), z
