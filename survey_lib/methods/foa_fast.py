"""Geometry-aware stylisation in a fraction of a second: FastDST's geometry in closed form, Ghiasi et al.'s network for
the texture.

FastDST's geometry is one object, the thin-plate spline from the content's landmarks to the style's similarity-aligned
landmarks; its 45 optimisation steps mostly serve the texture. ``foa_fast`` keeps the geometry and replaces the
optimisation by a forward pass:

1. landmarks on both faces (FastDST's detectors: dlib, AnimeFace on a face dlib cannot read; or landmark files, when
   given with the pair or with ``landmarks="files"``), scaled to the working size;
2. the targets: the style's landmarks similarity-aligned into the content frame (DST's P'), moved ``strength`` of the
   way from the content's own (0 = the photograph's geometry, 1 = the style's, above 1 exaggerates);
3. the spline's dense backward map (:func:`~survey_lib.geometry.warp.sampling_map`, border anchors pin the frame);
4. Ghiasi et al.'s network for the texture, on the warped photograph (``order="warp_first"``) or before the warp
   (``order="stylise_first"``).

An identity guard (``max_identity``) tries the strengths ``strength x (1, 3/4, 1/2, 1/4, 0)`` in turn and keeps the
first whose warped photograph dlib's face-recognition embedding still places within ``max_identity`` of the content
(each candidate: one warp and one embedding, the face aligned by the landmarks the warp carried).

Points are ``(K, 2)`` ``(x, y)`` pixels at the working size; the warp is the ``(H, W, 2)`` backward map every method
here applies (an output pixel reads the input at ``warp[y, x]``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..geometry.matchers import Correspondences, check_style_detector
from ..geometry.warp import grid_sample_xy, sampling_map
from ..settings import check_settings
from ..utils import Timer
from .base import Method, Result, Timing, match, register
from .dst import warp_targets
from .ghiasi import load as load_ghiasi

__all__ = ["FoAFastConfig", "FoAFast", "ORDERS", "GUARD_FRACTIONS", "strength_targets"]

#: where the texture is applied: before the warp or after it
ORDERS = ("warp_first", "stylise_first")
#: the identity guard's candidate strengths, as fractions of the asked one, largest first
GUARD_FRACTIONS = (1.0, 0.75, 0.5, 0.25, 0.0)


@dataclass
class FoAFastConfig:
    """Settings of ``foa_fast`` (:mod:`survey_lib.methods.foa_fast`).

    Attributes:
        strength: how far the face moves toward the style's geometry: 0 = the photograph's, 1 = the style's
            (similarity-aligned), above 1 exaggerates; in [0, 3].
        order: ``"warp_first"`` (warp the photograph, then stylise it) or ``"stylise_first"``.
        max_identity: ``None``, or the largest identity distance (dlib's embedding, same person below 0.6) the warped
            photograph may have from the content: the largest candidate strength that keeps it is used.
        landmarks: ``"detect"`` (FastDST's detectors, unless landmarks were given with the pair) or ``"files"``
            (the landmark files, given or in the catalogue; dlib where there are none).
        style_detector: with ``"detect"``: ``"auto"`` (dlib, else AnimeFace), ``"dlib"`` or ``"animeface"``.
        anchors: border anchors per side that pin the spline's frame.
        alpha: Ghiasi et al.'s style strength in [0, 1].
    """

    size: int = 256
    strength: float = 1.0
    order: str = "warp_first"
    max_identity: float | None = None
    landmarks: str = "detect"
    style_detector: str = "auto"
    anchors: int = 5
    alpha: float = 1.0
    seed: int = 0

    def __post_init__(self):
        check_settings(self, anchors=(2, 81), alpha=(0, 1))
        if not isinstance(self.strength, (int, float)) or not 0.0 <= float(self.strength) <= 3.0:
            raise ValueError(f"strength must be a number in [0, 3] (0 = the photograph's geometry, 1 = the style's); "
                             f"got {self.strength!r}")
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}; got {self.order!r}")
        if self.max_identity is not None and not (isinstance(self.max_identity, (int, float))
                                                  and 0.0 < float(self.max_identity) <= 2.0):
            raise ValueError(f"max_identity must be None or a distance in (0, 2] (dlib: same person below 0.6); "
                             f"got {self.max_identity!r}")
        if self.landmarks not in ("detect", "files"):
            raise ValueError(f"landmarks must be 'detect' or 'files'; got {self.landmarks!r}")
        check_style_detector(self.style_detector)


def strength_targets(src: torch.Tensor, aligned: torch.Tensor, strength: float) -> torch.Tensor:
    """``(K, 2)`` targets ``strength`` of the way from the content's points ``src`` to the style's ``aligned`` ones
    (both in the content frame): 0 gives ``src``, 1 gives ``aligned``."""
    return src + float(strength) * (aligned - src)


class FoAFast(Method):
    """Landmarks -> a thin-plate spline toward the style's aligned landmarks -> Ghiasi et al.'s network: FastDST's
    geometry in closed form and a feed-forward texture, in well under a second on a CPU."""

    name, config_class, family, steps_field = "foa_fast", FoAFastConfig, "ghiasi", None
    knob = ("strength", 1.0)
    takes_landmarks = True

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
        corr = self.correspondences(pair, config)
        size = pair.size
        with Timer() as t_warp:
            aligned = warp_targets(corr.src, corr.dst, size)
            strength, pos, tried = self.guarded_strength(pair, corr, aligned, config)
            targets = strength_targets(corr.src, aligned, strength)
            if pos is None:  # no candidate warped yet
                pos = sampling_map(corr.src, targets, (size, size), anchors=config.anchors)
        model = load_ghiasi()
        with Timer("cpu") as t_texture:
            if config.order == "warp_first":
                image = model.stylize(grid_sample_xy(pair.content, pos), pair.style, alpha=config.alpha, size=size)
            else:
                image = grid_sample_xy(model.stylize(pair.content, pair.style, alpha=config.alpha, size=size), pos)
        label = self.name + (" (AnimeFace)" if corr.style_detector == "animeface" else "")
        out = Result(self.name, image.clamp(0, 1), corr, warp=pos, targets=targets,
                     timing=Timing(corr.seconds + t_warp.seconds, t_texture.seconds), label=label,
                     config={"strength": strength, "asked_strength": config.strength, "order": config.order,
                             "identity_tried": tried})
        out.moved = out.carried  # measured on the applied map
        return out

    def correspondences(self, pair, config) -> Correspondences:
        """Content and style points at the working size: FastDST's detectors, or the landmark files (always where
        the pair was given some, e.g. ``style_landmarks=`` of a hand-annotated face)."""
        if config.landmarks == "files" or pair.given_landmarks:
            return match(pair, "landmarks")
        return match(pair, "fastdst", style_detector=config.style_detector)

    def guarded_strength(self, pair, corr: Correspondences, aligned: torch.Tensor, config):
        """The strength to use, its sampling map where a candidate already computed it (else ``None``) and
        ``[(candidate, identity distance)]`` as tried: the asked strength without a guard; with ``max_identity``, the
        first of :data:`GUARD_FRACTIONS` x the asked strength whose warped photograph stays within it of the content
        (the last candidate, 0, is the photograph itself)."""
        if config.max_identity is None:
            return float(config.strength), None, []
        from ..evaluation.metrics import points_through_warp
        from ..geometry.identity import face_embedding

        face = pair.landmarks("content")
        if face is None:
            return float(config.strength), None, []
        own = face_embedding(pair.content, face)
        tried = []
        for fraction in GUARD_FRACTIONS:
            s = fraction * float(config.strength)
            pos = sampling_map(corr.src, strength_targets(corr.src, aligned, s), (pair.size,) * 2,
                               anchors=config.anchors)
            carried = points_through_warp(pos, face)
            if not bool(torch.isfinite(carried).all()):
                continue  # a landmark left the frame: this strength cannot be checked
            d = float((face_embedding(grid_sample_xy(pair.content, pos), carried) - own).norm())
            tried.append((s, d))
            if d <= config.max_identity:
                return s, pos, tried
        return 0.0, None, tried


register(FoAFast())
