r"""One linear map from EEG to the V-axis, with subjects held out and an exact permutation test.

The map (chapter 3) is a ridge regression from a subject's trial features (DE averaged over
windows, z-scored within subject; :meth:`vaxis.eeg.EEGDataset.trial_features`) to the V-axis
position of the clip's category, the position coming from chapter 1's result file as a mapping
``category -> position``. :class:`LinearMapCV` is the cross-validated map as a scikit-learn style
estimator (parameters in ``__init__``, the work in :meth:`~LinearMapCV.fit`, its folds as
:class:`MapFold` objects); :func:`cross_validate_map` runs it with the permutation test.

Protocol
--------
- Outer loop: :class:`sklearn.model_selection.GroupKFold` by subject (``n_splits`` folds; every
  subject is held out exactly once).
- Ridge penalty: chosen inside each outer training set only, by an inner GroupKFold over the
  training subjects (``inner_splits``), minimising the pooled squared error over a grid ``alphas``.
- Score: for each held-out subject, the Pearson correlation between predicted and target positions
  over that subject's clips; the statistic is the mean over subjects, with a percentile bootstrap
  interval over subjects (:func:`vaxis.stats.bootstrap_mean`).

Exact permutation null
----------------------
The null hypothesis is that EEG carries no information about *which* category sits where on the
axis. We permute the assignment of the K observed positions to the K categories: K! assignments
(9! = 362,880 for FACED), evaluated **all of them, exactly**.

This is cheap because ridge predictions are linear in the targets. With :math:`C` the clip-by-
category indicator matrix and :math:`v` the position vector, the targets are :math:`y = Cv`, and
for a fixed penalty :math:`\alpha` the predictions of any evaluation rows are :math:`B_\alpha v`
with :math:`B_\alpha = \tilde X_e (\tilde X^\top \tilde X + \alpha I)^{-1}\tilde X^\top \tilde C +
\mathbf 1 \bar c^\top` (tilde: centred on the training rows; the intercept is fitted). Hence

- the inner-CV error of each :math:`\alpha` is a quadratic form :math:`v^\top Q_\alpha v` with a
  K x K matrix :math:`Q_\alpha`,
- a held-out subject's correlation is
  :math:`v^\top P v / \sqrt{(v^\top Q' v)(v^\top R v)}` with K x K matrices.

So for every permutation the penalty is **re-selected** inside every training fold exactly as for
the observed assignment (``alpha_under_null="reselect"``, the default), and the whole procedure --
penalty choice included -- is replayed under the null without refitting anything. The option
``"fixed"`` keeps each fold's penalty at the value chosen for the observed assignment (faster to
explain, slightly different null). The p-value is the share of all K! assignments (the observed
one included) whose statistic is at least the observed one; with K > 10, or ``permutations`` an
integer, a uniform random sample of assignments is used instead (Monte Carlo, observed included).

The same machinery scores any other position vector exactly: the controls of chapter 3 (human
valence ratings; random directions in the LLM's hidden space) use it too.
"""

from .linear import DEFAULT_ALPHAS, LinearMapCV, MapFold, MapSubject, VAxisRidgeMap
from .result import MapResult, cross_validate_map, human_valence_positions, random_direction_positions

__all__ = ["DEFAULT_ALPHAS", "LinearMapCV", "MapFold", "MapResult", "MapSubject", "VAxisRidgeMap", "cross_validate_map",
           "human_valence_positions", "random_direction_positions"]
