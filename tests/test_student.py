"""The student copy (``python -m vaxis.book student OUTDIR``): what it keeps, what it strips, where
its results go, and (marked ``book``) that every student notebook runs end to end with its stubs
unfilled and leaves the book's own results untouched.

The end-to-end run uses the quick profile's defaults, so it meets the caches of the chapter run
`make test` has just done (``$VAXIS_CACHE`` as the test session started; that run's results in
``results/quick``, which the student copy starts from, give chapter 5 its finished sweep tasks).
Each stub's checker must print "Not implemented yet", no cell may fail, and no file of the book's
``results/quick`` may change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from vaxis import book
from vaxis._checks import VaxisError, VaxisInputError
from vaxis.book import student
from vaxis.exercises import NOT_YET

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = book.chapters(ROOT)
#: The cache folder the test session started with (conftest gives each test its own empty one).
SESSION_CACHE = os.environ.get("VAXIS_CACHE")
#: Chapters whose exercise cells are not in yet (as in tests/test_exercises.py): expected to fail, strictly.
PENDING: set[str] = set()
READY = [c.number for c in CHAPTERS if c.number not in PENDING]


def _tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


@pytest.mark.parametrize("chapter", [pytest.param(c, marks=[pytest.mark.xfail(strict=True, reason="pending")]
                                                  if c.number in PENDING else []) for c in CHAPTERS],
                         ids=lambda c: c.name)
def test_student_copy_strips_solutions_and_outputs(chapter, tmp_path):
    paths = student.write_student_book(tmp_path / "student", only=[chapter.number])
    assert [p.stem for p in paths] == [chapter.name]
    assert (tmp_path / "student" / "glossary.md").is_file() and (tmp_path / "student" / "teaching.md").is_file()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        source = jupytext.read(chapter.source)
        n_stubs = sum(student.EXERCISE_TAG in _tags(c) for c in source.cells)
        n_solutions = sum(student.SOLUTION_TAG in _tags(c) for c in source.cells)
        assert n_solutions >= 2 and n_stubs == n_solutions, chapter.name
        assert len(nb.cells) == len(source.cells) - n_solutions + 2  # + the banner and the set-up cell
        assert "VAXIS_RESULTS" in nb.cells[1].source and nb.cells[1].cell_type == "code"
        assert sum(student.EXERCISE_TAG in _tags(c) for c in nb.cells) == n_stubs
        assert not any(student.SOLUTION_TAG in _tags(c) for c in nb.cells)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
        assert not any(c.source.lstrip().startswith("# Solution") for c in nb.cells)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert "](../glossary)" not in text and "](../data)" not in text
        stubs = [c.source for c in nb.cells if student.EXERCISE_TAG in _tags(c)]
        assert all("raise NotImplementedError(\"Exercise: " in s for s in stubs), chapter.name


def test_student_copy_refuses_an_untagged_solution_and_the_source_folders(tmp_path):
    src = tmp_path / "99_toy.py"
    src.write_text('# %% [markdown]\n# ## Exercises\n\n# %% tags=["exercise", "raises-exception"]\n'
                   'def f():\n    raise NotImplementedError("Exercise: f")\n\n# %%\n# Solution\ndef f():\n    return 1\n')
    with pytest.raises(VaxisError, match="not tagged 'solution'"):
        student.student_notebook(book.Chapter("99", "99_toy", src))
    src.write_text(src.read_text().replace("# %%\n# Solution", '# %% tags=["solution", "hide-cell"]\n# Solution'))
    nb = student.student_notebook(book.Chapter("99", "99_toy", src))
    assert [c.cell_type for c in nb.cells] == ["markdown", "markdown", "code"]
    src.write_text(src.read_text().replace('tags=["exercise", "raises-exception"]', ""))
    with pytest.raises(VaxisError, match="no cell tagged 'exercise'"):
        student.student_notebook(book.Chapter("99", "99_toy", src))
    with pytest.raises(VaxisInputError, match="sources"):
        student.write_student_book(ROOT / "notebooks")
    with pytest.raises(VaxisInputError, match="No chapter"):
        student.write_student_book(tmp_path / "s", only=["42"])


def test_student_results_go_to_their_own_folder(tmp_path, monkeypatch):
    """The set-up cell sends results to the copy's folder even when the environment names the book's;
    the copy starts from the book's results and never replaces a student's own."""
    book_results = tmp_path / "book-results"
    (book_results / "quick").mkdir(parents=True)
    (book_results / "quick" / "01_axis.json").write_text('{"from": "the book"}')
    monkeypatch.setenv("VAXIS_RESULTS", str(book_results))
    out = tmp_path / "student"
    nb = nbformat.read(student.write_student_book(out, only=["01"])[0], as_version=4)
    mine = out / "results" / "quick" / "01_axis.json"
    assert mine.read_text() == '{"from": "the book"}'
    code = nb.cells[1].source + "\nfrom vaxis import io\nprint(io.results_dir('quick'), io.cache_root())"
    env = {**os.environ, "VAXIS_RESULTS": str(book_results)}
    env.pop("VAXIS_CACHE")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    results_dir, cache = run.stdout.split()
    assert Path(results_dir) == out.resolve() / "results" / "quick"
    assert Path(cache) == Path(os.environ["VAXIS_CACHE"])  # the cache the copy was written beside
    mine.write_text('{"from": "the student"}')
    student.write_student_book(out, only=["01"])
    assert mine.read_text() == '{"from": "the student"}'  # a second copy keeps the student's results
    assert (book_results / "quick" / "01_axis.json").read_text() == '{"from": "the book"}'
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "x" / "results"))  # the copy would be the book's folder
    with pytest.raises(VaxisInputError, match="book's results"):
        student.write_student_book(tmp_path / "x", only=["01"])


def test_student_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "vaxis.book", "student", str(tmp_path / "s"), "--only", "01"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "s" / f"{CHAPTERS[0].name}.ipynb").is_file() and "student notebook" in out.stdout


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


@pytest.mark.book
def test_student_notebooks_run_end_to_end(tmp_path, monkeypatch):
    """Every student notebook, in order, with the quick defaults and no parameter: no cell fails, every
    stub says "Not implemented yet" (its checker caught the NotImplementedError), every result goes to
    the copy's own folder and none of the book's ``results/quick`` changes, even with ``$VAXIS_RESULTS``
    naming the book's folder in the environment the notebooks start in."""
    import time

    import papermill as pm

    if SESSION_CACHE:
        monkeypatch.setenv("VAXIS_CACHE", SESSION_CACHE)
    else:
        monkeypatch.delenv("VAXIS_CACHE", raising=False)
    monkeypatch.setenv("VAXIS_RESULTS", str(ROOT / "results"))  # the book's results, as a teacher's shell has them
    before, started = _snapshot(ROOT / "results" / "quick"), time.time_ns()
    paths = student.write_student_book(tmp_path / "student", only=READY)
    for path in paths:
        out = tmp_path / "executed" / path.name
        out.parent.mkdir(exist_ok=True)
        with book.kernel_environment("portable"):
            pm.execute_notebook(str(path), str(out), cwd=str(path.parent), kernel_name="python3", progress_bar=False)
        nb = nbformat.read(out, as_version=4)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: {errors[0]['ename']}: {errors[0]['evalue']}"
        for cell in nb.cells:
            if student.EXERCISE_TAG in _tags(cell):
                text = "".join(o.get("text", "") for o in cell.outputs)
                assert NOT_YET in text, f"{path.name}: a stub's checker did not report it: {cell.source[:80]}"
    assert _snapshot(ROOT / "results" / "quick") == before, "a student notebook wrote into the book's results"
    mine = _snapshot(tmp_path / "student" / "results" / "quick")
    assert any(mtime > started for name, (_, mtime) in mine.items() if name.endswith(".json")), \
        "the student notebooks wrote no result of their own"
