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

``import vaxis`` is cheap: the modules above load on first use (``vaxis.stats``, ``vaxis.llm``, ...).
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


def __getattr__(name: str) -> Any:
    if name in MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'vaxis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *MODULES])


__all__ = ["MODULES", "__version__"]
