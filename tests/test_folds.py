"""The shared leave-subjects-out folds and the checks that run before any training."""

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.decoding.folds import Fold, check_training_inputs, fold_signature, subject_folds

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
    subj = np.repeat(SUBJECTS, 2)[::-1]  # rows in any order
    f = subject_folds(SUBJECTS, 2, seed=0)[0]
    tr, va, te = f.rows(subj)
    assert set(subj[te]) == set(f.test) and set(subj[va]) == set(f.val) and set(subj[tr]) == set(f.train)
    np.testing.assert_array_equal(np.sort(np.concatenate([tr, va, te])), np.arange(subj.size))  # each row once
    assert all((np.diff(part) > 0).all() for part in (tr, va, te))  # sorted ascending
    outsider = np.append(subj, "sub999")  # a subject in no part of the fold gets no row
    assert outsider.size - 1 not in np.concatenate(f.rows(outsider))


def test_fold_sizes_follow_the_protocol():
    """array_split sizes for the test groups; ceil(val_fraction * n_train) validation subjects."""
    folds = subject_folds(SUBJECTS, 3, seed=2, val_fraction=0.25)
    assert sorted(len(f.test) for f in folds) == [3, 3, 4]
    for f in folds:
        n_train = len(SUBJECTS) - len(f.test)
        assert len(f.val) == int(np.ceil(0.25 * n_train)) and len(f.train) == n_train - len(f.val)
    assert all(len(f.val) == 0 for f in subject_folds(SUBJECTS, 3, seed=2, val_fraction=0.0))


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


def test_good_inputs_pass_and_each_defect_alone_is_refused():
    """The check accepts clean inputs and refuses each defect on its own (not a check that refuses all)."""
    X, y, subj, folds = _inputs()
    assert check_training_inputs(X, y, subj, folds, n_classes=3) is None
    check_training_inputs(X.reshape(60, -1), y, subj, folds, n_classes=3)  # any feature shape
    defects = {
        "NaN/Inf": lambda: check_training_inputs(np.where(np.arange(60)[:, None, None] == 3, np.inf, X), y, subj,
                                                 folds, 3),
        "outside the class set": lambda: check_training_inputs(X, np.where(np.arange(60) == 0, 7, y), subj, folds, 3),
        "absent from the data": lambda: check_training_inputs(X, y, np.where(subj == "sub000", "subX", subj), folds, 3),
        "never occur": lambda: check_training_inputs(X, y, subj, folds, n_classes=4),
    }
    for match, call in defects.items():
        with pytest.raises(VaxisInputError, match=match):
            call()


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
