r"""Train many small classifiers at once: every (architecture, seed, fold) unit of a job, stacked.

A *unit* is one (architecture, seed, fold) training. Units of the same architecture are trained
together as *replicas* in one :class:`~vaxis.decoding.engine.stacks.ReplicaStack`, the one small
interface the training loop talks to (:mod:`~vaxis.decoding.engine.stacks`). Each architecture
names its stack in one attribute, ``stacking`` (:class:`vaxis.decoding.zoo.ZooModel`):

- ``"dense"`` (:class:`~vaxis.decoding.engine.dense.DenseStack`): the perceptron family
  (logistic regression, MLP). Batched forward and backward passes written by hand (batched matrix
  products into preallocated buffers) and one AdamW step on a single flat tensor for all
  replicas: about 25 tensor operations per step; layer-1 products near the machine's
  matrix-multiply peak (``benchmarks/README.md``).
- ``"batched"`` (:class:`~vaxis.decoding.engine.batched.BatchedStack`): convolutional, graph and
  attention models (DGCNN, EEGNet, transformer, grid CNN). Each writes its forward pass once more
  with stacked weights (:meth:`~vaxis.decoding.zoo.ZooModel.forward_stacked`: replicas as the groups
  of a grouped convolution, batched matrix products for graph, attention and dense layers, linear
  stages folded into one matrix per replica); autograd differentiates it and one fused AdamW call
  updates all replicas.
- ``"loop"`` (:class:`~vaxis.decoding.engine.loop.LoopStack`): any architecture without a stacked
  forward pass, trained one replica after another (plain ``nn.Module`` + ``torch.optim.AdamW``
  steps, skipping replicas whose early stopping has run out of patience), inside the same job,
  cache and evaluation; with one replica it is the plain loop bit for bit.

Modules: :mod:`~.data` (:class:`TrainData`), :mod:`~.config` (:class:`TrainConfig`),
:mod:`~.results` (:class:`UnitResult`, :class:`TrainResults`, cache keys), :mod:`~.optim` (the
AdamW kernel), :mod:`~.stacks`, :mod:`~.dense`, :mod:`~.batched`, :mod:`~.loop`, :mod:`~.job` (:func:`train`, the
job) and :mod:`~.plain` (:func:`train_plain`, the reference loop).

Training input
--------------
Window-level DE (:meth:`vaxis.eeg.EEGDataset.window_features`, z-scored within subject): one
sample per subject, clip and 1-s window, as in the FACED literature (30 windows per clip). The
window's label is its clip's category. ``TrainConfig.window_stride`` keeps every k-th window of
each clip (neighbouring 1-s windows are strongly correlated, so a stride of 3-5 loses little and
divides the cost by as much). Predictions and representations are computed on the kept windows
and averaged per trial (subject x clip): a trial's class probabilities are the mean of its
windows' softmax outputs (trial-level balanced accuracy is the headline metric), its
representation ``z`` the mean of its windows' penultimate vectors.

Protocol of one unit
--------------------
- Initial weights: :func:`vaxis.decoding.zoo.build` with ``seed`` (same initial network in every fold).
- Minibatches: every epoch, replica (seed, fold) draws a permutation of its training rows with its
  own generator ``numpy.random.default_rng([seed, fold, 1])``; all replicas of a job take the same
  number of steps per epoch (that of the largest training set; smaller sets wrap around).
- Optimiser: AdamW (decoupled weight decay), PyTorch's fused AdamW kernel (``torch.optim.AdamW(...,
  fused=True)``; :class:`DenseStack` calls the same kernel on its flat tensor). Its square root is
  the exactly rounded hardware one, so training rounds the same on every CPU (:mod:`vaxis.numerics`);
  the single-tensor and foreach forms take ``torch.sqrt``, which does not.
- Early stopping: after every epoch, the mean cross-entropy on the fold's validation subjects (held
  out of training, see :mod:`vaxis.decoding.folds`); the weights of the best epoch are kept; a
  replica stops after ``patience`` epochs without improvement. The loop tells the stack which
  replicas stopped (:meth:`ReplicaStack.freeze`): :class:`LoopStack` skips them, :class:`DenseStack`
  keeps updating them (it costs nothing extra) while their best weights stay frozen, so the result
  is exactly the one of a loop that stopped.

Auxiliary losses (hook for chapter 5)
-------------------------------------
``train(..., aux_loss=f, aux_weight=w, aux_key="name")`` adds ``w * f(z, logits, y, idx)`` to the
task loss of every step. Contract, because ``f`` may run **inside** ``vmap`` over replicas
(:class:`DenseStack` differentiates it that way):

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
arithmetic; :class:`LoopStack` is bit-for-bit the plain loop, :class:`DenseStack`'s and
:class:`BatchedStack`'s batched matrix products sum in another order, so they agree to float32
round-off after one step and within a small tolerance after training (tested); early-stopping
epochs can differ when two epochs' validation losses tie to ~1e-6.

Cache and resume
----------------
Each unit is written to ``<cache>/classifiers/<arch>-seed<S>-fold<F>-<key>.npz`` (atomic, via
:mod:`vaxis.io`), ``key`` (:func:`~vaxis.decoding.engine.results.unit_key`) from explicit version
constants -- :data:`ENGINE_VERSION` and the architecture's ``version`` -- and the job's inputs: data,
folds, sizes, training config, auxiliary loss, numerics. A job loads the units already on disk and
trains only the missing ones, in chunks of at most ``TrainConfig.max_replicas`` replicas; an
interrupted job loses at most the chunk in flight.
"""

from .config import TrainConfig
from .data import TrainData
from .plain import train_plain
from .results import ENGINE_VERSION, TrainResults, UnitResult, unit_key
from .stacks import STACKS, AuxLoss, ReplicaStack, make_stack
from .job import train

__all__ = ["ENGINE_VERSION", "STACKS", "AuxLoss", "ReplicaStack", "TrainConfig", "TrainData", "TrainResults",
           "UnitResult", "make_stack", "train", "train_plain", "unit_key"]
