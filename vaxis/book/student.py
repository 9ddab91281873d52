"""The student copy of the book: ``python -m vaxis.book student OUTDIR``.

Writes every chapter as a notebook a learner fills in: the outputs and execution counts stripped,
the solution cells (tagged ``solution``) removed, the exercise stubs (tagged ``exercise``, whose
functions raise ``NotImplementedError`` until filled in) kept with their checkers, and the links to
the book's other pages pointed at the copies written beside them (glossary, data, teaching page;
a ``{term}`` role becomes a link to the glossary).
A chapter whose code looks like a solution (a cell starting ``# Solution``) but is not tagged
``solution`` is refused, so that no solution reaches a student by accident.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .._checks import VaxisError, VaxisInputError
from .contents import Chapter, chapters, root_dir, select_chapters

#: Tags of a stub cell (kept; its NotImplementedError is expected) and of a solution cell (removed).
EXERCISE_TAG, SOLUTION_TAG = "exercise", "solution"
#: Book pages copied beside the student notebooks (the chapters link to them as ``../name``).
PAGES = ("glossary.md", "data.md", "teaching.md")
#: The first cell of every student notebook.
BANNER = ("**Student copy.** Solutions and outputs are removed. Run the cells in order; each exercise "
          "is a function to fill in (it raises `NotImplementedError` until you do) followed by a checker "
          "that says what is right or wrong. Terms: [Glossary](glossary.md).")


def _solution_like(source: str) -> bool:
    return source.lstrip().lower().startswith("# solution")


def student_notebook(chapter: Chapter):
    """The student version of one chapter (an ``nbformat`` notebook), from its ``.py`` source."""
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
    nb.cells = [nbformat.v4.new_markdown_cell(BANNER)] + cells
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return nb


def write_student_book(out_dir: str | Path, only: list[str] | None = None) -> list[Path]:
    """Write the student notebooks (``NN_topic.ipynb``) and the pages they link to into ``out_dir``.

    ``out_dir`` must not be the project's ``notebooks/`` or ``book/`` folder (the student copy never
    replaces the sources). Returns the notebooks written, in chapter order.
    """
    import nbformat

    root = root_dir()
    out = Path(out_dir).expanduser().resolve()
    if out in {(root / "notebooks").resolve(), (root / "book").resolve(), root.resolve()}:
        raise VaxisInputError(f"{out} holds the book's sources; write the student copy somewhere else.")
    todo = select_chapters(chapters(root), only)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in todo:
        path = out / f"{chapter.name}.ipynb"
        nbformat.write(student_notebook(chapter), path)
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
    print(f"[vaxis] run them in order (chapter 3 on reads chapter 1's results); teacher's notes: "
          f"{Path(args.out_dir) / 'teaching.md'}")
    return 0
