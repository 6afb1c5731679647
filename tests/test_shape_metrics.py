"""Shape-based geometry and identity on known answers: warps whose effect on the landmarks is known in closed form
(affine maps, not splines through the scored points), and faces of known persons."""
import math

import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from survey_lib import data
from survey_lib.evaluation import metrics
from survey_lib.evaluation.pairs import Pair
from survey_lib.evaluation.shape_metrics import (committed_shape_scores, committed_spline_distortion, identity,
                                                 shape_progress, similarity_px, warp_shape)
from survey_lib.geometry.identity import SAME_PERSON, face_embedding, identity_distance
from survey_lib.geometry.matchers import Correspondences
from survey_lib.geometry.shapes import shape_gap
from survey_lib.geometry.warp import pixel_grid
from survey_lib.methods import Result

SIZE = 128
NAME = "astronaut"


def _linear(scale_x=1.0, scale_y=1.0, angle=0.0, zoom=1.0):
    c, s = math.cos(angle), math.sin(angle)
    return zoom * torch.tensor([[c, -s], [s, c]]) @ torch.diag(torch.tensor([scale_x, scale_y]))


def _apply(linear, points, centre, shift=(0.0, 0.0)):
    return centre + (points - centre) @ linear.T + torch.tensor(shift)


def _backward_map(linear, centre, shift=(0.0, 0.0)):
    """The sampling map of the affine warp ``x -> centre + L (x - centre) + shift``: each output pixel reads its
    preimage (the exact inverse, no interpolation through landmarks)."""
    grid = pixel_grid(SIZE, SIZE)
    return centre + (grid - centre - torch.tensor(shift)) @ torch.linalg.inv(linear).T


def _case(style_linear):
    """A pair whose style is the content's own face under ``style_linear`` (about the face's centre), and that
    centre in the working frame."""
    p = data.landmarks(NAME)
    centre = p.mean(0)
    pair = Pair.resolve(NAME, NAME, size=SIZE, content_landmarks=p, style_landmarks=_apply(style_linear, p, centre))
    return pair, pair.landmarks("content").mean(0)


def _run(pair, warp, keypoints="all"):
    src = pair.landmarks("content")
    corr = Correspondences(src, src.clone(), keypoints=keypoints)
    return Result("probe", pair.content, corr, warp=warp)


def test_a_warp_that_only_moves_turns_and_scales_the_face_changes_no_shape():
    pair, centre = _case(_linear(scale_x=1.25))  # the style: a face 25 % wider
    move = _linear(angle=0.15, zoom=1.1)
    out = warp_shape(pair, _run(pair, _backward_map(move, centre, shift=(4.0, -3.0))))
    assert out["shape_progress"] == pytest.approx(0.0, abs=0.02)
    p = pair.landmarks("content")
    expected_px = float((_apply(move, p, centre, (4.0, -3.0)) - p).norm(dim=1).mean())
    assert out["warp_similarity_px"] == pytest.approx(expected_px, rel=0.02)
    # ...which a measure in the content's frame counts as geometry
    moved = _run(pair, _backward_map(move, centre, (4.0, -3.0)))
    assert abs(metrics.warp_landmarks(pair, moved)["warp_progress"]) > 0.1


def test_a_warp_to_the_style_shape_scores_one_in_any_pose_and_half_way_between():
    wide = _linear(scale_x=1.25)
    pair, centre = _case(wide)
    full = warp_shape(pair, _run(pair, _backward_map(_linear(angle=-0.2, zoom=0.9) @ wide, centre, (5.0, 2.0))))
    assert full["shape_progress"] == pytest.approx(1.0, abs=0.02)
    # the gap before the run: the two faces' shape difference, as geometry.shapes measures it (normalised there by
    # the content's eye distance, here by the aligned style's: the same to within the face's change of width)
    p, q = pair.landmarks("content"), pair.landmarks("style")
    assert full["shape_gap_nme"] == pytest.approx(shape_gap(p, q), rel=0.2) and shape_gap(p, q) > 0
    part = warp_shape(pair, _run(pair, _backward_map(_linear(scale_x=1.12), centre)))["shape_progress"]
    assert 0.3 < part < 0.7
    away = warp_shape(pair, _run(pair, _backward_map(_linear(scale_x=0.85), centre)))["shape_progress"]
    assert away < 0  # narrower instead of wider


def test_held_out_shape_progress_reads_the_half_a_method_did_not_move():
    pair, centre = _case(_linear(scale_x=1.25))
    warp = _backward_map(_linear(scale_x=1.25), centre)
    assert math.isnan(warp_shape(pair, _run(pair, warp))["held_out_shape_progress"])
    assert warp_shape(pair, _run(pair, warp, "even"))["held_out_shape_progress"] == pytest.approx(1.0, abs=0.02)
    # landmarks the warp does not reach (outside the frame) are left out, and too few reached give NaN
    p = pair.landmarks("content")
    lost = torch.full_like(p, float("nan"))
    assert math.isnan(shape_progress(p, lost, p + 1, torch.ones(68, dtype=torch.bool)))
    assert math.isnan(similarity_px(p, lost))


def test_no_warp_or_no_landmarks_gives_nan():
    pair, _ = _case(_linear(scale_x=1.25))
    out = warp_shape(pair, _run(pair, None))
    assert out["shape_gap_nme"] > 0 and math.isnan(out["shape_progress"]) and math.isnan(out["warp_similarity_px"])


def test_shape_scores_from_a_committed_points_table_match_the_run_and_read_the_style_shape():
    """A plan's NAME_points.csv.gz (the content landmarks carried through each warp) scores shape without the store:
    a run whose warp carries the face onto the style's aligned landmarks scores 1, one that only moves it 0, and
    the table gives what the metric gave on the run."""
    pair = Pair.resolve("obama", "flare_female01", size=SIZE)
    p = pair.landmarks("content")
    centre = p.mean(0)
    moved = _backward_map(_linear(angle=0.1, zoom=1.05), centre, (3.0, 1.0))
    rows, expected = [], {}
    for key, carried in (("moved", metrics.points_through_warp(moved, p)), ("onto_style", pair.targets)):
        rows += [{"method": "probe", "content": "obama", "style": "flare_female01", "seed": 0, "settings": "{}",
                  "key": key, "landmark": i, "x": float(x), "y": float(y)} for i, (x, y) in enumerate(carried)]
    expected["moved"] = warp_shape(pair, _run(pair, moved))
    scores = committed_shape_scores(pd.DataFrame(rows), size=SIZE)
    assert scores.loc["moved", "shape_progress"] == pytest.approx(expected["moved"]["shape_progress"], abs=1e-6)
    assert scores.loc["moved", "shape_progress"] == pytest.approx(0.0, abs=0.02)
    assert scores.loc["onto_style", "shape_progress"] == pytest.approx(1.0, abs=1e-3)
    assert scores.loc["moved", "shape_gap_nme"] == pytest.approx(expected["moved"]["shape_gap_nme"])
    assert expected["moved"]["shape_gap_nme"] > 0.05


def test_the_spline_at_equal_displacement_sees_uneven_stretch_and_not_a_similarity():
    """The exact spline to where a run carried the landmarks: none for a warp that only moved the face (a spline
    through an affine image of its points is that affine map), more the further one feature is pushed, and a
    landmark the warp did not reach is left out of the fit instead of poisoning it."""
    pair = Pair.resolve("obama", "flare_female01", size=SIZE)
    p = pair.landmarks("content")
    centre = p.mean(0)
    mouth = torch.arange(68) >= 48
    pushed = {"shifted_scaled": _apply(_linear(zoom=1.1, angle=0.1), p, centre, shift=(3.0, -2.0)),
              "mouth_down": p + mouth[:, None] * torch.tensor([0.0, 4.0]),
              "mouth_further": p + mouth[:, None] * torch.tensor([0.0, 8.0])}
    rows = [{"method": "probe", "content": "obama", "style": "flare_female01", "seed": 0, "settings": "{}",
             "key": key, "landmark": i, "x": float(x), "y": float(y)}
            for key, carried in pushed.items() for i, (x, y) in enumerate(carried)
            if not (key == "mouth_down" and i == 0)]  # one landmark the warp did not reach
    spline = committed_spline_distortion(pd.DataFrame(rows), size=SIZE)
    # the border anchors stay put, so a similarity bends the frame a little, far less than moving the mouth does
    assert spline.loc["shifted_scaled", "spline_face_area_spread"] < 0.5 * spline.loc["mouth_down",
                                                                                    "spline_face_area_spread"]
    assert 0 < spline.loc["mouth_down", "spline_face_area_spread"] < spline.loc["mouth_further",
                                                                              "spline_face_area_spread"]
    assert (spline["spline_face_folded_%"] == 0).all()  # 4 and 8 px on a 128-px face fold nothing


@pytest.fixture(scope="module")
def photos():
    return {name: data.get(name, size=256) for name in ("obama", "biden", "knuth")}


def test_identity_keeps_a_person_through_blur_and_tells_people_apart(photos):
    for name, img in photos.items():
        blurred = F.avg_pool2d(img, 3, 1, 1)
        assert identity_distance(img, blurred) < SAME_PERSON / 2, name
    assert identity_distance(photos["obama"], photos["biden"]) > SAME_PERSON
    assert identity_distance(photos["biden"], photos["knuth"]) > SAME_PERSON
    assert face_embedding(photos["obama"]).shape == (128,)


def test_identity_metric_on_an_output_of_another_person_and_one_without_a_face(photos):
    pair = Pair.resolve("obama", "biden", size=256)
    same = identity(pair, Result("probe", F.avg_pool2d(pair.content, 3, 1, 1)))
    other = identity(pair, Result("probe", photos["biden"]))
    assert same["same_person"] == 1 and other["same_person"] == 0
    assert other["identity_distance"] > same["identity_distance"] + 0.3
    blank = identity(pair, Result("probe", torch.ones(1, 3, 256, 256)))
    assert math.isnan(blank["identity_distance"])
    with pytest.raises(ValueError, match=r"\(68, 2\)"):
        face_embedding(photos["obama"], torch.zeros(5, 2))
