"""AnimeFace through libnvxs's C API: real detections on the catalogue, the 68-point correspondence, FastDST."""
import subprocess
import sys

import pytest
import torch

from survey_lib.geometry import animeface
from survey_lib import data, methods
from survey_lib.geometry.landmarks import NoFaceFound


def _centre(box):
    x, y, w, h = box
    return x + w / 2, y + h / 2


def test_known_anime_faces_are_found_with_their_parts_in_place():
    anime = data.list_images(category="anime")
    found = {e.name: animeface.detect(data.get(e.name)) for e in anime}
    assert sum(bool(f) for f in found.values()) >= 8, {k: len(v) for k, v in found.items()}
    for name, faces in found.items():
        if not faces:
            continue
        f = faces[0]
        (lx, ly), (rx, ry), (mx, my) = _centre(f.left_eye), _centre(f.right_eye), _centre(f.mouth)
        assert max(ly, ry) < f.nose[1] < my < f.chin[1], name  # eyes above nose above mouth above chin
        assert lx > rx and rx < mx < lx, name  # the character's left eye is on the image's right, mouth between
        fx, fy, fw, fh = f.face
        assert fx <= rx and lx <= fx + fw and fy <= min(ly, ry) and f.likelihood >= animeface.MIN_LIKELIHOOD, name


def test_photographs_and_textures_give_no_anime_face():
    for category in ("photo", "texture"):
        for e in data.list_images(category=category):
            for size in (None, 256):
                assert animeface.detect(data.get(e.name, size)) == [], (e.name, size)


def test_parts_agree_with_the_hand_placed_landmarks_through_the_correspondence():
    """Two independent annotations of the same anime faces: AnimeFace's parts and the hand-placed anchors
    (interpolated to 68 points) agree within a fraction of the inter-ocular distance; a left/right swap of the
    eyes in the table would put the eye points about one inter-ocular distance off."""
    errors = []
    for e in data.list_images(category="anime"):
        faces = animeface.detect(data.get(e.name))
        if not faces or "hand" not in e.landmark_source:
            continue
        pts68 = data.landmarks(e.name)
        iod = float((pts68[36:42].mean(0) - pts68[42:48].mean(0)).norm())
        err = (animeface.part_points(faces[0]) - animeface.ibug_points(pts68)).norm(dim=1) / iod
        assert err.mean() < 0.3 and err[:6].max() < 0.5, (e.name, err)
        errors.append(float(err.mean()))
    assert len(errors) >= 7 and sum(errors) / len(errors) < 0.2


def test_correspondence_points_follow_the_table():
    face = animeface.AnimeFace(1.0, face=(10, 20, 100, 100), left_eye=(70, 50, 20, 10), right_eye=(30, 52, 20, 10),
                               mouth=(50, 90, 20, 6), nose=(60, 75), chin=(61, 110))
    pts = animeface.part_points(face)
    names = [row[0] for row in animeface.CORRESPONDENCE]
    assert pts.shape == (13, 2) and len(names) == 13
    assert pts[names.index("eye outer, image-left")].tolist() == [30, 57]
    assert pts[names.index("eye outer, image-right")].tolist() == [90, 55]
    assert pts[names.index("mouth centre")].tolist() == [60, 93]
    assert pts[names.index("jaw at eye height, image-right")].tolist() == [110, 56]
    assert pts[names.index("chin")].tolist() == [61, 110]
    lm = torch.arange(136, dtype=torch.float32).reshape(68, 2)
    ib = animeface.ibug_points(lm)
    assert ib[names.index("nose tip")].tolist() == lm[30].tolist()
    assert torch.allclose(ib[names.index("eye centre, image-right")], lm[42:48].mean(0))
    with pytest.raises(ValueError, match="68, 2"):
        animeface.ibug_points(lm[:5])


def test_scaled_detection_comes_back_in_the_input_frame():
    small = data.get("sylvie_ios", 128)  # below the 256 px the matcher asks for
    big = animeface.detect(data.get("sylvie_ios", 256))[0]
    up = animeface.detect(small, min_side=256)[0]
    assert up == big.scaled(0.5) or all(abs(a - b) <= 1 for a, b in zip(up.nose + up.chin, big.scaled(0.5).nose
                                                                         + big.scaled(0.5).chin))


def test_a_missing_or_broken_detector_says_what_to_install(monkeypatch):
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(animeface.AnimeFaceUnavailable, match="pip install 'animeface"):
        animeface.library_path()
    monkeypatch.undo()
    animeface.self_check.cache_clear()
    monkeypatch.setattr(animeface, "_detect_rgb", lambda rgb: [])  # a library that silently finds nothing
    try:
        with pytest.raises(animeface.AnimeFaceUnavailable, match="broken"):
            animeface.detect(data.get("sylvie_ios"))
    finally:
        animeface.self_check.cache_clear()


def test_fastdst_falls_back_to_animeface_and_says_so():
    res = methods.run("fastdst", "astronaut", "sylvie_ios", profile="smoke", show_progress=False)
    match = res.extras["match"]
    assert match["style_detector"] == "animeface" and len(res.points[0]) == 13 and res.label == "fastdst (AnimeFace)"
    assert torch.isfinite(res.image).all() and res.image.shape == (1, 3, 64, 64)
    with pytest.raises(NoFaceFound, match="dlib found no face in the style image 'sylvie_ios'"):
        methods.run("fastdst", "astronaut", "sylvie_ios", profile="smoke", style_detector="dlib", show_progress=False)
    with pytest.raises(NoFaceFound, match="dlib and AnimeFace found no face in the style image 'great_wave'"):
        methods.run("fastdst", "astronaut", "great_wave", profile="smoke", show_progress=False)
    with pytest.raises(ValueError, match="style_detector must be one of"):
        methods.run("fastdst", "astronaut", "sylvie_ios", profile="smoke", style_detector="opencv")
    with pytest.raises(ValueError, match="option of fastdst"):
        methods.run("dst", "astronaut", "sylvie_ios", profile="smoke", style_detector="animeface")


def test_fastdst_keeps_dlib_where_it_finds_the_style_face():
    res = methods.run("fastdst", "astronaut", "grace_hopper", profile="smoke", steps_per_scale=1, show_progress=False)
    assert res.extras["match"]["style_detector"] == "dlib" and len(res.points[0]) >= 60


def test_cli_style_detector_flag(tmp_path):
    out = tmp_path / "a.png"
    proc = subprocess.run([sys.executable, "-m", "survey_lib", "stylize", "astronaut", "sylvie_ios", "-m", "fastdst",
                           "-p", "smoke", "--steps", "1", "--style-detector", "dlib", "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "sylvie_ios" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "survey_lib", "stylize", "astronaut", "sylvie_ios", "-m", "fastdst",
                           "-p", "smoke", "--steps", "1", "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0 and out.is_file() and "AnimeFace" in proc.stdout, proc.stdout + proc.stderr
