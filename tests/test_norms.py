import pytest

from vaxis._checks import VaxisInputError
from vaxis.llm import norms


def test_lexicons_are_human_ratings_of_common_words():
    vader = norms.vader_lexicon()
    assert len(vader) > 1500 and vader.rating.between(-4, 4).all() and (vader.n_raters == 10).all()
    assert "rotflmao" not in set(vader.item) and "happy" in set(vader.item)
    afinn = norms.afinn_lexicon()
    assert len(afinn) > 1000 and afinn.rating.between(-5, 5).all()


def test_splits_are_disjoint_balanced_and_seeded():
    s = norms.norm_splits(n_items=200, n_afinn=100, seed=3)
    assert len(s.dev) == len(s.test) == 100 and len(s.afinn) == 100
    assert not set(s.dev.item) & set(s.test.item)
    assert not set(s.afinn.item) & (set(s.dev.item) | set(s.test.item))
    assert abs(s.dev.rating.mean() - s.test.rating.mean()) < 0.5
    assert s.test.item.tolist() == norms.norm_splits(n_items=200, n_afinn=100, seed=3).test.item.tolist()
    assert s.test.item.tolist() != norms.norm_splits(n_items=200, n_afinn=100, seed=4).test.item.tolist()


def test_templates_and_errors():
    assert norms.apply_template(["good"], "feel") == ["I feel good."]
    assert norms.apply_template(["good"], "It is {w}!") == ["It is good!"]
    with pytest.raises(VaxisInputError, match="neither one of"):
        norms.apply_template(["good"], "no placeholder")
    with pytest.raises(VaxisInputError, match="even number"):
        norms.norm_splits(n_items=21)
