"""Reading a table of runs (a committed plan's, or :meth:`~survey_lib.evaluation.runs.Runs.committed`): the settings
each run changed as typed columns, the name a figure gives each run, the spread of repeated timings, and what a
trajectory table (a measure per recorded step) says about where its runs were heading. A committed
table keeps a ``settings`` column (JSON, so that the CSV records them exactly); nothing outside this module parses
it.
"""
from __future__ import annotations

import json

import pandas as pd

__all__ = ["settings", "with_settings", "with_pair_name", "tidy", "run_names", "timing_summary", "timing_cells",
           "change_at_end", "loss_share", "seed_spread", "beside_budget"]


def settings(table: pd.DataFrame) -> pd.DataFrame:
    """One column per setting any run of ``table`` changed (``warp_weight``, ``decoder``, ``keypoints``...), the
    value as the run had it (numbers as numbers), ``None`` where a run kept the default; indexed as ``table``."""
    rows = [json.loads(s) if isinstance(s, str) and s else {} for s in table["settings"]]
    names = dict.fromkeys(k for row in rows for k in row)  # in order of first appearance
    return pd.DataFrame({k: pd.Series([row.get(k) for row in rows], index=table.index, dtype=object) for k in names},
                        index=table.index)


def with_settings(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with :func:`settings` as extra columns (a copy; a setting named like an existing column is
    refused)."""
    extra = settings(table)
    clash = sorted(set(extra.columns) & set(table.columns))
    if clash:
        raise ValueError(f"setting(s) {', '.join(clash)} would overwrite columns of the table")
    return pd.concat([table, extra], axis=1)


def with_pair_name(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``pair`` column ``"content / style"`` (a copy), as the figures name a pair."""
    return table.assign(pair=table["content"] + " / " + table["style"])


def tidy(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``settings`` column replaced, in place, by :func:`settings` (a copy; a table without one is
    returned as it is; a setting named like an existing column is refused)."""
    if "settings" not in table:
        return table.copy()
    at = list(table.columns).index("settings")
    wide = with_settings(table)
    extra = [c for c in wide.columns if c not in table.columns]
    rest = [c for c in table.columns if c != "settings"]
    return wide[rest[:at] + extra + rest[at:]]


def run_names(table: pd.DataFrame, *, halves: bool = False) -> pd.Series:
    """The name a figure gives each run: the method, or its label where the run changed a setting (``"adain
    (optimised decoding)"``); with ``halves``, the method plus ``" (even half)"`` / ``" (odd half)"`` for landmark runs
    that optimised one half of the landmarks."""
    changed = settings(table)
    if halves:
        half = changed["keypoints"] if "keypoints" in changed else pd.Series(None, index=table.index, dtype=object)
        return table["method"] + half.map(lambda k: f" ({k} half)" if k in ("even", "odd") else "")
    if not len(changed.columns):  # no run changed a setting
        return table["method"].copy()
    return table["method"].where(changed.isna().all(axis=1), table["label"])


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


def timing_cells(timing: pd.DataFrame, survey: dict | None = None) -> pd.DataFrame:
    """:func:`timing_summary` as Table 1's text cells: per method ``steps``, ``repeats`` and, for each timing,
    ``"median [q25, q75]"`` (``"-"`` where not measured, e.g. the steps of a feed-forward method); with ``survey``
    (method -> ``(steps, matching s, optimisation s)`` as published), the survey's steps and seconds beside them
    (``survey_K80_steps``, ``survey_K80_s``; ``"-"`` for a method it did not time). A DataFrame, one row per
    method."""
    def cell(t, col):
        median, lo, hi = t[col], t[f"{col}_q25"], t[f"{col}_q75"]
        return "-" if median != median else f"{median:.3g} [{lo:.3g}, {hi:.3g}]"

    rows = []
    for name, t in timing.iterrows():
        published = (survey or {}).get(name)
        rows.append({"method": name, "steps": int(t["steps"]), "repeats": int(t["n"]),
                     **{col: cell(t, col) for col in ("matching_s", "optimisation_s", "total_s", "s_per_step")},
                     "survey_K80_steps": "-" if published is None else (published[0] or "None"),
                     "survey_K80_s": "-" if published is None else " + ".join(f"{v:g}" for v in published[1:] if v)})
    return pd.DataFrame(rows)


def change_at_end(steps: pd.DataFrame, metric: str, *, last: int = 5, by=("method", "pair")) -> pd.Series:
    """How much ``metric`` changed over each run's last ``last`` recorded intervals (a plan's
    ``NAME_trajectory.csv.gz``: one row per run and recorded step, columns ``step``, ``metric`` and ``by``; recorded
    every 10 steps, ``last=5`` is the last 50 steps): whether a run was still moving, and which way, when it
    stopped. Indexed by ``by``."""
    return steps.sort_values("step").groupby(list(by))[metric].agg(lambda v: v.iloc[-1] - v.iloc[-(last + 1)])


def loss_share(steps: pd.DataFrame, *, by: str = "pair") -> pd.Series:
    """Per recorded step, the share of its run's whole loss decrease that the run had made by then (the best loss
    so far: an L-BFGS loss is not monotone): 0 at the start, 1 where the run reaches its lowest loss. ``steps`` has
    columns ``loss`` and ``by`` (one run per group), in step order."""
    def share(loss):
        return (loss.iloc[0] - loss.cummin()) / (loss.iloc[0] - loss.min())

    return steps.groupby(by)["loss"].transform(share)


def seed_spread(table: pd.DataFrame, metrics, *, seeds=(0, 1), by: str = "method") -> pd.DataFrame:
    """Run-to-run noise: per ``by``, the median over the pairs (``content``, ``style``) of ``|seed a - seed b|`` of
    each metric (columns ``|seed a - seed b| METRIC``), over the pairs where both seeds measured it, and ``pairs``:
    how many pairs have both seeds of ``metrics[0]``. ``table`` holds one row per run, with ``seed``."""
    a, b = seeds
    wide = table.pivot_table(index=["content", "style", by], columns="seed", values=list(metrics))
    out = pd.DataFrame({f"|seed {a} - seed {b}| {m}": (wide[m][a] - wide[m][b]).abs().groupby(by).median()
                        for m in metrics})
    out["pairs"] = wide[metrics[0]][[a, b]].dropna().groupby(by).size()
    return out


def beside_budget(long: pd.DataFrame, short: pd.DataFrame, metrics, *, on=("method", "content", "style"),
                  names=("default", "long")) -> pd.DataFrame:
    """Each run of a longer budget (``long``) beside the same pair and method at a shorter one (``short``, the rows
    of another plan, matched on ``on``): indexed by ``on``, columns ``(metric, budget)`` (levels named so) with
    budget ``names[0]`` (``short``'s value), ``names[1]`` (``long``'s) and ``"change"`` (long minus short). A run of
    ``long`` without a match in ``short``, and a pair either table holds twice (settings apart: pass the rows of one
    setting), are refused with a ``ValueError`` naming them: no pair is compared to nothing, or to a mixture."""
    keys = list(on)
    for which, table in (("longer", long), ("shorter", short)):
        twice = table[table.duplicated(keys, keep=False)]
        if len(twice):
            raise ValueError(f"the {which} budget holds {twice[keys].drop_duplicates().to_dict('records')} more than "
                             f"once; pass one run per {', '.join(keys)}")
    both = long[keys + list(metrics)].merge(short[keys + list(metrics)], on=keys, how="left", suffixes=("_l", "_s"),
                                            indicator=True)
    missing = both[both["_merge"] != "both"]
    if len(missing):
        raise ValueError(f"no run at the shorter budget for {missing[keys].to_dict('records')}")
    both = both.set_index(keys)
    short_name, long_name = names
    return pd.concat({m: pd.DataFrame({short_name: both[f"{m}_s"], long_name: both[f"{m}_l"],
                                       "change": both[f"{m}_l"] - both[f"{m}_s"]}) for m in metrics}, axis=1,
                     names=["metric", "budget"])
