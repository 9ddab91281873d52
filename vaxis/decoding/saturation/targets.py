"""The alignment targets of the sweep, assembled from arrays: nothing here runs a language model.

Chapter 1's results give the LLM geometry (category vectors, V positions and direction of the lead
model at its chosen layer, :mod:`vaxis.results`); the LLM side gives the sentence encoder's
embeddings of the anchors (:func:`vaxis.llm.hidden.sentence_embeddings`, computed by the chapter);
the EEG data give the human arousal norms and the electrode positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ... import results
from ..._checks import VaxisInputError
from ...eeg.montage import channel_positions_2d
from .. import alignment


def targets_from_results(out_dir: Path, dataset: Any, classes: Sequence[str],
                         sentence_embeddings: np.ndarray) -> alignment.AlignmentTargets:
    """Alignment targets from chapter 1's results, sentence embeddings, and the EEG data.

    - category vectors, V positions and V direction: the lead model at its chosen layer (chapter 1);
    - ``sentence_embeddings`` (K, D_sent): a sentence encoder's embedding of each category's
      anchor, rows in ``classes`` order (e.g. ``vaxis.llm.hidden.sentence_embeddings("minilm-l6",
      vaxis.results.anchor_sentences(out_dir, classes))``);
    - arousal: the human arousal norm of each category, from the EEG dataset (:class:`EEGDataset`);
    - electrode adjacency: 4 nearest neighbours on the 2-D scalp layout of its channels.
    """
    _, arrays = results.load_axis(out_dir)
    vectors = results.category_vectors(out_dir)
    positions = results.category_positions(out_dir)
    missing = [c for c in classes if c not in vectors]
    if missing:
        raise VaxisInputError(f"Chapter 1's results lack the categories {missing}; re-run chapter 01.")
    emb = np.asarray(sentence_embeddings)
    if emb.ndim != 2 or emb.shape[0] != len(classes):
        raise VaxisInputError(f"sentence_embeddings must have one row per class ({len(classes)}), got {emb.shape}.")
    arousal = dataset.category_ratings()["arousal"]
    adjacency = alignment.adjacency_from_positions(channel_positions_2d(dataset.channels))
    return alignment.make_targets(
        np.stack([vectors[c] for c in classes]), np.array([positions[c] for c in classes]),
        arrays["direction"], emb, arousal.loc[list(classes)].to_numpy(), adjacency)
