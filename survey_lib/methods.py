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
from dataclasses import dataclass, field, fields
from typing import Callable

import torch

from .images import ImageLike
from .metrics import points_through_warp
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
        extras: method details. Warping methods: ``targets`` (the similarity-aligned style points, ``(K, 2)`` at
            the working size), ``sampling_map`` (the applied backward map, ``(H, W, 2)``), ``carried`` (where that
            map puts the content points, read off it with :func:`survey_lib.metrics.points_through_warp`) and
            ``moved`` (the DST optimiser's keypoints; for ``foa_tps`` the same as ``carried``); ``match``
            (where the correspondences came from).
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

    @property
    def label(self) -> str:
        """The method's name for figure titles; AdaIN's says which decoder ran, e.g. ``"adain (project decoder)"``,
        FastDST which detector gave the style's landmarks when it was not dlib, ``"fastdst (AnimeFace)"``."""
        if "decoder" in self.config:
            return f"{self.method} ({self.config['decoder']} decoder)"
        if self.extras.get("match", {}).get("style_detector") == "animeface":
            return f"{self.method} (AnimeFace)"
        return self.method


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
    for key in ("content_landmarks", "style_landmarks"):
        if overrides.get(key) is not None and method not in LANDMARK_METHODS:
            hint = " (fastdst detects them; use oneshot_foa to supply them)" if method == "fastdst" else ""
            raise ValueError(f"{key} applies to {' and '.join(LANDMARK_METHODS)}, not to {method}{hint}")
    prof = get_profile(profile)
    for role, img in (("content", content), ("style", style)):
        _check_image(img, role, prof.size)
    return _REGISTRY[method](content, style, prof, **overrides)


#: methods that take landmark files (``content_landmarks=``, ``style_landmarks=``)
LANDMARK_METHODS = ("oneshot_foa", "foa_tps")


def _check_image(src: ImageLike, role: str, size: int) -> None:
    """Before any work: the image exists and decodes (:class:`ImageError` / ``UnknownImageError`` name it); a
    non-square image is centre-cropped, and the user is told so."""
    import warnings

    from .images import to_tensor
    from .utils import SurveyWarning

    h, w = to_tensor(resolve_image(src)).shape[-2:]
    if h != w:
        label = src if isinstance(src, (str, os.PathLike)) else f"the {role} image"
        side = min(h, w)
        warnings.warn(f"{label} is {w}x{h}: its centre {side}x{side} square is used (resized to {size} px)",
                      SurveyWarning, stacklevel=3)


@register("nst")
def _run_nst(content: ImageLike, style: ImageLike, profile: Profile, *, device="auto", show_progress=True,
             **overrides) -> MethodResult:
    from .nst import NSTConfig, stylize

    cfg = NSTConfig(size=profile.size, steps=profile.nst_steps, optimizer=profile.nst_optimizer)
    res = stylize(resolve_image(content), resolve_image(style), cfg, device=device, show_progress=show_progress,
                  **overrides)
    return MethodResult(method="nst", image=res.image, points=None, history=res.history,
                        timing={"matching_s": 0.0, "optimisation_s": res.seconds, "total_s": res.seconds},
                        steps=res.steps, profile=profile.name, config=res.config)


def resolve_image(src: ImageLike) -> ImageLike:
    """Catalogue names are accepted wherever an image is: ``run("nst", "astronaut", "starry_night")``."""
    if _catalogue_name(src) is not None:
        from . import data

        return data.path(src)
    return src


def _catalogue_name(src) -> str | None:
    """``src`` when it names a catalogue image: a plain word (no folder, no suffix) that is not an existing file."""
    if isinstance(src, str) and "/" not in src and os.sep not in src and "." not in src and not os.path.isfile(src):
        return src
    return None


def _landmark_points(src, role: str, given, size: int) -> tuple[torch.Tensor, str] | None:
    """Landmarks at ``size``: a given tensor/file (assumed in the frame of the image as given), else the
    catalogue's landmark file of a named image, else ``None`` (the caller falls back to dlib)."""
    from . import data
    from .images import resize_points, to_tensor
    from .landmarks import LandmarkFileError, load_landmarks

    if given is not None:
        pts = given.float() if isinstance(given, torch.Tensor) else load_landmarks(given)
        h, w = to_tensor(resolve_image(src)).shape[-2:]
        tol = 0.02 * max(h, w)
        outside = (pts[:, 0] < -tol) | (pts[:, 0] > w - 1 + tol) | (pts[:, 1] < -tol) | (pts[:, 1] > h - 1 + tol)
        if outside.any():
            what = f"'{given}'" if not isinstance(given, torch.Tensor) else f"the given {role}_landmarks"
            i = int(outside.nonzero()[0])
            raise LandmarkFileError(f"{what}: {int(outside.sum())} of {len(pts)} points lie outside the {role} image "
                                    f"({w}x{h} px), e.g. point {i} at ({pts[i, 0]:.0f}, {pts[i, 1]:.0f}); landmarks "
                                    "are (x, y) pixels of the image as given")
        return resize_points(pts, (h, w), size), f"{role}: given"
    name = _catalogue_name(src)
    if name is not None and data.entry(name).landmarks:
        return data.landmarks(name, size), f"{role}: {data.entry(name).landmark_source.split(':')[0]}"
    return None


#: largest side at which landmarks are detected; bigger images are shrunk to it (dlib's time grows with the area)
MAX_DETECT_SIDE = 1024


def _detection_image(src, profile: Profile) -> torch.Tensor:
    """The centre square of ``src`` at the side landmarks are detected at: its own, raised to
    ``profile.match_size`` for small images (dlib misses faces under ~80 px) and capped at :data:`MAX_DETECT_SIDE`."""
    from .images import center_crop, load_image, resize

    img = center_crop(load_image(resolve_image(src)))
    side = min(max(img.shape[-1], profile.match_size), MAX_DETECT_SIDE)
    return img if side == img.shape[-1] else resize(img, side)


def _match(kind: str, content, style, profile: Profile, *, content_landmarks=None, style_landmarks=None,
           device="auto", style_detector: str = "auto"):
    """Correspondences at ``profile.size``; returns (src, dst, seconds, info).

    NBB runs at ``profile.match_size``; landmark detectors (dlib, AnimeFace) at each image's own resolution (see
    :func:`_detection_image`), so a face that fills few pixels of the working size is still found, and the points
    are scaled to the working size afterwards."""
    import time

    from .images import load_image, resize_points
    from .matchers import FastDSTMatcher, LandmarkMatcher, NBBMatcher
    from .warp import dedupe_pairs

    t0 = time.perf_counter()
    found, kwargs = {}, {}
    if kind == "nbb":
        c_img, s_img = (load_image(resolve_image(img), profile.match_size) for img in (content, style))
        matcher = NBBMatcher(device=device)
    elif kind == "fastdst":
        c_img, s_img = (_detection_image(img, profile) for img in (content, style))
        matcher = FastDSTMatcher(style_detector)
        kwargs["names"] = {role: str(img) for role, img in (("content", content), ("style", style))
                           if isinstance(img, (str, os.PathLike))}
    else:  # landmark files (catalogue or given), dlib where there are none
        c_img, s_img = (_detection_image(img, profile) for img in (content, style))
        found = {role: _landmark_points(img, role, given, side) for role, img, given, side in
                 (("content", content, content_landmarks, c_img.shape[-1]),
                  ("style", style, style_landmarks, s_img.shape[-1]))}
        matcher = LandmarkMatcher(*(f[0] if f else None for f in found.values()))
    corr = matcher(c_img, s_img, **kwargs)
    src, dst, info = corr.src, corr.dst, dict(corr.info)
    info.update({f"{role}_source": f[1] for role, f in found.items() if f})
    info["detect_sides"] = (c_img.shape[-1], s_img.shape[-1])
    src = resize_points(src, tuple(c_img.shape[-2:]), profile.size)
    dst = resize_points(dst, tuple(s_img.shape[-2:]), profile.size)
    keep = dedupe_pairs(src, dst, min_distance=0.5)
    info["dropped_coincident"] = int((~keep).sum())
    return src[keep], dst[keep], time.perf_counter() - t0, info


def _run_dst(matcher: str, name: str):
    def runner(content, style, profile: Profile, *, device="auto", show_progress=True, content_landmarks=None,
               style_landmarks=None, style_detector: str | None = None, **overrides) -> MethodResult:
        from .dst import DSTConfig, deformable_style_transfer

        if style_detector is not None and name != "fastdst":
            raise ValueError(f"style_detector is an option of fastdst, not of {name}")
        src, dst, match_s, info = _match(matcher, content, style, profile, content_landmarks=content_landmarks,
                                         style_landmarks=style_landmarks, device=device,
                                         style_detector=style_detector or "auto")
        settings = {f.name for f in fields(DSTConfig)}
        given = {k: overrides.pop(k) for k in list(overrides) if k in settings}
        cfg = DSTConfig(**{"size": profile.size, "scales": profile.dst_scales,
                           "steps_per_scale": profile.dst_steps_per_scale, "n_samples": profile.dst_samples,
                           "n_style_samples": profile.dst_style_samples, **given})
        if "theta_lr" not in given:
            cfg.theta_lr *= profile.dst_theta_lr_scale
        res = deformable_style_transfer(resolve_image(content), resolve_image(style), src, dst, cfg, device=device,
                                        show_progress=show_progress, **overrides)
        return MethodResult(method=name, image=res.image, points=(src, dst), history=res.history,
                            timing={"matching_s": match_s, "optimisation_s": res.seconds,
                                    "total_s": match_s + res.seconds},
                            steps=res.steps, profile=profile.name, config=res.config,
                            extras={"targets": res.targets, "moved": res.moved, "theta": res.theta,
                                    "carried": points_through_warp(res.sampling_map, src),
                                    "unwarped": res.unwarped, "sampling_map": res.sampling_map, "match": info})

    return runner


register("dst")(_run_dst("nbb", "dst"))
register("fastdst")(_run_dst("fastdst", "fastdst"))
register("oneshot_foa")(_run_dst("landmarks", "oneshot_foa"))


@register("foa_tps")
def _run_foa_tps(content, style, profile: Profile, *, device="auto", show_progress=True, content_landmarks=None,
                 style_landmarks=None, anchors: int = 5, **overrides) -> MethodResult:
    """Face-of-Art style pipeline: landmarks -> TPS warp of the content onto the (similarity-aligned) style
    landmarks -> Gatys NST of the warped content."""
    from .dst import warp_targets
    from .images import load_image
    from .nst import NSTConfig, stylize
    from .utils import Timer
    from .warp import sampling_map, grid_sample_xy

    src, dst, match_s, info = _match("landmarks", content, style, profile, content_landmarks=content_landmarks,
                                     style_landmarks=style_landmarks, device=device)
    with Timer() as t_warp:
        targets = warp_targets(src, dst, profile.size)
        c_img = load_image(resolve_image(content), profile.size)
        pos = sampling_map(src, targets, (profile.size, profile.size), anchors=anchors)
        warped = grid_sample_xy(c_img, pos)
        carried = points_through_warp(pos, src)  # measured on the applied map, not copied from the targets
    cfg = NSTConfig(size=profile.size, steps=profile.nst_steps, optimizer=profile.nst_optimizer)
    res = stylize(warped, resolve_image(style), cfg, device=device, show_progress=show_progress, **overrides)
    return MethodResult(method="foa_tps", image=res.image, points=(src, dst), history=res.history,
                        timing={"matching_s": match_s + t_warp.seconds, "optimisation_s": res.seconds,
                                "total_s": match_s + t_warp.seconds + res.seconds},
                        steps=res.steps, profile=profile.name, config=res.config,
                        extras={"targets": targets, "moved": carried, "carried": carried, "warped_content": warped,
                                "sampling_map": pos, "match": info})


_ADAIN_CACHE: dict = {}


@register("adain")
def _run_adain(content, style, profile: Profile, *, device="auto", seed: int = 0, alpha: float = 1.0,
               preserve_color: bool = False,
               decoder: str = "auto", vgg_path=None, decoder_path=None, show_progress=True,
               **overrides) -> MethodResult:
    """Feed-forward AdaIN. ``decoder="project"`` (shipped, trained here), ``"published"`` (the authors' files:
    ``vgg_path``/``decoder_path``, or the cached release, downloaded where allowed) or ``"auto"`` (published on
    Colab, with ``SURVEY_ALLOW_DOWNLOAD=1`` or when cached; else project). ``config["decoder"]`` says which ran.
    AdaIN is deterministic; ``seed`` is accepted so every method takes the same arguments."""
    from .adain import fetch_published, load_project, load_published, resolve_decoder
    from .utils import Timer

    if overrides:
        raise TypeError(f"adain does not take {sorted(overrides)}")
    decoder = "published" if vgg_path is not None else resolve_decoder(decoder)
    if decoder == "published" and vgg_path is None and decoder_path is None:
        vgg_path, decoder_path = fetch_published()
    key = (decoder, str(vgg_path), str(decoder_path), str(device))
    if key not in _ADAIN_CACHE:
        _ADAIN_CACHE[key] = (load_published(vgg_path, decoder_path, device=device) if decoder == "published"
                             else load_project(decoder_path, device=device))
    model = _ADAIN_CACHE[key]
    with Timer(model.device) as t:
        img = model.stylize(resolve_image(content), resolve_image(style), alpha=alpha, size=profile.size,
                            preserve_color=preserve_color)
    return MethodResult(method="adain", image=img, points=None, history={},
                        timing={"matching_s": 0.0, "optimisation_s": t.seconds, "total_s": t.seconds}, steps=0,
                        profile=profile.name, config={"decoder": model.source, "alpha": alpha,
                                                      "preserve_color": preserve_color})
