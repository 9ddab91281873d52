"""How the book speaks: the kinds of evidence and the one vocabulary of verdicts.

A verdict names its kind of evidence. The book has two:

- **recorded** data -- the language models' hidden states, human ratings of words and sentences,
  FACED's participants' ratings of its clips, and real EEG when a release is given: a verdict with the
  study is a *finding*, one of :data:`AGREES`, :data:`DISAGREES` or :data:`UNDECIDED`;
- **simulated** EEG -- a cohort whose properties the generator planted: it cannot confirm or refute
  a claim about brains. Its verdicts are a *pipeline check* (:data:`RECOVERS` / :data:`MISSES`: the
  analysis finds, or fails to find, what was planted), :func:`not_testable` (the cohort lacks, by
  construction, the property the claim needs: the verdict names it) or, for chapter 7's phase
  diagram, :func:`regime` (where the generator produces the study's regime, if anywhere).

Every row of the scorecard computes an *outcome* against the study from its numbers by a rule written
beside the row (agrees / disagrees / undecided), and :func:`with_study` turns it into the verdict its
evidence allows. Two further vocabularies name statistical outcomes, not verdicts with the study:
the four outcomes of a paired comparison with an equivalence margin
(:data:`vaxis.stats.VERDICTS`: helped / equivalent / undecided / hurt) and the outcomes of a
prediction stated in advance (:data:`PREDICTION_OUTCOMES`). :data:`VOCABULARY` holds every verdict
a page may print; ``tests/test_voice.py`` fails on any other.
"""

from __future__ import annotations

import re

from ._checks import VaxisInputError

#: Kinds of evidence, from the data a result rests on.
RECORDED, SIMULATED = "recorded", "simulated"

#: Findings on recorded data: what the numbers say of the study's claim.
AGREES, DISAGREES, UNDECIDED = "agrees", "disagrees", "undecided"
OUTCOMES: tuple[str, ...] = (AGREES, DISAGREES, UNDECIDED)

#: Pipeline checks on simulated EEG: the analysis finds what the generator planted, or not.
RECOVERS = "pipeline check: recovers what was planted"
MISSES = "pipeline check: misses what was planted"

#: Prefix of a claim the simulated cohort cannot test; :func:`not_testable` adds the missing property.
NOT_TESTABLE = "not testable on this cohort"
#: Prefix of chapter 7's verdict; :func:`regime` adds where.
REGIME = "where the generator produces it"
#: A row whose chapter has not run (or whose result file is incomplete).
NOT_RUN = "not run"

#: Outcomes of a prediction written before its experiment (chapter 7, size predictions).
HELD, FAILED = "held", "failed"
NOT_TESTED_MANIPULATION = "not tested (manipulation failed)"
NOT_TESTED_POWER = "not tested (underpowered)"
PREDICTION_OUTCOMES: tuple[str, ...] = (HELD, FAILED, NOT_TESTED_MANIPULATION, NOT_TESTED_POWER)

#: Every verdict a page may state with the study, as patterns (the two parametrised ones end in a
#: parenthesis or a colon that names what is missing or where).
VOCABULARY: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"agrees", r"disagrees", r"undecided", re.escape(RECOVERS), re.escape(MISSES),
    re.escape(NOT_TESTABLE) + r" \(by construction: [^()]+\)",
    re.escape(REGIME) + r": .+", re.escape(NOT_RUN)))


def not_testable(missing: str) -> str:
    """``"not testable on this cohort (by construction: <missing>)"``: the property the claim needs
    and the simulated cohort lacks, e.g. ``"no label information inside a category"``."""
    if not missing or "(" in missing or ")" in missing:
        raise VaxisInputError("not_testable needs the missing property in words, without parentheses.")
    return f"{NOT_TESTABLE} (by construction: {missing})"


def regime(where: str | None) -> str:
    """Chapter 7's verdict: ``"where the generator produces it: <where>"``, or ``"...: nowhere in
    this grid"`` when ``where`` is empty."""
    return f"{REGIME}: {where.strip() if where and where.strip() else 'nowhere in this grid'}"


def interval_outcome(low: float, high: float, bar: float = 0.0) -> str:
    """The usual rule for an effect the study claims is above ``bar``: :data:`AGREES` when the interval
    lies above it, :data:`DISAGREES` when it lies at or below it, else :data:`UNDECIDED` (a NaN
    bound is undecided)."""
    if low > bar:
        return AGREES
    if high <= bar:
        return DISAGREES
    return UNDECIDED


def with_study(outcome: str, evidence: str, *, planted: bool = False, missing: str | None = None) -> str:
    """The verdict a row's ``outcome`` (agrees / disagrees / undecided) allows on its evidence.

    Parameters
    ----------
    outcome : {"agrees", "disagrees", "undecided"}
        What the numbers say of the study's claim, by the row's rule.
    evidence : {"recorded", "simulated"}
        From the result file's data source (:func:`evidence_of`), never typed.
    planted : bool
        Simulated only: the generator planted what the claim is about (e.g. a valence topography), so
        the row is a pipeline check: :data:`RECOVERS` when the outcome agrees, :data:`MISSES` otherwise.
    missing : str, optional
        Simulated only: the property the claim needs that the cohort lacks by construction; the
        verdict is :func:`not_testable` whatever the numbers.
    """
    if outcome not in OUTCOMES:
        raise VaxisInputError(f"outcome={outcome!r}; use one of {OUTCOMES}.")
    if evidence == RECORDED:
        return outcome
    if evidence != SIMULATED:
        raise VaxisInputError(f"evidence={evidence!r}; use {RECORDED!r} or {SIMULATED!r}.")
    if missing:
        return not_testable(missing)
    if planted:
        return RECOVERS if outcome == AGREES else MISSES
    raise VaxisInputError("A verdict on simulated data needs planted=True (a pipeline check) or the missing property.")


def is_verdict(text: str) -> bool:
    """Whether ``text`` is a verdict of :data:`VOCABULARY` (the whole text)."""
    return any(p.fullmatch(text.strip()) for p in VOCABULARY)


__all__ = ["AGREES", "DISAGREES", "FAILED", "HELD", "MISSES", "NOT_RUN", "NOT_TESTABLE", "NOT_TESTED_MANIPULATION",
           "NOT_TESTED_POWER", "OUTCOMES", "PREDICTION_OUTCOMES", "RECORDED", "RECOVERS", "REGIME", "SIMULATED",
           "UNDECIDED", "VOCABULARY", "interval_outcome", "is_verdict", "not_testable", "regime", "with_study"]
