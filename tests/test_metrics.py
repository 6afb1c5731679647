"""Run metrics on cases with a known answer, and the bootstrap intervals."""
import math

import pytest
import torch

from survey_lib import data
from survey_lib.evaluation import metrics, pairs, run_geometry
from survey_lib.geometry.matchers import Correspondences
from survey_lib.methods import Result
from survey_lib.evaluation.pairs import Pair
from survey_lib.evaluation.shape_metrics import warp_shape
from survey_lib.geometry.warp import pixel_grid, sampling_map

SIZE = 128


@pytest.fixture(scope="module")
def pair():
    """astronaut against itself with the eyes set wider and the mouth lower: a non-similar change of geometry."""
    p = data.landmarks("astronaut")
    q = p.clone()
    q[36:48, 0] += torch.where(q[36:48, 0] < q[36:48, 0].mean(), -8.0, 8.0)
    q[48:68, 1] += 8
    return Pair.resolve("astronaut", "astronaut", size=SIZE, content_landmarks=p, style_landmarks=q)


def _result(pair, warp=None, src=None, targets=None, moved=None, image=None):
    corr = None if src is None else Correspondences(src, src.clone())
    return Result("probe", pair.content if image is None else image, corr, warp=warp, targets=targets, moved=moved)


def test_point_gap_and_own_progress_known_answers(pair):
    src = torch.tensor([[10.0, 10.0], [50.0, 20.0]])
    targets = src + torch.tensor([[3.0, 4.0], [0.0, 5.0]])  # gaps 5 and 5
    res = _result(pair, src=src, targets=targets, moved=src + 0.5 * (targets - src))
    assert metrics.point_gap(pair, res) == {"gap_px": pytest.approx(5.0)}
    assert metrics.own_target_progress(pair, res)["own_target_progress"] == pytest.approx(0.5)
    away = _result(pair, src=src, targets=targets, moved=src - (targets - src))
    assert metrics.own_target_progress(pair, away)["own_target_progress"] == pytest.approx(-1.0)
    assert math.isnan(metrics.point_gap(pair, _result(pair))["gap_px"])


def test_warp_landmarks_identity_is_zero_and_the_spline_to_the_targets_is_one(pair):
    p, t = pair.landmarks("content"), pair.targets
    identity = pixel_grid(SIZE, SIZE)
    assert metrics.warp_landmarks(pair, _result(pair, warp=identity))["warp_progress"] == pytest.approx(0, abs=1e-3)
    spline = sampling_map(p, t, (SIZE, SIZE), anchors=5)
    out = metrics.warp_landmarks(pair, _result(pair, warp=spline))
    assert out["warp_progress"] > 0.95
    assert out["landmark_gap_px"] == pytest.approx(float((t - p).norm(dim=1).mean()))
    assert math.isnan(metrics.warp_landmarks(pair, _result(pair))["warp_progress"])  # no warp: not applicable


def test_progress_leaves_out_landmarks_the_warp_does_not_reach(pair):
    p, t = pair.landmarks("content"), pair.targets
    carried = p + 0.5 * (t - p)
    assert metrics.reached_progress(p, carried, t) == pytest.approx(0.5)
    lost = carried.clone()
    lost[7:10] = float("nan")  # e.g. a chin below the frame's bottom edge: no output pixel shows it
    assert metrics.reached_progress(p, lost, t) == pytest.approx(0.5)
    lost[:40] = float("nan")  # most of the face lost: no progress to report
    assert math.isnan(metrics.reached_progress(p, lost, t))
    # a warp that shows the input lower down loses the landmarks near the bottom edge, and says how many
    shift = pixel_grid(SIZE, SIZE)
    shift[..., 1] -= (SIZE - 1 - float(p[:, 1].max())) + 0.8  # the chin's row is no longer in the frame
    out = metrics.warp_landmarks(pair, _result(pair, warp=shift))
    assert out["warp_unreached"] >= 1 and not math.isnan(out["warp_progress"])


def _half(result, which):
    result.correspondences.keypoints = which
    return result


def test_held_out_landmarks_sees_the_half_the_warp_was_not_fitted_to(pair):
    """A spline fitted through the even landmarks only, scored on the odd ones: a smooth change of geometry carries
    them along (the eyes spread as a block, the mouth drops as a block), an identity warp does not, and a spline
    that moved the even points the wrong way scores below zero."""
    p, t = pair.landmarks("content"), pair.targets
    src = p[0::2]
    fitted = sampling_map(src, t[0::2], (SIZE, SIZE), anchors=5)
    res = _half(_result(pair, warp=fitted, src=src), "even")
    assert metrics.held_out_landmarks(pair, res)["held_out_progress"] > 0.5
    identity = _half(_result(pair, warp=pixel_grid(SIZE, SIZE), src=src), "even")
    assert metrics.held_out_landmarks(pair, identity)["held_out_progress"] == pytest.approx(0, abs=1e-3)
    wrong = sampling_map(src, 2 * src - t[0::2], (SIZE, SIZE), anchors=5)
    assert metrics.held_out_landmarks(pair, _half(_result(pair, warp=wrong, src=src), "even"))[
        "held_out_progress"] < 0
    assert math.isnan(metrics.held_out_landmarks(pair, _result(pair, warp=fitted, src=src))["held_out_progress"])


def test_landmark_methods_optimise_half_the_landmarks_when_asked():
    from survey_lib import methods

    res = methods.run("fastdst", "astronaut", "mona_lisa", profile="smoke", keypoints="odd", show_progress=False)
    full = methods.run("fastdst", "astronaut", "mona_lisa", profile="smoke", show_progress=False)
    index = torch.tensor(full.correspondences.kept_index)  # at 64 px a few coincident pairs are dropped
    assert full.correspondences.matched == 68 and res.correspondences.keypoints == "odd"
    assert 30 <= len(res.correspondences) <= 34
    assert torch.equal(res.correspondences.src, full.correspondences.src[index % 2 == 1])
    with pytest.raises(ValueError, match="keypoints must be one of all, even, odd"):
        methods.get("oneshot_foa").config("smoke", keypoints="inner")
    with pytest.raises(ValueError, match="keypoints is an option of fastdst, foa_tps and oneshot_foa, not of dst"):
        methods.get("dst").config("smoke", keypoints="even")


def test_the_face_of_art_spline_through_half_the_landmarks_is_scored_on_the_other_half():
    from survey_lib import methods
    from survey_lib.evaluation.pairs import Pair

    pair = Pair.resolve("obama", "mona_lisa", size=128)
    cfg = methods.get("foa_tps").config("smoke", keypoints="even", steps=2)
    half = methods.get("foa_tps")(pair, cfg, show_progress=False)
    assert half.correspondences.keypoints == "even" and len(half.correspondences) <= 34
    own = metrics.own_target_progress(pair, half)["own_target_progress"]
    held = metrics.held_out_landmarks(pair, half)["held_out_progress"]
    assert own > 0.95  # an interpolating spline is exact on its own points...
    assert held < own - 0.05  # ...and not on the ones it never saw, which is what the held-out score measures


def test_trajectory_ends_where_the_run_ends():
    from survey_lib import methods

    pair = Pair.resolve("astronaut", "mona_lisa", size=64, match_size=160)
    res = methods.get("fastdst")(pair, methods.get("fastdst").config("smoke", record_every=4), show_progress=False)
    rows = run_geometry.trajectory(pair, res)
    assert [r["step"] for r in rows] == [4, 8, 12, 16]
    assert rows[-1]["own_target_progress"] == pytest.approx(
        metrics.own_target_progress(pair, res)["own_target_progress"], abs=1e-4)
    assert rows[-1]["warp_progress"] == pytest.approx(metrics.warp_landmarks(pair, res)["warp_progress"], abs=1e-3)
    assert rows[-1]["shape_progress"] == pytest.approx(warp_shape(pair, res)["shape_progress"], abs=1e-3)
    assert len({round(r["shape_progress"], 6) for r in rows}) == len(rows)  # a score per step, not the end's
    assert rows[0]["own_target_progress"] < rows[-1]["own_target_progress"]
    assert run_geometry.trajectory(pair, methods.run("fastdst", "astronaut", "mona_lisa", profile="smoke",
                                                show_progress=False)) == []


def test_exact_tps_folds_at_the_targets_and_at_the_reached_displacement(pair):
    src = pair.landmarks("content")
    far = src + 3 * (pair.targets - src)  # three times the eyes-apart, mouth-down change: the spline folds
    out = metrics.exact_tps_folds(pair, _result(pair, src=src, targets=far, moved=src.clone()))
    assert out["exact_tps_folded_%"] > 0 and out["moved_tps_folded_%"] == 0  # no displacement reached: no fold
    assert math.isnan(metrics.exact_tps_folds(pair, _result(pair))["moved_tps_folded_%"])


def test_near_white_counts_pixels_pale_in_every_channel(pair):
    img = torch.zeros(1, 3, SIZE, SIZE)
    img[..., : SIZE // 4, :] = 1.0  # a quarter of the rows white
    img[:, 0, SIZE // 2:, :] = 1.0  # red is not white
    out = metrics.near_white(pair, _result(pair, image=img))
    assert out["white_%"] == pytest.approx(25) and out["content_white_%"] == out["style_white_%"]  # astronaut x2


def test_folds_identity_none_mirror_all(pair):
    grid = pixel_grid(SIZE, SIZE)
    assert metrics.folds(pair, _result(pair, warp=grid))["folded_%"] == 0
    mirror = grid.clone()
    mirror[..., 0] = SIZE - 1 - mirror[..., 0]
    assert metrics.folds(pair, _result(pair, warp=mirror))["folded_%"] == pytest.approx(100)
    assert math.isnan(metrics.folds(pair, _result(pair))["folded_%"])


def test_face_distortion_zero_for_shift_and_scale_positive_for_uneven_stretch(pair):
    grid = pixel_grid(SIZE, SIZE)
    for uniform in (grid + torch.tensor([3.0, -2.0]), 0.8 * grid + 10):
        out = metrics.face_distortion(pair, _result(pair, warp=uniform))
        assert out["face_area_spread"] == pytest.approx(0, abs=1e-4) and out["face_folded_%"] == 0
    spline = sampling_map(pair.landmarks("content"), pair.targets, (SIZE, SIZE), anchors=5)
    uneven = metrics.face_distortion(pair, _result(pair, warp=spline))["face_area_spread"]
    stronger = metrics.face_distortion(pair, _result(pair, warp=grid + 3 * (spline - grid)))["face_area_spread"]
    assert 0 < uneven < stronger  # eyes set wider, mouth lower: areas change unevenly, more so when exaggerated
    mirror = grid.clone()
    mirror[..., 0] = SIZE - 1 - mirror[..., 0]
    assert metrics.face_distortion(pair, _result(pair, warp=mirror))["face_folded_%"] == 100
    assert math.isnan(metrics.face_distortion(pair, _result(pair))["face_area_spread"])


def test_redetection_of_the_unchanged_content_stays_at_the_content():
    pair = Pair.resolve("astronaut", "mona_lisa", size=256)
    out = metrics.redetection(pair, _result(pair))
    assert out["detected"] == 1 and out["nme_to_content"] < 0.1 < out["gap_nme"]
    assert abs(out["landmark_progress"]) < 0.3
    blank = metrics.redetection(pair, _result(pair, image=torch.ones(1, 3, 256, 256)))
    assert blank["detected"] == 0 and math.isnan(blank["landmark_progress"])


def test_shape_gaps_table_over_catalogue_faces():
    table = pairs.shape_gaps(["astronaut"], ["astronaut", "mona_lisa"], size=128)
    assert list(table["style"]) == ["astronaut", "mona_lisa"] and list(table["category"]) == ["photo", "painting"]
    assert list(table["character"]) == ["astronaut", "mona"]  # the name before its first underscore
    assert table["gap_nme"].iloc[0] == pytest.approx(0, abs=1e-4)
    assert table["gap_nme"].iloc[1] > 0.02


@pytest.mark.parametrize("version", [0, -1, 1.5, "2"])
def test_a_metric_version_that_is_not_a_positive_integer_is_refused(version):
    with pytest.raises(ValueError, match="positive integer"):
        metrics.metric(version=version)
