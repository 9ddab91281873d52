"""Every figure of the book, one function per figure; each returns the matplotlib Figure.

Chapters draw nothing themselves: they call one function here per figure. Figures take plain
tables and arrays (or the result objects of :mod:`vaxis.decoding`), never compute a statistic
(that is :mod:`vaxis.stats`' job), and size themselves so the book's pages stay the same. One module
per question a figure answers; every figure is importable from ``vaxis.plots`` itself:

- :mod:`~vaxis.plots.language` -- does the V-axis agree with people, and do models agree with each
  other (chapters 1-2): :func:`rating_scatters`, :func:`layer_profiles`, :func:`specificity_controls`,
  :func:`random_directions`, :func:`frequency_split`, :func:`model_agreement_with_ratings`,
  :func:`agreement_matrices`, and on human-rated sentences :func:`sentence_transfer` and
  :func:`word_vs_sentence`;
- :mod:`~vaxis.plots.ratings` -- what FACED's participants said of each clip (real ratings):
  :func:`positions_vs_participants`, :func:`clip_ratings`;
- :mod:`~vaxis.plots.mapping` -- does one linear map of EEG track the V-axis (chapter 3):
  :func:`map_summary`, :func:`target_comparison`, :func:`clip_holdout_map`;
- :mod:`~vaxis.plots.decoders` -- what label-trained classifiers carry (chapter 4):
  :func:`accuracy_by_architecture`, :func:`rediscovery`, :func:`class_means_on_readout`,
  :func:`clip_holdout_readout`;
- :mod:`~vaxis.plots.saturation` -- do alignment losses help, hurt or make no difference, and where
  (chapters 5, 7): :func:`strategy_effects`, :func:`basin_share_vs_effect`, :func:`schedule_effects`,
  :func:`phase_diagram`, :func:`verdict_map`;
- :mod:`~vaxis.plots.ensembles` -- does residual diversity gain (chapter 6): :func:`ensemble_curves`,
  :func:`ensemble_diversity`, :func:`clip_holdout_ensembles`;
- :mod:`~vaxis.plots.findings` -- what the book has shown: :func:`verdict_overview` (the findings
  page's figure, every claim's verdict at a glance);
- :mod:`~vaxis.plots.panels` -- panels several figures share: :func:`layer_profile`,
  :func:`category_positions`, :func:`scatter_with_ratings`, :func:`agreement_matrix`,
  :func:`weight_topomaps`, :func:`null_histogram`.

Every figure has a title and labelled axes, and names its data in a footnote (``_common._stamp``, a
text artist with the gid :data:`SOURCE_GID` at the bottom left, below every axes' tick labels):
each function takes ``source``, the EEG dataset's own label (:attr:`vaxis.eeg.EEGDataset.source`,
so a simulated cohort reads "simulated EEG" and real FACED reads "faced") or, for figures of
language models and human ratings, the models and ratings (:func:`llm_source`,
:data:`PARTICIPANTS_SOURCE`).
"""

from __future__ import annotations

from ._common import (
    CATEGORY_COLORS,
    llm_source,
    PARTICIPANTS_SOURCE,
    SOURCE_GID,
    STAMP_FONTSIZE,
    VALENCE_COLORS,
    VERDICT_COLORS,
    WORD_RATINGS,
)
from .panels import (
    agreement_matrix,
    category_positions,
    layer_profile,
    null_histogram,
    scatter_with_ratings,
    weight_topomaps,
)
from .language import (
    agreement_matrices,
    frequency_split,
    layer_profiles,
    model_agreement_with_ratings,
    random_directions,
    rating_scatters,
    sentence_transfer,
    specificity_controls,
    word_vs_sentence,
)
from .ratings import clip_ratings, positions_vs_participants
from .mapping import clip_holdout_map, map_summary, target_comparison
from .decoders import accuracy_by_architecture, class_means_on_readout, clip_holdout_readout, rediscovery
from .saturation import (
    basin_share_vs_effect,
    phase_diagram,
    schedule_effects,
    strategy_effects,
    verdict_map,
)
from .findings import VERDICT_KIND_COLORS, verdict_kind, verdict_overview
from .ensembles import clip_holdout_ensembles, ensemble_curves, ensemble_diversity

__all__ = ['VERDICT_KIND_COLORS', 'verdict_kind', 'verdict_overview',
           'accuracy_by_architecture', 'agreement_matrices', 'agreement_matrix', 'basin_share_vs_effect', 'CATEGORY_COLORS', 'category_positions', 'class_means_on_readout', 'clip_holdout_ensembles', 'clip_holdout_map', 'clip_holdout_readout', 'clip_ratings', 'ensemble_curves', 'ensemble_diversity', 'frequency_split', 'layer_profile', 'layer_profiles', 'llm_source', 'map_summary', 'model_agreement_with_ratings', 'null_histogram', 'PARTICIPANTS_SOURCE', 'phase_diagram', 'positions_vs_participants', 'random_directions', 'rating_scatters', 'rediscovery', 'scatter_with_ratings', 'schedule_effects', 'sentence_transfer', 'SOURCE_GID', 'specificity_controls', 'STAMP_FONTSIZE', 'strategy_effects', 'target_comparison', 'VALENCE_COLORS', 'VERDICT_COLORS', 'verdict_map', 'weight_topomaps', 'word_vs_sentence', 'WORD_RATINGS']
