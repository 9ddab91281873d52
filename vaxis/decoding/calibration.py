"""Calibration of the simulated cohort: how decodable is it, and how do its knobs move that?

A decoding experiment on the simulator's output, so it sits on the decoding side (the simulator
itself, :mod:`vaxis.eeg.simulate`, never imports a decoder). Two numbers per dataset: the
label-only nine-class balanced accuracy of a logistic regression on window-averaged DE, subjects
held out (:func:`label_only_accuracy`), and the held-out correlation of the EEG-to-human-valence
map (:func:`valence_map_correlation`, :mod:`vaxis.decoding.mapping`). The simulator's defaults
are chosen so that the first lies in the range published for real FACED with subject-independent
splits (0.36-0.45, chance 0.11) on the whole simulated cohort; ``tests/test_calibration.py``
holds them there. :func:`knob_sweep` moves one knob at a time (chapter 3, section 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .. import stats
from ..eeg.dataset import EEGDataset
from ..eeg.simulate import SimulationParams, simulate_faced, with_knobs
from .mapping import cross_validate_map


@threadpool_limits.wrap(limits=1)
def label_only_accuracy(dataset: EEGDataset, n_splits: int = 5, C: float = 1.0) -> float:
    """Balanced accuracy of a label-only classifier, subjects held out.

    Logistic regression (L2, ``C``) on window-averaged, subject-normalised DE
    (:meth:`EEGDataset.trial_features`), GroupKFold by subject with ``n_splits`` folds; the
    prediction of every held-out trial is pooled and scored once (:func:`vaxis.stats.balanced_accuracy`).
    Runs on one BLAS thread: for these (trials x 160) problems two threads made each fit 3.5x
    slower on 2 cores, with the same predictions (2026-12-03).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    X, y, groups = dataset.trial_features()
    pred = np.empty_like(y)
    for tr, te in GroupKFold(n_splits=min(n_splits, dataset.n_subjects)).split(X, y, groups):
        clf = LogisticRegression(C=C, max_iter=2000)
        clf.fit(X[tr], y[tr])
        pred[te] = clf.predict(X[te])
    return float(stats.balanced_accuracy(y, pred))


@threadpool_limits.wrap(limits=1)
def valence_map_correlation(dataset: EEGDataset, n_splits: int = 5) -> float:
    """Mean held-out-subject Pearson r of a ridge map from EEG to the categories' human valence."""
    positions = dataset.category_ratings()["valence"].to_dict()
    res = cross_validate_map(dataset, positions, n_splits=n_splits, permutations=0)
    return float(res.mean_r)


def calibration_scores(dataset: EEGDataset, n_splits: int = 5) -> dict[str, float]:
    """Label-only balanced accuracy and EEG-to-valence map correlation of a dataset."""
    n_cat = len(dataset.categories)
    return {
        "balanced_accuracy": label_only_accuracy(dataset, n_splits=n_splits),
        "chance": 1.0 / n_cat,
        "valence_r": valence_map_correlation(dataset, n_splits=n_splits),
    }


#: Values each knob takes in the default sweep (the default value is added if missing).
DEFAULT_SWEEP: dict[str, tuple[float, ...]] = {
    "valence_strength": (0.0, 0.1, 0.2, 0.4),
    "arousal_strength": (0.0, 0.1, 0.2),
    "residual_strength": (0.0, 0.1, 0.2, 0.4),
    "subject_variability": (0.0, 0.5, 1.0, 2.0),
    "trial_noise": (0.7, 1.4, 2.8),
    "noise": (0.45, 0.9, 1.8),
}


def knob_sweep(
    knobs: Mapping[str, Sequence[float]] | None = None,
    n_subjects: int = 40,
    n_windows: int = 30,
    seeds: Sequence[int] = (0,),
    n_splits: int = 5,
    base: SimulationParams | None = None,
) -> pd.DataFrame:
    """How label-only accuracy and the EEG-to-valence correlation move as each knob moves.

    One knob at a time is set to each of its values, the others stay at ``base`` (defaults).

    Returns
    -------
    DataFrame
        One row per (knob, value, seed): ``knob``, ``value``, ``is_default``, ``seed``,
        ``balanced_accuracy``, ``chance``, ``valence_r``.
    """
    base = base or SimulationParams()
    knobs = dict(DEFAULT_SWEEP if knobs is None else knobs)
    rows = []
    for knob, values in knobs.items():
        default = getattr(with_knobs(base, {}), knob) if knob in asdict(base) else None
        with_knobs(base, {knob: values[0]})  # validates the knob name
        vals = sorted(set(float(x) for x in values) | {float(default)})
        for value in vals:
            for seed in seeds:
                ds = simulate_faced(n_subjects=n_subjects, n_windows=n_windows, seed=seed,
                                    params=with_knobs(base, {knob: value}))
                scores = calibration_scores(ds, n_splits=n_splits)
                rows.append({"knob": knob, "value": value, "is_default": value == default,
                             "seed": seed, **scores})
    return pd.DataFrame(rows)
