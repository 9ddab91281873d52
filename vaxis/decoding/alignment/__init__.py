"""Alignment strategies: auxiliary losses that pull an EEG network's representation towards the LLM.

Chapter 5 (the saturation sweep) asks whether aligning an EEG classifier with the LLM's emotion
geometry helps decoding. Each *strategy* here is one real auxiliary loss; the training engine adds
it to the cross-entropy task loss with a weight chosen by a small inner search (the same three
candidate weights for every strategy, :data:`DEFAULT_WEIGHTS`).

The contract the engine relies on
---------------------------------
::

    targets = make_targets(category_vectors, v_positions, v_direction, sentence_embeddings, arousal,
                           channel_adjacency)          # once per training job
    strategy = get("rsa_pearson")
    aux = strategy.loss_fn(z, logits, y, targets, params)   # scalar tensor
    loss = cross_entropy(logits, y) + weight * aux

    # with the training engine (its hook is f(z, logits, y, idx)):
    vaxis.decoding.engine.train(..., aux_loss=as_aux_loss("rsa_pearson", targets), aux_weight=weight,
                                aux_key=aux_key("rsa_pearson"))

- ``z``: (B, D_net) the network's penultimate representation of a minibatch; ``logits``: (B, K);
  ``y``: (B,) int64 category labels in ``0..K-1`` (the order of ``targets``' rows).
- ``params``: a mapping of plain Python numbers; missing keys take the strategy's
  ``default_params``, unknown keys raise. ``params`` may be ``None``.
- Every loss is a pure function of torch ops and works under :func:`torch.func.vmap` over stacked
  model replicas (``z`` and ``logits`` batched, ``y`` batched or shared). ``targets`` is *closed
  over* (it is a dataclass, not a pytree): build the loss as ``lambda z, lg, y: fn(z, lg, y,
  targets, params)`` before vmapping. No ``.item()``, no in-place ops, no boolean-mask indexing,
  no random numbers: masks are multiplied in, and every shape depends only on B, D_net and K.

How spaces of different sizes are compared (D_net != D_llm)
-----------------------------------------------------------
All losses are **parameter-free** (nothing to train besides the network itself). Two devices:

1. *Similarity structures* -- RSA, CKA, Procrustes, ridge regressions solved in closed form inside
   the batch (Bertinetto et al., 2019) -- compare the batch's ``z`` with the LLM coordinates of the
   samples' categories and need no common dimension.
2. A *fixed read-out*: :func:`readout` projects ``z`` onto the first ``r`` non-constant DCT-II
   basis vectors over the units (an orthonormal, deterministic, seed-free ``(D_net, r)`` matrix
   that mixes all units, so non-negative ReLU features still give signed coordinates). Losses that
   need a point-to-point comparison (cosine embedding, InfoNCE, prototypes, V read-out) compare
   ``readout(z, r)`` with the LLM's *category coordinates*: the PCA coordinates of the
   category vectors centred on their mean (``r = K - 1``, all the geometry K points have). The
   network is free to route whatever it likes into those ``r`` directions.

LLM vectors are centred across categories before any cosine or correlation: raw hidden states are
strongly anisotropic (every pair of categories has cosine near 1), which would hide the structure.

Families (:data:`FAMILIES`), one module each: ``distillation``, ``v_axis``, ``similarity``,
``contrastive``, ``topographic``, ``control`` (:mod:`~.controls`); the shared pieces are
:mod:`~.targets` (:func:`make_targets`), :mod:`~.registry` (:func:`register`, :func:`get`,
:func:`as_aux_loss`) and :mod:`~.blocks` (vmap-safe building blocks). :func:`describe` tabulates
the registry for the book, :func:`describe_markdown` shows each idea in full with its citations.
A new strategy is one decorated function in its family's module (with what it pulls together, its
definition and the bibliography keys of its papers).
"""

# The family modules register their strategies when imported, in the order of FAMILIES: that
# order is the registry's (and the chapters' tables').
from . import distillation, v_axis, similarity, contrastive, topographic, controls  # noqa: E402,F401  (registration)
from .blocks import readout  # noqa: E402
from .registry import (  # noqa: E402
    BLOCKS_VERSION,
    DEFAULT_WEIGHTS,
    FAMILIES,
    STRATEGIES,
    Strategy,
    as_aux_loss,
    aux_key,
    describe,
    describe_markdown,
    get,
    register,
)
from .targets import AlignmentTargets, adjacency_from_positions, make_targets  # noqa: E402

__all__ = ["AlignmentTargets", "BLOCKS_VERSION", "DEFAULT_WEIGHTS", "FAMILIES", "STRATEGIES", "Strategy",
           "adjacency_from_positions", "as_aux_loss", "aux_key", "describe", "describe_markdown", "get",
           "make_targets", "readout", "register"]
