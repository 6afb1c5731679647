"""Which detectors find a face on which catalogue images (survey_lib.evaluation.detection)."""
import pandas as pd

from survey_lib import data
from survey_lib.evaluation.detection import catalogue_detection, detection_rates


def test_catalogue_detection_finds_every_photographed_face_and_none_in_a_texture():
    d = catalogue_detection(categories=("photo", "texture"), sizes=(256, 512), opencv=True)
    photos = [e.name for e in data.list_images(category="photo")]
    assert d["name"].tolist()[:len(photos)] == photos  # category by category, in the catalogue's order
    by = d.set_index("category")
    assert (by.loc["photo", "faces@256"] >= 1).all() and (by.loc["photo", "68 points"] == "yes").all()
    assert (by.loc["texture", ["faces@256", "faces@512", "animeface@256"]] == 0).all().all()
    assert (by.loc["photo", "landmark file"] == "dlib").all()
    assert list(d.columns) == ["name", "category", "faces@256", "faces@512", "68 points", "opencv@256",
                               "animeface@256", "landmark file"]


def test_detection_rates_count_images_with_a_face_per_category_in_the_order_asked():
    d = pd.DataFrame({"name": list("abcde"), "category": ["anime", "photo", "anime", "anime", "photo"],
                      "dlib": [0, 1, 2, 0, 1], "animeface": [1, 0, 1, 1, 0]})
    rates = detection_rates(d, ["dlib", "animeface"], categories=["photo", "painting", "anime"])
    assert rates.index.tolist() == ["photo", "anime"]  # no painting among the images: no row
    assert rates.loc["anime"].to_dict() == {"images": 3, "dlib_found": 1, "animeface_found": 3,
                                            "dlib_rate": 1 / 3, "animeface_rate": 1.0}
    assert rates.loc["photo", "dlib_rate"] == 1.0


def test_a_photographed_face_read_twice_gives_two_readings_that_agree():
    from survey_lib import viz
    from survey_lib.evaluation.detection import catalogue_readings

    readings = catalogue_readings(["obama", "astronaut"], size=256)
    assert readings.loc["obama", "dlib68"].shape == (68, 2) and readings.loc["obama", "five"].shape == (5, 2)
    assert (readings["reading_gap"] < 0.05).all(), readings["reading_gap"]  # photographs: both read well
    fig = viz.readings_grid({"obama": data.get("obama", 256)}, readings)
    assert fig.axes[0].get_title().startswith("obama\nreadings differ by 0.0")
    assert len(fig.axes[0].collections) == 3  # the 68 points, dlib's five, the second reading's five


def test_fastdst_starts_on_a_photographed_style_and_says_why_not_on_an_anime_face():
    from survey_lib.evaluation.detection import fastdst_starts

    starts = fastdst_starts("obama", ["biden", "sylvie_blue"], size=128).set_index("style")
    assert starts.loc["biden", "fastdst (dlib)"] == "starts" and starts.loc["biden", "why"] == ""
    assert starts.loc["sylvie_blue", "fastdst (dlib)"] == "NoFaceFound"
    assert "sylvie_blue" in starts.loc["sylvie_blue", "why"]  # the message names the file
