"""Zero-shot validation of the V-axis against human valence norms, layer by layer.

For one model: hidden states of the anchors and of every held-out item (in each template) in one
batched extraction; for every (template, pooling, construction, layer) the Spearman correlation of
item positions with human ratings on the *dev* split; the configuration with the highest dev rho is
chosen, and only then evaluated on the *test* split and on AFINN (never used for choosing).

Binary sentiment: items with ``|rating| >= 1`` (VADER scale; ``>= 1`` on AFINN too) are labelled
positive or negative; we report the AUC of positions (threshold-free) and the accuracy of the sign
of the position (threshold at the axis origin, i.e. the neutral anchor, zero-shot).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import stats
from .._checks import VaxisInputError
from . import hidden
from .axis import AxisEstimator, positions_by_layer
from .norms import NormSplits, apply_template
from .stimuli import CATEGORIES


@dataclass
class ModelValidation:
    """Everything chapter 1 reports for one model.

    Attributes
    ----------
    model : str
    profile : DataFrame
        One row per (template, pooling, construction, layer, split) with ``rho`` (Spearman).
    choice : dict
        The configuration chosen on dev: template, pooling, construction, layer, dev_rho.
    test : dict
        ``{"vader_test": Estimate, "afinn": Estimate, "auc": float, "accuracy": float, "n_binary": int,
        "auc_ci": Estimate, "accuracy_ci": Estimate}``: the AUC and the sign's accuracy again with
        their 95% bootstrap intervals over the binary words (VADER test and AFINN).
    category_positions : dict
        Category -> position on the chosen axis.
    test_positions : ndarray (n_test_items,)
        Positions of the VADER test items on the chosen axis (chapter 2 compares them across models).
    afinn_positions : ndarray (n_afinn_items,)
    test_vectors : ndarray (n_test_items, hidden_size)
        Hidden states of the VADER test items at the chosen layer, pooling and template.
    anchor_vectors : ndarray (n_anchors, hidden_size)
        Anchors' hidden states at the chosen layer and pooling (later chapters use them).
    direction, origin : ndarray (hidden_size,)
    """

    model: str
    n_layers: int
    hidden_size: int
    profile: pd.DataFrame
    choice: dict[str, Any]
    test: dict[str, Any]
    category_positions: dict[str, float]
    test_positions: np.ndarray
    afinn_positions: np.ndarray
    test_vectors: np.ndarray
    anchor_vectors: np.ndarray
    direction: np.ndarray
    origin: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary. Numbers keep their full precision: a page that prints them with three
        decimals then shows what the chapter printed from the same estimate (rounding to 4 decimals
        first turned 0.81549 into 0.816 on the scorecard and 0.815 in the chapter)."""
        r = float
        return {
            "model": self.model,
            "n_layers": self.n_layers,
            "hidden_size": self.hidden_size,
            "choice": {k: (r(v) if isinstance(v, float) else v) for k, v in self.choice.items()},
            "vader_test_rho": {k: r(v) if isinstance(v, float) else v for k, v in self.test["vader_test"].as_dict().items()},
            "afinn_rho": {k: r(v) if isinstance(v, float) else v for k, v in self.test["afinn"].as_dict().items()},
            "auc": r(self.test["auc"]),
            "accuracy": r(self.test["accuracy"]),
            **{f"{k}_interval": [r(self.test[f"{k}_ci"].low), r(self.test[f"{k}_ci"].high)]
               for k in ("auc", "accuracy") if f"{k}_ci" in self.test},
            "n_binary": int(self.test["n_binary"]),
            "category_positions": {k: r(v) for k, v in self.category_positions.items()},
        }


def validate_model(
    model: str | os.PathLike,
    anchor_texts: Sequence[str],
    anchor_categories: Sequence[str],
    splits: NormSplits,
    templates: Sequence[str] = ("bare", "feel"),
    poolings: Sequence[str] = ("last", "mean"),
    constructions: Sequence[str] = ("diff_means", "pca"),
    origin: str = "neutral",
    batch_size: int = 64,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> ModelValidation:
    """Layer profile, choice on dev, and held-out validation of the V-axis for one model."""
    templates, poolings, constructions = list(templates), list(poolings), list(constructions)
    items = splits.items()
    texts = list(anchor_texts)
    spans: dict[str, slice] = {}
    for tpl in templates:
        spans[tpl] = slice(len(texts), len(texts) + len(items))
        texts += apply_template(items, tpl)
    hs = hidden.extract(model, texts, pooling=poolings, batch_size=batch_size, progress=progress)
    n_anchor = len(anchor_texts)
    index = {w: i for i, w in enumerate(items)}
    split_idx = {
        "dev": np.array([index[w] for w in splits.dev.item]),
        "test": np.array([index[w] for w in splits.test.item]),
        "afinn": np.array([index[w] for w in splits.afinn.item]),
    }
    split_rating = {"dev": splits.dev.rating.to_numpy(), "test": splits.test.rating.to_numpy(),
                    "afinn": splits.afinn.rating.to_numpy()}
    rows = []
    cache: dict[tuple[str, str, str], np.ndarray] = {}
    for pooling in poolings:
        arr = hs[pooling].astype(np.float64)
        for construction in constructions:
            for tpl in templates:
                pos, _ = positions_by_layer(arr[:, :n_anchor], anchor_categories, arr[:, spans[tpl]],
                                            construction, origin)
                cache[(pooling, construction, tpl)] = pos
                for split, idx in split_idx.items():
                    rho = _spearman_rows(pos[:, idx], split_rating[split])
                    for layer, value in enumerate(rho):
                        rows.append((tpl, pooling, construction, layer, split, value))
    profile = pd.DataFrame(rows, columns=["template", "pooling", "construction", "layer", "split", "rho"])
    dev = profile[(profile.split == "dev") & profile.rho.notna()]
    if dev.empty:
        raise VaxisInputError(
            f"No layer of {hs.model!r} gives a finite correlation with the ratings: its hidden states "
            "do not vary across the items (e.g. the tokenizer maps every item to the same token)."
        )
    best = dev.loc[dev.rho.idxmax()]
    choice = {"template": best.template, "pooling": best.pooling, "construction": best.construction,
              "layer": int(best.layer), "dev_rho": float(best.rho)}
    pos = cache[(choice["pooling"], choice["construction"], choice["template"])][choice["layer"]]
    test_pos = pos[split_idx["test"]]
    both = np.concatenate([split_idx["test"], split_idx["afinn"]])
    ratings = np.concatenate([split_rating["test"], split_rating["afinn"]])
    keep = np.abs(ratings) >= 1
    scores, labels = pos[both][keep], ratings[keep] > 0
    test = {
        "vader_test": stats.bootstrap_corr(test_pos, split_rating["test"], n_boot=n_boot, seed=seed),
        "afinn": stats.bootstrap_corr(pos[split_idx["afinn"]], split_rating["afinn"], n_boot=n_boot, seed=seed),
        "auc": stats.auc(scores, labels),
        "accuracy": float(np.mean((scores > 0) == labels)),
        "n_binary": int(keep.sum()),
        "auc_ci": stats.bootstrap_auc(scores, labels, n_boot=n_boot, seed=seed),
        "accuracy_ci": stats.bootstrap_mean(((scores > 0) == labels).astype(float), n_boot=n_boot, seed=seed),
    }
    layer_states = hs[choice["pooling"]][choice["layer"]].astype(np.float64)
    ax = AxisEstimator(choice["construction"], origin).fit(layer_states[:n_anchor], anchor_categories)
    return ModelValidation(
        model=hs.model,
        n_layers=hs.n_layers,
        hidden_size=layer_states.shape[1],
        profile=profile,
        choice=choice,
        test=test,
        category_positions=ax.category_positions(),
        test_positions=test_pos,
        afinn_positions=pos[split_idx["afinn"]],
        test_vectors=hs[choice["pooling"]][choice["layer"], spans[choice["template"]]][split_idx["test"]],
        anchor_vectors=layer_states[:n_anchor],
        direction=ax.direction_,
        origin=ax.origin_,
        meta={"n_truncated": hs.n_truncated, "templates": templates, "origin": origin},
    )


def _spearman_rows(pos: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """Spearman rho of every row of ``pos`` (n_layers, n) with ``rating`` (n,)."""
    from scipy.stats import rankdata

    rp = rankdata(pos, axis=1)
    rr = rankdata(rating)
    return stats.pearson_rows(rp, np.broadcast_to(rr, rp.shape))


def category_order(positions: dict[str, float]) -> list[str]:
    """Categories sorted from most negative to most positive position."""
    return sorted(positions, key=positions.get)


__all__ = ["ModelValidation", "validate_model", "category_order", "CATEGORIES"]
