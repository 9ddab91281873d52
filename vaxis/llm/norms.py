"""Human valence norms that PyPI ships, as held-out items for zero-shot validation.

- **VADER** (Hutto & Gilbert, 2014; package ``vaderSentiment``): ``vader_lexicon.txt`` holds ~7,500
  tokens, each rated by ten human raters on -4 (extremely negative) .. +4 (extremely positive);
  we use the mean rating of common English words: alphabetic entries that are whole tokens of the
  uncased WordPiece vocabulary of BERT (the tokenizer of all-MiniLM-L6-v2, registry model
  ``minilm-l6``), which drops emoticons and chat abbreviations such as "rotflmao".
- **AFINN** (Nielsen, 2011; package ``afinn``): ``AFINN-111.txt``, ~2,500 words rated -5..+5 by
  one author. Used as a second, independent test set (words also in the VADER sample are dropped).

Items are split once, by a seeded shuffle stratified on the rating, into a *dev* split (used to
choose the layer) and a *test* split (used only to report). Nothing is chosen on test items.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import VaxisDataError, VaxisInputError
from .model_axis import TEMPLATES, apply_template  # noqa: F401  (re-exported: templates live with the axis)
from .registry import is_provisioned, models_dir


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise VaxisDataError(f"The package {package!r} is not installed: `pip install {package}`.")
    path = Path(spec.origin).parent.joinpath(*parts)
    if not path.is_file():
        raise VaxisDataError(f"{path} is missing from the installed {package!r}; reinstall it.")
    return path


def common_words() -> frozenset[str]:
    """Whole-word entries of BERT's uncased WordPiece vocabulary (~22k common English words).

    Read from the provisioned all-MiniLM-L6-v2 tokenizer (registry model ``minilm-l6``), whose
    30,522-entry WordPiece vocabulary is BERT's.
    """
    if not is_provisioned("minilm-l6"):
        raise VaxisDataError("The word list comes with the minilm-l6 model, which is not provisioned: run "
                             "`python -m vaxis.llm provision minilm-l6` (or `make models`).")
    path = models_dir() / "minilm-l6" / "tokenizer.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha())


def vader_lexicon() -> pd.DataFrame:
    """Common English words of the VADER lexicon: columns ``item``, ``rating`` (-4..4), ``sd``, ``n_raters``."""
    path = _package_file("vaderSentiment", "vader_lexicon.txt")
    vocab = common_words()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        word = parts[0]
        if word.isalpha() and word.islower() and len(word) > 2 and word in vocab:
            raw = [int(v) for v in parts[3].strip("[]").split(",") if v.strip()]
            rows.append((word, float(parts[1]), float(parts[2]), len(raw)))
    return pd.DataFrame(rows, columns=["item", "rating", "sd", "n_raters"])


def afinn_lexicon() -> pd.DataFrame:
    """Common single words of AFINN-111: columns ``item``, ``rating`` (-5..5)."""
    path = _package_file("afinn", "data", "AFINN-111.txt")
    vocab = common_words()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, score = line.rpartition("\t")
        if word.isalpha() and word.islower() and len(word) > 2 and word in vocab:
            rows.append((word, float(score)))
    return pd.DataFrame(rows, columns=["item", "rating"])


@dataclass(frozen=True)
class NormSplits:
    """Held-out valence items: ``dev`` (choose the layer), ``test`` (report), ``afinn`` (report)."""

    dev: pd.DataFrame
    test: pd.DataFrame
    afinn: pd.DataFrame

    def items(self) -> list[str]:
        """Every distinct item of the three splits (for one batched hidden-state extraction)."""
        return list(dict.fromkeys([*self.dev.item, *self.test.item, *self.afinn.item]))


def norm_splits(n_items: int = 600, n_afinn: int = 300, min_abs_rating: float = 0.0, seed: int = 0) -> NormSplits:
    """Sample ``n_items`` VADER words (half dev, half test) and ``n_afinn`` AFINN words.

    The VADER sample is stratified on rating deciles so the whole -4..4 range is covered; AFINN words
    already in the VADER sample are excluded. Deterministic for a given ``seed``.
    """
    if n_items < 20 or n_items % 2:
        raise VaxisInputError(f"n_items must be an even number >= 20, got {n_items}.")
    rng = np.random.default_rng(seed)
    vader = vader_lexicon()
    vader = vader[vader.rating.abs() >= min_abs_rating].reset_index(drop=True)
    if n_items > len(vader):
        raise VaxisInputError(f"n_items={n_items} exceeds the {len(vader)} usable VADER words.")
    bins = pd.qcut(vader.rating.rank(method="first"), 10, labels=False)
    picked = []
    per_bin = n_items // 10
    for b in range(10):
        idx = np.flatnonzero(bins.to_numpy() == b)
        picked.extend(rng.choice(idx, size=per_bin + (1 if b < n_items % 10 else 0), replace=False))
    sample = vader.iloc[np.sort(picked)].reset_index(drop=True)
    # Alternate dev/test within rating order, after a shuffle of ties, so both splits span the range.
    order = np.lexsort((rng.random(len(sample)), sample.rating.to_numpy()))
    is_dev = np.zeros(len(sample), bool)
    is_dev[order[rng.integers(0, 2)::2]] = True
    afinn = afinn_lexicon()
    afinn = afinn[~afinn.item.isin(sample.item)].reset_index(drop=True)
    if n_afinn > len(afinn):
        raise VaxisInputError(f"n_afinn={n_afinn} exceeds the {len(afinn)} usable AFINN words.")
    afinn = afinn.iloc[np.sort(rng.choice(len(afinn), size=n_afinn, replace=False))].reset_index(drop=True)
    return NormSplits(sample[is_dev].reset_index(drop=True), sample[~is_dev].reset_index(drop=True), afinn)
