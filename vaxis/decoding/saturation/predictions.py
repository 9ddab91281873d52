"""The predictions of ``book/saturation_predictions.md``, scored against chapter 7's grid.

The rules below implement that page, which was committed before any grid ran; changing a rule
after seeing results would defeat its purpose. Each prediction is *held*, *failed* or *not tested*
(its points are not in the grid, e.g. plane C in the quick profile). Effects are the fixed arm's
unless a rule says otherwise; "LLM-geometry losses" are ``kd_t2``, ``rsa_pearson`` and ``supcon_llm``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .phase import DEFAULTS, REPRESENTATIVES

GEOMETRY_LOSSES = ("kd_t2", "rsa_pearson", "supcon_llm")
PROTOTYPE_LOSSES = ("kd_t2", "supcon_llm")
V_ONLY_LOSSES = ("v_regression", "topo_sheet_1d")

Result = tuple[str, str]  # (held | failed | not tested, evidence)


def _plane(df: pd.DataFrame, plane: str) -> pd.DataFrame:
    return df[df.plane == plane]


def _ends(df: pd.DataFrame, knob: str) -> tuple[float, float] | None:
    vals = sorted(df[knob].unique())
    return (vals[0], vals[-1]) if len(vals) >= 2 else None


def _mean(df: pd.DataFrame, col: str = "mean_diff", **where: float) -> float:
    m = np.ones(len(df), bool)
    for k, v in where.items():
        m &= np.isclose(df[k].to_numpy(float), v)
    return float(df.loc[m, col].mean()) if m.any() else float("nan")


def _fixed(e: pd.DataFrame) -> pd.DataFrame:
    return e[e.arm == "fixed"]


def _baseline(e: pd.DataFrame) -> pd.DataFrame:
    return e.drop_duplicates("point")


def _verdict(ok: bool) -> str:
    return "held" if ok else "failed"


def p1(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    d = e.copy()
    for k, v in DEFAULTS.items():
        d = d[np.isclose(d[k].astype(float), v)]
    if d.empty:
        return "not tested", "no grid point at the default cohort"
    d = d.drop_duplicates(["strategy", "arm"])  # the default point may lie on several planes
    n = int((d.verdict == "helped").sum())
    return _verdict(n == 0), f"{n} helped of {len(d)} comparisons at the default point"


def p2(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    d = e[np.isclose(e.congruence, 0)].drop_duplicates(list(DEFAULTS) + ["strategy", "arm"])
    n = int((d.verdict == "helped").sum())
    return _verdict(n == 0), f"{n} helped of {len(d)} comparisons with congruence 0"


def p3(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    if set(e.arm) != {"fixed", "chosen"}:
        return "not tested", "one weight only: no chosen arm"
    hurt = e[e.verdict == "hurt"].arm.value_counts()
    hf, hc = int(hurt.get("fixed", 0)), int(hurt.get("chosen", 0))
    means = e.groupby(["point", "arm"]).mean_diff.mean().unstack()
    share = float((means["fixed"] < means["chosen"]).mean())
    return _verdict(hf >= hc and share >= 0.75), (f"hurt: fixed {hf}, chosen {hc}; fixed arm below chosen at "
                                                  f"{share:.0%} of points")


def p4(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    a = _fixed(_plane(e, "A"))
    ends = _ends(a, "congruence") if len(a) else None
    if ends is None:
        return "not tested", "plane A with two congruence values is not in the grid"
    lo, hi = ends
    ch = {s: _mean(a[a.strategy == s], congruence=hi) - _mean(a[a.strategy == s], congruence=lo)
          for s in GEOMETRY_LOSSES + V_ONLY_LOSSES}
    ok = all(ch[s] >= 0.01 for s in GEOMETRY_LOSSES) and all(abs(ch[s]) <= 0.01 for s in V_ONLY_LOSSES)
    return _verdict(ok), "change with congruence: " + ", ".join(f"{s} {v:+.3f}" for s, v in ch.items())


def p5(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    a = _plane(e, "A")
    if a.empty or _ends(a, "congruence") is None or _ends(a, "n_subjects") is None:
        return "not tested", "plane A (congruence x subjects) is not in the grid"
    (lo, hi), (n_lo, n_hi) = _ends(a, "congruence"), _ends(a, "n_subjects")
    helped = a[a.verdict == "helped"]
    only_high = bool(np.isclose(helped.congruence, hi).all())
    g = _fixed(a[a.strategy.isin(GEOMETRY_LOSSES)])
    small, large = _mean(g, congruence=hi, n_subjects=n_lo), _mean(g, congruence=hi, n_subjects=n_hi)
    return _verdict(only_high and small > large), (
        f"{len(helped)} helped, all at congruence {hi:g}: {only_high}; LLM-geometry losses at congruence {hi:g}: "
        f"{small:+.3f} with {n_lo:g} subjects, {large:+.3f} with {n_hi:g}")


def p6(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    b = _fixed(_plane(e, "B"))
    if b.empty or _ends(b, "valence_strength") is None:
        return "not tested", "plane B is not in the grid"
    (lo, hi), w0 = _ends(b, "valence_strength"), float(b.within_class.min())
    base = _baseline(b)
    b_lo, b_hi = _mean(base, "baseline_bacc", valence_strength=lo, within_class=w0), _mean(
        base, "baseline_bacc", valence_strength=hi, within_class=w0)
    v = b[b.strategy == "v_regression"]
    d_lo, d_hi = _mean(v, valence_strength=lo, within_class=w0), _mean(v, valence_strength=hi, within_class=w0)
    return _verdict(b_hi > b_lo and abs(d_hi) < abs(d_lo)), (
        f"baseline {b_lo:.3f} -> {b_hi:.3f}; v_regression effect {d_lo:+.3f} -> {d_hi:+.3f} (valence {lo:g} -> {hi:g})")


def p7(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    b = _fixed(_plane(e, "B"))
    if b.empty or _ends(b, "within_class") is None:
        return "not tested", "plane B is not in the grid"
    lo, hi = _ends(b, "within_class")
    base = _baseline(b)
    gain = _mean(base, "baseline_bacc", within_class=hi) - _mean(base, "baseline_bacc", within_class=lo)
    ch = {s: _mean(b[b.strategy == s], within_class=hi) - _mean(b[b.strategy == s], within_class=lo)
          for s in PROTOTYPE_LOSSES}
    ok = gain >= 0.02 and all(v <= -0.01 for v in ch.values())
    return _verdict(ok), (f"baseline {gain:+.3f} with within-class structure; effect change "
                          + ", ".join(f"{s} {v:+.3f}" for s, v in ch.items()))


def p8(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    b = _plane(ens, "B")
    if b.empty or _ends(b, "within_class") is None:
        return "not tested", "plane B is not in the grid"
    lo, hi = _ends(b, "within_class")
    at_lo = b[np.isclose(b.within_class, lo)]
    equiv = bool((at_lo.verdict == "equivalent").all())
    larger = _mean(b, "gain", within_class=hi) > _mean(b, "gain", within_class=lo)
    big = float(ens.relative_best.max())
    return _verdict(equiv and larger and big < 0.10), (
        f"verdicts without structure: {', '.join(at_lo.verdict)}; gain {_mean(b, 'gain', within_class=lo):+.3f} -> "
        f"{_mean(b, 'gain', within_class=hi):+.3f}; largest relative gain over the strongest other ensemble "
        f"{big:+.1%}")


def p9(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    c = _fixed(_plane(e, "C"))
    if c.empty or _ends(c, "felt_emotion") is None:
        return "not tested", "plane C (felt emotion x label noise) is not in the grid"
    lo, hi = _ends(c, "felt_emotion")
    n0 = float(c.label_noise.min())
    base = _baseline(c)
    b0, b1 = (_mean(base, "baseline_bacc", felt_emotion=f, label_noise=n0) for f in (lo, hi))
    ch = {s: _mean(c[c.strategy == s], felt_emotion=hi, label_noise=n0)
          - _mean(c[c.strategy == s], felt_emotion=lo, label_noise=n0) for s in REPRESENTATIVES.values()}
    ok = b1 < b0 and all(abs(v) < 0.01 for v in ch.values())
    return _verdict(ok), (f"baseline {b0:.3f} -> {b1:.3f}; effect changes "
                          + ", ".join(f"{s} {v:+.3f}" for s, v in ch.items()))


def p10(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    c = _fixed(_plane(e, "C"))
    if c.empty or _ends(c, "label_noise") is None:
        return "not tested", "plane C (felt emotion x label noise) is not in the grid"
    lo, hi = _ends(c, "label_noise")
    f0 = float(c.felt_emotion.min())
    base = _baseline(c)
    drop = _mean(base, "baseline_bacc", label_noise=lo, felt_emotion=f0) - _mean(
        base, "baseline_bacc", label_noise=hi, felt_emotion=f0)
    kd = c[c.strategy == "kd_t2"]
    k0, k1 = _mean(kd, label_noise=lo, felt_emotion=f0), _mean(kd, label_noise=hi, felt_emotion=f0)
    return _verdict(drop >= 0.03 and k1 > k0), f"baseline drop {drop:+.3f}; kd_t2 effect {k0:+.3f} -> {k1:+.3f}"


def regime_points(e: pd.DataFrame, ens: pd.DataFrame) -> list[str]:
    """Grid points where the generator produces the study's regime: no loss helped (either arm), at
    least three hurt at the fixed weight, and the residual-diversity ensemble gains at least 5 %
    over the best single network."""
    f = _fixed(e)
    hurt = f[f.verdict == "hurt"].groupby("point").size().reindex(ens.point, fill_value=0).to_numpy()
    helped = e[e.verdict == "helped"].groupby("point").size().reindex(ens.point, fill_value=0).to_numpy()
    regime = (hurt >= 3) & (helped == 0) & (ens.relative_best.to_numpy() >= 0.05)
    return [str(p) for p in ens.point[regime]]


def p11(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    where = regime_points(e, ens)
    return _verdict(not where), f"study's regime at {where or 'no point'}"


def p12(e: pd.DataFrame, ens: pd.DataFrame) -> Result:
    a = _fixed(_plane(e, "A"))
    if a.empty or _ends(a, "n_subjects") is None:
        return "not tested", "plane A is not in the grid"
    n_lo, n_hi = _ends(a, "n_subjects")
    a = a.assign(abs_diff=a.mean_diff.abs())
    s, l = _mean(a, "abs_diff", n_subjects=n_lo), _mean(a, "abs_diff", n_subjects=n_hi)
    return _verdict(s > l), f"mean |effect| {s:.3f} with {n_lo:g} subjects, {l:.3f} with {n_hi:g}"


#: Prediction id -> (short statement, scoring rule), in the order of the predictions page.
PREDICTIONS: dict[str, tuple[str, Callable[[pd.DataFrame, pd.DataFrame], Result]]] = {
    "P1": ("nothing helps the default cohort", p1),
    "P2": ("no help without congruence", p2),
    "P3": ("harm grows with the weight (fixed vs chosen arm)", p3),
    "P4": ("congruence raises the LLM-geometry losses, not the V-only ones", p4),
    "P5": ("help needs congruence and few subjects", p5),
    "P6": ("valence dominance: higher baseline, smaller V-loss effect", p6),
    "P7": ("within-class structure: higher baseline, prototype losses hurt more", p7),
    "P8": ("ensembles gain only with within-class structure; never the study's 10%", p8),
    "P9": ("felt emotion lowers the baseline, leaves effects", p9),
    "P10": ("label noise lowers the baseline, helps distillation", p10),
    "P11": ("the study's regime appears nowhere", p11),
    "P12": ("effects are larger with fewer subjects", p12),
}


def score_predictions(effects: pd.DataFrame, ensembles: pd.DataFrame) -> pd.DataFrame:
    """One row per prediction: ``id``, ``prediction``, ``result`` (held / failed / not tested), ``evidence``."""
    rows = []
    for pid, (text, rule) in PREDICTIONS.items():
        result, evidence = rule(effects, ensembles)
        rows.append({"id": pid, "prediction": text, "result": result, "evidence": evidence})
    return pd.DataFrame(rows)
