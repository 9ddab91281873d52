"""Run the chapters with papermill and build the book with jupyter-book.

Usage::

    python -m vaxis.book run --profile quick            # every chapter, in order
    python -m vaxis.book run --profile full --only 03   # one chapter (its inputs must exist)
    python -m vaxis.book run --numerics native          # each library's fastest path (vaxis.numerics)
    python -m vaxis.book build                          # render the HTML book from book/chapters
    python -m vaxis.book all --profile full             # run, then build
    python -m vaxis.book refresh                        # re-execute notebooks/NN.ipynb (nbval references)

The runner refreshes each chapter's paired ``.ipynb`` from its ``.py`` (:func:`sync_pair`), checks
its parameters (:mod:`vaxis.book.contents`), executes it with papermill into
``book/chapters/NN_topic.ipynb`` (written under a temporary name and renamed only when the whole
chapter succeeded; its parameters cell rewritten to show the values the run used, with their
defaults: :func:`~vaxis.book.contents.show_parameters`), and stops at the first chapter that
fails, naming it and showing its error.
Kernels start in the environment of :func:`kernel_environment`: the numerics mode (``--numerics``,
default native; ``refresh``: portable), the Hugging Face hub offline unless ``--online``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .. import llm, numerics
from .._checks import VaxisError, VaxisInputError
from ..io import load_json, results_dir, save_json
from . import records, resources, scorecard
from .contents import (
    Chapter,
    chapter_parameters,
    chapters,
    cohort_parameters,
    select_chapters,
    check_parameters,
    declared_parameters,
    load_profile,
    profiles,
    root_dir,
    show_parameters,
    sync_pair,
)

#: Per-profile log of chapter runs (wall time and peak memory), in the profile's results folder.
RUNS_FILE = "runs.json"


class ChapterFailed(VaxisError):
    """A chapter raised while papermill executed it."""


@contextlib.contextmanager
def kernel_environment(numerics_mode: str, online: bool = False) -> Iterator[None]:
    """The environment chapter kernels start in, for the duration of the block (then restored).

    - numerics: :func:`vaxis.numerics.applied` (``portable`` or ``native``; see :mod:`vaxis.numerics`);
    - the Hugging Face hub offline unless ``online`` (a missing model fails at once);
    - no ``MPLBACKEND``: a non-interactive backend (e.g. ``Agg``) in the caller's environment would
      make the kernel draw figures without displaying them, and the book would have no figures;
    - ``OMP_WAIT_POLICY=PASSIVE`` unless the caller set it: PyTorch's OpenMP threads sleep rather than
      spin while waiting for each other, so a chapter sharing its cores with other work does not lose
      them to its own spinning threads (chapter 1 beside one busy process: 383 s spinning, 128 s
      sleeping, 78 s alone either way; ``benchmarks/README.md``). It never changes a number.
    """
    with numerics.applied(numerics_mode):
        if not online:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.pop("MPLBACKEND", None)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        yield


def _execute(chapter: Chapter, out: Path, params: dict[str, Any], desc: str) -> None:
    """Run ``chapter``'s paired notebook with papermill into ``out`` (in the chapter's folder).

    The kernel inherits this process's environment (see :func:`kernel_environment`). A papermill
    execution error is re-raised for the caller to report; on any other exception (an interrupt,
    papermill itself failing) ``out`` is removed, so nothing half-written remains.
    """
    import papermill as pm

    try:
        pm.execute_notebook(str(chapter.paired), str(out), parameters=params, cwd=str(chapter.source.parent),
                            progress_bar={"desc": desc, "leave": False}, kernel_name="python3")
    except pm.PapermillExecutionError:
        raise
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _failure(chapter: Chapter, err: Any) -> str:
    return f"Chapter {chapter.name} failed in cell {err.exec_count}: {err.ename}: {err.evalue}"


def run_chapter(chapter: Chapter, profile: str, overrides: dict[str, Any] | None = None,
                out_dir: Path | None = None, numerics_mode: str = numerics.DEFAULT_MODE,
                online: bool = False) -> Path:
    """Execute one chapter with papermill into ``out_dir`` (default ``book/chapters``), atomically."""
    import nbformat
    import papermill as pm

    root = root_dir()
    out_dir = out_dir or root / "book" / "chapters"
    out_dir.mkdir(parents=True, exist_ok=True)
    sync_pair(chapter)
    params = chapter_parameters(profile, chapter, overrides)
    check_parameters(chapter, params)
    final = out_dir / f"{chapter.name}.ipynb"
    tmp = out_dir / f".{chapter.name}.running.ipynb"
    try:
        with kernel_environment(numerics_mode, online):
            _execute(chapter, tmp, params, desc=chapter.name)
    except pm.PapermillExecutionError as err:
        failed = out_dir / ".failed"
        failed.mkdir(exist_ok=True)
        if tmp.exists():
            os.replace(tmp, failed / final.name)
        raise ChapterFailed(
            f"{_failure(chapter, err)}\n"
            f"The partly executed notebook is {failed / final.name}. Fix the cause above, then "
            f"re-run this chapter alone: python -m vaxis.book run --profile {profile} --only {chapter.number}"
        ) from None
    nb = nbformat.read(tmp, as_version=4)
    why = {k: "set with -p" if k in (overrides or {}) else f'profile "{profile}"' for k in params}
    for cell in nb.cells:  # the page shows the values used in the parameters cell itself, not in papermill's
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
        elif "parameters" in tags and "injected-parameters" not in tags:
            cell.source = show_parameters(cell.source, params, why)
    nbformat.write(nb, tmp)
    os.replace(tmp, final)
    return final


def run(profile: str, only: list[str] | None = None, overrides: dict[str, Any] | None = None,
        online: bool = False, memory_check: bool = True, out_dir: Path | None = None,
        numerics_mode: str | None = None) -> list[Path]:
    """Execute the chapters of ``profile`` in order (or the ``only`` ones); stop at the first failure.

    Before anything runs, every chapter's pair is synced and its parameters are checked (names,
    types, data folders) and its peak memory is estimated (:mod:`vaxis.book.resources`); a profile
    that would not fit is refused. Kernels start in ``numerics_mode`` (default ``$VAXIS_NUMERICS``,
    else native: :data:`vaxis.numerics.DEFAULT_MODE`). Each chapter's wall time and measured peak memory are
    recorded by :func:`record_run`.
    """
    from tqdm import tqdm

    mode = numerics.check_mode(numerics_mode or os.environ.get(numerics.MODE_ENV) or numerics.DEFAULT_MODE)
    load_profile(profile)  # fail early on an unknown profile
    todo = select_chapters(chapters(), only)
    for chapter in todo:
        sync_pair(chapter)
    per_chapter = _overrides_by_chapter(todo, overrides or {})
    estimates, all_params = [], {}
    for chapter in todo:
        params = chapter_parameters(profile, chapter, per_chapter[chapter.name])
        check_parameters(chapter, params)
        defaults = {k: v[0] for k, v in declared_parameters(chapter).items()}
        all_params[chapter.name] = {**defaults, **params}
        estimates.append((chapter.name, resources.estimate_chapter_bytes(
            all_params[chapter.name], cohort_parameters(profile, chapter.name))))
    if memory_check:
        resources.check_fits(estimates, params=all_params)
    # set-up, not a chapter: convert the registry models these chapters load and nobody else
    wanted = {m for p in all_params.values() for m in resources.chapter_models(p) if m in llm.REGISTRY}
    llm.provision(sorted(wanted), memory_check=memory_check)
    done = []
    bar = tqdm(todo, desc=f"profile {profile}", unit="chapter")
    for (name, estimate), chapter in zip(estimates, bar):
        bar.set_postfix_str(chapter.name)
        t0 = time.perf_counter()
        with resources.PeakMemory() as mem:
            done.append(run_chapter(chapter, profile, per_chapter[chapter.name], out_dir=out_dir, numerics_mode=mode,
                                    online=online))
        wall = time.perf_counter() - t0
        record_run(profile, name, wall_s=wall, peak_bytes=mem.peak_bytes, estimate_bytes=estimate, numerics=mode)
        tqdm.write(f"[vaxis] {chapter.name} done in {wall:.0f} s, peak memory {mem.peak_bytes / 2**30:.2f} GiB")
    if out_dir is None:  # the intro page's study-vs-book table, from this profile's result files
        scorecard.write(profile)
    return done


def _overrides_by_chapter(todo: list[Chapter], overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each chapter's share of the ``-p`` overrides: the names it declares (``-p faced_dir=...`` reaches the
    EEG chapters, not the language-model ones). A name that no chapter of the run declares is refused (a
    run of one chapter keeps every override: :func:`check_parameters` then names the chapter's own)."""
    if len(todo) == 1:
        return {todo[0].name: dict(overrides)}
    declared = {c.name: set(declared_parameters(c)) for c in todo}
    unknown = sorted(k for k in overrides if not any(k in names for names in declared.values()))
    if unknown:
        raise VaxisInputError(f"The chapters of this run ({', '.join(declared)}) have no parameter(s) {unknown}; "
                              "check the -p option.")
    return {c: {k: v for k, v in overrides.items() if k in names} for c, names in declared.items()}


def record_run(profile: str, chapter: str, **fields: Any) -> Path:
    """Add one chapter's run record (wall time, peak memory, estimate, numerics) to ``results/<profile>/runs.json``.

    The file maps chapter names to their latest record, with the machine (core count and CPU model),
    the commit of the checkout and the time; ``python -m vaxis.book records --update`` turns the logs
    of one machine into the reference runs every page takes its run times from (:mod:`vaxis.book.records`).
    """
    import datetime

    path = results_dir(profile) / RUNS_FILE
    try:
        runs = load_json(path) if path.is_file() else {}
    except (ValueError, VaxisError):  # an unreadable log is replaced, never fatal
        runs = {}
    runs[chapter] = {**fields, "cpus": os.cpu_count(), "cpu": records.cpu_model(), "commit": records.git_commit(),
                     "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    return save_json(path, runs)


def refresh(only: list[str] | None = None, numerics_mode: str = numerics.REFERENCE_MODE) -> list[Path]:
    """Re-execute the committed ``notebooks/NN.ipynb`` in place with their defaults (the quick profile).

    These executed twins are the references that ``pytest --nbval notebooks/`` compares a fresh run
    against (in portable numerics, the default, so that any x86-64 machine meets them); refresh them
    after changing a chapter's printed output on purpose, and commit them.
    """
    import papermill as pm

    todo = select_chapters(chapters(), only)
    for chapter in todo:
        sync_pair(chapter)
        tmp = chapter.paired.with_name(f".{chapter.paired.name}.running")
        try:
            with kernel_environment(numerics_mode):
                _execute(chapter, tmp, {}, desc=f"refresh {chapter.name}")
        except pm.PapermillExecutionError as err:
            tmp.unlink(missing_ok=True)
            raise ChapterFailed(_failure(chapter, err)) from None
        _strip_run_metadata(tmp)
        os.replace(tmp, chapter.paired)
    return [c.paired for c in todo]


def _strip_run_metadata(path: Path) -> None:
    """Drop papermill's timings, environment and empty tag lists so re-runs diff cleanly.

    (Empty tag lists, which papermill adds to every cell, are also what :func:`sync_pair` removes:
    without this a refreshed twin changes again at the next run.)
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if not cell.metadata.get("tags", True):
            del cell.metadata["tags"]
    nbformat.write(nb, path)


def prepare_static(root: Path | None = None) -> None:
    """Copy MathJax (from the django-static-mathjax package) into ``book/_static`` for offline math."""
    import importlib.util

    root = root or root_dir()
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise VaxisError("MathJax files are missing: `pip install django-static-mathjax` (in the book extra).")
    src = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    dst = root / "book" / "_static" / "mathjax"
    if not (dst / "tex-svg-full.js").is_file():
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / "tex-svg-full.js", dst / "tex-svg-full.js")


def _latest_profile() -> str:
    """The profile whose chapters ran last (from each profile's run log; ``quick`` if none ran)."""
    best, when = "quick", ""
    for log in results_dir("quick").parent.glob(f"*/{RUNS_FILE}"):
        try:
            last = max(r.get("finished", "") for r in load_json(log).values())
        except (ValueError, VaxisError):
            continue
        if last > when:
            best, when = log.parent.name, last
    return best


def build(strict: bool = True) -> Path:
    """Render the HTML book with jupyter-book (Sphinx); ``strict`` turns warnings into errors."""
    root = root_dir()
    missing = [c.name for c in chapters(root) if not (root / "book" / "chapters" / f"{c.name}.ipynb").is_file()]
    if missing:
        raise VaxisError(
            f"Executed chapters missing in book/chapters: {missing}. Run `python -m vaxis.book run "
            "--profile PROFILE` first."
        )
    prepare_static(root)
    if not (root / "book" / "chapters" / "scorecard.md").is_file():  # chapters run before the scorecard existed
        scorecard.write(_latest_profile())
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(root),
           "--path-output", str(root)]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    proc = subprocess.run(cmd, cwd=root)
    if proc.returncode:
        raise VaxisError("jupyter-book build failed (see the Sphinx messages above).")
    index = root / "_build" / "html" / "index.html"
    print(f"[vaxis] book built: {index}")
    return index


def _parse_overrides(items: list[str]) -> dict[str, Any]:
    out = {}
    for item in items:
        if "=" not in item:
            raise VaxisInputError(f"-p expects NAME=VALUE (a YAML value), got {item!r}.")
        k, v = item.split("=", 1)
        out[k.strip()] = yaml.safe_load(v)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaxis.book", description="Run the chapters and build the book.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("run", "all"):
        p = sub.add_parser(name, help="execute chapters" + (" then build" if name == "all" else ""))
        p.add_argument("--profile", default="quick", help="quick, full, full-large (machines with >= 16 GB) or paper (default quick)")
        p.add_argument("--only", nargs="+", metavar="NN", help="chapter numbers to run, e.g. 03")
        p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                       help="set a parameter in every chapter that has it (YAML value), e.g. -p faced_dir=/data/FACED")
        p.add_argument("--online", action="store_true", help="allow Hugging Face hub downloads")
        p.add_argument("--no-memory-check", action="store_true", help="skip the peak-memory estimate")
        p.add_argument("--numerics", choices=numerics.MODES, default=None,
                       help="floating point of the kernels: portable (same numbers on every x86-64 CPU) or "
                            "native (fastest); default $VAXIS_NUMERICS, else native")
    b = sub.add_parser("build", help="render the HTML book")
    b.add_argument("--no-strict", action="store_true", help="do not turn Sphinx warnings into errors")
    r = sub.add_parser("refresh", help="re-execute the committed notebooks/NN.ipynb (nbval references)")
    r.add_argument("--only", nargs="+", metavar="NN")
    r.add_argument("--numerics", choices=numerics.MODES, default=numerics.REFERENCE_MODE,
                   help="floating point of the kernels (default portable: the references must hold everywhere)")
    sub.add_parser("list", help="list chapters and profiles")
    args = parser.parse_args(argv)
    try:
        if args.cmd in ("run", "all"):
            run(args.profile, args.only, _parse_overrides(args.param), args.online,
                memory_check=not args.no_memory_check, numerics_mode=args.numerics)
            if args.cmd == "all":
                build()
        elif args.cmd == "refresh":
            refresh(args.only, args.numerics)
        elif args.cmd == "build":
            build(strict=not args.no_strict)
        else:
            print("chapters:", ", ".join(c.name for c in chapters()))
            print("profiles:", ", ".join(profiles()))
    except VaxisError as err:
        print(f"\nerror: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
