"""A geometric-style benchmark with exact landmarks: catalogue portraits warped into styles whose shape differs from
the photographs' by known, graded amounts.

Each style is a base portrait with 68 landmarks (:data:`BASE_STYLES`: paintings and drawings from four registry
packages), its landmarks changed by one family of :mod:`survey_lib.geometry.deform` until their aligned gap to
the photographs' mean shape (:func:`photo_mean_shape`; :func:`survey_lib.geometry.shapes.shape_gap`, NME with pose
and size removed) is one of :data:`LEVELS`, then the image warped by a thin-plate spline that carries the old
landmarks onto the new ones. The new landmarks are the style's ground truth: no detector reads them.

A level is built only where the result is still a face (:func:`survey_lib.geometry.deform.face_problems` finds
nothing), the spline does not fold and the face stays inside the frame; :func:`benchmark_table` says which cells
were built and why the others were not. Everything is computed from the catalogue, deterministically (bisection,
float64 splines, the image rounded to 8 bits), so the benchmark ships no files: :attr:`GeometricStyle.digest`
names what was built.

Images are ``(1, 3, size, size)`` RGB in [0, 1]; points ``(68, 2)`` ``(x, y)`` pixels of that image.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import torch

from ..geometry.deform import FAMILIES, deform, face_problems
from ..geometry.landmarks import apply_transform, mean_shape, similarity_transform
from ..geometry.shapes import shape_gap
from ..geometry.warp import dedupe_pairs, folded_fraction, grid_sample_xy, sampling_map

__all__ = ["BASE_STYLES", "LEVELS", "STYLE_SIZE", "GeometricStyle", "Unreachable", "photo_mean_shape", "calibrate",
           "build", "style_name", "is_style_name", "style", "benchmark_styles", "benchmark_table"]

#: base portraits (catalogue names, 68 landmarks each) from gcompris-qt-data, texlive, flare-game and openclipart
BASE_STYLES = ("mona_lisa", "pere_tanguy", "bronte_richmond", "flare_female01", "flare_male02", "einstein_drawing")
#: target shape gaps to the photographs' mean shape (NME): from about two photographs' gap (0.08) to beyond the
#: largest measured in painted faces (0.17)
LEVELS = (0.08, 0.11, 0.14, 0.17, 0.20)
#: each family's parameter range searched for a level (the unchanged face first)
_RANGE = {"caricature": (1.0, 6.0), "long_face": (0.0, 2.0), "anime_eyes": (0.0, 3.0)}
_TOLERANCE = 5e-4  # of the gap, in NME
#: the side a style is built at when it is named in a pair (``"mona_lisa~long_face~14"``); pairs resize from it
STYLE_SIZE = 256


class Unreachable(ValueError):
    """A base style cannot reach a level in a family while staying a face; the message says why."""


@dataclass(frozen=True, eq=False)
class GeometricStyle:
    """One style of the benchmark.

    Attributes:
        name: ``"<base>~<family>~<level in hundredths>"`` (:func:`style_name`), a name that pairs, ``evaluate``
            and the CLI take wherever a catalogue name goes.
        base, family, level: what it was built from and the target gap.
        value: the family's parameter that reaches it; gap: the gap reached (within 5e-4 of ``level``).
        image: ``(1, 3, size, size)`` in [0, 1], rounded to 8 bits; landmarks: ``(68, 2)`` its exact landmarks.
        digest: SHA-256 of the image bytes and the landmarks (what a store key sees).
    """

    name: str
    base: str
    family: str
    level: float
    value: float
    gap: float
    image: torch.Tensor
    landmarks: torch.Tensor
    digest: str


@lru_cache(maxsize=1)
def photo_mean_shape() -> torch.Tensor:
    """``(68, 2)`` Procrustes mean of the 68 landmarks of every catalogue photograph (in the first one's frame)."""
    from .. import data

    shapes = [data.landmarks(e.name) for e in data.list_images(category="photo")]
    return mean_shape([s for s in shapes if s is not None and s.shape == (68, 2)])


def calibrate(points: torch.Tensor, family: str, level: float, mean: torch.Tensor) -> float:
    """The parameter of ``family`` at which ``points`` deformed has the aligned gap ``level`` to ``mean``
    (bisection over the family's range; the gap grows with the parameter there).

    Raises:
        Unreachable: the face is already farther than ``level``, or the range ends before it.
    """
    if family not in _RANGE:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}; got {family!r}")
    lo, hi = _RANGE[family]

    def gap(v):
        return shape_gap(mean, deform(points, family, v, mean=mean))

    start, end = gap(lo), gap(hi)
    if start > level + _TOLERANCE:
        raise Unreachable(f"the base is already {start:.3f} from the photographs, beyond {level}")
    if end < level:
        raise Unreachable(f"{family} reaches only {end:.3f} at {hi}, short of {level}")
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) < level else (lo, mid)
        if hi - lo < 1e-6:
            break
    return (lo + hi) / 2


def _base(base: str, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The base portrait at ``size`` and its 68 landmarks in that frame."""
    from .pairs import Pair

    pair = Pair.resolve(base, base, size=size, match_size=size)
    points = pair.landmarks("style")
    if points is None or points.shape != (68, 2):
        raise Unreachable(f"{base} has no 68 landmarks")
    return pair.style, points


def build(base: str, family: str, level: float, *, size: int = 256) -> GeometricStyle:
    """The style of :data:`BASE_STYLES`-like portrait ``base`` changed by ``family`` to the gap ``level``.

    Raises:
        Unreachable: the level is out of the family's reach for this base, or reaching it breaks the face (the
            message names the problem).
    """
    image, points = _base(base, size)
    mean = photo_mean_shape()
    value = calibrate(points, family, level, mean)
    moved = deform(points, family, value, mean=mean)
    # put the new shape where the old face was (a similarity changes no shape gap), so it stays in the frame
    moved = apply_transform(similarity_transform(moved, points), moved.double()).float()
    problems = face_problems(moved)
    if problems:
        raise Unreachable(f"{base} {family} at {level}: no longer a face ({problems[0]})")
    if bool(((moved < 2) | (moved > size - 3)).any()):
        raise Unreachable(f"{base} {family} at {level}: the face leaves the frame")
    keep = dedupe_pairs(points, moved)  # a closed mouth stacks inner-lip points: one of each is enough
    backward = sampling_map(points[keep].double(), moved[keep].double(), (size, size), anchors=5)
    if folded_fraction(backward) > 0:
        raise Unreachable(f"{base} {family} at {level}: the warp folds")
    warped = (grid_sample_xy(image.double(), backward).clamp(0, 1) * 255).round() / 255
    warped = warped.float()
    digest = hashlib.sha256((warped * 255).round().to(torch.uint8).numpy().tobytes()
                            + moved.numpy().tobytes()).hexdigest()
    return GeometricStyle(style_name(base, family, level), base, family, float(level), float(value),
                          shape_gap(mean, moved), warped, moved, digest)


def style_name(base: str, family: str, level: float) -> str:
    """``"mona_lisa~long_face~14"``: the name of ``base`` changed by ``family`` to the gap ``level`` (0.14)."""
    return f"{base}~{family}~{round(level * 100):02d}"


def is_style_name(name) -> bool:
    """Whether ``name`` names a style of this benchmark (it has the ``~`` no catalogue name has)."""
    return isinstance(name, str) and "~" in name


def style_parts(name: str) -> dict:
    """``{"base_style", "family", "level"}`` read off a style name (:func:`style_name`), building nothing: the
    columns a benchmark table carries beside ``style``."""
    base, family, level = name.split("~")
    return {"base_style": base, "family": family, "level": int(level) / 100}


@lru_cache(maxsize=64)
def style(name: str) -> GeometricStyle:
    """The style ``name`` (:func:`style_name`) built at :data:`STYLE_SIZE`.

    Raises:
        ValueError: the name is malformed or names no family (the message shows the form).
        Unreachable: that base cannot reach that level in that family while staying a face.
    """
    parts = name.split("~")
    if len(parts) != 3 or parts[1] not in FAMILIES or not parts[2].isdigit():
        raise ValueError(f"{name!r} is not a geometric style: names look like 'mona_lisa~long_face~14' (a catalogue "
                         f"portrait with 68 landmarks, a family of {', '.join(FAMILIES)}, the gap in hundredths)")
    from .. import data

    data.entry(parts[0])  # an unknown base fails here, naming the catalogue
    return build(parts[0], parts[1], int(parts[2]) / 100, size=STYLE_SIZE)


def benchmark_styles(*, size: int = 256, bases=BASE_STYLES, families=tuple(FAMILIES), levels=LEVELS
                     ) -> list[GeometricStyle]:
    """Every reachable style of ``bases`` x ``families`` x ``levels`` (see :func:`benchmark_table` for the rest)."""
    return [s for s in _cells(size, tuple(bases), tuple(families), tuple(levels)) if isinstance(s, GeometricStyle)]


def benchmark_table(*, size: int = 256, bases=BASE_STYLES, families=tuple(FAMILIES), levels=LEVELS):
    """A DataFrame, one row per ``base``, ``family``, ``level``: ``built`` (bool), the parameter ``value`` and the
    reached ``gap`` where built, else ``reason``."""
    import pandas as pd

    rows = []
    cells = _cells(size, tuple(bases), tuple(families), tuple(levels))
    keys = [(b, f, lv) for b in bases for f in families for lv in levels]
    for (b, f, lv), cell in zip(keys, cells):
        built = isinstance(cell, GeometricStyle)
        rows.append({"base": b, "family": f, "level": lv, "built": built,
                     "value": cell.value if built else float("nan"), "gap": cell.gap if built else float("nan"),
                     "reason": "" if built else str(cell)})
    return pd.DataFrame(rows)


@lru_cache(maxsize=4)
def _cells(size: int, bases: tuple, families: tuple, levels: tuple) -> tuple:
    """Each cell's :class:`GeometricStyle`, or the :class:`Unreachable` that says why it is not built."""
    out = []
    for b in bases:
        for f in families:
            for lv in levels:
                try:
                    out.append(build(b, f, lv, size=size))
                except Unreachable as why:
                    out.append(why)
    return tuple(out)

