"""Correspondence matchers with one interface: ``matcher(content, style) -> Correspondences``.

================  ==========================================================  =====================
matcher           source of (P, P')                                           used by
================  ==========================================================  =====================
``NBBMatcher``    Neural Best Buddies + DST's cleaning                         DST
``DlibMatcher``   dlib 68 landmarks on both images, matched by index           FastDST
``LandmarkMatcher``  landmark files where given, dlib otherwise                one-shot FoA, anime
================  ==========================================================  =====================

Points are ``(x, y)`` pixels in each image's own frame.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import torch

from .images import ImageLike, to_tensor
from .landmarks import NoFaceFound, detect, load_landmarks
from .nbb import NBBConfig, clean_correspondences, neural_best_buddies

__all__ = ["Correspondences", "NBBMatcher", "DlibMatcher", "LandmarkMatcher", "get_matcher"]


@dataclass
class Correspondences:
    """``src[i]`` (content) corresponds to ``dst[i]`` (style); both ``(K, 2)`` float32 (x, y) pixels.

    Attributes:
        scores: ``(K,)`` confidence (NBB activation) or ``None``.
        seconds: wall-clock time of the matching.
        source: which matcher produced them.
        info: matcher-specific details (raw pair count, faces found...).
    """

    src: torch.Tensor
    dst: torch.Tensor
    scores: torch.Tensor | None = None
    seconds: float = 0.0
    source: str = ""
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.src.shape != self.dst.shape or self.src.ndim != 2 or self.src.shape[-1] != 2:
            raise ValueError(f"{self.source or 'correspondences'}: src and dst must both be (K, 2) with the same K; "
                             f"got {tuple(self.src.shape)} and {tuple(self.dst.shape)}")

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


def _landmarks(image: ImageLike, role: str, file: str | os.PathLike | None,
               hint: str) -> tuple[torch.Tensor, dict]:
    if file is not None:
        return load_landmarks(file), {f"{role}_source": str(file)}
    label = f"the {role} image" + (f" '{image}'" if isinstance(image, (str, os.PathLike)) else "")
    try:
        found = detect(image, name=label)
    except NoFaceFound as exc:
        raise NoFaceFound(f"{exc} ({hint.format(role=role)})") from None
    return found.points, {f"{role}_source": "dlib", f"{role}_faces": found.n_faces}


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

    def __call__(self, content: ImageLike, style: ImageLike) -> Correspondences:
        t0 = time.perf_counter()
        info: dict = {}
        pts = {}
        for role, image in (("content", content), ("style", style)):
            given = self.files[role]
            if isinstance(given, torch.Tensor):
                pts[role], extra = given.float(), {f"{role}_source": "given"}
            else:
                pts[role], extra = _landmarks(image, role, given, self.hint)
            info.update(extra)
        return Correspondences(pts["content"], pts["style"], None, time.perf_counter() - t0, self.name, info)


class DlibMatcher(LandmarkMatcher):
    """FastDST's matcher: dlib 68-point landmarks on both images, no files."""

    name = "dlib"
    hint = ("FastDST needs dlib on both images; use the method 'oneshot_foa' with {role}_landmarks=<file> "
            "(CLI: --{role}-landmarks)")

    def __init__(self):
        super().__init__(None, None)


_MATCHERS = {"nbb": NBBMatcher, "dlib": DlibMatcher, "landmarks": LandmarkMatcher}


def get_matcher(name: str, **kwargs):
    """Build a matcher by name: ``"nbb"``, ``"dlib"`` or ``"landmarks"``."""
    if name not in _MATCHERS:
        raise ValueError(f"unknown matcher {name!r}; choose one of {sorted(_MATCHERS)}")
    return _MATCHERS[name](**kwargs)
