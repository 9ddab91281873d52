"""Montage constants and the mne.Info builder."""

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.eeg import montage as m


#: TorchEEG's FACED_CHANNEL_LIST (torcheeg/datasets/constants/emotion_recognition/faced.py lines 8-12),
#: the 30 scalp rows of the released files, "and 'A2', 'A1'" after them.
TORCHEEG_FACED = ["FP1", "FP2", "FZ", "F3", "F4", "F7", "F8", "FC1", "FC2", "FC5", "FC6", "CZ", "C3", "C4", "T7",
                  "T8", "CP1", "CP2", "CP5", "CP6", "PZ", "P3", "P4", "P7", "P8", "PO3", "PO4", "OZ", "O1", "O2"]


def test_faced_constants():
    assert len(m.FACED_CHANNELS) == 32 and len(set(m.FACED_CHANNELS)) == 32
    # released order: 30 scalp channels, then the reference rows A2, A1 (not A1, A2 at rows 17-18)
    assert m.canonical_channel_names(TORCHEEG_FACED) == list(m.FACED_CHANNELS[:30])
    assert m.FACED_CHANNELS[30:] == ("A2", "A1") == m.REFERENCE_CHANNELS
    assert m.FACED_CHANNELS[16:18] == ("CP1", "CP2")
    # the authors' channel_modify (LJL-6666/clisa-eeg-emotion Preprocessing.py lines 282-287) applied
    # to cohort 1's raw order (nm000112 sub-000 channels.tsv, T3/T4/T5/T6 renamed) gives the same order
    raw_cohort1 = ["Fp1", "Fp2", "Fz", "F3", "F4", "F7", "F8", "FC1", "FC2", "FC5", "FC6", "Cz", "C3", "C4", "T7",
                   "T8", "A1", "A2", "CP1", "CP2", "CP5", "CP6", "Pz", "P3", "P4", "P7", "P8", "PO3", "PO4", "Oz",
                   "O1", "O2"]
    new_order = list(range(16)) + list(range(18, 32)) + [17, 16]
    assert [raw_cohort1[i] for i in new_order] == list(m.FACED_CHANNELS)
    assert m.FACED_EEG_CHANNELS == m.FACED_CHANNELS[:30] and m.scalp_channels(m.FACED_CHANNELS) == list(m.FACED_CHANNELS[:30])
    assert len(m.FACED_CLIP_CATEGORIES) == 28
    counts = {c: m.FACED_CLIP_CATEGORIES.count(c) for c in m.FACED_CATEGORIES}
    assert counts["neutral"] == 4 and all(v == 3 for k, v in counts.items() if k != "neutral")
    # label order: clips 1-3 anger ... 13-16 neutral ... 26-28 tenderness
    labels = [m.FACED_CATEGORIES.index(c) for c in m.FACED_CLIP_CATEGORIES]
    assert labels == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3 + [4] * 4 + [5] * 3 + [6] * 3 + [7] * 3 + [8] * 3


def test_seedv_constants_and_bands():
    assert len(m.SEEDV_CHANNELS) == 62 and len(set(m.SEEDV_CHANNELS)) == 62
    assert m.SEEDV_EMOTIONS == ("disgust", "fear", "sad", "neutral", "happy")
    assert m.SEEDV_SESSION_LABELS[0] == (4, 1, 3, 2, 0) * 3
    assert m.SEEDV_SESSION_LABELS[1] == m.SEEDV_SESSION_LABELS[2] == (2, 1, 3, 0, 4, 4, 0, 3, 2, 1, 3, 4, 1, 2, 0)
    assert all(sorted(s) == sorted(list(range(5)) * 3) for s in m.SEEDV_SESSION_LABELS)
    edges = list(m.BANDS.values())
    assert len(edges) == 5 and all(a[1] == b[0] for a, b in zip(edges, edges[1:]))


def test_canonical_names_and_unknown():
    assert m.canonical_channel_names(["FP1", "fpz", "CZ", "po3"]) == ["Fp1", "Fpz", "Cz", "PO3"]
    with pytest.raises(VaxisInputError, match="T3"):
        m.canonical_channel_names(["Fp1", "T3x"])


def test_make_info_positions():
    info = m.make_info(m.FACED_CHANNELS)
    assert info["nchan"] == 30 and "A1" not in info["ch_names"] and info["ch_names"] == list(m.FACED_EEG_CHANNELS)
    assert m.make_info(m.FACED_CHANNELS, drop_references=False)["ch_names"][-2:] == ["A2", "A1"]
    pos = np.array([ch["loc"][:3] for ch in info["chs"]])
    assert np.isfinite(pos).all() and (np.linalg.norm(pos, axis=1) > 0).all()
    with pytest.warns(UserWarning, match="CB1"):
        info62 = m.make_info(m.SEEDV_CHANNELS, sfreq=200)
    assert info62["nchan"] == 62
    xy = m.channel_positions_2d(m.FACED_EEG_CHANNELS)
    assert xy.shape == (30, 2)
