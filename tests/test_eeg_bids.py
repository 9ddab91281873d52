"""FACED's BIDS route (vaxis.eeg.faced_bids) on tiny replicas built from the release's own files.

Tiny files: each subject keeps its real sampling rate, channel names and order, units and the order
in which it saw the clips, but its 28 clips are re-timed to 4.7 s each, back to back (a 1000-Hz
subject is 14 MB instead of 469 MB), and the config keeps the last 4 s of each clip.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaxis._checks import VaxisDataError
from vaxis.eeg import cohort, faced, faced_bids, replica
from vaxis.eeg.dataset import is_simulated
from vaxis.eeg.features import differential_entropy
from vaxis.eeg.montage import FACED_CHANNELS, FACED_CLIP_CATEGORIES
from vaxis.eeg.ratings import faced_ratings, subject_ratings
from vaxis.eeg.simulate import FacedRawSource

CLIP_S = 4
CONFIG = faced_bids.FacedBidsConfig(clip_s=CLIP_S)
RAW = faced_bids.FacedBidsConfig(clip_s=CLIP_S, reference="none")
#: 4: 250 Hz, channels.tsv units n/a (cohort 1: T3.., A1 A2 at rows 17-18); 61, 62: 1000 Hz, µV
#: (cohort 2: HEOR HEOL last); 62 is written in volts.
SUBJECTS = (4, 61, 62)


def tiny_events(n: int, clip_s: float = CLIP_S, gap: float = 1.5) -> pd.DataFrame:
    """Subject ``n``'s release events, clip rows only, re-timed: in its own presentation order,
    each clip lasting ``clip_s + 0.7`` s, ``gap`` s apart, the first at 3 s."""
    ev = replica.release_subject(n)["events"]
    rows = replica.clip_rows(ev).sort_values("onset")
    out = ev.loc[rows.index].copy()
    dur = clip_s + 0.7
    out["onset"] = [round(3.0 + i * (dur + gap), 3) for i in range(len(out))]
    out["duration"] = dur
    out["sample"] = 0  # rewritten from the onsets
    return out


def build(root: Path, subjects=SUBJECTS, **kw) -> Path:
    kw.setdefault("encoding", {62: "V"})
    return replica.build_replica(root, subjects, events={n: tiny_events(n) for n in subjects}, clip_s=CLIP_S,
                                 length="clips", end_margin_s=2.0, progress=False, **kw)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("faced-bids"))


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _bdf(root: Path, n: int) -> Path:
    return root / replica.subject_file(n, "eeg.bdf")


# ----------------------------------------------------------------------------- the packaged files
def test_packaged_release_files_say_what_the_release_says():
    files = replica.release_files()
    assert len(files) == 617 and "dataset_description.json" in files and "README.md" not in files
    rates = [replica.release_subject(n)["sfreq"] for n in range(123)]
    assert rates.count(1000.0) == 68 and rates.count(250.0) == 55
    units = [replica.release_subject(n)["units"] for n in range(123)]
    assert units.count(["µV"]) == 90 and units.count(["n/a"]) == 33
    s0, s61 = replica.release_subject(0), replica.release_subject(61)
    assert s0["channels"][16:18] == ["A1", "A2"] and s61["channels"][-2:] == ["HEOR", "HEOL"]
    clips = replica.clip_rows(s0["events"])
    assert sorted(clips.video) == list(range(1, 29)) and clips.duration.min() > 34
    # the events carry the participants' ratings: the packaged table, same values
    table = faced_ratings().query("subject == 0").set_index("clip")
    np.testing.assert_allclose(clips.set_index("video").sort_index()["Valence"].astype(float),
                               table["valence"], atol=1e-4)


# ----------------------------------------------------------------------------- known answers
def test_route_reproduces_the_simulated_de_in_video_order(tiny):
    """Without the average reference the route's DE is the DE of the simulated signal itself, clips in
    video order and rows in the released order, at both rates and in all three unit encodings."""
    ds = faced_bids.load_faced_bids(tiny, subjects=list(SUBJECTS), config=RAW, reference_channels=True, progress=False)
    assert ds.subjects == ["sub004", "sub061", "sub062"] and ds.channels[-2:] == ["A2", "A1"]
    assert ds.meta["units"] == {"sub004": "microvolt numbers read as volts", "sub061": "volts", "sub062": "volts"}
    assert ds.meta["sfreq_recorded"] == {"sub004": 250.0, "sub061": 1000.0, "sub062": 1000.0}
    source = FacedRawSource(n_subjects=63)
    for i, n in enumerate(SUBJECTS):
        _, x = source.subject(n, 250.0 if n == 4 else 1000.0, n_windows=CLIP_S)
        want = differential_entropy(x, 250.0 if n == 4 else 1000.0).transpose(0, 2, 1, 3)  # (28, W, 32, 5)
        got = ds.de[i]
        if n == 4:  # same rate: the same filters on the same samples, up to the 0.05-47 Hz band-pass
            np.testing.assert_allclose(got[:, 1:-1], want[:, 1:-1], atol=0.02)
        r = np.corrcoef(got.ravel(), want.ravel())[0, 1]
        assert r > 0.995, (n, r)
        shuffled = np.corrcoef(got[::-1].ravel(), want.ravel())[0, 1]  # clips in another order: far worse
        assert shuffled < r - 0.05, (n, shuffled)
    # ratings and presentation order come from the events: the packaged table's
    np.testing.assert_allclose(ds.subject_ratings, subject_ratings(SUBJECTS), atol=1e-4)
    positions = faced_ratings().query("subject in @SUBJECTS").pivot(index="subject", columns="clip", values="position")
    assert ds.meta["presentation_position"] == positions.to_numpy().tolist()
    assert list(ds.clip_category) == list(FACED_CLIP_CATEGORIES)


def test_a_sine_of_known_power_gives_its_de_in_the_right_rows(tmp_path):
    """Each clip's span of each channel holds a 10-Hz sine of its own amplitude A: the alpha DE of the
    middle windows is 0.5 log(pi e A^2), in the row of that clip (video order) and that channel
    (released order), for a 1000-Hz cohort-2 file (HEOR/HEOL)."""
    n = 61
    root = build(tmp_path / "sine", subjects=[n], encoding="uV")
    rel = replica.release_subject(n)
    events = tiny_events(n)
    sf = rel["sfreq"]
    total = int(np.ceil(float((events.onset + events.duration).max()) + 2.0))
    data = np.zeros((32, int(total * sf)))
    rng = np.random.default_rng(0)
    data += 0.01 * rng.standard_normal(data.shape)  # not flat between the clips
    amp = np.zeros((28, 32))  # by video, by released channel
    t = np.arange(int(CLIP_S * sf)) / sf
    for row in replica.clip_rows(events).itertuples():
        stop = int(round(row.end * sf))
        for i, name in enumerate(rel["channels"]):
            c = FACED_CHANNELS.index(replica.RELEASE_NAMES.get(name, name))
            amp[row.video - 1, c] = 10.0 * (1 + row.video / 28) * (1 + c / 64)
            data[i, stop - t.size:stop] = amp[row.video - 1, c] * np.sin(2 * np.pi * 10.0 * t + 0.3 * c)
    replica._write_bdf(_bdf(root, n), data, rel["channels"], sf, ["uV"] * 32)
    ds = faced_bids.load_faced_bids(root, subjects=[n], config=RAW, reference_channels=True, progress=False)
    alpha = ds.de[0][:, 1:-1, :, ds.band_names.index("alpha")]  # (28, middle windows, 32)
    want = 0.5 * np.log(np.pi * np.e * amp ** 2)  # variance A^2 / 2
    np.testing.assert_allclose(alpha, np.repeat(want[:, None, :], alpha.shape[1], axis=1), atol=0.01)
    assert ds.meta["amplitude_uV"]["sub061"] == pytest.approx(np.median(amp[:, :30] / np.sqrt(2)), rel=0.05)


def test_replica_is_labelled_simulated_and_carries_its_truth(tiny, tmp_path):
    ds = cohort("faced", tiny, n_subjects=2, bids_config=CONFIG)  # the first two present: 4, 61
    assert ds.subjects == ["sub004", "sub061"] and ds.source == "simulated-faced-replica" and is_simulated(ds.source)
    planted = FacedRawSource(n_subjects=63).planted_valence[:30]
    np.testing.assert_allclose(ds.planted_valence, planted)
    recorded = _copy(tiny, tmp_path / "recorded")
    (recorded / "dataset_description.json").write_text('{"Name": "FACED", "BIDSVersion": "1.7.0"}')
    real = cohort("faced", recorded, n_subjects=1, bids_config=CONFIG)
    assert real.source == "faced" and not is_simulated(real.source) and real.planted_valence is None


# ----------------------------------------------------------------------------- layouts
def test_layout_is_detected_and_named(tiny, tmp_path, capsys):
    cohort("faced", tiny, n_subjects=1, bids_config=CONFIG)
    assert "the BIDS release" in capsys.readouterr().out
    synapse = tmp_path / "synapse" / "EEG_Features" / "DE"
    synapse.mkdir(parents=True)
    import pickle

    with open(synapse / "sub000.pkl.pkl", "wb") as fh:
        pickle.dump(np.zeros((28, 32, 30, 5)) + 1.0, fh)
    cohort("faced", tmp_path / "synapse", n_subjects=1)
    assert "the Synapse release" in capsys.readouterr().out
    (tmp_path / "other" / "stuff").mkdir(parents=True)
    with pytest.raises(VaxisDataError, match=r"BIDS release \(NEMAR nm000112.*Synapse release \(syn50614194"):
        cohort("faced", tmp_path / "other", n_subjects=1)
    with pytest.raises(VaxisDataError, match=r"3 faced subjects asked for.*holds the data of 1 .*subjects \[1, 2\]"):
        cohort("faced", tmp_path / "synapse", n_subjects=3)


# ----------------------------------------------------------------------------- damage
def _cached(root: Path, n: int) -> Path:
    return faced_bids._cache_path(faced_bids.file_identity(root, n), n, CONFIG)


@pytest.mark.parametrize("damage, message", [
    ("missing", r"sub-062: the recording .* is missing.*skip_subjects=\[62\]"),
    ("pointer", r"sub-062: .* git-annex pointer.*datalad get"),
    ("truncated", r"sub-062: .* is truncated: its header announces more records than its .* bytes hold"),
    ("no clips", r"sub-062: .*events.tsv has 0 clip rows.*FACED has 28"),
    ("clip beyond the end", r"sub-062: video \d+ ends at .* holds .* s: the recording is truncated"),
])
def test_damage_found_before_any_work(tiny, tmp_path, damage, message):
    root = _copy(tiny, tmp_path / "damaged")
    bdf, events = _bdf(root, 62), root / replica.subject_file(62, "events.tsv")
    if damage == "missing":
        bdf.unlink()
    elif damage == "pointer":
        bdf.write_text("/annex/objects/SHA256E-s468584448--4e90.bdf\n")
    elif damage == "truncated":
        with open(bdf, "r+b") as fh:
            fh.truncate(bdf.stat().st_size // 2)
    elif damage == "no clips":
        ev = pd.read_csv(events, sep="\t")
        ev.iloc[:0].to_csv(events, sep="\t", index=False)
    else:
        ev = pd.read_csv(events, sep="\t")
        ev.loc[ev.index[-1], "onset"] += 60.0
        ev.to_csv(events, sep="\t", index=False)
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(faced_bids, "process_subject", lambda *a: calls.append(a) or pytest.fail("work started"))
        with pytest.raises(VaxisDataError, match=message):
            faced_bids.load_faced_bids(root, subjects=[4, 62], config=CONFIG, progress=False)
    assert not calls


@pytest.mark.parametrize("scale, message", [
    ("mixed", r"sub-062: channels \[.*\] of .* differ from the median channel.*mixed units"),
    ("mV", r"sub-062: implausible EEG amplitude .* EEG lies within 1-200 uV.*skip_subjects=\[62\]"),
])
def test_unit_guard_fails_loudly_and_keeps_the_other_subjects(tiny, tmp_path, scale, message):
    """Volts and microvolts mixed in one file, or numbers no unit makes EEG (here 1000x): an error
    naming the subject; the other subject of the run is cached and is not computed again."""
    root = _copy(tiny, tmp_path / "units")
    rel = replica.release_subject(62)
    import mne

    x = mne.io.read_raw_bdf(_bdf(root, 62), preload=True, verbose="error").get_data()  # volts (encoding V)
    x = x * 1e6  # microvolts
    if scale == "mixed":
        x[:8] *= 1e-6  # the first 8 channels in volts, the rest in microvolts, one label
    else:
        x *= 1e3
    replica._write_bdf(_bdf(root, 62), x, rel["channels"], rel["sfreq"], ["uV"] * 32)
    with pytest.raises(VaxisDataError, match=message):
        faced_bids.load_faced_bids(root, subjects=[61, 62], config=CONFIG, progress=False)
    good = _cached(root, 61)
    assert good.is_file() and not _cached(root, 62).is_file()
    before = good.stat().st_mtime_ns
    replica.build_replica(root, [62], events={62: tiny_events(62)}, clip_s=CLIP_S, length="clips", end_margin_s=2.0,
                          encoding="V", progress=False)  # repaired
    seen = []
    real = faced_bids.process_subject
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(faced_bids, "process_subject", lambda plan, cfg: seen.append(plan.number) or real(plan, cfg))
        faced_bids.load_faced_bids(root, subjects=[61, 62], config=CONFIG, progress=False)
    assert seen == [62] and good.stat().st_mtime_ns == before


def test_a_killed_run_resumes(tiny, monkeypatch):
    real, seen = faced_bids.process_subject, []

    def dies_on_second(plan, cfg):
        seen.append(plan.number)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real(plan, cfg)

    monkeypatch.setattr(faced_bids, "process_subject", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        faced_bids.load_faced_bids(tiny, subjects=[4, 61], config=CONFIG, progress=False)
    assert _cached(tiny, 4).is_file() and not _cached(tiny, 61).is_file()
    assert not list(_cached(tiny, 61).parent.glob(".*.part"))  # nothing half-written
    seen.clear()
    monkeypatch.setattr(faced_bids, "process_subject", lambda plan, cfg: seen.append(plan.number) or real(plan, cfg))
    faced_bids.load_faced_bids(tiny, subjects=[4, 61], config=CONFIG, progress=False)
    assert seen == [61]


def test_parallel_equals_sequential(tiny, tmp_path, monkeypatch):
    a = faced_bids.load_faced_bids(tiny, subjects=[4, 61], config=CONFIG, progress=False)
    monkeypatch.setenv("VAXIS_CACHE", str(tmp_path / "other-cache"))
    b = faced_bids.load_faced_bids(tiny, subjects=[4, 61], config=CONFIG, n_jobs=2, progress=False)
    np.testing.assert_array_equal(a.de, b.de)


def test_compare_with_synapse_features(tiny, tmp_path, capsys):
    """The comparison command, on a Synapse folder holding this route's own DE: r 1, difference 0."""
    import pickle

    de = faced_bids.subject_features(tiny, [4], CONFIG)[4]["de"]  # (28, 32, 4 windows, 5)
    folder = tmp_path / "syn" / "EEG_Features" / "DE"
    folder.mkdir(parents=True)
    with open(folder / "sub004.pkl.pkl", "wb") as fh:
        pickle.dump(de.astype(np.float64) + 0.5, fh)
    table = faced.compare_features(tiny, tmp_path / "syn", [4], CONFIG)
    assert len(table) == 32 * 5 and (table.r > 0.9999).all()
    np.testing.assert_allclose(table.mean_diff, -0.5, atol=1e-5)
    assert faced.main(["compare", str(tiny), str(tmp_path / "syn"), "--subjects", "4", "--clip-s", "4"]) == 0
    assert "mean over channels and bands: r 1.000, difference -0.500 nats" in capsys.readouterr().out
    assert faced.main(["compare", str(tiny), str(tmp_path / "syn"), "--subjects", "4"]) == 1  # 30 s: too long
