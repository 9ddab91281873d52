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

Where the book disagrees with the study, the reason is computed where the analysis lives:
:func:`vaxis.decoding.saturation.sweep_power` (what chapter 5's held-out subjects can detect) and
:func:`vaxis.decoding.ensembles.study_gap` / :func:`~vaxis.decoding.ensembles.study_power` (chapter 6:
the study's +10.5 % against each competitor, and whether the test subjects could have seen it). This
module only formats: :func:`ensemble_summary` is chapter 6's summary table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import io, results, stats
from ..decoding.ensembles.study import STUDY_GAIN
from ..decoding.saturation.power import sweep_power
from ..eeg.dataset import is_simulated
from ..tables import FullText, interval, percent_interval
from .contents import load_profile, root_dir

COLUMNS = ["claim", "study", "this book", "verdict", "data"]

#: The study's six claims (intro page) and the numbers it gives; chapter 7 goes beyond the study.
CLAIMS = {
    "01": ("1. Nine sentences define a V-axis that agrees zero-shot with human valence", "qualitative"),
    "02": ("2. The recipe gives the same ordering across LLMs", "14 LLMs agree (qualitative)"),
    "03": ("3. One linear map of EEG tracks the V-axis, subjects held out", "qualitative"),
    "04": ("4. Label-only EEG classifiers carry the V-axis", "36 of 36 classifiers"),
    "05": ("5. Alignment losses do not improve decoding (saturation)", "0 of 25 helped, 16 of 25 hurt"),
    "06": ("6. Ensembling residual diversity improves balanced accuracy", "+10.5% on FACED"),
    "07": ("7. (beyond the study) The saturated-basin explanation: where its regime appears",
           "qualitative (the study's explanation)"),
}

#: The study's numbers the verdicts are computed against.
STUDY_HURT = (16, 25)  # 16 of its 25 strategies hurt decoding


def _eeg_label(source: str | None) -> str:
    if not source:
        return "?"
    return "simulated EEG (tests the method)" if is_simulated(source) else f"real EEG ({source})"


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / name
    return io.load_json(path) if path.is_file() else None


def _rows_01(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.AXIS_JSON)
    if s is None:
        return []
    lead = s["lead"]
    t = lead["vader_test_rho"]
    rows = [{"this book": f"{lead['model']}: rho {interval(t['value'], t['low'], t['high'])} on held-out words",
             "verdict": "agrees" if t["low"] > 0 else "disagrees", "data": "real LLM, real word ratings"}]
    spec = results.load_control(folder, results.SPECIFICITY_JSON)
    if spec:
        adv = spec["advantage"]
        rnd = spec["random"]
        rows.append({"this book": f"control added here: V-axis minus best no-anchor PCA direction "
                                  f"{interval(adv['diff'], adv['low'], adv['high'])}; rank {rnd['rank']} among "
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
    rhos = {m: r["vader_test_rho"] for m, r in s.get("per_model", {}).items()}
    zero_shot = ""
    if rhos:
        lo, hi = min(rhos.values(), key=lambda r: r["value"]), max(rhos.values(), key=lambda r: r["value"])
        zero_shot = (f"; zero-shot rho with held-out word ratings from {interval(lo['value'], lo['low'], lo['high'])} "
                     f"to {interval(hi['value'], hi['low'], hi['high'])}")
    return [{"this book": f"{len(s['models'])} models: mean pairwise rho of category orders {c['mean_rho']:.3f} "
                          f"(p = {c['p']:.3g}, {c.get('n_perm', '?')} permutations), of held-out words "
                          f"{i['mean_rho']:.3f} (exact p = {i['p']:.3g} over {i.get('n_null', '?')} relabellings)"
                          + zero_shot,
             "verdict": "agrees" if ok else "undecided",
             "data": f"real LLMs ({len(s['models'])} small ones, not the study's 14), real word ratings"}]


def _rows_03(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.MAPPING_JSON)
    if s is None:
        return []
    m = s["v_axis_map"]
    rows = [{"this book": f"mean held-out r {interval(m['mean_r'], m['ci_low'], m['ci_high'])}, "
                          f"p = {m['p_value']:.2g} ({m['n_permutations']} orderings)",
             "verdict": "agrees" if (m["p_value"] or 1) < 0.05 and m["ci_low"] > 0 else "undecided",
             "data": _eeg_label(s.get("source"))}]
    alt = results.load_control(folder, results.ALTERNATIVES_JSON)
    if alt:
        best = alt["best"]
        split = alt["targets"].get("ternary split", {})
        text = (f"control added here: best-tracked target '{best}'; LLM minus ternary split "
                f"{interval(split.get('diff', float('nan')), split.get('diff_low', float('nan')), split.get('diff_high', float('nan')))}; "
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
    text = ", ".join(f"{k.get(v, 0)} {v}" for v in stats.VERDICTS) + f" of {n} ({s.get('profile')} profile"
    power = sweep_power(folder)
    if len(power.columns):
        col = power.iloc[:, 0]
        text += (f", {int(col['held-out subjects'])} held-out subjects: smallest difference detectable "
                 f"{col['detectable difference (80%)']:.3f}, P(equivalent if no effect) "
                 f"{col['P(equivalent if no effect)']:.2f}")
    text += ")"
    data = "simulated EEG (tests the method), real LLM"
    none_helped = ("agrees" if k.get("helped", 0) == 0 and k.get("undecided", 0) == 0 else
                   "disagrees" if k.get("helped", 0) > 0 else "undecided")
    hurt, undecided = k.get("hurt", 0), k.get("undecided", 0)
    share = STUDY_HURT[0] / STUDY_HURT[1]
    most_hurt = ("agrees" if hurt >= share * n else "disagrees" if hurt + undecided < share * n else "undecided")
    return [{"this book": text, "verdict": none_helped, "data": data},
            {"this book": f"{hurt} of {n} hurt ({hurt / max(n, 1):.0%}; the study {share:.0%}); at most "
                          f"{hurt + undecided} if every undecided one hurt",
             "verdict": most_hurt, "data": data}]


def _direction(r: Mapping[str, Any], study: float | None) -> str:
    """Verdict on a relative gain's interval; with the study's number, also on its size."""
    lo, hi = r["low"], r["high"]
    if study is None:
        return "agrees" if lo > 0 else "disagrees" if hi < 0 else "undecided"
    if lo > 0:
        return "agrees" if hi >= study else "partly: a gain, smaller than the study's"
    return "disagrees" if hi < study else "undecided"


def _rows_06(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.ENSEMBLING_JSON)
    if s is None or "faced" not in s:
        return []
    rows = []
    for name, study, note in (("faced", STUDY_GAIN, ""), ("seedv", None, " (SEED-V-shaped; direction only)")):
        if name not in s:
            continue
        r = s[name]["relative"]
        rows.append({"this book": f"{r['value']:+.1%} [{r['low']:+.1%}, {r['high']:+.1%}] over {r['baseline_name']}"
                                  + (f", {r['n_subjects']} test subjects" if "n_subjects" in r else "") + note,
                     "verdict": _direction(r, study), "data": _eeg_label(s[name].get("source"))})
    return rows


def _rows_07(folder: Path) -> list[dict[str, str]]:
    s = _load(folder, results.PHASE_JSON)
    if s is None:
        return []
    preds = pd.DataFrame(s["predictions"])
    tally = preds.result.value_counts()
    regime = preds.set_index("id").result.get("P11", "not scored")
    return [{"this book": f"{len(preds)} predictions of the hypothesis: " + ", ".join(
                 f"{int(tally.get(r, 0))} {r}" for r in ("held", "failed", "not tested"))
             + f"; the study's regime (P11): {regime} ({s.get('profile')} profile)",
             "verdict": "not testable here (mechanisms planted in simulated EEG)",
             "data": "simulated EEG only"}]


ROWS: dict[str, Callable[[Path], list[dict[str, str]]]] = {
    "01": _rows_01, "02": _rows_02, "03": _rows_03, "04": _rows_04, "05": _rows_05, "06": _rows_06,
    "07": _rows_07}


def chapter_rows(folder: Path, chapter: str) -> pd.DataFrame:
    """The scorecard rows of one chapter (``"01"``..``"07"``) from the results in ``folder``."""
    claim, study = CLAIMS[chapter]
    try:
        rows = ROWS[chapter](Path(folder)) or [{"this book": "not run", "verdict": "not run", "data": ""}]
    except KeyError as missing:  # a result file from an older or partial run: say so, never fail the run
        rows = [{"this book": f"incomplete: the result file lacks {missing}; re-run chapter {chapter}",
                 "verdict": "not run", "data": ""}]
    return FullText([{"claim": claim, "study": study, **r} for r in rows], columns=COLUMNS)


def table(folder: Path) -> pd.DataFrame:
    """Every claim's rows (chapters that have not run say so)."""
    return pd.concat([chapter_rows(folder, ch) for ch in CLAIMS], ignore_index=True)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (no extra dependency), claims repeated only on their first row."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "| " + " | ".join("---" for _ in COLUMNS) + " |"]
    last = None
    for _, r in frame.iterrows():
        cells = [str(r[c]).replace("|", "\\|") for c in COLUMNS]  # an escaped pipe stays in its cell
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


def profile_subjects(chapter: str, profile: str = "full") -> int | None:
    """How many subjects ``chapter`` (e.g. ``"05"``) runs with under ``profile``, from the profile's
    file (``None`` when the profile leaves the chapter's default)."""
    return ((load_profile(profile).get("chapters") or {}).get(chapter) or {}).get("n_subjects")


# ----------------------------------------------------------------------------- chapter 6: the summary table
def ensemble_summary(cohorts: Mapping[str, Any]) -> pd.DataFrame:
    """Chapter 6's summary, one column per cohort (label -> :class:`~vaxis.decoding.ensembles.EnsembleComparison`):
    accuracies with their subject-bootstrap intervals, the gain over the strongest other method, the
    subject-level verdict and how many methods are significantly worse / better (BH q < 0.05)."""
    out = {}
    for label, c in cohorts.items():
        t, r = c.table, c.relative
        lit = t[t.kind == "literature baseline"]
        ref = "residual_diverse"
        out[label] = {
            "test subjects": str(r["n_subjects"]),
            "residual-diversity ensemble": interval(t.bacc[ref], t.ci_low[ref], t.ci_high[ref]),
            "best single network": interval(t.bacc["best_single"], t.ci_low["best_single"], t.ci_high["best_single"]),
            "all-members ensemble": interval(t.bacc["all_members"], t.ci_low["all_members"], t.ci_high["all_members"]),
            "best DE baseline": (f"{lit.bacc.max():.3f} ({lit['name'][lit.bacc.idxmax()]})" if len(lit) else "not run"),
            "strongest other method": r["baseline_name"],
            "gain over it (relative)": percent_interval(r),
            "per-subject difference": f"{r['diff']:+.3f} [{r['diff_low']:+.3f}, {r['diff_high']:+.3f}]",
            "subject-level verdict": r.get("verdict", "?"),
            "methods worse / better (q < 0.05)": f"{int(((t.q < 0.05) & (t.diff_vs_residual < 0)).sum())} / "
                                                 f"{int(((t.q < 0.05) & (t.diff_vs_residual > 0)).sum())}",
        }
    return FullText(out)


__all__ = ["CLAIMS", "COLUMNS", "STUDY_HURT", "chapter_rows", "ensemble_summary", "markdown", "profile_subjects",
           "table", "write"]
