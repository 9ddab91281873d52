"""The registry of alignment strategies: :func:`register` a loss, :func:`get` it, hook it into training.

A strategy is one auxiliary loss ``fn(z, logits, y, targets, params)`` with its family, defaults,
weight grid, the idea it comes from and a ``version``: an explicit constant, part of the key of
every sweep task that trains with it. Bump it when the loss gives other numbers for the same
inputs (formula, defaults); not for docstrings or refactoring. The shared building blocks have
their own :data:`BLOCKS_VERSION`, part of every strategy's key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from torch import Tensor

from ..._checks import VaxisInputError, check_type
from .targets import AlignmentTargets

#: The strategy families of the design (section 5), in the order the book lists them.
FAMILIES: tuple[str, ...] = ("distillation", "v_axis", "similarity", "contrastive", "topographic", "control")

#: Candidate loss weights of the inner search; the same budget (three weights) for every strategy.
#: Every loss is scaled to be O(1) at initialisation (correlations, ratios in [0, 1], or
#: T^2-scaled KL), so one grid serves all.
DEFAULT_WEIGHTS: tuple[float, ...] = (0.1, 0.3, 1.0)

#: Version of the shared building blocks (:mod:`~vaxis.decoding.alignment.blocks`,
#: :mod:`~vaxis.decoding.alignment.targets`): bump when they give other numbers.
BLOCKS_VERSION = 1

LossFn = Callable[[Tensor, Tensor, Tensor, AlignmentTargets, Mapping[str, Any]], Tensor]


@dataclass(frozen=True)
class Strategy:
    """One alignment strategy: a named auxiliary loss with its defaults and weight grid.

    Attributes
    ----------
    name : str
        Registry key.
    family : str
        One of :data:`FAMILIES`.
    loss_fn : callable
        ``loss_fn(z, logits, y, targets, params) -> scalar tensor``; ``params`` may be partial or
        ``None`` (defaults fill in), unknown keys raise :class:`~vaxis._checks.VaxisInputError`.
        Shapes are checked; label values are not (that would read data under vmap): ``y`` must
        hold ``0..K-1``. ``targets`` is cast to ``z``'s dtype and device when they differ.
    default_params : mapping
        Hyper-parameters (plain numbers) and their defaults.
    weights : tuple of float
        Candidate weights for the inner search (same length for every strategy).
    idea : str
        Short citation of the idea the loss comes from.
    pulls : str
        What the loss pulls together (or apart), in a few words.
    definition : str
        The loss in one formula or sentence (symbols as in its docstring).
    cite : tuple of str
        Keys in ``book/references.bib`` of the papers the idea comes from (the book cites them).
    doc : str
        The full docstring of the loss.
    version : int
        Version of the loss's arithmetic (see the module docstring).
    """

    name: str
    family: str
    loss_fn: LossFn
    default_params: Mapping[str, Any]
    weights: tuple[float, ...]
    idea: str
    doc: str = field(repr=False, default="")
    version: int = 1
    pulls: str = ""
    definition: str = ""
    cite: tuple[str, ...] = ()

    def __call__(self, z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets,
                 params: Mapping[str, Any] | None = None) -> Tensor:
        """Same as ``self.loss_fn(z, logits, y, targets, params)``."""
        return self.loss_fn(z, logits, y, targets, params)


STRATEGIES: dict[str, Strategy] = {}


def register(
    name: str,
    family: str,
    idea: str,
    params: Mapping[str, Any] | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    version: int = 1,
    *,
    pulls: str = "",
    definition: str = "",
    cite: Sequence[str] = (),
) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Decorator adding a loss ``fn(z, logits, y, targets, params)`` to :data:`STRATEGIES`.

    ``fn`` receives ``params`` complete (defaults merged in). The same function may be registered
    under several names with different defaults (e.g. distillation temperatures). ``pulls``,
    ``definition`` and ``cite`` (bibliography keys) describe the idea in full for the book's table
    (:func:`describe_markdown`); they are not part of the cache key.
    """
    if family not in FAMILIES:
        raise VaxisInputError(f"family={family!r} is not valid; use one of: {', '.join(FAMILIES)}.")
    if name in STRATEGIES:
        raise VaxisInputError(f"an alignment strategy named {name!r} is already registered.")
    defaults = MappingProxyType(dict(params or {}))
    weights = tuple(float(w) for w in weights)
    if not weights or any(not (w > 0 and math.isfinite(w)) for w in weights):
        raise VaxisInputError(f"weights of {name!r} must be positive finite numbers, got {weights}.")

    def deco(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        def loss_fn(z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets,
                    params: Mapping[str, Any] | None = None) -> Tensor:
            p = dict(defaults)
            if params:
                unknown = set(params) - set(defaults)
                if unknown:
                    raise VaxisInputError(
                        f"{name}: unknown parameter(s) {sorted(unknown)}; known: {sorted(defaults)}."
                    )
                p.update(params)
            _check_inputs(name, z, logits, y, targets)
            ref = targets.category_coords
            if ref.dtype != z.dtype or ref.device != z.device:  # static metadata: vmap-safe
                targets = targets.to(device=z.device, dtype=z.dtype)
            return fn(z, logits, y, targets, p)

        loss_fn.__name__ = f"{name}_loss"
        loss_fn.__doc__ = fn.__doc__
        STRATEGIES[name] = Strategy(name=name, family=family, loss_fn=loss_fn, default_params=defaults,
                                    weights=weights, idea=idea, doc=(fn.__doc__ or "").strip(),
                                    version=int(version), pulls=pulls, definition=definition,
                                    cite=tuple(cite))
        return fn

    return deco


def get(name: str) -> Strategy:
    """The strategy registered as ``name``; an unknown name lists the registered ones."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise VaxisInputError(
            f"no alignment strategy named {name!r}; registered: {', '.join(sorted(STRATEGIES))}."
        ) from None


def as_aux_loss(
    name: str, targets: AlignmentTargets, params: Mapping[str, Any] | None = None
) -> Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]:
    """The strategy ``name`` as the training engine's hook ``f(z, logits, y, idx)``.

    ``idx`` (row indices of the minibatch) is not needed: every target here is per category and
    looked up with ``y``. Parameters are validated now, not at the first training step. Use it
    as ``vaxis.engine.train(..., aux_loss=as_aux_loss(name, targets), aux_weight=w,
    aux_key=aux_key(name, params))``.
    """
    strategy = get(name)
    check_type("targets", targets, AlignmentTargets)
    unknown = set(params or {}) - set(strategy.default_params)
    if unknown:
        raise VaxisInputError(
            f"{name}: unknown parameter(s) {sorted(unknown)}; known: {sorted(strategy.default_params)}."
        )
    params = dict(params or {})

    def aux(z: Tensor, logits: Tensor, y: Tensor, idx: Tensor) -> Tensor:
        return strategy.loss_fn(z, logits, y, targets, params)

    aux.__name__ = f"{name}_aux"
    return aux


def aux_key(name: str, params: Mapping[str, Any] | None = None) -> str:
    """A stable cache-key string for a strategy, its version and its (complete) parameters,
    e.g. ``kd_t2@1(T=2.0,...)``."""
    strategy = get(name)
    p = {**strategy.default_params, **(params or {})}
    return f"{name}@{strategy.version}.{BLOCKS_VERSION}(" + ",".join(f"{k}={p[k]!r}" for k in sorted(p)) + ")"


def describe() -> Any:
    """The registry as a table (name, family, idea, weights, params), for the book.

    Returns
    -------
    pandas.DataFrame
        One row per strategy, in family order then registration order.
    """
    import pandas as pd

    rows = [
        {"name": s.name, "family": s.family, "idea": s.idea, "weights": s.weights,
         "params": dict(s.default_params), "pulls": s.pulls, "definition": s.definition, "cite": s.cite}
        for fam in FAMILIES for s in STRATEGIES.values() if s.family == fam
    ]
    return pd.DataFrame(rows, columns=["name", "family", "idea", "weights", "params", "pulls", "definition",
                                       "cite"])


def describe_markdown(names: Sequence[str] | None = None) -> str:
    """The strategies in full as a MyST pipe table: name, family, what each pulls together, its
    definition and the papers it comes from, cited with ``{cite}`` roles (keys of
    ``book/references.bib``). ``names`` selects and orders the rows (default: the whole registry).
    A chapter shows it with ``IPython.display.Markdown`` in a cell whose metadata asks MyST-NB to
    parse the output as MyST (``mystnb: {markdown_format: myst}``), so the citations resolve.
    """
    chosen = [get(n) for n in (names if names is not None else describe().name)]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| strategy | family | pulls together | definition | from |", "| --- | --- | --- | --- | --- |"]
    for s in chosen:
        papers = ", ".join(f"{{cite}}`{k}`" for k in s.cite) or cell(s.idea)
        lines.append(f"| `{s.name}` | {s.family} | {cell(s.pulls)} | {cell(s.definition)} | {papers} |")
    return "\n".join(lines) + "\n"


def _check_inputs(name: str, z: Tensor, logits: Tensor, y: Tensor, targets: AlignmentTargets) -> None:
    """Static shape checks (vmap-safe: shapes only, never values)."""
    if not isinstance(targets, AlignmentTargets):
        raise VaxisInputError(f"{name}: targets must be AlignmentTargets (see make_targets), "
                              f"got {type(targets).__name__}.")
    if z.ndim != 2:
        raise VaxisInputError(f"{name}: z must be (batch, features), got shape {tuple(z.shape)}.")
    b = z.shape[0]
    if logits.ndim != 2 or logits.shape[0] != b or logits.shape[1] != targets.n_classes:
        raise VaxisInputError(
            f"{name}: logits must be ({b}, {targets.n_classes}), got shape {tuple(logits.shape)}."
        )
    if y.ndim != 1 or y.shape[0] != b:
        raise VaxisInputError(f"{name}: y must be ({b},) labels, got shape {tuple(y.shape)}.")
    if b < 2:
        raise VaxisInputError(f"{name}: alignment losses compare samples; the batch needs >= 2, got {b}.")
