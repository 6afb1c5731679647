"""The second reading of a face (Haar box + dlib's 5-point model) and the metric that scores geometry against it."""
import math

import pytest
import torch

from survey_lib import data
from survey_lib.geometry import landmarks, readers
from survey_lib.evaluation import metrics
from survey_lib.evaluation.pairs import Pair
from survey_lib.geometry.warp import pixel_grid, sampling_map

SIZE = 256


@pytest.mark.parametrize("name", [e.name for e in data.list_images(category="photo")])
def test_the_five_points_are_the_68_point_features_on_every_photograph(name):
    img = data.get(name, SIZE)
    five = readers.five_points(img)
    assert five is not None and five.shape == (5, 2)
    # each of the five lands next to its 68-point counterpart (FIVE_IN_68), within a tenth of the eye distance
    ours = landmarks.detect(img).points
    each = (ours[list(readers.FIVE_IN_68)] - five).norm(dim=1) / (five[0] - five[2]).norm()
    assert each.max() < 0.1, each
    assert readers.reading_gap(ours, five) < 0.06


def test_no_face_no_reading_and_a_reading_agrees_with_itself():
    assert readers.five_points(torch.full((1, 3, SIZE, SIZE), 0.5)) is None
    p = data.landmarks("obama", SIZE)
    assert readers.reading_gap(p, p[list(readers.FIVE_IN_68)]) == 0
    # normalised: the same disagreement on a face twice the size is half the NME
    five = p[list(readers.FIVE_IN_68)]
    off = torch.tensor([2.0, 0.0])
    assert readers.reading_gap(2 * p, 2 * five + off) == pytest.approx(readers.reading_gap(p, five + off) / 2)


@pytest.fixture(scope="module")
def portrait_pair():
    return Pair.resolve("grace_hopper", "bronte_richmond", size=SIZE)


class _Out:  # what the metric reads of a method's result
    def __init__(self, image, warp=None):
        self.image, self.warp = image, warp


def test_second_reading_identity_spline_and_unchanged_picture(portrait_pair):
    pair = portrait_pair
    still = metrics.second_reading(pair, _Out(pair.content, pixel_grid(SIZE, SIZE)))
    assert still["dlib5_warp_progress"] == pytest.approx(0, abs=1e-3)
    assert still["second_warp_progress"] == pytest.approx(0, abs=1e-3)
    assert still["second_redetected_progress"] == 0  # the unchanged content is read where the content was
    assert 0 < still["style_reading_gap"] < 0.08  # both readings place this painted face's features alike
    # the spline carrying the 68 landmarks onto the aligned style's reaches dlib's five features, and closes part of
    # the way to the second reading's (the two readings differ by about as much as the faces do)
    spline = sampling_map(pair.landmarks("content"), pair.targets, (SIZE, SIZE), anchors=5)
    moved = metrics.second_reading(pair, _Out(pair.content, spline))
    assert moved["dlib5_warp_progress"] > 0.95
    assert -1 < moved["second_warp_progress"] < moved["dlib5_warp_progress"]
    no_warp = metrics.second_reading(pair, _Out(pair.content))
    assert math.isnan(no_warp["dlib5_warp_progress"]) and math.isnan(no_warp["second_warp_progress"])


def test_second_reading_is_nan_where_the_second_reader_finds_no_style_face(portrait_pair, monkeypatch):
    monkeypatch.setattr(readers, "five_points", lambda image: None)
    out = metrics.second_reading(portrait_pair, _Out(portrait_pair.content, pixel_grid(SIZE, SIZE)))
    assert all(math.isnan(v) for v in out.values()), out
