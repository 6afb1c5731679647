"""Geometry metrics: dlib re-detection, landmark NME, detection rates.

These turn the survey's qualitative claims ("DST follows the style's geometry", "dlib finds no face in anime")
into numbers.
"""
from __future__ import annotations

import torch

from .images import ImageLike, resize, to_tensor
from .landmarks import NoFaceFound, detect, inter_ocular

__all__ = ["detect_at_sizes", "nme", "geometry_scores", "keypoint_progress"]


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


def geometry_scores(output: ImageLike, content_points: torch.Tensor, target_points: torch.Tensor, *,
                    sizes=(256, 512)) -> dict:
    """How far the output's face geometry moved from the content's toward the style's.

    dlib re-detects the 68 landmarks on ``output``; their NME (normalised by the content's inter-ocular distance)
    is measured to ``content_points`` (where the face was) and to ``target_points`` (the style's landmarks
    similarity-aligned into the content frame, DST's P'). A geometry-aware method lowers ``nme_to_style`` below
    ``nme_to_content``. ``gap`` = NME between content and targets (the distance to travel).

    Returns:
        ``{"detected": bool, "nme_to_content", "nme_to_style", "gap", "progress"}``; NMEs are NaN when dlib finds
        no face; ``progress = 1 - nme_to_style / gap`` (1 = reached the style geometry, 0 = stayed put).
    """
    img = to_tensor(output)
    found = detect_at_sizes(img, sizes)
    norm = inter_ocular(content_points)
    gap = nme(content_points, target_points, normaliser=norm)
    if found["points"] is None:
        nan = float("nan")
        return {"detected": False, "nme_to_content": nan, "nme_to_style": nan, "gap": gap, "progress": nan}
    pts = found["points"]
    to_c = nme(pts, content_points, normaliser=norm)
    to_s = nme(pts, target_points, normaliser=norm)
    return {"detected": True, "nme_to_content": to_c, "nme_to_style": to_s, "gap": gap,
            "progress": 1 - to_s / gap if gap > 0 else float("nan")}


def keypoint_progress(src: torch.Tensor, moved: torch.Tensor, targets: torch.Tensor) -> float:
    """``1 - mean|P' - moved| / mean|P' - P|``: 1 when the keypoints reached the aligned style keypoints, 0 when
    they did not move (NST, AdaIN), negative when they moved away."""
    before = (targets - src).norm(dim=1).mean()
    after = (targets - moved).norm(dim=1).mean()
    return float(1 - after / before) if before > 1e-3 else float("nan")
