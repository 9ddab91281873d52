"""Chapter 5: does aligning the EEG network with the LLM help decoding? The saturation sweep.

Design
------
- One architecture (default the MLP), trained on category labels with cross-entropy, with and
  without an auxiliary alignment loss from :mod:`vaxis.decoding.alignment`, on the shared
  leave-subjects-out folds of :mod:`vaxis.decoding.folds` and the same seeds. The label-only network is the *baseline*.
- **Weight choice on training subjects only.** Every strategy is trained at each weight of its grid
  (the same number of weights for every strategy: the same budget); for each outer fold the weight
  with the highest mean balanced accuracy on that fold's *validation* subjects (part of the
  training subjects, also used for early stopping) is kept, and only then is its accuracy on the
  fold's held-out test subjects read.
- **Tasks.** The unit of analysis is one (strategy, fold, seed) network. For speed, the unit of
  *work* is one (strategy, weight): its folds x seeds networks are trained together as stacked
  replicas by :mod:`vaxis.decoding.engine` (one stacked job; for the MLP, 15 replicas cost a few
  times one, ``benchmarks/README.md``), and stored as one row per (fold, seed).
  Tasks run through :mod:`vaxis.decoding.sweep` (joblib; Dask or Ray by changing ``backend``);
  results go to an append-only, atomic store: a killed sweep loses at most the tasks in flight and
  resumes. Task keys hold explicit versions (the engine's, the architecture's, each strategy's),
  never source text.
- **Statistics** (:mod:`~.statistics`). The unit of a paired comparison is the **held-out
  subject**: each task stores every test subject's balanced accuracy, averaged over seeds within
  the subject (seeds of one fold share their subjects and are not independent units). For each
  strategy, the paired differences with the baseline over subjects: Wilcoxon signed-rank test and
  an equivalence test (TOST, margin :data:`MARGIN` = 0.02 balanced accuracy, fixed in advance),
  each with Benjamini-Hochberg across strategies; mean difference with a bootstrap interval over
  subjects and d_z. Verdicts (:func:`vaxis.stats.equivalence_verdicts`): *helped* / *hurt* when the
  difference is significant, else *equivalent* when TOST is, else *undecided* ("no difference" is
  only ever "equivalent within the margin"). Two arms: the weight chosen on validation subjects, or
  one fixed weight for every strategy (``arm=``); alignment and control losses are told apart
  (``kind``).

Saturation diagnostics
----------------------
- :func:`basin_shares`: at the trained baseline networks, the share of each auxiliary loss's
  gradient (with respect to the penultimate representation) that lies in the *basin* -- the span of
  the class means, which the labels already drive (:func:`vaxis.stats.basin_basis`) -- rather than
  in the within-class residual.
- :func:`alignment_during_training`: chapter 4's V read-out of the baseline after 0, 1, 2, ... epochs.

Modules: :mod:`~.tasks` (the sweep's plumbing), :mod:`~.statistics` (weights, paired tests,
verdicts), :mod:`~.power` (what the sweep's held-out subjects can detect: :func:`sweep_power`),
:mod:`~.diagnostics` (the saturation diagnostics) and :mod:`~.targets` (the alignment
targets from chapter 1's results and arrays the LLM side computed; no model runs here). Chapter 7:
:mod:`~.phase` (the grid over the generator's mechanisms, run as sweep tasks), :mod:`~.checks` (the
knobs' manipulation checks), :mod:`~.scaling` (the fixed arm's weights from gradient norms),
:mod:`~.comparisons` (statistics over draws > runs > subjects) and :mod:`~.predictions` (the second
edition's predictions, scored with four outcomes).
"""

from .diagnostics import (alignment_during_training, baseline_representation, basin_in_words, basin_share,
                          basin_shares)
from .statistics import (MARGIN, add_verdicts, arm_rows, best_epochs, choose_weights, compare, compare_schedules,
                         control_kind, paired_rows, subject_accuracy, verdict_counts)
from .power import sd_of_differences, sweep_power
from .targets import targets_from_results
from .tasks import BASELINE, SweepSetup, make_tasks, run_sweep, run_task, save_setup

__all__ = ["BASELINE", "MARGIN", "SweepSetup", "add_verdicts", "arm_rows", "control_kind", "paired_rows",
           "subject_accuracy", "alignment_during_training", "baseline_representation", "basin_in_words", "basin_share",
           "basin_shares", "best_epochs", "choose_weights", "compare", "compare_schedules", "make_tasks",
           "run_sweep", "run_task", "save_setup", "sd_of_differences", "sweep_power", "targets_from_results",
           "verdict_counts"]
