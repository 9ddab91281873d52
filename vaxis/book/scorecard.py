"""The study against this book: one row per claim, built from the chapters' result files.

The intro page shows the table the runner writes after every run (:func:`write`, into
``book/chapters/scorecard.md``, next to the executed chapters, which the intro includes), so it
cannot drift from the numbers the chapters computed. Each chapter's summary prints its own rows
(:func:`chapter_rows`).

Columns: the claim; the study's number (as the study states it; "qualitative" where it gives none);
this book's number with its interval or p-value; the **rule** that turns the numbers into an outcome
against the study, written beside the row; the **verdict**, in the one vocabulary of
:mod:`vaxis.verdicts` (a finding on recorded data -- agrees / disagrees / undecided -- or, on
simulated EEG, a pipeline check, "not testable on this cohort (by construction: ...)" or, for chapter
7, "where the generator produces it: ..."); and the **data**, whose kind of evidence comes from the
result file's own source label (:func:`vaxis.eeg.dataset.evidence_of`), never typed. Every rule can
come out either way; ``tests/test_scorecard.py`` writes result files that must give each verdict.

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

from .. import io, results, verdicts
from ..decoding import clip_identity
from ..decoding.ensembles.study import STUDY_GAIN
from ..decoding.saturation.power import sweep_power
from ..eeg.dataset import evidence_of
from ..llm import transfer_report
from ..tables import FullText, interval, percent_interval
from ..verdicts import AGREES, DISAGREES, RECORDED, SIMULATED, UNDECIDED
from .contents import load_profile, root_dir

COLUMNS = ["claim", "study", "this book", "rule", "verdict", "data"]

#: The study's claims (intro page), one per chapter; a chapter may add rows for controls.
CLAIMS = {
    "01": "1. Nine sentences define a V-axis that agrees zero-shot with human valence",
    "02": "2. The recipe gives the same ordering across LLMs",
    "03": "3. One linear map of EEG tracks the V-axis, subjects held out",
    "04": "4. Label-only EEG classifiers carry the V-axis",
    "05": "5. Alignment losses do not improve decoding (saturation)",
    "06": "6. Ensembling residual diversity improves balanced accuracy",
    "07": "7. (beyond the study) Where the saturation regime appears",
}

#: The study's numbers the verdicts are computed against.
STUDY_HURT = (16, 25)  # 16 of its 25 strategies hurt decoding
#: What the default simulated cohort lacks for chapters 5 and 6 (vaxis.eeg.mechanisms, all knobs 0).
NO_WITHIN_CLASS_INFORMATION = "no label information inside a category, so no target can add to the labels"
#: What the simulated cohort lacks for chapter 3's LLM-versus-split control.
PLANTED_FROM_RATINGS = "its EEG valence is planted from the participants' clip ratings, not recorded"

Row = dict[str, str]


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / name
    return io.load_json(path) if path.is_file() else None


def _data(source: str | None, what: str = "") -> str:
    """The data column: the kind of evidence from the source label, then what the row rests on."""
    if not source:
        return "?"
    kind = evidence_of(source)
    eeg = f"{kind} EEG ({source})"
    return f"{eeg}; {what}" if what else eeg


def _row(claim: str, study: str, book: str, rule: str, verdict: str, data: str) -> Row:
    return {"claim": claim, "study": study, "this book": book, "rule": rule, "verdict": verdict, "data": data}


def _p_outcome(p_values: list[float]) -> str:
    """Agreement by permutation tests: all below 0.05 agrees, any at or above 0.5 (no more than the
    null's median) disagrees, else undecided."""
    if all(p < 0.05 for p in p_values):
        return AGREES
    if any(p >= 0.5 for p in p_values):
        return DISAGREES
    return UNDECIDED


def _eeg_verdict(outcome: str, source: str, *, planted: bool = False, missing: str | None = None,
                 mechanisms: Mapping[str, float] | None = None) -> str:
    """The verdict an EEG row's outcome allows. A simulated cohort with mechanism knobs switched on
    is one point of chapter 7's phase diagram: its verdict says whether the generator produces the
    claim there."""
    evidence = evidence_of(source)
    if evidence == SIMULATED and missing and mechanisms:
        knobs = ", ".join(f"{k} {v:g}" for k, v in mechanisms.items())
        return verdicts.regime(f"at {knobs}" if outcome == AGREES else f"not at {knobs}")
    return verdicts.with_study(outcome, evidence, planted=planted, missing=missing)


# ----------------------------------------------------------------------------- one function per chapter
def _rows_01(folder: Path) -> list[Row]:
    s = _load(folder, results.AXIS_JSON)
    if s is None:
        return []
    lead = s["lead"]
    t = lead["vader_test_rho"]
    data = f"{RECORDED}: {lead['model']} hidden states, VADER and AFINN word ratings"
    rows = [_row(CLAIMS["01"], "qualitative", f"{lead['model']}: rho {interval(t['value'], t['low'], t['high'])} "
                 "on held-out words", "agrees if the 95% interval of rho lies above 0, disagrees if at or below 0",
                 verdicts.interval_outcome(t["low"], t["high"]), data)]
    spec = results.load_control(folder, results.SPECIFICITY_JSON)
    if spec:
        adv, rnd = spec["advantage"], spec["random"]
        rows.append(_row(
            "1b. (control added here) the nine sentences do better than the best direction found without them",
            "not studied", f"V-axis minus best no-anchor PCA direction {interval(adv['diff'], adv['low'], adv['high'])}; "
                           f"rank {rnd['rank']} among {rnd['n']} random directions (their largest |rho| "
                           f"{rnd['max_abs']:.3f})",
            "agrees if the paired difference's interval lies above 0, disagrees if at or below 0",
            verdicts.interval_outcome(adv["low"], adv["high"]), data))
    saved = results.load_sentences(folder, "01")
    if saved:
        t = transfer_report.scorecard_row(saved)
        rows.append(_row("1c. Zero-shot transfer to sentiment benchmarks: the axis ranks human-rated sentences",
                         t["study"], t["this book"], t["rule"], verdicts.with_study(t["outcome"], RECORDED), t["data"]))
    return rows


def _rows_02(folder: Path) -> list[Row]:
    s = _load(folder, results.CONSISTENCY_JSON)
    if s is None:
        return []
    c, i = s["category_agreement"], s["item_agreement"]
    n = len(s["models"])
    data = f"{RECORDED}: {n} small LLMs (not the study's 14), VADER word ratings"
    rows = [_row(CLAIMS["02"], "14 LLMs agree (qualitative)",
                 f"{n} models: mean pairwise rho of category orders {c['mean_rho']:.3f} (p = {c['p']:.3g}, "
                 f"{c.get('n_perm', '?')} permutations), of held-out words {i['mean_rho']:.3f} (exact p = "
                 f"{i['p']:.3g} over {i.get('n_null', '?')} relabellings)",
                 "agrees if both permutation p < 0.05; disagrees if either p >= 0.5 (no more agreement than the "
                 "null's median); else undecided", _p_outcome([c["p"], i["p"]]), data)]
    ctl = s.get("controls") or {}
    if ctl:
        beats = [m for m, r in ctl.items() if r["diff_low"] > 0]
        worse = [m for m, r in ctl.items() if r["diff_high"] <= 0]
        outcome = AGREES if len(beats) == len(ctl) else DISAGREES if worse else UNDECIDED
        text = "; ".join(f"{m} {interval(r['diff'], r['diff_low'], r['diff_high'])}" for m, r in ctl.items())
        rows.append(_row("2b. (control added here) in every model, the nine sentences do better than the best "
                         "direction found without them", "not studied",
                         f"V-axis minus best no-anchor PCA direction: {text}",
                         "agrees if every model's interval lies above 0; disagrees if any lies at or below 0; "
                         "else undecided", outcome, data))
    return rows


def _rows_03(folder: Path) -> list[Row]:
    s = _load(folder, results.MAPPING_JSON)
    if s is None:
        return []
    m, src = s["v_axis_map"], s.get("source")
    p = m["p_value"] if m["p_value"] is not None else 1.0
    outcome = AGREES if p < 0.05 and m["ci_low"] > 0 else DISAGREES if m["ci_high"] <= 0 or p >= 0.5 else UNDECIDED
    rows = [_row(CLAIMS["03"], "qualitative",
                 f"mean held-out r {interval(m['mean_r'], m['ci_low'], m['ci_high'])}, p = {p:.2g} "
                 f"({m['n_permutations']} orderings)",
                 "agrees if p < 0.05 and the interval lies above 0; disagrees if the interval lies at or below 0 or "
                 "p >= 0.5; else undecided",
                 _eeg_verdict(outcome, src, planted=True), _data(src, "real LLM positions"))]
    alt = results.load_control(folder, results.ALTERNATIVES_JSON)
    if alt:
        split = alt["targets"].get("ternary split", {})
        lo, hi = split.get("diff_low", float("nan")), split.get("diff_high", float("nan"))
        rows.append(_row(
            "3b. (control added here) the EEG tracks the LLM's order beyond negative / neutral / positive",
            "not studied",
            f"best-tracked target '{alt['best']}'; LLM minus ternary split "
            f"{interval(split.get('diff', float('nan')), lo, hi)}; within-side p = {alt['within_side']['p']:.3f}",
            "agrees if LLM minus split lies above 0; disagrees if at or below 0; else undecided",
            _eeg_verdict(verdicts.interval_outcome(lo, hi), src, missing=PLANTED_FROM_RATINGS),
            _data(src, "real LLM positions, real participants' ratings")))
    clips = results.load_clip_identity(folder, "03")
    if clips and clips.get("summary"):  # the rule and the words of the verdict: vaxis.decoding.clip_identity
        r = clip_identity.verdict(clips["summary"])
        rows.append(_row("3c. (control added here) valence beyond clip identity: the map on clips it never saw",
                         "not studied", r["this book"], r["rule"], r["verdict"], _data(clips["source"], r["data"])))
    return rows


def _rows_04(folder: Path) -> list[Row]:
    s = _load(folder, results.REDISCOVERY_JSON)
    if s is None:
        return []
    src, c = s.get("source"), s["count"]
    gap = s.get("gap") or []
    if not gap:
        raise KeyError("gap")
    text = "; ".join(f"over {g['control']} {g['gap']:+.3f} [{g['low']:+.3f}, {g['high']:+.3f}]" for g in gap)
    outcome = (AGREES if all(g["low"] > 0 for g in gap) else DISAGREES if any(g["high"] <= 0 for g in gap)
               else UNDECIDED)
    return [_row(CLAIMS["04"], "36 of 36 classifiers",
                 f"gap in V read-out r of the trained networks, per held-out subject: {text}; beside it, "
                 f"{c['n_rediscover']} of {c['n']} pass the exact test (BH), {c['n_holm']} with Holm",
                 "agrees if the gap's interval lies above 0 over every control (untrained, shuffled labels, raw "
                 "features); disagrees if it lies at or below 0 over any; else undecided",
                 _eeg_verdict(outcome, src, planted=True), _data(src, "real LLM positions"))]


def _rows_05(folder: Path) -> list[Row]:
    s = _load(folder, results.SATURATION_JSON)
    if s is None:
        return []
    src, mech = s["source"], s.get("mechanisms") or {}
    k = s.get("counts_by_kind", {}).get("alignment")
    if k is None:
        raise KeyError("counts_by_kind")
    ctl = s["counts_by_kind"].get("control", {})
    n = sum(k.values())
    hurt, undecided, helped = k.get("hurt", 0), k.get("undecided", 0), k.get("helped", 0)
    text = (", ".join(f"{k.get(v, 0)} {v}" for v in ("helped", "equivalent", "undecided", "hurt"))
            + f" of {n} alignment losses; controls counted apart: "
            + ", ".join(f"{ctl.get(v, 0)} {v}" for v in ("helped", "equivalent", "undecided", "hurt"))
            + f" of {sum(ctl.values())} ({s.get('profile')} profile")
    power = sweep_power(folder)
    if len(power.columns):
        col = power.iloc[:, 0]
        text += (f", {int(col['held-out subjects'])} held-out subjects: smallest difference detectable "
                 f"{col['detectable difference (80%)']:.3f}")
    text += ")"
    share = STUDY_HURT[0] / STUDY_HURT[1]
    none_helped = AGREES if helped == 0 and undecided == 0 else DISAGREES if helped > 0 else UNDECIDED
    most_hurt = AGREES if hurt >= share * n else DISAGREES if hurt + undecided < share * n else UNDECIDED
    data = _data(src, "real LLM targets")
    return [_row(CLAIMS["05"] + ": none helps", "0 of 25 helped", text,
                 "agrees if no alignment loss helped and none is undecided; disagrees if any helped; else undecided",
                 _eeg_verdict(none_helped, src, missing=NO_WITHIN_CLASS_INFORMATION, mechanisms=mech), data),
            _row("5b. ... and most hurt", "16 of 25 hurt (64%)",
                 f"{hurt} of {n} alignment losses hurt ({hurt / max(n, 1):.0%}); at most {hurt + undecided} if every "
                 "undecided one hurt",
                 "agrees if at least 64% hurt; disagrees if fewer would even with every undecided one; "
                 "else undecided", _eeg_verdict(most_hurt, src, missing=NO_WITHIN_CLASS_INFORMATION,
                                                mechanisms=mech), data)]


def _rows_06(folder: Path) -> list[Row]:
    s = _load(folder, results.ENSEMBLING_JSON)
    if s is None or "faced" not in s:
        return []
    rows = []
    for name, label in (("faced", "FACED"), ("seedv", "SEED-V")):
        if name not in s:
            continue
        r, src, mech = s[name]["relative"], s[name].get("source"), s[name].get("mechanisms") or {}
        book = (f"{label}: {percent_interval(r)} over {r['baseline_name']}"
                + (f", {r['n_subjects']} test subjects" if "n_subjects" in r else ""))
        direction = verdicts.interval_outcome(r["low"], r["high"])
        rows.append(_row(CLAIMS["06"] + f" ({label})", "+10.5% on FACED" if name == "faced" else "qualitative",
                         book, "agrees if the relative gain's interval lies above 0; disagrees if at or below 0; "
                               "else undecided",
                         _eeg_verdict(direction, src, missing=NO_WITHIN_CLASS_INFORMATION, mechanisms=mech),
                         _data(src)))
        if name == "faced":
            size = (DISAGREES if r["high"] < STUDY_GAIN or r["low"] > STUDY_GAIN else
                    AGREES if r["low"] > 0 else UNDECIDED)
            rows.append(_row("6b. ... by about the study's +10.5%", "+10.5% on FACED", book,
                             "agrees if the interval holds +10.5% and excludes 0; disagrees if it excludes +10.5%; "
                             "else undecided",
                             _eeg_verdict(size, src, missing=NO_WITHIN_CLASS_INFORMATION, mechanisms=mech),
                             _data(src)))
    return rows


def _outcome_order(result: str) -> tuple[int, str]:
    order = verdicts.PREDICTION_OUTCOMES
    return (order.index(result) if result in order else len(order), result)


def _rows_07(folder: Path) -> list[Row]:
    s = _load(folder, results.PHASE_JSON)
    if s is None:
        return []
    if "regime" not in s:
        raise KeyError("regime")
    preds = pd.DataFrame(s["predictions"])
    tally = preds.result.value_counts()
    book = (f"{len(preds)} predictions written before the grid ran: "
            + ", ".join(f"{int(tally[r])} {r}" for r in sorted(tally.index, key=_outcome_order))
            + f" ({s.get('profile')} profile)")
    where = "; ".join(s["regime"])
    return [_row(CLAIMS["07"], "qualitative (the study's explanation)", book,
                 "the grid points where every manipulation check passes, no loss helps, at least three of five "
                 "hurt and the residual-diversity ensemble gains at least 5% (interval above 0)",
                 verdicts.regime(where), "simulated EEG only (mechanisms planted by the generator)")]


ROWS: dict[str, Callable[[Path], list[dict[str, str]]]] = {
    "01": _rows_01, "02": _rows_02, "03": _rows_03, "04": _rows_04, "05": _rows_05, "06": _rows_06,
    "07": _rows_07}


def chapter_rows(folder: Path, chapter: str) -> pd.DataFrame:
    """The scorecard rows of one chapter (``"01"``..``"07"``) from the results in ``folder``."""
    claim = CLAIMS[chapter]
    try:
        rows = ROWS[chapter](Path(folder)) or [_row(claim, "", "not run", "", verdicts.NOT_RUN, "")]
    except KeyError as missing:  # a result file from an older or partial run: say so, never fail the run
        rows = [_row(claim, "", f"incomplete: the result file lacks {missing}; re-run chapter {chapter}", "",
                     verdicts.NOT_RUN, "")]
    return FullText(rows, columns=COLUMNS)


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
    """Write the scorecard of ``results/<profile>/`` to ``book/chapters/scorecard.md`` (a page of the book)."""
    folder = io.results_dir(profile)
    root = root or root_dir()
    out = root / "book" / "chapters" / "scorecard.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = ("# This run's scorecard\n\n"
            f"Built from the result files of the `{profile}` profile when the chapters of this site ran; the "
            "rules and the vocabulary of the verdicts are those of [What the book has shown](../findings).\n\n"
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
            "subject-level outcome (paired test)": r.get("verdict", "?"),
            "methods worse / better (q < 0.05)": f"{int(((t.q < 0.05) & (t.diff_vs_residual < 0)).sum())} / "
                                                 f"{int(((t.q < 0.05) & (t.diff_vs_residual > 0)).sum())}",
        }
    return FullText(out)


__all__ = ["CLAIMS", "COLUMNS", "STUDY_HURT", "chapter_rows", "ensemble_summary", "markdown", "profile_subjects",
           "table", "write"]
