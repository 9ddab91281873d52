"""How the V-axis's transfer to human-rated sentences reads (:mod:`vaxis.llm.transfer`).

Tables for a page, each number with its 95% interval in one short column (:func:`method_summary`,
:func:`paired_summary`, :func:`tag_summary`, :func:`transfer_summary`); the worst-ranked sentences
as text a page can hold (:func:`describe_worst`); the answer in one sentence generated from the
intervals (:func:`transfer_in_words` for one model, :func:`models_in_words` for several); and the
scorecard's row "zero-shot transfer to sentiment benchmarks" (:func:`scorecard_row`, its rule
:func:`vaxis.llm.transfer.verdict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import verdicts
from ..tables import LINE_WIDTH, interval, wrap
from . import sentences
from .transfer import SHARE_BAR, ModelTransfer, verdict


def _ci(v: float, lo: float, hi: float) -> str:
    return f"{v:.2f} [{lo:.2f}, {hi:.2f}]"


def method_summary(result: ModelTransfer) -> pd.DataFrame:
    """One model's methods on each benchmark's test sentences, for reading: rows ``(benchmark,
    method)``, each number with its 95% bootstrap interval over sentences (Spearman rho over all
    test sentences; AUC and the sign's accuracy at the method's origin over the clearly rated ones)."""
    rows = {}
    for bench, b in result.benchmarks.items():
        for m, r in b.scores.iterrows():
            rows[(bench, m)] = {"Spearman rho": _ci(r.rho, r.rho_low, r.rho_high),
                                "AUC (clear +/-)": _ci(r.auc, r.auc_low, r.auc_high),
                                "sign accuracy": _ci(r.accuracy, r.accuracy_low, r.accuracy_high),
                                "sentences": f"{int(r.n)} ({int(r.n_clear)} clear)"}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["benchmark", "method"])


def paired_summary(result: ModelTransfer) -> pd.DataFrame:
    """One model's paired comparisons on each benchmark (:attr:`BenchmarkTransfer.paired`): rows
    ``(benchmark, comparison)``, the value with its paired 95% bootstrap interval over test sentences."""
    rows = {(bench, k): {"value [95% CI]": _ci(r.value, r.low, r.high)}
            for bench, b in result.benchmarks.items() for k, r in b.paired.iterrows()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["benchmark", "comparison"])


def tag_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`by_tag` for reading: shares in percent and each rho with its 95% interval in one column
    (``"n < 10"`` where too few test sentences carry the tag). Works on one benchmark's table or on
    several concatenated (a MultiIndex of benchmark and tag)."""
    def ci(name: str) -> pd.Series:
        v, lo, hi = table[f"{name} rho"], table[f"{name} low"], table[f"{name} high"]
        return pd.Series([_ci(a, b, c) if np.isfinite(a) else "n < 10" for a, b, c in zip(v, lo, hi)], index=table.index)

    return pd.DataFrame({"sentences": table["n"].astype(int),
                         "share of all": (100 * table["share of all"]).map("{:.0f}%".format),
                         "share of the worst tenth": (100 * table["share of worst"]).map("{:.0f}%".format),
                         "V-axis rho": ci("V-axis"), "VADER rho": ci("VADER")}, index=table.index)


def describe_worst(worst: pd.DataFrame, width: int = LINE_WIDTH) -> str:
    """:func:`vaxis.llm.transfer.worst_ranked` as text a page can hold: one block per sentence, its
    full text under a line with the human mean, both percentiles, VADER and the tags, every line at
    most ``width`` characters (:func:`vaxis.tables.wrap`)."""
    lines = []
    for i, (_, r) in enumerate(worst.iterrows(), 1):
        vader = f", VADER {r['VADER']:+.2f}" if "VADER" in r else ""
        tags = f"; tags: {r['tags']}" if r["tags"] else ""
        lines.append(wrap(f"{i}. human mean {r['rating']:+.2f} (percentile {100 * r['human percentile']:.0f}), "
                          f"V-axis percentile {100 * r['axis percentile']:.0f}{vader}{tags}", width))
        lines.append(wrap("   " + " ".join(str(r["text"]).split()), width, indent=""))
    return "\n".join(lines)


def transfer_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`transfer_table` for reading: each rho with its 95% interval in one short column."""
    def ci(col: str) -> pd.Series:
        return (table[col].map("{:.2f}".format) + " [" + table[f"{col}_low"].map("{:.2f}".format) + ", "
                + table[f"{col}_high"].map("{:.2f}".format) + "]")

    return pd.DataFrame({"shown as": table["presentation"], "V-axis rho": ci("rho"), "VADER rho": ci("vader"),
                         "best PC rho": ci("pc"), "ridge ceiling rho": ci("ceiling"), "share of ceiling": ci("share"),
                         "V-axis AUC": ci("auc"), "words rho": ci("word")}, index=table.index)


def _share_words(share: Mapping[str, float], bar: float) -> str:
    if share["low"] >= bar:
        return f"at least {bar:g} of the supervised ceiling"
    if share["high"] < bar:
        return f"less than {bar:g} of the supervised ceiling"
    return f"a share of the supervised ceiling that cannot be told from {bar:g}"


def _vader_words(diff: Mapping[str, float]) -> str:
    return ("ranks them better than VADER" if diff["low"] > 0 else "ranks them worse than VADER" if diff["high"] < 0
            else "cannot be told apart from VADER")


def transfer_in_words(model: str, benchmarks: Mapping[str, Any], bar: float = SHARE_BAR,
                      width: int | None = LINE_WIDTH) -> str:
    """Chapter 1's answer on sentences in one sentence, from the intervals: on each benchmark (name ->
    :class:`~vaxis.llm.transfer.BenchmarkTransfer` or its ``summary()``), does the axis reach ``bar`` of
    the supervised ceiling (share of the ceiling's interval) and does it rank sentences better or worse
    than VADER (the paired difference's interval)? Wrapped at ``width`` characters (None: one line)."""
    parts = []
    for name, b in benchmarks.items():
        b = b.summary() if hasattr(b, "summary") else b
        label = sentences.BENCHMARKS[name].label if name in sentences.BENCHMARKS else name
        share, diff = b["paired"]["share of ceiling"], b["paired"]["V-axis - VADER"]
        parts.append(f"on {label} it reaches {_share_words(share, bar)} (share {share['value']:.2f}) and "
                     f"{_vader_words(diff)}")
    return _wrap(f"Zero-shot on human-rated sentences, {model}'s axis: " + "; ".join(parts) + ".", width)


def models_in_words(table: pd.DataFrame, bar: float = SHARE_BAR, width: int | None = LINE_WIDTH) -> str:
    """Chapter 2's answer on sentences in one sentence: on each benchmark, in how many models the share
    of the ceiling's interval lies at or above ``bar`` and in how many the axis ranks sentences better
    than VADER (paired interval above 0); ``table``: :func:`vaxis.llm.transfer.transfer_table`. Wrapped at
    ``width`` characters (None: one line)."""
    parts = []
    for name, g in table.groupby(level="benchmark", sort=False):
        label = sentences.BENCHMARKS[name].label if name in sentences.BENCHMARKS else name
        half, better = int((g["share_low"] >= bar).sum()), int((g["minus_vader_low"] > 0).sum())
        worse = int((g["minus_vader_high"] < 0).sum())
        parts.append(f"on {label}, {half} of {len(g)} reach at least {bar:g} of their supervised ceiling and "
                     f"{better} rank sentences better than VADER ({worse} worse)")
    return _wrap("Zero-shot on human-rated sentences, the models' axes: " + "; ".join(parts) + ".", width)


def _wrap(text: str, width: int | None) -> str:
    return text if width is None else wrap(text, width, indent="")


#: The study's words for the claim the scorecard row tests.
STUDY_CLAIM = "strong zero-shot transfer to sentiment benchmarks (qualitative)"


def scorecard_row(saved: Mapping[str, Any], bar: float = SHARE_BAR) -> dict[str, str]:
    """The scorecard's row "zero-shot transfer to sentiment benchmarks" from chapter 1's result file.

    ``saved``: :func:`vaxis.results.load_sentences` (``"01"``). Returns ``{"study", "this book",
    "rule", "outcome", "data"}``: the lead model's rho on each benchmark's test sentences beside
    VADER's and the ridge ceiling's, and the share of the ceiling, each with its 95% interval; the
    outcome of :func:`verdict` (recorded data: it is the verdict) and its rule in words.
    """
    if not saved.get("models"):
        raise KeyError("models")
    model, rec = next(iter(saved["models"].items()))
    order = list(sentences.BENCHMARKS)
    benches = dict(sorted(rec["benchmarks"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    parts = []
    for bench, b in benches.items():
        sc, share = b["scores"], b["paired"]["share of ceiling"]
        v, vd, ce = sc["V-axis"], sc["VADER"], sc["ridge ceiling"]
        parts.append(f"{bench.replace('_', ' ')} ({b['sizes']['test']} test sentences): rho "
                     f"{interval(v['rho'], v['rho_low'], v['rho_high'])}, VADER {vd['rho']:.3f}, ridge ceiling "
                     f"{ce['rho']:.3f}, share of the ceiling {interval(share['value'], share['low'], share['high'])}")
    return {"study": STUDY_CLAIM, "this book": f"{model}: " + "; ".join(parts),
            "rule": (f"agrees if on every benchmark rho's interval lies above 0 and the share of the supervised "
                     f"ceiling's at or above {bar:g}; disagrees if one share interval lies below {bar:g} or one rho "
                     f"interval at or below 0; else undecided"),
            "outcome": verdict(benches, bar),
            "data": f"{verdicts.RECORDED}: {model} hidden states, human-rated tweets and movie-review snippets "
                    "(Hutto & Gilbert 2014)"}


__all__ = ["STUDY_CLAIM", "describe_worst", "method_summary", "models_in_words", "paired_summary", "scorecard_row",
           "tag_summary", "transfer_in_words", "transfer_summary"]
