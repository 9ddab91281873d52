"""The generator's mechanisms (vaxis.eeg.mechanisms): what they plant, that they are off by default,
and that the generator is blind to the questions asked of it."""

import ast
from pathlib import Path

import numpy as np
import pytest

from vaxis._checks import VaxisInputError
from vaxis.eeg import mechanisms as M
from vaxis.eeg import simulate as S
from vaxis.eeg.montage import FACED_CATEGORIES, FACED_CLIP_CATEGORIES

EEG = Path(S.__file__).resolve().parent


def _geometry(seed=0, d=40):
    return np.random.default_rng(seed).standard_normal((len(FACED_CATEGORIES), d))


def test_all_mechanisms_off_is_the_default_cohort():
    a = S.simulate_faced(n_subjects=3)
    b = S.simulate_faced(n_subjects=3, congruence=0.0, felt_emotion=0.0, within_class=0.0, label_noise=0.0,
                         category_geometry=_geometry())
    assert np.array_equal(a.de, b.de)
    c = S.simulate_faced(n_subjects=3, within_class=0.3)
    assert not np.array_equal(a.de, c.de)


def test_subject_signal_without_mechanisms_is_the_clip_signal():
    rng = np.random.default_rng(1)
    C, K, F = 6, 3, 10
    k = np.array([0, 0, 1, 1, 2, 2])
    v, a = rng.standard_normal(C), rng.standard_normal(C)
    pv, pa, res, clip, sub = (rng.standard_normal(s) for s in ((F,), (F,), (K, F), (C, F), (K, F)))
    terms = M.subject_terms(0, 0, k, v, a, 0.0, 0.0, None)
    got = M.subject_signal(terms, pv, pa, res, clip, sub, 0.2, 0.1, 0.3, 0.5, 0.0)
    want = 0.2 * v[:, None] * pv + 0.1 * a[:, None] * pa + 0.3 * res[k] + 0.5 * clip  # clip identity 0.5
    np.testing.assert_allclose(got, want)
    with_sub = M.subject_signal(terms, pv, pa, res, clip, sub, 0.2, 0.1, 0.3, 0.5, 0.4)
    np.testing.assert_allclose(with_sub - got, 0.4 * terms.subtype[:, None] * sub[k])


def test_congruence_plants_the_llm_geometry():
    """A geometry with three clusters of three categories shows up in the class means at congruence 1."""
    rng = np.random.default_rng(0)
    g = np.repeat(3 * rng.standard_normal((3, 40)), 3, axis=0) + rng.standard_normal((9, 40))
    # the residual at its former size and no clip signatures: at the defaults (residual 0.10, clip identity 0.40,
    # the clip-identity calibration) the class means are mostly their clips' signatures, which hide the residual
    knobs = dict(n_subjects=20, valence_strength=0.0, arousal_strength=0.0, residual_strength=0.21, clip_identity=0.0,
                 category_geometry=g)
    low = M.geometry_agreement(S.simulate_faced(congruence=0.0, **knobs), g)
    high = M.geometry_agreement(S.simulate_faced(congruence=1.0, **knobs), g)
    assert high > low + 0.3 and high > 0.5, (low, high)
    with pytest.raises(VaxisInputError, match="category_geometry"):
        S.simulate_faced(n_subjects=2, congruence=0.5)
    with pytest.raises(VaxisInputError, match="share"):
        S.simulate_faced(n_subjects=2, congruence=1.5, category_geometry=g)


def test_felt_categories_known_answer():
    items = ("joy", "anger", "valence", "arousal")
    cats = ("anger", "neutral", "joy")
    clips = ("anger", "neutral", "joy")
    r = np.zeros((1, 3, 4))
    r[0, 0, :2] = [5.0, 5.0]  # anger clip, tie joy = anger: its own category
    r[0, 1, :2] = [4.5, 0.0]  # neutral clip, joy reaches the threshold: felt as joy
    r[0, 2, :2] = [0.5, 0.2]  # joy clip, nothing reaches 1: felt as neutral
    assert M.felt_categories(clips, r, items, cats).tolist() == [[0, 2, 1]]
    r[0, 1, 0] = 3.9
    assert M.felt_categories(clips, r, items, cats)[0, 1] == 1


def test_label_noise_follows_the_participants_ratings():
    ds = S.simulate_faced(n_subjects=40, label_noise=1.0)
    from vaxis.eeg import ratings as R

    felt = M.felt_categories(FACED_CLIP_CATEGORIES, R.subject_ratings(np.arange(40)), R.FACED_ITEMS, FACED_CATEGORIES)
    own = np.array([list(FACED_CATEGORIES).index(c) for c in FACED_CLIP_CATEGORIES])
    assert ds.meta["label_noise_share"] == pytest.approx((felt != own).mean())
    half = S.simulate_faced(n_subjects=40, label_noise=0.5).meta["label_noise_share"]
    assert 0.35 * ds.meta["label_noise_share"] < half < 0.65 * ds.meta["label_noise_share"]
    assert list(ds.clip_category) == list(FACED_CLIP_CATEGORIES)  # labels stay the clips' categories


def test_within_class_structure_is_class_specific_variance():
    """Sub-types move trials along their category's own pattern: variance there grows, means do not."""
    a = S.simulate_faced(n_subjects=30)
    b = S.simulate_faced(n_subjects=30, within_class=0.6)
    xa, xb = (d.de.mean(axis=2).reshape(30, 28, -1) for d in (a, b))
    diff = xb - xa  # same noise draws: the difference is the sub-type term (mixed by each subject)
    anger = np.asarray(FACED_CLIP_CATEGORIES) == "anger"
    joy = np.asarray(FACED_CLIP_CATEGORIES) == "joy"
    top = np.linalg.svd(diff[:, anger].reshape(-1, diff.shape[-1]), full_matrices=False)[2][0]
    on_anger = (diff[:, anger].reshape(-1, diff.shape[-1]) @ top).var()
    on_joy = (diff[:, joy].reshape(-1, diff.shape[-1]) @ top).var()
    assert on_anger > 3 * on_joy
    assert abs(diff[:, anger].mean(axis=(0, 1))).mean() < 0.2 * np.sqrt(on_anger)


def test_felt_emotion_uses_each_subjects_own_ratings():
    a = S.simulate_faced(n_subjects=4)
    b = S.simulate_faced(n_subjects=4, felt_emotion=1.0)
    assert not np.array_equal(a.de, b.de)
    with pytest.raises(VaxisInputError, match="own ratings"):
        S.simulate_seedv(n_subjects=2, felt_emotion=0.5)


# ----------------------------------------------------------------------------- blindness
FORBIDDEN_WORDS = ("strateg", "ensemble", "aux", "loss", "alignment", "distill", "contrastive", "baseline_bacc")


def _identifiers(path: Path) -> set[str]:
    """Every name, attribute, argument, keyword and non-docstring string constant of a module."""
    tree = ast.parse(path.read_text())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            out.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(a.name for a in node.names)
            out.add(getattr(node, "module", None) or "")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            out.add(node.value)
    return out


@pytest.mark.parametrize("module", ["simulate.py", "mechanisms.py", "cohorts.py"])
def test_the_generator_is_blind_to_the_questions_asked_of_it(module):
    """No strategy name, loss weight or ensemble anywhere in the generator's code (docstrings aside),
    and no import of the decoding side."""
    from vaxis.decoding import alignment

    names = _identifiers(EEG / module)
    strategies = set(alignment.STRATEGIES)
    assert not names & strategies, f"{module} names strategies {names & strategies}"
    bad = sorted(n for n in names if any(w in n.lower() for w in FORBIDDEN_WORDS) or n.lower().endswith("_weight")
                 or "decoding" in n)
    assert not bad, f"{module} reads or names {bad}"


def test_the_blindness_check_catches_a_generator_that_peeks(tmp_path):
    peek = tmp_path / "peek.py"
    peek.write_text('"""A generator that peeks."""\nfrom vaxis.decoding import alignment\n'
                    'def simulate(aux_weight=0.0):\n    return alignment.get("kd_t2")\n')
    names = _identifiers(peek)
    assert "kd_t2" in names and "aux_weight" in names and "vaxis.decoding" in names
    assert "A generator that peeks." not in names


def test_knob_fields_name_data_properties_only():
    from dataclasses import fields

    from vaxis.decoding import alignment

    knob_names = {f.name for f in fields(S.SimulationParams)}
    assert {"congruence", "felt_emotion", "within_class", "label_noise"} <= knob_names
    assert not knob_names & set(alignment.STRATEGIES)
    assert not any(w in n for n in knob_names for w in FORBIDDEN_WORDS + ("weight",))
