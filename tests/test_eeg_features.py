"""Differential entropy against its closed form."""

import numpy as np
import pytest
from scipy import signal

from vaxis._checks import VaxisInputError
from vaxis.eeg.features import band_filter, de_to_variance, differential_entropy, gaussian_de

SF = 250.0


def test_closed_form_roundtrip():
    assert gaussian_de(1.0) == pytest.approx(0.5 * np.log(2 * np.pi * np.e))
    v = np.array([0.1, 1.0, 7.5])
    np.testing.assert_allclose(de_to_variance(gaussian_de(v)), v)


def test_band_limited_gaussian_matches_closed_form():
    """A Gaussian signal confined well inside a band keeps its variance through the filter."""
    rng = np.random.default_rng(0)
    sigma, n_t = 2.0, 20 * int(SF)
    freqs = np.fft.rfftfreq(n_t, 1 / SF)
    spec = np.fft.rfft(rng.standard_normal((16, n_t)), axis=-1)
    spec[..., (freqs < 17) | (freqs > 27)] = 0  # inside beta (14-30 Hz)
    x = np.fft.irfft(spec, n=n_t, axis=-1)
    x *= sigma / x.std(axis=-1, keepdims=True)
    de = differential_entropy(x, SF, {"beta": (14.0, 30.0)}, window_s=2.0)
    assert de.shape == (16, 10, 1)
    assert de[..., 0][:, 1:-1].mean() == pytest.approx(gaussian_de(sigma**2), abs=0.03)


def test_white_noise_matches_filter_bandwidth():
    """White noise: expected band variance = sigma^2 * integral of |H(f)|^2 / Nyquist."""
    import mne

    rng = np.random.default_rng(1)
    sigma = 3.0
    x = rng.normal(0, sigma, (8, 60 * int(SF)))
    lo, hi = 8.0, 14.0
    de = differential_entropy(x, SF, {"alpha": (lo, hi)}, window_s=1.0)[..., 0]
    h = mne.filter.create_filter(None, SF, lo, hi, method="fir", fir_design="firwin", verbose="error")
    w, H = signal.freqz(h, worN=8192, fs=SF)
    gain2 = np.abs(H) ** 2  # MNE's zero-phase FIR applies h once, delay compensated
    share = np.trapezoid(gain2, w) / (SF / 2)
    expected = gaussian_de(sigma**2 * share)
    # DE of a variance estimate is biased by E[log chi2]; average over many windows and channels
    assert de[:, 2:-2].mean() == pytest.approx(expected, abs=0.06)


def test_shapes_vectorised_and_errors():
    x = np.random.default_rng(2).standard_normal((3, 4, 2, 500))
    de = differential_entropy(x, SF)
    assert de.shape == (3, 4, 2, 2, 5) and de.dtype == np.float32
    with pytest.raises(VaxisInputError, match="shorter"):
        differential_entropy(np.ones((2, 100)), SF)
    with pytest.raises(VaxisInputError, match="within"):
        differential_entropy(x, SF, {"bad": (10.0, 200.0)})
    with pytest.raises(VaxisInputError, match="NaN"):
        differential_entropy(np.full((2, 500), np.nan), SF)
    y = band_filter(x[0, 0], SF, 8, 14)
    assert y.shape == x[0, 0].shape
