"""Synthetic face geometries for controlled experiments: a face's own landmarks, exaggerated by a known amount.

Points are ``(68, 2)`` ``(x, y)`` pixels in dlib's (iBUG) order; "left"/"right" as seen in the image.
"""
from __future__ import annotations

import torch

__all__ = ["exaggerate"]


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
