"""Interactive explorer for the notebooks. Headless (papermill, ``SURVEY_HEADLESS=1``) it renders one static
figure with the default choices instead of widgets, so executed notebooks still show a result."""
from __future__ import annotations

from typing import Callable

from . import env

__all__ = ["is_headless", "explorer", "method_explorer"]


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


def method_explorer(contents: list[str], styles: list[str], methods: list, profile: str = "smoke"):
    """Pick a content, a style, a method and its weight; shows content, style and result side by side.

    ``methods``: names, or ``(name, settings)`` as :func:`survey_lib.evaluation.evaluate.evaluate` takes them (e.g.
    ``("adain", {"decoder": "optimised"})``). ``weight`` multiplies the method's main knob (1 = its default): the
    style weight of ``nst``/``foa_tps`` (10), AdaIN's content-style trade-off ``alpha`` (1, clipped to [0, 1]), the
    DST family's warp weight beta (0.5)."""
    import matplotlib.pyplot as plt

    from . import data
    from . import methods as m
    from .viz import image_grid

    specs = {}
    for spec in methods:
        name, settings = (spec, {}) if isinstance(spec, str) else (spec[0], dict(spec[1]))
        specs[name if not settings else f"{name} {settings}"] = (name, settings)
    knob = {label: m.get(name).knob for label, (name, _) in specs.items()}  # each method's main weight, default

    def render(content: str, style: str, method: str, weight: float):
        name, settings = specs[method]
        field, default = knob[method] or (None, 1.0)
        value = min(weight * default, 1.0) if field == "alpha" else weight * default
        kw = {**settings, **({field: value} if field else {})}
        res = m.run(name, content, style, profile=profile, show_progress=False, **kw)
        fig = image_grid([data.get(content, res.image.shape[-1]), data.get(style, res.image.shape[-1]), res.image],
                         ["content", "style", f"{res.label} ({res.timing['total_s']:.1f} s)"], size=3)
        plt.show()
        return fig

    return explorer(render, content=contents, style=styles, method=list(specs), weight=(1.0, 0.0, 4.0, 0.25))
