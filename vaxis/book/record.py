"""pytest plugin: keep the chapters that ``pytest --nbval`` executes as the book's chapters.

``make test`` runs every chapter once, under nbval, which compares each cell's printed output with
the committed twin (``notebooks/NN_topic.ipynb``). With ``-p vaxis.book.record --vaxis-record
PROFILE`` the same pass also does what the runner (:func:`vaxis.book.run`) does for a book:

- writes each chapter, with the outputs *this* run produced (figures included), to
  ``book/chapters/NN_topic.ipynb`` (atomically, only when every cell of the chapter passed; its
  parameters cell shows the profile's values, as :func:`vaxis.book.run_chapter` writes it);
- records the chapter's wall time, measured peak memory (the nbval kernel is a child of pytest) and
  the runner's up-front estimate in ``results/PROFILE/runs.json`` (:func:`vaxis.book.record_run`);
- writes the intro's scorecard from ``results/PROFILE`` when every chapter was written.

The notebooks must run with PROFILE's parameters, i.e. the twins' defaults: only the ``quick``
profile qualifies (its parameters are the defaults; :func:`check_profile` refuses any other before a
cell runs). The outputs are nbval's record of the kernel's messages (streams coalesced), the same
outputs papermill would have written, without papermill's injected-parameters cell.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .. import numerics
from .._checks import VaxisInputError
from . import resources, scorecard
from .contents import (
    Chapter,
    chapter_parameters,
    chapters,
    cohort_parameters,
    declared_parameters,
    effective_parameters,
    root_dir,
    show_parameters,
)
from .runner import record_run

#: The profile whose chapters are the twins as committed (parameters equal to the defaults).
RECORDABLE = "quick"
#: A chapter's notebook: ``NN_topic.ipynb`` (other notebooks nbval runs are not recorded).
CHAPTER_FILE = re.compile(r"[0-9][0-9]_\w+\.ipynb")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vaxis")
    group.addoption("--vaxis-record", metavar="PROFILE", default=None,
                    help="write the chapters nbval executes to book/chapters and their run records "
                         "to results/PROFILE/runs.json (PROFILE must be 'quick')")
    group.addoption("--vaxis-record-dir", metavar="DIR", default=None,
                    help="where the executed chapters go (default: book/chapters of the checkout)")


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("--vaxis-record", None)
    if profile:
        check_profile(profile)
        out_dir = config.getoption("--vaxis-record-dir", None)
        config.pluginmanager.register(Recorder(profile, Path(out_dir) if out_dir else None), "vaxis-recorder")


def check_profile(profile: str) -> None:
    """Refuse a profile whose parameters differ from the twins' defaults (nbval cannot inject any)."""
    for chapter in chapters():
        defaults = {k: v[0] for k, v in declared_parameters(chapter).items()}
        differ = {k: v for k, v in chapter_parameters(profile, chapter).items() if defaults.get(k, v) != v}
        if differ:
            raise VaxisInputError(
                f"--vaxis-record {profile}: chapter {chapter.name} would run with its defaults, not with "
                f"the profile's {differ}; only the '{RECORDABLE}' profile can be recorded from nbval "
                f"(run other profiles with `python -m vaxis.book run --profile {profile}`).")


class Recorder:
    """Collects each notebook's executed outputs, wall time and peak memory as nbval runs its cells."""

    def __init__(self, profile: str, out_dir: Path | None = None) -> None:
        self.profile, self.out_dir = profile, out_dir
        self.written: list[Path] = []
        self._file: Any = None  # the nbval collector (one notebook) being run

    def _start(self, nb_file: Any) -> None:
        self._file, self._outputs, self._failed = nb_file, {}, False
        self._t0 = time.perf_counter()
        self._memory = resources.PeakMemory().__enter__()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        if _is_cell(item) and item.parent is not self._file:
            self._start(item.parent)  # before nbval's setup, which starts the kernel
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = (yield).get_result()
        if _is_cell(item) and item.parent is self._file:
            self._failed |= report.failed
            if call.when == "call":
                self._outputs[item.cell_num] = getattr(item, "test_outputs", None)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None):
        yield  # the last cell's teardown stops the kernel
        if _is_cell(item) and item.parent is self._file and (nextitem is None or nextitem.parent is not item.parent):
            self._finish()

    def _finish(self) -> None:
        wall = time.perf_counter() - self._t0
        self._memory.__exit__(None, None, None)
        path, self._file = Path(str(self._file.fspath)), None
        if self._failed or not CHAPTER_FILE.fullmatch(path.name):
            return
        chapter = Chapter(path.stem[:2], path.stem, path.with_suffix(".py"))
        self.written.append(write_executed(chapter, self._outputs, self.profile, self.out_dir))
        params = effective_parameters(self.profile, chapter)
        record_run(self.profile, chapter.name, wall_s=wall, peak_bytes=self._memory.peak_bytes,
                   estimate_bytes=resources.estimate_chapter_bytes(params, cohort_parameters(self.profile, chapter.name)),
                   numerics=numerics.mode(),
                   runner="nbval")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if {c.name for c in chapters()} <= {p.stem for p in self.written} and self.out_dir is None:
            scorecard.write(self.profile)  # the intro's study-vs-book table, as the runner writes it


def _is_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num")


def write_executed(chapter: Chapter, outputs: dict[int, list | None], profile: str,
                   out_dir: Path | None = None) -> Path:
    """Write ``chapter``'s twin with the executed ``outputs`` (code-cell number -> output list) to
    ``out_dir/NN_topic.ipynb`` (default ``book/chapters``), atomically.

    Code cells are numbered as nbval numbers them (code cells only, from 0); a cell with no recorded
    outputs (skipped) is written without outputs and without an execution count.
    """
    out_dir = out_dir or root_dir() / "book" / "chapters"
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(chapter.paired, as_version=4)
    params = chapter_parameters(profile, chapter)
    code = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = outputs.get(code)
        cell.outputs = [nbformat.from_dict(dict(o)) for o in outs] if outs is not None else []
        cell.execution_count = code + 1 if outs is not None else None
        for out in cell.outputs:
            if out.get("output_type") == "execute_result":
                out["execution_count"] = cell.execution_count
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = show_parameters(cell.source, params, {k: f'profile "{profile}"' for k in params})
        code += 1
    nbformat.validate(nb)
    final = out_dir / f"{chapter.name}.ipynb"
    tmp = out_dir / f".{chapter.name}.recording.ipynb"
    nbformat.write(nb, tmp)
    os.replace(tmp, final)
    return final
