"""The packaged sentence benchmarks: counts, checksums, the split rule, VADER and the tags."""

from pathlib import Path

import numpy as np
import pytest

from vaxis._checks import VaxisDataError, VaxisInputError
from vaxis.llm import sentences as s


@pytest.mark.parametrize("name, n, n_pos, n_neg", [("tweets", 4200, 1830, 837), ("movie_reviews", 10605, 4598, 4575)])
def test_benchmark_counts_scale_and_checksum(name, n, n_pos, n_neg):
    df = s.load_benchmark(name)
    assert len(df) == n and df.id.tolist() == list(range(1, n + 1))
    assert s.sha256_of(s.DATA_DIR / s.BENCHMARKS[name].file) == s.BENCHMARKS[name].sha256
    assert df.rating.between(*s.SCALE).all() and (df.text.str.strip() != "").all()
    assert (df.rating >= 1).sum() == n_pos and (df.rating <= -1).sum() == n_neg  # PROVENANCE.md's counts
    raw = np.concatenate(df.raw.to_list())
    assert set(np.unique(raw)) <= set(range(-4, 5)) and df.n_raters.min() >= 15
    # the ground-truth mean is the raters' mean, except for the 199 tweets PROVENANCE.md describes
    differ = np.abs(df.rating - df.raw.map(np.mean)) > 1e-6
    assert differ.sum() == (199 if name == "tweets" else 0)


def test_first_rows_are_the_archive_rows():
    t = s.load_benchmark("tweets").iloc[0]
    assert t.rating == pytest.approx(2.726315789) and t.text.startswith("Somehow I was blessed")
    m = s.load_benchmark("movie_reviews").iloc[2]
    assert m.rating == pytest.approx(-0.6) and m.text == "Effective but too tepid biopic"


def test_a_changed_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / s.BENCHMARKS["tweets"].file
    data = (s.DATA_DIR / s.BENCHMARKS["tweets"].file).read_bytes()
    bad.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    monkeypatch.setattr(s, "DATA_DIR", tmp_path)
    s._table.cache_clear()
    try:
        with pytest.raises(VaxisDataError, match="sha256"):
            s.load_benchmark("tweets")
    finally:
        s._table.cache_clear()


def test_split_rule_is_stratified_grouped_and_seeded():
    rng = np.random.default_rng(0)
    y = rng.normal(size=1003)
    groups = np.arange(1003)
    groups[500] = groups[7]  # one duplicated text
    lab = s.split_labels(y, groups, seed=3, key="x")
    counts = {k: int((lab == k).sum()) for k in s.SPLITS}
    assert abs(counts["dev"] - 1002 / 5) <= 1 and abs(counts["train"] - 2 * 1002 / 5) <= 3
    assert lab[500] == lab[7]
    # without groups: every block of five consecutive ratings holds one dev and two of train and test
    plain = s.split_labels(y[:1000], seed=3, key="x")[np.argsort(y[:1000])].reshape(-1, 5)
    assert ((plain == "dev").sum(1) == 1).all() and ((plain == "test").sum(1) == 2).all()
    assert np.array_equal(lab, s.split_labels(y, groups, seed=3, key="x"))
    assert not np.array_equal(lab, s.split_labels(y, groups, seed=4, key="x"))
    assert not np.array_equal(lab, s.split_labels(y, groups, seed=3, key="y"))


def test_samples_are_nested_deterministic_and_disjoint():
    small, large = s.benchmark_splits("tweets", 250, seed=0), s.benchmark_splits("tweets", 1500, seed=0)
    assert small.sizes() == {"dev": 50, "train": 100, "test": 100}
    assert large.sizes() == {"dev": 300, "train": 600, "test": 600}
    for part in ("dev", "train", "test"):
        assert getattr(small, part).id.tolist() == getattr(large, part).id.tolist()[:len(getattr(small, part))]
    ids = [set(getattr(large, p).id) for p in ("dev", "train", "test")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    again = s.benchmark_splits("tweets", 250, seed=0)
    assert again.test.id.tolist() == small.test.id.tolist()
    assert s.benchmark_splits("tweets", 250, seed=1).test.id.tolist() != small.test.id.tolist()
    full = s.benchmark_splits("movie_reviews", None, seed=0)
    assert sum(full.sizes().values()) == 10605
    # the two duplicated movie snippets fall in one split each
    for text in full.dev.text[full.dev.text.duplicated()].tolist() + full.test.text[full.test.text.duplicated()].tolist():
        assert sum(text in set(getattr(full, p).text) for p in ("dev", "train", "test")) == 1


def test_sample_sizes_are_checked():
    with pytest.raises(VaxisInputError, match="n_sentences"):
        s.benchmark_splits("tweets", 10)
    with pytest.raises(VaxisInputError, match="asks more"):
        s.benchmark_splits("tweets", 5000)
    with pytest.raises(VaxisInputError, match="benchmark"):
        s.load_benchmark("amazon")


def test_vader_compound_and_tags_known_answers():
    texts = ["The book was good.", "A really bad, horrible book.", "The plot was good, but the dialog is not great.",
             "The train leaves at nine?", "Happy yet sad"]
    v = s.vader_compound(texts)
    assert v[0] == pytest.approx(0.4404) and v[1] == pytest.approx(-0.8211) and v[3] == 0  # VADER's README values
    tags = s.tag_sentences(texts)
    assert list(tags.columns) == list(s.TAGS)
    assert tags.negation.tolist() == [False, False, True, False, False]
    assert tags.contrast.tolist() == [False, False, True, False, True]
    assert tags["mixed"].tolist() == [False, False, False, False, True]  # "not great": lexicon words only
    assert tags["no sentiment word"].tolist() == [False, False, False, True, False]
    assert tags.question.tolist() == [False, False, False, True, False]
    assert s.tag_sentences(["I don\u2019t like it"]).negation.item()  # typographic apostrophe


def test_provenance_names_the_files_and_their_checksums():
    text = (s.DATA_DIR / "PROVENANCE.md").read_text()
    assert s.ARCHIVE_SHA256 in text and "MIT" in text and "Hutto" in text
    for b in s.BENCHMARKS.values():
        assert b.sha256 in text and b.file in text
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert "llm/data/*.csv.xz" in pyproject and "llm/data/*.md" in pyproject
