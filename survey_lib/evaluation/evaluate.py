"""Grids of runs (methods x pairs x seeds) into the results store, as one tidy table.

>>> from survey_lib.evaluation.evaluate import evaluate, grid
>>> table = evaluate(["nst", "fastdst"], grid(["astronaut"], ["mona_lisa", "hokusai_fan"]), profile="smoke",
...                  seeds=(0, 1))                                   # doctest: +SKIP
>>> table[["method", "content", "style", "seed", "warp_progress", "from_store"]]   # doctest: +SKIP

Every run is looked up in the store first (:mod:`survey_lib.evaluation.store`); only the missing ones are computed, each
written as soon as it finishes, so an interrupted evaluation resumes where it stopped. ``executor`` takes any
:class:`concurrent.futures.Executor`: a ``ProcessPoolExecutor`` on one machine, or a Dask cluster's
``Client.get_executor()``; runs go to the executor and results come back to this process, which alone writes
the store.
"""
from __future__ import annotations

import datetime
import json
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from ..methods import Result
from ..methods import get as get_method
from .metrics import RUN_METRICS
from .pairs import Pair
from ..profiles import Profile, get_profile
from .runs import TABLE_COLUMNS, Runs, computed_ids, load_result, metric_id
from .keeper import Keeper
from .store import Record, Store, opened, pack_arrays, png_bytes, run_key

__all__ = ["evaluate", "plan_jobs", "method_parts", "stored_runs", "records_from_table", "grid", "group", "GROUPS",
           "Job", "run_job", "complete_metrics"]

Metric = Callable[[Pair, "Result"], dict]


# ----------------------------------------------------------------------------------------------- pairs
def _portraits_with_landmarks() -> list[str]:
    from .. import data

    return [e.name for e in data.list_images(role="style") if e.category == "painting" and e.landmarks]


def _photos() -> list[str]:
    from .. import data

    return [e.name for e in data.list_images(category="photo") if e.landmarks]


def _anime() -> list[str]:
    from .. import data

    return [e.name for e in data.list_images(category="anime")]


#: named groups of catalogue images: ``photos`` (photographs with 68 landmarks), ``portraits`` (painted or drawn
#: portraits with 68 landmarks), ``anime`` (anime faces)
GROUPS: dict[str, Callable[[], list[str]]] = {"photos": _photos, "portraits": _portraits_with_landmarks,
                                               "anime": _anime}


def group(name: str) -> list[str]:
    """The catalogue names of group ``name`` (see :data:`GROUPS`); any other word is returned as a one-image
    group, so ``group("astronaut") == ["astronaut"]``."""
    return GROUPS[name]() if name in GROUPS else [name]


def grid(contents: Iterable, styles: Iterable) -> list[tuple]:
    """Every content with every style; a group name (``"photos"``) stands for its images."""
    expand = lambda xs: [n for x in ([xs] if isinstance(xs, str) else xs)  # noqa: E731
                         for n in (group(x) if isinstance(x, str) and x in GROUPS else [x])]
    return [(c, s) for c in expand(contents) for s in expand(styles)]


# ----------------------------------------------------------------------------------------------- jobs
@dataclass
class Job:
    """One run to compute: picklable, so it can travel to another process or machine."""

    method: str
    label: str
    settings: dict
    config: object
    pair: Pair
    seed: int
    profile: str
    key: str
    code_version: str
    device: str
    metrics: tuple


def run_job(job: Job) -> Record:
    """Compute one run and its metrics (in whatever process the executor chose). A run that fails because a
    detector found no face is kept as a record with ``error`` set: that failure is a finding, not a crash."""
    from ..geometry.landmarks import NoFaceFound
    from ..utils import environment_summary

    content, style = job.pair.labels
    base = dict(key=job.key, method=job.method, content=content, style=style, seed=job.seed, profile=job.profile,
                code_version=job.code_version, config=asdict(job.config),
                created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                environment=environment_summary(job.device))
    try:
        res = get_method(job.method)(job.pair, job.config, device=job.device, show_progress=False)
    except NoFaceFound as exc:
        return Record(**base, info={"label": job.label, "settings": job.settings}, error=str(exc))
    metrics: dict = {}
    for metric in job.metrics:
        metrics.update(metric(job.pair, res))
    metrics["_computed"] = sorted(metric_id(m) for m in job.metrics)
    corr = res.correspondences
    info = {"label": res.label, "settings": job.settings, "steps": res.steps,
            "match": corr.details() if corr is not None else None}
    arrays = pack_arrays(src=corr.src if corr is not None else None, dst=corr.dst if corr is not None else None,
                         targets=res.targets, moved=res.moved, warp=res.warp)
    return Record(**base, metrics=metrics, timing=dict(res.timing), history=res.history, info=info,
                  image=png_bytes(res.image), arrays=arrays)


def stored_runs(jobs: Sequence[Job], store: Store) -> Runs:
    """The runs of those ``jobs`` (:func:`plan_jobs`) that ``store`` holds, in the jobs' order; metrics a stored run
    lacks are computed on it. Computes no run."""
    records = {}
    for job in jobs:
        record = store.get(job.key)
        if record is not None:
            if not record.error:
                complete_metrics(record, job.metrics, job.pair, store)
            records[job.key] = record
    return Runs(tuple(j for j in jobs if j.key in records), records, frozenset(records))


def records_from_table(table: pd.DataFrame, jobs: Sequence[Job], source: str) -> list[Record]:
    """Store records of the rows of ``table`` (written from :meth:`Runs.committed` with ``scored_by``) that carry the
    key of one of ``jobs`` and were scored by every metric of that job: their metrics, timings, thread count and error,
    without the output image or geometry (``info["imported"] = source``). They let a plan computed over several
    machines resume where another left it; a row keyed otherwise, or scored by older metric definitions, is left out
    (computed again)."""
    by_key = {j.key: j for j in jobs}
    out = []
    for row in table.to_dict("records"):
        job = by_key.get(row["key"])
        computed = json.loads(row.get("metrics_computed") or "[]")
        if job is None or (not row["error"] and not {metric_id(m) for m in job.metrics} <= computed_ids(computed)):
            continue
        metrics = {k: v for k, v in row.items() if k not in TABLE_COLUMNS and k != "metrics_computed"}
        out.append(Record(
            key=job.key, method=job.method, content=row["content"], style=row["style"], seed=job.seed,
            profile=job.profile, code_version=job.code_version, config=asdict(job.config),
            metrics={**metrics, "_computed": computed} if not row["error"] else {},
            timing={k: row[k] for k in ("matching_s", "optimisation_s", "total_s")},
            info={"label": row["label"], "settings": job.settings, "steps": int(row["steps"]), "imported": source},
            error=row["error"], environment={"device": f"cpu ({int(row['threads'])} threads)"}))
    return out


# ----------------------------------------------------------------------------------------------- evaluate
def evaluate(methods: Sequence, pairs: Sequence, *, profile: str | Profile = "default", seeds: Sequence[int] = (0,),
             metrics: Sequence[Metric] = RUN_METRICS, store: Store | str | None = "default",
             executor: Executor | None = None, device: str = "auto", fresh: bool = False,
             outputs: bool = True, show_progress: bool = True) -> Runs:
    """Run every method on every pair with every seed; read what the store has, compute the rest.

    Args:
        methods: names (``"nst"``), or ``(name, {setting: value})`` for a method with changed settings (e.g.
            ``("dst", {"warp_weight": 2.0})``), or ``(name, settings, label)``.
        pairs: ``(content, style)`` tuples of catalogue names, paths or images (see :func:`grid`), or
            :class:`~survey_lib.evaluation.pairs.Pair` objects.
        profile: sizes and step counts; seeds: each run's ``seed`` setting.
        metrics: functions ``metric(pair, result) -> dict`` (default :data:`survey_lib.evaluation.metrics.RUN_METRICS`).
        store: a :class:`~survey_lib.evaluation.store.Store`, a path, ``"default"`` (``$SURVEY_STORE`` or
            ``build/results.sqlite``) or ``None`` (compute everything, keep nothing).
        executor: where runs are computed (default: here, one after another; with the environment variable
            ``SURVEY_WORKERS=N``, N > 1, in N local processes of one thread each whenever more than one run is to be
            computed: two one-thread runs side by side can finish sooner on two cores than one after the other on
            two threads).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...; part of the key (results differ in the last bits per device).
        fresh: recompute every run and replace nothing (the store keeps its first row per key).
        outputs: every run's output image and warp are wanted (:meth:`Runs.result`): a stored row that has only
            metrics (imported from a committed table) is computed again, and its output kept in the store. A plan
            passes ``False``: its tables need only the metrics.

    Returns:
        :class:`~survey_lib.evaluation.runs.Runs`, one per (content, style, method, settings, seed), in that order
        (pairs as given, then methods, then seeds): its ``table`` (one row per run, its metrics, timings and key),
        and the pair and result of each run.
    """
    from ..vgg import resolve_device

    jobs = plan_jobs(methods, pairs, profile=profile, seeds=seeds, metrics=metrics, device=str(resolve_device(device)))
    with _store_or_none(store) as db:
        records = {} if db is None or fresh else _lookup(jobs, db, outputs=outputs)
        todo = list({j.key: j for j in jobs if j.key not in records}.values())  # a run asked for twice runs once
        hits = frozenset(records)
        for record in _compute(todo, db, executor, f"evaluate ({len(hits)} from the store)", show_progress):
            records[record.key] = record
        for job in jobs:
            if job.key in hits and not records[job.key].error:
                complete_metrics(records[job.key], job.metrics, job.pair, db)
    return Runs(tuple(jobs), records, hits)


@contextmanager
def _store_or_none(store):
    """No store for ``None`` (compute everything, keep nothing); else :func:`~survey_lib.evaluation.store.opened`."""
    if store is None:
        yield None
    else:
        with opened(store) as db:
            yield db


def _lookup(jobs: Sequence[Job], db: Store, *, outputs: bool = True) -> dict[str, Record]:
    """The records ``db`` holds for ``jobs``, by key (each hit counted in the store); with ``outputs``, only those
    that kept their output (or failed: an error is the finding). A row without its output (imported from a committed
    table) serves only a job whose metrics it already has: a missing metric needs the output, so the run is computed."""
    records = {j.key: r for j in jobs if (r := db.get(j.key)) is not None and (r.image or r.error or (
        not outputs and {metric_id(m) for m in j.metrics} <= computed_ids(r.metrics.get("_computed", ()))))}
    if records:
        db.count_hits([j.key for j in jobs if j.key in records])
    return records


def _compute(todo: list[Job], db: Store | None, executor: Executor | None, desc: str, show_progress: bool):
    """Records of ``todo`` as they finish, each written to ``db`` first (so an interruption loses no finished run;
    a store that refuses runs has them kept in a fallback store, :class:`~survey_lib.evaluation.store.Keeper`)."""
    from ..utils import progress

    keeper = Keeper(db) if db is not None and todo else None
    if keeper is not None:
        keeper.check()  # a store that cannot take runs is found now, not after the first hour of them
    bar = progress(total=len(todo), desc=desc, enabled=show_progress and bool(todo))
    try:
        with _default_pool(executor, len(todo)) as pool:
            for record in _execute(todo, pool):
                if keeper is not None:
                    keeper.put(record)
                bar.update(1)
                yield record
    finally:
        bar.close()
        if keeper is not None:
            keeper.close()


def method_parts(method) -> tuple[str, dict, str | None]:
    """``(name, settings, label)`` of one entry of a method list: a registered name, or ``(name, settings)`` or
    ``(name, settings, label)`` (a label names a variant in tables)."""
    return (method, {}, None) if isinstance(method, str) else (tuple(method) + (None,))[:3]


def plan_jobs(methods: Sequence, pairs: Sequence, *, profile: str | Profile = "default", seeds: Sequence[int] = (0,),
              metrics: Sequence[Metric] = RUN_METRICS, device: str = "cpu") -> list[Job]:
    """The runs :func:`evaluate` would compute, with their store keys, computing none: one :class:`Job` per table row,
    in the table's order (pairs as given, then methods, then seeds). Every method, setting and image is checked
    first (errors name what is wrong). Arguments as for :func:`evaluate`; ``device`` a resolved device name."""
    from ..settings import check_seed

    prof = get_profile(profile)
    methods = [methods] if isinstance(methods, str) else methods  # one method by name
    if isinstance(pairs, tuple) and len(pairs) == 2 and all(isinstance(x, (str, Path)) for x in pairs):
        raise ValueError(f"pairs is a list of (content, style) tuples; got one pair {pairs!r}: pass [{pairs!r}]")
    seeds = list(dict.fromkeys(check_seed(s, "seeds") for s in seeds))  # each seed once
    specs = []
    for m in methods:
        name, settings, label = method_parts(m)
        spec = get_method(name)
        spec.config(prof, **settings)  # a bad setting fails here, before any work
        specs.append((spec, dict(settings), label))
    resolved = [p if isinstance(p, Pair) else Pair.resolve(*p, size=prof.size, match_size=prof.match_size)
                for p in pairs]
    digests = [p.digest() for p in resolved]
    versions = [spec.code_version() for spec, _, _ in specs]
    jobs = {}
    for pair, digest in zip(resolved, digests):  # pair-major: a pair's methods side by side, as tables read
        for (spec, settings, label), version in zip(specs, versions):
            for seed in seeds:
                cfg = spec.config(prof, **{**settings, "seed": seed})
                key = run_key(spec.name, asdict(cfg), digest, seed, version, device.split(":")[0])
                job = Job(spec.name, label or spec.name, settings, cfg, pair, seed, prof.name, key, version, device,
                          tuple(metrics))
                jobs.setdefault((key, job.label), job)  # a run asked for twice (a content listed twice) is one row
    return list(jobs.values())


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


@contextmanager
def _default_pool(executor: Executor | None, runs: int):
    """``executor`` as given; else, for more than one run and ``SURVEY_WORKERS`` > 1, a pool of that many one-thread
    processes (started by a fork server: safe inside a Jupyter kernel's threads), shut down afterwards."""
    from .. import env

    workers = env.workers()
    if executor is not None or runs < 2 or workers < 2:
        yield executor
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(min(workers, runs), mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_one_thread)
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _execute(todo: list[Job], executor: Executor | None):
    """Records of ``todo`` as they finish; on Ctrl-C, runs not yet started are cancelled."""
    if executor is None:
        for job in todo:
            yield run_job(job)
        return
    futures = [executor.submit(run_job, job) for job in todo]
    try:
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        for fut in futures:
            fut.cancel()


def complete_metrics(record: Record, metrics: Sequence[Metric], pair: Pair, db: Store | None) -> None:
    """Add to ``record`` the ``metrics`` it lacks, computed on its stored result (8-bit image, stored geometry) and
    ``pair``; written to ``db`` too unless it is ``None``."""
    done = computed_ids(record.metrics.get("_computed", ()))
    missing = [m for m in metrics if metric_id(m) not in done]
    if not missing:
        return
    res = load_result(record)
    new = {}
    for metric in missing:
        new.update(metric(pair, res))
    new["_computed"] = sorted(done | {metric_id(m) for m in missing})
    record.metrics.update(new)
    if db is not None:
        db.add_metrics(record.key, new)
