"""The shared leave-subjects-out folds and the checks that run before any training."""

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.folds import Fold, check_training_inputs, fold_signature, subject_folds

SUBJECTS = [f"sub{i:03d}" for i in range(10)]


def test_every_subject_is_tested_once_and_parts_are_disjoint():
    folds = subject_folds(np.repeat(SUBJECTS, 3), n_splits=3, seed=1, val_fraction=0.25)
    tested = [s for f in folds for s in f.test]
    assert sorted(tested) == SUBJECTS
    for f in folds:
        parts = [set(f.train), set(f.val), set(f.test)]
        assert sum(map(len, parts)) == len(SUBJECTS)
        assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
        assert len(f.val) >= 1


def test_folds_are_deterministic_and_seed_dependent():
    a = subject_folds(SUBJECTS, 5, seed=0)
    assert a == subject_folds(SUBJECTS[::-1], 5, seed=0)  # row order does not matter
    assert fold_signature(a) == fold_signature(subject_folds(SUBJECTS, 5, seed=0))
    assert fold_signature(a) != fold_signature(subject_folds(SUBJECTS, 5, seed=1))


def test_rows_of_a_fold():
    subj = np.repeat(SUBJECTS, 2)
    f = subject_folds(SUBJECTS, 2, seed=0)[0]
    tr, va, te = f.rows(subj)
    assert set(subj[te]) == set(f.test) and set(subj[va]) == set(f.val) and set(subj[tr]) == set(f.train)


def test_bad_fold_requests():
    with pytest.raises(VaxisInputError, match="cannot make"):
        subject_folds(SUBJECTS[:3], 3)
    with pytest.raises(VaxisInputError, match="n_splits"):
        subject_folds(SUBJECTS, 1)
    with pytest.raises(VaxisInputError, match="val_fraction"):
        subject_folds(SUBJECTS, 2, val_fraction=1.0)


def _inputs():
    subj = np.repeat(SUBJECTS, 6)
    y = np.tile(np.arange(3), 20)
    X = np.random.default_rng(0).standard_normal((60, 4, 2))
    return X, y, subj, subject_folds(SUBJECTS, 2, seed=0)


def test_good_inputs_pass():
    check_training_inputs(*_inputs(), n_classes=3)


def test_nan_features_are_refused():
    X, y, subj, folds = _inputs()
    X[7, 1, 0] = np.nan
    with pytest.raises(VaxisInputError, match="NaN/Inf"):
        check_training_inputs(X, y, subj, folds, 3)


def test_labels_outside_the_class_set_are_refused():
    X, y, subj, folds = _inputs()
    y[3] = 3
    with pytest.raises(VaxisInputError, match="outside the class set"):
        check_training_inputs(X, y, subj, folds, 3)
    with pytest.raises(VaxisInputError, match="integer"):
        check_training_inputs(X, y.astype(float), subj, folds, 3)


def test_empty_fold_is_refused():
    X, y, subj, folds = _inputs()
    empty = Fold(0, folds[0].train, folds[0].val, ())
    with pytest.raises(VaxisInputError, match="empty fold"):
        check_training_inputs(X, y, subj, [empty], 3)
    with pytest.raises(VaxisInputError, match="No folds"):
        check_training_inputs(X, y, subj, [], 3)


def test_class_missing_from_training_is_refused():
    X, y, subj, folds = _inputs()
    f = folds[0]
    y[np.isin(subj, f.train) & (y == 2)] = 1
    with pytest.raises(VaxisInputError, match=r"class code\(s\) \[2\] never occur in its training"):
        check_training_inputs(X, y, subj, [f], 3)
