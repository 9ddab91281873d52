"""Chapter 7's manipulation checks: did a knob plant what it says, at this grid point?

Each check compares a cohort with its *twin*: the same generator draw with the knob set to 0 (every
other knob as it is), so what differs is the knob alone. The thresholds are those of the
[second edition of the predictions](../../book/saturation_predictions_2.md), fixed before any grid
point was trained; a prediction that uses a point whose check fails is *not tested (manipulation
failed)*. The checks read data and human ratings only: no network is trained, no loss is used.

- :func:`congruence_check`: the Spearman agreement of the RDM of the EEG's class means
  (window-averaged, subject-normalised DE; :func:`vaxis.eeg.mechanisms.geometry_agreement`) with the
  geometry the knob plants -- the participants' (:func:`vaxis.eeg.mechanisms.rating_geometry`) for
  congruence > 0, its relabelling (:func:`~vaxis.eeg.mechanisms.anti_congruent_order`) for < 0 --
  and with the losses' targets (the lead model's category vectors), for the cohort and its twin.
- :func:`multi_view_check`: the *complementarity* of three logistic read-outs, one per band group
  (:data:`vaxis.eeg.montage.BAND_GROUPS`): balanced accuracy of their averaged probabilities minus
  that of the best one, subjects held out.
- :func:`clip_check`: the *within-category clip accuracy* of a logistic read-out over the clips,
  subjects held out: the share of trials whose clip is the most probable among its category's clips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ... import stats
from ..._checks import VaxisInputError
from ...eeg import mechanisms, ratings
from ...eeg.montage import BAND_GROUPS

#: Pass thresholds (second edition of the predictions).
CONGRUENCE_MIN_AGREEMENT = 0.6  #: agreement with the planted geometry, at least
CONGRUENCE_MIN_GAIN = 0.10  #: and at least this much above the twin's
TARGETS_MIN_CONTRAST = 0.20  #: agreement with the targets at +1 minus at -1, at least
MULTI_VIEW_MIN_GAIN = 0.03  #: complementarity above the twin's, at least
CLIP_MIN_GAIN = 0.10  #: within-category clip accuracy above the twin's, at least
#: Inverse L2 strength of the check read-outs, and their subject folds.
READOUT_C, READOUT_FOLDS = 0.05, 3


def participants_geometry(dataset: Any) -> np.ndarray:
    """The participants' category geometry (K, 12) in ``dataset.categories`` order (FACED only)."""
    return mechanisms.rating_geometry(ratings.subject_ratings(), dataset.clip_category, list(dataset.categories))


def planted_geometry(dataset: Any, congruence: float) -> np.ndarray:
    """The geometry congruence ``congruence`` plants: the participants' (> 0) or its relabelling (< 0)."""
    g = participants_geometry(dataset)
    return g[mechanisms.anti_congruent_order(g)] if congruence < 0 else g


def congruence_check(dataset: Any, twin: Any, congruence: float, targets: np.ndarray) -> dict[str, float]:
    """Agreement (Spearman of RDMs) of the class means with the planted geometry and with the losses'
    ``targets`` (K, D, rows in ``dataset.categories`` order), for ``dataset`` and its congruence-0 ``twin``.

    Keys: ``planted``, ``planted_twin``, ``targets``, ``targets_twin``.
    """
    g = planted_geometry(dataset, congruence)
    return {"planted": mechanisms.geometry_agreement(dataset, g), "planted_twin": mechanisms.geometry_agreement(twin, g),
            "targets": mechanisms.geometry_agreement(dataset, targets),
            "targets_twin": mechanisms.geometry_agreement(twin, targets)}


def _subject_folds(subjects: np.ndarray, n_folds: int) -> np.ndarray:
    order = {s: i for i, s in enumerate(dict.fromkeys(subjects.tolist()))}
    return np.array([order[s] % n_folds for s in subjects.tolist()])


def _readout_proba(X: np.ndarray, y: np.ndarray, fold: np.ndarray, n_classes: int) -> np.ndarray:
    """Held-out-subject probabilities (n, n_classes) of a multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression

    out = np.zeros((len(y), n_classes))
    for f in np.unique(fold):
        tr = fold != f
        m = LogisticRegression(C=READOUT_C, max_iter=500).fit(X[tr], y[tr])
        out[np.ix_(~tr, m.classes_)] = m.predict_proba(X[~tr])
    return out


def complementarity(dataset: Any) -> dict[str, float]:
    """Balanced accuracy of one logistic read-out per band group and of their averaged probabilities.

    Trial-averaged, subject-normalised DE; subjects held out in :data:`READOUT_FOLDS` folds. Keys:
    each group's name, ``average`` and ``complementarity`` (average minus the best group).
    """
    X, cats, subs = dataset.trial_features()
    classes = list(dataset.categories)
    y = np.array([classes.index(c) for c in cats])
    fold = _subject_folds(subs, READOUT_FOLDS)
    n_ch, bands = len(dataset.channels), list(dataset.bands)
    Xb = X.reshape(len(X), n_ch, len(bands))
    out, probas = {}, []
    for name, group in BAND_GROUPS.items():
        idx = [bands.index(b) for b in group if b in bands]
        if not idx:
            raise VaxisInputError(f"The cohort has none of the bands {group} of group {name!r}.")
        p = _readout_proba(Xb[..., idx].reshape(len(X), -1), y, fold, len(classes))
        out[name] = stats.balanced_accuracy(y, p.argmax(1))
        probas.append(p)
    out["average"] = stats.balanced_accuracy(y, np.mean(probas, axis=0).argmax(1))
    out["complementarity"] = out["average"] - max(out[g] for g in BAND_GROUPS)
    return out


def multi_view_check(dataset: Any, twin: Any) -> dict[str, float]:
    """Complementarity of the band-group read-outs for ``dataset`` and its multi-view-0 ``twin``."""
    return {"complementarity": complementarity(dataset)["complementarity"],
            "complementarity_twin": complementarity(twin)["complementarity"]}


def within_category_clip_accuracy(dataset: Any) -> float:
    """Share of held-out-subject trials whose clip is the most probable among the clips of its
    category (a logistic read-out over all clips; chance 1/3 for three clips, 1/4 for four)."""
    X, cats, subs = dataset.trial_features()
    n_clips = dataset.n_clips
    clip = np.tile(np.arange(n_clips), dataset.n_subjects)
    p = _readout_proba(X, clip, _subject_folds(subs, READOUT_FOLDS), n_clips)
    same = np.asarray(dataset.clip_category)[:, None] == np.asarray(dataset.clip_category)[None, :]  # (C, C)
    masked = np.where(same[clip], p, -np.inf)
    return float(np.mean(masked.argmax(1) == clip))


def clip_check(dataset: Any, twin: Any) -> dict[str, float]:
    """Within-category clip accuracy of ``dataset`` and of its clip-identity-0 ``twin``."""
    return {"clip_accuracy": within_category_clip_accuracy(dataset),
            "clip_accuracy_twin": within_category_clip_accuracy(twin)}


#: Which check each knob has (knobs not listed need none, e.g. n_subjects, or are not on the grid).
CHECKED_KNOBS: tuple[str, ...] = ("congruence", "multi_view", "clip_identity")


def passes(knob: str, values: Mapping[str, float]) -> bool:
    """Whether the mean values of a knob's check (over a point's draws) pass its thresholds."""
    if knob == "congruence":
        return bool(values["planted"] >= CONGRUENCE_MIN_AGREEMENT
                    and values["planted"] - values["planted_twin"] >= CONGRUENCE_MIN_GAIN)
    if knob == "multi_view":
        return bool(values["complementarity"] - values["complementarity_twin"] >= MULTI_VIEW_MIN_GAIN)
    if knob == "clip_identity":
        return bool(values["clip_accuracy"] - values["clip_accuracy_twin"] >= CLIP_MIN_GAIN)
    raise VaxisInputError(f"No manipulation check for knob {knob!r}; checked knobs: {CHECKED_KNOBS}.")


def run_check(knob: str, dataset: Any, twin: Any, value: float, targets: np.ndarray | None = None) -> dict[str, float]:
    """The check of ``knob`` (at ``value``) on one draw: ``dataset`` against its ``twin`` (knob 0)."""
    if knob == "congruence":
        if targets is None:
            raise VaxisInputError("The congruence check needs the losses' target geometry (K, D).")
        return congruence_check(dataset, twin, value, targets)
    if knob == "multi_view":
        return multi_view_check(dataset, twin)
    if knob == "clip_identity":
        return clip_check(dataset, twin)
    raise VaxisInputError(f"No manipulation check for knob {knob!r}; checked knobs: {CHECKED_KNOBS}.")


__all__ = ["CHECKED_KNOBS", "CLIP_MIN_GAIN", "CONGRUENCE_MIN_AGREEMENT", "CONGRUENCE_MIN_GAIN", "MULTI_VIEW_MIN_GAIN",
           "TARGETS_MIN_CONTRAST", "clip_check", "complementarity", "congruence_check", "multi_view_check",
           "participants_geometry", "passes", "planted_geometry", "run_check", "within_category_clip_accuracy"]
