"""The student copy of the book: ``python -m vaxis.book student OUTDIR``.

Writes every chapter as a notebook a learner fills in: the outputs and execution counts stripped,
the solution cells (tagged ``solution``) removed, the exercise stubs (tagged ``exercise``, whose
functions raise ``NotImplementedError`` until filled in) kept with their checkers, and the links to
the book's other pages pointed at the copies written beside them (glossary, data, teaching page;
a ``{term}`` role becomes a link to the glossary).
A chapter whose code looks like a solution (a cell starting ``# Solution``) but is not tagged
``solution`` is refused, so that no solution reaches a student by accident.

A student's *Run all* never overwrites the book's own results: every student notebook starts with a
set-up cell that points ``$VAXIS_RESULTS`` at the copy's own ``results`` folder (filled, when it is
written, with a copy of the book's ``quick`` results, so that any chapter can be opened first and
chapter 5 finds its finished sweep tasks) and reads the book's caches (``$VAXIS_CACHE``, unless the
student's environment names another), so that a re-run needs no model pass the book already made.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .. import io
from .._checks import VaxisError, VaxisInputError
from .contents import Chapter, chapters, root_dir, select_chapters

#: Tags of a stub cell (kept; its NotImplementedError is expected) and of a solution cell (removed).
EXERCISE_TAG, SOLUTION_TAG = "exercise", "solution"
#: Book pages copied beside the student notebooks (the chapters link to them as ``../name``).
PAGES = ("glossary.md", "data.md", "teaching.md")
#: The first cell of every student notebook.
BANNER = ("**Student copy.** Solutions and outputs are removed. Run the cells in order; each exercise "
          "is a function to fill in (it raises `NotImplementedError` until you do) followed by a checker "
          "that says what is right or wrong. Your results go to this copy's own `results` folder, never "
          "to the book's. Terms: [Glossary](glossary.md).")
#: The profile whose results a student copy starts from (the chapters' defaults).
PROFILE = "quick"
#: The folder of a student copy that its notebooks write their results to.
RESULTS = "results"


def setup_source(results_root: Path, cache_root: Path) -> str:
    """The student notebooks' first code cell: their own results folder (always, whatever the
    environment says), the book's caches (unless the environment names others)."""
    return ("# Student copy (python -m vaxis.book student): your results go to your own folder, so the book's\n"
            "# results are never overwritten; hidden states and trained networks come from the book's caches.\n"
            "import os\n\n"
            f"os.environ[\"VAXIS_RESULTS\"] = {str(results_root)!r}\n"
            f"os.environ.setdefault(\"VAXIS_CACHE\", {str(cache_root)!r})")


def _solution_like(source: str) -> bool:
    return source.lstrip().lower().startswith("# solution")


def student_notebook(chapter: Chapter, results_root: Path | None = None, cache_root: Path | None = None):
    """The student version of one chapter (an ``nbformat`` notebook), from its ``.py`` source; with
    ``results_root``, a set-up cell after the banner points its results there (:func:`setup_source`)."""
    import jupytext
    import nbformat

    nb = jupytext.read(chapter.source)
    cells, n_stubs = [], 0
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if SOLUTION_TAG in tags:
            continue
        if cell.cell_type == "code" and _solution_like(cell.source):
            raise VaxisError(f"{chapter.name}: a cell starting '# Solution' is not tagged '{SOLUTION_TAG}'; "
                             "tag it (and 'hide-cell') so the student copy leaves it out.")
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"\]\(\.\./(glossary|data|teaching)\)", r"](\1.md)", cell.source)
            cell.source = re.sub(r"\]\((0\d_[a-z_]+)\)", r"](\1.ipynb)", cell.source)
            cell.source = re.sub(r"\{term\}`([^`<]+?)\s*(<[^>`]+>)?`", r"[\1](glossary.md)", cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            n_stubs += EXERCISE_TAG in tags
        cells.append(cell)
    if n_stubs == 0:
        raise VaxisError(f"{chapter.name} has no cell tagged '{EXERCISE_TAG}': nothing for a student to do.")
    setup = ([nbformat.v4.new_code_cell(setup_source(results_root, cache_root or io.cache_root()))]
             if results_root is not None else [])
    nb.cells = [nbformat.v4.new_markdown_cell(BANNER), *setup] + cells
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nb


def write_student_book(out_dir: str | Path, only: list[str] | None = None) -> list[Path]:
    """Write the student notebooks (``NN_topic.ipynb``) and the pages they link to into ``out_dir``.

    ``out_dir`` must not be the project's ``notebooks/`` or ``book/`` folder (the student copy never
    replaces the sources). The notebooks write their results to ``out_dir/results`` (never the
    book's; see the module docstring), which starts as a copy of the book's ``quick`` results when
    it does not exist yet (a student's own results are never replaced). Returns the notebooks
    written, in chapter order.
    """
    import nbformat

    root = root_dir()
    out = Path(out_dir).expanduser().resolve()
    if out in {(root / "notebooks").resolve(), (root / "book").resolve(), root.resolve()}:
        raise VaxisInputError(f"{out} holds the book's sources; write the student copy somewhere else.")
    todo = select_chapters(chapters(root), only)
    out.mkdir(parents=True, exist_ok=True)
    results_root = out / RESULTS
    book_results = io.results_dir(PROFILE)
    if results_root.resolve() == book_results.parent.resolve():
        raise VaxisInputError(f"{results_root} is the book's results folder; write the student copy somewhere else.")
    if not (results_root / PROFILE).exists() and any(book_results.iterdir()):
        shutil.copytree(book_results, results_root / PROFILE)
    (results_root / PROFILE).mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in todo:
        path = out / f"{chapter.name}.ipynb"
        nbformat.write(student_notebook(chapter, results_root, io.cache_root()), path)
        written.append(path)
    for page in PAGES:
        src = root / "book" / page
        if src.is_file():
            shutil.copy2(src, out / page)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m vaxis.book student OUTDIR [--only NN ...]``."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m vaxis.book student",
                                     description="Write the student copy: chapters without outputs and solutions.")
    parser.add_argument("out_dir", metavar="OUTDIR", help="folder for the student notebooks (created)")
    parser.add_argument("--only", nargs="+", metavar="NN", help="chapter numbers, e.g. 01 03")
    args = parser.parse_args(argv)
    try:
        for path in write_student_book(args.out_dir, args.only):
            print(f"[vaxis] student notebook: {path}")
    except VaxisError as err:
        print(f"\nerror: {err}", file=sys.stderr)
        return 1
    out = Path(args.out_dir).expanduser().resolve()
    print(f"[vaxis] their results go to {out / RESULTS} (started from a copy of the book's '{PROFILE}' results), "
          f"never to the book's; teacher's notes: {out / 'teaching.md'}")
    return 0
