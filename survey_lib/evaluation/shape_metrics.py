"""Run metrics that see shape and identity: the applied warp scored against the style's own landmarks with the
similarity removed (:func:`warp_shape`: a warp that only moves, scales or turns the face scores 0), and whether the
output is still the content's person (:func:`identity`, dlib's face-recognition embedding).

Points are ``(68, 2)`` ``(x, y)`` pixels at the working size (the pair's frame); shape gaps are in eye distances of
the style's landmarks as aligned.
"""
from __future__ import annotations

import torch

from ..geometry.landmarks import NoFaceFound, apply_transform, similarity_transform
from ..geometry.shapes import shape_gap
from .metrics import metric, points_through_warp

__all__ = ["shape_progress", "similarity_px", "shape_scores", "carried_landmarks", "committed_shape_scores",
           "committed_spline_distortion", "warp_shape", "identity", "SHAPE_COLUMNS", "SHAPE_METRICS"]

_NAN = float("nan")


def shape_progress(content: torch.Tensor, carried: torch.Tensor, truth: torch.Tensor, keep: torch.Tensor) -> float:
    """``1 - gap(carried, truth) / gap(content, truth)`` over the landmarks ``keep`` (a ``(68,)`` mask), each gap the
    style's ``truth`` landmarks similarity-aligned onto the points (:func:`~survey_lib.geometry.shapes.shape_gap` in
    the style's eye distances): 1 = the carried face has
    the style's shape, 0 = the content's, whatever position, size and rotation the warp gave it. NaN where fewer
    than half of the ``keep`` landmarks were reached (``carried`` NaN) or the two shapes already agree."""
    reached = keep & torch.isfinite(carried).all(dim=1)
    if int(reached.sum()) * 2 < int(keep.sum()) or int(reached.sum()) < 3:
        return _NAN
    index = torch.nonzero(reached)[:, 0].tolist()
    before = shape_gap(content, truth, indices=index, eyes="style")
    if before < 1e-9:
        return _NAN
    return 1 - shape_gap(carried, truth, indices=index, eyes="style") / before


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
    p, q = pair.landmarks("content"), pair.landmarks("style")
    if p is None or q is None or p.shape != (68, 2) or q.shape != (68, 2):
        return dict.fromkeys(SHAPE_COLUMNS, _NAN)
    carried = None if result.warp is None else points_through_warp(result.warp, p)
    which = result.correspondences.keypoints if result.correspondences is not None else "all"
    return shape_scores(p, q, carried, keypoints=which)


#: the columns :func:`warp_shape` and :func:`shape_scores` give
SHAPE_COLUMNS = ("shape_gap_nme", "shape_progress", "held_out_shape_progress", "warp_similarity_px")


def shape_scores(content: torch.Tensor, style: torch.Tensor, carried: torch.Tensor | None, *,
                 keypoints: str = "all") -> dict[str, float]:
    """The :data:`SHAPE_COLUMNS` of one run from its points: the content's and the style's ``(68, 2)`` landmarks and
    where the applied warp carried the content's (``None`` without a warp; NaN rows it did not reach).
    ``keypoints``: which landmarks the method was told to move (``"even"``/``"odd"`` give a held-out half)."""
    out = dict.fromkeys(SHAPE_COLUMNS, _NAN)
    out["shape_gap_nme"] = shape_gap(content, style, eyes="style")
    if carried is None:
        return out
    out["shape_progress"] = shape_progress(content, carried, style, torch.ones(68, dtype=torch.bool))
    if keypoints in ("even", "odd"):
        held = torch.arange(68) % 2 == (1 if keypoints == "even" else 0)
        out["held_out_shape_progress"] = shape_progress(content, carried, style, held)
    out["warp_similarity_px"] = similarity_px(content, carried)
    return out


def carried_landmarks(rows) -> torch.Tensor:
    """The ``(68, 2)`` content landmarks one run's warp carried, from its rows of a plan's ``NAME_points.csv.gz``
    (columns ``landmark``, ``x``, ``y``); NaN for a landmark the warp did not reach (no row)."""
    carried = torch.full((68, 2), _NAN)
    carried[torch.tensor(rows["landmark"].to_numpy())] = torch.tensor(rows[["x", "y"]].to_numpy(dtype=float),
                                                                       dtype=torch.float32)
    return carried


def _committed_runs(points, size: int):
    """Per run of a plan's ``NAME_points.csv.gz``: ``(key, settings, content landmarks, style landmarks, carried)``,
    each pair's faces read once, not once per run."""
    from .pairs import Pair

    faces = {}
    for (key, content, style, settings), g in points.groupby(["key", "content", "style", "settings"], sort=False):
        if (content, style) not in faces:
            pair = Pair.resolve(content, style, size=size)
            faces[content, style] = pair.landmarks("content"), pair.landmarks("style")
        yield key, settings, *faces[content, style], carried_landmarks(g)


def committed_shape_scores(points, *, size: int = 256):
    """:func:`shape_scores` of committed runs from their carried landmarks, computing no run: ``points`` is a plan's
    ``NAME_points.csv.gz`` (columns ``key``, ``content``, ``style``, ``settings``, ``landmark``, ``x``, ``y``; the
    68 content landmarks through each run's warp at ``size`` px). Returns a DataFrame indexed by ``key``."""
    import json

    import pandas as pd

    rows = {}
    for key, settings, p, q, carried in _committed_runs(points, size):
        which = json.loads(settings).get("keypoints", "all") if isinstance(settings, str) else "all"
        rows[key] = shape_scores(p, q, carried, keypoints=which)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("key")


def committed_spline_distortion(points, *, size: int = 256, anchors: int = 5):
    """The exact thin-plate spline (the Face-of-Art warp, with ``anchors`` border anchors per side as ``foa_tps``)
    from each committed run's content landmarks to where the run's warp carried them: the spline at the
    displacement the run reached, so that its distortion compares with the run's own warp *at equal
    displacement*. ``points`` as :func:`committed_shape_scores`; landmarks the warp did not reach are left out of
    the fit. Returns ``spline_face_area_spread`` and ``spline_face_folded_%``
    (:func:`~survey_lib.evaluation.metrics.warp_face_distortion` over the content's face) in a DataFrame indexed by
    ``key``."""
    import pandas as pd

    from ..geometry.warp import sampling_map
    from .metrics import warp_face_distortion

    rows = {}
    for key, _, p, _, carried in _committed_runs(points, size):
        reached = ~carried.isnan().any(1)
        warp = sampling_map(p[reached], carried[reached], (size, size), anchors=anchors)
        rows[key] = {f"spline_{k}": v for k, v in warp_face_distortion(warp, p).items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("key")


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
