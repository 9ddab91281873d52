"""The saturation diagnostics: where each auxiliary gradient points, and how early the baseline carries V."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from ... import stats
from ..._checks import VaxisInputError
from .. import alignment
from .. import engine
from ..rediscovery import fold_readout
from .tasks import SweepSetup


def basin_share(z: Any, y: Any, grad: Any) -> float:
    """Share of a gradient on ``z`` that lies in the label-driven basin of ``z`` (saturation diagnostic).

    The basin is the span of the centred class means of ``z`` (:func:`vaxis.stats.basin_basis`);
    the rest is the within-class residual. Returns ``||G Q||^2 / ||G||^2`` with ``Q`` the basin's
    orthonormal basis and ``G`` the (B, D) gradient of a loss with respect to ``z`` (0 for a zero
    gradient). Arrays or tensors.

    Parameters
    ----------
    z : (B, D) representations
    y : (B,) labels
    grad : (B, D), e.g. ``torch.autograd.grad(aux_loss, z)[0]``
    """
    z, y, g = (np.asarray(a.detach() if hasattr(a, "detach") else a) for a in (z, y, grad))
    if z.ndim != 2 or g.shape != z.shape or y.shape != z.shape[:1]:
        raise VaxisInputError(f"basin_share needs z (B, D), y (B,) and grad (B, D); got {z.shape}, {y.shape}, "
                              f"{g.shape}.")
    _, Q = stats.basin_basis(z.astype(float), y)
    g = g.astype(float)
    total = float((g * g).sum())
    if total == 0 or Q.shape[1] == 0:
        return 0.0
    proj = g @ Q
    return float((proj * proj).sum()) / total


def basin_shares(z: np.ndarray, proba: np.ndarray, y: np.ndarray, targets: alignment.AlignmentTargets,
                 strategies: Sequence[str], max_rows: int = 512, seed: int = 0) -> pd.DataFrame:
    """Share of each strategy's gradient (w.r.t. the representation) in the label-driven basin.

    Parameters
    ----------
    z : ndarray (n, D)
        Penultimate representations of a trained baseline (training trials).
    proba : ndarray (n, K)
        Its class probabilities; logits are modelled as a linear function of ``z`` fitted to their
        centred logs (the last layer is linear), so logit-based losses also get a gradient on ``z``.
    y : ndarray (n,)
        Labels.
    """
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(y), size=min(max_rows, len(y)), replace=False)
    zt = torch.tensor(z[rows], dtype=torch.float32, requires_grad=True)
    # Logits as a function of z, so that losses on logits (distillation) have a gradient on z too:
    # the networks' last layer is linear in z, so centred log-probabilities are (nearly: trial means
    # of window outputs) a linear function of z; fit it by least squares.
    logp = np.log(np.clip(proba, 1e-8, None))
    logp -= logp.mean(axis=1, keepdims=True)
    design = np.c_[z, np.ones(len(z))]
    head, *_ = np.linalg.lstsq(design, logp, rcond=None)
    w = torch.tensor(head[:-1], dtype=torch.float32)
    b = torch.tensor(head[-1], dtype=torch.float32)
    yt = torch.tensor(y[rows], dtype=torch.int64)
    out = []
    for name in strategies:
        logits = zt @ w + b
        loss = alignment.get(name).loss_fn(zt, logits, yt, targets, {})
        (grad,) = torch.autograd.grad(loss, zt, allow_unused=True)
        share = np.nan if grad is None else basin_share(z[rows], y[rows], grad)
        out.append({"strategy": name, "basin_share": share})
    return pd.DataFrame(out)


def alignment_during_training(setup: SweepSetup, positions: dict[str, float], epochs: Sequence[int],
                              progress: bool = False) -> pd.DataFrame:
    """How much of the V-axis the baseline's held-out representation carries after ``e`` epochs.

    For each ``e`` the label-only network is trained for at most ``e`` epochs (``e = 0``: its
    initial weights; early stopping still applies) on every fold and seed, and chapter 4's
    read-out (:func:`vaxis.rediscovery.fold_readout`) is applied to the test subjects' trials.
    Returns one row per (epochs, fold, seed): ``readout_r`` (mean held-out r), ``cos_classmean``,
    ``basin_cos`` and the test balanced accuracy.
    """
    cats = np.asarray(setup.data.classes)[setup.data.trial_label]
    rows = []
    for e in epochs:
        config = dataclasses.replace(setup.config, max_epochs=int(e))
        res = engine.train(setup.arch, setup.data, setup.folds, setup.seeds, config, progress=progress,
                           arch_kwargs={setup.arch: setup.arch_kwargs} if setup.arch_kwargs else None)
        for unit in res.units:
            t = unit.test_trials
            ro = fold_readout(unit.z[t], cats[t], setup.data.trial_subject[t], positions)
            rows.append({"epochs": int(e), "fold": unit.fold, "seed": unit.seed, "readout_r": ro.mean_r,
                         "cos_classmean": ro.cos_classmean, "basin_cos": ro.basin_cos,
                         "test_bacc": unit.metrics["balanced_accuracy"]})
    return pd.DataFrame(rows)


def baseline_representation(setup: SweepSetup, fold: int = 0,
                            seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z, proba, y)`` of the trained baseline's *training* trials of one fold (engine cache)."""
    seed = setup.seeds[0] if seed is None else seed
    f = next(x for x in setup.folds if x.index == fold)
    res = engine.train(setup.arch, setup.data, [f], [seed], setup.config, progress=False,
                       arch_kwargs={setup.arch: setup.arch_kwargs} if setup.arch_kwargs else None)
    unit = res.units[0]
    rows = setup.data.fold_trials(f)[0]
    return unit.z[rows], unit.proba[rows], setup.data.trial_label[rows]


def basin_in_words(rho: stats.Estimate) -> str:
    """One sentence on the rank correlation across losses of basin share and accuracy change (an
    :class:`vaxis.stats.Estimate` with its interval) against the saturated-basin explanation, which
    predicts it negative."""
    if rho.high < 0:
        return ("losses that push more inside the basin cost more accuracy, as the saturated-basin explanation "
                "predicts.")
    if rho.low > 0:
        return ("losses that push more inside the basin cost less accuracy (or help more): the opposite of what the "
                "saturated-basin explanation predicts.")
    return ("the interval holds 0: these losses cannot tell whether pushing inside the basin costs more "
            "accuracy, as the saturated-basin explanation predicts.")

