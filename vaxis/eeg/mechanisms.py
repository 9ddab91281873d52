r"""Generator mechanisms that decide whether alignment can help or hurt: properties of the data.

The simulated cohort (:mod:`vaxis.eeg.simulate`) plants a valence and an arousal topography and one
random residual pattern per category. On that cohort every alignment target is a fixed function of
the label, and nothing inside a category carries label information, so alignment losses and
residual-diversity ensembles have nothing to work with. The mechanisms below are knobs of the
*data* (fields of :class:`vaxis.eeg.simulate.SimulationParams`, all 0 by default, which leaves
today's cohort bit for bit). They read human ratings and, for congruence, an array of category
vectors; they never read, name or depend on an alignment strategy, a loss weight or an ensemble
(``tests/test_mechanisms.py`` checks it).

Congruence :math:`\kappa \in [0, 1]`
    Share of the variance of each category's residual pattern that comes from a language model's
    own category geometry instead of at random:
    :math:`r_k = \sqrt{1-\kappa}\, r^{\rm rand}_k + \sqrt{\kappa}\, r^{\rm LLM}_k`, where
    :math:`r^{\rm LLM}_k` are the centred category vectors ``category_geometry`` (K, D) carried into
    the feature space by a fixed random Gaussian map (D -> channels x bands, smoothed across the
    scalp like every pattern), orthogonal to the valence and arousal patterns, scaled to unit mean
    square over categories (so their relative geometry is kept). A random map preserves inner
    products on average (Johnson-Lindenstrauss), so the EEG's class-mean geometry then *is* the
    LLM's, up to noise.
Felt emotion :math:`f \in [0, 1]`
    Each subject's response to a clip follows that subject's own FACED ratings of it:
    valence and arousal terms use :math:`(1-f)\,v_c + f\,\tilde v_{n,c}` (the subject's own rating,
    z-scored with the clip means' mean and SD), and the category terms are scaled by
    :math:`(1-f) + f\,i_{n,c}`, the subject's rating of the felt category's item relative to all
    123 participants' mean for that clip (clipped to 0..3; 1 for a neutral feeling).
Within-class structure :math:`\omega \ge 0` (``within_class``)
    Every trial (subject x clip) is one of two sub-types of its category: it carries
    :math:`\pm \omega\, d_k` with a category-specific smooth pattern :math:`d_k` (orthogonal to
    valence and arousal) and a random sign. The class means do not move; each class gets its own
    covariance: label information a read-out of class means cannot use, but a nonlinear network can.
Label noise :math:`\eta \in [0, 1]`
    A trial whose participant *felt* another category (:func:`felt_categories`: their highest-rated
    emotion item, from FACED's ratings: :func:`vaxis.eeg.ratings.felt_categories`) carries, with probability :math:`\eta`, that felt category's
    residual and sub-type patterns, while its label stays the clip's category.

The number of training subjects is the cohort's size (``n_subjects``) and the folds; no knob here.

Random streams: the LLM map comes from ``SeedSequence([seed, 4])``, the sub-type patterns from
``SeedSequence([seed, 3])`` and each subject's label-noise draws and sub-type signs from
``SeedSequence([seed, 2, n])``; none of them touches the streams of the default cohort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import stats
from .._checks import VaxisInputError
# what a participant felt is defined once, with the FACED ratings (re-exported here for the mechanisms)
from .ratings import EMOTION_FELT_THRESHOLD, NEUTRAL_FELT_THRESHOLD, felt_categories  # noqa: F401

#: The mechanism knobs (fields of SimulationParams) and what each means, for tables in the book.
MECHANISM_KNOBS: dict[str, str] = {
    "congruence": "share of each category's residual pattern from the LLM's category geometry (0..1)",
    "felt_emotion": "weight of each subject's own ratings of a clip on their response (0..1)",
    "within_class": "size of category-specific sub-type patterns (label information in covariance)",
    "label_noise": "probability that a trial felt as another category carries that category's patterns",
}

def active(congruence: float, felt_emotion: float, within_class: float, label_noise: float) -> bool:
    """Whether any mechanism is switched on (all 0: the default cohort, untouched)."""
    return any(x != 0 for x in (congruence, felt_emotion, within_class, label_noise))


def check_knobs(congruence: float, felt_emotion: float, label_noise: float) -> None:
    """Shares must lie in 0..1 (``within_class`` is a size: any number >= 0)."""
    for name, v in (("congruence", congruence), ("felt_emotion", felt_emotion), ("label_noise", label_noise)):
        if not 0 <= v <= 1:
            raise VaxisInputError(f"{name}={v!r} is a share and must lie in 0..1.")


def smooth_patterns(n: int, chol: np.ndarray, n_bands: int, basis: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """``n`` random scalp patterns (n, n_channels * n_bands), smooth across channels (``chol``: the
    Cholesky factor of the channels' spatial covariance), centred, orthogonal to ``basis`` (F, m),
    each of unit root-mean-square."""
    n_ch = chol.shape[0]
    pats = np.einsum("ij,njb->nib", chol, rng.standard_normal((n, n_ch, n_bands))).reshape(n, -1)
    pats -= pats.mean(axis=1, keepdims=True)
    pats -= (pats @ basis) @ basis.T
    return pats / np.sqrt(np.mean(pats**2, axis=1, keepdims=True))


def congruent_residuals(random_residual: np.ndarray, category_geometry: np.ndarray | None, congruence: float,
                        chol: np.ndarray, n_bands: int, basis: np.ndarray, seed: int) -> np.ndarray:
    """Residual patterns (K, F) with a share ``congruence`` of their variance from ``category_geometry``.

    Parameters
    ----------
    random_residual : (K, F) the default cohort's random residual patterns (unit RMS each).
    category_geometry : (K, D) category vectors of a language model, rows in the cohort's category
        order (e.g. the lead model's hidden-state category means from chapter 1); centred here.
    congruence : share 0..1; 0 returns ``random_residual`` unchanged.
    chol, n_bands, basis : spatial smoothing, bands and the (F, 2) valence/arousal basis, as in
        :func:`smooth_patterns`.
    seed : the cohort's seed (the random map is ``SeedSequence([seed, 4])``).
    """
    if congruence == 0:
        return random_residual
    if category_geometry is None:
        raise VaxisInputError("congruence > 0 needs category_geometry: a language model's category vectors "
                              "(n_categories, D), rows in the cohort's category order (e.g. chapter 1's "
                              "vaxis.results.category_vectors).")
    g = np.asarray(category_geometry, dtype=float)
    K, F = random_residual.shape
    if g.ndim != 2 or g.shape[0] != K or not np.isfinite(g).all():
        raise VaxisInputError(f"category_geometry must be a finite ({K}, D) array, got shape {g.shape}.")
    g = g - g.mean(axis=0)
    if not np.any(g):
        raise VaxisInputError("category_geometry has no spread between categories (all rows equal).")
    n_ch = chol.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    mapping = rng.standard_normal((g.shape[1], n_ch, n_bands)) / np.sqrt(g.shape[1])
    llm = np.einsum("ij,kjb->kib", chol, np.einsum("kd,djb->kjb", g, mapping)).reshape(K, F)
    llm -= llm.mean(axis=1, keepdims=True)
    llm -= (llm @ basis) @ basis.T
    llm /= np.sqrt(np.mean(llm**2))  # unit mean square over categories: relative geometry kept
    return np.sqrt(1 - congruence) * random_residual + np.sqrt(congruence) * llm


@dataclass(frozen=True)
class SubjectTerms:
    """One subject's mechanism terms for every clip (all (n_clips,))."""

    valence: np.ndarray  # z-scored valence driving the valence pattern
    arousal: np.ndarray  # z-scored arousal driving the arousal pattern
    intensity: np.ndarray  # scale of the category terms
    category: np.ndarray  # index of the category whose residual / sub-type patterns the trial carries
    subtype: np.ndarray  # +1 / -1: which sub-type of that category


def subject_terms(n: int, seed: int, clip_index: np.ndarray, clip_valence_z: np.ndarray, clip_arousal_z: np.ndarray,
                  felt_emotion: float, label_noise: float, own: dict[str, np.ndarray] | None) -> SubjectTerms:
    """The mechanism terms of simulated subject ``n`` (see the module docstring).

    ``clip_index`` (C,): each clip's category index; ``clip_valence_z``, ``clip_arousal_z`` (C,):
    the clip-level values the default cohort uses. ``own``: this subject's ratings, with keys
    ``valence_z``, ``arousal_z`` (z-scored like the clip values), ``intensity`` (relative to all
    participants) and ``felt`` (category index), each (C,); needed when ``felt_emotion`` or
    ``label_noise`` > 0. Draws (always in the same order, whatever the knobs): C uniforms for label
    noise, C signs for the sub-types, from ``SeedSequence([seed, 2, n])``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2, n]))
    u = rng.random(len(clip_index))
    sign = np.where(rng.random(len(clip_index)) < 0.5, -1.0, 1.0)
    if (felt_emotion > 0 or label_noise > 0) and own is None:
        raise VaxisInputError("felt_emotion and label_noise need each subject's own ratings (subject_ratings); "
                              "this cohort has none (e.g. SEED-V, or FACED with ratings='norms' before ratings "
                              "were packaged).")
    f = felt_emotion
    if own is None:
        return SubjectTerms(clip_valence_z, clip_arousal_z, np.ones(len(clip_index)), clip_index, sign)
    valence = (1 - f) * clip_valence_z + f * own["valence_z"]
    arousal = (1 - f) * clip_arousal_z + f * own["arousal_z"]
    intensity = (1 - f) + f * own["intensity"]
    category = np.where((own["felt"] != clip_index) & (u < label_noise), own["felt"], clip_index)
    return SubjectTerms(valence, arousal, intensity, category, sign)


def own_ratings(subject_ratings: np.ndarray, all_ratings: np.ndarray, items: Sequence[str], clip_category: Sequence[str],
                categories: Sequence[str], clip_valence: np.ndarray, clip_arousal: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Per simulated subject, the ``own`` dictionary of :func:`subject_terms`.

    ``subject_ratings`` (N, C, I): the cohort's subjects' ratings; ``all_ratings`` (P, C, I): every
    participant's (the reference for intensity); ``clip_valence``, ``clip_arousal`` (C,): the raw
    clip values the cohort is labelled with (their mean and SD z-score the subjects' own ratings).
    """
    items = list(items)
    iv, ia = items.index("valence"), items.index("arousal")
    felt = felt_categories(clip_category, subject_ratings, items, categories)
    cats = list(categories)
    item_of = np.array([items.index(cats[k]) if cats[k] in items else -1 for k in range(len(cats))])
    ref = np.asarray(all_ratings, dtype=float).mean(axis=0)  # (C, I)

    def z(x: np.ndarray, clip: np.ndarray) -> np.ndarray:
        sd = clip.std()
        return (x - clip.mean()) / (sd if sd > 0 else 1.0)

    out = []
    for n in range(len(subject_ratings)):
        r = subject_ratings[n]
        col = item_of[felt[n]]
        mine = np.where(col >= 0, r[np.arange(len(col)), np.maximum(col, 0)], 1.0)
        mean = np.where(col >= 0, ref[np.arange(len(col)), np.maximum(col, 0)], 1.0)
        intensity = np.where(col >= 0, np.clip(mine / np.maximum(mean, 1e-3), 0.0, 3.0), 1.0)
        out.append({"valence_z": z(r[:, iv], clip_valence), "arousal_z": z(r[:, ia], clip_arousal),
                    "intensity": intensity, "felt": felt[n]})
    return out


def subject_signal(terms: SubjectTerms, p_valence: np.ndarray, p_arousal: np.ndarray, residual: np.ndarray,
                   clip_pattern: np.ndarray, subtypes: np.ndarray, valence_strength: float, arousal_strength: float,
                   residual_strength: float, clip_identity: float, within_class: float) -> np.ndarray:
    r"""One subject's latent clip signal (n_clips, F) with the mechanisms:

    .. math::

       s_{n,c} = \beta_V \tilde v_{n,c} p_V + \beta_A \tilde a_{n,c} p_A
         + \beta_R\, i_{n,c}\, r_{k_{n,c}} + \beta_C u_c + \omega\, \epsilon_{n,c}\, d_{k_{n,c}}

    with ``residual`` (K, F) the (possibly congruent) residual patterns, ``clip_pattern`` (C, F),
    ``subtypes`` (K, F) the :math:`d_k`. A clip's signature :math:`u_c` (``clip_identity``) belongs to the
    stimulus: it is neither scaled by the felt intensity nor replaced under label noise. With every
    mechanism at 0 it equals the default clip signal.
    """
    k = terms.category
    sig = (valence_strength * terms.valence[:, None] * p_valence
           + arousal_strength * terms.arousal[:, None] * p_arousal
           + residual_strength * terms.intensity[:, None] * residual[k] + clip_identity * clip_pattern)
    if within_class:
        sig = sig + within_class * terms.subtype[:, None] * subtypes[k]
    return sig


def geometry_agreement(dataset: object, category_geometry: np.ndarray) -> float:
    """How much the data's class-mean geometry agrees with a language model's: a check of congruence.

    Class means of the subject-normalised, window-averaged DE of ``dataset`` (an
    :class:`~vaxis.eeg.dataset.EEGDataset`), and the centred ``category_geometry`` (K, D), rows in
    ``dataset.categories`` order; Spearman correlation of their correlation-distance RDMs (upper
    triangles). Near 0 for the default cohort, high for ``congruence=1``.
    """
    de = np.asarray(dataset.de, dtype=float).mean(axis=2)  # (N, C, ch, b)
    x = de.reshape(de.shape[0], de.shape[1], -1)
    x = (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-12)
    cats = list(dataset.categories)
    clip = np.asarray(dataset.clip_category)
    means = np.stack([x[:, clip == c].mean(axis=(0, 1)) for c in cats])
    g = np.asarray(category_geometry, dtype=float)
    if g.shape[0] != len(cats):
        raise VaxisInputError(f"category_geometry needs one row per category ({len(cats)}), got {g.shape}.")
    iu = np.triu_indices(len(cats), 1)
    rdm = [1 - np.corrcoef(m - m.mean(axis=0))[iu] for m in (means, g)]
    return float(stats.spearman(rdm[0], rdm[1]))
