"""The runner stops at a failing chapter, names it, and leaves no half-written result."""

import pytest

from vaxis import book, results
from vaxis._checks import VaxisDataError

FAILING = '''# %% tags=["parameters"]
profile = "quick"
results_root = None

# %%
print("before")

# %%
raise RuntimeError("planted failure")
'''


def test_failing_chapter_is_named_and_nothing_final_is_written(tmp_path):
    src = tmp_path / "notebooks" / "99_failing.py"
    src.parent.mkdir()
    src.write_text(FAILING)
    chapter = book.Chapter("99", "99_failing", src)
    out = tmp_path / "out"
    with pytest.raises(book.ChapterFailed, match="Chapter 99_failing failed.*RuntimeError: planted failure"):
        book.run_chapter(chapter, "quick", out_dir=out)
    assert not (out / "99_failing.ipynb").exists()
    assert (out / ".failed" / "99_failing.ipynb").exists()
    assert not list(out.glob(".*.running.ipynb"))


def test_successful_chapter_hides_injected_parameters(tmp_path):
    import nbformat

    src = tmp_path / "notebooks" / "98_ok.py"
    src.parent.mkdir()
    src.write_text(FAILING.split("# %%\nraise")[0])
    final = book.run_chapter(book.Chapter("98", "98_ok", src), "quick", overrides={"results_root": "x"},
                             out_dir=tmp_path / "out")
    nb = nbformat.read(final, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "remove-cell" in injected[0].metadata.tags


def test_missing_earlier_results_say_which_chapter_to_run(tmp_path):
    with pytest.raises(VaxisDataError, match="written by chapter 01_axis_construction.*--only 01"):
        results.category_positions(tmp_path)


def test_cli_reports_errors_without_traceback(capsys):
    assert book.main(["run", "--profile", "nope"]) == 1
    assert "Unknown profile 'nope'" in capsys.readouterr().err


ALLOCATING = FAILING.split("# %%\nraise")[0] + '''
# %%
import numpy as np
block = np.ones(300 * 2**20 // 8)  # 300 MiB held while the cell ends
'''


def test_run_records_wall_time_and_peak_memory(tmp_path, monkeypatch):
    """The runner logs each chapter's wall time, measured peak memory and estimate in runs.json."""
    from vaxis import io

    src = tmp_path / "notebooks" / "97_alloc.py"
    src.parent.mkdir()
    src.write_text(ALLOCATING)
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setattr(book.runner, "chapters", lambda root=None: [book.Chapter("97", "97_alloc", src)])
    book.run("quick", out_dir=tmp_path / "out")
    runs = io.load_json(tmp_path / "results" / "quick" / book.RUNS_FILE)
    rec = runs["97_alloc"]
    assert rec["wall_s"] > 0 and rec["estimate_bytes"] > 0
    assert 300 * 2**20 < rec["peak_bytes"] < 4 * 2**30, rec  # the kernel's 300 MiB block was seen


def test_peak_memory_follows_child_processes():
    import subprocess
    import sys

    from vaxis.book import resources

    code = "import time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    with resources.PeakMemory(interval=0.05) as mem:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert mem.peak_bytes > 200 * 2**20


def test_refreshed_twins_carry_no_run_metadata_or_empty_tags(tmp_path):
    """What refresh writes equals what sync_pair would write: no papermill metadata, no empty tags."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells = [nbformat.v4.new_code_cell("1", metadata={"tags": [], "papermill": {}, "execution": {}}),
                nbformat.v4.new_code_cell("2", metadata={"tags": ["parameters"]})]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    book.runner._strip_run_metadata(path)
    out = nbformat.read(path, as_version=4)
    assert "papermill" not in out.metadata
    assert out.cells[0].metadata == {} and out.cells[1].metadata == {"tags": ["parameters"]}
