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
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Finding 1: DST-based methods follow the style's face geometry
#
# > *DST-based methods (i.e. DST and FastDST) are well aware of the geometry shape of the style image compared
# > to Texture-NST methods (i.e. NST and AdaIN).* (survey, Section 3)
#
# We stylise real faces with portrait paintings using the four methods and **measure** geometry instead of
# only looking at it:
#
# * **keypoint progress** = 1 − ‖P′ − moved‖ / ‖P′ − P‖ over the content keypoints (P′ = style keypoints
#   aligned into the content frame by a similarity, as DST defines its targets). NST and AdaIN do not move
#   keypoints, so their progress is 0 by construction; DST/FastDST report how far theirs travelled.
# * **NME of re-detected landmarks**: dlib runs on each *output*; we report the normalised mean error (by the
#   content's inter-ocular distance) to the content landmarks and to the aligned style landmarks. A
#   geometry-aware output moves toward the style (lower `nme_to_style`, positive `progress`).
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
CONTENTS = ["astronaut", "obama"]
STYLES = ["mona_lisa", "hokusai_fan"]
# AdaIN as its objective solved per pair (what a perfect decoder would output; the shipped decoder fails its
# objective, see notebook 01), and Ghiasi et al.'s trained feed-forward network beside it
METHODS = ["nst", ("adain", {"decoder": "optimised"}), "ghiasi", "dst", "fastdst"]
NAMES = ["nst", "adain", "ghiasi", "dst", "fastdst"]
FIG_DIR = "../figures"

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch

import survey_lib
from survey_lib import data, viz
from survey_lib.notebooks import start

profile, device, env = start(PROFILE, DEVICE, SEED)  # seeds everything, picks the device, prints one line

if profile.name == "smoke":  # CI: one pair keeps the run short; the assertions below still apply
    CONTENTS, STYLES = CONTENTS[:1], STYLES[:1]

# %% [markdown]
# Two measures of geometry, each with what it can and cannot see:
# * **warp progress**: where the warp a method actually applied carries the content's 68 landmarks (read off its
#   dense sampling map, `metrics.points_through_warp`), as a share of the way to the similarity-aligned style
#   landmarks. It sees the whole geometric change of DST and FastDST, whatever points they optimised (NBB matches
#   or landmarks). NST and AdaIN apply no warp (the identity: progress 0 by construction), so it is not reported
#   for them.
# * **re-detection**: dlib run on the output, NME to the content and to the style landmarks, and
#   landmark progress = 1 - nme_to_style / gap. It measures every method on the final picture, but only where dlib
#   still finds the face.

# %%
import math

from survey_lib.evaluate import evaluate, grid, results

runs = evaluate(METHODS, grid(CONTENTS, STYLES), profile=profile, seeds=(SEED,), device=device)
outputs = results(runs)
table = runs.assign(gap=runs["gap_nme"], detected=runs["detected"] == 1)[
    ["content", "style", "method", "warp_progress", "detected", "nme_to_content", "nme_to_style", "gap",
     "landmark_progress"]].round({"warp_progress": 3, "nme_to_content": 4, "nme_to_style": 4, "gap": 4,
                                  "landmark_progress": 3})
grid_rows = [{"content": data.get(c, profile.size), "style": data.get(s, profile.size), "label": f"{c} / {s}",
              **{r.method: outputs[r.key].image for r in g.itertuples()}}
             for (c, s), g in runs.groupby(["content", "style"], sort=False)]
titles = {m: t.replace(" (", "\n(") for m, t in zip(runs["method"], runs["label"])}
fig = viz.method_grid(grid_rows, ["content", "style", *NAMES], titles=titles)
viz.save_figure(fig, "02_finding1_grid", FIG_DIR)
viz.save_table(table.to_dict("records"), "02_geometry_metrics", FIG_DIR, caption=(
    "Per pair and method: warp_progress = how far the applied warp carries the content's landmarks toward the "
    "aligned style landmarks (NaN: NST/AdaIN apply no warp); dlib re-detection on the output: NME to the content / "
    "style landmarks (normalised by the content's inter-ocular distance), gap = NME between the two, "
    "landmark_progress = 1 - nme_to_style / gap."))

# %%
det = table[table["detected"]]
summary = pd.DataFrame({"pairs": table.groupby("method").size(), "faces re-detected": det.groupby("method").size(),
                        "warp_progress": table.groupby("method")["warp_progress"].mean().round(3),
                        **{k: det.groupby("method")[k].mean().round(n) for k, n in
                           (("nme_to_content", 4), ("nme_to_style", 4), ("landmark_progress", 3))}})
summary = summary.reindex(NAMES).fillna({"faces re-detected": 0}).astype({"faces re-detected": int})
summary = summary.rename_axis("method").reset_index().to_dict("records")
viz.save_table(summary, "02_geometry_summary", FIG_DIR,
               caption="Means over the pairs above (NME and landmark progress over the re-detected faces).")
print(viz.markdown_table(summary))
from survey_lib.metrics import summarise

cis = summarise(table.assign(landmark_progress=table["landmark_progress"].where(table["detected"])),
                ["warp_progress", "landmark_progress"]).reindex(NAMES)
fig = viz.ci_bars(cis, {"68 landmarks through the applied warp (n/a: no warp)": "warp_progress",
                        "landmarks dlib re-detects on the output": "landmark_progress"},
                  ylabel="progress toward the style's geometry",
                  title=f"Finding 1 on the {len(runs.groupby(['content', 'style']))} pairs above: mean and 95 % "
                        "bootstrap interval")
viz.save_figure(fig, "02_geometry_progress", FIG_DIR)
by = {s["method"]: s for s in summary}
# Finding 1, as measured: the DST family's warps carry the landmarks toward the style, FastDST's (landmark
# keypoints) further than DST's (NBB points); where dlib re-detects the faces, FastDST's landmarks follow the
# style and NST's and AdaIN's do not.
assert by["fastdst"]["warp_progress"] > 0.2 and by["dst"]["warp_progress"] < by["fastdst"]["warp_progress"]
assert by["dst"]["warp_progress"] < 0.1, "NBB-based DST's warp was measured not to carry the landmarks along"
if profile.size >= 256:  # dlib needs the survey's 256 px: it re-detects almost nothing on 64 px smoke outputs
    for name in ("nst", "adain", "ghiasi", "fastdst"):
        assert by[name]["faces re-detected"] >= 1, f"dlib re-detected no {name} output: Finding 1 is not measured"
    for name in ("nst", "adain", "ghiasi"):
        assert by[name]["landmark_progress"] < 0.15, f"{name}'s re-detected landmarks should not follow the style"
        assert by["fastdst"]["landmark_progress"] > by[name]["landmark_progress"] + 0.1, f"fastdst vs {name}"

# %%
verdict = []
for name in NAMES:
    s = by[name]
    moved = ("applies no warp" if math.isnan(s["warp_progress"]) else
             f"its warp carries the landmarks {s['warp_progress']:.2f} of the way")
    lm = s["landmark_progress"]
    follows = ("re-detected landmarks move toward the style" if lm > 0.1 else
               "re-detected landmarks do not move toward the style")
    verdict.append(f"{name}: {moved}; {follows} (progress {lm:.2f}, {s['faces re-detected']} of {s['pairs']} "
                   "re-detected)")
print("\n".join(verdict))

# %% [markdown]
# **Reading the numbers.** NST and AdaIN never move the face: they apply no warp, and the re-detected landmarks
# stay near the content's (landmark progress about zero, negative when the texture distorts the features). The
# AdaIN column is AdaIN's objective solved for each pair (`decoder="optimised"`), so this is a property of AdaIN, not
# of a weak decoder; and Ghiasi et al.'s network, a feed-forward successor of AdaIN trained on tens of thousands of
# paintings, does not move the face either: training a texture network well does not make it follow geometry.
# FastDST, whose 68 keypoints *are* the facial landmarks, carries them a large part of the way and the re-detected
# landmarks follow: this is the survey's Finding 1, now measured. DST with Neural Best Buddies warps too, but its
# points are fewer and less tied to facial features: its warp does not carry the facial landmarks toward the
# style's (in the committed default run slightly away, on all four pairs), and the re-detected landmarks do not
# follow either (see the verdict above). Finding 1 holds for FastDST, not for NBB-based DST at these settings.
# How far any of them get depends on the warp
# weight (β = 0.5) against the style terms on the warped image and the flow regulariser (γ = 50): with the
# published weights the keypoints settle part of the way, not on the targets.

# %% [markdown]
# ### The trade-off the survey does not show: warp weight β and steps
#
# DST's keypoints follow the style only as far as the warp term β·L_warp wins against the style terms on the warped
# image and the flow regulariser γ·TV. With the published weights (α 8, β 0.5, γ 50, SGD lr 0.3, 3 × 150 steps)
# they travel only part of the way: on DST's own example pair the original code moves them about 17 % in 3 × 50
# steps (L_warp 35.2 → 29.3 px), and so does `survey_lib.dst` on the same inputs and points. The **default profile
# keeps the published α, β and γ** but takes 3 × 15 steps instead of 3 × 150, so it raises the keypoints' learning
# rate 7.5× (`theta_lr_scale` in the profile's `dst` section; the full 10× makes the momentum SGD overshoot): the
# keypoints then cover about the distance the published schedule covers, and figures stay within the CPU budget.
# The `paper` profile runs the published schedule unchanged.
#
# Below, one pair, both methods, β from the published 0.5 up to 64× it, everything else as in this profile. For
# each run: keypoint progress (the optimised points: NBB matches for DST, landmarks for FastDST), warp progress of
# the 68 landmarks, the share of folded pixels of the applied warp, and the keypoint progress after every step
# (1 − L_warp(t) / L_warp(0)), which is the steps axis.

# %%
import json

SWEEP_PAIR, BETAS = (CONTENTS[0], STYLES[0]), [0.5, 2.0, 8.0, 32.0]
swept = evaluate([(name, {"warp_weight": beta}) for name in ("dst", "fastdst") for beta in BETAS], [SWEEP_PAIR],
                 profile=profile, seeds=(SEED,), device=device)  # beta 0.5 is the main grid's run: read, not rerun
swept["beta"] = [json.loads(s)["warp_weight"] for s in swept["settings"]]
swept_outputs = results(swept)
histories = {(r["method"], r["beta"]): swept_outputs[r["key"]].history["warp"] for r in swept.to_dict("records")}
curves = {k: (1 - torch.tensor(lw) / lw[0]).tolist() for k, lw in histories.items()}
dst_cfg = profile.section("dst")
sweep = [{"method": r["method"], "beta": r["beta"], "published": r["beta"] == 0.5, "steps": r["steps"],
          "gap_px": round(histories[r["method"], r["beta"]][0], 2),
          "keypoint_progress": round(r["own_target_progress"], 3), "warp_progress": round(r["warp_progress"], 3),
          "folded_%": round(r["folded_%"], 3)} for r in swept.to_dict("records")]
viz.save_table(sweep, "02_beta_sweep", FIG_DIR, caption=(
    f"{SWEEP_PAIR[0]} / {SWEEP_PAIR[1]}, {profile.name} profile ({dst_cfg['scales']} x {dst_cfg['steps_per_scale']} "
    f"steps, keypoint lr x{dst_cfg.get('theta_lr_scale', 1.0)}); beta = warp weight (published: 0.5). gap_px = mean "
    "distance of the optimised keypoints to their targets before the first step; keypoint_progress = share of it "
    "closed; warp_progress = the same for the 68 landmarks carried by the applied warp; folded_% = pixels where that "
    "warp folds over (Jacobian determinant <= 0)."))
print(viz.markdown_table(sweep))

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
for name, color in (("dst", "tab:green"), ("fastdst", "tab:red")):
    rows_m = [r for r in sweep if r["method"] == name]
    axes[0].plot(BETAS, [r["keypoint_progress"] for r in rows_m], "o-", color=color, label=f"{name} keypoints")
    lm = [r["warp_progress"] for r in rows_m]  # DST's can fall far below -1: drawn at -1, value written beside
    axes[0].plot(BETAS, [max(v, -1) for v in lm], "s--", color=color, alpha=0.6, label=f"{name} landmarks via warp")
    for beta, v in zip(BETAS, lm):
        if not v >= -1:  # also NaN: a warp folded beyond inverting
            axes[0].annotate(f"{v:.1f}" if v == v else "folded", (beta, -1), textcoords="offset points",
                             xytext=(-30, 4 if name == "dst" else 14), fontsize=7, color=color)
    axes[1].plot(BETAS, [r["folded_%"] for r in rows_m], "o-", color=color, label=name)
    for beta, ls in zip(BETAS, ("-", "--", "-.", ":")):
        axes[2].plot(range(1, len(curves[name, beta]) + 1), curves[name, beta], ls, color=color,
                     label=f"{name} β={beta:g}")
for ax, text_y in zip(axes[:2], (0.03, 0.5)):  # the label kept clear of the curves
    ax.set_xscale("log", base=2); ax.set_xticks(BETAS, [f"{b:g}" for b in BETAS]); ax.set_xlabel("warp weight β")
    ax.axvline(0.5, color="k", lw=0.6, ls=":")
    ax.text(0.5, text_y, " published β", fontsize=7, rotation=90, transform=ax.get_xaxis_transform())
axes[0].set_ylabel("progress toward the style geometry"); axes[0].axhline(0, color="k", lw=0.5)
axes[0].set_ylim(-1.1, 1.05)
axes[1].set_ylabel("folded pixels (%)")
axes[2].set_xlabel("optimisation step (all scales)"); axes[2].set_ylabel("keypoint progress")
axes[0].legend(fontsize=6, loc="center right"); axes[1].legend(fontsize=6)
axes[2].legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: no curve hidden
fig.suptitle(f"{SWEEP_PAIR[0]} / {SWEEP_PAIR[1]}: how far the warp follows the style, against β and steps",
             fontsize=10)
fig.tight_layout()
viz.save_figure(fig, "02_beta_sweep", FIG_DIR)

# %%
sw = {(r["method"], r["beta"]): r for r in sweep}
dst_kp = [sw["dst", b]["keypoint_progress"] for b in BETAS]
fast_kp = [sw["fastdst", b]["keypoint_progress"] for b in BETAS]
print(f"published beta: dst keypoints {dst_kp[0]:.2f}, fastdst {fast_kp[0]:.2f} of the way; best fastdst "
      f"{max(fast_kp):.2f} at beta {BETAS[fast_kp.index(max(fast_kp))]:g}; dst folds "
      f"{', '.join(str(sw['dst', b]['folded_%']) for b in BETAS)} %")
if profile.size >= 256:  # the survey's size; smoke's 64 px runs of 2 x 8 steps only check that the sweep runs
    # at the published beta the keypoints settle part of the way: DST's NBB points about a sixth (as DST's own
    # code on its example pair), FastDST's landmarks more, but short of the targets
    assert dst_kp[0] < 0.25 and 0.3 < fast_kp[0] < 0.8, (dst_kp[0], fast_kp[0])
    # a larger beta moves DST's keypoints further (from 0.5 to 8; at 32 the run folds and overshoots, and where it
    # ends depends on float rounding: 0.78-0.93 over runs with 1 or 2 threads)...
    assert dst_kp[1] > dst_kp[0] + 0.2 and dst_kp[2] > dst_kp[1], dst_kp
    # ...at the price of a folding warp (none at the published beta)...
    assert sw["dst", 0.5]["folded_%"] < 0.1 and sw["dst", 8.0]["folded_%"] > 1, "DST's warp should fold at large beta"
    # ...that drags the facial landmarks away from the style's, more so as beta grows (NaN: folded beyond inverting)
    dst_lm = [sw["dst", b]["warp_progress"] for b in BETAS]
    assert dst_lm[0] < 0 and dst_lm[2] < dst_lm[0], dst_lm
    # FastDST gains from beta up to a point, without folding (up to beta 8); past it the momentum SGD overshoots
    assert max(fast_kp) > fast_kp[0] + 0.2 and fast_kp[-1] < max(fast_kp) - 0.1, fast_kp
    assert all(sw["fastdst", b]["folded_%"] < 0.1 for b in BETAS[:3])

# %% [markdown]
# **Reading the sweep.** With the published β both methods stop part of the way; DST's NBB keypoints close only
# about a sixth of their gap, as DST's released code does on its own example pair. Raising β is no free fix:
# DST's NBB points then get closer to their targets, but its warp starts to fold (none at β = 0.5, several per cent
# of the pixels from β = 8) and the facial landmarks it carries move *away* from the style's, because NBB matches on
# this pair are not the facial features: a stronger warp follows the wrong points more faithfully. FastDST, whose
# keypoints are the landmarks, gains from a larger β without folding up to β = 8; at β = 32 the momentum SGD
# overshoots.
# The default profile keeps the published β = 0.5 (with the keypoint learning rate scaled for its 45 steps, see
# above): one setting for both methods, the one the survey timed and judged, rather than a β tuned per method on
# the pair we report. The table above is where a reader who wants FastDST to follow the style more closely can pick
# a larger β.

# %%
from survey_lib.widgets import method_explorer

view = method_explorer(CONTENTS, STYLES, METHODS, profile="smoke")
