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
# # 4. Do classifiers trained on labels alone carry the V-axis?
#
# ## Overview
#
# **Question.** EEG classifiers are trained to tell nine emotion categories apart, with no word
# about valence. Do their hidden representations nevertheless carry the language model's V-axis,
# in people they have never seen?
#
# **What the study claims.** 36 classifiers (6 architectures x 6 seeds) trained on FACED's category
# labels only all carry the V-axis in their penultimate layer: a linear {term}`read-out` recovers each
# clip's V position, far more than for networks trained on shuffled labels or never trained. The
# claim is therefore a *gap*: trained networks carry more of the axis than networks that were never
# trained, were trained on shuffled labels, or than the input features themselves.
#
# **What this chapter does.**
# 1. Trains the 36 classifiers on window-level DE features, subjects held out (the folds every later
#    chapter shares), with the stacked training engine; reports {term}`balanced accuracy` per architecture.
# 2. Reads the V-axis out of every network's representation of held-out subjects, tests the valence
#    ordering against all 9! assignments of the positions, and gives the controls the same test:
#    shuffled-label and untrained networks, the raw input features, and the same zoo trained on a
#    cohort without planted valence (where the count should fall towards zero).
# 3. Measures the claim itself: the gap in read-out strength of the trained networks over each
#    control, per held-out subject, with an interval that resamples the folds whose networks the
#    subjects share (the count of networks that pass the test stands beside it).
# 4. Shows, for one network, its class means on its V read-out against chapter 1's positions.
# 5. Asks whether the networks carry valence or the clips {cite}`gerster2026stimulus`: networks
#    trained without some clips, read out on the clips they never saw; networks trained on what each
#    participant *felt* instead of the clips' categories; concordant against discordant trials.
#
# ```{important}
# By default the EEG is **simulated** (see [Data](../data)); its valence structure comes from the
# FACED participants' own ratings of each clip. Here the chapter tests the method: does label-only training build
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
# - `clip_architectures`, `clip_seeds`, `clip_rotations`, `felt_rule` -- section 6: the networks trained
#   without the held-out clips (`vaxis.decoding.folds.ClipSubjectSplit`, one rotation per subject fold)
#   and on the participants' felt categories (`vaxis.eeg.ratings.felt_categories`, rule `"book"` or
#   `"gerster2026"`); `n_boot` -- bootstrap over subjects.
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
clip_architectures = ["logreg", "mlp", "eegnet"]
clip_seeds = [0, 1]
clip_rotations = 3
felt_rule = "book"
n_boot = 2000
results_root = None

# %%
import numpy as np
import pandas as pd
import torch

from vaxis import io, plots, results
from vaxis.book import scorecard
from vaxis.decoding import alternatives, clip_identity, engine, folds, rediscovery
from vaxis.eeg import cohort, ratings

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
# All six read the same input, each window's DE in five bands at every electrode, and all are small
# (1-19 thousand parameters, so that 36 networks and their controls train on two CPU cores). Where
# the field has a reference implementation, a test copies our weights into it and gets the same
# outputs within 4e-6 (`tests/test_zoo_reference.py`; the DGCNN and TorchEEG checks need libraries
# that do not install beside the book's pinned versions and were run apart). Each model's docstring
# in `vaxis.decoding.zoo` gives the details:
#
# | ours | the field's | the same function once | ours differs, and why |
# | --- | --- | --- | --- |
# | EEGNet | braindecode's `EEGNet` {cite}`schirrmeister2017braindecode` | the bands take the place of time; its batch norms are the identity, its pools and dropout removed | no batch norm or dropout: the training engine runs replicas as pure functions of their weights; no pooling: five bands would pool away; one dense layer where EEGNet has a separable convolution, which on five bands is a special case of it |
# | DGCNN | braindecode's and TorchEEG's {cite}`torcheeg` `DGCNN` | the learned graph is symmetric and the weights are re-expressed in their polynomial basis | the Chebyshev terms are taken at the rescaled Laplacian, as in the DGCNN paper (eigenvalues in [-1, 1]); the graph is undirected; 8 features per electrode instead of 32-64 |
# | transformer | PyTorch's pre-norm encoder layer; TorchEEG's `VanillaTransformer` with one token per electrode | always; its attention without biases | the electrode tokens are concatenated, not averaged: which electrode said what is the signal |
# | grid CNN | none: TorchEEG's CCNN {cite}`yang2018ccnn` has four larger convolutions and 6.2 million parameters | -- | two 3x3 convolutions (16 thousand parameters); SEED-V's 9 x 9 grid for both datasets |
# | MLP, logistic regression | scikit-learn's {cite}`pedregosa2011sklearn` | always | trained by the same engine as the others |
#
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
if negative_control and data.source.startswith("simulated"):
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
ctrl_runs = [rediscovery.readout_results(r, true_categories, v_positions, k, perms=perms, **kw)
             for r, k in ((shuffled, "shuffled labels"), (untrained, "untrained"), (raw, "raw features"))]
ctrl = pd.concat([networks_of_kind for _, networks_of_kind in ctrl_runs])
gap = rediscovery.gap_over_controls(pd.concat([fold_tab, *(folds_of_kind for folds_of_kind, _ in ctrl_runs)]),
                                    n_boot=n_boot, seed=sim_seed)
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

# %% [markdown]
# ### The claim: what training adds over the controls
#
# Passing the permutation test is not the study's claim: untrained networks and the raw input
# features pass it too when the valence ordering is already linearly readable from the EEG
# (chapter 3). The claim is the gap. For every held-out subject, the read-out r of the trained
# networks (mean over architectures and seeds) minus that of each control's networks; its mean over
# subjects, with a 95% interval and a two-sided p from a bootstrap that resamples the outer folds
# (whose networks their subjects share) and then the subjects within them
# (`vaxis.decoding.rediscovery.gap_over_controls`, `vaxis.stats.hierarchical_mean`).

# %%
gap[["gap", "low", "high", "p", "n_subjects", "n_folds", "reference_r", "control_r"]].round(3)

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
# ## 6. Valence or the clip?
#
# Every participant watched the same 28 clips, so the networks above met the same clips in training
# and in test (other people). If the EEG carries each clip's own signature -- what that film does to
# the brain whatever its emotion -- a network can learn clips and still be scored as learning
# categories {cite}`gerster2026stimulus`; the simulated cohort is calibrated to that finding (see
# [Data](../data)). Three checks, on `clip_architectures` x `clip_seeds` networks (the chapter's own
# networks are the clip-label ones of the second check):
#
# 1. **Clips held out.** Each subject fold trains without one clip of every category (a rotation of
#    `vaxis.decoding.folds.ClipSubjectSplit`: two clips of each category, three of the four neutral
#    ones, are kept). The V read-out is then fitted on the held-out subjects' trials of the clips the
#    network saw and scored on the clips it never saw -- neither the network nor the read-out saw
#    those -- and, for comparison, on the clips it saw. Same exact test as section 4; the raw input
#    features get the same read-out, and so do two targets that need no LLM: the negative / neutral /
#    positive split and the FACED participants' mean valence of each category (real ratings).

# %% tags=["nbval-ignore-output", "remove-stderr"]
clip_split = folds.clip_subject_split(data.subjects, data.clip_category, n_splits=n_splits, seed=fold_seed,
                                      val_fraction=val_fraction, n_rotations=clip_rotations, crossed=False)
held = engine.train(clip_architectures, train_data, clip_split.units(), clip_seeds, config,
                    desc="trained without the held-out clips")
raw_held = rediscovery.raw_feature_units(train_data, clip_split.units())
clip_targets = {"V-axis (LLM)": v_positions, "ternary split": alternatives.ternary_split(train_data.classes),
                "participants' valence": ratings.category_ratings()["valence"].to_dict()}
clip_readout = pd.concat([
    rediscovery.readout_results(r, true_categories, pos, k, perms=perms, score_clips=ev, **kw)[1].assign(
        evaluation=ev, target=name) for name, pos in clip_targets.items()
    for r, k in ((held, "trained"), (raw_held, "raw features")) for ev in clip_identity.EVALUATIONS])

# %%
print("held-out clips' balanced accuracy (chance {:.3f}):".format(1 / len(train_data.classes)),
      rediscovery.accuracy_table(held.table()).balanced_accuracy.round(3).to_dict())
clip_identity.readout_table(clip_readout, level=level).round(3)

# %%
fig = plots.clip_holdout_readout(clip_readout[clip_readout.target == "V-axis (LLM)"], level=level, source=data.source)

# %% [markdown]
# 2. **What the participants felt.** The same architectures and seeds trained, on the chapter's
#    folds, on each participant's *felt* category of each clip instead of the clip's category (from
#    their own FACED ratings: the highest-rated emotion item, neutral when none is felt; `felt_rule`,
#    see `vaxis.eeg.ratings.felt_categories`), each scored against both kinds of label. If the EEG
#    followed feelings, felt labels would be the easier target.
# 3. **Concordant against discordant trials.** The chapter's clip-label networks, scored on the
#    emotional trials whose felt category was the clip's and on those where it was not: if the EEG
#    followed feelings, discordant trials would be decoded worse.

# %% tags=["nbval-ignore-output", "remove-stderr"]
felt = clip_identity.felt_labels(data, train_data.classes, rule=felt_rule)
felt_trained = engine.train(clip_architectures, train_data.with_trial_labels(felt), fold_list, clip_seeds, config,
                            desc="trained on felt labels")
label_tab = clip_identity.label_table(clip_identity.subset(trained, clip_architectures, clip_seeds), felt_trained,
                                      train_data.trial_label, felt, n_boot=n_boot, seed=sim_seed)
concord_tab = clip_identity.concordance_table(trained, clip_identity.trial_concordance(data, felt_rule),
                                              n_boot=n_boot, seed=sim_seed)

# %%
print(f"felt category = clip category on {np.mean(felt == train_data.trial_label):.1%} of the trials")
display(label_tab.round(3))
concord_tab.round(3)

# %% [markdown]
# On the simulated cohort the EEG follows the clips, not the feelings (the generator's `felt_emotion`
# and `label_noise` are 0): felt labels agree with the clips' categories on most trials, which is all
# the felt-label networks can use, and concordant and discordant trials decode alike. On real FACED,
# Gerster et al. found the same pattern (26.8% with felt labels against 39.4%; 33.9% concordant
# against 36.0% discordant).

# %% [markdown]
# ## 7. Results for later chapters

# %%
results.write_rediscovery(
    out_dir, profile=profile, dataset=data, architectures=architectures,
    data={"faced_dir": faced_dir, "n_subjects": n_subjects, "seed": sim_seed, "knobs": sim_knobs}, seeds=seeds, config=config, accuracy=acc,
    folds={"n_splits": n_splits, "seed": fold_seed, "val_fraction": val_fraction, "folds": fold_list},
    count=count, controls=ctrl, per_fold=fold_tab, control_counts=counts, gap=gap,
    readout={"n_splits": readout_splits, "alpha": readout_alpha, "n_assignments": int(perms.shape[0])})
results.write_clip_identity(out_dir, "04", profile=profile, source=data.source, split=clip_split,
                            tables={"readout": clip_readout, "labels": label_tab, "concordance": concord_tab},
                            setup=clip_identity.HeldOutSetup(clip_architectures, clip_seeds, clip_rotations).as_dict())
print("wrote", results.REDISCOVERY_JSON, "and", results.CLIP_IDENTITY_JSON["04"])

# %% [markdown]
# ## Summary

# %%
for arch, row in acc.iterrows():
    print(f"{arch:12s} balanced accuracy {row.balanced_accuracy:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}]")
for kind, row in counts.iterrows():
    print(f"{kind:18s} V read-out mean r {row.mean_r:.3f}; {int(row.significant)} of {int(row.n)} significant "
          f"(exact test, BH within the kind, level {level}; {int(row.uncorrected)} uncorrected)")
for kind, g in gap.iterrows():
    print(f"trained minus {kind:16s} read-out r {g.gap:+.3f} [{g.low:+.3f}, {g.high:+.3f}], p = {g.p:.3f} "
          f"({g.n_subjects} held-out subjects in {g.n_folds} folds)")
print(f"Beside it, the count: {count['n_rediscover']} of {count['n']} trained networks pass the exact test (BH), "
      f"{count['n_holm']} with Holm; the {count['n']} tests share one dataset and its folds.")

# %%
ro = clip_readout[clip_readout.target == "V-axis (LLM)"].groupby(["kind", "evaluation"], sort=False)["mean_r"].mean()
print(f"Clips held out ({len(clip_architectures) * len(clip_seeds)} networks): V read-out mean r {ro[('trained', 'same clips')]:.3f} on "
      f"the clips they trained on, {ro[('trained', 'held-out clips')]:.3f} on clips they never saw; raw features "
      f"{ro[('raw features', 'same clips')]:.3f} and {ro[('raw features', 'held-out clips')]:.3f}.")
lt, cd = label_tab.balanced_accuracy, concord_tab.loc["concordant minus discordant"]
print(f"Trained and scored on clip categories {lt[('clip categories', 'clip categories')]:.3f}, on felt categories "
      f"{lt[('felt categories', 'felt categories')]:.3f}; concordant minus discordant {cd.balanced_accuracy:.3f} "
      f"[{cd.low:.3f}, {cd.high:.3f}] (Wilcoxon p {cd.p:.3g}).")
scorecard.chapter_rows(out_dir, "04")

# %%
print("In words:", rediscovery.gap_in_words(gap))

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
# Section 6 asks what the count cannot: whether the direction is carried by what clips of a valence
# share or by the clips themselves. A read-out that keeps its r on clips the network never saw reads
# something the clips of a category share; one that collapses there read the clips.
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
