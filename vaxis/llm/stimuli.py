"""The nine emotion-evocative anchor sentences, one per FACED emotion category.

FACED (Chen et al., 2023) groups its 28 film clips into nine categories: four negative (anger,
disgust, fear, sadness), neutral, and four positive (amusement, inspiration, joy, tenderness).
The V-axis is built from one sentence per category; users may pass their own (several per category
are averaged) through the chapter parameter ``anchor_sentences``.

Sign convention (stated once, used everywhere): **positive valence is positive on the axis**.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._checks import VaxisInputError

#: FACED's nine categories, in the dataset's order (negative, neutral, positive).
CATEGORIES: tuple[str, ...] = (
    "anger", "disgust", "fear", "sadness", "neutral", "amusement", "inspiration", "joy", "tenderness",
)
NEGATIVE: tuple[str, ...] = ("anger", "disgust", "fear", "sadness")
POSITIVE: tuple[str, ...] = ("amusement", "inspiration", "joy", "tenderness")
NEUTRAL = "neutral"

#: The default anchors: written for this book, one vivid first-person scene per category.
ANCHOR_SENTENCES: dict[str, str] = {
    "anger": "I am furious that they lied to my face and got away with it again.",
    "disgust": "The rotten meat was crawling with maggots and the stench made me gag.",
    "fear": "Someone is breaking into the house in the dark and I am all alone.",
    "sadness": "My old dog died in my arms this morning and the house feels empty.",
    "neutral": "The train to the city leaves from platform four at nine o'clock.",
    "amusement": "The puppy tripped over its own ears and we all burst out laughing.",
    "inspiration": "Against every obstacle she kept going and finally reached the summit she had dreamed of.",
    "joy": "We just heard that we won, and everyone is cheering and hugging with happiness.",
    "tenderness": "The mother gently rocked her newborn baby and kissed his tiny hand.",
}


def anchor_table(sentences: Mapping[str, str | Sequence[str]] | None = None) -> tuple[list[str], list[str]]:
    """Flatten anchors to parallel lists ``(texts, categories)`` and validate them.

    Parameters
    ----------
    sentences : mapping, optional
        Category -> sentence or list of sentences. Default :data:`ANCHOR_SENTENCES`.
        Categories need not be FACED's, but at least one must be in :data:`POSITIVE` and one in
        :data:`NEGATIVE` (the sign of the axis is fixed by them).
    """
    sentences = ANCHOR_SENTENCES if sentences is None else sentences
    if not isinstance(sentences, Mapping) or not sentences:
        raise VaxisInputError(
            "anchor_sentences must be a non-empty mapping category -> sentence(s), e.g. "
            "{'joy': 'We won!', 'sadness': 'My dog died.'}."
        )
    texts: list[str] = []
    cats: list[str] = []
    for cat, val in sentences.items():
        items = [val] if isinstance(val, str) else list(val)
        if not items or any(not isinstance(t, str) or not t.strip() for t in items):
            raise VaxisInputError(f"anchor_sentences[{cat!r}] must hold non-empty strings, got {val!r}.")
        texts += items
        cats += [cat] * len(items)
    if not set(cats) & set(POSITIVE) or not set(cats) & set(NEGATIVE):
        raise VaxisInputError(
            "anchor_sentences needs at least one positive category "
            f"({', '.join(POSITIVE)}) and one negative category ({', '.join(NEGATIVE)}) "
            f"to build and orient the axis; got categories {sorted(set(cats))}."
        )
    return texts, cats
