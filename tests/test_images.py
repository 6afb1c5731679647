import numpy as np
import pytest
import torch
from PIL import Image

from survey_lib.images import ImageError, center_crop, load_image, resize, save_image, to_numpy, to_tensor


def test_load_png_roundtrip(tmp_path):
    arr = (np.arange(40 * 50 * 3) % 256).astype(np.uint8).reshape(40, 50, 3)
    Image.fromarray(arr).save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.shape == (1, 3, 40, 50) and img.dtype == torch.float32
    assert np.array_equal(to_numpy(img), arr)
    save_image(img, tmp_path / "sub" / "b.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "sub" / "b.png")), arr)


def test_grayscale_becomes_rgb(tmp_path):
    Image.fromarray(np.full((40, 40), 100, np.uint8), mode="L").save(tmp_path / "g.png")
    img = load_image(tmp_path / "g.png")
    assert img.shape == (1, 3, 40, 40)
    assert torch.allclose(img, torch.full_like(img, 100 / 255))


def test_rgba_composited_on_white(tmp_path):
    arr = np.zeros((40, 40, 4), np.uint8)
    arr[..., 0] = 255          # red
    arr[:20, :, 3] = 255       # top half opaque, bottom half transparent
    Image.fromarray(arr, mode="RGBA").save(tmp_path / "t.png")
    img = load_image(tmp_path / "t.png")
    assert torch.allclose(img[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.allclose(img[0, :, 39, 0], torch.ones(3))


def test_array_and_tensor_inputs():
    arr = np.random.default_rng(0).random((33, 35)).astype(np.float32)
    a = to_tensor(arr)
    assert a.shape == (1, 3, 33, 35) and torch.allclose(a[0, 0], torch.from_numpy(arr))
    assert torch.equal(to_tensor(a), a)
    assert torch.equal(to_tensor(a[0]), a)


@pytest.mark.parametrize("bad, match", [
    ("missing.png", "no such file"),
    ("not_an_image.png", "not a readable image"),
])
def test_bad_files_name_the_file(tmp_path, bad, match):
    (tmp_path / "not_an_image.png").write_text("hello")
    with pytest.raises(ImageError, match=match) as err:
        load_image(tmp_path / bad)
    assert bad in str(err.value)


def test_too_small_and_bad_arrays(tmp_path):
    Image.fromarray(np.zeros((10, 80, 3), np.uint8)).save(tmp_path / "tiny.png")
    with pytest.raises(ImageError, match="tiny.png.*smaller than"):
        load_image(tmp_path / "tiny.png")
    with pytest.raises(ImageError, match="shape"):
        to_tensor(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(ImageError, match=r"\[0, 1\]"):
        to_tensor(np.full((40, 40, 3), 2.0, np.float32))
    with pytest.raises(ImageError, match="downloading is off"):
        load_image("https://example.org/face.png")


def test_resize_modes():
    img = torch.rand(1, 3, 60, 120)
    assert resize(img, 32).shape == (1, 3, 32, 32)
    assert resize(img, (20, 30), fit="stretch").shape == (1, 3, 20, 30)
    assert resize(img, 64, fit="long_edge").shape == (1, 3, 32, 64)
    crop = center_crop(img)
    assert crop.shape == (1, 3, 60, 60) and torch.equal(crop, img[..., 30:90])
    with pytest.raises(ValueError, match="fit"):
        resize(img, 32, fit="squash")


def test_to_numpy_is_c_contiguous():
    """dlib reads the raw buffer; a strided array silently gives garbage detections."""
    arr = to_numpy(torch.rand(1, 3, 20, 30))
    assert arr.flags["C_CONTIGUOUS"] and arr.shape == (20, 30, 3)


def test_progress_written_to_a_file_is_whole_lines(monkeypatch, capsys):
    import sys

    from survey_lib import utils

    monkeypatch.delenv("SURVEY_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(utils, "PLAIN_EVERY_S", 0.0)  # a line per step
    assert list(utils.progress(range(3), desc="steps")) == [0, 1, 2]
    err = capsys.readouterr().err  # captured: not a terminal
    assert "\r" not in err and err.splitlines()[0].startswith("steps: 1/3 (33 %)")
    assert err.splitlines()[-1].startswith("steps: 3/3 (100 %)") and len(err.splitlines()) == 3
    monkeypatch.setenv("SURVEY_PROGRESS", "0")
    list(utils.progress(range(3), desc="steps"))
    assert capsys.readouterr().err == ""
