"""FACED and SEED-V loaders on miniature files written in the real layouts."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from vaxis._checks import VaxisDataError, VaxisInputError
from vaxis.eeg import EEGDataset
from vaxis.eeg.faced import load_faced
from vaxis.eeg.montage import FACED_EEG_CHANNELS, SEEDV_SESSION_LABELS
from vaxis.eeg.ratings import FACED_ITEMS, clip_ratings, faced_ratings, subject_ratings
from vaxis.eeg.seedv import load_seedv


# ----------------------------------------------------------------------------- FACED fixtures
def _faced_de(rng):
    return rng.normal(1.0, 0.3, (28, 32, 30, 5)).astype(np.float64)


def write_after_remarks(path: Path, subject: int, mutate=None):
    """``After_remarks.mat`` as the release stores it: the packaged ratings of FACED participant
    ``subject``, 28 entries in presentation order, fields score, trial, vid, Accuracy, ResponseTime
    (the last two empty except at every 4th position, where the arithmetic task's results sit)."""
    table = faced_ratings().query("subject == @subject").sort_values("position")
    scores = table[list(FACED_ITEMS)].to_numpy(float)
    vid = table["clip"].to_numpy()
    trial = np.arange(1, 29)
    if mutate:
        scores, vid, trial = mutate(scores.copy(), vid.copy(), trial.copy())
    rec = np.zeros((28,), dtype=[(f, object) for f in ("score", "trial", "vid", "Accuracy", "ResponseTime")])
    rng = np.random.default_rng(subject)
    for i in range(28):
        task = (i + 1) % 4 == 0
        rec[i] = (scores[i], float(trial[i]), float(vid[i]),
                  rng.integers(2, 21) / 20 if task else np.zeros((0, 0)),
                  rng.uniform(0.003, 4.0, 20) if task else np.zeros((0, 0)))
    path.parent.mkdir(parents=True, exist_ok=True)
    savemat(path, {"After_remark": rec})


def write_faced(root: Path, subjects=range(123), de_names="pkl.pkl", ratings=False, seed=0, scale=None):
    """Miniature FACED release: DE features (28 clips, 32 rows, 30 windows, 5 bands) and, if asked,
    ``Data/subNNN/After_remarks.mat``. ``scale``: subject -> factor multiplying its amplitude."""
    rng = np.random.default_rng(seed)
    folder = root / "EEG_Features" / "DE"
    folder.mkdir(parents=True, exist_ok=True)
    for s in subjects:
        x = _faced_de(rng) + np.log((scale or {}).get(s, 1.0))  # DE = log amplitude + const
        with open(folder / f"sub{s:03d}.{de_names}", "wb") as fh:
            pickle.dump(x, fh)
        if ratings:
            write_after_remarks(root / "Data" / f"sub{s:03d}" / "After_remarks.mat", s)
    return root


@pytest.fixture(scope="module")
def faced_root(tmp_path_factory):
    return write_faced(tmp_path_factory.mktemp("faced"), subjects=range(123))


def test_faced_loads_all(faced_root):
    ds = load_faced(faced_root)
    assert isinstance(ds, EEGDataset)
    assert ds.de.shape == (123, 28, 30, 30, 5)  # the two reference rows are left out by default
    assert ds.subjects[:2] == ["sub000", "sub001"] and ds.source == "faced"
    with open(faced_root / "EEG_Features" / "DE" / "sub005.pkl.pkl", "rb") as fh:
        raw = pickle.load(fh)
    np.testing.assert_allclose(ds.de[5], raw[:, :30].transpose(0, 2, 1, 3), rtol=1e-6)
    # no ratings in the folder: the same participants' packaged ratings (not word norms)
    assert ds.rating_scale == (0.0, 7.0) and "participants" in ds.rating_source
    np.testing.assert_allclose(ds.subject_ratings, subject_ratings(range(123)))
    np.testing.assert_allclose(ds.clip_valence, clip_ratings()["valence"].to_numpy())


def test_faced_channel_rows(tmp_path):
    """Rows 1-30 of the released files are the scalp channels, rows 31-32 the references A2, A1."""
    root = write_faced(tmp_path, subjects=[0, 1])
    raw = pickle.loads((root / "EEG_Features" / "DE" / "sub001.pkl.pkl").read_bytes())
    scalp = load_faced(root, subjects=[0, 1])
    assert scalp.channels == list(FACED_EEG_CHANNELS) and scalp.channels[16:18] == ["CP1", "CP2"]
    np.testing.assert_allclose(scalp.de[1][:, :, scalp.channels.index("O2")], raw[:, 29], rtol=1e-6)
    full = load_faced(root, subjects=[0, 1], reference_channels=True)
    assert full.channels[-2:] == ["A2", "A1"] and full.n_channels == 32
    np.testing.assert_allclose(full.de[1][:, :, 30], raw[:, 30], rtol=1e-6)  # A2 is row 31
    np.testing.assert_allclose(full.de[1][:, :, 31], raw[:, 31], rtol=1e-6)  # A1 is row 32
    np.testing.assert_array_equal(full.without_reference_channels().de, scalp.de)


def test_faced_subset_skip_and_missing(tmp_path):
    root = write_faced(tmp_path, subjects=[0, 1, 2, 3], de_names="pkl")  # TorchEEG-renamed files
    ds = load_faced(root, subjects=[0, 1, 2], ratings="norms")
    assert ds.subjects == ["sub000", "sub001", "sub002"] and ds.rating_scale == (1.0, 9.0)
    with pytest.warns(UserWarning, match=r"Skipping 1 FACED subject.*\[1\]"):
        ds = load_faced(root, subjects=[0, 1, 2], skip_subjects=[1], ratings="norms")
    assert ds.subjects == ["sub000", "sub002"]
    np.testing.assert_allclose(ds.subject_ratings, subject_ratings([0, 2]))  # the subjects' own rows
    with pytest.raises(VaxisDataError, match=r"119 FACED subject file\(s\) missing.*partial"):
        load_faced(root, ratings="norms")
    with pytest.raises(VaxisDataError, match=r"subjects \[7\]"):
        load_faced(root, subjects=[0, 7], ratings="norms")


def test_faced_ratings_files_real_format(tmp_path):
    """After_remarks.mat in presentation order are put back in video order, on the fixed 0-7 scale."""
    root = write_faced(tmp_path, subjects=[0, 1, 2], ratings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # files equal to the packaged table: no warning
        ds = load_faced(root, subjects=[0, 1, 2], ratings="files")
    table = subject_ratings([0, 1, 2])
    np.testing.assert_allclose(ds.subject_ratings, table)
    np.testing.assert_allclose(ds.clip_valence, table[..., FACED_ITEMS.index("valence")].mean(0))
    np.testing.assert_allclose(ds.clip_arousal, table[..., FACED_ITEMS.index("arousal")].mean(0))
    assert "After_remarks" in ds.rating_source and ds.rating_scale == (0.0, 7.0)
    assert ds.rating_items == FACED_ITEMS and ds.subject_item("joy").shape == (3, 28)
    assert load_faced(root, subjects=[0, 1, 2]).rating_source == ds.rating_source  # auto: files
    root2 = write_faced(tmp_path / "b", subjects=[0])
    with pytest.raises(VaxisDataError, match="No After_remarks.mat"):
        load_faced(root2, subjects=[0], ratings="files")


def _mutated(tmp_path, mutate, subjects=(0, 1, 2)):
    root = write_faced(tmp_path, subjects=subjects)
    for s in subjects:
        write_after_remarks(root / "Data" / f"sub{s:03d}" / "After_remarks.mat", s, mutate)
    return root


@pytest.mark.parametrize("case, mutate, message", [
    ("arousal read as valence", lambda sc, v, t: (sc[:, [0, 1, 2, 3, 4, 5, 6, 7, 9, 8, 10, 11]], v, t),
     r"positive-category clips are rated no higher.*sub000.*FACED_ITEMS"),
    ("clips reversed", lambda sc, v, t: (sc, 29 - v, t), r"wrong order.*'vid'"),
    ("off the 0-7 scale", lambda sc, v, t: (sc * 1.5, v, t), r"fixed 0-7 scale"),
    ("not in presentation order", lambda sc, v, t: (sc, v, t[::-1]), r"presentation order"),
    ("vid twice", lambda sc, v, t: (sc, np.where(v == 5, 6, v), t), r"'vid' must list videos"),
], ids=lambda x: x if isinstance(x, str) else "")
def test_faced_ratings_guards(tmp_path, case, mutate, message):
    root = _mutated(tmp_path, mutate)
    with pytest.raises(VaxisDataError, match=message):
        load_faced(root, subjects=[0, 1, 2], ratings="files")


def test_faced_ratings_guard_switch_and_table_check(tmp_path):
    root = _mutated(tmp_path, lambda sc, v, t: (sc, 29 - v, t))
    with pytest.warns(UserWarning, match=r"sub000.*differ from the published ratings"):
        ds = load_faced(root, subjects=[0, 1, 2], ratings="files", check_ratings=False)
    assert ds.clip_valence[0] > ds.clip_valence[-1]  # what the (wrong) files say, on request
    root2 = _mutated(tmp_path / "b", lambda sc, v, t: (sc + 0.01 * (sc < 6.9), v, t))
    with pytest.warns(UserWarning, match=r"differ from the published ratings"):
        load_faced(root2, subjects=[0, 1, 2], ratings="files")


def test_faced_missing_field(tmp_path):
    root = write_faced(tmp_path, subjects=[0])
    rec = np.zeros((28,), dtype=[("score", object), ("trial", object)])
    for i in range(28):
        rec[i] = (np.full(12, 3.0), float(i + 1))
    (root / "Data" / "sub000").mkdir(parents=True)
    savemat(root / "Data" / "sub000" / "After_remarks.mat", {"After_remark": rec})
    with pytest.raises(VaxisDataError, match=r"no 'vid' field"):
        load_faced(root, subjects=[0], ratings="files")


def test_faced_amplitude_guard(tmp_path):
    """A subject recorded at ~3000x the others' amplitude (FACED's sub023) is named, with the fix."""
    root = write_faced(tmp_path, subjects=range(20, 30), scale={23: 3000.0})
    with pytest.warns(UserWarning, match=r"sub023 \(3e\+03 x the median.*skip_subjects=\[23\]"):
        ds = load_faced(root, subjects=range(20, 30))
    assert list(ds.meta["amplitude_outliers"]) == ["sub023"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message="Skipping")
        ok = load_faced(root, subjects=range(20, 30), skip_subjects=[23])
    assert ok.meta["amplitude_outliers"] == {} and "sub023" not in ok.subjects
    root2 = write_faced(tmp_path / "b", subjects=range(10), scale={4: 3.0})  # 3x: individual, not flagged
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert load_faced(root2, subjects=range(10)).meta["amplitude_outliers"] == {}


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
#: SEED-V's real per-session label orders (session 1: 4,1,3,2,0 x3; sessions 2 and 3 the same 15).
LABELS = np.array([4, 1, 3, 2, 0] * 3 + [2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0] * 2)


def write_seedv_subject(path: Path, rng, labels=LABELS, lengths=None, mutate=None):
    """One ``<subject>_123.npz`` as the release stores it: ``data`` and ``label`` are pickled dicts
    saved as bytes (0-d bytes arrays), read back with ``pickle.loads(np.load(path)["data"])``."""
    lengths = lengths if lengths is not None else rng.integers(5, 9, size=45)
    data = {k: rng.normal(size=(int(lengths[k]), 310)) for k in range(45)}
    label = {k: np.full(int(lengths[k]), labels[k]) for k in range(45)}
    if mutate:
        mutate(data, label)
    np.savez(path, data=pickle.dumps(data), label=pickle.dumps(label))


def write_seedv(root: Path, subjects=range(1, 17), seed=0):
    rng = np.random.default_rng(seed)
    folder = root / "EEG_DE_features"
    folder.mkdir(parents=True, exist_ok=True)
    for s in subjects:
        write_seedv_subject(folder / f"{s}_123.npz", rng)
    return root


def test_seedv_fixture_is_release_format(tmp_path):
    """Stored as the release does (bytes, no object arrays): read without allow_pickle, as TorchEEG does."""
    write_seedv_subject(tmp_path / "1_123.npz", np.random.default_rng(0))
    with np.load(tmp_path / "1_123.npz") as npz:  # allow_pickle=False
        assert npz["data"].dtype.kind == "S" and npz["data"].ndim == 0
        label = pickle.loads(npz["label"])
    assert [int(label[k][0]) for k in range(45)] == [x for s in SEEDV_SESSION_LABELS for x in s] == LABELS.tolist()


def test_seedv_loads_and_crops(tmp_path):
    root = write_seedv(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the published label orders: no warning
        ds = load_seedv(root)
    assert ds.de.shape == (16, 45, 5, 62, 5) and ds.n_windows == ds.meta["shortest_trial"] == 5
    assert ds.clip_category[0] == "happy" and ds.clip_session.tolist() == [1] * 15 + [2] * 15 + [3] * 15
    assert ds.clip_category[15:20].tolist() == ["sad", "fear", "neutral", "disgust", "happy"]
    raw = pickle.loads(np.load(root / "EEG_DE_features" / "1_123.npz")["data"])
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
    with pytest.warns(UserWarning, match=r"differ from the published per-session orders at trial\(s\) \[1, 2\]"):
        load_seedv(root, subjects=[2])
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
