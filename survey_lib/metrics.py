"""Geometry metrics: dlib re-detection, landmark NME, detection rates.

These turn the survey's qualitative claims ("DST follows the style's geometry", "dlib finds no face in anime")
into numbers.
"""
from __future__ import annotations

import torch

from .images import ImageLike, resize, to_tensor
from .landmarks import NoFaceFound, detect, inter_ocular

__all__ = ["detect_at_sizes", "nme"]


def detect_at_sizes(image: ImageLike, sizes=(256, 512), *, upsample: int = 1) -> dict:
    """Run dlib on ``image`` rescaled so its short side is each of ``sizes``.

    Returns ``{"faces@256": n, "faces@512": n, "points": (68, 2) or None}``, points in the input's frame from the
    first size where a face was found.
    """
    img = to_tensor(image)
    h, w = img.shape[-2:]
    out: dict = {"points": None}
    for side in sizes:
        s = side / min(h, w)
        try:
            found = detect(resize(img, (round(h * s), round(w * s)), fit="stretch"), upsample=upsample)
            out[f"faces@{side}"] = found.n_faces
            if out["points"] is None:
                out["points"] = found.points / s
        except NoFaceFound:
            out[f"faces@{side}"] = 0
    return out


def nme(pred: torch.Tensor, target: torch.Tensor, *, normaliser: torch.Tensor | float | None = None) -> float:
    """Normalised mean error: mean point distance / inter-ocular distance of ``target`` (points 36 and 45).

    ``pred``, ``target``: ``(68, 2)`` (x, y). Pass ``normaliser`` for other point sets.
    """
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape; got {tuple(pred.shape)}, {tuple(target.shape)}")
    norm = inter_ocular(target) if normaliser is None else torch.as_tensor(normaliser)
    return float((pred - target).norm(dim=-1).mean() / norm)
