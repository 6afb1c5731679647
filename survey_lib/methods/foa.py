"""The Face-of-Art pipeline (Yaniv et al., SIGGRAPH 2019) as the survey describes it: landmarks -> a thin-plate-spline
warp of the content onto the style's (similarity-aligned) landmarks -> Gatys NST of the warped content."""
from __future__ import annotations

from dataclasses import dataclass

from ..geometry.matchers import Correspondences
from ..geometry.warp import grid_sample_xy, sampling_map
from ..settings import check_settings
from ..utils import Timer, keep_partial
from .base import Method, Result, Timing, check_keypoints, landmark_half, match, register
from .dst import warp_targets
from .nst import NSTConfig, nst_settings, stylize

__all__ = ["FoATPSConfig", "FoATPS"]


@dataclass
class FoATPSConfig(NSTConfig):
    """:class:`~survey_lib.methods.nst.NSTConfig` plus the border anchors per side that pin the TPS warp's frame, and
    ``keypoints`` as in :class:`LandmarkDSTConfig`: the spline through all 68 landmarks, or through the ``"even"`` /
    ``"odd"`` half only, so that the other half scores it (an interpolating spline is exact on its own points)."""

    anchors: int = 5
    keypoints: str = "all"

    def __post_init__(self):
        super().__post_init__()
        check_settings(self, anchors=(2, 81))
        check_keypoints(self.keypoints)


class FoATPS(Method):
    """Face-of-Art style pipeline: landmarks -> TPS warp of the content onto the (similarity-aligned) style
    landmarks -> Gatys NST of the warped content."""

    name, config_class, family, takes_landmarks = "foa_tps", FoATPSConfig, "nst", True
    knob = ("style_weight", NSTConfig.style_weight)

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:
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
            done(stylize(warped, pair.style, nst_settings(config), device=device, show_progress=show_progress))
        return done.result

    def keypoints(self, corr: Correspondences, config) -> Correspondences:
        """The landmark pairs the spline interpolates: all, or the ``config.keypoints`` half
        (:func:`~survey_lib.methods.base.landmark_half`)."""
        return landmark_half(corr, config.keypoints, self.name)


register(FoATPS())
