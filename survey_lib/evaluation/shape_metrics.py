"""Run metrics that see shape and identity: the applied warp scored against the style's own landmarks with the
similarity removed (:func:`warp_shape`: a warp that only moves, scales or turns the face scores 0), and whether the
output is still the content's person (:func:`identity`, dlib's face-recognition embedding).

Points are ``(68, 2)`` ``(x, y)`` pixels at the working size (the pair's frame); shape gaps are in eye distances of
the style's landmarks as aligned.
"""
from __future__ import annotations

import torch

from ..geometry.landmarks import NoFaceFound, apply_transform, inter_ocular, similarity_transform
from .metrics import metric, points_through_warp

__all__ = ["shape_progress", "similarity_px", "warp_shape", "identity", "SHAPE_METRICS"]

_NAN = float("nan")


def _shape_gap_of(points: torch.Tensor, truth: torch.Tensor, eyes: float) -> float:
    """Mean distance of ``truth`` similarity-aligned onto ``points`` (least squares), in units of ``truth``'s eye
    distance ``eyes`` as aligned (the similarity's scale applied): pose and size taken out of the comparison."""
    t = similarity_transform(truth, points)
    aligned = apply_transform(t, truth.double())
    scale = float(torch.linalg.det(t[:2, :2]).abs().sqrt())
    return float((aligned - points.double()).norm(dim=1).mean()) / (eyes * scale)


def shape_progress(content: torch.Tensor, carried: torch.Tensor, truth: torch.Tensor, keep: torch.Tensor) -> float:
    """``1 - gap(carried, truth) / gap(content, truth)`` over the landmarks ``keep`` (a ``(68,)`` mask), each gap the
    style's ``truth`` landmarks similarity-aligned onto the points (:func:`_shape_gap_of`): 1 = the carried face has
    the style's shape, 0 = the content's, whatever position, size and rotation the warp gave it. NaN where fewer
    than half of the ``keep`` landmarks were reached (``carried`` NaN) or the two shapes already agree."""
    reached = keep & torch.isfinite(carried).all(dim=1)
    if int(reached.sum()) * 2 < int(keep.sum()) or int(reached.sum()) < 3:
        return _NAN
    eyes = float(inter_ocular(truth))
    before = _shape_gap_of(content[reached], truth[reached], eyes)
    if before < 1e-9:
        return _NAN
    return 1 - _shape_gap_of(carried[reached], truth[reached], eyes) / before


def similarity_px(content: torch.Tensor, carried: torch.Tensor) -> float:
    """How far the similarity part of a warp moves the face: the least-squares similarity from ``content`` to
    ``carried`` (the reached rows), its mean displacement of the content points in pixels."""
    reached = torch.isfinite(carried).all(dim=1)
    if int(reached.sum()) < 3:
        return _NAN
    p = content[reached].double()
    return float((apply_transform(similarity_transform(p, carried[reached].double()), p) - p).norm(dim=1).mean())


@metric(version=1)
def warp_shape(pair, result) -> dict[str, float]:
    """Geometry scored on shape: where the applied warp carries the content's 68 landmarks, compared with the
    style's own 68 landmarks (``pair.landmarks("style")``: the ground truth of a benchmark style) after a
    similarity fit, so that a warp that only moves, scales or turns the face scores 0.

    * ``shape_gap_nme``: the two faces' shape difference before the run (the style's landmarks aligned onto the
      content's, in eye distances);
    * ``shape_progress``: :func:`shape_progress` over all 68; ``held_out_shape_progress``: over the half a landmark
      method was *not* told to move (runs with ``keypoints="even"``/``"odd"``), NaN otherwise;
    * ``warp_similarity_px``: :func:`similarity_px`, the part of the warp a frame-based measure would count as
      geometry.

    NaN without a warp (NST, AdaIN, Ghiasi) or without 68 landmarks on both faces."""
    out = dict.fromkeys(("shape_gap_nme", "shape_progress", "held_out_shape_progress", "warp_similarity_px"), _NAN)
    p, q = pair.landmarks("content"), pair.landmarks("style")
    if p is None or q is None or p.shape != (68, 2) or q.shape != (68, 2):
        return out
    out["shape_gap_nme"] = _shape_gap_of(p, q, float(inter_ocular(q)))
    if result.warp is None:
        return out
    carried = points_through_warp(result.warp, p)
    out["shape_progress"] = shape_progress(p, carried, q, torch.ones(68, dtype=torch.bool))
    which = result.correspondences.keypoints if result.correspondences is not None else "all"
    if which in ("even", "odd"):
        held = torch.arange(68) % 2 == (1 if which == "even" else 0)
        out["held_out_shape_progress"] = shape_progress(p, carried, q, held)
    out["warp_similarity_px"] = similarity_px(p, carried)
    return out


@metric(version=1)
def identity(pair, result) -> dict[str, float]:
    """Whether the output is still the content's person: ``identity_distance``, dlib's face-recognition embedding
    distance between the output and the content (:func:`survey_lib.geometry.identity.identity_distance`; the
    content aligned by its landmarks, the output by dlib's detection on it), and ``same_person`` (1 when below
    dlib's 0.6). NaN where dlib finds no face on the output."""
    from ..geometry.identity import SAME_PERSON, face_embedding

    try:
        output = face_embedding(result.image, name="the output")
    except NoFaceFound:
        return {"identity_distance": _NAN, "same_person": _NAN}
    d = float((face_embedding(pair.content, pair.landmarks("content")) - output).norm())
    return {"identity_distance": d, "same_person": float(d < SAME_PERSON)}


#: the shape and identity measures of the geometric benchmark (beside :data:`RUN_METRICS`)
SHAPE_METRICS = (warp_shape, identity)
