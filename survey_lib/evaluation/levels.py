"""The geometric-style benchmark read as curves over the gap: per method, family and level, a mean with a two-way
cluster interval over the photographs and the base styles (each level crosses them), and paired differences between
methods on the same pairs.

A table here is a plan ``geometry`` table (:func:`survey_lib.evaluation.plans.read_plan`): one row per run with
``content``, ``base_style``, ``family``, ``level`` and the metric columns (``shape_progress``, ``identity_distance``,
...), and a ``name`` column naming the method as run (:func:`survey_lib.evaluation.tables.run_names`).
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .stats import crossed_bootstrap_ci

__all__ = ["CLUSTERS", "level_summary", "level_differences", "failure_rates"]

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
    indexed by ``(comparison, family, level)``, e.g. ``("fastdst - nst", "long_face", 0.14)``."""
    keys = ["content", "style", "seed"]
    base = table[table[by] == against].set_index(keys)[metric]
    rows = []
    for name, g in table[table[by] != against].groupby(by, sort=False):
        paired = g.set_index(keys).join(base.rename("_against"), how="inner")
        paired["difference"] = paired[metric] - paired["_against"]
        paired = paired.reset_index()
        for (family, level), cell in paired.groupby(["family", "level"], sort=True):
            mean, lo, hi = crossed_bootstrap_ci(cell, "difference", rows=CLUSTERS[0], cols=CLUSTERS[1])
            rows.append({"comparison": f"{name} - {against}", "family": family, "level": float(level),
                         "difference": mean, "lo": lo, "hi": hi, "n": int(cell["difference"].notna().sum())})
    return pd.DataFrame(rows).set_index(["comparison", "family", "level"])


def failure_rates(table: pd.DataFrame, *, by: str = "name") -> pd.DataFrame:
    """Per ``by`` (method), family and level: how many runs produced nothing (``error`` set, e.g. no face found on
    the style) out of how many, and the share: ``failed``, ``runs``, ``failed_share``. Where a method fails is part
    of what the benchmark measures (the survey's Finding 2), and every mean over the rest leaves those runs out."""
    failed = table["error"].fillna("") != ""
    out = failed.groupby([table[by], table["family"], table["level"]]).agg(failed="sum", runs="count")
    out.index = out.index.set_names([by, "family", "level"])
    return out.assign(failed_share=out["failed"] / out["runs"])
