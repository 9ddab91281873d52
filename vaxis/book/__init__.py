"""The book's machinery: run the chapters with papermill and build the book with jupyter-book.

- :mod:`vaxis.book.contents` -- the chapters, their parameters (read by papermill) and profiles.
- :mod:`vaxis.book.runner` -- ``python -m vaxis.book run | all | build | refresh | list``.
- :mod:`vaxis.book.resources` -- peak-memory estimates and measurements of chapter runs.
- :mod:`vaxis.book.record` -- a pytest plugin: `make test`'s nbval pass of the chapters is also the
  book's (executed chapters, run log and scorecard, as the runner writes them).
"""

from .contents import (
    Chapter,
    chapter_parameters,
    chapters,
    check_parameters,
    declared_parameters,
    load_profile,
    profiles,
    root_dir,
    show_parameters,
    sync_pair,
)
from .runner import RUNS_FILE, ChapterFailed, build, kernel_environment, main, record_run, refresh, run, run_chapter

__all__ = ["RUNS_FILE", "Chapter", "ChapterFailed", "build", "chapter_parameters", "chapters", "check_parameters",
           "declared_parameters", "kernel_environment", "load_profile", "main", "profiles", "record_run", "refresh",
           "root_dir", "run", "run_chapter", "show_parameters", "sync_pair"]
