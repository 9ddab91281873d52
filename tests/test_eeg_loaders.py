"""FACED and SEED-V loaders on miniature files written in the real layouts."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from vaxis._checks import VaxisDataError, VaxisInputError
from vaxis.eeg import EEGDataset
from vaxis.eeg.faced import load_faced
from vaxis.eeg.seedv import load_seedv


# ----------------------------------------------------------------------------- FACED fixtures
def _faced_de(rng):
    return rng.normal(1.0, 0.3, (28, 32, 30, 5)).astype(np.float64)


def write_faced(root: Path, subjects=range(123), de_names="pkl.pkl", ratings=False, seed=0):
    rng = np.random.default_rng(seed)
    folder = root / "EEG_Features" / "DE"
    folder.mkdir(parents=True, exist_ok=True)
    for s in subjects:
        with open(folder / f"sub{s:03d}.{de_names}", "wb") as fh:
            pickle.dump(_faced_de(rng), fh)
        if ratings:
            d = root / "Data" / f"sub{s:03d}"
            d.mkdir(parents=True, exist_ok=True)
            vid = rng.permutation(28) + 1  # presentation order differs from video order
            score = np.tile(np.arange(12.0), (28, 1))
            score[:, 9] = vid  # valence = video number: checks the reordering
            rec = np.zeros((28,), dtype=[("score", object), ("vid", object)])
            for i in range(28):
                rec[i] = (score[i], vid[i])
            savemat(d / "After_remarks.mat", {"After_remark": rec})
    return root


@pytest.fixture(scope="module")
def faced_root(tmp_path_factory):
    return write_faced(tmp_path_factory.mktemp("faced"), subjects=range(123))


def test_faced_loads_all(faced_root):
    with pytest.warns(UserWarning, match="norms"):
        ds = load_faced(faced_root)
    assert isinstance(ds, EEGDataset)
    assert ds.de.shape == (123, 28, 30, 32, 5)
    assert ds.subjects[:2] == ["sub000", "sub001"] and ds.source == "faced"
    with open(faced_root / "EEG_Features" / "DE" / "sub005.pkl.pkl", "rb") as fh:
        raw = pickle.load(fh)
    np.testing.assert_allclose(ds.de[5], raw.transpose(0, 2, 1, 3), rtol=1e-6)


def test_faced_subset_skip_and_missing(tmp_path):
    root = write_faced(tmp_path, subjects=[0, 1, 2, 3], de_names="pkl")  # TorchEEG-renamed files
    ds = load_faced(root, subjects=[0, 1, 2], ratings="norms")
    assert ds.subjects == ["sub000", "sub001", "sub002"]
    with pytest.warns(UserWarning, match=r"Skipping 1 FACED subject.*\[1\]"):
        ds = load_faced(root, subjects=[0, 1, 2], skip_subjects=[1], ratings="norms")
    assert ds.subjects == ["sub000", "sub002"]
    with pytest.raises(VaxisDataError, match=r"119 FACED subject file\(s\) missing.*partial"):
        load_faced(root, ratings="norms")
    with pytest.raises(VaxisDataError, match=r"subjects \[7\]"):
        load_faced(root, subjects=[0, 7], ratings="norms")


def test_faced_ratings_files_reordered(tmp_path):
    root = write_faced(tmp_path, subjects=[0, 1], ratings=True)
    ds = load_faced(root, subjects=[0, 1], ratings="files")
    np.testing.assert_allclose(ds.clip_valence, np.arange(1, 29))  # put back in video order
    assert "After_remarks" in ds.rating_source
    root2 = write_faced(tmp_path / "b", subjects=[0])
    with pytest.raises(VaxisDataError, match="No After_remarks.mat"):
        load_faced(root2, subjects=[0], ratings="files")


def test_faced_bad_files(tmp_path):
    root = write_faced(tmp_path, subjects=[0, 1, 2])
    folder = root / "EEG_Features" / "DE"
    with open(folder / "sub001.pkl.pkl", "wb") as fh:
        pickle.dump(np.ones((28, 30, 32, 5)), fh)  # axes swapped
    with pytest.raises(VaxisDataError, match=r"sub001\.pkl\.pkl.*shape \(28, 32, 30, 5\)"):
        load_faced(root, subjects=[0, 1], ratings="norms")
    bad = np.ones((28, 32, 30, 5))
    bad[3, 0, 0, 0] = np.nan
    with open(folder / "sub001.pkl.pkl", "wb") as fh:
        pickle.dump(bad, fh)
    with pytest.raises(VaxisDataError, match=r"sub001.*NaN/Inf.*clip\(s\) \[4\]"):
        load_faced(root, subjects=[0, 1], ratings="norms")
    (folder / "sub001.pkl.pkl").write_bytes(b"not a pickle")
    with pytest.raises(VaxisDataError, match="cannot be read as a pickle"):
        load_faced(root, subjects=[0, 1], ratings="norms")
    with open(folder / "sub002.pkl", "wb") as fh:  # both names for subject 2
        pickle.dump(np.ones((28, 32, 30, 5)), fh)
    with pytest.raises(VaxisDataError, match="Duplicated FACED files.*subject 2"):
        load_faced(root, subjects=[0], ratings="norms")


def test_faced_wrong_release(tmp_path):
    with pytest.raises(VaxisDataError, match="does not exist"):
        load_faced(tmp_path / "nope")
    bids = tmp_path / "bids"
    (bids / "sub-001" / "eeg").mkdir(parents=True)
    with pytest.raises(VaxisDataError, match="BIDS release"):
        load_faced(bids)
    seed = tmp_path / "seedv"
    (seed / "EEG_DE_features").mkdir(parents=True)
    with pytest.raises(VaxisDataError, match="SEED-V"):
        load_faced(seed)
    with pytest.raises(VaxisInputError, match="features"):
        load_faced(bids, features="EEG")


# ----------------------------------------------------------------------------- SEED-V fixtures
LABELS = np.array([4, 1, 3, 2, 0] * 3 + [2, 1, 3, 0, 4] * 3 + [2, 1, 3, 0, 4] * 3)


def write_seedv_subject(path: Path, rng, labels=LABELS, lengths=None, mutate=None):
    lengths = lengths if lengths is not None else rng.integers(5, 9, size=45)
    data = {k: rng.normal(size=(int(lengths[k]), 310)) for k in range(45)}
    label = {k: np.full(int(lengths[k]), labels[k]) for k in range(45)}
    if mutate:
        mutate(data, label)
    np.savez(path, data=np.frombuffer(pickle.dumps(data), dtype=np.uint8),
             label=np.frombuffer(pickle.dumps(label), dtype=np.uint8))


def write_seedv(root: Path, subjects=range(1, 17), seed=0):
    rng = np.random.default_rng(seed)
    folder = root / "EEG_DE_features"
    folder.mkdir(parents=True, exist_ok=True)
    for s in subjects:
        write_seedv_subject(folder / f"{s}_123.npz", rng)
    return root


def test_seedv_loads_and_crops(tmp_path):
    root = write_seedv(tmp_path)
    ds = load_seedv(root)
    assert ds.de.shape == (16, 45, 5, 62, 5) and ds.n_windows == ds.meta["shortest_trial"] == 5
    assert ds.clip_category[0] == "happy" and ds.clip_session.tolist() == [1] * 15 + [2] * 15 + [3] * 15
    raw = pickle.loads(np.load(root / "EEG_DE_features" / "1_123.npz")["data"].tobytes())
    np.testing.assert_allclose(ds.de[0, 7, 0], raw[7][0].reshape(62, 5), rtol=1e-6)
    blocks = load_seedv(root, subjects=[1, 2], n_windows=2)
    first_block = raw[7][: len(raw[7]) - len(raw[7]) // 2].mean(0)
    np.testing.assert_allclose(blocks.de[0, 7, 0], first_block.reshape(62, 5), atol=1e-6)
    with pytest.raises(VaxisInputError, match="shortest trial"):
        load_seedv(root, subjects=[1], n_windows=50)
    band = load_seedv(root, subjects=[1], feature_order="band_major")
    np.testing.assert_allclose(band.de[0, 7, 0], raw[7][0].reshape(5, 62).T, rtol=1e-6)


def test_seedv_bad_inputs(tmp_path):
    rng = np.random.default_rng(1)
    root = write_seedv(tmp_path, subjects=[1, 2, 3])
    folder = root / "EEG_DE_features"
    with pytest.raises(VaxisDataError, match=r"13 SEED-V subject file\(s\) missing"):
        load_seedv(root)
    with pytest.warns(UserWarning, match=r"Skipping.*\[2\]"):
        ds = load_seedv(root, subjects=[1, 2, 3], skip_subjects=[2])
    assert ds.subjects == ["seedv01", "seedv03"]
    write_seedv_subject(folder / "2_123.npz", rng, mutate=lambda d, l: d.__setitem__(4, d[4][:, :300]))
    with pytest.raises(VaxisDataError, match=r"2_123\.npz: trial 4 .*310"):
        load_seedv(root, subjects=[1, 2])

    def nan(d, l):
        d[0][0, 0] = np.nan

    write_seedv_subject(folder / "2_123.npz", rng, mutate=nan)
    with pytest.raises(VaxisDataError, match="NaN/Inf"):
        load_seedv(root, subjects=[1, 2])
    write_seedv_subject(folder / "2_123.npz", rng, mutate=lambda d, l: d.pop(44))
    with pytest.raises(VaxisDataError, match="keys 0..44"):
        load_seedv(root, subjects=[1, 2])
    other = LABELS.copy()
    other[[0, 1]] = other[[1, 0]]
    write_seedv_subject(folder / "2_123.npz", rng, labels=other)
    with pytest.raises(VaxisDataError, match=r"labels differ.*\[1, 2\]"):
        load_seedv(root, subjects=[1, 2])
    write_seedv_subject(folder / "2_123.npz", rng, labels=np.where(LABELS == 4, 7, LABELS))
    with pytest.raises(VaxisDataError, match="label 7"):
        load_seedv(root, subjects=[2])
    write_seedv_subject(folder / "02_123.npz", rng)
    with pytest.raises(VaxisDataError, match="Duplicated SEED-V"):
        load_seedv(root, subjects=[1])
    faced = write_faced(tmp_path / "faced", subjects=[0])
    with pytest.raises(VaxisDataError, match="looks like FACED"):
        load_seedv(faced)


# ----------------------------------------------------------------------------- EEGDataset
def _tiny(**kw):
    rng = np.random.default_rng(0)
    args = dict(de=rng.normal(size=(3, 4, 2, 3, 5)), subjects=["a", "b", "c"],
                clip_category=["x", "x", "y", "z"], clip_valence=[1, 1, 5, 9],
                clip_arousal=[2, 2, 3, 4], channels=["Fp1", "Cz", "Oz"])
    args.update(kw)
    return EEGDataset(**args)


def test_dataset_validation():
    ds = _tiny()
    X, cats, subs = ds.trial_features()
    assert X.shape == (12, 15) and cats.tolist()[:4] == ["x", "x", "y", "z"]
    np.testing.assert_allclose(X.reshape(3, 4, 15).mean(axis=1), 0, atol=1e-12)
    Xw, cw, sw, ci = ds.window_features()
    assert Xw.shape == (24, 15) and ci.tolist()[:4] == [0, 0, 1, 1]
    assert ds.feature_names()[:2] == ["Fp1_delta", "Fp1_theta"]
    assert ds.select_subjects(["c", "a"]).subjects == ["c", "a"]
    assert ds.select_subjects([1]).de.shape[0] == 1
    assert ds.pick_channels(["OZ", "fp1"]).channels == ["Oz", "Fp1"]
    assert ds.select_clips([0, 2]).clip_category.tolist() == ["x", "y"]
    bad = np.ones((3, 4, 2, 3, 5))
    bad[1, 2, 0, 0, 0] = np.inf
    with pytest.raises(VaxisInputError, match="NaN/Inf.*subject b clip 2"):
        _tiny(de=bad)
    with pytest.raises(VaxisInputError, match="Duplicated subject"):
        _tiny(subjects=["a", "a", "c"])
    with pytest.raises(VaxisInputError, match="Unknown channel"):
        _tiny(channels=["Fp1", "Cz", "Q9"])
    with pytest.raises(VaxisInputError, match="5-D"):
        _tiny(de=np.ones((3, 4, 3, 5)))
    with pytest.raises(VaxisInputError, match="clip_category"):
        _tiny(clip_category=["x", "y"])
    with pytest.raises(VaxisInputError, match="3 channel names for 4"):
        _tiny(de=np.ones((3, 4, 2, 4, 5)))
    with pytest.raises(VaxisInputError, match="Unknown subject"):
        ds.select_subjects(["zz"])
