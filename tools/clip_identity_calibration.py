#!/usr/bin/env python
"""Run the clip-identity calibration of the simulated cohort and print the Data page's tables.

The grid (:data:`vaxis.decoding.calibration.CLIP_IDENTITY_GRID`: ``residual_strength`` x
``clip_identity``, seeds 0 and 1, the whole cohort of 123 subjects) is scored against the
tolerances on Gerster et al. (2026)'s pattern fixed before it ran
(:data:`~vaxis.decoding.calibration.CLIP_IDENTITY_TOLERANCES`), the choice rule picks the default
(:func:`~vaxis.decoding.calibration.choose_clip_identity`), and the manipulation checks run at the
chosen point (``label_noise`` and ``felt_emotion`` switched on; ``clip_identity`` 0 is a grid point).
About 3 minutes on 2 idle cores (one BLAS thread per fit). ``book/data.md`` quotes the output;
``tests/test_calibration.py`` holds the chosen defaults to every tolerance on both seeds.

Usage::

    python tools/clip_identity_calibration.py [--csv grid.csv]
"""

from __future__ import annotations

import argparse
import warnings

import pandas as pd

from vaxis.decoding import calibration
from vaxis.eeg.simulate import SimulationParams, simulate_faced, with_knobs

COLUMNS = ["clip_labels", "felt_labels", "concordant", "discordant", "one_clip", "balanced_accuracy"]


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (no index), as the Data page shows it."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", help="also write every (knobs, seed) row to this file")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    grid = calibration.clip_identity_grid(base=with_knobs(SimulationParams(), {}), progress=True)
    if args.csv:
        grid.to_csv(args.csv, index=False)
    knobs = ["residual_strength", "clip_identity"]
    g = grid.groupby(knobs)
    table = g[COLUMNS].mean().round(3).assign(passes=g["ok"].all().map({True: "both seeds", False: ""}))
    print(markdown(table.reset_index()))
    best = calibration.choose_clip_identity(grid)
    print("\nchosen:", None if best is None else {k: best[k] for k in knobs})
    if best is None:
        return
    rows = []
    for extra in ({}, {"label_noise": 1.0}, {"felt_emotion": 1.0}, {"label_noise": 1.0, "felt_emotion": 1.0}):
        knob = {k: float(best[k]) for k in knobs} | extra
        sc = calibration.stimulus_identity_scores(simulate_faced(n_subjects=123, seed=0, **knob))
        rows.append({"knobs": ", ".join(f"{k} {v:g}" for k, v in extra.items()) or "(chosen point)",
                     **{k: round(sc[k], 3) for k in COLUMNS + ["concordant_minus_discordant", "one_clip_gain"]}})
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
