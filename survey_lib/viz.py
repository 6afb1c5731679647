"""Figure helpers: image grids, loss curves, and deterministic saving into ``figures/``.

Plotting lives here and in the notebooks only; algorithm modules never plot.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

__all__ = ["image_grid", "plot_history", "save_figure", "markdown_table", "save_table", "show_correspondences",
           "method_grid", "draw_points", "zoom_to", "timing_chart", "ci_bars", "ci_cells", "difference_plot",
           "pair_lines", "difference_cells", "budget_panels", "budget_level_curves", "level_curves", "rate_bars",
           "sweep_panels", "sweep_targets", "readings_grid", "beta_panels", "exemplar_spread_figure",
           "targets_figure", "result_figure", "correspondence_panels"]


def _as_hwc(img: torch.Tensor):
    from .images import to_numpy

    return to_numpy(img)


def image_grid(images: Sequence[torch.Tensor], titles: Sequence[str] | None = None, *, ncols: int | None = None,
               size: float = 2.6, suptitle: str | None = None):
    """A matplotlib figure showing ``(1, 3, H, W)`` images in a grid with optional titles."""
    import matplotlib.pyplot as plt

    n = len(images)
    ncols = ncols or n
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(_as_hwc(images[k]))
            if titles is not None:
                ax.set_title(titles[k], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    fig.tight_layout()
    return fig


def plot_history(history: dict[str, Sequence[float]], *, ax=None, title: str | None = None, logy: bool = True):
    """Plot loss curves (one line per key) against the optimisation step."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3))
    for name, values in history.items():
        if len(values) and max(abs(v) for v in values) > 0:
            ax.plot(range(1, len(values) + 1), values, label=name)
    if logy:
        ax.set_yscale("log")
        finals = [v[-1] for v in history.values() if len(v) and v[-1] > 0]
        if finals:  # terms that start at 0 (content loss from a content init) would stretch the axis
            ax.set_ylim(bottom=min(finals) / 20)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def result_figure(images: dict, history: dict[str, Sequence[float]], *, title: str = "loss", size: float = 3.25):
    """One run at a glance: ``images`` (title -> ``(1, 3, H, W)``, e.g. content, style, output) side by side and its
    loss curves (:func:`plot_history`) in the last panel."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(images) + 1, figsize=(size * (len(images) + 1), size - 0.05))
    for ax, (name, img) in zip(axes, images.items()):
        ax.imshow(_as_hwc(img))
        ax.set_title(name)
        ax.axis("off")
    plot_history(history, ax=axes[-1], title=title)
    fig.tight_layout()
    return fig


def correspondence_panels(img_a: torch.Tensor, img_b: torch.Tensor, matchers: Sequence, *,
                          names: tuple[str, str] = ("content", "style")):
    """Each matcher's correspondences between two images, one panel per matcher
    (:func:`show_correspondences`, the second title naming the matcher). Returns ``(figure, [correspondences])``."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(matchers), figsize=(6.5 * len(matchers), 3.6), squeeze=False)
    found = []
    for ax, matcher in zip(axes[0], matchers):
        corr = matcher(img_a, img_b)
        show_correspondences(img_a, img_b, corr.src, corr.dst, ax=ax, titles=(names[0], f"{names[1]} - {corr.source}"))
        found.append(corr)
    fig.tight_layout()
    return fig, found


def save_figure(fig, name: str, fig_dir: str | Path = "figures", *, dpi: int = 120) -> None:
    """Save ``fig`` as ``fig_dir/name.png`` with no timestamp metadata (byte-stable across runs).

    Returns nothing, so a notebook cell may end with this call without echoing a value."""
    from .utils import atomic_write

    with atomic_write(Path(fig_dir) / f"{name}.png") as tmp:  # whole or not at all
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None, floatfmt: str = ".3g") -> str:
    """A GitHub Markdown table from a list of dicts."""
    if not rows:
        return ""
    columns = list(columns or rows[0].keys())

    def fmt(v):
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def save_table(rows, name: str, fig_dir: str | Path = "figures", *, caption: str = "",
               floatfmt: str = ".3g") -> None:
    """Write ``name.csv`` and ``name.md`` (Markdown with an optional caption) into ``fig_dir``. ``rows``: a sequence of
    dicts (one per row) or a DataFrame (its columns, without the index)."""
    import csv

    from .utils import atomic_write

    if hasattr(rows, "to_dict"):  # a DataFrame
        rows = rows.to_dict("records")
    fig_dir = Path(fig_dir)
    fig_dir.mkdir(parents=True, exist_ok=True)
    columns = list(rows[0].keys()) if rows else []
    with atomic_write(fig_dir / f"{name}.csv") as tmp, tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    with atomic_write(fig_dir / f"{name}.md") as tmp:
        tmp.write_text(markdown_table(rows, columns, floatfmt) + (f"\n\n{caption}\n" if caption else "\n"))


def show_correspondences(img_a: torch.Tensor, img_b: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, *,
                         titles: Sequence[str] = ("content", "style"), ax=None, max_lines: int = 80,
                         annotate: bool = False):
    """Side-by-side images with matching points in the same colour and lines joining them.

    ``src``/``dst``: ``(K, 2)`` (x, y) pixels in ``img_a``/``img_b`` (both ``(1, 3, H, W)``)."""
    import matplotlib.pyplot as plt
    import numpy as np

    a, b = _as_hwc(img_a), _as_hwc(img_b)
    h = max(a.shape[0], b.shape[0])
    pad = lambda im: np.pad(im, ((0, h - im.shape[0]), (0, 0), (0, 0)), constant_values=255)  # noqa: E731
    canvas = np.concatenate([pad(a), np.full((h, 8, 3), 255, np.uint8), pad(b)], 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7 * h / canvas.shape[1] + 0.4))
    ax.imshow(canvas)
    off = a.shape[1] + 8
    colors = plt.cm.hsv(np.linspace(0, 1, max(len(src), 1), endpoint=False))
    for i, ((xa, ya), (xb, yb)) in enumerate(zip(src.tolist(), dst.tolist())):
        if i < max_lines:
            ax.plot([xa, xb + off], [ya, yb], "-", color=colors[i], lw=0.6, alpha=0.6)
        ax.plot([xa], [ya], "o", ms=3, color=colors[i])
        ax.plot([xb + off], [yb], "o", ms=3, color=colors[i])
        if annotate:
            ax.text(xa, ya, str(i), fontsize=5)
    ax.set_title(f"{titles[0]}  <->  {titles[1]}  ({len(src)} pairs)", fontsize=10)
    ax.axis("off")
    return ax


def method_grid(rows: Sequence[dict], columns: Sequence[str], *, size: float = 2.2, titles: dict | None = None):
    """A grid with one row per content/style pair: ``rows[i]`` maps column names (e.g. "content", "style", "nst",
    "dst") to ``(1, 3, H, W)`` images; missing entries (a method that failed) show as an empty cell with the
    text in ``rows[i]["notes"][column]`` (a note beside an image is written over it);
    ``rows[i]["points"][column]``, where given, is a list of
    ``((K, 2) (x, y) pixel points, draw_points settings)`` drawn on that cell (one legend for the figure)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), len(columns), figsize=(size * len(columns), size * len(rows)), squeeze=False)
    for i, row in enumerate(rows):
        for j, col in enumerate(columns):
            ax = axes[i, j]
            ax.set_xticks([]); ax.set_yticks([])  # noqa: E702
            if col in row and row[col] is not None:
                ax.imshow(_as_hwc(row[col]))
                for points, mark in row.get("points", {}).get(col, []):
                    draw_points(ax, points, **mark)
                if col in row.get("notes", {}):
                    ax.text(0.5, 0.5, row["notes"][col], ha="center", va="center", fontsize=7, transform=ax.transAxes,
                            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
            else:
                ax.text(0.5, 0.5, row.get("notes", {}).get(col, "n/a"), ha="center", va="center", fontsize=7,
                        wrap=True, transform=ax.transAxes)
            if i == 0:
                ax.set_title((titles or {}).get(col, col), fontsize=10)
            if j == 0 and "label" in row:
                ax.set_ylabel(row["label"], fontsize=8)
    legend = {t: h for ax in fig.axes for h, t in zip(*ax.get_legend_handles_labels())}
    fig.tight_layout()
    if legend:
        fig.legend(list(legend.values()), list(legend.keys()), loc="upper center", ncol=len(legend), fontsize=8,
                   bbox_to_anchor=(0.5, 0.0))
    return fig


def draw_points(ax, points: torch.Tensor, *, color="lime", size: float = 4, label: str | None = None,
                marker: str = "o"):
    """Scatter ``(K, 2)`` (x, y) points on an image axis."""
    ax.scatter(points[:, 0], points[:, 1], s=size, c=color, label=label, marker=marker)
    return ax


def zoom_to(ax, points: torch.Tensor, *, margin: float = 0.3):
    """Limit an image axis to the box around ``(K, 2)`` (x, y) points, widened by ``margin`` of its size."""
    lo, hi = points.min(0).values, points.max(0).values
    pad = margin * float((hi - lo).max())
    ax.set_xlim(float(lo[0]) - pad, float(hi[0]) + pad)
    ax.set_ylim(float(hi[1]) + pad, float(lo[1]) - pad)  # image rows grow downward
    return ax


def timing_chart(rows: Sequence[dict], survey: dict[str, tuple[float, float, float]], *, title: str = ""):
    """Table 1 as three panels that each compare like with like, ours beside the survey's (K80) numbers: the time
    to find correspondences, the seconds per optimisation step, and the time of a feed-forward stylisation. Bars
    are not stacked; each panel has its own log axis and every bar carries its value.

    Args:
        rows: one dict per method with ``method``, ``steps``, ``matching_s``, ``optimisation_s`` and ``s_per_step``,
            each with ``<col>_q25`` / ``<col>_q75`` for the interquartile whiskers: the rows of
            :func:`survey_lib.evaluation.plans.timing_summary`.
        survey: ``method -> (steps, matching_s, optimisation_s)`` as the survey reports them.
    """
    import matplotlib.pyplot as plt

    def ours(r, col):  # (median, q25, q75) of one of our timings
        return r[col], r[f"{col}_q25"], r[f"{col}_q75"]

    panels = [("finding correspondences (s)", lambda r: ours(r, "matching_s") if r["matching_s"] > 0 else None,
               lambda s: s[1] if s[1] > 0 else None),
              ("seconds per optimisation step", lambda r: ours(r, "s_per_step") if r["steps"] else None,
               lambda s: s[2] / s[0] if s[0] else None),
              ("one feed-forward stylisation (s)", lambda r: None if r["steps"] else ours(r, "optimisation_s"),
               lambda s: None if s[0] else s[2])]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, (label, ours_of, theirs_of) in zip(axes, panels):
        names, vals, los, his, theirs = [], [], [], [], []
        for r in rows:
            got = ours_of(r)
            if got is None:
                continue
            names.append(r["method"].replace(" (", "\n("))
            vals.append(got[0]); los.append(got[1]); his.append(got[2])  # noqa: E702
            ref = survey.get(r["method"])
            theirs.append(theirs_of(ref) if ref else None)
        y = range(len(names))
        ax.barh([i - 0.2 for i in y], vals, height=0.4, color="tab:blue", label="this machine (median, IQR)",
                xerr=[[v - lo for v, lo in zip(vals, los)], [hi - v for v, hi in zip(vals, his)]], capsize=2)
        ax.barh([i + 0.2 for i in y if theirs[i]], [t for t in theirs if t], height=0.4, color="tab:gray",
                label="survey, Tesla K80")
        for i, (a, hi, b) in enumerate(zip(vals, his, theirs)):
            ax.text(hi, i - 0.2, f" {a:.3g}", va="center", fontsize=7)
            if b:
                ax.text(b, i + 0.2, f" {b:.3g}", va="center", fontsize=7, color="dimgray")
        ax.set_yticks(list(y), names, fontsize=8)
        ax.set_xscale("log")
        ax.set_xlim(min([v for v in vals + theirs if v]) / 3, max([v for v in his + theirs if v]) * 8)
        ax.invert_yaxis()
        ax.set_title(label, fontsize=10)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=8, loc="lower center", ncol=2, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def ci_bars(summary, metrics: dict[str, str], *, ylabel: str = "", title: str = "", colors=None):
    """Grouped bars of means with their 95 % intervals as error bars, one group per row of ``summary`` (a
    :func:`survey_lib.evaluation.stats.summarise` table: ``<metric>``, ``<metric>_lo``, ``<metric>_hi``,
    ``<metric>_n``).

    ``metrics`` maps a legend label to a metric column. A missing mean (NaN: not applicable) leaves its slot empty
    and is written as "n/a" on the axis; ``n`` under each group says over how many runs its means are (a range,
    ``n=3-6``, where its metrics were measured on different numbers of runs)."""
    import matplotlib.pyplot as plt
    import numpy as np

    colors = colors or ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    groups = list(summary.index)
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(groups) + 2), 3.6))
    for k, (label, m) in enumerate(metrics.items()):
        x = np.arange(len(groups)) - 0.4 + width * (k + 0.5)
        mean = summary[m].to_numpy(float)
        lo, hi = summary[f"{m}_lo"].to_numpy(float), summary[f"{m}_hi"].to_numpy(float)
        ax.bar(x, mean, width, yerr=np.vstack([mean - lo, hi - mean]), capsize=3, color=colors[k % len(colors)],
               label=label)
        for xi, v in zip(x, mean):
            if v != v:
                ax.text(xi, 0, "n/a", ha="center", va="bottom", fontsize=7, color="dimgray")
    counts = summary[[f"{m}_n" for m in metrics.values()]]
    counts = counts.where(counts > 0)  # a metric that does not apply (n 0) says nothing about the sample
    span = [f"n={int(a)}" if a == b else f"n={int(a)}-{int(b)}" if a == a else "n=0"
            for a, b in zip(counts.min(axis=1), counts.max(axis=1))]
    ax.set_xticks(range(len(groups)), [f"{g}\n({n})" for g, n in zip(groups, span)])
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel(ylabel)
    lines = max(str(g).count("\n") for g in groups) + 2  # tick label lines, "(n=...)" included
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2 - 0.09 * (lines - 2)),
              frameon=False)  # below the tick labels: never on a bar
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def ci_cells(summary, metrics: Sequence[str], *, digits: int = 3):
    """A :func:`survey_lib.evaluation.stats.summarise` table as text cells ``"mean [lo, hi]"`` (``"-"`` where not
    measured), one column per metric plus ``n`` (the most items any metric was measured on); a cell measured on
    fewer items than its row's ``n`` says how many (``"(n=3)"``), so that ``n`` never overstates a metric's sample:
    a DataFrame for tables."""
    import pandas as pd

    n = summary[[f"{m}_n" for m in metrics]].max(axis=1).astype(int)

    def cell(row, m, most):
        mean, lo, hi, k = row[m], row[f"{m}_lo"], row[f"{m}_hi"], int(row[f"{m}_n"])
        if mean != mean:
            return "-"
        sample = f" (n={k})" if k < most else ""
        if lo != lo:  # no interval over a single item
            return f"{mean:.{digits}f}" + sample
        return f"{mean:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]" + sample

    cells = {m: [cell(row, m, most) for (_, row), most in zip(summary.iterrows(), n)] for m in metrics}
    return pd.DataFrame({"n": n.to_numpy(), **cells}, index=summary.index)


def difference_cells(differences, *, digits: int = 3):
    """Paired differences (``difference``, ``lo``, ``hi``, ``n`` per row, as
    :func:`survey_lib.evaluation.stats.paired_differences` and :func:`survey_lib.evaluation.levels.level_differences`
    return them) as text cells ``"+0.120 [+0.044, +0.199] (n=7)"``, ``"-"`` where no pair was measured by both: a
    Series indexed like ``differences``, for tables."""
    def cell(row):
        if row["n"] == 0 or row["difference"] != row["difference"]:
            return "-"
        if row["lo"] != row["lo"]:
            return f"{row['difference']:+.{digits}f} (n={int(row['n'])})"
        return (f"{row['difference']:+.{digits}f} [{row['lo']:+.{digits}f}, {row['hi']:+.{digits}f}] "
                f"(n={int(row['n'])})")

    return differences.apply(cell, axis=1)


def difference_plot(diffs: dict, *, title: str = "", xlabel: str = "paired difference"):
    """Paired differences with their 95 % intervals, one horizontal line per comparison and one panel per metric.

    Args:
        diffs: ``{panel title: DataFrame}`` as :func:`survey_lib.evaluation.stats.paired_differences` returns
            (``difference``, ``lo``, ``hi``, ``n``, indexed by comparison, e.g. ``"fastdst - nst"``).

    An interval that excludes 0 is drawn in blue, one that includes it in grey; which side is "better" is for the
    panel titles to say.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(diffs), figsize=(4.2 * len(diffs), 0.45 * max(map(len, diffs.values())) + 1.4),
                             sharey=True, squeeze=False)
    for ax, (panel, d) in zip(axes[0], diffs.items()):
        y = range(len(d))[::-1]
        clear = ((d["lo"] > 0) | (d["hi"] < 0)).to_numpy()  # the interval excludes 0
        colors = ["tab:blue" if c else "darkgray" for c in clear]
        ax.hlines(list(y), d["lo"], d["hi"], colors=colors, lw=2)
        ax.scatter(d["difference"], list(y), color=colors, zorder=3, s=18)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_yticks(list(y), [f"{k} (n={int(n)})" for k, n in zip(d.index, d["n"])])
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def pair_lines(ax, table, *, x: str, y: str, by: str = "method", pair: str = "pair", colors=None, linestyle="-",
               label: str = "{}"):
    """One thin line per pair and a thick line with markers for their mean, per group of ``table`` (a DataFrame with
    columns ``x``, ``y``, ``by``, ``pair``): how a measure moves along ``x`` (a setting, a step), with the pairs'
    spread in sight. ``colors``: per group (default: matplotlib's cycle); ``label``: the mean line's legend text,
    ``{}`` standing for the group. Draws on ``ax``; returns it."""
    import matplotlib.pyplot as plt

    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (group, g) in enumerate(table.groupby(by, sort=False)):
        color = (colors or {}).get(group, cycle[k % len(cycle)])
        for _, p in g.groupby(pair, sort=False):
            p = p.sort_values(x)
            ax.plot(p[x], p[y], linestyle, color=color, lw=0.8, alpha=0.35)
        mean = g.groupby(x)[y].mean()
        ax.plot(mean.index, mean.to_numpy(), linestyle, color=color, lw=2, marker="o", ms=3, label=label.format(group))
    return ax


def rate_bars(rates, columns: dict, *, title: str = "", ylabel: str = "images with a face found", figsize=(8, 3)):
    """Grouped bars of shares per category (:func:`survey_lib.evaluation.detection.detection_rates`: indexed by
    category, with ``images`` and ``COLUMN_rate``), one bar per entry of ``columns`` (legend label -> column), each
    category labelled with its number of images. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    width = 0.8 / len(columns)
    at = range(len(rates))
    for k, (label, column) in enumerate(columns.items()):
        ax.bar([i + width * k for i in at], rates[f"{column}_rate"], width=width, label=label)
    ax.set_xticks([i + width * (len(columns) - 1) / 2 for i in at],
                  [f"{c}\n(n={n})" for c, n in zip(rates.index, rates["images"])])
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over one
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def sweep_panels(sweep, curves):
    """The deformation sweep in three panels: keypoint progress over the steps per k (dotted where the targets are
    not a face), the share and the pixels of the gap closed at the last step per k, and the folded pixels of
    one-shot FoA's warp, of the exact spline to the targets and of the exact spline at equal displacement.
    ``sweep``: :func:`survey_lib.evaluation.sweep.sweep_table`; ``curves``: the plan's trajectory (``pair``
    ``"k=<k>"``, ``step``, ``own_target_progress``). Returns the figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    colors = plt.cm.viridis([i / max(1, len(sweep) - 1) for i in range(len(sweep))])
    for color, r in zip(colors, sweep.to_dict("records")):
        c = curves[curves["pair"] == f"k={r['k']:g}"]
        axes[0].plot(c["step"], c["own_target_progress"], color=color, ls="-" if r["targets_a_face"] else ":",
                     label=f"k = {r['k']:g}" + ("" if r["targets_a_face"] else " (not a face)"))
    axes[0].set_xlabel("optimisation step (all scales)")
    axes[0].set_ylabel("keypoint progress")
    axes[0].set_title("progress over the steps (dotted: targets not a face)", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].plot(sweep["k"], sweep["keypoint_progress"], "o-", color="tab:blue", label="share of the gap closed")
    twin = axes[1].twinx()
    twin.plot(sweep["k"], sweep["closed_px"], "s--", color="tab:orange", label="pixels closed")
    axes[1].set_xlabel("exaggeration k")
    axes[1].set_ylabel("share closed", color="tab:blue")
    twin.set_ylabel("pixels closed", color="tab:orange")
    axes[1].set_title(f"at step {int(sweep['steps'].max())}: share and distance closed", fontsize=9)
    for col, style, label in (("warp_folded_%", "o-", "one-shot FoA's warp"),
                              ("exact_tps_folded_%", "s--", "exact spline to the targets"),
                              ("tps_at_equal_displacement_folded_%", "^:", "exact spline to where it got")):
        axes[2].plot(sweep["k"], sweep[col], style, label=label, mfc="none" if style == "^:" else None,
                     ms=9 if style == "^:" else 6)
    axes[2].set_xlabel("exaggeration k")
    axes[2].set_ylabel("folded pixels (%)")
    axes[2].legend(fontsize=7)
    axes[2].set_title("folding, and at equal displacement", fontsize=9)
    fig.tight_layout()
    return fig


def sweep_targets(pairs, reached, ks, *, anchors: int = 5):
    """The deformation sweep's targets as pictures, one column per k: the content with its landmarks (green), the
    targets (red) and where one-shot FoA's warp carried the landmarks (blue); the content warped by the exact
    thin-plate spline to the targets; and warped by it to where one-shot FoA got. ``pairs``:
    :func:`survey_lib.evaluation.plan_specs.sweep_pairs`; ``reached``:
    :func:`survey_lib.evaluation.sweep.reached_points`; ``ks``: the exaggerations. Returns the figure."""
    from .geometry.warp import warp_image

    def spline(pair, points):
        return warp_image(pair.content, pair.landmarks("content"), points, anchors=anchors)

    fig = image_grid([p.content for p in pairs] + [spline(p, p.targets) for p in pairs]
                     + [spline(p, q) for p, q in zip(pairs, reached)],
                     [f"k = {k:g}: landmarks" for k in ks] + [f"k = {k:g}: spline to the targets" for k in ks]
                     + [f"k = {k:g}: spline to where\none-shot FoA got" for k in ks], ncols=len(pairs), size=2.3)
    for ax, p, q in zip(fig.axes[:len(pairs)], pairs, reached):
        draw_points(ax, p.landmarks("content"), color="lime", size=4, label="content")
        draw_points(ax, p.targets, color="red", size=4, label="targets")
        draw_points(ax, q, color="deepskyblue", size=4, label="reached")
    fig.axes[0].legend(fontsize=6, loc="lower left")
    return fig


def readings_grid(images: dict, readings, *, ncols: int = 4, size: float = 3.0):
    """Each face with its two readings, zoomed to the face so that a few pixels show: dlib's 68 points (green), the
    five features among them (blue x) and the second reading of the same five (red +), the title saying how far the
    readings differ. ``images``: name -> ``(1, 3, H, W)``; ``readings``:
    :func:`survey_lib.evaluation.detection.catalogue_readings` for those names. Returns the figure."""
    from .geometry.readers import FIVE_IN_68

    names = list(images)
    gaps = readings["reading_gap"]
    fig = image_grid([images[n] for n in names],
                     [f"{n}\n" + (f"readings differ by {gaps[n]:.3f}" if gaps[n] == gaps[n] else
                                  "the second reader finds no face") for n in names], ncols=ncols, size=size)
    for ax, name in zip(fig.axes, names):
        ours, five = readings.loc[name, "dlib68"], readings.loc[name, "five"]
        draw_points(ax, ours, color="lime", size=6, label="dlib, 68 points (what FastDST follows)")
        draw_points(ax, ours[list(FIVE_IN_68)], color="blue", size=60, marker="x", label="dlib, the five features")
        if five is not None:
            draw_points(ax, five, color="red", size=60, marker="+", label="second reading (Haar + 5-point model)")
        zoom_to(ax, ours)
    fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="lower right", bbox_to_anchor=(0.98, 0.12), fontsize=8)
    return fig


#: the three panels of :func:`budget_panels` and :func:`beta_panels`: a warping run's measure and its axis label
_WARP_PANELS = {"own_target_progress": "keypoints toward their own targets",
                "warp_progress": "68 landmarks through the warp", "folded_%": "folded pixels of the warp (%)"}


def _warp_panels(table, x: str, colors):
    """A two-by-two figure (the labels stay legible at notebook width) whose first three axes show, per pair and
    their mean, each of :data:`_WARP_PANELS` against ``x``; the fourth is left to the caller."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    axes = axes.ravel()
    for ax, (metric, ylabel) in zip(axes, _WARP_PANELS.items()):
        pair_lines(ax, table, x=x, y=metric, colors=colors)
        ax.set_ylabel(ylabel)
        ax.axhline(0, color="k", lw=0.4)
    return fig, axes


def beta_panels(sweep, steps, *, colors, published: float = 0.5, traced=(0.5, 8.0), title: str = ""):
    """How far the warp follows the style against its weight β: per β (log scale, the published value dotted) the
    keypoints toward their own targets, the 68 landmarks through the warp and its folded share, per pair and their
    mean (``sweep``: plan ``beta_sweep``'s table with ``beta`` and ``pair``), and the keypoints' progress over the
    steps at the β values of ``traced`` (``steps``: its trajectory). ``colors``: per method. Returns the figure."""
    betas = sorted(sweep["beta"].unique())
    fig, axes = _warp_panels(sweep, "beta", colors)
    for ax in axes[:3]:
        ax.set_xscale("log", base=2)
        ax.set_xticks(betas, [f"{b:g}" for b in betas])
        ax.set_xlabel(f"warp weight β (published: {published:g}, dotted)")
        ax.axvline(published, color="k", lw=0.6, ls=":")
    for b, ls in zip(traced, ("-", "--", ":")):
        pair_lines(axes[3], steps[steps["beta"] == b], x="step", y="own_target_progress", colors=colors,
                   linestyle=ls, label=f"{{}}, β = {b:g}")
    axes[3].set_xlabel("optimisation step (3 scales x 15)")
    axes[3].set_ylabel("keypoints toward their own targets")
    axes[0].legend(fontsize=8)
    axes[3].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _mark_scales(ax, scale_starts) -> None:
    """A long run's x axis: a thin vertical line where each next scale starts, the scales named in the label."""
    for s in scale_starts:
        ax.axvline(s, color="0.7", lw=0.6)
    ax.set_xlabel(f"step ({len(scale_starts) + 1} scales x {scale_starts[0]})")


def budget_panels(warped_steps, nst_steps, ends, *, colors, title: str = "", scale_starts=(150, 300),
                  nst_default_steps: int = 80):
    """How the warping methods and NST spend a long budget, two by two: per recorded step, the keypoints toward
    their own targets, the 68 landmarks through the warp of that step and the warp's folded share (``warped_steps``:
    a trajectory table with ``step``, ``method``, ``pair`` and those columns), each with the mean where a shorter
    budget ended drawn dashed (``ends``: indexed by method, the same columns); and NST's share of its whole loss
    decrease made so far (``nst_steps`` with ``loss_share``: :func:`survey_lib.evaluation.tables.loss_share`),
    the step where the shorter budget stops dotted. ``colors``: per method. Returns the figure, ``title`` above it."""
    fig, axes = _warp_panels(warped_steps, "step", colors)
    for ax, metric in zip(axes, _WARP_PANELS):
        for name, color in colors.items():
            ax.axhline(ends.loc[name, metric], color=color, ls="--", lw=1, label=f"{name}, default profile's end")
        _mark_scales(ax, scale_starts)
    pair_lines(axes[3], nst_steps, x="step", y="loss_share", colors={"nst": "tab:blue"})
    axes[3].axvline(nst_default_steps, color="k", lw=0.6, ls=":")
    axes[3].set_xlabel(f"L-BFGS step (dotted: the default profile's {nst_default_steps})")
    # the loss is logged before each update, step 0 the start: steps 0..N-1 of N
    axes[3].set_ylabel(f"NST: share of the loss decrease\nof {int(nst_steps['step'].max()) + 1} steps made so far")
    axes[2].set_ylim(-0.05, 1)  # in % of the pixels: none of these warps folds more than a few pixels
    axes[0].legend(fontsize=8)
    axes[3].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def budget_level_curves(steps, ends, metric: str, *, colors, ylabel: str = "", title: str = "",
                        scale_starts=(150, 300)):
    """A long budget on the geometric benchmark, one panel per level (the style's shape gap): per recorded step,
    ``metric`` of each run (thin, one per photograph) and its mean per method (thick), with where the same pairs
    ended at the default profile drawn dashed (``ends``: indexed by ``(method, level)``, the column ``metric``).
    ``steps``: a trajectory table (:func:`survey_lib.evaluation.run_geometry.trajectories`) with ``level``,
    ``content``, ``method`` and ``step``; ``colors``: per method. Returns the figure, ``title`` above it."""
    import matplotlib.pyplot as plt

    gaps = sorted(steps["level"].unique())
    fig, axes = plt.subplots(1, len(gaps), figsize=(5.2 * len(gaps), 3.8), sharey=True, squeeze=False)
    for ax, gap in zip(axes[0], gaps):
        pair_lines(ax, steps[steps["level"] == gap], x="step", y=metric, pair="content", colors=colors)
        for (name, level), end in ends[metric].items():
            if level == gap and name in colors:
                ax.axhline(end, color=colors[name], ls="--", lw=1, label=f"{name}, default profile's end")
        _mark_scales(ax, scale_starts)
        ax.axhline(0, color="k", lw=0.4)
        ax.set_title(f"shape gap {gap:g}", fontsize=9)
    axes[0][0].set_ylabel(ylabel or metric)
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def level_curves(summary, metric: str, *, ylabel: str = "", title: str = "", colors=None, reference=None,
                 levels=None, linestyles=None):
    """Curves over the geometric benchmark's levels, one panel per family: per method a line through the means and
    a band over the 95 % intervals, as :func:`survey_lib.evaluation.levels.level_summary` returns them (indexed by
    ``(method, family, level)``, with ``metric``, ``metric_lo`` and ``metric_hi``). A method measured at one level so
    far is a point with its interval as a bar (the bars of several such methods side by side); a level without an
    interval (one run) is left out. ``reference``: a y value drawn as a dotted line (e.g. 0, or dlib's same-person
    distance 0.6); ``levels``: the benchmark's levels, the x axis's ticks and range (default: those in
    ``summary``); ``linestyles``: per method, a matplotlib line style (default solid), e.g. to keep a curve that
    may lie on another's visible."""
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(summary.index.get_level_values("family")))
    names = list(dict.fromkeys(summary.index.get_level_values(0)))
    colors = colors or {n: f"C{i}" for i, n in enumerate(names)}
    ticks = sorted(set(levels if levels is not None else summary.index.get_level_values("level")))
    dodge = 0.08 * (ticks[-1] - ticks[0] if len(ticks) > 1 else 0.01) / max(len(names), 1)
    fig, axes = plt.subplots(1, len(families), figsize=(5.2 * len(families), 3.8), sharey=True, squeeze=False)
    for ax, family in zip(axes[0], families):
        for i, name in enumerate(names):
            if (name, family) not in summary.index.droplevel("level"):
                continue
            s = summary.xs((name, family), level=(0, "family"))
            s = s[s[f"{metric}_lo"].notna()]
            if len(s) == 1:  # a band needs two levels
                x = s.index + (i - (len(names) - 1) / 2) * dodge
                ax.errorbar(x, s[metric], yerr=[s[metric] - s[f"{metric}_lo"], s[f"{metric}_hi"] - s[metric]],
                            fmt="o", ms=4, color=colors[name], capsize=3, lw=1, label=name)
            elif len(s):
                ax.plot(s.index, s[metric], marker="o", ls=(linestyles or {}).get(name, "-"), color=colors[name],
                        label=name, ms=4)
                ax.fill_between(s.index, s[f"{metric}_lo"], s[f"{metric}_hi"], color=colors[name], alpha=0.15,
                                lw=0)
        if reference is not None:
            ax.axhline(reference, color="k", lw=0.6, ls=":")
        ax.set_xticks(ticks)
        ax.set_xlim(ticks[0] - 0.01, ticks[-1] + 0.01)
        ax.set_title(family.replace("_", " "), fontsize=10)
        ax.set_xlabel("shape gap of the style to the photographs (NME)")
    axes[0][0].set_ylabel(ylabel or metric)
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def exemplar_spread_figure(drawings: dict, ends: dict, start: torch.Tensor, face: torch.Tensor, *, common: str,
                           face_name: str = "the face", zoom: float = 5.0,
                           colors=("tab:blue", "tab:orange", "tab:green", "tab:purple")):
    """Which exemplar a face is sent toward, drawn: each drawing with its landmarks (left, two by two), the face's
    landmarks before and after the warp (the average end over the drawings, true scale), and each drawing's end
    around that average with its offset magnified ``zoom`` times, the end toward ``common`` as a cross.

    Args:
        drawings: label -> ``(image (3, H, W), (68, 2) landmarks)`` of each single exemplar, in the same square frame.
        ends: label -> ``(68, 2)`` where the run toward it carried ``start`` (the drawings' labels and ``common``).
        start: ``(68, 2)`` the face's landmarks before any run; ``face``: its image ``(3, H, W)``, the same frame.
    """
    import matplotlib.pyplot as plt

    singles = list(drawings)
    centre = torch.stack([ends[t].double() for t in singles]).mean(0)
    fig = plt.figure(figsize=(14, 5.2))
    cells = fig.add_gridspec(2, 5, width_ratios=[1, 1, 0.15, 2, 2])
    for k, (label, (image, points)) in enumerate(drawings.items()):
        ax = fig.add_subplot(cells[k // 2, k % 2])
        ax.imshow(_as_hwc(image))
        draw_points(ax, points, color=colors[k], size=3)
        ax.set_title(label, fontsize=9, color=colors[k])
        ax.axis("off")
    moved_ax, spread_ax = fig.add_subplot(cells[:, 3]), fig.add_subplot(cells[:, 4])
    for ax in (moved_ax, spread_ax):
        ax.imshow(_as_hwc(face), alpha=0.6)
        zoom_to(ax, start, margin=0.15)
        ax.axis("off")
    draw_points(moved_ax, start, color="black", size=14, marker="x", label="before")
    draw_points(moved_ax, centre, color="red", size=10, label="after (average over the drawings)")
    moved_ax.set_title(f"how far the warp moves {face_name}'s landmarks (true scale)", fontsize=9)
    moved_ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, -0.12))
    for k, label in enumerate(singles):
        shown = centre + zoom * (ends[label].double() - centre)
        spread_ax.plot(torch.stack([centre[:, 0], shown[:, 0]]), torch.stack([centre[:, 1], shown[:, 1]]),
                       color=colors[k], lw=0.7)
        draw_points(spread_ax, shown, color=colors[k], size=9, label=f"toward {label}")
    draw_points(spread_ax, centre + zoom * (ends[common].double() - centre), color="black", size=40, marker="+",
                label=f"toward the {common}")
    spread_ax.set_title(f"which drawing: each end around the average end, offsets x{zoom:g}", fontsize=9)
    spread_ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    return fig


def targets_figure(content: torch.Tensor, style: torch.Tensor, exemplars: Sequence[torch.Tensor],
                   common: torch.Tensor, outputs: dict, *, frame: tuple[int, int] | None = None):
    """A style's common landmarks and the results toward them: the content, the style with every exemplar's
    landmarks (white, each similarity-aligned to ``common``) and the common landmarks (red), then each output
    (``label -> (image (3, S, S), (68, 2) points where its warp carried the content's landmarks)``).

    ``exemplars`` and ``common`` are ``(68, 2)`` in the frame of ``style``'s image (``(3, S, S)``), or, given
    ``frame``, in the frame of the style's image file of that ``(H, W)`` (aligned there, then drawn resized)."""
    import matplotlib.pyplot as plt

    from .geometry.landmarks import apply_transform, similarity_transform
    from .images import resize_points

    def shown(points):
        return points if frame is None else resize_points(points, frame, style.shape[-1])

    fig, axes = plt.subplots(1, 2 + len(outputs), figsize=(3 * (2 + len(outputs)), 3.2))
    axes[0].imshow(_as_hwc(content))
    axes[0].set_title("content")
    axes[1].imshow(_as_hwc(style))
    axes[1].set_title("style")
    for points in exemplars:
        aligned = apply_transform(similarity_transform(points, common), points)
        draw_points(axes[1], shown(aligned), color="white", size=2)
    draw_points(axes[1], shown(common), color="red", size=6)
    for ax, (label, (image, moved)) in zip(axes[2:], outputs.items()):
        ax.imshow(_as_hwc(image))
        ax.set_title(label)
        draw_points(ax, moved, color="lime", size=3)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig
