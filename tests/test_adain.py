import zipfile

import pytest
import torch

from survey_lib import data, methods
from survey_lib.methods.adain import (PUBLISHED_DECODER_KEYS, PUBLISHED_VGG_KEYS, AdaINWeightsError, Decoder, adain,
                              evaluate_pair, fetch_published, load_project, load_published, preserve_colour,
                              resolve_decoder,
                              style_loss)
from survey_lib.losses import mean_std
from survey_lib.vgg import WeightsNotFoundError


def test_adain_matches_style_statistics_exactly():
    g = torch.Generator().manual_seed(0)
    c = torch.randn(2, 8, 5, 7, generator=g) * 3 + 1
    s = torch.randn(1, 8, 6, 4, generator=g) * 0.5 - 2
    out = adain(c, s, eps=0)
    m_o, s_o = mean_std(out, eps=0)
    m_s, s_s = mean_std(s, eps=0)
    assert torch.allclose(m_o, m_s.expand_as(m_o), atol=1e-5) and torch.allclose(s_o, s_s.expand_as(s_o), atol=1e-5)
    # the content's normalised layout is kept
    z = lambda x: (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), unbiased=False, keepdim=True)  # noqa: E731
    assert torch.allclose(z(out), z(c), atol=1e-4)


def test_decoder_shapes_and_published_layout():
    dec = Decoder()
    assert dec(torch.zeros(1, 512, 4, 5)).shape == (1, 3, 32, 40)
    convs = {k.split(".")[0]: tuple(v.shape[:2]) for k, v in dec.body.state_dict().items() if k.endswith("weight")}
    assert convs == PUBLISHED_DECODER_KEYS
    assert sum(p.numel() for p in dec.parameters()) == 3_505_219


def _published_vgg() -> torch.nn.Sequential:
    """vgg_normalised as the authors' nn.Sequential: 1x1 conv, then VGG19's 16 convs with reflection padding,
    ReLUs and ceil-mode pools, so its state dict has their keys 0, 2, 5, ..., 51."""
    mods = []
    plan = [(3, 3, 1), "pad", (64, 3, 3), "relu", "pad", (64, 64, 3), "relu", "pool"]
    for cin, cout, n in ((64, 128, 2), (128, 256, 4), (256, 512, 4), (512, 512, 4)):
        for j in range(n):
            plan += ["pad", (cout, cin if j == 0 else cout, 3), "relu"]
        plan.append("pool")
    for item in plan:
        if isinstance(item, tuple):
            mods.append(torch.nn.Conv2d(item[1], item[0], item[2]))
        else:
            mods.append({"pad": torch.nn.ReflectionPad2d(1), "relu": torch.nn.ReLU(),
                         "pool": torch.nn.MaxPool2d(2, 2, ceil_mode=True)}[item])
    return torch.nn.Sequential(*mods)


def _fake_published(tmp_path, break_key=None):
    """The two release files in exactly their formats: vgg_normalised.pth a legacy (non-zip) torch.save of the
    Sequential's state dict, decoder.pth zip-format."""
    vgg = _published_vgg().state_dict()
    dec = {k: v.clone() for k, v in Decoder().body.state_dict().items()}
    if break_key:
        dec[break_key] = torch.zeros(7, 7, 3, 3)
    torch.save(vgg, tmp_path / "vgg_normalised.pth", _use_new_zipfile_serialization=False)
    torch.save(dec, tmp_path / "decoder.pth")
    return tmp_path / "vgg_normalised.pth", tmp_path / "decoder.pth"


def test_published_layout_loads_and_runs(tmp_path):
    vgg, dec = _fake_published(tmp_path)
    assert not zipfile.is_zipfile(vgg) and zipfile.is_zipfile(dec)
    state = torch.load(vgg, weights_only=True)
    keys = sorted({int(k.split(".")[0]) for k in state})
    assert keys == [0, 2, 5, 9, 12, 16, 19, 22, 25, 29, 32, 35, 38, 42, 45, 48, 51] == sorted(PUBLISHED_VGG_KEYS)
    assert len(state) == 34 and sum(v.numel() for v in state.values()) == 20_024_396
    assert state["0.weight"].shape == (3, 3, 1, 1)
    assert len(torch.load(dec, weights_only=True)) == 18
    model = load_published(vgg, dec, device="cpu")
    assert model.source == "published"
    out = model.stylize(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64), size=64)
    assert out.shape == (1, 3, 64, 64)
    # the encoder is the file's network: its relu4_1 equals the Sequential's output after module 30
    x = torch.rand(1, 3, 32, 32)
    reference = _published_vgg()
    reference.load_state_dict(state)
    with torch.no_grad():
        assert torch.allclose(model.encode(x)["relu4_1"], reference[:31](x), atol=1e-5)


def test_truncated_or_corrupt_published_files_say_delete_and_download(tmp_path):
    vgg, dec = _fake_published(tmp_path)
    for path in (vgg, dec):
        good = path.read_bytes()
        path.write_bytes(good[: len(good) // 2])
        with pytest.raises(AdaINWeightsError, match=f"'{path}'.*truncated or corrupt; delete it and download it"):
            load_published(vgg, dec, device="cpu")
        path.write_bytes(good)


def test_fetch_published_downloads_once_only_when_allowed(tmp_path, monkeypatch):
    release = tmp_path / "release"
    release.mkdir()
    _fake_published(release)
    cache = tmp_path / "cache"
    monkeypatch.setenv("SURVEY_ADAIN_RELEASE_URL", release.as_uri())
    monkeypatch.setenv("SURVEY_CACHE_DIR", str(cache))
    monkeypatch.delenv("SURVEY_ALLOW_DOWNLOAD", raising=False)
    assert resolve_decoder("auto") == "project"
    with pytest.raises(WeightsNotFoundError, match="SURVEY_ALLOW_DOWNLOAD=1"):
        fetch_published()
    monkeypatch.setenv("SURVEY_ALLOW_DOWNLOAD", "1")
    assert resolve_decoder("auto") == "published"
    vgg, dec = fetch_published()
    assert vgg.read_bytes() == (release / "vgg_normalised.pth").read_bytes() and dec.parent == cache / "adain-published"
    for f in release.iterdir():  # a second call reads the cache
        f.unlink()
    monkeypatch.delenv("SURVEY_ALLOW_DOWNLOAD")
    assert fetch_published() == (vgg, dec) and resolve_decoder("auto") == "published"
    res = methods.run("adain", "astronaut", "starry_night", profile="smoke", decoder="auto")
    assert res.config["decoder"] == "published"


def test_wrong_published_files_fail_clearly(tmp_path):
    vgg, dec = _fake_published(tmp_path, break_key="5.weight")
    with pytest.raises(AdaINWeightsError, match="5.weight"):
        load_published(vgg, dec, device="cpu")
    with pytest.raises(WeightsNotFoundError, match="naoto0804"):
        load_published(tmp_path / "nope.pth", dec, device="cpu")
    torch.save({"foo": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(AdaINWeightsError, match="missing"):
        load_published(vgg, tmp_path / "bad.pth", device="cpu")


def test_shipped_decoder_transfers_style_on_a_held_out_pair():
    """Held out from training: astronaut (content) and mona_lisa (style)."""
    model = load_project(device="cpu")
    c, s = data.get("astronaut", 256), data.get("mona_lisa", 256)
    out = model.stylize(c, s, size=256)
    targets = model.encode(s, ("relu1_1", "relu2_1", "relu3_1", "relu4_1"))
    before = style_loss(model.encode(c, tuple(targets)), targets)
    after = style_loss(model.encode(out, tuple(targets)), targets)
    assert after < 0.8 * before, f"style loss {before:.3f} -> {after:.3f}"
    # an untrained decoder is far worse: the shipped weights carry what training learned
    untrained = Decoder().eval()
    model_untrained = type(model)(model.encoder, untrained, "untrained", model.device)
    worse = style_loss(model.encode(model_untrained.stylize(c, s, size=256), tuple(targets)), targets)
    assert worse > 2 * after
    # alpha = 0 decodes the content features: the output resembles the content more than alpha = 1 does
    recon = model.stylize(c, s, alpha=0.0, size=256)
    assert (recon - c).abs().mean() < (out - c).abs().mean()


def test_adain_method_and_options():
    res = methods.run("adain", "astronaut", "starry_night", profile="smoke", decoder="project")
    assert res.image.shape == (1, 3, 64, 64) and res.steps == 0 and res.config["decoder"] == "project"
    mix = load_project(device="cpu").stylize(data.path("astronaut"),
                                              [data.path("starry_night"), data.path("mona_lisa")], weights=[1, 3],
                                              size=64)
    assert mix.shape == (1, 3, 64, 64)
    with pytest.raises(ValueError, match="multiple of 8"):
        load_project(device="cpu").stylize(data.path("astronaut"), data.path("mona_lisa"), size=60)


def test_preserve_colour_matches_content_colour_stats():
    g = torch.Generator().manual_seed(1)
    style = torch.rand(1, 3, 20, 30, generator=g) * torch.tensor([1.0, 0.2, 0.2]).view(1, 3, 1, 1)
    content = torch.rand(1, 3, 25, 25, generator=g) * 0.5 + 0.25
    out = preserve_colour(style, content)
    assert torch.allclose(out.mean((2, 3)), content.mean((2, 3)), atol=0.03)


def test_paper_losses_vanish_when_style_and_content_are_the_same_image():
    """AdaIN(f_c, f_c) = f_c, so the unchanged content image scores ~0 on both terms; a different style does not."""
    model = load_project(device="cpu")
    same = evaluate_pair(model, data.path("astronaut"), data.path("astronaut"), size=64)
    assert same["content_identity"] < 1e-3 and same["style_identity"] < 1e-6
    other = evaluate_pair(model, data.path("astronaut"), data.path("starry_night"), size=64)
    assert other["content_identity"] > 1.0 and other["style_identity"] > 1.0


def test_optimised_decoding_solves_adains_objective_for_the_pair():
    """decoder="optimised" returns an image that lowers both of AdaIN's losses below the unchanged content's, and
    judged by evaluate_pair (an independent recomputation), not by its own history only."""
    res = methods.run("adain", "astronaut", "starry_night", profile="smoke", decoder="optimised", show_progress=False)
    assert res.label == "adain (optimised decoding)" and res.steps == 30 and res.config["decoder"] == "optimised"
    assert res.image.shape == (1, 3, 64, 64) and 0 <= res.image.min() and res.image.max() <= 1
    assert res.history["total"][-1] < 0.5 * res.history["total"][0]
    scores = evaluate_pair(load_project(device="cpu"), data.path("astronaut"), data.path("starry_night"), size=64,
                           output=res.image)
    assert scores["content_output"] < scores["content_identity"]
    assert scores["style_output"] < 0.5 * scores["style_identity"]


def test_optimised_decoding_takes_the_profiles_nst_budget_unless_told():
    adain_method = methods.get("adain")
    assert adain_method.config("smoke", decoder="optimised").steps == 30
    assert adain_method.config("paper", decoder="optimised").steps == 450
    assert adain_method.config("smoke", decoder="optimised", steps=5).steps == 5
