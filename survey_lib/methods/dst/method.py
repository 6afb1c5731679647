"""DST as methods of the registry: one optimiser (:func:`~survey_lib.methods.dst.deformable_style_transfer`), three
kinds of correspondences: NBB (``dst``), dlib's landmarks on both faces (``fastdst``), landmark files
(``oneshot_foa``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...geometry.matchers import Correspondences, check_style_detector
from ...utils import keep_partial
from ..base import Method, Result, Timing, check_keypoints, landmark_half, match, register
from .config import DSTConfig
from .transfer import deformable_style_transfer

__all__ = ["LandmarkDSTConfig", "FastDSTConfig", "DSTFamily", "DST", "FastDST", "OneShotFoA"]


@dataclass
class LandmarkDSTConfig(DSTConfig):
    """:class:`~survey_lib.methods.dst.DSTConfig` for the landmark methods, plus ``keypoints``: ``"all"`` 68 landmarks
    are the optimiser's keypoints, or only the ``"even"`` / ``"odd"`` indices (0-based, dlib's order), so that the other
    half can score the applied warp on points it never targeted
    (:func:`survey_lib.evaluation.metrics.held_out_landmarks`)."""

    keypoints: str = "all"

    def __post_init__(self):
        super().__post_init__()
        check_keypoints(self.keypoints)


@dataclass
class FastDSTConfig(LandmarkDSTConfig):
    """:class:`LandmarkDSTConfig` plus the detector FastDST uses on the style image: ``"auto"`` (dlib
    where it finds a face, else AnimeFace), ``"dlib"`` or ``"animeface"``."""

    style_detector: str = "auto"

    def __post_init__(self):
        super().__post_init__()
        check_style_detector(self.style_detector)


class DSTFamily(Method):
    """DST's optimiser (:func:`survey_lib.methods.dst.deformable_style_transfer`) with one kind of correspondences."""

    config_class, family, steps_field = DSTConfig, "dst", "steps_per_scale"
    knob = ("warp_weight", DSTConfig().warp_weight)
    matcher: ClassVar[str]

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:

        corr = self.keypoints(match(pair, self.matcher, device=device,
                                    style_detector=getattr(config, "style_detector", "auto")), config)
        if len(corr.src) < 2:  # e.g. a uniform style: nothing for the matcher to hold on to
            content, style = pair.labels
            raise ValueError(f"{self.name}: {self.matcher} found {len(corr.src)} corresponding points between "
                             f"{content} and {style} (DST needs at least 2); use a style image with structure, or "
                             "nst/adain, which need no correspondences")
        label = self.name + (" (AnimeFace)" if corr.style_detector == "animeface" else "")
        with keep_partial(lambda res: Result(
                self.name, res.image, corr, warp=res.sampling_map, targets=res.targets, moved=res.moved,
                history=res.history, timing=Timing(corr.seconds, res.seconds), steps=res.steps, config=res.config,
                label=label, intermediates={"unwarped": res.unwarped, "theta": res.theta})) as done:
            done(deformable_style_transfer(pair.content, pair.style, corr.src, corr.dst, config, device=device,
                                           show_progress=show_progress))
        return done.result

    def keypoints(self, corr: Correspondences, config) -> Correspondences:
        """The correspondences the optimiser moves: all of them, or the ``config.keypoints`` half of the 68 landmarks
        (:func:`~survey_lib.methods.base.landmark_half`)."""
        return landmark_half(corr, getattr(config, "keypoints", "all"), self.name)


class DST(DSTFamily):
    """Deformable Style Transfer with Neural Best Buddies correspondences."""

    name, matcher = "dst", "nbb"


class FastDST(DSTFamily):
    """DST with dlib's 68 landmarks on both images (AnimeFace's parts on an anime style)."""

    name, matcher, config_class = "fastdst", "fastdst", FastDSTConfig


class OneShotFoA(DSTFamily):
    """One-shot Face-of-Art: DST's optimiser on landmark files (dlib where there are none)."""

    name, matcher, takes_landmarks, config_class = "oneshot_foa", "landmarks", True, LandmarkDSTConfig


register(DST())
register(FastDST())
register(OneShotFoA())
