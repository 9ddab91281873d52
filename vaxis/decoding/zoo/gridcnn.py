"""A CNN on the 2-D scalp grid: electrodes placed on a 9 x 9 grid, bands as input channels.

Grid (row, column), front at the top, left hemisphere on the left, the standard 9 x 9 layout used
for SEED/SEED-V-style 2-D EEG maps (:data:`GRID_POSITIONS`). FACED's reference rows A1/A2 (left
out of the model inputs by default) have no scalp site on it; when kept, they are put in the bottom
corners (8, 0) and (8, 8), the free cells nearest to the ears. Cells without an electrode are 0
(the per-subject mean after z-scoring).

**Against the field.** The grid is TorchEEG's (1.1.3) ``SEED_V_LOCATION_LIST`` cell for cell for all
62 SEED-V channels. For FACED TorchEEG packs the 30 scalp channels into an 8 x 9 grid without the
empty AF row (``FACED_LOCATION_LIST``: every channel but Fp1/Fp2 one row higher than here, so the Fp
row touches the F row); ours keeps each site in its SEED-V cell, so one grid serves both datasets.
The CNN on such grids that TorchEEG implements, CCNN (Yang et al. 2018), is four 4x4 convolutions
(64, 128, 256, 64 filters, no stride), a 1024-unit SELU layer with dropout and the head: 6.2 million
parameters at 5 bands. Ours, two 3x3 convolutions of 16 filters (the second with stride 2) and a
32-unit layer, has 16 thousand (9 outputs): chapter 4 trains every architecture for 6 seeds x 3
folds plus controls on two cores. Ours is not a configuration of CCNN, so no test copies weights
across (and TorchEEG does not install beside our pins); no dropout, as in every model of the zoo.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..._checks import VaxisInputError
from ...eeg.montage import FACED_CHANNELS, FACED_EEG_CHANNELS, SEEDV_CHANNELS
from ._base import ZooModel, stacked_linear

GRID_SIZE = 9
#: Cells of conv2's output grid (3x3 kernel, stride 2, padding 1 on the 9 x 9 grid): 5 x 5.
OUT_CELLS = ((GRID_SIZE - 1) // 2 + 1) ** 2
_ROWS: tuple[tuple[str, ...], ...] = (
    ("", "", "", "Fp1", "Fpz", "Fp2", "", "", ""),
    ("", "", "", "AF3", "", "AF4", "", "", ""),
    ("F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8"),
    ("FT7", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "FT8"),
    ("T7", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "T8"),
    ("TP7", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "TP8"),
    ("P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8"),
    ("", "PO7", "PO5", "PO3", "POz", "PO4", "PO6", "PO8", ""),
    ("A1", "", "CB1", "O1", "Oz", "O2", "CB2", "", "A2"),
)
#: Channel name (lower case) -> (row, column) on the 9 x 9 grid.
GRID_POSITIONS: dict[str, tuple[int, int]] = {
    name.lower(): (r, c) for r, row in enumerate(_ROWS) for c, name in enumerate(row) if name
}


def grid_placement(channels: Sequence[str]) -> torch.Tensor:
    """One-hot placement matrix (n_chans, 81): channel i goes to its grid cell."""
    missing = [c for c in channels if c.lower() not in GRID_POSITIONS]
    if missing:
        raise VaxisInputError(f"Channel(s) {missing} have no place on the 9x9 scalp grid; known: "
                              f"{sorted(GRID_POSITIONS)}.")
    cells = [GRID_POSITIONS[c.lower()] for c in channels]
    if len(set(cells)) != len(cells):
        raise VaxisInputError("Two channels map to the same grid cell.")
    place = torch.zeros(len(channels), GRID_SIZE * GRID_SIZE)
    for i, (r, c) in enumerate(cells):
        place[i, r * GRID_SIZE + c] = 1.0
    return place


class ScalpGridCNN(ZooModel):
    """Two 3x3 convolutions on the scalp grid (bands as input channels), then a dense layer.

    ``grid (B, n_bands, 9, 9) -> Conv3x3(filters) -> ReLU -> Conv3x3 stride 2 (filters) -> ReLU
    -> flatten (filters * 5 * 5) -> Linear(embed) -> ReLU = z``.

    Parameters
    ----------
    n_chans, n_bands, n_outputs : int
    filters : int
    embed : int
    channels : sequence of str, optional
        Channel names in input order; default: FACED's 30 scalp channels when ``n_chans == 30``,
        its 32 released rows when ``n_chans == 32``, SEED-V's 62 when ``n_chans == 62``.
    """

    name = "gridcnn"
    stacking = "batched"
    #: 2: trained through forward_stacked (BatchedStack), which rounds differently from the loop;
    #: 3: forward_stacked's convolutions channels-last, in chunks of replicas (other rounding)
    version = 3

    def __init__(self, n_chans: int, n_bands: int, n_outputs: int, filters: int = 16, embed: int = 32,
                 channels: Sequence[str] | None = None) -> None:
        super().__init__(n_chans, n_bands, n_outputs)
        if channels is None:
            defaults = {len(FACED_EEG_CHANNELS): FACED_EEG_CHANNELS, len(FACED_CHANNELS): FACED_CHANNELS,
                        len(SEEDV_CHANNELS): SEEDV_CHANNELS}
            if n_chans not in defaults:
                raise VaxisInputError(f"ScalpGridCNN needs `channels` (names) for n_chans={n_chans}.")
            channels = defaults[n_chans]
        if len(channels) != n_chans:
            raise VaxisInputError(f"{len(channels)} channel names for n_chans={n_chans}.")
        self.register_buffer("placement", grid_placement(list(channels)))
        self.conv1 = nn.Conv2d(n_bands, filters, 3, padding=1)
        self.conv2 = nn.Conv2d(filters, filters, 3, stride=2, padding=1)
        self.dense = nn.Linear(filters * OUT_CELLS, embed)
        self.head = nn.Linear(embed, n_outputs)
        self.embed_dim = embed

    def to_grid(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n_chans, n_bands) -> (B, n_bands, 9, 9)."""
        return torch.einsum("bcf,cp->bfp", x, self.placement).reshape(x.shape[0], self.n_bands, GRID_SIZE, GRID_SIZE)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        h = torch.relu(self.conv1(self.to_grid(x)))
        h = torch.relu(self.conv2(h))
        return torch.relu(self.dense(h.flatten(1)))

    #: Replicas per grouped convolution in :meth:`forward_stacked` (chunks keep each chunk's
    #: activations in cache; measured best of 2, 3, 5, 6, 10 and 30 on the 2-core EPYC).
    replicas_per_chunk = 3

    def forward_stacked(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """R replicas at once (:meth:`ZooModel.forward_stacked`): x (R, n, C, F) -> logits, z.

        The replicas, in chunks of :attr:`replicas_per_chunk`, are the groups of grouped
        convolutions: replica r's grid is input channels ``r*F .. r*F+F-1`` of one (n, k*F, 9, 9)
        batch and its filters output channels ``r*filters ..``; then batched matrix products for
        the dense layers. Every activation is kept channels-last (memory (n, 9, 9, k*F), ...), the
        layout oneDNN's convolutions work in. Why (forward and backward of one training step,
        R=30, batch 256, nearly idle 2-core EPYC, medians of 7, one process): all 30 replicas as
        one NCHW grouped convolution (version 2) took 184 ms, 0.62x the 114 ms of 30 separate
        modules, because every convolution reordered its input, output and gradients and the 40 MB
        activations streamed through memory; channels-last alone 144 ms; channels-last in chunks of
        3 replicas 75 ms (1.5x the separate modules, 2.5x version 2). Im2col with batched matrix
        products (``unfold`` or gathered columns) measured 2-4x slower than version 2: it moves the
        9x larger columns through memory. The dense weight's columns are permuted from
        ``flatten(1)``'s (filter, cell) order to the (cell, filter) order of the channels-last
        activations. The same function of the same parameters as :meth:`forward`, summed in
        another order.
        """
        k = self.replicas_per_chunk
        if x.shape[0] <= k:
            return self._forward_chunk(params, x)
        outs = [self._forward_chunk({name: p[a:a + k] for name, p in params.items()}, x[a:a + k])
                for a in range(0, x.shape[0], k)]
        return torch.cat([o[0] for o in outs]), torch.cat([o[1] for o in outs])

    def _forward_chunk(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`forward_stacked` of one chunk of k replicas, x (k, n, C, F) -> logits, z."""
        R, n, C, F = x.shape
        filters = params["conv1.bias"].shape[1]
        last = torch.channels_last
        grid = torch.einsum("rncf,cp->nprf", x, self.placement).reshape(n, GRID_SIZE, GRID_SIZE, R * F)
        grid = grid.contiguous().permute(0, 3, 1, 2)  # (n, R*F, 9, 9), channels-last memory
        w1 = params["conv1.weight"].flatten(0, 1).contiguous(memory_format=last)  # (R*filters, F, 3, 3)
        w2 = params["conv2.weight"].flatten(0, 1).contiguous(memory_format=last)
        h = torch.relu(torch.nn.functional.conv2d(grid, w1, params["conv1.bias"].flatten(), padding=1, groups=R))
        h = torch.relu(torch.nn.functional.conv2d(h, w2, params["conv2.bias"].flatten(),
                                                  stride=2, padding=1, groups=R))  # (n, R*filters, 5, 5)
        h = h.permute(0, 2, 3, 1).reshape(n, OUT_CELLS, R, filters).permute(2, 0, 1, 3)
        h = h.reshape(R, n, OUT_CELLS * filters)  # (cell, filter) order
        wd = params["dense.weight"]  # (R, embed, filters * 25), flatten(1)'s (filter, cell) order
        wd = wd.view(R, -1, filters, OUT_CELLS).transpose(2, 3).reshape(R, -1, OUT_CELLS * filters)
        z = torch.relu(stacked_linear(h, wd, params["dense.bias"]))
        return stacked_linear(z, params["head.weight"], params["head.bias"]), z
