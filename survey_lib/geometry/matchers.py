"""Correspondence matchers with one interface: ``matcher(content, style) -> Correspondences``.

=====================  ======================================================  ======================
matcher                source of (P, P')                                       used by
=====================  ======================================================  ======================
``NBBMatcher``         Neural Best Buddies + DST's cleaning                     DST
``DlibMatcher``        dlib 68 landmarks on both images, matched by index       FastDST (``"dlib"``)
``AnimeFaceMatcher``   dlib 68 landmarks on the content, AnimeFace parts on     FastDST (``"animeface"``)
                       the style, paired through ``animeface.CORRESPONDENCE``
``FastDSTMatcher``     dlib on the style where it finds a face, else AnimeFace  FastDST (``"auto"``)
``LandmarkMatcher``    landmark files where given, dlib otherwise               one-shot FoA, FoA TPS
=====================  ======================================================  ======================

Points are ``(x, y)`` pixels in each image's own frame.
"""
from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import torch

from ..images import ImageLike, to_tensor
from .landmarks import NoFaceFound, detect, load_landmarks
from .nbb import NBBConfig, clean_correspondences, neural_best_buddies
from ..utils import SurveyWarning

__all__ = ["Correspondences", "NBBMatcher", "DlibMatcher", "AnimeFaceMatcher", "FastDSTMatcher", "LandmarkMatcher",
           "STYLE_DETECTORS", "check_style_detector", "get_matcher"]


@dataclass
class Correspondences:
    """``src[i]`` (content) corresponds to ``dst[i]`` (style); both ``(K, 2)`` float32 (x, y) pixels.

    Attributes:
        scores: ``(K,)`` confidence (NBB activation) or ``None``.
        seconds: wall-clock time of the matching.
        source: which matcher produced them.
        info: matcher-specific details for reading (raw pair count, faces found, where each side's points came from).
        style_detector: the detector that gave the style's points where there is a choice (FastDST: ``"dlib"`` or
            ``"animeface"``).
        matched, kept_index: set by :func:`survey_lib.methods.match`: how many pairs the matcher returned, and the
            indices (into those) of the pairs kept after coincident ones were dropped.
        keypoints: which landmarks a landmark method optimises: ``"all"``, or the ``"even"`` / ``"odd"`` half.
    """

    src: torch.Tensor
    dst: torch.Tensor
    scores: torch.Tensor | None = None
    seconds: float = 0.0
    source: str = ""
    info: dict = field(default_factory=dict)
    style_detector: str | None = None
    matched: int | None = None
    kept_index: tuple[int, ...] | None = None
    keypoints: str = "all"

    #: the typed fields :meth:`details` records beside ``info``
    TYPED: ClassVar[tuple[str, ...]] = ("style_detector", "matched", "kept_index", "keypoints")

    def __post_init__(self):
        if self.src.shape != self.dst.shape or self.src.ndim != 2 or self.src.shape[-1] != 2:
            raise ValueError(f"{self.source or 'correspondences'}: src and dst must both be (K, 2) with the same K; "
                             f"got {tuple(self.src.shape)} and {tuple(self.dst.shape)}")
        if self.kept_index is not None:
            self.kept_index = tuple(int(i) for i in self.kept_index)

    def details(self) -> dict:
        """``info`` with the typed fields that are set: what the results store records (JSON) and figures read."""
        typed = {k: getattr(self, k) for k in self.TYPED if getattr(self, k) is not None}
        return {**self.info, **{k: list(v) if isinstance(v, tuple) else v for k, v in typed.items()}}

    @classmethod
    def from_details(cls, src: torch.Tensor, dst: torch.Tensor, details: dict, **kwargs) -> "Correspondences":
        """The inverse of :meth:`details`: a stored run's correspondences, their typed fields filled again."""
        typed = {k: details[k] for k in cls.TYPED if details.get(k) is not None}
        return cls(src, dst, info={k: v for k, v in details.items() if k not in cls.TYPED}, **typed, **kwargs)

    def __len__(self) -> int:
        return len(self.src)


class NBBMatcher:
    """NBB correspondences cleaned as in DST (threshold, spacing, at most ``max_points``, no crossings).

    ``spacing`` is given for a 256 px image and scaled with the content image's size.
    """

    def __init__(self, config: NBBConfig | None = None, *, clean: bool = True, max_points: int = 80,
                 spacing: float = 10.0, min_score: float = 1.0, extractor=None, device="auto"):
        self.config = config or NBBConfig()
        self.clean, self.max_points, self.spacing, self.min_score = clean, max_points, spacing, min_score
        self.extractor, self.device = extractor, device

    def __call__(self, content: ImageLike, style: ImageLike) -> Correspondences:
        t0 = time.perf_counter()
        res = neural_best_buddies(content, style, self.config, extractor=self.extractor, device=self.device)
        src, dst, scores = res.src, res.dst, res.scores
        if self.clean:
            side = max(to_tensor(content).shape[-2:])
            src, dst, scores = clean_correspondences(src, dst, scores, min_score=self.min_score,
                                                     spacing=self.spacing * side / 256, max_points=self.max_points)
        return Correspondences(src, dst, scores, time.perf_counter() - t0, "nbb",
                               {"raw_pairs": len(res.src), "levels": res.levels})


def _label(image: ImageLike, role: str, name: str | None = None) -> str:
    """How error messages call an image: ``the style image 'x.png'``."""
    name = name or (str(image) if isinstance(image, (str, os.PathLike)) else None)
    return f"the {role} image" + (f" '{name}'" if name else "")


def _landmarks(image: ImageLike, role: str, file: str | os.PathLike | None,
               hint: str, name: str | None = None) -> tuple[torch.Tensor, dict]:
    if isinstance(file, torch.Tensor):
        return file.float(), {f"{role}_source": "given"}
    if file is not None:
        return load_landmarks(file), {f"{role}_source": str(file)}
    label = _label(image, role, name)
    try:
        found = detect(image, name=label)
    except NoFaceFound as exc:
        raise NoFaceFound(f"{exc} ({hint.format(role=role)})") from None
    _warn_if_several(found.n_faces, label)
    return found.points, {f"{role}_source": "dlib", f"{role}_faces": found.n_faces}


def _warn_if_several(n_faces: int, label: str) -> None:
    if n_faces > 1:
        warnings.warn(f"{n_faces} faces found in {label}; using the largest", SurveyWarning, stacklevel=3)


class LandmarkMatcher:
    """68-point landmarks on both images, matched by index.

    Args:
        content_landmarks, style_landmarks: optional ``.pts``/``.ljson``/``.txt`` files (or ``(68, 2)`` tensors);
            dlib detects the landmarks of an image without one.

    Raises:
        NoFaceFound: dlib found no face in an image without a landmark file (the survey's Finding 2).
    """

    name = "landmarks"
    hint = "pass {role}_landmarks=<file>"

    def __init__(self, content_landmarks=None, style_landmarks=None):
        self.files = {"content": content_landmarks, "style": style_landmarks}

    def __call__(self, content: ImageLike, style: ImageLike, *, names: dict | None = None) -> Correspondences:
        """``names`` (``{"content": ..., "style": ...}``) say how error messages call images passed as tensors."""
        t0 = time.perf_counter()
        info: dict = {}
        pts = {}
        for role, image in (("content", content), ("style", style)):
            pts[role], extra = _landmarks(image, role, self.files[role], self.hint, (names or {}).get(role))
            info.update(extra)
        return Correspondences(pts["content"], pts["style"], None, time.perf_counter() - t0, self.name, info)


class DlibMatcher(LandmarkMatcher):
    """FastDST's matcher: dlib 68-point landmarks on both images, no files."""

    name = "dlib"
    hint = ("FastDST needs dlib on both images; use the method 'oneshot_foa' with {role}_landmarks=<file> "
            "(CLI: --{role}-landmarks)")

    def __init__(self):
        super().__init__(None, None)


_NO_STYLE_FACE_HINT = "pass style_landmarks=<file> to the method 'oneshot_foa' (CLI: --style-landmarks)"


def _anime_pairs(c68: torch.Tensor, style: ImageLike, min_side: int) -> tuple[torch.Tensor, torch.Tensor, dict] | None:
    """``(P, P', info)`` from 68 content landmarks and AnimeFace's largest face in ``style``, or ``None``."""
    from . import animeface

    faces = animeface.detect(style, min_side=min_side)
    if not faces:
        return None
    info = {"style_source": "animeface", "style_faces": len(faces), "style_likelihood": round(faces[0].likelihood, 4),
            "style_parts": faces[0]}
    return animeface.ibug_points(c68), animeface.part_points(faces[0]), info


class AnimeFaceMatcher:
    """A face photograph (content) against an anime face (style): dlib's 68 points on the content, AnimeFace's parts
    on the style, paired through :data:`survey_lib.geometry.animeface.CORRESPONDENCE` (13 points: eye corners and
    centres, nose tip, mouth corners and centre, chin, jaw at eye height).

    Args:
        content_landmarks: optional ``(68, 2)`` tensor or landmark file for the content (else dlib).
        min_side: the style is upscaled to at least this short side before AnimeFace runs (its smallest window is
            about 43 px); the points come back in the style image's frame.

    Raises:
        NoFaceFound: AnimeFace finds no face in the style (or dlib none in the content); the message names the image.
        survey_lib.geometry.animeface.AnimeFaceUnavailable: the detector is not installed (the message says what to
        install).
    """

    name = "animeface"

    def __init__(self, content_landmarks=None, *, min_side: int = 256):
        self.content_landmarks, self.min_side = content_landmarks, min_side

    def __call__(self, content: ImageLike, style: ImageLike, *, names: dict | None = None) -> Correspondences:
        t0 = time.perf_counter()
        names = names or {}
        c68, info = _landmarks(content, "content", self.content_landmarks, DlibMatcher.hint, names.get("content"))
        pairs = _anime_pairs(c68, style, self.min_side)
        if pairs is None:
            raise NoFaceFound(f"AnimeFace found no anime face in {_label(style, 'style', names.get('style'))}; "
                              + _NO_STYLE_FACE_HINT)
        info.update(pairs[2])
        return Correspondences(pairs[0], pairs[1], None, time.perf_counter() - t0, self.name, info)


#: FastDST's choices for the style image's detector.
STYLE_DETECTORS = ("auto", "dlib", "animeface")


def check_style_detector(which: str) -> None:
    """Refuse a style detector that is not one of :data:`STYLE_DETECTORS`."""
    if which not in STYLE_DETECTORS:
        raise ValueError(f"style_detector must be one of {', '.join(STYLE_DETECTORS)}; got {which!r}")


class FastDSTMatcher:
    """FastDST's matcher: dlib on the content; on the style, dlib (68 pairs) where it finds a face, else AnimeFace
    (13 pairs, see :class:`AnimeFaceMatcher`) with ``style_detector="auto"``, or only the one named.

    ``style_detector`` records the detector that produced the style points.

    Raises:
        NoFaceFound: dlib found no face in the content, or the detector(s) tried none in the style; the message
            names the image and the detectors tried.
    """

    name = "fastdst"

    def __init__(self, style_detector: str = "auto", *, min_side: int = 256):
        check_style_detector(style_detector)
        self.style_detector, self.min_side = style_detector, min_side

    def __call__(self, content: ImageLike, style: ImageLike, *, names: dict | None = None) -> Correspondences:
        t0 = time.perf_counter()
        names = names or {}
        c68, info = _landmarks(content, "content", None, DlibMatcher.hint, names.get("content"))
        label = _label(style, "style", names.get("style"))
        tried = []
        if self.style_detector in ("auto", "dlib"):
            try:
                found = detect(style, name=label)
                _warn_if_several(found.n_faces, label)
                info.update({"style_source": "dlib", "style_faces": found.n_faces})
                return Correspondences(c68, found.points, None, time.perf_counter() - t0, self.name, info,
                                       style_detector="dlib")
            except NoFaceFound:
                tried.append("dlib")
        if self.style_detector in ("auto", "animeface"):
            pairs = _anime_pairs(c68, style, self.min_side)
            if pairs is not None:
                info.update(pairs[2])
                return Correspondences(pairs[0], pairs[1], None, time.perf_counter() - t0, self.name, info,
                                       style_detector="animeface")
            tried.append("AnimeFace")
        raise NoFaceFound(f"{' and '.join(tried)} found no face in {label}; " + _NO_STYLE_FACE_HINT)


_MATCHERS = {"nbb": NBBMatcher, "dlib": DlibMatcher, "animeface": AnimeFaceMatcher, "fastdst": FastDSTMatcher,
             "landmarks": LandmarkMatcher}


def get_matcher(name: str, **kwargs):
    """Build a matcher by name: ``"nbb"``, ``"dlib"``, ``"animeface"``, ``"fastdst"`` or ``"landmarks"``."""
    if name not in _MATCHERS:
        raise ValueError(f"unknown matcher {name!r}; choose one of {sorted(_MATCHERS)}")
    return _MATCHERS[name](**kwargs)
