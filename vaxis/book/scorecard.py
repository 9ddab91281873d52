"""The study against this book: one row per claim, built from the chapters' result files.

The intro page shows the table the runner writes after every run (:func:`write`, into
``book/chapters/scorecard.md``, next to the executed chapters, which the intro includes), so it
cannot drift from the numbers the chapters computed. Each chapter's summary prints its own rows
(:func:`chapter_rows`).

Columns: the claim, the study's number (as the study states it; "qualitative" where it gives
none), this book's number with its interval or p-value, the verdict -- ``agrees``,
``disagrees``, ``undecided`` or ``not testable here`` -- and the data it rests on (real LLMs, real
ratings, simulated EEG or the real dataset's name, from the result file's own source label).
A verdict is computed from the numbers by the rule in each row's function, never typed by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import io, results
from .contents import root_dir

COLUMNS = ["claim", "study", "this book", "verdict", "data"]

#: The study's six claims (intro page) and the numbers it gives.
CLAIMS = {
    "01": ("1. Nine sentences define a V-axis that agrees zero-shot with human valence", "qualitative"),
    "02": ("2. The recipe gives the same ordering across LLMs", "14 LLMs agree (qualitative)"),
    "03": ("3. One linear map of EEG tracks the V-axis, subjects held out", "qualitative"),
    "04": ("4. Label-only EEG classifiers carry the V-axis", "36 of 36 classifiers"),
    "05": ("5. Alignment losses do not improve decoding (saturation)", "0 of 25 helped, 16 of 25 hurt"),
    "06": ("6. Ensembling residual diversity improves balanced accuracy", "+10.5% on FACED"),
}


def _eeg_label(source: str | None) -> str:
    if not source:
        return "?"
    return "simulated EEG (tests the method)" if str(source).startswith("simulated") else f"real EEG ({source})"


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / name
    return io.load_json(path) if path.is_file() else None


def _interval(v: float, lo: float, hi: float) -> str:
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def _rows_01(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.AXIS_JSON)
    if s is None:
        return []
    lead = s["lead"]
    t = lead["vader_test_rho"]
    rows = [{"this book": f"{lead['model']}: rho {_interval(t['value'], t['low'], t['high'])} on held-out words",
             "verdict": "agrees" if t["low"] > 0 else "disagrees", "data": "real LLM, real word ratings"}]
    spec = results.load_control(folder, results.SPECIFICITY_JSON)
    if spec:
        adv = spec["advantage"]
        rnd = spec["random"]
        rows.append({"this book": f"control added here: V-axis minus best no-anchor PCA direction "
                                  f"{_interval(adv['diff'], adv['low'], adv['high'])}; rank {rnd['rank']} among "
                                  f"{rnd['n']} random directions (their largest |rho| {rnd['max_abs']:.3f})",
                     "verdict": ("nine sentences add" if adv["low"] > 0 else
                                 "no gain over PCA" if adv["high"] < 0 else "undecided"),
                     "data": "real LLM, real word ratings"})
    return rows


def _rows_02(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.CONSISTENCY_JSON)
    if s is None:
        return []
    c, i = s["category_agreement"], s["item_agreement"]
    ok = c["p"] < 0.05 and i["p"] < 0.05
    return [{"this book": f"{len(s['models'])} models: mean rho of category orders {c['mean_rho']:.3f} "
                          f"(p = {c['p']:.3g}), of held-out words {i['mean_rho']:.3f} (p = {i['p']:.3g})",
             "verdict": "agrees" if ok else "undecided", "data": "real LLMs, real word ratings"}]


def _rows_03(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.MAPPING_JSON)
    if s is None:
        return []
    m = s["v_axis_map"]
    rows = [{"this book": f"mean held-out r {_interval(m['mean_r'], m['ci_low'], m['ci_high'])}, "
                          f"p = {m['p_value']:.2g} ({m['n_permutations']} orderings)",
             "verdict": "agrees" if (m["p_value"] or 1) < 0.05 and m["ci_low"] > 0 else "undecided",
             "data": _eeg_label(s.get("source"))}]
    alt = results.load_control(folder, results.ALTERNATIVES_JSON)
    if alt:
        best = alt["best"]
        split = alt["targets"].get("ternary split", {})
        text = (f"control added here: best-tracked target '{best}'; LLM minus ternary split "
                f"{_interval(split.get('diff', float('nan')), split.get('diff_low', float('nan')), split.get('diff_high', float('nan')))}; "
                f"within-side p = {alt['within_side']['p']:.3f}")
        lo, hi = split.get("diff_low", float("nan")), split.get("diff_high", float("nan"))
        verdict = "LLM adds" if lo > 0 else "the split is tracked better" if hi < 0 else "undecided"
        rows.append({"this book": text, "verdict": verdict,
                     "data": _eeg_label(s.get("source"))})
    return rows


def _rows_04(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.REDISCOVERY_JSON)
    if s is None:
        return []
    c = s["count"]
    text = f"{c['n_rediscover']} of {c['n']} (BH, exact test)"
    ctrl = {r["kind"]: r for r in s.get("control_counts", [])}
    extra = "; ".join(f"{k}: {r['significant']} of {r['n']}" for k, r in ctrl.items() if k != "trained")
    return [{"this book": text + (f"; controls {extra}" if extra else ""),
             "verdict": "agrees" if c["n_rediscover"] == c["n"] else ("disagrees" if c["n_rediscover"] == 0 else "partly"),
             "data": _eeg_label(s.get("source"))}]


def _rows_05(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.SATURATION_JSON)
    if s is None:
        return []
    k = s["counts"]
    n = sum(k.values())
    text = ", ".join(f"{v} {name}" for name, v in k.items()) + f" of {n} ({s.get('profile')} profile)"
    verdict = ("agrees" if k.get("helped", 0) == 0 and k.get("undecided", 0) == 0 else
               "disagrees" if k.get("helped", 0) > 0 else "undecided")
    return [{"this book": text, "verdict": verdict, "data": "simulated EEG (tests the method), real LLM"}]


def _rows_06(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.ENSEMBLING_JSON)
    if s is None or "faced" not in s:
        return []
    r = s["faced"]["relative"]
    verdict = ("agrees" if r["low"] > 0 else "disagrees" if r["high"] < 0.105 else "undecided")
    return [{"this book": f"{r['value']:+.1%} [{r['low']:+.1%}, {r['high']:+.1%}] over {r['baseline_name']}",
             "verdict": verdict, "data": _eeg_label(s["faced"].get("source"))}]


ROWS: dict[str, Callable[[Path], list[dict[str, str]]]] = {
    "01": _rows_01, "02": _rows_02, "03": _rows_03, "04": _rows_04, "05": _rows_05, "06": _rows_06}


def chapter_rows(folder: Path, chapter: str) -> pd.DataFrame:
    """The scorecard rows of one chapter (``"01"``..``"06"``) from the results in ``folder``."""
    claim, study = CLAIMS[chapter]
    try:
        rows = ROWS[chapter](Path(folder)) or [{"this book": "not run", "verdict": "not run", "data": ""}]
    except KeyError as missing:  # a result file from an older or partial run: say so, never fail the run
        rows = [{"this book": f"incomplete: the result file lacks {missing}; re-run chapter {chapter}",
                 "verdict": "not run", "data": ""}]
    return pd.DataFrame([{"claim": claim, "study": study, **r} for r in rows], columns=COLUMNS)


def table(folder: Path) -> pd.DataFrame:
    """Every claim's rows (chapters that have not run say so)."""
    return pd.concat([chapter_rows(folder, ch) for ch in CLAIMS], ignore_index=True)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (no extra dependency), claims repeated only on their first row."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "| " + " | ".join("---" for _ in COLUMNS) + " |"]
    last = None
    for _, r in frame.iterrows():
        cells = [str(r[c]).replace("|", "/") for c in COLUMNS]
        if r["claim"] == last:
            cells[0] = cells[1] = ""
        last = r["claim"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write(profile: str, root: Path | None = None) -> Path:
    """Write the scorecard of ``results/<profile>/`` to ``book/chapters/scorecard.md`` (for the intro)."""
    folder = io.results_dir(profile)
    root = root or root_dir()
    out = root / "book" / "chapters" / "scorecard.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = (f"Built from the result files of the `{profile}` profile when the chapters ran.\n\n"
            + markdown(table(folder)))
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return out


__all__ = ["CLAIMS", "COLUMNS", "chapter_rows", "table", "markdown", "write"]
