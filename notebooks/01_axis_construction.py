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
# # 1. The V-axis from nine sentences
#
# ## Overview
#
# **Question.** Does a language model hold a single direction of *emotional valence* in its hidden
# states, one that nine short emotional sentences are enough to find and that then places words it
# has never been shown in the order human raters do?
#
# **What the study claims.** Nine sentences, one per emotion category of the FACED EEG dataset, give
# a direction (the {term}`V-axis`) whose projections agree zero-shot with human valence ratings and sentiment
# labels, most strongly in the middle layers.
#
# **What this chapter does.**
# 1. Runs the nine anchor sentences and a few hundred rated words through a small offline LLM and
#    keeps the hidden state of every layer, {term}`pooled <pooling>` two ways.
# 2. Builds the V-axis two ways (difference of means {cite}`zou2023repe`, first principal component) at every layer.
# 3. Chooses the layer on a *dev* split of human ratings and reports, on a held-out *test* split and
#    on a second lexicon, the {term}`rank correlation <Spearman rho>` {cite}`spearman1904` with its 95%
#    {term}`bootstrap interval` and sentiment AUC.
# 4. Asks what the nine sentences add: the V-axis against 1,000 random directions and against the top
#    principal components of the words themselves (no anchors), and on common vs rare words.
# 5. Compares the nine categories' positions with how FACED's own 123 participants rated the film
#    clips of each category (valence, and arousal as the contrast), beside the word norms.
#
# ## Prerequisites
#
# | Concept | Importance | Notes |
# | --- | --- | --- |
# | Transformer hidden states | Necessary | one vector per token per layer |
# | Spearman rank correlation, bootstrap intervals | Necessary | |
# | [Data and models](../data) page | Helpful | where the human ratings come from (word norms, FACED's participants) |
#
# **Time to run:** about a minute with the `quick` profile on 2 CPU cores (cached re-runs: seconds).

# %% [markdown]
# ### For a workshop
#
# **You will learn to**
#
# - build the V-axis of a language model from nine sentences, by hand and with `vaxis`;
# - place texts on it and judge it against human ratings with a rank correlation and its interval;
# - say why the layer must be chosen on a dev split and reported on a test split.
#
# | | time |
# | --- | --- |
# | to run, `quick` profile (warm caches: after one run of the book) | about half a minute (26 s) |
# | to run, `full` profile (from nothing) | about 1 min (59 s) |
# | to teach, exercises included | 65 min; exercises: 3 (25 min) |
#
# Times to run are the runner's records on 2 CPU cores (`results/<profile>/runs.json`). A laptop
# needs 2 cores, 8 GB of memory, the provisioned models (`make models`, about 7 GB of disk) and no
# network; see [Teaching](../teaching) for the set-up and what to vary live, and the
# [Glossary](../glossary) for the terms.

# %% [markdown]
# ## Parameters
#
# Papermill replaces this cell's values (see `vaxis/profiles/*.yaml`); the defaults are the `quick`
# profile.
#
# - `profile` -- names the results folder `results/<profile>/` that later chapters read.
# - `lead_model` -- registry name (`smollm2-135m`, `gemma3-270m`, `qwen2.5-coder-0.5b`, `minilm-l6`),
#   a local model folder or `.gguf` file, or a Hugging Face hub id (e.g. `Qwen/Qwen3-4B`).
# - `anchor_sentences` -- `None` for the built-in nine, or a mapping category -> sentence(s).
# - `n_items`, `n_afinn` -- rated VADER words (half dev, half test) and AFINN words (test only).
# - `templates` -- how items are presented: `bare` word, or inside a sentence (`feel`: "I feel {w}.").
# - `origin` -- position 0 is the `neutral` anchor or the `mean` of the nine.
# - `n_random_directions`, `n_components` -- the controls of section 5: random unit directions, and
#   principal components of the dev words' hidden states offered as no-anchor baselines.
# - `n_boot`, `seed` -- bootstrap resamples (over words, and over FACED's participants in section 7) and
#   the seed of every random choice.
# - `batch_size` -- texts per forward pass; `results_root` -- `None` for `<project>/results`.

# %% tags=["parameters"]
from typing import Optional, Union  # parameter types, checked by the runner

profile = "quick"
lead_model = "smollm2-135m"
anchor_sentences: Optional[dict] = None
n_items = 600
n_afinn = 300
templates = ["bare", "feel"]
origin = "neutral"
n_random_directions = 1000
n_components = 5
n_boot = 1000
seed = 0
batch_size = 64
results_root: Optional[str] = None

# %%
import numpy as np
import pandas as pd
import torch

import vaxis  # numerics (portable or native) come from the environment the runner starts us in
from vaxis import io, plots, results
from vaxis.eeg import ratings
from vaxis.book import scorecard
from vaxis.llm import frequency, norms, specificity, stimuli, validation

torch.set_num_threads(2)  # pinned: results must not depend on the machine's core count
out_dir = io.results_dir(profile, results_root)
print(f"vaxis {vaxis.__version__}; {vaxis.numerics.describe()['mode']} numerics; results go to results/{profile}/")

# %% [markdown]
# ## 1. Nine anchor sentences
#
# One vivid first-person sentence per FACED category. Four categories are negative, four positive,
# one neutral; the axis is oriented so that **positive valence is positive**.

# %%
anchor_texts, anchor_categories = stimuli.anchor_table(anchor_sentences)
pd.DataFrame({"category": anchor_categories, "sentence": anchor_texts})

# %% [markdown]
# ## 2. Held-out items with human valence ratings
#
# Words from the VADER lexicon {cite}`hutto2014vader` (mean of ten human ratings, -4..4), split into a
# *dev* half, used only to choose the layer, and a *test* half; AFINN words {cite}`nielsen2011afinn`
# (-5..5, a different rater) are a second
# test set. The sample is stratified over the rating range.

# %%
splits = norms.norm_splits(n_items=n_items, n_afinn=n_afinn, seed=seed)
print(f"dev {len(splits.dev)} words, test {len(splits.test)} words, AFINN {len(splits.afinn)} words")
splits.test.sample(6, random_state=seed)[["item", "rating", "sd"]]

# %% [markdown]
# ## 3. Hidden states of every layer, and the layer profile
#
# One batched extraction gives every layer for the anchors and for every item in every template,
# pooled by the last real token and by the mean over tokens (cached on disk: a re-run does no
# forward pass). For every layer, pooling and construction we build the axis from the nine anchors
# and correlate the items' positions with their human ratings.

# %% tags=["nbval-ignore-output", "remove-stderr"]
lead = validation.validate_model(
    lead_model, anchor_texts, anchor_categories, splits, templates=templates, origin=origin,
    batch_size=batch_size, n_boot=n_boot, seed=seed,
)

# %%
print(f"{lead.model}: {lead.n_layers} layers, hidden size {lead.hidden_size}, "
      f"{lead.meta['n_truncated']} texts truncated")
print("chosen on dev:", {k: (round(v, 3) if isinstance(v, float) else v) for k, v in lead.choice.items()})

# %%
fig = plots.layer_profile(lead.profile, lead.choice, split="dev", title=f"{lead.model}: layer profile (dev split)",
                          source=plots.llm_source(lead.model))

# %% [markdown]
# Each line is one way of building the axis; the dotted line marks the configuration chosen on the
# dev split. Layer 0 (the embeddings) has no axis under last-token pooling when every anchor ends in
# the same token: those points are missing on purpose.

# %% [markdown]
# ## 4. Held-out validation
#
# Only now do we look at the test items, with the configuration fixed.

# %%
t = lead.test
table = pd.DataFrame({
    "Spearman rho": [t["vader_test"].value, t["afinn"].value],
    "95% CI low": [t["vader_test"].low, t["afinn"].low],
    "95% CI high": [t["vader_test"].high, t["afinn"].high],
    "n items": [t["vader_test"].n, t["afinn"].n],
}, index=["VADER test split", "AFINN"]).round(3)
table

# %%
print(f"Binary sentiment (|rating| >= 1, n = {t['n_binary']} test and AFINN words): AUC = {t['auc_ci']}, "
      f"accuracy of the sign at the neutral origin = {t['accuracy_ci']} (chance 0.5; 95% bootstrap over words)")

# %% [markdown]
# **Positions, not signs.** The origin is where *one* neutral sentence falls, not a calibrated
# boundary between positive and negative words, so the sign of a word's position says little on its
# own (the accuracy above). What the axis supports is comparing positions: that one word lies above
# another, which the rank correlation and the AUC measure, and neither depends on where zero is.

# %%
fig = plots.rating_scatters({"VADER test words": (lead.test_positions, splits.test.rating.to_numpy()),
                             "AFINN words": (lead.afinn_positions, splits.afinn.rating.to_numpy())},
                            source=plots.llm_source(lead.model))

# %% [markdown]
# ## 5. What do nine sentences add?
#
# Valence is a large share of the variance of these hidden states, so a direction found with no
# anchor at all may already rank words well. Two controls at the same layer, pooling and template,
# on the same held-out words (`vaxis.llm.specificity`): random unit directions (their sign is
# arbitrary, so their |rho| is compared with the V-axis's rho), and the top principal components of
# the dev words' hidden states {cite}`jolliffe2002pca`, with component and sign chosen on the dev
# split only, as the V-axis's layer was. The advantage is the V-axis's rho minus the chosen
# component's, with a paired bootstrap over the test words {cite}`efron1979bootstrap`. The table's
# per-component rhos are point values: the one comparison the section makes, V-axis against the
# component chosen on dev, carries its paired interval in the line above it; the random directions'
# median, 95th percentile and maximum describe a null distribution, not an estimate.

# %%
ws = specificity.word_states(lead_model, anchor_texts, splits, lead.choice, templates=templates, batch_size=batch_size)
random_rho = specificity.random_direction_rhos(ws.test, ws.test_rating, n_random_directions, seed=seed)
rank = specificity.rank_among(t["vader_test"].value, random_rho)
baselines = specificity.pca_baselines(ws, n_components=n_components)
advantage = specificity.paired_advantage(lead.test_positions, specificity.baseline_positions(baselines, ws.test),
                                         ws.test_rating, n_boot=n_boot, seed=seed)
print(f"V-axis rho {rank['value']:.3f}: rank {rank['rank']} of {rank['n'] + 1} among random directions "
      f"(their |rho|: median {rank['median_abs']:.3f}, 95th percentile {rank['p95_abs']:.3f}, max {rank['max_abs']:.3f})")
print(f"V-axis minus the best no-anchor component: {advantage['diff']:.3f} "
      f"[{advantage['low']:.3f}, {advantage['high']:.3f}] (paired bootstrap over {advantage['n']} words)")
baselines.round(3)

# %%
fig = plots.random_directions(random_rho, rank["value"], baselines,
                             title=f"{lead.model}, layer {lead.choice['layer']}: directions without anchors",
                             source=plots.llm_source(lead.model))

# %% [markdown]
# ### Common and rare words
#
# The word lists mix everyday and rare words, and a model knows a rare word from fewer examples. The
# test words are split at the median of their Zipf frequency {cite}`speer2022wordfreq` (log10 of uses
# per billion words); rho in each half, and the difference with its interval (`vaxis.llm.frequency`).

# %%
by_freq = frequency.by_frequency(lead.test_positions, ws.test_rating, splits.test.item, n_boot=n_boot, seed=seed)
fig = plots.frequency_split({lead.model: by_freq}, source=plots.llm_source(lead.model))
by_freq.round(3)

# %% [markdown]
# ## 6. Where the nine categories fall
#
# Each position is one sentence's projection: there is no sample of sentences per category to
# resample, so the positions carry no interval here; section 7 gives the nine positions' agreement
# with people an interval over participants and one over categories.

# %%
fig = plots.category_positions(lead.category_positions, title=f"{lead.model}, layer {lead.choice['layer']}",
                               source=plots.llm_source(lead.model, "nine anchor sentences"))
fig.savefig(out_dir / "01_category_positions.png", dpi=120, bbox_inches="tight")

# %%
order = validation.category_order(lead.category_positions)
print("negative -> positive:", " < ".join(order))
pd.Series(lead.category_positions, name="position").round(2).to_frame().T

# %% [markdown]
# ## 7. Against the people who watched the clips
#
# FACED's 123 participants rated every film clip right after watching it, on a 0-7 scale (see
# [Data](../data); real data, shipped with `vaxis`). Each participant's mean over a category's clips,
# averaged over participants, is the human valence of that category *in the experiment whose EEG
# chapter 3 maps*. Arousal is the contrast: an axis of valence should follow valence, not arousal.
# The word norms (Warriner et al.) are the earlier human reference.
#
# Two intervals: over **participants** (bootstrap of the 123: how sure the human side is) and over
# **categories** (Fisher z of a rank correlation of nine points: how far rho could move with other
# categories of the kind). Two nulls: all 9! = 362,880 orderings of the nine positions, and the 576
# orderings that keep the negative / neutral / positive split and shuffle inside each side (is the
# order *inside* the sides shared?). With nine points the power is low: the last two columns give the
# smallest rho each null calls significant at 0.05.

# %%
participants = ratings.category_ratings(n_boot=n_boot, seed=seed)
versus = ratings.compare_with_participants(lead.category_positions, n_boot=n_boot, seed=seed)
versus.round(3)

# %%
fig = plots.positions_vs_participants({lead.model: lead.category_positions}, participants,
                                      source=plots.llm_source(lead.model, plots.PARTICIPANTS_SOURCE))

# %% [markdown]
# Each point is a category: its mean rated valence across the 123 participants (bars: 95% bootstrap
# interval over participants) and its position on this model's axis.

# %% [markdown]
# ## 8. The result files later chapters read
#
# Chapter 3 maps EEG onto these category positions; chapter 5 uses the anchor vectors.

# %%
results.write_axis(out_dir, profile=profile, lead=lead, anchor_texts=anchor_texts, anchor_categories=anchor_categories,
                   test_items=splits.test.item.to_numpy(), n_items=n_items, n_afinn=n_afinn, templates=templates,
                   seed=seed)
results.write_specificity(out_dir, profile=profile, model=lead.model, random=rank, baselines=baselines,
                          advantage=advantage, frequency=by_freq)
print("wrote", results.AXIS_JSON, results.AXIS_NPZ, "and", results.SPECIFICITY_JSON)

# %% [markdown]
# ## Summary
#
# The numbers of this run (they change with the profile and the model, never by hand):

# %%
print(f"Model {lead.model}; axis = {lead.choice['construction']} at layer {lead.choice['layer']} "
      f"of {lead.n_layers}, {lead.choice['pooling']}-token pooling, template '{lead.choice['template']}'.")
print(f"Zero-shot agreement with human valence on held-out VADER words: rho = {t['vader_test']}; "
      f"on AFINN: rho = {t['afinn']}; sentiment AUC = {t['auc_ci']}.")
pv, pa, pw = (versus.loc[k] for k in ("participants valence", "participants arousal", "word norms valence"))
print(f"Nine categories vs FACED's participants: valence rho = {pv['rho']:.3f} (participants "
      f"[{pv['participants low']:.3f}, {pv['participants high']:.3f}], categories [{pv['categories low']:.3f}, "
      f"{pv['categories high']:.3f}]; p = {pv['p all orderings']:.4f} over 9! orderings, "
      f"p = {pv['p within sides']:.3f} within sides); arousal rho = {pa['rho']:.3f} [{pa['categories low']:.3f}, "
      f"{pa['categories high']:.3f}] (p = {pa['p all orderings']:.3f}); word norms rho = {pw['rho']:.3f} "
      f"[{pw['categories low']:.3f}, {pw['categories high']:.3f}] (intervals over categories).")

# %%
print(f"Nine sentences vs no anchors: rank {rank['rank']} among {rank['n']} random directions; advantage over the "
      f"dev-chosen principal component {advantage['diff']:.3f} [{advantage['low']:.3f}, {advantage['high']:.3f}].")
fq = by_freq.loc
print(f"Common words rho {fq['common', 'rho']:.3f} [{fq['common', 'low']:.3f}, {fq['common', 'high']:.3f}], rare words "
      f"{fq['rare', 'rho']:.3f} [{fq['rare', 'low']:.3f}, {fq['rare', 'high']:.3f}]; difference {fq['common - rare', 'rho']:.3f} "
      f"[{fq['common - rare', 'low']:.3f}, {fq['common - rare', 'high']:.3f}].")
scorecard.chapter_rows(out_dir, "01")

# %% [markdown]
# **What it means.** If the interval of rho lies well above zero, nine sentences are enough to find a
# valence direction in this model, and it generalises to words chosen without looking at them. The
# layer profile shows *where* in the network it is strongest. The sign accuracy at the neutral origin
# is lower than the AUC: the axis orders items well, but its zero point (one neutral sentence) is not
# calibrated to the midpoint of word ratings, so positions are to be compared, not read by their sign.
# What the nine sentences add is measured, not assumed: a direction found with no anchors (a principal
# component of the words themselves, chosen on dev) already ranks words well, and the V-axis's
# advantage over it, with its interval, is the part the sentences contribute; random directions show
# how far chance alone gets in this space. The common/rare split shows whether the agreement rests on
# everyday words. Against the film ratings of FACED's own participants,
# the nine positions follow valence far better than arousal, and about as well as they follow the word
# norms; but nine points only test the split into negative, neutral and positive: whether the order
# *inside* the sides is shared cannot be told at this size (see the within-sides p and the rho it
# would need), and the participants themselves barely separate the four negative categories. This is
# a small model; chapter 2 asks whether other models agree.
#
# **What's next.** [Chapter 2](02_cross_llm_consistency) repeats the recipe on every available model.

# %% [markdown]
# ## Exercises
#
# Each exercise is a function to fill in: its body raises `NotImplementedError` until you do. Run the
# cell: a checker from `vaxis.exercises` runs your function on this chapter's data and says what is
# right or wrong. The solution is hidden behind the toggle below each exercise (it is not in the
# student copy, `python -m vaxis.book student`). Terms: [Glossary](../glossary).

# %%
from vaxis.exercises import check_axis_function, check_category_positions, check_spearman

# %% [markdown]
# ### Exercise 1: the difference-of-means axis (about 10 minutes)
#
# Average the hidden states of each category, subtract the mean of the negative categories' means
# from the mean of the positive ones (`stimuli.POSITIVE`, `stimuli.NEGATIVE`), and normalise.

# %% tags=["exercise", "raises-exception"]
def my_axis(X, categories):
    """X: (n_anchors, hidden_size) hidden states; categories: list of names. Returns a unit vector."""
    raise NotImplementedError("Exercise: compute the diff-of-means V-axis")


check_axis_function(my_axis, lead.anchor_vectors, anchor_categories)


# %% tags=["solution", "hide-cell"]
# Solution
def my_axis(X, categories):
    """X: (n_anchors, hidden_size) hidden states; categories: list of names. Returns a unit vector."""
    cats = np.array(categories)
    means = {c: X[cats == c].mean(axis=0) for c in dict.fromkeys(categories)}
    pos = np.mean([means[c] for c in stimuli.POSITIVE if c in means], axis=0)
    neg = np.mean([means[c] for c in stimuli.NEGATIVE if c in means], axis=0)
    v = pos - neg
    return v / np.linalg.norm(v)


check_axis_function(my_axis, lead.anchor_vectors, anchor_categories)

# %% [markdown]
# ### Exercise 2: where the categories fall (about 5 minutes)
#
# A text's *position* is `(h - origin) @ direction`. Compute each category's position as the mean of
# its anchors' positions, with the chosen axis (`lead.origin`, `lead.direction`), and compare with
# the figure of section 6. Why is `neutral` at exactly 0?

# %% tags=["exercise", "raises-exception"]
def my_positions(X, categories, origin, direction):
    """X: (n_anchors, hidden_size); origin, direction: (hidden_size,). Returns {category: position}."""
    raise NotImplementedError("Exercise: project the anchors and average per category")


check_category_positions(my_positions, lead.anchor_vectors, anchor_categories, lead.origin, lead.direction)


# %% tags=["solution", "hide-cell"]
# Solution
def my_positions(X, categories, origin, direction):
    """X: (n_anchors, hidden_size); origin, direction: (hidden_size,). Returns {category: position}."""
    proj = (X - origin) @ direction
    cats = np.array(categories)
    return {c: float(proj[cats == c].mean()) for c in dict.fromkeys(categories)}


check_category_positions(my_positions, lead.anchor_vectors, anchor_categories, lead.origin, lead.direction)

# %% [markdown]
# ### Exercise 3: Spearman's rho, ties included (about 10 minutes)
#
# The chapter's headline number is a rank correlation between the test words' positions and their
# human ratings. Write it yourself: rank both arrays (tied ratings share the mean of their ranks:
# `scipy.stats.rankdata`), then take Pearson's r of the ranks.

# %% tags=["exercise", "raises-exception"]
def spearman_rho(x, y):
    """x, y: (n,) arrays. Returns Spearman's rank correlation (average ranks for ties)."""
    raise NotImplementedError("Exercise: rank, then correlate")


check_spearman(spearman_rho, lead.test_positions, splits.test.rating.to_numpy())


# %% tags=["solution", "hide-cell"]
# Solution
from scipy.stats import rankdata


def spearman_rho(x, y):
    """x, y: (n,) arrays. Returns Spearman's rank correlation (average ranks for ties)."""
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


check_spearman(spearman_rho, lead.test_positions, splits.test.rating.to_numpy())

# %% [markdown]
# ### To discuss
#
# Is the chosen layer special? `lead.profile` holds the test-split rho of every layer: find the best
# *test* layer and say why the reported number must still come from the layer chosen on the dev split.
