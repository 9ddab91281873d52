"""The stacked training engine: determinism, equality with a plain loop, resume, bad input, aux hook."""

import copy

import numpy as np
import pytest
import torch

from vaxis._checks import VaxisInputError
from vaxis.decoding import engine, zoo
from vaxis.decoding.engine import job
from vaxis.decoding.engine.batched import BatchedStack
from vaxis.decoding.engine.dense import DenseStack
from vaxis.decoding.engine.loop import LoopStack
from vaxis.decoding.folds import subject_folds
from vaxis.eeg import cohort

torch.set_num_threads(2)
CONFIG = engine.TrainConfig(max_epochs=3, batch_size=64, patience=2, window_stride=10)
#: Architectures with a stacked forward pass (the transformer's is tested although it trains looped)
BATCHED = [a for a, cls in zoo.ARCHITECTURES.items() if cls.has_stacked_forward()]


@pytest.fixture(scope="module")
def setup():
    data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=6, seed=0))
    return data, subject_folds(data.subject, n_splits=3, seed=0, val_fraction=0.25)


def _same(a, b):
    return all(np.array_equal(u.z, v.z) and np.array_equal(u.proba, v.proba) and u.metrics == v.metrics
               for u, v in zip(a.units, b.units))


def test_train_data_shapes(setup):
    data, _ = setup
    assert data.X.shape == (6 * 28 * 30, 30, 5) and data.n_trials == 6 * 28  # 30 scalp channels
    assert (data.y == data.trial_label[data.trial]).all()
    shuffled = data.shuffled_labels(0)
    for s in np.unique(data.trial_subject):  # class counts kept within subject
        rows = data.trial_subject == s
        assert sorted(shuffled.trial_label[rows]) == sorted(data.trial_label[rows])
    assert shuffled.fingerprint() != data.fingerprint()


def test_same_seed_same_numbers_bit_for_bit(setup):
    data, folds = setup
    a = engine.train(["logreg", "mlp"], data, folds, [0, 1], CONFIG, cache=False, progress=False)
    b = engine.train(["logreg", "mlp"], data, folds, [0, 1], CONFIG, cache=False, progress=False)
    assert len(a.units) == 2 * 2 * 3 and _same(a, b)
    c = engine.train("mlp", data, folds, [5], CONFIG, cache=False, progress=False)
    assert not np.array_equal(c.units[0].z, a.get("mlp", 0, 0).z)


@pytest.mark.parametrize("arch", BATCHED)
def test_batched_stack_is_bit_for_bit_deterministic(setup, arch):
    data, folds = setup
    cfg = engine.TrainConfig(max_epochs=1, batch_size=64, patience=2, window_stride=10)
    a = engine.train(arch, data, folds[:2], [0, 1], cfg, cache=False, progress=False)
    b = engine.train(arch, data, folds[:2], [0, 1], cfg, cache=False, progress=False)
    assert _same(a, b)
    assert not np.array_equal(a.units[0].proba, a.units[2].proba)  # seeds differ


@pytest.mark.parametrize("arch", ["logreg", "mlp", "dgcnn", "eegnet", "transformer", "gridcnn"])
def test_stacked_equals_plain_sequential_loop(setup, arch):
    data, folds = setup
    cfg = engine.TrainConfig(max_epochs=2, batch_size=64, patience=5, window_stride=10)
    stacked = engine.train(arch, data, folds, [0, 1], cfg, cache=False, progress=False)
    for u in stacked.units:
        ref = engine.train_plain(arch, data, folds[u.fold], u.seed, cfg)
        # round-off of another summation order, grown over 2 epochs of AdamW (seen for the grid CNN:
        # probabilities up to 2.2e-4 apart, 2% of the z entries up to 0.013); a wrong gradient or
        # layout gives differences of 1e-2 and more in the probabilities (one step is checked to
        # 1e-4 in test_batched_stack_equals_the_plain_autograd_steps)
        np.testing.assert_allclose(u.proba, ref.proba, atol=5e-4)
        np.testing.assert_allclose(u.z, ref.z, atol=2e-2, rtol=1e-2)
        assert u.metrics["best_epoch"] == ref.metrics["best_epoch"]
        assert abs(u.metrics["best_val_loss"] - ref.metrics["best_val_loss"]) < 1e-4


@pytest.mark.parametrize("arch", ["logreg", "mlp"])
@pytest.mark.parametrize("with_aux", [False, True])
def test_dense_stack_steps_equal_the_plain_autograd_steps(arch, with_aux):
    """The hand-written forward/backward + flat AdamW of DenseStack == autograd + torch.optim.AdamW, per replica."""
    from vaxis.decoding import zoo

    gen = torch.Generator().manual_seed(0)
    X, y = torch.randn(500, 32, 5, generator=gen), torch.randint(0, 9, (500,), generator=gen)
    target = torch.randn(500, 4, generator=gen)

    def aux(z, logits, yb, idx):  # touches z and the logits, as the alignment losses do
        return ((z[:, :4] - target[idx]) ** 2).mean() + 0.1 * logits.pow(2).mean()

    models = [zoo.build(arch, 32, 5, 9, seed=s) for s in range(3)]
    dense, ref = engine.make_stack(models), LoopStack([copy.deepcopy(m) for m in models])
    assert isinstance(dense, DenseStack)
    for step in range(1, 6):
        ib = torch.randint(0, 500, (3, 64), generator=gen)
        for st in (dense, ref):
            st.train_step(X, y, ib, step, CONFIG, aux if with_aux else None, 0.5)
    for k, p in ref.params.items():
        assert not torch.equal(p, torch.stack([dict(m.named_parameters())[k].detach() for m in models]))  # trained
        torch.testing.assert_close(dense.params[k], p.detach(), atol=1e-5, rtol=1e-4)
    rows = torch.arange(40).view(2, 20).repeat(2, 1)[:3]
    for a, b in zip(dense.forward_rows(X, rows), ref.forward_rows(X, rows)):
        torch.testing.assert_close(a, b.detach(), atol=1e-5, rtol=1e-4)


def test_each_architecture_gets_the_stack_it_names():
    from vaxis.decoding import zoo

    kinds = {a: type(engine.make_stack([zoo.build(a, 32, 5, 9, seed=0)])).__name__ for a in zoo.ARCHITECTURES}
    assert kinds["logreg"] == kinds["mlp"] == "DenseStack"
    assert kinds["dgcnn"] == kinds["eegnet"] == kinds["gridcnn"] == "BatchedStack"
    assert kinds["transformer"] == "LoopStack"  # measured slower stacked (benchmarks/README.md)
    for a, cls in zoo.ARCHITECTURES.items():
        assert kinds[a] == engine.STACKS[cls.stacking].__name__
        assert (cls.stacking == "dense") == bool(zoo.build(a, 32, 5, 9).dense_layers())
        assert cls.stacking != "batched" or cls.has_stacked_forward()


@pytest.mark.parametrize("arch", BATCHED)
@pytest.mark.parametrize("with_aux", [False, True])
def test_batched_stack_equals_the_plain_autograd_steps(arch, with_aux):
    """forward_stacked == each replica's forward; one BatchedStack step == one plain AdamW step per replica."""
    from vaxis.decoding import zoo

    gen = torch.Generator().manual_seed(1)
    X, y = torch.randn(500, 32, 5, generator=gen), torch.randint(0, 9, (500,), generator=gen)
    target = torch.randn(500, 4, generator=gen)

    def aux(z, logits, yb, idx):
        return ((z[:, :4] - target[idx]) ** 2).mean() + 0.1 * logits.pow(2).mean()

    models = [zoo.build(arch, 32, 5, 9, seed=s) for s in range(3)]
    batched, ref = BatchedStack(models), LoopStack([copy.deepcopy(m) for m in models])
    rows = torch.randint(0, 500, (3, 50), generator=gen)
    for a, b in zip(batched.forward_rows(X, rows), ref.forward_rows(X, rows)):  # each replica its own rows
        torch.testing.assert_close(a, b.detach(), atol=2e-6, rtol=1e-5)
    for a, b in zip(batched.run_shared(batched.params, X[:40]), ref.run_shared(ref.params, X[:40])):
        torch.testing.assert_close(a, b.detach(), atol=2e-6, rtol=1e-5)
    before = {k: p.detach().clone() for k, p in ref.params.items()}
    ib = torch.randint(0, 500, (3, 64), generator=gen)
    for st in (batched, ref):
        st.train_step(X, y, ib, 1, CONFIG, aux if with_aux else None, 0.5)
    for k, p in ref.params.items():
        assert not torch.equal(p, before[k])  # trained
        # Adam's first step is lr * g / (|g| + eps): lr * sign(g) where the gradient is not tiny, so
        # one wrong gradient (sign, layout, another replica's) moves a weight by 2 lr = 6e-3. Where the
        # true gradient is 0 (the attention's key bias: softmax ignores a shift) it is round-off, and
        # the step is the sign of round-off: those weights are left out
        grad = torch.stack([m.get_parameter(k).grad for m in ref.models])
        sure = grad.abs() > 1e-6
        assert sure.float().mean() > 0.5
        torch.testing.assert_close(batched.params[k].detach()[sure], p[sure], atol=1e-4, rtol=0)


def _early_stopped_eegnets(setup):
    """EEGNets of two seeds trained with patience 1, with the plain loop's run of each unit."""
    data, folds = setup
    cfg = engine.TrainConfig(max_epochs=6, batch_size=64, patience=1, window_stride=10)
    stacked = engine.train("eegnet", data, folds, [0, 1], cfg, cache=False, progress=False)
    assert any(u.metrics["epochs_run"] < cfg.max_epochs for u in stacked.units), "no replica stopped early"
    return [(u, engine.train_plain("eegnet", data, folds[u.fold], u.seed, cfg)) for u in stacked.units]


def test_batched_stack_with_early_stopping_agrees_with_the_plain_loop(setup):
    """Replicas out of patience keep their best weights; results as the plain loop's, within round-off."""
    for u, ref in _early_stopped_eegnets(setup):
        assert u.metrics["epochs_run"] == ref.metrics["epochs_run"]
        assert u.metrics["best_epoch"] == ref.metrics["best_epoch"]
        np.testing.assert_allclose(u.proba, ref.proba, atol=2e-4)


def test_cache_keys_come_from_versions_not_source_text(setup, monkeypatch):
    """A docstring edit keeps the cache; bumping an architecture's or the engine's version throws it away."""
    from vaxis.decoding import zoo
    from vaxis.decoding.engine import results as engine_results

    data, folds = setup
    key = engine.unit_key("mlp", data, folds, CONFIG, None, None, 0.0)
    monkeypatch.setattr(zoo.MLP, "__doc__", "edited")
    assert engine.unit_key("mlp", data, folds, CONFIG, None, None, 0.0) == key
    monkeypatch.setattr(zoo.MLP, "version", zoo.MLP.version + 1)
    bumped = engine.unit_key("mlp", data, folds, CONFIG, None, None, 0.0)
    assert bumped != key
    monkeypatch.setattr(engine_results, "ENGINE_VERSION", engine_results.ENGINE_VERSION + 1)
    assert engine.unit_key("mlp", data, folds, CONFIG, None, None, 0.0) not in (key, bumped)


def test_loop_stack_with_early_stopping_equals_the_plain_loop_bit_for_bit(setup, monkeypatch):
    """LoopStack runs the plain loop's arithmetic; replicas out of patience stop being updated."""
    from vaxis.decoding import zoo

    monkeypatch.setattr(zoo.EEGNetDE, "stacking", "loop")
    for u, ref in _early_stopped_eegnets(setup):
        np.testing.assert_array_equal(u.proba, ref.proba)
        np.testing.assert_array_equal(u.z, ref.z)
        # the validation loss is averaged in float32 by the engine, in float64 by the plain loop
        assert u.metrics.pop("best_val_loss") == pytest.approx(ref.metrics.pop("best_val_loss"), abs=1e-6)
        assert u.metrics == ref.metrics


def test_interrupted_job_resumes_without_redoing_finished_units(setup, tmp_path, monkeypatch):
    data, folds = setup
    full = engine.train(["logreg", "mlp"], data, folds, [0], CONFIG, cache=tmp_path / "ref", progress=False)
    real, calls = job._train_chunk, []

    def crash_on_second(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt("simulated interruption")
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "_train_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        engine.train(["logreg", "mlp"], data, folds, [0], CONFIG, cache=tmp_path / "run", progress=False)
    assert len(list((tmp_path / "run").glob("logreg-*.npz"))) == 3
    assert not list((tmp_path / "run").glob("mlp-*")) and not list((tmp_path / "run").glob(".*part"))
    monkeypatch.setattr(job, "_train_chunk", real)
    resumed = engine.train(["logreg", "mlp"], data, folds, [0], CONFIG, cache=tmp_path / "run", progress=False)
    assert resumed.trained == 3  # only the mlp units
    assert _same(resumed, full)
    again = engine.train(["logreg", "mlp"], data, folds, [0], CONFIG, cache=tmp_path / "run", progress=False)
    assert again.trained == 0 and _same(again, full)


def test_bad_inputs_fail_before_training(setup):
    data, folds = setup
    bad = engine.TrainData(**{**data.__dict__, "X": data.X.copy(), "_fingerprint": None})
    bad.X[5, 0, 0] = np.nan
    with pytest.raises(VaxisInputError, match="NaN"):
        engine.train("mlp", bad, folds, [0], CONFIG, cache=False, progress=False)
    with pytest.raises(VaxisInputError, match="distinct"):
        engine.train("mlp", data, folds, [0, 0], CONFIG, cache=False, progress=False)
    with pytest.raises(VaxisInputError, match="one of"):
        engine.train("svm", data, folds, [0], CONFIG, cache=False, progress=False)
    with pytest.raises(VaxisInputError, match="aux_key"):
        engine.train("mlp", data, folds, [0], CONFIG, aux_loss=lambda *a: 0.0, aux_weight=1.0, progress=False)
    with pytest.raises(VaxisInputError, match="shape"):
        data.with_trial_labels(np.zeros(3, dtype=int))


def test_aux_loss_hook_runs_under_vmap_and_sees_row_indices(setup):
    data, folds = setup
    targets = torch.as_tensor(data.trial_label, dtype=torch.float32)[torch.as_tensor(data.trial)]

    def aux(z, logits, y, idx):  # pull the first unit towards each row's label code (a per-row target)
        assert z.ndim == 2 and idx.shape == y.shape
        return ((z[:, 0] - targets[idx]) ** 2).mean() + 0.0 * logits.sum()

    base = engine.train("mlp", data, folds[:1], [0], CONFIG, cache=False, progress=False).units[0]
    aligned = engine.train("mlp", data, folds[:1], [0], CONFIG, aux_loss=aux, aux_weight=1.0, aux_key="test",
                           cache=False, progress=False).units[0]
    t = aligned.test_trials
    err = lambda u: np.mean((u.z[t, 0] - data.trial_label[t]) ** 2)  # noqa: E731
    assert err(aligned) < err(base)


def test_untrained_units_are_the_initial_networks(setup):
    from vaxis.decoding import zoo

    data, folds = setup
    res = engine.train("mlp", data, folds[:1], [3], engine.TrainConfig(max_epochs=0, window_stride=10),
                       cache=False, progress=False).units[0]
    model = zoo.build("mlp", data.X.shape[1], 5, len(data.classes), seed=3)
    rows = np.flatnonzero((data.trial == 0) & (data.window % 10 == 0))
    with torch.no_grad():
        z0 = model.embed(torch.as_tensor(data.X[rows])).mean(0).numpy()
    np.testing.assert_allclose(res.z[0], z0, atol=1e-5)
    assert res.metrics["epochs_run"] == 0
