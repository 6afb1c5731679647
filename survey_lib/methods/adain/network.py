"""AdaIN's networks and losses: the AdaIN operation, the decoder that mirrors VGG19 up to relu4_1, the published
encoder's layout, :class:`AdaINModel` (encoder + decoder, one stylising pass), colour preservation, and the
paper's objective terms. Images are ``(B, 3, H, W)`` RGB in [0, 1]; feature maps ``(B, C, H, W)``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn as nn

from ...images import ImageLike, load_image
from ...losses import mean_std, mean_std_loss

__all__ = ["adain", "Decoder", "PublishedEncoder", "AdaINModel", "preserve_colour", "style_loss", "paper_losses",
           "STYLE_LAYERS", "PUBLISHED_DECODER_KEYS", "PUBLISHED_VGG_KEYS"]

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")

# decoder: (in, out) channels of each conv, "up" = nearest x2 upsampling; Sequential indices match decoder.pth
_DECODER_PLAN = [(512, 256), "up", (256, 256), (256, 256), (256, 256), (256, 128), "up", (128, 128), (128, 64), "up",
                 (64, 64), (64, 3)]
#: key -> shape of the published decoder.pth
PUBLISHED_DECODER_KEYS = {"1": (256, 512), "5": (256, 256), "8": (256, 256), "11": (256, 256), "14": (128, 256),
                          "18": (128, 128), "21": (64, 128), "25": (64, 64), "28": (3, 64)}
#: index -> (out, in, kernel) of every conv in the published vgg_normalised.pth (34 tensors, 20,024,396 parameters);
#: the encoder uses those up to relu4_1 (index 29)
PUBLISHED_VGG_KEYS = {0: (3, 3, 1), 2: (64, 3, 3), 5: (64, 64, 3), 9: (128, 64, 3), 12: (128, 128, 3),
                      16: (256, 128, 3), 19: (256, 256, 3), 22: (256, 256, 3), 25: (256, 256, 3), 29: (512, 256, 3),
                      **{i: (512, 512, 3) for i in (32, 35, 38, 42, 45, 48, 51)}}
PUBLISHED_ENCODER_CONVS = {i: v for i, v in PUBLISHED_VGG_KEYS.items() if i <= 29}


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


class PublishedEncoder(nn.Module):
    """vgg_normalised up to relu4_1: 1x1 preprocessing conv, reflection padding, ceil-mode max pools."""

    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        mods: list[nn.Module] = []
        for idx in range(31):
            if idx in PUBLISHED_ENCODER_CONVS:
                cout, cin, k = PUBLISHED_ENCODER_CONVS[idx]
                conv = nn.Conv2d(cin, cout, k)
                conv.weight.data.copy_(state[f"{idx}.weight"])
                conv.bias.data.copy_(state[f"{idx}.bias"])
                mods.append(conv)
            elif idx - 1 in PUBLISHED_ENCODER_CONVS and idx - 1 != 0:
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


def paper_losses(out_feats: dict[str, torch.Tensor], target: torch.Tensor, style_feats: dict[str, torch.Tensor]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """The AdaIN paper's objective terms, with this package's encoder (activations in torchvision's range).

    Args:
        out_feats: encoder features of the output at relu1_1..relu4_1, each ``(B, C, H, W)``.
        target: the AdaIN target ``t = AdaIN(f_c, f_s)`` at relu4_1.
        style_feats: encoder features of the style image(s) at the same layers.

    Returns:
        ``(content, style)``: ``MSE(relu4_1(out), t)`` and the sum over layers of ``MSE(mu) + MSE(sigma)``.
    """
    content = (out_feats["relu4_1"] - target.detach()).pow(2).mean()
    style = sum(mean_std_loss(out_feats[name], style_feats[name]) for name in STYLE_LAYERS)
    return content, style


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
