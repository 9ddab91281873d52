"""Knowledge distillation from the LLM's category similarities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch.nn.functional as F
from torch import Tensor

from .registry import register
from .targets import AlignmentTargets


_KD_IDEA = "Hinton, Vinyals & Dean 2015, knowledge distillation (soft targets at temperature T)"


def _kd(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Knowledge distillation from the LLM's category similarities (Hinton, Vinyals & Dean, 2015).

    The "teacher" for a sample of category y scores every category k by the LLM's cosine
    similarity of the centred category vectors, ``teacher_scale * S[y, k]`` (a prototype
    classifier in LLM space). Loss: ``T^2 * KL(softmax(teacher / T) || softmax(logits / T))``,
    averaged over the batch; the T^2 factor keeps gradient sizes comparable across temperatures,
    as in the paper. Acts on the logits (so on ``z`` through the network's last layer).
    """
    temp = float(p["temperature"])
    teacher = targets.category_similarity[y] * float(p["teacher_scale"])
    q = F.softmax(teacher / temp, dim=1)
    log_q = F.log_softmax(teacher / temp, dim=1)
    log_p = F.log_softmax(logits / temp, dim=1)
    return temp**2 * (q * (log_q - log_p)).sum(dim=1).mean()


for _t in (1, 2, 4, 8):
    register(f"kd_t{_t}", "distillation", f"{_KD_IDEA}; T={_t}",
             params={"temperature": float(_t), "teacher_scale": 10.0},
             pulls="the network's class probabilities and the LLM's category similarities",
             definition=f"T^2 KL(softmax(10 S[y, :] / T) || softmax(logits / T)) at T = {_t}, S the cosine "
                        "similarities of the LLM's centred category vectors",
             cite=("hinton2015distilling",))(_kd)


del _t
