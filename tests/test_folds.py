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


# ----------------------------------------------------------------------------- clips held out as well
FACED_CLIPS = np.array(["anger"] * 3 + ["disgust"] * 3 + ["neutral"] * 4 + ["joy"] * 3)


def test_clip_rotations_hold_each_clip_out_at_most_once():
    from vaxis.decoding.folds import clip_holdouts

    rot = clip_holdouts(FACED_CLIPS, n_rotations=3, seed=4)
    held = np.concatenate([h.held_out for h in rot])
    assert len(set(held.tolist())) == held.size  # at most once
    neutral = np.flatnonzero(FACED_CLIPS == "neutral")
    assert set(held.tolist()) == set(range(FACED_CLIPS.size)) - {int(np.setdiff1d(neutral, held)[0])}
    for h in rot:  # one clip of each category out, the rest kept
        assert sorted(FACED_CLIPS[list(h.held_out)].tolist()) == sorted(set(FACED_CLIPS.tolist()))
        assert set(h.kept) | set(h.held_out) == set(range(FACED_CLIPS.size)) and not set(h.kept) & set(h.held_out)
        assert (FACED_CLIPS[list(h.kept)] == "neutral").sum() == 3
    other = clip_holdouts(FACED_CLIPS, n_rotations=3, seed=5)
    assert [h.held_out for h in other] != [h.held_out for h in rot]  # the seed decides
    assert clip_holdouts(FACED_CLIPS, 3, seed=4) == rot
    with pytest.raises(VaxisInputError, match="n_rotations"):
        clip_holdouts(FACED_CLIPS, n_rotations=4)  # a category of 3 clips cannot keep one and hold 4 out


def test_units_cross_subjects_and_clips():
    from vaxis.decoding.folds import HELD_OUT_CLIPS, SAME_CLIPS, clip_subject_split

    split = clip_subject_split(SUBJECTS, FACED_CLIPS, n_splits=2, seed=0, val_fraction=0.25, n_rotations=3)
    held, same = split.units(HELD_OUT_CLIPS), split.units(SAME_CLIPS)
    assert len(held) == 6 and [u.index for u in held] == list(range(6))
    subj = np.repeat(SUBJECTS, FACED_CLIPS.size)
    clip = np.tile(np.arange(FACED_CLIPS.size), len(SUBJECTS))
    for u, s, (f, h) in zip(held, same, split.pairs()):
        tr, va, te = u.rows(subj, clip)
        assert set(subj[tr]) == set(f.train) and set(subj[va]) == set(f.val) and set(subj[te]) == set(f.test)
        assert set(clip[tr]) == set(clip[va]) == set(h.kept) and set(clip[te]) == set(h.held_out)
        tr2, va2, te2 = s.rows(subj, clip)
        np.testing.assert_array_equal(tr, tr2)  # the same training: the same models
        np.testing.assert_array_equal(va, va2)
        assert set(clip[te2]) == set(h.kept) and set(subj[te2]) == set(f.test)
    # every (subject, held-out clip) trial is scored once over the units
    scored = np.concatenate([u.rows(subj, clip)[2] for u in held])
    assert scored.size == len(set(scored.tolist())) == len(SUBJECTS) * (FACED_CLIPS.size - 1)
    paired = clip_subject_split(SUBJECTS, FACED_CLIPS, n_splits=3, seed=0, crossed=False)
    assert [h.index for _, h in paired.pairs()] == [0, 1, 2] and len(paired.units()) == 3
    with pytest.raises(VaxisInputError, match="clip"):
        held[0].rows(subj)  # a fold that holds clips out needs each row's clip
    assert "train_clips" not in subject_folds(SUBJECTS, 2)[0].as_dict()  # subject folds keep their signature
    assert fold_signature(held) != fold_signature(same)


def test_training_data_rows_follow_the_clips():
    from vaxis.decoding.engine import TrainData
    from vaxis.decoding.folds import HELD_OUT_CLIPS, clip_subject_split
    from vaxis.eeg.simulate import simulate_faced

    ds = simulate_faced(n_subjects=6, n_windows=3, seed=0)
    data = TrainData.from_dataset(ds)
    split = clip_subject_split(ds.subjects, ds.clip_category, n_splits=3, seed=0, val_fraction=0.25)
    u = split.units(HELD_OUT_CLIPS)[4]
    f, h = split.pairs()[4]
    tr, va, te = data.fold_trials(u)
    assert set(data.trial_clip[te]) == set(h.held_out) and set(data.trial_clip[tr]) == set(h.kept)
    rows_tr, _, rows_te = data.fold_rows(u)
    assert set(data.row_clip[rows_te]) == set(h.held_out) and set(data.subject[rows_te]) == set(f.test)
    plain = data.fold_trials(f)[2]  # the subject fold alone: every clip (cached apart from the unit)
    assert set(data.trial_clip[plain]) == set(range(ds.n_clips))
