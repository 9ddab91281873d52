"""The optimiser kernel every stack shares: PyTorch's fused AdamW (the same numbers on every CPU)."""

from __future__ import annotations

import torch

from .config import TrainConfig


def adamw_tensor_(p: torch.Tensor, g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, step: int, lr: float,
                  wd: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    """AdamW update of one tensor ``p`` with gradient ``g`` and moments ``m``, ``v``, in place.

    PyTorch's fused AdamW kernel, the one ``torch.optim.AdamW(fused=True)`` runs: ``p *= 1 - lr*wd``,
    ``m = lerp(m, g, 1-b1)``, ``v = b2*v + (1-b2)*g^2``, ``p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``.
    Its square root is the exactly rounded hardware one (:mod:`vaxis.numerics`).
    """
    adamw_tensors_([p], [g], [m], [v], step, lr, wd, betas, eps)


def adamw_tensors_(ps: list[torch.Tensor], gs: list[torch.Tensor], ms: list[torch.Tensor], vs: list[torch.Tensor],
                   step: int, lr: float, wd: float, betas: tuple[float, float] = (0.9, 0.999),
                   eps: float = 1e-8) -> None:
    """:func:`adamw_tensor_` of several tensors in one call of the fused kernel (element-wise: the
    same numbers as one call per tensor)."""
    with torch.no_grad():
        torch._fused_adamw_(ps, gs, ms, vs, [], [torch.tensor(float(step))] * len(ps), lr=lr, beta1=betas[0],
                            beta2=betas[1], weight_decay=wd, eps=eps, amsgrad=False, maximize=False)


def adamw_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """``torch.optim.AdamW`` for one model, with the fused kernel of :func:`adamw_tensor_`."""
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
