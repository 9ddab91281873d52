"""vaxis: a shared emotional-valence axis (V-axis) across LLMs and human EEG.

The package holds the logic of the book; the chapters in ``notebooks/`` hold the story. It is
layered (``book/contributing.md`` draws it); each layer imports only from layers below it:

- :mod:`vaxis.book` -- the chapter runner, profiles, resource estimates (``python -m vaxis.book``).
- :mod:`vaxis.plots`, :mod:`vaxis.exercises` -- every figure of the book; workshop checkers.
- :mod:`vaxis.decoding` -- EEG classifiers, training engine, alignment losses, saturation sweep,
  ensembles, the EEG-to-axis map.
- :mod:`vaxis.llm` and :mod:`vaxis.eeg` -- the language-model side and the EEG data side, which
  know nothing of each other.
- :mod:`vaxis.results` -- the files chapters write for later chapters, by name.
- :mod:`vaxis.stats`, :mod:`vaxis.io` -- one definition of each statistic; atomic files, caches.
- :mod:`vaxis.numerics` -- portable or native floating point (an environment, chosen when a
  process starts; importing vaxis changes no environment variable).

``import vaxis`` is cheap (a few milliseconds; it imports neither numpy nor torch): the modules above
load on first use (``vaxis.stats``, ``vaxis.llm``, ...).

As a library, the V-axis of any text (``book/api.md`` lists the public functions):

- :class:`vaxis.VAxis` -- ``VAxis.fit(model, layer=..., pooling=...)`` from the nine FACED anchor
  sentences (or your own), ``.project(texts)`` -> positions of shape ``(n_texts,)``,
  ``.save(path)`` / ``VAxis.load(path)`` (model, layer, pooling, template, origin and vaxis version
  travel with the direction).
- :func:`vaxis.load_axis` -- ``load_axis(profile, model)``: the axis the chapters chose for a model.

Both live in :mod:`vaxis.llm.model_axis`; they never install or convert a model (a model that is
not provisioned fails at once, naming ``python -m vaxis.llm provision NAME``).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__version__ = "0.1.0"

#: The public modules, loaded on first attribute access.
MODULES = ("book", "decoding", "eeg", "exercises", "io", "llm", "numerics", "plots", "results", "stats")

# transformers / huggingface_hub import tqdm.auto, which warns once per kernel that ipywidgets is
# missing. The warning says nothing about any result, and it would land in whichever chapter cell
# first loads a model -- which depends on what is cached -- so chapter outputs would depend on the
# cache. Silenced here, by its message only.
warnings.filterwarnings("ignore", message="IProgress not found")


#: The library API, loaded on first attribute access: name -> module that defines it.
API = {"VAxis": "vaxis.llm.model_axis", "load_axis": "vaxis.llm.model_axis"}


def __getattr__(name: str) -> Any:
    if name in MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in API:
        return getattr(importlib.import_module(API[name]), name)
    raise AttributeError(f"module 'vaxis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *MODULES, *API])


__all__ = ["API", "MODULES", "VAxis", "__version__", "load_axis"]
