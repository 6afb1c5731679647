"""foa_fast: FastDST's geometry in closed form with Ghiasi et al.'s network for the texture. Geometry is scored on a
benchmark style whose exact landmarks the method never sees (it detects the style's face with dlib)."""
import pytest
import torch

from survey_lib import methods
from survey_lib.evaluation.pairs import Pair
from survey_lib.evaluation.shape_metrics import warp_shape
from survey_lib.geometry.warp import pixel_grid

STYLE = "mona_lisa~long_face~14"  # a long face, 0.14 eye distances from the photographs' mean shape


@pytest.fixture(scope="module")
def pair():
    return Pair.resolve("obama", STYLE, size=256)


def _run(pair, **settings):
    spec = methods.get("foa_fast")
    return spec(pair, spec.config("default", **settings), show_progress=False)


def test_the_warp_gives_the_face_the_style_shape_it_never_saw_in_proportion_to_strength(pair):
    full, half, none = (_run(pair, strength=s) for s in (1.0, 0.5, 0.0))
    shape = {name: warp_shape(pair, r)["shape_progress"] for name, r in (("full", full), ("half", half))}
    # scored against the style's exact landmarks, which dlib's reading of the built style only approximates
    assert shape["full"] > shape["half"] > 0, shape
    # strength 0 keeps the photograph's geometry: the warp is the identity map
    assert torch.allclose(none.warp, pixel_grid(256, 256), atol=1e-3)
    assert full.image.shape == (1, 3, 256, 256) and 0 <= float(full.image.min()) <= float(full.image.max()) <= 1


def test_the_identity_guard_keeps_the_largest_strength_within_the_distance(pair):
    free = _run(pair, strength=1.5)
    guarded = _run(pair, strength=1.5, max_identity=0.45)
    tried = guarded.config["identity_tried"]
    assert free.config["strength"] == 1.5 and free.config["identity_tried"] == []
    used = guarded.config["strength"]
    assert [d for s, d in tried if s == used][0] <= 0.45
    assert all(d > 0.45 for s, d in tried if s > used)  # every larger candidate broke the limit
    assert [s for s, _ in tried] == sorted((s for s, _ in tried), reverse=True)


@pytest.mark.parametrize("setting, match", [
    ({"strength": -0.5}, "strength must be"), ({"strength": "big"}, "strength must be"),
    ({"order": "sideways"}, "order must be"), ({"max_identity": 0.0}, "max_identity must be"),
    ({"landmarks": "guess"}, "landmarks must be"), ({"alpha": 2.0}, "alpha must be")])
def test_bad_settings_fail_with_one_line_naming_the_setting(setting, match):
    with pytest.raises(ValueError, match=match):
        methods.get("foa_fast").config("default", **setting)
