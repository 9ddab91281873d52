"""The simulated cohort: shapes, determinism, knobs, and recovery of its planted valence pattern."""

import numpy as np
import pytest
from scipy import stats

from vaxis._checks import VaxisInputError
from vaxis.eeg import EEGDataset
from vaxis.eeg import cohort
from vaxis.eeg.montage import FACED_EEG_CHANNELS, SEEDV_EMOTIONS, SEEDV_SESSION_LABELS
from vaxis.eeg.ratings import CATEGORY_NORMS, FACED_ITEMS, VADER_VALENCE, clip_ratings, subject_ratings
from vaxis.eeg.simulate import SimulationParams, simulate_faced, simulate_seedv


@pytest.fixture(scope="module")
def small():
    return simulate_faced(n_subjects=24, n_windows=10, seed=3)


def test_shapes_and_labels(small):
    assert isinstance(small, EEGDataset)
    assert small.de.shape == (24, 28, 10, 30, 5) and small.de.dtype == np.float32
    assert small.channels == list(FACED_EEG_CHANNELS)  # reference rows left out, as for real data
    assert small.categories[0] == "anger" and len(small.categories) == 9
    assert small.source == "simulated-faced"


def test_ratings_are_the_participants(small):
    """Clip valence/arousal: FACED participants' clip means; subject n carries participant n mod 123."""
    clips = clip_ratings()
    np.testing.assert_allclose(small.clip_valence, clips["valence"])
    np.testing.assert_allclose(small.clip_arousal, clips["arousal"])
    assert small.rating_scale == (0.0, 7.0) and "participants" in small.rating_source
    assert small.subject_ratings.shape == (24, 28, 12) and small.rating_items == FACED_ITEMS
    np.testing.assert_array_equal(small.subject_ratings, subject_ratings(range(24)))
    big = simulate_faced(n_subjects=125, n_windows=2, seed=3)
    np.testing.assert_array_equal(big.subject_ratings[123:], subject_ratings([0, 1]))
    assert big.select_subjects([124]).subject_item("valence").shape == (1, 28)
    norms = simulate_faced(n_subjects=2, n_windows=2, seed=3, ratings="norms")
    assert norms.clip_valence[0] == CATEGORY_NORMS["anger"][0] and norms.rating_scale == (1.0, 9.0)
    assert not np.allclose(norms.de, simulate_faced(n_subjects=2, n_windows=2, seed=3).de)  # valence is planted


def test_reference_channels_option():
    """Simulated in the released 32-row layout; the default selection drops A2, A1, nothing else."""
    full = simulate_faced(n_subjects=3, n_windows=4, seed=5, reference_channels=True)
    scalp = simulate_faced(n_subjects=3, n_windows=4, seed=5)
    assert full.channels[-2:] == ["A2", "A1"] and full.n_channels == 32
    np.testing.assert_array_equal(full.de[..., :30, :], scalp.de)
    via_cohort = cohort("faced", None, n_subjects=3, seed=5, reference_channels=True)  # 30 windows
    np.testing.assert_array_equal(via_cohort.de, simulate_faced(n_subjects=3, seed=5, reference_channels=True).de)
    assert via_cohort.channels == full.channels
    with pytest.raises(VaxisInputError, match=r"seedv cohort takes no option \['reference_channels'\]"):
        cohort("seedv", None, n_subjects=2, reference_channels=True)


def test_deterministic_and_subject_stable():
    a = simulate_faced(n_subjects=3, n_windows=4, seed=5)
    b = simulate_faced(n_subjects=5, n_windows=4, seed=5)
    np.testing.assert_array_equal(a.de, b.de[:3])
    c = simulate_faced(n_subjects=3, n_windows=4, seed=6)
    assert not np.allclose(a.de, c.de)


def test_bad_knobs():
    with pytest.raises(VaxisInputError, match="Unknown simulation knob"):
        simulate_faced(n_subjects=2, valence_strenght=1.0)
    with pytest.raises(VaxisInputError, match=">= 0"):
        SimulationParams(noise=-1)
    with pytest.raises(VaxisInputError, match="mode"):
        simulate_faced(n_subjects=2, mode="eeg")


def test_recovers_planted_valence_on_new_subjects(small):
    """Fit a ridge map EEG -> human valence on 16 subjects, test on 8 others (no generator internals)."""
    from sklearn.linear_model import Ridge

    X, cats, subs = small.trial_features()
    val = small.category_ratings()["valence"]
    y = val.loc[cats].to_numpy()
    train = np.isin(subs, small.subjects[:16])
    model = Ridge(alpha=100.0).fit(X[train], y[train])
    pred = model.predict(X[~train])
    r, p = stats.pearsonr(pred, y[~train])
    assert r > 0.3 and p < 1e-4
    # and nothing is learned when valence is not planted and neither categories nor clips carry a signal
    flat = simulate_faced(n_subjects=24, n_windows=10, seed=3, valence_strength=0.0,
                          arousal_strength=0.0, residual_strength=0.0, clip_identity=0.0)
    Xf, _, _ = flat.trial_features()
    rf = stats.pearsonr(Ridge(alpha=100.0).fit(Xf[train], y[train]).predict(Xf[~train]), y[~train])[0]
    assert abs(rf) < 0.2


def test_raw_mode_follows_latent_model():
    feat = simulate_faced(n_subjects=1, n_windows=6, seed=1)
    raw = simulate_faced(n_subjects=1, n_windows=6, seed=1, mode="raw")
    assert raw.de.shape == feat.de.shape
    # same latent model: clip-averaged DE agree (differences: DE estimated from 1-s windows of
    # filtered signals, and the smooth amplitude envelope between windows)
    a, b = feat.de.mean(axis=2), raw.de.mean(axis=2)
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.8
    for k in range(5):
        assert np.corrcoef(a[..., k].ravel(), b[..., k].ravel())[0, 1] > 0.7


def test_seedv_shape():
    ds = simulate_seedv(n_subjects=3, n_windows=5, n_sessions=2)
    assert ds.de.shape == (3, 30, 5, 62, 5)
    assert set(ds.clip_session) == {1, 2} and ds.window_s == 4.0
    # SEED-V's real per-session orders (session 1 differs from session 2)
    expected = [SEEDV_EMOTIONS[k] for s in SEEDV_SESSION_LABELS[:2] for k in s]
    assert ds.clip_category.tolist() == expected and ds.subject_ratings is None
    with pytest.raises(VaxisInputError, match="sessions 1..3"):
        simulate_seedv(n_subjects=1, n_sessions=4)



def test_human_norms_agree_with_a_second_lexicon():
    """The Warriner norms that scale the simulator agree with VADER's raters (r about 0.96, same signs)."""
    words = sorted(VADER_VALENCE)
    warriner = np.array([CATEGORY_NORMS[w][0] for w in words])
    vader = np.array([VADER_VALENCE[w] for w in words])
    assert stats.pearsonr(warriner, vader)[0] > 0.9
    affective = vader != 0  # "neutral" is not in VADER's lexicon (0 stands for it)
    assert (np.sign(warriner - 5.0) == np.sign(vader))[affective].all()  # 5 and 0: the scales' midpoints
