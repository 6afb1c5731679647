"""One entry point for every method of the survey: ``run(method, content, style, profile=...)``.

Each method returns a :class:`MethodResult` carrying the output image, the correspondence points used
(if any), the loss history and a timing split (matching vs optimisation seconds): Table 1 and every
figure are built from these.

>>> from survey_lib import methods
>>> res = methods.run("nst", "astronaut", "starry_night", profile="smoke")   # catalogue names or paths
>>> res.image.shape, res.timing["optimisation_s"]                     # doctest: +SKIP
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import torch

from .images import ImageLike
from .profiles import Profile, get_profile

__all__ = ["MethodResult", "register", "run", "available", "resolve_image"]


@dataclass
class MethodResult:
    """Uniform result of :func:`run`.

    Attributes:
        method: registered name.
        image: output, ``(1, 3, H, W)`` in [0, 1] on the CPU.
        points: ``(src, dst)`` correspondences as ``(K, 2)`` float tensors of (x, y) pixels, or ``None``.
        history: loss curves by name.
        timing: ``{"matching_s", "optimisation_s", "total_s"}``.
        steps: optimisation steps (0 for feed-forward methods).
        profile: profile name; ``config``: the method's full settings.
    """

    method: str
    image: torch.Tensor
    points: tuple[torch.Tensor, torch.Tensor] | None
    history: dict[str, list[float]]
    timing: dict[str, float]
    steps: int
    profile: str
    config: dict = field(default_factory=dict)
    extras: dict = field(default_factory=dict)


_Runner = Callable[..., MethodResult]
_REGISTRY: dict[str, _Runner] = {}


def register(name: str) -> Callable[[_Runner], _Runner]:
    """Decorator that registers ``fn(content, style, profile: Profile, **overrides) -> MethodResult``."""

    def deco(fn: _Runner) -> _Runner:
        _REGISTRY[name] = fn
        return fn

    return deco


def available() -> list[str]:
    """Names accepted by :func:`run`."""
    return sorted(_REGISTRY)


def run(method: str, content: ImageLike, style: ImageLike, *, profile: str | Profile = "default",
        **overrides) -> MethodResult:
    """Run ``method`` on one content/style pair with the sizes and step counts of ``profile``.

    ``overrides`` replace single settings of the method (e.g. ``steps=50``, ``seed=1``, ``device="cpu"``).
    """
    if method not in _REGISTRY:
        raise ValueError(f"unknown method {method!r}; available: {', '.join(available())}")
    return _REGISTRY[method](resolve_image(content), resolve_image(style), get_profile(profile), **overrides)


@register("nst")
def _run_nst(content: ImageLike, style: ImageLike, profile: Profile, *, device="auto", show_progress=True,
             **overrides) -> MethodResult:
    from .nst import NSTConfig, stylize

    cfg = NSTConfig(size=profile.size, steps=profile.nst_steps, optimizer=profile.nst_optimizer)
    res = stylize(content, style, cfg, device=device, show_progress=show_progress, **overrides)
    return MethodResult(method="nst", image=res.image, points=None, history=res.history,
                        timing={"matching_s": 0.0, "optimisation_s": res.seconds, "total_s": res.seconds},
                        steps=res.steps, profile=profile.name, config=res.config)


def resolve_image(src: ImageLike) -> ImageLike:
    """Catalogue names are accepted wherever an image is: ``run("nst", "astronaut", "starry_night")``."""
    if isinstance(src, str) and "/" not in src and os.sep not in src and "." not in src:
        from . import data

        return data.path(src)
    return src
