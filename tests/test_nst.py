import pytest
import torch

from survey_lib import data, methods
from survey_lib.methods.nst import NSTConfig, stylize


def test_nst_lowers_style_loss_by_large_factor(vgg):
    res = stylize(data.path("astronaut"), data.path("starry_night"), NSTConfig(size=64, steps=30), extractor=vgg,
                  show_progress=False)
    style = res.history["style"]
    assert style[-1] < style[0] / 10, f"style loss {style[0]:.3g} -> {style[-1]:.3g}"
    assert res.image.shape == (1, 3, 64, 64) and 0 <= res.image.min() and res.image.max() <= 1
    # the content's layout survives: the coarse luminance of the output correlates with the content, not the style
    def coarse(img):
        return torch.nn.functional.adaptive_avg_pool2d(img.mean(1), 16).flatten()

    out = coarse(res.image)
    r_content = torch.corrcoef(torch.stack([out, coarse(data.get("astronaut", 64))]))[0, 1]
    r_style = torch.corrcoef(torch.stack([out, coarse(data.get("starry_night", 64))]))[0, 1]
    assert r_content > 0.6 and r_content > r_style + 0.3, (r_content, r_style)


def test_nst_adam_and_noise_init(vgg):
    res = stylize(data.path("astronaut"), data.path("starry_night"), NSTConfig(size=64, steps=40, optimizer="adam",
                  init="noise", lr=0.05), extractor=vgg, show_progress=False)
    assert res.history["total"][-1] < 0.5 * res.history["total"][0]


def test_nst_is_deterministic_for_a_seed(vgg):
    kw = dict(size=48, steps=5, init="noise", seed=3)
    a = stylize(data.path("astronaut"), data.path("starry_night"), NSTConfig(**kw), extractor=vgg, show_progress=False)
    b = stylize(data.path("astronaut"), data.path("starry_night"), NSTConfig(**kw), extractor=vgg, show_progress=False)
    c = stylize(data.path("astronaut"), data.path("starry_night"), NSTConfig(**{**kw, "seed": 4}), extractor=vgg,
                show_progress=False)
    assert torch.equal(a.image, b.image) and not torch.equal(a.image, c.image)


def test_methods_run_uniform_result():
    res = methods.run("nst", "astronaut", "starry_night", profile="smoke", steps=3, show_progress=False)
    assert res.method == "nst" and res.profile == "smoke" and res.steps == 3
    assert res.image.shape == (1, 3, 64, 64)
    assert set(res.timing) == {"matching_s", "optimisation_s", "total_s"} and res.timing["optimisation_s"] > 0
    assert len(res.history["style"]) == 3


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="unknown method 'dts'"):
        methods.run("dts", "astronaut", "starry_night")
    with pytest.raises(ValueError, match="unknown profile"):
        methods.run("nst", "astronaut", "starry_night", profile="fast")
    with pytest.raises(ValueError, match="optimizer"):
        NSTConfig(optimizer="sgd")
    with pytest.raises(KeyError, match="no image named 'astronot'"):
        methods.run("nst", "astronot", "starry_night", profile="smoke")
