"""Statistics of the book, one definition each, one module per kind of question.

Everything a chapter reports as a number with its uncertainty and its null is computed here, once,
and every name is importable from ``vaxis.stats`` itself (``stats.spearman``, ``stats.Estimate``):

- :mod:`~vaxis.stats.estimate` -- :class:`Estimate` (a number with its interval and its ``n``) and
  the ``Seed`` type every resampling function takes;
- :mod:`~vaxis.stats.resampling` -- the bootstrap's draws (:func:`resample_indices`) and intervals
  (:func:`percentile_interval`, :func:`bootstrap_mean`, :func:`relative_change`: a ratio of paired
  means; :func:`hierarchical_bootstrap` / :func:`hierarchical_mean` for units nested in clusters they
  share, e.g. held-out subjects in training runs in generator draws, vectorised when asked;
  :func:`bootstrap_p`, and :func:`bootstrap_tost_p` for equivalence); permutations (:func:`draw_permutations`, :func:`all_permutations`, :func:`assignments`
  with the identity first, :func:`group_permutations`: every permutation that keeps group
  membership, e.g. within negative / neutral / positive); p-values from a null
  (:func:`permutation_pvalue`, observed counted once; :func:`share_at_least`, a null that already
  holds the observed value);
- :mod:`~vaxis.stats.agreement` -- rank and row-wise correlation (:func:`spearman`,
  :func:`pearson_rows`), the AUC, their intervals (:func:`spearman_interval`,
  :func:`bootstrap_corr`, :func:`bootstrap_auc`, :func:`bootstrap_pairwise_corr`: pairs of units,
  the units resampled), two scorings of the same items compared on the same resamples
  (:func:`paired_spearman`, :func:`paired_spearman_draws`: difference and ratio of their rhos), an
  exact test of a rank correlation over a few units (:func:`exact_spearman`, :func:`exact_min_p`), a pattern's correlation with fold weights (:func:`pattern_correlation`),
  split-half reliability of raters' means (:func:`split_half_reliability`);
- :mod:`~vaxis.stats.inference` -- multiple comparisons (:func:`benjamini_hochberg`, :func:`holm`),
  the paired comparison over independent units (:func:`paired_comparison`), its equivalence test
  (:func:`tost_pvalue`, the one :data:`EQUIVALENCE_MARGIN`) and its four :data:`VERDICTS`
  (:func:`equivalence_verdicts`);
- :mod:`~vaxis.stats.power` -- what a paired design of ``n`` units can detect
  (:func:`paired_power`, :func:`min_detectable_effect`, :func:`detectable_effect` from a standard
  error) and call equivalent (:func:`tost_power`,
  :func:`tost_reach`, :func:`tost_sample_size`);
- :mod:`~vaxis.stats.accuracy` -- :func:`balanced_accuracy` (labels) and
  :func:`balanced_accuracy_from_counts` (the same statistic from per-class counts, for resampling
  subjects);
- :mod:`~vaxis.stats.geometry` -- :func:`linear_cka` (numpy or torch, differentiable) and the
  label-driven *basin* of a representation, :func:`basin_basis` and :func:`project_out`.

All resampling is vectorised over resamples and takes an explicit ``seed`` (an int or a sequence of
ints, as :func:`numpy.random.default_rng` accepts). A statistic needed somewhere new is added to the
module of its kind and re-exported here, never written again elsewhere.
"""

from __future__ import annotations

from .accuracy import balanced_accuracy, balanced_accuracy_from_counts
from .agreement import (
    auc,
    bootstrap_auc,
    bootstrap_corr,
    bootstrap_pairwise_corr,
    exact_min_p,
    exact_spearman,
    paired_spearman,
    paired_spearman_draws,
    pattern_correlation,
    pearson_rows,
    spearman,
    spearman_interval,
    split_half_reliability,
)
from .estimate import Estimate, Seed
from .geometry import basin_basis, linear_cka, project_out
from .inference import (
    EQUIVALENCE_MARGIN,
    VERDICTS,
    benjamini_hochberg,
    equivalence_verdicts,
    holm,
    paired_comparison,
    tost_pvalue,
)
from .power import detectable_effect, min_detectable_effect, paired_power, tost_power, tost_reach, tost_sample_size
from .resampling import (
    all_permutations,
    assignments,
    bootstrap_mean,
    bootstrap_p,
    bootstrap_tost_p,
    draw_permutations,
    group_permutations,
    hierarchical_bootstrap,
    hierarchical_mean,
    percentile_interval,
    permutation_pvalue,
    relative_change,
    resample_indices,
    share_at_least,
)

__all__ = [
    "EQUIVALENCE_MARGIN", "VERDICTS", "Estimate", "Seed", "all_permutations", "assignments", "auc",
    "balanced_accuracy", "balanced_accuracy_from_counts", "basin_basis", "benjamini_hochberg",
    "bootstrap_auc", "bootstrap_corr", "bootstrap_mean", "bootstrap_p", "bootstrap_pairwise_corr", "bootstrap_tost_p",
    "detectable_effect", "draw_permutations",
    "equivalence_verdicts", "exact_min_p", "exact_spearman", "group_permutations", "hierarchical_bootstrap",
    "hierarchical_mean", "holm", "linear_cka", "min_detectable_effect", "paired_comparison", "paired_power",
    "paired_spearman", "paired_spearman_draws", "pattern_correlation", "pearson_rows", "percentile_interval",
    "permutation_pvalue", "project_out", "relative_change", "resample_indices", "share_at_least",
    "spearman", "spearman_interval", "split_half_reliability", "tost_power", "tost_reach",
    "tost_sample_size", "tost_pvalue",
]
