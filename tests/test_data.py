import collections

import pytest
import torch

from survey_lib import data
from survey_lib.images import resize, resize_points
from survey_lib.geometry.landmarks import load_landmarks


def test_catalogue_files_exist_with_licence_and_provenance():
    entries = data.list_images()
    for e in entries:
        assert data.path(e.name).is_file(), e.name
        assert e.licence and e.source.get("package") and e.source.get("version") and e.source.get("path"), e.name
        assert e.role in ("content", "style") and e.category in data.CATEGORIES, e.name
        img = data.get(e.name)
        assert list(img.shape[-2:]) == e.size[::-1], e.name
    sizes = sum(data.path(e.name).stat().st_size for e in entries)
    assert sizes < 20 * 2**20


def test_catalogue_has_the_images_the_findings_need():
    counts = collections.Counter(e.category for e in data.list_images())
    assert counts["photo"] >= 8 and counts["anime"] >= 8 and counts["texture"] >= 3
    assert {e.role for e in data.list_images(category="photo")} == {"content"}
    # painted or drawn portraits stored at a native short side of at least 256 px (not upscaled thumbnails)
    portraits = [e for e in data.list_images(category="painting") if e.landmarks and min(e.size) >= 256]
    assert len(portraits) >= 6, [e.name for e in portraits]
    # anime faces from at least two characters of real anime art, each with landmarks
    anime = data.list_images(category="anime")
    assert all(e.landmarks for e in anime)
    assert len({e.name.split("_")[0] for e in anime}) >= 2


def test_every_photograph_is_a_face_dlib_finds_at_native_size():
    from survey_lib.geometry.landmarks import detect

    for e in data.list_images(category="photo"):
        found = detect(data.path(e.name))
        w, h = e.size
        x0, y0, x1, y1 = found.box
        assert 0.15 * w < x1 - x0 < w and (x0 + x1) / 2 > 0.2 * w and (x0 + x1) / 2 < 0.8 * w, e.name
        # the stored landmarks are dlib's on this very file
        assert "dlib" in e.landmark_source, e.name
        assert torch.allclose(found.points, data.landmarks(e.name), atol=1.0), e.name


def test_landmark_files_are_68_points_inside_the_image():
    with_landmarks = [e for e in data.list_images() if e.landmarks]
    assert len(with_landmarks) >= 15
    assert any("hand" in e.landmark_source for e in with_landmarks if e.category in ("cartoon", "anime"))
    assert all(e.landmark_source.startswith(("dlib", "hand")) for e in with_landmarks)
    for e in with_landmarks:
        pts = load_landmarks(data.data_dir() / e.landmarks)
        w, h = e.size
        assert pts.shape == (68, 2), e.name
        assert (pts[:, 0] > -0.05 * w).all() and (pts[:, 0] < 1.05 * w).all(), e.name
        assert (pts[:, 1] > -0.05 * h).all() and (pts[:, 1] < 1.05 * h).all(), e.name
        # anatomy: eyes above the nose tip above the mouth, image-left eye on the left
        assert pts[36:48, 1].mean() < pts[30, 1] < pts[48:60, 1].mean(), e.name
        assert pts[36, 0] < pts[45, 0], e.name
    for e in data.list_images(category="photo"):
        assert e.landmarks, f"content photo {e.name} has no landmarks"


def test_landmarks_follow_the_resize():
    for name in ("astronaut", "manga_girl"):
        native = data.landmarks(name)
        small = data.landmarks(name, 64)
        w, h = data.entry(name).size
        assert torch.allclose(small, resize_points(native, (h, w), 64))
        assert (small >= -1).all() and (small <= 64).all()


def test_resize_points_matches_resize_on_a_marker():
    img = torch.zeros(1, 3, 90, 160)
    img[..., 40, 100] = 1.0  # pixel at x=100, y=40
    out = resize(img, 45, fit="crop")
    p = resize_points(torch.tensor([[100.0, 40.0]]), (90, 160), 45)
    iy, ix = divmod(int(out[0, 0].argmax()), 45)
    assert abs(ix - p[0, 0]) <= 1 and abs(iy - p[0, 1]) <= 1


def test_filters_and_unknown_name():
    assert {e.role for e in data.list_images(role="content")} == {"content"}
    with pytest.raises(KeyError, match="known names"):
        data.get("nobody")
    with pytest.raises(data.NoLandmarks, match="starry_night"):
        data.landmarks("starry_night")
