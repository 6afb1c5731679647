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
import pandas as pd

from IPython.display import display

import survey_lib
from survey_lib import data, viz
from survey_lib.notebooks import figure_dir, start

profile, device, env = start(PROFILE, DEVICE, SEED)  # seeds everything, picks the device, prints one line
FIG_DIR = figure_dir(FIG_DIR, profile)  # another profile draws into build/, not figures/

# %%

from survey_lib.geometry.landmarks import mean_shape
from survey_lib.evaluation.evaluate import evaluate
from survey_lib.evaluation.metrics import own_target_progress, point_gap
from survey_lib.evaluation.pairs import Pair


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
from survey_lib.evaluation import exemplars

loo = exemplars.catalogue_leave_one_out(("anime", "cartoon"))
loo_ci = exemplars.leave_one_out_summary(loo)
viz.save_table(viz.ci_cells(loo_ci, exemplars.LEAVE_ONE_OUT).rename(columns={"n": "characters"})
               .rename_axis("category").reset_index(), "05_leave_one_out", FIG_DIR, caption=(
    "Leave one character out: the common (Procrustes mean) landmarks of the other characters' exemplars, scored on "
    "a held-out exemplar (common), against each of those exemplars alone (single_mean: on average; single_best: "
    "the best one, picked with hindsight); aligned NME over the 13 hand-placeable landmarks. common_minus_single is "
    "below 0 almost by construction (a mean shape lies close to every shape it averages); common_minus_best can go "
    "either way. Mean [95 % bootstrap interval over characters]."))
fig = viz.ci_bars(loo_ci, {"common shape of the others": "common", "a single other exemplar (average)": "single_mean",
                           "the best single exemplar (hindsight)": "single_best"},
                  ylabel="gap to the held-out exemplar (NME)",
                  title="Leave one character out: common landmarks vs one exemplar")
viz.save_figure(fig, "05_leave_one_out", FIG_DIR)
lc = loo_ci.to_dict("index")
wins = exemplars.beats_best(loo)
# that the common shape beats a typical single exemplar (common_minus_single < 0) is close to certain for any
# mean, so it is not asserted as evidence. Against the best single exemplar, which only hindsight can pick, the
# common shape of other characters does not win: on anime faces the best exemplar is closer to an unseen character
# (the interval of the difference above 0), on cartoons the two cannot be told apart (it spans 0)
assert lc["anime"]["common_minus_best_lo"] > 0, lc["anime"]
assert lc["cartoon"]["common_minus_best_lo"] < 0 < lc["cartoon"]["common_minus_best_hi"], lc["cartoon"]
print("held-out exemplars where the common shape beats the best single exemplar (of all held out):")
display(wins.rename(columns={"sum": "common shape nearer", "count": "held out"}))
loo_ci[["common", "single_best", "common_minus_best", "common_minus_best_lo", "common_minus_best_hi"]].round(3)

# %% [markdown]
# **How much does the result depend on the exemplar?** The survey's second conclusion is that one exemplar is a
# fragile description of a style. Measured directly: the at-scale plan `exemplars` sends one photograph (one-shot
# FoA, default profile, seeds 0 and 1) toward each catalogue drawing of one character, and toward the common
# landmarks of those drawings, and records where each applied warp carries the photograph's 68 landmarks
# (`exemplars_points.csv.gz`). The spread of those end geometries is the exemplar dependence (`shapes.spread`, in
# NME of the photograph): `to_centre` is each run's mean distance from the average of the single-exemplar runs,
# `moved` how far its warp moved the face at all, and `seed_noise` how far the same run with another seed ends.

# %%
from survey_lib.evaluation import plans

ex = plans.read_plan("exemplars", AT_SCALE_DIR, required=True)
plans.report_staleness("exemplars", folder=AT_SCALE_DIR)
ends = exemplars.run_ends(plans.read_plan("exemplars_points", AT_SCALE_DIR, required=True))
start = data.landmarks(plans.EXEMPLAR_CONTENT, 256)
ex_spread = exemplars.exemplar_spread(ex, ends, start)
singles = list(ex_spread.index[ex_spread["single"]])
targets = list(ex_spread.index)
viz.save_table(ex_spread.drop(columns="single").round(3).reset_index(), "05_exemplar_spread", FIG_DIR, caption=(
    f"{plans.EXEMPLAR_CONTENT} sent toward each drawing of {plans.EXEMPLAR_CHARACTER} and toward their common "
    "landmarks (one-shot FoA, default profile, plan exemplars): to_centre = mean distance of the carried 68 landmarks "
    "from the average of the single-exemplar runs (seed 0), moved = from where they started, seed_noise = from the "
    "same run with seed 1 (NME of the photograph); gap_nme = the aligned gap to the target, own_target_progress "
    "toward it, landmark_progress by dlib on the output."))
ex_spread.round(3)

# %%
fig = viz.exemplar_spread_figure({t: (data.get(t, 256), data.landmarks(t, 256)) for t in singles},
                                 {t: ends[t, 0] for t in targets}, start, data.get(plans.EXEMPLAR_CONTENT, 256),
                                 common=targets[-1], face_name=plans.EXEMPLAR_CONTENT)
viz.save_figure(fig, "05_exemplar_spread", FIG_DIR)

# %%
sp = ex_spread.to_dict("index")
one = ex_spread.loc[singles]
# the exemplar matters: every drawing of the same character pulls the result aside by more than twice the largest
# run-to-run difference (a second seed), and by more than a tenth of how far the warp moves the face...
assert one["to_centre"].min() > 2 * ex_spread["seed_noise"].max(), ex_spread
assert one["to_centre"].min() > 0.1 * one["moved"].mean(), ex_spread
# ...the drawing farthest from the photograph's shape is the one the method gets least far toward...
assert one["gap_nme"].idxmax() == one["landmark_progress"].idxmin() == one["own_target_progress"].idxmin(), one
# ...and the common landmarks give the consensus without choosing a drawing (expected rather than found: their
# target is the drawings' mean shape, so a warp that follows its targets at all lands near the mean end; it would
# fail for a method whose ends do not vary smoothly with its targets): that run ends nearer the average
# outcome than any single-exemplar run does
assert sp[targets[-1]]["to_centre"] < one["to_centre"].min(), ex_spread
print(f"one character, {len(singles)} drawings: the face moves {one['moved'].mean():.3f} NME; the drawing chosen "
      f"moves its end {one['to_centre'].min():.3f}-{one['to_centre'].max():.3f} from the average end (seed "
      f"noise <= {ex_spread['seed_noise'].max():.3f}, "
      f"{one['to_centre'].min() / ex_spread['seed_noise'].max():.1f} times smaller); the gap to the target ranges "
      f"{one['gap_nme'].min():.3f}-"
      f"{one['gap_nme'].max():.3f} and dlib's re-detected progress {one['landmark_progress'].min():.2f}-"
      f"{one['landmark_progress'].max():.2f}; toward the common landmarks the end lies "
      f"{sp[targets[-1]]['to_centre']:.3f} from the average")

# %% [markdown]
# **Reading the spread.** Four drawings of one character, one photograph, one method: the warp moves the face about
# 0.07 NME, and which drawing it is sent toward moves where the face ends by 0.013 to 0.029 NME, a fifth to two
# fifths of the whole movement and several times the run-to-run difference of a second seed (the ratio is printed
# above). The drawings differ
# in more than shape: a surprised face widens the gap to 0.23 NME (from 0.15) and lowers how far the method gets.
# The conclusions a reader draws from one exemplar (how far DST-style methods follow "the style's" geometry)
# therefore carry this much exemplar dependence. The run toward the drawings' common landmarks ends nearer the
# average of the four outcomes than any single drawing does: the common shape gives the consensus geometry without
# choosing a drawing, which is the survey's second conclusion, measured.

# %%
P = data.landmarks(CONTENT)
TARGETS = {"single exemplar": shapes[ref], "common landmarks": common}
toward = evaluate(["oneshot_foa"], [Pair.resolve(CONTENT, STYLE, size=profile.size, match_size=profile.match_size,
                                                 content_landmarks=P, style_landmarks=t) for t in TARGETS.values()],
                  profile=profile, seeds=(SEED,), device=device, metrics=(point_gap, own_target_progress))
runs = toward.table.assign(targets=list(TARGETS))
stored = toward.results()
fig = viz.targets_figure(data.get(CONTENT, profile.size), data.get(STYLE, profile.size), shapes, common,
                         {t: (stored[k].image, stored[k].moved) for t, k in zip(TARGETS, runs["key"])},
                         frame=data.entry(STYLE).size[::-1])
viz.save_figure(fig, "05_common_landmarks", FIG_DIR)
common_vs_single = (runs[["targets", "gap_px", "own_target_progress"]]
                    .rename(columns={"own_target_progress": "keypoint_progress"})
                    .round({"gap_px": 2, "keypoint_progress": 3}))
viz.save_table(common_vs_single, "05_common_vs_single", FIG_DIR,
               caption="One-shot FoA toward one exemplar's landmarks vs the common landmarks.")
common_vs_single.set_index("targets")

# %% tags=["nbval-ignore-output"]
# nbval-ignore-output: this cell prints notebook 01's wall-clock seconds, which differ from run to run
from pathlib import Path

table1 = Path(FIG_DIR) / "01_table1.csv"
if table1.exists():
    print("Speed (from notebook 01):")
    display(pd.read_csv(table1)[["method", "steps", "matching_s", "optimisation_s", "total_s"]])
else:
    print("run notebook 01 first for the speed summary")

# %% [markdown]
# ### Geometry-aware stylisation in under a second
#
# The survey's first conclusion is that inference speed is DST's clearly challenging problem: 105 + 345 s for DST
# and 2 + 342 s for FastDST per 256-px image on a K80. FastDST's geometry, though, is one closed-form object, the
# thin-plate spline from the content's landmarks to the style's similarity-aligned ones; its optimisation steps
# mostly serve the texture. `foa_fast` (`survey_lib.methods.foa_fast`) keeps that geometry and takes the texture
# from Ghiasi et al.'s trained network: landmarks on both faces, the spline, one resampling, one forward pass. Below,
# FastDST and `foa_fast` on a benchmark style with a long face (exact landmarks, which neither method sees: both
# read the style with dlib) and on a painted portrait, with and without the identity guard (`max_identity=0.6`,
# dlib's same-person distance), scored on shape and identity.

# %%
from survey_lib.evaluation.metrics import RUN_METRICS
from survey_lib.evaluation.shape_metrics import SHAPE_METRICS
from survey_lib import methods
from survey_lib.utils import Timer

SPEED_PAIRS = [("obama", "mona_lisa~long_face~14"), ("grace_hopper", "flare_female01")]
FAST = ["fastdst", "foa_fast", ("foa_fast", {"max_identity": 0.6}, "foa_fast, identity guard")]
fast_runs = evaluate(FAST, SPEED_PAIRS, profile=profile, seeds=(SEED,), device=device,
                     metrics=RUN_METRICS + SHAPE_METRICS)
fast_table = fast_runs.table[["content", "style", "label", "shape_progress", "warp_progress", "identity_distance",
                              "total_s"]]
viz.save_figure(viz.method_grid(fast_runs.grid_rows(), ["content", "style", "fastdst", "foa_fast",
                                                        "foa_fast, identity guard"]), "05_foa_fast", FIG_DIR)
viz.save_table(fast_table.round(3).to_dict("records"), "05_foa_fast", FIG_DIR, caption=(
    "FastDST (default profile) and foa_fast (spline + Ghiasi et al.'s network), without and with the identity guard "
    "(max_identity 0.6): shape_progress = the content's landmarks through the applied warp against the style's "
    "landmarks, similarity removed (exact landmarks for the benchmark style, the catalogue's for the portrait); "
    "identity_distance = dlib's face embedding, output vs content (same person below 0.6); total_s as computed."))
fast_table.drop(columns="total_s").round(3)  # seconds differ from run to run: they are in the saved table

# %% tags=["nbval-ignore-output"]
# nbval-ignore-output: wall-clock seconds differ from run to run (benchmarks/run.py times them on a quiet machine)
methods.run("foa_fast", *SPEED_PAIRS[0], profile=profile)  # the models loaded, as in an interactive session
with Timer() as live:
    methods.run("foa_fast", *SPEED_PAIRS[0], profile=profile)
fastdst_s = fast_table[fast_table["label"] == "fastdst"]["total_s"]
print(f"foa_fast: {live.seconds:.2f} s for one 256-px image here, end to end (landmarks, spline, warp, network); "
      f"FastDST {fastdst_s.min():.0f}-{fastdst_s.max():.0f} s per image when computed: about "
      f"{fastdst_s.median() / live.seconds:.0f} times faster")

# %% [markdown]
# **Reading the speed.** `foa_fast` answers the survey's speed problem on a CPU: about half a second per image
# (printed above; `benchmarks/run.py --only fastdst_end_to_end foa_fast_end_to_end` times both on a quiet machine and
# reports where the time goes), two orders of magnitude faster than FastDST, with the same kind of geometry: its
# warp is the spline FastDST's optimiser approximates. On the benchmark style (first row) the table shows a
# trade-off, not a free lunch: the full spline takes the face much further toward the style's exact shape than
# FastDST's 45 steps do, and dlib's face embedding then places the output further from the photographed person;
# the identity guard gives up part of the shape to come closer to the person. On the painted portrait (second row)
# the style's landmarks are dlib's reading of it, the very points both methods detect, so shape progress there is
# scored on their own targets and says only how far each gets (the spline all the way, by construction); the
# guard, which judges the warped photograph before the texture, keeps the full strength, and dlib finds no face on
# either stylised output. How this holds over the whole benchmark, per gap, is the next section.

# %% [markdown]
# ### foa_fast on the geometric-style benchmark
#
# Plan `geometry` crosses four photographs with styles built from six portraits in two families (a long face, anime
# proportions) at shape gaps from 0.08 (two photographs apart) to 0.17 (the most distant painted faces), each with
# exact landmarks that no method sees (`survey_lib.evaluation.geometric_styles`). `foa_fast` runs there three ways:
# as it is (warp the photograph, then stylise), in the other order, and with the identity guard at dlib's
# same-person distance; Ghiasi et al.'s network alone is the texture without the warp. Per gap: where the detectors
# find no face on the style (the run produces nothing), the shape progress of the applied warp against the exact
# landmarks, and the identity distance of the output from the photograph, each with a two-way cluster interval over
# photographs and base portraits (`survey_lib.evaluation.levels`).
#
# First, what the levels look like: one base portrait in both families at each gap, its exact landmarks in red, and
# below each style `foa_fast`'s output on one photograph (the committed 128-px thumbnail), the landmarks its warp
# carried in green and the style's shape placed on the photograph's face in red (what shape progress scores).

# %%
from survey_lib.run_browser import RunBrowser

level_grid, level_columns = RunBrowser(folder=AT_SCALE_DIR).level_rows("grace_hopper", "bronte_richmond", "foa_fast")
viz.save_figure(viz.method_grid(level_grid, level_columns, size=1.8), "05_benchmark_levels", FIG_DIR)

# %%
from survey_lib.evaluation import levels
from survey_lib.evaluation.tables import run_names

geo, geo_note = plans.read_plan_so_far("geometry", AT_SCALE_DIR)
print(geo_note)
geo["name"] = run_names(geo)
FAST_NAMES = ["foa_fast", "foa_fast (stylise first)", "foa_fast (identity guard)"]
fast_geo = geo[geo["name"].isin(FAST_NAMES + ["ghiasi"])]
fast_failed = levels.failure_rates(fast_geo[fast_geo["name"] == "foa_fast"])
fast_ok = fast_geo[fast_geo["error"] == ""]
fast_levels = levels.level_summary(fast_ok, ["shape_progress", "identity_distance"])
order_vs = levels.level_differences(fast_ok[fast_ok["name"] != "foa_fast (identity guard)"], "identity_distance",
                                    against="foa_fast")
guard_shape = levels.level_differences(fast_ok[fast_ok["name"].isin(["foa_fast", "foa_fast (identity guard)"])],
                                       "shape_progress", against="foa_fast")
viz.save_table(fast_failed.reset_index().round(3).to_dict("records"), "05_foa_fast_failures", FIG_DIR, caption=(
    "foa_fast on plan geometry: runs where neither dlib nor AnimeFace found the style's face (nothing produced), per "
    "family and level, out of the runs asked for."))
viz.save_table(viz.ci_cells(fast_levels, ["shape_progress", "identity_distance"]).reset_index().to_dict("records"),
               "05_foa_fast_levels", FIG_DIR, caption=(
                   f"{geo_note}. Per method, family and level, over the runs that produced an output: shape "
                   "progress of the applied warp against the style's exact landmarks (similarity removed) and "
                   "identity distance to the photograph (dlib; same person below 0.6; where dlib finds the output's "
                   "face): mean [95 % two-way cluster interval over photographs and base portraits]."))
viz.save_figure(viz.level_curves(
    fast_levels.loc[["foa_fast", "foa_fast (identity guard)"]], "shape_progress", reference=0,
    ylabel="shape progress toward the style\n(similarity removed)",
    title="foa_fast's warp over the benchmark's gaps (stylise first: the same warp)"), "05_foa_fast_shape_progress",
    FIG_DIR)
viz.save_figure(viz.level_curves(fast_levels, "identity_distance", reference=0.6,
                                 ylabel="identity distance to the photograph\n(dlib; same person below 0.6)",
                                 title="foa_fast and the texture alone: identity over the gaps"),
                "05_foa_fast_identity_distance", FIG_DIR)
fast_failed["failed_share"].unstack().round(2)

# %%
from survey_lib.evaluation.stats import summarise

# the levels where the detectors read most of the styles (the others leave too few runs to read a mean off)
readable = fast_failed["failed_share"].droplevel("name") < 0.5
fast_read = fast_ok.set_index(["family", "level"]).loc[readable[readable].index].reset_index()
pooled = summarise(fast_read[fast_read["name"] == "foa_fast"], ["shape_progress"], by="family",
                   clusters=levels.CLUSTERS)
id_vs_texture = levels.level_differences(fast_ok[fast_ok["name"].isin(["foa_fast", "ghiasi"])], "identity_distance",
                                         against="ghiasi").loc["foa_fast - ghiasi"]
id_vs_texture = id_vs_texture[readable.reindex(id_vs_texture.index).fillna(False).to_numpy()].dropna()
id_pooled = levels.family_differences(fast_read[fast_read["name"].isin(["foa_fast", "ghiasi"])],
                                     "identity_distance", against="ghiasi").loc["foa_fast - ghiasi"]
# where the detectors read the style, the warp gives the face part of the style's shape in both families (over the
# readable levels, the cluster interval above 0), scored on exact landmarks no method saw...
assert (pooled["shape_progress_lo"] > 0).all(), pooled
# ...at the price of identity: on the same pairs the output lies further from the photographed person than the
# texture alone puts it (Ghiasi et al.'s network without the warp), over the readable levels of each family (the
# cluster interval of the difference above 0; per level in the table below)
assert (id_pooled["lo"] > 0).all(), id_pooled
# the order of warp and texture makes no difference to identity that these pairs can show (the warp, and with it the
# shape, is the same in both orders)
od = order_vs.loc["foa_fast (stylise first) - foa_fast"].dropna()
assert ((od["lo"] < 0) & (od["hi"] > 0)).all(), od
# what the guard costs in shape (a measurement, not a claim): guarded minus unguarded on the same pairs, per level
gs = guard_shape.loc["foa_fast (identity guard) - foa_fast"].dropna()
pd.concat({"foa_fast - ghiasi: identity": id_vs_texture, "stylise first - warp first: identity": od,
           "guard - no guard: shape": gs}).round(3)

# %% [markdown]
# **Reading the benchmark.** Where the detectors read the style (they fail on a growing share of the styles as the
# gap grows, and on most at 0.17: the survey's Finding 2, now graded), `foa_fast`'s warp gives the photograph part
# of the style's shape in both families, scored on exact landmarks it never saw. The price is identity: dlib's face
# embedding places its outputs further from the photographed person than the texture alone (Ghiasi et al.'s
# network without the warp) does on the same pairs, in both families (at every readable level on average; per
# level the interval excludes 0 at all but one, table above), and around dlib's same-person distance. The order
# of warp and texture makes no difference to identity that these pairs can show, so `foa_fast` keeps warp-first,
# which lets the network paint the deformed face instead of resampling its brush strokes. What the identity guard
# costs in shape is in the last rows of the table above, per level: a few hundredths to about a tenth of the gap at
# most levels, while at some its weaker warp ends nearer the style's shape than the full one. FastDST and DST on the
# same styles follow.

# %% [markdown]
# ### foa_fast beside FastDST and DST on the same styles
#
# The same benchmark pairs run through FastDST and DST (plan `geometry`, default profile; the design table says at
# which levels all three produced outputs over a crossed design). Per level, `foa_fast` minus each on the
# same pairs, in shape progress (higher: more of the style's shape) and identity distance (lower: nearer the
# photographed person), with the two-way cluster interval, read as *better*, *worse* or *tie* (the interval spans 0)
# where the pairs all three produced cross at least three photographs and three portraits (`levels.verdicts`).

# %%
RIVALS = ["foa_fast", "fastdst", "dst"]
rivals = geo[geo["name"].isin(RIVALS)]
rival_design = levels.crossed_levels(rivals, RIVALS)
rivals_ok = rivals[rivals["error"] == ""]
rival_shape = levels.level_differences(rivals_ok, "shape_progress", against="fastdst")
rival_identity = levels.level_differences(rivals_ok, "identity_distance", against="fastdst")
rival_verdicts = pd.concat({
    "shape progress": levels.verdicts(rival_shape, rival_design),
    "identity distance": levels.verdicts(rival_identity, rival_design, lower_is_better=True)}, axis=1)
rival_table = pd.concat({"shape progress": viz.difference_cells(rival_shape),
                         "shape verdict": rival_verdicts["shape progress"],
                         "identity distance": viz.difference_cells(rival_identity),
                         "identity verdict": rival_verdicts["identity distance"]}, axis=1)
rival_table = rival_table[rival_shape["n"].to_numpy() > 0]  # the levels where both produced an output on a pair
viz.save_table(rival_table.reset_index().to_dict("records"), "05_foa_fast_vs_fastdst", FIG_DIR, caption=(
    f"{geo_note}. foa_fast and DST minus FastDST on the same plan-geometry pairs, per family and level: mean "
    "difference [95 % two-way cluster interval over photographs and base portraits] (n pairs); verdict: better / "
    "worse where the interval excludes 0 (shape progress: higher is better; identity distance: lower is better), "
    "tie where it spans 0, not crossed where the pairs span fewer than 3 photographs or 3 portraits."))
rival_design

# %%
fast_vs = rival_verdicts.loc["foa_fast - fastdst"]
crossed_verdicts = fast_vs[fast_vs["shape progress"] != "not crossed"]
# FastDST and foa_fast have been measured on a crossed design at one level at least
assert len(crossed_verdicts) > 0, rival_design
# where they have, FastDST's 45 optimisation steps give the face no more of the style's shape than foa_fast's
# closed-form warp (never "worse" in shape)...
assert (crossed_verdicts["shape progress"] != "worse").all(), crossed_verdicts
# ...and foa_fast's outputs are nowhere nearer the photographed person than FastDST's: the texture network repaints
# the face at least as much as FastDST's texture loss does (identity never "better")
assert (crossed_verdicts["identity distance"] != "better").all(), crossed_verdicts
print("foa_fast - fastdst, verdicts over the crossed levels:")
display(crossed_verdicts.apply(pd.Series.value_counts).fillna(0).astype(int))
rival_table

# %% [markdown]
# **Reading foa_fast against FastDST.** Where both have run on a crossed design (the design table says at
# which levels), FastDST's optimisation buys no shape that `foa_fast`'s closed-form warp misses: both warps are
# the spline toward the same similarity-aligned landmarks, FastDST's texture loss pulls against it, and at several
# of those levels `foa_fast` ends measurably nearer the style's shape, never further (the verdict counts printed
# above). What the optimisation buys is identity: `foa_fast`'s network repaints the face measurably further from the
# person at some of those levels and nearer at none. That is the trade for a speed-up of two orders of magnitude
# (the speed section above), and what the identity guard is for. At the largest gap FastDST runs on too few styles
# for a crossed comparison (dlib reads too few of them, notebook 03), and so does `foa_fast`, which reads the style
# with the same detectors (table `05_foa_fast_failures`). DST's rows beside them: notebook 02 reads DST's shape
# progress on its own.

# %% [markdown]
# **Conclusions, with numbers.**
# * Speed: AdaIN answers in a forward pass; NST and DST optimise. Correspondences are no longer the
#   bottleneck (vectorised NBB: seconds on a CPU vs 105 s on a K80 in the survey); DST's STROTSS losses are.
# * Common landmarks, measured on characters they never saw, are a safe choice rather than a better one: the common
#   shape of the other characters' exemplars is closer to a held-out exemplar than a typical single exemplar is,
#   but that holds for almost any mean shape, so it is no evidence of generalisation. Against the best single
#   exemplar (which only hindsight can pick) it loses on anime faces and ties on cartoons, winning for 2 of 10 and
#   5 of 10 held-out exemplars (printed above). As one-shot FoA's targets on the pair above, the common landmarks
#   give no gain either: the optimiser closes about the same share of a gap of about the same size (table
#   `05_common_vs_single`, one run each). DST can target the mean shape directly (same API, `style_landmarks=`).
# * One exemplar is a fragile description: four drawings of one character send the same photograph's landmarks to
#   ends 0.013-0.029 NME apart from their average (the face moves 0.07 in all), while the run toward their common
#   landmarks lands nearest that average.
