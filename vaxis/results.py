"""The files chapters write for later chapters, and readers for them.

Each chapter writes its results under ``results/<profile>/`` (see :func:`vaxis.io.results_dir`):

- ``01_axis.json`` / ``01_axis.npz`` -- chapter 1: the lead model's V-axis (chosen layer, pooling,
  construction), the nine category positions, the validation numbers, and the anchors' hidden
  states, axis direction and origin at that layer.
- ``02_consistency.json`` -- chapter 2: per-model category positions and agreement statistics.
- ``03_mapping.json`` -- chapter 3: the EEG-to-V-axis map's held-out correlation, p-value, controls.
- ``04_rediscovery.json`` -- chapter 4: the fold definition and training configuration of the 36
  label-only classifiers (so chapters 5-6 train the same baseline, from the engine's cache), their
  balanced accuracy and V read-out per network, and the controls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import io
from ._checks import VaxisDataError

AXIS_JSON = "01_axis.json"
AXIS_NPZ = "01_axis.npz"
CONSISTENCY_JSON = "02_consistency.json"
MAPPING_JSON = "03_mapping.json"
REDISCOVERY_JSON = "04_rediscovery.json"


def save_axis(folder: Path, summary: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write chapter 1's results (npz first, json last: the json marks the pair complete)."""
    io.save_npz(folder / AXIS_NPZ, **arrays)
    io.save_json(folder / AXIS_JSON, summary)


def load_axis(folder: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read chapter 1's results; a missing file says to run chapter 01 first."""
    summary = io.load_json(folder / AXIS_JSON, producer="01_axis_construction")
    arrays = io.load_npz(folder / AXIS_NPZ, producer="01_axis_construction")
    return summary, arrays


def category_positions(folder: Path) -> dict[str, float]:
    """The lead model's V-axis position of each emotion category (chapter 1)."""
    summary, _ = load_axis(folder)
    pos = summary.get("lead", {}).get("category_positions")
    if not pos:
        raise VaxisDataError(f"{folder / AXIS_JSON} has no lead.category_positions; re-run chapter 01.")
    return {k: float(v) for k, v in pos.items()}


def category_vectors(folder: Path) -> dict[str, np.ndarray]:
    """Mean anchor hidden state per category (lead model, chosen layer) from chapter 1."""
    _, arrays = load_axis(folder)
    cats = arrays["anchor_categories"].astype(str)
    vecs = arrays["anchor_vectors"]
    return {c: vecs[cats == c].mean(axis=0) for c in dict.fromkeys(cats)}


def load_rediscovery(folder: Path) -> dict[str, Any]:
    """Chapter 4's results (folds, training configuration, per-network accuracy and read-out)."""
    return io.load_json(folder / REDISCOVERY_JSON, producer="04_classifier_rediscovery")
