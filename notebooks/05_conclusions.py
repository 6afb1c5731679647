# ---
# jupyter:
#   accelerator: GPU
#   colab:
#     provenance: []
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,accelerator,colab,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Conclusions: common facial landmarks and speed
#
# The survey's conclusions: (1) inference speed is the clear problem of DST-based methods; (2) exemplar methods
# depend on one style image; Face of Art's **common facial landmarks** (a mean shape over several exemplars of
# one style) generalise better than one exemplar's landmarks.
#
# We build the common landmarks of a style as the Procrustes mean of several exemplars' landmarks, use them
# as DST targets, and compare with a single exemplar; then summarise speed from notebook 01.
#
# *On Google Colab:* open this notebook from the repository on GitHub, run the first code cell (once, with
# `REPO_URL` set to this repository; see the README's Colab section), then run all.

# %% tags=["colab"]
# Google Colab only (elsewhere this cell does nothing): clone the repository once, import survey_lib from the clone,
# install only what Colab lacks (its torch and dlib are kept). Safe to run again, also after "Restart session".
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    REPO_URL = os.environ.get("SURVEY_REPO_URL", "https://github.com/YOUR-ACCOUNT/geometry-nst-survey.git")  # edit
    CLONE = os.environ.get("SURVEY_CLONE", "/content/geometry-nst-survey")
    if not os.path.isdir(CLONE):
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", REPO_URL, CLONE], check=True)
    sys.path[:0] = [] if CLONE in sys.path else [CLONE]
    import survey_lib.colab

    survey_lib.colab.setup(CLONE)

# %% tags=["parameters"]
PROFILE = "default"  # smoke, default or paper
DEVICE = "auto"
SEED = 0
CONTENT = "obama"
EXEMPLARS = ["sylvie_blue", "eileen_sprite", "lucy_sprite", "eileen_concert"]  # anime faces, 3 characters
STYLE = "sylvie_blue"
FIG_DIR = "../figures"
AT_SCALE_DIR = None  # the committed at-scale tables (figures/at_scale, written by `make evaluate`)

# %%
import matplotlib.pyplot as plt
import pandas as pd

import survey_lib
from survey_lib import data, viz
from survey_lib.notebooks import start

profile, device, env = start(PROFILE, DEVICE, SEED)  # seeds everything, picks the device, prints one line

# %%

from survey_lib.geometry.landmarks import mean_shape, similarity_transform, apply_transform
from survey_lib.evaluation.evaluate import evaluate
from survey_lib.evaluation.metrics import own_target_progress, point_gap
from survey_lib.evaluation.pairs import Pair

from survey_lib.images import resize_points

shapes = [data.landmarks(name) for name in EXEMPLARS]  # each in its own image file's frame
ref = EXEMPLARS.index(STYLE)
common = mean_shape(shapes, reference=ref)  # in the frame of the STYLE image file

# %% [markdown]
# **Does a common shape generalise?** Scored on the exemplars it was fitted to, a mean is closer to them than any
# one of them by construction. So each exemplar is held out in turn, with every drawing of its character: the
# common shape of the remaining characters' exemplars, and each of those exemplars alone, are scored on it
# (`shapes.leave_one_out`: aligned gap over the 13 hand-placeable landmarks, NME). Anime and cartoon faces, each
# category on its own; the interval is over characters (a character's drawings averaged first).

# %%
from survey_lib.data import character
from survey_lib.geometry.shapes import leave_one_out
from survey_lib.evaluation.stats import summarise

loo = []
for category in ("anime", "cartoon"):
    names = [e.name for e in data.list_images(category=category) if e.landmarks]
    t = leave_one_out({n: data.landmarks(n, 256) for n in names}, group_of={n: character(n) for n in names})
    loo.append(t.assign(category=category))
loo = pd.concat(loo, ignore_index=True)
LOO = ["common", "single_mean", "single_best", "common_minus_single"]
per_character = loo.groupby(["category", "group"], as_index=False)[LOO].mean()
loo_ci = summarise(per_character, LOO, by="category")
viz.save_table([{"category": c, "characters": int(r["common_n"]),
                 **{m: f"{r[m]:.3f} [{r[m + '_lo']:.3f}, {r[m + '_hi']:.3f}]" for m in LOO}}
                for c, r in loo_ci.iterrows()], "05_leave_one_out", FIG_DIR, caption=(
    "Leave one character out: the common (Procrustes mean) landmarks of the other characters' exemplars, scored on "
    "a held-out exemplar (common), against each of those exemplars alone (single_mean: on average; single_best: "
    "the best one, picked with hindsight); aligned NME over the 13 hand-placeable landmarks. Mean [95 % bootstrap "
    "interval over characters]."))
fig = viz.ci_bars(loo_ci, {"common shape of the others": "common", "a single other exemplar (average)": "single_mean",
                           "the best single exemplar (hindsight)": "single_best"},
                  ylabel="gap to the held-out exemplar (NME)",
                  title="Leave one character out: common landmarks vs one exemplar")
viz.save_figure(fig, "05_leave_one_out", FIG_DIR)
lc = loo_ci.to_dict("index")
for category in ("anime", "cartoon"):
    # the survey's conclusion, held out: the common shape predicts an unseen character better than a typical
    # single exemplar does...
    assert lc[category]["common_minus_single_hi"] < 0, (category, lc[category])
    # ...and about as well (within 0.01 NME) as the best single exemplar, which only hindsight can pick
    assert abs(lc[category]["common"] - lc[category]["single_best"]) < 0.01, (category, lc[category])
loo_ci[["common", "single_mean", "single_best", "common_minus_single", "common_minus_single_lo",
        "common_minus_single_hi"]].round(3)

# %% [markdown]
# **How much does the result depend on the exemplar?** The survey's second conclusion is that one exemplar is a
# fragile description of a style. Measured directly: the at-scale plan `exemplars` sends one photograph (one-shot
# FoA, default profile, seeds 0 and 1) toward each catalogue drawing of one character, and toward the common
# landmarks of those drawings, and records where each applied warp carries the photograph's 68 landmarks
# (`exemplars_points.csv`). The spread of those end geometries is the exemplar dependence (`shapes.spread`, in
# NME of the photograph): `to_centre` is each run's mean distance from the average of the single-exemplar runs,
# `moved` how far its warp moved the face at all, and `seed_noise` how far the same run with another seed ends.

# %%
import torch

from survey_lib.evaluation import plans
from survey_lib.geometry.landmarks import inter_ocular
from survey_lib.evaluation.metrics import nme
from survey_lib.geometry.shapes import spread

ex = plans.read_plan("exemplars", AT_SCALE_DIR, required=True)
ex_points = plans.read_plan("exemplars_points", AT_SCALE_DIR, required=True)
plans.report_staleness("exemplars", folder=AT_SCALE_DIR)
ends = {(label, seed): torch.tensor(g.sort_values("landmark")[["x", "y"]].to_numpy())
        for (label, seed), g in ex_points.groupby(["pair", "seed"], sort=False)}
targets = list(dict.fromkeys(label for label, _ in ends))
singles = [t for t in targets if not t.startswith("common")]
start = data.landmarks(plans.EXEMPLAR_CONTENT, 256)
ex_spread = pd.DataFrame(spread({t: ends[t, 0] for t in targets}, start, centre_of=singles)).T
ex_spread["seed_noise"] = [nme(ends[t, 1], ends[t, 0], normaliser=inter_ocular(start)) for t in targets]
ex_spread = ex_spread.join(ex[ex["seed"] == 0].set_index("pair")[["gap_nme", "own_target_progress",
                                                                   "landmark_progress"]])
viz.save_table(ex_spread.round(3).rename_axis("target").reset_index().to_dict("records"), "05_exemplar_spread",
               FIG_DIR, caption=(
                   f"{plans.EXEMPLAR_CONTENT} sent toward each drawing of {plans.EXEMPLAR_CHARACTER} and toward their "
                   "common landmarks (one-shot FoA, default profile, plan exemplars): to_centre = mean distance of the "
                   "carried 68 landmarks from the average of the single-exemplar runs (seed 0), moved = from where "
                   "they started, seed_noise = from the same run with seed 1 (NME of the photograph); gap_nme = the "
                   "aligned gap to the target, own_target_progress toward it, landmark_progress by dlib on the "
                   "output."))
ex_spread.round(3)

# %%
COLORS, ZOOM = ["tab:blue", "tab:orange", "tab:green", "tab:purple"], 5
centre = torch.stack([ends[t, 0] for t in singles]).mean(0)
face = survey_lib.images.to_numpy(data.get(plans.EXEMPLAR_CONTENT, 256))
fig = plt.figure(figsize=(14, 5.2))
cells = fig.add_gridspec(2, 5, width_ratios=[1, 1, 0.15, 2, 2])
for k, label in enumerate(singles):
    ax = fig.add_subplot(cells[k // 2, k % 2])
    ax.imshow(survey_lib.images.to_numpy(data.get(label, 256)))
    viz.draw_points(ax, data.landmarks(label, 256), color=COLORS[k], size=3)
    ax.set_title(label, fontsize=9, color=COLORS[k])
    ax.axis("off")
moved_ax, spread_ax = fig.add_subplot(cells[:, 3]), fig.add_subplot(cells[:, 4])
for ax in (moved_ax, spread_ax):
    ax.imshow(face, alpha=0.6)
    viz.zoom_to(ax, start, margin=0.15)
    ax.axis("off")
viz.draw_points(moved_ax, start, color="black", size=14, marker="x", label="before")
viz.draw_points(moved_ax, centre, color="red", size=10, label="after (average over the drawings)")
moved_ax.set_title(f"how far the warp moves {plans.EXEMPLAR_CONTENT}'s landmarks (true scale)", fontsize=9)
moved_ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, -0.12))
for k, label in enumerate(singles):  # each drawing's end, its offset from the average end magnified
    shown = centre + ZOOM * (ends[label, 0] - centre)
    spread_ax.plot(torch.stack([centre[:, 0], shown[:, 0]]), torch.stack([centre[:, 1], shown[:, 1]]),
                   color=COLORS[k], lw=0.7)
    viz.draw_points(spread_ax, shown, color=COLORS[k], size=9, label=f"toward {label}")
viz.draw_points(spread_ax, centre + ZOOM * (ends[targets[-1], 0] - centre), color="black", size=40, marker="+",
                label=f"toward the {targets[-1]}")
spread_ax.set_title(f"which drawing: each end around the average end, offsets x{ZOOM}", fontsize=9)
spread_ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, -0.2), ncol=2)
fig.tight_layout()
viz.save_figure(fig, "05_exemplar_spread", FIG_DIR)

# %%
sp = ex_spread.to_dict("index")
one = ex_spread.loc[singles]
# the exemplar matters: every drawing of the same character pulls the result aside by five times the run-to-run
# noise or more, and by at least a tenth of how far the warp moves the face...
assert one["to_centre"].min() > 5 * ex_spread["seed_noise"].max(), ex_spread
assert one["to_centre"].min() > 0.1 * one["moved"].mean(), ex_spread
# ...the drawing farthest from the photograph's shape is the one the method gets least far toward...
assert one["gap_nme"].idxmax() == one["landmark_progress"].idxmin() == one["own_target_progress"].idxmin(), one
# ...and the common landmarks give the consensus without choosing a drawing: that run ends nearer the average
# outcome than any single-exemplar run does
assert sp[targets[-1]]["to_centre"] < one["to_centre"].min(), ex_spread
print(f"one character, {len(singles)} drawings: the face moves {one['moved'].mean():.3f} NME; the drawing chosen "
      f"moves its end {one['to_centre'].min():.3f}-{one['to_centre'].max():.3f} from the average end (seed noise "
      f"<= {ex_spread['seed_noise'].max():.3f}); the gap to the target ranges {one['gap_nme'].min():.3f}-"
      f"{one['gap_nme'].max():.3f} and dlib's re-detected progress {one['landmark_progress'].min():.2f}-"
      f"{one['landmark_progress'].max():.2f}; toward the common landmarks the end lies "
      f"{sp[targets[-1]]['to_centre']:.3f} from the average")

# %% [markdown]
# **Reading the spread.** Four drawings of one character, one photograph, one method: the warp moves the face about
# 0.07 NME, and which drawing it is sent toward moves where the face ends by 0.013 to 0.029 NME, a fifth to two
# fifths of the whole movement and at least five times the run-to-run noise of a second seed. The drawings differ
# in more than shape: a surprised face widens the gap to 0.23 NME (from 0.15) and lowers how far the method gets.
# The conclusions a reader draws from one exemplar (how far DST-style methods follow "the style's" geometry)
# therefore carry this much exemplar dependence. The run toward the drawings' common landmarks ends nearer the
# average of the four outcomes than any single drawing does: the common shape gives the consensus geometry without
# choosing a drawing, which is the survey's second conclusion, measured.

# %%
P = data.landmarks(CONTENT)
w, h = data.entry(STYLE).size
to_size = lambda pts: resize_points(pts, (h, w), profile.size)  # noqa: E731
TARGETS = {"single exemplar": shapes[ref], "common landmarks": common}
toward = evaluate(["oneshot_foa"], [Pair.resolve(CONTENT, STYLE, size=profile.size, match_size=profile.match_size,
                                                 content_landmarks=P, style_landmarks=t) for t in TARGETS.values()],
                  profile=profile, seeds=(SEED,), device=device, metrics=(point_gap, own_target_progress))
runs = toward.table.assign(targets=list(TARGETS))
stored = toward.results()
fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
axes[0].imshow(survey_lib.images.to_numpy(data.get(CONTENT, profile.size))); axes[0].set_title("content")
axes[1].imshow(survey_lib.images.to_numpy(data.get(STYLE, profile.size))); axes[1].set_title("style")
for s in shapes:
    aligned = apply_transform(similarity_transform(s, common), s)
    viz.draw_points(axes[1], to_size(aligned), color="white", size=2)
viz.draw_points(axes[1], to_size(common), color="red", size=6)
for ax, r in zip(axes[2:], runs.itertuples()):
    ax.imshow(survey_lib.images.to_numpy(stored[r.key].image)); ax.set_title(r.targets)
    viz.draw_points(ax, stored[r.key].moved, color="lime", size=3)
for ax in axes:
    ax.axis("off")
fig.tight_layout()
viz.save_figure(fig, "05_common_landmarks", FIG_DIR)
rows = [{"targets": r.targets, "gap_px": round(r.gap_px, 2), "keypoint_progress": round(r.own_target_progress, 3)}
        for r in runs.itertuples()]
viz.save_table(rows, "05_common_vs_single", FIG_DIR,
               caption="One-shot FoA toward one exemplar's landmarks vs the common landmarks.")
print(viz.markdown_table(rows))

# %% tags=["nbval-ignore-output"]
# nbval-ignore-output: this cell prints notebook 01's wall-clock seconds, which differ from run to run
import csv
from pathlib import Path

table1 = Path(FIG_DIR) / "01_table1.csv"
if table1.exists():
    speed = list(csv.DictReader(table1.open()))
    print("Speed (from notebook 01):")
    print(viz.markdown_table([{k: r[k] for k in ("method", "steps", "matching_s", "optimisation_s", "total_s")}
                              for r in speed]))
else:
    print("run notebook 01 first for the speed summary")

# %% [markdown]
# **Conclusions, with numbers.**
# * Speed: AdaIN answers in a forward pass; NST and DST optimise. Correspondences are no longer the
#   bottleneck (vectorised NBB: seconds on a CPU vs 105 s on a K80 in the survey); DST's STROTSS losses are.
# * Common landmarks generalise, measured on characters they never saw: the common shape of the other characters'
#   exemplars is closer to a held-out exemplar than a typical single exemplar is (anime and cartoon faces, the
#   interval of the difference below zero), and about as close as the best single exemplar, which no one can pick
#   without seeing the held-out face. DST can target the mean shape directly (same API, `style_landmarks=`).
# * One exemplar is a fragile description: four drawings of one character send the same photograph's landmarks to
#   ends 0.013-0.029 NME apart from their average (the face moves 0.07 in all), while the run toward their common
#   landmarks lands nearest that average.
