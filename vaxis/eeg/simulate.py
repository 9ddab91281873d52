r"""The simulated cohorts: FACED- and SEED-V-shaped DE features from a documented latent model.

The simulation is the book's default data. It has the shapes, montage and clip structure of the
real datasets, and its emotional structure comes from **human** ratings, never from a language
model. Every knob is an explicit argument; none of them says whether an alignment loss helps or an
ensemble wins -- those are questions the later chapters ask of the data.

Latent model (feature mode)
---------------------------
Features are indexed by channel and band, :math:`f = (i, b)`, ``F = n_channels * n_bands``.
Cohort-level patterns, each scaled to unit root-mean-square over the F features:

- :math:`p_V` -- the valence topography, planted from published EEG findings: positive valence
  raises beta and gamma DE over lateral temporal sites (Zheng & Lu 2015) and shifts frontal alpha
  towards the right hemisphere (frontal alpha asymmetry: less left-frontal alpha in approach/
  positive states).
- :math:`p_A` -- the arousal topography: more frontal-central beta/gamma, less posterior alpha;
  orthogonalised against :math:`p_V`.
- :math:`r_k` -- one residual pattern per category (random smooth scalp maps, orthogonal to
  :math:`p_V` and :math:`p_A`): category information that valence and arousal do not carry.
- :math:`u_c` -- one signature pattern per clip (its *identity*: what that film does to the EEG
  whatever its emotion, e.g. its pictures and sounds), orthogonal to :math:`p_V, p_A` and drawn
  independently of the clip's category and valence.

Clip signal, with :math:`v_c, a_c` the clip's human valence and arousal z-scored across the
clips:

.. math::

   s_c = \beta_V v_c\, p_V + \beta_A a_c\, p_A + \beta_R\, r_{k(c)} + \beta_C\, u_c

Subject :math:`n`, clip :math:`c`, window :math:`w`:

.. math::

   \mathrm{DE}_{n,c,w} = \mu + o_n + g_n\,(1 + \phi\,\xi_{n,c,w})\,M_n s_c
      + \tau\,L e_{n,c} + \sigma\,L \eta_{n,c,w}

- :math:`\mu` -- band-dependent baseline (DE falls with frequency), :math:`o_n \sim N(0,
  \omega^2)` per feature -- subject offset;
- :math:`g_n = \exp(\tfrac12 \lambda z_n - \lambda^2/8)` -- subject gain (mean 1);
  :math:`M_n = (I + \lambda G_n / \sqrt{n_{ch}}) / \sqrt{1 + \lambda^2}` -- subject spatial mixing
  of channels (same for every band, :math:`G_n` standard normal, norm-preserving on average: larger
  :math:`\lambda` makes responses more individual, not stronger);
- :math:`\xi_{n,c,w}` -- AR(1) fluctuation (coefficient :math:`\rho`, unit variance) of the
  response's strength over windows;
- :math:`e_{n,c}` -- trial-level state noise, :math:`\eta_{n,c,w}` -- window noise, AR(1) over
  windows with coefficient :math:`\rho`; :math:`L` mixes channels with a spatially smooth
  covariance (a share ``noise_smoothness`` of the variance is smooth across the scalp).

Knobs: ``valence_strength`` :math:`\beta_V`, ``arousal_strength`` :math:`\beta_A`,
``residual_strength`` :math:`\beta_R`, ``clip_identity`` :math:`\beta_C`,
``subject_variability`` :math:`\lambda`, ``subject_offset`` :math:`\omega`, ``trial_noise``
:math:`\tau`, ``noise`` :math:`\sigma`, ``temporal_rho`` :math:`\rho`, ``response_fluctuation``
:math:`\phi`, ``noise_smoothness``.

Raw mode synthesises 250 Hz multichannel signals whose band variance in each 1-s window equals the
latent model's (sum over bands of band-limited Gaussian noise, scaled window by window) and
computes DE with :func:`vaxis.eeg.features.differential_entropy` (MNE FIR band-pass).

Human ratings
-------------
The clip valence and arousal :math:`v_c, a_c` come from people, never from a language model. For
the FACED-shaped cohort they are, by default (``ratings="participants"``), the clip means of
FACED's own 123 participants (:func:`vaxis.eeg.ratings.clip_ratings`: the same experiment, 0-7
scale), so clips of one category differ a little in valence; ``ratings="norms"`` uses the word
norms of the category names instead (:data:`vaxis.eeg.ratings.CATEGORY_NORMS`, Warriner et al.
2013), the same for every clip of a category. Either way each simulated subject ``n`` carries
FACED participant ``n mod 123``'s own ratings of every clip in ``subject_ratings`` (12 items), for
generator mechanisms that use individual responses; the default latent model does not read them.
The SEED-V-shaped cohort uses the word norms (its release has no per-trial self-reports).

Channels
--------
The FACED-shaped cohort is simulated in the released 32-row layout
(:data:`~vaxis.eeg.montage.FACED_CHANNELS`: 30 scalp channels, then the reference rows A2, A1, at
their template positions) and then goes through the same channel selection as the loader: the
reference rows are dropped unless ``reference_channels=True``. So the 30 scalp channels are the
same numbers with or without the references, and the selection code is the one real data meet.

Mechanisms (off by default)
---------------------------
Four more knobs plant what decides whether an alignment loss can help or hurt and whether a
residual-diversity ensemble can gain (:mod:`vaxis.eeg.mechanisms`, where the equations are):
``congruence`` (signed share of each category's residual from the participants' rating geometry;
negative: relabelled against it), ``felt_emotion`` (each subject's response follows their own
FACED ratings), ``within_class`` (category-specific sub-types: label information in the
covariance), ``label_noise`` (trials felt as another category carry its patterns) and
``multi_view`` (one view pattern per category in each band group, one view per trial). All 0 by
default: the default cohort and its calibration are unchanged bit for bit. They are properties of
the data and read nothing about strategies, loss weights or ensembles (``tests/test_mechanisms.py``).

Calibration
-----------
The defaults are chosen so that a label-only classifier (logistic regression on window-averaged,
subject-normalised DE, subjects held out) reaches a nine-class balanced accuracy inside the range
published for real FACED with subject-independent splits (roughly 0.36-0.45; chance 0.11) on the
whole simulated cohort (123 subjects). The measurement is a decoding experiment on the simulated
data, so it lives on the decoding side: :mod:`vaxis.decoding.calibration` (``knob_sweep``,
``calibration_scores``); ``tests/test_calibration.py`` holds the defaults to that range.
Since 2026-12 the defaults also reproduce Gerster et al. (2026)'s stimulus-identity pattern on real
FACED (one clip per category decodes better than three; felt labels worse than clip labels):
``residual_strength=0.10, clip_identity=0.40`` was the only point of a grid (0.10-0.21 x 0-0.6,
seeds 0-1, 123 subjects) meeting every tolerance fixed beforehand
(:data:`~vaxis.decoding.calibration.CLIP_IDENTITY_TOLERANCES`). ``book/data.md`` has the history,
the table and the seed means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .._checks import VaxisInputError, check_option
from .dataset import EEGDataset
from .features import differential_entropy, signals_from_de
from . import mechanisms as _mechanisms
from . import ratings as _ratings
from .montage import (
    BANDS,
    FACED_CATEGORIES,
    FACED_CHANNELS,
    FACED_CLIP_CATEGORIES,
    FACED_SFREQ,
    SEEDV_CHANNELS,
    SEEDV_EMOTIONS,
    SEEDV_SESSION_LABELS,
    SEEDV_SFREQ,
    SEEDV_WINDOW_S,
    scalp_bump,
    scalp_positions,
    smooth_scalp_cov,
    unit_rms,
)


@dataclass(frozen=True)
class SimulationParams:
    """Knobs of the latent model (see the module docstring for the equations).

    Attributes
    ----------
    valence_strength : float
        :math:`\\beta_V`, RMS size (nats) of the valence pattern for a 1-SD valence difference.
    arousal_strength : float
        :math:`\\beta_A`, same for arousal.
    residual_strength : float
        :math:`\\beta_R`, RMS size of the category-specific residual patterns.
    clip_identity : float
        :math:`\\beta_C`, RMS size (nats) of each clip's own signature :math:`u_c`: the same units
        as ``valence_strength`` and ``residual_strength`` (a clip's signature of size 0.2 moves its
        DE as far as a 1-SD valence difference does). Each clip's signature is a random smooth scalp
        pattern, orthogonal to the valence and arousal patterns and drawn independently of the
        clip's category and valence (seeded with the cohort), so a decoder can learn it from the
        clips it trains on but not transfer it to a clip it never saw. 0: clips of one category
        differ only by their ratings.
    subject_variability : float
        :math:`\\lambda`, size of each subject's channel mixing perturbation (norm-preserving on
        average) and twice the SD of its log-gain (mean gain 1).
    subject_offset : float
        :math:`\\omega`, SD of each subject's per-feature DE offset (removed by subject z-scoring).
    trial_noise : float
        :math:`\\tau`, SD of trial-level state noise (not averaged away over windows).
    noise : float
        :math:`\\sigma`, SD of window-level noise.
    temporal_rho : float
        :math:`\\rho`, AR(1) coefficient of window noise and response fluctuation.
    response_fluctuation : float
        :math:`\\phi`, relative SD of the response's strength from window to window.
    noise_smoothness : float
        Share (0..1) of noise variance that is spatially smooth across the scalp.
    congruence, felt_emotion, within_class, label_noise, multi_view : float
        The mechanisms of :mod:`vaxis.eeg.mechanisms` (all 0: off): the signed share (-1..1) of each
        category's residual pattern from the participants' category geometry (FACED's ratings;
        negative: relabelled to disagree with it), the weight of each subject's own ratings on their
        response, the size of category-specific sub-type patterns, the probability that a trial felt
        as another category carries that category's patterns, and the size of the per-band-group view
        patterns (one view per trial). Properties of the data; none names a strategy, weight or ensemble.
    """

    valence_strength: float = 0.20
    arousal_strength: float = 0.10
    residual_strength: float = 0.10  # with clip_identity: Gerster et al. 2026's pattern (see Calibration)
    clip_identity: float = 0.40
    subject_variability: float = 1.0
    subject_offset: float = 0.5
    trial_noise: float = 1.4
    noise: float = 0.9
    temporal_rho: float = 0.7
    response_fluctuation: float = 0.3
    noise_smoothness: float = 0.5
    congruence: float = 0.0
    felt_emotion: float = 0.0
    within_class: float = 0.0
    label_noise: float = 0.0
    multi_view: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not np.isfinite(v) or (v < 0 and f.name != "congruence"):
                raise VaxisInputError(f"{f.name}={v!r} must be a finite number >= 0.")
        if self.temporal_rho >= 1:
            raise VaxisInputError(f"temporal_rho={self.temporal_rho} must be < 1.")
        if self.noise_smoothness > 1:
            raise VaxisInputError(f"noise_smoothness={self.noise_smoothness} must be <= 1.")
        _mechanisms.check_knobs(self.congruence, self.felt_emotion, self.label_noise)


#: Meaning of each knob, for tables in the book.
KNOB_DESCRIPTIONS: dict[str, str] = {
    "valence_strength": "size of the shared valence topography per 1 SD of human valence",
    "arousal_strength": "size of the arousal topography per 1 SD of human arousal",
    "residual_strength": "size of category-specific patterns orthogonal to valence/arousal",
    "clip_identity": "size of each clip's own signature, independent of its category and valence",
    "subject_variability": "per-subject channel mixing and gain (individual differences)",
    "subject_offset": "per-subject DE offsets (removed by within-subject z-scoring)",
    "trial_noise": "trial-level state noise (does not average out over windows)",
    "noise": "window-level noise",
    "temporal_rho": "AR(1) coefficient of noise and response over 1-s windows",
    "response_fluctuation": "window-to-window variation of the response strength",
    "noise_smoothness": "share of noise variance that is spatially smooth",
    **_mechanisms.MECHANISM_KNOBS,
}


# ---------------------------------------------------------------------------- cohort structure
@dataclass
class _Cohort:
    """Cohort-level patterns (F = n_channels * n_bands, channel-major)."""

    p_valence: np.ndarray  # (F,)
    p_arousal: np.ndarray  # (F,)
    residual: np.ndarray  # (n_categories, F)
    clip_pattern: np.ndarray  # (n_clips, F)
    baseline: np.ndarray  # (F,)
    noise_chol: np.ndarray  # (n_ch, n_ch) Cholesky factor of channel noise covariance
    xyz: np.ndarray
    smooth_chol: np.ndarray | None = None  # (n_ch, n_ch) spatial smoothing of patterns
    basis: np.ndarray | None = None  # (F, 2) orthonormal basis of the valence and arousal patterns


def _cohort(channels: Sequence[str], n_bands: int, categories: Sequence[str],
            n_clips: int, params: SimulationParams, rng: np.random.Generator) -> _Cohort:
    ch = list(channels)
    n_ch = len(ch)
    xyz = scalp_positions(ch)
    band_idx = {n: i for i, n in enumerate(list(BANDS)[:n_bands])}

    def band_map(maps: Mapping[str, np.ndarray]) -> np.ndarray:
        out = np.zeros((n_ch, n_bands))
        for name, m in maps.items():
            if name in band_idx:
                out[:, band_idx[name]] = m
        return out.ravel()

    temporal = scalp_bump(xyz, ["T7", "T8", "TP7", "TP8", "FT7", "FT8"], ch)
    left_front = scalp_bump(xyz, ["F3", "F7", "AF3", "FC5"], ch)
    right_front = scalp_bump(xyz, ["F4", "F8", "AF4", "FC6"], ch)
    p_v = band_map({"gamma": temporal, "beta": 0.7 * temporal,
                    "alpha": 0.8 * (right_front - left_front)})
    frontcentral = scalp_bump(xyz, ["Fz", "FC1", "FC2", "Cz"], ch)
    posterior = scalp_bump(xyz, ["Pz", "PO3", "PO4", "Oz", "O1", "O2"], ch)
    p_a = band_map({"beta": frontcentral, "gamma": 0.6 * frontcentral, "alpha": -posterior,
                    "theta": 0.4 * frontcentral})
    p_v = unit_rms(p_v - p_v.mean())
    p_a = p_a - p_a.mean()
    p_a = unit_rms(p_a - (p_a @ p_v) / (p_v @ p_v) * p_v)
    basis = np.linalg.qr(np.stack([p_v, p_a], axis=1))[0]  # (F, 2)

    cov = smooth_scalp_cov(xyz)
    chol_smooth = np.linalg.cholesky(cov + 1e-6 * np.eye(n_ch))

    def smooth_patterns(n: int) -> np.ndarray:
        z = rng.standard_normal((n, n_ch, n_bands))
        pats = np.einsum("ij,njb->nib", chol_smooth, z).reshape(n, -1)
        pats -= pats.mean(axis=1, keepdims=True)
        pats -= (pats @ basis) @ basis.T
        return pats / np.sqrt(np.mean(pats**2, axis=1, keepdims=True))

    residual = smooth_patterns(len(categories))
    clip_pattern = smooth_patterns(n_clips)
    band_base = np.array([3.0, 2.3, 2.0, 1.2, 0.4, 0.0, 0.0, 0.0])[:n_bands]
    baseline = (band_base[None, :] + 0.15 * (chol_smooth @ rng.standard_normal((n_ch, n_bands))))
    s = params.noise_smoothness
    noise_cov = s * cov + (1 - s) * np.eye(n_ch)
    noise_chol = np.linalg.cholesky(noise_cov + 1e-9 * np.eye(n_ch))
    return _Cohort(p_v, p_a, residual, clip_pattern, baseline.ravel(), noise_chol, xyz, chol_smooth, basis)


def _zscore_ratings(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / (sd if sd > 0 else 1.0)


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], rho: float) -> np.ndarray:
    """Unit-variance AR(1) noise along axis 1 (the window axis) of ``shape``."""
    z = rng.standard_normal(shape)
    if rho == 0 or shape[1] == 1:
        return z
    out = np.empty_like(z)
    out[:, 0] = z[:, 0]
    innov = np.sqrt(1 - rho**2)
    for w in range(1, shape[1]):  # loop over windows only (<= a few dozen)
        out[:, w] = rho * out[:, w - 1] + innov * z[:, w]
    return out


def _latent_subject(cohort: _Cohort, clip_signal: np.ndarray, n_windows: int, n_ch: int,
                    n_bands: int, params: SimulationParams,
                    rng: np.random.Generator) -> np.ndarray:
    """DE of one subject, shape (n_clips, n_windows, n_channels, n_bands), float64."""
    n_clips = clip_signal.shape[0]
    lam = params.subject_variability
    # norm-preserving on average: E||M s||^2 = ||s||^2 and E[gain] = 1, so lambda changes how
    # individual the response is, not how strong it is
    mixing = (np.eye(n_ch) + lam * rng.standard_normal((n_ch, n_ch)) / np.sqrt(n_ch))
    mixing /= np.sqrt(1.0 + lam**2)
    gain = np.exp(0.5 * lam * rng.standard_normal() - (0.5 * lam) ** 2 / 2)
    offset = params.subject_offset * rng.standard_normal(n_ch * n_bands)
    sig = clip_signal.reshape(n_clips, n_ch, n_bands)
    sig = np.einsum("ij,cjb->cib", mixing, sig).reshape(n_clips, -1) * gain
    fluct = 1.0 + params.response_fluctuation * _ar1(rng, (n_clips, n_windows), params.temporal_rho)
    L = cohort.noise_chol
    e_trial = rng.standard_normal((n_clips, n_ch, n_bands))
    e_trial = np.einsum("ij,cjb->cib", L, e_trial).reshape(n_clips, 1, -1)
    eta = _ar1(rng, (n_clips, n_windows, n_ch * n_bands), params.temporal_rho)
    eta = np.einsum("ij,cwjb->cwib", L, eta.reshape(n_clips, n_windows, n_ch, n_bands))
    de = (cohort.baseline + offset)[None, None, :] + fluct[:, :, None] * sig[:, None, :]
    de = de + params.trial_noise * e_trial + params.noise * eta.reshape(n_clips, n_windows, -1)
    return de.reshape(n_clips, n_windows, n_ch, n_bands)


@dataclass(frozen=True)
class _Ratings:
    """Human ratings a simulated cohort is labelled with (see "Human ratings" above)."""

    valence: np.ndarray  # (n_clips,)
    arousal: np.ndarray  # (n_clips,)
    source: str
    scale: tuple[float, float]
    items: tuple[str, ...] = ()
    per_subject: Any = None  # callable n_subjects -> (n_subjects, n_clips, n_items), or None


def _faced_ratings(ratings: str) -> _Ratings:
    check_option("ratings", ratings, ("participants", "norms"))
    if ratings == "participants":
        clips = _ratings.clip_ratings(("valence", "arousal"))
        val, aro = clips["valence"].to_numpy(), clips["arousal"].to_numpy()
        source = (f"{_ratings.PARTICIPANTS_SOURCE}, clip means over all {_ratings.N_PARTICIPANTS} participants")
        scale = _ratings.FACED_SCALE
    else:
        val, aro = _ratings.category_norms(FACED_CLIP_CATEGORIES)
        source, scale = _ratings.NORMS_SOURCE, _ratings.NORMS_SCALE

    def per_subject(n: int) -> np.ndarray:  # simulated subject n <-> FACED participant n mod 123
        return _ratings.subject_ratings(np.arange(n) % _ratings.N_PARTICIPANTS)

    return _Ratings(val, aro, source, scale, _ratings.FACED_ITEMS, per_subject)


def _simulate(*, channels: Sequence[str], clip_category: Sequence[str], categories: Sequence[str],
              n_subjects: int, n_windows: int, seed: int, params: SimulationParams, mode: str,
              sfreq: float, window_s: float, source: str, clip_session: np.ndarray | None,
              clip_ids: Sequence[str] | None, subject_prefix: str, ratings: _Ratings) -> EEGDataset:
    check_option("mode", mode, ("features", "raw"))
    if int(n_subjects) < 1 or int(n_windows) < 1:
        raise VaxisInputError("n_subjects and n_windows must be >= 1.")
    bands = dict(BANDS)
    n_ch, n_b = len(channels), len(bands)
    clip_category = np.asarray(clip_category).astype(str)
    model = _LatentModel.build(channels, clip_category, categories, n_subjects, seed, params, ratings)
    cohort, meta = model.cohort, model.meta
    out = np.empty((n_subjects, len(clip_category), n_windows, n_ch, n_b), dtype=np.float32)
    for n in range(n_subjects):  # per-subject streams: subject n is the same whatever n_subjects
        de, rng = model.subject_de(n, n_windows)
        if mode == "raw":
            x = signals_from_de(de, sfreq, window_s, bands, rng)
            de = differential_entropy(x, sfreq, bands, window_s).transpose(0, 2, 1, 3)
        out[n] = de
    return EEGDataset(
        de=out,
        subjects=[f"{subject_prefix}{n:03d}" for n in range(n_subjects)],
        clip_category=clip_category,
        clip_valence=ratings.valence,
        clip_arousal=ratings.arousal,
        channels=list(channels),
        bands=bands,
        sfreq=sfreq,
        source=source,
        window_s=window_s,
        clip_ids=None if clip_ids is None else list(clip_ids),
        clip_session=clip_session,
        rating_source=ratings.source,
        rating_scale=ratings.scale,
        subject_ratings=None if ratings.per_subject is None else ratings.per_subject(n_subjects),
        rating_items=ratings.items,
        meta={"generator": "vaxis.eeg.simulate", "seed": seed, "mode": mode, **asdict(params), **meta},
        planted_valence=cohort.p_valence.reshape(n_ch, n_b),
    )


@dataclass
class _LatentModel:
    """The latent model of one simulated cohort: its patterns, clip signals and per-subject draws."""

    cohort: _Cohort
    clip_signal: np.ndarray  # (n_clips, F): the shared clip signal s_c
    signals: Any  # callable n -> (n_clips, F) when a mechanism is on, else None
    params: SimulationParams
    seed: int
    n_ch: int
    n_bands: int
    meta: dict[str, Any]

    @classmethod
    def build(cls, channels: Sequence[str], clip_category: np.ndarray, categories: Sequence[str], n_subjects: int,
              seed: int, params: SimulationParams, ratings: _Ratings) -> _LatentModel:
        n_b = len(BANDS)
        cat_index = np.array([list(categories).index(c) for c in clip_category])
        root = np.random.SeedSequence(seed)
        cohort_rng = np.random.default_rng(root.spawn(1)[0])
        cohort = _cohort(channels, n_b, categories, len(clip_category), params, cohort_rng)
        v = _zscore_ratings(ratings.valence)
        a = _zscore_ratings(ratings.arousal)
        clip_signal = (params.valence_strength * v[:, None] * cohort.p_valence
                       + params.arousal_strength * a[:, None] * cohort.p_arousal
                       + params.residual_strength * cohort.residual[cat_index]
                       + params.clip_identity * cohort.clip_pattern)
        signals, meta = _mechanism_signals(cohort, params, seed, n_subjects, clip_category, categories, cat_index,
                                           v, a, ratings, n_b)
        return cls(cohort, clip_signal, signals, params, seed, len(channels), n_b, meta)

    def subject_de(self, n: int, n_windows: int) -> tuple[np.ndarray, np.random.Generator]:
        """Subject ``n``'s latent DE (n_clips, n_windows, n_channels, n_bands) and its generator, which
        goes on to draw the subject's raw signal (:func:`_raw_from_de`)."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 1, n]))
        signal = self.clip_signal if self.signals is None else self.signals(n)
        return _latent_subject(self.cohort, signal, n_windows, self.n_ch, self.n_bands, self.params, rng), rng


def _mechanism_signals(cohort: _Cohort, params: SimulationParams, seed: int, n_subjects: int,
                       clip_category: np.ndarray, categories: Sequence[str], cat_index: np.ndarray,
                       v: np.ndarray, a: np.ndarray, ratings: _Ratings, n_bands: int) -> tuple[Any, dict[str, Any]]:
    """Per-subject clip signals with the mechanisms of :mod:`vaxis.eeg.mechanisms`, or ``None`` when
    all are off (then every subject gets the shared clip signal: the default cohort, bit for bit)."""
    p = params
    if not _mechanisms.active(p.congruence, p.felt_emotion, p.within_class, p.label_noise, p.multi_view):
        return None, {}
    source = None
    if p.congruence != 0 and ratings.per_subject is not None:  # the participants' geometry: human data
        source = _mechanisms.rating_geometry(_ratings.subject_ratings(), clip_category, categories)
    residual = _mechanisms.congruent_residuals(cohort.residual, source, p.congruence, cohort.smooth_chol,
                                               n_bands, cohort.basis, seed)
    views = (_mechanisms.view_patterns(len(categories), _mechanisms.band_groups(n_bands), cohort.smooth_chol, n_bands,
                                       cohort.basis, seed) if p.multi_view else None)
    sub_rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    subtypes = _mechanisms.smooth_patterns(len(categories), cohort.smooth_chol, n_bands, cohort.basis, sub_rng)
    own = None
    if ratings.per_subject is not None and (p.felt_emotion > 0 or p.label_noise > 0):
        own = _mechanisms.own_ratings(ratings.per_subject(n_subjects), _ratings.subject_ratings(), ratings.items,
                                      clip_category, categories, ratings.valence, ratings.arousal)
    terms = [_mechanisms.subject_terms(n, seed, cat_index, v, a, p.felt_emotion, p.label_noise,
                                       None if own is None else own[n]) for n in range(n_subjects)]

    def signal(n: int) -> np.ndarray:
        sig = _mechanisms.subject_signal(terms[n], cohort.p_valence, cohort.p_arousal, residual,
                                         cohort.clip_pattern, subtypes, p.valence_strength, p.arousal_strength,
                                         p.residual_strength, p.clip_identity, p.within_class)
        if views is not None:
            which = _mechanisms.subject_views(n, seed, len(cat_index), views.shape[1])
            sig = sig + _mechanisms.multi_view_term(terms[n].category, which, views, p.multi_view)
        return sig

    share = float(np.mean([t.category != cat_index for t in terms]))
    return signal, {"label_noise_share": share}


def with_knobs(params: SimulationParams | None, overrides: Mapping[str, Any]) -> SimulationParams:
    """``params`` (default: the defaults) with some knobs changed; unknown knob names are refused."""
    base = params or SimulationParams()
    names = {f.name for f in fields(SimulationParams)}
    bad = sorted(set(overrides) - names)
    if bad:
        raise VaxisInputError(f"Unknown simulation knob(s) {bad}; knobs are {sorted(names)}.")
    return SimulationParams(**{**asdict(base), **dict(overrides)})


def simulate_faced(
    n_subjects: int = 123,
    n_windows: int = 30,
    seed: int = 0,
    mode: str = "features",
    params: SimulationParams | None = None,
    ratings: str = "participants",
    reference_channels: bool = False,
    **knobs: float,
) -> EEGDataset:
    """A FACED-shaped simulated cohort: 28 clips x 30 scalp channels x 5 bands, 1-s windows at 250 Hz.

    Parameters
    ----------
    n_subjects : int
        Number of subjects (FACED has 123). Subject ``n`` is identical whatever ``n_subjects``.
    n_windows : int
        1-s windows per clip (FACED: 30).
    seed : int
        Seed of everything random (cohort patterns and subjects).
    mode : {"features", "raw"}
        ``"features"`` draws DE directly from the latent model (123 subjects in about a
        second); ``"raw"`` synthesises 250 Hz signals and computes DE with MNE filtering (slow:
        a few seconds per subject; for small cohorts and tests of the feature code).
    params : SimulationParams, optional
        All knobs at once; keyword ``knobs`` override single ones (e.g. ``noise=0.8``).
    ratings : {"participants", "norms"}
        Clip valence and arousal from FACED's participants' clip means (default) or from the word
        norms of the category names (see "Human ratings" in the module docstring).
    reference_channels : bool
        Keep the two reference rows A2, A1 (32 channels, the released layout); default: the 30
        scalp channels, exactly as the loader returns real FACED.

    Returns
    -------
    EEGDataset
        ``source="simulated-faced"``; ``subject_ratings`` (n_subjects, 28, 12): subject ``n``
        carries FACED participant ``n mod 123``'s ratings.
        ``planted_valence`` (channels, bands): the planted valence pattern :math:`p_V` (the truth a
        map's weights can be compared with; no decoder reads it).
    """
    p = with_knobs(params, knobs)
    ds = _simulate(
        channels=FACED_CHANNELS, clip_category=FACED_CLIP_CATEGORIES, categories=FACED_CATEGORIES,
        n_subjects=n_subjects, n_windows=n_windows, seed=seed, params=p, mode=mode,
        sfreq=FACED_SFREQ, window_s=1.0, source="simulated-faced", clip_session=None,
        clip_ids=None, subject_prefix="sim", ratings=_faced_ratings(ratings),
    )
    return ds if reference_channels else ds.without_reference_channels()


class FacedRawSource:
    """Raw multichannel signals of simulated FACED-shaped subjects: what the BIDS replica records.

    The same latent model, knobs and seeds as :func:`simulate_faced` (subject ``n`` here is subject
    ``n`` there): :meth:`subject` draws the subject's latent DE and synthesises signals whose band
    variance in every 1-s window follows it (the raw mode's :func:`_raw_from_de`), at any sampling
    rate. At 250 Hz and 30 windows the signal is, bit for bit, the one ``simulate_faced(mode="raw")``
    computes its DE from. Units: microvolts (the latent DE is in nats of a signal in microvolts:
    about 5 uV of delta and 0.25 uV of gamma per channel, EEG-like magnitudes).

    Parameters
    ----------
    n_subjects : int
        Subjects the cohort has (only the mechanisms that read each subject's own ratings use it).
    seed, params, ratings, **knobs
        As :func:`simulate_faced`.

    Attributes
    ----------
    channels : tuple of str
        The released 32-row layout (:data:`~vaxis.eeg.montage.FACED_CHANNELS`).
    planted_valence : ndarray (32, 5)
        The planted valence pattern (channels x bands), as ``simulate_faced(...).planted_valence``
        with the reference rows kept.
    """

    def __init__(self, n_subjects: int = 123, seed: int = 0, params: SimulationParams | None = None,
                 ratings: str = "participants", **knobs: float) -> None:
        self.params = with_knobs(params, knobs)
        self.seed = int(seed)
        self.ratings = _faced_ratings(ratings)
        self.channels = tuple(FACED_CHANNELS)
        self.clip_category = np.asarray(FACED_CLIP_CATEGORIES).astype(str)
        self._model = _LatentModel.build(self.channels, self.clip_category, FACED_CATEGORIES, int(n_subjects),
                                         self.seed, self.params, self.ratings)
        self.planted_valence = self._model.cohort.p_valence.reshape(len(self.channels), len(BANDS))

    def subject(self, n: int, sfreq: float = FACED_SFREQ, n_windows: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """Subject ``n``: latent DE (28 clips, n_windows, 32 channels, 5 bands; nats) and signals
        (28 clips, 32 channels, n_windows * sfreq samples; microvolts), clips in video order."""
        de, rng = self._model.subject_de(int(n), int(n_windows))
        if sfreq * 1.0 != round(sfreq) or sfreq / 2 <= max(hi for _, hi in BANDS.values()):
            raise VaxisInputError(f"sfreq={sfreq}: an integer rate above {2 * max(h for _, h in BANDS.values())} Hz.")
        return de, signals_from_de(de, float(sfreq), 1.0, dict(BANDS), rng)


def simulate_seedv(
    n_subjects: int = 16,
    n_windows: int = 30,
    n_sessions: int = 3,
    seed: int = 0,
    mode: str = "features",
    params: SimulationParams | None = None,
    **knobs: float,
) -> EEGDataset:
    """A SEED-V-shaped simulated cohort: sessions x 15 trials, 62 channels, 5 bands, 4-s windows.

    Clips are the first ``n_sessions`` (1-3) sessions' 15 trials each, 3 per emotion per session,
    in SEED-V's real per-session orders (:data:`~vaxis.eeg.montage.SEEDV_SESSION_LABELS`: session 1
    differs from sessions 2 and 3); ``clip_session`` says which session each belongs to. Clip
    valence and arousal are the word norms of the emotion names. Sampling rate 200 Hz (SEED-V's),
    windows of 4 s. Other arguments as :func:`simulate_faced`.
    """
    p = with_knobs(params, knobs)
    if not 1 <= int(n_sessions) <= len(SEEDV_SESSION_LABELS):
        raise VaxisInputError(f"n_sessions={n_sessions}: SEED-V has sessions 1..{len(SEEDV_SESSION_LABELS)}.")
    cats = [SEEDV_EMOTIONS[k] for s in range(n_sessions) for k in SEEDV_SESSION_LABELS[s]]
    session = np.repeat(np.arange(1, n_sessions + 1), 15)
    ids = [f"s{s}_t{t + 1:02d}" for s in range(1, n_sessions + 1) for t in range(15)]
    val, aro = _ratings.category_norms(cats)
    return _simulate(
        channels=SEEDV_CHANNELS, clip_category=cats, categories=SEEDV_EMOTIONS,
        n_subjects=n_subjects, n_windows=n_windows, seed=seed, params=p, mode=mode,
        sfreq=SEEDV_SFREQ, window_s=SEEDV_WINDOW_S, source="simulated-seedv",
        clip_session=session, clip_ids=ids, subject_prefix="simv",
        ratings=_Ratings(val, aro, _ratings.NORMS_SOURCE, _ratings.NORMS_SCALE),
    )
