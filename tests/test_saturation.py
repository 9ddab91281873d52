"""Chapter 5's bookkeeping: weight choice on validation only, paired verdicts, epochs, schedules."""

import numpy as np
import pandas as pd
import pytest

from vaxis.decoding import saturation

B = saturation.BASELINE


def _table(shift: dict[str, float], n_folds: int = 4, n_seeds: int = 4, seed: int = 0,
           per_fold: int = 6, noise: float = 0.001) -> pd.DataFrame:
    """Runs of the baseline and of strategies whose weight 1.0 shifts each subject's test accuracy by
    ``shift`` (weight 0.1: by -0.5); ``per_fold`` held-out subjects per fold."""
    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n_folds):
        subjects = [f"s{f}-{i}" for i in range(per_fold)]
        for s in range(n_seeds):
            base = {sub: 0.3 + 0.02 * rng.standard_normal() for sub in subjects}
            rows.append(dict(task=B, weight=0.0, fold=f, seed=s, val_bacc=0.3, test_bacc=np.mean(list(base.values())),
                             subject_bacc=base, best_epoch=2))
            for name, d in shift.items():
                for w, val in ((0.1, 0.2), (1.0, 0.4)):  # weight 1.0 always wins on validation
                    sb = {sub: b + (d if w == 1.0 else -0.5) + noise * rng.standard_normal() for sub, b in base.items()}
                    rows.append(dict(task=name, weight=w, fold=f, seed=s, val_bacc=val,
                                     test_bacc=np.mean(list(sb.values())), subject_bacc=sb,
                                     best_epoch=4 if w == 1.0 else 9))
    return pd.DataFrame(rows)


def test_weights_are_chosen_on_validation_and_ties_go_to_the_smaller():
    t = _table({"kd_t1": 0.0})
    chosen = saturation.choose_weights(t)
    assert set(chosen[chosen.task == "kd_t1"].weight) == {1.0}  # despite its test accuracy
    t.loc[t.task == "kd_t1", "val_bacc"] = 0.3
    assert set(saturation.choose_weights(t).query("task == 'kd_t1'").weight) == {0.1}


def test_verdicts_follow_the_paired_differences():
    cmp = saturation.compare(_table({"kd_t1": 0.05, "rsa_pearson": -0.05, "cka_linear": 0.0}), n_boot=200)
    verdict = cmp.set_index("strategy").verdict
    assert verdict["kd_t1"] == "helped" and verdict["rsa_pearson"] == "hurt"
    assert verdict["cka_linear"] == "equivalent"  # inside the margin, shown by TOST
    assert list(cmp.mean_diff) == sorted(cmp.mean_diff)
    assert saturation.verdict_counts(cmp) == {"helped": 1, "equivalent": 1, "undecided": 0, "hurt": 1}
    assert cmp.set_index("strategy").mean_diff["kd_t1"] == pytest.approx(0.05, abs=0.002)
    assert set(cmp.kind) == {"alignment"}


def test_the_unit_is_the_held_out_subject():
    """24 subjects (4 folds x 6), not 16 (fold, seed) units; seeds are averaged within a subject."""
    t = _table({"kd_t1": 0.0})
    cmp = saturation.compare(t, n_boot=100)
    assert cmp.n_units.iloc[0] == 24
    per = saturation.subject_accuracy(saturation.choose_weights(t))
    assert len(per[per.task == B]) == 24
    one = t[(t.task == B)]
    expected = np.mean([r["s0-0"] for r in one[one.fold == 0].subject_bacc])
    assert per.set_index(["task", "subject"]).bacc[(B, "s0-0")] == pytest.approx(expected)


def test_noisy_small_effects_are_undecided_not_no_difference():
    """Few subjects and noisy differences: neither different nor shown equivalent."""
    t = _table({"kd_t1": 0.0}, n_folds=2, per_fold=2, n_seeds=1, noise=0.2, seed=3)
    assert saturation.compare(t, n_boot=100).verdict.iloc[0] == "undecided"


def test_fixed_weight_arm_and_control_kind():
    t = _table({"kd_t1": 0.05, "orth_residual": 0.0})
    fixed = saturation.compare(t, n_boot=100, arm=0.1).set_index("strategy")
    assert fixed.verdict["kd_t1"] == "hurt" and fixed.weights["kd_t1"] == "0.1"  # weight 0.1 costs 0.5
    assert fixed.kind["orth_residual"] == "control"
    cmp = saturation.compare(t, n_boot=100)
    assert saturation.verdict_counts(cmp, kind="control") == {"helped": 0, "equivalent": 1, "undecided": 0, "hurt": 0}
    with pytest.raises(Exception, match="fixed weight 0.3"):
        saturation.compare(t, arm=0.3)


def test_best_epochs_at_the_chosen_weights():
    ep = saturation.best_epochs(_table({"kd_t1": 0.0, "rsa_pearson": 0.0}))
    assert list(ep.index) == ["baseline", "strategies"]
    assert ep.loc["baseline", "mean"] == 2 and ep.loc["strategies", "mean"] == 4  # not the unchosen 9


def test_schedules_side_by_side():
    a = saturation.compare(_table({"kd_t1": 0.05, "rsa_pearson": -0.05}), n_boot=100)
    b = saturation.compare(_table({"kd_t1": 0.0, "rsa_pearson": -0.05}, seed=1), n_boot=100)
    both = saturation.compare_schedules({"default": a, "long": b})
    assert list(both.index) == list(a.strategy)
    assert both[("default", "verdict")]["kd_t1"] == "helped"
    assert both[("long", "verdict")]["kd_t1"] == "equivalent"
    assert both[("long", "verdict")]["rsa_pearson"] == "hurt"


def test_basin_share_of_a_gradient():
    """A gradient inside the span of the class means has share 1, one in the within-class residual 0."""
    import torch

    from vaxis._checks import VaxisInputError

    K, per_class, D = 9, 4, 16
    gen = torch.Generator().manual_seed(2)
    y = torch.arange(K).repeat_interleave(per_class)
    means = torch.zeros(K, D, dtype=torch.float64)
    means[:, :3] = torch.randn(K, 3, generator=gen, dtype=torch.float64)  # basin: units 0..2
    noise = torch.zeros(K * per_class, D, dtype=torch.float64)
    noise[:, 3:] = torch.randn(K * per_class, D - 3, generator=gen, dtype=torch.float64)
    onehot = torch.nn.functional.one_hot(y, K).double()
    noise = noise - onehot @ (onehot.T @ noise / per_class)  # zero mean within each class
    z = means[y] + noise
    g_basin = torch.zeros_like(z)
    g_basin[:, :3] = torch.randn(len(y), 3, generator=gen, dtype=torch.float64)
    g_resid = torch.zeros_like(z)
    g_resid[:, 3:] = torch.randn(len(y), D - 3, generator=gen, dtype=torch.float64)
    assert saturation.basin_share(z, y, g_basin) == pytest.approx(1.0)
    assert saturation.basin_share(z, y, g_resid) == pytest.approx(0.0, abs=1e-12)
    assert saturation.basin_share(z, y, g_basin + g_resid) == pytest.approx(
        float((g_basin**2).sum() / ((g_basin + g_resid) ** 2).sum()))
    assert saturation.basin_share(z.numpy(), y.numpy(), g_basin.numpy()) == pytest.approx(1.0)  # arrays too
    assert saturation.basin_share(z, y, torch.zeros_like(z)) == 0.0
    with pytest.raises(VaxisInputError):
        saturation.basin_share(z, y, g_basin[:3])
