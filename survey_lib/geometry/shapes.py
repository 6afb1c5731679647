"""Face geometries for controlled experiments: a face's own landmarks exaggerated by a known amount, and how far
apart the geometries that runs end with lie.

Points are ``(68, 2)`` ``(x, y)`` pixels in dlib's (iBUG) order; "left"/"right" as seen in the image.
"""
from __future__ import annotations

from typing import Mapping

import torch

from .landmarks import inter_ocular

__all__ = ["exaggerate", "spread"]


def exaggerate(points: torch.Tensor, k: float) -> torch.Tensor:
    """The face of ``points`` with its features pushed by ``k`` x 10 % of the face width (the jaw's x extent): each
    eye moved outward by that much and enlarged by ``1 + k/2`` about its centre, the mouth moved down by that much,
    and the jaw widened by ``1 + k/5`` about the face's centre. ``k = 0`` returns the face unchanged; the change grows
    linearly in ``k``, so a sweep over ``k`` is a sweep over the size of the deformation."""
    p = points.clone().float()
    face = float(p[:, 0].max() - p[:, 0].min())
    centre = p.mean(0)
    for eye in (range(36, 42), range(42, 48)):
        idx = list(eye)
        c = p[idx].mean(0)
        outward = 1.0 if c[0] > centre[0] else -1.0
        p[idx] = c + torch.tensor([0.1 * k * face * outward, 0.0]) + (p[idx] - c) * (1 + 0.5 * k)
    p[48:68, 1] += 0.1 * k * face
    p[0:17, 0] = centre[0] + (p[0:17, 0] - centre[0]) * (1 + 0.2 * k)
    return p


def spread(ends: Mapping[str, torch.Tensor], start: torch.Tensor, *, centre_of=None) -> dict[str, dict[str, float]]:
    """How much the geometry a face ends with depends on which exemplar it was sent toward.

    Args:
        ends: per run name, ``(68, 2)`` points where that run carried ``start`` (pixels, the frame of ``start``;
            NaN rows, points a warp does not reach, are left out of every mean).
        start: ``(68, 2)`` the face's own landmarks before any run.
        centre_of: the names whose mean is the centre (default: all of ``ends``); the others are scored against it
            too, e.g. a run toward a common shape against the runs toward single exemplars.

    Returns:
        per name: ``to_centre``, the mean distance of its points to the centre's, and ``moved``, to ``start``'s,
        both divided by the inter-ocular distance of ``start`` (NME units).
    """
    names = list(ends) if centre_of is None else list(centre_of)
    if not names or any(n not in ends for n in names):
        raise ValueError(f"centre_of must name runs of ends ({', '.join(ends)}); got {names}")
    centre = torch.stack([ends[n].double() for n in names]).nanmean(0)
    norm = float(inter_ocular(start))

    def dist(a: torch.Tensor, b: torch.Tensor) -> float:
        return float((a.double() - b.double()).norm(dim=-1).nanmean()) / norm

    return {n: {"to_centre": dist(p, centre), "moved": dist(p, start)} for n, p in ends.items()}
