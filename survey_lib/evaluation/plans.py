"""The at-scale evaluations: named plans of runs too long for ``make figures``
(:mod:`survey_lib.evaluation.plan_specs`), computed by ``make evaluate`` (``python -m survey_lib evaluate --plan
NAME``) into the results store, their tables committed under ``figures/at_scale/``: running a plan, saving part of
one, scoring a committed table again, and reading and checking what is committed.

Beside each table ``NAME.csv`` go ``NAME_points.csv.gz`` (where each run's applied warp carries the content's 68
landmarks) and ``NAME_keypoints.csv.gz`` (each run's keypoints, targets and where it moved them)
(:mod:`survey_lib.evaluation.run_geometry`), so that a geometry metric added later is computed from the repository,
without the store; and ``NAME.provenance.json`` (:mod:`survey_lib.evaluation.provenance`).
"""
from __future__ import annotations

from .plan_specs import *  # noqa: F401,F403  (the plans themselves, one place to import them from)
from .plan_specs import AT_SCALE_DIR, TIMING_THREADS, Plan, get_plan, jobs
from .plan_specs import __all__ as _SPEC_NAMES
from .provenance import (INVOCATION, UncommittedCode, check_committed, commit, dirty_provenance, provenance,
                         read_provenance, write_json)
from .tables import timing_summary

__all__ = [*_SPEC_NAMES, "run_plan", "run_methods", "crossed_order", "save_partial", "rescore_plan", "read_plan",
           "read_provenance",
           "read_shape_scores", "read_geometry_so_far", "read_spline_distortion", "read_plan_so_far", "working_size",
           "stale_rows", "staleness_note", "report_staleness",
           "AWAITING_RECOMPUTE", "check_committed", "UncommittedCode", "dirty_provenance", "provenance",
           "timing_summary"]


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


#: the plans whose committed tables are not yet what a clean commit of today's code computed (stale keys, or
#: computed from uncommitted code); each says so in its notebook and in figures/README.md
#: (:func:`staleness_note`), and an entry leaves when its plan is recomputed (``make evaluate PLANS=NAME``)
AWAITING_RECOMPUTE: tuple[str, ...] = ()


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




def run_plan(name: str, *, store=None, executor=None, device: str = "auto", out_dir=AT_SCALE_DIR):
    """Run plan ``name`` through :func:`survey_lib.evaluation.evaluate.evaluate` (resumable: finished runs are read
    back from ``store``, and metrics added since are computed on them) and write ``out_dir/NAME.csv`` (one row per
    run), the geometry tables beside it and ``out_dir/NAME.provenance.json`` (which lists the earlier invocations that
    computed its rows under ``earlier``). Rows another machine saved with :func:`save_partial` (``NAME_partial.csv``)
    under today's keys are taken as computed, and those partial files removed once the table is whole.

    Returns:
        the plan's :class:`~survey_lib.evaluation.runs.Runs`, its pairs named by the plan's pair labels.
    """
    from pathlib import Path

    from .store import opened

    plan, out = get_plan(name), Path(out_dir)
    _check_out_dir(out)
    previous = read_plan(name, out)
    with opened(store) as db:
        imported, partial_provenance = _import_partial(name, db, out)
        runs, record = _timed_runs(plan, db, executor, device)
    runs = runs.labelled(plan.pair_labels)
    table = _write_tables(name, plan, runs, out, carried_over=imported)
    earlier = read_provenance(name, out)
    chain = []
    if earlier is not None and previous is not None and list(previous["key"]) == list(table["key"]):
        # resumed or re-read, the same runs: who computed its rows is kept (a table of other keys is replaced whole)
        chain = earlier.pop("earlier", []) + [{k: earlier.get(k) for k in INVOCATION}]
    chain += partial_provenance
    # an invocation that ended before the oldest row of the table was created computed none of its rows (they were
    # computed again since, e.g. a table recomputed at a clean commit): it is not named
    oldest = min((runs.records[key].created for key in table["key"]), default="")
    chain = [entry for entry in chain if not oldest or str(entry.get("date") or "") >= oldest]
    if chain:
        record["earlier"] = chain
    write_json(out / f"{name}.provenance.json", record)
    for suffix in _PARTIAL_SUFFIXES:  # the whole table now stands for those rows
        (out / f"{name}_partial{suffix}").unlink(missing_ok=True)
    return runs


def _check_out_dir(out) -> None:
    """Refuse uncommitted code (:func:`~survey_lib.evaluation.provenance.check_committed`) and a folder that cannot
    be written, before any run."""
    from ..utils import check_writable_folder

    check_committed(out)
    out.mkdir(parents=True, exist_ok=True)
    check_writable_folder(out, "the at-scale tables folder")


def _timed_runs(plan: Plan, db, executor, device: str):
    """The runs of ``plan`` (:func:`~survey_lib.evaluation.evaluate.evaluate` into ``db``) and the provenance record
    of this invocation; a timing plan runs here, one run at a time on :data:`TIMING_THREADS` threads, every run
    computed again (its timings are this invocation's, never a stored run's timed beside other work)."""
    import time

    import torch

    from .evaluate import evaluate
    from ..vgg import resolve_device

    t0 = time.perf_counter()
    threads = torch.get_num_threads()
    if plan.timing:
        torch.set_num_threads(TIMING_THREADS)
    try:
        extra = {} if plan.metrics is None else {"metrics": plan.metrics}
        # a timing plan times every run in this invocation: a stored run may have been timed beside other work
        runs = evaluate(list(plan.methods), list(plan.pairs), profile=plan.profile, seeds=plan.seeds, store=db,
                        executor=None if plan.timing else executor, device=device, outputs=False,
                        fresh=plan.timing, **extra)
        record = provenance(plan, runs.table, time.perf_counter() - t0, resolve_device(device))  # threads as run
    finally:
        torch.set_num_threads(threads)
    return runs, record


def run_methods(name: str, methods, *, contents=None, styles=None, store=None, executor=None, device: str = "auto",
                out_dir=AT_SCALE_DIR) -> tuple[int, int]:
    """Compute into ``store`` the runs of plan ``name`` whose method is one of ``methods`` (registered names: each
    variant of a method the plan runs is included), writing no table: a plan too long for one session is worked
    through in the order its questions need, then committed with :func:`save_partial`. Resumable like
    :func:`run_plan`, from the store or, on another machine, from the committed ``out_dir/NAME_partial.csv`` (its rows
    under today's keys are put into ``store`` first and not computed again).

    Args:
        contents, styles: glob patterns (:mod:`fnmatch`, e.g. styles ``"*~17"`` for the benchmark's gap-0.17 styles);
            only the plan's pairs whose content matches one of ``contents`` and whose style matches one of ``styles``
            are run. ``None``: any.

    The pairs are visited in :func:`crossed_order`, so that work stopped part way has spread over the contents and
    the styles. Returns ``(computed, read from the store)``."""
    from dataclasses import replace
    from fnmatch import fnmatch
    from pathlib import Path

    from .evaluate import method_parts
    from .store import opened

    plan = get_plan(name)
    wanted = [m for m in plan.methods if method_parts(m)[0] in set(methods)]
    if not wanted:
        ran = sorted({method_parts(m)[0] for m in plan.methods})
        raise ValueError(f"plan {name} runs none of {', '.join(methods)}; it runs {', '.join(ran)}")
    pairs = list(plan.pairs)
    for side, (option, patterns) in enumerate((("contents", contents), ("styles", styles))):
        if patterns is None:
            continue
        kept = [p for p in pairs if any(fnmatch(_pair_names(p)[side], pat) for pat in patterns)]
        if not kept:
            raise ValueError(f"no {option[:-1]} of plan {name} matches --{option} {' '.join(patterns)}; its "
                             f"{option} are named like {_pair_names(pairs[-1])[side]!r}")
        pairs = kept
    with opened(store) as db:
        _import_partial(name, db, Path(out_dir))
        runs, _ = _timed_runs(replace(plan, methods=tuple(wanted), pairs=tuple(crossed_order(pairs))), db, executor,
                              device)
    hits = int(runs.table["from_store"].sum())
    return len(runs.table) - hits, hits


def crossed_order(pairs) -> list:
    """``pairs`` (``(content, style)`` names or :class:`~survey_lib.evaluation.pairs.Pair`, in a crossed design)
    reordered in rounds: round ``r`` gives the ``k``-th style (first-seen order) the ``(k + r)``-th of its pairs, so
    that any prefix spreads over the contents and the styles (a two-way interval needs several of each) instead of
    finishing one content first. Every pair once, as given."""
    by_style: dict = {}
    for pair in pairs:
        by_style.setdefault(_pair_names(pair)[1], []).append(pair)
    order, r = [], 0
    while len(order) < len(pairs):
        for k, group in enumerate(by_style.values()):
            if r < len(group):
                order.append(group[(k + r) % len(group)])
        r += 1
    return order


def _pair_names(pair) -> tuple[str, str]:
    """(content, style) of a plan's pair: the names it was given, or a built pair's sources as text."""
    return pair if isinstance(pair, tuple) else (str(pair.sources["content"]), str(pair.sources["style"]))


#: the geometry tables written beside a plan's table, as ``NAME_<table>.csv.gz`` (:func:`_write_tables`)
GEOMETRY_TABLES = ("points", "keypoints", "trajectory")
#: the files :func:`save_partial` writes for plan NAME, as ``NAME_partial<suffix>``
_PARTIAL_SUFFIXES = (".csv", *(f"_{t}.csv.gz" for t in GEOMETRY_TABLES), ".provenance.json")

#: how the geometry tables (one row per landmark or recorded step, 10-100x the rows of the table) are written: gzip
#: without a timestamp, so that the same runs give the same bytes
GEOMETRY_COMPRESSION = {"method": "gzip", "mtime": 0}


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

    from .evaluate import stored_runs
    from .store import opened
    from ..utils import check_writable_folder, environment_summary

    plan, out = get_plan(name), Path(out_dir)
    check_committed(out)
    check_writable_folder(out, "the at-scale tables folder")
    planned = jobs(name)
    with opened(store) as db:
        imported, before = _import_partial(name, db, out)
        runs = stored_runs(planned, db)
    if not len(runs):
        return 0
    if plan.pair_labels:  # the labels of the pairs held, in order: the plan's jobs go pair by pair
        per_pair = len(plan.methods) * len(plan.seeds)
        held = dict.fromkeys(i // per_pair for i, job in enumerate(planned) if job.key in runs.records)
        runs = runs.labelled(plan.pair_labels[k] for k in held)
    table = _write_tables(f"{name}_partial", plan, runs, out, carried_over=imported, scored_by=True)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    entry = {"commit": commit(), "date": now, "device": environment_summary("cpu")["device"], "wall_s": None,
             "computed": len(runs) - len(imported)}
    write_json(out / f"{name}_partial.provenance.json",
               {"plan": name, "rows": len(runs), "of": plan.runs,
                "invocations": before + ([entry] if entry["computed"] else []),  # a save that added no row: none
                "run_seconds_total": round(float(table["total_s"].sum()), 1)})
    return len(runs)


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


def _write_tables(stem: str, plan: Plan, runs, out, *, carried_over=frozenset(), scored_by: bool = False):
    """``out/STEM.csv`` (:meth:`~survey_lib.evaluation.runs.Runs.committed`) and its geometry tables (``_points``,
    ``_keypoints``, ``_trajectory``): what a new geometry metric needs, committed beside the table (the store may
    be gone). Runs ``carried_over`` from a partial table, which the store holds without their geometry, take theirs
    from ``out/NAME_partial_*.csv.gz``. Returns the table as written."""
    import pandas as pd

    from .run_geometry import carried_points, keypoint_table, trajectories
    from ..utils import atomic_write

    table = runs.committed(scored_by=scored_by)
    with atomic_write(out / f"{stem}.csv") as tmp:
        table.to_csv(tmp, index=False)
    made = {"points": carried_points(runs), "keypoints": keypoint_table(runs),
            "trajectory": trajectories(runs) if plan.trajectories else pd.DataFrame()}
    order = {k: i for i, k in enumerate(table["key"])}
    for suffix, geometry in made.items():
        earlier = read_plan(f"{plan.name}_partial_{suffix}", out) if carried_over else None
        if earlier is not None and "key" in earlier:  # only for runs whose geometry the store could not give
            have = set(geometry["key"]) if "key" in geometry else set()
            missing = earlier["key"].isin(carried_over) & ~earlier["key"].isin(have)
            geometry = pd.concat([geometry, earlier[missing]], ignore_index=True)
        if len(geometry):
            geometry = geometry.iloc[geometry["key"].map(order).argsort(kind="stable")]
            with atomic_write(out / f"{stem}_{suffix}.csv.gz") as tmp:
                geometry.to_csv(tmp, index=False, compression=GEOMETRY_COMPRESSION)
            (out / f"{stem}_{suffix}.csv").unlink(missing_ok=True)  # written uncompressed by an older version
    return table


def rescore_plan(name: str, *, store=None, out_dir=AT_SCALE_DIR):
    """Score the committed table of plan ``name`` again from the runs the store keeps under the table's own keys,
    computing no run: metrics added to the plan or given a new ``version`` since are computed on the stored results.
    Rows whose run the store does not have keep their values. Rewrites ``out_dir/NAME.csv`` and adds a ``rescored``
    entry (commit, date, rows) to the provenance record.

    Returns:
        the table (a DataFrame) and the number of rows scored from the store.
    """
    import datetime
    from pathlib import Path

    from .evaluate import complete_metrics
    from .metrics import RUN_METRICS
    from .store import opened
    from ..utils import atomic_write

    plan, out = get_plan(name), Path(out_dir)
    check_committed(out)
    table = read_plan(name, out, required=True)
    planned = jobs(name)  # in the table's order: row i is the run of planned[i]'s pair, under the table's key
    if len(planned) != len(table):
        raise ValueError(f"{name}.csv has {len(table)} rows, the plan {len(planned)}: recompute it with "
                         f"`make evaluate PLANS={name}`")
    scored = 0
    with opened(store) as db:
        for i, key in enumerate(table["key"]):
            record = db.get(key)
            if record is None or record.error:
                continue
            complete_metrics(record, plan.metrics or RUN_METRICS, planned[i].pair, db)
            for column, value in record.metrics.items():
                if not column.startswith("_"):
                    table.loc[i, column] = value
            scored += 1
    with atomic_write(out / f"{name}.csv") as tmp:
        table.to_csv(tmp, index=False)
    origin = read_provenance(name, out) or {}
    origin.setdefault("rescored", []).append({
        "commit": commit(), "rows": scored,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
    write_json(out / f"{name}.provenance.json", origin)
    return table, scored


def read_plan(name: str, folder=None, *, required: bool = False):
    """The committed per-run table of plan ``name`` (a DataFrame), ``NAME.csv`` or, for the geometry tables,
    ``NAME.csv.gz``; when it has not been computed yet ``None``, or with ``required`` a ``FileNotFoundError`` that
    says how to compute it."""
    from pathlib import Path

    import pandas as pd

    from ..utils import bundled_dir

    path = Path(folder or bundled_dir(AT_SCALE_DIR)) / f"{name}.csv"
    if not path.is_file() and path.with_suffix(".csv.gz").is_file():
        path = path.with_suffix(".csv.gz")
    if not path.is_file():
        if required:
            plan = next((name.removesuffix(f"_{t}") for t in GEOMETRY_TABLES if name.endswith(f"_{t}")), name)
            raise FileNotFoundError(f"{path} is missing: run `make evaluate PLANS={plan}` (resumable), then run this "
                                    "again")
        return None
    table = pd.read_csv(path)
    if "error" in table:  # a run without an error has an empty message, read back as NaN
        table["error"] = table["error"].astype(object).where(table["error"].notna(), "").astype(str)
    return table


def working_size(name: str, folder=None) -> int:
    """The working size (px) of plan ``name``'s committed runs: its profile's, read from the provenance of its table
    or, while only part is computed, of its partial table; the default profile's when neither is committed."""
    from ..profiles import get_profile

    record = read_provenance(name, folder) or read_provenance(f"{name}_partial", folder) or {}
    return get_profile(record.get("profile", "default")).size


def read_shape_scores(name: str, folder=None):
    """The shape scores (:data:`~survey_lib.evaluation.shape_metrics.SHAPE_COLUMNS`) of plan ``name``'s committed runs,
    computed from its committed carried landmarks (``NAME_points.csv.gz``) at the plan's working size, by ``key``:
    geometry scored on shape for a plan computed before the metric existed, computing no run."""
    from .shape_metrics import committed_shape_scores

    return committed_shape_scores(read_plan(f"{name}_points", folder, required=True), size=working_size(name, folder))


def read_geometry_so_far(name: str, table: str, folder=None):
    """The geometry table ``table`` (one of :data:`GEOMETRY_TABLES`: ``"points"``, the carried landmarks;
    ``"keypoints"``; ``"trajectory"``) committed beside plan ``name``'s table (``NAME_<table>.csv.gz``), or, while only
    part of the plan is computed, beside its partial table (``NAME_partial_<table>.csv.gz``), as
    :func:`read_plan_so_far` reads the table; ``None`` when neither is committed."""
    if table not in GEOMETRY_TABLES:
        raise ValueError(f"no geometry table {table!r}; a plan's are {', '.join(GEOMETRY_TABLES)}")
    whole = read_plan(f"{name}_{table}", folder)
    return whole if whole is not None else read_plan(f"{name}_partial_{table}", folder)


def read_spline_distortion(name: str, folder=None, *, methods=None):
    """The Face-of-Art spline at the displacement each committed run of plan ``name`` reached
    (:func:`~survey_lib.evaluation.shape_metrics.committed_spline_distortion`, from the carried landmarks
    :func:`read_geometry_so_far` reads, at the plan's working size, computing no run), by ``key``; ``methods``: only
    those methods' runs (e.g. ``["oneshot_foa"]``)."""
    from .shape_metrics import committed_spline_distortion

    points = read_geometry_so_far(name, "points", folder)
    if points is None:  # neither committed: the error that says how to compute them
        points = read_plan(f"{name}_points", folder, required=True)
    if methods is not None:
        points = points[points["method"].isin(methods)]
    return committed_spline_distortion(points, size=working_size(name, folder))


def read_plan_so_far(name: str, folder=None):
    """The committed table of plan ``name``, or, while only part of it is computed, its committed partial table
    (``NAME_partial.csv``, :func:`save_partial`), with a one-line note saying which: ``(table, note)``. Raises
    ``FileNotFoundError`` (saying how to compute it) when neither is committed."""
    table = read_plan(name, folder)
    if table is not None:
        return table, f"plan {name}: {len(table)} runs, complete"
    part = read_plan(f"{name}_partial", folder, required=True)
    saved = read_provenance(f"{name}_partial", folder) or {}
    total = saved.get("of") or get_plan(name).runs  # recorded when the part was saved: no need to build the plan
    return part, (f"plan {name}: {len(part)} of {total} runs computed so far ({name}_partial.csv); "
                  f"`make evaluate PLANS={name}` computes the rest (resumable)")
