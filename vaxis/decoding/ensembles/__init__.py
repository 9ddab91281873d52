r"""Chapter 6: ensembles whose members differ in the within-class residual.

Chapter 5 found the label-driven *basin* (the span of the class means of a network's penultimate
representation) saturated: every network already puts its class means there. What differs between
networks is the rest, the *residual*. This module builds ensembles from members that differ there,
and compares them with the usual ways of building ensembles and with the EEG literature's baselines.

The residual of a member
------------------------
For one member (a trained (architecture, seed) network) in one outer fold, with trial
representations ``z`` (:attr:`vaxis.engine.UnitResult.z`):

- the **basin** is the affine span of its class means computed on the fold's **training trials
  only**: origin ``o = mean_k mu_k`` (the mean of the class means, so unequal class counts do not
  tilt it), directions ``span{mu_k - o}`` (rank <= K - 1, orthonormal basis ``Q`` from an SVD).
  Training trials because the basin is what the labels drive *during fitting*; the class means of
  validation or test trials would let held-out labels define the projection.
- the **residual** of a trial is ``r(z) = (z - o) - Q Q^T (z - o)``: what is left of the
  representation once its position in the label-driven subspace is removed
  (:func:`vaxis.stats.project_out`; the basin is :func:`vaxis.stats.basin_basis`).

Diversity between two members
-----------------------------
``1 - linear CKA`` of their residuals on the fold's **validation trials** (:func:`vaxis.stats.linear_cka`,
Kornblith et al. 2019). CKA compares two representations of the same trials through their
trial-by-trial similarity structure; it is invariant to rotations and isotropic scaling and does not
need equal widths, so a 9-dimensional logistic-regression residual and a 32-dimensional MLP residual
can be compared. Validation trials because they are held out of the weights but belong to the
training side of the fold (test subjects are never looked at). A member whose residual has no
variance (nothing outside the basin) gets diversity 0 with everyone: it has no residual to add.
The contrast is **prediction diversity**: the share of validation trials on which two members'
predicted classes differ (:func:`prediction_disagreement`), the classic ensemble-diversity measure.

Building ensembles (all on validation subjects)
-----------------------------------------------
Members are combined by averaging their trial probabilities (:func:`average_proba`).

- ``residual_diverse`` (the chapter's method): greedy forward selection (:func:`greedy_path`).
  Start from the member with the best validation balanced accuracy; at each step add the member
  that maximises ``bacc_val(average of S + c) + diversity_weight * mean_{s in S} div(c, s)`` with
  ``div`` the residual diversity. The selection path is ranked by validation accuracy of the
  averaged probabilities alone, and the ensemble kept is the prefix with the highest validation
  balanced accuracy (first maximum: ties go to the smaller ensemble).
- ``prediction_diverse``: the same procedure with prediction disagreement as ``div``.
- ``greedy_accuracy``: the same with ``diversity_weight = 0`` (Caruana et al. 2004's ensemble
  selection without replacement); isolates what the diversity bonus adds.
- ``all_members``: every member (its curve adds members in order of validation accuracy).
- ``seed_ensemble``: all seeds of the architecture whose seed ensemble is best on validation.
- ``best_single``: the member with the best validation balanced accuracy.
- ``de_svm``, ``de_mlp``, ``de_logreg``: the literature's baselines (FACED paper benchmarks) on
  trial-averaged, subject-normalised DE features (:func:`trial_features`): scikit-learn SVC
  (kernel and C chosen on validation subjects), a one-hidden-layer MLP (its L2 penalty chosen on
  validation), multinomial logistic regression (C chosen on validation); fitted on training subjects.

:func:`select_ensembles` refuses trial sets that overlap and slices every array to the training
(basin) and validation (everything else) trials before any choice is made; the test helps
nothing. ``tests/test_ensembles.py`` checks that scrambling test subjects' data leaves every
selection unchanged.

Evaluation (:mod:`~.evaluation`)
--------------------------------
Each subject is tested once; balanced accuracy over the pooled test trials with a bootstrap interval
over subjects, paired Wilcoxon tests against ``residual_diverse`` over per-subject accuracies
(Benjamini-Hochberg across methods), and the relative improvement over the strongest other method.

Modules: :mod:`~.members` (a fold's candidates, averaging), :mod:`~.geometry` (residuals and
diversity), :mod:`~.selection` (choosing on validation subjects), :mod:`~.baselines` (DE + SVM /
MLP / logistic regression), :mod:`~.evaluation` (:func:`compare`), :mod:`~.verdict` (words for
the result) and :mod:`~.study` (the study's +10.5 % against each competitor, and the power to see
it). The figures are :func:`vaxis.plots.ensemble_curves` and :func:`vaxis.plots.ensemble_diversity`.
"""

from .baselines import BASELINES, de_baseline, trial_features
from .evaluation import METHODS, REFERENCE, EnsembleComparison, compare, subject_bootstrap
from .geometry import diversity_agreement, member_residual, prediction_disagreement, residual_diversity, residual_summary
from .members import FoldMembers, average_proba, fold_members
from .selection import FoldSelection, GreedyPath, greedy_path, select_ensembles
from .study import STUDY_GAIN, study_gap, study_power
from .verdict import gain_in_words, verdict

__all__ = ["BASELINES", "METHODS", "REFERENCE", "STUDY_GAIN", "EnsembleComparison", "FoldMembers", "FoldSelection", "GreedyPath",
           "average_proba", "compare", "de_baseline", "diversity_agreement", "fold_members", "gain_in_words",
           "greedy_path",
           "member_residual", "prediction_disagreement", "residual_diversity", "residual_summary", "select_ensembles",
           "study_gap", "study_power", "subject_bootstrap", "trial_features", "verdict"]
