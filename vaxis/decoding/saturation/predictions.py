"""The predictions of ``book/saturation_predictions_2.md`` (second edition), scored on chapter 7's grid.

The rules below implement that page, committed before any grid point of the second edition was
trained; changing a rule after seeing results would defeat its purpose. (The first edition's
twelve predictions and their score stay on ``book/saturation_predictions.md``; the code that scored
them is in the project's history.) Each prediction gets one of the four outcomes of
:data:`vaxis.verdicts.PREDICTION_OUTCOMES`:

- *not tested (manipulation failed)* when a knob it needs failed its check (:mod:`~.checks`) at a
  point it uses, or its plane, values or arm are not in the run's grid;
- *not tested (underpowered)* when the design cannot detect its smallest effect
  (:data:`SMALLEST_EFFECT`); the detectable effect is printed;
- otherwise *held* or *failed* by its rule. Directional contrasts (R3, R5-R9, R11, R12) form one
  Benjamini-Hochberg family; a contrast holds when its q < alpha with the predicted sign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import stats
from ...verdicts import FAILED, HELD, NOT_TESTED_MANIPULATION, NOT_TESTED_POWER
from . import checks, comparisons
from .comparisons import Contrast
from .phase import PhaseResults

GEOMETRY_LOSSES = ("kd_t2", "rsa_pearson", "supcon_llm")
PROTOTYPE_LOSSES = ("kd_t2", "supcon_llm")
V_ONLY_LOSSES = ("v_regression", "topo_sheet_1d")
#: Every prediction's smallest effect (balanced accuracy), fixed in advance.
SMALLEST_EFFECT = 0.02
#: The study's regime: at least this many of the five losses hurt (fixed arm) ...
REGIME_MIN_HURT = 3
#: ... and the residual-diversity ensemble's relative gain over the strongest other ensemble at least this.
REGIME_MIN_GAIN = 0.05
#: The study's gain (R10: never reached).
STUDY_GAIN = 0.10


@dataclass
class Outcome:
    """One prediction's outcome, its evidence in words and the detectable effect where it decided."""

    outcome: str
    evidence: str
    detectable: float = float("nan")
    contrast: Contrast | None = None
    sign: int = 0  # predicted sign of a directional contrast (scored after the family's correction)


def _not_in_grid(what: str) -> Outcome:
    return Outcome(NOT_TESTED_MANIPULATION, f"not in this run's grid: {what}")


class _Grid:
    """Look-ups on one :class:`~.phase.PhaseResults`."""

    def __init__(self, res: PhaseResults) -> None:
        self.res, self.s = res, res.settings
        self.checked = res.check_table

    def cohorts(self, plane: str, **values: float) -> list[int]:
        p = self.res.points[self.res.points.plane == plane]
        for k, v in values.items():
            p = p[np.isclose(p[k].astype(float), v)]
        return sorted(set(p.cohort))

    def values(self, plane: str, knob: str) -> list[float]:
        p = self.res.points[self.res.points.plane == plane]
        return sorted(set(p[knob].astype(float))) if len(p) else []

    def failed_checks(self, cohorts: Sequence[int]) -> list[str]:
        t = self.checked[self.checked.cohort.isin(list(cohorts)) & ~self.checked.passed.astype(bool)]
        return sorted({f"{r.point} ({r.knob})" for r in t.itertuples()})

    def losses(self, cohort: int, strategies: Sequence[str], arm: str = "fixed",
               column: str = "diff") -> tuple[float, np.ndarray]:
        return comparisons.unit_boots(self.res.diffs, cohort, strategies, arm, self.s["n_boot"], self.s["seed"], column)

    def baseline(self, cohort: int) -> tuple[float, np.ndarray]:
        return self.losses(cohort, [self.s["losses"][0]], "fixed", "baseline_bacc")

    def ensemble(self, cohort: int) -> tuple[float, np.ndarray]:
        u = self.res.ensemble_units[self.res.ensemble_units.cohort == cohort]
        w = u.pivot_table(index=["draw", "fold", "subject"], columns="method", values="bacc").reset_index()
        d = (w["residual_diverse"] - w["all_members"]).to_numpy()
        return float(d.mean()), comparisons.boots_of(d, w, comparisons.FOLDS, self.s["n_boot"],
                                                     [self.s["seed"], cohort, 77])

    def mean_over(self, plane: str, knob: str, value: float, other: str, fn: Callable[[int], tuple[float, np.ndarray]]
                  ) -> list[tuple[float, tuple[float, np.ndarray]]] | None:
        """Terms of the mean over the plane's other knob of ``fn`` at ``knob == value``."""
        others = self.values(plane, other)
        cs = [self.cohorts(plane, **{knob: value, other: o}) for o in others]
        if not others or any(len(c) != 1 for c in cs):
            return None
        return [(1.0 / len(others), fn(c[0])) for c in cs]


def _ends(g: _Grid, plane: str, knob: str) -> tuple[float, float] | None:
    v = g.values(plane, knob)
    return (v[0], v[-1]) if len(v) >= 2 else None


def _other(g: _Grid, plane: str, knob: str) -> str | None:
    p = g.res.points[g.res.points.plane == plane]
    if p.empty:
        return None
    axes = {p.x_knob.iloc[0], p.y_knob.iloc[0]}
    rest = sorted(axes - {knob})
    return rest[0] if rest else None


def _contrast_across(g: _Grid, plane: str, knob: str, fn: Callable[[int], tuple[float, np.ndarray]],
                     sign: int, what: str, low: float | None = None, high: float | None = None) -> Outcome:
    """``mean_other fn(knob = high) - mean_other fn(knob = low)`` on ``plane``, predicted ``sign``."""
    ends = _ends(g, plane, knob)
    other = _other(g, plane, knob)
    if ends is None or other is None:
        return _not_in_grid(f"plane {plane} with two values of {knob}")
    lo, hi = low if low is not None else ends[0], high if high is not None else ends[1]
    terms_hi, terms_lo = g.mean_over(plane, knob, hi, other, fn), g.mean_over(plane, knob, lo, other, fn)
    if terms_hi is None or terms_lo is None:
        return _not_in_grid(f"plane {plane} at {knob} = {lo:g} and {hi:g} for every {other}")
    used = g.cohorts(plane, **{knob: hi}) + g.cohorts(plane, **{knob: lo})
    bad = g.failed_checks(used)
    if bad:
        return Outcome(NOT_TESTED_MANIPULATION, f"check failed at {'; '.join(bad)}")
    c = Contrast.of(terms_hi + [(-w, t) for w, t in terms_lo])
    return Outcome("", f"{what} ({knob} {hi:g} - {lo:g}): {c.describe()}", c.detectable(g.s["alpha"]), c, sign)


def _targets_contrast(g: _Grid, plane: str) -> tuple[bool, str]:
    """M-targets: agreement of the class means with the losses' targets at +1 minus at -1."""
    ch = g.res.checks
    if ch.empty or "targets" not in ch:
        return False, "no congruence check rows"
    out = []
    other = _other(g, plane, "congruence")
    for o in g.values(plane, other):
        hi, lo = g.cohorts(plane, congruence=1.0, **{other: o}), g.cohorts(plane, congruence=-1.0, **{other: o})
        if len(hi) != 1 or len(lo) != 1:
            return False, f"plane {plane} lacks congruence +1 or -1 at {other} = {o:g}"
        t = ch[ch.knob == "congruence"].groupby("cohort").targets.mean()
        out.append(float(t[hi[0]] - t[lo[0]]))
    d = float(np.mean(out))
    return d >= checks.TARGETS_MIN_CONTRAST, f"agreement with the targets +1 minus -1: {d:+.2f}"


def r_congruence(g: _Grid, strategies: Sequence[str], sign: int, what: str, by_n: bool = False) -> Outcome:
    if g.values("A", "congruence") and not {-1.0, 1.0} <= set(g.values("A", "congruence")):
        return _not_in_grid("plane A with congruence -1 and +1")
    if by_n:
        ends = _ends(g, "A", "n_subjects")
        if ends is None:
            return _not_in_grid("plane A with two numbers of subjects")

    def fn(c: int) -> tuple[float, np.ndarray]:
        return g.losses(c, strategies)

    if not by_n:
        out = _contrast_across(g, "A", "congruence", fn, sign, what, -1.0, 1.0)
    else:
        n_lo, n_hi = _ends(g, "A", "n_subjects")
        terms = []
        for n, w in ((n_lo, 1.0), (n_hi, -1.0)):
            hi, lo = g.cohorts("A", congruence=1.0, n_subjects=n), g.cohorts("A", congruence=-1.0, n_subjects=n)
            if len(hi) != 1 or len(lo) != 1:
                return _not_in_grid(f"plane A at congruence +-1 with {n:g} subjects")
            terms += [(w, fn(hi[0])), (-w, fn(lo[0]))]
        bad = g.failed_checks(g.cohorts("A", congruence=1.0) + g.cohorts("A", congruence=-1.0))
        if bad:
            return Outcome(NOT_TESTED_MANIPULATION, f"check failed at {'; '.join(bad)}")
        c = Contrast.of(terms)
        out = Outcome("", f"{what} ({n_lo:g} - {n_hi:g} subjects): {c.describe()}", c.detectable(g.s["alpha"]), c,
                      sign)
    if out.outcome or sign == 0:
        return out
    ok, words = _targets_contrast(g, "A")
    if not ok:
        return Outcome(NOT_TESTED_MANIPULATION, f"M-targets failed: {words}")
    out.evidence += f"; {words}"
    return out


def _absence(g: _Grid, cohorts: Sequence[int], what: str) -> Outcome:
    if not cohorts:
        return _not_in_grid(what)
    bad = g.failed_checks(cohorts)
    if bad:
        return Outcome(NOT_TESTED_MANIPULATION, f"check failed at {'; '.join(bad)}")
    e = g.res.effects
    e = e[e.cohort.isin(list(cohorts))].drop_duplicates(["cohort", "strategy", "arm"])
    helped = int((e.verdict == "helped").sum())
    mde = float(e.detectable.median())
    words = f"{helped} helped of {len(e)} comparisons ({what}); median detectable effect {mde:.3f}"
    if helped:
        return Outcome(FAILED, words, mde)
    if mde > SMALLEST_EFFECT:
        return Outcome(NOT_TESTED_POWER, words, mde)
    return Outcome(HELD, words, mde)


def r1(g: _Grid) -> Outcome:
    ref = g.s["reference"]
    p = g.res.points
    m = np.ones(len(p), bool)
    for k, v in ref.items():
        m &= np.isclose(p[k].astype(float), v)
    return _absence(g, sorted(set(p[m].cohort)), "the reference cohort")


def r2(g: _Grid) -> Outcome:
    p = g.res.points
    return _absence(g, sorted(set(p[p.congruence <= 0].cohort)), "congruence <= 0")


def r3(g: _Grid) -> Outcome:
    return r_congruence(g, GEOMETRY_LOSSES, +1, "geometry losses' effect")


def r4(g: _Grid) -> Outcome:
    out = r_congruence(g, V_ONLY_LOSSES, 0, "V-only losses' effect")
    if out.outcome:
        return out
    c = out.contrast
    lo, hi = c.interval(0.90)
    reach = 1.645 * c.sd
    out.detectable = reach
    out.evidence += f"; 90% interval [{lo:+.3f}, {hi:+.3f}]"
    if reach >= SMALLEST_EFFECT:
        return Outcome(NOT_TESTED_POWER, out.evidence + f"; half-width {reach:.3f} >= {SMALLEST_EFFECT}", reach, c)
    return Outcome(HELD if -SMALLEST_EFFECT < lo and hi < SMALLEST_EFFECT else FAILED, out.evidence, reach, c)


def r5(g: _Grid) -> Outcome:
    return r_congruence(g, GEOMETRY_LOSSES, +1, "R3's contrast", by_n=True)


def r6(g: _Grid) -> Outcome:
    d = g.res.diffs
    if "chosen" not in set(d.arm):
        return _not_in_grid("the chosen arm (one weight only)")
    w = d.pivot_table(index=comparisons.UNIT + ["strategy"], columns="arm", values="diff").dropna().reset_index()
    w["gap"] = w["chosen"] - w["fixed"]
    terms = []
    cohorts = sorted(set(w.cohort))
    for c in cohorts:
        per = w[w.cohort == c].groupby(["draw", "fold", "seed", "subject"], as_index=False).gap.mean()
        b = comparisons.boots_of(per.gap, per, comparisons.RUNS, g.s["n_boot"], [g.s["seed"], c, 66])
        terms.append((1.0 / len(cohorts), (float(per.gap.mean()), b)))
    c = Contrast.of(terms)
    return Outcome("", f"chosen minus fixed, mean over {len(cohorts)} cohorts and the losses: {c.describe()}",
                   c.detectable(g.s["alpha"]), c, +1)


def r7(g: _Grid) -> Outcome:
    return _contrast_across(g, "B", "multi_view", g.baseline, +1, "baseline accuracy")


def r8(g: _Grid) -> Outcome:
    return _contrast_across(g, "B", "multi_view", lambda c: g.losses(c, PROTOTYPE_LOSSES), -1,
                            "prototype losses' effect")


def r9(g: _Grid) -> Outcome:
    return _contrast_across(g, "B", "multi_view", g.ensemble, +1, "ensemble gain")


def r10(g: _Grid) -> Outcome:
    ens = g.res.ensembles.drop_duplicates("cohort")
    bad = g.failed_checks(list(ens.cohort))
    if bad:
        return Outcome(NOT_TESTED_MANIPULATION, f"check failed at {'; '.join(bad)}")
    widest = ens.loc[(ens.relative_high - ens.relative_low).idxmax()]
    words = (f"largest relative gain {ens.relative.max():+.1%}; highest upper end {ens.relative_high.max():+.1%}; "
             f"widest interval [{widest.relative_low:+.1%}, {widest.relative_high:+.1%}]")
    width = float(widest.relative_high - widest.relative_low)
    if (ens.relative_high < STUDY_GAIN).all():
        return Outcome(HELD, words, width)
    if (ens.relative_low >= STUDY_GAIN).any():
        return Outcome(FAILED, words, width)
    return Outcome(NOT_TESTED_POWER, words, width)


def r11(g: _Grid) -> Outcome:
    if not g.values("C", "clip_identity"):
        return _not_in_grid("plane C (clip identity)")
    return _contrast_across(g, "C", "clip_identity", g.baseline, +1, "baseline accuracy")


def r12(g: _Grid) -> Outcome:
    if not g.values("C", "clip_identity"):
        return _not_in_grid("plane C (clip identity)")
    return _contrast_across(g, "C", "clip_identity", lambda c: g.losses(c, PROTOTYPE_LOSSES), -1,
                            "prototype losses' effect")


def regime_points(res: PhaseResults) -> list[str]:
    """Grid points where the generator produces the study's regime: every check of the point passes,
    no loss is helped in either arm, at least :data:`REGIME_MIN_HURT` are hurt in the fixed arm, and
    the residual-diversity ensemble gains at least :data:`REGIME_MIN_GAIN` relative to the strongest
    other ensemble with the lower end of its interval above 0."""
    e, ens = res.effects, res.ensembles
    failed = set(res.check_table.loc[~res.check_table.passed.astype(bool), "cohort"]) if len(res.check_table) else set()
    out = []
    for r in ens.itertuples():
        here = e[e.point == r.point]
        hurt = int(((here.arm == "fixed") & (here.verdict == "hurt")).sum())
        helped = int((here.verdict == "helped").sum())
        if (r.cohort not in failed and helped == 0 and hurt >= REGIME_MIN_HURT and r.relative >= REGIME_MIN_GAIN
                and r.relative_low > 0):
            out.append(str(r.point))
    return out


def r13(g: _Grid) -> Outcome:
    where = regime_points(g.res)
    mde = float(g.res.effects.detectable.median())
    words = f"regime at {', '.join(where) or 'no point'}; median detectable effect of a comparison {mde:.3f}"
    if where:
        return Outcome(FAILED, words, mde)
    if mde > SMALLEST_EFFECT:
        return Outcome(NOT_TESTED_POWER, words, mde)
    return Outcome(HELD, words, mde)


#: Prediction id -> (short statement, rule), in the order of the predictions page.
PREDICTIONS: dict[str, tuple[str, Callable[[_Grid], Outcome]]] = {
    "R1": ("nothing helps the reference cohort", r1),
    "R2": ("no help without congruence", r2),
    "R3": ("congruence decides the sign for geometry losses", r3),
    "R4": ("V-only losses do not care about congruence", r4),
    "R5": ("priors matter more with fewer subjects", r5),
    "R6": ("harm grows with the weight (chosen above fixed)", r6),
    "R7": ("multi-view structure raises the baseline", r7),
    "R8": ("prototype losses hurt more with multi-view structure", r8),
    "R9": ("ensembles gain with multi-view structure", r9),
    "R10": ("never the study's 10% ensemble gain", r10),
    "R11": ("clip identity raises the baseline", r11),
    "R12": ("clip identity makes prototype losses hurt more", r12),
    "R13": ("the study's regime appears nowhere", r13),
}


def score_predictions(res: PhaseResults) -> pd.DataFrame:
    """One row per prediction: ``id``, ``prediction``, ``result`` (one of the four outcomes),
    ``evidence`` and ``detectable`` (the effect the design could detect where it decided; NaN where
    not computed). The directional contrasts are one Benjamini-Hochberg family."""
    g = _Grid(res)
    outs = {pid: rule(g) for pid, (_, rule) in PREDICTIONS.items()}
    family = [pid for pid, o in outs.items() if not o.outcome and o.contrast is not None and o.sign]
    q = stats.benjamini_hochberg(np.array([outs[pid].contrast.p for pid in family]))
    alpha = res.settings["alpha"]
    for pid, qv in zip(family, q):
        o = outs[pid]
        o.evidence += f"; q {qv:.3f}"
        if o.detectable > SMALLEST_EFFECT:
            o.outcome = NOT_TESTED_POWER
        else:
            o.outcome = HELD if qv < alpha and np.sign(o.contrast.estimate) == o.sign else FAILED
    return pd.DataFrame([{"id": pid, "prediction": PREDICTIONS[pid][0], "result": o.outcome, "evidence": o.evidence,
                          "detectable": o.detectable} for pid, o in outs.items()])


__all__ = ["GEOMETRY_LOSSES", "PREDICTIONS", "PROTOTYPE_LOSSES", "REGIME_MIN_GAIN", "REGIME_MIN_HURT",
           "SMALLEST_EFFECT", "STUDY_GAIN", "V_ONLY_LOSSES", "Outcome", "regime_points", "score_predictions"]


def _property(knob: str, value: float) -> str:
    """A knob's value in words (what the data had at a point)."""
    if knob == "congruence":
        return (f"congruence {value:+g}, the participants' category geometry" if value > 0 else
                f"congruence {value:+g}, a relabelled geometry that conflicts with the participants'")
    if knob == "multi_view":
        return f"multi-view structure ({value:g})"
    if knob == "clip_identity":
        return f"clip signatures of size {value:g}" if value else "no clip signatures"
    if knob == "n_subjects":
        return f"{value:g} subjects"
    return f"{knob} {value:g}"


def properties(res: PhaseResults, point: str) -> list[str]:
    """What the data had at ``point`` that the reference cohort has not, in words."""
    row = res.points[res.points.point == point].iloc[0]
    ref = res.settings["reference"]
    return [_property(k, float(row[k])) for k in ref if k in row and not np.isclose(float(row[k]), ref[k])]


def regime_in_words(res: PhaseResults) -> str:
    """Where the study's regime appears on this grid and which data property it needed, in words,
    from the numbers (:func:`regime_points`); where it appears nowhere, how close the grid came."""
    where = regime_points(res)
    rule = (f"no loss helped, at least {REGIME_MIN_HURT} of 5 hurt and the residual-diversity ensemble gained at "
            f"least {REGIME_MIN_GAIN:.0%} over the strongest other ensemble")
    if where:
        props = [set(properties(res, p)) for p in where]
        common = sorted(set.intersection(*props)) if props else []
        return (f"The study's regime ({rule}) appears at {len(where)} of {res.points.point.nunique()} grid points: "
                f"{'; '.join(where)}. "
                + (f"Every one of them had {'; '.join(common)}." if common else
                   "They share no data property beyond the reference cohort's."))
    e, ens = res.effects, res.ensembles
    hurt = e[(e.arm == "fixed") & (e.verdict == "hurt")].groupby("point").size()
    most = hurt.idxmax() if len(hurt) else None
    best = ens.loc[ens.relative.idxmax()]
    words = (f"The study's regime ({rule}) appears nowhere on this grid of {res.points.point.nunique()} points. "
             + (f"Most losses hurt at {most}: {int(hurt.max())} of 5; there the data had "
                + ("; ".join(properties(res, most)) or "nothing beyond the reference cohort") + ". "
                if most is not None else "No loss was hurt anywhere. ")
             + f"The largest ensemble gain was {best.relative:+.1%} [{best.relative_low:+.1%}, "
               f"{best.relative_high:+.1%}] at {best.point}.")
    return words


__all__ += ["properties", "regime_in_words"]
