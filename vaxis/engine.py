r"""Train many small classifiers at once: stacked parameters, ``torch.func`` and ``vmap``.

A *unit* is one (architecture, seed, fold) training. Units of the same architecture are trained
together as *replicas*: their parameters are stacked along a leading axis
(:func:`torch.func.stack_module_state`), the model is run with
:func:`torch.func.functional_call` under :func:`torch.func.vmap`, the per-replica losses are summed
and one backward pass gives every replica its own gradient (the replicas share no parameter, so
the sum's gradient with respect to replica r's parameters is replica r's gradient). Adam(W) is
elementwise, so one update of the stacked tensors is R independent updates. 36 classifiers x 5
folds are ``6`` stacked jobs, not ``180`` Python training loops.

How replicas are stacked depends on the architecture (:func:`make_stack`), because on 2 CPU
cores ``vmap`` only pays for small models (``benchmarks/README.md``): convolutional, graph and
attention models (``vmap_stacking = False``) are trained one replica after another by
:class:`LoopStack` (plain ``nn.Module`` + ``torch.optim.AdamW`` steps, skipping replicas whose
early stopping has run out of patience), inside the same job, cache and evaluation. The
perceptron family (logistic regression, MLP: architectures with
:meth:`~vaxis.zoo.ZooModel.dense_layers`) goes further: :class:`DenseStack` writes their batched
forward and backward passes by hand (batched matrix products into preallocated buffers) and
updates all parameters with one AdamW step on a single flat tensor, so a training step is about 25
tensor operations for all replicas; its layer-1 products run near the machine's matrix-multiply
peak (``benchmarks/README.md``).

Training input
--------------
Window-level DE (:meth:`vaxis.eeg.EEGDataset.window_features`, z-scored within subject): one
sample per subject, clip and 1-s window, as in the FACED literature (30 windows per clip). The
window's label is its clip's category. ``TrainConfig.window_stride`` keeps every k-th window of
each clip (neighbouring 1-s windows are strongly correlated, so a stride of 3-5 loses little and
divides the cost by as much). Predictions and representations are computed on the kept windows
and averaged per trial (subject x clip): a trial's class probabilities are the mean of its
windows' softmax outputs (trial-level balanced accuracy is the headline
metric), its representation ``z`` the mean of its windows' penultimate vectors.

Protocol of one unit
--------------------
- Initial weights: :func:`vaxis.zoo.build` with ``seed`` (same initial network in every fold).
- Minibatches: every epoch, replica (seed, fold) draws a permutation of its training rows with its
  own generator ``numpy.random.default_rng([seed, fold, 1])``; all replicas of a job take the same
  number of steps per epoch (that of the largest training set; smaller sets wrap around).
- Optimiser: AdamW (decoupled weight decay), PyTorch's fused AdamW kernel (``torch.optim.AdamW(...,
  fused=True)``; :class:`DenseStack` calls the same kernel on its flat tensor). Its square root is
  the exactly rounded hardware one, so training rounds the same on every CPU (:mod:`vaxis.numerics`);
  the single-tensor and foreach forms take ``torch.sqrt``, which does not.
- Early stopping: after every epoch, the mean cross-entropy on the fold's validation subjects (held
  out of training, see :mod:`vaxis.folds`); the weights of the best epoch are kept; a replica stops
  after ``patience`` epochs without improvement. In a stacked step, replicas that stopped keep
  being updated while others run (it costs nothing extra), but their best weights are frozen, so
  the result is exactly the one of a loop that stopped; :class:`LoopStack` skips them.

Auxiliary losses (hook for chapter 5)
-------------------------------------
``train(..., aux_loss=f, aux_weight=w, aux_key="name")`` adds ``w * f(z, logits, y, idx)`` to the
task loss of every step. Contract, because ``f`` runs **inside** ``vmap`` over replicas:

- arguments: ``z`` (B, D) penultimate representation of the minibatch, ``logits`` (B, K), ``y``
  (B,) int64 labels, ``idx`` (B,) int64 row indices into the :class:`TrainData` (e.g. look up
  per-sample LLM targets with ``targets[idx]``, or per-trial ones with
  ``targets[trial_of_row[idx]]`` where ``trial_of_row = torch.as_tensor(data.trial)``);
- returns a 0-d tensor, differentiable in ``z``/``logits``;
- only torch operations: no ``.item()``, ``.numpy()``, ``.tolist()``, no Python ``if`` on tensor
  values, no in-place change of its inputs; tensors captured from outside must not require grad;
- random operations are allowed (``vmap(randomness="different")``) and are seeded by the job.

Determinism
-----------
Same inputs, seeds and thread count (``torch.set_num_threads``) give **bit-for-bit identical**
results on the same machine and torch build: every random draw is seeded, CPU kernels used here
are deterministic, and trial means are accumulated in a fixed order. Stacked and sequential
training (:func:`train_plain`, one model at a time with ``torch.optim.AdamW``) follow the same
arithmetic but batched matrix products sum in a different order, so they agree to float32
round-off after one step and within a small tolerance after training (tested), not bit for bit;
early-stopping epochs can differ when two epochs' validation losses tie to ~1e-6.

Cache and resume
----------------
Each unit is written to ``<cache>/classifiers/<arch>-seed<S>-fold<F>-<key>.npz`` (atomic, via
:mod:`vaxis.io`), ``key`` hashing the data, labels, folds, the architecture's source file and sizes,
the training config and the auxiliary loss. A job loads the units already on disk and trains only the missing ones, in chunks
of at most ``TrainConfig.max_replicas`` replicas; an interrupted job loses at most the chunk in
flight.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.func import functional_call, stack_module_state, vmap

from . import io, numerics, zoo
from ._checks import VaxisInputError, check_option
from .folds import Fold, check_training_inputs, fold_signature

#: Version of the training protocol; part of every cache key (bump when the arithmetic changes).
ENGINE_VERSION = 4  # 2: DenseStack for the perceptron family; 3: LoopStack where vmap does not pay; 4: fused AdamW

AuxLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


# ----------------------------------------------------------------------------- data
@dataclass
class TrainData:
    """Window-level samples with their trial structure.

    Attributes
    ----------
    X : ndarray, shape (n_rows, n_chans, n_bands), float32
        DE features of one window per row.
    y : ndarray, shape (n_rows,), int64
        Class code of the row (its trial's label).
    subject : ndarray of str, shape (n_rows,)
    trial : ndarray of int, shape (n_rows,)
        Trial (subject x clip) index of each row, 0 .. n_trials - 1.
    window : ndarray of int, shape (n_rows,)
        Window index within its trial.
    classes : list of str
        Class names; code k is ``classes[k]``.
    trial_subject : ndarray of str, shape (n_trials,)
    trial_clip : ndarray of int, shape (n_trials,)
    trial_label : ndarray of int, shape (n_trials,)
    """

    X: np.ndarray
    y: np.ndarray
    subject: np.ndarray
    trial: np.ndarray
    window: np.ndarray
    classes: list[str]
    trial_subject: np.ndarray
    trial_clip: np.ndarray
    trial_label: np.ndarray
    _fingerprint: str | None = field(default=None, repr=False)
    _rows: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dataset(cls, dataset: Any, normalize: str = "subject", classes: Sequence[str] | None = None) -> TrainData:
        """Window features of an :class:`~vaxis.eeg.EEGDataset` (labels: clip categories)."""
        X, cats, subs, clip = dataset.window_features(normalize=normalize)
        classes = list(classes) if classes is not None else list(dataset.categories)
        unknown = sorted(set(cats.tolist()) - set(classes))
        if unknown:
            raise VaxisInputError(f"Categories {unknown} are outside the class set {classes}.")
        code = {c: i for i, c in enumerate(classes)}
        S, C, W = dataset.n_subjects, dataset.n_clips, dataset.n_windows
        trial = np.repeat(np.arange(S * C), W)
        return cls(
            X=X.reshape(-1, dataset.n_channels, dataset.n_bands).astype(np.float32),
            y=np.array([code[c] for c in cats], dtype=np.int64), subject=subs.astype(str), trial=trial,
            window=np.tile(np.arange(W), S * C), classes=classes,
            trial_subject=np.repeat(np.asarray(dataset.subjects, dtype=str), C),
            trial_clip=np.tile(np.arange(C), S),
            trial_label=np.array([code[c] for c in np.tile(dataset.clip_category, S)], dtype=np.int64))

    def fold_rows(self, fold: Fold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``fold.rows(self.subject)`` (train, val, test row indices), computed once per fold."""
        key = ("rows", fold.train, fold.val, fold.test)
        if key not in self._rows:
            self._rows[key] = fold.rows(self.subject)
        return self._rows[key]

    def fold_trials(self, fold: Fold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trial indices (train, val, test) of the fold's subjects, computed once per fold."""
        key = ("trials", fold.train, fold.val, fold.test)
        if key not in self._rows:
            self._rows[key] = fold.rows(self.trial_subject)
        return self._rows[key]

    @property
    def n_trials(self) -> int:
        return int(self.trial_label.shape[0])

    def fingerprint(self) -> str:
        """Content hash of features, labels and trial structure (part of the cache key)."""
        if self._fingerprint is None:
            import hashlib

            h = hashlib.sha256()
            for a in (self.X, self.y, self.trial, self.window, self.trial_label):
                h.update(np.ascontiguousarray(a).tobytes())
            h.update("|".join(self.subject[np.r_[0, np.flatnonzero(np.diff(self.trial)) + 1]]).encode())
            h.update("|".join(self.classes).encode())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    def with_trial_labels(self, trial_label: np.ndarray) -> TrainData:
        """The same data with new labels per trial (every window takes its trial's label)."""
        trial_label = np.asarray(trial_label, dtype=np.int64)
        if trial_label.shape != (self.n_trials,):
            raise VaxisInputError(f"trial_label must have shape ({self.n_trials},), got {trial_label.shape}.")
        return TrainData(self.X, trial_label[self.trial], self.subject, self.trial, self.window, self.classes,
                         self.trial_subject, self.trial_clip, trial_label)

    def shuffled_labels(self, seed: int) -> TrainData:
        """Control data: the trial labels permuted within each subject (class counts kept).

        Every window of a trial keeps one (wrong) label, so a network can still memorise trials
        but cannot learn a category mapping shared across subjects.
        """
        rng = np.random.default_rng([seed, 2])
        lab = self.trial_label.copy()
        for s in dict.fromkeys(self.trial_subject.tolist()):
            rows = np.flatnonzero(self.trial_subject == s)
            lab[rows] = lab[rows][rng.permutation(rows.size)]
        return self.with_trial_labels(lab)


# ----------------------------------------------------------------------------- config
@dataclass(frozen=True)
class TrainConfig:
    """Training hyper-parameters shared by every unit of a job.

    Parameters
    ----------
    max_epochs : int
        Upper bound on epochs; 0 evaluates the untrained initial networks.
    batch_size : int
        Windows per minibatch and replica.
    lr, weight_decay : float
        AdamW learning rate and decoupled weight decay.
    patience : int
        Epochs without a lower validation loss before a replica stops.
    window_stride : int
        Use every ``window_stride``-th window of each trial (1: all) for training, validation and
        the trial means of the evaluation.
    max_replicas : int
        Replicas stacked in one chunk (memory bound; also the unit of resumption).
    eval_batch : int
        Rows x replicas per forward pass during validation and evaluation (memory bound).
    """

    max_epochs: int = 20
    batch_size: int = 256
    lr: float = 3e-3
    weight_decay: float = 1e-4
    patience: int = 3
    window_stride: int = 1
    max_replicas: int = 64
    eval_batch: int = 16384

    def __post_init__(self) -> None:
        for name in ("batch_size", "patience", "window_stride", "max_replicas", "eval_batch"):
            if int(getattr(self, name)) < 1:
                raise VaxisInputError(f"TrainConfig.{name}={getattr(self, name)} must be >= 1.")
        if self.max_epochs < 0 or self.lr <= 0 or self.weight_decay < 0:
            raise VaxisInputError("TrainConfig needs max_epochs >= 0, lr > 0, weight_decay >= 0.")

    def key(self) -> dict[str, Any]:
        """The fields that change results (``max_replicas`` and ``eval_batch`` do not)."""
        d = asdict(self)
        d.pop("max_replicas"), d.pop("eval_batch")
        return d


# ----------------------------------------------------------------------------- results
@dataclass
class UnitResult:
    """What one trained (architecture, seed, fold) leaves behind.

    Attributes
    ----------
    arch : str
    seed, fold : int
    metrics : dict
        ``balanced_accuracy`` (held-out trials, window-averaged probabilities),
        ``window_balanced_accuracy``, ``best_epoch``, ``epochs_run``, ``best_val_loss``.
    z : ndarray, shape (n_trials, embed_dim), float32
        Penultimate representation of every trial (mean over its windows), all subjects.
    proba : ndarray, shape (n_trials, n_classes), float32
        Mean window softmax of every trial.
    test_trials : ndarray of int
        Trials of the fold's held-out subjects.
    val_history : ndarray, shape (epochs_run,)
        Validation loss after each epoch.
    """

    arch: str
    seed: int
    fold: int
    metrics: dict[str, float]
    z: np.ndarray
    proba: np.ndarray
    test_trials: np.ndarray
    val_history: np.ndarray

    def save(self, path: Path) -> None:
        io.save_npz(path, z=self.z, proba=self.proba, test_trials=self.test_trials,
                    val_history=self.val_history,
                    meta=np.asarray(io.json.dumps({"arch": self.arch, "seed": self.seed, "fold": self.fold,
                                                   "metrics": self.metrics})))

    @classmethod
    def load(cls, path: Path) -> UnitResult:
        a = io.load_npz(path)
        meta = io.json.loads(str(a["meta"]))
        return cls(meta["arch"], int(meta["seed"]), int(meta["fold"]), meta["metrics"], a["z"], a["proba"],
                   a["test_trials"], a["val_history"])


@dataclass
class TrainResults:
    """All units of a job, in (arch, seed, fold) order, with the data they were trained on."""

    units: list[UnitResult]
    data: TrainData
    folds: list[Fold]
    trained: int = 0  # units trained by this call (the rest came from the cache)

    def table(self) -> pd.DataFrame:
        """One row per unit: arch, seed, fold and its metrics."""
        return pd.DataFrame([{"arch": u.arch, "seed": u.seed, "fold": u.fold, **u.metrics} for u in self.units])

    def get(self, arch: str, seed: int, fold: int) -> UnitResult:
        for u in self.units:
            if (u.arch, u.seed, u.fold) == (arch, seed, fold):
                return u
        raise KeyError((arch, seed, fold))


# ----------------------------------------------------------------------------- helpers
def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean over the classes present in ``y_true`` of the share predicted correctly."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    classes = np.unique(y_true)
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in classes]))


def _fold_plan(data: TrainData, fold: Fold, stride: int) -> tuple[np.ndarray, np.ndarray]:
    tr, va, _ = data.fold_rows(fold)
    keep = (data.window % stride) == 0
    return tr[keep[tr]], va[keep[va]]


def _epoch_batches(rngs: list[np.random.Generator], train_rows: list[np.ndarray], batch: int) -> np.ndarray:
    """Minibatch row indices of one epoch: (R, steps, batch)."""
    steps = max(1, math.ceil(max(r.size for r in train_rows) / batch))
    return np.stack([np.resize(rows[rng.permutation(rows.size)], steps * batch).reshape(steps, batch)
                     for rng, rows in zip(rngs, train_rows)])


def _adamw_(params: dict[str, torch.Tensor], state: dict[str, list[torch.Tensor]], step: int,
            lr: float, wd: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    """In-place AdamW update, the arithmetic of torch.optim.AdamW (single-tensor form)."""
    with torch.no_grad():
        for k, p in params.items():
            _adamw_tensor_(p, p.grad, *state[k], step, lr, wd, betas, eps)
            p.grad = None


def _adamw_tensor_(p: torch.Tensor, g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, step: int, lr: float,
                   wd: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    """AdamW update of one tensor ``p`` with gradient ``g`` and moments ``m``, ``v``, in place.

    PyTorch's fused AdamW kernel, the one ``torch.optim.AdamW(fused=True)`` runs: ``p *= 1 - lr*wd``,
    ``m = lerp(m, g, 1-b1)``, ``v = b2*v + (1-b2)*g^2``, ``p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``.
    """
    torch._fused_adamw_([p], [g], [m], [v], [], [torch.tensor(float(step))], lr=lr, beta1=betas[0],
                        beta2=betas[1], weight_decay=wd, eps=eps, amsgrad=False, maximize=False)


def _adamw_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """``torch.optim.AdamW`` for one model, with the fused kernel of :func:`_adamw_tensor_`."""
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)


class _Stack:
    """R replicas of one architecture as stacked parameters, run with vmap (any architecture)."""

    def __init__(self, models: list[zoo.ZooModel]) -> None:
        self.params, _ = stack_module_state(models)
        self.buffers = {k: b for k, b in models[0].named_buffers()}
        self.base = copy.deepcopy(models[0]).to("meta")
        self.R = len(models)
        self.state = {k: [torch.zeros_like(p), torch.zeros_like(p)] for k, p in self.params.items()}
        self._vloss: dict[bool, Callable[..., torch.Tensor]] = {}

        def run(p, x):
            return functional_call(self.base, (p, self.buffers), (x,), {"return_embedding": True})

        self.run = vmap(run, in_dims=(0, 0), randomness="different")
        self.run_shared = vmap(run, in_dims=(0, None), randomness="different")

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n) (each replica its own rows)."""
        return self.run(self.params if params is None else params, X[rows])

    def train_step(self, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica on its minibatch rows ``ib`` (R, B)."""
        use_aux = aux_loss is not None and aux_weight != 0.0
        if use_aux not in self._vloss:
            def loss_fn(p, xb, yb, ib):
                logits, z = functional_call(self.base, (p, self.buffers), (xb,), {"return_embedding": True})
                loss = torch.nn.functional.cross_entropy(logits, yb)
                if use_aux:
                    loss = loss + aux_weight * aux_loss(z, logits, yb, ib)
                return loss

            self._vloss[use_aux] = vmap(loss_fn, in_dims=(0, 0, 0, 0), randomness="different")
        self._vloss[use_aux](self.params, X[ib], y[ib], ib).sum().backward()
        _adamw_(self.params, self.state, step, config.lr, config.weight_decay)


class DenseStack:
    """R replicas of a ReLU perceptron (logistic regression, MLP) with a hand-written batched pass.

    For architectures whose :meth:`~vaxis.zoo.ZooModel.dense_layers` is not ``None``. All
    parameters of all replicas live in one flat tensor (``params`` holds contiguous views of it with
    the shapes of :func:`torch.func.stack_module_state`), and so do their gradients and AdamW
    moments. One training step is a few batched matrix products (``baddbmm``/``bmm``, no input
    gradient for the first layer), the softmax-cross-entropy gradient written out, and one AdamW
    update of the flat tensors: about 25 tensor operations for all replicas, where ``vmap`` +
    autograd + a per-parameter optimiser dispatch several hundred. Same arithmetic as
    :class:`_Stack` up to float32 summation order. An auxiliary loss is differentiated with
    autograd (under ``vmap``) with respect to ``z`` and the logits only, and its gradient joins the
    hand-written backward pass there.
    """

    def __init__(self, models: list[zoo.ZooModel]) -> None:
        layers = models[0].dense_layers()
        if not layers:
            raise VaxisInputError(f"{type(models[0]).__name__} is not a dense architecture.")
        self.R = len(models)
        named = [dict(m.named_parameters()) for m in models]
        self.names = [n for pair in layers for n in pair]
        shapes = [tuple(named[0][n].shape) for n in self.names]
        # parameter-major layout: each parameter's (R, *shape) block is contiguous (batched matrix
        # products on a strided view of an (R, P) layout fall off the fast GEMM path)
        self.flat = torch.cat([torch.stack([d[n].detach() for d in named]).reshape(-1) for n in self.names])
        self.grad = torch.zeros_like(self.flat)
        self.m, self.v = torch.zeros_like(self.flat), torch.zeros_like(self.flat)
        self.params: dict[str, torch.Tensor] = {}
        self.grads: dict[str, torch.Tensor] = {}
        offset = 0
        for n, shape in zip(self.names, shapes):
            size = self.R * math.prod(shape)
            self.params[n] = self.flat[offset:offset + size].view(self.R, *shape)
            self.grads[n] = self.grad[offset:offset + size].view(self.R, *shape)
            offset += size
        self.layers = layers
        self._aux: dict[int, Callable[..., torch.Tensor]] = {}

    def _weights(self, params: dict[str, torch.Tensor] | None) -> list[tuple[torch.Tensor, torch.Tensor]]:
        p = self.params if params is None else params
        return [(p[w], p[b]) for w, b in self.layers]

    def _forward(self, x: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """x (R, n, F) or (n, F) -> logits (R, n, K) and z (R, n, D)."""
        h = x
        weights = self._weights(params)
        for i, (w, b) in enumerate(weights):
            a = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2)) if h.ndim == 3 else \
                torch.matmul(h, w.transpose(1, 2)).add_(b.unsqueeze(1))
            if i < len(weights) - 1:
                h = a.clamp_min(0)
        return a, (h if len(weights) > 1 else a)

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n) (each replica its own rows)."""
        return self._forward(X[rows].flatten(2), params)

    def run_shared(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of the same rows x (n, C, F) for every replica."""
        return self._forward(x.flatten(1), params)

    def _aux_grads(self, z, logits, y, ib, aux_loss, aux_weight) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Gradients of ``aux_weight * aux_loss`` (summed over replicas) w.r.t. z and the logits."""
        key = id(aux_loss)
        if key not in self._aux:
            self._aux[key] = vmap(aux_loss, in_dims=(0, 0, 0, 0), randomness="different")
        if z is logits:  # logistic regression: z is the logits
            leaf = logits.detach().requires_grad_()
            (g,) = torch.autograd.grad(self._aux[key](leaf, leaf, y, ib).sum() * aux_weight, leaf)
            return None, g
        zl, ll = z.detach().requires_grad_(), logits.detach().requires_grad_()
        gz, gl = torch.autograd.grad(self._aux[key](zl, ll, y, ib).sum() * aux_weight, (zl, ll), allow_unused=True)
        return (gz if gz is not None else torch.zeros_like(zl)), (gl if gl is not None else torch.zeros_like(ll))

    def _workspace(self, X: torch.Tensor, B: int) -> dict[str, Any]:
        """Buffers of one training step, allocated once per (data, batch size) and reused."""
        key = (X.data_ptr(), tuple(X.shape), B)
        if getattr(self, "_ws_key", None) != key:
            widths = [self.params[w].shape[1] for w, _ in self.layers]
            self._ws = {"X": X.reshape(X.shape[0], -1).contiguous(),
                        "x": torch.empty(self.R * B, X[0].numel()),
                        "act": [torch.empty(self.R, B, n) for n in widths],
                        "delta": [torch.empty(self.R, B, n) for n in widths[:-1]],
                        "minus_one": torch.full((self.R, B, 1), -1.0)}
            self._ws_key = key
        return self._ws

    def train_step(self, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica on its minibatch rows ``ib`` (R, B).

        Every intermediate lives in a preallocated buffer (``out=`` and in-place operations), the
        ReLU is applied in place and its gradient taken from its output (``threshold_backward``),
        and the softmax is written out over the small class axis: on 2 cores these halve the step
        time against the allocating form.
        """
        R, B = ib.shape
        ws = self._workspace(X, B)
        act, delta = ws["act"], ws["delta"]
        weights = self._weights(None)
        L = len(weights)
        with torch.no_grad():
            torch.index_select(ws["X"], 0, ib.reshape(-1), out=ws["x"])
            x = ws["x"].view(R, B, -1)
            inputs = [x] + act[:-1]
            for i, (w, b) in enumerate(weights):
                torch.baddbmm(b.unsqueeze(1), inputs[i], w.transpose(1, 2), out=act[i])
                if i < L - 1:
                    act[i].clamp_min_(0)
            logits = act[-1]
            z = act[-2] if L > 1 else logits
            yb = y[ib]
            if aux_loss is not None and aux_weight != 0.0:
                with torch.enable_grad():
                    gz, gl = self._aux_grads(z, logits, yb, ib, aux_loss, aux_weight)
            else:
                gz = gl = None
            d = logits  # d(mean CE)/d logits = (softmax - onehot) / B, computed in place
            d.sub_(d.amax(dim=-1, keepdim=True)).exp_()
            d.div_(d.sum(dim=-1, keepdim=True))
            d.scatter_add_(2, yb.unsqueeze(2), ws["minus_one"])
            d.div_(B)
            if gl is not None:
                d.add_(gl)
            for i in range(L - 1, -1, -1):
                gw, gb = self.grads[self.layers[i][0]], self.grads[self.layers[i][1]]
                torch.bmm(d.transpose(1, 2), inputs[i], out=gw)
                torch.sum(d, dim=1, out=gb)
                if i == 0:
                    break
                torch.bmm(d, weights[i][0], out=delta[i - 1])
                d = delta[i - 1]
                if gz is not None and i == L - 1:
                    d.add_(gz)
                torch.ops.aten.threshold_backward.grad_input(d, act[i - 1], 0.0, grad_input=d)
            _adamw_tensor_(self.flat, self.grad, self.m, self.v, step, config.lr, config.weight_decay)


def _plain_step(model: zoo.ZooModel, opt: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
                rows: torch.Tensor, aux_loss: AuxLoss | None, aux_weight: float) -> None:
    """One optimiser step of one model on minibatch ``rows``: cross-entropy (+ weighted auxiliary loss)."""
    opt.zero_grad(set_to_none=True)
    logits, z = model(X[rows], return_embedding=True)
    loss = torch.nn.functional.cross_entropy(logits, y[rows])
    if aux_loss is not None and aux_weight != 0.0:
        loss = loss + aux_weight * aux_loss(z, logits, y[rows], rows)
    loss.backward()
    opt.step()


class LoopStack:
    """R replicas trained one after another: each an ``nn.Module`` with ``torch.optim.AdamW``.

    For architectures whose per-replica work already fills the cores (convolutions, graph
    convolutions, attention: :attr:`~vaxis.zoo.ZooModel.vmap_stacking` is False), where ``vmap``
    adds cost instead of removing it (``benchmarks/README.md``). It offers the interface of the
    other stacks, so caching, resumption, early stopping and evaluation are shared; ``params`` is a
    stacked *copy* of the current weights. A replica whose early stopping has run out of patience
    (``frozen``, set by the training loop) is no longer updated: its kept weights are fixed anyway.
    """

    def __init__(self, models: list[zoo.ZooModel]) -> None:
        self.models = models
        self.R = len(models)
        self.names = [k for k, _ in models[0].named_parameters()]
        self.frozen = np.zeros(self.R, dtype=bool)
        self._opts: list[torch.optim.Optimizer] | None = None

    @property
    def params(self) -> dict[str, torch.Tensor]:
        per_model = [dict(m.named_parameters()) for m in self.models]
        return {k: torch.stack([d[k].detach() for d in per_model]) for k in self.names}

    def train_step(self, X: torch.Tensor, y: torch.Tensor, ib: torch.Tensor, step: int, config: TrainConfig,
                   aux_loss: AuxLoss | None, aux_weight: float) -> None:
        """One AdamW step of every replica that is not frozen, on its minibatch rows ``ib[r]``."""
        if self._opts is None:
            self._opts = [_adamw_optimizer(m, config) for m in self.models]
        for r, (model, opt) in enumerate(zip(self.models, self._opts)):
            if self.frozen[r]:
                continue
            _plain_step(model, opt, X, y, ib[r], aux_loss, aux_weight)

    def _each(self, params: dict[str, torch.Tensor] | None, inputs: Callable[[int], torch.Tensor]):
        outs = []
        for r, model in enumerate(self.models):
            if params is None:
                outs.append(model(inputs(r), return_embedding=True))
            else:
                outs.append(functional_call(model, {k: v[r] for k, v in params.items()}, (inputs(r),),
                                            {"return_embedding": True}))
        return torch.stack([o[0] for o in outs]), torch.stack([o[1] for o in outs])

    def forward_rows(self, X: torch.Tensor, rows: torch.Tensor, params=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of rows (R, n) (each replica its own rows)."""
        return self._each(params, lambda r: X[rows[r]])

    def run_shared(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (R, n, K) and z (R, n, D) of the same rows x for every replica."""
        return self._each(params, lambda r: x)


Stack = _Stack | DenseStack | LoopStack


def make_stack(models: list[zoo.ZooModel]) -> Stack:
    """The fastest form of ``models`` (one architecture) on CPU: :class:`DenseStack` for the
    perceptron family, :class:`_Stack` (vmap) where stacking pays, else :class:`LoopStack`."""
    if models[0].dense_layers():
        return DenseStack(models)
    return _Stack(models) if models[0].vmap_stacking else LoopStack(models)


def _train_stack(stack: Stack, X: torch.Tensor, y: torch.Tensor, train_rows: list[np.ndarray],
                 val_rows: list[np.ndarray], rngs: list[np.random.Generator], config: TrainConfig,
                 aux_loss: AuxLoss | None, aux_weight: float, tick: Callable[[], None]) -> dict[str, Any]:
    """Train stacked replicas with early stopping; returns best params and histories."""
    R = stack.R
    best = {k: p.detach().clone() for k, p in stack.params.items()}
    best_loss = torch.full((R,), float("inf"))
    best_epoch, bad = np.zeros(R, dtype=int), np.zeros(R, dtype=int)
    stopped_at = np.zeros(R, dtype=int)
    history: list[np.ndarray] = []
    has_val = all(v.size for v in val_rows)
    if has_val:
        vmax = max(v.size for v in val_rows)
        vrows = torch.as_tensor(np.stack([np.resize(v, vmax) for v in val_rows]))
        vmask = torch.as_tensor(np.stack([np.arange(vmax) < v.size for v in val_rows]), dtype=torch.float32)
    step = 0
    for epoch in range(1, config.max_epochs + 1):
        batches = torch.as_tensor(_epoch_batches(rngs, train_rows, config.batch_size))
        for s in range(batches.shape[1]):
            step += 1
            stack.train_step(X, y, batches[:, s], step, config, aux_loss, aux_weight)
        tick()
        if not has_val:
            continue
        with torch.no_grad():
            total = torch.zeros(R)
            chunk = max(32, config.eval_batch // R)
            for a in range(0, vmax, chunk):
                rows = vrows[:, a:a + chunk]
                logits, _ = stack.forward_rows(X, rows)
                ce = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y[rows].flatten(), reduction="none")
                total += (ce.view(R, -1) * vmask[:, a:a + chunk]).sum(1)
            val = total / vmask.sum(1)
        history.append(val.numpy().copy())
        improved = val < best_loss
        active = bad < config.patience
        upd = improved & torch.as_tensor(active)
        for k, p in stack.params.items():
            best[k] = torch.where(upd.view(R, *([1] * (p.ndim - 1))), p.detach(), best[k])
        best_loss = torch.where(upd, val, best_loss)
        up = upd.numpy()
        best_epoch[up] = epoch
        bad[up] = 0
        bad[active & ~up] += 1
        stopped_at[active & (bad >= config.patience)] = epoch
        if isinstance(stack, LoopStack):
            stack.frozen = bad >= config.patience
        if (bad >= config.patience).all():
            break
    if not has_val:
        best = {k: p.detach().clone() for k, p in stack.params.items()}
        best_epoch[:] = config.max_epochs
    stopped_at[stopped_at == 0] = epoch  # replicas that never ran out of patience ran every epoch
    hist = np.stack(history, axis=1) if history else np.zeros((R, 0))
    return {"params": best, "best_epoch": best_epoch, "stopped_at": stopped_at,
            "best_loss": best_loss.numpy(), "history": hist}


def _evaluate_stack(stack: Stack, params: dict[str, torch.Tensor], data: TrainData, X: torch.Tensor,
                    eval_batch: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trial-mean z (R, T, D), trial-mean softmax (R, T, K) and window predictions (R, N; -1 = skipped)."""
    N, T = X.shape[0], data.n_trials
    trial = torch.as_tensor(data.trial)
    keep = torch.as_tensor(np.flatnonzero(data.window % stride == 0))
    z_sum = proba_sum = None
    pred = torch.full((stack.R, N), -1, dtype=torch.int64)
    chunk = max(32, eval_batch // stack.R)
    with torch.no_grad():
        for a in range(0, keep.numel(), chunk):
            rows = keep[a:a + chunk]
            logits, z = stack.run_shared(params, X[rows])
            if z_sum is None:
                z_sum = torch.zeros(stack.R, T, z.shape[-1])
                proba_sum = torch.zeros(stack.R, T, logits.shape[-1])
            z_sum.index_add_(1, trial[rows], z)
            proba_sum.index_add_(1, trial[rows], torch.softmax(logits, dim=-1))
            pred[:, rows] = logits.argmax(-1)
    counts = torch.bincount(trial[keep], minlength=T).clamp(min=1).to(torch.float32)[None, :, None]
    return (z_sum / counts).numpy(), (proba_sum / counts).numpy(), pred.numpy()


def _unit_result(arch: str, seed: int, fold: Fold, data: TrainData, z: np.ndarray, proba: np.ndarray,
                 pred: np.ndarray, best_epoch: int, stopped_at: int, best_loss: float,
                 history: np.ndarray) -> UnitResult:
    _, _, te_rows = data.fold_rows(fold)
    te_rows = te_rows[pred[te_rows] >= 0]
    test_trials = data.fold_trials(fold)[2]
    metrics = {
        "balanced_accuracy": balanced_accuracy(data.trial_label[test_trials], proba[test_trials].argmax(1)),
        "window_balanced_accuracy": balanced_accuracy(data.y[te_rows], pred[te_rows]),
        "best_epoch": int(best_epoch), "epochs_run": int(stopped_at), "best_val_loss": float(best_loss),
    }
    return UnitResult(arch, int(seed), fold.index, metrics, z.astype(np.float32), proba.astype(np.float32),
                      test_trials, np.asarray(history, dtype=np.float32))


def architecture_source_hash(arch: str) -> str:
    """Hash of the source file of ``arch``'s model: results trained by older code are not reused."""
    import inspect
    import sys

    return io.stable_hash(inspect.getsource(sys.modules[zoo.ARCHITECTURES[arch].__module__]))


def unit_key(arch: str, data: TrainData, folds: Sequence[Fold], config: TrainConfig,
             arch_kwargs: dict[str, Any] | None, aux_key: str | None, aux_weight: float) -> str:
    """Cache key of every unit of a job (seed and fold are in the file name)."""
    return io.stable_hash(ENGINE_VERSION, arch, architecture_source_hash(arch), arch_kwargs or {}, data.fingerprint(),
                          fold_signature(folds), config.key(), aux_key, float(aux_weight), numerics.fingerprint())


# ----------------------------------------------------------------------------- public API
def train(architectures: str | Sequence[str], data: TrainData, folds: Sequence[Fold], seeds: Sequence[int],
          config: TrainConfig = TrainConfig(), *, arch_kwargs: dict[str, dict[str, Any]] | None = None,
          aux_loss: AuxLoss | None = None, aux_weight: float = 0.0, aux_key: str | None = None,
          cache: bool | str | Path = True, progress: bool = True, desc: str = "training") -> TrainResults:
    """Train every (architecture, seed, fold) unit, stacked, cached and resumable.

    Parameters
    ----------
    architectures : str or sequence of str
        Names in :data:`vaxis.zoo.ARCHITECTURES`.
    data : TrainData
    folds : sequence of Fold
        From :func:`vaxis.folds.subject_folds`.
    seeds : sequence of int
        Initialisation (and minibatch-order) seeds; one unit per seed and fold.
    config : TrainConfig
    arch_kwargs : dict, optional
        Per-architecture size arguments, e.g. ``{"mlp": {"hidden": 128}}``.
    aux_loss, aux_weight : callable, float
        Auxiliary loss added to the task loss (contract in the module docstring).
    aux_key : str, optional
        A name identifying ``aux_loss`` and its targets in the cache key; required when caching
        with an auxiliary loss.
    cache : bool or path
        ``True``: :func:`vaxis.io.cache_dir` ``("classifiers")``; a path: that folder; ``False``: none.
    progress : bool
        Show one tqdm bar (epochs of all chunks) over the whole job.

    Returns
    -------
    TrainResults
    """
    archs = [architectures] if isinstance(architectures, str) else list(architectures)
    for a in archs:
        check_option("architecture", a, zoo.ARCHITECTURES)
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise VaxisInputError(f"seeds must be distinct and non-empty, got {seeds}.")
    folds = list(folds)
    check_training_inputs(data.X, data.y, data.subject, folds, len(data.classes))
    if aux_loss is not None and aux_weight != 0.0 and cache is not False and not aux_key:
        raise VaxisInputError("Give aux_key (a name for the auxiliary loss and its targets) to cache its results.")
    if aux_loss is not None and not callable(aux_loss):
        raise VaxisInputError("aux_loss must be callable: aux_loss(z, logits, y, idx) -> scalar tensor.")
    folder = None if cache is False else (io.cache_dir("classifiers") if cache is True else Path(cache))
    arch_kwargs = arch_kwargs or {}

    done: dict[tuple[str, int, int], UnitResult] = {}
    chunks: list[tuple[str, list[tuple[int, Fold]], str]] = []
    for a in archs:
        key = unit_key(a, data, folds, config, arch_kwargs.get(a), aux_key, aux_weight)
        todo = []
        for s in seeds:
            for f in folds:
                path = folder / f"{a}-seed{s}-fold{f.index}-{key}.npz" if folder else None
                if path is not None and path.is_file():
                    done[(a, s, f.index)] = UnitResult.load(path)
                else:
                    todo.append((s, f))
        for i in range(0, len(todo), config.max_replicas):
            chunks.append((a, todo[i:i + config.max_replicas], key))

    from tqdm import tqdm

    per_chunk = max(1, config.max_epochs)
    bar = tqdm(total=per_chunk * len(chunks), desc=desc, unit="epoch", disable=not progress or not chunks)
    X = torch.as_tensor(data.X)
    y = torch.as_tensor(data.y)
    n_trained = 0
    try:
        for a, members, key in chunks:
            bar.set_postfix_str(f"{a} x{len(members)}")
            start = bar.n
            units = _train_chunk(a, arch_kwargs.get(a, {}), data, X, y, members, config, aux_loss, aux_weight,
                                 bar.update)
            bar.update(start + per_chunk - bar.n)
            for u in units:
                if folder is not None:
                    u.save(folder / f"{a}-seed{u.seed}-fold{u.fold}-{key}.npz")
                done[(a, u.seed, u.fold)] = u
                n_trained += 1
    finally:
        bar.close()
    ordered = [done[(a, s, f.index)] for a in archs for s in seeds for f in folds]
    return TrainResults(ordered, data, folds, trained=n_trained)


def _train_chunk(arch: str, kwargs: dict[str, Any], data: TrainData, X: torch.Tensor, y: torch.Tensor,
                 members: list[tuple[int, Fold]], config: TrainConfig, aux_loss: AuxLoss | None,
                 aux_weight: float, tick: Callable[..., Any]) -> list[UnitResult]:
    n_chans, n_bands = data.X.shape[1:]
    models = [zoo.build(arch, n_chans, n_bands, len(data.classes), seed=s, **kwargs) for s, _ in members]
    stack = make_stack(models)
    plans = [_fold_plan(data, f, config.window_stride) for _, f in members]
    rngs = [np.random.default_rng([s, f.index, 1]) for s, f in members]
    torch.manual_seed(int(io.stable_hash(arch, [(s, f.index) for s, f in members], length=8), 16))
    if config.max_epochs > 0:
        out = _train_stack(stack, X, y, [p[0] for p in plans], [p[1] for p in plans], rngs, config, aux_loss,
                           aux_weight, lambda: tick(1))
    else:
        R = len(members)
        out = {"params": {k: p.detach() for k, p in stack.params.items()}, "best_epoch": np.zeros(R, int),
               "stopped_at": np.zeros(R, int), "best_loss": np.full(R, np.nan), "history": np.zeros((R, 0))}
    z, proba, pred = _evaluate_stack(stack, out["params"], data, X, config.eval_batch, config.window_stride)
    return [_unit_result(arch, s, f, data, z[r], proba[r], pred[r], out["best_epoch"][r], out["stopped_at"][r],
                         out["best_loss"][r], out["history"][r]) for r, (s, f) in enumerate(members)]


def train_plain(arch: str, data: TrainData, fold: Fold, seed: int, config: TrainConfig = TrainConfig(),
                arch_kwargs: dict[str, Any] | None = None, aux_loss: AuxLoss | None = None,
                aux_weight: float = 0.0) -> UnitResult:
    """The reference: one model, a plain PyTorch loop with ``torch.optim.AdamW`` (no vmap, no cache).

    Same initial weights, minibatches, optimiser arithmetic and early stopping as :func:`train`
    (when the folds' training sets differ in size, a stacked job gives every replica the step count
    of the largest and the plain loop takes its own, so the two then differ by a few steps);
    ``aux_loss`` (same contract, called on the one model's minibatch) is added with ``aux_weight``.
    Used by the tests (stacked == sequential) and by ``benchmarks/`` (the plain way).
    """
    check_training_inputs(data.X, data.y, data.subject, [fold], len(data.classes))
    n_chans, n_bands = data.X.shape[1:]
    model = zoo.build(arch, n_chans, n_bands, len(data.classes), seed=seed, **(arch_kwargs or {}))
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    tr, va = _fold_plan(data, fold, config.window_stride)
    rng = np.random.default_rng([seed, fold.index, 1])
    opt = _adamw_optimizer(model, config)
    best_state = copy.deepcopy(model.state_dict())
    best_loss, best_epoch, bad, stopped, history = float("inf"), 0, 0, config.max_epochs, []
    for epoch in range(1, config.max_epochs + 1):
        batches = torch.as_tensor(_epoch_batches([rng], [tr], config.batch_size)[0])
        for ib in batches:
            _plain_step(model, opt, X, y, ib, aux_loss, aux_weight)
        if va.size == 0:
            best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch
            continue
        with torch.no_grad():
            total = sum(torch.nn.functional.cross_entropy(model(X[va[a:a + config.eval_batch]]),
                                                          y[va[a:a + config.eval_batch]], reduction="sum")
                        for a in range(0, va.size, config.eval_batch))
        val = float(total) / va.size
        history.append(val)
        if val < best_loss:
            best_loss, best_epoch, bad = val, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad += 1
            if bad >= config.patience:
                stopped = epoch
                break
    model.load_state_dict(best_state)
    stack = _Stack([model])
    z, proba, pred = _evaluate_stack(stack, stack.params, data, X, config.eval_batch, config.window_stride)
    return _unit_result(arch, seed, fold, data, z[0], proba[0], pred[0], best_epoch,
                        stopped if va.size else config.max_epochs, best_loss, np.asarray(history))
