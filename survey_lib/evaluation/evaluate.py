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
import re
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Sequence

import pandas as pd

from ..methods import Result, Timing
from ..methods import get as get_method
from .metrics import RUN_METRICS
from .pairs import Pair
from ..profiles import Profile, get_profile
from .store import Record, Store, jsonable, pack_arrays, png_bytes, run_key

__all__ = ["evaluate", "plan_jobs", "stored_table", "records_from_table", "TABLE_COLUMNS", "grid", "group", "GROUPS",
           "Job", "run_job", "load_result", "results"]

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
    metrics["_computed"] = sorted(_metric_id(m) for m in job.metrics)
    corr = res.correspondences
    info = {"label": res.label, "settings": job.settings, "steps": res.steps,
            "match": corr.details() if corr is not None else None}
    arrays = pack_arrays(src=corr.src if corr is not None else None, dst=corr.dst if corr is not None else None,
                         targets=res.targets, moved=res.moved, warp=res.warp)
    return Record(**base, metrics=metrics, timing=dict(res.timing), history=res.history, info=info,
                  image=png_bytes(res.image), arrays=arrays)


def _row(record: Record, job: Job, from_store: bool) -> dict:
    """The table row of one run. Method, label and settings are the job's (a stored run may have been asked for
    under other words: ``("dst", {"warp_weight": 0.5})`` is the default dst run)."""
    info = record.info
    label = job.label if job.label != job.method else info.get("label", job.method)
    row = {"method": job.method, "label": label, "content": record.content, "style": record.style,
           "seed": record.seed, "settings": json.dumps(jsonable(job.settings), sort_keys=True)}
    row.update({k: v for k, v in record.metrics.items() if not k.startswith("_")})
    row.update({k: record.timing.get(k, float("nan")) for k in ("matching_s", "optimisation_s", "total_s")})
    row.update({"steps": info.get("steps", 0), "threads": _threads(record.environment), "error": record.error,
                "from_store": from_store, "key": record.key})
    return row


#: the columns of a table row that are not metric values (:func:`_row`)
TABLE_COLUMNS = ("pair", "method", "label", "content", "style", "seed", "settings", "matching_s", "optimisation_s",
                 "total_s", "steps", "threads", "error", "from_store", "key")


def stored_table(jobs: Sequence[Job], store: Store) -> pd.DataFrame:
    """The table rows of those ``jobs`` (:func:`plan_jobs`) whose runs ``store`` holds, in the jobs' order, with a
    ``metrics_computed`` column (the metric definitions each was scored by, JSON); metrics a stored run lacks are
    computed on it. Computes no run."""
    rows = []
    for job in jobs:
        record = store.get(job.key)
        if record is None:
            continue
        if not record.error:
            complete_metrics(record, job, store)
        rows.append({**_row(record, job, True), "metrics_computed": json.dumps(record.metrics.get("_computed", []))})
    return pd.DataFrame(rows)


def records_from_table(table: pd.DataFrame, jobs: Sequence[Job], source: str) -> list[Record]:
    """Store records of the rows of ``table`` (written by :func:`stored_table`) that carry the key of one of ``jobs``
    and were scored by every metric of that job: their metrics, timings, thread count and error, without the output
    image or geometry (``info["imported"] = source``). They let a plan computed over several machines resume where
    another left it; a row keyed otherwise, or scored by older metric definitions, is left out (computed again)."""
    by_key = {j.key: j for j in jobs}
    out = []
    for row in table.to_dict("records"):
        job = by_key.get(row["key"])
        computed = json.loads(row.get("metrics_computed") or "[]")
        if job is None or (not row["error"] and not {_metric_id(m) for m in job.metrics} <= _computed_ids(computed)):
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


def _threads(environment: dict) -> int:
    """The CPU thread count a run was computed with (0 on a GPU or when not recorded): results can differ in the
    last bits between thread counts, so a rerun that should match uses the same one."""
    found = re.search(r"(\d+) threads\)$", (environment or {}).get("device", ""))
    return int(found.group(1)) if found else 0


# ----------------------------------------------------------------------------------------------- evaluate
def evaluate(methods: Sequence, pairs: Sequence, *, profile: str | Profile = "default", seeds: Sequence[int] = (0,),
             metrics: Sequence[Metric] = RUN_METRICS, store: Store | str | None = "default",
             executor: Executor | None = None, device: str = "auto", fresh: bool = False,
             show_progress: bool = True) -> pd.DataFrame:
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

    Returns:
        One row per (content, style, method, settings, seed), in that order (pairs as given, then methods):
        ``method``, ``label``, ``content``, ``style``, ``seed``, ``settings`` (JSON), one column per metric value,
        ``matching_s``, ``optimisation_s``, ``total_s``, ``steps``, ``threads`` (the CPU threads it was computed
        with; 0 on a GPU), ``error`` (why a run produced nothing, e.g. no
        face found; else empty), ``from_store`` (True where the row was read, not computed) and ``key``.
    """
    from ..utils import progress
    from ..vgg import resolve_device

    prof = get_profile(profile)
    dev = str(resolve_device(device))
    own_store = isinstance(store, str) or store is not None and not isinstance(store, Store)
    db = (Store(None if store == "default" else store) if own_store else store)
    try:
        jobs = plan_jobs(methods, pairs, profile=prof, seeds=seeds, metrics=metrics, device=dev)
        records: dict[str, tuple[Record, bool]] = {}
        todo, planned = [], set()
        for job in jobs:
            found = None if (db is None or fresh) else db.get(job.key)
            if found is not None:
                records[job.key] = (found, True)
            elif job.key not in planned:  # a run asked for twice (e.g. a default setting spelled out) runs once
                planned.add(job.key)
                todo.append(job)
        if db is not None and records:
            db.count_hits([j.key for j in jobs if j.key in records])
        bar = progress(total=len(todo), desc=f"evaluate ({len(records)} from the store)",
                       enabled=show_progress and bool(todo))
        with _default_pool(executor, len(todo)) as pool:
            for record in _execute(todo, pool):
                if db is not None:
                    db.put(record)
                records[record.key] = (record, False)
                bar.update(1)
        bar.close()
        rows = []
        for job in jobs:
            record, hit = records[job.key]
            if hit and not record.error:
                complete_metrics(record, job, db)
            rows.append(_row(record, job, hit))
        return pd.DataFrame(rows)
    finally:
        if own_store and db is not None:
            db.close()


def plan_jobs(methods: Sequence, pairs: Sequence, *, profile: str | Profile = "default", seeds: Sequence[int] = (0,),
              metrics: Sequence[Metric] = RUN_METRICS, device: str = "cpu") -> list[Job]:
    """The runs :func:`evaluate` would compute, with their store keys, computing none: one :class:`Job` per table row,
    in the table's order (pairs as given, then methods, then seeds). Every method, setting and image is checked
    first (errors name what is wrong). Arguments as for :func:`evaluate`; ``device`` a resolved device name."""
    prof = get_profile(profile)
    specs = []
    for m in methods:
        name, settings, label = (m, {}, None) if isinstance(m, str) else (tuple(m) + (None,))[:3]
        spec = get_method(name)
        spec.config(prof, **settings)  # a bad setting fails here, before any work
        specs.append((spec, dict(settings), label))
    resolved = [p if isinstance(p, Pair) else Pair.resolve(*p, size=prof.size, match_size=prof.match_size)
                for p in pairs]
    digests = [p.digest() for p in resolved]
    versions = [spec.code_version() for spec, _, _ in specs]
    jobs = []
    for pair, digest in zip(resolved, digests):  # pair-major: a pair's methods side by side, as tables read
        for (spec, settings, label), version in zip(specs, versions):
            for seed in seeds:
                cfg = spec.config(prof, **{**settings, "seed": int(seed)})
                key = run_key(spec.name, asdict(cfg), digest, int(seed), version, device.split(":")[0])
                jobs.append(Job(spec.name, label or spec.name, settings, cfg, pair, int(seed), prof.name, key, version,
                                device, tuple(metrics)))
    return jobs


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


def _metric_id(metric: Metric) -> str:
    """The name a stored run records a metric under: its name, and with ``metric.version`` > 1 the version too, so
    that a stored run scored by an older definition is scored again. Not where its code lives: moving a metric to
    another module scores nothing again."""
    version = getattr(metric, "version", 1)
    return getattr(metric, "__qualname__", repr(metric)) + (f"@{version}" if version > 1 else "")


def _computed_ids(computed) -> set[str]:
    """The :func:`_metric_id` of each metric a stored run lists as scored by; earlier records named a metric
    after its module too (``survey_lib.metrics.folds``), which counts as the same metric."""
    return {c.rsplit(".", 1)[-1] if c.startswith("survey_lib.") else c for c in computed}


def complete_metrics(record: Record, job: Job, db: Store | None) -> None:
    """Add the metrics a stored run lacks, computed on its stored result (8-bit image, stored geometry)."""
    done = _computed_ids(record.metrics.get("_computed", ()))
    missing = [m for m in job.metrics if _metric_id(m) not in done]
    if not missing:
        return
    res = load_result(record)
    new = {}
    for metric in missing:
        new.update(metric(job.pair, res))
    new["_computed"] = sorted(done | {_metric_id(m) for m in missing})
    record.metrics.update(new)
    if db is not None:
        db.add_metrics(record.key, new)


def load_result(record: Record) -> "Result":
    """The stored run as a :class:`~survey_lib.methods.Result` (image at 8 bits, as stored)."""
    from ..geometry.matchers import Correspondences

    arr = record.load_arrays()
    corr = (Correspondences.from_details(arr["src"], arr["dst"], record.info.get("match") or {}) if "src" in arr
            else None)
    return Result(record.method, record.load_image(), corr, warp=arr.get("warp"), targets=arr.get("targets"),
                           moved=arr.get("moved"), history=record.history,
                           timing=Timing(record.timing.get("matching_s", 0.0),
                                                  record.timing.get("optimisation_s", 0.0)),
                           steps=record.info.get("steps", 0), profile=record.profile, config=record.config,
                           label=record.info.get("label", record.method))


def results(table: pd.DataFrame, store: Store | str | None = "default") -> dict[str, "Result"]:
    """The stored runs behind ``table``'s rows (by ``key``), as results for figures."""
    own = not isinstance(store, Store)
    db = Store(None if store in ("default", None) else store) if own else store
    try:
        out = {}
        for key in table["key"]:
            record = db.get(key)
            if record is not None and not record.error:
                out[key] = load_result(record)
        return out
    finally:
        if own:
            db.close()

