"""DST's image side: the Laplacian pyramid ``X`` is optimised as (:func:`laplacian_pyramid`, :func:`synthesize`), the
map from DST's [-1, 1] images to the extractor's [0, 1] (:func:`to_unit_range`) and STROTSS's hypercolumns, VGG
features and normalised RGB sampled at random positions (:func:`hypercolumns`). Images are ``(B, 3, H, W)``."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...vgg import IMAGENET_MEAN, IMAGENET_STD

__all__ = ["laplacian_pyramid", "synthesize", "to_unit_range", "hypercolumns", "IMAGENET_MEAN_RGB",
           "IMAGENET_STD_RGB"]

#: the RGB normalisation of DST's hypercolumns, ``(1, 3, 1, 1)``
IMAGENET_MEAN_RGB = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
IMAGENET_STD_RGB = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


def laplacian_pyramid(img: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """``levels`` band-pass images (finest first) and the low-pass residual: ``levels + 1`` tensors."""
    bands, cur = [], img
    for _ in range(levels):
        h, w = cur.shape[-2:]
        down = F.interpolate(cur, size=(max(1, h // 2), max(1, w // 2)), mode="bilinear", align_corners=False)
        bands.append(cur - F.interpolate(down, size=(h, w), mode="bilinear", align_corners=False))
        cur = down
    return bands + [cur]


def synthesize(pyr: list[torch.Tensor], start: int = 0) -> torch.Tensor:
    """Rebuild the image at the resolution of level ``start`` from levels ``start..end`` of a pyramid."""
    x = pyr[-1]
    for band in reversed(pyr[start:-1]):
        x = F.interpolate(x, size=band.shape[-2:], mode="bilinear", align_corners=False) + band
    return x


def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """DST's [-1, 1] images -> the extractor's [0, 1]."""
    return (x + 1) / 2


def hypercolumns(feats: dict[str, torch.Tensor], rgb: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """``(B, n, 2179)`` features at ``n`` positions ``pos`` (normalised to [-1, 1], ``(n, 2)`` x/y), bilinear."""
    grid = pos.view(1, 1, -1, 2).expand(rgb.shape[0], -1, -1, -1)
    cols = [F.grid_sample(rgb, grid, mode="bilinear", align_corners=False)]
    cols += [F.grid_sample(f, grid, mode="bilinear", align_corners=False) for f in feats.values()]
    return torch.cat(cols, 1)[:, :, 0].transpose(1, 2)
