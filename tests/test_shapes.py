"""Exaggerated face geometries: k = 0 is the face, and the change grows linearly with k."""
import torch

from survey_lib import data
from survey_lib.metrics import shape_gap
from survey_lib.shapes import exaggerate


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
