"""Style-transfer losses on feature maps and images.

Feature maps are ``(B, C, H, W)``; images are ``(B, 3, H, W)`` in ``[0, 1]``. Every loss returns a scalar
tensor (mean over the batch) and is differentiable in its first argument.

DST's STROTSS terms (Kolkin et al., CVPR 2019) work on ``(n, C)`` feature samples instead: relaxed earth mover's
distances (:func:`remd_from_similarity`, :func:`remd_from_sqdist`), :func:`strotss_style_loss`, the
:func:`self_similarity` content representation, and the warp regulariser :func:`flow_tv`.

Normalisation is explicit because VGG weight sources differ in activation scale (see :mod:`survey_lib.vgg`):

* :func:`gram_matrix` divides by ``C * H * W`` by default (``normalize="chw"``), or by ``H * W`` (``"hw"``),
  or not at all (``"none"``, Gatys et al.'s raw ``G = F F^T`` whose loss then carries ``1 / (4 N^2 M^2)``).
* ``relative=True`` on :func:`content_loss` / :func:`gram_style_loss` divides each squared error by the
  target's squared norm, so the loss is invariant to a global rescaling of the features and loss weights
  mean the same thing for every weight source.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["gram_matrix", "content_loss", "gram_style_loss", "mean_std", "mean_std_loss", "total_variation",
           "GramStyleLoss", "YUV", "remd_from_similarity", "remd_from_sqdist", "StrotssStyleStats",
           "strotss_style_loss", "self_similarity", "flow_tv"]

_EPS = 1e-8


def gram_matrix(feat: torch.Tensor, normalize: str = "chw") -> torch.Tensor:
    """Gram matrix of a feature map.

    Args:
        feat: ``(B, C, H, W)``.
        normalize: ``"chw"`` divides by ``C*H*W``; ``"hw"`` by ``H*W``; ``"none"`` leaves ``F F^T``.

    Returns:
        ``(B, C, C)`` with ``G[b, i, j] = sum_p F[b, i, p] F[b, j, p] / norm``.
    """
    if feat.ndim != 4:
        raise ValueError(f"gram_matrix expects (B, C, H, W), got {tuple(feat.shape)}")
    b, c, h, w = feat.shape
    f = feat.reshape(b, c, h * w)
    g = f @ f.transpose(1, 2)
    if normalize == "chw":
        return g / (c * h * w)
    if normalize == "hw":
        return g / (h * w)
    if normalize == "none":
        return g
    raise ValueError(f"normalize must be 'chw', 'hw' or 'none', got {normalize!r}")


def _sq_err(x: torch.Tensor, target: torch.Tensor, relative: bool) -> torch.Tensor:
    if x.shape != target.shape:
        raise ValueError(f"shape mismatch: input {tuple(x.shape)} vs target {tuple(target.shape)}")
    err = (x - target).pow(2).flatten(1).mean(1)
    if relative:
        err = err / (target.pow(2).flatten(1).mean(1) + _EPS)
    return err.mean()


def content_loss(feat: torch.Tensor, target: torch.Tensor, *, relative: bool = False) -> torch.Tensor:
    """Mean squared error between feature maps, ``mean((F - P)^2)`` (optionally ``/ mean(P^2)``)."""
    return _sq_err(feat, target.detach(), relative)


def gram_style_loss(feats: Mapping[str, torch.Tensor], target_grams: Mapping[str, torch.Tensor], *,
                    layer_weights: Mapping[str, float] | None = None, normalize: str = "chw",
                    relative: bool = False) -> torch.Tensor:
    """Gatys style loss: ``sum_l w_l * mean((G(F_l) - G_l)^2)`` over the layers of ``target_grams``.

    Args:
        feats: ``{layer: (B, C, H, W)}`` of the image being optimised.
        target_grams: ``{layer: (B or 1, C, C)}``, e.g. from :func:`gram_matrix` of the style features.
        layer_weights: per-layer weights; default 1 for every layer (sum, not mean, as in Gatys et al.).
        normalize: passed to :func:`gram_matrix`; must match how the targets were made.
        relative: divide each layer's error by ``mean(G_l^2)``.
    """
    total = None
    for name, target in target_grams.items():
        g = gram_matrix(feats[name], normalize)
        t = target.detach().expand_as(g)
        term = _sq_err(g, t, relative) * (1.0 if layer_weights is None else layer_weights[name])
        total = term if total is None else total + term
    if total is None:
        raise ValueError("target_grams is empty")
    return total


def mean_std(feat: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Channel-wise mean and standard deviation, each ``(B, C, 1, 1)`` (biased variance, ``+eps`` inside sqrt)."""
    if feat.ndim != 4:
        raise ValueError(f"mean_std expects (B, C, H, W), got {tuple(feat.shape)}")
    flat = feat.flatten(2)
    mean = flat.mean(-1)[..., None, None]
    std = (flat.var(-1, unbiased=False) + eps).sqrt()[..., None, None]
    return mean, std


def mean_std_loss(feat: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """AdaIN style loss for one layer: ``mse(mu(F), mu(T)) + mse(sigma(F), sigma(T))`` (Huang & Belongie 2017)."""
    m1, s1 = mean_std(feat)
    m2, s2 = mean_std(target.detach())
    return (m1 - m2).pow(2).mean() + (s1 - s2).pow(2).mean()


def total_variation(img: torch.Tensor, *, p: int = 2) -> torch.Tensor:
    """Total variation ``mean|dx|^p + mean|dy|^p`` of a ``(B, C, H, W)`` tensor (images or flow fields).

    ``p=2`` is the smooth squared form used as a regulariser in NST; ``p=1`` is anisotropic TV.
    """
    if img.ndim != 4:
        raise ValueError(f"total_variation expects (B, C, H, W), got {tuple(img.shape)}")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p}")
    dx = img[..., :, 1:] - img[..., :, :-1]
    dy = img[..., 1:, :] - img[..., :-1, :]
    if p == 1:
        return dx.abs().mean() + dy.abs().mean()
    return dx.pow(2).mean() + dy.pow(2).mean()


class GramStyleLoss(nn.Module):
    """:func:`gram_style_loss` with the style targets computed once.

    Args:
        style_feats: ``{layer: (1, C, H, W)}`` of the style image.
        layer_weights, normalize, relative: as in :func:`gram_style_loss`.
    """

    def __init__(self, style_feats: Mapping[str, torch.Tensor], *, layer_weights: Mapping[str, float] | None = None,
                 normalize: str = "chw", relative: bool = True):
        super().__init__()
        self.layers: Sequence[str] = tuple(style_feats)
        self.targets = {k: gram_matrix(v.detach(), normalize) for k, v in style_feats.items()}
        self.layer_weights = layer_weights
        self.normalize = normalize
        self.relative = relative

    def forward(self, feats: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return gram_style_loss(feats, self.targets, layer_weights=self.layer_weights, normalize=self.normalize,
                               relative=self.relative)


# ----------------------------------------------------------------------------------------------- STROTSS (DST's losses)
#: RGB -> YUV, the colour space of STROTSS's palette term (rows: Y, U, V; orthonormal)
YUV = torch.tensor([[0.57735, 0.57735, 0.57735], [-0.57735, 0.788675, -0.211325], [-0.57735, -0.211325, 0.788675]])


def remd_from_similarity(sim: torch.Tensor) -> torch.Tensor:
    """Relaxed EMD with cost ``1 - sim``: ``max(mean_i min_j C, mean_j min_i C)`` from row/column maxima of ``sim``
    (the same value and gradient, without materialising ``1 - sim``)."""
    return torch.maximum(1 - sim.max(1).values.mean(), 1 - sim.max(0).values.mean())


def remd_from_sqdist(d2: torch.Tensor) -> torch.Tensor:
    """Relaxed EMD with cost ``sqrt(clamp(d2, 1e-5, 1e5) / 3)``; the cost is monotonic in ``d2``, so the clamp and
    root are applied to the row/column minima only (same value and gradient)."""
    cost = lambda m: (m.clamp(1e-5, 1e5) / 3).sqrt().mean()  # noqa: E731
    return torch.maximum(cost(d2.min(1).values), cost(d2.min(0).values))


class StrotssStyleStats:
    """What :func:`strotss_style_loss` compares with, from ``(n, C)`` style feature samples (rows: samples, the first
    three columns RGB): unit-normalised samples, their mean and covariance, and their colours in YUV. Computed once per
    scale (the original recomputed them twice per step)."""

    def __init__(self, samples: torch.Tensor):
        self.unit = F.normalize(samples, dim=-1)
        self.mean = samples.mean(0)
        centred = samples - self.mean
        self.cov = centred.T @ centred / (len(samples) - 1)
        self.yuv = samples[:, :3] @ YUV.to(samples).T


def strotss_style_loss(x: torch.Tensor, st: StrotssStyleStats, alpha_s: float) -> torch.Tensor:
    """STROTSS's style loss (Kolkin et al., CVPR 2019) of ``(n, C)`` output feature samples ``x`` against ``st``: the
    relaxed EMD of cosine distances, the mean and covariance moments, and the relaxed EMD of colours in YUV weighted by
    ``1 / max(alpha_s, 1)``."""
    remd = remd_from_similarity(F.normalize(x, dim=-1) @ st.unit.T)
    mean = x.mean(0)
    centred = x - mean
    cov = centred.T @ centred / (len(x) - 1)
    moments = (mean - st.mean).abs().mean() + (cov - st.cov).abs().mean()
    yuv = x[:, :3] @ YUV.to(x).T
    d2 = torch.addmm(yuv.pow(2).sum(1, keepdim=True) + st.yuv.pow(2).sum(1)[None], yuv, st.yuv.T, alpha=-2)
    palette = remd_from_sqdist(d2)
    return remd + moments + palette / max(alpha_s, 1.0)


def self_similarity(x: torch.Tensor) -> torch.Tensor:
    """STROTSS's content representation of ``(n, C)`` feature samples: the ``(n, n)`` cosine distances, each column
    divided by its sum (the content loss compares these between output and content)."""
    d = 1 - (lambda u: u @ u.T)(F.normalize(x, dim=-1))
    return d / d.sum(0, keepdim=True).clamp_min(1e-8)


def flow_tv(flow: torch.Tensor) -> torch.Tensor:
    """DST's warp regulariser: the mean squared difference of a ``(H, W, 2)`` flow between neighbours in 4 directions
    (down, right and both diagonals), averaged over the directions."""
    dy = flow[1:] - flow[:-1]
    dx = flow[:, 1:] - flow[:, :-1]
    d1 = flow[1:, 1:] - flow[:-1, :-1]
    d2 = flow[1:, :-1] - flow[:-1, 1:]
    return 0.25 * sum(d.pow(2).mean() for d in (dy, dx, d1, d2))
