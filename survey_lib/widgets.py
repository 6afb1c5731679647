"""Interactive explorer for the notebooks. Headless (papermill, ``SURVEY_HEADLESS=1``) it renders one static
figure with the default choices instead of widgets, so executed notebooks still show a result."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import env

__all__ = ["is_headless", "explorer", "method_explorer", "MethodExplorer", "ExplorerWidgets", "LIVE", "png_with_points"]


def is_headless() -> bool:
    """True under papermill/CI (``SURVEY_HEADLESS=1``) or when ipywidgets is missing."""
    if env.headless():
        return True
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return True
    return False


def explorer(render: Callable[..., object], **controls):
    """``render(**choice)`` for the first value of every control when headless, else ``ipywidgets.interact``.

    ``controls`` map a name to a list of options (dropdown, the first is the default) or a
    ``(default, min, max, step)`` tuple (slider)."""
    defaults = {k: v[0] for k, v in controls.items()}
    if is_headless():
        return render(**defaults)
    import ipywidgets as w

    widgets = {}
    for k, v in controls.items():
        if isinstance(v, list):
            widgets[k] = w.Dropdown(options=v, value=v[0], description=k)
        else:
            default, lo, hi, step = v
            widgets[k] = (w.IntSlider if all(isinstance(x, int) for x in v) else w.FloatSlider)(
                min=lo, max=hi, step=step, value=default, description=k)
    return w.interact_manual(render, **widgets)


#: feed-forward methods the explorer runs on every change (about a second); the rest wait for the Run button
LIVE = ("foa_fast", "ghiasi", "adain")


def method_explorer(contents=None, styles=None, methods=None, *, profile="default", upload_dir=None):
    """The interactive explorer (:class:`MethodExplorer`), displayed: pick or upload a content and a style, a method
    and its main weight; content, style and result are shown at the profile's working size with their landmarks and
    the result's numbers. Headless (papermill, CI) it draws one static figure of the first choices instead.
    Returns the :class:`MethodExplorer` (its ``result``, ``error`` and ``figure()`` for code)."""
    from IPython.display import display

    view = MethodExplorer(contents, styles, methods, profile=profile, upload_dir=upload_dir)
    if is_headless():
        import matplotlib.pyplot as plt

        view.run()
        fig = view.figure()
        display(fig)  # drawn once: the figure is closed so the notebook's backend does not draw it again
        plt.close(fig)
    else:
        display(view.widget())
    return view


class MethodExplorer:
    """State and computation of the explorer, apart from its widgets (so code and tests can drive it).

    Args:
        contents, styles: catalogue names or paths offered first (default: the catalogue's photographs / styles);
            the rest of the catalogue follows, and uploaded files are added.
        methods: names, or ``(name, settings)`` (e.g. ``("adain", {"decoder": "optimised"})``); default every
            registered method, ``foa_fast`` first (the live preview).
        profile: the working size and step counts (the notebook's ``PROFILE``).
        upload_dir: where uploaded files are written (default a new temporary folder: nothing in the checkout).
    """

    def __init__(self, contents=None, styles=None, methods=None, *, profile="default", upload_dir=None):
        from . import data
        from . import methods as m
        from .profiles import get_profile

        self.profile = get_profile(profile)
        self.contents = _with_rest(contents, [e.name for e in data.list_images(role="content")])
        self.styles = _with_rest(styles, [e.name for e in data.list_images(role="style")])
        given = [(x, {}) if isinstance(x, str) else (x[0], dict(x[1])) for x in (methods or [])]
        rest = [(n, {}) for n in ["foa_fast", *m.available()] if all(n != g[0] or g[1] for g in given)]
        self.methods = {}
        for name, settings in given + rest:
            self.methods.setdefault(name if not settings else f"{name} {settings}", (name, settings))
        self.upload_dir = Path(upload_dir) if upload_dir else None
        live = sorted((label for label, spec in self.methods.items() if _is_live(*spec)),
                      key=lambda label: label != "foa_fast")  # geometry and texture in a second, when registered
        self.choice = {"content": self.contents[0], "style": self.styles[0],
                       "method": (live or list(self.methods))[0], "weight": 1.0}
        self.result = self.pair = self.scores = None
        self.error = ""

    # ------------------------------------------------------------------------------------------ computing
    def upload(self, name: str, content: bytes, role: str) -> str:
        """Keep an uploaded file (``role``: ``"content"`` or ``"style"``) and choose it; returns its path."""
        import tempfile

        folder = self.upload_dir or Path(tempfile.mkdtemp(prefix="survey_upload_"))
        self.upload_dir = folder
        path = folder / Path(name).name
        path.write_bytes(bytes(content))
        options = self.contents if role == "content" else self.styles
        if str(path) not in options:
            options.insert(0, str(path))
        self.choice[role] = str(path)
        return str(path)

    def set_profile(self, profile) -> None:
        """Work at another profile's size and step counts (the explorer's quality choice)."""
        from .profiles import get_profile

        self.profile = get_profile(profile)

    def expected(self, method: str | None = None) -> str:
        """What a run of ``method`` (default the chosen one) is expected to take, as a short text."""
        name, settings = self.methods[method or self.choice["method"]]
        if _is_live(name, settings):
            return "live preview (about a second)"
        seconds = _table1_seconds().get(name)
        if seconds is None or self.profile.name != "default":
            return f"press Run ({self.profile.name} profile, {self.profile.size} px)"
        return f"press Run: about {seconds:.0f} s at {self.profile.size} px on 2 cores (Table 1)"

    def run(self, *, show_progress: bool = False, **choice):
        """Compute the result of the current choice (updated by ``choice``: content, style, method, weight);
        a bad file, a face no detector finds or a bad setting is kept as one line in :attr:`error`."""
        from . import methods as m
        from .evaluation.shape_metrics import identity, warp_shape
        from .geometry.landmarks import LandmarkFileError, NoFaceFound
        from .images import ImageError

        self.choice.update(choice)
        name, settings = self.methods[self.choice["method"]]
        spec = m.get(name)
        field, default = spec.knob or (None, 1.0)
        weight = float(self.choice["weight"])
        value = min(weight * default, 1.0) if field == "alpha" else weight * default
        self.result = self.scores = None
        try:
            _, cfg, self.pair = m.prepare(name, self.choice["content"], self.choice["style"], profile=self.profile,
                                          **{**settings, **({field: value} if field else {})})
            self.result = spec(self.pair, cfg, show_progress=show_progress)
        except (NoFaceFound, ImageError, LandmarkFileError, ValueError, TypeError) as exc:
            self.error = str(exc).strip().splitlines()[0]
            return None
        self.error = ""
        self.scores = {"seconds": self.result.timing.total_s, **warp_shape(self.pair, self.result),
                       **identity(self.pair, self.result)}
        return self.result

    # ------------------------------------------------------------------------------------------- drawing
    def panels(self) -> list[tuple[str, bytes]]:
        """``(caption, PNG bytes)`` of content, style and result at the working size, landmarks drawn (content's
        green, style's red; on the result, the content's landmarks where the applied warp carried them)."""
        pair, res = self.pair, self.result
        content_pts, style_pts = pair.landmarks("content"), pair.landmarks("style")
        shown = res.carried if res.carried is not None else (content_pts if res.warp is None else None)
        return [("content", png_with_points(pair.content, content_pts, "#2ecc40")),
                ("style", png_with_points(pair.style, style_pts, "#ff4136")),
                (res.label, png_with_points(res.image, shown, "#2ecc40"))]

    def caption(self) -> str:
        """The result's numbers in one line."""
        if self.error:
            return self.error
        if self.scores is None:
            return ""
        s = self.scores
        content, style = (Path(self.choice[r]).name for r in ("content", "style"))
        parts = [f"{self.result.label} on {content} / {style}: {s['seconds']:.1f} s"]
        if s["shape_progress"] == s["shape_progress"]:
            parts.append(f"shape progress {s['shape_progress']:.2f} (1 = the style's shape, similarity removed)")
        if s["identity_distance"] == s["identity_distance"]:
            parts.append(f"identity distance {s['identity_distance']:.2f} (same person below 0.6)")
        else:
            parts.append("identity: dlib finds no face on the output")
        return "; ".join(parts)

    def figure(self):
        """A static matplotlib figure of the current result (or the error as its title)."""
        import io

        import matplotlib.pyplot as plt
        from PIL import Image

        fig, axes = plt.subplots(1, 3, figsize=(9, 3.4), squeeze=False)
        for ax in axes[0]:
            ax.axis("off")
        if self.result is not None:
            for ax, (title, png) in zip(axes[0], self.panels()):
                ax.imshow(Image.open(io.BytesIO(png)))
                ax.set_title(title, fontsize=9)
        fig.suptitle(self.caption(), fontsize=8, wrap=True)
        fig.tight_layout()
        return fig

    def widget(self):
        """The ipywidgets box: choices, uploads, Run button, the three images and the numbers."""
        return ExplorerWidgets(self).box


class ExplorerWidgets:
    """The widgets of a :class:`MethodExplorer`: content and style (catalogue or upload), method, weight and quality
    (a profile: its size and steps, starting at the notebook's); live methods rerun on every change, the others on
    Run, with a progress bar."""

    def __init__(self, view: MethodExplorer):
        import ipywidgets as w

        from .profiles import PROFILES

        self.view = view
        layout = w.Layout(width="auto")
        self.content = w.Dropdown(options=_labelled(view.contents), value=view.choice["content"],
                                  description="content")
        self.style = w.Dropdown(options=_labelled(view.styles), value=view.choice["style"], description="style")
        self.method = w.Dropdown(options=list(view.methods), value=view.choice["method"], description="method")
        self.weight = w.FloatSlider(value=1.0, min=0.0, max=4.0, step=0.25, description="weight")
        self.quality = w.Dropdown(options=[(f"{p.name}: {p.size} px", p.name) for p in PROFILES.values()],
                                  value=view.profile.name if view.profile.name in PROFILES else "default",
                                  description="quality")
        self.uploads = {role: w.FileUpload(accept="image/*", multiple=False, description=f"upload {role}")
                        for role in ("content", "style")}
        self.button = w.Button(description="Run", button_style="primary")
        self.status = w.HTML(layout=layout)
        self.images = [w.Image(format="png", layout=w.Layout(width=f"{view.profile.size}px")) for _ in range(3)]
        self.titles = [w.HTML() for _ in range(3)]
        self.progress = w.Output()
        for control in (self.content, self.style, self.method, self.weight, self.quality):
            control.observe(self._changed, names="value")
        for role, up in self.uploads.items():
            up.observe(lambda change, role=role: self._uploaded(change, role), names="value")
        self.button.on_click(lambda _: self._run())
        columns = [w.VBox([t, i]) for t, i in zip(self.titles, self.images)]
        self.box = w.VBox([w.HBox([self.content, self.uploads["content"]]), w.HBox([self.style, self.uploads["style"]]),
                           w.HBox([self.method, self.weight]), w.HBox([self.quality, self.button]), self.status,
                           self.progress,
                           w.HBox(columns)])
        self.box.add_class("survey-explorer")  # for a page (or a test) to find it
        self._changed()

    def _uploaded(self, change, role):
        for item in change["new"]:
            path = self.view.upload(item["name"], item["content"], role)
            control = self.content if role == "content" else self.style
            control.options = _labelled(self.view.contents if role == "content" else self.view.styles)
            control.value = path

    def _changed(self, *_):
        self.view.set_profile(self.quality.value)
        for image in self.images:
            image.layout.width = f"{self.view.profile.size}px"
        if _is_live(*self.view.methods[self.method.value]):
            self._run()
        else:
            self.status.value = self.view.expected(self.method.value)

    def _run(self):
        self.status.value = "running..."
        self.progress.clear_output()
        with self.progress:
            self.view.run(content=self.content.value, style=self.style.value, method=self.method.value,
                          weight=self.weight.value, show_progress=True)
        self.progress.clear_output()
        self.status.value = self.view.caption()
        if self.view.result is not None:
            for image, title, (caption, png) in zip(self.images, self.titles, self.view.panels()):
                image.value, title.value = png, f"<b>{caption}</b>"


def _is_live(name: str, settings: dict) -> bool:
    """A feed-forward choice, fast enough to rerun on every change (AdaIN's optimised decoding is not)."""
    return name in LIVE and settings.get("decoder") != "optimised"


def _labelled(options: list[str]) -> list[tuple[str, str]]:
    """Dropdown entries: catalogue names as they are, a file by its name."""
    return [(Path(x).name + " (file)" if ("/" in x or "\\" in x) else x, x) for x in options]


def _with_rest(first, everything: list[str]) -> list[str]:
    first = [str(x) for x in (first or [])]
    return first + [x for x in everything if x not in first]


def png_with_points(image, points, colour: str) -> bytes:
    """PNG bytes of a ``(1, 3, H, W)`` image with ``points`` ``(K, 2)`` (x, y) drawn as dots (``None``: none)."""
    import io

    from PIL import ImageDraw

    from .images import to_pil

    pil = to_pil(image)
    if points is not None:
        draw = ImageDraw.Draw(pil)
        r = max(1.0, pil.width / 160)
        for x, y in points.tolist():
            if x == x and y == y:
                draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return buf.getvalue()


def _table1_seconds() -> dict[str, float]:
    """Median seconds per method in the committed Table 1 (default profile, 2 cores); empty when absent."""
    from .evaluation.plans import read_plan

    table = read_plan("table1")
    if table is None:
        return {}
    plain = table[table["settings"].fillna("{}") == "{}"]
    return plain.groupby("method")["total_s"].median().to_dict()
