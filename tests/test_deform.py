"""Graded face deformations, the check that a face is still a face, and the geometric-style benchmark built from
them."""
import pytest
import torch

from survey_lib import data
from survey_lib.evaluation import geometric_styles as gs
from survey_lib.evaluation.detection import detection_levels, style_detection
from survey_lib.geometry.deform import anime_eyes, caricature, deform, face_problems, long_face
from survey_lib.geometry.shapes import shape_gap

PHOTOS = [e.name for e in data.list_images(category="photo")]


def _face():
    return data.landmarks("obama").clone()


def test_every_catalogue_photograph_and_base_style_is_a_face():
    for name in PHOTOS + list(gs.BASE_STYLES):
        assert face_problems(data.landmarks(name)) == [], name


@pytest.mark.parametrize("damage, says", [
    (lambda p: p[48:68].add_(torch.tensor([0.0, 1.0]) * (p[8, 1] - p[48:68, 1].min() + 5)), "lips"),
    (lambda p: p.index_copy_(0, torch.tensor([4, 12]), p[[12, 4]]), "cross"),  # jaw points swapped across
    (lambda p: p[36:42].sub_(torch.tensor([1.0, 0.0]) * (p[36:42, 0].min() - p[0:17, 0].min() + 10)), "outside"),
    (lambda p: p[17:22].add_(torch.tensor([0.0, 1.0]) * (p[36:42, 1].max() - p[17:22, 1].mean() + 3)), "brow_left"),
    (lambda p: p[36:48].add_(torch.tensor([0.0, 1.0]) * (p[30, 1] - p[36:48, 1].min() + 2)), "nose tip"),
])
def test_face_problems_names_each_way_a_face_breaks(damage, says):
    p = _face()
    damage(p)
    problems = face_problems(p)
    assert any(says in why for why in problems), problems


def test_long_face_is_longer_and_narrower_and_anime_eyes_bigger_and_lower_face_shorter():
    p = _face()

    def length_over_width(q):
        return float(q[8, 1] - q[17:27, 1].mean()) / float(q[0:17, 0].max() - q[0:17, 0].min())

    def eye_over_face(q):
        return float(q[42:48, 0].max() - q[42:48, 0].min()) / float(q[0:17, 0].max() - q[0:17, 0].min())

    def chin_over_eye(q):
        return float(q[8, 1] - q[36:48, 1].mean()) / float(q[42:48, 0].max() - q[42:48, 0].min())

    assert length_over_width(p) < length_over_width(long_face(p, 0.3)) < length_over_width(long_face(p, 0.6))
    assert eye_over_face(p) < eye_over_face(anime_eyes(p, 0.5)) < eye_over_face(anime_eyes(p, 1.0))
    assert chin_over_eye(p) > chin_over_eye(anime_eyes(p, 0.5)) > chin_over_eye(anime_eyes(p, 1.0))
    with pytest.raises(ValueError, match="mean shape"):
        deform(p, "caricature", 2.0)
    with pytest.raises(ValueError, match="family must be"):
        deform(p, "cubist", 1.0)


def test_caricature_moves_the_face_away_from_the_mean_in_proportion():
    mean, p = gs.photo_mean_shape(), data.landmarks("mona_lisa")
    base = shape_gap(mean, p)
    for factor in (1.5, 2.0):  # the deviation scales with the factor; the similarity fit makes it nearly linear
        assert shape_gap(mean, caricature(p, mean, factor)) == pytest.approx(factor * base, rel=0.15)


def test_levels_move_the_style_away_from_every_photograph_not_only_the_mean():
    # the levels are set against the photographs' mean shape; each single photograph sees them grow too
    styles = [gs.build("flare_male02", "long_face", level, size=128) for level in gs.LEVELS]
    for name in PHOTOS:
        gaps = [shape_gap(data.landmarks(name), s.landmarks) for s in styles]
        assert gaps == sorted(gaps), name


def test_a_built_style_is_a_face_in_its_frame_and_reproducible():
    style = gs.build("bronte_richmond", "anime_eyes", 0.14, size=128)
    assert face_problems(style.landmarks) == [] and ((style.landmarks > 0) & (style.landmarks < 127)).all()
    assert gs.build("bronte_richmond", "anime_eyes", 0.14, size=128).digest == style.digest


def test_unreachable_levels_say_why():
    already = shape_gap(gs.photo_mean_shape(), data.landmarks("mona_lisa"))  # about 0.09
    with pytest.raises(gs.Unreachable, match="already"):
        gs.build("mona_lisa", "long_face", already - 0.01, size=128)
    table = gs.benchmark_table(size=128, bases=("flare_male02",), families=("long_face", "caricature"))
    assert table.loc[table["family"] == "long_face", "built"].all()  # a smooth change reaches every level
    assert (table.loc[~table["built"], "reason"] != "").all()


def test_fastdsts_detectors_read_a_style_at_two_photographs_gap_and_lose_it_at_the_largest():
    d = style_detection(bases=("bronte_richmond",), families=("long_face",), levels=(0.08, 0.17))
    assert d["style"].tolist() == ["bronte_richmond~long_face~08", "bronte_richmond~long_face~17"]
    assert d["found"].tolist() == [True, False] and d["dlib"].tolist() == [True, False]


def test_detection_levels_give_each_detectors_share_with_an_interval_over_the_portraits():
    import pandas as pd

    d = pd.DataFrame({"style": list("abcd"), "base": list("abcd"), "family": "long_face", "level": 0.17,
                      "dlib": [True, False, False, False], "animeface": [False, True, False, False]})
    rates = detection_levels(d.assign(found=d["dlib"] | d["animeface"]))
    assert rates.loc[("dlib", "long_face", 0.17), "found"] == 0.25
    either = rates.loc[("either (FastDST can run)", "long_face", 0.17)]
    assert either["found"] == 0.5 and either["found_lo"] < 0.5 < either["found_hi"] and either["found_n"] == 4
    assert list(rates.index.get_level_values("name").unique()) == ["dlib", "AnimeFace", "either (FastDST can run)"]


def test_a_style_name_works_wherever_a_catalogue_name_does():
    from survey_lib.evaluation.pairs import Pair

    name = gs.style_name("flare_male02", "long_face", 0.14)
    assert name == "flare_male02~long_face~14"
    pair = Pair.resolve("obama", name, size=128)
    assert pair.labels == ("obama", name) and pair.file_landmarks("style", 128)[1] == "style: exact"
    built = gs.style(name)
    # the exact landmarks, carried to the working size with the pixel-centre convention of every resize
    assert torch.allclose(pair.landmarks("style"), (built.landmarks + 0.5) * 128 / gs.STYLE_SIZE - 0.5, atol=1e-4)
    assert shape_gap(pair.landmarks("content"), pair.landmarks("style")) > shape_gap(
        pair.landmarks("content"), data.landmarks("flare_male02", 128))  # farther from the photograph than its base
    assert pair.digest() != Pair.resolve("obama", gs.style_name("flare_male02", "long_face", 0.17), size=128).digest()


@pytest.mark.parametrize("name, error, says", [
    ("mona_lisa~cubist~14", ValueError, "names look like"),
    ("pere_tanguy~caricature~20", gs.Unreachable, "no longer a face"),
    ("nobody~long_face~14", data.UnknownImageError, "no image named 'nobody'"),
])
def test_a_bad_style_name_says_what_is_wrong_before_any_run(name, error, says):
    from survey_lib.evaluation.pairs import Pair

    with pytest.raises(error, match=says):
        Pair.resolve("obama", name)
