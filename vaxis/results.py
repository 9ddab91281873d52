"""The files chapters write for later chapters: their names, their writers and their readers.

Every result file of the book is written and read here, under a named constant; chapters call one
function per file and never spell a file name. Each chapter writes under ``results/<profile>/``
(:func:`vaxis.io.results_dir`), atomically (:mod:`vaxis.io`):

- :data:`AXIS_JSON` / :data:`AXIS_NPZ` -- chapter 1: the lead model's V-axis (chosen layer,
  pooling, construction), the nine category positions, the validation numbers, and the anchors'
  hidden states, axis direction and origin at that layer (:func:`write_axis`).
- :data:`CONSISTENCY_JSON` / :data:`CONSISTENCY_NPZ` -- chapter 2: per-model results (with each
  model's chosen layer, pooling, template and origin) and agreement statistics; each model's axis
  direction and origin at its chosen layer.
- :func:`axis_record` -- the V-axis configuration a chapter chose for one model (chapter 1 for its
  lead model, else chapter 2), as plain data; :func:`vaxis.load_axis` turns it into a
  :class:`vaxis.VAxis` that projects any text.
- :data:`SENTENCES_JSON` -- chapters 1 and 2: the V-axis's zero-shot transfer to human-rated
  sentences (:mod:`vaxis.llm.transfer`), one file per chapter (the lead model; every model).
- :data:`MAPPING_JSON` -- chapter 3: the EEG-to-V-axis map's held-out correlation, p-value, controls.
- :data:`REDISCOVERY_JSON` -- chapter 4: the fold definition and training configuration of the 36
  label-only classifiers (so chapters 5-6 train the same baseline, from the engine's cache), their
  balanced accuracy and V read-out per network, and the controls.
- :data:`SATURATION_JSON` (and the task store :data:`SWEEP_STORE`) -- chapter 5: every strategy's
  effect and verdict, the diagnostics, each training schedule.
- :data:`ENSEMBLING_JSON` -- chapter 6: every method's accuracy per cohort, curves, sizes.
- :data:`PHASE_JSON` -- chapter 7: the grid's verdicts, its ensembles and the predictions scored.
- :data:`CLIP_IDENTITY_JSON` -- chapters 3, 4 and 6, one file each: the held-out-clips test
  (:mod:`vaxis.decoding.clip_identity`), its split and tables; chapter 3's also the numbers of the
  verdict "valence beyond clip identity".

The writers take the chapters' result objects and read them by attribute (duck typing), so this
module depends on nothing but :mod:`vaxis.io` and :mod:`vaxis.stats`: every side of the package may
read results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import io, stats
from ._checks import VaxisDataError, VaxisInputError

AXIS_JSON = "01_axis.json"
AXIS_NPZ = "01_axis.npz"
CONSISTENCY_JSON = "02_consistency.json"
CONSISTENCY_NPZ = "02_consistency.npz"
MAPPING_JSON = "03_mapping.json"
REDISCOVERY_JSON = "04_rediscovery.json"
SATURATION_JSON = "05_saturation.json"
#: Folder of chapter 5's sweep tasks (one file per finished task, :mod:`vaxis.decoding.sweep`).
SWEEP_STORE = "05_sweep_store"
ENSEMBLING_JSON = "06_ensembling.json"


# ----------------------------------------------------------------------------- chapter 1
def save_axis(folder: str | Path, summary: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write chapter 1's two files (npz first, json last: the json marks the pair complete)."""
    folder = Path(folder)
    io.save_npz(folder / AXIS_NPZ, **arrays)
    return io.save_json(Path(folder) / AXIS_JSON, summary)


def write_axis(folder: str | Path, *, profile: str, lead: Any, anchor_texts: Sequence[str],
               anchor_categories: Sequence[str], test_items: Sequence[str], n_items: int, n_afinn: int,
               templates: Sequence[str], seed: int) -> Path:
    """Chapter 1's results from its :class:`vaxis.llm.validation.ModelValidation` ``lead``."""
    summary = {"profile": profile, "lead": lead.summary(), "anchors": dict(zip(anchor_categories, anchor_texts)),
               "n_items": n_items, "n_afinn": n_afinn, "templates": templates, "seed": seed,
               "origin": lead.meta.get("origin")}
    return save_axis(folder, summary, {
        "anchor_vectors": lead.anchor_vectors, "anchor_categories": np.array(anchor_categories),
        "direction": lead.direction, "origin": lead.origin,
        "test_positions": lead.test_positions, "test_items": np.asarray(test_items),
    })


def load_axis(folder: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read chapter 1's results ``(summary, arrays)``; a missing file says to run chapter 01 first.

    For a usable axis (texts in, positions out) see :func:`vaxis.load_axis`.
    """
    folder = Path(folder)
    summary = io.load_json(Path(folder) / AXIS_JSON, producer="01_axis_construction")
    arrays = io.load_npz(folder / AXIS_NPZ, producer="01_axis_construction")
    return summary, arrays


def category_positions(folder: str | Path) -> dict[str, float]:
    """The lead model's V-axis position of each emotion category (chapter 1)."""
    folder = Path(folder)
    summary, _ = load_axis(folder)
    pos = summary.get("lead", {}).get("category_positions")
    if not pos:
        raise VaxisDataError(f"{folder / AXIS_JSON} has no lead.category_positions; re-run chapter 01.")
    return {k: float(v) for k, v in pos.items()}


def category_vectors(folder: str | Path) -> dict[str, np.ndarray]:
    """Mean anchor hidden state per category (lead model, chosen layer) from chapter 1."""
    _, arrays = load_axis(folder)
    cats = arrays["anchor_categories"].astype(str)
    vecs = arrays["anchor_vectors"]
    return {c: vecs[cats == c].mean(axis=0) for c in dict.fromkeys(cats)}


def anchor_sentences(folder: str | Path, categories: Sequence[str]) -> list[str]:
    """The anchor sentence of each of ``categories`` that chapter 1 used (one per category)."""
    summary, _ = load_axis(folder)
    anchors = summary.get("anchors") or {}
    missing = [c for c in categories if c not in anchors]
    if missing:
        raise VaxisDataError(f"Chapter 1's results lack anchors for the categories {missing}; re-run chapter 01.")
    return [anchors[c] for c in categories]


# ----------------------------------------------------------------------------- chapter 2
def write_consistency(folder: str | Path, *, profile: str, models: Sequence[str], runs: Mapping[str, Any],
                      category: tuple[float, float, int, Any], item: tuple[float, float, int, Any],
                      controls: Any = None) -> Path:
    """Chapter 2's results: per-model summaries, and the two agreements.

    ``category`` is ``(mean_rho, p, n_perm, matrix)`` of the nine category positions, ``item`` is
    ``(mean_rho, p, n_null, matrix)`` of the held-out word positions (matrices as DataFrames);
    ``controls`` the per-model specificity controls (:func:`vaxis.llm.specificity.controls_table`).
    """
    (cat_rho, cat_p, n_perm, cat_matrix), (item_rho, item_p, n_null, item_matrix) = category, item
    folder = Path(folder)
    names = list(runs)
    io.save_npz(folder / CONSISTENCY_NPZ, models=np.array(names),
                **{f"direction_{i}": runs[n].direction for i, n in enumerate(names)},
                **{f"origin_{i}": runs[n].origin for i, n in enumerate(names)})
    return io.save_json(Path(folder) / CONSISTENCY_JSON, {
        "profile": profile, "models": list(models),
        "per_model": {n: {**r.summary(), "origin": r.meta.get("origin")} for n, r in runs.items()},
        "category_agreement": {"mean_rho": cat_rho, "p": cat_p, "n_perm": n_perm,
                               "matrix": cat_matrix.round(4).to_dict()},
        "item_agreement": {"mean_rho": item_rho, "p": item_p, "n_null": int(n_null),
                           "matrix": item_matrix.round(4).to_dict()},
        "controls": {} if controls is None else {
            m: {k: (float(v) if isinstance(v, (int, float, np.floating, np.integer)) else v) for k, v in row.items()}
            for m, row in controls.to_dict("index").items()},
    })


def axis_record(folder: str | Path, model: str | None = None) -> dict[str, Any]:
    """The V-axis configuration the chapters chose for ``model``, as plain data.

    Chapter 1's lead model (``model=None`` means it) comes from chapter 1's files, any other model
    from chapter 2's. Returns a dict with ``model``, ``chapter``, ``layer``, ``pooling``,
    ``construction``, ``template`` (a template name such as ``"feel"`` or a string with ``{w}``),
    ``origin`` (``"neutral"`` or ``"mean"``), ``anchors`` (category -> sentence, chapter 1's),
    ``n_layers``, ``category_positions`` (category -> position) and,
    when the chapter recorded them, ``direction`` and ``origin_vector`` (float64 arrays of shape
    ``(hidden_size,)``; ``None`` otherwise).

    Raises
    ------
    VaxisDataError
        The chapters have not run for this results folder, or did not use ``model`` (the message lists
        the models they did use and the command that runs them).
    """
    folder = Path(folder)
    summary, arrays = load_axis(folder)
    lead = summary.get("lead", {})
    anchors = dict(summary.get("anchors") or {})
    if model is None or model == lead.get("model"):
        choice = lead.get("choice") or {}
        if "layer" not in choice:
            raise VaxisDataError(f"{folder / AXIS_JSON} has no lead.choice; re-run chapter 01.")
        origin = summary.get("origin") or _origin_name(arrays)
        return {"model": lead["model"], "chapter": "01", **_choice(choice), "origin": origin, "anchors": anchors,
                "n_layers": int(lead.get("n_layers", -1)), "category_positions": lead.get("category_positions", {}),
                "direction": np.asarray(arrays["direction"], np.float64),
                "origin_vector": np.asarray(arrays["origin"], np.float64)}
    path = folder / CONSISTENCY_JSON
    per_model = io.load_json(path, producer="02_cross_llm_consistency").get("per_model", {}) if path.is_file() else {}
    if model not in per_model:
        used = [lead.get("model"), *[m for m in per_model if m != lead.get("model")]]
        raise VaxisDataError(
            f"No chapter of results folder {folder} chose an axis for {model!r}; it has axes for {used}. "
            "Run chapter 02 with this model, e.g. `python -m vaxis.book run --profile PROFILE --only 02`, "
            "or fit one yourself with vaxis.VAxis.fit(model, layer=..., pooling=...)."
        )
    rec = per_model[model]
    if not rec.get("origin"):
        raise VaxisDataError(f"{path} does not record the origin of {model!r}'s axis (written before it "
                             "was recorded); re-run chapter 02.")
    vectors: dict[str, Any] = {"direction": None, "origin_vector": None}
    npz = folder / CONSISTENCY_NPZ
    if npz.is_file():
        store = io.load_npz(npz)
        names = [str(m) for m in store["models"]]
        if model in names:
            i = names.index(model)
            vectors = {"direction": np.asarray(store[f"direction_{i}"], np.float64),
                       "origin_vector": np.asarray(store[f"origin_{i}"], np.float64)}
    return {"model": model, "chapter": "02", **_choice(rec["choice"]), "origin": rec["origin"], "anchors": anchors,
            "n_layers": int(rec.get("n_layers", -1)), "category_positions": rec.get("category_positions", {}),
            **vectors}


def _choice(choice: Mapping[str, Any]) -> dict[str, Any]:
    return {"layer": int(choice["layer"]), "pooling": str(choice["pooling"]),
            "construction": str(choice.get("construction", "diff_means")), "template": str(choice["template"])}


def _origin_name(arrays: Mapping[str, np.ndarray]) -> str:
    """``"neutral"`` when the stored origin is the neutral anchors' mean, else ``"mean"`` (older files)."""
    cats = arrays["anchor_categories"].astype(str)
    vecs = np.asarray(arrays["anchor_vectors"], np.float64)
    if "neutral" in cats and np.allclose(vecs[cats == "neutral"].mean(axis=0), arrays["origin"]):
        return "neutral"
    return "mean"


# ----------------------------------------------------------------------------- chapters 1-2: sentences
#: The V-axis on human-rated sentences (:mod:`vaxis.llm.transfer`); ``{chapter}`` is ``01`` or ``02``.
SENTENCES_JSON = "{chapter}_sentences.json"


def sentences_file(chapter: str) -> str:
    """The name of chapter ``chapter``'s (``"01"`` or ``"02"``) sentence-transfer result file."""
    if chapter not in ("01", "02"):
        raise VaxisInputError(f"chapter={chapter!r}: sentence results come from chapters '01' and '02'.")
    return SENTENCES_JSON.format(chapter=chapter)


def write_sentences(folder: str | Path, *, chapter: str, profile: str, transfers: Mapping[str, Any],
                    n_sentences: int | None, seed: int, agreement: Any = None) -> Path:
    """Chapter 1's or 2's sentence results: ``transfers`` maps a model to its
    :class:`vaxis.llm.transfer.ModelTransfer`; ``agreement`` (chapter 2) is
    :func:`vaxis.llm.transfer.word_sentence_agreement`. Numbers, choices, and the seconds each
    model took; the sentences themselves are in the package."""
    return io.save_json(Path(folder) / sentences_file(chapter), {
        "profile": profile, "n_sentences": n_sentences, "seed": seed,
        "models": {m: t.summary() for m, t in transfers.items()},
        "word_sentence_agreement": None if agreement is None else _records(agreement)})


def load_sentences(folder: str | Path, chapter: str = "01") -> dict[str, Any] | None:
    """Chapter ``chapter``'s sentence results, or None when that chapter has not written them."""
    path = Path(folder) / sentences_file(chapter)
    return io.load_json(path) if path.is_file() else None


# ----------------------------------------------------------------------------- chapter 3
def write_mapping(folder: str | Path, *, profile: str, dataset: Any, v_map: Any, human_map: Any,
                  random_r: np.ndarray, targets_rho: float, planted: Any = None) -> Path:
    """Chapter 3's results: the V-axis map and its controls (:class:`vaxis.decoding.mapping.MapResult`);
    ``planted``: :func:`vaxis.decoding.recovery.planted_recovery` where the data know their truth (simulated
    cohorts, replicas), stored as ``planted_recovery`` (``None`` for recorded data)."""
    random_r = np.asarray(random_r, dtype=float)
    recovered = None if planted is None else {
        "r": float(planted.estimate.value), "low": float(planted.estimate.low), "high": float(planted.estimate.high),
        "p": float(planted.p_value), "null_median": float(np.median(planted.null)), "n_null": int(planted.null.size)}
    return io.save_json(Path(folder) / MAPPING_JSON, {
        "profile": profile, "source": dataset.source, "n_subjects": dataset.n_subjects,
        "v_axis_map": v_map.summary(), "human_valence_map": human_map.summary(),
        "random_directions": {"n": int(random_r.size), "median_r": float(np.median(random_r)),
                              "share_ge_v": stats.share_at_least(random_r, v_map.mean_r)},
        "targets_rho": targets_rho, "planted_recovery": recovered,
    })


# ----------------------------------------------------------------------------- chapter 4
def write_rediscovery(folder: str | Path, *, profile: str, dataset: Any, data: Mapping[str, Any],
                      architectures: Sequence[str], seeds: Sequence[int], folds: Mapping[str, Any], config: Any,
                      accuracy: Any, count: Mapping, controls: Any, per_fold: Any, readout: Mapping[str, Any],
                      control_counts: Any = None, gap: Any = None) -> Path:
    """Chapter 4's results. ``data``: ``{"faced_dir", "n_subjects", "seed", "knobs"}`` (how the cohort was
    made: chapter 6 makes it again, :class:`vaxis.decoding.rediscovery.ZooSetup`);
    ``folds``: ``{"n_splits", "seed", "val_fraction", "folds": [Fold, ...]}``;
    ``count``: :func:`vaxis.decoding.rediscovery.count_rediscoveries`; ``control_counts``:
    :func:`vaxis.decoding.rediscovery.control_counts` (one row per kind); ``gap``:
    :func:`vaxis.decoding.rediscovery.gap_over_controls` (one row per control); tables as DataFrames."""
    keys = ("n", "n_rediscover", "n_holm", "n_uncorrected", "n_beyond_controls", "level", "test")
    return io.save_json(Path(folder) / REDISCOVERY_JSON, {
        "profile": profile, "source": dataset.source, "n_subjects": dataset.n_subjects, "data": dict(data),
        "architectures": list(architectures), "seeds": list(seeds),
        "folds": {**{k: v for k, v in folds.items() if k != "folds"}, "folds": [f.as_dict() for f in folds["folds"]]},
        "train_config": config.key(), "accuracy": accuracy.reset_index().to_dict("records"),
        "networks": count["table"].to_dict("records"), "controls": controls.to_dict("records"),
        "per_fold": per_fold.drop(columns="subject_r", errors="ignore").to_dict("records"), "count": {k: count[k] for k in keys}, "readout": dict(readout),
        "control_counts": [] if control_counts is None else control_counts.reset_index().to_dict("records"),
        "gap": [] if gap is None else gap.reset_index().to_dict("records"),
        "mechanisms": dict(getattr(dataset, "mechanisms", {})),
    })


def load_rediscovery(folder: str | Path) -> dict[str, Any]:
    """Chapter 4's results (folds, training configuration, per-network accuracy and read-out)."""
    return io.load_json(Path(folder) / REDISCOVERY_JSON, producer="04_classifier_rediscovery")


# ----------------------------------------------------------------------------- chapter 5
def sweep_store(folder: str | Path) -> Path:
    """Chapter 5's task store (a folder; created on first use)."""
    return Path(folder) / SWEEP_STORE


def write_saturation(folder: str | Path, *, profile: str, dataset: Any, arch: str, comparison: Any, shares: Any,
                     trajectory: Any, schedules: Mapping[str, Any], best_epochs: Mapping[str, Any],
                     schedule_changes: Mapping[str, Any] | None, counts: Any) -> Path:
    """Chapter 5's results. ``dataset``: the :class:`vaxis.eeg.EEGDataset` (its source and mechanisms
    are recorded); ``schedules`` maps a schedule name to its comparison table (the first is
    ``"default"``), ``best_epochs`` to its best-epoch table; ``counts(table, kind=None)`` tallies
    verdicts, of every loss and of the alignment and control losses apart."""
    cols = ["strategy", "mean_diff", "ci_low", "ci_high", "q", "verdict"]
    return io.save_json(Path(folder) / SATURATION_JSON, {
        "profile": profile, "source": dataset.source, "mechanisms": dict(getattr(dataset, "mechanisms", {})),
        "arch": arch, "n_units": int(comparison.n_units.iloc[0]),
        "baseline_bacc": comparison.attrs["baseline_bacc"], "counts": counts(comparison),
        "counts_by_kind": {kind: counts(comparison, kind=kind) for kind in ("alignment", "control")},
        "strategies": comparison.merge(shares, on="strategy").round(5).to_dict(orient="records"),
        "trajectory": trajectory.groupby("epochs").mean(numeric_only=True).round(5).to_dict(orient="index"),
        "schedules": {name: {"changes": {} if name == "default" else (schedule_changes or {}),
                             "baseline_bacc": c.attrs["baseline_bacc"], "counts": counts(c),
                             "best_epochs": best_epochs[name].round(3).to_dict(orient="index"),
                             "effects": c[cols].round(5).to_dict(orient="records")}
                      for name, c in schedules.items()},
    })


# ----------------------------------------------------------------------------- chapter 6
def write_ensembling(folder: str | Path, *, profile: str, architectures: Sequence[str], seeds: Sequence[int],
                     diversity_weight: float, folds: Mapping[str, Any], config: Any,
                     cohorts: Mapping[str, tuple[Any, Any]]) -> Path:
    """Chapter 6's results: ``cohorts`` maps a name (``faced``, ``seedv``) to ``(comparison, dataset)``
    (:class:`vaxis.decoding.ensembles.EnsembleComparison`, :class:`vaxis.eeg.EEGDataset`)."""
    if not cohorts:
        raise VaxisInputError("write_ensembling needs at least one cohort.")
    return io.save_json(Path(folder) / ENSEMBLING_JSON, {
        "profile": profile, "architectures": list(architectures), "seeds": list(seeds),
        "diversity_weight": diversity_weight, "folds": dict(folds), "train_config": config.key(),
        **{name: _cohort_result(cmp, dataset) for name, (cmp, dataset) in cohorts.items()}})


def _cohort_result(cmp: Any, dataset: Any) -> dict[str, Any]:
    return {"source": dataset.source, "mechanisms": dict(getattr(dataset, "mechanisms", {})),
            "n_subjects": dataset.n_subjects, "relative": cmp.relative,
            "table": cmp.table.reset_index().round(5).to_dict("records"),
            "curves": cmp.curves.round(5).to_dict("records"),
            "sizes": cmp.selections.groupby("method")["size"].apply(list).to_dict()}


# ----------------------------------------------------------------------------- chapter 7
#: Chapter 7's grid: every (point, loss, arm) verdict, the ensembles at every point, the predictions scored.
PHASE_JSON = "07_phase.json"


def write_phase(folder: str | Path, *, profile: str, planes: Mapping[str, Any], effects: Any, ensembles: Any,
                predictions: Any, margin: float, regime: Sequence[str] = (), checks: Any = None,
                fixed_weights: Any = None, settings: Mapping[str, Any] | None = None,
                missing_planes: Mapping[str, str] | None = None, regime_words: str = "") -> Path:
    """Chapter 7's results: ``effects`` and ``ensembles`` are the grid's tables
    (:class:`vaxis.decoding.saturation.phase.PhaseResults`), ``predictions`` the scored predictions
    (:func:`vaxis.decoding.saturation.predictions.score_predictions`); ``margin`` is the equivalence
    margin fixed in advance (balanced accuracy); ``regime`` the grid points where the generator
    produces the study's regime (:func:`vaxis.decoding.saturation.predictions.regime_points`) and
    ``regime_words`` the chapter's sentence about it. Optional: the manipulation checks per point
    (``checks``), the fixed arm's weights, the run's ``settings`` (draws, seeds, resamples, ...) and
    the planes of the profile the generator could not run (``missing_planes``: plane -> why)."""
    def records(frame: Any) -> list[dict[str, Any]]:
        return frame.round(5).astype(object).where(frame.notna(), None).to_dict("records")

    out = {"profile": profile, "planes": {k: dict(v) for k, v in planes.items()}, "margin": margin,
           "regime": list(regime), "effects": records(effects), "ensembles": records(ensembles),
           "predictions": records(predictions)}
    if checks is not None:
        out["checks"] = records(checks)
    if fixed_weights is not None:
        out["fixed_weights"] = records(fixed_weights.reset_index(names="strategy"))
    if settings is not None:
        out["settings"] = {k: v for k, v in settings.items()}
    if missing_planes:
        out["missing_planes"] = dict(missing_planes)
    if regime_words:
        out["regime_words"] = regime_words
    return io.save_json(Path(folder) / PHASE_JSON, out)


# ----------------------------------------------------------------------------- controls (chapters 1, 3)
#: Chapter 1's specificity controls: random directions, no-anchor baselines, common vs rare words.
SPECIFICITY_JSON = "01_specificity.json"
#: Chapter 3's alternative nine-value targets and the within-side null.
ALTERNATIVES_JSON = "03_alternatives.json"


def _records(frame: Any) -> dict[str, Any]:
    return {str(k): {c: (v.item() if hasattr(v, "item") else v) for c, v in row.items()}
            for k, row in frame.to_dict(orient="index").items()}


def write_specificity(folder: str | Path, *, profile: str, model: str, random: Mapping[str, Any],
                      baselines: Any, advantage: Mapping[str, Any], frequency: Any) -> Path:
    """Chapter 1's controls: ``random`` (:func:`vaxis.llm.specificity.rank_among`), ``baselines``
    (:func:`~vaxis.llm.specificity.pca_baselines`), ``advantage``
    (:func:`~vaxis.llm.specificity.paired_advantage`), ``frequency`` (:func:`vaxis.llm.frequency.by_frequency`)."""
    cols = ["component", "explained", "dev_rho", "sign", "test_rho", "afinn_rho", "chosen"]
    return io.save_json(Path(folder) / SPECIFICITY_JSON, {
        "profile": profile, "model": model, "random": dict(random), "advantage": dict(advantage),
        "baselines": baselines[cols].to_dict("records"), "frequency": _records(frequency)})


def write_alternatives(folder: str | Path, *, profile: str, source: str, table: Any,
                       within_side: Mapping[str, Any], reference: str) -> Path:
    """Chapter 3's alternative targets: ``table`` of :func:`vaxis.decoding.alternatives.compare_targets`
    and ``within_side`` of :func:`~vaxis.decoding.alternatives.within_side_null` (its null is not kept)."""
    best = str(table.index[table["best"].to_numpy(bool)][0])
    return io.save_json(Path(folder) / ALTERNATIVES_JSON, {
        "profile": profile, "source": source, "reference": reference, "best": best,
        "targets": _records(table.drop(columns="best")),
        "within_side": {k: v for k, v in within_side.items() if k != "null"}})


# ----------------------------------------------------------------------------- clips held out (chapters 3, 4, 6)
#: Each chapter's held-out-clips results, by chapter number.
CLIP_IDENTITY_JSON: dict[str, str] = {"03": "03_clip_identity.json", "04": "04_clip_identity.json",
                                      "06": "06_clip_identity.json"}


def write_clip_identity(folder: str | Path, chapter: str, *, profile: str, source: str, split: Any,
                        tables: Mapping[str, Any], summary: Mapping[str, Any] | None = None,
                        setup: Mapping[str, Any] | None = None) -> Path:
    """One chapter's held-out-clips results: ``split`` (:class:`vaxis.decoding.folds.ClipSubjectSplit`),
    ``tables`` (name -> DataFrame, e.g. :func:`vaxis.decoding.clip_identity.map_table`'s), for chapter 3
    ``summary`` (:func:`vaxis.decoding.clip_identity.summary`, what the verdict reads) and for chapter 4
    ``setup`` (``architectures``, ``seeds``, ``n_rotations``: what chapter 6 trains again,
    :class:`vaxis.decoding.clip_identity.HeldOutSetup`)."""
    if chapter not in CLIP_IDENTITY_JSON:
        raise VaxisInputError(f"chapter={chapter!r}: clips are held out in chapters {sorted(CLIP_IDENTITY_JSON)}.")

    def records(frame: Any) -> list[dict[str, Any]]:
        flat = frame.reset_index()
        flat.columns = [" | ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in flat.columns]
        return flat.astype(object).where(flat.notna(), None).to_dict("records")

    return io.save_json(Path(folder) / CLIP_IDENTITY_JSON[chapter], {
        "profile": profile, "source": source, "split": split.as_dict(),
        "tables": {name: records(t) for name, t in tables.items()}, "summary": dict(summary or {}),
        "setup": dict(setup or {})})


def load_clip_identity(folder: str | Path, chapter: str) -> dict[str, Any] | None:
    """A chapter's held-out-clips results (:func:`write_clip_identity`), or None if not written."""
    path = Path(folder) / CLIP_IDENTITY_JSON[chapter]
    return io.load_json(path) if path.is_file() else None


def load_control(folder: str | Path, name: str) -> dict[str, Any] | None:
    """A control file (:data:`SPECIFICITY_JSON`, :data:`ALTERNATIVES_JSON`) or None if not written."""
    path = Path(folder) / name
    return io.load_json(path) if path.is_file() else None
