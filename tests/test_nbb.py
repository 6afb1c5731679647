import pytest
import torch

from survey_lib import data
from survey_lib.geometry.matchers import Correspondences, DlibMatcher, LandmarkMatcher, get_matcher
from survey_lib.geometry.landmarks import NoFaceFound, save_landmarks
from survey_lib.geometry.nbb import NBBConfig, clean_correspondences, neural_best_buddies, segments_cross
from survey_lib.geometry.warp import random_warp


@pytest.fixture(scope="module")
def warped_pair():
    """The astronaut and a copy warped by a known smooth TPS; returns the map warped-pixel -> original pixel."""
    img = data.get("astronaut", 224)
    warped, back = random_warp(img)
    return img, warped, back


def test_nbb_recovers_a_known_warp(warped_pair):
    img, warped, back = warped_pair
    res = neural_best_buddies(img, warped, NBBConfig(size=224), device="cpu")
    assert len(res.src) > 500
    err = (back(res.dst) - res.src).norm(dim=1)
    assert err.median() < 3.0, f"median error {err.median():.2f} px"
    assert (res.scores[:-1] >= res.scores[1:]).all()
    # cleaning keeps well-spread, accurate points
    src, dst, scores = clean_correspondences(res.src, res.dst, res.scores, max_points=40)
    assert 10 <= len(src) <= 40
    assert (back(dst) - src).norm(dim=1).median() < 3.0
    gaps = (src[:, None] - src[None]).abs().amax(-1) + torch.eye(len(src)) * 1e9
    assert gaps.min() > 10


def test_nbb_finer_level_is_more_precise(warped_pair):
    img, warped, back = warped_pair
    coarse = neural_best_buddies(img, warped, NBBConfig(size=224, final_layer="relu3_1"), device="cpu")
    fine = neural_best_buddies(img, warped, NBBConfig(size=224, final_layer="relu1_1"), device="cpu")
    e_coarse = (back(coarse.dst) - coarse.src).norm(dim=1).median()
    e_fine = (back(fine.dst) - fine.src).norm(dim=1).median()
    assert e_fine < e_coarse


def test_points_are_in_each_images_frame():
    a = data.get("astronaut", 128)
    b = torch.nn.functional.interpolate(a, size=(256, 192), mode="bilinear", align_corners=False)
    res = neural_best_buddies(a, b, NBBConfig(size=128), device="cpu")
    scale = torch.tensor([192 / 128, 256 / 128])
    assert ((res.dst / scale - res.src).norm(dim=1).median()) < 4


def test_segments_cross():
    p = torch.tensor
    assert segments_cross(p([0.0, 0]), p([2.0, 2]), p([0.0, 2]), p([2.0, 0]))
    assert not segments_cross(p([0.0, 0]), p([2.0, 0]), p([0.0, 1]), p([2.0, 1]))  # parallel
    assert not segments_cross(p([0.0, 0]), p([1.0, 1]), p([2.0, 0]), p([3.0, 1]))


def test_cleaning_removes_crossing_arrows():
    # four still points and two arrows that cross each other after the similarity alignment
    src = torch.tensor([[20.0, 20], [200, 20], [200, 200], [20, 200], [80, 80], [80, 120]])
    dst = src.clone()
    dst[4], dst[5] = torch.tensor([120.0, 120.0]), torch.tensor([120.0, 80.0])
    scores = torch.tensor([3.0, 3.0, 3.0, 3.0, 2.5, 2.0])
    s, d, _ = clean_correspondences(src, dst, scores)
    assert len(s) == 5 and not (s == src[5]).all(1).any()
    s, d, _ = clean_correspondences(src, dst, scores, remove_crossings=False)
    assert len(s) == 6


def test_matchers_share_one_interface(tmp_path):
    content, style = data.path("astronaut"), data.path("grace_hopper")
    dl = DlibMatcher()(content, style)
    assert isinstance(dl, Correspondences) and len(dl) == 68 and dl.info["content_source"] == "dlib"
    save_landmarks(tmp_path / "style.pts", dl.dst)
    lm = LandmarkMatcher(style_landmarks=tmp_path / "style.pts")(content, style)
    assert torch.allclose(lm.dst, dl.dst, atol=1e-3) and lm.info["style_source"].endswith("style.pts")
    nb = get_matcher("nbb", max_points=30)(content, style)
    assert 3 <= len(nb) <= 30 and nb.scores is not None and nb.seconds > 0


def test_no_face_in_style_names_the_fix():
    blank = torch.full((1, 3, 128, 128), 0.5)
    with pytest.raises(NoFaceFound, match="style_landmarks"):
        DlibMatcher()(data.path("astronaut"), blank)


def test_mismatched_counts_are_reported():
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        Correspondences(torch.zeros(68, 2), torch.zeros(67, 2), source="test")
