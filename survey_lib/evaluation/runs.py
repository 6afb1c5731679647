"""What :func:`~survey_lib.evaluation.evaluate.evaluate` hands on: its runs as one tidy table, with the pair and the
result of each, so that a plan, a table or a figure never resolves a pair or opens the store again.

>>> runs = evaluate(["nst", ("dst", {"warp_weight": 2.0})], [("astronaut", "mona_lisa")])   # doctest: +SKIP
>>> runs.table[["pair", "method", "warp_weight", "warp_progress", "key"]]                     # doctest: +SKIP
>>> runs.result(runs.table["key"][1]).image.shape, runs.pair(runs.table["key"][1]).labels   # doctest: +SKIP

Two forms of the same rows: :attr:`Runs.table` (a ``pair`` id and one typed column per setting a run changed) for
reading, and :meth:`Runs.committed` (the settings as one JSON column, the form of ``figures/at_scale/*.csv``, so that
a committed table records them exactly) for writing.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, replace
from typing import Mapping

import pandas as pd

from ..methods import Result, Timing
from .geometric_styles import is_style_name, style_parts
from .store import Record, Store, jsonable, opened

__all__ = ["Runs", "TABLE_COLUMNS", "table_row", "load_result", "results", "metric_id", "computed_ids"]

#: the columns of a committed table row that are not metric values (:func:`table_row`)
TABLE_COLUMNS = ("pair", "method", "label", "content", "style", "base_style", "family", "level", "seed", "settings",
                 "matching_s", "optimisation_s", "total_s", "steps", "threads", "error", "from_store", "key")


def metric_id(metric) -> str:
    """The name a stored run records a metric under: its name, and with ``metric.version`` > 1 the version too, so
    that a stored run scored by an older definition is scored again. Not where its code lives: moving a metric to
    another module scores nothing again."""
    version = getattr(metric, "version", 1)
    return getattr(metric, "__qualname__", repr(metric)) + (f"@{version}" if version > 1 else "")


def computed_ids(computed) -> set[str]:
    """The :func:`metric_id` of each metric a stored run lists as scored by; earlier records named a metric after its
    module too (``survey_lib.metrics.folds``), which counts as the same metric."""
    return {c.rsplit(".", 1)[-1] if c.startswith("survey_lib.") else c for c in computed}


def _threads(environment: dict) -> int:
    """The CPU thread count a run was computed with (0 on a GPU or when not recorded): results can differ in the
    last bits between thread counts, so a rerun that should match uses the same one."""
    found = re.search(r"(\d+) threads\)$", (environment or {}).get("device", ""))
    return int(found.group(1)) if found else 0


def table_row(record: Record, job, from_store: bool) -> dict:
    """The committed-table row of one run (of :class:`~survey_lib.evaluation.evaluate.Job` ``job``), with
    ``base_style``, ``family`` and ``level`` after ``style`` for a style of the geometric benchmark. Method, label and
    settings are the job's (a stored run may have been asked for under other words: ``("dst", {"warp_weight":
    0.5})`` is the default dst run)."""
    info = record.info
    label = job.label if job.label != job.method else info.get("label", job.method)
    row = {"method": job.method, "label": label, "content": record.content, "style": record.style}
    if is_style_name(record.style):  # a style of the geometric benchmark: its base, family and level
        row.update(style_parts(record.style))
    row.update({"seed": record.seed, "settings": json.dumps(jsonable(job.settings), sort_keys=True)})
    row.update({k: v for k, v in record.metrics.items() if not k.startswith("_")})
    row.update({k: record.timing.get(k, float("nan")) for k in ("matching_s", "optimisation_s", "total_s")})
    row.update({"steps": info.get("steps", 0), "threads": _threads(record.environment), "error": record.error,
                "from_store": from_store, "key": record.key})
    return row


def load_result(record: Record) -> Result:
    """The run of ``record`` as a :class:`~survey_lib.methods.Result` (its image at 8 bits, as stored)."""
    from ..geometry.matchers import Correspondences

    arr = record.load_arrays()
    corr = (Correspondences.from_details(arr["src"], arr["dst"], record.info.get("match") or {}) if "src" in arr
            else None)
    return Result(record.method, record.load_image(), corr, warp=arr.get("warp"), targets=arr.get("targets"),
                  moved=arr.get("moved"), history=record.history,
                  timing=Timing(record.timing.get("matching_s", 0.0), record.timing.get("optimisation_s", 0.0)),
                  steps=record.info.get("steps", 0), profile=record.profile, config=record.config,
                  label=record.info.get("label", record.method))


@dataclass(frozen=True)
class Runs:
    """Runs of methods on pairs, one per job, in the order of ``jobs`` (pairs as given, then methods, then seeds).

    Attributes:
        jobs: what was asked for, one :class:`~survey_lib.evaluation.evaluate.Job` per row (its resolved ``pair``,
            settings, config and store key).
        records: the stored form of each run, by key (computed here or read from the store).
        from_store: the keys that were read from the store rather than computed.
        pair_labels: one name per distinct pair, in order (default ``"content/style"``).
    """

    jobs: tuple
    records: Mapping[str, Record]
    from_store: frozenset = frozenset()
    pair_labels: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.jobs)

    def labelled(self, labels) -> "Runs":
        """These runs with ``labels`` (one per distinct pair, in order) as the pairs' names."""
        labels = tuple(labels)
        if labels and len(labels) != len(self.pairs):
            raise ValueError(f"{len(labels)} pair labels for {len(self.pairs)} pairs")
        return replace(self, pair_labels=labels)

    @functools.cached_property
    def pairs(self) -> tuple:
        """The distinct :class:`~survey_lib.evaluation.pairs.Pair` objects of the jobs, in order."""
        return tuple({id(j.pair): j.pair for j in self.jobs}.values())

    @functools.cached_property
    def pair_ids(self) -> tuple[str, ...]:
        """The name of each row's pair: its label, else ``content/style`` (with ``#2``, ``#3``... where two pairs
        share their images' names)."""
        names = self.pair_labels or _unique(["/".join(p.labels) for p in self.pairs])
        index = {id(p): i for i, p in enumerate(self.pairs)}
        return tuple(names[index[id(j.pair)]] for j in self.jobs)

    def committed(self, *, scored_by: bool = False) -> pd.DataFrame:
        """The rows as a committed table has them (``figures/at_scale/NAME.csv``): settings as one JSON column, and a
        leading ``pair`` column only where the pairs were labelled; with ``scored_by`` a last column
        ``metrics_computed``, the metric definitions each run was scored by (JSON: a partial table is resumed from
        its rows only where they were scored by today's metrics)."""
        rows = [table_row(self.records[j.key], j, j.key in self.from_store) for j in self.jobs]
        if scored_by:
            rows = [{**row, "metrics_computed": json.dumps(self.records[j.key].metrics.get("_computed", []))}
                    for row, j in zip(rows, self.jobs)]
        table = pd.DataFrame(rows)
        if self.pair_labels:
            table.insert(0, "pair", list(self.pair_ids))
        return table

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """One row per run: ``pair`` (:attr:`pair_ids`), ``name`` (the method, or its label where the run changed a
        setting), ``method``, ``label``, ``content``, ``style``, ``seed``, one typed column per setting any run
        changed (``None`` where it kept the default), one column per metric value, ``matching_s``,
        ``optimisation_s``, ``total_s``, ``steps``, ``threads`` (CPU threads it ran on; 0 on a GPU), ``error``
        (why a run produced nothing, e.g. no face found; else empty), ``from_store`` and ``key``."""
        from .tables import run_names, tidy

        committed = self.committed()
        table = tidy(committed.drop(columns="pair", errors="ignore"))
        table.insert(0, "name", run_names(committed))
        table.insert(0, "pair", list(self.pair_ids))
        return table

    def record(self, key: str) -> Record:
        return self.records[key]

    def pair(self, key: str):
        """The :class:`~survey_lib.evaluation.pairs.Pair` the run ``key`` was computed on."""
        return self._jobs_by_key[key].pair

    def result(self, key: str) -> Result | None:
        """The run ``key`` as a :class:`~survey_lib.methods.Result` (image at 8 bits, as stored); ``None`` for a run
        that failed (``error`` set) or whose output was not kept (a row imported from a committed table)."""
        if key not in self._results:
            record = self.records[key]
            self._results[key] = None if record.error or not record.image else load_result(record)
        return self._results[key]

    def results(self) -> dict[str, Result]:
        """:meth:`result` of every run that has one, by key."""
        return {j.key: r for j in self.jobs if (r := self.result(j.key)) is not None}

    def point_counts(self) -> pd.Series:
        """How many correspondences each run was given (its :attr:`~survey_lib.methods.Result.points`), in the
        table's order (NaN for a run without an output or without points)."""
        counts = [None if (r := self.result(j.key)) is None or r.points is None else len(r.points[0])
                  for j in self.jobs]
        return pd.Series(counts, index=self.table.index, name="points", dtype="Int64")

    def grid_rows(self, *, warped: dict[str, str] | None = None) -> list[dict]:
        """One row per pair for :func:`survey_lib.viz.method_grid`: ``content``, ``style`` and one image per run
        (keyed by the run's label), and ``points`` to draw on each: the content's 68 landmarks (lime) on the content,
        the style's (red) on the style, and on every output the style's landmarks similarity-aligned into the content
        frame (red, the geometry to reach) beside where the output shows the content's landmarks (lime: carried
        through the applied warp; where a method applies none they stay where they were). All ``(68, 2)`` (x, y) at
        the working size.

        Args:
            warped: column -> run label: a column with the content resampled by that run's applied warp alone (e.g.
                a spline stage without the stylisation after it), its landmarks carried likewise.
        """
        from .metrics import points_through_warp
        from ..geometry.warp import grid_sample_xy

        rows = []
        for pair in self.pairs:
            jobs = [j for j in self.jobs if j.pair is pair]
            points = _landmark_marks(pair.landmarks("content"), None)
            style_pts = pair.landmarks("style")
            row = {"content": pair.content, "style": pair.style, "label": " / ".join(pair.labels),
                   "points": {"content": points, "style": [] if style_pts is None else [(style_pts, TARGET_MARK)]},
                   "notes": {}}
            for job in jobs:
                result = self.result(job.key)
                if result is None:
                    row["notes"][job.label] = self.records[job.key].error or "not kept"
                    continue
                row[job.label] = result.image
                content_pts = pair.landmarks("content")
                carried = (content_pts if content_pts is None or result.warp is None
                           else points_through_warp(result.warp, content_pts))
                row["points"][job.label] = _landmark_marks(carried, pair.targets)
                for column in [c for c, label in (warped or {}).items() if label == job.label]:
                    if result.warp is not None:
                        row[column] = grid_sample_xy(pair.content, result.warp)
                        row["points"][column] = row["points"][job.label]
            rows.append(row)
        return rows

    @functools.cached_property
    def _jobs_by_key(self) -> dict:
        return {j.key: j for j in self.jobs}

    @functools.cached_property
    def _results(self) -> dict:
        return {}


#: how :meth:`Runs.grid_rows` marks the landmarks a face has (``FACE_MARK``) and the style's it should reach
FACE_MARK = {"color": "lime", "size": 4, "label": "the face's landmarks"}
TARGET_MARK = {"color": "red", "size": 10, "marker": "+", "label": "the style's landmarks"}


def _landmark_marks(face, targets) -> list:
    """``[(points, draw settings)]`` for the landmarks of a face and, where given, the style's beside them."""
    return [(pts, mark) for pts, mark in ((targets, TARGET_MARK), (face, FACE_MARK)) if pts is not None]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} #{seen[n]}")
    return out


def results(table: pd.DataFrame, store: Store | str | None = "default") -> dict[str, Result]:
    """The runs behind the rows of a table read from disk (``key`` column), from ``store``, as results; runs the
    store lacks or that failed are left out. A :class:`Runs` hands on its own (:meth:`Runs.results`)."""
    with opened(store) as db:
        records = [db.get(key) for key in table["key"]]
    return {r.key: load_result(r) for r in records if r is not None and not r.error}
