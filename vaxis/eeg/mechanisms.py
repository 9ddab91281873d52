r"""Generator mechanisms that decide whether alignment can help or hurt: properties of the data.

The simulated cohort (:mod:`vaxis.eeg.simulate`) plants a valence and an arousal topography and one
random residual pattern per category. On that cohort every alignment target is a fixed function of
the label, and nothing inside a category carries label information, so alignment losses and
residual-diversity ensembles have nothing to work with. The mechanisms below are knobs of the
*data* (fields of :class:`vaxis.eeg.simulate.SimulationParams`, all 0 by default, which leaves
today's cohort bit for bit). They read human ratings and, for congruence, an array of category
vectors; they never read, name or depend on an alignment strategy, a loss weight or an ensemble
(``tests/test_mechanisms.py`` checks it).

Congruence :math:`\kappa \in [-1, 1]`
    Share :math:`|\kappa|` of the variance of each category's residual pattern that comes from the
    **participants'** category geometry instead of at random:
    :math:`r_k = \sqrt{1-|\kappa|}\, r^{\rm rand}_k + \sqrt{|\kappa|}\, r^{\rm src}_{\pi(k)}`. The
    source :math:`r^{\rm src}` is :func:`rating_geometry`: each category's mean profile over the 12
    items FACED's 123 participants rated (z-scored across categories), carried into the feature
    space by a fixed random Gaussian map (smoothed across the scalp like every pattern), orthogonal
    to the valence and arousal patterns, scaled to unit mean square over categories (relative
    geometry kept). For :math:`\kappa > 0`, :math:`\pi` is the identity; for :math:`\kappa < 0` (the
    *anti-congruent* arm) it is :func:`anti_congruent_order`, the relabelling of the categories
    whose geometry disagrees most with the participants' own. The source is human data, never a
    language model: a language model's geometry (what alignment losses use as targets) agrees with
    it only as much as the model agrees with people, and that agreement is measured on the analysis
    side, never read here.
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

Multi-view structure :math:`\mu \ge 0` (``multi_view``)
    Every category has one *view* pattern :math:`d_{k,g}` in each band group :math:`g` of
    :data:`~vaxis.eeg.montage.BAND_GROUPS` (delta-theta, alpha, beta-gamma): a smooth scalp
    pattern that is zero outside that group's bands, orthogonal to the valence and arousal patterns,
    unit RMS over all features. Every trial (subject x clip) carries exactly **one** view of its
    category, drawn at random: :math:`+\mu\, d_{k, g_{n,c}}`. The class means move by
    :math:`\mu / 3 \sum_g d_{k,g}`, but a trial's label information sits in one band group, a
    different one from trial to trial: a read-out of one group sees a third of the trials clearly and
    the rest not at all, one of all features sees every trial through the noise of the two groups
    that carry nothing for it. Read-outs of different band groups therefore hold complementary label
    information (the data property an ensemble needs to gain beyond averaging noise).

The number of training subjects is the cohort's size (``n_subjects``) and the folds; no knob here.

Random streams: the geometry map comes from ``SeedSequence([seed, 4])``, the sub-type patterns from
``SeedSequence([seed, 3])``, the view patterns from ``SeedSequence([seed, 5])``, each subject's
label-noise draws and sub-type signs from ``SeedSequence([seed, 2, n])`` and their views from
``SeedSequence([seed, 6, n])``; none of them touches the streams of the default cohort.

Every input of these functions is an array the generator built or a human rating; no function here
opens a file, and none reads, names or depends on an alignment strategy, a loss weight or an
ensemble (``tests/test_mechanisms.py`` checks it by running the generator, not by reading its code).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import stats
from .._checks import VaxisInputError
from .montage import BAND_GROUPS, BANDS
# what a participant felt is defined once, with the FACED ratings (re-exported here for the mechanisms)
from .ratings import EMOTION_FELT_THRESHOLD, NEUTRAL_FELT_THRESHOLD, felt_categories  # noqa: F401

#: The mechanism knobs (fields of SimulationParams) and what each means, for tables in the book.
MECHANISM_KNOBS: dict[str, str] = {
    "congruence": "share of each category's residual from the participants' category geometry (-1..1; < 0: relabelled)",
    "felt_emotion": "weight of each subject's own ratings of a clip on their response (0..1)",
    "within_class": "size of category-specific sub-type patterns (label information in covariance)",
    "label_noise": "probability that a trial felt as another category carries that category's patterns",
    "multi_view": "size of per-category view patterns, one per band group, one view per trial",
}


def active(congruence: float, felt_emotion: float, within_class: float, label_noise: float,
           multi_view: float = 0.0) -> bool:
    """Whether any mechanism is switched on (all 0: the default cohort, untouched)."""
    return any(x != 0 for x in (congruence, felt_emotion, within_class, label_noise, multi_view))


def check_knobs(congruence: float, felt_emotion: float, label_noise: float) -> None:
    """Shares must lie in 0..1, congruence in -1..1 (``within_class`` and ``multi_view`` are sizes:
    any number >= 0)."""
    if not -1 <= congruence <= 1:
        raise VaxisInputError(f"congruence={congruence!r} is a signed share and must lie in -1..1.")
    for name, v in (("felt_emotion", felt_emotion), ("label_noise", label_noise)):
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


def rating_geometry(subject_ratings: np.ndarray, clip_category: Sequence[str], categories: Sequence[str]) -> np.ndarray:
    """The participants' category geometry: (K, I) mean rating profile of each category.

    ``subject_ratings`` (P, C, I): every participant's ratings of every clip (FACED: 123 x 28 x 12
    items); each category's mean over participants and its clips, then each item z-scored across
    the K categories (every item counts alike). Rows in ``categories`` order.
    """
    r = np.asarray(subject_ratings, dtype=float)
    clip = np.asarray(clip_category).astype(str)
    if r.ndim != 3 or r.shape[1] != len(clip):
        raise VaxisInputError(f"rating_geometry needs ratings (participants, {len(clip)} clips, items); got {r.shape}.")
    missing = [c for c in categories if not np.any(clip == c)]
    if missing:
        raise VaxisInputError(f"No clip of the categories {missing}.")
    m = np.stack([r[:, clip == c].mean(axis=(0, 1)) for c in categories])
    sd = m.std(axis=0)
    return (m - m.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def geometry_rdm(vectors: np.ndarray) -> np.ndarray:
    """Upper triangle (K (K - 1) / 2,) of the correlation-distance RDM of centred category vectors (K, D)."""
    x = np.asarray(vectors, dtype=float)
    x = x - x.mean(axis=0)
    iu = np.triu_indices(x.shape[0], 1)
    return 1 - np.corrcoef(x)[iu]


@lru_cache(maxsize=4)
def _anti_order(key: bytes, shape: tuple[int, int]) -> tuple[int, ...]:
    from scipy.stats import rankdata

    g = np.frombuffer(key, dtype=float).reshape(shape)
    k = shape[0]
    iu = np.triu_indices(k, 1)
    rank = np.zeros((k, k))
    rank[iu] = rankdata(geometry_rdm(g))  # average ranks of the pairs' distances
    rank = rank + rank.T
    # a relabelling moves the same distances to other pairs: the permuted RDM's ranks are the same
    # ranks gathered in another order, with the same mean and SD, so Spearman's rho is their
    # centred inner product with the original ranks (scaled alike for every ordering)
    src = rank[iu] - rank[iu].mean()
    best, best_r = None, np.inf
    for chunk in np.array_split(stats.all_permutations(k).astype(np.intp), max(1, math.factorial(k) // 40_000)):
        r = (rank[chunk[:, iu[0]], chunk[:, iu[1]]] - rank[iu].mean()) @ src
        i = int(np.argmin(r))
        if r[i] < best_r - 1e-9:
            best, best_r = chunk[i], float(r[i])
    return tuple(int(i) for i in best)


def anti_congruent_order(geometry: np.ndarray) -> np.ndarray:
    """The relabelling of the categories whose geometry disagrees most with ``geometry``'s own.

    Among all K! orderings ``pi`` (K <= 10), the one minimising the Spearman correlation of the
    RDM of ``geometry[pi]`` with the RDM of ``geometry`` (:func:`geometry_rdm`); the first in
    lexicographic order on ties. Row ``k`` of the anti-congruent geometry is ``geometry[pi[k]]``: the
    same set of distances, attached to other pairs of categories. (K,) int array.
    """
    g = np.ascontiguousarray(np.asarray(geometry, dtype=float))
    if g.ndim != 2 or not 3 <= g.shape[0] <= 10:
        raise VaxisInputError(f"anti_congruent_order needs a (K, D) geometry with 3 <= K <= 10; got {g.shape}.")
    return np.array(_anti_order(g.tobytes(), g.shape))


def congruent_residuals(random_residual: np.ndarray, source_geometry: np.ndarray | None, congruence: float,
                        chol: np.ndarray, n_bands: int, basis: np.ndarray, seed: int) -> np.ndarray:
    """Residual patterns (K, F) with a share ``|congruence|`` of their variance from ``source_geometry``.

    Parameters
    ----------
    random_residual : (K, F) the default cohort's random residual patterns (unit RMS each).
    source_geometry : (K, D) the category geometry the EEG's residuals follow (the participants':
        :func:`rating_geometry`), rows in the cohort's category order; centred here.
    congruence : signed share -1..1; 0 returns ``random_residual`` unchanged; < 0 uses the source
        relabelled by :func:`anti_congruent_order`.
    chol, n_bands, basis : spatial smoothing, bands and the (F, 2) valence/arousal basis, as in
        :func:`smooth_patterns`.
    seed : the cohort's seed (the random map is ``SeedSequence([seed, 4])``).
    """
    if congruence == 0:
        return random_residual
    if source_geometry is None:
        raise VaxisInputError("congruence != 0 needs the participants' ratings of every clip (FACED's), from which "
                              "the category geometry is built; this cohort has none (e.g. SEED-V).")
    g = np.asarray(source_geometry, dtype=float)
    K, F = random_residual.shape
    if g.ndim != 2 or g.shape[0] != K or not np.isfinite(g).all():
        raise VaxisInputError(f"source_geometry must be a finite ({K}, D) array, got shape {g.shape}.")
    g = g - g.mean(axis=0)
    if not np.any(g):
        raise VaxisInputError("source_geometry has no spread between categories (all rows equal).")
    if congruence < 0:
        g = g[anti_congruent_order(g)]
    n_ch = chol.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    mapping = rng.standard_normal((g.shape[1], n_ch, n_bands)) / np.sqrt(g.shape[1])
    src = np.einsum("ij,kjb->kib", chol, np.einsum("kd,djb->kjb", g, mapping)).reshape(K, F)
    src -= src.mean(axis=1, keepdims=True)
    src -= (src @ basis) @ basis.T
    src /= np.sqrt(np.mean(src**2))  # unit mean square over categories: relative geometry kept
    a = abs(congruence)
    return np.sqrt(1 - a) * random_residual + np.sqrt(a) * src


def band_groups(n_bands: int) -> list[list[int]]:
    """Indices (into the first ``n_bands`` of :data:`~vaxis.eeg.montage.BANDS`) of each band group of
    :data:`~vaxis.eeg.montage.BAND_GROUPS`."""
    names = list(BANDS)[:n_bands]
    return [[names.index(b) for b in g if b in names] for g in BAND_GROUPS.values()]


def view_patterns(n_categories: int, band_groups: Sequence[Sequence[int]], chol: np.ndarray, n_bands: int,
                  basis: np.ndarray, seed: int) -> np.ndarray:
    """The multi-view patterns :math:`d_{k,g}`: (K, G, F), one per category and band group.

    Each is a smooth scalp pattern (``chol``) in the bands ``band_groups[g]`` (indices into the
    cohort's bands) and zero in the others, orthogonal to ``basis`` (F, m: valence and arousal)
    within its bands, unit RMS over all F features. Drawn from ``SeedSequence([seed, 5])``.
    """
    n_ch = chol.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    z = rng.standard_normal((n_categories, len(band_groups), n_ch, n_bands))
    pats = np.einsum("ij,kgjb->kgib", chol, z)
    out = np.zeros((n_categories, len(band_groups), n_ch * n_bands))
    for g, bands in enumerate(band_groups):
        mask = np.zeros((n_ch, n_bands), bool)
        mask[:, list(bands)] = True
        m = mask.ravel()
        q = np.linalg.qr(basis[m])[0]  # the valence/arousal basis within the group's features
        p = pats[:, g].reshape(n_categories, -1)[:, m]
        p = p - p.mean(axis=1, keepdims=True)
        p -= (p @ q) @ q.T
        out[:, g, m] = p
    return out / np.sqrt(np.mean(out**2, axis=2, keepdims=True))


def subject_views(n: int, seed: int, n_clips: int, n_groups: int) -> np.ndarray:
    """Which view (band group index) each clip's trial of subject ``n`` carries: (n_clips,) ints,
    uniform, from ``SeedSequence([seed, 6, n])``."""
    return np.random.default_rng(np.random.SeedSequence([seed, 6, n])).integers(0, n_groups, n_clips)


def multi_view_term(category: np.ndarray, views: np.ndarray, patterns: np.ndarray, multi_view: float) -> np.ndarray:
    """The multi-view part of one subject's clip signal: (C, F) = ``multi_view * patterns[category, views]``."""
    return multi_view * patterns[np.asarray(category), np.asarray(views)]


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
