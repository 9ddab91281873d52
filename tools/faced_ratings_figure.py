#!/usr/bin/env python
"""Draw the Data page's figure of the FACED participants' ratings and print the numbers it quotes.

The ratings are a fixed table shipped with the package (``vaxis/eeg/data/faced_ratings.csv.gz``),
so the figure is drawn once and committed as ``book/images/faced_clip_ratings.png``; chapter 3 draws
the same figure live. The numbers printed here are the ones ``book/data.md`` quotes;
``tests/test_eeg_ratings.py`` holds them (reliability, category order, clip range).

Usage::

    python tools/faced_ratings_figure.py [--out book/images/faced_clip_ratings.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from vaxis import plots  # noqa: E402
from vaxis.eeg import ratings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "book" / "images" / "faced_clip_ratings.png")
    args = parser.parse_args()
    clips = ratings.clip_ratings()
    fig = plots.clip_ratings(clips)
    fig.savefig(args.out, dpi=110, metadata={"Software": None})
    print("wrote", args.out)
    print(ratings.category_ratings(n_boot=2000, seed=0).round(2).to_string())
    print(ratings.reliability(n_splits=1000, seed=0).round(3).to_string())
    print(f"clip valence {clips['valence'].min():.2f}..{clips['valence'].max():.2f}; "
          f"median SD across participants: valence {clips['valence_sd'].median():.2f}, "
          f"arousal {clips['arousal_sd'].median():.2f}")


if __name__ == "__main__":
    main()
