"""Every method of the survey behind one interface, and ``run(method, content, style, profile=...)``.

The data flow of one run: a :class:`~survey_lib.evaluation.pairs.Pair` (both images decoded once) -> a :class:`Method`,
which owns its config dataclass and builds it from a profile plus overrides -> a typed :class:`Result` (output image,
the applied warp or ``None``, correspondences, aligned targets, timing, history). Metrics read results
(:mod:`survey_lib.evaluation.metrics`) and :func:`survey_lib.evaluation.evaluate.evaluate` runs grids of them into a
store.

>>> from survey_lib import methods
>>> res = methods.run("nst", "astronaut", "starry_night", profile="smoke")   # catalogue names or paths
>>> res.image.shape, res.timing.optimisation_s                        # doctest: +SKIP

Methods are looked up by name in a registry that refuses a second method of the same name
(:func:`register`, :func:`get`, :func:`available`).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from typing import ClassVar
from collections.abc import Mapping

import torch

from .dst import DSTConfig
from ..images import ImageLike
from ..geometry.matchers import Correspondences
from .nst import NSTConfig
from ..evaluation.pairs import Pair, resolve_image
from ..profiles import Profile, get_profile
from ..utils import keep_partial

__all__ = ["Timing", "Result", "MethodResult", "Method", "register", "get", "run", "available", "resolve_image",
           "match", "LANDMARK_METHODS", "FoATPSConfig", "FastDSTConfig", "AdaINConfig", "GhiasiConfig",
           "LandmarkDSTConfig", "KEYPOINT_SUBSETS"]


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
            out.update(carried=self.carried, match=self.correspondences.info)
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
        base = {k: v for k, v in prof.section(self.family).items() if k in names}
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


def run(method: str, content: ImageLike, style: ImageLike, *, profile: str | Profile = "default",
        device="auto", show_progress: bool = True, content_landmarks=None, style_landmarks=None,
        **overrides) -> Result:
    """Run ``method`` on one content/style pair with the sizes and step counts of ``profile``.

    ``overrides`` replace single settings of the method's config (e.g. ``steps=50``, ``seed=1``,
    ``warp_weight=2``); ``size=`` replaces the profile's working size, which the images, their points and the
    config share; ``content_landmarks`` / ``style_landmarks`` give landmark files or ``(68, 2)`` tensors to
    the methods in :data:`LANDMARK_METHODS`. Settings and images are checked before any work.
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
    res = spec(pair, cfg, device=device, show_progress=show_progress)
    res.profile = prof.name
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
    info["matched"], info["kept_index"] = len(keep), keep.nonzero().flatten().tolist()  # indices into the matcher's
    scores = corr.scores[keep] if corr.scores is not None else None
    return Correspondences(src[keep], dst[keep], scores, time.perf_counter() - t0, corr.source, info)


# ----------------------------------------------------------------------------------------------- the methods
def _nst_fields(cfg) -> NSTConfig:
    names = {f.name for f in fields(NSTConfig)}
    return NSTConfig(**{k: v for k, v in asdict(cfg).items() if k in names})


class NST(Method):
    """Gatys et al. (2016): optimise the output's pixels (:func:`survey_lib.methods.nst.stylize`)."""

    name, config_class, family = "nst", NSTConfig, "nst"
    knob = ("style_weight", NSTConfig.style_weight)

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        from .nst import stylize

        with keep_partial(lambda res: Result("nst", res.image, history=res.history, timing=Timing(0.0, res.seconds),
                                               steps=res.steps, config=res.config)) as done:
            done(stylize(pair.content, pair.style, config, device=device, show_progress=show_progress))
        return done.result


#: which of the 68 landmarks a landmark method optimises: all, or half (the other half held out for scoring)
KEYPOINT_SUBSETS = ("all", "even", "odd")


def _landmark_half(corr: Correspondences, which: str, name: str) -> Correspondences:
    """``corr`` whole (``which="all"``), or only its pairs of even / odd landmark index (0-based, dlib's order).
    Pairs dropped as coincident stay dropped; the halves go by landmark index.

    Raises:
        NoFaceFound: a half was asked for but the points are not 68 landmarks on both images (e.g. the style's came
            from AnimeFace).
    """
    if which == "all":
        return corr
    from ..geometry.landmarks import NoFaceFound

    if corr.info.get("matched") != 68:
        raise NoFaceFound(f"{name}: keypoints={which!r} needs the 68 landmarks on both images; "
                          f"{corr.info.get('matched')} correspondences came from {corr.source}")
    keep = torch.tensor(corr.info["kept_index"]) % 2 == (0 if which == "even" else 1)
    return Correspondences(corr.src[keep], corr.dst[keep], None if corr.scores is None else corr.scores[keep],
                           corr.seconds, corr.source, {**corr.info, "keypoints": which})


@dataclass
class LandmarkDSTConfig(DSTConfig):
    """:class:`~survey_lib.methods.dst.DSTConfig` for the landmark methods, plus ``keypoints``: ``"all"`` 68 landmarks
    are the optimiser's keypoints, or only the ``"even"`` / ``"odd"`` indices (0-based, dlib's order), so that the other
    half can score the applied warp on points it never targeted
    (:func:`survey_lib.evaluation.metrics.held_out_landmarks`)."""

    keypoints: str = "all"

    def __post_init__(self):
        super().__post_init__()
        if self.keypoints not in KEYPOINT_SUBSETS:
            raise ValueError(f"keypoints must be one of {', '.join(KEYPOINT_SUBSETS)}; got {self.keypoints!r}")


@dataclass
class FastDSTConfig(LandmarkDSTConfig):
    """:class:`LandmarkDSTConfig` plus the detector FastDST uses on the style image: ``"auto"`` (dlib
    where it finds a face, else AnimeFace), ``"dlib"`` or ``"animeface"``."""

    style_detector: str = "auto"

    def __post_init__(self):
        from ..geometry.matchers import STYLE_DETECTORS

        super().__post_init__()
        if self.style_detector not in STYLE_DETECTORS:
            raise ValueError(f"style_detector must be one of {', '.join(STYLE_DETECTORS)}; got {self.style_detector!r}")


class DSTFamily(Method):
    """DST's optimiser (:func:`survey_lib.methods.dst.deformable_style_transfer`) with one kind of correspondences."""

    config_class, family, steps_field = DSTConfig, "dst", "steps_per_scale"
    knob = ("warp_weight", DSTConfig().warp_weight)
    matcher: ClassVar[str]

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        from .dst import deformable_style_transfer

        corr = self.keypoints(match(pair, self.matcher, device=device,
                                    style_detector=getattr(config, "style_detector", "auto")), config)
        label = self.name + (" (AnimeFace)" if corr.info.get("style_detector") == "animeface" else "")
        with keep_partial(lambda res: Result(
                self.name, res.image, corr, warp=res.sampling_map, targets=res.targets, moved=res.moved,
                history=res.history, timing=Timing(corr.seconds, res.seconds), steps=res.steps, config=res.config,
                label=label, intermediates={"unwarped": res.unwarped, "theta": res.theta})) as done:
            done(deformable_style_transfer(pair.content, pair.style, corr.src, corr.dst, config, device=device,
                                           show_progress=show_progress))
        return done.result

    def keypoints(self, corr: Correspondences, config) -> Correspondences:
        """The correspondences the optimiser moves: all of them, or the ``config.keypoints`` half of the 68 landmarks
        (:func:`_landmark_half`)."""
        return _landmark_half(corr, getattr(config, "keypoints", "all"), self.name)


class DST(DSTFamily):
    """Deformable Style Transfer with Neural Best Buddies correspondences."""

    name, matcher = "dst", "nbb"


class FastDST(DSTFamily):
    """DST with dlib's 68 landmarks on both images (AnimeFace's parts on an anime style)."""

    name, matcher, config_class = "fastdst", "fastdst", FastDSTConfig


class OneShotFoA(DSTFamily):
    """One-shot Face-of-Art: DST's optimiser on landmark files (dlib where there are none)."""

    name, matcher, takes_landmarks, config_class = "oneshot_foa", "landmarks", True, LandmarkDSTConfig


@dataclass
class FoATPSConfig(NSTConfig):
    """:class:`~survey_lib.methods.nst.NSTConfig` plus the border anchors per side that pin the TPS warp's frame, and
    ``keypoints`` as in :class:`LandmarkDSTConfig`: the spline through all 68 landmarks, or through the ``"even"`` /
    ``"odd"`` half only, so that the other half scores it (an interpolating spline is exact on its own points)."""

    anchors: int = 5
    keypoints: str = "all"

    def __post_init__(self):
        super().__post_init__()
        if self.keypoints not in KEYPOINT_SUBSETS:
            raise ValueError(f"keypoints must be one of {', '.join(KEYPOINT_SUBSETS)}; got {self.keypoints!r}")


class FoATPS(Method):
    """Face-of-Art style pipeline: landmarks -> TPS warp of the content onto the (similarity-aligned) style
    landmarks -> Gatys NST of the warped content."""

    name, config_class, family, takes_landmarks = "foa_tps", FoATPSConfig, "nst", True
    knob = ("style_weight", NSTConfig.style_weight)

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        from .dst import warp_targets
        from .nst import stylize
        from ..utils import Timer
        from ..geometry.warp import grid_sample_xy, sampling_map

        corr = self.keypoints(match(pair, "landmarks", device=device), config)
        size = pair.size
        with Timer() as t_warp:
            targets = warp_targets(corr.src, corr.dst, size)
            pos = sampling_map(corr.src, targets, (size, size), anchors=config.anchors)
            warped = grid_sample_xy(pair.content, pos)
        def result(res) -> Result:
            out = Result("foa_tps", res.image, corr, warp=pos, targets=targets, history=res.history,
                         timing=Timing(corr.seconds + t_warp.seconds, res.seconds), steps=res.steps,
                         config={**res.config, "anchors": config.anchors}, intermediates={"warped_content": warped})
            out.moved = out.carried  # measured on the applied map, not copied from the targets
            return out

        with keep_partial(result) as done:
            done(stylize(warped, pair.style, _nst_fields(config), device=device, show_progress=show_progress))
        return done.result

    def keypoints(self, corr: Correspondences, config) -> Correspondences:
        """The landmark pairs the spline interpolates: all, or the ``config.keypoints`` half
        (:func:`_landmark_half`)."""
        return _landmark_half(corr, config.keypoints, self.name)


@dataclass
class AdaINConfig:
    """Settings of AdaIN.

    ``decoder``: ``"project"`` (shipped, trained here), ``"published"`` (the authors' files: ``vgg_path`` /
    ``decoder_path``, or the cached release, downloaded where allowed), ``"auto"`` (published on Colab, with
    ``SURVEY_ALLOW_DOWNLOAD=1`` or when cached; else project), resolved when the config is built, or
    ``"optimised"``: AdaIN's objective decoded by optimisation (:func:`survey_lib.methods.adain.decode_by_optimisation`,
    ``steps`` L-BFGS steps, the profile's NST budget, with the paper's ``style_weight``), what a perfect decoder would
    output. AdaIN is deterministic; ``seed`` is accepted so every method takes the same arguments."""

    size: int = 256
    decoder: str = "auto"
    alpha: float = 1.0
    preserve_color: bool = False
    vgg_path: str | None = None
    decoder_path: str | None = None
    steps: int = 80
    style_weight: float = 10.0
    seed: int = 0

    def __post_init__(self):
        from .adain import resolve_decoder

        self.decoder = "published" if self.vgg_path is not None else resolve_decoder(self.decoder)
        self.vgg_path = None if self.vgg_path is None else str(self.vgg_path)
        self.decoder_path = None if self.decoder_path is None else str(self.decoder_path)


class AdaIN(Method):
    """Huang & Belongie (2017): one forward pass of the encoder, AdaIN and the decoder; or, with
    ``decoder="optimised"``, the image that minimises AdaIN's training loss for the pair."""

    name, config_class, family, steps_field = "adain", AdaINConfig, "adain", None
    knob = ("alpha", 1.0)
    _cache: ClassVar[dict] = {}

    def config(self, profile: str | Profile = "default", **overrides):
        """As :meth:`Method.config`; optimised decoding takes the profile's NST step budget unless ``steps`` is
        given."""
        nst_steps = get_profile(profile).section("nst").get("steps")
        return super().config(profile, **{**({"steps": nst_steps} if nst_steps else {}), **overrides})

    def model(self, config, device="auto"):
        """The AdaIN network for ``config`` (loaded once per process); optimised decoding uses the project's
        encoder and no decoder."""
        from .adain import fetch_published, load_project, load_published

        vgg_path, decoder_path = config.vgg_path, config.decoder_path
        if config.decoder == "published" and vgg_path is None and decoder_path is None:
            vgg_path, decoder_path = fetch_published()
        key = (config.decoder == "published", str(vgg_path), str(decoder_path), str(device))
        if key not in self._cache:
            self._cache[key] = (load_published(vgg_path, decoder_path, device=device) if config.decoder == "published"
                                else load_project(decoder_path, device=device))
        return self._cache[key]

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        from .adain import decode_by_optimisation, preserve_colour
        from ..utils import Timer

        model = self.model(config, device)
        settings = {"decoder": model.source, "alpha": config.alpha, "preserve_color": config.preserve_color}
        if config.decoder == "optimised":
            style = preserve_colour(pair.style, pair.content) if config.preserve_color else pair.style
            with Timer(model.device) as t:
                img, history = decode_by_optimisation(model, pair.content, style, size=pair.size, steps=config.steps,
                                                      style_weight=config.style_weight, alpha=config.alpha,
                                                      show_progress=show_progress)
            settings.update(decoder="optimised", steps=config.steps, style_weight=config.style_weight)
            return Result("adain", img, history=history, timing=Timing(0.0, t.seconds), steps=config.steps,
                          config=settings, label="adain (optimised decoding)")
        with Timer(model.device) as t:
            img = model.stylize(pair.content, pair.style, alpha=config.alpha, size=pair.size,
                                preserve_color=config.preserve_color)
        return Result("adain", img, timing=Timing(0.0, t.seconds), config=settings,
                      label=f"adain ({model.source} decoder)")


@dataclass
class GhiasiConfig:
    """Settings of Ghiasi et al.'s arbitrary-style network (:mod:`survey_lib.methods.ghiasi`): ``alpha`` interpolates
    the style vector between the content's own (0) and the style's (1). Deterministic; ``seed`` is accepted so every
    method takes the same arguments."""

    size: int = 256
    alpha: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")


class Ghiasi(Method):
    """Ghiasi et al. (2017): a trained feed-forward arbitrary-style network (style prediction + conditional
    instance normalisation), the ``ghiasi`` extra."""

    name, config_class, family, steps_field = "ghiasi", GhiasiConfig, "ghiasi", None
    knob = ("alpha", 1.0)
    version = 2  # v2: the quantised graph evaluated in float (:class:`survey_lib.methods.ghiasi.GhiasiModel`)

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        from .ghiasi import load
        from ..utils import Timer

        model = load()
        with Timer("cpu") as t:
            img = model.stylize(pair.content, pair.style, alpha=config.alpha, size=pair.size)
        return Result("ghiasi", img, timing=Timing(0.0, t.seconds), config={"alpha": config.alpha},
                      label="ghiasi (Magenta weights)")


for _method in (NST(), AdaIN(), Ghiasi(), DST(), FastDST(), OneShotFoA(), FoATPS()):
    register(_method)
