"""What every method shares: the typed :class:`Result`, the :class:`Method` interface and its registry,
:func:`run`, and the correspondence set-up (:func:`match`, :func:`landmark_half`).

The data flow of one run and an example are in :mod:`survey_lib.methods`; the registry refuses a second method of
the same name.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import ClassVar

import torch

from ..evaluation.pairs import Pair
from ..geometry.matchers import Correspondences
from ..images import ImageLike
from ..profiles import Profile, get_profile

__all__ = ["Timing", "Result", "MethodResult", "Method", "register", "get", "prepare", "run", "available",
           "match", "LANDMARK_METHODS", "KEYPOINT_SUBSETS", "check_keypoints", "landmark_half"]


# ----------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Timing(Mapping):
    """Wall-clock seconds of one run: finding correspondences (and, for foa_tps, the TPS warp) and the
    optimisation or forward pass. It reads as a mapping too: ``timing["total_s"]``, ``dict(timing)``."""

    matching_s: float = 0.0
    optimisation_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.matching_s + self.optimisation_s

    def __getitem__(self, key: str) -> float:
        if key not in _TIMING_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(_TIMING_KEYS)

    def __len__(self) -> int:
        return len(_TIMING_KEYS)


_TIMING_KEYS = ("matching_s", "optimisation_s", "total_s")


@dataclass
class Result:
    """What one method made of one pair.

    Attributes:
        method: registered name; ``label``: the name for figure titles (AdaIN's says which decoder ran, FastDST's
            ``(AnimeFace)`` when AnimeFace gave the style's points).
        image: output, ``(1, 3, H, W)`` in [0, 1] on the CPU.
        correspondences: the content/style point pairs the method used, ``(K, 2)`` (x, y) at the working size, with
            ``info`` saying where they came from; ``None`` for NST and AdaIN.
        warp: the backward sampling map the method applied to its output, ``(H, W, 2)`` input (x, y) per output
            pixel; ``None`` where none was applied (NST, AdaIN: the identity).
        targets: ``(K, 2)`` the style points similarity-aligned into the content frame: what the method was told
            to move its keypoints to.
        moved: ``(K, 2)`` where the method put its keypoints (DST family: ``src + theta``; foa_tps: where its
            spline carries them).
        history: loss curves by name; ``timing``: :class:`Timing`; ``steps``: optimisation steps (0: feed-forward).
        profile: profile name; ``config``: the method's full settings, as a dict.
        intermediates: other images a figure may show (``unwarped``, ``warped_content``) and ``theta``.
    """

    method: str
    image: torch.Tensor
    correspondences: Correspondences | None = None
    warp: torch.Tensor | None = None
    targets: torch.Tensor | None = None
    moved: torch.Tensor | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    timing: Timing = field(default_factory=Timing)
    steps: int = 0
    profile: str = ""
    config: dict = field(default_factory=dict)
    label: str = ""
    intermediates: dict[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self):
        self.label = self.label or self.method

    @property
    def points(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """``(src, dst)`` of :attr:`correspondences`, or ``None``."""
        c = self.correspondences
        return None if c is None else (c.src, c.dst)

    @cached_property
    def carried(self) -> torch.Tensor | None:
        """Where the applied :attr:`warp` carries the content points (read off the map), ``None`` without a warp."""
        from ..evaluation.metrics import points_through_warp

        if self.warp is None or self.correspondences is None:
            return None
        return points_through_warp(self.warp, self.correspondences.src)

    @property
    def extras(self) -> dict:
        """The result's details by name (``targets``, ``moved``, ``carried``, ``sampling_map``, ``match``, and the
        intermediates), for code written against the earlier dict-valued field."""
        out = {"targets": self.targets, "moved": self.moved, "sampling_map": self.warp, **self.intermediates}
        if self.correspondences is not None:
            out.update(carried=self.carried, match=self.correspondences.details())
        return {k: v for k, v in out.items() if v is not None}


MethodResult = Result  # the name earlier code imports


# ----------------------------------------------------------------------------------------------- method interface
class Method:
    """A method of the survey: owns its config dataclass and runs on a :class:`~survey_lib.evaluation.pairs.Pair`.

    Subclasses set the class attributes and implement :meth:`__call__`.

    Attributes:
        name: registry name.
        config_class: the config dataclass; :meth:`config` builds it from a profile plus overrides.
        family: the profile section its settings come from (``profile.section(family)``).
        version: the algorithm version, part of every run's store key (:meth:`code_version`); bump it with any
            change to what the method outputs for the same pair, config and seed.
        steps_field: the config field the CLI's ``--steps`` sets (``None``: a feed-forward method).
        knob: ``(config field, what 1x means)`` of the method's main weight, for the interactive explorer.
        takes_landmarks: accepts ``content_landmarks=`` / ``style_landmarks=`` files.
    """

    name: ClassVar[str]
    config_class: ClassVar[type]
    family: ClassVar[str]
    version: ClassVar[int] = 1
    steps_field: ClassVar[str | None] = "steps"
    knob: ClassVar[tuple[str, float] | None] = None
    takes_landmarks: ClassVar[bool] = False

    def config(self, profile: str | Profile = "default", **overrides):
        """The method's full settings for ``profile`` with ``overrides`` applied.

        Raises:
            TypeError: an override that is not one of the config's fields (the message lists them).
        """
        prof = get_profile(profile)
        names = {f.name for f in fields(self.config_class)}
        unknown = sorted(set(overrides) - names)
        owners = {k: [m for m in available() if k in {f.name for f in fields(get(m).config_class)}] for k in unknown}
        for key, owner in owners.items():
            if owner:
                names = ", ".join(owner[:-1]) + " and " * (len(owner) > 1) + owner[-1]
                raise ValueError(f"{key} is an option of {names}, not of {self.name}")
        if unknown:
            raise TypeError(f"{self.name} does not take {', '.join(unknown)}; its settings: {', '.join(sorted(names))}")
        if "size" in overrides and overrides["size"] != prof.size:
            raise ValueError(f"size is the profile's working size ({prof.size} px in {prof.name!r}), which the images "
                             f"and points share: pass profile=get_profile({prof.name!r}).replace(size="
                             f"{overrides['size']!r}) instead of size=")
        section = prof.section(self.family)
        family_fields = {f.name for m in available() if get(m).family == self.family
                         for f in fields(get(m).config_class)}
        strange = sorted(set(section) - family_fields)
        if strange:
            raise ValueError(f"profile {prof.name!r}: its {self.family!r} section has no setting "
                             f"{', '.join(map(repr, strange))}; the {self.family} methods take "
                             f"{', '.join(sorted(family_fields - {'size', 'seed'}))}")
        base = {k: v for k, v in section.items() if k in names}
        if "size" in names:
            base["size"] = prof.size
        return self.config_class(**{**base, **overrides})

    def __call__(self, pair: Pair, config, *, device="auto", show_progress: bool = True) -> Result:
        raise NotImplementedError

    def code_version(self) -> str:
        """The algorithm version a run's store key carries: ``"<name>@v<version>"``. It names what the method
        computes, not where its code lives, so moving code renames no key; an edit that changes a method's output
        bumps :attr:`version` (the golden-output tests in ``tests/test_golden.py`` fail until it does)."""
        return f"{self.name}@v{self.version}"


_REGISTRY: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` (an instance) to the registry under ``method.name``.

    Raises:
        ValueError: a method of that name is already registered.
    """
    if method.name in _REGISTRY:
        taken = type(_REGISTRY[method.name]).__name__
        raise ValueError(f"a method named {method.name!r} is already registered ({taken}); choose another name")
    _REGISTRY[method.name] = method
    return method


def available() -> list[str]:
    """Names accepted by :func:`run` and :func:`get`."""
    return sorted(_REGISTRY)


def get(name: str) -> Method:
    """The registered method ``name``."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown method {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name]


#: methods that take landmark files (``content_landmarks=``, ``style_landmarks=``)
LANDMARK_METHODS = ("oneshot_foa", "foa_tps")


def prepare(method: str, content: ImageLike, style: ImageLike, *, profile: str | Profile = "default",
            content_landmarks=None, style_landmarks=None, **overrides) -> tuple[Method, object, Pair]:
    """What :func:`run` computes on, checked before any work: ``(method, config, pair)``.

    ``overrides`` replace single settings of the method's config (e.g. ``steps=50``, ``seed=1``,
    ``warp_weight=2``); ``size=`` replaces the profile's working size, which the images, their points and the
    config share; ``content_landmarks`` / ``style_landmarks`` give landmark files or ``(68, 2)`` tensors to
    the methods in :data:`LANDMARK_METHODS`.
    """
    spec = get(method)
    for key, given in (("content_landmarks", content_landmarks), ("style_landmarks", style_landmarks)):
        if given is not None and not spec.takes_landmarks:
            hint = " (fastdst detects them; use oneshot_foa to supply them)" if method == "fastdst" else ""
            raise ValueError(f"{key} applies to {' and '.join(LANDMARK_METHODS)}, not to {method}{hint}")
    prof = get_profile(profile)
    if "size" in overrides:  # one working size for the images, the points and the config
        prof = prof.replace(size=overrides.pop("size"))
    cfg = spec.config(prof, **overrides)
    pair = Pair.resolve(content, style, size=prof.size, match_size=prof.match_size,
                        content_landmarks=content_landmarks, style_landmarks=style_landmarks)
    return spec, cfg, pair


def run(method: str, content: ImageLike, style: ImageLike, *, profile: str | Profile = "default",
        device="auto", show_progress: bool = True, content_landmarks=None, style_landmarks=None,
        **overrides) -> Result:
    """Run ``method`` on one content/style pair with the sizes and step counts of ``profile``.

    The settings, images and landmarks are those of :func:`prepare` (``overrides`` of single settings, ``size=``,
    landmark files for the methods in :data:`LANDMARK_METHODS`), checked before any work.
    """
    spec, cfg, pair = prepare(method, content, style, profile=profile, content_landmarks=content_landmarks,
                              style_landmarks=style_landmarks, **overrides)
    res = spec(pair, cfg, device=device, show_progress=show_progress)
    res.profile = get_profile(profile).name
    return res


# ----------------------------------------------------------------------------------------------- correspondences
def match(pair: Pair, kind: str, *, device="auto", style_detector: str = "auto") -> Correspondences:
    """Correspondences of ``pair`` at its working size.

    ``kind``: ``"nbb"`` (Neural Best Buddies at ``pair.match_size``), ``"fastdst"`` (dlib, AnimeFace where dlib
    finds no style face) or ``"landmarks"`` (landmark files, dlib where there are none). Landmark detectors run on
    :meth:`Pair.detection_image` (each image's own resolution), and the points are scaled to the working size.
    ``seconds`` covers the whole matching; ``info`` records the detection sides and the pairs dropped because two
    content points coincide at the working size.
    """
    from ..images import resize_points
    from ..geometry.matchers import get_matcher
    from ..geometry.warp import dedupe_pairs

    t0 = time.perf_counter()
    found, kwargs = {}, {}
    if kind == "nbb":
        c_img, s_img = (pair.image(r, pair.match_size) for r in ("content", "style"))
        matcher = get_matcher("nbb", device=device)
    else:
        c_img, s_img = (pair.detection_image(r) for r in ("content", "style"))
        kwargs["names"] = pair.names
        if kind == "fastdst":
            matcher = get_matcher("fastdst", style_detector=style_detector)
        else:
            found = {r: pair.file_landmarks(r, img.shape[-1]) for r, img in (("content", c_img), ("style", s_img))}
            matcher = get_matcher("landmarks", content_landmarks=found["content"] and found["content"][0],
                                  style_landmarks=found["style"] and found["style"][0])
    corr = matcher(c_img, s_img, **kwargs)
    info = dict(corr.info)
    info.update({f"{role}_source": f[1] for role, f in found.items() if f})
    info["detect_sides"] = (c_img.shape[-1], s_img.shape[-1])
    src = resize_points(corr.src, tuple(c_img.shape[-2:]), pair.size)
    dst = resize_points(corr.dst, tuple(s_img.shape[-2:]), pair.size)
    keep = dedupe_pairs(src, dst, min_distance=0.5)
    info["dropped_coincident"] = int((~keep).sum())
    scores = corr.scores[keep] if corr.scores is not None else None
    return Correspondences(src[keep], dst[keep], scores, time.perf_counter() - t0, corr.source, info,
                           style_detector=corr.style_detector, matched=len(keep),
                           kept_index=keep.nonzero().flatten().tolist())


#: which of the 68 landmarks a landmark method optimises: all, or half (the other half held out for scoring)
KEYPOINT_SUBSETS = ("all", "even", "odd")


def check_keypoints(which: str) -> None:
    """Refuse a ``keypoints`` setting that is not one of :data:`KEYPOINT_SUBSETS` (a config's ``__post_init__``)."""
    if which not in KEYPOINT_SUBSETS:
        raise ValueError(f"keypoints must be one of {', '.join(KEYPOINT_SUBSETS)}; got {which!r}")


def landmark_half(corr: Correspondences, which: str, name: str) -> Correspondences:
    """``corr`` whole (``which="all"``), or only its pairs of even / odd landmark index (0-based, dlib's order).
    Pairs dropped as coincident stay dropped; the halves go by landmark index.

    Raises:
        NoFaceFound: a half was asked for but the points are not 68 landmarks on both images (e.g. the style's came
            from AnimeFace).
    """
    if which == "all":
        return corr
    from ..geometry.landmarks import NoFaceFound

    if corr.matched != 68:
        raise NoFaceFound(f"{name}: keypoints={which!r} needs the 68 landmarks on both images; "
                          f"{corr.matched} correspondences came from {corr.source}")
    keep = torch.tensor(corr.kept_index) % 2 == (0 if which == "even" else 1)
    return replace(corr, src=corr.src[keep], dst=corr.dst[keep],
                   scores=None if corr.scores is None else corr.scores[keep], keypoints=which)
