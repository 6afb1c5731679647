"""Face shapes compared and made: how far two faces' landmarks differ once pose and size are taken out
(:func:`nme`, :func:`shape_gap`, :func:`leave_one_out` over :data:`HAND_PLACED`), a face's own landmarks exaggerated
by a known amount (:func:`exaggerate`), and how far apart the geometries that runs end with lie (:func:`spread`).

Points are ``(68, 2)`` ``(x, y)`` pixels in dlib's (iBUG) order; "left"/"right" as seen in the image.
"""
from __future__ import annotations

from typing import Mapping

import torch

from .landmarks import apply_transform, inter_ocular, mean_shape, similarity_transform

__all__ = ["nme", "shape_gap", "HAND_PLACED", "leave_one_out", "exaggerate", "spread"]


def nme(pred: torch.Tensor, target: torch.Tensor, *, normaliser: torch.Tensor | float | None = None) -> float:
    """Normalised mean error: mean point distance / inter-ocular distance of ``target`` (points 36 and 45).

    ``pred``, ``target``: ``(68, 2)`` (x, y). Pass ``normaliser`` for other point sets.
    """
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape; got {tuple(pred.shape)}, {tuple(target.shape)}")
    norm = inter_ocular(target) if normaliser is None else torch.as_tensor(normaliser)
    return float((pred - target).norm(dim=-1).mean() / norm)


#: the 13 landmarks placed by hand on every face dlib cannot read (jaw at eye level, chin, brow middles, eye corners,
#: nose tip, mouth corners, lower lip; the rest of those files is interpolated), so a gap over them compares every
#: category on features someone actually read
HAND_PLACED = (0, 16, 8, 19, 24, 36, 39, 42, 45, 30, 48, 54, 57)


def shape_gap(content_points: torch.Tensor, style_points: torch.Tensor, *, indices=None,
              eyes: str = "content") -> float:
    """How different two faces' geometries are once pose and size are taken out: the style's ``(68, 2)`` landmarks
    similarity-aligned onto the content's (least squares), then their mean distance to the content's, normalised by
    an inter-ocular distance (NME). 0 for the same shape at any position, scale and rotation.

    Args:
        indices: score (and align) on these landmarks only (e.g. :data:`HAND_PLACED`); the eye distance is read
            from all 68.
        eyes: ``"content"``: normalise by the content's eye distance; ``"style"``: by the style's as aligned (its
            eye distance times the similarity's scale), a yardstick that stays fixed when the content points are
            a warp's output (computed in double precision).
    """
    if eyes not in ("content", "style"):
        raise ValueError(f"eyes must be 'content' or 'style'; got {eyes!r}")
    norm = inter_ocular(content_points if eyes == "content" else style_points)
    if indices is not None:
        content_points, style_points = content_points[list(indices)], style_points[list(indices)]
    t = similarity_transform(style_points, content_points)
    if eyes == "content":
        return nme(apply_transform(t, style_points), content_points, normaliser=norm)
    aligned = apply_transform(t, style_points.double())
    scale = float(torch.linalg.det(t[:2, :2]).abs().sqrt())
    return float((aligned - content_points.double()).norm(dim=1).mean()) / (float(norm) * scale)


def leave_one_out(shapes: dict, *, group_of=None, indices=HAND_PLACED):
    """How well a common shape of several exemplars predicts an exemplar it was not fitted to, against a single
    exemplar. For each exemplar ``i`` of ``shapes`` (name -> ``(68, 2)`` landmarks): the Procrustes mean
    (:func:`survey_lib.geometry.landmarks.mean_shape`) of the exemplars outside ``i``'s group, and every single one of
    them, scored on ``i`` by :func:`shape_gap` over ``indices``.

    Args:
        group_of: name -> group (e.g. the character); the whole group of ``i`` is left out, so that drawings of
            the same character do not predict each other (default: each exemplar its own group).

    Returns:
        a DataFrame, one row per exemplar: ``held_out``, ``group``, ``others`` (how many exemplars were used),
        ``common`` (the mean shape's gap), ``single_mean`` / ``single_best`` / ``single_worst`` (the single
        exemplars' gaps), ``common_minus_single`` (``common - single_mean``: below 0 almost by convexity, a mean
        shape is close to every shape it averages) and ``common_minus_best`` (``common - single_best``: the
        comparison that can go either way).
    """
    import pandas as pd

    group_of = group_of or {n: n for n in shapes}
    rows = []
    for name, held in shapes.items():
        others = [s for n, s in shapes.items() if group_of[n] != group_of[name]]
        if len(others) < 2:
            continue
        singles = [shape_gap(held, s, indices=indices) for s in others]
        common, single = shape_gap(held, mean_shape(others), indices=indices), sum(singles) / len(singles)
        rows.append({"held_out": name, "group": group_of[name], "others": len(others), "common": common,
                     "single_mean": single, "single_best": min(singles), "single_worst": max(singles),
                     "common_minus_single": common - single, "common_minus_best": common - min(singles)})
    return pd.DataFrame(rows)


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
