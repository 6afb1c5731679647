"""The geometric-style benchmark read as curves over the gap: per method, family and level, a mean with a two-way
cluster interval over the photographs and the base styles (each level crosses them), and paired differences between
methods on the same pairs.

A table here is a plan ``geometry`` table (:func:`survey_lib.evaluation.plans.read_plan`): one row per run with
``content``, ``base_style``, ``family``, ``level`` and the metric columns (``shape_progress``, ``identity_distance``,
...), and a ``name`` column naming the method as run (:func:`survey_lib.evaluation.tables.run_names`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .stats import crossed_bootstrap_ci, paired_differences

__all__ = ["CLUSTERS", "level_summary", "level_differences", "family_differences", "failure_rates", "crossed_levels",
           "verdicts", "growth", "at_equal_displacement"]

#: the two crossed factors of every level: the photographs and the base portraits the styles were built from
CLUSTERS = ("content", "base_style")


def level_summary(table: pd.DataFrame, metrics: Sequence[str], *, by: str = "name") -> pd.DataFrame:
    """Per ``by`` (method), family and level: each metric's mean, its 95 % two-way cluster interval over
    :data:`CLUSTERS` (``METRIC_lo``, ``METRIC_hi``) and ``METRIC_n``, the cells measured. Rows indexed by
    ``(by, family, level)``, levels ascending."""
    rows = []
    for (name, family, level), g in table.groupby([by, "family", "level"], sort=True):
        row = {by: name, "family": family, "level": float(level)}
        for m in metrics:
            mean, lo, hi = crossed_bootstrap_ci(g, m, rows=CLUSTERS[0], cols=CLUSTERS[1])
            row.update({m: mean, f"{m}_lo": lo, f"{m}_hi": hi, f"{m}_n": int(g[m].notna().sum())})
        rows.append(row)
    return pd.DataFrame(rows).set_index([by, "family", "level"])


def level_differences(table: pd.DataFrame, metric: str, *, against: str, by: str = "name") -> pd.DataFrame:
    """Each other ``by`` minus ``against`` on the same pairs (content, style, seed), per family and level: mean
    difference, its 95 % two-way cluster interval over :data:`CLUSTERS` and ``n`` (pairs measured by both). Rows
    indexed by ``(comparison, family, level)``, e.g. ``("fastdst - nst", "long_face", 0.14)``, comparisons in the
    order the methods first appear."""
    return _differences(table, metric, against=against, by=by, per=("family", "level"))


def family_differences(table: pd.DataFrame, metric: str, *, against: str, by: str = "name") -> pd.DataFrame:
    """As :func:`level_differences`, pooled over the levels of each family (the rows of ``table``, e.g. the levels
    where a method ran often enough): rows indexed by ``(comparison, family)``."""
    return _differences(table, metric, against=against, by=by, per=("family",))


def _differences(table: pd.DataFrame, metric: str, *, against: str, by: str, per: tuple[str, ...]) -> pd.DataFrame:
    on = (CLUSTERS[0], CLUSTERS[1], "style", "seed")  # a style belongs to one base: pairing is by pair and seed
    cells = {tuple(float(k) if column == "level" else k for column, k in zip(per, key)):
             paired_differences(cell, metric, against=against, by=by, on=on, clusters=CLUSTERS)
             for key, cell in table.groupby(list(per), sort=True)}  # key: a tuple, one value per column of per
    out = pd.concat(cells, names=[*per, "comparison"]).reorder_levels([len(per), *range(len(per))])
    order = [f"{name} - {against}" for name in dict.fromkeys(table[by]) if name != against]
    return out.loc[[c for c in order if c in out.index.get_level_values(0)]]


def failure_rates(table: pd.DataFrame, *, by: str = "name") -> pd.DataFrame:
    """Per ``by`` (method), family and level: how many runs produced nothing (``error`` set, e.g. no face found on
    the style) out of how many, and the share: ``failed``, ``runs``, ``failed_share``. Where a method fails is part
    of what the benchmark measures (the survey's Finding 2), and every mean over the rest leaves those runs out."""
    failed = table["error"].fillna("") != ""
    out = failed.groupby([table[by], table["family"], table["level"]]).agg(failed="sum", runs="count")
    out.index = out.index.set_names([by, "family", "level"])
    return out.assign(failed_share=out["failed"] / out["runs"])


def crossed_levels(table: pd.DataFrame, names: Sequence[str], *, by: str = "name", at_least: int = 3) -> pd.DataFrame:
    """Per family and level, the crossed design that every one of ``names`` has measured so far: the pairs (content,
    style, seed) on which each of them produced an output, and how many photographs and base portraits those pairs
    span: ``pairs``, ``contents``, ``bases``, and ``crossed`` (both at least ``at_least``). A two-way cluster
    interval drawn over two photographs or two portraits says little, so a notebook asserts its claims on the
    ``crossed`` levels and shows the others. Rows indexed by ``(family, level)`` for every level in ``table``,
    levels ascending (0 pairs where a method has not run there yet)."""
    ok = table[(table["error"].fillna("") == "") & table[by].isin(names)]
    keys = ["family", "level", CLUSTERS[0], CLUSTERS[1], "style", "seed"]
    methods = ok.groupby(keys)[by].nunique()
    common = methods[methods == len(set(names))].reset_index()
    out = common.groupby(["family", "level"]).agg(pairs=(by, "size"), contents=(CLUSTERS[0], "nunique"),
                                                  bases=(CLUSTERS[1], "nunique"))
    every = pd.MultiIndex.from_frame(table[["family", "level"]].drop_duplicates().sort_values(["family", "level"]))
    out = out.reindex(every, fill_value=0)
    return out.assign(crossed=(out["contents"] >= at_least) & (out["bases"] >= at_least))


def verdicts(differences: pd.DataFrame, design: pd.DataFrame, *, lower_is_better: bool = False) -> pd.Series:
    """Each row of :func:`level_differences` in words: ``"better"`` or ``"worse"`` where the interval of the
    difference excludes 0 (``lower_is_better`` for a metric such as identity distance), ``"tie"`` where it spans 0,
    and ``"not crossed"`` where ``design`` (:func:`crossed_levels` of the methods compared) says the level's pairs
    span too few photographs or portraits for an interval, or none were measured. Indexed like ``differences``."""
    crossed = design["crossed"].reindex(differences.index.droplevel(0)).fillna(False).to_numpy(dtype=bool)
    ends = differences[["lo", "hi"]].to_numpy(dtype=float) * (-1 if lower_is_better else 1)  # larger is better
    low, high = ends.min(axis=1), ends.max(axis=1)
    words = pd.Series("tie", index=differences.index)
    words[low > 0] = "better"
    words[high < 0] = "worse"
    words[~crossed | np.isnan(low)] = "not crossed"
    return words


def growth(rows: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """How a value changes from the smallest to the largest gap, per family measured at two levels at least.

    Args:
        rows: indexed by ``(family, level)``: one comparison of :func:`level_differences` (``.loc[comparison]``,
            columns ``difference``, ``lo``, ``hi``), or one method of :func:`level_summary` (``.loc[name]``) with
            ``metric`` (columns ``METRIC``, ``METRIC_lo``, ``METRIC_hi``); e.g. only the crossed levels.
        metric: the column read, or ``None`` for a difference.

    Returns:
        one row per family: ``from_level`` and ``to_level`` (the smallest and largest level), the value and
        interval at each (``from``, ``from_lo``, ``from_hi``, ``to``, ``to_lo``, ``to_hi``), and ``trend``:
        ``"grows"`` where the interval at the largest level lies wholly above the one at the smallest, ``"shrinks"``
        where wholly below, else ``"overlaps"`` (also where an interval is missing). A family at one level is left
        out.
    """
    value, lo, hi = (metric, f"{metric}_lo", f"{metric}_hi") if metric else ("difference", "lo", "hi")
    out = []
    for family, g in rows.groupby(level="family", sort=True):
        g = g.droplevel("family").sort_index()
        if len(g) < 2:
            continue
        first, last = g.iloc[0], g.iloc[-1]
        trend = "grows" if last[lo] > first[hi] else "shrinks" if last[hi] < first[lo] else "overlaps"
        out.append({"family": family, "from_level": float(g.index[0]), "to_level": float(g.index[-1]),
                    "from": first[value], "from_lo": first[lo], "from_hi": first[hi],
                    "to": last[value], "to_lo": last[lo], "to_hi": last[hi], "trend": trend})
    columns = ["family", "from_level", "to_level", "from", "from_lo", "from_hi", "to", "to_lo", "to_hi", "trend"]
    return pd.DataFrame(out, columns=columns).set_index("family")


def at_equal_displacement(table: pd.DataFrame, spline: pd.DataFrame, *, method: str, name: str,
                          by: str = "name") -> pd.DataFrame:
    """``table`` with ``method``'s runs once more under ``name``, their ``face_area_spread`` and ``face_folded_%``
    replaced by the Face-of-Art spline's at the displacement each run reached (``spline``:
    :func:`survey_lib.evaluation.plans.read_spline_distortion`, by ``key``), so that :func:`level_differences`
    compares the two warps at equal displacement on the same pairs; the copy carries no other metric (the spline's
    output is not rendered). Runs without a spline row are left out of the copy."""
    runs = table[(table[by] == method)].join(spline, on="key", how="inner")
    ids = [c for c in (by, CLUSTERS[0], CLUSTERS[1], "style", "family", "level", "seed", "key", "error")
           if c in runs]
    copy = runs[ids].assign(**{by: name, "face_area_spread": runs["spline_face_area_spread"],
                               "face_folded_%": runs["spline_face_folded_%"]})
    return pd.concat([table, copy], ignore_index=True)
