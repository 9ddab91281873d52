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
# # 7. When does the saturation regularity hold?
#
# ## Overview
#
# **Question.** Chapters 5 and 6 test the study's claims on one cohort. On the default simulated
# cohort neither could have come out otherwise: every alignment target is a fixed function of the
# label, the category patterns beyond valence and arousal are random, and nothing inside a category
# carries label information. *When* do alignment losses hurt, help or make no difference, and when
# do residual-diversity ensembles gain?
#
# **What the study claims.** Most alignment losses hurt (16 of 25), none helps (the label-driven
# {term}`basin` is saturated), and ensembles whose members differ in the within-class {term}`residual` gain about
# 10%.
#
# **What this chapter does.**
# 1. States the saturation hypothesis as falsifiable predictions, fixed before any grid point ran
#    ([Predictions](../saturation_predictions): its git history is the record).
# 2. Plants the mechanisms the hypothesis is about in the simulated data (`vaxis.eeg.mechanisms`):
#    congruence of the EEG's category structure with the LLM's geometry, felt emotion from each
#    participant's own FACED ratings, within-class sub-types, label noise, and the number of
#    training subjects; then trains the baseline, one loss per family (fixed and chosen weight) and
#    the ensembles at every point of a grid over them.
# 3. Draws the phase diagram (helped / equivalent / undecided / hurt, subject-level tests with the
#    margin fixed in advance) and scores every prediction: held, failed or not tested.
#
# ```{important}
# Everything in this chapter is **simulated**: the mechanisms are knobs of the generator, and the
# generator reads no strategy, loss weight or ensemble (a test checks it). The chapter says where,
# on data built this way, the study's regime would appear; the real FACED EEG is what can say
# whether the brain is built this way.
# ```
#
# ## Prerequisites
#
# | Concept | Importance | Notes |
# | --- | --- | --- |
# | [Chapter 5](05_saturation_sweep) | Necessary | the strategies, the sweep, subject-level verdicts |
# | [Chapter 6](06_ensembling) | Necessary | the residual-diversity ensemble |
# | [Data](../data) | Helpful | the {term}`simulated cohort` and FACED's ratings |
# | {term}`Equivalence tests <equivalence test>` (TOST) | Helpful | "no difference" needs a margin fixed in advance |
#
# **Time to run:** the `quick` profile (6 points, one weight, one seed) used 2.5 CPU-minutes from
# empty caches (10.5 min of wall time on a heavily shared 2-core machine: a few minutes when the
# cores are free); the `full` profile (16 points in three planes, both arms, two seeds) used 19
# CPU-minutes (64 min of wall time on the same shared, niced machine). Re-runs read the sweep store.

# %% [markdown]
# ### For a workshop
#
# **You will learn to**
#
# - state a hypothesis as predictions fixed before the experiment, and score them afterwards;
# - plant a mechanism in simulated data and map where an effect appears (a phase diagram);
# - tell *equivalent* (an equivalence test within a margin fixed in advance) from *undecided*.
#
# | | time |
# | --- | --- |
# | to run, `quick` profile (warm caches: after one run of the book) | about 3 min |
# | to run, `full` profile (from nothing) | about 1 min (50 s) |
# | to teach, exercises included | 75 min; exercises: 2 (20 min) |
#
# Times to run are the runner's records on 2 CPU cores (`results/<profile>/runs.json`). A laptop
# needs 2 cores, 8 GB of memory, the provisioned models (`make models`, about 7 GB of disk) and no
# network; see [Teaching](../teaching) for the set-up and what to vary live, and the
# [Glossary](../glossary) for the terms.

# %% [markdown]
# ## Parameters
#
# - `planes` -- the grid: each plane names two knobs (`congruence`, `within_class`,
#   `valence_strength`, `felt_emotion`, `label_noise`, `n_subjects`) and their values; other knobs
#   keep their defaults; `n_subjects` -- the cohort size where a plane does not vary it; `sim_seed`.
# - `losses` -- `None` for one representative per family (`phase.REPRESENTATIVES`), or names.
# - `weights` -- the weight grid; `fixed_weight` -- the fixed arm's weight (one of `weights`); with
#   one weight the chosen arm is the fixed arm.
# - `members`, `member_seeds` -- the ensembles' candidate networks at every point.
# - `arch`, `n_splits`, `seeds`, `max_epochs`, `lr`, `patience`, `window_stride` -- training, as in
#   chapter 5; `backend`, `n_jobs` -- joblib backend (e.g. `dask` with a connected client) and workers;
#   `scheduler` -- the address of a dask.distributed scheduler (e.g. `"tcp://10.0.0.5:8786"`): the
#   sweep's tasks go to its workers (`None`: this machine).
# - `alpha`, `n_boot`, `seed`, `sentence_model`, `profile`, `results_root` -- as in chapter 5.
# - `faced_dir` -- accepted, and not read: this chapter is a simulation by design (its grid plants
#   mechanisms in the generator's data, which recorded EEG cannot vary). `make book FACED=...` gives
#   the folder to every EEG chapter; here the chapter says that it set it aside.

# %% tags=["parameters"]
from typing import Optional  # parameter types, checked by the runner

profile = "quick"
planes = {"A": {"congruence": [0.0, 1.0], "n_subjects": [15, 30]},
          "B": {"within_class": [0.0, 0.4], "valence_strength": [0.2]}}
n_subjects = 30
sim_seed = 0
losses: Optional[list] = None
weights = [1.0]
fixed_weight = 1.0
members = ["logreg", "mlp"]
member_seeds = [0, 1]
arch = "mlp"
n_splits = 3
seeds = [0]
max_epochs = 6
lr = 0.003
patience = 3
window_stride = 10
backend = "loky"
n_jobs = 1
scheduler: Optional[str] = None
alpha = 0.05
n_boot = 1000
seed = 0
sentence_model = "minilm-l6"
faced_dir: Optional[str] = None
results_root: Optional[str] = None

# %%
import pandas as pd
import torch

from vaxis import io, plots, results, stats
from vaxis.decoding import engine, saturation
from vaxis.decoding.saturation import phase, predictions
from vaxis.eeg import cohort, mechanisms
from vaxis.llm import hidden

torch.set_num_threads(2)
out_dir = io.results_dir(profile, results_root)
pd.set_option("display.width", 160)
if faced_dir is not None:  # `make book FACED=...`: the recorded EEG is chapters 3-6's; this grid needs the generator
    print(f"faced_dir={faced_dir!r} is not read: this chapter is a simulation by design. Its grid plants mechanisms in "
          "simulated cohorts, which recorded EEG cannot vary; the recorded FACED EEG enters chapters 3-6.")

# %% [markdown]
# ## 1. The predictions, stated first
#
# The [predictions page](../saturation_predictions) was committed before this chapter's grid ran.
# In short (`vaxis.decoding.saturation.predictions` scores each by the rule written there):

# %%
pd.DataFrame([(k, text) for k, (text, _) in predictions.PREDICTIONS.items()], columns=["id", "prediction"])

# %% [markdown]
# ## 2. The mechanisms, as properties of the data
#
# Each is a knob of the generator, 0 in the default cohort:

# %%
pd.Series(mechanisms.MECHANISM_KNOBS, name="what it plants").to_frame()

# %% [markdown]
# Congruence uses the lead model's category vectors from chapter 1. Two checks that the knobs plant
# what they say: the agreement (Spearman) of the simulated class-mean geometry with the LLM's, and
# the share of trials whose participant felt another category (from FACED's ratings) that carry it.

# %%
default = cohort("faced", None, n_subjects=n_subjects, seed=sim_seed)
classes = engine.TrainData.from_dataset(default).classes
geometry = phase.llm_geometry(out_dir, classes)
for knobs in ({}, {"congruence": 1.0}, {"label_noise": 1.0}):
    ds = cohort("faced", None, n_subjects=n_subjects, seed=sim_seed, knobs=knobs, category_geometry=geometry)
    print(f"{str(knobs or 'default'):22s} geometry agreement with the LLM "
          f"{mechanisms.geometry_agreement(ds, geometry):+.3f}; trials carrying another category "
          f"{ds.meta.get('label_noise_share', 0.0):.3f}")

# %% [markdown]
# ## 3. The grid
#
# At every point: the label-only baseline and each loss at each weight (tasks of chapter 5's sweep
# store: a killed run resumes, `backend="dask"` spreads them over a cluster), and the ensembles.
# The unit of every test is the held-out subject; verdicts use one {term}`Benjamini-Hochberg` correction
# {cite}`benjamini1995fdr` over the whole grid and the margin fixed in advance (Wilcoxon
# {cite}`wilcoxon1945` and two one-sided tests {cite}`schuirmann1987tost`).

# %%
names = list(phase.REPRESENTATIVES.values()) if losses is None else losses
points = phase.grid_points(planes, n_subjects)
sentences = hidden.sentence_embeddings(sentence_model, results.anchor_sentences(out_dir, classes))
targets = saturation.targets_from_results(out_dir, default, classes, sentences)
config = engine.TrainConfig(max_epochs=max_epochs, lr=lr, patience=patience, window_stride=window_stride)
print(f"{len(points)} grid points x ({len(names)} losses x {len(weights)} weights + baseline); "
      f"equivalence margin ±{saturation.MARGIN} balanced accuracy")

# %% tags=["nbval-ignore-output", "remove-stderr"]
phased = phase.run_grid(points, targets, results.sweep_store(out_dir), sim_seed=sim_seed, category_geometry=geometry,
                        alpha=alpha, losses=names, weights=weights, fixed_weight=fixed_weight, config=config,
                        seeds=seeds, n_splits=n_splits, arch=arch, members=members, member_seeds=member_seeds,
                        backend=backend, n_jobs=n_jobs, n_boot=n_boot, seed=seed, scheduler=scheduler)

# %%
cols = ["point", "strategy", "arm", "baseline_bacc", "mean_diff", "ci_low", "ci_high", "q", "q_tost", "verdict"]
phased.effects[cols].round(3)

# %% [markdown]
# ## 4. The phase diagram
#
# Each panel is one loss on one plane: the change of balanced accuracy against the label-only
# baseline (mean over held-out subjects) and its verdict (h helped, e equivalent, u undecided, H
# hurt); the last panel is the residual-diversity ensemble's gain over the all-members ensemble.

# %%
for plane in planes:
    fig = plots.phase_diagram(phased.effects, phased.ensembles, plane, arm="fixed", source=default.source)

# %%
if "chosen" in set(phased.effects.arm):
    for plane in planes:
        fig = plots.phase_diagram(phased.effects, phased.ensembles, plane, arm="chosen", source=default.source)

# %%
counts = phase.verdict_grid(phased.effects, arm="fixed")
fig = plots.verdict_map(counts, "Verdicts of the five losses (fixed weight) at each point", source=default.source)
counts

# %% [markdown]
# ## 5. Ensembles
#
# The residual-diversity ensemble against the all-members ensemble at every point (per-subject
# paired test and TOST), and its relative gain over the strongest other ensemble (the study's
# measure, with its subject-bootstrap interval).

# %%
ens_cols = ["point", "all_bacc", "residual_bacc", "gain", "ci_low", "ci_high", "q", "q_tost", "verdict",
            "relative_best", "relative_low", "relative_high"]
phased.ensembles[ens_cols].round(3)

# %% [markdown]
# ## 6. The predictions, scored

# %%
scored = predictions.score_predictions(phased.effects, phased.ensembles)
print(scored.result.value_counts().to_dict())
scored

# %% [markdown]
# ## Summary
#
# The verdicts over the whole grid, the default cohort's (each loss's change of balanced accuracy
# against the label-only baseline, with its interval over held-out subjects), the largest gains
# anywhere, and the predictions as scored:

# %%
from vaxis.book import scorecard

print(f"{len(points)} grid points, {len(phased.effects)} loss comparisons over held-out subjects")
display(phased.effects.verdict.value_counts().reindex(list(stats.VERDICTS), fill_value=0).to_frame("comparisons").T)
display(phase.at_default(phased.effects, n_subjects)[["strategy", "arm", "mean_diff", "ci_low", "ci_high", "verdict"]]
        .round(3).set_index(["strategy", "arm"]))
best = phased.effects.loc[phased.effects.mean_diff.idxmax()]
e = phased.ensembles.loc[phased.ensembles.gain.idxmax()]
display(pd.DataFrame([{"what": f"{best.strategy} ({best.arm})", "point": best.point, "change": best.mean_diff,
                       "low": best.ci_low, "high": best.ci_high, "verdict": best.verdict},
                      {"what": "residual-diversity vs all-members ensemble", "point": e.point, "change": e.gain,
                       "low": e.ci_low, "high": e.ci_high, "verdict": e.verdict}],
                     index=["largest loss gain", "largest ensemble gain"]).round(3))
scored.set_index("id")[["result"]].T

# %%
results.write_phase(out_dir, profile=profile, planes=planes, effects=phased.effects,
                    ensembles=phased.ensembles, predictions=scored, margin=saturation.MARGIN)
print("wrote", results.PHASE_JSON)
scorecard.chapter_rows(out_dir, "07")

# %% [markdown]
# **What it means.** The tables above say, for this run's grid, where alignment losses hurt, help or
# are shown equivalent to the label-only baseline within ±0.02, and which predictions of the
# saturation hypothesis held. Read "undecided" as what it is: too few held-out subjects to tell a
# difference from an equivalence at this margin (the `quick` profile's coarse grid has 15-30
# subjects per point and one seed; the `full` profile's grid is the book's answer). A prediction
# *failed* is a result: the hypothesis said something about these mechanisms that training did
# not bear out. Where the study's regime appears (most losses hurt, none helps, the ensemble gains)
# is in the scoring of P11; if it appears nowhere, the simulation's mechanisms do not reproduce the
# study, and the question goes back to the real EEG.
#
# **What's next.** Point chapter 5 at a cohort with the knobs of a grid point
# (`sim_knobs`) to see all 27 strategies there, or run chapters 5-7 on the real FACED folder.

# %% [markdown]
# ## Exercises
#
# Fill in each function (its body raises `NotImplementedError` until you do) and run the cell: a
# checker from `vaxis.exercises` says what is right or wrong. Solutions are behind the toggles (not
# in the student copy). Terms: [Glossary](../glossary).

# %%
import numpy as np

from vaxis.exercises import check_congruence_change, check_verdicts

# %% [markdown]
# ### Exercise 1: four verdicts, not two (about 10 minutes)
#
# Every comparison of this chapter ends in one of four verdicts. Write the rule: a significant
# difference test (`q < alpha`) gives *helped* or *hurt* by the sign of the mean difference;
# otherwise a significant equivalence test (`q_tost < alpha`, margin fixed in advance) gives
# *equivalent*; otherwise the verdict is *undecided*. A NaN q-value is a test not run.

# %% tags=["exercise", "raises-exception"]
def verdicts(mean_diff, q, q_tost, alpha):
    """Arrays (n,) of mean differences and q-values. Returns an array (n,) of verdicts."""
    raise NotImplementedError("Exercise: difference first, then equivalence, else undecided")


e = phased.effects
check_verdicts(verdicts, e.mean_diff.to_numpy(), e.q.to_numpy(), e.q_tost.to_numpy(), alpha)


# %% tags=["solution", "hide-cell"]
# Solution
def verdicts(mean_diff, q, q_tost, alpha):
    """Arrays (n,) of mean differences and q-values. Returns an array (n,) of verdicts."""
    different, same = np.nan_to_num(q, nan=1.0) < alpha, np.nan_to_num(q_tost, nan=1.0) < alpha
    return np.where(different, np.where(mean_diff > 0, "helped", "hurt"),
                    np.where(same, "equivalent", "undecided"))


check_verdicts(verdicts, e.mean_diff.to_numpy(), e.q.to_numpy(), e.q_tost.to_numpy(), alpha)

# %% [markdown]
# ### Exercise 2: which loss depends most on congruence? (about 10 minutes)
#
# For the fixed arm on plane A, compute each loss's mean effect at the highest congruence minus its
# mean effect at the lowest. Does it agree with prediction P4 (congruence raises the LLM-geometry
# losses) on the [predictions page](../saturation_predictions)?

# %% tags=["exercise", "raises-exception"]
def congruence_change(effects):
    """Per loss: mean effect (fixed arm, plane A) at the highest minus the lowest congruence."""
    raise NotImplementedError("Exercise: select plane A and the fixed arm, group by strategy and congruence")


check_congruence_change(congruence_change, phased.effects)


# %% tags=["solution", "hide-cell"]
# Solution
def congruence_change(effects):
    """Per loss: mean effect (fixed arm, plane A) at the highest minus the lowest congruence."""
    a = effects[(effects.plane == "A") & (effects.arm == "fixed")]
    by = a.groupby(["strategy", "congruence"]).mean_diff.mean().unstack()
    return (by.iloc[:, -1] - by.iloc[:, 0]).sort_values()


check_congruence_change(congruence_change, phased.effects)

# %% [markdown]
# ### To discuss
#
# How much label information do the within-class sub-types carry for a linear read-out of class
# means? Compare the baseline accuracy (`baseline_bacc`) of a point with `within_class=0.4` with the
# default point in `phased.effects`, and say why an MLP and a logistic regression should differ there.
