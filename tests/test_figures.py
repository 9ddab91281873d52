"""Every figure of vaxis.plots has a title, labelled axes and a footnote naming its data; chapters draw nothing.

The figure functions are found by introspection, so a new one without an example in
``tests/figure_cases.py`` fails :func:`test_every_figure_function_has_an_example`. Each is drawn on
tiny synthetic inputs with each kind of source it can get (a simulated and a real EEG label for EEG
figures; models and ratings otherwise) and checked after ``fig.canvas.draw()``.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from vaxis import plots
from vaxis._checks import VaxisInputError

from figure_cases import CASES, EEG, EEG_SOURCES, OTHER_SOURCES

ROOT = Path(__file__).resolve().parents[1]

#: Public functions of vaxis.plots that are not figures.
HELPERS = {"llm_source", "verdict_kind"}
#: Axes whose x / y label may be empty, with the reason.
UNLABELLED = {
    "weight_topomaps": ("xy", "scalp maps: position on the head is the axis"),
    "category_positions": ("y", "a one-dimensional strip: no y quantity"),
}


def figure_functions() -> list[str]:
    return sorted(name for name, f in inspect.getmembers(plots, inspect.isfunction)
                  if f.__module__.startswith(plots.__name__ + ".") and not name.startswith("_") and name not in HELPERS)


def cases() -> list[tuple[str, str]]:
    return [(name, src) for name in sorted(CASES) for src in (EEG_SOURCES if name in EEG else OTHER_SOURCES)]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _stamps(fig) -> list:
    return [t for t in fig.texts if t.get_gid() == plots.SOURCE_GID]


def _data_axes(fig) -> list:
    return [ax for ax in fig.axes if ax.get_visible() and not hasattr(ax, "_colorbar")]


def _titles(fig) -> list:
    out = [fig._suptitle] if fig._suptitle is not None and fig._suptitle.get_text().strip() else []
    for ax in _data_axes(fig):
        out += [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text().strip()]
    return out


def _texts(fig) -> dict[str, list]:
    """Visible, non-empty text artists by kind."""
    kinds: dict[str, list] = {"titles": _titles(fig), "labels": [], "ticks": [], "other": []}
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        kinds["labels"] += [ax.xaxis.label, ax.yaxis.label]
        kinds["ticks"] += _drawn_ticks(ax)
        kinds["other"] += list(ax.texts)
        if ax.get_legend() is not None:
            kinds["other"] += ax.get_legend().get_texts()
    kinds["other"] += [t for t in fig.texts if t.get_gid() != plots.SOURCE_GID and t is not fig._suptitle]
    return {k: [t for t in v if t.get_visible() and t.get_text().strip()] for k, v in kinds.items()}


def _drawn_ticks(ax) -> list:
    """Tick labels inside the view limits (the locator's others are not drawn)."""
    out = []
    for labels, (lo, hi), i in ((ax.get_xticklabels(), sorted(ax.get_xlim()), 0),
                                (ax.get_yticklabels(), sorted(ax.get_ylim()), 1)):
        out += [t for t in labels if lo - 1e-9 <= t.get_position()[i] <= hi + 1e-9]
    return out


def _overlap(a, b, renderer) -> bool:
    ba, bb = a.get_window_extent(renderer), b.get_window_extent(renderer)
    return ba.x0 < bb.x1 - 1 and bb.x0 < ba.x1 - 1 and ba.y0 < bb.y1 - 1 and bb.y0 < ba.y1 - 1


def test_every_figure_function_has_an_example():
    """A figure function of vaxis.plots without an example here would go untested: add one to figure_cases."""
    assert figure_functions() == sorted(CASES), (
        f"figure functions without an example: {sorted(set(figure_functions()) - set(CASES))}; "
        f"examples of no function: {sorted(set(CASES) - set(figure_functions()))}")
    for name in figure_functions():
        assert "source" in inspect.signature(getattr(plots, name)).parameters, f"plots.{name} takes no source"


@pytest.mark.parametrize("name,source", cases(), ids=lambda x: re.sub(r"\W+", "_", str(x))[:30])
def test_figure_has_title_labels_and_its_data_source(name, source):
    fig = CASES[name](source)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        assert _titles(fig), f"{name}: no title"
        skip, why = UNLABELLED.get(name, ("", ""))
        for ax in _data_axes(fig):
            if "x" not in skip:
                assert ax.get_xlabel().strip(), f"{name}: an axes has no x label"
            if "y" not in skip:
                assert ax.get_ylabel().strip(), f"{name}: an axes has no y label"
        stamps = _stamps(fig)
        assert len(stamps) == 1, f"{name}: {len(stamps)} source footnotes (want one)"
        stamp = _flat(stamps[0].get_text())
        assert stamp.startswith("data:") and source in stamp, f"{name}: footnote {stamp!r} does not name {source!r}"
        assert ("simulated" in stamp) == source.startswith("simulated"), f"{name}: {stamp!r} for source {source!r}"
        if name in EEG:  # the one wording of vaxis.plots._common._eeg_source: "simulated EEG (label)" or "EEG: label (recorded)"
            assert ("simulated EEG" in stamp) == source.startswith("simulated") and "EEG" in stamp, (
                f"{name}: {stamp!r} does not say what EEG it shows (source {source!r})")
        texts = _texts(fig)
        others = [t for kind in texts.values() for t in kind]
        hits = [t.get_text() for t in others if _overlap(stamps[0], t, renderer)]
        assert not hits, f"{name}: the source footnote overlaps {hits}"
        for title in texts["titles"]:
            hits = [t.get_text() for t in texts["titles"] + texts["labels"] + texts["ticks"]
                    if t is not title and _overlap(title, t, renderer)]
            assert not hits, f"{name}: title {title.get_text()!r} overlaps {hits}"
        for label in texts["labels"]:
            hits = [t.get_text() for t in texts["labels"] if t is not label and _overlap(label, t, renderer)]
            assert not hits, f"{name}: axis label {label.get_text()!r} overlaps {hits}"
    finally:
        plt.close(fig)


def test_a_figure_must_name_its_data():
    """No source, no figure: the argument is required, and an empty one is refused."""
    with pytest.raises(TypeError, match="source"):
        plots.layer_profile(None, {})
    try:
        for name in ("map_summary", "scatter_with_ratings"):
            with pytest.raises(VaxisInputError, match="name its data"):
                CASES[name]("")
    finally:
        plt.close("all")


def test_the_overlap_check_catches_a_footnote_on_a_label():
    """The overlap check is not vacuous: a footnote moved onto the x label is caught."""
    fig = CASES["scatter_with_ratings"](OTHER_SOURCES[0])
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        stamp = _stamps(fig)[0]
        stamp.set_position(fig.transFigure.inverted().transform(ax.xaxis.label.get_window_extent(renderer).p0))
        assert _overlap(stamp, ax.xaxis.label, renderer)
    finally:
        plt.close(fig)


#: Receivers whose method calls would be drawing in a chapter.
DRAWERS = {"plt", "ax", "axes", "fig", "figure", "matplotlib", "sns", "mne"}


def _chapters() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("0*.py"))


@pytest.mark.parametrize("chapter", _chapters(), ids=lambda p: p.stem)
def test_chapters_draw_only_through_plots(chapter):
    """A chapter calls no plt./ax./fig. drawing method (saving a figure aside) and gives every
    figure of vaxis.plots its data source."""
    tree = ast.parse(chapter.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert not any(m.split(".")[0] in ("matplotlib", "seaborn") for m in mods), f"{chapter.name} imports {mods}"
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        base = owner
        while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
            base = base.value if not isinstance(base, ast.Call) else base.func
        if isinstance(base, ast.Name) and base.id in DRAWERS and node.func.attr != "savefig":
            raise AssertionError(f"{chapter.name}:{node.lineno} draws ({ast.unparse(node.func)}): use vaxis.plots")
        if isinstance(owner, ast.Name) and owner.id == "plots" and node.func.attr in CASES:
            sig = inspect.signature(getattr(plots, node.func.attr))
            bound = sig.bind_partial(*[None] * len(node.args), **{k.arg: None for k in node.keywords if k.arg})
            assert "source" in bound.arguments, (
                f"{chapter.name}:{node.lineno}: plots.{node.func.attr} called without source=")
