"""Every workshop checker against its chapter's own solution (passes), its stub (says "not
implemented yet" and gives the hint) and a typical wrong answer (fails, saying what is wrong).

The solutions and stubs are read from the chapters themselves (cells tagged ``solution`` and
``exercise``): only their imports and function definitions are executed, on small synthetic inputs
of the real shapes, in a namespace holding the chapter-level names the functions use.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jupytext
import numpy as np
import pandas as pd
import pytest

from vaxis import book, exercises, stats
from vaxis.book.outputs import wide_lines
from vaxis.decoding import ensembles, mapping, rediscovery, saturation
from vaxis.exercises import NOT_YET
from vaxis.llm import stimuli
from vaxis.llm.axis import AxisEstimator

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = {c.number: c for c in book.chapters(ROOT)}
CHECKERS = {name: number for number, names in exercises.BY_CHAPTER.items() for name in names}
CATS = list(stimuli.CATEGORIES)
#: Chapters whose exercise cells are not in yet (another edit was under way); their tests are
#: expected to fail (strict: once the cells land, remove the chapter from here).
PENDING: set[str] = set()


def _pending(number: str) -> list:
    return [pytest.mark.xfail(strict=True, reason=f"chapter {number}'s exercise cells are pending")] \
        if number in PENDING else []


def _by_checker() -> list:
    return [pytest.param(name, marks=_pending(number)) for name, number in sorted(CHECKERS.items())]


def _calls(tree: ast.AST) -> list[tuple[str, str]]:
    """(checker, learner function) of every ``check_x(fn, ...)`` call in a cell."""
    return [(n.func.id, n.args[0].id) for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.startswith("check_")
            and n.args and isinstance(n.args[0], ast.Name)]


def exercise_cells(number: str) -> list[dict[str, Any]]:
    """The chapter's exercise and solution cells: tag, checker, learner function name, source."""
    out = []
    for cell in jupytext.read(CHAPTERS[number].source).cells:
        tags = cell.metadata.get("tags", [])
        kind = "exercise" if "exercise" in tags else "solution" if "solution" in tags else None
        if cell.cell_type != "code" or kind is None:
            continue
        tree = ast.parse(cell.source)
        for checker, fn in _calls(tree):
            out.append({"kind": kind, "checker": checker, "fn": fn, "tree": tree, "tags": tags})
    return out


def learner_function(number: str, checker: str, kind: str, env: dict[str, Any]) -> Callable[..., Any]:
    """The function a chapter's ``kind`` cell hands to ``checker``, defined from its imports and defs only."""
    found = [c for c in exercise_cells(number) if c["checker"] == checker and c["kind"] == kind]
    assert found, f"chapter {number} has no cell tagged {kind!r} that calls {checker}"
    cell = found[0]
    module = ast.Module([n for n in cell["tree"].body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))],
                        type_ignores=[])
    namespace = {"np": np, "pd": pd, "stimuli": stimuli, "saturation": saturation, "mapping": mapping,
                 "rediscovery": rediscovery, "ensembles": ensembles, **env}
    exec(compile(module, f"<chapter {number} {kind} of {checker}>", "exec"), namespace)
    return namespace[cell["fn"]]


# ----------------------------------------------------------------------------- synthetic inputs
def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _anchors():
    X = _rng().standard_normal((9, 16))
    return X, CATS


def _axis_case():
    X, cats = _anchors()
    d = AxisEstimator().fit(X, cats).direction_
    return (X, cats, X[CATS.index("neutral")], d)


def _band_case():
    rng = _rng()
    subjects = np.repeat([f"s{i:02d}" for i in range(10)], 18)
    cats = np.tile(np.repeat(CATS, 2), 10)
    positions = {c: float(v) for c, v in zip(CATS, np.linspace(-1, 1, 9))}
    names = [f"{ch}_{b}" for ch in ("Fz", "Cz", "Pz", "Oz") for b in ("delta", "theta", "alpha", "beta", "gamma")]
    X = rng.standard_normal((subjects.size, len(names)))
    X[:, [i for i, n in enumerate(names) if n.endswith("_alpha")]] += np.array([positions[c] for c in cats])[:, None]
    return X, cats, subjects, positions, names


def _readout_case():
    rng = _rng()
    subjects = np.repeat([f"s{i}" for i in range(6)], 27)
    categories = np.tile(np.repeat(CATS, 3), 6)
    positions = {c: float(v) for c, v in zip(CATS, rng.standard_normal(9))}
    z = rng.standard_normal((subjects.size, 12)) * rng.uniform(0.2, 5, 12)
    z[:, 0] += 2 * np.array([positions[c] for c in categories])
    return z, categories, subjects, positions


def _labels_case():
    rng = _rng()
    y = np.repeat(np.arange(9), 10)
    z = rng.standard_normal((90, 10)) + 0.8 * rng.standard_normal((9, 10))[y]
    return z, y


def _unstandardised_cosine(z, categories, positions, alpha):
    """Chapter 4's cosine with the units centred but not standardised (a typical slip)."""
    zc = z - z.mean(0)
    y = np.array([positions[c] for c in categories])
    w = np.linalg.solve(zc.T @ zc + alpha * np.eye(zc.shape[1]), zc.T @ (y - y.mean()))
    d = zc.T @ (y - y.mean())
    return float(w @ d / np.linalg.norm(w) / np.linalg.norm(d))


@dataclass
class Case:
    """Inputs after the learner's function, a typical mistake and what the checker must say about it."""

    args: Callable[[], tuple]
    wrong: Callable[..., Any]
    says: str
    env: dict[str, Any] = field(default_factory=dict)


_B = _band_case()
_R = _readout_case()
_Z, _Y = _labels_case()
CASES: dict[str, Case] = {
    "check_axis_function": Case(_anchors, lambda X, c: -AxisEstimator().fit(X, c).direction_, "wrong sign"),
    "check_category_positions": Case(
        _axis_case, lambda X, c, o, d: {k: float((X[np.array(c) == k] @ d).mean()) for k in c}, "subtract the origin"),
    "check_spearman": Case(lambda: (_rng().standard_normal(60), np.round(_rng().standard_normal(60) + 2, 0)),
                           lambda x, y: float(np.corrcoef(x, y)[0, 1]), "Pearson"),
    "check_agreement_extremes": Case(
        lambda: (pd.DataFrame([[1, .8, .3], [.8, 1, .5], [.3, .5, 1]], index=list("abc"), columns=list("abc")),),
        lambda m: (("a", "c"), ("a", "b")), "swapped"),
    "check_exact_pair_pvalue": Case(
        lambda: tuple(dict(zip(CATS, v)) for v in (np.arange(9.0), np.arange(9.0) + _rng().standard_normal(9) * 3)),
        lambda a, b: 0.0123456, "multiple of 1/362880"),
    "check_subject_folds": Case(lambda: (np.tile([f"s{i:02d}" for i in range(12)], 9), 3),
                                lambda s, k: [(np.setdiff1d(np.arange(s.size), te), te)
                                              for te in np.array_split(np.arange(s.size), k)],
                                "training *and* the test", env={"seed": 0}),
    "check_per_subject_r": Case(
        lambda: (pd.DataFrame({"subject": np.repeat(list("abcdef"), 9), "target": np.tile(np.linspace(-1, 1, 9), 6),
                               "prediction": _rng().standard_normal(54) + np.tile(np.linspace(-1, 1, 9), 6)
                               + np.repeat(_rng().standard_normal(6) * 3, 9)}),),
        lambda p: float(np.corrcoef(p.target, p.prediction)[0, 1]), "pooled"),
    "check_band_map": Case(
        lambda: (*_B[:4], _B[4], "alpha", 5, 3),
        lambda X, c, s: mapping.cross_validate_map((X, c, s), _B[3], permutations=0, n_boot=10).mean_r, "every band",
        env={"data": SimpleNamespace(feature_names=lambda: _B[4]), "v_positions": _B[3], "n_splits": 5,
             "inner_splits": 3}),
    "check_balanced_accuracy": Case(
        lambda: (np.repeat([0, 1, 2], [30, 6, 4]), _rng().choice(3, 40, p=[.8, .1, .1])),
        lambda y, p: float(np.mean(y == p)), "plain accuracy"),
    "check_classmean_cosine": Case(lambda: (*_R, 10.0, 4), lambda z, c, pos, a: _unstandardised_cosine(z, c, pos, a),
                                   "standardise", env={"readout_alpha": 10.0}),
    "check_worst_family": Case(
        lambda: (pd.DataFrame({"strategy": list("abcdef"), "family": ["x", "x", "y", "y", "z", "z"],
                               "mean_diff": [-0.05, 0.01, -0.01, -0.02, 0.02, 0.00]}),),
        lambda c: c.groupby("family").mean_diff.mean().idxmax(), "best"),
    "check_benjamini_hochberg": Case(lambda: (np.array([0.001, 0.02, 0.03, 0.2, np.nan, 0.03]),),
                                     lambda p: np.minimum(p * np.isfinite(p).sum(), 1), "Bonferroni"),
    "check_random_share": Case(lambda: (np.hstack([_Z, _rng().standard_normal((90, 30))]), _Y), lambda z, y, n=20: 0.9, "far above", env={"seed": 0}),
    "check_residual_share": Case(lambda: (_Z, _Y, np.arange(60)),
                                 lambda z, y, t: 1 - exercises.ch06.residual_share(z, y, t), "*inside*"),
    "check_linear_cka": Case(
        lambda: (_Z[:40, :8], _Z[:40, :5] ** 2),
        lambda a, b: float(((a @ a.T) * (b @ b.T)).sum() / (np.linalg.norm(a @ a.T) * np.linalg.norm(b @ b.T))),
        "centre"),
    "check_verdicts": Case(
        lambda: (np.array([0.02, -0.03, 0.0, 0.004, 0.01]), np.array([0.01, 0.02, 0.5, np.nan, 0.001]),
                 np.array([0.6, 0.9, 0.01, 0.03, 0.5]), 0.05, 0.02),
        lambda m, qd, qe, a, d: np.where(qd < a, np.where(m > 0, "helped", "hurt"),
                                         np.where(qe < a, "equivalent", "undecided")),
        "inside +-0.02"),
    "check_congruence_change": Case(
        lambda: (pd.DataFrame({"plane": ["A"] * 8 + ["B"] * 2, "arm": ["fixed", "chosen"] * 5,
                               "strategy": ["x", "x", "y", "y"] * 2 + ["x", "y"],
                               "congruence": [0.0] * 4 + [1.0] * 4 + [0.0, 0.0],
                               "mean_diff": [0.01, 0.02, -0.01, 0.0, -0.03, 0.05, 0.02, 0.01, 0.0, 0.0]}),),
        lambda e: -exercises.ch07.congruence_change(e), "reversed"),
}


def test_every_checker_has_a_case():
    assert set(CASES) == set(CHECKERS), "add a Case for every checker (and remove stale ones)"


@pytest.mark.parametrize("checker", _by_checker())
def test_solution_passes(checker, capsys):
    case = CASES[checker]
    fn = learner_function(CHECKERS[checker], checker, "solution", case.env)
    assert bool(getattr(exercises, checker)(fn, *case.args())) is True, capsys.readouterr().out
    out = capsys.readouterr().out
    assert out.startswith("Correct: ") and wide_lines(out) == [], out


@pytest.mark.parametrize("checker", _by_checker())
def test_stub_says_not_implemented(checker, capsys):
    case = CASES[checker]
    fn = learner_function(CHECKERS[checker], checker, "exercise", case.env)
    with pytest.raises(NotImplementedError, match="Exercise: "):
        fn(*case.args()[: fn.__code__.co_argcount])
    assert bool(getattr(exercises, checker)(fn, *case.args())) is False
    out = capsys.readouterr().out
    assert wide_lines(out) == [], out  # printed within the page's width
    out = " ".join(out.split())
    assert out.startswith(f"{NOT_YET}: ") and "Fill in the function body" in out and len(out) > 80, out


@pytest.mark.parametrize("checker", sorted(CHECKERS))
def test_wrong_answer_is_explained(checker, capsys):
    case = CASES[checker]
    assert bool(getattr(exercises, checker)(case.wrong, *case.args())) is False
    out = capsys.readouterr().out
    assert wide_lines(out) == [], out
    out = " ".join(out.split())
    assert out.startswith("Not yet: ") and " ".join(case.says.split()) in out, out


@pytest.mark.parametrize("number", [pytest.param(n, marks=_pending(n)) for n in sorted(CHAPTERS)])
def test_every_chapter_has_two_checked_exercises(number):
    """At least two exercises, each a stub cell and a hidden solution cell calling the same checker."""
    cells = exercise_cells(number)
    stubs = {c["checker"] for c in cells if c["kind"] == "exercise"}
    solved = {c["checker"] for c in cells if c["kind"] == "solution"}
    assert len(stubs) >= 2, f"chapter {number} has {len(stubs)} exercise(s) with a checker; the workshop needs 2"
    assert stubs == solved, f"chapter {number}: stubs {sorted(stubs)} vs solutions {sorted(solved)}"
    assert stubs <= set(exercises.BY_CHAPTER.get(number, ())), "a chapter's checkers live in its own module"
    for c in cells:
        want = {"exercise": {"exercise", "raises-exception"}, "solution": {"solution", "hide-cell"}}[c["kind"]]
        assert want <= set(c["tags"]), f"chapter {number}: a {c['kind']} cell needs the tags {sorted(want)}"


def test_reference_helpers_agree_with_the_package():
    """The checkers' own references: the exact p counts the observed ordering; the residual share is
    one minus the basin share vaxis reports."""
    a = dict(zip(CATS, np.arange(9.0)))
    assert exercises.ch02.exact_pair_pvalue(a, a) == pytest.approx(1 / 362880)
    z, y = _Z, _Y
    members = ensembles.members.FoldMembers(["m"], ["mlp"], np.zeros((1, 90, 9)), [z], y, np.arange(60),
                                            np.arange(60, 90), np.arange(0))
    share = ensembles.residual_summary(members, on="train").basin_share.iloc[0]
    assert exercises.ch06.residual_share(z[:60], y[:60], np.arange(60)) == pytest.approx(1 - share)
    assert stats.linear_cka(z[:, :3], z[:, :3]) == pytest.approx(1)


def test_a_verdict_shows_nothing_under_the_cell():
    """The checker's printed line is the answer: its return value must not add True/False below it."""
    from IPython.core.formatters import DisplayFormatter

    verdict = exercises.Verdict(True, "fine")
    assert verdict and not exercises.Verdict(False) and verdict.message == "fine"
    assert DisplayFormatter().format(verdict) == ({}, {})
