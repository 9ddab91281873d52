"""Independent tasks with an append-only, atomic result store, run through joblib.

A sweep is a list of :class:`Task` s, each identified by a key that hashes everything its result
depends on. :func:`run` skips tasks whose result is already in the :class:`ResultStore`, runs the
rest through ``joblib.Parallel`` and writes each result **as soon as it arrives**, one file per
task, atomically (temporary name, then rename). A run killed at any point loses at most the tasks
in flight, never leaves a partial result under a final name, and a re-run does only what is left.

The joblib backend is a parameter: ``"loky"`` (local processes, the default), ``"threading"``,
``"sequential"``, or ``"dask"`` -- with a ``dask.distributed.Client`` connected (a local cluster, or
a real one: nothing else changes), tasks go to its workers. Ray offers a joblib backend too
(``ray.util.joblib.register_ray()``, then ``backend="ray"``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import io
from .._checks import VaxisInputError

BACKENDS = ("loky", "threading", "sequential", "dask", "ray")


@dataclass(frozen=True)
class Task:
    """One unit of work: ``name`` (e.g. the strategy) and ``params`` (fold, weights, ...)."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    context: str = ""  # hash of the shared inputs (data, folds, config): part of the key

    @property
    def key(self) -> str:
        return f"{_slug(self.name)}-{io.stable_hash(self.name, self.params, self.context)}"


def _slug(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in s)[:40]


class ResultStore:
    """A folder of one JSON file per finished task (append-only: a file is never rewritten)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, task: Task) -> Path:
        return self.folder / f"{task.key}.json"

    def has(self, task: Task) -> bool:
        return self.path(task).is_file()

    def write(self, task: Task, rows: list[dict[str, Any]]) -> None:
        """Store a task's result rows; each row gets the task's name and parameters."""
        if self.has(task):
            return
        payload = {"task": asdict(task), "rows": rows}
        with io.atomic_write(self.path(task), "w") as fh:
            json.dump(payload, fh, sort_keys=True, default=io.json_default)

    def read(self, task: Task) -> list[dict[str, Any]]:
        return json.loads(self.path(task).read_text())["rows"]

    def table(self, tasks: Iterable[Task]) -> pd.DataFrame:
        """All rows of ``tasks`` (which must be done) as one DataFrame, in task order."""
        rows = []
        for t in tasks:
            for r in self.read(t):
                rows.append({"task": t.name, **t.params, **r})
        return pd.DataFrame(rows)


def run(
    tasks: Sequence[Task],
    fn: Callable[[Task], list[dict[str, Any]]],
    store: ResultStore,
    backend: str = "loky",
    n_jobs: int = 1,
    progress: bool = True,
    desc: str = "tasks",
) -> pd.DataFrame:
    """Run the tasks not yet in ``store`` and return the table of all of them.

    ``fn(task) -> list of row dicts`` must be a module-level function (picklable) for process
    backends. Results are written by this (parent) process as they arrive.
    """
    import joblib
    from tqdm import tqdm

    if backend not in BACKENDS:
        raise VaxisInputError(f"backend={backend!r} is not valid; use one of {BACKENDS}.")
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise VaxisInputError("Two tasks have the same key: every (name, params) must be distinct.")
    todo = [t for t in tasks if not store.has(t)]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc, unit="task", disable=not progress)
    if todo:
        if backend == "sequential" or (n_jobs == 1 and backend != "dask"):
            for t in todo:
                store.write(t, fn(t))
                bar.update()
        else:
            with joblib.parallel_config(backend=backend, n_jobs=n_jobs):
                parallel = joblib.Parallel(return_as="generator_unordered")
                for t, rows in parallel(joblib.delayed(_call)(fn, t) for t in todo):
                    store.write(t, rows)
                    bar.update()
    bar.close()
    return store.table(tasks)


def _call(fn: Callable[[Task], list[dict[str, Any]]], task: Task) -> tuple[Task, list[dict[str, Any]]]:
    return task, fn(task)
