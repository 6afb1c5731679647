"""Exaggerated face geometries (k = 0 is the face, and the change grows linearly with k), and the spread of the
geometries runs end with."""
import pytest
import torch

from survey_lib import data
from survey_lib.evaluation.metrics import shape_gap
from survey_lib.geometry.shapes import exaggerate, spread


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
