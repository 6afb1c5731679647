"""Geometry metrics: dlib re-detection, landmark NME, detection rates.

These turn the survey's qualitative claims ("DST follows the style's geometry", "dlib finds no face in anime")
into numbers.
"""
from __future__ import annotations

import torch

from .images import ImageLike, resize, to_tensor
from .landmarks import NoFaceFound, detect, inter_ocular

__all__ = ["detect_at_sizes", "nme", "geometry_scores", "keypoint_progress", "points_through_warp"]


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


def points_through_warp(sampling_map: torch.Tensor, points: torch.Tensor, *, iterations: int = 8,
                        tolerance: float = 0.5) -> torch.Tensor:
    """Where a warp carries ``points``: invert its backward map at them.

    A warped image samples its input at ``sampling_map[y, x]`` (the backward map every method here applies); the
    input point ``p`` therefore appears at the output position ``q`` with ``sampling_map(q) = p``. This reads the
    geometry off the warp that was actually applied, independent of any optimiser's targets.

    Args:
        sampling_map: ``(H, W, 2)`` input positions (x, y) per output pixel.
        points: ``(K, 2)`` input positions (x, y).
        iterations: Newton steps on the bilinearly interpolated map after a nearest-pixel start.
        tolerance: a point whose best preimage still misses it by more than this many pixels (it left the frame,
            or the map never reaches it) comes back as NaN.

    Returns:
        ``(K, 2)`` output positions (x, y); NaN rows where the map does not reach the point.
    """
    pos = sampling_map.detach().double()
    p = points.detach().double().to(pos.device)
    h, w = pos.shape[:2]
    flat = pos.reshape(-1, 2)
    start = torch.cdist(p, flat).argmin(dim=1)
    q = torch.stack([start % w, start // w], dim=1).double()

    def sample(q):  # bilinear value and Jacobian of the map at output positions q (clamped inside the grid)
        x = q[:, 0].clamp(0, w - 1 - 1e-9)
        y = q[:, 1].clamp(0, h - 1 - 1e-9)
        x0, y0 = x.floor().long().clamp(max=w - 2), y.floor().long().clamp(max=h - 2)
        fx, fy = (x - x0)[:, None], (y - y0)[:, None]
        a, b, c, d = pos[y0, x0], pos[y0, x0 + 1], pos[y0 + 1, x0], pos[y0 + 1, x0 + 1]
        value = a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy
        jac = torch.stack([(b - a) * (1 - fy) + (d - c) * fy, (c - a) * (1 - fx) + (d - b) * fx], dim=2)
        return value, jac

    for _ in range(iterations):
        value, jac = sample(q)
        det = torch.linalg.det(jac)
        step = torch.linalg.solve(jac + 1e-9 * torch.eye(2, dtype=jac.dtype), (value - p)[..., None])[..., 0]
        q = torch.where((det.abs() > 1e-9)[:, None], q - step, q)
        q[:, 0], q[:, 1] = q[:, 0].clamp(0, w - 1), q[:, 1].clamp(0, h - 1)
    miss = (sample(q)[0] - p).norm(dim=1) > tolerance
    q[miss] = float("nan")
    return q.to(points.dtype if points.dtype.is_floating_point else torch.float32)
