"""Controls: losses that use no LLM geometry, the opposite of it, or the wrong assignment of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch.nn.functional as F
from torch import Tensor

from .blocks import EPS, center, coords_readout, corr_rdm, one_hot, pearson, ridge_r2, upper
from .registry import register
from .targets import AlignmentTargets


@register("orth_residual", "control",
          "Wen et al. 2016 center loss (normalised): penalise the within-class residual",
          pulls="each trial towards its class mean (no LLM)",
          definition="||z - class mean(z)||^2 / ||z - mean(z)||^2: the share of variance in the within-class "
                     "residual",
          cite=("wen2016center",))
def _orth_residual(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Orthogonal-residual penalty: share of ``z``'s variance left in the within-class residual.

    The residual is z minus its category's batch mean -- the part orthogonal (over samples) to the
    label-driven basin. Loss: ``||z - class_mean(z)||^2 / ||z - mean(z)||^2`` in [0, 1], a
    scale-free center loss (Wen et al., 2016). A control: it uses no LLM information and pushes
    the representation into the basin the labels already carve.
    """
    onehot = one_hot(y, targets.n_classes, z.dtype)
    means = onehot.T @ z / (onehot.sum(0)[:, None] + EPS)
    resid = z - onehot @ means
    zc = center(z)
    return (resid * resid).sum() / ((zc * zc).sum() + EPS)


@register("adversarial_v", "control",
          "Ganin & Lempitsky 2015 gradient reversal; closed-form linear adversary (Ravfogel et al. 2020)",
          params={"ridge": 1.0},
          pulls="the representation away from V",
          definition="R^2 of the best linear (ridge, in the batch) predictor of V from z, minimised",
          cite=("ganin2015backprop", "ravfogel2020inlp"))
def _adversarial_v(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Adversarial removal of V: the in-batch R^2 of the best linear V predictor from ``z``.

    Domain-adversarial training (Ganin & Lempitsky, 2015) trains an adversary to predict V and
    reverses its gradient into the encoder. Here the linear adversary is solved exactly (ridge,
    closed form, as in INLP-style linear concept removal, Ravfogel et al., 2020), so minimising
    its R^2 is the gradient-reversal objective without an inner loop. A control: the opposite
    of V supervision.
    """
    return ridge_r2(z, targets.v_standard[y], float(p["ridge"]))


@register("arousal_multitask", "control",
          "Caruana 1997 multitask learning; Russell 1980 circumplex (arousal)",
          params={"ridge": 1.0},
          pulls="the representation and the categories' human arousal (no LLM)",
          definition="1 - R^2 of the category's z-scored arousal regressed on z (ridge head in the batch)",
          cite=("caruana1997multitask", "russell1980circumplex"))
def _arousal_multitask(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Arousal multitask: 1 - R^2 of the categories' human arousal norms regressed on ``z``.

    Multitask learning (Caruana, 1997) with the circumplex's other axis (Russell, 1980): the same
    closed-form ridge head as ``v_regression`` but for arousal -- a control for "any extra
    affective target helps".
    """
    return 1.0 - ridge_r2(z, targets.arousal_standard[y], float(p["ridge"]))


@register("llm_prototypes", "control",
          "Hoffer et al. 2018 fixed classifier; Snell et al. 2017 prototypes; Frome et al. 2013 DeViSE",
          params={"tau": 0.1},
          pulls="trial read-outs towards frozen LLM prototypes as class centres",
          definition="cross-entropy of a fixed classifier: softmax over k of cos(readout(z), c_k) / tau",
          cite=("hoffer2018fix", "snell2017prototypical", "frome2013devise"))
def _llm_prototypes(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """Frozen LLM prototypes as class centres: cross-entropy of a fixed cosine-prototype classifier.

    Class k's prototype is its LLM category coordinates; the read-out of ``z`` is classified by
    ``cos(readout(z), prototype_k) / tau``. A fixed, semantically placed classifier
    (Hoffer et al., 2018; prototypes as in Snell et al., 2017; DeViSE, Frome et al., 2013).
    """
    zr, c = coords_readout(z, targets.category_coords)
    lg = F.normalize(zr, dim=1, eps=EPS) @ F.normalize(c, dim=1, eps=EPS).T / float(p["tau"])
    onehot = one_hot(y, targets.n_classes, z.dtype)
    return -(onehot * F.log_softmax(lg, dim=1)).sum(1).mean()


@register("rsa_shuffled", "control",
          "Kriegeskorte et al. 2008 RSA to a relabelled RDM (Nili et al. 2014 relabelling control)",
          pulls="the batch RDM and the LLM RDM with its categories relabelled (a fixed derangement)",
          definition="as rsa_pearson with the wrong assignment of geometry to categories",
          cite=("kriegeskorte2008rsa", "nili2014toolbox"))
def _rsa_shuffled(
    z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets, p: Mapping[str, Any]
) -> Tensor:
    """RSA (Pearson) to the LLM RDM with its categories relabelled by a fixed derangement.

    Same loss and same RDM statistics as ``rsa_pearson`` but the wrong assignment of geometry to
    categories (the relabelling null of Nili et al., 2014): a control for "any similarity
    structure regularises".
    """
    return 1.0 - pearson(upper(corr_rdm(z)), upper(targets.control_rdm[y][:, y]))
