"""Alignment strategies: registry, targets, vmap-safety and that every gradient moves z the intended way.

Parametrised over :data:`vaxis.alignment.STRATEGIES`: a new strategy gets the finiteness, vmap and
degenerate-batch tests automatically, and ``test_every_strategy_has_a_toy_metric`` fails until it
is given an independent toy metric below (the quantity it should move, and which way).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import scipy.fft
import scipy.stats
import torch
from torch.func import grad, vmap

from vaxis._checks import VaxisInputError
from vaxis.decoding import alignment as al
from vaxis.decoding.alignment import blocks

K, D_LLM, D_SENT, C, D_NET, D_IN = 9, 32, 20, 8, 16, 12
PER_CLASS = 4
B = K * PER_CLASS


# ------------------------------------------------------------------------------------------
# Toy world: nine categories with a valence structure, a linear encoder, a fixed logit head
# ------------------------------------------------------------------------------------------


def _world() -> dict:
    rng = np.random.default_rng(0)
    valence = np.array([-1.0, -0.8, -0.9, -0.7, 0.0, 0.7, 0.6, 1.0, 0.8])
    axis = rng.normal(size=D_LLM)
    axis /= np.linalg.norm(axis)
    cv = 3.0 * valence[:, None] * axis[None] + rng.normal(size=(K, D_LLM)) + 5.0  # offset: anisotropy
    direction = cv[5:].mean(0) - cv[:4].mean(0)
    direction /= np.linalg.norm(direction)
    v_pos = (cv - cv[4]) @ direction
    sent = cv @ rng.normal(size=(D_LLM, D_SENT)) / np.sqrt(D_LLM) + 0.3 * rng.normal(size=(K, D_SENT))
    arousal = np.array([0.8, 0.5, 0.9, -0.6, -1.0, 0.4, 0.3, 0.7, -0.5])
    ring = np.zeros((C, C))
    for i in range(C):
        ring[i, (i + 1) % C] = ring[(i + 1) % C, i] = 1.0
    targets = al.make_targets(cv, v_pos, direction, sent, arousal, ring)
    y = np.repeat(np.arange(K), PER_CLASS)
    means = rng.normal(size=(K, D_IN))
    x = means[y] + 0.3 * rng.normal(size=(B, D_IN))
    return dict(cv=cv, v=v_pos, dir=direction, sent=sent, arousal=arousal, ring=ring, targets=targets,
                y=torch.as_tensor(y), x=torch.as_tensor(x, dtype=torch.float32),
                w0=torch.as_tensor(rng.normal(size=(D_IN, D_NET)) / np.sqrt(D_IN), dtype=torch.float32),
                head=torch.as_tensor(rng.normal(size=(D_NET, K)) / np.sqrt(D_NET), dtype=torch.float32))


WORLD = _world()


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: one intra-op thread is fastest and steadiest on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
NAMES = sorted(al.STRATEGIES)


def _loss(name: str):
    s = al.get(name)
    t = WORLD["targets"]
    return lambda z, logits, y: s.loss_fn(z, logits, y, t, None)


# ------------------------------------------------------------------------------------------
# Independent (numpy/scipy) measures of what each strategy should change, and which way
# ------------------------------------------------------------------------------------------


def _np(z: torch.Tensor) -> np.ndarray:
    return z.detach().double().numpy()


def _dct(z: np.ndarray, r: int) -> np.ndarray:
    return scipy.fft.dct(z, type=2, norm="ortho", axis=1)[:, 1 : r + 1]


def _centred_sim() -> np.ndarray:
    c = WORLD["cv"] - WORLD["cv"].mean(0)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    return c @ c.T


def _llm_rdm() -> np.ndarray:
    return 1.0 - np.corrcoef(WORLD["cv"] - WORLD["cv"].mean(0))


def _iu(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, 1)


def _r2_top_pcs(z: np.ndarray, t: np.ndarray, k: int) -> float:
    zc = z - z.mean(0)
    u, s, _ = np.linalg.svd(zc, full_matrices=False)
    pcs = u[:, :k] * s[:k]
    t = t.reshape(len(t), -1)
    tc = t - t.mean(0)
    beta, *_ = np.linalg.lstsq(pcs, tc, rcond=None)
    return 1.0 - ((tc - pcs @ beta) ** 2).sum() / (tc**2).sum()


def _cka(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(0), b - b.mean(0)
    return np.linalg.norm(a.T @ b) ** 2 / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b))


def _rbf_cka(a: np.ndarray, b: np.ndarray) -> float:
    def gram(x):
        d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
        k = np.exp(-d2 / (2 * np.median(d2[_iu(len(x))])))
        h = np.eye(len(x)) - 1.0 / len(x)
        return h @ k @ h

    ka, kb = gram(a), gram(b)
    return (ka * kb).sum() / (np.linalg.norm(ka) * np.linalg.norm(kb))


def _corr_rdm(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.corrcoef(z)


def _margin(zr: np.ndarray, protos: np.ndarray, y: np.ndarray) -> float:
    zn = zr / np.linalg.norm(zr, axis=1, keepdims=True)
    pn = protos / np.linalg.norm(protos, axis=1, keepdims=True)
    cos = zn @ pn.T
    own = cos[np.arange(len(y)), y]
    cos[np.arange(len(y)), y] = -np.inf
    return float((own - cos.max(1)).mean())


def _kl(logits: np.ndarray, y: np.ndarray, temp: float) -> float:
    def softmax(a):
        e = np.exp(a - a.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    q = softmax(10.0 * _centred_sim()[y] / temp)
    p = softmax(logits / temp)
    return float((q * (np.log(q) - np.log(p))).sum(1).mean())


def _unit_preference(z: np.ndarray, y: np.ndarray, values: np.ndarray) -> np.ndarray:
    class_means = np.stack([z[y == k].mean(0) for k in range(K)])  # (K, D)
    return values[np.argmax(class_means, axis=0)]


def _sheet_order_1d(z, y):
    return scipy.stats.spearmanr(np.arange(z.shape[1]), _unit_preference(z, y, WORLD["v"]))[0]


def _sheet_order_2d(z, y):
    w = int(np.ceil(np.sqrt(z.shape[1])))
    u = np.arange(z.shape[1])
    pv = _unit_preference(z, y, WORLD["v"])
    pa = _unit_preference(z, y, WORLD["arousal"])
    return 0.5 * (scipy.stats.spearmanr(u % w, pv)[0] + scipy.stats.spearmanr(u // w, pa)[0])


def _dirichlet(z, y):
    m = z.reshape(len(z), C, -1).mean(-1)  # D_NET = 2 * C: blocks of two units
    mc = m - m.mean(1, keepdims=True)
    lap = np.diag(WORLD["ring"].sum(1)) - WORLD["ring"]
    return float((((mc @ lap) * mc).sum(1) / (mc**2).sum(1)).mean())


def _within_ratio(z, y):
    resid = z - np.stack([z[y == k].mean(0) for k in range(K)])[y]
    return float((resid**2).sum() / ((z - z.mean(0)) ** 2).sum())


def _triplets_ok(z, y):
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    d = np.linalg.norm(zn[:, None] - zn[None], axis=-1)
    v = np.asarray(WORLD["targets"].v_standard)[y]
    p = al.get("triplet_v").default_params
    ok = []
    for a in range(len(y)):
        pos = [j for j in range(len(y)) if y[j] == y[a] and j != a]
        dp = d[a, pos].mean()
        for n in np.flatnonzero(y != y[a]):
            ok.append(d[a, n] >= dp + p["margin"] + p["v_margin"] * abs(v[a] - v[n]))
    return float(np.mean(ok))


def _vcos(z, y):
    t = WORLD["targets"]
    zr = _dct(z, K - 1)
    vv = WORLD["v"][y]
    w = (zr - zr.mean(0)).T @ (vv - vv.mean())
    d = np.asarray(t.v_direction_coords)
    return float(w @ d / np.linalg.norm(w) / np.linalg.norm(d))


def _supcon_metric(z, y):
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    iu = _iu(len(y))
    return scipy.stats.spearmanr((zn @ zn.T)[iu], _centred_sim()[y][:, y][iu])[0]


def _centroid_accuracy(z: np.ndarray, y: np.ndarray) -> float:
    means = np.stack([z[y == k].mean(0) for k in range(K)])
    return float((((z[:, None] - means[None]) ** 2).sum(-1).argmin(1) == y).mean())


def _coords():
    return np.asarray(WORLD["targets"].category_coords, dtype=float)


def _rdm_corr(z, y, target_rdm, stat=lambda a, b: np.corrcoef(a, b)[0, 1]):
    iu = _iu(len(y))
    return stat(_corr_rdm(z)[iu], np.asarray(target_rdm, float)[y][:, y][iu])


def _spearman(a, b):
    return scipy.stats.spearmanr(a, b)[0]


def _procrustes_sim(z, t):
    zc, tc = z - z.mean(0), t - t.mean(0)
    return np.linalg.svd(zc.T @ tc, compute_uv=False).sum() / np.linalg.norm(zc) / np.linalg.norm(tc)


def _mean_cos(a, b):
    return float(((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).mean())


def _sentence_coords():
    return np.asarray(WORLD["targets"].sentence_coords, dtype=float)


#: name -> (measure(z, logits, y) -> float, direction the strategy should move it)
METRICS = {
    **{f"kd_t{t}": ((lambda z, lg, y, t=t: _kl(lg, y, float(t))), "down") for t in (1, 2, 4, 8)},
    "v_regression": (lambda z, lg, y: _r2_top_pcs(z, WORLD["v"][y], 3), "up"),
    "v_readout": (lambda z, lg, y: np.corrcoef(_dct(z, 1)[:, 0], WORLD["v"][y])[0, 1], "up"),
    "v_ranking": (lambda z, lg, y: scipy.stats.kendalltau(_dct(z, 1)[:, 0], WORLD["v"][y])[0], "up"),
    "v_cosine": (lambda z, lg, y: _vcos(z, y), "up"),
    "rsa_pearson": (lambda z, lg, y: _rdm_corr(z, y, _llm_rdm()), "up"),
    "rsa_spearman": (lambda z, lg, y: _rdm_corr(z, y, _llm_rdm(), _spearman), "up"),
    "cka_linear": (lambda z, lg, y: _cka(z, WORLD["cv"][y]), "up"),
    "cka_rbf": (lambda z, lg, y: _rbf_cka(z, WORLD["cv"][y]), "up"),
    "procrustes": (lambda z, lg, y: _procrustes_sim(z, WORLD["cv"][y]), "up"),
    "embedding_regression": (lambda z, lg, y: _r2_top_pcs(z, WORLD["cv"][y], 4), "up"),
    "cosine_embedding": (lambda z, lg, y: _mean_cos(_dct(z, K - 1), _coords()[y]), "up"),
    "infonce_sentence": (lambda z, lg, y: _margin(_dct(z, K - 1), _sentence_coords(), y), "up"),
    "infonce_llm": (lambda z, lg, y: _margin(_dct(z, K - 1), _coords(), y), "up"),
    "supcon_llm": (lambda z, lg, y: _supcon_metric(z, y), "up"),
    "triplet_v": (lambda z, lg, y: _triplets_ok(z, y), "up"),
    "topo_sheet_1d": (lambda z, lg, y: _sheet_order_1d(z, y), "up"),
    "topo_sheet_2d": (lambda z, lg, y: _sheet_order_2d(z, y), "up"),
    "topo_electrode": (lambda z, lg, y: _dirichlet(z, y), "down"),
    "orth_residual": (lambda z, lg, y: _within_ratio(z, y), "down"),
    "adversarial_v": (lambda z, lg, y: _r2_top_pcs(z, WORLD["v"][y], 3), "down"),
    "arousal_multitask": (lambda z, lg, y: _r2_top_pcs(z, WORLD["arousal"][y], 3), "up"),
    "llm_prototypes": (lambda z, lg, y: _margin(_dct(z, K - 1), _coords(), y), "up"),
    "rsa_shuffled": (lambda z, lg, y: _rdm_corr(z, y, WORLD["targets"].control_rdm), "up"),
}


#: Strategies whose target pattern depends on V only (alone, they may merge equal-valence categories).
MERGES_CATEGORIES = {"topo_sheet_1d"}


# ------------------------------------------------------------------------------------------
# Registry
# ------------------------------------------------------------------------------------------


def test_registry_has_the_design_families():
    assert len(al.STRATEGIES) >= 25
    fams = {s.family for s in al.STRATEGIES.values()}
    assert fams == set(al.FAMILIES)
    expected = {
        "distillation": {"kd_t1", "kd_t2", "kd_t4", "kd_t8"},
        "v_axis": {"v_regression", "v_ranking", "v_cosine"},
        "similarity": {"rsa_pearson", "rsa_spearman", "cka_linear", "cka_rbf", "procrustes",
                       "embedding_regression", "cosine_embedding"},
        "contrastive": {"infonce_sentence", "supcon_llm", "triplet_v"},
        "topographic": {"topo_sheet_1d", "topo_sheet_2d", "topo_electrode"},
        "control": {"orth_residual", "adversarial_v", "arousal_multitask", "llm_prototypes"},
    }
    for fam, names in expected.items():
        assert names <= {n for n, s in al.STRATEGIES.items() if s.family == fam}, fam
    # same inner-search budget for every strategy
    assert len({len(s.weights) for s in al.STRATEGIES.values()}) == 1


@pytest.mark.parametrize("name", NAMES)
def test_strategy_documents_its_idea(name):
    s = al.get(name)
    assert s.name == name and s.idea and len(s.doc) > 80
    assert any(ch.isdigit() for ch in s.idea), "the idea should cite a year"
    assert all(w > 0 for w in s.weights)


def test_every_strategy_has_a_toy_metric():
    missing = set(al.STRATEGIES) - set(METRICS)
    assert not missing, f"give these strategies a toy metric in METRICS: {sorted(missing)}"


def test_get_unknown_lists_names():
    with pytest.raises(VaxisInputError, match="rsa_pearson"):
        al.get("rsa_persons")


def test_register_refuses_duplicates_and_bad_family():
    with pytest.raises(VaxisInputError, match="already"):
        al.register("kd_t1", "distillation", "x 2000")
    with pytest.raises(VaxisInputError, match="family"):
        al.register("new_one", "magic", "x 2000")


def test_params_merge_and_unknown_params_raise():
    z, lg, y = torch.randn(B, D_NET), torch.randn(B, K), WORLD["y"]
    s, t = al.get("kd_t2"), WORLD["targets"]
    assert torch.allclose(s(z, lg, y, t), s(z, lg, y, t, {"temperature": 2.0}))
    assert not torch.allclose(s(z, lg, y, t), s(z, lg, y, t, {"temperature": 3.0}))
    with pytest.raises(VaxisInputError, match="unknown parameter"):
        s(z, lg, y, t, {"temprature": 2.0})


def test_shape_errors_are_clear():
    s, t = al.get("rsa_pearson"), WORLD["targets"]
    with pytest.raises(VaxisInputError, match="logits"):
        s(torch.randn(B, D_NET), torch.randn(B, K + 1), WORLD["y"], t)
    with pytest.raises(VaxisInputError, match="z must be"):
        s(torch.randn(B), torch.randn(B, K), WORLD["y"], t)
    with pytest.raises(VaxisInputError, match="targets"):
        s(torch.randn(B, D_NET), torch.randn(B, K), WORLD["y"], {"a": 1})


def test_engine_hook():
    f = al.as_aux_loss("supcon_llm", WORLD["targets"], {"tau": 0.2})
    z, lg = torch.randn(3, B, D_NET), torch.randn(3, B, K)
    y = WORLD["y"].expand(3, B)
    idx = torch.arange(B).expand(3, B)
    out = vmap(f, in_dims=(0, 0, 0, 0), randomness="different")(z, lg, y, idx)
    ref = al.get("supcon_llm")(z[1], lg[1], y[1], WORLD["targets"], {"tau": 0.2})
    assert out.shape == (3,) and torch.allclose(out[1], ref)
    with pytest.raises(VaxisInputError, match="unknown parameter"):
        al.as_aux_loss("supcon_llm", WORLD["targets"], {"temp": 0.2})
    assert al.aux_key("kd_t2") == f"kd_t2@1.{al.BLOCKS_VERSION}(teacher_scale=10.0,temperature=2.0)"
    assert al.aux_key("kd_t2", {"temperature": 3.0}) != al.aux_key("kd_t2")


def test_describe_table():
    df = al.describe()
    assert list(df.columns) == ["name", "family", "idea", "weights", "params", "pulls", "definition", "cite"]
    assert len(df) == len(al.STRATEGIES) and df["name"].is_unique
    assert list(dict.fromkeys(df["family"])) == list(al.FAMILIES)


def _bib_keys():
    text = (Path(__file__).resolve().parents[1] / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.M))


@pytest.mark.parametrize("name", NAMES)
def test_strategy_is_described_in_full_and_cited(name):
    s = al.get(name)
    assert len(s.pulls) > 15 and len(s.definition) > 25, "say what the loss pulls together and define it"
    assert s.cite, "cite the paper the idea comes from"
    missing = set(s.cite) - _bib_keys()
    assert not missing, f"{name} cites keys that book/references.bib lacks: {sorted(missing)}"


def test_describe_markdown_is_one_row_per_strategy_with_cite_roles():
    md = al.describe_markdown(["kd_t2", "triplet_v"])
    rows = md.strip().splitlines()
    assert len(rows) == 4 and rows[0].startswith("| strategy | family | pulls together")
    assert rows[2].startswith("| `kd_t2` | distillation |") and "{cite}`hinton2015distilling`" in rows[2]
    # a pipe inside a definition (|V_i - V_n|) is escaped, so every row keeps its five cells
    assert all(len(re.findall(r"(?<!\\)\|", r)) == 6 for r in rows)
    assert al.describe_markdown().count("\n") == len(al.STRATEGIES) + 2


# ------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------


def test_targets_geometry():
    t = WORLD["targets"]
    assert t.n_classes == K and t.has_adjacency
    coords = t.category_coords.double().numpy()
    assert coords.shape == (K, K - 1)
    # PCA coordinates keep the centred category geometry up to one scale factor
    d_llm = np.linalg.norm(WORLD["cv"][:, None] - WORLD["cv"][None], axis=-1)[_iu(K)]
    d_co = np.linalg.norm(coords[:, None] - coords[None], axis=-1)[_iu(K)]
    assert np.allclose(d_co / d_llm, (d_co / d_llm)[0], rtol=1e-4)
    assert np.isclose(np.sqrt((coords**2).sum(1).mean()), 1.0, atol=1e-5)
    assert np.allclose(t.category_similarity.numpy(), _centred_sim(), atol=1e-5)
    assert np.allclose(t.category_rdm.numpy(), _llm_rdm(), atol=1e-5)
    # the V direction in coordinates reproduces the V positions' order
    proj = coords @ t.v_direction_coords.double().numpy()
    assert np.corrcoef(proj, WORLD["v"])[0, 1] > 0.999
    assert np.isclose(float(t.v_scaled.min()), -1) and np.isclose(float(t.v_scaled.max()), 1)
    assert np.isclose(float(t.v_standard.std(unbiased=False)), 1, atol=1e-5)
    # the control RDM is the true one relabelled, with no category kept in place
    ctrl, rdm = t.control_rdm.numpy(), t.category_rdm.numpy()
    assert np.allclose(np.sort(ctrl.ravel()), np.sort(rdm.ravel()))
    assert not np.allclose(ctrl, rdm)
    moved = t.to(dtype=torch.float64)
    assert moved.category_coords.dtype == torch.float64 and moved.n_classes == K


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(category_vectors=np.full((K, D_LLM), np.nan)), "NaN"),
        (dict(category_vectors=np.ones((2, D_LLM))), "at least 3"),
        (dict(v_positions=np.zeros(K + 1)), "v_positions"),
        (dict(v_positions=np.ones(K)), "vary"),
        (dict(v_direction=np.zeros(D_LLM)), "zero"),
        (dict(v_direction=np.ones(D_LLM + 1)), "v_direction"),
        (dict(sentence_embeddings=np.ones((K - 1, D_SENT))), "one row per category"),
        (dict(arousal=np.array([np.inf] * K)), "NaN"),
        (dict(channel_adjacency=np.triu(np.ones((C, C)), 1)), "symmetric"),
        (dict(channel_adjacency=-np.ones((C, C))), "non-negative"),
        (dict(channel_adjacency=np.ones((C, C + 1))), "square"),
    ],
)
def test_make_targets_validates(change, match):
    args = dict(category_vectors=WORLD["cv"], v_positions=WORLD["v"], v_direction=WORLD["dir"],
                sentence_embeddings=WORLD["sent"], arousal=WORLD["arousal"], channel_adjacency=WORLD["ring"])
    args.update(change)
    with pytest.raises(VaxisInputError, match=match):
        al.make_targets(**args)


def test_v_direction_must_touch_the_category_span():
    cv = WORLD["cv"]
    basis = np.linalg.svd(cv - cv.mean(0))[2][: K - 1]
    ortho = np.random.default_rng(1).normal(size=D_LLM)
    ortho -= basis.T @ (basis @ ortho)
    with pytest.raises(VaxisInputError, match="orthogonal"):
        al.make_targets(cv, WORLD["v"], ortho, WORLD["sent"], WORLD["arousal"])


def test_electrode_loss_needs_adjacency():
    t = al.make_targets(WORLD["cv"], WORLD["v"], WORLD["dir"], WORLD["sent"], WORLD["arousal"])
    assert not t.has_adjacency
    with pytest.raises(VaxisInputError, match="channel_adjacency"):
        al.get("topo_electrode")(torch.randn(B, D_NET), torch.randn(B, K), WORLD["y"], t)
    # every other strategy runs without it
    assert torch.isfinite(al.get("rsa_pearson")(torch.randn(B, D_NET), torch.randn(B, K), WORLD["y"], t))


def test_adjacency_from_positions():
    angles = np.linspace(0, 2 * np.pi, C, endpoint=False)
    a = al.adjacency_from_positions(np.c_[np.cos(angles), np.sin(angles)], n_neighbors=2)
    assert np.array_equal(a, WORLD["ring"])
    with pytest.raises(VaxisInputError, match="n_neighbors"):
        al.adjacency_from_positions(np.zeros((3, 2)), n_neighbors=3)


# ------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------


def test_readout_is_the_orthonormal_dct():
    z = torch.randn(5, D_NET, dtype=torch.float64)
    assert np.allclose(al.readout(z, 4).numpy(), _dct(z.numpy(), 4))
    assert al.readout(z, 100).shape == (5, D_NET - 1)
    with pytest.raises(VaxisInputError, match="2 units"):
        al.readout(torch.randn(5, 1), 3)


@pytest.mark.parametrize(("b", "n_pairs"), [(10, 100), (10, 20), (64, 2048), (256, 2048), (7, 1)])
def test_pairs_are_distinct_and_balanced(b, n_pairs):
    i, j = blocks.pairs(b, n_pairs, "cpu")
    pairs = {tuple(sorted(p)) for p in zip(i.tolist(), j.tolist())}
    assert len(pairs) == len(i) and all(a != c for a, c in pairs)
    assert len(i) <= max(n_pairs, b)
    counts = np.bincount(np.r_[i.numpy(), j.numpy()], minlength=b)
    assert counts.min() > 0
    if b * (b - 1) // 2 > n_pairs:
        assert counts.min() == counts.max()


def test_soft_rank_tends_to_mid_ranks():
    x = torch.tensor([3.0, 1.0, 2.0, 2.0, 5.0])
    hard = blocks.hard_rank(x, 256)
    assert torch.allclose(hard, torch.tensor([3.5, 0.5, 2.0, 2.0, 4.5]))
    assert torch.allclose(blocks.soft_rank(x, 256, 1e-3), hard, atol=1e-3)


def test_targets_follow_the_dtype_of_z():
    z = torch.randn(B, D_NET, dtype=torch.float64)
    for name in NAMES:
        out = al.get(name)(z, z @ WORLD["head"].double(), WORLD["y"], WORLD["targets"])
        assert out.dtype == torch.float64 and torch.isfinite(out), name


# ------------------------------------------------------------------------------------------
# Every strategy: finite with a gradient, vmap-safe, robust, and moves z the intended way
# ------------------------------------------------------------------------------------------


def test_values_match_reference_implementations():
    """Where a loss is 1 - (a standard statistic), it equals that statistic computed with numpy/scipy."""
    gen = torch.Generator().manual_seed(3)
    z = torch.randn(B, D_NET, generator=gen, dtype=torch.float64)
    lg = torch.randn(B, K, generator=gen, dtype=torch.float64)
    y, t = WORLD["y"], WORLD["targets"]
    zn, lgn, yn = z.numpy(), lg.numpy(), y.numpy()

    def val(name, **params):
        return float(al.get(name)(z, lg, y, t, params))

    exact = {name: METRICS[name][0](zn, lgn, yn) for name in
             ("rsa_pearson", "rsa_spearman", "cka_linear", "procrustes", "rsa_shuffled", "orth_residual",
              "topo_electrode", "kd_t1", "kd_t4")}
    assert val("rsa_pearson") == pytest.approx(1 - exact["rsa_pearson"], abs=1e-6)
    assert val("rsa_shuffled") == pytest.approx(1 - exact["rsa_shuffled"], abs=1e-6)
    assert val("rsa_spearman", tau=1e-4, n_anchors=10**6, n_pairs=10**6) == pytest.approx(
        1 - exact["rsa_spearman"], abs=2e-3)
    assert val("cka_linear") == pytest.approx(1 - exact["cka_linear"], abs=1e-6)
    assert val("procrustes") == pytest.approx(1 - exact["procrustes"], abs=1e-6)
    assert val("orth_residual") == pytest.approx(exact["orth_residual"], abs=1e-6)
    assert val("topo_electrode") == pytest.approx(exact["topo_electrode"] / 2, abs=1e-6)  # ring: degree 2
    assert val("kd_t1") == pytest.approx(exact["kd_t1"], abs=1e-5)
    assert val("kd_t4") == pytest.approx(16 * exact["kd_t4"], abs=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_finite_scalar_with_gradient(name):
    z = (WORLD["x"] @ WORLD["w0"]).requires_grad_(True)
    out = _loss(name)(z, z @ WORLD["head"], WORLD["y"])
    assert out.ndim == 0 and torch.isfinite(out)
    (g,) = torch.autograd.grad(out, z)
    assert torch.isfinite(g).all() and g.abs().sum() > 0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("y_batched", [False, True], ids=["shared_y", "per_replica_y"])
def test_vmap_matches_loop(name, y_batched):
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(3, B, D_NET, generator=gen)
    y = torch.stack([WORLD["y"][torch.randperm(B, generator=gen)] for _ in range(3)]) if y_batched \
        else WORLD["y"]
    f = _loss(name)

    def through_head(z, y):  # logits depend on z so every loss has a gradient
        return f(z, z @ WORLD["head"], y)

    dims = (0, 0 if y_batched else None)
    vals = vmap(through_head, in_dims=dims)(z, y)
    grads = vmap(grad(through_head), in_dims=dims)(z, y)
    for i in range(3):
        yi = y[i] if y_batched else y
        zi = z[i].clone().requires_grad_(True)
        v = through_head(zi, yi)
        (gi,) = torch.autograd.grad(v, zi)
        assert torch.allclose(vals[i], v, rtol=1e-4, atol=1e-5)
        assert torch.allclose(grads[i], gi, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_degenerate_batches_stay_finite(name):
    f = _loss(name)
    cases = [
        (torch.randn(B, D_NET), torch.zeros(B, dtype=torch.long)),   # one category only
        (torch.zeros(B, D_NET), WORLD["y"]),                          # dead units
        (torch.randn(2, D_NET), torch.tensor([0, 8])),                # tiny batch
    ]
    for z, y in cases:
        z = z.requires_grad_(True)
        out = f(z, z @ WORLD["head"], y)
        (g,) = torch.autograd.grad(out, z)
        assert torch.isfinite(out) and torch.isfinite(g).all()


@pytest.mark.parametrize("name", NAMES)
def test_gradient_moves_representation_the_intended_way(name):
    """A few Adam steps on a linear encoder, aux loss only: the loss falls and the metric moves."""
    if name not in METRICS:
        pytest.skip("no toy metric (see test_every_strategy_has_a_toy_metric)")
    measure, direction = METRICS[name]
    f = _loss(name)
    x, y, head = WORLD["x"], WORLD["y"], WORLD["head"]
    w = WORLD["w0"].clone().requires_grad_(True)
    y_np = y.numpy()

    def state():
        z = x @ w
        with torch.no_grad():
            return float(f(z, z @ head, y)), measure(_np(z), _np(z @ head), y_np)

    loss0, m0 = state()
    opt = torch.optim.Adam([w], lr=0.03)
    for _ in range(80):
        opt.zero_grad()
        z = x @ w
        f(z, z @ head, y).backward()
        opt.step()
    loss1, m1 = state()
    # the categories stay separable: no strategy wins by collapsing the representation (except one
    # whose target is a function of V alone, so categories of equal valence share it by design)
    if name not in MERGES_CATEGORIES:
        assert _centroid_accuracy(_np(x @ w), y_np) >= 0.9, name
    assert loss1 < loss0 - 1e-3, f"{name}: loss {loss0:.4f} -> {loss1:.4f}"
    if direction == "up":
        assert m1 > m0 + 0.02, f"{name}: metric {m0:.4f} -> {m1:.4f} (should rise)"
    else:
        assert m1 < m0 - 0.02, f"{name}: metric {m0:.4f} -> {m1:.4f} (should fall)"
