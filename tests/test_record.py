"""The nbval recorder (``-p vaxis.book.record``): `make test`'s one pass of the chapters is also the
book's. On a toy chapter: what nbval executed is written (this run's outputs, figures included),
its run is logged; a chapter with a failing cell is not written; a profile nbval cannot run refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from vaxis import io
from vaxis.book import RUNS_FILE, record


def _toy(folder: Path, printed: str = "6\n") -> Path:
    """``99_toy.ipynb``: a parameters cell, a printed number (reference ``printed``), a figure."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Toy"),
        nbformat.v4.new_code_cell('profile = "quick"\nn = 3', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(n * 2)", execution_count=2,
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text=printed)]),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()",
                                  metadata={"tags": ["nbval-ignore-output"]}),
    ]
    path = folder / "99_toy.ipynb"
    nbformat.write(nb, path)
    return path


def _nbval(notebook: Path, out: Path, results: Path, profile: str = "quick") -> subprocess.CompletedProcess:
    env = {**os.environ, io.RESULTS_ENV: str(results)}
    env.pop("MPLBACKEND", None)
    return subprocess.run([sys.executable, "-m", "pytest", "--nbval", str(notebook), "-q", "-p", "no:cacheprovider",
                           "-p", "vaxis.book.record", "--vaxis-record", profile, "--vaxis-record-dir", str(out)],
                          cwd=notebook.parent, env=env, capture_output=True, text=True)


def test_what_nbval_executes_is_written_with_its_run_record(tmp_path):
    nb_path = _toy(tmp_path)
    proc = _nbval(nb_path, tmp_path / "out", tmp_path / "results")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = nbformat.read(tmp_path / "out" / "99_toy.ipynb", as_version=4)
    nbformat.validate(written)
    code = [c for c in written.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[1].outputs[0].text == "6\n"
    assert any("image/png" in o.get("data", {}) for o in code[2].outputs)  # this run's figure
    assert not nbformat.read(nb_path, as_version=4).cells[3].outputs  # the twin itself is left as it was
    runs = io.load_json(tmp_path / "results" / "quick" / RUNS_FILE)
    rec = runs["99_toy"]
    assert rec["wall_s"] > 0 and rec["peak_bytes"] > 10 * 2**20 and rec["runner"] == "nbval"  # the kernel's memory


def test_a_chapter_with_a_failing_cell_is_not_written(tmp_path):
    nb_path = _toy(tmp_path, printed="7\n")  # the reference disagrees with what the cell prints
    proc = _nbval(nb_path, tmp_path / "out", tmp_path / "results")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not (tmp_path / "out" / "99_toy.ipynb").exists()
    assert not (tmp_path / "results" / "quick" / RUNS_FILE).exists()


def test_only_the_profile_of_the_twins_can_be_recorded(tmp_path):
    record.check_profile("quick")
    with pytest.raises(Exception, match="only the 'quick' profile"):
        record.check_profile("full")
    proc = _nbval(_toy(tmp_path), tmp_path / "out", tmp_path / "results", profile="full")
    assert proc.returncode != 0 and "only the 'quick' profile" in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


def test_parameters_cell_shows_the_profile_values(tmp_path):
    """write_executed rewrites the parameters cell as the runner does (a value that differs from its default)."""
    from vaxis.book import Chapter

    nb_path = _toy(tmp_path)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[1].source = 'profile = "full"\nn = 3'
    nbformat.write(nb, nb_path)
    path = record.write_executed(Chapter("99", "99_toy", nb_path.with_suffix(".py")), {1: []}, "quick", tmp_path / "o")
    cells = nbformat.read(path, as_version=4).cells
    assert cells[1].source.startswith("profile = 'quick'  # profile \"quick\"; default 'full'")
    assert cells[2].outputs == [] and cells[2].execution_count == 2 and cells[1].execution_count is None
