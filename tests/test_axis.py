"""Known-answer tests of the V-axis maths on tiny synthetic vectors."""

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.llm.axis import CONSTRUCTIONS, AxisEstimator, DegenerateAxisError, positions_by_layer
from vaxis.llm.stimuli import CATEGORIES, anchor_table

VAL = {"anger": -2, "disgust": -1.5, "fear": -2.5, "sadness": -3, "neutral": 0,
       "amusement": 2, "inspiration": 1.5, "joy": 3, "tenderness": 2.5}


def planted(dim=8, noise=0.0, seed=0):
    """Anchors = valence * e0 + a fixed offset (+ optional noise): the axis must be e0."""
    rng = np.random.default_rng(seed)
    offset = rng.normal(size=dim)
    X = np.stack([VAL[c] * np.eye(dim)[0] + offset for c in CATEGORIES])
    return X + noise * rng.normal(size=X.shape), list(CATEGORIES), offset


@pytest.mark.parametrize("construction", sorted(CONSTRUCTIONS))
def test_planted_direction_is_recovered_with_positive_sign(construction):
    X, cats, _ = planted()
    ax = AxisEstimator(construction).fit(X, cats)
    np.testing.assert_allclose(ax.direction_, np.eye(8)[0], atol=1e-12)
    pos = ax.category_positions()
    assert pos["neutral"] == pytest.approx(0)
    for c in CATEGORIES:
        assert pos[c] == pytest.approx(VAL[c])


def test_diff_means_known_value_and_unit_norm():
    X = np.array([[1.0, 0], [3.0, 0], [0, 2.0]])  # joy, tenderness, sadness
    ax = AxisEstimator("diff_means", origin="mean").fit(X, ["joy", "tenderness", "sadness"])
    expected = np.array([2.0, -2.0]) / np.sqrt(8)
    np.testing.assert_allclose(ax.direction_, expected)
    np.testing.assert_allclose(ax.origin_, X.mean(0))
    np.testing.assert_allclose(ax.transform(np.array([[2.0, 0]])), [(np.array([2.0, 0]) - X.mean(0)) @ expected])


def test_category_means_weigh_categories_equally():
    # two joy sentences at +1 and +3 vs one sadness at -2: the category mean (+2) counts once
    X = np.array([[1.0], [3.0], [-2.0], [0.0]])
    ax = AxisEstimator().fit(X, ["joy", "joy", "sadness", "neutral"])
    assert ax.category_positions() == pytest.approx({"joy": 2.0, "sadness": -2.0, "neutral": 0.0})


def test_pca_sign_follows_valence_even_if_svd_flips():
    X, cats, _ = planted()
    ax = AxisEstimator("pca").fit(-X, cats)  # mirrored data: valence now points along -e0
    assert ax.category_positions()["joy"] > 0 > ax.category_positions()["sadness"]


def test_errors_are_clear():
    X, cats, _ = planted()
    with pytest.raises(VaxisInputError, match="at least one positive and one negative"):
        AxisEstimator().fit(X[:4], cats[:4])
    with pytest.raises(VaxisInputError, match="construction='nope' is unknown"):
        AxisEstimator("nope").fit(X, cats)
    with pytest.raises(VaxisInputError, match="needs a 'neutral' anchor"):
        AxisEstimator().fit(np.delete(X, 4, 0), [c for c in cats if c != "neutral"])
    with pytest.raises(VaxisInputError, match="features"):
        AxisEstimator().fit(X, cats).transform(np.zeros((2, 3)))
    with pytest.raises(VaxisInputError, match="NaN"):
        AxisEstimator().fit(np.where(np.eye(9, 8) > 0, np.nan, X), cats)
    with pytest.raises(VaxisInputError, match="not fitted"):
        AxisEstimator().transform(X)
    with pytest.raises(DegenerateAxisError):
        AxisEstimator().fit(np.ones((9, 4)), cats)


def test_positions_by_layer_marks_degenerate_layers_nan():
    X, cats, _ = planted()
    anchors = np.stack([np.ones_like(X), X])  # layer 0 degenerate
    items = np.stack([X, X])
    item_pos, cat_pos = positions_by_layer(anchors, cats, items)
    assert np.isnan(item_pos[0]).all() and np.isnan(cat_pos[0]).all()
    np.testing.assert_allclose(item_pos[1], [VAL[c] for c in cats])


def test_anchor_table_validation():
    texts, cats = anchor_table()
    assert cats == list(CATEGORIES) and len(texts) == 9
    with pytest.raises(VaxisInputError, match="non-empty mapping"):
        anchor_table({})
    with pytest.raises(VaxisInputError, match="at least one positive"):
        anchor_table({"joy": "We won."})
    with pytest.raises(VaxisInputError, match="non-empty strings"):
        anchor_table({"joy": "", "sadness": "x"})
    texts, cats = anchor_table({"joy": ["a", "b"], "sadness": "c"})
    assert cats == ["joy", "joy", "sadness"]
