"""Checkers for the workshop exercises (Neuromatch style): call them with your function.

Every chapter's exercises are a stub that raises ``NotImplementedError("Exercise: ...")``, a call to
one checker from here, and a hidden solution. A checker runs the learner's function on the
chapter's own data, compares it with the package's result and prints one verdict -- ``Correct: ...``,
``Not yet: <what is wrong and how to fix it>`` or ``Not implemented yet: <hint>`` -- and returns
a :class:`Verdict` (true when correct; it displays nothing in a notebook, where the printed line is
the answer). It raises nothing on a wrong answer, so a notebook keeps running.

One module per chapter (``ch01`` ... ``ch07``); :data:`BY_CHAPTER` lists each chapter's checkers.
"""

from __future__ import annotations

from . import ch01, ch02, ch03, ch04, ch05, ch06, ch07
from ._core import NOT_YET, Verdict
from .ch01 import check_axis_function, check_category_positions, check_spearman
from .ch02 import check_agreement_extremes, check_exact_pair_pvalue
from .ch03 import check_band_map, check_per_subject_r, check_subject_folds
from .ch04 import check_balanced_accuracy, check_classmean_cosine
from .ch05 import check_benjamini_hochberg, check_random_share, check_worst_family
from .ch06 import check_linear_cka, check_residual_share
from .ch07 import check_congruence_change, check_verdicts

#: Chapter number -> names of its checkers (the tests run each against its solution and its stub).
BY_CHAPTER: dict[str, tuple[str, ...]] = {
    f"{i:02d}": tuple(mod.__all__) for i, mod in enumerate((ch01, ch02, ch03, ch04, ch05, ch06, ch07), start=1)
}

__all__ = ["BY_CHAPTER", "NOT_YET", "Verdict", "check_agreement_extremes", "check_axis_function", "check_balanced_accuracy",
           "check_band_map", "check_benjamini_hochberg", "check_category_positions", "check_classmean_cosine", "check_congruence_change",
           "check_exact_pair_pvalue", "check_linear_cka", "check_per_subject_r", "check_random_share",
           "check_residual_share", "check_spearman", "check_subject_folds", "check_verdicts", "check_worst_family"]
