import math

import numpy as np
import pytest
import skimage.data
import torch

from survey_lib import data
from survey_lib.geometry.landmarks import (GROUPS, LandmarkFileError, NoFaceFound, align, apply_transform, detect,
                                  inter_ocular, load_landmarks, mean_shape, opencv_faces, predictor_model_path,
                                  save_landmarks, similarity_transform)
from survey_lib.vgg import WeightsNotFoundError


@pytest.fixture(scope="module")
def astronaut_landmarks():
    return detect(data.path("astronaut"))


def test_opencv_finds_the_same_face_as_dlib(astronaut_landmarks):
    """The Haar cascade is independent of dlib, yet its box must overlap dlib's on a photograph (IoU > 0.4),
    and it finds no face in a smooth gradient or in a face turned upside down."""
    boxes = opencv_faces(data.path("astronaut"))
    assert boxes.shape == (1, 4)
    a, b = boxes[0], torch.tensor(astronaut_landmarks.box, dtype=torch.float32)
    inter = (torch.minimum(a[2:], b[2:]) - torch.maximum(a[:2], b[:2])).clamp(min=0).prod()
    iou = inter / ((a[2:] - a[:2]).prod() + (b[2:] - b[:2]).prod() - inter)
    assert iou > 0.4
    ramp = torch.linspace(0, 1, 256).expand(1, 3, 256, 256)
    assert opencv_faces(ramp).shape == (0, 4)
    assert opencv_faces(data.get("astronaut").flip(-2)).shape == (0, 4)


def test_dlib_finds_68_points_on_the_astronaut(astronaut_landmarks):
    lm = astronaut_landmarks
    pts = lm.points
    assert pts.shape == (68, 2) and lm.n_faces >= 1
    x0, y0, x1, y1 = lm.box
    assert ((pts[:, 0] > x0 - 20) & (pts[:, 0] < x1 + 20) & (pts[:, 1] > y0 - 20) & (pts[:, 1] < y1 + 20)).all()
    # anatomy in (x, y): chin is the lowest jaw point, eyes above the nose tip above the mouth
    assert int(pts[list(GROUPS["jaw"]), 1].argmax()) in (7, 8, 9)
    eyes_y = pts[36:48, 1].mean()
    assert eyes_y < pts[30, 1] < pts[48:60, 1].mean()
    assert pts[36, 0] < pts[45, 0]  # image-left eye is on the left
    assert 20 < inter_ocular(pts) < 200


def test_no_face_on_a_blank_image():
    with pytest.raises(NoFaceFound, match="landmarks"):
        detect(torch.full((1, 3, 128, 128), 0.5))


def test_missing_model_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_DLIB_MODEL", str(tmp_path / "missing.dat"))
    with pytest.raises(WeightsNotFoundError, match="missing.dat"):
        predictor_model_path()


@pytest.mark.parametrize("suffix", [".pts", ".ljson", ".txt"])
def test_landmark_formats_roundtrip(tmp_path, suffix):
    pts = data.landmarks("obama") + torch.tensor(np.random.default_rng(0).uniform(-0.5, 0.5, (68, 2)),
                                                 dtype=torch.float32)  # a face's points, off the integer grid
    path = save_landmarks(tmp_path / f"face{suffix}", pts)
    back = load_landmarks(path)
    tol = 1.0 if suffix == ".txt" else 1e-3  # DST's format truncates to integers
    assert (back - pts).abs().max() <= tol


def test_format_conventions_on_disk(tmp_path):
    (tmp_path / "a.pts").write_text("version: 1\nn_points: 3\n{\n11 21\n31 41\n51 61\n}\n")
    assert torch.equal(load_landmarks(tmp_path / "a.pts", n_points=3), torch.tensor([[10.0, 20], [30, 40], [50, 60]]))
    (tmp_path / "a.ljson").write_text('{"landmarks": {"points": [[20, 10], [40, 30], [60, 50]]}}')
    assert torch.equal(load_landmarks(tmp_path / "a.ljson", n_points=3), torch.tensor([[10.0, 20], [30, 40], [50, 60]]))
    (tmp_path / "a.txt").write_text("20, 10\n40, 30\n60, 50\n")
    assert torch.equal(load_landmarks(tmp_path / "a.txt", n_points=3), torch.tensor([[10.0, 20], [30, 40], [50, 60]]))


def test_bad_landmark_files(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(LandmarkFileError, match="empty.txt.*empty"):
        load_landmarks(tmp_path / "empty.txt")
    (tmp_path / "few.txt").write_text("1, 2\n3, 4\n")
    with pytest.raises(LandmarkFileError, match="few.txt.*2 points, expected 68"):
        load_landmarks(tmp_path / "few.txt")
    with pytest.raises(LandmarkFileError, match="no such"):
        load_landmarks(tmp_path / "nope.pts")
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(LandmarkFileError, match="unknown landmark format"):
        load_landmarks(tmp_path / "x.csv")


def test_similarity_transform_recovers_known_transform():
    g = torch.Generator().manual_seed(0)
    src = torch.rand(30, 2, generator=g, dtype=torch.float64) * 100
    ang, s, t = math.radians(25), 1.7, torch.tensor([12.0, -5.0], dtype=torch.float64)
    rot = torch.tensor([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]], dtype=torch.float64)
    dst = s * src @ rot.T + t
    tf = similarity_transform(src, dst)
    assert torch.allclose(tf[:2, :2], s * rot, atol=1e-10) and torch.allclose(tf[:2, 2], t, atol=1e-8)
    assert torch.allclose(apply_transform(tf, src), dst, atol=1e-8)
    # a reflection is not a similarity: the best fit keeps det > 0
    assert torch.det(similarity_transform(src, src * torch.tensor([-1.0, 1.0], dtype=torch.float64))[:2, :2]) > 0
    with pytest.raises(ValueError, match="same N"):
        similarity_transform(src, dst[:5])


def test_mean_shape_of_similar_copies_is_the_shape(astronaut_landmarks):
    pts = astronaut_landmarks.points.double()
    turn = torch.tensor([[0.8, -0.6], [0.6, 0.8]], dtype=torch.float64)  # a 37 degree rotation
    copies = [pts, align(pts, pts * 1.3 + 10), (pts @ turn.T) * 0.8 - 4]  # similar copies: same mean shape
    mean = mean_shape(copies)
    assert (mean - pts).abs().max() < 1e-6
    # averaging two different faces lands in between, in the frame of the reference
    other = pts.clone()
    other[48:68, 1] += 10  # lower mouth
    mean = mean_shape([pts, other])
    assert 2 < (mean[48:68, 1] - pts[48:68, 1]).mean() < 8


def test_weak_detections_do_not_count_as_faces():
    """skimage's full 512 px astronaut, upsampled once, gives dlib a second, weak box on the suit almost as large as
    the face: it must neither be chosen nor reported as a second face."""
    found = detect(skimage.data.astronaut())
    x0, y0, x1, y1 = found.box
    assert found.n_faces == 1
    assert 150 < (x0 + x1) / 2 < 290 and 50 < (y0 + y1) / 2 < 190  # the face, in the upper middle of the photo


def test_fastdst_detects_at_the_image_resolution_not_the_match_size():
    """The smoke profile matches at 160 px, where dlib misses skimage's astronaut (a face of ~30 px); FastDST now
    detects on the 512 px image and scales the points to the working size, so they agree with dlib run at 512."""
    from survey_lib.images import load_image
    from survey_lib.methods import match
    from survey_lib.evaluation.pairs import Pair
    from survey_lib.profiles import get_profile

    photo = skimage.data.astronaut()
    profile = get_profile("smoke")
    with pytest.raises(NoFaceFound):  # the old path: the photo loaded at the match size
        detect(load_image(photo, profile.match_size))
    corr = match(Pair.resolve(photo, "obama", size=profile.size, match_size=profile.match_size), "fastdst")
    src, info = corr.src, corr.info
    assert info["detect_sides"][0] == 512
    expected = detect(photo).points * profile.size / 512  # the face spans ~11 px at 64: a few points coincide
    assert len(src) >= 60 and torch.cdist(src, expected).min(dim=1).values.max() < 0.01 * profile.size
