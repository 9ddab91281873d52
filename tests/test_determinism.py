"""Determinism of the whole book: two independent runs of every chapter give identical results.

The README's test command runs the chapters twice with the quick profile: once with the runner
(results in ``results/quick``) and once under nbval, each with an empty cache, the second with its
own results folder (``.nbval/``; see the Makefile). Nothing is shared between the two runs but the
provisioned models, so every hidden state, trained network and sweep task is computed twice. Here
every result file of each chapter is compared: JSON values exactly (floats bit for bit), arrays of
``.npz`` files with ``np.array_equal``. (nbval itself compares each chapter's printed outputs with
the committed reference notebook, i.e. with a run on another machine.)
"""

import json
from pathlib import Path

import numpy as np
import pytest

from vaxis import book, io

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "results" / "quick"
SECOND = ROOT / ".nbval" / "results" / "quick"
SKIP = {book.RUNS_FILE}  # the runner's log of wall times: differs by nature


def _files(folder: Path, number: str) -> set[Path]:
    """Result files of chapter ``number``: its ``NN_*`` files and everything in its ``NN_*`` folders."""
    return {p.relative_to(folder) for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".json", ".npz") and p.name not in SKIP
            and p.relative_to(folder).parts[0].startswith(f"{number}_")}


def _canonical(path: Path) -> str:
    """JSON text with sorted keys: equal strings <=> equal values, floats bit for bit, NaN == NaN."""
    return json.dumps(io.load_json(path), sort_keys=True)


@pytest.mark.parametrize("chapter", book.chapters(), ids=lambda c: c.name)
def test_two_independent_runs_give_identical_results(chapter):
    if not SECOND.is_dir():
        pytest.fail(f"{SECOND} is missing: `make test` writes it (nbval run with VAXIS_RESULTS=.nbval/results).")
    first, second = _files(FIRST, chapter.number), _files(SECOND, chapter.number)
    assert first, f"chapter {chapter.name} wrote no result file under {FIRST}"
    assert first == second, f"files differ between the runs: {sorted(first ^ second)}"
    for rel in sorted(first):
        a, b = FIRST / rel, SECOND / rel
        if rel.suffix == ".json":
            assert _canonical(a) == _canonical(b), f"{rel}: values differ between two runs"
        else:
            with np.load(a, allow_pickle=False) as x, np.load(b, allow_pickle=False) as y:
                assert sorted(x.files) == sorted(y.files), rel
                for k in x.files:
                    assert np.array_equal(x[k], y[k]), f"{rel}[{k}] differs between two runs"
