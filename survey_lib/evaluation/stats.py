"""Means with intervals for tables of runs: a seeded percentile bootstrap of a mean (:func:`bootstrap_ci`), of a paired
difference (:func:`paired_difference_ci`), and per group of a table (:func:`summarise`, :func:`paired_differences`).
NaNs (a metric that could not be measured on a run) are left out and counted.

Runs of a crossed design (every content with every style) are not independent: two pairs that share a photograph
or a portrait move together. :func:`crossed_bootstrap_ci` resamples contents and styles, each with replacement and
independently of the other (a two-way cluster bootstrap), so its interval carries the spread between photographs
and between portraits; ``clusters=("content", "style")`` makes :func:`summarise` and :func:`paired_differences` use
it."""
from __future__ import annotations

__all__ = ["bootstrap_ci", "paired_difference_ci", "crossed_bootstrap_ci", "summarise", "paired_differences"]

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


def paired_difference_ci(a, b, *, clusters: tuple[str, str] | None = None, **kwargs) -> tuple[float, float, float]:
    """:func:`bootstrap_ci` of ``a - b`` over the items where both are measured (the same pairs and seeds, in the
    same order): the paired difference of two methods, with its interval. With ``clusters`` (two index levels of
    ``a`` and ``b``, pandas Series indexed alike, e.g. ``("content", "style")``) the interval is
    :func:`crossed_bootstrap_ci` over that crossed design."""
    import numpy as np

    if clusters is not None:
        if list(a.index) != list(b.index) or any(c not in (a.index.names or ()) for c in clusters):
            raise ValueError(f"with clusters, a and b must be Series with the same index, naming {clusters!r}")
        diffs = (a.astype(float) - b.astype(float)).rename("difference").reset_index()
        return crossed_bootstrap_ci(diffs, "difference", rows=clusters[0], cols=clusters[1], **kwargs)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values must have the same length; got {len(a)} and {len(b)}")
    return bootstrap_ci(a - b, **kwargs)


def crossed_bootstrap_ci(table, value: str, *, rows: str = "content", cols: str = "style", level: float = 0.95,
                         n_boot: int = 10_000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``table[value]`` over the cells of a crossed design with a two-way cluster bootstrap interval:
    ``(mean, low, high)``.

    Each cell (one ``rows`` x ``cols`` item, e.g. one content x style pair) counts once, its runs (seeds) averaged
    first; NaN cells are left out. Every bootstrap draw takes ``len(rows)`` row items and ``len(cols)`` column items
    with replacement, independently, and averages the measured cells of the drawn rows x drawn columns (with their
    multiplicities). Fewer than 2 row or column items give ``(mean, nan, nan)``: no spread can be seen between them.
    Seeded, so the same table always gives the same interval.
    """
    import numpy as np

    cells = table.groupby([rows, cols], sort=False)[value].mean().unstack(cols)
    m = cells.to_numpy(dtype=float)
    measured = ~np.isnan(m)
    if not measured.any():
        return _NAN, _NAN, _NAN
    mean = float(m[measured].mean())
    if m.shape[0] < 2 or m.shape[1] < 2:
        return mean, _NAN, _NAN
    rng = np.random.default_rng(seed)
    w_rows = _draw_counts(rng, m.shape[0], n_boot)  # (n_boot, R): how often each row item was drawn
    w_cols = _draw_counts(rng, m.shape[1], n_boot)  # (n_boot, C)
    total = np.einsum("br,rc,bc->b", w_rows, np.where(measured, m, 0.0), w_cols)
    count = np.einsum("br,rc,bc->b", w_rows, measured.astype(float), w_cols)
    means = total[count > 0] / count[count > 0]  # a draw of only unmeasured cells has no mean
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(lo), float(hi)


def _draw_counts(rng, n: int, n_boot: int):
    """``(n_boot, n)``: per bootstrap draw, how many times each of ``n`` items was drawn (``n`` draws with
    replacement)."""
    import numpy as np

    picks = rng.integers(0, n, size=(n_boot, n))
    counts = np.zeros((n_boot, n))
    np.add.at(counts, (np.arange(n_boot)[:, None], picks), 1.0)
    return counts


def summarise(table, metrics, *, by: str = "method", clusters: tuple[str, str] | None = None, **kwargs):
    """Per group of ``table`` (a DataFrame, e.g. ``evaluate(...).table``): for each metric its mean and 95 % bootstrap
    interval (``<metric>``, ``<metric>_lo``, ``<metric>_hi``) and the count of measured runs (``<metric>_n``).
    Returns a DataFrame indexed by ``by``.

    ``clusters``: two columns of a crossed design, e.g. ``("content", "style")``: the interval (and the mean, over
    cells) comes from :func:`crossed_bootstrap_ci` instead of treating every run as independent."""
    import pandas as pd

    rows = {}
    for key, group in table.groupby(by, sort=False):
        row = {}
        for m in metrics:
            mean, lo, hi = _interval(group, m, clusters, **kwargs)
            row.update({m: mean, f"{m}_lo": lo, f"{m}_hi": hi, f"{m}_n": int(group[m].notna().sum())})
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def _interval(table, column: str, clusters, **kwargs) -> tuple[float, float, float]:
    """:func:`bootstrap_ci` of a column, or with ``clusters`` (two columns) :func:`crossed_bootstrap_ci`."""
    if clusters is None:
        return bootstrap_ci(table[column].astype(float), **kwargs)
    if len(clusters) != 2 or any(c not in table for c in clusters):
        raise ValueError(f"clusters must name two columns of the table ({', '.join(map(str, table.columns))}); "
                         f"got {clusters!r}")
    return crossed_bootstrap_ci(table, column, rows=clusters[0], cols=clusters[1], **kwargs)


def paired_differences(table, metric: str, *, against: str, by: str = "method",
                       on=("content", "style", "seed"), clusters: tuple[str, str] | None = None, **kwargs):
    """For every group of ``table`` but ``against``: the mean of ``metric`` minus ``against``'s on the same items
    (``on``: the same pair and seed), with its 95 % bootstrap interval, over the items where both were measured.
    Returns a DataFrame indexed by ``by`` with ``difference``, ``lo``, ``hi`` and ``n``.

    ``clusters``: two of ``on`` that cross, e.g. ``("content", "style")``: the differences' interval comes from
    :func:`crossed_bootstrap_ci` (pairs that share a content or a style are not independent)."""
    import pandas as pd

    if clusters is not None and any(c not in on for c in clusters):
        raise ValueError(f"clusters must be columns the items are paired on ({', '.join(on)}); got {clusters!r}")
    names = [g for g in dict.fromkeys(table[by]) if g != against]
    # a group measured nowhere has no column in the pivot: it compares over no items (n = 0)
    wide = table.pivot_table(index=list(on), columns=by, values=metric, aggfunc="first").reindex(
        columns=[*names, against])
    rows = {}
    for name in names:
        both = wide[[name, against]].dropna()
        if clusters is None:
            mean, lo, hi = paired_difference_ci(both[name], both[against], **kwargs)
        else:
            diffs = (both[name] - both[against]).rename("difference").reset_index()
            mean, lo, hi = crossed_bootstrap_ci(diffs, "difference", rows=clusters[0], cols=clusters[1], **kwargs)
        rows[f"{name} - {against}"] = {"difference": mean, "lo": lo, "hi": hi, "n": len(both)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("difference of " + metric)
