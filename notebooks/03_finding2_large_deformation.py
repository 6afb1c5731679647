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
# # 03 · Finding 2: DST breaks on large deformations, and dlib finds no anime face
#
# > *DST-based methods do not work well with large geometry deformation (e.g. some anime style) [...] FastDST
# > does not work with the above style images [...] dlib can not find a face.* (survey, Section 4)
#
# Four measurements:
# 1. **dlib and AnimeFace per category** (photo, painting, drawing, cartoon, anime), measured at the survey's
#    256 px: the share of images in which each finds a face. Where dlib finds none, FastDST as in the survey
#    raises `NoFaceFound` and says what to do, instead of crashing.
# 2. **How large the deformation is**: the aligned landmark gap between photographs and the faces of each
#    category, so that "large" is a number.
# 3. **FastDST with AnimeFace's parts, and DST, at scale**: three photographs x every anime face AnimeFace finds,
#    with the geometry scored on hand-placed landmarks, the distortion beyond folds, and identity kept.
# 4. **A controlled sweep to convergence**: the content's own landmarks exaggerated step by step; how much of the
#    gap DST's optimiser closes (as one-shot FoA, on the landmarks) when it is given the steps it needs, and how its
#    warp folds against the exact spline's at the same displacement.
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
CONTENT = "astronaut"
FIG_DIR = "../figures"
AT_SCALE_DIR = None  # the committed at-scale tables (figures/at_scale, written by `make evaluate`)

# %%
import pandas as pd

from IPython.display import display

import survey_lib
from survey_lib import data, viz
from survey_lib.notebooks import figure_dir, start

profile, device, env = start(PROFILE, DEVICE, SEED)  # seeds everything, picks the device, prints one line
FIG_DIR = figure_dir(FIG_DIR, profile)  # another profile draws into build/, not figures/

# %%
from survey_lib.geometry import animeface
from survey_lib.evaluation.detection import catalogue_detection, detection_rates

SURVEY_SIZE = 256  # the survey resizes every image to 256 x 256; detection is cheap, so every profile measures there
CATEGORIES = ["photo", "painting", "drawing", "cartoon", "anime"]
detection = catalogue_detection(categories=CATEGORIES, sizes=(SURVEY_SIZE,))[
    ["name", "category", f"faces@{SURVEY_SIZE}", "animeface@256"]].rename(
    columns={f"faces@{SURVEY_SIZE}": "dlib", "animeface@256": "animeface"})
summary = detection_rates(detection, ["dlib", "animeface"], categories=CATEGORIES).round(3)
rate = summary[["dlib_rate", "animeface_rate"]].set_axis(["dlib", "animeface"], axis=1)
viz.save_table(detection.to_dict("records"), "03_detection_per_image", FIG_DIR, caption=(
    f"Faces found at {SURVEY_SIZE} px, the survey's image size, by dlib's frontal detector (upsample 1) and by "
    f"AnimeFace (likelihood >= {animeface.MIN_LIKELIHOOD})."))
viz.save_table(summary.rename_axis("category").reset_index().to_dict("records"), "03_detection_by_category",
               FIG_DIR, caption=(f"Share of images per category in which dlib and AnimeFace find a face at "
                                 f"{SURVEY_SIZE} px."))
display(summary)
viz.save_figure(viz.rate_bars(summary, {"dlib (HOG, photographs)": "dlib", "AnimeFace (anime)": "animeface"},
                              title=f"face detection at {SURVEY_SIZE} px by category", figsize=(6.5, 2.8)),
                "03_detection_by_category", FIG_DIR)
assert rate.loc["photo", "dlib"] >= 0.9, "dlib should find the faces in the photographs"
assert rate.loc["anime", "dlib"] <= rate.loc["photo", "dlib"] - 0.5, "the survey's claim: far fewer anime faces"
assert rate.loc["anime", "animeface"] >= 0.7 and rate.loc["photo", "animeface"] <= 0.1, "AnimeFace: anime, not photos"

# %% [markdown]
# ### Is an anime face a large deformation? The gap measured per category
#
# "Large deformation" is a size, so it is measured: for every photograph x every annotated face, the aligned
# landmark gap (`shapes.shape_gap`: the style's landmarks similarity-aligned onto the photograph's, mean distance
# normalised by the photograph's eye distance, NME). It is taken over the 13 landmarks placed by hand on every face
# dlib cannot read (`shapes.HAND_PLACED`: the other points of those files are interpolated from a mean face, and
# would pull the anime faces toward it), on dlib's reading elsewhere. The drawings of one anime character (Sylvie,
# Eileen, Lucy) or of one artist's series count once: each character's mean is one sample, and the interval is over
# characters, not images. Photographs against the other photographs give the gap between two real faces.

# %%
from survey_lib.evaluation.pairs import shape_gaps
from survey_lib.geometry.shapes import HAND_PLACED
from survey_lib.evaluation.stats import summarise

photos = [e.name for e in data.list_images(category="photo")]
faces = [e.name for c in CATEGORIES for e in data.list_images(category=c)]
gaps = shape_gaps(photos, faces, indices=HAND_PLACED).query("content != style")
per_character = gaps.groupby(["category", "character"], as_index=False)["gap_nme"].mean()
gap_ci = summarise(per_character, ["gap_nme"], by="category").reindex(CATEGORIES)
gap_table = pd.DataFrame({"characters": gap_ci["gap_nme_n"].astype(int),
                          "images": gaps.groupby("category")["style"].nunique(), "gap_nme": gap_ci["gap_nme"],
                          "ci_lo": gap_ci["gap_nme_lo"], "ci_hi": gap_ci["gap_nme_hi"]}, index=gap_ci.index).round(3)
viz.save_table(gap_table.rename_axis("category").reset_index().to_dict("records"), "03_shape_gap_by_category",
               FIG_DIR, caption=("Aligned landmark gap (NME over the 13 hand-placeable landmarks) between each "
                                 "photograph and each annotated face, per category: mean over characters (a "
                                 "character's or series' drawings averaged first) with its 95 % bootstrap interval."))
fig = viz.ci_bars(gap_ci, {"photograph vs face: aligned landmark gap": "gap_nme"}, ylabel="NME (eye distance)",
                  title="How far each category's faces are from a photographed face (n = characters)")
viz.save_figure(fig, "03_shape_gap_by_category", FIG_DIR)
g = gap_ci.to_dict("index")
# the size of Finding 2's "large deformation": anime faces are further from a real face than any other category,
# on the interval, and about twice as far as two photographs are from each other
assert g["anime"]["gap_nme_lo"] > gap_ci.drop("anime")["gap_nme_hi"].max(), g
assert g["anime"]["gap_nme"] > 1.5 * g["photo"]["gap_nme"], g
gap_ci[["gap_nme", "gap_nme_lo", "gap_nme_hi", "gap_nme_n"]].round(3)

# %% [markdown]
# ### FastDST with dlib, as in the survey, on every anime style
#
# FastDST finds the style's landmarks with dlib (`style_detector="dlib"`). Where dlib finds no face it cannot start:
# it raises `NoFaceFound` naming the file (the survey: "FastDST does not work with the above style images"). Its
# matching step alone decides that, so it is all this cell runs.

# %%
from survey_lib.evaluation.detection import fastdst_starts

ANIME = [e.name for e in data.list_images(category="anime")]
with_dlib = fastdst_starts(CONTENT, ANIME, size=profile.size, match_size=profile.match_size)
failed_dlib = int((with_dlib["fastdst (dlib)"] == "NoFaceFound").sum())
viz.save_table(with_dlib[["style", "fastdst (dlib)"]].to_dict("records"), "03_fastdst_on_anime", FIG_DIR, caption=(
    f"FastDST with dlib on both images, on every anime face: NoFaceFound on {failed_dlib} of {len(ANIME)}."))
display(with_dlib)
assert failed_dlib >= 0.8 * len(ANIME), "Finding 2: FastDST (dlib) should fail on most anime styles"

# %% [markdown]
# ### FastDST with AnimeFace's parts, and DST, on every anime face: at scale
#
# With `style_detector="animeface"` the style's points come from AnimeFace's parts (eye corners and centres, nose
# tip, mouth corners and centre, chin, jaw at eye height), paired with the content's dlib landmarks (the table is in
# `survey_lib.geometry.animeface`): the survey's proposed way forward, cartoon facial landmarks. The at-scale plan
# `anime` runs it and DST (NBB) from the first three photographs at the working size to every anime face AnimeFace finds
# (`make evaluate`; table and provenance in `figures/at_scale/`). For each run:
# * `own_target_progress`: the optimiser's own keypoints (AnimeFace's 13 parts, or DST's NBB points) toward their
#   targets: whether the optimiser did its job;
# * `warp_progress`: the content's 68 landmarks carried by the applied warp toward the anime face's *hand-placed*
#   landmarks (independent of AnimeFace and of NBB): whether the face moved toward the anime face;
# * `face_area_spread`: how unevenly the warp stretches the face, beyond folding: the spread (standard deviation)
#   of log2 of its local area change over the face (0 for a shift or a uniform scaling, 1 when areas typically
#   differ by a factor of two); `face_folded_%`: the share of the face where it folds;
# * `detected`: whether dlib still finds the face on the output; `nme_to_content`: how far the landmarks it finds
#   there are from the content's (identity kept; blank where it finds no face); `animeface_faces`: whether AnimeFace
#   finds an anime face on the output.
#
# The runs cross three photographs with the characters, so the interval is a two-way cluster bootstrap over
# photographs and characters (both drawn with replacement); the drawings of one character are averaged first
# (Sylvie's four drawings count once per photograph).

# %%
from survey_lib.evaluation import plans
from survey_lib.evaluation.evaluate import evaluate
from survey_lib.data import character

anime_runs = plans.read_plan("anime", AT_SCALE_DIR, required=True)
plans.report_staleness("anime", "finding1", folder=AT_SCALE_DIR)
anime_prov = plans.read_provenance("anime", AT_SCALE_DIR)
anime_runs["method"] = anime_runs["label"]  # "fastdst (AnimeFace)" and "dst"
anime_runs["character"] = anime_runs["style"].map(character)
ran = anime_runs[anime_runs["error"] == ""]
ANIME_METRICS = ["own_target_progress", "warp_progress", "face_area_spread", "face_folded_%", "detected",
                 "nme_to_content", "animeface_faces"]
per_style = ran.groupby(["method", "character", "style"], as_index=False)[ANIME_METRICS].mean()
per_character = ran.groupby(["method", "content", "character"], as_index=False)[ANIME_METRICS].mean()
BY_PHOTO_AND_CHARACTER = ("content", "character")  # the crossed design's clusters
anime_ci = summarise(per_character, ANIME_METRICS, clusters=BY_PHOTO_AND_CHARACTER)
viz.save_table(viz.ci_cells(anime_ci, ANIME_METRICS).rename_axis("method").reset_index().to_dict("records"),
               "03_anime_at_scale", FIG_DIR, caption=(
                   f"Plan anime ({anime_prov['profile']} profile, {anime_prov['device']}, commit "
                   f"{anime_prov['commit'][:10]}): {ran['content'].nunique()} photographs x "
                   f"{ran['style'].nunique()} anime faces of {per_character['character'].nunique()} characters; "
                   "mean [95 % two-way cluster bootstrap interval over photographs and characters]. n = photograph x "
                   "character cells."))
viz.save_table(per_style.round(3).to_dict("records"), "03_anime_per_style", FIG_DIR, caption=(
    "Each anime face's mean over the three photographs, per method."))
fig = viz.ci_bars(anime_ci, {"own keypoints toward own targets": "own_target_progress",
                             "68 landmarks through the warp, toward the hand-placed anime landmarks": "warp_progress"},
                  ylabel="progress toward the anime face",
                  title="Photographs to anime faces: mean and 95 % cluster interval (photographs x characters)")
viz.save_figure(fig, "03_anime_at_scale", FIG_DIR)
viz.ci_cells(anime_ci, ANIME_METRICS)

# %%
from survey_lib.evaluation.stats import paired_differences

ac = anime_ci.to_dict("index")
fast, dst = ac["fastdst (AnimeFace)"], ac["dst"]
versus_dst = pd.concat({m: paired_differences(per_character, m, against="dst", on=BY_PHOTO_AND_CHARACTER,
                                              clusters=BY_PHOTO_AND_CHARACTER).iloc[0]
                        for m in ("warp_progress", "face_area_spread", "nme_to_content")}, axis=1).T
vs = versus_dst.to_dict("index")  # FastDST (AnimeFace) - DST per metric, over characters
portraits = summarise(plans.read_plan("finding1", AT_SCALE_DIR, required=True), ["warp_progress"],
                      clusters=("content", "style")).loc["fastdst"]
assert (anime_runs["error"] == "").all(), anime_runs[anime_runs["error"] != ""]  # every anime face AnimeFace finds
# FastDST's optimiser reaches AnimeFace's parts (its own targets): cartoon landmarks give it something to follow
assert fast["own_target_progress_lo"] > 0.8, fast
# scored on the hand-placed landmarks it never saw, it carries the face toward the anime face, further than DST,
# whose NBB warp carries it away (the survey's Finding 2), but a smaller share of the way than toward a portrait
assert fast["warp_progress_lo"] > 0 and vs["warp_progress"]["lo"] > 0, versus_dst
assert dst["warp_progress_hi"] < 0, dst
assert fast["warp_progress_hi"] < portraits["warp_progress_lo"], (fast, portraits)
# the price is uneven stretching, not folding
assert vs["face_area_spread"]["lo"] > 0, versus_dst
assert ran["face_folded_%"].max() < 0.01, ran["face_folded_%"].max()
# both outputs keep a photographed face: dlib finds it on most of them, AnimeFace on few
assert min(fast["detected"], dst["detected"]) > 0.5, (fast, dst)
assert max(fast["animeface_faces_hi"], dst["animeface_faces_hi"]) <= 0.25, (fast, dst)
versus_dst.round(3)

# %%
# a picture of two of the plan's runs (the same runs: read from the results store where the plan ran); on each
# output the photograph's landmarks where the applied warp carried them (lime) and the anime face's hand-placed
# landmarks aligned onto the photograph (red): the geometry to reach
SHOWN = [("obama", "sylvie_blue"), ("mlk", "eileen_concert")]  # DST on the first is also notebook 04's
pictured = evaluate([plans.ANIME_FASTDST, "dst"], SHOWN, profile=profile, seeds=(SEED,), device=device)
viz.save_figure(viz.method_grid(pictured.grid_rows(), ["content", "style", "dst", "fastdst (AnimeFace)"],
                                titles={"dst": "DST (NBB)", "fastdst (AnimeFace)": "FastDST\n(AnimeFace parts)"}),
                "03_anime_grid", FIG_DIR)

# %% [markdown]
# ### Finding 2 graded: where the detectors stop and what the warps cost, on the geometric-style benchmark
#
# The anime faces above differ from the photographs in texture *and* shape at once. The geometric-style benchmark
# (plan `geometry`, notebook 02) changes the shape alone, by known amounts, on six portraits: a long face, or anime
# proportions, at gaps from 0.08 (two photographs apart) to 0.17 (the most distant painted faces measured). First,
# with no method run, what FastDST's detectors find on every style of the benchmark (dlib, and AnimeFace where dlib
# finds nothing): the survey's "dlib can not find a face", per level. Then, from the plan's runs,
# where FastDST and DST produce nothing, and what their warps cost where they run: uneven stretching, folds, and the
# output's identity distance from the photographed person (dlib's face embedding; the same person below 0.6).

# %%
from survey_lib.evaluation import levels
from survey_lib.evaluation.detection import detection_levels, style_detection

styles_found = style_detection(families=plans.GEOMETRY_FAMILIES, levels=plans.GEOMETRY_LEVELS)
found_levels = detection_levels(styles_found)
viz.save_table(styles_found.to_dict("records"), "03_benchmark_detection", FIG_DIR, caption=(
    "Each style of the geometric-style benchmark (plan geometry's families and levels): whether dlib's frontal "
    "detector and AnimeFace find its face (found: either, so FastDST can run on it)."))
viz.save_figure(viz.level_curves(found_levels, "found", levels=plans.GEOMETRY_LEVELS,
                                 ylabel="styles with a face found\n(95 % interval over the portraits)",
                                 title="FastDST's detectors on the benchmark's styles, per shape gap",
                                 linestyles={"dlib": (0, (5, 3)), "AnimeFace": "-", "either (FastDST can run)": ":"}),
                "03_benchmark_detection", FIG_DIR)
found_share = styles_found.groupby(["family", "level"])["found"].agg(["sum", "count"])
largest = max(plans.GEOMETRY_LEVELS)
# the survey's Finding 2, graded: the detectors read most of the styles up to 0.14 in both families, and at the
# largest gap at most half of them (the anime-like family without cartoon faces: AnimeFace does not rescue it)
assert (found_share.loc[found_share.index.get_level_values("level") < largest, "sum"]
        > found_share.loc[found_share.index.get_level_values("level") < largest, "count"] / 2).all(), found_share
assert (found_share.xs(largest, level="level")["sum"]
        <= found_share.xs(largest, level="level")["count"] / 2).all(), found_share
found_share.assign(share=found_share["sum"] / found_share["count"]).unstack("family").round(2)

# %%
geo, geo_note = plans.read_plan_so_far("geometry", AT_SCALE_DIR)
print(geo_note)
geo["name"] = geo["method"]
BROKEN = ["dst", "fastdst"]
broken = geo[geo["name"].isin(BROKEN)]
broken_failed = levels.failure_rates(broken)
broken_levels = levels.level_summary(broken[broken["error"] == ""],
                                     ["face_area_spread", "face_folded_%", "identity_distance"])
broken_design = levels.crossed_levels(broken, BROKEN)
viz.save_table(viz.ci_cells(broken_levels, ["face_area_spread", "face_folded_%", "identity_distance"])
               .join(broken_failed).reset_index().to_dict("records"), "03_benchmark_costs", FIG_DIR, caption=(
                   f"{geo_note}. DST and FastDST per family and level: the runs that produced nothing (failed, of "
                   "runs) and, over the others, mean [95 % two-way cluster interval over photographs and base "
                   "portraits] of the warp's uneven stretch of the face (spread of log2 area change), its folded "
                   "share of the face, and the output's identity distance to the photograph."))
ran_on = broken.merge(styles_found[["style", "found"]], on="style", how="left")
fast_ran = ran_on[ran_on["name"] == "fastdst"]
# FastDST produces nothing exactly on the styles where neither detector finds a face, and DST (NBB: no detector)
# runs on every style
assert ((fast_ran["error"] != "") == ~fast_ran["found"].astype(bool)).all(), fast_ran[["style", "error", "found"]]
assert (ran_on.loc[ran_on["name"] == "dst", "error"] == "").all()
# where both ran on a crossed design, neither warp folds the face (under half a percent of its pixels)
crossed = broken_levels.reset_index("name").loc[broken_design.index[broken_design["crossed"]]]
assert len(crossed) > 0 and (crossed["face_folded_%_hi"] < 0.5).all(), crossed
# ...and no crossed level shows either output to be another person (each identity interval starts below dlib's 0.6)
assert (crossed["identity_distance_lo"] < 0.6).all(), crossed
# with anime proportions DST's warp stretches the face less unevenly than FastDST's on the same pairs at every
# crossed level (the paired interval below 0); on the long face the two cannot be told apart (it spans 0)
stretch = levels.level_differences(broken[broken["error"] == ""], "face_area_spread", against="fastdst")
stretch = stretch.loc["dst - fastdst"].loc[broken_design.index[broken_design["crossed"]]]
assert (stretch.xs("anime_eyes", level="family")["hi"] < 0).all(), stretch
assert (stretch.xs("long_face", level="family")["lo"] < 0).all(), stretch
assert (stretch.xs("long_face", level="family")["hi"] > 0).all(), stretch
# DST's outputs are measurably the same person (the interval below 0.6) at more crossed levels than FastDST's
same_person = (crossed["identity_distance_hi"] < 0.6).groupby(crossed["name"]).sum()
assert same_person["dst"] > same_person["fastdst"], same_person
print("crossed levels where the identity interval lies below 0.6 (measurably the same person), of",
      len(broken_design.index[broken_design["crossed"]]))
display(same_person.rename("same person"))
display(stretch.round(3))
broken_design

# %% [markdown]
# **Reading the graded Finding 2.** The survey's failure is a threshold, not a slope: dlib reads most of
# the benchmark's styles up to a gap of 0.14 in both families, and at 0.17 at most half of them; AnimeFace,
# trained on drawn anime faces, rescues almost none of these painted ones (table `03_benchmark_detection`). FastDST's
# runs fail exactly where neither detector finds the face, DST's never (its NBB matching needs no face). So where
# FastDST breaks, it breaks by not running, not by what its warp does: where both run on a crossed design, neither
# warp folds the face, no level shows either output to be another person (the identity distances sit around dlib's
# same-person threshold, DST's more often measurably below it, as counted above), and the warps stretch the face
# about equally unevenly, FastDST's more so where the style gives the face anime proportions (table
# `03_benchmark_costs`). How far each gets in shape is notebook 02's benchmark section.

# %% [markdown]
# ### Controlled sweep, run to convergence
#
# One photograph (astronaut) against one painting (mona_lisa, which gives only the texture): the style's landmarks
# are the photograph's *own* landmarks exaggerated by a factor *k* (`survey_lib.geometry.shapes.exaggerate`: eyes
# pushed apart and enlarged, mouth moved down, jaw widened, by *k* x 10 % of the face width), so the gap is known
# and nothing else changes. One-shot FoA (DST's optimiser on the landmarks) then runs the published schedule
# (3 x 150 steps, the keypoints' own learning rate) with its keypoints recorded every 10 steps: plan
# `deformation_sweep`. How fast its keypoint progress still rises at step 450 bounds what more steps could add. Its
# warp is compared with the exact thin-plate spline (the Face-of-Art warp) twice: through the full targets, and
# through the points its warp actually carried the landmarks to, i.e. at equal displacement. Not every *k* leaves a
# face: each target shape is checked (`survey_lib.geometry.deform.face_problems`: contours that cross, lips at or
# below the chin, eyes outside the face), and only the targets that are still a face carry the claims below.

# %%
from survey_lib.evaluation.sweep import reached_points, sweep_table, with_final_rates

sweep_runs = plans.read_plan("deformation_sweep", AT_SCALE_DIR, required=True)
sweep_curves = plans.read_plan("deformation_sweep_trajectory", AT_SCALE_DIR, required=True)
plans.report_staleness("deformation_sweep", folder=AT_SCALE_DIR)
sweep_curves = sweep_curves[sweep_curves["step"] > 0]
sweep = sweep_table(sweep_runs, size=profile.size)
viz.save_table(sweep.round(3).to_dict("records"), "03_deformation_sweep", FIG_DIR, caption=(
    "Exaggeration sweep, one-shot FoA run to the published 450 steps: gap to travel (px), whether the target "
    "landmarks are still a face (and why not), the share and the pixels of the gap closed, and folded pixels of "
    "one-shot FoA's warp, of the exact spline through the targets, and of the exact spline through the points "
    "one-shot FoA reached (equal displacement)."))
sweep

# %%
fig = viz.sweep_panels(sweep, sweep_curves)
viz.save_figure(fig, "03_deformation_sweep", FIG_DIR)

# %%
# the rate each run still gains at its last step, and the most it could reach if it kept that rate for another 450
# steps (an upper bound: the curves only slow down)
sweep = with_final_rates(sweep, sweep_curves)
faces = sweep[sweep["targets_a_face"]]  # the claims stand on the targets that are still a face
assert len(faces) >= 3 and faces["k"].min() == sweep["k"].min(), sweep  # the checks leave a range to compare
# no run has settled at step 450 (each still gains), so the budget is checked, not assumed: over the faces, a larger
# gap gives more pixels closed and a smaller share of the way, and twice the budget at the final rate would still
# leave the largest face gap's share below the smallest gap's
assert (sweep["rate_per_10_steps_at_450"] > 0).all(), sweep
assert faces["closed_px"].is_monotonic_increasing and faces["keypoint_progress"].is_monotonic_decreasing, faces
assert faces["at_most_after_900"].iloc[-1] < faces["keypoint_progress"].iloc[0], faces
# on the faces, the exact spline folds once it has to go the whole way at the largest gap and not at the smallest;
# at the displacement one-shot FoA reached, neither it nor one-shot FoA's own warp folds at any k
assert faces["exact_tps_folded_%"].iloc[-1] > 0 and faces["exact_tps_folded_%"].iloc[0] == 0, faces
assert sweep[["warp_folded_%", "tps_at_equal_displacement_folded_%"]].to_numpy().max() < 0.01, sweep
sweep[["k", "targets_a_face", "keypoint_progress", "rate_per_10_steps_at_450", "at_most_after_900",
       "exact_tps_folded_%"]].round(3)

# %%
reached = reached_points(plans.read_plan("deformation_sweep_points", AT_SCALE_DIR, required=True))
fig = viz.sweep_targets(plans.sweep_pairs(profile.size), reached, plans.SWEEP_K)
viz.save_figure(fig, "03_sweep_targets", FIG_DIR)

# %% [markdown]
# **Result.** Finding 2 holds, and now has a size. dlib finds the faces in the photographs and few anime faces, so
# FastDST as published cannot start on most anime styles (`NoFaceFound`). Anime faces are the largest deformation
# measured: after alignment they are 0.154 [0.147, 0.162] eye distances from a photographed face, against 0.082
# between two photographs and 0.111 [0.098, 0.125] for cartoons, the next largest. Over three photographs x eight
# anime faces (four characters), with intervals that draw photographs and characters as the clusters they are,
# DST's NBB warp carries the face's landmarks *away* from the anime face's hand-placed ones (-0.21 [-0.50, -0.01]).
# With AnimeFace's parts as cartoon landmarks, FastDST reaches its own targets (0.87 [0.82, 0.93]) and carries the
# face 0.22 [0.03, 0.38] of the way toward the anime face: 0.42 [0.23, 0.60] further than DST, but short of the
# 0.65 [0.52, 0.77] it reaches toward a portrait (notebook 02). Cartoon landmarks are a way forward, as the survey
# concludes, but not yet the whole way. Neither warp folds; FastDST pays with more uneven stretching (area spread
# 0.53 against 0.33 in log2, difference 0.20 [0.06, 0.33]).
# dlib still finds the photographed face on most outputs of both and AnimeFace an anime face on few (2 of 24 each):
# the outputs are photographed faces with part of the anime proportions.
#
# The sweep at the published 450 steps shows that the falling share is not the step budget, on the exaggerations
# whose targets are still a face (k up to 1.5; from k = 2 the right brow crosses the eye, at k = 3 the lower lip
# lands below the chin, so those two are drawn dotted and carry no claim). No run has settled at step 450, but
# the slopes are small: over the faces the share closed falls as the gap grows while the pixels closed rise, and
# even at its final rate for another 450 steps the largest face gap would stay below the share the smallest gap
# reaches (table above). The exact spline's folds come from the displacement, not from the warp model: through the
# full targets it folds at the largest face gap (a few tenths of a percent of the pixels) and not at the smallest,
# but through the points one-shot FoA reached neither it nor one-shot FoA's own warp folds at any k.
