"""Chapter 3's checkers: leave-subjects-out folds, the mean per-subject r, a one-band map."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..decoding import mapping
from ._core import NOT_DONE, Verdict, as_float, call, correct, missing, wrong

__all__ = ["check_band_map", "check_per_subject_r", "check_subject_folds"]


def check_subject_folds(fn: Callable[[np.ndarray, int], Sequence[tuple[Any, Any]]], subjects: np.ndarray,
                        n_splits: int = 5) -> Verdict:
    """Check ``fn(subjects, n_splits) -> [(train_rows, test_rows), ...]``: leave-subjects-out folds.

    ``subjects`` (n_rows,): the subject of every row (trial). A correct answer has ``n_splits``
    folds; no subject on both sides of a fold; every row tested exactly once.
    """
    subjects = np.asarray(subjects).astype(str)
    mine = call(fn, subjects.copy(), n_splits, hint="split the *distinct* subjects into n_splits groups; "
                "each group's rows are one fold's test rows, all other rows its training rows.")
    if missing(mine):
        return NOT_DONE
    try:
        folds = [(np.asarray(tr, dtype=int).ravel(), np.asarray(te, dtype=int).ravel()) for tr, te in mine]
    except (TypeError, ValueError):
        return wrong("return a list of (train_rows, test_rows) pairs of row indices.")
    if len(folds) != n_splits:
        return wrong(f"expected {n_splits} folds, got {len(folds)}.")
    n = subjects.size
    tested = np.zeros(n, dtype=int)
    for k, (tr, te) in enumerate(folds):
        if te.size == 0 or tr.size == 0:
            return wrong(f"fold {k} has an empty training or test set.")
        if tr.min() < 0 or te.min() < 0 or max(tr.max(), te.max()) >= n:
            return wrong(f"fold {k} has row indices outside 0..{n - 1}.")
        both = sorted(set(subjects[tr]) & set(subjects[te]))
        if both:
            return wrong(f"subject {both[0]} is in the training *and* the test rows of fold {k}: the map would "
                         "have seen the person it is tested on. Split subjects, not rows.")
        if np.intersect1d(tr, te).size or np.union1d(tr, te).size != n:
            return wrong(f"fold {k}: training and test rows must be disjoint and together cover every row.")
        tested[te] += 1
    if not np.all(tested == 1):
        return wrong(f"every row must be tested exactly once; {int((tested != 1).sum())} rows are not.")
    sizes = [len(set(subjects[te])) for _, te in folds]
    if max(sizes) - min(sizes) > 1:
        return wrong(f"the folds hold {sizes} test subjects: balance them (np.array_split of the subjects).")
    return correct(f"{n_splits} leave-subjects-out folds, {min(sizes)}-{max(sizes)} test subjects each; "
                   "no one is on both sides.")


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if np.ptp(a) > 0 and np.ptp(b) > 0 else float("nan")


def check_per_subject_r(fn: Callable[[pd.DataFrame], float], predictions: pd.DataFrame) -> Verdict:
    """Check ``fn(predictions) -> mean r``: Pearson r of ``prediction`` and ``target`` within each
    subject, averaged over subjects (the map's test statistic).

    ``predictions``: one row per held-out trial with ``subject``, ``target``, ``prediction``
    (``MapResult.predictions``).
    """
    mine = call(fn, predictions.copy(), hint="group the rows by subject, take np.corrcoef(target, prediction) "
                "within each, then average over subjects.")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your mean r")
    if mine is None:
        return NOT_DONE
    per = [_pearson(g.target.to_numpy(), g.prediction.to_numpy()) for _, g in predictions.groupby("subject")]
    ref = float(np.nanmean(per))
    if abs(mine - ref) < 1e-9:
        return correct(f"mean per-subject r = {ref:.3f} over {len(per)} held-out subjects.")
    if abs(mine - _pearson(predictions.target.to_numpy(), predictions.prediction.to_numpy())) < 1e-9:
        return wrong("that is the pooled r over all rows; correlate within each subject first, then average "
                     "(each held-out person is one unit).")
    if abs(mine - float(np.nanmedian(per))) < 1e-9:
        return wrong("that is the median; the statistic is the mean of the per-subject r.")
    return wrong(f"got {mine:.4f}; compute one Pearson r per subject and take their mean.")


def check_band_map(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float], X: np.ndarray, categories: np.ndarray,
                   subjects: np.ndarray, positions: Mapping[str, float], feature_names: Sequence[str],
                   band: str = "alpha", n_splits: int = 5, inner_splits: int = 3) -> Verdict:
    """Check ``fn(X, categories, subjects) -> mean r`` of the map refitted on one band's columns of ``X``.

    ``X`` (n_trials, n_features) with ``feature_names`` like ``"Fz_alpha"``; the reference is
    :func:`vaxis.decoding.mapping.cross_validate_map` on the columns ending in ``_<band>`` (no test).
    """
    mine = call(fn, X, categories, subjects, hint=f"keep the columns whose feature name ends with '_{band}' and "
                "refit with mapping.cross_validate_map((X_band, cats, subjects), v_positions, permutations=0).")
    if missing(mine):
        return NOT_DONE
    mine = as_float(mine, "Your mean r")
    if mine is None:
        return NOT_DONE
    cols = [i for i, name in enumerate(feature_names) if str(name).endswith(f"_{band}")]
    if not cols:
        return wrong(f"no feature name ends with '_{band}'.")

    def fit(Z: np.ndarray) -> float:
        return mapping.cross_validate_map((Z, categories, subjects), positions, n_splits=n_splits,
                                          inner_splits=inner_splits, permutations=0, n_boot=10).mean_r
    ref = fit(X[:, cols])
    if abs(mine - ref) < 1e-6:
        return correct(f"{band} band only ({len(cols)} columns): mean r = {ref:.3f}.")
    if abs(mine - fit(X)) < 1e-6:
        return wrong(f"that is the map on every band; keep only the {len(cols)} columns ending in '_{band}'.")
    return wrong(f"got {mine:.4f}; select the '_{band}' columns and refit with the chapter's folds and "
                 f"defaults (n_splits={n_splits}, inner_splits={inner_splits}).")
