"""Which face detectors find a face on which catalogue images: the evidence behind the survey's Finding 2 ("dlib can
not find a face") before any method runs.

:func:`catalogue_detection` runs dlib's frontal detector (at each short side asked for), AnimeFace and, on request,
OpenCV's Haar cascade on every catalogue image of some categories; :func:`detection_rates` reads the result per
category; :func:`catalogue_readings` reads each face a second time, independently of dlib's 68 points. Sizes are
short sides in pixels; the survey works at 256.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..geometry.deform import FAMILIES
from .geometric_styles import BASE_STYLES, LEVELS, benchmark_styles

__all__ = ["catalogue_detection", "detection_rates", "catalogue_readings", "fastdst_starts", "style_detection",
           "detection_levels"]

#: the size AnimeFace and OpenCV run at, the survey's working size
_SURVEY_SIZE = 256


def catalogue_detection(*, categories: Sequence[str] | None = None, sizes: Sequence[int] = (256,),
                        opencv: bool = False) -> pd.DataFrame:
    """One row per catalogue image (those of ``categories``, category by category in that order; else the whole
    catalogue in its order): ``name``, ``category``; ``faces@S``, the faces dlib finds (upsample 1) with the image
    rescaled to short side S, for each S of ``sizes``; ``68 points`` (``"yes"`` where dlib placed them at one of the
    sizes); ``animeface@256``, the faces AnimeFace finds at 256 px; with ``opencv``, ``opencv@256``, the faces
    OpenCV's Haar cascade (frontalface_default) finds there; and ``landmark file``: ``"hand"``, ``"dlib"`` or
    ``"-"``, where the catalogue's landmarks came from."""
    from .. import data
    from ..geometry import animeface
    from ..geometry.landmarks import opencv_faces
    from .metrics import detect_at_sizes

    if categories is None:
        entries = list(data.catalogue().values())
    else:
        entries = [e for c in categories for e in data.list_images(category=c)]
    rows = []
    for e in entries:
        found = detect_at_sizes(data.get(e.name), sizes=tuple(sizes))
        at_survey_size = data.get(e.name, _SURVEY_SIZE)
        row = {"name": e.name, "category": e.category, **{f"faces@{s}": found[f"faces@{s}"] for s in sizes},
               "68 points": "yes" if found["points"] is not None else "no"}
        if opencv:
            row["opencv@256"] = len(opencv_faces(at_survey_size))
        row["animeface@256"] = len(animeface.detect(at_survey_size))
        row["landmark file"] = ("hand" if e.landmark_source.startswith("hand") else
                                "dlib" if e.landmarks else "-")
        rows.append(row)
    return pd.DataFrame(rows)


def detection_rates(detection: pd.DataFrame, columns: Sequence[str], *,
                    categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Per category of :func:`catalogue_detection`'s table (in the order of ``categories``, those with images;
    default: as they first appear): ``images``, and for each of ``columns`` (counts of faces found)
    ``COLUMN_found``, the images with at least one, and ``COLUMN_rate``, their share."""
    found = detection[list(columns)].gt(0).groupby(detection["category"], sort=False).sum()
    images = detection.groupby("category", sort=False).size()
    rates = found.div(images, axis=0)
    out = pd.concat([images.rename("images"), found.add_suffix("_found"), rates.add_suffix("_rate")], axis=1)
    return out if categories is None else out.reindex([c for c in categories if c in out.index])


def catalogue_readings(names: Sequence[str], *, size: int) -> pd.DataFrame:
    """Each catalogue face read twice at ``size``: its catalogue landmarks (dlib's 68 points, the reading FastDST
    follows) and the second, independent reading of five features (:func:`survey_lib.geometry.readers.five_points`:
    OpenCV's Haar face box and dlib's 5-point model). Indexed by name: ``dlib68`` (a ``(68, 2)`` x/y px tensor),
    ``five`` (``(5, 2)``, or ``None`` where the second reader finds no face) and ``reading_gap`` (NME between the
    two readings of the five features, :func:`~survey_lib.geometry.readers.reading_gap`; NaN without a second
    reading)."""
    from .. import data
    from ..geometry import readers

    rows = {}
    for name in names:
        dlib68, five = data.landmarks(name, size), readers.five_points(data.get(name, size))
        rows[name] = {"dlib68": dlib68, "five": five,
                      "reading_gap": float("nan") if five is None else readers.reading_gap(dlib68, five)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("image")


def fastdst_starts(content: str, styles: Sequence[str], *, size: int, match_size: int = 256,
                   style_detector: str = "dlib") -> pd.DataFrame:
    """Whether FastDST can start from ``content`` on each of ``styles``: its matching step alone (the detectors on
    both images, ``style_detector`` on the style), which is all that decides it. One row per style: ``style``,
    ``fastdst (<style_detector>)`` (``"starts"`` or ``"NoFaceFound"``) and ``why`` (the error's message naming the
    file, empty where it starts)."""
    from ..geometry.landmarks import NoFaceFound
    from ..methods import match
    from .pairs import Pair

    rows = []
    for style in styles:
        pair = Pair.resolve(content, style, size=size, match_size=match_size)
        try:
            match(pair, "fastdst", style_detector=style_detector)
            rows.append({"style": style, f"fastdst ({style_detector})": "starts", "why": ""})
        except NoFaceFound as exc:
            rows.append({"style": style, f"fastdst ({style_detector})": "NoFaceFound", "why": str(exc)})
    return pd.DataFrame(rows)


def style_detection(*, size: int = 256, bases=BASE_STYLES, families=tuple(FAMILIES), levels=LEVELS) -> pd.DataFrame:
    """What FastDST's detectors find on each style of the geometric-style benchmark
    (:func:`survey_lib.evaluation.geometric_styles.benchmark_styles` of ``bases`` x ``families`` x ``levels``), no
    method run: one row per style (``style``, ``base``, ``family``, ``level``) with ``dlib`` (dlib's frontal
    detector finds a face, upsample 1), ``animeface`` (AnimeFace finds one, the style upscaled to 256 px at least)
    and ``found`` (either: FastDST, and every method reading the style's face with these detectors, can run). Survey
    Finding 2 per level: where both fail, FastDST raises ``NoFaceFound``."""
    from ..geometry import animeface
    from .metrics import detect_at_sizes

    rows = []
    for s in benchmark_styles(size=size, bases=bases, families=families, levels=levels):
        dlib_found = detect_at_sizes(s.image, sizes=(size,))[f"faces@{size}"] > 0
        anime_found = len(animeface.detect(s.image, min_side=256)) > 0
        rows.append({"style": s.name, "base": s.base, "family": s.family, "level": s.level, "dlib": dlib_found,
                     "animeface": anime_found, "found": dlib_found or anime_found})
    return pd.DataFrame(rows)


#: the detectors of :func:`style_detection` and the name each has in :func:`detection_levels`
_DETECTORS = {"dlib": "dlib", "animeface": "AnimeFace", "found": "either (FastDST can run)"}


def detection_levels(detection):
    """:func:`style_detection` per detector, family and level, in the layout
    :func:`survey_lib.evaluation.levels.level_summary` gives a metric: ``found`` (the share of styles with a face
    found), ``found_lo``/``found_hi`` (its 95 % bootstrap interval, the base portraits drawn with replacement: each
    base has one style per level) and ``found_n`` (styles); rows indexed by ``(name, family, level)`` with the
    detectors named ``"dlib"``, ``"AnimeFace"`` and ``"either (FastDST can run)"``."""
    from .stats import bootstrap_ci

    rows = []
    for column, name in _DETECTORS.items():
        for (family, level), g in detection.groupby(["family", "level"], sort=True):
            mean, lo, hi = bootstrap_ci(g[column].to_numpy(dtype=float))
            rows.append({"name": name, "family": family, "level": float(level), "found": mean, "found_lo": lo,
                         "found_hi": hi, "found_n": len(g)})
    return pd.DataFrame(rows).set_index(["name", "family", "level"])
