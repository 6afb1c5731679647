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
METHODS = ["nst", "adain", "dst", "fastdst"]
FIG_DIR = "../figures"

# %%
import matplotlib.pyplot as plt

import survey_lib
from survey_lib import data, methods, viz
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

from survey_lib.dst import warp_targets
from survey_lib.metrics import geometry_scores, keypoint_progress, points_through_warp

grid_rows, table, titles = [], [], {}
for content in CONTENTS:
    for style in STYLES:
        P = data.landmarks(content, profile.size)
        target = warp_targets(P, data.landmarks(style, profile.size), profile.size)
        row = {"content": data.get(content, profile.size), "style": data.get(style, profile.size),
               "label": f"{content} / {style}"}
        for name in METHODS:
            res = methods.run(name, content, style, profile=profile, device=device, seed=SEED)
            row[name], titles[name] = res.image, res.label
            warp = res.extras.get("sampling_map")  # None for NST and AdaIN: no warp
            prog = keypoint_progress(P, points_through_warp(warp, P), target) if warp is not None else math.nan
            g = geometry_scores(res.image, P, target)
            table.append({"content": content, "style": style, "method": name, "warp_progress": round(prog, 3),
                          "detected": g["detected"], "nme_to_content": round(g["nme_to_content"], 4),
                          "nme_to_style": round(g["nme_to_style"], 4), "gap": round(g["gap"], 4),
                          "landmark_progress": round(g["progress"], 3)})
        grid_rows.append(row)
fig = viz.method_grid(grid_rows, ["content", "style", *METHODS], titles=titles)
viz.save_figure(fig, "02_finding1_grid", FIG_DIR)
viz.save_table(table, "02_geometry_metrics", FIG_DIR, caption=(
    "Per pair and method: warp_progress = how far the applied warp carries the content's landmarks toward the "
    "aligned style landmarks (NaN: NST/AdaIN apply no warp); dlib re-detection on the output: NME to the content / "
    "style landmarks (normalised by the content's inter-ocular distance), gap = NME between the two, "
    "landmark_progress = 1 - nme_to_style / gap."))

# %%
summary = []
for name in METHODS:
    rows_m = [r for r in table if r["method"] == name]
    det = [r for r in rows_m if r["detected"]]
    mean = lambda k, rs: sum(r[k] for r in rs) / len(rs) if rs else float("nan")  # noqa: E731
    summary.append({"method": name, "pairs": len(rows_m), "faces re-detected": len(det),
                    "warp_progress": round(mean("warp_progress", rows_m), 3),
                    "nme_to_content": round(mean("nme_to_content", det), 4),
                    "nme_to_style": round(mean("nme_to_style", det), 4),
                    "landmark_progress": round(mean("landmark_progress", det), 3)})
viz.save_table(summary, "02_geometry_summary", FIG_DIR,
               caption="Means over the pairs above (NME and landmark progress over the re-detected faces).")
print(viz.markdown_table(summary))
fig, ax = plt.subplots(figsize=(6, 3))
nan0 = lambda v: 0 if math.isnan(v) else v  # noqa: E731
ax.bar([s["method"] for s in summary], [nan0(s["warp_progress"]) for s in summary], color="tab:blue",
       label="landmarks through the applied warp (none for NST/AdaIN)")
ax.bar([s["method"] for s in summary], [nan0(s["landmark_progress"]) for s in summary],
       color="tab:orange", alpha=0.6, width=0.4, label="re-detected landmarks")
ax.axhline(0, color="k", lw=0.5); ax.set_ylabel("progress toward style geometry"); ax.legend(fontsize=7)
ax.set_title("Finding 1: who follows the style's geometry?", fontsize=10)
viz.save_figure(fig, "02_geometry_progress", FIG_DIR)
by = {s["method"]: s for s in summary}
# Finding 1, as measured: the DST family's warps carry the landmarks toward the style, FastDST's (landmark
# keypoints) further than DST's (NBB points); where dlib re-detects the faces, FastDST's landmarks follow the
# style and NST's and AdaIN's do not.
assert by["fastdst"]["warp_progress"] > 0.2 and by["dst"]["warp_progress"] < by["fastdst"]["warp_progress"]
assert by["dst"]["warp_progress"] < 0.1, "NBB-based DST's warp was measured not to carry the landmarks along"
if profile.size >= 256:  # dlib needs the survey's 256 px: it re-detects almost nothing on 64 px smoke outputs
    for name in ("nst", "adain", "fastdst"):
        assert by[name]["faces re-detected"] >= 1, f"dlib re-detected no {name} output: Finding 1 is not measured"
    for name in ("nst", "adain"):
        assert by[name]["landmark_progress"] < 0.15, f"{name}'s re-detected landmarks should not follow the style"
        assert by["fastdst"]["landmark_progress"] > by[name]["landmark_progress"] + 0.1, f"fastdst vs {name}"

# %%
verdict = []
for name in METHODS:
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
# stay near the content's (landmark progress about zero, negative when the texture distorts the features).
# FastDST, whose 68 keypoints *are* the facial landmarks, carries them a large part of the way and the re-detected
# landmarks follow: this is the survey's Finding 1, now measured. DST with Neural Best Buddies warps too, but its
# points are fewer and less tied to facial features: its warp does not carry the facial landmarks toward the
# style's (in the committed default run slightly away, on all four pairs), and the re-detected landmarks do not
# follow either (see the verdict above). Finding 1 holds for FastDST, not for NBB-based DST at these settings.
# How far any of them get depends on the warp
# weight (β = 0.5) against the style terms on the warped image and the flow regulariser (γ = 50): with the
# published weights the keypoints settle part of the way, not on the targets.

# %%
from survey_lib.widgets import method_explorer

view = method_explorer(CONTENTS, STYLES, METHODS, profile="smoke")
