"""The at-scale evaluations: named plans of runs too long for ``make figures``, computed by ``make evaluate``
(``python -m survey_lib evaluate --plan NAME``) into the results store, their tables committed under
``figures/at_scale/``.

A plan is methods x pairs x seeds in one profile. Beside each table ``NAME.csv`` go ``NAME_points.csv`` (where each
run's applied warp carries the content's 68 landmarks) and ``NAME_keypoints.csv`` (each run's keypoints, targets and
where it moved them), so that a geometry metric added later is computed from the repository, without the store.
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
  the two ``paper_budget`` pairs, their keypoint progress at every step kept (``beta_sweep_trajectory.csv``).
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
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass

__all__ = ["Plan", "PLANS", "get_plan", "finding1_pairs", "MIN_SIDE", "run_plan", "provenance", "read_plan",
           "AT_SCALE_DIR", "BETAS", "anime_faces", "sweep_pairs", "SWEEP_K", "exemplar_pairs", "carried_points",
           "keypoint_table", "trajectories", "timing_summary", "read_provenance", "rescore_plan", "jobs",
           "stale_rows", "staleness_note", "report_staleness", "check_committed", "UncommittedCode",
           "dirty_provenance", "AWAITING_RECOMPUTE", "save_partial"]

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
    #: write ``NAME_trajectory.csv`` beside the table: every run's losses and keypoint progress over its steps
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
                  "oneshot_foa", "foa_tps")
TIMING_THREADS = 2
FINDING1_METHODS = ("nst", ADAIN_OPTIMISED, "ghiasi", "dst", "fastdst")
ANIME_FASTDST = ("fastdst", {"style_detector": "animeface"})
#: the Face-of-Art section: NST (the pipeline's second stage alone), the TPS pipeline and one-shot FoA on all
#: landmarks and on the even half (scored on the odd half), and DST
FACE_OF_ART_METHODS = ("nst", "foa_tps", ("foa_tps", {"keypoints": "even"}), "oneshot_foa",
                       ("oneshot_foa", {"keypoints": "even"}), "dst")


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
    from .metrics import character
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
    from .metrics import RUN_METRICS, animeface_redetection, character, exact_tps_folds, near_white

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
        "beta_sweep": Plan("beta_sweep", tuple((name, {"warp_weight": beta}) for name in ("dst", "fastdst")
                                               for beta in BETAS), (ten[0], ten[3]), trajectories=True),
    }


#: plan names, in the order ``make evaluate`` runs them
PLANS = ("table1", "finding1", "finding1_held_out", "finding1_seeds", "beta_sweep", "paper_budget", "anime",
         "face_of_art", "deformation_sweep", "exemplars")


def get_plan(name: str) -> Plan:
    """The plan ``name`` (one of :data:`PLANS`)."""
    if name not in PLANS:
        raise ValueError(f"unknown plan {name!r}; choose one of {', '.join(PLANS)}")
    return _plans()[name]


def _checkout():
    """The git checkout this package runs from, or ``None`` (an installed package)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return root if (root / ".git").exists() else None


def _git(*args: str) -> str:
    import subprocess

    root = _checkout()
    if root is None:
        return ""
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _commit() -> str:
    """The checkout's commit, ``+dirty`` when tracked files have changes (``"unknown"`` outside a git checkout)."""
    commit = _git("rev-parse", "HEAD") or "unknown"
    return commit + ("+dirty" if _git("status", "--porcelain", "--untracked-files=no") else "")


class UncommittedCode(RuntimeError):
    """A plan would write a committed table from code that is in no commit."""


def check_committed(out_dir) -> None:
    """Refuse to write the checkout's own at-scale tables (``figures/at_scale``) while ``survey_lib/`` has
    uncommitted changes: a committed table must name a commit whose code reproduces it. Other folders (a scratch
    run) and an installed package are not checked.

    Raises:
        UncommittedCode: with the changed files and what to do.
    """
    from pathlib import Path

    root = _checkout()
    if root is None or Path(out_dir).resolve() != (root / AT_SCALE_DIR).resolve():
        return
    changed = _git("status", "--porcelain", "--", "survey_lib")
    if changed:
        files = ", ".join(line[3:] for line in changed.splitlines()[:3]) + (", ..." if changed.count("\n") > 2 else "")
        raise UncommittedCode(f"survey_lib/ has uncommitted changes ({files}): commit them first, so that the "
                              f"table's provenance names a commit that reproduces it (or pass --out-dir elsewhere)")


def jobs(name: str, device: str = "cpu") -> list:
    """The runs of plan ``name`` as today's code would compute them, with their store keys, computing none: one
    :class:`~survey_lib.evaluation.evaluate.Job` per table row, in the table's order."""
    from .evaluate import plan_jobs
    from .metrics import RUN_METRICS

    plan = get_plan(name)
    return plan_jobs(list(plan.methods), list(plan.pairs), profile=plan.profile, seeds=plan.seeds,
                     metrics=plan.metrics or RUN_METRICS, device=device)


def stale_rows(name: str, folder=None) -> int | None:
    """How many rows of the committed table of plan ``name`` today's code would compute under another key (another
    config, input, seed or algorithm version): ``0`` when the table is what today's code computes, ``None`` when
    the plan has no committed table. A table of another length than the plan counts every row as stale."""
    table = read_plan(name, folder)
    if table is None:
        return None
    keys = [j.key for j in jobs(name)]
    if len(keys) != len(table):
        return max(len(keys), len(table))
    return sum(a != b for a, b in zip(keys, table["key"]))


def dirty_provenance(name: str, folder=None) -> bool:
    """Whether any invocation that computed the committed table of plan ``name`` ran on code with uncommitted
    changes (its provenance names a ``+dirty`` commit)."""
    record = read_provenance(name, folder) or {}
    return any(str(r.get("commit", "")).endswith("+dirty") for r in (record, *record.get("earlier", ())))


#: the plans whose committed tables are not yet what a clean commit of today's code computed (stale keys, or
#: computed from uncommitted code); each says so in its notebook and in figures/README.md
#: (:func:`staleness_note`), and an entry leaves when its plan is recomputed (``make evaluate PLANS=NAME``)
AWAITING_RECOMPUTE = ("table1", "finding1", "beta_sweep", "paper_budget",
                      "anime", "face_of_art", "deformation_sweep")


def staleness_note(name: str, folder=None) -> str:
    """One line for a notebook or a README: empty when the committed table of plan ``name`` is what a clean commit
    of today's code computed, else what is wrong with it and the command that recomputes it."""
    if read_plan(name, folder) is None:
        return ""
    n = stale_rows(name, folder)
    if n:
        return (f"Note: {n} of the rows of {name}.csv were computed by an earlier version of the methods; "
                f"`make evaluate PLANS={name}` recomputes them (resumable).")
    if dirty_provenance(name, folder):
        return (f"Note: {name}.csv (its keys current) was computed from code with uncommitted changes; "
                f"`SURVEY_STORE=build/fresh.sqlite make evaluate PLANS={name}` recomputes it from a clean commit.")
    return ""


def report_staleness(*names: str, folder=None) -> list[str]:
    """Print :func:`staleness_note` of each plan in ``names`` that has one (a notebook's at-scale section says so
    where its numbers come from a table not yet recomputed); returns the notes."""
    notes = [note for note in (staleness_note(name, folder) for name in names) if note]
    for note in notes:
        print(note)
    return notes


def provenance(plan: Plan, table, wall_s: float, device="cpu") -> dict:
    """Where a plan's table came from: commit (``+dirty`` when the checkout had changes), profile, torch, device,
    date, this invocation's wall time, and the summed run times in the table (the compute it stands for)."""
    import datetime

    from ..utils import environment_summary

    env = environment_summary(device)
    return {"plan": plan.name, "commit": _commit(), "profile": plan.profile,
            "torch": env["torch"], "python": env["python"], "device": env["device"],
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "wall_s": round(wall_s, 1), "runs": len(table), "computed": int((~table["from_store"]).sum()),
            "run_seconds_total": round(float(table["total_s"].sum()), 1),
            "failed": int((table["error"] != "").sum())}


#: what the provenance record keeps of each earlier invocation of a plan
_INVOCATION = ("commit", "date", "device", "wall_s", "computed")


def run_plan(name: str, *, store=None, executor=None, device: str = "auto", out_dir=AT_SCALE_DIR):
    """Run plan ``name`` through :func:`survey_lib.evaluation.evaluate.evaluate` (resumable: finished runs are read
    back from ``store``, and metrics added since are computed on them) and write ``out_dir/NAME.csv`` (one row per
    run), the geometry tables beside it and ``out_dir/NAME.provenance.json`` (which lists the earlier invocations that
    computed its rows under ``earlier``). Rows another machine saved with :func:`save_partial` (``NAME_partial.csv``)
    under today's keys are taken as computed, and those partial files removed once the table is whole.

    Returns:
        the per-run table (a DataFrame).
    """
    import time
    from pathlib import Path

    import torch

    from .evaluate import evaluate
    from .store import opened
    from ..utils import check_writable_folder
    from ..vgg import resolve_device

    plan = get_plan(name)
    out = Path(out_dir)
    check_committed(out)
    out.mkdir(parents=True, exist_ok=True)
    check_writable_folder(out, "the at-scale tables folder")
    previous = read_plan(name, out)
    with opened(store) as db:
        imported, partial_provenance = _import_partial(name, db, out)
        t0 = time.perf_counter()
        threads = torch.get_num_threads()
        if plan.timing:
            torch.set_num_threads(TIMING_THREADS)
        try:
            extra = {} if plan.metrics is None else {"metrics": plan.metrics}
            table = evaluate(list(plan.methods), list(plan.pairs), profile=plan.profile, seeds=plan.seeds, store=db,
                             executor=None if plan.timing else executor, device=device, **extra)
            record = provenance(plan, table, time.perf_counter() - t0, resolve_device(device))  # threads as run
        finally:
            torch.set_num_threads(threads)
        labels = _row_pairs(plan, plan.pair_labels, len(table)) if plan.pair_labels else None
        _write_tables(name, plan, table, _row_pairs(plan, plan.pairs, len(table)), labels, db, out,
                      carried_over=imported)
    earlier = read_provenance(name, out)
    chain = []
    if earlier is not None and previous is not None and list(previous["key"]) == list(table["key"]):
        # resumed or re-read, the same runs: who computed its rows is kept (a table of other keys is replaced whole)
        chain = earlier.pop("earlier", []) + [{k: earlier.get(k) for k in _INVOCATION}]
    chain += partial_provenance
    if chain:
        record["earlier"] = chain
    _write_json(out / f"{name}.provenance.json", record)
    for suffix in _PARTIAL_SUFFIXES:  # the whole table now stands for those rows
        (out / f"{name}_partial{suffix}").unlink(missing_ok=True)
    return table


#: the files :func:`save_partial` writes for plan NAME, as ``NAME_partial<suffix>``
_PARTIAL_SUFFIXES = (".csv", "_points.csv", "_keypoints.csv", "_trajectory.csv", ".provenance.json")


def save_partial(name: str, *, store=None, out_dir=AT_SCALE_DIR) -> int:
    """Write the rows of plan ``name`` that ``store`` already holds under today's keys, computing nothing, as
    ``out_dir/NAME_partial.csv`` with its geometry tables and a provenance record: a plan too long for one machine's
    session is committed part by part, and :func:`run_plan` elsewhere resumes from it without this store. Rows saved
    earlier (and not in ``store``) are kept.

    Returns:
        the number of rows saved.
    """
    import datetime
    from pathlib import Path

    import pandas as pd

    from .evaluate import stored_table
    from .store import opened
    from ..utils import check_writable_folder

    plan, out = get_plan(name), Path(out_dir)
    check_committed(out)
    check_writable_folder(out, "the at-scale tables folder")
    with opened(store) as db:
        imported, before = _import_partial(name, db, out)
        planned = jobs(name)
        held = [i for i, job in enumerate(planned) if job.key in db]
        table = stored_table([planned[i] for i in held], db)
        if not len(table):
            return 0
        per_pair = len(plan.methods) * len(plan.seeds)
        labels = [plan.pair_labels[i // per_pair] for i in held] if plan.pair_labels else None
        _write_tables(f"{name}_partial", plan, table, [planned[i].pair for i in held], labels, db, out,
                      carried_over=imported)
    from ..utils import environment_summary

    done = int(len(table)) - len(imported)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    entry = {"commit": _commit(), "date": now, "device": environment_summary("cpu")["device"], "wall_s": None,
             "computed": done}
    _write_json(out / f"{name}_partial.provenance.json",
                {"plan": name, "rows": int(len(table)), "of": plan.runs, "invocations": before + [entry],
                 "run_seconds_total": round(float(pd.to_numeric(table["total_s"]).sum()), 1)})
    return int(len(table))


def _import_partial(name: str, db, out) -> tuple[set, list]:
    """Put the rows of ``out/NAME_partial.csv`` that carry today's keys into ``db`` (see
    :func:`survey_lib.evaluation.evaluate.records_from_table`); returns their keys and the invocations that computed
    them."""
    import json

    from .evaluate import records_from_table

    table = read_plan(f"{name}_partial", out)
    if table is None:
        return set(), []
    records = records_from_table(table, jobs(name), f"{name}_partial.csv")
    for record in records:
        db.put(record)
    path = out / f"{name}_partial.provenance.json"
    invocations = json.loads(path.read_text()).get("invocations", []) if path.is_file() else []
    return {r.key for r in records}, invocations


def _write_tables(stem: str, plan: Plan, table, row_pairs, labels, db, out, *, carried_over=frozenset()) -> None:
    """``out/STEM.csv`` and its geometry tables (``_points``, ``_keypoints``, ``_trajectory``): what a new geometry
    metric needs, committed beside the table (the store may be gone). Runs ``carried_over`` from a partial table,
    which the store holds without their geometry, take theirs from ``out/NAME_partial_*.csv``."""
    import pandas as pd

    from ..utils import atomic_write

    if labels is not None:
        table.insert(0, "pair", labels)
    with atomic_write(out / f"{stem}.csv") as tmp:
        table.to_csv(tmp, index=False)
    made = {"points": carried_points(table, row_pairs, db), "keypoints": keypoint_table(table, db),
            "trajectory": trajectories(table, db, pairs=row_pairs) if plan.trajectories else pd.DataFrame()}
    order = {k: i for i, k in enumerate(table["key"])}
    for suffix, geometry in made.items():
        earlier = read_plan(f"{plan.name}_partial_{suffix}", out) if carried_over else None
        if earlier is not None and "key" in earlier:
            geometry = pd.concat([geometry, earlier[earlier["key"].isin(carried_over)]], ignore_index=True)
        if len(geometry):
            geometry = geometry.iloc[geometry["key"].map(order).argsort(kind="stable")]
            with atomic_write(out / f"{stem}_{suffix}.csv") as tmp:
                geometry.to_csv(tmp, index=False)


def _write_json(path, obj) -> None:
    import json
    from pathlib import Path

    from ..utils import atomic_write

    with atomic_write(path) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=2) + "\n")


def rescore_plan(name: str, *, store=None, out_dir=AT_SCALE_DIR):
    """Score the committed table of plan ``name`` again from the runs the store keeps under the table's own keys,
    computing no run: metrics added to the plan or given a new ``version`` since are computed on the stored results
    (:func:`survey_lib.evaluation.evaluate.evaluate` would look up the keys of today's code, which a change to a
    method's modules renames). Rows whose run the store does not have keep their values. Rewrites ``out_dir/NAME.csv``
    and adds a ``rescored`` entry (commit, date, rows) to the provenance record.

    Returns:
        the table (a DataFrame) and the number of rows scored from the store.
    """
    import datetime
    import json
    from pathlib import Path
    from types import SimpleNamespace

    from .evaluate import complete_metrics
    from .metrics import RUN_METRICS
    from ..profiles import get_profile
    from .store import Store
    from ..utils import atomic_write

    plan, out = get_plan(name), Path(out_dir)
    check_committed(out)
    table = read_plan(name, out, required=True)
    prof = get_profile(plan.profile)
    row_pairs = _row_pairs(plan, plan.pairs, len(table))
    own_store = not isinstance(store, Store)
    db = Store(store) if own_store else store
    scored = 0
    try:
        for i, key in enumerate(table["key"]):
            record = db.get(key)
            if record is None or record.error:
                continue
            pair = _resolve(row_pairs[i], prof)
            complete_metrics(record, SimpleNamespace(metrics=plan.metrics or RUN_METRICS, pair=pair), db)
            for column, value in record.metrics.items():
                if not column.startswith("_"):
                    table.loc[i, column] = value
            scored += 1
    finally:
        if own_store:
            db.close()
    with atomic_write(out / f"{name}.csv") as tmp:
        table.to_csv(tmp, index=False)
    origin = read_provenance(name, out) or {}
    origin.setdefault("rescored", []).append({
        "commit": _commit(), "rows": scored,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
    with atomic_write(out / f"{name}.provenance.json") as tmp:
        Path(tmp).write_text(json.dumps(origin, indent=2) + "\n")
    return table, scored


def trajectories(table, store=None, *, pairs=None):
    """Every optimisation run in ``table`` traced over its steps, one row per run and step (a DataFrame; empty when
    no run has a history), with its total ``loss`` at that step: where a DST-family run recorded its keypoints
    (``record_every``), :func:`survey_lib.evaluation.metrics.trajectory` at each recorded step (keypoint progress,
    landmarks carried by the warp, folded %); otherwise the losses it logged before each update (step 0 = the start),
    with a DST-family run's keypoint progress ``1 - L_warp(t) / L_warp(0)`` (the other columns NaN). ``pairs``: the pair
    of each row (:class:`~survey_lib.evaluation.pairs.Pair` or names) where the names alone do not say it; a ``pair``
    column of ``table`` is kept."""
    import pandas as pd

    from .metrics import trajectory

    rows = []
    for run, res, pair_of in _stored_runs(table, pairs, store):
        loss = res.history.get("total", [])
        if res.history.get("theta_steps"):
            rows += [{**run, **row, "loss": loss[row["step"] - 1] if len(loss) >= row["step"] else float("nan")}
                     for row in trajectory(pair_of(), res)]
        elif loss:
            lw = res.history.get("warp") or [float("nan")] * len(loss)
            rows += [{**run, "step": t, "own_target_progress": 1 - w / lw[0] if lw[0] > 0 else float("nan"),
                      "loss": v} for t, (w, v) in enumerate(zip(lw, loss))]
    return pd.DataFrame(rows)


def _stored_runs(table, pairs, store):
    """For each run of ``table`` found in ``store``: its identifying columns (with ``pair`` where the table has
    one), its :class:`~survey_lib.methods.Result`, and a function giving its :class:`~survey_lib.evaluation.pairs.Pair`
    (``pairs[i]`` as given, or resolved from the row's names at the run's profile sizes)."""
    from .evaluate import results
    from ..profiles import get_profile

    outputs = results(table, "default" if store is None else store)
    for i, r in enumerate(table.itertuples()):
        res = outputs.get(r.key)
        if res is None:
            continue
        run = {"method": r.method, "content": r.content, "style": r.style, "seed": r.seed, "settings": r.settings,
               "key": r.key}
        if "pair" in table:
            run = {"pair": r.pair, **run}
        given = pairs[i] if pairs is not None else (r.content, r.style)

        def pair_of(given=given, res=res):
            return _resolve(given, get_profile(res.profile or "default"))
        yield run, res, pair_of


def _row_pairs(plan: Plan, per_pair_values, rows: int) -> list:
    """Per row of a plan's table, its pair's entry of ``per_pair_values`` (a pair, a label): evaluate's rows go pair
    by pair, then methods, then seeds."""
    per_pair = len(plan.methods) * len(plan.seeds)
    return [per_pair_values[i // per_pair] for i in range(rows)]


def _resolve(given, prof):
    """``given`` as a :class:`~survey_lib.evaluation.pairs.Pair`: as it is, or resolved from its names at ``prof``'s
    sizes."""
    from .pairs import Pair

    return given if isinstance(given, Pair) else Pair.resolve(*given, size=prof.size, match_size=prof.match_size)


def carried_points(table, pairs, store=None):
    """Where the applied warp of each run in ``table`` carries its content's 68 landmarks
    (:func:`survey_lib.evaluation.metrics.points_through_warp`): one row per run and landmark with ``landmark`` (dlib's
    index), ``x``, ``y`` (pixels at the working size; NaN where the warp does not reach the point), and the run's
    method, content, style, seed, settings (and ``pair`` where ``table`` has it). Runs without a warp are left out.
    ``pairs``: the pair of each row (:class:`~survey_lib.evaluation.pairs.Pair` or names)."""
    import pandas as pd

    from .metrics import points_through_warp

    rows = []
    for run, res, pair_of in _stored_runs(table, pairs, store):
        if res.warp is None:
            continue
        q = points_through_warp(res.warp, pair_of().landmarks("content"))
        rows += [{**run, "landmark": i, "x": float(x), "y": float(y)} for i, (x, y) in enumerate(q.tolist())]
    return pd.DataFrame(rows)


def keypoint_table(table, store=None):
    """The keypoints of each run in ``table`` that moved keypoints toward targets (the DST family; foa_tps, whose
    moved points are where its spline carries them): one row per run and keypoint with ``index`` (the keypoint's
    position in the run's correspondences), the content point ``src_x``/``src_y``, its aligned target
    ``target_x``/``target_y`` and where the run put it, ``moved_x``/``moved_y`` (pixels at the working size), and
    the run's method, content, style, seed, settings and key. Runs without targets are left out."""
    import pandas as pd

    rows = []
    for run, res, _ in _stored_runs(table, None, store):
        if res.targets is None or res.moved is None or res.correspondences is None:
            continue
        for i, (s, t, m) in enumerate(zip(res.correspondences.src.tolist(), res.targets.tolist(), res.moved.tolist())):
            rows.append({**run, "index": i, "src_x": s[0], "src_y": s[1], "target_x": t[0], "target_y": t[1],
                         "moved_x": m[0], "moved_y": m[1]})
    return pd.DataFrame(rows)


def timing_summary(table, *, by: str = "name"):
    """Median and interquartile range of each timing over the repeats of ``table`` (e.g. plan ``table1``): per
    group of ``by``, ``steps`` and, for ``matching_s``, ``optimisation_s``, ``total_s`` and ``s_per_step``
    (optimisation seconds per step; NaN for a feed-forward method), the median and the 25th/75th percentiles
    (``<col>_q25``, ``<col>_q75``) and the number of repeats ``n``. Groups keep their first-seen order."""
    import numpy as np
    import pandas as pd

    t = table[table["error"] == ""].assign(
        s_per_step=lambda d: (d["optimisation_s"] / d["steps"].where(d["steps"] > 0)).astype(float))
    rows = {}
    for key, g in t.groupby(by, sort=False):
        row = {"steps": int(g["steps"].iloc[0]), "n": len(g)}
        for col in ("matching_s", "optimisation_s", "total_s", "s_per_step"):
            q25, med, q75 = np.nanpercentile(g[col], [25, 50, 75]) if g[col].notna().any() else (np.nan,) * 3
            row.update({col: med, f"{col}_q25": q25, f"{col}_q75": q75})
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def read_provenance(name: str, folder=None) -> dict | None:
    """The committed provenance record of plan ``name``, or ``None`` when it has not been computed yet."""
    import json
    from pathlib import Path

    from ..utils import bundled_dir

    path = Path(folder or bundled_dir(AT_SCALE_DIR)) / f"{name}.provenance.json"
    return json.loads(path.read_text()) if path.is_file() else None


def read_plan(name: str, folder=None, *, required: bool = False):
    """The committed per-run table of plan ``name`` (a DataFrame); when it has not been computed yet ``None``, or with
    ``required`` a ``FileNotFoundError`` that says how to compute it."""
    from pathlib import Path

    import pandas as pd

    from ..utils import bundled_dir

    path = Path(folder or bundled_dir(AT_SCALE_DIR)) / f"{name}.csv"
    if not path.is_file():
        if required:
            plan = name.removesuffix("_trajectory").removesuffix("_points")
            raise FileNotFoundError(f"{path} is missing: run `make evaluate PLANS={plan}` (resumable), then run this "
                                    "again")
        return None
    table = pd.read_csv(path)
    if "error" in table:  # a run without an error has an empty message, read back as NaN
        table["error"] = table["error"].astype(object).where(table["error"].notna(), "").astype(str)
    return table
