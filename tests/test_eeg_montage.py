"""Montage constants and the mne.Info builder."""

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.eeg import montage as m


def test_faced_constants():
    assert len(m.FACED_CHANNELS) == 32 and len(set(m.FACED_CHANNELS)) == 32
    assert m.FACED_CHANNELS[16:18] == ("A1", "A2")
    assert len(m.FACED_EEG_CHANNELS) == 30
    assert len(m.FACED_CLIP_CATEGORIES) == 28
    counts = {c: m.FACED_CLIP_CATEGORIES.count(c) for c in m.FACED_CATEGORIES}
    assert counts["neutral"] == 4 and all(v == 3 for k, v in counts.items() if k != "neutral")
    # label order: clips 1-3 anger ... 13-16 neutral ... 26-28 tenderness
    labels = [m.FACED_CATEGORIES.index(c) for c in m.FACED_CLIP_CATEGORIES]
    assert labels == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3 + [4] * 4 + [5] * 3 + [6] * 3 + [7] * 3 + [8] * 3


def test_seedv_constants_and_bands():
    assert len(m.SEEDV_CHANNELS) == 62 and len(set(m.SEEDV_CHANNELS)) == 62
    assert m.SEEDV_EMOTIONS == ("disgust", "fear", "sad", "neutral", "happy")
    edges = list(m.BANDS.values())
    assert len(edges) == 5 and all(a[1] == b[0] for a, b in zip(edges, edges[1:]))


def test_canonical_names_and_unknown():
    assert m.canonical_channel_names(["FP1", "fpz", "CZ", "po3"]) == ["Fp1", "Fpz", "Cz", "PO3"]
    with pytest.raises(VaxisInputError, match="T3"):
        m.canonical_channel_names(["Fp1", "T3x"])


def test_make_info_positions():
    info = m.make_info(m.FACED_CHANNELS)
    assert info["nchan"] == 30 and "A1" not in info["ch_names"]
    pos = np.array([ch["loc"][:3] for ch in info["chs"]])
    assert np.isfinite(pos).all() and (np.linalg.norm(pos, axis=1) > 0).all()
    with pytest.warns(UserWarning, match="CB1"):
        info62 = m.make_info(m.SEEDV_CHANNELS, sfreq=200)
    assert info62["nchan"] == 62
    xy = m.channel_positions_2d(m.FACED_EEG_CHANNELS)
    assert xy.shape == (30, 2)
