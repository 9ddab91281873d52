"""Differential entropy (DE) of band-passed EEG, the feature FACED and SEED-V distribute.

For a Gaussian signal of variance :math:`\\sigma^2` the differential entropy is
:math:`h = \\tfrac12 \\log(2\\pi e\\,\\sigma^2)` nats. DE features (Duan et al. 2013; Zheng & Lu
2015) apply this to each band-passed channel in each window: band-pass with MNE's FIR filter
(:func:`mne.filter.filter_data`, zero-phase), cut into non-overlapping windows, take the variance
of each window, and map it through the closed form. Everything is vectorised over leading axes,
channels and windows; the only loop is over the (five) bands.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._checks import VaxisInputError, check_array
from .montage import BANDS

_LOG_2PIE = float(np.log(2 * np.pi * np.e))
#: Version of the DE computation, part of the key of every cached DE file (e.g. FACED's
#: ``Processed_data`` turned into DE). Bump it when :func:`differential_entropy` gives other numbers
#: for the same signal (filter, windows, formula); not for docstrings or refactoring.
CACHE_VERSION = 1


def gaussian_de(variance: np.ndarray | float) -> np.ndarray:
    """Closed-form differential entropy 0.5*log(2*pi*e*variance) (nats) of a Gaussian."""
    v = np.asarray(variance, dtype=float)
    if (v <= 0).any():
        raise VaxisInputError("variance must be positive to have a finite differential entropy.")
    return 0.5 * (_LOG_2PIE + np.log(v))


def de_to_variance(de: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`gaussian_de`: the variance whose Gaussian DE is ``de``."""
    return np.exp(2.0 * np.asarray(de, dtype=float) - _LOG_2PIE)


def band_filter(
    x: np.ndarray, sfreq: float, low: float, high: float, n_jobs: int | None = None
) -> np.ndarray:
    """Zero-phase FIR band-pass of ``x`` (..., n_times) between ``low`` and ``high`` Hz (MNE)."""
    import mne

    shape = x.shape
    flat = np.ascontiguousarray(x.reshape(-1, shape[-1]), dtype=np.float64)
    out = mne.filter.filter_data(
        flat, sfreq, low, high, method="fir", phase="zero", fir_design="firwin",
        n_jobs=n_jobs, verbose="error",
    )
    return out.reshape(shape)


def differential_entropy(
    x: np.ndarray,
    sfreq: float,
    bands: Mapping[str, tuple[float, float]] | None = None,
    window_s: float = 1.0,
    n_jobs: int | None = None,
) -> np.ndarray:
    """DE per window and band of multichannel EEG.

    Parameters
    ----------
    x : ndarray, shape (..., n_channels, n_times)
        EEG in any unit (DE shifts by log(unit scale)); e.g. FACED's (28, 32, 7500) at 250 Hz.
    sfreq : float
        Sampling rate in Hz.
    bands : dict of str -> (low, high), optional
        Band edges in Hz; default :data:`vaxis.eeg.montage.BANDS`.
    window_s : float
        Window length in seconds; trailing samples that do not fill a window are dropped.

    Returns
    -------
    de : ndarray, shape (..., n_channels, n_windows, n_bands)
        Float32, in nats. Same layout as FACED's ``EEG_Features/DE`` files (clips, channels,
        windows, bands).
    """
    x = check_array("x", x)
    if x.ndim < 2:
        raise VaxisInputError(f"x must be (..., n_channels, n_times), got shape {x.shape}.")
    bands = dict(BANDS if bands is None else bands)
    win = int(round(window_s * sfreq))
    n_win = x.shape[-1] // win
    if win < 2 or n_win < 1:
        raise VaxisInputError(
            f"Signal of {x.shape[-1]} samples is shorter than one {window_s}-s window at {sfreq} Hz."
        )
    nyq = sfreq / 2.0
    out = np.empty(x.shape[:-1] + (n_win, len(bands)), dtype=np.float32)
    for b, (name, (lo, hi)) in enumerate(bands.items()):
        if not 0 < lo < hi < nyq:
            raise VaxisInputError(f"Band {name!r} ({lo}, {hi}) Hz must lie within (0, {nyq}) Hz.")
        y = band_filter(x, sfreq, lo, hi, n_jobs=n_jobs)[..., : n_win * win]
        y = y.reshape(y.shape[:-1] + (n_win, win))
        var = y.var(axis=-1)
        out[..., b] = 0.5 * (_LOG_2PIE + np.log(np.maximum(var, np.finfo(float).tiny)))
    return out


# ---------------------------------------------------------------------------- the inverse: signals with a given DE
def passband_interior(lo: float, hi: float, sfreq: float) -> tuple[float, float]:
    """Part of a band that MNE's default FIR band-pass passes at full gain.

    MNE's 'auto' transition bandwidths are ``min(max(0.25 * lo, 2), lo)`` below and
    ``min(max(0.25 * hi, 2), sfreq / 2 - hi)`` above, centred on the edges; synthesising each band
    inside ``[lo + tl / 2, hi - th / 2]`` keeps one band's power out of its neighbours' filters.
    """
    tl = min(max(0.25 * lo, 2.0), lo)
    th = min(max(0.25 * hi, 2.0), sfreq / 2 - hi)
    a, b = lo + tl / 2, hi - th / 2
    return (a, b) if b > a else (lo, hi)


def signals_from_de(de: np.ndarray, sfreq: float, window_s: float,
                 bands: Mapping[str, tuple[float, float]], rng: np.random.Generator) -> np.ndarray:
    """Signals (n_clips, n_channels, n_times) whose band variance per window follows ``de``.

    ``de`` has shape (n_clips, n_windows, n_channels, n_bands). Each band is Gaussian noise
    restricted to the interior of the band (:func:`passband_interior`) by an FFT mask,
    normalised to unit variance, then scaled by an envelope
    that passes through the target standard deviation at each window centre.
    """
    n_clips, n_win, n_ch, n_b = de.shape
    win = int(round(window_s * sfreq))
    n_t = n_win * win
    freqs = np.fft.rfftfreq(n_t, 1 / sfreq)
    x = np.zeros((n_clips, n_ch, n_t))
    log_sd = 0.5 * np.log(de_to_variance(de))  # (C, W, Ch, B)
    # log-amplitude interpolated linearly between window centres: a continuous envelope, so a
    # strong band's power does not leak into others through amplitude steps
    centres = (np.arange(n_win) + 0.5) * win
    interp = np.stack([np.interp(np.arange(n_t), centres, np.eye(n_win)[k]) for k in range(n_win)])
    for b, (lo, hi) in enumerate(list(bands.values())[:n_b]):
        lo, hi = passband_interior(lo, hi, sfreq)
        spec = np.fft.rfft(rng.standard_normal((n_clips, n_ch, n_t)), axis=-1)
        spec[..., (freqs < lo) | (freqs > hi)] = 0
        y = np.fft.irfft(spec, n=n_t, axis=-1)
        y /= y.std(axis=-1, keepdims=True)
        amp = np.exp(np.einsum("cwh,wt->cht", log_sd[..., b], interp))  # (C, Ch, T)
        x += y * amp
    return x
