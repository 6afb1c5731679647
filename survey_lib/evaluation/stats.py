"""Means with intervals for tables of runs: a seeded percentile bootstrap of a mean (:func:`bootstrap_ci`), of a paired
difference (:func:`paired_difference_ci`), and per group of a table (:func:`summarise`, :func:`paired_differences`).
NaNs (a metric that could not be measured on a run) are left out and counted."""
from __future__ import annotations

__all__ = ["bootstrap_ci", "paired_difference_ci", "summarise", "paired_differences"]

_NAN = float("nan")


def bootstrap_ci(values, *, level: float = 0.95, n_boot: int = 10_000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``values`` with a percentile-bootstrap confidence interval: ``(mean, low, high)``.

    NaNs are left out; fewer than 2 values give ``(mean, nan, nan)`` (one value has no spread). The resampling is
    seeded, so the same values always give the same interval.
    """
    import numpy as np

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return _NAN, _NAN, _NAN
    if len(x) < 2:
        return float(x.mean()), _NAN, _NAN
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(n_boot, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(x.mean()), float(lo), float(hi)


def paired_difference_ci(a, b, **kwargs) -> tuple[float, float, float]:
    """:func:`bootstrap_ci` of ``a - b`` over the items where both are measured (the same pairs and seeds, in the
    same order): the paired difference of two methods, with its interval."""
    import numpy as np

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values must have the same length; got {len(a)} and {len(b)}")
    return bootstrap_ci(a - b, **kwargs)


def summarise(table, metrics, *, by: str = "method", **kwargs):
    """Per group of ``table`` (a DataFrame, e.g. from :func:`survey_lib.evaluation.evaluate.evaluate`): for each metric
    its mean and 95 % bootstrap interval (``<metric>``, ``<metric>_lo``, ``<metric>_hi``) and the count of measured
    runs (``<metric>_n``). Returns a DataFrame indexed by ``by``."""
    import pandas as pd

    rows = {}
    for key, group in table.groupby(by, sort=False):
        row = {}
        for m in metrics:
            mean, lo, hi = bootstrap_ci(group[m].astype(float), **kwargs)
            row.update({m: mean, f"{m}_lo": lo, f"{m}_hi": hi, f"{m}_n": int(group[m].notna().sum())})
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def paired_differences(table, metric: str, *, against: str, by: str = "method",
                       on=("content", "style", "seed"), **kwargs):
    """For every group of ``table`` but ``against``: the mean of ``metric`` minus ``against``'s on the same items
    (``on``: the same pair and seed), with its 95 % bootstrap interval, over the items where both were measured.
    Returns a DataFrame indexed by ``by`` with ``difference``, ``lo``, ``hi`` and ``n``."""
    import pandas as pd

    wide = table.pivot_table(index=list(on), columns=by, values=metric, aggfunc="first")
    rows = {}
    for name in [g for g in dict.fromkeys(table[by]) if g != against]:
        both = wide[[name, against]].dropna()
        mean, lo, hi = paired_difference_ci(both[name], both[against], **kwargs)
        rows[f"{name} - {against}"] = {"difference": mean, "lo": lo, "hi": hi, "n": len(both)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("difference of " + metric)
