"""Anime face and face-part detection with AnimeFace (nvxs 1.0.2), called through the library's C API.

The ``animeface`` wheel on PyPI ships ``libnvxs`` (the detector, its networks compiled in) and a Python
extension that reads pixels out of Pillow's private image struct; with Pillow >= 12 that struct changed and the
extension silently finds nothing. Here the same C functions are called with :mod:`ctypes` on a numpy copy of the
image, so no Pillow internals are involved. The call sequence (grey image, 5x5 Gaussian, Laplacian edge map, two
integral images, multi-scale MLP detection with step 4, scale factor 1.095 and a 42.592 px minimum window) is the
one the wrapper uses.

>>> from survey_lib.geometry import animeface
>>> from survey_lib import data
>>> faces = animeface.detect(data.get("sylvie_ios"))            # doctest: +SKIP
>>> faces[0].left_eye                                            # doctest: +SKIP
(142, 90, 45, 45)

Conventions: boxes are ``(x, y, width, height)`` and points ``(x, y)``, integer pixels in the input image, x to
the right and y down. ``left_eye`` is the **character's** left eye, i.e. the one on the image's right (as in
AnimeFace); in iBUG's 68-point scheme that is eye 42-47.

Correspondence with the 68-point scheme (:data:`CORRESPONDENCE`, used by :func:`part_points` and
:func:`ibug_points`): each row pairs a point read off AnimeFace's parts with the same point computed from 68
iBUG landmarks.

===================  ======================================  ==================================
point                from AnimeFace parts                     from iBUG 68 points (0-based)
===================  ======================================  ==================================
eye outer, image-L   left edge of ``right_eye``, mid-height   36
eye inner, image-L   right edge of ``right_eye``, mid-height  39
eye centre, image-L  centre of ``right_eye``                  mean of 36-41
eye inner, image-R   left edge of ``left_eye``, mid-height    42
eye outer, image-R   right edge of ``left_eye``, mid-height   45
eye centre, image-R  centre of ``left_eye``                   mean of 42-47
nose tip             ``nose``                                 30
mouth corner, L      left edge of ``mouth``, mid-height       48
mouth corner, R      right edge of ``mouth``, mid-height      54
mouth centre         centre of ``mouth``                      mean of 48-67
chin                 ``chin``                                 8
jaw, image-L         left edge of ``face`` at eye height      0
jaw, image-R         right edge of ``face`` at eye height     16
===================  ======================================  ==================================

The jaw rows are the weakest: AnimeFace's face box is a square around the face, and its sides only roughly
follow the cheeks. Brows and the rest of the jaw line have no AnimeFace counterpart.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ..images import ImageLike, to_numpy, to_tensor

__all__ = ["AnimeFace", "AnimeFaceUnavailable", "CORRESPONDENCE", "MIN_LIKELIHOOD", "detect", "part_points",
           "ibug_points", "library_path"]

INSTALL_HINT = "pip install 'animeface==2.0.3' (or: pip install -e '.[landmarks]')"


class AnimeFaceUnavailable(ImportError):
    """The AnimeFace library (``animeface`` wheel with ``libnvxs``) is missing or does not work."""


@dataclass(frozen=True)
class AnimeFace:
    """One detected anime face. Boxes ``(x, y, w, h)``, points ``(x, y)``, pixels of the detection image."""

    likelihood: float
    face: tuple[int, int, int, int]
    left_eye: tuple[int, int, int, int]   #: the character's left eye (on the image's right)
    right_eye: tuple[int, int, int, int]  #: the character's right eye (on the image's left)
    mouth: tuple[int, int, int, int]
    nose: tuple[int, int]
    chin: tuple[int, int]

    def scaled(self, s: float) -> AnimeFace:
        """The same face in an image scaled by ``s`` (coordinates multiplied, then rounded)."""
        def sc(t):
            return tuple(round(v * s) for v in t)
        return AnimeFace(self.likelihood, sc(self.face), sc(self.left_eye), sc(self.right_eye), sc(self.mouth),
                         sc(self.nose), sc(self.chin))


# ---- the C side ---------------------------------------------------------------------------------------------
class _Matrix(ctypes.Structure):  # nv_matrix_t (nv_core_matrix.h)
    _fields_ = [("list", ctypes.c_int), ("list_step", ctypes.c_uint), ("n", ctypes.c_int), ("m", ctypes.c_int),
                ("rows", ctypes.c_int), ("cols", ctypes.c_int), ("step", ctypes.c_int), ("alias", ctypes.c_int),
                ("v", ctypes.POINTER(ctypes.c_float))]


class _Rect(ctypes.Structure):  # nv_rect_t (nv_core_util.h)
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int)]


class _Position(ctypes.Structure):  # nv_face_position_t (nv_face_detect.h)
    _fields_ = [("likelihood", ctypes.c_float), ("face", _Rect), ("left_eye", _Rect), ("right_eye", _Rect),
                ("nose", _Rect), ("mouth", _Rect), ("chin", _Rect)]


_MAX_FACES = 4096  # also bounds the candidate windows before merging: keep the wrapper's value
_STEP, _SCALE_FACTOR, _MIN_WINDOW = 4.0, 1.095, 42.592  # the wrapper's detection parameters


def library_path() -> Path:
    """Path of ``libnvxs`` inside the installed ``animeface`` distribution.

    Raises:
        AnimeFaceUnavailable: ``animeface`` is not installed or its wheel has no ``libnvxs``.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution("animeface")
    except metadata.PackageNotFoundError:
        raise AnimeFaceUnavailable(f"the anime face detector is not installed: {INSTALL_HINT}") from None
    libs = [f for f in dist.files or [] if Path(str(f)).name.startswith("libnvxs")]
    if not libs:
        raise AnimeFaceUnavailable(f"animeface {dist.version} has no libnvxs library (a source build?): "
                                   f"reinstall the wheel, {INSTALL_HINT}")
    return Path(dist.locate_file(libs[0]))


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    path = library_path()
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        raise AnimeFaceUnavailable(f"cannot load {path} ({exc}); {INSTALL_HINT}") from None
    mat_p = ctypes.POINTER(_Matrix)
    for name, args, res in [("nv_matrix3d_alloc", [ctypes.c_int] * 3, mat_p), ("nv_matrix_zero", [mat_p], None),
                            ("nv_matrix_free", [ctypes.POINTER(mat_p)], None), ("nv_gray", [mat_p, mat_p], None),
                            ("nv_gaussian5x5", [mat_p, ctypes.c_int, mat_p, ctypes.c_int], None),
                            ("nv_laplacian1", [mat_p, mat_p, ctypes.c_float], None),
                            ("nv_integral", [mat_p, mat_p, ctypes.c_int], None),
                            ("nv_face_detect", [ctypes.POINTER(_Position), ctypes.c_int, mat_p, mat_p,
                                                ctypes.POINTER(_Rect), ctypes.c_void_p, ctypes.c_void_p,
                                                ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_void_p,
                                                ctypes.c_float, ctypes.c_float, ctypes.c_float], ctypes.c_int)]:
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    return lib


def _net(lib: ctypes.CDLL, name: str) -> int:
    """Address of one of the networks compiled into libnvxs (a global ``nv_mlp_t``)."""
    return ctypes.addressof(ctypes.c_char.in_dll(lib, name))


def _alloc(lib, n: int, rows: int, cols: int):
    mat = lib.nv_matrix3d_alloc(n, rows, cols)
    lib.nv_matrix_zero(mat)
    return mat


def _view(mat) -> np.ndarray:
    """The matrix's float buffer as ``(rows, cols, step)`` (channels padded to ``step``)."""
    m = mat.contents
    return np.ctypeslib.as_array(m.v, shape=(m.rows * m.cols * m.step,)).reshape(m.rows, m.cols, m.step)


def _detect_rgb(rgb: np.ndarray) -> list[AnimeFace]:
    """AnimeFace on an ``(H, W, 3)`` uint8 RGB array (values 0-255, as the detector was trained)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {rgb.dtype} {rgb.shape}")
    lib = _lib()
    h, w = rgb.shape[:2]
    bgr, gray = _alloc(lib, 3, h, w), _alloc(lib, 1, h, w)
    smooth, edge = _alloc(lib, 1, h, w), _alloc(lib, 1, h, w)
    gray_ii, edge_ii = _alloc(lib, 1, h + 1, w + 1), _alloc(lib, 1, h + 1, w + 1)
    try:
        _view(bgr)[..., :3] = rgb[..., ::-1].astype(np.float32)  # nvxs stores B, G, R in channels 0, 1, 2
        lib.nv_gray(gray, bgr)
        lib.nv_gaussian5x5(smooth, 0, gray, 0)
        lib.nv_laplacian1(edge, smooth, 4.0)
        lib.nv_integral(gray_ii, gray, 0)
        lib.nv_integral(edge_ii, edge, 0)
        faces = (_Position * _MAX_FACES)()
        bagging = (ctypes.c_void_p * 3)(_net(lib, "nv_face_mlp_face_01"), _net(lib, "nv_face_mlp_face_02"), None)
        n = lib.nv_face_detect(faces, _MAX_FACES, gray_ii, edge_ii, ctypes.byref(_Rect(0, 0, w, h)),
                               _net(lib, "nv_face_mlp_dir"), _net(lib, "nv_face_mlp_face_00"), bagging, 2,
                               _net(lib, "nv_face_mlp_parts"), _STEP, _SCALE_FACTOR, _MIN_WINDOW)
    finally:
        for mat in (bgr, gray, smooth, edge, gray_ii, edge_ii):
            lib.nv_matrix_free(ctypes.byref(mat))

    def box(r):
        return (r.x, r.y, r.width, r.height)
    return [AnimeFace(float(f.likelihood), box(f.face), box(f.left_eye), box(f.right_eye), box(f.mouth),
                      (f.nose.x, f.nose.y), (f.chin.x, f.chin.y)) for f in faces[:n]]


@lru_cache(maxsize=1)
def self_check() -> None:
    """Run once: a known anime face must be found, so a broken library can never pass as 'no face'."""
    from .. import data

    name = "sylvie_ios"
    try:
        rgb = to_numpy(data.get(name))
    except (KeyError, FileNotFoundError):  # a user data folder without the reference image: nothing to check
        return
    if not _detect_rgb(rgb):
        raise AnimeFaceUnavailable(f"AnimeFace ({library_path()}) finds no face on the reference anime image "
                                   f"{name!r}: the library is broken; reinstall it, {INSTALL_HINT}")


#: Detections below this likelihood are dropped: on the catalogue, real anime faces score >= 0.999 while the
#: false positives (a patch of van Gogh's Starry Night, a grey drawing of Einstein) score about 0.72.
MIN_LIKELIHOOD = 0.9


def detect(image: ImageLike, *, min_side: int | None = None, min_likelihood: float = MIN_LIKELIHOOD
           ) -> list[AnimeFace]:
    """Detect anime faces and their parts, largest face first.

    Args:
        image: path, array, PIL image or ``(1, 3, H, W)`` tensor in [0, 1].
        min_side: upscale the image so its short side is at least this many pixels before detecting (the
            detector's smallest window is about 43 px); results are returned in the input's frame.
        min_likelihood: drop detections scored below this (see :data:`MIN_LIKELIHOOD`; 0 keeps all).

    Returns:
        A list of :class:`AnimeFace` (empty when there is none).

    Raises:
        AnimeFaceUnavailable: the library is missing or fails its self-check, with what to install.
    """
    self_check()
    img = to_tensor(image)
    h, w = img.shape[-2:]
    s = max(1.0, (min_side or 0) / min(h, w))
    if s > 1:
        from ..images import resize

        img = resize(img, (round(h * s), round(w * s)), fit="stretch")
    faces = [f for f in _detect_rgb(to_numpy(img)) if f.likelihood >= min_likelihood]
    faces = [f.scaled(1 / s) for f in faces] if s > 1 else faces
    return sorted(faces, key=lambda f: -f.face[2] * f.face[3])


# ---- correspondence with the 68-point scheme ----------------------------------------------------------------
def _mid(box, side: str) -> tuple[float, float]:
    x, y, w, h = box
    return {"left": (x, y + h / 2), "right": (x + w, y + h / 2), "centre": (x + w / 2, y + h / 2)}[side]


#: (name, AnimeFace part and where on it, iBUG indices whose mean is the same point)
CORRESPONDENCE: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("eye outer, image-left", "right_eye", "left", (36,)),
    ("eye inner, image-left", "right_eye", "right", (39,)),
    ("eye centre, image-left", "right_eye", "centre", tuple(range(36, 42))),
    ("eye inner, image-right", "left_eye", "left", (42,)),
    ("eye outer, image-right", "left_eye", "right", (45,)),
    ("eye centre, image-right", "left_eye", "centre", tuple(range(42, 48))),
    ("nose tip", "nose", "point", (30,)),
    ("mouth corner, image-left", "mouth", "left", (48,)),
    ("mouth corner, image-right", "mouth", "right", (54,)),
    ("mouth centre", "mouth", "centre", tuple(range(48, 68))),
    ("chin", "chin", "point", (8,)),
    ("jaw at eye height, image-left", "face", "left@eyes", (0,)),
    ("jaw at eye height, image-right", "face", "right@eyes", (16,)),
)


def part_points(face: AnimeFace) -> torch.Tensor:
    """The :data:`CORRESPONDENCE` points of an AnimeFace detection, ``(13, 2)`` float32 (x, y)."""
    eye_y = (_mid(face.left_eye, "centre")[1] + _mid(face.right_eye, "centre")[1]) / 2
    out = []
    for _, part, where, _ in CORRESPONDENCE:
        value = getattr(face, part)
        if where == "point":
            out.append(value)
        elif where.endswith("@eyes"):
            out.append((value[0] + (value[2] if where.startswith("right") else 0), eye_y))
        else:
            out.append(_mid(value, where))
    return torch.tensor(out, dtype=torch.float32)


def ibug_points(points: torch.Tensor) -> torch.Tensor:
    """The :data:`CORRESPONDENCE` points computed from ``(68, 2)`` iBUG landmarks, ``(13, 2)``."""
    if points.shape != (68, 2):
        raise ValueError(f"expected (68, 2) iBUG landmarks, got {tuple(points.shape)}")
    return torch.stack([points[list(idx)].float().mean(0) for *_, idx in CORRESPONDENCE])
