"""Exaggerated face geometries (k = 0 is the face, and the change grows linearly with k), and the spread of the
geometries runs end with; the shape gap (pose and size taken out) and the leave-one-out score of a common shape."""
import pytest
import torch

from survey_lib import data
from survey_lib.geometry.shapes import HAND_PLACED, exaggerate, leave_one_out, shape_gap, spread


def test_exaggerate_is_the_face_at_zero_and_grows_linearly():
    p = data.landmarks("astronaut")
    assert torch.equal(exaggerate(p, 0), p)
    d1, d2 = exaggerate(p, 1) - p, exaggerate(p, 2) - p
    assert torch.allclose(d2, 2 * d1, atol=1e-4)  # every point moves along a line, twice as far at k = 2
    eyes_apart = lambda q: float(q[42:48, 0].mean() - q[36:42, 0].mean())  # noqa: E731
    assert eyes_apart(exaggerate(p, 1)) > eyes_apart(p)
    assert exaggerate(p, 1)[48:68, 1].mean() > p[48:68, 1].mean()  # the mouth moves down (image rows grow down)
    gaps = [shape_gap(p, exaggerate(p, k)) for k in (0.5, 1, 2)]
    assert gaps[0] < gaps[1] < gaps[2]  # not a similarity: pose and size do not absorb it


def test_spread_measures_distance_to_the_centre_and_the_start():
    p = data.landmarks("obama", 256)
    io = float((p[36] - p[45]).norm())
    shift = torch.tensor([io * 0.1, 0.0])
    ends = {"left": p - shift, "right": p + shift, "common": p + shift / 2}
    s = spread(ends, p, centre_of=["left", "right"])
    # the centre of two runs moved symmetrically is the start: each lies 0.1 NME from it and from the start
    assert s["left"]["to_centre"] == pytest.approx(0.1) and s["right"]["moved"] == pytest.approx(0.1)
    assert s["common"]["to_centre"] == pytest.approx(0.05) and s["common"]["moved"] == pytest.approx(0.05)
    # a point a warp did not reach (NaN) is left out, not propagated
    ends["left"] = ends["left"].clone()
    ends["left"][0] = float("nan")
    assert spread(ends, p, centre_of=["left", "right"])["left"]["to_centre"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="centre_of"):
        spread(ends, p, centre_of=["missing"])


def test_shape_gap_ignores_pose_and_sees_geometry():
    p = data.landmarks("astronaut")
    angle = torch.tensor(0.3)
    rot = torch.stack([torch.stack([angle.cos(), -angle.sin()]), torch.stack([angle.sin(), angle.cos()])])
    moved = 1.7 * p @ rot.T + torch.tensor([40.0, -12.0])  # the same face, turned, scaled and shifted
    assert shape_gap(p, moved) == pytest.approx(0, abs=1e-4)
    wide = p.clone()
    wide[36:48, 0] += torch.where(wide[36:48, 0] < wide[36:48, 0].mean(), -8.0, 8.0)  # eyes set wider
    assert shape_gap(p, wide) > 0.02
    # on the hand-placed 13 only: a change of the interpolated points is not seen, one of an eye corner is
    inner = p.clone()
    inner[37:39, 1] -= 5  # upper eyelid points, not hand-placed
    assert shape_gap(p, inner, indices=HAND_PLACED) == pytest.approx(0, abs=1e-4)
    assert shape_gap(p, inner) > 0
    assert shape_gap(p, wide, indices=HAND_PLACED) > 0.02
    # normalised by the eye distance of all 68 points either way: a face twice the size, the same gap
    assert shape_gap(2 * p, 2 * wide, indices=HAND_PLACED) == pytest.approx(
        shape_gap(p, wide, indices=HAND_PLACED), rel=1e-4)


def test_leave_one_out_scores_the_common_shape_on_an_exemplar_it_never_saw():
    base = data.landmarks("astronaut")
    noise = torch.Generator().manual_seed(0)
    # five exemplars = one true shape plus independent jitter; two of them are drawings of one character
    exemplars = {f"e{i}": base + 3 * torch.randn(base.shape, generator=noise) for i in range(5)}
    groups = {"e0": "a", "e1": "a", "e2": "b", "e3": "c", "e4": "d"}
    table = leave_one_out(exemplars, group_of=groups)
    assert list(table["others"]) == [3, 3, 4, 4, 4]  # the held-out exemplar's whole character is left out
    # averaging cancels the jitter: the common shape predicts the unseen exemplar better than a single one does
    assert (table["common_minus_single"] < 0).all() and (table["single_best"] <= table["single_mean"]).all()
