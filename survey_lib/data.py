"""The curated image catalogue in ``data/`` (names, roles, categories, licences, provenance).

>>> from survey_lib import data
>>> [e.name for e in data.list_images(role="content")]   # doctest: +SKIP
['astronaut', 'grace_hopper']
>>> img = data.get("astronaut", size=256)                 # (1, 3, 256, 256) in [0, 1]
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from . import env
from .images import load_image, resize_points
from .utils import bundled_dir

__all__ = ["CATEGORIES", "Entry", "data_dir", "catalogue", "list_images", "entry", "path", "get", "landmarks",
           "character", "UnknownImageError", "NoLandmarks"]


#: Image categories. photo: face photographs; drawing: clip art traced from photographs; painting: painted or
#: drawn portraits; cartoon: cartoon, caricature and manga-style clip art; anime: faces from anime art;
#: texture: no face.
CATEGORIES = ("photo", "drawing", "painting", "cartoon", "anime", "texture")


class NoLandmarks(LookupError):
    """The catalogue has no landmark file for this image."""


class UnknownImageError(KeyError):
    """A name that is not in the catalogue."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


@dataclass(frozen=True)
class Entry:
    """One catalogue row. ``file`` is relative to :func:`data_dir`."""

    name: str
    file: str
    role: str          #: "content" or "style"
    category: str      #: one of :data:`CATEGORIES`
    licence: str
    source: dict
    crop: list | None = None
    size: list | None = None
    landmarks: str | None = None
    note: str = ""
    landmark_source: str = ""


def data_dir() -> Path:
    """``$SURVEY_DATA_DIR``, else the ``data/`` folder of the checkout or of the installed wheel."""
    return env.data_dir() or bundled_dir("data")


@lru_cache(maxsize=4)
def _load(folder: str) -> dict[str, Entry]:
    file = Path(folder) / "catalogue.json"
    if not file.is_file():
        raise FileNotFoundError(f"'{file}' not found: point SURVEY_DATA_DIR at a folder with catalogue.json, or "
                                "unset it to use the images that come with the package")
    try:
        rows = json.loads(file.read_text())["images"]
        return {r["name"]: Entry(**r) for r in rows}
    except (ValueError, KeyError, TypeError) as exc:  # truncated or hand-edited
        raise ValueError(f"'{file}' is not a readable catalogue ({type(exc).__name__}: {exc}); restore it, or unset "
                         "SURVEY_DATA_DIR to use the images that come with the package") from None


def catalogue() -> dict[str, Entry]:
    """All entries by name."""
    return dict(_load(str(data_dir())))


def list_images(role: str | None = None, category: str | None = None) -> list[Entry]:
    """Entries filtered by role and/or category, in catalogue order."""
    return [e for e in catalogue().values()
            if (role is None or e.role == role) and (category is None or e.category == category)]


def entry(name: str) -> Entry:
    """The catalogue row of ``name``; :class:`UnknownImageError` lists the valid names."""
    cat = catalogue()
    if name not in cat:
        import difflib

        close = difflib.get_close_matches(name, cat, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownImageError(f"no image named {name!r} in the catalogue and no such file; {hint}known names: "
                                f"{', '.join(sorted(cat))}")
    return cat[name]


def path(name: str) -> Path:
    """Absolute path of the image file of ``name``."""
    return data_dir() / entry(name).file


def get(name: str, size: int | None = None, *, device: torch.device | str | None = None) -> torch.Tensor:
    """Load catalogue image ``name`` as ``(1, 3, H, W)`` in [0, 1], optionally resized to ``size`` squared."""
    return load_image(path(name), size, device=device)


def landmarks(name: str, size: int | None = None) -> torch.Tensor:
    """The 68 landmarks of ``name`` as ``(68, 2)`` (x, y) pixels, in the frame of ``get(name, size)``.

    ``Entry.landmark_source`` says whether they come from dlib or were placed by hand.

    Raises:
        NoLandmarks: the image has none (textures, and faces neither dlib nor a person could annotate).
    """
    from .geometry.landmarks import load_landmarks

    e = entry(name)
    if not e.landmarks:
        raise NoLandmarks(f"{name!r} has no landmark file ({e.landmark_source or 'none recorded'})")
    pts = load_landmarks(data_dir() / e.landmarks)
    if size is None:
        return pts
    w, h = e.size
    return resize_points(pts, (h, w), size)


def character(name: str) -> str:
    """The character (or artist's series) a catalogue face belongs to: its name before the first underscore
    (``sylvie_blue`` -> ``sylvie``), so that the repeated drawings of one character count once."""
    return name.split("_")[0]
