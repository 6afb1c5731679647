"""A browser over every evaluated run: pick a plan, sort its pairs by one method's metric, and see content, style and
every method's output (the committed thumbnails, :mod:`survey_lib.evaluation.thumbnails`) with the landmarks its
warp carried and its row of numbers. Headless (papermill, CI) it draws one static figure of the first pair.

>>> view = run_browser()                                             # doctest: +SKIP
>>> RunBrowser().pairs("geometry", metric="shape_progress", method="dst").head()   # doctest: +SKIP
"""
from __future__ import annotations

import io
from functools import lru_cache

import pandas as pd

__all__ = ["RunBrowser", "BrowserWidgets", "run_browser", "PLANS", "METRICS"]

#: the plans whose runs the notebooks read
PLANS = ("geometry", "finding1", "anime", "face_of_art")
#: the metrics a pair list can be sorted by, where a plan has them
METRICS = ("shape_progress", "identity_distance", "landmark_progress", "warp_progress", "own_target_progress",
           "face_area_spread", "folded_%")
_SHOWN = ("name", "seed", *METRICS, "total_s", "error")


class RunBrowser:
    """The committed runs of :data:`PLANS` (complete or partial tables), their thumbnails and carried landmarks."""

    def __init__(self, plans=PLANS, folder=None):
        self.plans, self.folder = tuple(plans), folder

    def table(self, plan: str) -> pd.DataFrame:
        """The plan's runs with a ``name`` column (the method as run, e.g. ``"adain (optimised decoding)"``)."""
        return _table(plan, self.folder)

    def metrics(self, plan: str) -> list[str]:
        """The :data:`METRICS` the plan measured."""
        table = self.table(plan)
        return [m for m in METRICS if m in table and table[m].notna().any()]

    def pairs(self, plan: str, *, metric: str, method: str, ascending: bool = True) -> pd.DataFrame:
        """Each pair of ``plan`` with ``method``'s ``metric`` (mean over seeds), sorted (worst first for a progress:
        ascending); pairs ``method`` did not measure come last. Columns ``content``, ``style``, ``metric``."""
        table = self.table(plan)
        pairs = table[["content", "style"]].drop_duplicates()
        ran = table[table["name"] == method].groupby(["content", "style"], sort=False)[metric].mean()
        out = pairs.merge(ran.rename("metric").reset_index(), on=["content", "style"], how="left")
        return out.sort_values("metric", ascending=ascending, na_position="last").reset_index(drop=True)

    def rows(self, plan: str, content: str, style: str) -> pd.DataFrame:
        """The runs of one pair, one row each, with the columns a reader compares."""
        table = self.table(plan)
        pair = table[(table["content"] == content) & (table["style"] == style)]
        shown = pair[[c for c in _SHOWN if c in pair]].reset_index(drop=True)
        if "error" in shown:  # the reason in a few words: a whole hint wraps its column into tall rows
            shown["error"] = shown["error"].map(_reason)
        return shown

    def panels(self, plan: str, content: str, style: str) -> list[tuple[str, bytes | None]]:
        """``(caption, PNG bytes)`` of content, style and each run of the pair (``None`` where no thumbnail was
        committed: a run that failed, or one whose output the store did not keep), at 128 px with landmarks."""
        from .evaluation.pairs import Pair
        from .evaluation.plans import working_size
        from .evaluation.thumbnails import THUMBNAIL_SIZE, load_thumbnail
        from .widgets import png_with_points

        table = self.table(plan)
        pair = Pair.resolve(content, style, size=working_size(plan, self.folder))
        scale = THUMBNAIL_SIZE / pair.size
        shown = [(content, png_with_points(_small(pair.content), _scaled(pair.landmarks("content"), scale), "#2ecc40")),
                 (style, png_with_points(_small(pair.style), _scaled(pair.landmarks("style"), scale), "#ff4136"))]
        points = _points(plan, self.folder)
        for _, run in table[(table["content"] == content) & (table["style"] == style)].iterrows():
            image = load_thumbnail(plan, run["key"], self.folder)
            carried = points.get(run["key"])
            shown.append((run["name"], None if image is None else png_with_points(
                image, None if carried is None else carried * scale, "#2ecc40")))
        return shown

    def level_rows(self, content: str, base: str, method, *, plan: str = "geometry",
                   families=None) -> tuple[list[dict], list[str]]:
        """The geometric benchmark over its levels, for :func:`survey_lib.viz.method_grid`: ``(rows, columns)``, one
        column per level, per family a row of ``base``'s styles (their exact landmarks in red) and, per method of
        ``method`` (a name, or several), a row of its committed outputs on ``content`` (thumbnails; in green the
        landmarks its warp carried, in red the style's exact landmarks placed on the photograph's face by a
        similarity, the shape to reach; the run's error where it produced nothing). Images at 128 px, points in
        their (x, y) pixels."""
        from .evaluation.pairs import Pair
        from .evaluation.plans import working_size

        methods = [method] if isinstance(method, str) else list(method)
        size = working_size(plan, self.folder)
        face = Pair.resolve(content, base, size=size).landmarks("content").double()
        table = self.table(plan)
        runs = table[(table["content"] == content) & table["name"].isin(methods) & (table["base_style"] == base)]
        points, rows = _points(plan, self.folder), []
        for family in families or sorted(runs["family"].unique()):
            styles = {"label": f"{base}\n{family}", "points": {}}
            rows.append(styles)
            for name in methods:
                outputs = {"label": f"{name}\non {content}", "notes": {}, "points": {}}
                for run in runs[(runs["family"] == family) & (runs["name"] == name)].itertuples():
                    column = f"gap {run.level:.2f}"
                    cells = _level_cells(run, face, size, points, plan, self.folder)
                    (styles[column], styles["points"][column]), (outputs[column], outputs["points"][column], note) = \
                        cells
                    if note:
                        outputs["notes"][column] = note
                rows.append(outputs)
        return rows, [f"gap {level:.2f}" for level in sorted(runs["level"].unique())]

    def figure(self, plan: str, content: str, style: str):
        """A static matplotlib figure of one pair: content, style and every run's output with landmarks."""
        import matplotlib.pyplot as plt
        from PIL import Image

        panels = self.panels(plan, content, style)
        ncols = min(6, len(panels))
        nrows = -(-len(panels) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(1.9 * ncols, 2.1 * nrows + 0.3), squeeze=False)
        for ax in axes.flat[len(panels):]:
            ax.axis("off")
        for ax, (title, png) in zip(axes.flat, panels):
            ax.axis("off")
            ax.set_title(title, fontsize=7)
            if png is not None:
                ax.imshow(Image.open(io.BytesIO(png)))
        fig.suptitle(f"plan {plan}: {content} / {style}", fontsize=9)
        fig.tight_layout()
        return fig


def run_browser(plans=PLANS, *, plan: str | None = None, metric: str = "shape_progress", method: str = "dst",
                folder=None):
    """Display the browser (widgets), or headless one static figure: the pair where ``method`` scores lowest on
    ``metric`` in ``plan`` (default the first of ``plans``). Returns the :class:`RunBrowser`."""
    from IPython.display import display

    from .widgets import is_headless

    view = RunBrowser(plans, folder)
    plan = plan or view.plans[0]
    if is_headless():
        import matplotlib.pyplot as plt

        metric = metric if metric in view.metrics(plan) else view.metrics(plan)[0]
        first = view.pairs(plan, metric=metric, method=method).iloc[0]
        fig = view.figure(plan, first["content"], first["style"])
        display(fig)
        plt.close(fig)
        display(view.rows(plan, first["content"], first["style"]).round(3))
    else:
        display(BrowserWidgets(view, plan, metric, method).box)
    return view


class BrowserWidgets:
    """The widgets of a :class:`RunBrowser`: plan, the measure and the method to sort by, the pair, its pictures and
    its numbers."""

    def __init__(self, view: RunBrowser, plan: str, metric: str, method: str):
        import ipywidgets as w

        self.view = view
        self.plan = w.Dropdown(options=list(view.plans), value=plan, description="plan")
        self.metric = w.Dropdown(description="sort by")
        self.method = w.Dropdown(description="of")
        self.pair = w.Dropdown(description="pair", layout=w.Layout(width="560px"))
        self.images = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.numbers = w.HTML(layout=w.Layout(width="100%"))
        self.plan.observe(lambda _: self._plan_changed(), names="value")
        for control in (self.metric, self.method):
            control.observe(lambda _: self._sort(), names="value")
        self.pair.observe(lambda _: self._show(), names="value")
        self.box = w.VBox([w.HBox([self.plan, self.metric, self.method]), self.pair, self.images, self.numbers])
        self.box.add_class("survey-run-browser")
        self._plan_changed(metric, method)

    def _plan_changed(self, metric=None, method=None):
        metric, method = metric or self.metric.value, method or self.method.value  # kept where the plan has them
        plan = self.plan.value
        metrics, names = self.view.metrics(plan), sorted(set(self.view.table(plan)["name"]))
        self.metric.options, self.method.options = metrics, names
        self.metric.value = metric if metric in metrics else metrics[0]
        self.method.value = method if method in names else names[0]
        self._sort()

    def _sort(self):
        if self.metric.value is None or self.method.value is None:
            return
        pairs = self.view.pairs(self.plan.value, metric=self.metric.value, method=self.method.value)
        self._quiet = True  # one drawing per choice, not one per option change
        self.pair.options = [(f"{r.content} / {r.style}: {r.metric:.3f}" if r.metric == r.metric else
                              f"{r.content} / {r.style}: not measured", (r.content, r.style))
                             for r in pairs.itertuples()]
        self.pair.index = 0 if len(pairs) else None
        self._quiet = False
        self._show()

    def _show(self):
        import ipywidgets as w

        if self.pair.value is None or getattr(self, "_quiet", False):
            return
        content, style = self.pair.value
        boxes = []
        size = "128px"  # the thumbnails' own size: every picture drawn alike, none shrunk by the row
        for title, png in self.view.panels(self.plan.value, content, style):
            picture = (w.Image(value=png, format="png", layout=w.Layout(width=size, min_width=size))
                       if png is not None else w.HTML("<i>no output</i>", layout=w.Layout(width=size)))
            caption = w.HTML(f"<div style='font-size:11px;line-height:1.2'><b>{title}</b></div>",
                             layout=w.Layout(width=size, min_height="30px"))
            boxes.append(w.VBox([caption, picture], layout=w.Layout(width="136px")))
        self.images.children = boxes
        table = self.view.rows(self.plan.value, content, style).round(3).to_html(index=False)
        # a wide row of numbers scrolls inside the notebook's width instead of running past it, each cell on one line
        # (squeezed, a reason or a method's label would wrap word by word into rows a screen tall)
        self.numbers.value = ("<style>.survey-run-browser .widget-html-content{min-width:0;max-width:100%}"
                              ".survey-run-browser td,.survey-run-browser th{white-space:nowrap}</style>"
                              f"<div style='overflow-x:auto;max-width:100%'>{table}</div>")


@lru_cache(maxsize=8)
def _table(plan: str, folder) -> pd.DataFrame:
    from .evaluation.plans import read_plan_so_far
    from .evaluation.tables import run_names

    table, _ = read_plan_so_far(plan, folder)
    table = table.copy()
    table["name"] = run_names(table)
    return table


@lru_cache(maxsize=8)
def _points(plan: str, folder) -> dict:
    """Per run key, the ``(68, 2)`` content landmarks its warp carried (the plan's ``_points`` table)."""
    from .evaluation.plans import read_geometry_so_far
    from .evaluation.shape_metrics import carried_landmarks

    points = read_geometry_so_far(plan, "points", folder)
    if points is None:
        return {}
    return {key: carried_landmarks(g) for key, g in points.groupby("key", sort=False)}


def _level_cells(run, face, size: int, points: dict, plan: str, folder):
    """One benchmark run as two grid cells at 128 px: ``(style image, its exact landmarks)`` and ``(output thumbnail or
    a blank cell, [the style's landmarks similarity-placed on ``face``, the carried landmarks], the reason it made
    nothing or "")``; points as ``(points, draw settings)``."""
    import textwrap

    import torch

    from .evaluation.geometric_styles import style as build_style
    from .evaluation.thumbnails import THUMBNAIL_SIZE, load_thumbnail
    from .geometry.landmarks import apply_transform, similarity_transform

    red, green = {"color": "#ff4136", "size": 2}, {"color": "#2ecc40", "size": 2}
    scale = THUMBNAIL_SIZE / size
    style = build_style(run.style)
    exact = style.landmarks.double()
    placed = apply_transform(similarity_transform(exact, face), exact)
    carried = points.get(run.key)
    marks = [(placed * scale, red)] + ([] if carried is None else [(carried * scale, green)])
    image, note = load_thumbnail(plan, run.key, folder), ""
    if image is None:  # a blank face-sized cell with the reason
        image = torch.full((1, 3, THUMBNAIL_SIZE, THUMBNAIL_SIZE), 0.93)
        note = textwrap.fill(_reason(run.error) or "no output kept", 22)
    return (_small(style.image), [(exact * scale, red)]), (image, marks, note)


def _reason(error: str) -> str:
    """A run's error as its reason alone: the first clause, without the quoted image and method names (the row says
    which), e.g. ``"dlib and AnimeFace found no face in the style image"``; ``""`` stays ``""``."""
    import re

    return re.sub(r" '[^']*'", "", str(error).split(";")[0])


def _small(image):
    from .evaluation.thumbnails import THUMBNAIL_SIZE
    from .images import resize

    return resize(image, THUMBNAIL_SIZE)


def _scaled(points, scale: float):
    return None if points is None else points * scale
