"""A content/style pair resolved once: what every method and every metric of one run reads.

>>> from survey_lib.evaluation.pairs import Pair
>>> pair = Pair.resolve("astronaut", "mona_lisa", size=256)     # catalogue names or paths
>>> pair.content.shape, pair.landmarks("style").shape           # doctest: +SKIP
(torch.Size([1, 3, 256, 256]), torch.Size([68, 2]))

Each image file is decoded once, centre-cropped to a square (the user is told when that crops), and every view a
method needs is resized from that one decode: the working size (``size``), NBB's matching size (``match_size``)
and the detection image (the image's own resolution, raised to ``match_size`` and capped at
:data:`MAX_DETECT_SIDE`: dlib misses faces under ~80 px, and its time grows with the area).

Convention: points are ``(x, y)`` pixels of the image they belong to; :meth:`Pair.landmarks` and
:attr:`Pair.targets` are in the ``size x size`` working frame.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from functools import cached_property

import torch

from ..images import ImageLike, center_crop, load_image, resize, resize_points
from ..utils import SurveyWarning

__all__ = ["Pair", "ROLES", "MAX_DETECT_SIDE", "catalogue_name", "resolve_image", "image_label", "shape_gaps"]

ROLES = ("content", "style")

#: largest side at which landmarks are detected; bigger images are shrunk to it (dlib's time grows with the area)
MAX_DETECT_SIDE = 1024


def catalogue_name(src) -> str | None:
    """``src`` when it names a catalogue image: a plain word (no folder, no suffix) that is not an existing file."""
    if isinstance(src, str) and "/" not in src and os.sep not in src and "." not in src and not os.path.isfile(src):
        return src
    return None


def resolve_image(src: ImageLike) -> ImageLike:
    """Catalogue names are accepted wherever an image is: ``run("nst", "astronaut", "starry_night")``, and so are
    the names of the geometric-style benchmark (``"mona_lisa~long_face~14"``, see
    :mod:`survey_lib.evaluation.geometric_styles`)."""
    from . import geometric_styles

    if geometric_styles.is_style_name(src):
        return geometric_styles.style(src).image
    if catalogue_name(src) is not None:
        from .. import data

        return data.path(src)
    return src


def image_label(src: ImageLike, role: str) -> str:
    """A short name for tables: the catalogue name, the file's stem, or ``"<role>"`` for in-memory images."""
    if catalogue_name(src) is not None:
        return src
    if isinstance(src, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(src)))[0]
    return f"<{role}>"


@dataclass(eq=False)
class Pair:
    """One content image and one style image, with optional landmark files or ``(68, 2)`` tensors for either.

    Build it with :meth:`resolve`, which checks both images before any work. Views are decoded lazily and kept;
    pickling keeps only the sources (a worker process decodes again), so a pair travels cheaply to an executor.

    Attributes:
        sources: ``{"content": ImageLike, "style": ImageLike}`` as given (catalogue names, paths, arrays...).
        size: working size (square) of :attr:`content`, :attr:`style`, :meth:`landmarks` and :attr:`targets`.
        match_size: NBB's matching size and the smallest detection side.
        given_landmarks: ``{role: file or (68, 2) tensor}`` for the roles that have one, in the image's own frame.
    """

    sources: dict
    size: int
    match_size: int = 256
    given_landmarks: dict | None = None

    @classmethod
    def resolve(cls, content: ImageLike, style: ImageLike, *, size: int = 256, match_size: int = 256,
                content_landmarks=None, style_landmarks=None) -> "Pair":
        """Check and decode both images (:class:`~survey_lib.images.ImageError` names a bad one); a non-square
        image is centre-cropped and a :class:`~survey_lib.utils.SurveyWarning` says so."""
        given = {r: g for r, g in zip(ROLES, (content_landmarks, style_landmarks)) if g is not None}
        pair = cls({"content": content, "style": style}, int(size), int(match_size), given or None)
        for role in ROLES:
            pair._native(role)
        for role in given:
            pair._given_points(role)  # a bad landmark file fails here, before any work
        return pair

    # ------------------------------------------------------------------------------------------------ images
    def _native(self, role: str) -> torch.Tensor:
        """The centre square of the image at its own resolution, decoded once."""
        cache = self.__dict__.setdefault("_decoded", {})
        if role not in cache:
            src = self.sources[role]
            img = load_image(resolve_image(src))
            h, w = img.shape[-2:]
            if h != w:
                label = src if isinstance(src, (str, os.PathLike)) else f"the {role} image"
                warnings.warn(f"{label} is {w}x{h}: its centre {min(h, w)}x{min(h, w)} square is used (resized to "
                              f"{self.size} px)", SurveyWarning, stacklevel=4)
            cache[role] = center_crop(img)
            self.__dict__.setdefault("_shape", {})[role] = (h, w)
        return cache[role]

    def full_shape(self, role: str) -> tuple[int, int]:
        """``(H, W)`` of the image as given, before the centre crop."""
        self._native(role)
        return self.__dict__["_shape"][role]

    def image(self, role: str, size: int | None = None) -> torch.Tensor:
        """``(1, 3, size, size)`` in [0, 1] (default: the working size)."""
        return resize(self._native(role), size or self.size)

    @cached_property
    def content(self) -> torch.Tensor:
        """``(1, 3, size, size)`` content image in [0, 1]."""
        return self.image("content")

    @cached_property
    def style(self) -> torch.Tensor:
        """``(1, 3, size, size)`` style image in [0, 1]."""
        return self.image("style")

    def detection_image(self, role: str) -> torch.Tensor:
        """The square at the side landmark detectors run at: the image's own, raised to :attr:`match_size` for small
        images and capped at :data:`MAX_DETECT_SIDE`."""
        img = self._native(role)
        side = min(max(img.shape[-1], self.match_size), MAX_DETECT_SIDE)
        return img if side == img.shape[-1] else resize(img, side)

    @property
    def names(self) -> dict[str, str]:
        """How error messages call each image given as a name or path."""
        return {r: str(s) for r, s in self.sources.items() if isinstance(s, (str, os.PathLike))}

    @property
    def labels(self) -> tuple[str, str]:
        """``(content, style)`` short names for tables."""
        return tuple(image_label(self.sources[r], r) for r in ROLES)

    # ------------------------------------------------------------------------------------------------ landmarks
    def _given_points(self, role: str) -> torch.Tensor:
        """The given landmarks in the frame of the image as given, checked to lie inside it; read once (a file's
        warnings are said once)."""
        cache = self.__dict__.setdefault("_given", {})
        if role not in cache:
            cache[role] = self._read_given(role)
        return cache[role]

    def _read_given(self, role: str) -> torch.Tensor:
        from ..geometry.landmarks import LandmarkFileError, load_landmarks

        given = (self.given_landmarks or {})[role]
        pts = given.float() if isinstance(given, torch.Tensor) else load_landmarks(given)
        h, w = self.full_shape(role)
        tol = 0.02 * max(h, w)
        outside = (pts[:, 0] < -tol) | (pts[:, 0] > w - 1 + tol) | (pts[:, 1] < -tol) | (pts[:, 1] > h - 1 + tol)
        if outside.any():
            what = f"'{given}'" if not isinstance(given, torch.Tensor) else f"the given {role}_landmarks"
            i = int(outside.nonzero()[0])
            raise LandmarkFileError(f"{what}: {int(outside.sum())} of {len(pts)} points lie outside the {role} image "
                                    f"({w}x{h} px), e.g. point {i} at ({pts[i, 0]:.0f}, {pts[i, 1]:.0f}); landmarks "
                                    "are (x, y) pixels of the image as given")
        return pts

    def file_landmarks(self, role: str, side: int) -> tuple[torch.Tensor, str] | None:
        """Landmarks from a file at ``side`` px: the given ones, else the catalogue's landmark file of a named image,
        else ``None`` (the caller falls back to a detector). Returns ``(points, where they came from)``."""
        from .. import data

        from . import geometric_styles

        if role in (self.given_landmarks or {}):
            pts = self._given_points(role)
            return resize_points(pts, self.full_shape(role), side), f"{role}: given"
        if geometric_styles.is_style_name(self.sources[role]):
            built = geometric_styles.style(self.sources[role])
            return resize_points(built.landmarks, tuple(built.image.shape[-2:]), side), f"{role}: exact"
        name = catalogue_name(self.sources[role])
        if name is not None and data.entry(name).landmarks:
            return data.landmarks(name, side), f"{role}: {data.entry(name).landmark_source.split(':')[0]}"
        return None

    def landmarks(self, role: str) -> torch.Tensor | None:
        """The reference 68 landmarks of ``role`` at the working size, which the metrics score against: a file (see
        :meth:`file_landmarks`), else dlib on :meth:`detection_image`; ``None`` where neither has a face."""
        cache = self.__dict__.setdefault("_landmarks", {})
        if role not in cache:
            found = self.file_landmarks(role, self.size)
            if found is not None:
                cache[role] = found[0]
            else:
                from ..geometry.landmarks import NoFaceFound, detect

                img = self.detection_image(role)
                try:
                    cache[role] = resize_points(detect(img).points, tuple(img.shape[-2:]), self.size)
                except NoFaceFound:
                    cache[role] = None
        return cache[role]

    @property
    def targets(self) -> torch.Tensor | None:
        """``(68, 2)`` style landmarks similarity-aligned into the content frame (DST's P'), ``None`` without
        landmarks on both sides."""
        from ..methods.dst import warp_targets

        c, s = self.landmarks("content"), self.landmarks("style")
        return None if c is None or s is None or c.shape != s.shape else warp_targets(c, s, self.size)

    # ------------------------------------------------------------------------------------------------ identity
    def digest(self) -> str:
        """SHA-256 of everything the pair feeds a method: both images' bytes, the given landmarks and the catalogue
        landmark files, and the sizes. Two pairs with the same digest give the same runs."""
        from . import geometric_styles

        h = hashlib.sha256(f"{self.size}|{self.match_size}".encode())
        for role in ROLES:
            h.update(role.encode())
            h.update(_source_bytes(resolve_image(self.sources[role])))
            given = (self.given_landmarks or {}).get(role)
            if given is not None:
                h.update(b"given" + _source_bytes(given))
            name = catalogue_name(self.sources[role])
            if geometric_styles.is_style_name(name):  # a geometric style: its image is hashed above, its landmarks here
                h.update(b"exact" + geometric_styles.style(name).landmarks.numpy().tobytes())
            elif name is not None:
                from .. import data

                e = data.entry(name)
                if e.landmarks:
                    h.update(b"catalogue" + (data.data_dir() / e.landmarks).read_bytes())
        return h.hexdigest()

    def __getstate__(self):
        return {k: self.__dict__[k] for k in ("sources", "size", "match_size", "given_landmarks")}

    def __repr__(self) -> str:
        return f"Pair({' / '.join(self.labels)}, size={self.size})"


def _source_bytes(src) -> bytes:
    """The bytes that identify an image or landmark source: a file's contents, an array's or tensor's values."""
    import numpy as np
    from PIL import Image

    if isinstance(src, (str, os.PathLike)):
        path = os.fspath(src)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                return f.read()
        return path.encode()  # a URL: its address
    if isinstance(src, torch.Tensor):
        t = src.detach().cpu().contiguous()
        return f"{t.dtype}{tuple(t.shape)}".encode() + t.numpy().tobytes()
    if isinstance(src, np.ndarray):
        return f"{src.dtype}{src.shape}".encode() + np.ascontiguousarray(src).tobytes()
    if isinstance(src, Image.Image):
        return f"{src.mode}{src.size}".encode() + src.tobytes()
    raise TypeError(f"cannot identify an input of type {type(src).__name__}")


def shape_gaps(contents, styles, *, size: int = 256, indices=None):
    """:func:`survey_lib.geometry.shapes.shape_gap` of every content x style image with 68 landmarks (catalogue
    files, else dlib), a DataFrame with ``content``, ``style``, ``category`` (the style's catalogue category),
    ``character`` (:func:`survey_lib.data.character` of the style: the repeated drawings of one anime character, or
    one artist's series, count as one style when intervals are taken over characters) and ``gap_nme``; pairs where
    either face has no landmarks are left out."""
    import pandas as pd

    from .. import data
    from ..geometry.shapes import shape_gap

    category = {e.name: e.category for e in data.list_images()}
    rows = []
    for c in contents:
        for s in styles:
            pair = Pair.resolve(c, s, size=size, match_size=size)
            pc, ps = pair.landmarks("content"), pair.landmarks("style")
            if pc is not None and ps is not None and pc.shape == ps.shape == (68, 2):
                rows.append({"content": c, "style": s, "category": category.get(s, ""), "character": data.character(s),
                             "gap_nme": shape_gap(pc, ps, indices=indices)})
    return pd.DataFrame(rows)
