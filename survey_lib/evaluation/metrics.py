"""Geometry metrics: dlib re-detection, landmark NME, detection rates, and the run metrics of the evaluation layer.

These turn the survey's qualitative claims ("DST follows the style's geometry", "dlib finds no face in anime")
into numbers. Run metrics are functions ``metric(pair, result) -> dict[str, float]`` (:data:`RUN_METRICS`), each
named for what it can see:

==========================  ==================================================================================
metric                      columns
==========================  ==================================================================================
:func:`point_gap`           ``gap_px``: mean distance of the method's own keypoints to its targets, before the run
:func:`own_target_progress` ``own_target_progress``: the share of that gap the optimiser closed (what it was told
                            to do; circular as evidence of geometry, kept to show the optimiser worked)
:func:`warp_landmarks`      ``warp_progress``: where the applied warp carries the content's 68 landmarks, as a
                            share of the way to the aligned style landmarks; NaN without a warp (NST, AdaIN)
:func:`held_out_landmarks`  ``held_out_progress``: the same on the landmarks a method was *not* told to move
                            (runs with ``keypoints="even"``/``"odd"``: optimised on one half, scored on the other)
:func:`redetection`         ``detected``, ``nme_to_content``, ``nme_to_style``, ``landmark_progress``: dlib run on
                            the output (independent of any optimiser; only where dlib still finds the face)
:func:`folds`               ``folded_%``: pixels where the applied warp folds over; NaN without a warp
:func:`face_distortion`     ``face_area_spread``, ``face_folded_%``: how unevenly the warp stretches the face
:func:`second_reading`      ``style_reading_gap``, ``second_warp_progress``, ``dlib5_warp_progress``,
                            ``second_redetected_progress``: the same geometry against a second, independent
                            reading of both faces (:mod:`survey_lib.geometry.readers`), where dlib may misread a
                            painting
==========================  ==================================================================================

and :mod:`survey_lib.evaluation.shape_metrics` scores the warp on shape (similarity removed) and the output on
identity; :mod:`survey_lib.evaluation.stats` gives their means with 95 % intervals.
"""
from __future__ import annotations

import torch

from ..images import ImageLike, resize, to_tensor
from ..geometry.landmarks import NoFaceFound, detect, inter_ocular
from ..geometry.shapes import nme

__all__ = ["metric", "detect_at_sizes", "nme", "geometry_scores", "keypoint_progress", "reached_progress",
           "points_through_warp", "point_gap", "own_target_progress", "warp_landmarks", "held_out_landmarks",
           "redetection", "folds", "face_distortion", "warp_face_distortion", "second_reading", "RUN_METRICS",
           "exact_tps_folds", "animeface_redetection", "near_white"]


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


# ----------------------------------------------------------------------------------------------- run metrics
_NAN = float("nan")


def metric(*, version: int):
    """Declare a run metric's definition version: a stored run scored by an older one is scored again
    (:func:`survey_lib.evaluation.evaluate.evaluate`). Bump it whenever what the metric returns changes.

    >>> @metric(version=2)
    ... def my_metric(pair, result) -> dict[str, float]:
    ...     return {"x": 1.0}
    >>> my_metric.version
    2
    """
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"a metric's version is a positive integer, got {version!r}")

    def mark(fn):
        fn.version = version
        return fn

    return mark


def point_gap(pair, result) -> dict[str, float]:
    """``gap_px``: mean distance (px at the working size) from the method's own keypoints to its targets before the
    run: the distance it was asked to travel. NaN for methods without keypoints."""
    if result.correspondences is None or result.targets is None:
        return {"gap_px": _NAN}
    return {"gap_px": float((result.targets - result.correspondences.src).norm(dim=1).mean())}


def own_target_progress(pair, result) -> dict[str, float]:
    """``own_target_progress``: :func:`keypoint_progress` of the method's keypoints toward the targets it optimised
    (1 = reached, 0 = stayed, < 0 = moved away). This scores the optimiser on its own objective: evidence that it
    worked, not independent evidence about geometry. NaN for methods without keypoints."""
    if result.correspondences is None or result.targets is None or result.moved is None:
        return {"own_target_progress": _NAN}
    return {"own_target_progress": keypoint_progress(result.correspondences.src, result.moved, result.targets)}


def reached_progress(src: torch.Tensor, carried: torch.Tensor, targets: torch.Tensor) -> float:
    """:func:`keypoint_progress` over the points a warp reached (``carried`` rows not NaN, see
    :func:`points_through_warp`): a landmark outside the frame (a chin below the bottom edge) or inside a fold has no
    carried position and is left out. NaN when the warp reached fewer than half of the points."""
    keep = torch.isfinite(carried).all(dim=1)
    if int(keep.sum()) * 2 < len(keep):
        return _NAN
    return keypoint_progress(src[keep], carried[keep], targets[keep])


def _carried_progress(pair, result, index=slice(None)) -> float:
    """:func:`reached_progress` of the content landmarks ``index`` carried through the applied warp toward the
    aligned style landmarks (``pair.targets``)."""
    p, targets = pair.landmarks("content")[index], pair.targets[index]
    return reached_progress(p, points_through_warp(result.warp, p), targets)


@metric(version=2)  # 2: progress over the landmarks the warp reaches, not NaN when one is lost
def warp_landmarks(pair, result) -> dict[str, float]:
    """``warp_progress``: where the warp the method applied carries the pair's 68 content landmarks
    (:func:`points_through_warp`), as a share of the way to the similarity-aligned style landmarks
    (``pair.targets``). It sees the whole geometric change, whatever points the method optimised; NaN when the method
    applies no warp or the pair has no landmarks on both sides. ``landmark_gap_px``: the distance to travel;
    ``warp_unreached``: how many of the 68 the warp does not reach (left out of the progress, see
    :func:`reached_progress`)."""
    targets = pair.targets
    if targets is None:
        return {"warp_progress": _NAN, "landmark_gap_px": _NAN, "warp_unreached": _NAN}
    p = pair.landmarks("content")
    gap = float((targets - p).norm(dim=1).mean())
    if result.warp is None:
        return {"warp_progress": _NAN, "landmark_gap_px": gap, "warp_unreached": _NAN}
    carried = points_through_warp(result.warp, p)
    return {"warp_progress": reached_progress(p, carried, targets), "landmark_gap_px": gap,
            "warp_unreached": float((~torch.isfinite(carried).all(dim=1)).sum())}



@metric(version=2)  # as warp_landmarks
def held_out_landmarks(pair, result) -> dict[str, float]:
    """``held_out_progress``: :func:`warp_landmarks` restricted to the landmarks the method was *not* told to move.
    A landmark method run with ``keypoints="even"`` optimises (or, for the Face-of-Art spline, interpolates) the
    even-indexed 34 of the 68 landmarks; the applied warp is scored on the odd-indexed 34 (and vice versa), toward the
    similarity-aligned style landmarks (``pair.targets``, aligned on all 68). It asks whether the warp moved the
    *face*, not only the points it was given; NaN for runs that used all their keypoints or apply no warp."""
    corr = result.correspondences
    which = corr.keypoints if corr is not None else "all"
    if which == "all" or result.warp is None or pair.targets is None:
        return {"held_out_progress": _NAN}
    return {"held_out_progress": _carried_progress(pair, result, slice(1, None, 2) if which == "even"
                                                   else slice(0, None, 2))}



def redetection(pair, result) -> dict[str, float]:
    """dlib re-detects the landmarks on the output (:func:`geometry_scores`): ``detected`` (1/0), ``nme_to_content``,
    ``nme_to_style`` (normalised by the content's inter-ocular distance), ``gap_nme`` and
    ``landmark_progress = 1 - nme_to_style / gap_nme``. Independent of every optimiser; NaN where dlib finds no face
    on the output, or the pair has no landmarks on both sides."""
    targets = pair.targets
    if targets is None:
        return {"detected": _NAN, "nme_to_content": _NAN, "nme_to_style": _NAN, "gap_nme": _NAN,
                "landmark_progress": _NAN}
    g = geometry_scores(result.image, pair.landmarks("content"), targets)
    return {"detected": float(g["detected"]), "nme_to_content": g["nme_to_content"], "nme_to_style": g["nme_to_style"],
            "gap_nme": g["gap"], "landmark_progress": g["progress"]}


def folds(pair, result) -> dict[str, float]:
    """``folded_%``: percentage of output pixels where the applied warp folds over (Jacobian determinant <= 0);
    ``jacobian_min`` / ``jacobian_max``: the range of its local area change. NaN when the method applies no warp."""
    from ..geometry.warp import folded_fraction, jacobian_determinant

    if result.warp is None:
        return {"folded_%": _NAN, "jacobian_min": _NAN, "jacobian_max": _NAN}
    det = jacobian_determinant(result.warp)
    return {"folded_%": 100 * folded_fraction(result.warp), "jacobian_min": float(det.min()),
            "jacobian_max": float(det.max())}


def face_distortion(pair, result) -> dict[str, float]:
    """How unevenly the applied warp stretches the face, beyond whether it folds (:func:`warp_face_distortion` over
    the content's 68 landmarks): ``face_area_spread`` and ``face_folded_%``. NaN without a warp or landmarks."""
    p = pair.landmarks("content")
    if result.warp is None or p is None:
        return {"face_area_spread": _NAN, "face_folded_%": _NAN}
    return warp_face_distortion(result.warp, p)


def warp_face_distortion(warp: torch.Tensor, points: torch.Tensor) -> dict[str, float]:
    """How unevenly the backward map ``warp`` (``(H, W, 2)`` input (x, y) per output pixel) stretches the face
    whose landmarks ``points`` (``(K, 2)`` x/y px) are: over their bounding box, ``face_area_spread`` is the standard
    deviation of log2 of the local area change (Jacobian determinant; 0 for a shift or a uniform scaling, 1 when
    areas typically differ by a factor of two), over the pixels that do not fold, and ``face_folded_%`` the share
    there that folds."""
    from ..geometry.warp import jacobian_determinant

    det = jacobian_determinant(warp)
    h, w = det.shape
    x0, y0 = (int(v) for v in points.min(0).values.floor().clamp(min=0))
    x1, y1 = int(points[:, 0].max().ceil().clamp(max=w - 1)), int(points[:, 1].max().ceil().clamp(max=h - 1))
    face = det[y0:y1 + 1, x0:x1 + 1].flatten().double()
    kept = face[face > 0]
    return {"face_area_spread": float(kept.log2().std()) if len(kept) > 1 else _NAN,
            "face_folded_%": float(100 * (face <= 0).double().mean())}


def near_white(pair, result) -> dict[str, float]:
    """``white_%``: the share of the output's pixels with every channel above 0.9, and ``style_white_%`` /
    ``content_white_%`` the same for the two inputs at the working size: whether a pale output copies a pale style
    (what Gram-matrix style losses do) or loses its content some other way."""
    def share(img):
        return float(100 * (img.min(dim=1).values > 0.9).double().mean())

    return {"white_%": share(result.image), "style_white_%": share(pair.style), "content_white_%": share(pair.content)}


def exact_tps_folds(pair, result) -> dict[str, float]:
    """Folded pixels of the exact thin-plate spline through the method's own keypoints (the Face-of-Art warp for
    the same correspondences), for comparison with :func:`folds`: ``exact_tps_folded_%`` to the full targets, and
    ``moved_tps_folded_%`` to where the method's keypoints ended up (the spline at the displacement the method
    reached: the two warps compared at equal displacement). NaN for methods without keypoints."""
    from ..geometry.warp import folded_fraction, sampling_map

    if result.correspondences is None or result.targets is None:
        return {"exact_tps_folded_%": _NAN, "moved_tps_folded_%": _NAN}
    size, src = tuple(result.image.shape[-2:]), result.correspondences.src
    moved = (_NAN if result.moved is None else 100 * folded_fraction(sampling_map(src, result.moved, size)))
    return {"exact_tps_folded_%": 100 * folded_fraction(sampling_map(src, result.targets, size)),
            "moved_tps_folded_%": moved}


def animeface_redetection(pair, result) -> dict[str, float]:
    """AnimeFace run again on the output (at 256 px at least): ``animeface_faces`` found there, and where it finds
    one, ``animeface_progress``: :func:`keypoint_progress` of the parts it detects toward the method's targets
    (for 13-point AnimeFace correspondences only; NaN otherwise). Independent of the optimiser."""
    from ..geometry import animeface

    found = animeface.detect(result.image, min_side=256)
    out = {"animeface_faces": float(len(found)), "animeface_progress": _NAN}
    corr = result.correspondences
    if found and corr is not None and result.targets is not None and len(corr.src) == len(animeface.CORRESPONDENCE):
        out["animeface_progress"] = keypoint_progress(corr.src, animeface.part_points(found[0]), result.targets)
    return out


@metric(version=2)  # as warp_landmarks
def second_reading(pair, result) -> dict[str, float]:
    """The geometry checked against a second, independent reading of both faces (:mod:`survey_lib.geometry.readers`: a
    Haar face box and dlib's separately trained 5-point model: eye corners and nose base), instead of the 68-point
    reading every other metric and FastDST itself use. Both readings of the style are brought into the content frame by
    the same similarity (the 68-point alignment of ``pair.targets``), so they differ only in where each reads the
    features.

    * ``style_reading_gap``: NME between the pair's 68-point style landmarks and the second reading of the style:
      large where the two readings disagree about the painted face (one of them misreads it).
    * ``dlib5_warp_progress``: the five features as the 68-point reading places them on the content, carried through
      the applied warp, as a share of the way to where it places them on the style; ``second_warp_progress``: the
      same with the second reading on both faces. NaN without a warp.
    * ``second_redetected_progress``: the second reader run on the output picture, the same share (every method).

    NaN where the second reader finds no face on an image it needs, or either face has no 68 landmarks."""
    from ..geometry.readers import FIVE_IN_68, five_points, reading_gap

    out = dict.fromkeys(("style_reading_gap", "dlib5_warp_progress", "second_warp_progress",
                         "second_redetected_progress"), _NAN)
    c68, s68, targets = pair.landmarks("content"), pair.landmarks("style"), pair.targets
    s5 = five_points(pair.style)
    if s5 is None or targets is None:
        return out
    out["style_reading_gap"] = reading_gap(s68, s5)
    from ..geometry.landmarks import apply_transform, similarity_transform

    into_content = torch.linalg.inv(similarity_transform(c68, s68))  # as pair.targets (dst.warp_targets) aligns
    idx = list(FIVE_IN_68)
    c5, target5 = five_points(pair.content), apply_transform(into_content, s5.double()).float()
    if result.warp is not None:
        out["dlib5_warp_progress"] = _carried_progress(pair, result, idx)
        if c5 is not None:
            out["second_warp_progress"] = reached_progress(c5, points_through_warp(result.warp, c5), target5)
    o5 = five_points(result.image) if c5 is not None else None
    if o5 is not None:
        out["second_redetected_progress"] = keypoint_progress(c5, o5, target5)
    return out



#: the metrics :func:`survey_lib.evaluation.evaluate.evaluate` computes by default, in column order
RUN_METRICS = (point_gap, own_target_progress, warp_landmarks, held_out_landmarks, redetection, folds, face_distortion,
               second_reading)
