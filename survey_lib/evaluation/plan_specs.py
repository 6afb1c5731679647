"""The named at-scale plans: what each computes (methods x pairs x seeds in one profile) and the rules that choose
its pairs. Running them, and reading and checking their committed tables, is :mod:`survey_lib.evaluation.plans`.

The pairs are chosen by rule, not by hand:

* ``finding1``: every photograph with 68 landmarks x every painted or drawn portrait with 68 landmarks, both at
  least 256 px on their short side (the survey's working size: nothing is upsampled), seed 0; NST, AdaIN (its
  objective decoded by optimisation), Ghiasi et al., DST and FastDST.
* ``finding1_seeds``: seed 1 of the optimisation methods on 10 of those pairs (drawn with a fixed seed), to show
  the run-to-run spread.
* ``finding1_held_out``: FastDST and one-shot FoA optimised on the even-indexed half of the 68 landmarks on the
  same 10 pairs, scored on the other half (:func:`survey_lib.evaluation.metrics.held_out_landmarks`).
* ``table1``: every method of Table 1 on its pair, three times (seeds 0-2), run one at a time on two threads
  with nothing else running, for the median and spread of each timing.
* ``beta_sweep``: DST and FastDST with the warp weight beta from the published 0.5 up to 32 (:data:`BETAS`), on
  the two ``paper_budget`` pairs, their keypoint progress at every step kept (``beta_sweep_trajectory.csv.gz``).
* ``anime``: FastDST with AnimeFace's parts and DST (NBB) from the first three photographs at the working size to
  every anime face AnimeFace finds (:func:`anime_faces`): Finding 2 over contents and characters.
* ``face_of_art``: NST, the Face-of-Art TPS pipeline and one-shot FoA, each on all 68 landmarks and on the even
  half (scored on the odd half), and DST, with the share of near-white pixels of each output and input, on three
  of the ``finding1_seeds`` pairs and three photograph x anime pairs (one face per character).
* ``deformation_sweep``: one-shot FoA (DST's optimiser on landmarks) from a face to exaggerated copies of its own
  landmarks (:data:`SWEEP_K`), run to convergence (the published 3 x 150 steps, keypoints recorded every 10), with
  the folds of the exact thin-plate spline to the targets and to where DST's keypoints got.
* ``exemplars``: one-shot FoA from one photograph to each drawing of one anime character and to their common
  landmarks: how much the geometry a method produces depends on which exemplar it was given.
* ``paper_budget``: NST, DST and FastDST at the survey's budget (``paper`` profile: 450 steps, DST's 3 x 150 with
  the published sample counts and weights) on 2 of the pairs, DST's keypoints recorded every 10 steps for
  progress curves, NST's loss at every step (is the default profile's 80 L-BFGS steps near its end?).
* ``geometry``: the geometric-style benchmark: the first four Finding-1 photographs x every style built from the
  six base portraits in two families (long face, anime proportions) at shape gaps 0.08-0.17 to the photographs
  (:func:`geometry_pairs`), every method, scored also on shape and identity
  (:data:`survey_lib.evaluation.shape_metrics.SHAPE_METRICS`).
* ``geometry_budget``: DST and FastDST at the survey's budget (``paper`` profile, as ``paper_budget``) on two of
  those photographs x one base portrait's long face at two gaps (:data:`BUDGET_STYLES`: 0.11 and 0.17, where the
  detectors FastDST needs still read the style), keypoints recorded every 10 steps: does the survey's budget change
  how far they follow a geometry that differs? (the same pairs at the default profile are in ``geometry``)
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass

__all__ = ["Plan", "PLANS", "get_plan", "check_plan_name", "jobs", "finding1_pairs", "anime_faces", "sweep_pairs",
           "exemplar_pairs",
           "MIN_SIDE", "AT_SCALE_DIR", "BETAS", "SWEEP_K", "SWEEP_PAIR", "TO_CONVERGENCE", "TIMING_THREADS",
           "ADAIN_OPTIMISED", "ANIME_FASTDST", "TABLE1_PAIR", "TABLE1_METHODS", "FINDING1_METHODS",
           "FACE_OF_ART_METHODS", "EXEMPLAR_CONTENT", "EXEMPLAR_CHARACTER", "geometry_pairs", "GEOMETRY_METHODS",
           "geometry_budget_pairs", "BUDGET_STYLES", "BUDGET_PHOTOS",
           "GEOMETRY_FAMILIES", "GEOMETRY_LEVELS", "GEOMETRY_PHOTOS"]

#: where the per-run tables and their provenance records are committed (relative to the repository root)
AT_SCALE_DIR = "figures/at_scale"
#: short side (px) an image needs to enter an at-scale plan: the working size
MIN_SIDE = 256


@dataclass(frozen=True)
class Plan:
    """Methods (names or ``(name, settings[, label])``) x pairs x seeds in one profile."""

    name: str
    methods: tuple
    pairs: tuple[tuple[str, str], ...]
    seeds: tuple[int, ...] = (0,)
    profile: str = "default"
    #: a timing plan runs its runs one at a time in this process on :data:`TIMING_THREADS` threads, whatever
    #: executor is given, so that no two runs share the cores while they are timed
    timing: bool = False
    #: write ``NAME_trajectory.csv.gz`` beside the table: every run's losses and keypoint progress over its steps
    #: (:func:`trajectories`)
    trajectories: bool = False
    #: one name per pair, written as the table's ``pair`` column (for pairs that share their images' names, e.g. one
    #: face against exaggerated copies of its own landmarks)
    pair_labels: tuple[str, ...] = ()
    #: run metrics (default :data:`survey_lib.evaluation.metrics.RUN_METRICS`)
    metrics: tuple | None = None

    @property
    def runs(self) -> int:
        return len(self.methods) * len(self.pairs) * len(self.seeds)


def _native_side(name: str) -> int:
    from PIL import Image

    from .. import data

    with Image.open(data.path(name)) as im:
        return min(im.size)


def finding1_pairs() -> list[tuple[str, str]]:
    """Every photo x portrait with 68 landmarks whose images are both at least :data:`MIN_SIDE` px."""
    from .evaluate import group

    photos = [n for n in group("photos") if _native_side(n) >= MIN_SIDE]
    portraits = [n for n in group("portraits") if _native_side(n) >= MIN_SIDE]
    return [(c, s) for c in photos for s in portraits]


def anime_faces() -> list[str]:
    """Every anime image of the catalogue in which AnimeFace finds a face at the survey's 256 px."""
    from ..geometry import animeface
    from .. import data

    return [e.name for e in data.list_images(category="anime") if animeface.detect(data.get(e.name, 256))]


def _subset(pairs: list, k: int) -> tuple:
    """``k`` of ``pairs`` drawn with a fixed seed, in their original order."""
    chosen = set(random.Random(0).sample(range(len(pairs)), k))
    return tuple(p for i, p in enumerate(pairs) if i in chosen)


ADAIN_OPTIMISED = ("adain", {"decoder": "optimised"})
#: Table 1's pair and methods (notebook 01)
TABLE1_PAIR = ("astronaut", "mona_lisa")
TABLE1_METHODS = ("nst", "adain", (*ADAIN_OPTIMISED, "adain (optimised decoding)"), "ghiasi", "dst", "fastdst",
                  "oneshot_foa", "foa_tps", "foa_fast")
TIMING_THREADS = 2
FINDING1_METHODS = ("nst", ADAIN_OPTIMISED, "ghiasi", "dst", "fastdst")
ANIME_FASTDST = ("fastdst", {"style_detector": "animeface"})
#: the Face-of-Art section: NST (the pipeline's second stage alone), the TPS pipeline and one-shot FoA on all
#: landmarks and on the even half (scored on the odd half), and DST
FACE_OF_ART_METHODS = ("nst", "foa_tps", ("foa_tps", {"keypoints": "even"}), "oneshot_foa",
                       ("oneshot_foa", {"keypoints": "even"}), "dst")


#: plan ``geometry``: the methods (one-shot FoA reads the styles' exact landmarks: the optimiser's upper bound;
#: foa_fast in both orders and with dlib's same-person limit as its identity guard), the families and the levels of
#: the geometric-style benchmark (:mod:`survey_lib.evaluation.geometric_styles`)
GEOMETRY_METHODS = ("nst", "ghiasi", ADAIN_OPTIMISED, "dst", "fastdst", "oneshot_foa", "foa_tps", "foa_fast",
                    ("foa_fast", {"order": "stylise_first"}, "foa_fast (stylise first)"),
                    ("foa_fast", {"max_identity": 0.6}, "foa_fast (identity guard)"))
GEOMETRY_FAMILIES = ("long_face", "anime_eyes")
GEOMETRY_LEVELS = (0.08, 0.11, 0.14, 0.17)
GEOMETRY_PHOTOS = 4


#: plan ``geometry_budget``: the base portrait, family and gaps (the base's long face is read by dlib at both)
BUDGET_STYLES = ("mona_lisa", "long_face", (0.11, 0.17))
BUDGET_PHOTOS = 2


def geometry_budget_pairs() -> list[tuple[str, str]]:
    """The first :data:`BUDGET_PHOTOS` photographs of plan ``geometry`` x the styles of :data:`BUDGET_STYLES`, named
    (nothing is built until a run resolves them)."""
    from .geometric_styles import style_name

    base, family, gaps = BUDGET_STYLES
    photos = list(dict.fromkeys(c for c, _ in finding1_pairs()))[:BUDGET_PHOTOS]
    return [(c, style_name(base, family, gap)) for c in photos for gap in gaps]


def geometry_pairs() -> list[tuple[str, str]]:
    """The first :data:`GEOMETRY_PHOTOS` photographs of Finding 1 (both sides at least :data:`MIN_SIDE` px) crossed
    with every style the benchmark builds from its base portraits in :data:`GEOMETRY_FAMILIES` x
    :data:`GEOMETRY_LEVELS` (a level a base cannot reach while staying a face is left out)."""
    from .geometric_styles import benchmark_styles

    photos = list(dict.fromkeys(c for c, _ in finding1_pairs()))[:GEOMETRY_PHOTOS]
    styles = [s.name for s in benchmark_styles(families=GEOMETRY_FAMILIES, levels=GEOMETRY_LEVELS)]
    return [(c, s) for c in photos for s in styles]


#: the warp weights of plan ``beta_sweep``: the published 0.5 up to 64 times it
BETAS = (0.5, 2.0, 8.0, 32.0)
#: plan ``deformation_sweep``: this face against exaggerated copies of its own landmarks (the style image gives only
#: the texture), by these factors (:func:`survey_lib.geometry.shapes.exaggerate`)
SWEEP_PAIR = ("astronaut", "mona_lisa")
SWEEP_K = (0.5, 1.0, 1.5, 2.0, 3.0)
#: the published schedule (3 x 150 steps, the keypoints' own learning rate) with the default profile's samples, the
#: keypoints recorded every 10 steps: long enough to see where the progress stops changing
TO_CONVERGENCE = {"steps_per_scale": 150, "theta_lr_scale": 1.0, "record_every": 10}


#: plan ``exemplars``: one photograph toward each drawing of one anime character, and toward their common landmarks
EXEMPLAR_CONTENT, EXEMPLAR_CHARACTER = "obama", "sylvie"


def exemplar_pairs(size: int = 256) -> tuple[tuple, tuple[str, ...]]:
    """The pairs of plan ``exemplars`` and their labels: :data:`EXEMPLAR_CONTENT` with each catalogue drawing of
    :data:`EXEMPLAR_CHARACTER` (its landmark file), then with the first drawing's image and the drawings' common
    landmarks (:func:`survey_lib.geometry.landmarks.mean_shape`, in that image's frame) as the style's geometry."""
    from .. import data
    from ..geometry.landmarks import mean_shape
    from ..data import character
    from .pairs import Pair

    drawings = [e.name for e in data.list_images(category="anime") if character(e.name) == EXEMPLAR_CHARACTER]
    common = mean_shape([data.landmarks(n) for n in drawings], reference=0)
    pairs = tuple((EXEMPLAR_CONTENT, n) for n in drawings) + (
        Pair.resolve(EXEMPLAR_CONTENT, drawings[0], size=size, match_size=size, style_landmarks=common),)
    return pairs, (*drawings, f"common of {len(drawings)}")


def sweep_pairs(size: int = 256) -> tuple:
    """The pairs of plan ``deformation_sweep``: :data:`SWEEP_PAIR` with the content's landmarks as they are and the
    style's replaced by them exaggerated by each of :data:`SWEEP_K`."""
    from .. import data
    from .pairs import Pair
    from ..geometry.shapes import exaggerate

    base = data.landmarks(SWEEP_PAIR[0])  # in the frame of the image file
    return tuple(Pair.resolve(*SWEEP_PAIR, size=size, match_size=size, content_landmarks=base,
                              style_landmarks=exaggerate(base, k)) for k in SWEEP_K)


@functools.lru_cache(maxsize=1)
def _plans() -> dict[str, Plan]:  # once per process: the pair rule opens every catalogue image
    from ..data import character
    from .metrics import RUN_METRICS, animeface_redetection, exact_tps_folds, near_white
    from .shape_metrics import SHAPE_METRICS

    pairs = tuple(finding1_pairs())
    ten = _subset(list(pairs), 10)
    photos = tuple(dict.fromkeys(c for c, _ in pairs))[:3]  # the first three photographs at the working size
    anime = anime_faces()
    # one anime face per character for the Face-of-Art comparison, each with another photograph
    first_face = {}  # of each character, in catalogue order
    for a in anime:
        first_face.setdefault(character(a), a)
    one_each = list(first_face.values())[:3]
    exemplars, exemplar_labels = exemplar_pairs()
    return {
        "finding1": Plan("finding1", FINDING1_METHODS, pairs),
        # NST and AdaIN's objective start from the content image, ghiasi is a forward pass: a seed changes nothing
        "finding1_seeds": Plan("finding1_seeds", ("dst", "fastdst"), ten, seeds=(1,)),
        "finding1_held_out": Plan("finding1_held_out", (("fastdst", {"keypoints": "even"}),
                                                        ("oneshot_foa", {"keypoints": "even"})), ten),
        "table1": Plan("table1", TABLE1_METHODS, (TABLE1_PAIR,), seeds=(0, 1, 2), timing=True),
        "paper_budget": Plan("paper_budget", ("nst", ("dst", {"record_every": 10}), ("fastdst", {"record_every": 10})),
                             (ten[0], ten[3]), profile="paper", trajectories=True),
        "anime": Plan("anime", (ANIME_FASTDST, "dst"), tuple((c, a) for c in photos for a in anime),
                      metrics=RUN_METRICS + (animeface_redetection,)),
        "face_of_art": Plan("face_of_art", FACE_OF_ART_METHODS, ten[:3] + tuple(zip(photos, one_each)),
                            metrics=RUN_METRICS + (near_white,)),
        "deformation_sweep": Plan("deformation_sweep", (("oneshot_foa", TO_CONVERGENCE),), sweep_pairs(),
                                  trajectories=True, pair_labels=tuple(f"k={k:g}" for k in SWEEP_K),
                                  metrics=RUN_METRICS + (exact_tps_folds,)),
        "exemplars": Plan("exemplars", ("oneshot_foa",), exemplars, seeds=(0, 1), pair_labels=exemplar_labels),
        "geometry_budget": Plan("geometry_budget", (("dst", {"record_every": 10}), ("fastdst", {"record_every": 10})),
                                tuple(geometry_budget_pairs()), profile="paper", trajectories=True,
                                metrics=RUN_METRICS + SHAPE_METRICS),
        "beta_sweep": Plan("beta_sweep", tuple((name, {"warp_weight": beta}) for name in ("dst", "fastdst")
                                               for beta in BETAS), (ten[0], ten[3]), trajectories=True),
    }


@functools.lru_cache(maxsize=1)
def _geometry_plan() -> Plan:  # on its own: building its 43 styles takes seconds no other plan should pay
    from .metrics import RUN_METRICS
    from .shape_metrics import SHAPE_METRICS

    return Plan("geometry", GEOMETRY_METHODS, tuple(geometry_pairs()), metrics=RUN_METRICS + SHAPE_METRICS)


#: plan names, in the order ``make evaluate`` runs them
PLANS = ("table1", "finding1", "finding1_held_out", "finding1_seeds", "beta_sweep", "paper_budget", "anime",
         "face_of_art", "deformation_sweep", "exemplars", "geometry", "geometry_budget")


def check_plan_name(name: str) -> str:
    """``name`` if it is one of :data:`PLANS`, else a ``ValueError`` listing them (builds no plan)."""
    if name not in PLANS:
        raise ValueError(f"unknown plan {name!r}; choose one of {', '.join(PLANS)}")
    return name


def get_plan(name: str) -> Plan:
    """The plan ``name`` (one of :data:`PLANS`), built once per process."""
    check_plan_name(name)
    return _geometry_plan() if name == "geometry" else _plans()[name]


def jobs(name: str, device: str = "cpu") -> list:
    """The runs of plan ``name`` as today's code would compute them, with their store keys, computing none: one
    :class:`~survey_lib.evaluation.evaluate.Job` per table row, in the table's order."""
    from .evaluate import plan_jobs
    from .metrics import RUN_METRICS

    plan = get_plan(name)
    return plan_jobs(list(plan.methods), list(plan.pairs), profile=plan.profile, seeds=plan.seeds,
                     metrics=plan.metrics or RUN_METRICS, device=device)
