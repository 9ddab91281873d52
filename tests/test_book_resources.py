"""Resources of the README's test command's own chapter run (the quick profile), from its run log.

``make test`` runs every chapter once under nbval with the recorder (``-p vaxis.book.record
--vaxis-record quick``, before the ``book`` tests), which logs each chapter's wall time, measured
peak memory and the runner's up-front estimate in ``results/quick/runs.json``, as
``python -m vaxis.book run --profile quick`` does. The estimate must not be below what the chapter used (the runner
refuses a profile on it), and no chapter may need more than 6 GiB.
"""

import pytest

from vaxis import book, io

pytestmark = pytest.mark.book

LIMIT = 6 * 2**30


@pytest.fixture(scope="module")
def runs():
    path = io.results_dir("quick") / book.RUNS_FILE
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `python -m vaxis.book run --profile quick` first (make test does).")
    return io.load_json(path)


@pytest.mark.parametrize("chapter", [c.name for c in book.chapters()])
def test_chapter_peak_memory_is_under_the_estimate_and_6_gib(runs, chapter):
    rec = runs[chapter]
    assert 0 < rec["peak_bytes"] < LIMIT, rec
    assert rec["peak_bytes"] <= rec["estimate_bytes"], (
        f"{chapter} used {rec['peak_bytes'] / 2**30:.2f} GiB, more than the runner's estimate "
        f"{rec['estimate_bytes'] / 2**30:.2f} GiB: recalibrate vaxis/resources.py")
