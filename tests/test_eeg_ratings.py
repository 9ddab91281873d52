"""FACED participants' ratings shipped with the package: shape, completeness, facts, helpers, guards."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from vaxis import stats
from vaxis._checks import VaxisDataError, VaxisInputError
from vaxis.eeg import guards, ratings
from vaxis.eeg.montage import FACED_CATEGORIES, FACED_CLIP_CATEGORIES

NEGATIVE = ["anger", "disgust", "fear", "sadness"]
POSITIVE = ["amusement", "inspiration", "joy", "tenderness"]


def test_table_shape_and_completeness():
    t = ratings.faced_ratings()
    assert t.shape == (123 * 28, 16)
    assert list(t.columns) == ["subject", "clip", "category", "position", *ratings.FACED_ITEMS]
    assert ratings.FACED_ITEMS[8:10] == ("arousal", "valence") and ratings.FACED_ITEMS[0] == "joy"
    assert not t.isna().any().any()
    assert t["subject"].nunique() == 123 and set(t["subject"]) == set(range(123))
    for _, g in t.groupby("subject"):  # every clip once, every presentation position once
        assert sorted(g["clip"]) == list(range(1, 29)) and sorted(g["position"]) == list(range(1, 29))
    values = t[list(ratings.FACED_ITEMS)].to_numpy()
    assert values.min() >= 0 and values.max() <= 7  # the fixed 0-7 scale, used end to end
    assert values.min() == 0 and values.max() == 7
    assert (t.groupby("clip")["category"].first().to_numpy() == np.array(FACED_CLIP_CATEGORIES)).all()
    assert ratings.subject_ratings().shape == (123, 28, 12)


def test_packaged_and_declared():
    """The table and its provenance are package data (pyproject), with licence and citation."""
    root = Path(ratings.__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["vaxis"]
    folder = Path(ratings.__file__).parent
    packaged = {p.relative_to(folder.parent) for pattern in data if pattern.startswith("eeg/")
                for p in folder.parent.glob(pattern)}
    assert {Path("eeg/data/faced_ratings.csv.gz"), Path("eeg/data/PROVENANCE.md")} <= packaged
    prov = (folder / "data" / "PROVENANCE.md").read_text()
    for needed in ("CC-BY-4.0", "10.1038/s41597-023-02650-w", "nm000112", "e6fabfda7eb65dcaee87e74b7e3626cedff40ac1",
                   "d98ce0490670b95e20da3f08cb6db1a7dfecf10c", "Chen"):
        assert needed in prov


def test_items_are_where_the_data_say():
    """Each non-neutral clip's top category item is its own category (the item order and the clip map)."""
    clips = ratings.clip_ratings(ratings.FACED_ITEMS[:8])
    for clip, row in clips.iterrows():
        if row["category"] != "neutral":
            assert row[list(ratings.FACED_ITEMS[:8])].astype(float).idxmax() == row["category"], clip
    va = ratings.clip_ratings()
    neutral = va["category"] == "neutral"
    assert va.loc[neutral, "arousal"].max() < va.loc[~neutral, "arousal"].min()  # arousal is item 9


def test_category_order_of_valence():
    """Negative < neutral < positive (robust); the order inside each side is not tested (it is not)."""
    cat = ratings.category_ratings()
    assert list(cat.index) == list(FACED_CATEGORIES)
    assert cat.loc[NEGATIVE, "valence"].max() < cat.loc["neutral", "valence"] < cat.loc[POSITIVE, "valence"].min()
    clip = ratings.clip_ratings()
    assert clip["valence"].min() == pytest.approx(1.48, abs=0.01) and clip["valence"].max() == pytest.approx(5.23, abs=0.01)
    per_subject = ratings.subject_category_means("valence")
    assert per_subject.shape == (123, 9)
    np.testing.assert_allclose(per_subject.mean(axis=0), cat["valence"])


def test_off_target_share():
    off = ratings.off_target()
    assert list(off.index) == [c for c in FACED_CATEGORIES if c != "neutral"] + ["all"]
    assert off["all"] == pytest.approx(0.359, abs=5e-4) and off["anger"] == pytest.approx(0.537, abs=5e-4)
    assert off.drop("all").max() == off["anger"] and (off.between(0, 1)).all()


def test_reliability_known_values():
    rel = ratings.reliability(n_splits=300, seed=1)
    assert rel.loc[("valence", "clip"), "reliability"] == pytest.approx(0.9935, abs=0.002)
    assert rel.loc[("arousal", "clip"), "reliability"] == pytest.approx(0.983, abs=0.003)
    assert (rel["low"] <= rel["reliability"]).all() and (rel["reliability"] <= rel["high"]).all()
    assert rel.loc[("valence", "clip"), "n_units"] == 28 and rel.loc[("valence", "category"), "n_units"] == 9


def test_compare_with_participants_known_answers():
    cat = ratings.category_ratings()["valence"]
    same = ratings.compare_with_participants(cat.to_dict(), n_boot=200)
    row = same.loc["participants valence"]
    assert row["rho"] == pytest.approx(1.0)
    assert row["p all orderings"] == pytest.approx(1 / 362880) and row["p within sides"] == pytest.approx(1 / 576)
    assert row["rho for p<0.05 (all)"] == pytest.approx(0.6, abs=0.01)  # the textbook critical value, n = 9
    assert row["participants low"] <= 1.0 and row["categories low"] > 0.99
    assert same.loc["word norms valence", "rho"] == pytest.approx(stats.spearman(cat.to_numpy(), ratings.category_norms(cat.index)[0]))
    assert np.isnan(same.loc["word norms valence", "participants low"])
    # the right split with the order inside each side reversed: significant overall, not within sides
    flipped = cat.copy()
    for side in (NEGATIVE, POSITIVE):
        flipped[side] = np.sort(cat[side].to_numpy())[::-1][np.argsort(np.argsort(cat[side].to_numpy()))]
    res = ratings.compare_with_participants(flipped.to_dict(), items=["valence"], norms=False, n_boot=200)
    assert res.loc["participants valence", "p all orderings"] < 0.05
    assert res.loc["participants valence", "p within sides"] > 0.5
    with pytest.raises(VaxisInputError, match="lack the FACED categories"):
        ratings.compare_with_participants({"anger": 1.0})


def test_valence_guard_and_amplitude_guard():
    v = ratings.subject_ratings()[..., ratings.FACED_ITEMS.index("valence")]
    diff = guards.check_valence_order(v, FACED_CLIP_CATEGORIES, [f"s{i}" for i in range(123)], "the table")
    assert diff.mean() == pytest.approx(2.76, abs=0.01) and (diff <= 0).sum() == 10  # cited in guards' docstring
    with pytest.raises(VaxisDataError, match=r"s0.*wrong order"):
        guards.check_valence_order(v[:, ::-1], FACED_CLIP_CATEGORIES, [f"s{i}" for i in range(123)], "reversed")
    rng = np.random.default_rng(0)
    amp = rng.normal(2.0, 0.3, 40)
    ids = [f"s{i}" for i in range(40)]
    assert guards.amplitude_outliers(amp, ids) == {}
    amp[7] += np.log(3000)
    out = guards.amplitude_outliers(amp, ids)
    assert list(out) == ["s7"] and out["s7"]["ratio"] == pytest.approx(3000, rel=0.5) and out["s7"]["z"] > 10
    assert guards.amplitude_outliers(amp[:4], ids[:4]) == {}  # too few subjects to compare with


def test_felt_categories_rules_known_answer():
    """Ties and neutral: the book's rule and Gerster et al. (2026)'s differ exactly there."""
    cats = list(FACED_CATEGORIES)
    clips = ["anger", "neutral", "joy", "fear"]
    r = np.zeros((1, 4, len(ratings.FACED_ITEMS)))
    item = {name: i for i, name in enumerate(ratings.FACED_ITEMS)}
    r[0, 0, [item["joy"], item["anger"]]] = 5.0  # anger clip, tie joy = anger
    r[0, 1, item["tenderness"]] = 3.0  # neutral clip, below the 4.0 threshold
    r[0, 2, item["joy"]] = 0.5  # joy clip, nothing reaches 1
    r[0, 3, [item["sadness"], item["disgust"]]] = [6.0, 6.0]  # fear clip, tie between two other categories
    book = ratings.felt_categories(clips, r, rule="book")[0]
    theirs = ratings.felt_categories(clips, r, rule="gerster2026")[0]
    assert [cats[k] for k in book] == ["anger", "neutral", "neutral", "disgust"]
    assert [cats[k] for k in theirs] == ["joy", "tenderness", "joy", "disgust"]  # argmax: first listed item
    assert ratings.concordance(book[None], clips).tolist() == [["concordant", "neutral clip", "discordant",
                                                                  "discordant"]]
    with pytest.raises(VaxisInputError, match="rule"):
        ratings.felt_categories(clips, r, rule="mine")


def test_felt_categories_on_faced():
    felt = ratings.felt_categories(FACED_CLIP_CATEGORIES, ratings.subject_ratings())
    agree = ratings.concordance(felt, FACED_CLIP_CATEGORIES)
    emotional = agree != ratings.NEUTRAL_CLIP
    assert emotional.sum() == 123 * 24
    # ties to the own category count as concordant, as off_target counts them as on target; an emotional clip
    # felt as neutral (nothing reaches 1 of 7) is discordant
    assert (agree[emotional] == ratings.CONCORDANT).mean() == pytest.approx(0.631, abs=5e-4)
    assert 1 - ratings.off_target()["all"] == pytest.approx(0.641, abs=5e-4)
    theirs = ratings.felt_categories(FACED_CLIP_CATEGORIES, ratings.subject_ratings(), rule="gerster2026")
    assert FACED_CATEGORIES.index("neutral") not in theirs  # never neutral
    assert (ratings.concordance(theirs, FACED_CLIP_CATEGORIES)[emotional] == ratings.CONCORDANT).mean() == \
        pytest.approx(0.636, abs=5e-4)
