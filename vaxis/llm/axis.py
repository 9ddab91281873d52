"""The V-axis: one direction in a model's hidden-state space, built from labelled anchor texts.

Constructions (a registry, like repeng's direction finders; add one with :func:`register`):

- ``"diff_means"`` -- mean of the positive-category anchors minus mean of the negative-category
  anchors (category means first, so a category with more sentences does not weigh more).
- ``"pca"`` -- first principal component of the category means (centred on their mean).

Every direction is unit-norm, and its **sign is fixed so that positive categories project higher
than negative ones** (for ``pca``, the sign of its dot product with the diff-of-means vector).

Origin (``origin=``): ``"neutral"`` -- the neutral category's mean, so the neutral anchor sits at 0;
``"mean"`` -- the mean of all category means. A text's *position* is ``(h - origin) . direction``,
in the units of the hidden states (compare positions within one model and layer, or standardise).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._checks import VaxisInputError, check_array
from .stimuli import NEGATIVE, NEUTRAL, POSITIVE

ConstructionFn = Callable[[np.ndarray, list[str], Sequence[str], Sequence[str]], np.ndarray]
CONSTRUCTIONS: dict[str, ConstructionFn] = {}


def register(name: str) -> Callable[[ConstructionFn], ConstructionFn]:
    """Decorator adding an axis construction ``fn(category_means, categories, positive, negative)``."""

    def deco(fn: ConstructionFn) -> ConstructionFn:
        CONSTRUCTIONS[name] = fn
        return fn

    return deco


def _side_mean(means: np.ndarray, cats: list[str], side: Sequence[str]) -> np.ndarray:
    idx = [i for i, c in enumerate(cats) if c in side]
    return means[idx].mean(axis=0)


@register("diff_means")
def diff_means(means: np.ndarray, cats: list[str], positive: Sequence[str], negative: Sequence[str]) -> np.ndarray:
    """Positive-category centroid minus negative-category centroid (not yet normalised)."""
    return _side_mean(means, cats, positive) - _side_mean(means, cats, negative)


@register("pca")
def first_pc(means: np.ndarray, cats: list[str], positive: Sequence[str], negative: Sequence[str]) -> np.ndarray:
    """First principal component of the category means, oriented by diff_means."""
    centred = means - means.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    v = vt[0]
    return v if v @ diff_means(means, cats, positive, negative) >= 0 else -v


class DegenerateAxisError(VaxisInputError):
    """Positive and negative anchors coincide (e.g. last-token pooling at the embedding layer)."""


class AxisEstimator:
    """The V-axis as a scikit-learn style estimator.

    Parameters
    ----------
    construction : str
        A key of :data:`CONSTRUCTIONS` (``"diff_means"`` or ``"pca"``).
    origin : {"neutral", "mean"}
        Where position 0 is (see module docstring).
    positive, negative : sequence of str
        Category names on each side (default: FACED's four and four).

    Attributes (after ``fit``)
    --------------------------
    direction_ : array (n_features,)
        Unit-norm axis, positive valence positive.
    origin_ : array (n_features,)
    categories_ : list of str
        Distinct categories in order of first appearance.
    category_means_ : array (n_categories, n_features)
    """

    def __init__(
        self,
        construction: str = "diff_means",
        origin: str = "neutral",
        positive: Sequence[str] = POSITIVE,
        negative: Sequence[str] = NEGATIVE,
    ) -> None:
        self.construction = construction
        self.origin = origin
        self.positive = positive
        self.negative = negative

    def fit(self, X: np.ndarray, categories: Sequence[str]) -> AxisEstimator:
        """Build the axis from anchor vectors ``X`` (n_anchors, n_features) and their categories."""
        if self.construction not in CONSTRUCTIONS:
            raise VaxisInputError(
                f"construction={self.construction!r} is unknown; use one of {sorted(CONSTRUCTIONS)}."
            )
        if self.origin not in ("neutral", "mean"):
            raise VaxisInputError(f"origin={self.origin!r} is not valid; use 'neutral' or 'mean'.")
        X = check_array("X", X, ndim=2)
        cats = [str(c) for c in categories]
        if len(cats) != X.shape[0]:
            raise VaxisInputError(f"categories has {len(cats)} entries but X has {X.shape[0]} rows.")
        uniq = list(dict.fromkeys(cats))
        pos = [c for c in uniq if c in self.positive]
        neg = [c for c in uniq if c in self.negative]
        if not pos or not neg:
            raise VaxisInputError(
                "The axis needs at least one positive and one negative category among the anchors; "
                f"got positive={pos}, negative={neg} from categories {uniq}."
            )
        if self.origin == "neutral" and NEUTRAL not in uniq:
            raise VaxisInputError("origin='neutral' needs a 'neutral' anchor; add one or use origin='mean'.")
        labels = np.array(cats)
        means = np.stack([X[labels == c].mean(axis=0) for c in uniq])
        v = CONSTRUCTIONS[self.construction](means, uniq, self.positive, self.negative)
        norm = np.linalg.norm(v)
        scale = max(np.linalg.norm(means), 1e-30)
        if not np.isfinite(norm) or norm <= 1e-6 * scale:
            raise DegenerateAxisError(
                "The positive and negative anchors have identical hidden states here, so no direction "
                "separates them (a degenerate layer or model)."
            )
        self.direction_ = v / norm
        self.origin_ = means[uniq.index(NEUTRAL)] if self.origin == "neutral" else means.mean(axis=0)
        self.categories_ = uniq
        self.category_means_ = means
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Positions ``(n_texts,)`` of hidden states ``X`` (n_texts, n_features) on the axis."""
        self._check_fitted()
        X = check_array("X", X, ndim=2)
        if X.shape[1] != self.direction_.shape[0]:
            raise VaxisInputError(
                f"X has {X.shape[1]} features but the axis was fitted on {self.direction_.shape[0]}; "
                "use hidden states of the same model and layer."
            )
        return (X - self.origin_) @ self.direction_

    def fit_transform(self, X: np.ndarray, categories: Sequence[str]) -> np.ndarray:
        """:meth:`fit` on ``X`` (n_anchors, n_features), then the anchors' positions ``(n_anchors,)``."""
        return self.fit(X, categories).transform(X)

    def category_positions(self) -> dict[str, float]:
        """Position of each category mean on the axis."""
        self._check_fitted()
        pos = (self.category_means_ - self.origin_) @ self.direction_
        return {c: float(p) for c, p in zip(self.categories_, pos)}

    def _check_fitted(self) -> None:
        if not hasattr(self, "direction_"):
            raise VaxisInputError("This AxisEstimator is not fitted yet; call fit(X, categories) first.")


def positions_by_layer(
    anchors: np.ndarray,
    categories: Sequence[str],
    items: np.ndarray,
    construction: str = "diff_means",
    origin: str = "neutral",
) -> tuple[np.ndarray, np.ndarray]:
    """Fit one axis per layer and project items and anchors.

    Parameters
    ----------
    anchors : array (n_layers, n_anchors, n_features)
    items : array (n_layers, n_items, n_features)

    Returns
    -------
    item_positions : array (n_layers, n_items)
    category_positions : array (n_layers, n_categories) in order of first appearance

    A layer where the anchors of both sides coincide (e.g. the embedding layer with last-token
    pooling when every anchor ends in ".") has no axis: its rows are NaN.
    """
    anchors = check_array("anchors", anchors, ndim=3)
    items = check_array("items", items, ndim=3)
    if anchors.shape[0] != items.shape[0] or anchors.shape[2] != items.shape[2]:
        raise VaxisInputError(
            f"anchors {anchors.shape} and items {items.shape} must come from the same model "
            "(same number of layers and features)."
        )
    n_cat = len(dict.fromkeys(categories))
    item_pos = np.full(items.shape[:2], np.nan)
    cat_pos = np.full((anchors.shape[0], n_cat), np.nan)
    for layer in range(anchors.shape[0]):
        try:
            ax = AxisEstimator(construction, origin).fit(anchors[layer], categories)
        except DegenerateAxisError:
            continue
        item_pos[layer] = ax.transform(items[layer])
        cat_pos[layer] = list(ax.category_positions().values())
    return item_pos, cat_pos
