"""Reading a table of runs (from :func:`~survey_lib.evaluation.evaluate.evaluate` or a committed plan): the settings
each run changed as typed columns, and the name a figure gives each run. The table keeps its ``settings`` column
(JSON, so a committed CSV records them exactly); nothing outside this module parses it.
"""
from __future__ import annotations

import json

import pandas as pd

__all__ = ["settings", "with_settings", "run_names"]


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


def run_names(table: pd.DataFrame, *, halves: bool = False) -> pd.Series:
    """The name a figure gives each run: the method, or its label where the run changed a setting (``"adain
    (optimised decoding)"``); with ``halves``, the method plus ``" (even half)"`` / ``" (odd half)"`` for landmark runs
    that optimised one half of the landmarks."""
    changed = settings(table)
    if halves:
        half = changed["keypoints"] if "keypoints" in changed else pd.Series(None, index=table.index, dtype=object)
        return table["method"] + half.map(lambda k: f" ({k} half)" if k in ("even", "odd") else "")
    return table["method"].where(changed.isna().all(axis=1) if len(changed.columns) else True, table["label"])
