"""A model's V-axis as a library object: texts in, positions out (``vaxis.VAxis``).

>>> import vaxis
>>> ax = vaxis.VAxis.fit("smollm2-135m", layer=15, pooling="last")  # doctest: +SKIP
>>> ax.project(["I feel calm.", "My dog died."])                    # doctest: +SKIP
array([ 1.23, -4.56])

:class:`VAxis` bundles everything a position depends on: the model, the layer, the pooling, the
**template** a text is put into before the model reads it, the construction, the origin, the anchor
sentences, and the direction and origin vectors; :meth:`VAxis.save` writes all of it (and the vaxis
version) to one JSON file that :meth:`VAxis.load` reads back in any process. :func:`load_axis` gives
the axis the chapters chose for a model (layer, pooling and template on chapter 1's dev split).

The estimator underneath, on arrays of hidden states, is :class:`vaxis.llm.axis.AxisEstimator`; hidden
states come from :func:`vaxis.llm.hidden.extract`, which keeps only the one layer an axis needs.

No surprises: a call never installs or converts a model (a registry model that is not provisioned
fails at once, naming ``python -m vaxis.llm provision NAME``); it uses
:func:`vaxis.llm.hidden.default_threads` PyTorch threads (2 unless ``threads=`` or
``$VAXIS_THREADS`` say otherwise) on the CPU unless ``device=`` says otherwise, and caches each
text's pooled hidden state at the one layer (2.3 KB per text for SmolLM2-135M) in the bounded
cache described in :mod:`vaxis.llm.hidden`. An axis keeps its model in memory after the first
forward pass (the next calls skip loading it); :meth:`VAxis.unload` frees it.

Templates (:data:`TEMPLATES`) belong to an axis, not to the word norms: chapter 1 validated each
model's axis on single words presented bare (``"{w}"``) or in a sentence (``"I feel {w}."``), and
the template it chose travels with the axis. A fitted axis defaults to ``"{w}"`` (texts as given);
an axis from :func:`load_axis` keeps the chapter's template, which suits single words: pass
``template="{w}"`` to :meth:`VAxis.project` for whole sentences.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import io, results
from .._checks import VaxisDataError, VaxisInputError
from . import hidden
from .axis import CONSTRUCTIONS
from .axis import AxisEstimator
from .loading import check_available, load
from .registry import REGISTRY, LoadedModel
from .stimuli import anchor_table

#: Sentence templates by name; ``{w}`` is replaced by the text. Any string holding ``{w}`` works too.
TEMPLATES: dict[str, str] = {
    "bare": "{w}",
    "feel": "I feel {w}.",
    "described": "Someone described it in one word: {w}.",
}
#: What :meth:`VAxis.save` writes in its ``format`` field, and the version of that layout.
FORMAT = "vaxis-axis"
FORMAT_VERSION = 1
ORIGINS = ("neutral", "mean")
# The package's version, read from the loaded package (an import of ``vaxis`` itself would point
# upwards in the layers of book/contributing.md).
__version__: str = getattr(sys.modules.get("vaxis"), "__version__", "unknown")


def apply_template(items: Sequence[str], template: str) -> list[str]:
    """Put each item into ``template`` (a :data:`TEMPLATES` name or a string with ``{w}``).

    Returns a list of ``len(items)`` strings.
    """
    tpl = template_text(template)
    return [tpl.format(w=w) for w in items]


def template_text(template: str) -> str:
    """The template string of a :data:`TEMPLATES` name, or ``template`` itself when it holds ``{w}``."""
    tpl = TEMPLATES.get(template, template)
    if not isinstance(tpl, str) or "{w}" not in tpl:
        raise VaxisInputError(
            f"template {template!r} is neither one of {list(TEMPLATES)} nor a string containing '{{w}}'."
        )
    return tpl


class VAxis:
    """A language model's V-axis: project any text to one number (positive = pleasant).

    Make one with :meth:`fit` (from the nine FACED anchor sentences, or your own), :meth:`load`
    (a file written by :meth:`save`) or :meth:`from_results` (the configuration a chapter chose).

    Attributes
    ----------
    model : str
        Registry name, local path or hub id of the model.
    layer : int
        Layer of the hidden states (0 = embeddings, ``n_layers`` = last block), never negative.
    pooling : {"last", "mean"}
        Last real token or mean over tokens.
    template : str
        How a text is presented to the model, with ``{w}`` standing for the text (``"{w}"``: as is).
    construction : str
        ``"diff_means"`` or ``"pca"`` (:data:`vaxis.llm.axis.CONSTRUCTIONS`).
    origin : {"neutral", "mean"}
        Position 0: the neutral anchors' mean, or the mean of all category means.
    direction : ndarray, shape (hidden_size,)
        Unit-norm float64 direction; positive valence projects higher.
    origin_vector : ndarray, shape (hidden_size,)
        The point of hidden-state space at position 0 (float64).
    anchors : dict
        Category -> list of anchor sentences the axis was built from.
    category_positions : dict
        Category -> position of its anchors' mean on the axis.
    n_layers, hidden_size : int
        The model's number of blocks and width.
    vaxis_version : str
        Version of vaxis that fitted the axis.
    source : str
        Where the axis came from (``"fit"``, or the chapter and results folder).
    """

    def __init__(self, *, model: str, layer: int, pooling: str, template: str, construction: str, origin: str,
                 direction: np.ndarray, origin_vector: np.ndarray, anchors: Mapping[str, Sequence[str]],
                 category_positions: Mapping[str, float], n_layers: int, vaxis_version: str = __version__,
                 model_identity: Mapping[str, Any] | None = None, source: str = "fit") -> None:
        """Assemble an axis from its parts (use :meth:`fit`, :meth:`load` or :meth:`from_results`)."""
        direction = np.asarray(direction, dtype=np.float64)
        origin_vector = np.asarray(origin_vector, dtype=np.float64)
        if direction.ndim != 1 or direction.shape != origin_vector.shape or not np.all(np.isfinite(direction)):
            raise VaxisInputError(
                f"direction {direction.shape} and origin_vector {origin_vector.shape} must be finite vectors "
                "of the same length."
            )
        self.model = str(model)
        self.layer = int(layer)
        self.pooling = _check_pooling(pooling)
        self.template = template_text(template)
        self.construction = str(construction)
        self.origin = _check_origin(origin)
        self.direction = direction
        self.origin_vector = origin_vector
        self.anchors = {str(c): [str(t) for t in ([v] if isinstance(v, str) else v)] for c, v in anchors.items()}
        self.category_positions = {str(c): float(p) for c, p in category_positions.items()}
        self.n_layers = int(n_layers)
        self.vaxis_version = str(vaxis_version)
        self.model_identity = dict(model_identity or {})
        self.source = str(source)
        self._keeper = _Keeper(self.model)

    def unload(self) -> None:
        """Free the model this axis keeps in memory after its first forward pass (reloaded when needed)."""
        self._keeper.clear()

    @property
    def hidden_size(self) -> int:
        """Width of the model's hidden states (length of :attr:`direction`)."""
        return int(self.direction.shape[0])

    # ------------------------------------------------------------------------------ making one
    @classmethod
    def fit(cls, model: str | os.PathLike, layer: int, pooling: str = "last", *,
            anchors: Mapping[str, str | Sequence[str]] | None = None, construction: str = "diff_means",
            origin: str = "neutral", template: str = "{w}", device: str = "cpu", threads: int | None = None,
            batch_size: int = 64, cache: bool = True, progress: bool = False) -> VAxis:
        """Build the V-axis of ``model`` at ``layer`` from anchor sentences.

        Parameters
        ----------
        model : str or path
            Registry name (``python -m vaxis.llm list``), a local model folder or ``.gguf`` file, or
            a Hugging Face hub id. A registry model must be provisioned first
            (``python -m vaxis.llm provision NAME``); nothing is installed here.
        layer : int
            0 = embeddings, 1..n_layers = blocks; negative counts from the top (``-1`` = last).
            :func:`load_axis` gives the layer chapter 1 chose on held-out ratings.
        pooling : {"last", "mean"}
        anchors : mapping, optional
            Category -> sentence(s); default the nine FACED sentences
            (:data:`vaxis.llm.stimuli.ANCHOR_SENTENCES`). At least one category of
            :data:`~vaxis.llm.stimuli.POSITIVE` and one of :data:`~vaxis.llm.stimuli.NEGATIVE`.
        construction : {"diff_means", "pca"}
        origin : {"neutral", "mean"}
        template : str
            How :meth:`project` presents texts (a :data:`TEMPLATES` name or a string with ``{w}``);
            anchors are used as written.
        device : str
            ``"cpu"`` (default: float32, the book's numbers), ``"cuda"`` or ``"auto"`` (bfloat16 on a GPU).
        threads : int, optional
            PyTorch threads; default :func:`vaxis.llm.hidden.default_threads` (2).
        batch_size, cache, progress
            As in :func:`vaxis.llm.hidden.extract`.

        Returns
        -------
        VAxis
            With ``direction`` and ``origin_vector`` of shape ``(hidden_size,)``.
        """
        key = os.fspath(model)
        check_available(key)  # first: a missing model fails before anything is loaded
        pooling = _check_pooling(pooling)
        origin = _check_origin(origin)
        template = template_text(template)
        if construction not in CONSTRUCTIONS:
            raise VaxisInputError(f"construction={construction!r} is unknown; use one of {sorted(CONSTRUCTIONS)}.")
        texts, cats = anchor_table(anchors)
        keeper = _Keeper(key)
        hs = hidden.extract(key, texts, pooling=[pooling], layers=[_check_layer(layer)], device=device,
                            threads=threads or hidden.default_threads(), batch_size=batch_size, cache=cache,
                            progress=progress, loader=keeper.loader(device))
        assert hs.layer_ids is not None
        est = AxisEstimator(construction, origin).fit(hs.layer(layer, pooling).astype(np.float64), cats)
        grouped: dict[str, list[str]] = {}
        for t, c in zip(texts, cats):
            grouped.setdefault(c, []).append(t)
        ax = cls(model=key, layer=hs.layer_ids[0], pooling=pooling, template=template, construction=construction,
                 origin=origin, direction=est.direction_, origin_vector=est.origin_, anchors=grouped,
                 category_positions=est.category_positions(), n_layers=hs.n_layers,
                 model_identity=_identity(key), source="fit")
        ax._keeper = keeper  # the model loaded for the anchors (if any) serves project() too
        return ax

    @classmethod
    def from_results(cls, profile: str = "quick", model: str | None = None,
                     results_root: str | os.PathLike | None = None, **fit_options: Any) -> VAxis:
        """The axis the chapters chose for ``model`` in ``profile`` (same as :func:`load_axis`).

        Chapter 1's lead model (``model=None``) and every model of chapter 2 have one: layer, pooling,
        template and construction chosen on the dev split of human word ratings. The direction and
        origin are the chapter's own numbers when it recorded them; otherwise (results written
        before they were recorded) the axis is refitted from the same anchors and configuration,
        which agrees to float32 rounding. ``fit_options`` (``device``, ``threads``, ...) go to
        :meth:`fit` in that case.

        Returns
        -------
        VAxis
            ``direction`` and ``origin_vector`` of shape ``(hidden_size,)``.
        """
        folder = io.results_dir(profile, results_root)
        rec = results.axis_record(folder, model)
        source = f"chapter {rec['chapter']}, results {folder}"
        if rec.get("direction") is None:
            ax = cls.fit(rec["model"], rec["layer"], rec["pooling"], anchors=rec["anchors"] or None,
                         construction=rec["construction"], origin=rec["origin"], template=rec["template"],
                         **fit_options)
            ax.source = source + " (refitted)"
            return ax
        d, o = rec["direction"], rec["origin_vector"]
        anchors = {c: [t] for c, t in rec["anchors"].items()}
        return cls(model=rec["model"], layer=rec["layer"], pooling=rec["pooling"], template=rec["template"],
                   construction=rec["construction"], origin=rec["origin"], direction=d, origin_vector=o,
                   anchors=anchors, category_positions=rec["category_positions"], n_layers=rec["n_layers"],
                   model_identity=_identity(rec["model"]), source=source)

    # ------------------------------------------------------------------------------ using one
    def project(self, texts: Sequence[str], *, template: str | None = None, device: str = "cpu",
                threads: int | None = None, batch_size: int = 64, cache: bool = True,
                progress: bool = False) -> np.ndarray:
        """Positions of ``texts`` on the axis: ``(h - origin_vector) @ direction``.

        Parameters
        ----------
        texts : sequence of str
            Non-empty strings (a list, not a single string).
        template : str, optional
            Override :attr:`template` for this call (``"{w}"``: texts as given).
        device, threads, batch_size, cache, progress
            As in :meth:`fit`.

        Returns
        -------
        ndarray, shape (n_texts,)
            float64 positions in hidden-state units of this model and layer (positive = pleasant;
            0 = the origin); compare them within one axis.
        """
        if isinstance(texts, str):
            raise VaxisInputError("texts must be a list of strings, got a single string; wrap it in a list.")
        texts = list(texts)
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
        if bad or not texts:
            raise VaxisInputError(f"texts must be a non-empty list of non-empty strings; items {bad[:10]} are not.")
        check_available(self.model)
        self._check_identity()
        shown = apply_template(texts, self.template if template is None else template)
        hs = hidden.extract(self.model, shown, pooling=[self.pooling], layers=[self.layer], device=device,
                            threads=threads or hidden.default_threads(), batch_size=batch_size, cache=cache,
                            progress=progress, loader=self._keeper.loader(device))
        X = hs.layer(self.layer, self.pooling).astype(np.float64)
        if X.shape[1] != self.hidden_size:
            raise VaxisInputError(
                f"{self.model!r} gives hidden states of width {X.shape[1]}, but this axis has "
                f"{self.hidden_size}: it was fitted on another model."
            )
        return (X - self.origin_vector) @ self.direction

    # ------------------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the axis to one JSON file (atomically) and return its path.

        The file holds the model (and what identifies its weights), layer, pooling, template,
        construction, origin, anchors, category positions, the vaxis version, and the direction and
        origin vectors (``hidden_size`` floats each, written exactly: a reload projects the same
        numbers).
        """
        return io.save_json(Path(os.fspath(path)), self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> VAxis:
        """Read an axis written by :meth:`save` (vectors of shape ``(hidden_size,)``).

        Raises
        ------
        VaxisDataError
            The file is missing or is not a vaxis axis of a format this version reads.
        """
        path = Path(os.fspath(path)).expanduser()
        if not path.is_file():
            raise VaxisDataError(f"No axis file at {path}; write one with VAxis.save(path).")
        data = io.load_json(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VaxisDataError(f"{path} is not a vaxis axis file (its 'format' is not {FORMAT!r}).")
        if int(data.get("format_version", 0)) > FORMAT_VERSION:
            raise VaxisDataError(
                f"{path} was written by vaxis {data.get('vaxis_version')} in axis format "
                f"{data['format_version']}; this vaxis ({__version__}) reads format {FORMAT_VERSION}: upgrade vaxis."
            )
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """Everything :meth:`save` writes, JSON-ready (vectors as lists of ``hidden_size`` floats)."""
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "vaxis_version": self.vaxis_version,
            "model": self.model, "model_identity": self.model_identity, "layer": self.layer,
            "n_layers": self.n_layers, "hidden_size": self.hidden_size, "pooling": self.pooling,
            "template": self.template, "construction": self.construction, "origin": self.origin,
            "anchors": self.anchors, "category_positions": self.category_positions, "source": self.source,
            "direction": [float(x) for x in self.direction],
            "origin_vector": [float(x) for x in self.origin_vector],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VAxis:
        """The inverse of :meth:`to_dict`: an axis whose vectors have shape ``(hidden_size,)``."""
        missing = [k for k in ("model", "layer", "pooling", "template", "construction", "origin", "direction",
                               "origin_vector") if k not in data]
        if missing:
            raise VaxisDataError(f"The axis record lacks {missing}.")
        return cls(model=data["model"], layer=data["layer"], pooling=data["pooling"], template=data["template"],
                   construction=data["construction"], origin=data["origin"], direction=data["direction"],
                   origin_vector=data["origin_vector"], anchors=data.get("anchors", {}),
                   category_positions=data.get("category_positions", {}), n_layers=data.get("n_layers", -1),
                   vaxis_version=data.get("vaxis_version", "unknown"), model_identity=data.get("model_identity"),
                   source=data.get("source", "file"))

    def __repr__(self) -> str:
        return (f"VAxis(model={self.model!r}, layer={self.layer}, pooling={self.pooling!r}, "
                f"template={self.template!r}, construction={self.construction!r}, origin={self.origin!r}, "
                f"hidden_size={self.hidden_size})")

    def _check_identity(self) -> None:
        if self.model in REGISTRY and self.model_identity:
            now = _identity(self.model)
            if now and now != self.model_identity:
                warnings.warn(f"The provisioned {self.model!r} differs from the one this axis was fitted on "
                              f"({now} vs {self.model_identity}); positions may not be comparable.", stacklevel=3)


def load_axis(profile: str = "quick", model: str | None = None,
              results_root: str | os.PathLike | None = None, **fit_options: Any) -> VAxis:
    """The V-axis the chapters chose for ``model`` in results ``profile``: see :meth:`VAxis.from_results`.

    ``vaxis.load_axis("full", "smollm2-135m").project(["calm", "furious"])`` gives an array of shape
    ``(2,)``. ``model=None`` is chapter 1's lead model.
    """
    return VAxis.from_results(profile, model, results_root, **fit_options)


class _Keeper:
    """One loaded copy of a model, made on the first forward pass and kept for the next ones."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.loaded: dict[str, LoadedModel] = {}  # device -> model (one entry at most)

    def loader(self, device: str) -> Callable[[], LoadedModel]:
        def get() -> LoadedModel:
            if device not in self.loaded:
                self.loaded.clear()
                self.loaded[device] = load(self.model, task="hidden", device=device)
            return self.loaded[device]

        return get

    def clear(self) -> None:
        self.loaded.clear()


def _check_pooling(pooling: str) -> str:
    if pooling not in hidden.POOLINGS:
        raise VaxisInputError(f"pooling={pooling!r} is not valid; use one of {hidden.POOLINGS}.")
    return pooling


def _check_origin(origin: str) -> str:
    if origin not in ORIGINS:
        raise VaxisInputError(f"origin={origin!r} is not valid; use one of {ORIGINS}.")
    return origin


def _check_layer(layer: int) -> int:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise VaxisInputError(f"layer must be a whole number (0 = embeddings, -1 = last block), got {layer!r}.")
    return int(layer)


def _identity(model: str) -> dict[str, Any]:
    """What identifies a registry model's weights (its provisioning marker); empty for other models."""
    return hidden.model_identity(model) if model in REGISTRY else {}

