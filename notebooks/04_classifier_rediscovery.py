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
# # 4. Classifiers trained on labels alone rediscover the V-axis
#
# ## Overview
#
# **Question.** EEG classifiers are trained to tell nine emotion categories apart, with no word
# about valence. Do their hidden representations nevertheless carry the language model's V-axis,
# in people they have never seen?
#
# **What the study claims.** 36 classifiers (6 architectures x 6 seeds) trained on FACED's category
# labels only all carry the V-axis in their penultimate layer: a linear {term}`read-out` recovers each
# clip's V position, far more than for networks trained on shuffled labels or never trained.
#
# **What this chapter does.**
# 1. Trains the 36 classifiers on window-level DE features, subjects held out (the folds every later
#    chapter shares), with the stacked training engine; reports {term}`balanced accuracy` per architecture.
# 2. Reads the V-axis out of every network's representation of held-out subjects, tests the valence
#    ordering against all 9! assignments of the positions, and gives the controls the same test:
#    shuffled-label and untrained networks, the raw input features, and the same zoo trained on a
#    cohort without planted valence (where the count should fall towards zero).
# 3. Shows, for one network, its class means on its V read-out against chapter 1's positions.
#
# ```{important}
# By default the EEG is **simulated** (see [Data](../data)); its valence structure comes from human
# ratings of the category words. Here the chapter tests the method: does label-only training build
# a representation in which the valence ordering is linearly readable? Set `faced_dir` for real FACED.
# ```
#
# ## Prerequisites
#
# | Concept | Importance | Notes |
# | --- | --- | --- |
# | [Chapter 1](01_axis_construction) | Necessary | its result file gives the category positions |
# | [Chapter 3](03_eeg_mapping) | Helpful | the same read-out and exact permutation test, on raw features |
# | Neural-network classifiers, early stopping | Necessary | |
# | Ridge regression, permutation tests | Helpful | |
#
# **Time to run:** about eight minutes with the `quick` profile on 2 CPU cores.

# %% [markdown]
# ### For a workshop
#
# **You will learn to**
#
# - train a zoo of EEG classifiers on labels only and score them by balanced accuracy;
# - read the V-axis out of a network's representation and test it against all 9! assignments;
# - compare trained networks with shuffled-label and untrained controls.
#
# | | time |
# | --- | --- |
# | to run, `quick` profile (warm caches: after one run of the book) | about 2 min |
# | to run, `full` profile (from nothing) | about 5 min (293 s) |
# | to teach, exercises included | 65 min; exercises: 2 (25 min) |
#
# Times to run are the runner's records on 2 CPU cores (`results/<profile>/runs.json`). A laptop
# needs 2 cores, 8 GB of memory, the provisioned models (`make models`, about 7 GB of disk) and no
# network; see [Teaching](../teaching) for the set-up and what to vary live, and the
# [Glossary](../glossary) for the terms.

# %% [markdown]
# ## Parameters
#
# - `faced_dir`, `n_subjects`, `sim_seed`, `sim_knobs` -- data, as in chapter 3.
# - `architectures`, `seeds` -- the zoo (`vaxis.decoding.zoo`) and the seeds: one network per pair.
# - `n_splits`, `fold_seed`, `val_fraction` -- the shared leave-subjects-out folds (`vaxis.decoding.folds`) and
#   the share of training subjects used for early stopping.
# - `max_epochs`, `batch_size`, `lr`, `patience`, `window_stride` -- training (`vaxis.decoding.engine.TrainConfig`);
#   `window_stride=k` keeps every k-th 1-s window of each clip.
# - `n_control_seeds` -- seeds of the control networks (shuffled labels; untrained) per architecture.
# - `negative_control` -- also train the zoo on a simulated cohort without planted valence
#   (`valence_strength` 0, every other knob as in `sim_knobs`); ignored on real data.
# - `readout_splits`, `readout_alpha` -- the read-out's subject folds inside each held-out fold, its penalty.
# - `permutations` -- `"exact"` (all 9! assignments) or a number of random ones; `level` -- test level.
# - `profile`, `results_root` -- as in earlier chapters.

# %% tags=["parameters"]
profile = "quick"
faced_dir = None
n_subjects = 36
sim_seed = 0
sim_knobs = {}
architectures = ["logreg", "mlp", "dgcnn", "eegnet", "transformer", "gridcnn"]
seeds = [0, 1, 2, 3, 4, 5]
n_splits = 3
fold_seed = 0
val_fraction = 0.2
max_epochs = 6
batch_size = 256
lr = 0.003
patience = 2
window_stride = 5
n_control_seeds = 2
negative_control = True
readout_splits = 4
readout_alpha = 10.0
permutations = "exact"
level = 0.05
results_root = None

# %%
import numpy as np
import pandas as pd
import torch

from vaxis import io, plots, results
from vaxis.book import scorecard
from vaxis.decoding import engine, folds, rediscovery
from vaxis.eeg import cohort

torch.set_num_threads(2)
out_dir = io.results_dir(profile, results_root)

# %% [markdown]
# ## 1. Data, folds and targets
#
# Every 1-s window of every clip is one sample (its clip's category is its label); the network's
# trial-level output averages its windows. Folds hold whole subjects out; a fifth of each fold's
# training subjects only decide when to stop.

# %%
data = cohort("faced", faced_dir, n_subjects=n_subjects, seed=sim_seed, knobs=sim_knobs)
train_data = engine.TrainData.from_dataset(data)
fold_list = folds.subject_folds(data.subjects, n_splits=n_splits, seed=fold_seed, val_fraction=val_fraction)
config = engine.TrainConfig(max_epochs=max_epochs, batch_size=batch_size, lr=lr, patience=patience,
                            window_stride=window_stride)
v_positions = results.category_positions(out_dir)
true_categories = np.asarray(train_data.classes)[train_data.trial_label]
print(data)
print(f"{train_data.X.shape[0]} windows; folds (train/val/test subjects):",
      [(len(f.train), len(f.val), len(f.test)) for f in fold_list])

# %% [markdown]
# ## 2. Thirty-six classifiers, labels only
#
# The zoo: logistic regression, a multilayer perceptron, a DGCNN-style graph network over the
# electrodes {cite}`song2020dgcnn`, an EEGNet-style convolutional network {cite}`lawhern2018eegnet`,
# a small transformer over channels {cite}`vaswani2017attention` and a CNN on the 2-D scalp grid,
# trained with AdamW {cite}`loshchilov2019adamw` and early stopping.
# All seeds and folds of an architecture form one training job (`vaxis.decoding.engine`): the perceptrons
# (logistic regression, MLP) train at once as stacked replicas, and so do the convolutional, graph
# and attention networks (their replicas run as one batched network: grouped convolutions, batched
# matrix products), equal to training them one by one within round-off. Each finished
# network is cached, so a re-run (or chapters 5 and 6) reuses it.

# %% tags=["nbval-ignore-output", "remove-stderr"]
trained = engine.train(architectures, train_data, fold_list, seeds, config, desc="36 classifiers")

# %%
acc = rediscovery.accuracy_table(trained.table())
print(f"{len(trained.units)} networks x folds; chance = {1 / len(train_data.classes):.3f}")
acc.round(3)

# %%
fig = plots.accuracy_by_architecture(acc, trained.table(), chance=1 / len(train_data.classes), source=data.source)

# %% [markdown]
# ## 3. Controls: shuffled labels, no training, no network, no valence
#
# Shuffled-label networks see the same windows with each subject's clip labels permuted (so no
# category mapping is shared across subjects); untrained networks are the initial weights; the raw
# input features (each trial's DE averaged over its windows) are the representation with no network
# at all. The negative-control cohort is the same simulation with its valence topography switched
# off (`valence_strength` 0): the same 36 classifiers are trained on it.

# %% tags=["nbval-ignore-output", "remove-stderr"]
control_seeds = seeds[:n_control_seeds]
shuffled = engine.train(architectures, train_data.shuffled_labels(sim_seed), fold_list, control_seeds, config,
                        desc="shuffled-label controls")
untrained = engine.train(architectures, train_data, fold_list, control_seeds,
                         engine.TrainConfig(max_epochs=0, window_stride=window_stride), desc="untrained")
raw = rediscovery.raw_feature_units(train_data, fold_list)
flat_data = flat = None
if negative_control and faced_dir is None:  # the generator's cohort without valence: simulation only
    flat_data = engine.TrainData.from_dataset(cohort("faced", None, n_subjects=n_subjects, seed=sim_seed,
                                                     knobs={**sim_knobs, "valence_strength": 0.0}))
    flat = engine.train(architectures, flat_data, fold_list, seeds, config, desc="no-valence cohort")

# %%
ctrl_acc = pd.DataFrame({"shuffled labels": rediscovery.accuracy_table(shuffled.table()).balanced_accuracy,
                         "untrained": rediscovery.accuracy_table(untrained.table()).balanced_accuracy})
ctrl_acc.round(3)

# %% [markdown]
# ## 4. How much of the V-axis do the representations carry?
#
# For each network and held-out fold: a ridge {cite}`hoerl1970ridge` read-out from the penultimate representation of the
# held-out subjects' trials to their category's V position, cross-validated over those subjects
# (`vaxis.decoding.rediscovery`). The test replays the read-out for every assignment of the nine positions to
# the nine categories; every control gets the same read-out **and the same test**, and its count is
# corrected among the tests of its own kind.

# %% tags=["nbval-ignore-output"]
perms = rediscovery.assignments(len(train_data.classes), permutations, seed=sim_seed)
kw = dict(n_splits=readout_splits, alpha=readout_alpha)
fold_tab, networks = rediscovery.readout_results(trained, true_categories, v_positions, "trained", perms=perms, **kw)
ctrl = pd.concat([rediscovery.readout_results(r, true_categories, v_positions, k, perms=perms, **kw)[1]
                  for r, k in ((shuffled, "shuffled labels"), (untrained, "untrained"), (raw, "raw features"))])
if flat is not None:
    flat_cats = np.asarray(flat_data.classes)[flat_data.trial_label]
    ctrl = pd.concat([ctrl, rediscovery.readout_results(flat, flat_cats, v_positions, "no-valence cohort", perms=perms,
                                                        **kw)[1]])
count = rediscovery.count_rediscoveries(networks, ctrl[ctrl.kind.isin(["shuffled labels", "untrained"])], level=level)
counts = rediscovery.control_counts(pd.concat([networks, ctrl]), level=level)

# %%
print(f"test: {count['test']}; {perms.shape[0]} assignments; level {level}")
print(f"{count['n_rediscover']} of {count['n']} networks rediscover the V-axis (BH); {count['n_holm']} with Holm, "
      f"{count['n_uncorrected']} uncorrected; {count['n_beyond_controls']} rediscover and beat every control")
counts.round(3)

# %% [markdown]
# Each row is one kind of representation under the same exact test; `significant` counts its
# Benjamini-Hochberg discoveries among the tests of that kind. The tests of one kind are **correlated,
# not independent replications**: all of them read the same held-out subjects of one dataset through
# the same folds (the 36 trained networks share their data; their seeds differ). A count of 36 of 36
# therefore says that the result does not hinge on an architecture or a seed, not that it was
# replicated 36 times.

# %%
pd.concat([networks, ctrl]).groupby(["arch", "kind"], sort=False)["mean_r"].mean().unstack("kind").round(3)

# %%
fig = plots.rediscovery(pd.concat([networks, ctrl]), source=data.source)

# %%
count["table"].groupby("arch", sort=False).agg(
    mean_r=("mean_r", "mean"), max_p=("p", "max"), rediscover=("rediscovers", "sum"),
    basin_cos=("basin_cos", "mean")).round(3)

# %% [markdown]
# `basin_cos` is the cosine between the read-out direction and the span of the class means: near 1,
# the read-out uses only the between-class (label-driven) part of the representation. The cosine
# with the class means' own V direction (`cos_classmean`, kept in the result file) is not shown: it
# equals 1 whenever the units are uncorrelated with equal variance, so it is highest in untrained
# networks and measures the representation's covariance, not what training built
# (see `vaxis.decoding.rediscovery`).

# %% [markdown]
# ## 5. One network, its class means on its V read-out

# %%
example = trained.get("mlp" if "mlp" in architectures else architectures[0], seeds[0], 0)
proj = rediscovery.projection_table(example, true_categories, train_data.trial_subject, v_positions, **kw)
fig = plots.class_means_on_readout(proj, f"{example.arch}, seed {example.seed}, fold 0, held-out subjects",
                                   source=data.source)
print(f"Spearman rho (class means vs chapter 1 positions): "
      f"{proj['mean'].corr(proj.v_position, method='spearman'):.3f}")

# %% [markdown]
# ## 6. Results for later chapters

# %%
results.write_rediscovery(
    out_dir, profile=profile, dataset=data, architectures=architectures, seeds=seeds, config=config, accuracy=acc,
    folds={"n_splits": n_splits, "seed": fold_seed, "val_fraction": val_fraction, "folds": fold_list},
    count=count, controls=ctrl, per_fold=fold_tab, control_counts=counts,
    readout={"n_splits": readout_splits, "alpha": readout_alpha, "n_assignments": int(perms.shape[0])})
print("wrote", results.REDISCOVERY_JSON)

# %% [markdown]
# ## Summary

# %%
for arch, row in acc.iterrows():
    print(f"{arch:12s} balanced accuracy {row.balanced_accuracy:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}]")
for kind, row in counts.iterrows():
    print(f"{kind:18s} V read-out mean r {row.mean_r:.3f}; {int(row.significant)} of {int(row.n)} significant "
          f"(exact test, BH within the kind, level {level}; {int(row.uncorrected)} uncorrected)")
print(f"{count['n_beyond_controls']} of {count['n']} trained classifiers rediscover the V-axis and beat every "
      f"shuffled-label and untrained network of their architecture; {count['n_holm']} pass Holm. The {count['n']} "
      "tests share one dataset and its folds: correlated, not independent replications.")
scorecard.chapter_rows(out_dir, "04")

# %% [markdown]
# **What it means.** Networks that only ever saw category labels end up with representations in
# which a linear read-out orders held-out subjects' trials by the LLM's valence, and the test says
# whether this is the *valence ordering* rather than any ordering of separable classes. The exact
# p-value has a floor: swapping categories with nearly equal positions (the four negative ones
# among themselves, the four positive ones) changes the targets very little, so several hundred of
# the 9! assignments read out about as well as the true one. That is why the count uses the
# {term}`false-discovery-rate <Benjamini-Hochberg>` correction {cite}`benjamini1995fdr`; the family-wise {term}`Holm` count
# {cite}`holm1979` is printed for comparison.
#
# The count alone does not say the training *built* the axis: the controls answer that. Where the
# raw input features, or untrained networks (a random projection of them), also pass the test, the
# valence ordering was already linearly readable from the EEG (chapter 3), and label training kept
# it rather than created it; what training adds is then the gap in read-out strength (mean r), not
# the count. The no-valence cohort is the negative control of the whole pipeline: with no planted
# valence the count must fall towards zero, or the test is reading something else. On the simulated
# cohort all of this tests the method; only real FACED EEG can say it of people.
#
# **What's next.** Chapter 5 adds 25 alignment losses to the same training and asks whether
# pushing the networks towards the LLM still helps once the axis is already there.

# %% [markdown]
# ## Exercises
#
# Fill in each function (its body raises `NotImplementedError` until you do) and run the cell: a
# checker from `vaxis.exercises` says what is right or wrong. Solutions are behind the toggles (not
# in the student copy). Terms: [Glossary](../glossary).

# %%
from vaxis.exercises import check_balanced_accuracy, check_classmean_cosine

t = example.test_trials  # held-out trials of the example network's fold

# %% [markdown]
# ### Exercise 1: balanced accuracy (about 10 minutes)
#
# Every accuracy of this book is *balanced*: the mean over classes of the share of each class's
# trials predicted right, so a classifier that always says the most frequent class scores chance.
# Score the example network's held-out predictions.

# %% tags=["exercise", "raises-exception"]
def balanced_accuracy(y_true, y_pred):
    """y_true, y_pred: (n,) labels. Returns the mean over the classes of y_true of their recall."""
    raise NotImplementedError("Exercise: one recall per class, then their mean")


check_balanced_accuracy(balanced_accuracy, train_data.trial_label[t], example.proba[t].argmax(1))


# %% tags=["solution", "hide-cell"]
# Solution
def balanced_accuracy(y_true, y_pred):
    """y_true, y_pred: (n,) labels. Returns the mean over the classes of y_true of their recall."""
    return float(np.mean([np.mean(y_pred[y_true == k] == k) for k in np.unique(y_true)]))


check_balanced_accuracy(balanced_accuracy, train_data.trial_label[t], example.proba[t].argmax(1))

# %% [markdown]
# ### Exercise 2: does the read-out follow the class means? (about 15 minutes)
#
# For the example network: standardise its held-out representation `z`, fit the ridge read-out
# direction `w` to the trials' V positions, build the direction along which the class means are
# ordered by V, `d = sum_k n_k (v_k - vbar)(mu_k - mubar)` (equal to `Zs^T (y - ybar)`), and return
# their cosine. The checker compares with `rediscovery.fold_readout(...).cos_classmean`.

# %% tags=["exercise", "raises-exception"]
def classmean_cosine(z, categories, positions, alpha=readout_alpha):
    """Return cos(ridge read-out direction, class-mean V direction) for representation z."""
    raise NotImplementedError("Exercise: standardise z, fit the ridge direction, build d, take the cosine")


check_classmean_cosine(classmean_cosine, example.z[t], true_categories[t], train_data.trial_subject[t],
                       v_positions, readout_alpha, readout_splits)


# %% tags=["solution", "hide-cell"]
# Solution
def classmean_cosine(z, categories, positions, alpha=readout_alpha):
    """Return cos(ridge read-out direction, class-mean V direction) for representation z."""
    zs = (z - z.mean(0)) / np.where(z.std(0) > 1e-8, z.std(0), np.inf)
    y = np.array([positions[c] for c in categories])
    w = np.linalg.solve(zs.T @ zs + alpha * np.eye(zs.shape[1]), zs.T @ (y - y.mean()))
    d = zs.T @ (y - y.mean())  # = sum_k n_k (v_k - vbar) mu_k: the class means' V direction
    return float(w @ d / np.linalg.norm(w) / np.linalg.norm(d))


check_classmean_cosine(classmean_cosine, example.z[t], true_categories[t], train_data.trial_subject[t],
                       v_positions, readout_alpha, readout_splits)

# %% [markdown]
# ### To discuss
#
# How sensitive is the count of rediscoveries to the read-out's penalty? Re-run the chapter with
# `readout_alpha` 1 and 100 (`-p readout_alpha=1`, a few minutes each): which numbers move, and why
# does the test's conclusion hold or not?
