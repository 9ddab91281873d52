"""vaxis: a shared emotional-valence axis (V-axis) across LLMs and human EEG.

The package holds the logic of the book; the chapters in ``notebooks/`` hold the story.

Modules, one concept each:

- :mod:`vaxis.io` -- results folders, atomic writes, content-keyed caches.
- :mod:`vaxis.llm` -- registry of offline models and :func:`vaxis.llm.load`.
- :mod:`vaxis.book` -- the chapter runner (papermill) and the book build (jupyter-book).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
