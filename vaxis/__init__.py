"""vaxis: a shared emotional-valence axis (V-axis) across LLMs and human EEG.

The package holds the logic of the book; the chapters in ``notebooks/`` hold the story.

Modules, one concept each:

- :mod:`vaxis.io` -- results folders, atomic writes, content-keyed caches.
- :mod:`vaxis.llm` -- registry of offline models and :func:`vaxis.llm.load`.
- :mod:`vaxis.book` -- the chapter runner (papermill) and the book build (jupyter-book).
- :mod:`vaxis.numerics` -- portable floating point (the same numbers on Intel and AMD CPUs).
"""

import warnings

from . import numerics

# Before anything imports numpy or torch: pin the math libraries to code paths every x86-64 CPU
# shares, so the book's numbers do not depend on the machine (VAXIS_NUMERICS=native turns it off).
numerics.apply()

__version__ = "0.1.0"

# transformers / huggingface_hub import tqdm.auto, which warns once per kernel that ipywidgets is
# missing. The warning says nothing about any result, and it would land in whichever chapter cell
# first loads a model -- which depends on what is cached -- so chapter outputs would depend on the
# cache. Silenced here, by its message only.
warnings.filterwarnings("ignore", message="IProgress not found")

__all__ = ["__version__"]
