"""The chapters of the book: their files, their parameters (as papermill reads them) and the profiles.

A chapter is ``notebooks/NN_topic.py`` (jupytext, percent format, the source of truth) and its
paired ``NN_topic.ipynb`` (committed with the reference outputs of the quick profile). A *profile*
(``vaxis/book/profiles/NAME.yaml``) is a set of papermill parameters: ``parameters`` given to every
chapter, and ``chapters: {NN: {...}}`` for one chapter.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .._checks import VaxisError, VaxisInputError
from .resources import COHORT_OF

PACKAGE_DIR = Path(__file__).resolve().parent
PROFILES_DIR = PACKAGE_DIR / "profiles"
#: The project root: the folder above the package (a source checkout).
ROOT_DIR = PACKAGE_DIR.parent.parent


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
    here = ROOT_DIR
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


def select_chapters(todo: list[Chapter], only: list[str] | None = None) -> list[Chapter]:
    """The chapters of ``todo`` numbered in ``only`` (``"3"`` or ``"03"``), in that order; all of
    ``todo`` when ``only`` is empty. An unknown number raises before any work starts, naming the
    chapters there are."""
    if not only:
        return todo
    known = {c.number: c for c in todo}
    missing = [n for n in only if n.zfill(2) not in known]
    if missing:
        raise VaxisInputError(f"No chapter {missing}; chapters are: {', '.join(known)}.")
    return [known[n.zfill(2)] for n in only]


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


def cohort_parameters(profile: str, name: str) -> dict[str, Any] | None:
    """The parameters (defaults, then ``profile``'s) of the chapter whose simulated cohort chapter
    ``name`` holds in memory (:data:`vaxis.book.resources.COHORT_OF`), or ``None``: what the memory
    estimate of a chapter that reads another's cohort needs."""
    upstream = next((c for c in chapters() if c.name == COHORT_OF.get(name)), None)
    if upstream is None:
        return None
    return effective_parameters(profile, upstream)


def effective_parameters(profile: str, chapter: Chapter) -> dict[str, Any]:
    """Every parameter ``chapter`` runs with under ``profile``: its declared defaults, then the profile's."""
    return {**{k: v[0] for k, v in declared_parameters(chapter).items()}, **chapter_parameters(profile, chapter)}


def _short(value: Any) -> str:
    """A value as Python source, shortened for a comment (long lists and dicts end in ``...``)."""
    import reprlib

    r = reprlib.Repr()
    r.maxlist = r.maxtuple = r.maxset = 4
    r.maxdict, r.maxlevel, r.maxstring, r.maxother = 3, 2, 40, 40
    return r.repr(value)


def show_parameters(source: str, values: dict[str, Any], why: dict[str, str] | None = None) -> str:
    """The ``parameters`` cell's ``source`` rewritten to show the values a run used.

    Every top-level assignment ``name = default`` (or ``name: annotation = default``) whose name is
    in ``values`` with a value other than its default becomes ``name = value  # why; default
    default`` (annotation kept; ``why[name]``, e.g. ``'profile "full"'``, else ``"set by the
    runner"``); a long value is laid out over several lines, with the note on the line above. Everything else (imports, comments,
    assignments that kept their default, values equal to the default) is left as it was, so a run
    with the defaults leaves the cell unchanged. The result is still valid Python that, executed,
    gives ``values``.
    """
    import pprint

    tree = ast.parse(source)
    lines = source.split("\n")
    edits = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, ann = node.targets[0].id, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, ann = node.target.id, ast.get_source_segment(source, node.annotation)
        else:
            continue
        if name not in values:
            continue
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            default = ast.get_source_segment(source, node.value)
        value = values[name]
        if type(value) is type(default) and value == default:
            continue
        head = f"{name}: {ann} = " if ann else f"{name} = "
        text = pprint.pformat(value, width=max(40, 100 - len(head)), sort_dicts=False, compact=True).split("\n")
        note = f"# {(why or {}).get(name, 'set by the runner')}; default {_short(default)}"
        new = [head + t if i == 0 else " " * len(head) + t for i, t in enumerate(text)]
        if len(new) == 1:
            new[0] += "  " + note
        else:  # a value over several lines: the note above it
            new.insert(0, note)
        edits.append((node.lineno - 1, node.end_lineno, new))
    for start, end, new in reversed(edits):
        lines[start:end] = new
    return "\n".join(lines)


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
    """The chapter's parameters as papermill reads them: name -> (default, accepted types or None).

    :func:`papermill.inspect_notebook` reads the ``parameters`` cell of the chapter's ``.ipynb``
    twin (kept in sync with the ``.py`` by :func:`sync_pair`). Accepted types come from the
    annotation papermill reports (``permutations: Union[str, int] = "exact"``, ``faced_dir:
    Optional[str] = None``) or else from the default: an int default accepts int, a float default
    int or float, a str default str, a list default list, a dict default dict; ``None`` accepts
    anything.
    """
    import papermill as pm

    inspected = pm.inspect_notebook(str(chapter.paired))
    if not inspected:
        raise VaxisError(f"{chapter.paired} has no cell tagged 'parameters' (or it is empty).")
    out: dict[str, tuple[Any, tuple[type, ...] | None]] = {}
    for name, info in inspected.items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError) as err:
            raise VaxisError(f"{chapter.name}: the default of parameter {name} ({info['default']}) is not a "
                             "literal; parameters must be plain values.") from err
        out[name] = (default, _accepted_types(chapter, name, info["inferred_type_name"], default))
    return out


_TYPE_NAMES = {"int": int, "float": float, "str": str, "list": list, "dict": dict, "bool": bool,
               "None": type(None), "NoneType": type(None)}
_DEFAULT_TYPES = {bool: (bool,), int: (int,), float: (int, float), str: (str,), list: (list,), dict: (dict,)}


def _accepted_types(chapter: Chapter, name: str, annotation: str | None, default: Any) -> tuple[type, ...] | None:
    if not annotation or annotation == "None":
        return _DEFAULT_TYPES.get(type(default))
    optional = annotation.startswith("Optional[")
    inner = re.sub(r"^(Optional|Union)\[(.*)\]$", r"\2", annotation)
    names = [t.strip() for t in re.split(r"[,|]", inner)]
    unknown = [t for t in names if t not in _TYPE_NAMES]
    if unknown:
        raise VaxisError(f"{chapter.name}: parameter {name} is annotated {annotation!r}; use int, float, str, "
                         "list, dict or bool, in Optional[...] or Union[...] (what the runner can check).")
    return tuple(_TYPE_NAMES[t] for t in names) + ((type(None),) if optional else ())


def check_parameters(chapter: Chapter, params: dict[str, Any]) -> None:
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
