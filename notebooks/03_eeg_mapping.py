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
# # 3. Mapping EEG onto the V-axis
#
# ## Overview
#
# **Question.** While people watch emotional film clips, does one linear read-out of their EEG
# place each clip where the language model's V-axis places the clip's emotion category, in people
# the map has never seen?
#
# **What the study claims.** On FACED (123 subjects, 28 clips, 32 recorded channels), a single linear
# projection of {term}`differential-entropy <differential entropy>` features tracks the V-axis position of each clip under
# {term}`leave-subjects-out` validation, far beyond a permutation null.
#
# **What this chapter does.**
# 1. Takes DE features of every subject and clip (window-averaged, z-scored within subject) and the
#    V-axis position of each category from chapter 1.
# 2. Fits one {term}`ridge map`, penalty chosen inside the training subjects, and scores each held-out
#    subject by the correlation of predicted and LLM positions; tests it against **all** 9! = 362,880
#    category-to-position assignments.
# 3. Repeats the map for the valence FACED's own participants gave each clip (28 values, real data)
#    and for random directions of the LLM's hidden space, and draws the map's weights on the scalp.
# 4. Asks whether the LLM adds anything beyond negative / neutral / positive: the same folds for
#    nine-value targets that need no LLM, paired differences over held-out subjects, and a null that
#    keeps the split and shuffles only within each side.
# 5. Asks whether the map tracks valence or the clips: every participant watched the same 28 clips,
#    so a map fitted and tested on the same clips can score from each clip's own EEG signature
#    {cite}`gerster2026stimulus`. The same maps are scored on clips they never saw, and on each
#    participant's own rating of each clip.
#
# ```{important}
# By default the EEG is **simulated** (see [Data](../data)): a FACED-shaped cohort whose latent model
# contains a valence topography scaled by the valence FACED's *participants* gave each clip (their
# real ratings; no language model is involved). So here the chapter tests the method and measures how
# well the LLM's ordering matches that human-rated structure; it is not evidence about brains. Set
# `faced_dir` to run it on the real FACED release.
# ```
#
# ## Prerequisites
#
# | Concept | Importance | Notes |
# | --- | --- | --- |
# | [Chapter 1](01_axis_construction) | Necessary | its result file gives the category positions |
# | Ridge regression, grouped cross-validation | Necessary | |
# | Differential entropy of EEG bands | Helpful | [Data](../data) |
#
# **Time to run:** about a minute with the `quick` profile on 2 CPU cores.

# %% [markdown]
# ### For a workshop
#
# **You will learn to**
#
# - build leave-subjects-out folds and say why no person may be on both sides;
# - score a ridge map from EEG features by the mean per-subject correlation, against an exact null;
# - read a map's weights on the scalp, and test a band or a control target.
#
# | | time |
# | --- | --- |
# | to run, `quick` profile (warm caches: after one run of the book) | about a minute |
# | to run, `full` profile (from nothing) | about 1 min (71 s) |
# | to teach, exercises included | 70 min; exercises: 3 (30 min) |
#
# Times to run are the runner's records on 2 CPU cores (`results/<profile>/runs.json`). A laptop
# needs 2 cores, 8 GB of memory, the provisioned models (`make models`, about 7 GB of disk) and no
# network; see [Teaching](../teaching) for the set-up and what to vary live, and the
# [Glossary](../glossary) for the terms.

# %% [markdown]
# ## Parameters
#
# - `faced_dir` -- `None` for the {term}`simulated cohort`, or the root of a FACED release (its
#   `Data/subNNN/After_remarks.mat` ratings are read when present, else the same participants'
#   ratings shipped with `vaxis`).
# - `reference_channels` -- `False` (default): the 30 scalp channels, as in every chapter; `True`
#   keeps the released files' two reference/auxiliary rows (A2, A1) as model inputs too.
# - `n_subjects`, `sim_seed`, `sim_knobs` -- cohort size, simulation seed, knob overrides (dict).
# - `n_splits`, `inner_splits` -- outer folds (subjects held out) and inner folds choosing the penalty.
# - `permutations` -- `"exact"` (all 9! assignments) or a number of random assignments.
# - `n_random_directions` -- random directions in the LLM's hidden space for the control.
# - `clip_rotations`, `clip_permutations` -- clips held out (section 5): rotations of one clip per
#   category (`vaxis.decoding.folds.clip_holdouts`) and the permutations of their nulls (`"exact"` or
#   a number of random assignments).
# - `sweep_knobs`, `sweep_subjects` -- the calibration sweep of the simulation (`None`: every knob);
#   ignored on real data.
# - `n_boot`, `seed`, `profile`, `results_root` -- as in earlier chapters.

# %% tags=["parameters"]
from typing import Optional, Union  # parameter types, checked by the runner

profile = "quick"
faced_dir: Optional[str] = None
reference_channels = False
n_subjects = 40
sim_seed = 0
sim_knobs = {}
n_splits = 5
inner_splits = 3
permutations: Union[str, int] = "exact"
n_random_directions = 200
clip_rotations = 3
clip_permutations: Union[str, int] = 10000
sweep_knobs: Optional[dict] = {"valence_strength": [0.0, 0.2], "clip_identity": [0.0, 0.4]}
sweep_subjects = 20
n_boot = 2000
seed = 0
results_root: Optional[str] = None

# %%
import numpy as np
import pandas as pd
import torch

from vaxis import io, plots, results, stats
from vaxis.book import scorecard
from vaxis.decoding import alternatives, calibration, clip_identity, folds, mapping, recovery
from vaxis.eeg import cohort, ratings

torch.set_num_threads(2)
out_dir = io.results_dir(profile, results_root)

# %% [markdown]
# ## 1. EEG features and V-axis targets

# %%
data = cohort("faced", faced_dir, n_subjects=n_subjects, seed=sim_seed, knobs=sim_knobs,
              reference_channels=reference_channels)
print(data)
print("simulated" if data.source.startswith("simulated") else "REAL DATA", "| rating source:", data.rating_source)

# %%
v_positions = results.category_positions(out_dir)
human = mapping.human_valence_positions(data)
norms = dict(zip(data.categories, ratings.category_norms(data.categories)[0]))
targets = pd.DataFrame({"V-axis (LLM)": v_positions, "human valence (data)": human,
                        "word norms": norms}).loc[data.categories]
rho_targets = stats.spearman(targets.iloc[:, 0].to_numpy(), targets.iloc[:, 1].to_numpy())
print(f"Spearman rho between the LLM's category positions and the data's human valence: {rho_targets:.3f}")
targets.round(2).T

# %% [markdown]
# ### The participants' own ratings of the clips
#
# Real data, whatever the EEG: every FACED participant rated every clip on a 0-7 scale. Each point is
# a clip (its mean over the 123 participants), bars one standard deviation across participants:
# people differ a lot in how they rate one clip, yet the clip means are very stable, as the
# split-half reliability (random halves of the participants, Spearman-Brown) shows. The simulated
# cohort takes its clip valence and arousal from these means; the control of section 3 uses them.

# %%
fig = plots.clip_ratings(ratings.clip_ratings(), source=plots.PARTICIPANTS_SOURCE)

# %%
reliability = ratings.reliability(n_splits=1000, seed=seed)
reliability.round(3)

# %% [markdown]
# ## 2. One linear map, subjects held out, exact permutation test
#
# Folds, penalties and the algebra of the exact null are shared by the map and its controls.

# %% tags=["nbval-ignore-output"]
X, cats, subjects = data.trial_features(normalize="subject")
lmap = mapping.LinearMapCV(n_splits=n_splits, inner_splits=inner_splits).fit(X, cats, subjects)
vmap = mapping.cross_validate_map(None, v_positions, permutations=permutations, n_boot=n_boot,
                                  seed=seed, fitted=lmap)

# %%
print(f"held-out subjects: {len(vmap.per_subject)}; mean per-subject r = {vmap.ci} (95% bootstrap CI)")
print(f"pooled r = {vmap.pooled_r:.3f}; permutation p = {vmap.p_value:.2e} "
      f"({vmap.permutation_kind}, {vmap.n_permutations} assignments, penalty re-chosen under the null)")

# %%
fig = plots.map_summary(vmap, source=data.source)

# %% [markdown]
# ## 3. Controls: the participants' ratings of each clip, and random directions of the LLM's space
#
# The human control needs no LLM: the same ridge map (same folds, penalty chosen the same way) to
# each clip's mean valence as the participants rated it, 28 values instead of 9 category positions,
# so the map may also follow differences between clips of one category. Its null permutes the 28
# clip values (a random sample of orderings, 10,000 unless `permutations` says otherwise: 28! cannot
# be enumerated).

# %% tags=["nbval-ignore-output"]
hmap = mapping.cross_validate_map((X, data.trial_clips(), subjects), data.clip_ratings("valence"),
                                  n_splits=n_splits, inner_splits=inner_splits, permutations=permutations,
                                  n_boot=n_boot, seed=seed)
random_r = lmap.mean_r(*mapping.random_direction_positions(results.category_vectors(out_dir), n_random_directions, seed))

# %%
controls = pd.DataFrame({
    "mean r": [vmap.mean_r, hmap.mean_r, np.median(random_r)],
    "CI low": [vmap.ci.low, hmap.ci.low, np.percentile(random_r, 2.5)],
    "CI high": [vmap.ci.high, hmap.ci.high, np.percentile(random_r, 97.5)],
    "p": [vmap.p_value, hmap.p_value, np.nan],
}, index=["V-axis (LLM)", "participants' clip valence", f"random LLM directions (median, 95% range, n={n_random_directions})"])
share = stats.share_at_least(random_r, vmap.mean_r)
print(f"share of random LLM directions mapped at least as well as the V-axis: {share:.3f}")
controls.round(4)

# %% [markdown]
# ### Is it the LLM, or just negative vs positive?
#
# The LLM's nine positions are close to the plain split negative = -1, neutral = 0, positive = +1,
# which needs no language model. So the V-axis map is compared, **on the same folds with the penalty
# chosen the same way**, with nine-value targets that need no LLM (`vaxis.decoding.alternatives`):
# the ternary split; the FACED participants' mean valence and arousal of each category's clips (real
# ratings); and, in each outer fold, the first principal component of the *training* subjects' EEG
# class means (the order the EEG itself spreads the categories along, found without the held-out
# subjects). Each target's r is a per-subject number, so the LLM minus each alternative is a paired
# difference over held-out subjects, with a subject bootstrap interval and a Wilcoxon p
# {cite}`wilcoxon1945`. Last, a null that keeps the split: the 4! x 4! = 576 orderings that shuffle
# the LLM's positions only *within* the negative and the positive side. If the LLM's order inside
# the sides adds nothing, the true order is an ordinary member of that null.

# %%
participants = ratings.category_ratings()
alt_targets = {"V-axis (LLM)": v_positions, "ternary split": alternatives.ternary_split(data.categories),
               "participants' valence": participants["valence"].to_dict(),
               "participants' arousal": participants["arousal"].to_dict(), alternatives.PC1: alternatives.class_mean_pc1(lmap)}
alt_table, alt_subjects = alternatives.compare_targets(lmap, alt_targets, "V-axis (LLM)", n_boot=n_boot, seed=seed)
within = alternatives.within_side_null(lmap, v_positions)
split_rho = stats.spearman(targets.iloc[:, 0].to_numpy(), np.array([alternatives.side(c) for c in targets.index]))
print(f"rho(LLM positions, ternary split) = {split_rho:.3f}")
alt_table[["mean_r", "low", "high", "diff", "diff_low", "diff_high", "p_wilcoxon"]].astype(float).round(3)

# %%
fig = plots.target_comparison(alt_table, alt_subjects, data.source)
best = alt_table.index[alt_table.best.astype(bool)][0]
print(f"EEG tracks best: {best} (mean r {alt_table.loc[best, 'mean_r']:.3f}). Within-side null: the LLM's order "
      f"inside the sides ranks {within['rank']} of {within['n']} orderings, p = {within['p']:.3f}.")

# %% [markdown]
# `diff` is the V-axis's mean r minus the target's, over the same held-out subjects (an interval
# below zero: the alternative is tracked better; containing zero: the data cannot tell them apart,
# which is not a demonstration that they are equal). The random-direction control above stays as what
# it is: a check that an *arbitrary* direction of the LLM's space does worse, not a test of whether
# the LLM adds anything beyond the split.

# %% [markdown]
# ## 4. Where on the scalp: the map's weights, and the truth where it is known
#
# A simulated cohort knows its truth: the valence pattern the simulator planted in every subject's
# differential entropy (`data.planted_valence`, channels x bands; no decoder reads it). The map's
# weights (mean over the outer folds) are compared with it by their spatial correlation over the
# channel x band features, with a bootstrap interval over the outer folds (coarse: few folds) and a
# null: the same correlation for maps to relabelled categories (positions shuffled among the nine
# categories, penalty re-chosen as for the real map; 1,000 assignments). The weights are a decoder's
# filter, not the forward pattern {cite}`haufe2014weights`: where channel noise is correlated, even
# a perfect map's weights differ from the planted pattern, so the correlation stays below 1. On real
# recordings the truth is unknown, the planted row is absent and only the weights are drawn.

# %%
planted = recovery.planted_recovery(lmap, v_positions, data.planted_valence, n_boot=n_boot, seed=seed)
if planted is None:
    print(f"{data.source}: real recordings, the true valence pattern is unknown; only the weights are shown.")
else:
    print(f"spatial correlation, planted valence pattern vs map weights (mean over {planted.estimate.n} folds): "
          f"{planted.estimate} (95% bootstrap over folds); per fold {planted.per_fold.min():.3f} to "
          f"{planted.per_fold.max():.3f}; relabelled-category null: median {np.median(planted.null):.3f}, "
          f"95th percentile {np.percentile(planted.null, 95):.3f}, p = {planted.p_value:.4f} ({planted.null.size} maps)")

# %%
fig = plots.weight_topomaps(vmap.weights, data.channels, data.band_names, source=data.source,
                            title="EEG-to-V-axis map weights (mean over outer folds)",
                            planted=data.planted_valence, agreement=None if planted is None else planted.estimate)

# %% [markdown]
# Positive weights (red) raise the predicted position (more positive valence). On simulated data
# the top row is the planted valence topography and the bottom row the map's weights, each divided
# by its largest absolute value; on FACED, only the weights, whose true pattern no one knows.

# %% [markdown]
# ## 5. Valence or the clip? The same maps on clips they never saw
#
# All 123 FACED participants watched the same 28 clips, and so far the map was fitted and scored on
# the same clips (other people). If the EEG carries what each clip does to the brain whatever its
# emotion -- its pictures, sounds and story, its *identity* -- a map can score from that alone:
# Gerster et al. {cite}`gerster2026stimulus` found that cross-subject classifiers on FACED largely
# decode which clip was shown (one clip per category decodes better than three). The simulated cohort
# is calibrated to their finding (`clip_identity`, see [Data](../data)).
#
# So the clips are held out as well as the subjects (`vaxis.decoding.folds.ClipSubjectSplit`): each
# rotation trains on two clips of every category (three of the four neutral ones) and holds out the
# third; every subject fold meets every rotation, and the held-out subjects are scored on the clips
# the map never saw (`held-out clips`) and, **by the same fitted maps**, on the clips it trained on
# (`same clips`). The gap between the two is paired over subjects. Targets as in section 3, plus the
# participants' mean valence of each clip (28 values); nulls permute the positions among the
# categories (or clips) with the penalty re-chosen (`vaxis.decoding.clip_identity`).

# %% tags=["nbval-ignore-output"]
clip_split = folds.clip_subject_split(data.subjects, data.clip_category, n_splits=n_splits, seed=seed,
                                      val_fraction=0.0, n_rotations=clip_rotations)
clip_maps = clip_identity.fit_clip_maps(data, clip_split, inner_splits=inner_splits)
clip_targets = {"V-axis (LLM)": v_positions, "ternary split": alternatives.ternary_split(data.categories),
                "participants' valence": participants["valence"].to_dict()}
clip_table, clip_subjects = clip_identity.map_table(
    clip_maps, clip_targets, {"participants' clip valence": data.clip_ratings("valence")},
    permutations=clip_permutations, n_boot=n_boot, seed=seed)
own_table = clip_identity.own_valence_table(data, clip_split, inner_splits=inner_splits, n_boot=n_boot, seed=seed)

# %%
print(f"{len(clip_split.pairs())} units: {n_splits} subject folds x {clip_rotations} clip rotations; held out "
      f"per rotation: {[len(h.held_out) for h in clip_split.holdouts]} clips, never held out: "
      f"{sorted(set(range(data.n_clips)) - {c for h in clip_split.holdouts for c in h.held_out})}")
clip_table[["same_r", "same_low", "same_high", "held_r", "held_low", "held_high", "gap", "gap_low", "gap_high",
            "p_same", "p_held", "vs_reference", "vs_low", "vs_high"]].astype(float).round(3)

# %%
fig = plots.clip_holdout_map(clip_table, clip_subjects, source=data.source)

# %% [markdown]
# `gap` is the same-clips r minus the held-out-clips r of the same subjects under the same maps: the
# part of the score that does not carry over to a new clip. `vs_reference` is the V-axis minus each
# target on held-out clips (paired over subjects).
#
# ### Each participant's own rating, and what no clip mean can carry
#
# The targets so far give every participant the same value for a clip. Every FACED participant also
# rated every clip themself (real data): the same maps fitted to each training subject's **own**
# valence rating, scored on the held-out subjects' own ratings (`own_r`). People differ about a clip
# (section 1), and that difference is what no clip identity can carry, since every subject sees the
# same clip: `deviation_r` correlates the held-out predictions with each participant's deviation from
# the other participants' mean rating of the clip, against a null that gives every held-out subject
# another held-out subject's deviations. On the simulated cohort the EEG does not follow individual
# feelings (the generator's `felt_emotion` is 0), so `deviation_r` should sit near 0 there.

# %%
own_table.round(3)

# %% [markdown]
# ### What a map fitted on the same clips can and cannot show
#
# It **can** show that the EEG orders clips as their valence does, in people the map never saw; and
# its exact permutation test already says something about clip identity: signatures that have
# nothing to do with valence read out every assignment of the positions equally well, so they raise
# the null with the observed r. It **cannot** tell a valence code -- a pattern shared by the clips of
# a valence, which a map would find in a new clip -- from clip signatures that line up with the
# positions of the few clips of one experiment; with 28 clips and 150 features a ridge map can give
# every clip almost any position. Only clips held out can: a map that keeps its r on clips it never
# saw reads something the clips of a category share. Even then it cannot separate valence from
# stimulus features that vary with valence across *all* films (brighter, faster, with music): that
# needs other stimuli, not other analyses. And it says nothing about what each person felt; the
# deviation test above does.

# %% [markdown]
# ## 6. How the simulated cohort's knobs move these numbers
#
# One knob at a time, the others at their defaults: the label-only 9-class balanced accuracy
# (logistic regression, subjects held out) and the EEG-to-human-valence map's mean r. The defaults
# were set so that the accuracy of the whole default cohort (123 subjects) lies where published
# subject-independent results on real FACED lie, 0.36-0.45 (see [Data](../data)); it is computed
# first. The sweep runs on `sweep_subjects` subjects only, so its accuracies are lower: with fewer
# subjects, each fold's classifier learns from fewer people.

# %%
if data.source.startswith("simulated"):
    full_cohort = cohort("faced", None, n_subjects=123, seed=sim_seed, knobs=sim_knobs)
    print(f"label-only balanced accuracy of the simulated cohort, all 123 subjects: "
          f"{calibration.label_only_accuracy(full_cohort):.3f} (calibration target 0.36-0.45; chance 0.111)")

# %% tags=["nbval-ignore-output", "remove-stderr"]
sweep = None
if data.source.startswith("simulated"):
    sweep = calibration.knob_sweep(knobs=sweep_knobs, n_subjects=sweep_subjects, seeds=(sim_seed,))

# %%
if sweep is not None:
    table = sweep.pivot_table(index=["knob", "value"], values=["balanced_accuracy", "valence_r"]).round(3)
    display(table)

# %% [markdown]
# ## 7. Results for later chapters

# %%
results.write_mapping(out_dir, profile=profile, dataset=data, v_map=vmap, human_map=hmap, random_r=random_r,
                      targets_rho=rho_targets)
results.write_alternatives(out_dir, profile=profile, source=data.source, table=alt_table, within_side=within,
                           reference="V-axis (LLM)")
clip_summary = clip_identity.summary(clip_table, own_table, data.source, data.meta)
results.write_clip_identity(out_dir, "03", profile=profile, source=data.source, split=clip_split,
                            tables={"maps": clip_table, "own_rating": own_table}, summary=clip_summary)
print("wrote", results.MAPPING_JSON, results.ALTERNATIVES_JSON, "and", results.CLIP_IDENTITY_JSON["03"])

# %% [markdown]
# ## Summary

# %%
print(f"Data: {data.source}, {data.n_subjects} subjects x {data.n_clips} clips.")
print(f"EEG -> V-axis map, held-out subjects: mean r = {vmap.ci}, exact p = {vmap.p_value:.2e}.")
print(f"Controls: participants' clip valence r = {hmap.ci} (p = {hmap.p_value:.2e}, {hmap.n_permutations} "
      f"orderings of 28 clips); random LLM directions median r = {np.median(random_r):.3f} "
      f"({share:.1%} reach the V-axis).")
print(f"Split-half reliability of the participants' clip-mean valence: "
      f"{reliability.loc[('valence', 'clip'), 'reliability']:.3f}.")
print("Planted vs recovered valence pattern: " + ("unknown on real data." if planted is None else
      f"spatial r = {planted.estimate} (bootstrap over folds), relabelled-category null p = {planted.p_value:.4f}."))

# %%
for name, row in alt_table.iterrows():
    d = "" if name == "V-axis (LLM)" else (f"; LLM minus it {row['diff']:.3f} [{row.diff_low:.3f}, {row.diff_high:.3f}], "
                                           f"Wilcoxon p {row.p_wilcoxon:.3g}")
    print(f"{name:22s} mean r {row.mean_r:.3f} [{row.low:.3f}, {row.high:.3f}]{d}")
print(f"Best-tracked target: {best}. Within-side null (576 orderings keeping the split): p = {within['p']:.3f}.")

# %%
ref, own_held = clip_table.loc["V-axis (LLM)"], own_table.loc["held-out clips"]
print(f"Clips held out: V-axis map r = {ref.held_r:.3f} [{ref.held_low:.3f}, {ref.held_high:.3f}] (p = {ref.p_held:.3g}) "
      f"on clips it never saw, {ref.same_r:.3f} [{ref.same_low:.3f}, {ref.same_high:.3f}] on the clips it trained on; "
      f"gap {ref.gap:.3f} [{ref.gap_low:.3f}, {ref.gap_high:.3f}]. Own-rating deviation on held-out clips: "
      f"r = {own_held.deviation_r:.3f} [{own_held.deviation_low:.3f}, {own_held.deviation_high:.3f}], "
      f"p = {own_held.deviation_p:.3g}.")
print("In words:", clip_identity.in_words(clip_summary))
scorecard.chapter_rows(out_dir, "03")

# %% [markdown]
# **What it means.** Which nine-value target EEG tracks best is stated above from the numbers, and
# whether the LLM beats the plain negative / neutral / positive split is the LLM-minus-split interval:
# on the simulated cohort, whose valence comes from the participants' ratings, the V-axis is not
# expected to beat them, and the within-side null asks whether the LLM's order inside the sides adds
# anything at all. A mean r whose interval is well above zero, with a small exact p, says that one
# linear read-out of EEG orders the categories as the LLM's V-axis does, in people the map never saw.
# The p-value counts every relabelling of the nine positions, so it asks for the *valence order*,
# not just for EEG telling categories apart (which alone lets a map fit part of any ordering: the
# null's mean is above zero). On the simulated cohort this is a test of the pipeline and of how
# closely the LLM's ordering matches the human-rated valence built into the simulation; the random
# directions show that an arbitrary direction of the same LLM does much worse. The participants'
# control needs no LLM: on the simulated cohort it is the very valence the generator planted (the
# clip means of these ratings), so it is the reference a valence read-out can reach here, and the
# V-axis row says how close nine LLM positions come to it. On real FACED it asks whether the EEG
# follows what the people themselves reported about each clip.
#
# Section 5 asks what the same-clips numbers cannot: whether the map keeps its r on clips it never
# saw. On real FACED that is the test of a valence code beyond clip identity; on the simulated cohort,
# whose EEG has both a planted valence pattern and calibrated clip signatures, it checks that the
# pipeline tells them apart (the verdict above names which).
#
# **What's next.** Chapter 4 trains EEG classifiers on category labels alone and asks whether they
# rediscover this direction.

# %% [markdown]
# ## Exercises
#
# Fill in each function (its body raises `NotImplementedError` until you do) and run the cell: a
# checker from `vaxis.exercises` says what is right or wrong. Solutions are behind the toggles (not
# in the student copy). Terms: [Glossary](../glossary).

# %%
from vaxis.exercises import check_band_map, check_per_subject_r, check_subject_folds

# %% [markdown]
# ### Exercise 1: leave-subjects-out folds (about 10 minutes)
#
# Every number of this chapter comes from people the map never saw. Write the folds: split the
# distinct subjects into `n_splits` groups; each group's trials are one fold's test rows, all other
# trials its training rows.

# %% tags=["exercise", "raises-exception"]
def subject_folds(subjects, n_splits):
    """subjects: (n_trials,) subject of each trial. Returns [(train_rows, test_rows), ...], one per fold."""
    raise NotImplementedError("Exercise: split the distinct subjects, not the rows")


check_subject_folds(subject_folds, subjects, n_splits)


# %% tags=["solution", "hide-cell"]
# Solution
def subject_folds(subjects, n_splits):
    """subjects: (n_trials,) subject of each trial. Returns [(train_rows, test_rows), ...], one per fold."""
    groups = np.array_split(np.random.default_rng(seed).permutation(np.unique(subjects)), n_splits)
    return [(np.flatnonzero(~np.isin(subjects, g)), np.flatnonzero(np.isin(subjects, g))) for g in groups]


check_subject_folds(subject_folds, subjects, n_splits)

# %% [markdown]
# ### Exercise 2: the test statistic, one r per person (about 10 minutes)
#
# `vmap.predictions` holds, for every held-out trial, its subject, its target (the category's
# V-axis position) and the map's prediction. Compute the mean over subjects of the Pearson r within
# each subject. Why not the pooled r over all trials?

# %% tags=["exercise", "raises-exception"]
def mean_subject_r(predictions):
    """predictions: DataFrame with subject, target, prediction. Returns the mean per-subject Pearson r."""
    raise NotImplementedError("Exercise: correlate within each subject, then average")


check_per_subject_r(mean_subject_r, vmap.predictions)


# %% tags=["solution", "hide-cell"]
# Solution
def mean_subject_r(predictions):
    """predictions: DataFrame with subject, target, prediction. Returns the mean per-subject Pearson r."""
    per = [np.corrcoef(g.target, g.prediction)[0, 1] for _, g in predictions.groupby("subject")]
    return float(np.mean(per))


check_per_subject_r(mean_subject_r, vmap.predictions)

# %% [markdown]
# ### Exercise 3: is the map carried by one band? (about 10 minutes)
#
# Refit the map on the alpha-band columns of `X` only (`data.feature_names()` names the columns
# `<channel>_<band>`) with `mapping.cross_validate_map((X_band, cats, subjects), v_positions,
# permutations=0)`, and compare its mean r with the map on every band.

# %% tags=["exercise", "raises-exception"]
def alpha_only_r(X, cats, subjects):
    """Return the mean held-out r of the map fitted on the alpha-band columns of X only."""
    raise NotImplementedError("Exercise: select the alpha columns and refit the map")


check_band_map(alpha_only_r, X, cats, subjects, v_positions, data.feature_names(), "alpha", n_splits, inner_splits)


# %% tags=["solution", "hide-cell"]
# Solution
def alpha_only_r(X, cats, subjects):
    """Return the mean held-out r of the map fitted on the alpha-band columns of X only."""
    cols = [i for i, name in enumerate(data.feature_names()) if name.endswith("_alpha")]
    res = mapping.cross_validate_map((X[:, cols], cats, subjects), v_positions, n_splits=n_splits,
                                     inner_splits=inner_splits, permutations=0, n_boot=10)
    return res.mean_r


check_band_map(alpha_only_r, X, cats, subjects, v_positions, data.feature_names(), "alpha", n_splits, inner_splits)
print(f"all bands: mean r = {vmap.mean_r:.3f}")

# %% [markdown]
# ### To discuss
#
# Turn the simulation's valence topography off (`sim_knobs={"valence_strength": 0}`, a live run of
# about a minute) and re-run the chapter. Why is the mean r still above zero, and what does the
# permutation p say?
