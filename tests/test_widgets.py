"""The explorer without a browser: uploads, the profile's size, errors as one line, live preview and Run button."""
import io

from PIL import Image

from survey_lib import data
from survey_lib.widgets import ExplorerWidgets, MethodExplorer


def _sizes(view):
    return [Image.open(io.BytesIO(png)).size for _, png in view.panels()]


def test_an_uploaded_photo_is_chosen_and_stylised_at_the_profile_size(tmp_path):
    view = MethodExplorer(profile="smoke", upload_dir=tmp_path)
    path = view.upload("me.png", data.path("obama").read_bytes(), "content")
    assert view.contents[0] == path == str(tmp_path / "me.png") and view.choice["content"] == path
    assert view.run(method="ghiasi") is not None and view.error == ""
    assert _sizes(view) == [(64, 64)] * 3 and view.result.label.startswith("ghiasi")
    assert "identity" in view.caption()


def test_a_face_no_detector_finds_is_one_line_not_a_traceback():
    view = MethodExplorer(["astronaut"], ["eileen_sprite"], profile="smoke")
    assert view.run(method="fastdst") is None and view.result is None
    assert "eileen_sprite" in view.error and "oneshot_foa" in view.error and "\n" not in view.error
    assert view.caption() == view.error


def test_live_methods_run_on_a_change_and_the_others_wait_for_run(monkeypatch):
    monkeypatch.delenv("SURVEY_HEADLESS", raising=False)
    view = MethodExplorer(["astronaut"], ["mona_lisa"], ["nst"], profile="smoke")
    box = ExplorerWidgets(view)
    assert view.result is not None and view.result.method == "foa_fast"  # the live preview ran when shown
    box.method.value = "nst"
    assert view.result.method == "foa_fast" and "press Run" in box.status.value  # nothing computed yet
    box.button.click()
    assert view.result.method == "nst" and box.status.value.startswith("nst")
    assert [Image.open(io.BytesIO(i.value)).size for i in box.images] == [(64, 64)] * 3


def test_the_quality_choice_reruns_the_live_preview_at_that_profile_s_size(monkeypatch):
    monkeypatch.delenv("SURVEY_HEADLESS", raising=False)
    view = MethodExplorer(["obama"], ["bronte_richmond"], profile="smoke")
    box = ExplorerWidgets(view)
    assert view.result.image.shape[-1] == 64
    box.quality.value = "default"
    assert view.profile.name == "default" and view.result.image.shape[-1] == 256
    assert [Image.open(io.BytesIO(i.value)).size for i in box.images] == [(256, 256)] * 3
    assert box.images[2].layout.width == "256px"
