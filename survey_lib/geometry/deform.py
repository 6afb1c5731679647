"""Graded changes of a face's geometry, and the check that what comes out is still a face.

Three families, each a smooth map of the 68 landmarks whose size one number sets (0 = the face unchanged):

* :func:`caricature` (Brennan 1985): the face's difference from a mean shape, multiplied by ``factor``
  (``1`` = unchanged, ``2`` = twice as different);
* :func:`long_face`: a painter's elongation (Modigliani): everything below the eyes stretched down by
  ``1 + amount``, the brows and forehead by half that, the face narrowed by ``1 + amount / 2``;
* :func:`anime_eyes`: anime proportions: the lower face pulled up toward the eyes by ``1 + amount`` and tapered to a
  pointed chin, the eyes enlarged by ``1 + amount / 2`` about their centres (brows lifted with them).

:func:`face_problems` lists what makes 68 points no longer a face (crossing contours, lips under the chin, eyes
outside the face...); an empty list means the points pass.

Points are ``(68, 2)`` ``(x, y)`` pixels in dlib's (iBUG) order, y down; "left" / "right" as seen in the image.
"""
from __future__ import annotations

import torch

from .landmarks import GROUPS, apply_transform, similarity_transform

__all__ = ["FAMILIES", "caricature", "long_face", "anime_eyes", "deform", "face_problems", "implausible"]

#: the deformation families :func:`deform` knows, and the value of their parameter that leaves the face unchanged
FAMILIES = {"caricature": 1.0, "long_face": 0.0, "anime_eyes": 0.0}


def caricature(points: torch.Tensor, mean: torch.Tensor, factor: float) -> torch.Tensor:
    """``m + factor (points - m)``, with ``m`` the ``mean`` shape similarity-aligned onto ``points``: the face's
    own deviation from the mean, scaled. ``factor`` 1 returns ``points``; 0 the aligned mean."""
    m = apply_transform(similarity_transform(mean, points), mean.double()).to(points.dtype)
    return m + factor * (points - m)


def _eye_line(points: torch.Tensor) -> float:
    return float(points[36:48, 1].mean())


def long_face(points: torch.Tensor, amount: float) -> torch.Tensor:
    """The face drawn longer and narrower: below the eye line, vertical distances to it times ``1 + amount``;
    above it, times ``1 + amount / 2``; horizontal distances to the face's centre divided by ``1 + amount / 2``.
    Continuous and monotone in both axes, so contours that did not cross still do not."""
    p = points.clone().float()
    line, centre = _eye_line(p), float(p[:, 0].mean())
    dy = p[:, 1] - line
    p[:, 1] = line + torch.where(dy > 0, dy * (1 + amount), dy * (1 + amount / 2))
    p[:, 0] = centre + (p[:, 0] - centre) / (1 + amount / 2)
    return p


def anime_eyes(points: torch.Tensor, amount: float) -> torch.Tensor:
    """Anime proportions: the face below the eye line pulled up toward it by ``1 + amount`` and tapered toward a
    pointed chin (horizontal distances to the nose's axis divided by up to ``1 + amount`` at the chin, by nothing at
    the eye line), and each eye (36-41, 42-47) enlarged by ``1 + amount / 2`` about its centre, its brow lifted by
    the eye's growth in height. The taper keeps every row's left-to-right order, so contours do not cross by it."""
    p = points.clone().float()
    line, axis, chin = _eye_line(p), float(p[27:36, 0].mean()), float(p[8, 1])
    taper = ((p[:, 1] - line) / (chin - line)).clamp(0, 1)
    p[:, 0] = axis + (p[:, 0] - axis) * (1 - taper * (1 - 1 / (1 + amount)))
    lower = p[:, 1] > line
    lower[36:48] = False
    p[lower, 1] = line + (p[lower, 1] - line) / (1 + amount)
    for eye, brow in ((GROUPS["eye_left"], GROUPS["brow_left"]), (GROUPS["eye_right"], GROUPS["brow_right"])):
        idx = list(eye)
        c = p[idx].mean(0)
        height = float(p[idx, 1].max() - p[idx, 1].min())
        p[idx] = c + (p[idx] - c) * (1 + amount / 2)
        p[list(brow), 1] -= height * amount / 4
    return p


def deform(points: torch.Tensor, family: str, value: float, *, mean: torch.Tensor | None = None) -> torch.Tensor:
    """``points`` changed by the ``family`` (one of :data:`FAMILIES`) with its parameter ``value``; ``mean``: the
    mean shape a caricature exaggerates the face away from."""
    if family == "caricature":
        if mean is None:
            raise ValueError("a caricature needs the mean shape it exaggerates away from: pass mean=")
        return caricature(points, mean, value)
    if family == "long_face":
        return long_face(points, value)
    if family == "anime_eyes":
        return anime_eyes(points, value)
    raise ValueError(f"family must be one of {', '.join(FAMILIES)}; got {family!r}")


# ----------------------------------------------------------------------------------------------- is it a face?
#: the open and closed contours whose segments may not cross each other
_CONTOURS = {"jaw": (range(0, 17), False), "brow_left": (range(17, 22), False), "brow_right": (range(22, 27), False),
             "nose_bridge": (range(27, 31), False), "nose_lower": (range(31, 36), False),
             "eye_left": (range(36, 42), True), "eye_right": (range(42, 48), True), "lip_outer": (range(48, 60), True)}


def _segments() -> tuple[torch.Tensor, list[str]]:
    """``(S, 2)`` landmark indices of every contour segment, and each segment's contour."""
    pairs, owner = [], []
    for name, (idx, closed) in _CONTOURS.items():
        idx = list(idx)
        ends = list(zip(idx, idx[1:] + idx[:1])) if closed else list(zip(idx, idx[1:]))
        pairs += ends
        owner += [name] * len(ends)
    return torch.tensor(pairs), owner


def _crossing(points: torch.Tensor) -> list[tuple[str, str]]:
    """The pairs of contours with two segments that properly cross (segments sharing a landmark are not tested)."""
    seg, owner = _segments()
    a, b = points[seg[:, 0]].double(), points[seg[:, 1]].double()

    def side(p, q, r):  # sign of the turn p -> q -> r, broadcast over segment pairs
        u, v = q - p, r - p
        return torch.sign(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])

    a1, b1, a2, b2 = a[:, None], b[:, None], a[None], b[None]
    cross = (side(a1, b1, a2) * side(a1, b1, b2) < 0) & (side(a2, b2, a1) * side(a2, b2, b1) < 0)
    shares = (seg[:, None, :, None] == seg[None, :, None, :]).any(-1).any(-1)
    i, j = torch.nonzero(torch.triu(cross & ~shares, 1), as_tuple=True)
    return sorted({(owner[k], owner[m]) for k, m in zip(i.tolist(), j.tolist())})


def implausible(points: torch.Tensor) -> str:
    """Why 68 points ``(x, y)`` do not look like an upright face in the iBUG order, or ``""``: the eyes (36-47)
    should lie above the mouth (48-67), and the subject's right eye (36-41) on the image's left of their left eye."""
    right_eye, left_eye, mouth = points[36:42].mean(0), points[42:48].mean(0), points[48:68].mean(0)
    eyes = (right_eye + left_eye) / 2
    span = float((left_eye - right_eye).norm())
    if float(mouth[1] - eyes[1]) < 0.25 * span:
        return "its mouth (points 48-67) is not below its eyes (36-47)"
    if float(left_eye[0] - right_eye[0]) < 0.25 * span:
        return "its eyes are mirrored (points 36-41 should lie left of 42-47 in the image)"
    if float(points[16, 0] - points[0, 0]) < 0.5 * span:  # faces drawn or photographed: 1.6-2.7 eye spans
        return "its jaw (points 0-16) does not run from the image's left to its right"
    return ""


def face_problems(points: torch.Tensor, *, tolerate: tuple[str, ...] = ()) -> list[str]:
    """What makes ``points`` (68 landmarks) no longer a face; empty when they pass every check: upright (eyes above
    the mouth, not mirrored, the jaw running left to right), no two contours crossing (jaw, brows, nose, eyes,
    outer lip; a contour of ``tolerate`` may cross itself), the lips above the chin, each eye inside the jaw's
    horizontal span and above the nose tip, each brow's middle above its eye's top."""
    p = points.float()
    problems = [why for why in [implausible(p)] if why]
    problems += [f"contours {a} and {b} cross" for a, b in _crossing(p) if not (a == b and a in tolerate)]
    if float(p[48:68, 1].max()) >= float(p[8, 1]):
        problems.append("the lips reach the chin (point 8) or below it")
    jaw_x = float(p[0:17, 0].min()), float(p[0:17, 0].max())
    eyes = p[36:48]
    if float(eyes[:, 0].min()) <= jaw_x[0] or float(eyes[:, 0].max()) >= jaw_x[1]:
        problems.append("an eye reaches outside the jaw's span")
    if float(eyes[:, 1].max()) >= float(p[30, 1]):
        problems.append("an eye reaches the nose tip (point 30) or below it")
    for brow, eye in (("brow_left", "eye_left"), ("brow_right", "eye_right")):
        if float(p[list(GROUPS[brow]), 1].mean()) >= float(p[list(GROUPS[eye]), 1].min()):
            problems.append(f"{brow} is not above {eye} (its middle below the eye's top)")
    return problems
