"""DST's geometry: the targets its keypoints are pulled toward (the style's points with the best similarity removed)
and the thin-plate-spline warp that carries the keypoints to where they moved, pinned by border anchors.

Points are ``(x, y)`` pixels of the ``size x size`` working image; maps are backward sampling maps ``(H, W, 2)``.
"""
from __future__ import annotations

import torch

from ...geometry.landmarks import apply_transform, similarity_transform
from ...geometry.warp import border_anchors, fit_tps, pixel_grid

__all__ = ["warp_targets", "tps_map", "warp_map"]


def warp_targets(src: torch.Tensor, dst: torch.Tensor, size: int, margin: float = 5.0) -> torch.Tensor:
    """DST's targets ``P' = T^-1(Q)``: style points in the content frame after removing the best similarity
    ``T`` (P -> Q), clamped to ``[margin, size - 1 - margin]``."""
    t = similarity_transform(src, dst)
    return apply_transform(torch.linalg.inv(t), dst.double()).float().clamp(margin, size - 1 - margin)


def tps_map(src: torch.Tensor, moved: torch.Tensor, size: tuple[int, int], anchors: torch.Tensor,
             grid: torch.Tensor) -> torch.Tensor:
    """Backward map ``(H, W, 2)`` that carries content at ``src`` to ``moved`` (differentiable in ``moved``).

    A keypoint on the very spot of an earlier one or of a border anchor (momentum can push keypoints into an image
    corner, where the clamp stacks them on each other and on the corner's anchor) is left out of this map: a spline
    cannot send one point to two places."""
    m = moved.detach()
    keep = ~(torch.cdist(m, m) < 1e-3).triu(1).any(0)  # fit_tps's own threshold for coincident centres
    keep &= ~(torch.cdist(m, anchors) < 1e-3).any(1)
    tps = fit_tps(torch.cat([moved[keep], anchors]), torch.cat([src[keep], anchors]))
    return tps(grid.reshape(-1, 2)).reshape(*size, 2)


def warp_map(src: torch.Tensor, theta: torch.Tensor, size: int, anchors_per_side: int = 5) -> torch.Tensor:
    """DST's warp at the working size: the backward sampling map ``(size, size, 2)`` (x, y) of the thin-plate spline
    that carries the keypoints ``src`` ``(K, 2)`` to ``src + theta``, pinned by the border anchors. Rebuilds the warp
    of any recorded step (``history["theta"]``, see :attr:`DSTConfig.record_every`)."""
    with torch.no_grad():
        anchors = border_anchors(size, size, anchors_per_side, device=src.device)
        return tps_map(src, src + theta, (size, size), anchors, pixel_grid(size, size, device=src.device))
