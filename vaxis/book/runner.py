"""Run the chapters with papermill and build the book with jupyter-book.

Usage::

    python -m vaxis.book run --profile quick            # every chapter, in order
    python -m vaxis.book run --profile full --only 03   # one chapter (its inputs must exist)
    python -m vaxis.book build                          # render the HTML book from book/chapters
    python -m vaxis.book all --profile full             # run, then build
    python -m vaxis.book refresh                        # re-execute notebooks/NN.ipynb (nbval references)

A *profile* (``vaxis/profiles/NAME.yaml``) is a set of papermill parameters: ``parameters`` given
to every chapter, and ``chapters: {NN: {...}}`` for one chapter. Each chapter's source is
``notebooks/NN_topic.py`` (jupytext, percent format); the runner refreshes its paired ``.ipynb``,
executes it with papermill into ``book/chapters/NN_topic.ipynb`` (written under a temporary name
and renamed only when the whole chapter succeeded), and stops at the first chapter that fails,
naming it and showing its error. The Hugging Face hub is set offline unless ``--online``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import numerics
from ._checks import VaxisError, VaxisInputError

PACKAGE_DIR = Path(__file__).resolve().parent
PROFILES_DIR = PACKAGE_DIR / "profiles"
#: Per-profile log of chapter runs (wall time and peak memory), in the profile's results folder.
RUNS_FILE = "runs.json"


class ChapterFailed(VaxisError):
    """A chapter raised while papermill executed it."""


@dataclass(frozen=True)
class Chapter:
    """One chapter: ``number`` like ``"01"``, ``name`` like ``"01_axis_construction"``."""

    number: str
    name: str
    source: Path

    @property
    def paired(self) -> Path:
        return self.source.with_suffix(".ipynb")


def root_dir() -> Path:
    """The project root (folder with ``_toc.yml``); the runner works from there."""
    here = PACKAGE_DIR.parent
    if not (here / "_toc.yml").is_file():
        raise VaxisError(
            f"{here} has no _toc.yml: the runner works on a source checkout of vaxis "
            "(git clone, then `make book`), not on an installed wheel."
        )
    return here


def chapters(root: Path | None = None) -> list[Chapter]:
    """Chapters found in ``notebooks/`` (``NN_topic.py``), in order."""
    root = root or root_dir()
    out = []
    for src in sorted((root / "notebooks").glob("[0-9][0-9]_*.py")):
        out.append(Chapter(src.stem[:2], src.stem, src))
    return out


def profiles() -> list[str]:
    """Names of the available profiles."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def load_profile(name: str) -> dict[str, Any]:
    """Read a profile; an unknown name lists the known ones."""
    path = PROFILES_DIR / f"{name}.yaml"
    if not path.is_file():
        raise VaxisInputError(f"Unknown profile {name!r}; use one of: {', '.join(profiles())}.")
    data = yaml.safe_load(path.read_text()) or {}
    bad = set(data) - {"description", "parameters", "chapters"}
    if bad:
        raise VaxisInputError(f"{path}: unknown top-level keys {sorted(bad)}; allowed: description, parameters, chapters.")
    return data


def chapter_parameters(profile: str, chapter: Chapter, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The papermill parameters of ``chapter`` under ``profile`` (common, then per-chapter, then overrides)."""
    data = load_profile(profile)
    params = {"profile": profile, **(data.get("parameters") or {})}
    params.update((data.get("chapters") or {}).get(chapter.number) or {})
    params.update(overrides or {})
    return params


def sync_pair(chapter: Chapter) -> Path:
    """Regenerate ``NN.ipynb`` from ``NN.py`` with jupytext, keeping existing outputs."""
    import jupytext

    nb = jupytext.read(chapter.source)
    if chapter.paired.exists():
        old = jupytext.read(chapter.paired)
        from jupytext.combine import combine_inputs_with_outputs

        nb = combine_inputs_with_outputs(nb, old)
        # jupytext gives a cell that the old twin did not have empty tags: the .py's tags rule
        for cell, src in zip(nb.cells, jupytext.read(chapter.source).cells):
            tags = src.metadata.get("tags")
            if tags:
                cell.metadata["tags"] = list(tags)
            else:
                cell.metadata.pop("tags", None)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                          "language": "python"})
    jupytext.write(nb, chapter.paired)
    return chapter.paired


def declared_parameters(chapter: Chapter) -> dict[str, tuple[Any, tuple[type, ...] | None]]:
    """The chapter's ``parameters`` cell: name -> (default, accepted types or None for any).

    Accepted types come from an annotation (``permutations: Union[str, int] = "exact"``,
    ``faced_dir: Optional[str] = None``; papermill reads these forms too) or else from
    the default's literal: an int default accepts int, a float default int or float, a str default
    str, a list default list, a dict default dict; a ``None`` default accepts anything.
    """
    import ast

    import jupytext

    nb = jupytext.read(chapter.source)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise VaxisError(f"{chapter.source} must have exactly one cell tagged 'parameters'.")
    names = {"int": int, "float": float, "str": str, "list": list, "dict": dict, "bool": bool, "None": type(None)}
    out: dict[str, tuple[Any, tuple[type, ...] | None]] = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            ann = ast.unparse(node.annotation)
            inner = re.sub(r"^(Optional|Union)\[(.*)\]$", r"\2", ann)
            types = tuple(names[t.strip()] for t in re.split(r"[,|]", inner))
            if ann.startswith("Optional["):
                types += (type(None),)
            out[node.target.id] = (ast.literal_eval(node.value), types)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            default = ast.literal_eval(node.value)
            kind = {bool: (bool,), int: (int,), float: (int, float), str: (str,), list: (list,),
                    dict: (dict,)}.get(type(default))
            out[node.targets[0].id] = (default, kind)
    return out


def _check_parameters(chapter: Chapter, params: dict[str, Any]) -> None:
    """Refuse unknown names, wrong types and missing data folders before a kernel starts."""
    declared = declared_parameters(chapter)
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise VaxisInputError(
            f"Chapter {chapter.name} has no parameter(s) {unknown}; its parameters are: "
            f"{', '.join(sorted(declared))}. Fix the profile or the -p option."
        )
    for name, value in params.items():
        default, types = declared[name]
        if types is None or value is None and default is None:
            pass
        elif isinstance(value, bool) and bool not in types or not isinstance(value, types):
            want = " or ".join(t.__name__ for t in types)
            raise VaxisInputError(
                f"Parameter {name}={value!r} of chapter {chapter.name} must be {want} "
                f"(default {default!r}); got {type(value).__name__}."
            )
        if name.endswith("_dir") and value is not None and not Path(str(value)).expanduser().is_dir():
            raise VaxisInputError(
                f"Parameter {name}={value!r}: no such folder. Point it at the dataset's root folder "
                "(see the book's Data page), or leave it None to use the simulated cohort."
            )


def _kernel_env() -> None:
    """Environment the chapter kernels inherit: offline hub, and matplotlib's inline backend.

    A non-interactive ``MPLBACKEND`` (e.g. ``Agg``) in the caller's environment would make the
    kernel draw figures without displaying them, and the book would have no figures.
    """
    os.environ.pop("MPLBACKEND", None)


def _execute(chapter: Chapter, out: Path, params: dict[str, Any], desc: str) -> None:
    """Run ``chapter``'s paired notebook with papermill into ``out`` (in the chapter's folder).

    A papermill execution error is re-raised for the caller to report; on any other exception
    (an interrupt, papermill itself failing) ``out`` is removed, so nothing half-written remains.
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
                out_dir: Path | None = None) -> Path:
    """Execute one chapter with papermill into ``out_dir`` (default ``book/chapters``), atomically."""
    import nbformat
    import papermill as pm

    root = root_dir()
    out_dir = out_dir or root / "book" / "chapters"
    out_dir.mkdir(parents=True, exist_ok=True)
    sync_pair(chapter)
    params = chapter_parameters(profile, chapter, overrides)
    _check_parameters(chapter, params)
    final = out_dir / f"{chapter.name}.ipynb"
    tmp = out_dir / f".{chapter.name}.running.ipynb"
    _kernel_env()
    try:
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
    for cell in nb.cells:  # the injected parameters are shown in the parameters cell's note, not as code
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, tmp)
    os.replace(tmp, final)
    return final


def run(profile: str, only: list[str] | None = None, overrides: dict[str, Any] | None = None,
        online: bool = False, memory_check: bool = True, out_dir: Path | None = None) -> list[Path]:
    """Execute the chapters of ``profile`` in order (or the ``only`` ones); stop at the first failure.

    Before anything runs, every chapter's parameters are checked (names, types, data folders) and
    its peak memory is estimated (:mod:`vaxis.resources`); a profile that would not fit is refused.
    Each chapter's wall time and measured peak memory are recorded by :func:`record_run`.
    """
    from tqdm import tqdm

    from . import resources

    load_profile(profile)  # fail early on an unknown profile
    if not online:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    todo = chapters()
    if only:
        known = {c.number: c for c in todo}
        missing = [n for n in only if n.zfill(2) not in known]
        if missing:
            raise VaxisInputError(f"No chapter {missing}; chapters are: {', '.join(known)}.")
        todo = [known[n.zfill(2)] for n in only]
    estimates = []
    for chapter in todo:
        params = chapter_parameters(profile, chapter, overrides)
        _check_parameters(chapter, params)
        defaults = {k: v[0] for k, v in declared_parameters(chapter).items()}
        estimates.append((chapter.name, resources.estimate_chapter_bytes({**defaults, **params})))
    if memory_check:
        resources.check_fits(estimates)
    done = []
    bar = tqdm(todo, desc=f"profile {profile}", unit="chapter")
    for (name, estimate), chapter in zip(estimates, bar):
        bar.set_postfix_str(chapter.name)
        t0 = time.perf_counter()
        with resources.PeakMemory() as mem:
            done.append(run_chapter(chapter, profile, overrides, out_dir=out_dir))
        wall = time.perf_counter() - t0
        record_run(profile, name, wall_s=wall, peak_bytes=mem.peak_bytes, estimate_bytes=estimate)
        tqdm.write(f"[vaxis] {chapter.name} done in {wall:.0f} s, peak memory {mem.peak_bytes / 2**30:.2f} GiB")
    return done


def record_run(profile: str, chapter: str, **fields: Any) -> Path:
    """Add one chapter's run record (wall time, peak memory, estimate) to ``results/<profile>/runs.json``.

    The file maps chapter names to their latest record, with the host's core count and the time;
    ``benchmarks/README.md`` quotes it for the full profile.
    """
    import datetime

    from .io import load_json, results_dir, save_json

    path = results_dir(profile) / RUNS_FILE
    try:
        runs = load_json(path) if path.is_file() else {}
    except (ValueError, VaxisError):  # an unreadable log is replaced, never fatal
        runs = {}
    runs[chapter] = {**fields, "cpus": os.cpu_count(), "numerics": numerics.describe()["mode"],
                     "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    return save_json(path, runs)


def refresh(only: list[str] | None = None) -> list[Path]:
    """Re-execute the committed ``notebooks/NN.ipynb`` in place with their defaults (the quick profile).

    These executed twins are the references that ``pytest --nbval notebooks/`` compares a fresh run
    against; refresh them after changing a chapter or the package on purpose, and commit them.
    """
    import papermill as pm

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _kernel_env()
    todo = [c for c in chapters() if not only or c.number in {n.zfill(2) for n in only}]
    for chapter in todo:
        sync_pair(chapter)
        tmp = chapter.paired.with_name(f".{chapter.paired.name}.running")
        try:
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
        p.add_argument("--profile", default="quick", help="quick, full or paper (default quick)")
        p.add_argument("--only", nargs="+", metavar="NN", help="chapter numbers to run, e.g. 03")
        p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                       help="override a chapter parameter (YAML value), e.g. -p faced_dir=/data/FACED")
        p.add_argument("--online", action="store_true", help="allow Hugging Face hub downloads")
        p.add_argument("--no-memory-check", action="store_true", help="skip the peak-memory estimate")
    b = sub.add_parser("build", help="render the HTML book")
    b.add_argument("--no-strict", action="store_true", help="do not turn Sphinx warnings into errors")
    r = sub.add_parser("refresh", help="re-execute the committed notebooks/NN.ipynb (nbval references)")
    r.add_argument("--only", nargs="+", metavar="NN")
    sub.add_parser("list", help="list chapters and profiles")
    args = parser.parse_args(argv)
    try:
        if args.cmd in ("run", "all"):
            run(args.profile, args.only, _parse_overrides(args.param), args.online,
                memory_check=not args.no_memory_check)
            if args.cmd == "all":
                build()
        elif args.cmd == "refresh":
            refresh(args.only)
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
