"""Tiny synthetic inputs for every figure of :mod:`vaxis.plots` (tests/test_figures.py).

:data:`CASES` maps each public figure function's name to a builder ``source -> Figure`` that calls
it on small made-up tables shaped like the chapters' (nothing is computed or read from disk), and
:data:`EEG` names the figures drawn from EEG (their ``source`` is a dataset's own label, so they are
tried with a simulated and a real one). A new figure function needs an entry here: the test that
enumerates :mod:`vaxis.plots` fails without it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pandas as pd

from vaxis import plots, stats
from vaxis.decoding.ensembles import METHODS
from vaxis.eeg.montage import BANDS, FACED_CATEGORIES, FACED_EEG_CHANNELS

RNG_SEED = 0
CATS = list(FACED_CATEGORIES)
MODELS = ["Tiny-A", "Tiny-B", "Tiny-C"]


def _rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def _positions() -> dict[str, float]:
    return {c: float(x) for c, x in zip(CATS, np.linspace(-1.0, 1.0, len(CATS)))}


def _specificity() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A controls table (vaxis.llm.specificity.controls_table's columns) and random rhos per model."""
    rows = {}
    for i, m in enumerate(MODELS):
        rho, pc = 0.7 + 0.03 * i, 0.72 - 0.02 * i
        rows[m] = {"rho": rho, "low": rho - 0.04, "high": rho + 0.04, "pc_rho": pc, "n_random": 50,
                   "diff": rho - pc, "diff_low": rho - pc - 0.04, "diff_high": rho - pc + 0.04,
                   **{f"{h}{k}": v + d for h, v in (("common", rho + 0.02), ("rare", rho - 0.05))
                      for k, d in (("", 0.0), ("_low", -0.05), ("_high", 0.05))}}
    rng = _rng()
    return pd.DataFrame.from_dict(rows, orient="index"), {m: rng.uniform(-0.6, 0.6, 50) for m in MODELS}


def _sentence_table() -> pd.DataFrame:
    """vaxis.llm.transfer.transfer_table's columns for three models and two benchmarks."""
    rows = []
    for i, m in enumerate(MODELS):
        for j, b in enumerate(["tweets", "movie_reviews"]):
            v = {"rho": 0.3 + 0.1 * i, "vader": 0.8 - 0.4 * j, "pc": 0.2 + 0.05 * i, "ceiling": 0.6 + 0.05 * i,
                 "word": 0.6 + 0.05 * i}
            rows.append({"model": m, "benchmark": b, "n_test": 100, "random_p95": 0.3,
                         **{f"{k}{suf}": x + d for k, x in v.items() for suf, d in (("", 0), ("_low", -0.1), ("_high", 0.1))}})
    return pd.DataFrame(rows).set_index(["model", "benchmark"])


def _profile() -> pd.DataFrame:
    rows = [{"split": "dev", "template": t, "pooling": p, "construction": c, "layer": layer,
             "rho": 0.1 * layer - 0.02 * i}
            for t in ("plain", "sentence") for i, (p, c) in enumerate([("mean", "diff_means"), ("last", "pca")])
            for layer in range(6)]
    return pd.DataFrame(rows)


def _matrix() -> pd.DataFrame:
    m = np.array([[1.0, 0.8, 0.6], [0.8, 1.0, 0.7], [0.6, 0.7, 1.0]])
    return pd.DataFrame(m, index=MODELS, columns=MODELS)


def _weights() -> tuple[np.ndarray, list[str], list[str], np.ndarray]:
    channels, bands = list(FACED_EEG_CHANNELS), list(BANDS)
    planted = _rng().standard_normal((len(channels), len(bands)))
    weights = (planted + 0.5 * _rng().standard_normal(planted.shape)).ravel()
    return weights, channels, bands, planted


def _map_result() -> SimpleNamespace:
    rng = _rng()
    pos = _positions()
    pred = pd.DataFrame([{"subject": f"s{s}", "category": c, "target": pos[c],
                          "prediction": 0.5 * pos[c] + 0.2 * rng.standard_normal()}
                         for s in range(4) for c in CATS for _ in range(3)])
    return SimpleNamespace(per_subject=pd.DataFrame({"r": rng.uniform(-0.2, 0.8, 12)}),
                           null=rng.normal(0, 0.1, 500), mean_r=0.4, predictions=pred)


def _ensemble_comparison() -> SimpleNamespace:
    methods = ["residual_diverse", "all_members", "best_single", "de_svm", "de_logreg"]
    curves = pd.DataFrame([{"method": m, "size": k, "test_bacc": 0.3 + 0.01 * k - 0.01 * i,
                            "ci_low": 0.25 + 0.01 * k - 0.01 * i, "ci_high": 0.35 + 0.01 * k - 0.01 * i}
                           for i, m in enumerate(methods[:3]) for k in range(1, 7)])
    table = pd.DataFrame([{"method": m, "name": METHODS[m][0], "kind": METHODS[m][1], "size": 3.0,
                           "bacc": 0.3, "ci_low": 0.26, "ci_high": 0.34} for m in methods]).set_index("method")
    rng = _rng()
    diversity = pd.DataFrame({"prediction_div": rng.uniform(0, 0.5, 30), "residual_div": rng.uniform(0, 1, 30),
                              "same_arch": np.arange(30) % 2 == 0})
    return SimpleNamespace(curves=curves, table=table, diversity=diversity)


def _effects() -> tuple[pd.DataFrame, pd.DataFrame]:
    grid = [(c, w) for c in (0.0, 0.5, 1.0) for w in (0.0, 0.5)]
    verdicts = ["helped", "equivalent", "undecided", "hurt"]
    effects = pd.DataFrame([{"plane": "A", "arm": "fixed", "strategy": s, "congruence": c, "within_class": w,
                             "mean_diff": 0.01 * (i - 1) + 0.005 * c, "verdict": verdicts[(i + j) % 4]}
                            for i, s in enumerate(["rsa", "cka"]) for j, (c, w) in enumerate(grid)])
    ensembles = pd.DataFrame([{"plane": "A", "congruence": c, "within_class": w, "gain": 0.002 * j,
                               "verdict": "equivalent"} for j, (c, w) in enumerate(grid)])
    return effects, ensembles


def _comparison() -> pd.DataFrame:
    names = ["rsa", "cka", "procrustes", "infonce"]
    df = pd.DataFrame({"strategy": names, "mean_diff": [0.01, -0.005, 0.0, -0.02],
                       "ci_low": [-0.005, -0.02, -0.01, -0.04], "ci_high": [0.025, 0.01, 0.01, -0.001],
                       "verdict": ["undecided", "equivalent", "equivalent", "hurt"],
                       "basin_share": [0.2, 0.5, 0.7, 0.9]})
    df.attrs["margin"] = 0.02
    return df


def _runs() -> dict[str, SimpleNamespace]:
    profile = _profile()
    return {m: SimpleNamespace(profile=profile, n_layers=5 + i,
                               choice={"template": "plain", "pooling": "mean", "construction": "diff_means", "layer": 3})
            for i, m in enumerate(MODELS)}


def _participants() -> pd.DataFrame:
    pos = _positions()
    v = pd.Series({c: 3.5 + 2 * x for c, x in pos.items()})
    return pd.DataFrame({"valence": v, "valence_low": v - 0.2, "valence_high": v + 0.2})


def _clips() -> pd.DataFrame:
    rng = _rng()
    cats = [c for c in CATS for _ in range(3)]
    return pd.DataFrame({"category": cats, "valence": rng.uniform(1, 6, len(cats)),
                         "valence_sd": rng.uniform(0.5, 1.5, len(cats)), "arousal": rng.uniform(1, 6, len(cats)),
                         "arousal_sd": rng.uniform(0.5, 1.5, len(cats))})


def _targets() -> tuple[pd.DataFrame, pd.DataFrame]:
    names = ["V-axis (LLM)", "ternary split", "participants' valence"]
    table = pd.DataFrame({"mean_r": [0.5, 0.55, 0.45], "low": [0.4, 0.45, 0.35], "high": [0.6, 0.65, 0.55],
                          "best": [False, True, False]}, index=names)
    per = pd.DataFrame(_rng().uniform(0.2, 0.8, (10, 3)), columns=names)
    return table, per


def _accuracy() -> tuple[pd.DataFrame, pd.DataFrame]:
    archs = ["mlp", "eegnet", "dgcnn"]
    acc = pd.DataFrame({"balanced_accuracy": [0.3, 0.32, 0.28], "ci_low": [0.27, 0.29, 0.25],
                        "ci_high": [0.33, 0.35, 0.31]}, index=archs)
    per_fold = pd.DataFrame({"arch": np.repeat(archs, 5), "balanced_accuracy": _rng().uniform(0.25, 0.35, 15)})
    return acc, per_fold


def _clip_map() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A vaxis.decoding.clip_identity.map_table result: two targets, ten subjects, both sets of clips."""
    names = ["V-axis (LLM)", "participants' valence"]
    rng = _rng()
    per = pd.DataFrame({(n, ev): rng.uniform(-0.2, 0.8, 10) for n in names for ev in ("same clips", "held-out clips")})
    table = pd.DataFrame({n: {"same_r": 0.5, "same_low": 0.4, "same_high": 0.6, "held_r": 0.3, "held_low": 0.2,
                              "held_high": 0.4, "p_held": 0.01 if i == 0 else np.nan} for i, n in enumerate(names)}).T
    return table, per


def _clip_readout() -> pd.DataFrame:
    rows = [{"arch": a, "seed": s, "kind": k, "evaluation": ev, "mean_r": 0.4 - 0.2 * j - 0.1 * i, "p": 0.01 + 0.05 * j}
            for i, k in enumerate(["trained", "raw features"]) for a in ["mlp", "eegnet"] for s in (0, 1)
            for j, ev in enumerate(["same clips", "held-out clips"])]
    return pd.DataFrame(rows)


def _clip_ensembles() -> pd.DataFrame:
    return pd.DataFrame({"residual_diverse": [0.4, 0.25], "low": [0.35, 0.2], "high": [0.45, 0.3],
                         "strongest": ["all-members ensemble", "DE + SVM"], "strongest_bacc": [0.39, 0.26],
                         "diff": [0.01, -0.01], "diff_low": [-0.01, -0.03], "diff_high": [0.03, 0.01],
                         "verdict": ["equivalent", "undecided"]}, index=["same clips", "held-out clips"])


Builder = Callable[[str], object]

#: Figure function name -> a builder that draws it with the given ``source``.
CASES: dict[str, Builder] = {
    "layer_profile": lambda s: plots.layer_profile(_profile(), {"template": "plain", "layer": 3}, source=s),
    "category_positions": lambda s: plots.category_positions(_positions(), source=s),
    "scatter_with_ratings": lambda s: plots.scatter_with_ratings(_rng().normal(size=40), _rng().normal(size=40),
                                                                 source=s),
    "agreement_matrix": lambda s: plots.agreement_matrix(_matrix(), source=s),
    "weight_topomaps": lambda s: plots.weight_topomaps(
        *_weights()[:3], source=s, **({"planted": _weights()[3], "agreement": stats.Estimate(0.8, 0.7, 0.9)}
                                      if s.startswith("simulated") else {})),
    "null_histogram": lambda s: plots.null_histogram(_rng().normal(size=300), 2.0, "mean r", source=s),
    "rating_scatters": lambda s: plots.rating_scatters({"VADER test words": (_rng().normal(size=30),
                                                                              _rng().normal(size=30)),
                                                        "AFINN words": (_rng().normal(size=20),
                                                                        _rng().normal(size=20))}, source=s),
    "model_agreement_with_ratings": lambda s: plots.model_agreement_with_ratings(
        pd.DataFrame({"rho test": [0.6, 0.7, 0.5], "CI low": [0.5, 0.6, 0.4], "CI high": [0.7, 0.8, 0.6]},
                     index=MODELS), source=s),
    "sentence_transfer": lambda s: plots.sentence_transfer(_sentence_table(), source=s),
    "word_vs_sentence": lambda s: plots.word_vs_sentence(
        _sentence_table(), pd.DataFrame({"models": [3, 3], "rho": [1.0, 0.5], "p": [1 / 6, 0.5]},
                                        index=["tweets", "movie_reviews"]), source=s),
    "agreement_matrices": lambda s: plots.agreement_matrices({"categories": _matrix(), "words": _matrix()}, source=s),
    "map_summary": lambda s: plots.map_summary(_map_result(), source=s),
    "random_directions": lambda s: plots.random_directions(
        _rng().uniform(-0.6, 0.6, 200), 0.7,
        pd.DataFrame({"component": [1, 2], "test_rho": [0.65, 0.2], "chosen": [True, False]}), source=s),
    "frequency_split": lambda s: plots.frequency_split(
        {m: pd.DataFrame({"rho": [0.7, 0.5], "low": [0.6, 0.4], "high": [0.8, 0.6], "zipf_min": [4.0, 1.5],
                          "zipf_max": [7.0, 4.0]}, index=["common", "rare"]) for m in MODELS[:2]}, source=s),
    "target_comparison": lambda s: plots.target_comparison(*_targets(), s),
    "accuracy_by_architecture": lambda s: plots.accuracy_by_architecture(*_accuracy(), chance=1 / 9, source=s),
    "rediscovery": lambda s: plots.rediscovery(pd.DataFrame({
        "arch": np.repeat(["mlp", "eegnet"], 6), "kind": np.tile(np.repeat(["trained", "shuffled labels"], 3), 2),
        "mean_r": _rng().uniform(-0.1, 0.6, 12)}), source=s),
    "class_means_on_readout": lambda s: plots.class_means_on_readout(pd.DataFrame(
        {"v_position": list(_positions().values()), "mean": np.linspace(-0.5, 0.5, 9), "sem": 0.1}, index=CATS),
        source=s),
    "strategy_effects": lambda s: plots.strategy_effects(_comparison(), source=s),
    "basin_share_vs_effect": lambda s: plots.basin_share_vs_effect(_comparison(), source=s),
    "schedule_effects": lambda s: plots.schedule_effects(_comparison().set_index("strategy"),
                                                         _comparison().set_index("strategy"), source=s),
    "phase_diagram": lambda s: plots.phase_diagram(*_effects(), "A", source=s),
    "verdict_map": lambda s: plots.verdict_map(pd.DataFrame(
        {"helped": [1, 0, 2], "equivalent": [3, 4, 2], "undecided": [1, 1, 1], "hurt": [0, 0, 0]},
        index=pd.MultiIndex.from_tuples([("A", "c=0"), ("A", "c=0.5"), ("B", "w=1")])), source=s),
    "ensemble_curves": lambda s: plots.ensemble_curves(_ensemble_comparison(), "tiny cohort", chance=1 / 9, source=s),
    "ensemble_diversity": lambda s: plots.ensemble_diversity(_ensemble_comparison(), source=s),
    "positions_vs_participants": lambda s: plots.positions_vs_participants(
        {m: _positions() for m in MODELS[:2]}, _participants(), source=s),
    "clip_ratings": lambda s: plots.clip_ratings(_clips(), source=s),
    "clip_holdout_map": lambda s: plots.clip_holdout_map(*_clip_map(), source=s),
    "clip_holdout_readout": lambda s: plots.clip_holdout_readout(_clip_readout(), source=s),
    "clip_holdout_ensembles": lambda s: plots.clip_holdout_ensembles(_clip_ensembles(), source=s),
    "layer_profiles": lambda s: plots.layer_profiles(_runs(), source=s),
    "specificity_controls": lambda s: plots.specificity_controls(*_specificity(), source=s),
    "verdict_overview": lambda s: plots.verdict_overview(pd.DataFrame({
        "claim": ["1. An axis", "3. A map", "5. Saturation", "7. Beyond"],
        "verdict": ["agrees", "pipeline check: recovers what was planted",
                    "not testable on this cohort (by construction: no label information inside a category)",
                    "where the generator produces it: nowhere in this grid"],
        "data": ["recorded: real LLMs", "simulated EEG (simulated-faced)", "simulated EEG (simulated-faced)",
                 "simulated EEG only"]}), source=s),
}

#: Figures drawn from EEG: their source is a dataset's label ("simulated-..." or a real release).
EEG = {"weight_topomaps", "map_summary", "target_comparison", "accuracy_by_architecture", "rediscovery",
       "class_means_on_readout", "strategy_effects", "basin_share_vs_effect", "schedule_effects",
       "phase_diagram", "verdict_map", "ensemble_curves", "ensemble_diversity", "clip_holdout_map",
       "clip_holdout_readout", "clip_holdout_ensembles"}

#: The sources each kind of figure is tried with.
EEG_SOURCES = ("simulated-faced", "faced")
OTHER_SOURCES = (plots.llm_source(MODELS[:2]), plots.PARTICIPANTS_SOURCE)
