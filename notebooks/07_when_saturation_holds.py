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
# **What this chapter does** (second edition, issue 30).
# 1. States the saturation hypothesis as falsifiable predictions, fixed before any grid point ran
#    ([second edition](../saturation_predictions_2); the [first edition](../saturation_predictions)
#    and its score stay): each names its manipulation check and the smallest effect it can be scored at.
# 2. Plants the mechanisms in the simulated data (`vaxis.eeg.mechanisms`) and checks at every grid
#    point that they planted what they say: congruence with the **participants'** category geometry
#    (the losses keep the lead model's: different objects), an anti-congruent relabelling,
#    multi-view structure (one view per band group, one view per trial), and clip identity once the
#    generator has that knob (issue 28; until then its plane is set aside and said so).
# 3. Trains the baseline, one loss per family (a fixed weight scaled by gradient norms, and a weight
#    chosen on validation subjects) and the ensembles on three generator draws x three folds x three
#    seeds per point; tests over draws > runs > subjects; scores every prediction with four outcomes.
#
# ```{important}
# Everything in this chapter is **simulated**: the mechanisms are knobs of the generator, and the
# generator reads no strategy, loss weight, ensemble or target (a test runs it to check). The chapter
# says where, on data built this way, the study's regime would appear; the real FACED EEG is what
# can say whether the brain is built this way.
# ```
#
# ## Prerequisites
#
# | Concept | Importance | Notes |
# | --- | --- | --- |
# | [Chapter 5](05_saturation_sweep) | Necessary | the strategies, the sweep, subject-level verdicts |
# | [Chapter 6](06_ensembling) | Necessary | the residual-diversity ensemble |
# | [Data](../data) | Helpful | the {term}`simulated cohort` and FACED's ratings |
# | {term}`Equivalence tests <equivalence test>` | Helpful | "no difference" needs a margin fixed in advance |
#
# **Time to run:** see the workshop table below (the runner's records); re-runs read the sweep
# store and the training cache.

# %% [markdown]
# ### For a workshop
#
# **You will learn to**
#
# - state a hypothesis as predictions fixed before the experiment, and score them afterwards;
# - check that a manipulation did what it says before reading its effect;
# - resample what varies (generator draws, training runs, subjects) and say what a design can detect.
#
# | | time |
# | --- | --- |
# | to run, `quick` profile (from empty caches, 2 cores) | about 3 min |
# | to run, `full` profile (from empty caches, 2 idle cores) | about 10 min (from its CPU time; 39 min on a shared machine) |
# | to teach, exercises included | 75 min; exercises: 2 (20 min) |
#
# Times to run are the runner's records on 2 CPU cores (`results/<profile>/runs.json`). A laptop
# needs 2 cores, 8 GB of memory, the provisioned models (`make models`, about 7 GB of disk) and no
# network; see [Teaching](../teaching) for the set-up and what to vary live, and the
# [Glossary](../glossary) for the terms.

# %% [markdown]
# ## Parameters
#
# - `planes` -- the grid: each plane names two knobs (`congruence`, `multi_view`, `clip_identity`,
#   `within_class`, `felt_emotion`, `label_noise`, `valence_strength`, `residual_strength`,
#   `n_subjects`) and their values; other knobs keep the reference cohort's (`phase.REFERENCE`);
#   `n_subjects` -- the cohort size where a plane does not vary it; a plane naming a knob the
#   generator lacks is set aside with a note.
# - `n_draws`, `sim_seed` -- generator draws per point (independent cohorts, seeds `sim_seed + d`).
# - `losses` -- `None` for one representative per family (`phase.REPRESENTATIVES`), or names.
# - `weights` -- the chosen arm's weight grid (`None`: no chosen arm); the fixed arm's weight of each
#   loss is scaled from gradient norms (`saturation.scaling`).
# - `members`, `member_seeds` -- the ensembles' candidates: `"arch"` on all features, `"arch@group"`
#   on one band group (`slow`, `alpha`, `fast`).
# - `arch`, `n_splits`, `seeds`, `max_epochs`, `lr`, `patience`, `window_stride` -- training, as in
#   chapter 5; `backend`, `n_jobs` -- joblib backend (e.g. `dask` with a connected client) and workers
#   (with more than one, each sweep task trains on one thread: the numbers differ in the last bits);
#   `scheduler` -- the address of a dask.distributed scheduler (`None`: this machine).
# - `alpha`, `n_boot`, `seed`, `sentence_model`, `profile`, `results_root` -- as in chapter 5.
# - `faced_dir` -- accepted, and not read: this chapter is a simulation by design (its grid plants
#   mechanisms in the generator's data, which recorded EEG cannot vary). `make book FACED=...` gives
#   the folder to every EEG chapter; here the chapter says that it set it aside.

# %% tags=["parameters"]
from typing import Optional  # parameter types, checked by the runner

profile = "quick"
planes = {"A": {"congruence": [-1.0, 0.0, 1.0], "n_subjects": [20]},
          "B": {"multi_view": [0.0, 1.2], "congruence": [0.0]},
          "C": {"clip_identity": [0.0, 0.4], "congruence": [0.0]}}
n_subjects = 20
n_draws = 3
sim_seed = 0
losses: Optional[list] = None
weights: Optional[list] = None
members = ["logreg", "mlp", "mlp@slow", "mlp@alpha", "mlp@fast"]
member_seeds = [0, 1]
arch = "mlp"
n_splits = 3
seeds = [0, 1, 2]
max_epochs = 6
lr = 0.003
patience = 3
window_stride = 15
backend = "loky"
n_jobs = 2
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
from IPython.display import Markdown

from vaxis import io, plots, results, stats, tables
from vaxis.decoding import engine, saturation
from vaxis.decoding.folds import subject_folds
from vaxis.decoding.saturation import checks, phase, predictions, scaling
from vaxis.eeg import mechanisms
from vaxis.llm import hidden

torch.set_num_threads(2)
out_dir = io.results_dir(profile, results_root)
pd.set_option("display.width", 90)

# %%
if faced_dir is not None:  # `make book FACED=...`: the recorded EEG is chapters 3-6's; this grid needs the generator
    print(tables.wrap(f"faced_dir={faced_dir!r} is not read: this chapter is a simulation by design. Its grid plants "
                      "mechanisms in simulated cohorts, which recorded EEG cannot vary; the recorded FACED EEG "
                      "enters chapters 3-6."))

# %% [markdown]
# ## 1. The predictions, stated first
#
# The [second edition of the predictions](../saturation_predictions_2) was committed before this
# grid ran (its git history is the record); `vaxis.decoding.saturation.predictions` scores each by
# the rule written there:

# %%
tables.FullText([(k, text) for k, (text, _) in predictions.PREDICTIONS.items()], columns=["id", "prediction"])

# %% [markdown]
# ## 2. The mechanisms, as properties of the data
#
# Each is a knob of the generator; the grid's **reference cohort** is the default cohort with
# `residual_strength` 0.4 (category structure beyond valence and arousal about twice the valence
# pattern's size) and every mechanism off:

# %%
tables.FullText(pd.Series(mechanisms.MECHANISM_KNOBS, name="what it plants").to_frame())

# %% [markdown]
# Congruence plants the **participants'** category geometry (their mean ratings of each category on
# 12 items), never a language model's; the losses keep the lead model's category vectors. How far
# the two agree is a property of the world, measured here (Spearman of the two RDMs), and so is how
# far the anti-congruent relabelling disagrees:

# %%
run_planes, missing_planes = phase.split_planes(planes)
points = phase.grid_points(run_planes, n_subjects)
reference = phase.cohort_at(phase.reference_point(n_subjects), sim_seed)
classes = engine.TrainData.from_dataset(reference).classes
lead = phase.llm_geometry(out_dir, classes)
people = checks.participants_geometry(reference)
for name, g in (("participants'", people), ("relabelled (anti-congruent)", checks.planted_geometry(reference, -1))):
    print(f"lead model vs the {name} geometry: rho {stats.spearman(mechanisms.geometry_rdm(lead), mechanisms.geometry_rdm(g)):+.3f}")
for plane, why in missing_planes.items():
    print(tables.wrap(f"plane {plane} is set aside: {why} (issue 28 adds it); its predictions are not tested"))

# %% [markdown]
# ## 3. The grid
#
# The fixed arm's weight of each loss makes its gradient, at the start of training, half as large as
# the label loss's (`saturation.scaling`: mean of 8 minibatches of the reference cohort's first fold):

# %%
names = list(phase.REPRESENTATIVES.values()) if losses is None else losses
sentences = hidden.sentence_embeddings(sentence_model, results.anchor_sentences(out_dir, classes))
targets = saturation.targets_from_results(out_dir, reference, classes, sentences)
config = engine.TrainConfig(max_epochs=max_epochs, lr=lr, patience=patience, window_stride=window_stride)
fold0 = subject_folds(reference.subjects, n_splits=n_splits, seed=0)[0]
fixed = scaling.scaled_weights(arch, engine.TrainData.from_dataset(reference), fold0, names, targets, config)
fixed.round(4)

# %% [markdown]
# At every point and draw: the baseline and each loss at its fixed weight (and at every weight of
# the chosen arm's grid), as tasks of chapter 5's sweep store (a killed run resumes; `backend="dask"`
# spreads them over a cluster), the ensembles' members, and the manipulation check of every knob the
# point switches on:

# %%
n_cohorts = len({p.key for p in points})
spec = {"grid": sorted(weights) if weights and len(weights) > 1 else None, "losses": names, "n_splits": n_splits,
        "seeds": seeds, "members": members, "member_seeds": member_seeds, "n_draws": n_draws}
print(f"{len(points)} grid points ({n_cohorts} distinct cohorts) x {n_draws} draws: "
      f"{phase.networks_trained(spec, n_cohorts)} networks; margin ±{saturation.MARGIN}")

# %% tags=["nbval-ignore-output", "remove-stderr"]
phased = phase.run_grid(points, targets, results.sweep_store(out_dir), fixed_weights=fixed, losses=names,
                        weights=weights, config=config, seeds=seeds, n_splits=n_splits, n_draws=n_draws,
                        sim_seed=sim_seed, arch=arch, members=members, member_seeds=member_seeds,
                        check_geometry=lead, reference=phase.reference_values(n_subjects), backend=backend,
                        n_jobs=n_jobs, n_boot=n_boot, seed=seed, alpha=alpha, scheduler=scheduler)

# %% [markdown]
# ## 4. The manipulation checks, at every point
#
# Each knob against the same draws with that knob at 0 (means over draws; thresholds fixed on the
# predictions page): congruence's agreement with the geometry it plants and with the losses'
# targets, multi-view's complementarity of the band-group read-outs, clip identity's within-category
# clip accuracy.

# %%
phase.check_summary(phased.check_table).round(3).set_index(["point", "knob", "measure"])

# %% [markdown]
# ## 5. The effects of the losses
#
# Each loss against the label-only baseline at every point: the mean change of balanced accuracy
# over held-out subjects, its 95% interval and the effect the design could detect (80% power), both
# from the nested bootstrap (draws > fold x seed runs > subjects). One {term}`Benjamini-Hochberg`
# {cite}`benjamini1995fdr` family over every distinct comparison; *helped* / *hurt* need the effect
# beyond the margin, *equivalent* a bootstrap equivalence test within it.

# %%
phase.effect_summary(phased.effects)

# %% [markdown]
# Each panel is one loss on one plane (fixed weight): the change of balanced accuracy and its
# verdict (h helped, e equivalent, u undecided, H hurt); the last panel is the residual-diversity
# ensemble's gain over the all-members ensemble.

# %%
for plane in run_planes:
    fig = plots.phase_diagram(phased.effects, phased.ensembles, plane, arm="fixed", source=reference.source)

# %%
if "chosen" in set(phased.effects.arm):
    for plane in run_planes:
        fig = plots.phase_diagram(phased.effects, phased.ensembles, plane, arm="chosen", source=reference.source)

# %%
counts = phase.verdict_grid(phased.effects, arm="fixed")
fig = plots.verdict_map(counts, "Verdicts of the five losses (fixed weight) at each point", source=reference.source)
counts

# %% [markdown]
# ## 6. Ensembles
#
# The residual-diversity ensemble against the all-members ensemble at every point (per-subject
# differences, nested bootstrap), and its relative gain over the strongest other ensemble (the
# study's measure, with its interval).

# %%
phase.ensemble_summary(phased.ensembles)

# %% [markdown]
# ## 7. The predictions, scored
#
# Four outcomes: held, failed, not tested (manipulation failed: a knob did not plant what it says,
# or its plane is not in this grid) and not tested (underpowered: the design could not detect the
# prediction's smallest effect, 0.02; the detectable effect is printed).

# %%
scored = predictions.score_predictions(phased)
for r in scored.itertuples():
    print(f"{r.id:4s} {r.result:33s} detectable effect {r.detectable:.3f}")

# %%
Markdown(tables.markdown(scored[["id", "result", "evidence"]]))

# %% [markdown]
# ## Summary
#
# The verdicts over the whole grid, the reference cohort's effects, and where (if anywhere) the
# generator produces the study's regime, in words generated from the numbers:

# %%
from vaxis.book import scorecard

print(f"{len(points)} grid points, {phased.effects.cohort.nunique()} cohorts x {n_draws} draws, "
      f"{len(phased.effects.drop_duplicates(['cohort', 'strategy', 'arm']))} loss comparisons")
display(phased.effects.drop_duplicates(["cohort", "strategy", "arm"]).verdict.value_counts()
        .reindex(list(stats.VERDICTS), fill_value=0).to_frame("comparisons").T)
display(phase.reference_rows(phased.effects, n_subjects)[["strategy", "arm", "mean_diff", "ci_low", "ci_high",
                                                          "verdict"]].round(3).set_index(["strategy", "arm"]))
print(tables.wrap(str(scored.result.value_counts().to_dict())))
regime_words = predictions.regime_in_words(phased)
Markdown(regime_words)

# %%
results.write_phase(out_dir, profile=profile, planes=run_planes, effects=phased.effects,
                    ensembles=phased.ensembles, predictions=scored, margin=saturation.MARGIN,
                    regime=predictions.regime_points(phased), checks=phased.check_table,
                    fixed_weights=fixed, settings=phased.settings, missing_planes=missing_planes,
                    regime_words=regime_words)
print("wrote", results.PHASE_JSON)
scorecard.chapter_rows(out_dir, "07")

# %% [markdown]
# **What it means.** The tables above say, for this run's grid, where alignment losses hurt, help or
# are shown equivalent to the label-only baseline within ±0.02, whether each knob planted what it
# says, and which predictions held. Read *undecided* and *not tested (underpowered)* as what they
# are: the design could not tell (the detectable effect says by how much it missed). The rule fixed
# in advance asks of a directional prediction a design that detects its smallest effect (0.02): a
# contrast can come out significant and still be *not tested (underpowered)*, e.g. a baseline that
# moves far more than 0.02 between cohorts whose three draws differ a lot. The `quick`
# profile is a subset of the grid (20 subjects, one arm); the `full` profile's grid is the book's
# answer, and its tables are published in `book/results/full/07_phase.md`. A prediction *failed* is a
# result: the hypothesis said something about these mechanisms that training did not bear out.
#
# **What's next.** Point chapter 5 at a cohort with the knobs of a grid point (`sim_knobs`, e.g.
# `{"residual_strength": 0.4, "multi_view": 1.2}`) to see all 27 strategies there, or run chapters
# 5-7 on the real FACED folder.

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
# difference test (`q < alpha`) with the mean difference beyond the margin (at least `+margin` or at
# most `-margin`) gives *helped* or *hurt* by its sign; otherwise a significant equivalence test
# (`q_tost < alpha`, margin fixed in advance) gives *equivalent*; otherwise the verdict is
# *undecided*. A NaN q-value is a test not run.

# %% tags=["exercise", "raises-exception"]
def verdicts(mean_diff, q, q_tost, alpha, margin):
    """Arrays (n,) of mean differences and q-values. Returns an array (n,) of verdicts."""
    raise NotImplementedError("Exercise: difference beyond the margin first, then equivalence, else undecided")


e = phased.effects
check_verdicts(verdicts, e.mean_diff.to_numpy(), e.q.to_numpy(), e.q_tost.to_numpy(), alpha, saturation.MARGIN)


# %% tags=["solution", "hide-cell"]
# Solution
def verdicts(mean_diff, q, q_tost, alpha, margin):
    """Arrays (n,) of mean differences and q-values. Returns an array (n,) of verdicts."""
    different = (np.nan_to_num(q, nan=1.0) < alpha) & (np.abs(mean_diff) >= margin)
    same = np.nan_to_num(q_tost, nan=1.0) < alpha
    return np.where(different, np.where(mean_diff > 0, "helped", "hurt"),
                    np.where(same, "equivalent", "undecided"))


check_verdicts(verdicts, e.mean_diff.to_numpy(), e.q.to_numpy(), e.q_tost.to_numpy(), alpha, saturation.MARGIN)

# %% [markdown]
# ### Exercise 2: which loss depends most on congruence? (about 10 minutes)
#
# For the fixed arm on plane A, compute each loss's mean effect at the highest congruence minus its
# mean effect at the lowest (the anti-congruent relabelling). Does it agree with predictions R3 and R4
# on the [predictions page](../saturation_predictions_2)?

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
# Multi-view structure raises the baseline (a full-feature read-out sees every view), yet the
# band-group read-outs are complementary. Compare `phased.ensembles` at `multi_view` 0 and 1.2: which
# members did the residual-diversity ensemble keep (`phase.train_members` names them), and why can a
# single network over all features already reach what the band specialists add?
