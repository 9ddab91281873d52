r"""Is it the LLM, or just negative vs positive? Nine-value targets that need no LLM (chapter 3).

The LLM's nine category positions correlate strongly with the plain split negative = -1,
neutral = 0, positive = +1, which needs no language model at all. "EEG tracks the V-axis" only
means something next to such alternatives, mapped **on the same folds** with the same penalty
choice (one :class:`~vaxis.decoding.mapping.LinearMapCV`, each target scored by its exact
held-out algebra):

- ``ternary split`` -- -1 / 0 / +1 by the side of each category (:data:`vaxis.llm.stimuli.NEGATIVE`,
  :data:`~vaxis.llm.stimuli.POSITIVE`);
- ``participants' valence``, ``participants' arousal`` -- the FACED participants' mean rating of
  each category's clips (:func:`vaxis.eeg.ratings.category_ratings`: real human ratings);
- ``EEG class-mean PC1`` -- in each outer fold, the first principal component of the *training*
  subjects' nine class means of the EEG features, each category's score on it (oriented so that it
  correlates positively with the ternary split). This is the ordering the EEG itself spreads the
  categories along, found without the held-out subjects: the best a nine-value target can hope for.

Every target gets the per-subject held-out r (the map is scale- and shift-free: a target and
``a v + b``, ``a > 0``, give the same r). :func:`compare_targets` gives each target's mean r with a
bootstrap interval over subjects and the **per-subject paired difference** reference minus target
(:func:`vaxis.stats.paired_comparison`: subject bootstrap interval, Wilcoxon p).
:func:`within_side_null` asks whether the LLM's order *inside* each side adds anything: all
4! x 1 x 4! = 576 orderings that keep the negative / neutral / positive split
(:func:`vaxis.stats.group_permutations`), the penalty re-chosen for each as for the observed one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import stats
from .._checks import VaxisInputError
from ..llm.stimuli import NEGATIVE, NEUTRAL, POSITIVE
from .mapping import LinearMapCV

#: Name of the fold-dependent target (:func:`class_mean_pc1`).
PC1 = "EEG class-mean PC1"


def side(category: str) -> int:
    """-1, 0 or +1: the side of ``category`` (negative, neutral, positive)."""
    if category in NEGATIVE:
        return -1
    if category in POSITIVE:
        return 1
    if category == NEUTRAL:
        return 0
    raise VaxisInputError(f"Category {category!r} is on no side; known: {(*NEGATIVE, NEUTRAL, *POSITIVE)}.")


def ternary_split(categories: Sequence[str]) -> dict[str, float]:
    """The target that needs no LLM: -1 / 0 / +1 by side."""
    return {c: float(side(c)) for c in categories}


def class_mean_pc1(lmap: LinearMapCV) -> np.ndarray:
    """Per outer fold, the categories' scores on the first PC of the training rows' class means.

    Returns
    -------
    ndarray, shape (n_folds, K)
        Columns in ``lmap.categories_`` order; each row oriented to correlate positively (Pearson)
        with :func:`ternary_split` (a sign needs a convention; this one uses no LLM).
    """
    if not hasattr(lmap, "folds_"):
        raise VaxisInputError("class_mean_pc1 needs a fitted LinearMapCV.")
    tern = np.array([side(c) for c in lmap.categories_], dtype=float)
    out = []
    for fold in lmap.folds_:
        X, C = lmap.X_[fold.train], lmap.C_[fold.train]
        means = (C.T @ X) / C.sum(axis=0)[:, None]  # (K, F)
        centred = means - means.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        score = centred @ vt[0]
        out.append(score if score @ (tern - tern.mean()) >= 0 else -score)
    return np.stack(out)


def per_subject_r(lmap: LinearMapCV, target: Mapping[str, float] | np.ndarray) -> np.ndarray:
    """Held-out r of every subject (``lmap.subjects_`` order) for one target.

    ``target``: a mapping category -> value (the same in every fold), or an array (n_folds, K)
    with one vector per outer fold (columns in ``lmap.categories_`` order; a fold's vector scores
    only the subjects that fold holds out). Penalties are re-chosen inside each training fold.
    """
    if isinstance(target, Mapping):
        missing = [c for c in lmap.categories_ if c not in target]
        if missing:
            raise VaxisInputError(f"The target lacks the categories {missing}.")
        return lmap.evaluate(np.array([[float(target[c]) for c in lmap.categories_]]))[0]
    V = np.asarray(target, dtype=float)
    if V.shape != (len(lmap.folds_), len(lmap.categories_)):
        raise VaxisInputError(f"A per-fold target must have shape {(len(lmap.folds_), len(lmap.categories_))}, "
                              f"got {V.shape}.")
    if any(len(u) > 1 for u in lmap.units_of_.values()):  # subjects scored in several folds (clips held out)
        return lmap.per_fold_r(V)
    r_all = lmap.evaluate(V)  # (n_folds, n_subjects)
    fold = np.array([lmap.fold_of_[s] for s in lmap.subjects_])
    return r_all[fold, np.arange(len(lmap.subjects_))]


def compare_targets(lmap: LinearMapCV, targets: Mapping[str, Mapping[str, float] | np.ndarray],
                    reference: str, n_boot: int = 2000, level: float = 0.95,
                    seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every target on the same folds, and the reference minus each, paired over held-out subjects.

    Parameters
    ----------
    lmap : LinearMapCV
        Fitted on the EEG trial features (the folds every target shares).
    targets : mapping name -> target
        As :func:`per_subject_r` takes them; must include ``reference``.
    reference : str
        The target the others are compared with (the LLM's V-axis).

    Returns
    -------
    table : DataFrame indexed by target
        ``mean_r``, ``low``, ``high`` (bootstrap over subjects); ``diff`` = reference minus this
        target (mean of per-subject differences), ``diff_low``, ``diff_high``, ``p_wilcoxon``,
        ``n_subjects`` (NaN on the reference's own row); ``best``: the target with the highest mean r.
    per_subject : DataFrame (n_subjects, n_targets)
        Each subject's held-out r for every target.
    """
    if reference not in targets:
        raise VaxisInputError(f"reference {reference!r} is not among the targets {list(targets)}.")
    per = pd.DataFrame({name: per_subject_r(lmap, t) for name, t in targets.items()},
                       index=pd.Index(lmap.subjects_, name="subject"))
    keep = per.notna().all(axis=1).to_numpy()
    rows = {}
    for name in per:
        est = stats.bootstrap_mean(per[name].to_numpy()[keep], n_boot=n_boot, level=level, seed=seed)
        row = {"mean_r": est.value, "low": est.low, "high": est.high, "diff": np.nan, "diff_low": np.nan,
               "diff_high": np.nan, "p_wilcoxon": np.nan, "n_subjects": int(keep.sum())}
        if name != reference:
            d = stats.paired_comparison(per[reference].to_numpy()[keep], per[name].to_numpy()[keep],
                                        n_boot=n_boot, level=level, seed=seed)
            row.update(diff=d["mean_diff"], diff_low=d["ci_low"], diff_high=d["ci_high"], p_wilcoxon=d["p_wilcoxon"])
        rows[name] = row
    table = pd.DataFrame(rows).T
    table["n_subjects"] = table["n_subjects"].astype(int)
    table["best"] = table.index == table["mean_r"].astype(float).idxmax()
    return table, per


def within_side_null(lmap: LinearMapCV, positions: Mapping[str, float]) -> dict[str, object]:
    """Does the order *inside* each side matter? All orderings that keep the side of every category.

    The positions are reassigned among the categories of one side (negative among negative,
    positive among positive; neutral stays), 4! x 1 x 4! = 576 orderings for FACED's nine, and the
    map is scored for each with the penalty re-chosen as for the observed one.

    Returns
    -------
    dict
        ``observed`` (mean r of the true assignment), ``null`` (ndarray of the mean r of every
        ordering, the observed first), ``p`` (share of orderings at least as good, observed
        included), ``n`` (orderings), ``rank`` (1 = best).
    """
    cats = list(lmap.categories_)
    missing = [c for c in cats if c not in positions]
    if missing:
        raise VaxisInputError(f"positions lack the categories {missing}.")
    v = np.array([float(positions[c]) for c in cats])
    perms = stats.group_permutations([side(c) for c in cats])
    with np.errstate(invalid="ignore"):
        null = np.nanmean(lmap.evaluate(v[perms]), axis=1)
    return {"observed": float(null[0]), "null": null, "p": stats.share_at_least(null, null[0]),
            "n": int(null.size), "rank": int(1 + np.sum(null > null[0]))}


def alternatives_in_words(table: pd.DataFrame, within_side: Mapping[str, Any], reference: str,
                          split: str = "ternary split") -> str:
    """Chapter 3's answer in one sentence: which target the EEG tracks best (``table``:
    :func:`compare_targets`), whether the LLM (``reference``) beats the plain negative / neutral /
    positive ``split`` (the paired interval), and whether the LLM's order inside the sides adds
    anything (``within_side``: :func:`within_side_null`)."""
    best = str(table.index[table["best"].to_numpy(bool)][0])
    first = (f"the EEG tracks the V-axis best of all targets" if best == reference else
             f"the EEG tracks {best} better than the V-axis")
    lo, hi = float(table.loc[split, "diff_low"]), float(table.loc[split, "diff_high"])
    second = ("the LLM's order beats the negative / neutral / positive split" if lo > 0 else
              "the plain negative / neutral / positive split is tracked better than the LLM's order" if hi < 0 else
              "the LLM's order and the plain negative / neutral / positive split cannot be told apart")
    third = ("and the LLM's order inside each side adds something (within-side p = "
             f"{within_side['p']:.3f})" if within_side["p"] < 0.05 else
             f"and the LLM's order inside each side adds nothing detectable (within-side p = {within_side['p']:.3f})")
    text = f"{first}; {second}, {third}."
    return text[0].upper() + text[1:]


__all__ = ["alternatives_in_words", "PC1", "side", "ternary_split", "class_mean_pc1", "per_subject_r", "compare_targets",
           "within_side_null"]
