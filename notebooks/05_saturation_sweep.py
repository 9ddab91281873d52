# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. The saturation sweep: does aligning EEG networks with the LLM help?
#
# ## Overview
#
# **Question.** If EEG and the LLM share a valence axis, should we not *teach* the EEG network that
# axis -- distil the LLM's category similarities into it, match its representational geometry,
# contrast it with sentence embeddings, lay its units out along V -- and decode emotions better?
#
# **What the study claims.** Over 25 such alignment strategies, none improved {term}`balanced accuracy` and
# 16 significantly hurt it. Explanation offered: labels alone already drive the network onto the
# V direction (a *saturated {term}`basin`*); extra supervision distorts it, while the within-class {term}`residual`
# that carries the remaining information gets little useful gradient.
#
# **What this chapter does.**
# 1. Trains the label-only baseline and every strategy of `vaxis.decoding.alignment` on the same
#    leave-subjects-out folds and seeds, each loss weight chosen on training subjects only.
# 2. Tests every strategy against the baseline with the **held-out subject** as the unit (its
#    accuracy averaged over seeds): {term}`paired Wilcoxon <paired comparison>` and an equivalence test (TOST, margin 0.02
#    balanced accuracy fixed in advance), {term}`Benjamini-Hochberg` across strategies; counts helped /
#    equivalent / undecided / hurt, for alignment and control losses separately.
# 3. Measures the {term}`saturation diagnostics <saturation>`: how much V the baseline carries as it trains, and how much
#    of each strategy's gradient falls in the label-driven basin rather than the residual.
#
# ```{important}
# The EEG is simulated by default (see [Data](../data)). The default cohort contains a valence
# structure built from the participants' ratings and **no label information inside a category**:
# every alignment target is a fixed function of the label there, so by construction no loss *can*
# help, and the study's claim is **not testable on this cohort** (the scorecard says so). What this
# chapter checks on it is the pipeline: the paired tests, the equivalence margin, the power of the
# design, and whether a loss can *hurt* by distorting what the labels built. Chapter 7 switches on
# the data properties under which a loss could help; the real FACED release is where the study's
# 16 of 25 can be tested.
# ```
#
# ## Prerequisites
#
# | Concept | Importance | Notes |
# | --- | --- | --- |
# | [Chapter 1](01_axis_construction), [Chapter 3](03_eeg_mapping) | Necessary | LLM targets, EEG data |
# | [Chapter 4](04_classifier_rediscovery) | Necessary | the training engine and the V read-out |
# | Paired tests, false discovery rate | Necessary | |
#
# **Time to run:** a few minutes with the `quick` profile on 2 CPU cores.

# %% [markdown]
# ### For a workshop
#
# **You will learn to**
#
# - compare many training variants with a baseline by paired tests and a false discovery rate;
# - measure how much of a loss's gradient falls in the label-driven basin;
# - say when "no difference" may be claimed, and when the honest verdict is "undecided".
#
# | | time |
# | --- | --- |
# | to run, `quick` profile (warm caches: after one run of the book) | a few minutes |
# | to run, `full` profile (from nothing) | about 5.5 min (329 s) |
# | to teach, exercises included | 80 min; exercises: 3 (30 min) |
#
# Times to run are the runner's records on 2 CPU cores (`results/<profile>/runs.json`). A laptop
# needs 2 cores, 8 GB of memory, the provisioned models (`make models`, about 7 GB of disk) and no
# network; see [Teaching](../teaching) for the set-up and what to vary live, and the
# [Glossary](../glossary) for the terms.

# %% [markdown]
# ## Parameters
#
# - `faced_dir`, `n_subjects`, `sim_seed`, `sim_knobs` -- the EEG data, as in chapter 3; `sim_knobs`
#   sets knobs of the simulated cohort, e.g. the mechanisms of chapter 7 (`{"within_class": 0.4}`).
# - `arch` -- the network every strategy is added to; `n_splits`, `seeds` -- outer folds and seeds.
# - `strategies` -- `None` for the whole registry, or a list of names; `weights` -- `None` for each
#   strategy's own grid, or one grid for all (the same budget for every strategy); `fixed_weight` --
#   a weight of that grid used for every strategy (the fixed arm, beside the weight chosen on
#   validation subjects), or `None` for none.
# - `max_epochs`, `lr`, `patience`, `window_stride` -- training length, AdamW learning rate, early
#   stopping patience (epochs) and the window subsampling of the engine.
# - `backend`, `n_jobs` -- joblib backend (`loky`, `dask` with a connected client, ...) and workers.
# - `alpha` -- false discovery rate for the verdicts; `trajectory_epochs` -- checkpoints of the
#   diagnostic; `n_boot`, `seed`, `profile`, `results_root` -- as before.
# - `long_schedule` -- a second, longer training schedule (changes to `lr`, `patience`,
#   `max_epochs`) on which the whole sweep is repeated (section 5); `None` skips it (the `quick`
#   profile does, to stay within minutes now that every task records each held-out subject; the
#   `full` profile runs `{"lr": 0.001, "patience": 6, "max_epochs": 20}`).
# - `sentence_model` -- the sentence encoder whose embeddings of the nine anchors the contrastive
#   losses align to (a registry name, local path or hub id).

# %% tags=["parameters"]
from typing import Optional  # parameter types, checked by the runner

profile = "quick"
faced_dir: Optional[str] = None
n_subjects = 30
sim_seed = 0
sim_knobs = {}
arch = "mlp"
n_splits = 3
seeds = [0, 1]
strategies: Optional[list] = None
weights: Optional[list] = [0.3]
fixed_weight: Optional[float] = None
max_epochs = 8
lr = 0.003
patience = 3
window_stride = 5
backend = "loky"
n_jobs = 1
alpha = 0.05
trajectory_epochs = [0, 1, 2, 4]
long_schedule: Optional[dict] = None
sentence_model = "minilm-l6"
n_boot = 2000
seed = 0
results_root: Optional[str] = None

# %%
import dataclasses

import numpy as np
import pandas as pd
import torch

from IPython.display import Markdown

from vaxis import io, plots, results, stats
from vaxis.book import scorecard
from vaxis.decoding import alignment, engine, saturation
from vaxis.decoding.folds import subject_folds
from vaxis.eeg import cohort
from vaxis.llm import hidden

torch.set_num_threads(2)
out_dir = io.results_dir(profile, results_root)

# %% [markdown]
# ## 1. The strategies
#
# Every strategy is a real auxiliary loss added to cross-entropy with a weight. The table, written
# from the registry `vaxis.decoding.alignment` (each loss with a unit test that its gradient moves
# the representation the intended way), gives each idea in full: what it pulls together, its
# definition (`z` is the network's penultimate representation of a minibatch, `y` the labels, `S`
# the LLM's category similarities, `V` the V-axis positions; a *read-out* is a fixed projection of
# `z`, an *RDM* a matrix of dissimilarities), and the paper it comes from. Differences are tested
# with Wilcoxon's signed-rank test {cite}`wilcoxon1945`, equivalence with two one-sided tests
# {cite}`schuirmann1987tost`, both corrected across strategies by Benjamini-Hochberg
# {cite}`benjamini1995fdr`.

# %% mystnb={"markdown_format": "myst"}
names = list(alignment.STRATEGIES) if strategies is None else strategies
families = alignment.describe().set_index("name").loc[names, "family"]
print(f"{len(names)} strategies in {families.nunique()} families")
Markdown(alignment.describe_markdown(names))

# %% [markdown]
# ## 2. Data, folds, LLM targets

# %%
data_eeg = cohort("faced", faced_dir, n_subjects=n_subjects, seed=sim_seed, knobs=sim_knobs)
data = engine.TrainData.from_dataset(data_eeg)
folds = subject_folds(data_eeg.subjects, n_splits=n_splits, seed=seed)
sentences = hidden.sentence_embeddings(sentence_model, results.anchor_sentences(out_dir, data.classes))
targets = saturation.targets_from_results(out_dir, data_eeg, data.classes, sentences)
config = engine.TrainConfig(max_epochs=max_epochs, lr=lr, patience=patience, window_stride=window_stride)
setup = saturation.SweepSetup(data, folds, list(seeds), arch, config, targets)
print(f"{data_eeg.source}: {data_eeg.n_subjects} subjects, {len(folds)} folds x {len(seeds)} seeds; "
      f"the paired unit is the held-out subject ({data_eeg.n_subjects} per strategy, seeds averaged)")

# %% [markdown]
# ## 3. The sweep
#
# Each (strategy, weight) is one task; its folds x seeds networks train together in one stacked
# job. Finished tasks are stored one file each (atomic); re-running this cell only does what is left.

# %% tags=["nbval-ignore-output", "remove-stderr"]
runs = saturation.run_sweep(setup, names, results.sweep_store(out_dir), backend=backend, n_jobs=n_jobs,
                            weights=weights)

# %%
comparison = saturation.compare(runs, alpha=alpha, n_boot=n_boot, seed=seed)
counts = saturation.verdict_counts(comparison)
print(f"baseline balanced accuracy {comparison.attrs['baseline_bacc']:.3f} (chance {1 / len(data.classes):.3f}); "
      f"equivalence margin ±{comparison.attrs['margin']}")
for kind in ("alignment", "control"):
    print(f"{kind} losses, verdicts at FDR {alpha}:", saturation.verdict_counts(comparison, kind=kind))
comparison[["strategy", "family", "kind", "weights", "bacc", "mean_diff", "ci_low", "ci_high", "d_z", "p_wilcoxon",
            "q", "q_tost", "verdict"]].round(4)

# %%
fig = plots.strategy_effects(comparison, source=data_eeg.source)

# %% [markdown]
# **The fixed arm.** Choosing the weight on validation subjects can only steer away from harm; with
# `fixed_weight` set, every strategy is also compared at that one weight.

# %%
if fixed_weight is not None:
    fixed = saturation.compare(runs, alpha=alpha, n_boot=n_boot, seed=seed, arm=fixed_weight)
    for kind in ("alignment", "control"):
        print(f"fixed weight {fixed_weight:g}, {kind} losses:", saturation.verdict_counts(fixed, kind=kind))
else:
    print("one weight per strategy: the chosen arm is the fixed arm")

# %% [markdown]
# ## 4. Saturation diagnostics
#
# **(a) Is the baseline already on the axis?** Chapter 4's read-out of V from the held-out
# representation, after 0 (untrained), 1, 2, ... epochs of label-only training.

# %% tags=["nbval-ignore-output", "remove-stderr"]
positions = results.category_positions(out_dir)
trajectory = saturation.alignment_during_training(setup, positions, trajectory_epochs)

# %%
traj = trajectory.groupby("epochs")[["readout_r", "cos_classmean", "basin_cos", "test_bacc"]].agg(["mean", "std"])
traj.round(3)

# %% [markdown]
# **(b) Where does each strategy push?** At the trained baseline, the share of each auxiliary
# loss's gradient (with respect to the penultimate representation of training trials) that lies in
# the basin -- the span of the class means -- rather than in the within-class residual. The study's
# explanation predicts a *negative* rank correlation across losses: the more of a loss's push lands
# in the basin the labels already saturated, the more it distorts it and the more it costs. The
# losses are the units of the interval; they share one baseline and its subjects, so the interval
# describes these losses, not a population of them.

# %%
z_train, p_train, y_train = saturation.baseline_representation(setup)
shares = saturation.basin_shares(z_train, p_train, y_train, targets, names, seed=seed)
basin_dim = len(data.classes) - 1
print(f"basin: {basin_dim} of {z_train.shape[1]} dimensions ({basin_dim / z_train.shape[1]:.1%} of the space)")
diag = comparison.merge(shares, on="strategy")
basin_rho = stats.bootstrap_corr(diag.basin_share.to_numpy(), diag.mean_diff.to_numpy(), n_boot=n_boot, seed=seed)
print(f"Spearman rho (basin share vs accuracy change, {len(diag)} losses) = {basin_rho} (95% bootstrap over losses)")
print("In words:", saturation.basin_in_words(basin_rho))

# %%
fig = plots.basin_share_vs_effect(diag, source=data_eeg.source)

# %% [markdown]
# ## 5. Does the verdict survive longer training?
#
# Early stopping on validation subjects ends training after a few epochs (the best epochs are
# printed below), so every auxiliary loss acts only that long. The whole sweep again, same folds,
# seeds and weight grids, with a schedule that learns more slowly and waits longer
# (`long_schedule`); if "equivalent" or "undecided" only meant "too little training", it would change here.

# %% tags=["nbval-ignore-output", "remove-stderr"]
schedules = {"default": comparison}
epochs_by_schedule = {"default": saturation.best_epochs(runs)}
if long_schedule:
    setup_long = dataclasses.replace(setup, config=dataclasses.replace(config, **long_schedule))
    runs_long = saturation.run_sweep(setup_long, names, results.sweep_store(out_dir), backend=backend,
                                     n_jobs=n_jobs, weights=weights)
    schedules["long"] = saturation.compare(runs_long, alpha=alpha, n_boot=n_boot, seed=seed)
    epochs_by_schedule["long"] = saturation.best_epochs(runs_long)

# %%
for name, c in schedules.items():
    n = saturation.verdict_counts(c)
    ep = epochs_by_schedule[name]
    print(f"{name:8s} baseline {c.attrs['baseline_bacc']:.3f}; helped {n['helped']}, equivalent {n['equivalent']}, "
          f"undecided {n['undecided']}, hurt {n['hurt']}; best epoch: baseline mean {ep.loc['baseline', 'mean']:.1f}, "
          f"strategies mean {ep.loc['strategies', 'mean']:.1f}")
by_schedule = saturation.compare_schedules(schedules)
if long_schedule:
    eff, eff_long = by_schedule["default"], by_schedule["long"]
    print(f"effects, default vs long schedule: Spearman rho {eff.mean_diff.corr(eff_long.mean_diff, method='spearman'):.3f}; "
          f"verdict unchanged for {(eff.verdict == eff_long.verdict).sum()} of {len(eff)} strategies")
by_schedule.round(4)

# %%
if long_schedule:
    fig = plots.schedule_effects(eff, eff_long, source=data_eeg.source)

# %% [markdown]
# ## 6. Results for later chapters

# %%
results.write_saturation(out_dir, profile=profile, dataset=data_eeg, arch=arch, comparison=comparison, shares=shares,
                         trajectory=trajectory, schedules=schedules, best_epochs=epochs_by_schedule,
                         schedule_changes=long_schedule, counts=saturation.verdict_counts)
print("wrote", results.SATURATION_JSON)

# %% [markdown]
# ## Summary
#
# The verdicts of this run, by kind of loss (subject-level tests, BH q < `alpha`; *equivalent*
# within the margin fixed in advance), and the largest gain and loss with their intervals over
# held-out subjects:

# %%
summary = pd.DataFrame({kind: saturation.verdict_counts(comparison, kind=kind) for kind in ("alignment", "control")}).T
summary.loc["all"] = summary.sum()
summary["held-out subjects"] = comparison.n_units.iloc[0]
display(summary)
extremes = comparison.iloc[[-1, 0]].set_index(pd.Index(["largest gain", "largest loss"]))
extremes[["strategy", "mean_diff", "ci_low", "ci_high", "q", "verdict"]].round(3)

# %% [markdown]
# How long the losses acted (best epoch by early stopping on validation subjects, of at most
# `max_epochs`), and the verdicts under each training schedule of section 5:

# %%
ep = {name: e.loc[["baseline", "strategies"], "mean"].add_prefix("mean best epoch, ")
      for name, e in epochs_by_schedule.items()}
print(f"schedules: default (max_epochs {max_epochs}, lr {lr}, patience {patience}); long: {long_schedule or 'not run'}")
pd.DataFrame({name: {**saturation.verdict_counts(c), **ep[name]} for name, c in schedules.items()}).T.round(1).astype(
    dict.fromkeys(counts, int))

# %% [markdown]
# **What these subjects can detect.** The study counts 16 of 25 strategies as hurting; a verdict
# needs a test that can reach it. From this run's result file, and at this run's spread with the
# `full` profile's number of subjects (when this run has fewer): the spread of the per-subject
# differences, the probability that a strategy with *no*
# effect at all would be called *equivalent* (TOST within the margin, before the correction, so
# an upper bound), the subjects that would make that probability 0.8, and the smallest difference
# the paired test detects with 80% power {cite}`cohen1988power` -- alone (level `alpha`) and as
# the single true effect among all strategies under Benjamini-Hochberg (level `alpha` / m). The
# power of the t-test stands in for Wilcoxon's (about 95% as efficient for normal differences).

# %%
power = saturation.sweep_power(out_dir, alpha=alpha, project_to={"full": scorecard.profile_subjects("05", "full")})
here = power.iloc[:, 0]
print(f"{power.columns[0]} profile: {int(here['held-out subjects'])} held-out subjects, SD of per-subject differences "
      f"{here['SD of per-subject differences']:.3f}: a strategy with no effect is shown equivalent within "
      f"±{here['equivalence margin']} with probability {here['P(equivalent if no effect)']:.2f} (it would take "
      f"{here['subjects for P(equivalent if no effect) = 0.8']:.0f} subjects for 0.8); differences smaller than "
      f"{here['detectable difference (80%)']:.3f} are missed more often than 1 time in 5.")
power.round(3)

# %%
scorecard.chapter_rows(out_dir, "05")

# %% [markdown]
# **What it means.** The tables above are this run's answer to the study's claim; they depend on the
# profile. "No difference" is never read off a non-significant test: a strategy is *equivalent* only
# when the equivalence test puts its effect inside ±0.02 balanced accuracy (a margin fixed before the
# sweep, [Predictions](../saturation_predictions)), and *undecided* when the held-out subjects can
# say neither. Where this book disagrees with the study, the power table says why, with numbers
# rather than words: when the probability of *equivalent* for a strategy with no effect is low and
# the detectable difference is near or above the margin, the `quick` profile *cannot* reach either
# verdict for most strategies, and its many *undecided* are a statement about its size, not about
# the losses; the projected column shows what the `full` profile's subjects could reach at the same
# spread (run it: its own page then reports its own verdicts), and the last rows count how many
# strategies pass each test before the correction across them and how many verdicts survive it.
# The study's 25 strategies map onto ours as 22 alignment losses in five families (distillation 4,
# V-axis supervision 4, representational similarity 7, contrastive 4, topographic 3) and 5
# controls (orthogonal residual, adversarial removal of V, arousal multitask, frozen LLM prototypes,
# shuffled-target RSA); the scorecard compares only the 22 alignment losses with the study's counts,
# and the controls are a separate line. Compare the baseline's read-out trajectory: if V is carried after the
# first epoch of label-only training, the basin is saturated early, and an auxiliary loss whose
# gradient lies mostly in that basin has little left to add -- it can only move class means the
# labels already placed. One caveat is computed above: the networks reach their best validation
# loss within a few epochs, so every auxiliary loss acts for only those epochs. Section 5 repeats
# the sweep with a slower, longer schedule: compare its counts with the default's before reading
# "equivalent" as "cannot help" (and, on the simulated cohort, remember that it overfits
# subject-specific structure early whatever the schedule: the real FACED folder is where the
# study's 16 of 25 can be tested).
#
# **What's next.** Chapter 6 targets the residual instead: ensembles whose members differ there.
# Chapter 7 asks on which simulated cohorts any of this could have come out otherwise.

# %% [markdown]
# ## Exercises
#
# Fill in each function (its body raises `NotImplementedError` until you do) and run the cell: a
# checker from `vaxis.exercises` says what is right or wrong. Solutions are behind the toggles (not
# in the student copy). Terms: [Glossary](../glossary).

# %%
from vaxis.exercises import check_benjamini_hochberg, check_random_share, check_worst_family

# %% [markdown]
# ### Exercise 1: which family fares worst? (about 5 minutes)
#
# Return the family of strategies whose mean accuracy change (`mean_diff`) is the lowest. Then look
# at the intervals (`ci_low`, `ci_high`) of its strategies: is the ranking itself meaningful?

# %% tags=["exercise", "raises-exception"]
def worst_family(comparison):
    """comparison: one row per strategy (family, mean_diff, ...). Returns the family with the lowest mean."""
    raise NotImplementedError("Exercise: group by family and average mean_diff")


check_worst_family(worst_family, comparison)


# %% tags=["solution", "hide-cell"]
# Solution
def worst_family(comparison):
    """comparison: one row per strategy (family, mean_diff, ...). Returns the family with the lowest mean."""
    return comparison.groupby("family").mean_diff.mean().idxmin()


check_worst_family(worst_family, comparison)

# %% [markdown]
# ### Exercise 2: Benjamini-Hochberg (about 15 minutes)
#
# The verdicts control the false discovery rate over all strategies. Write the adjusted p-values
# (q-values): sort the m p-values, multiply the i-th smallest by m / i, take the running minimum
# from the largest down, clip at 1 and put them back in the original order. A NaN p-value is a test
# that was not run: it stays NaN and does not count in m.

# %% tags=["exercise", "raises-exception"]
def benjamini_hochberg(p):
    """p: (m,) p-values, NaN for a test not run. Returns the q-values in the same order."""
    raise NotImplementedError("Exercise: sort, scale by m / rank, running minimum from the top")


check_benjamini_hochberg(benjamini_hochberg, comparison.p_wilcoxon.to_numpy())


# %% tags=["solution", "hide-cell"]
# Solution
def benjamini_hochberg(p):
    """p: (m,) p-values, NaN for a test not run. Returns the q-values in the same order."""
    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok])]
    scaled = p[order] * len(ok) / np.arange(1, len(ok) + 1)
    q[order] = np.minimum.accumulate(scaled[::-1])[::-1].clip(max=1)
    return q


check_benjamini_hochberg(benjamini_hochberg, comparison.p_wilcoxon.to_numpy())

# %% [markdown]
# ### Exercise 3: how much of a random gradient lands in the basin? (about 10 minutes)
#
# The basin is tiny (K - 1 of the representation's dimensions). Draw isotropic Gaussian gradients of
# the shape of `z_train`, average their `saturation.basin_share`, and compare with the strategies'
# shares of section 4(b): which strategies aim at the basin more than chance would?

# %% tags=["exercise", "raises-exception"]
def random_share(z, y, n_draws=20):
    """Mean basin share of isotropic random gradients on representation z (B, D) with labels y (B,)."""
    raise NotImplementedError("Exercise: draw random gradients and average saturation.basin_share")


check_random_share(random_share, z_train, y_train)


# %% tags=["solution", "hide-cell"]
# Solution
def random_share(z, y, n_draws=20):
    """Mean basin share of isotropic random gradients on representation z (B, D) with labels y (B,)."""
    rng = np.random.default_rng(seed)
    return float(np.mean([saturation.basin_share(z, y, rng.standard_normal(z.shape)) for _ in range(n_draws)]))


check_random_share(random_share, z_train, y_train)
print(f"strategies' basin shares: median {shares.basin_share.median():.3f}, max {shares.basin_share.max():.3f}")

# %% [markdown]
# ### To discuss
#
# Each strategy is compared with the baseline over the held-out subjects (`n_units`). How many
# strategies are *equivalent* within the margin fixed in advance, how many *undecided*, and what
# would twice as many subjects change? Why may "undecided" never be reported as "no difference"?
