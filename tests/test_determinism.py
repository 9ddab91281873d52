"""Determinism of the book: two independent runs of a chapter give identical result files.

The README's test command runs every chapter once, under nbval (quick profile, empty cache; the
results in ``results/quick``): nbval compares each chapter's printed outputs with the committed
reference notebook, i.e. with an earlier run on another machine. Result files hold more than is
printed (arrays, every fold), so here chapters 5 and 7, the two that train EEG networks in a short
run (the saturation sweep's strategies, the phase grid's cells), run a second time with the runner
(papermill), from an empty cache into their own results folder that holds only chapter 1's result
files (their one input). Nothing else is shared but the provisioned models: every hidden state,
network and task is computed again. Every result file of the two chapters is compared: JSON values
exactly (floats bit for bit), arrays of ``.npz`` files with ``np.array_equal``.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vaxis import book, io

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "results" / "quick"
RERUN = ("05", "07")
SKIP = {book.RUNS_FILE}  # the run log of wall times: differs by nature


def _files(folder: Path, number: str) -> set[Path]:
    """Result files of chapter ``number``: its ``NN_*`` files and everything in its ``NN_*`` folders."""
    return {p.relative_to(folder) for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".json", ".npz") and p.name not in SKIP
            and p.relative_to(folder).parts[0].startswith(f"{number}_")}


def _canonical(path: Path) -> str:
    """JSON text with sorted keys: equal strings <=> equal values, floats bit for bit, NaN == NaN."""
    return json.dumps(io.load_json(path), sort_keys=True)


def assert_same_results(first: Path, second: Path, number: str) -> None:
    """Every result file of chapter ``number`` is in both folders, with equal values."""
    a_files, b_files = _files(first, number), _files(second, number)
    assert a_files, f"chapter {number} wrote no result file under {first}"
    assert a_files == b_files, f"files differ between the runs: {sorted(a_files ^ b_files)}"
    for rel in sorted(a_files):
        a, b = first / rel, second / rel
        if rel.suffix == ".json":
            assert _canonical(a) == _canonical(b), f"{rel}: values differ between two runs"
        else:
            with np.load(a, allow_pickle=False) as x, np.load(b, allow_pickle=False) as y:
                assert sorted(x.files) == sorted(y.files), rel
                for k in x.files:
                    assert np.array_equal(x[k], y[k]), f"{rel}[{k}] differs between two runs"


@pytest.fixture(scope="module")
def second_run(tmp_path_factory) -> Path:
    """Chapters 5 and 7 run again with the runner, from an empty cache; their results folder."""
    if not (FIRST / book.RUNS_FILE).is_file():
        pytest.fail(f"{FIRST} has no run log: `make test` writes it (its nbval pass, with -p vaxis.book.record).")
    root = tmp_path_factory.mktemp("second-run")
    second = root / "results" / "quick"
    second.mkdir(parents=True)
    for path in FIRST.glob("01_*"):  # chapter 1's results: the two chapters' only input
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, second / path.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(io.RESULTS_ENV, str(root / "results"))
        mp.setenv("VAXIS_CACHE", str(root / "cache"))
        book.run("quick", only=list(RERUN), out_dir=root / "chapters", numerics_mode="portable")
    return second


@pytest.mark.parametrize("number", RERUN)
def test_two_independent_runs_give_identical_results(second_run, number):
    assert_same_results(FIRST, second_run, number)


def test_the_comparison_sees_a_changed_value(tmp_path):
    """Known answer: one float changed in the last bit of one file of a copy is reported."""
    a, b = tmp_path / "a", tmp_path / "b"
    io.save_json(a / "05_x.json", {"r": 0.1, "n": [1, 2]})
    np.savez(a / "05_y.npz", w=np.array([0.5, 0.25]))
    shutil.copytree(a, b)
    assert_same_results(a, b, "05")
    io.save_json(b / "05_x.json", {"r": float(np.nextafter(0.1, 1.0)), "n": [1, 2]})
    with pytest.raises(AssertionError, match="values differ"):
        assert_same_results(a, b, "05")
    np.savez(b / "05_y.npz", w=np.array([0.5, 0.25]))
    shutil.copy2(a / "05_x.json", b / "05_x.json")
    np.savez(b / "05_y.npz", w=np.array([0.5, 0.250001]))
    with pytest.raises(AssertionError, match="differs"):
        assert_same_results(a, b, "05")
