"""Human-rated sentences: the VADER paper's tweets and movie-review snippets, split and sampled.

Hutto & Gilbert (2014) had every text of their evaluation sets rated by about 20 screened people
on -4 (extremely negative) .. +4 (extremely positive) and released the mean (``GroundTruth``) and
the raw ratings (``anonDataRatings``) with VADER's code (``cjhutto/vaderSentiment``,
``additional_resources/hutto_ICWSM_2014.tar.gz``, MIT licence). ``vaxis`` ships two of the sets,
read offline by :func:`load_benchmark`:

- ``"tweets"``: 4,200 tweet-like texts (4,000 inspired by public tweets with user names and URLs
  anonymised, 200 written to test grammatical conventions), 20 raters each (1,000 of them about
  96; for 199 the mean given is not the mean of the raw ratings given: see
  ``vaxis/llm/data/PROVENANCE.md``);
- ``"movie_reviews"``: 10,605 sentence-level snippets of Pang & Lee's (2004) movie reviews,
  15-29 raters (median 18).

Files: ``vaxis/llm/data/hutto2014_<name>.csv.xz`` (id, ground-truth mean, raw ratings, text), each
checked against its sha256 (:data:`BENCHMARKS`) when read; ``PROVENANCE.md`` beside them gives the
source, licence, citation and how they were derived (``tools/derive_sentiment_benchmarks.py``).

Splits (:func:`benchmark_splits`) follow one fixed, seeded rule, independent of how many sentences
a profile uses: distinct texts (the two duplicated movie snippets stay together) are sorted by
rating (ties in random order) and cut into consecutive blocks of five; each block gives one text
to *dev* (choices), two to *train* (the supervised ceiling) and two to *test* (every reported
number), in random order. Each split is then shuffled once; a profile's sample of ``n`` sentences
takes the first 20% / 40% / 40% of ``n`` from the three shuffles, so a smaller sample is a subset of
a larger one with the same seed, and no sample moves a sentence between splits.

:func:`vader_compound` is VADER's own rule-based score (``vaderSentiment``), the practitioner's
baseline; :func:`tag_sentences` marks, mechanically, the linguistic features that make sentiment
hard (negation, contrast, mixed polarity, no sentiment word, questions).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import VaxisDataError, VaxisInputError, check_option

DATA_DIR: Path = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Benchmark:
    """One packaged benchmark: its file, size and checksum, and how to name it on a page."""

    name: str
    file: str
    n_items: int
    sha256: str
    label: str


#: The packaged benchmarks (sha256 of the ``.csv.xz`` files as shipped).
BENCHMARKS: dict[str, Benchmark] = {
    "tweets": Benchmark("tweets", "hutto2014_tweets.csv.xz", 4200,
                        "1c5fc23c3458021caea7075cd7354c71c10946e0cf027a0aa811cc92282b3eaf", "tweets"),
    "movie_reviews": Benchmark("movie_reviews", "hutto2014_movie_reviews.csv.xz", 10605,
                               "8c6f1f5e8bcd1c4076dafc3a2a05111cc0ae9c6ae75c9f431e5d4c625887b1c3",
                               "movie-review snippets"),
}
#: sha256 of the original archive ``hutto_ICWSM_2014.tar.gz`` the files were derived from.
ARCHIVE_SHA256 = "d5bb07d87474b3eb8d30b4deccbc23f19d742a6c5718fbacc65485b70b95c5fa"
#: The rating scale (mean of integer ratings from -4 to +4).
SCALE: tuple[float, float] = (-4.0, 4.0)
#: Share of each split: dev (choices), train (supervised ceiling), test (reported numbers).
SPLITS: dict[str, int] = {"dev": 1, "train": 2, "test": 2}  # per block of five texts
#: Source string for figures and result files.
SOURCE = ("human-rated sentences of Hutto & Gilbert (ICWSM 2014), ~20 raters each on -4..+4, "
          "MIT licence (vaxis/llm/data)")


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=None)
def _table(name: str) -> pd.DataFrame:
    spec = BENCHMARKS[name]
    path = DATA_DIR / spec.file
    if not path.is_file():
        raise VaxisDataError(f"The packaged benchmark {path} is missing: reinstall vaxis (package data).")
    digest = sha256_of(path)
    if digest != spec.sha256:
        raise VaxisDataError(f"{path} has sha256 {digest}, expected {spec.sha256}: the file is damaged or "
                             "was changed; reinstall vaxis or re-derive it (tools/derive_sentiment_benchmarks.py).")
    df = pd.read_csv(path, keep_default_na=False, dtype={"id": int, "rating": float, "raw": str, "text": str})
    if list(df.columns) != ["id", "rating", "raw", "text"] or len(df) != spec.n_items:
        raise VaxisDataError(f"{path}: expected {spec.n_items} rows of id, rating, raw, text; got {len(df)} rows "
                             f"of {list(df.columns)}.")
    raw = [np.array(r.split(), dtype=float) for r in df.pop("raw")]
    df["n_raters"] = np.array([r.size for r in raw])
    df["sd"] = np.array([r.std() for r in raw])
    df["raw"] = raw
    return df


def load_benchmark(name: str) -> pd.DataFrame:
    """One benchmark, every text: columns ``id``, ``rating`` (mean of the raters, -4..4),
    ``text`` (as rated), ``n_raters``, ``sd`` (SD of the raw ratings) and ``raw`` (array of the
    raw integer ratings). Read offline from the package, sha256-checked; a copy."""
    check_option("benchmark", name, BENCHMARKS)
    return _table(name).copy()


def split_labels(rating: np.ndarray, groups: np.ndarray | None = None, seed: int = 0,
                 key: str = "") -> np.ndarray:
    """The fixed split rule: ``"dev"`` / ``"train"`` / ``"test"`` for each item, 1 : 2 : 2.

    Parameters
    ----------
    rating : ndarray, shape (n,)
        What the split is stratified on.
    groups : ndarray, shape (n,), optional
        Items of one group (e.g. the same text) get the same split; default every item its own.
    seed : int
    key : str
        Mixed into the seed (the benchmark's name), so benchmarks are split independently.

    Returns
    -------
    ndarray of str, shape (n,)
        Units (groups) sorted by mean rating, ties in random order, cut into blocks of five;
        in every block one unit goes to dev, two to train, two to test, in random order (a last,
        shorter block takes the first labels of a random permutation of the five).
    """
    y = np.asarray(rating, dtype=float)
    if y.ndim != 1 or not np.all(np.isfinite(y)):
        raise VaxisInputError("rating must be a finite 1-D array.")
    g = np.arange(y.size) if groups is None else np.asarray(groups)
    if g.shape != y.shape:
        raise VaxisInputError(f"groups has shape {g.shape}, rating {y.shape}.")
    units, inverse = np.unique(g, return_inverse=True)
    unit_rating = np.bincount(inverse, weights=y) / np.bincount(inverse)
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    order = np.lexsort((rng.random(units.size), unit_rating))
    pattern = np.array([s for s, k in SPLITS.items() for _ in range(k)])
    unit_split = np.empty(units.size, dtype=object)
    for start in range(0, units.size, pattern.size):
        block = order[start:start + pattern.size]
        unit_split[block] = rng.permutation(pattern)[:block.size]
    return unit_split[inverse].astype(str)


@dataclass(frozen=True)
class SentenceSplits:
    """A benchmark's sample in its three splits (each a :func:`load_benchmark` frame, rows in the
    split's seeded order): ``dev`` (choices), ``train`` (the supervised ceiling), ``test`` (reports)."""

    name: str
    dev: pd.DataFrame
    train: pd.DataFrame
    test: pd.DataFrame

    @property
    def label(self) -> str:
        return BENCHMARKS[self.name].label

    def sizes(self) -> dict[str, int]:
        return {"dev": len(self.dev), "train": len(self.train), "test": len(self.test)}


def sample_sizes(n: int | None, available: dict[str, int]) -> dict[str, int]:
    """How many sentences each split gives to a sample of ``n`` (20% dev, 40% train, the rest test);
    ``None``: all of them."""
    if n is None:
        return dict(available)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 25:
        raise VaxisInputError(f"n_sentences must be a whole number >= 25 (or None for all), got {n!r}.")
    total = sum(SPLITS.values())
    want = {"dev": round(n * SPLITS["dev"] / total), "train": round(n * SPLITS["train"] / total)}
    want["test"] = int(n) - want["dev"] - want["train"]
    short = {s: (k, available[s]) for s, k in want.items() if k > available[s]}
    if short:
        raise VaxisInputError(f"n_sentences={n} asks more than a split holds ({short}); use at most "
                              f"{sum(available.values())} or None.")
    return want


def benchmark_splits(name: str, n_sentences: int | None = None, seed: int = 0) -> SentenceSplits:
    """The dev / train / test sample of ``n_sentences`` texts of benchmark ``name`` (``None``: all).

    Deterministic for a given ``seed``; the splits do not depend on ``n_sentences`` and a smaller
    sample is a subset of a larger one (module docstring).
    """
    df = load_benchmark(name)
    labels = split_labels(df.rating.to_numpy(), groups=df.text.to_numpy(), seed=seed, key=name)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode()), 1])
    parts = {s: df[labels == s].iloc[rng.permutation(int((labels == s).sum()))].reset_index(drop=True)
             for s in SPLITS}
    sizes = sample_sizes(n_sentences, {s: len(p) for s, p in parts.items()})
    return SentenceSplits(name, *(parts[s].iloc[:sizes[s]].reset_index(drop=True) for s in SPLITS))


def vader_compound(texts: list[str] | pd.Series) -> np.ndarray:
    """VADER's compound score (-1..1) of each text as written (``vaderSentiment``'s rules and lexicon):
    float array ``(n_texts,)``."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return np.array([analyzer.polarity_scores(str(t))["compound"] for t in texts], dtype=float)


#: Words that turn a clause's polarity around: VADER's own list (``vaderSentiment.NEGATE``).
def _negations() -> frozenset[str]:
    from vaderSentiment.vaderSentiment import NEGATE

    return frozenset(w.lower() for w in NEGATE)


#: Conjunctions that set one clause against another.
CONTRAST_WORDS: frozenset[str] = frozenset({"but", "however", "although", "though", "nevertheless",
                                            "nonetheless", "whereas", "yet"})
#: A word counts as clearly positive / negative when VADER's lexicon rates it at least this far from 0.
LEXICON_BAR = 1.0
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {k.lower(): float(v) for k, v in SentimentIntensityAnalyzer().lexicon.items()}


#: The tags of :func:`tag_sentences`, with the rule each follows.
TAGS: dict[str, str] = {
    "negation": "a word of VADER's negation list (not, never, none, without, isn't, ...) or any word ending in n't",
    "contrast": "one of: " + ", ".join(sorted(CONTRAST_WORDS)),
    "mixed": f"a word VADER's lexicon rates >= +{LEXICON_BAR:g} and one it rates <= -{LEXICON_BAR:g}",
    "no sentiment word": f"no word VADER's lexicon rates at least {LEXICON_BAR:g} from 0",
    "question": "a question mark",
}


def tag_sentences(texts: list[str] | pd.Series) -> pd.DataFrame:
    """Mechanical tags of each text (:data:`TAGS`): a bool DataFrame ``(n_texts, len(TAGS))``.

    Words are lower-cased runs of letters (with one apostrophe, e.g. ``don't``). Sarcasm and irony
    have no mechanical definition and are not tagged.
    """
    neg, lex = _negations(), _lexicon()
    rows = []
    for t in texts:
        words = _WORD.findall(str(t).lower().replace("\u2019", "'"))
        vals = [lex[w] for w in words if w in lex]
        rows.append({
            "negation": any(w in neg or w.endswith("n't") for w in words),
            "contrast": any(w in CONTRAST_WORDS for w in words),
            "mixed": any(v >= LEXICON_BAR for v in vals) and any(v <= -LEXICON_BAR for v in vals),
            "no sentiment word": not any(abs(v) >= LEXICON_BAR for v in vals),
            "question": "?" in str(t),
        })
    return pd.DataFrame(rows, columns=list(TAGS), dtype=bool)


__all__ = ["ARCHIVE_SHA256", "BENCHMARKS", "Benchmark", "CONTRAST_WORDS", "SCALE", "SOURCE", "SPLITS",
           "SentenceSplits", "TAGS", "benchmark_splits", "load_benchmark", "sample_sizes", "sha256_of",
           "split_labels", "tag_sentences", "vader_compound"]
