"""What every figure shares: the colours, and the footnote that names a figure's data."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt

from ..eeg.dataset import is_simulated
from ..eeg.montage import FACED_CATEGORIES
from ..llm.stimuli import NEGATIVE, NEUTRAL, POSITIVE
from .._checks import VaxisInputError


#: Colours of the verdicts of chapters 5-7 (vaxis.stats.equivalence_verdicts).
VERDICT_COLORS = {"helped": "C2", "equivalent": "C0", "undecided": "0.6", "hurt": "C3"}


VALENCE_COLORS = {**{c: "#c0392b" for c in NEGATIVE}, NEUTRAL: "#7f8c8d", **{c: "#2471a3" for c in POSITIVE}}


#: One colour per FACED category (negative reds/oranges, neutral grey, positive blues/greens).
CATEGORY_COLORS: dict[str, str] = dict(zip(FACED_CATEGORIES, (
    "#c0392b", "#8e44ad", "#d35400", "#7b241c", "#7f8c8d", "#2e86c1", "#17a589", "#1f618d", "#58d68d")))


#: gid of the footnote that names a figure's data (tests find it by this).
SOURCE_GID = "vaxis-data-source"


#: Font size (points) of that footnote.
STAMP_FONTSIZE = 7


#: The source of figures of the FACED participants' own ratings (real data, whatever the EEG).
PARTICIPANTS_SOURCE = "FACED participants' ratings (real)"


#: The human word ratings chapters 1-2 validate the V-axis with.
WORD_RATINGS = "VADER and AFINN human word ratings"


def llm_source(models: str | Sequence[str], ratings: str = WORD_RATINGS) -> str:
    """The data of a language-model figure: ``"<model(s)> hidden states; <ratings>"``."""
    names = [models] if isinstance(models, str) else list(models)
    return f"{', '.join(names)} hidden states; {ratings}" if ratings else f"{', '.join(names)} hidden states"


def _eeg_source(source: str | None) -> str:
    """How a figure names its EEG, from the dataset's own label (:attr:`vaxis.eeg.EEGDataset.source`):
    ``"simulated EEG (simulated-faced)"`` for a simulated cohort, ``"EEG: faced (recorded)"`` for a real one."""
    if not source or not str(source).strip():
        raise VaxisInputError("A figure of EEG must name its data: pass source=<the dataset's .source>.")
    return f"simulated EEG ({source})" if is_simulated(source) else f"EEG: {source} (recorded)"


def _stamp(fig: plt.Figure, text: str) -> plt.Figure:
    """Name the figure's data in a footnote ``data: <text>`` at its bottom left (gid :data:`SOURCE_GID`).

    Call it last, after the layout: every axes (and colorbar) is moved up, keeping its x extent, just
    enough that no tick label or axis label reaches down to the footnote. Calling it again replaces
    the footnote (a panel function's stamp is replaced by its parent's).
    """
    if not text or not str(text).strip():
        raise VaxisInputError("A figure must name its data: pass source=... (see vaxis.plots).")
    for old in [t for t in fig.texts if t.get_gid() == SOURCE_GID]:
        old.remove()
    width = max(30, int(fig.get_figwidth() * 72 / (0.55 * STAMP_FONTSIZE)))
    stamp = fig.text(0.005, 0.005, textwrap.fill(f"data: {text}", width), ha="left", va="bottom",
                     fontsize=STAMP_FONTSIZE, color="0.3", gid=SOURCE_GID)
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else fig._get_renderer()
    to_fig = fig.transFigure.inverted()
    top = to_fig.transform((0, stamp.get_window_extent(renderer).y1))[1] + 3 / 72 / fig.get_figheight()
    shift = 0.0
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer) if ax.get_visible() else None
        low, y0 = (1.0 if box is None else to_fig.transform((0, box.y0))[1]), ax.get_position().y0
        if low < top and y0 < 1:
            shift = max(shift, (top - low) / (1 - y0))
    if shift > 0:
        for ax in fig.axes:
            p = ax.get_position()
            ax.set_position([p.x0, shift + p.y0 * (1 - shift), p.width, p.height * (1 - shift)])
    return fig


__all__ = ['CATEGORY_COLORS', 'llm_source', 'PARTICIPANTS_SOURCE', 'SOURCE_GID', 'STAMP_FONTSIZE', 'VALENCE_COLORS', 'VERDICT_COLORS', 'WORD_RATINGS']
