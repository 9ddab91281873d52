"""Chapter 7's fixed arm, scaled: one weight per auxiliary loss, from its gradient at the start.

A fixed weight of 1.0 for every loss (the first edition) weighs losses whose scales differ by orders
of magnitude: its "hurt" counts measure the losses' scales. Here each loss gets the weight that makes
the norm of its gradient, with respect to the network's parameters at initialisation, a fixed share
of the norm of the cross-entropy's gradient:

.. math::

   w_s = \\rho \\, \\frac{\\overline{\\lVert \\nabla_\\theta \\mathrm{CE} \\rVert}}
         {\\overline{\\lVert \\nabla_\\theta L_s \\rVert}}

with :math:`\\rho` = :data:`SHARE` (one half: at the start, the loss pulls half as hard as the
labels), the bars the mean over :data:`N_BATCHES` minibatches of training windows of one fold
(training subjects only), at the architecture's initial weights for ``seed``. The weight is
computed once (chapter 7: on the grid's reference cohort, first draw, first fold) and used at every
grid point, so "fixed" still means one weight per loss.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from ..._checks import VaxisInputError
from .. import alignment
from ..engine import TrainConfig, TrainData
from ..engine.job import epoch_batches
from ..folds import Fold
from ..zoo import build

#: Share of the label loss's initial gradient norm each auxiliary loss's gradient gets (rho).
SHARE = 0.5
#: Minibatches the gradient norms are averaged over.
N_BATCHES = 8


def _grad_norm(model: torch.nn.Module, loss: torch.Tensor) -> float:
    params = [p for p in model.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return float(torch.sqrt(sum((g.detach() ** 2).sum() for g in grads if g is not None)))


def gradient_norms(arch: str, data: TrainData, fold: Fold, aux_losses: dict[str, object], config: TrainConfig,
                   seed: int = 0, n_batches: int = N_BATCHES) -> pd.DataFrame:
    """Mean gradient norms at initialisation: one row per loss (``"cross_entropy"`` first), column ``norm``.

    ``aux_losses``: name -> the engine's hook ``f(z, logits, y, idx)`` (e.g.
    :func:`vaxis.decoding.alignment.as_aux_loss`). Minibatches of ``config.batch_size`` windows of
    ``fold``'s training rows (every ``config.window_stride``-th window), drawn with ``seed``.
    """
    n_chans, n_bands = data.X.shape[1:]
    model = build(arch, n_chans, n_bands, len(data.classes), seed=seed)
    tr, _ = data.strided_rows(fold, config.window_stride)
    if tr.size == 0:
        raise VaxisInputError(f"Fold {fold.index} has no training windows.")
    batches = epoch_batches([np.random.default_rng([seed, fold.index, 7])], [tr], config.batch_size)[0][:n_batches]
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    sums = {"cross_entropy": 0.0, **{k: 0.0 for k in aux_losses}}
    for rows in batches:
        idx = torch.as_tensor(rows)
        logits, z = model(X[idx], return_embedding=True)
        sums["cross_entropy"] += _grad_norm(model, torch.nn.functional.cross_entropy(logits, y[idx]))
        for name, aux in aux_losses.items():
            sums[name] += _grad_norm(model, aux(z, logits, y[idx], idx))
    return pd.DataFrame({"norm": {k: v / len(batches) for k, v in sums.items()}})


def scaled_weights(arch: str, data: TrainData, fold: Fold, losses: Sequence[str],
                   targets: alignment.AlignmentTargets, config: TrainConfig, share: float = SHARE,
                   seed: int = 0) -> pd.DataFrame:
    """Each loss's fixed weight: ``share`` x mean CE gradient norm / mean loss gradient norm.

    Returns one row per loss: ``grad_norm`` (its mean gradient norm), ``ce_grad_norm`` and
    ``weight``. A loss whose gradient vanishes at initialisation is refused (no weight can scale it).
    """
    if not 0 < share:
        raise VaxisInputError(f"share={share!r} must be > 0.")
    norms = gradient_norms(arch, data, fold, {s: alignment.as_aux_loss(s, targets) for s in losses}, config, seed)
    ce = float(norms.loc["cross_entropy", "norm"])
    out = norms.drop(index="cross_entropy").rename(columns={"norm": "grad_norm"})
    dead = out.index[~(out.grad_norm > 1e-12)].tolist()
    if dead:
        raise VaxisInputError(f"The losses {dead} have no gradient at initialisation; no weight can scale them.")
    out["ce_grad_norm"] = ce
    out["weight"] = share * ce / out.grad_norm
    return out


__all__ = ["N_BATCHES", "SHARE", "gradient_norms", "scaled_weights"]
