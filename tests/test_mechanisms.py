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


def _participants_geometry():
    from vaxis.eeg import ratings as R

    return M.rating_geometry(R.subject_ratings(), FACED_CLIP_CATEGORIES, FACED_CATEGORIES)


def test_all_mechanisms_off_is_the_default_cohort():
    a = S.simulate_faced(n_subjects=3)
    b = S.simulate_faced(n_subjects=3, congruence=0.0, felt_emotion=0.0, within_class=0.0, label_noise=0.0,
                         multi_view=0.0)
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


def test_congruence_plants_the_participants_geometry_and_its_relabelling():
    """Congruence +1 gives the class means the participants' rating geometry, -1 the relabelled one
    (the ordering that disagrees most with it), 0 neither; no language model anywhere."""
    g = _participants_geometry()
    anti = g[M.anti_congruent_order(g)]
    knobs = dict(n_subjects=20, residual_strength=0.4)
    agree = {k: [M.geometry_agreement(S.simulate_faced(congruence=k, **knobs), x) for x in (g, anti)] for k in (-1, 0, 1)}
    assert agree[1][0] > 0.85 and agree[1][0] > agree[0][0] + 0.1, agree
    assert agree[-1][1] > 0.6 and agree[-1][1] > agree[0][1] + 0.5, agree
    half = M.geometry_agreement(S.simulate_faced(congruence=-0.5, **knobs), anti)
    assert agree[0][1] < half < agree[-1][1]
    with pytest.raises(VaxisInputError, match="ratings"):
        S.simulate_seedv(n_subjects=2, congruence=0.5)
    with pytest.raises(VaxisInputError, match="-1..1"):
        S.simulate_faced(n_subjects=2, congruence=-1.5)
    with pytest.raises(VaxisInputError, match=">= 0"):
        S.simulate_faced(n_subjects=2, multi_view=-0.1)


def test_rating_geometry_and_the_anti_congruent_order_known_answers():
    clips = ["a", "a", "b", "c", "c", "d"]
    r = np.zeros((2, 6, 2))
    r[:, :, 0] = [1, 3, 5, 0, 0, 9]  # category means of item 0: a 2, b 5, c 0, d 9
    r[:, :, 1] = 1.0  # no spread: stays 0 after z-scoring
    geo = M.rating_geometry(r, clips, ["a", "b", "c", "d"])
    np.testing.assert_allclose(geo[:, 0], (np.array([2, 5, 0, 9]) - 4) / np.std([2, 5, 0, 9]))
    np.testing.assert_allclose(geo[:, 1], 0)
    x = np.random.default_rng(3).standard_normal((6, 8))
    order = M.anti_congruent_order(x)
    assert sorted(order) == list(range(6))
    from vaxis import stats

    rdm = M.geometry_rdm(x)
    best = min(stats.spearman(M.geometry_rdm(x[list(p)]), rdm) for p in stats.all_permutations(6))
    assert stats.spearman(M.geometry_rdm(x[order]), rdm) == pytest.approx(best)


def test_multi_view_puts_one_band_group_into_each_trial():
    """The multi-view term of each trial lies in exactly one band group, which differs between trials;
    the patterns are orthogonal to valence and arousal."""
    from vaxis.eeg.montage import BAND_GROUPS, BANDS

    a = S.simulate_faced(n_subjects=6, residual_strength=0.4)
    b = S.simulate_faced(n_subjects=6, residual_strength=0.4, multi_view=1.0)
    diff = (b.de.astype(float) - a.de).mean(axis=2)  # same noise: the view term (mixed by each subject)
    bands = list(BANDS)
    power = np.stack([(diff[..., [bands.index(x) for x in g]] ** 2).sum(axis=(-1, -2)) for g in BAND_GROUPS.values()],
                     axis=-1)  # (subjects, clips, groups)
    share = power.max(axis=-1) / power.sum(axis=-1)
    assert share.min() > 0.999  # subject mixing acts within bands: the term stays in its group
    assert len(np.unique(power.argmax(-1))) == 3
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((30 * 5, 2)))[0]
    chol = np.linalg.cholesky(np.eye(30) * 2 + 1)
    pats = M.view_patterns(4, [[0, 1], [2], [3, 4]], chol, 5, basis, seed=1)
    assert pats.shape == (4, 3, 150) and np.allclose(pats @ basis, 0, atol=1e-10)
    assert np.allclose(np.sqrt((pats**2).mean(-1)), 1)
    assert np.allclose(pats.reshape(4, 3, 30, 5)[:, 0][..., 2:], 0)


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
    assert {"congruence", "felt_emotion", "within_class", "label_noise", "multi_view"} <= knob_names
    assert not knob_names & set(alignment.STRATEGIES)
    assert not any(w in n for n in knob_names for w in FORBIDDEN_WORDS + ("weight",))


# ----------------------------------------------------------------------------- blindness, by running the generator
def _opened_files(fn):
    """Call ``fn`` and return it with every path Python's audit hooks saw opened meanwhile."""
    import sys

    seen, on = [], [True]

    def hook(event, args):
        if on[0] and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
            seen.append(Path(args[0] if not isinstance(args[0], bytes) else args[0].decode()))

    sys.addaudithook(hook)  # hooks cannot be removed: this one switches itself off
    try:
        return fn(), seen
    finally:
        on[0] = False


def test_the_cohort_at_a_grid_point_is_the_same_whatever_the_question(tmp_path, monkeypatch):
    """The cohort a grid point trains on depends on its knobs and the draw's seed only: writing result
    files, pointing the results and cache folders at them, registering a new loss, changing the
    representative losses, their weights and the ensembles' members changes no number, and the
    generator opens no file but its packaged human ratings and MNE's montage."""
    import json

    import vaxis
    from vaxis import results
    from vaxis.decoding import alignment
    from vaxis.decoding.saturation import phase
    from vaxis.eeg import ratings as R

    point = phase.grid_points({"B": {"multi_view": [1.2], "congruence": [-1.0]}}, n_subjects=4)[0]
    before = phase.cohort_at(point, 3).de.copy()

    folder = tmp_path / "results" / "quick"
    folder.mkdir(parents=True)
    for name in (results.PHASE_JSON, results.SATURATION_JSON, results.ENSEMBLING_JSON):
        (folder / name).write_text(json.dumps({"effects": [], "regime": ["B: multi_view=1.2, congruence=-1"]}))
    np.savez(folder / results.AXIS_NPZ, anchor_vectors=np.ones((9, 4)), anchor_categories=np.array(FACED_CATEGORIES))
    monkeypatch.setenv("VAXIS_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("VAXIS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(phase.REPRESENTATIVES, "distillation", "kd_t4")
    import dataclasses

    monkeypatch.setitem(alignment.STRATEGIES, "kd_t2", dataclasses.replace(alignment.get("kd_t2"), weights=(7.0,)))
    alignment.register("peeking_loss", "control", "a loss the generator must not see", version=1)(
        lambda z, logits, y, targets, params: z.sum() * 0)
    try:
        M._anti_order.cache_clear()
        R._table.cache_clear()
        after, opened = _opened_files(lambda: phase.cohort_at(point, 3).de)
    finally:
        alignment.STRATEGIES.pop("peeking_loss", None)
    assert np.array_equal(before, after)
    assert not [p for p in opened if str(tmp_path) in str(p.resolve())], opened
    package = Path(vaxis.__file__).resolve().parent
    mine = [p for p in opened if package in p.resolve().parents]
    assert {p.resolve() for p in mine} <= {R.FACED_RATINGS_FILE.resolve()}, mine
    assert R.FACED_RATINGS_FILE.resolve() in {p.resolve() for p in mine}  # the hook saw the ratings being read
    other = [p for p in opened if package not in p.resolve().parents]
    assert all("site-packages" in str(p) or "/usr/" in str(p) or "/proc/" in str(p) for p in other), other
