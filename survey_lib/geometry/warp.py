"""Thin-plate-spline (TPS) warps, differentiable in the control points, and deformation diagnostics.

Convention (the only one in this package): points are ``(x, y)`` pixel coordinates, ``x`` = column, ``y`` = row,
``(0, 0)`` = centre of the top-left pixel. :func:`warp_image` moves image content **from ``src`` to ``dst``**:
the pixel at ``src[i]`` of the input ends up at ``dst[i]`` of the output.

It is a *backward* warp: a TPS ``T`` is fitted with centres ``dst`` and values ``src``, evaluated at every
output pixel to get a sampling map, and the input is bilinearly sampled there (``grid_sample``). Nothing is
inverted and there are no holes.

TPS: ``f(x) = a0 + A x + sum_i w_i U(|x - c_i|)`` with ``U(r) = r^2 log r``, found from
``[[K + lambda I, P], [P^T, 0]] [W; a] = [V; 0]``. ``lambda = 0`` interpolates exactly; ``lambda > 0`` smooths
(in units of the normalised coordinates, see :func:`fit_tps`). Solved in float64.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["TPSError", "TPS", "fit_tps", "tps_kernel", "border_anchors", "sampling_map", "warp_image",
           "grid_sample_xy", "pixel_grid", "dedupe_pairs", "greedy_keep", "random_warp", "jacobian_determinant",
           "folded_fraction", "TPSWarp"]


class TPSError(ValueError):
    """The control points cannot define a TPS (mismatched counts, coincident or collinear points)."""


def tps_kernel(r2: torch.Tensor) -> torch.Tensor:
    """``U = r^2 log r = 0.5 r^2 log r^2`` from squared distances; ``U(0) = 0`` with a finite gradient."""
    return 0.5 * r2 * torch.log(r2.clamp_min(1e-30))


def _sqdist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared distances ``(N, M)``; differentiable at zero distance (unlike ``cdist``)."""
    return (a[:, None, :] - b[None, :, :]).pow(2).sum(-1)


@dataclass
class TPS:
    """A fitted 2-D thin-plate spline ``R^2 -> R^2``. Create with :func:`fit_tps`, evaluate by calling it."""

    centers: torch.Tensor   #: (N, 2) normalised centres
    weights: torch.Tensor   #: (N, 2) kernel weights
    affine: torch.Tensor    #: (3, 2) rows: constant, x, y
    shift: torch.Tensor     #: (2,) normalisation: u = (p - shift) / scale
    scale: torch.Tensor     #: ()

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        """Evaluate at ``(M, 2)`` points (pixels); returns ``(M, 2)`` in the units of the fitted values.

        Computed in the dtype of ``points`` (the fit itself is float64), so float32 dense grids stay fast.
        """
        dt = points.dtype
        shift, scale = self.shift.to(dt), self.scale.to(dt)
        u = (points - shift) / scale
        k = tps_kernel(_sqdist(u, self.centers.to(dt)))
        out = k @ self.weights.to(dt) + self.affine[0].to(dt) + u @ self.affine[1:].to(dt)
        return out * scale + shift


def fit_tps(centers: torch.Tensor, values: torch.Tensor, *, reg: float = 0.0, min_distance: float = 1e-3) -> TPS:
    """Fit a TPS with ``f(centers[i]) = values[i]`` (exactly when ``reg == 0``).

    Args:
        centers: ``(N, 2)`` control points in pixels, N >= 3, not all collinear.
        values: ``(N, 2)`` target positions in pixels. Gradients flow to both arguments.
        reg: ``lambda``, added to the kernel diagonal, in normalised units (coordinates are centred and divided
            by their largest extent, so ``reg`` means the same at every image size).
        min_distance: centres closer than this (pixels) are reported as coincident.

    Raises:
        TPSError: mismatched shapes, fewer than 3 points, coincident or collinear centres.
    """
    if centers.ndim != 2 or centers.shape[-1] != 2 or centers.shape != values.shape:
        raise TPSError(f"centers and values must both be (N, 2); got {tuple(centers.shape)} and {tuple(values.shape)}")
    n = centers.shape[0]
    if n < 3:
        raise TPSError(f"a TPS needs at least 3 control points, got {n}")
    c = centers.double()
    v = values.double()
    with torch.no_grad():
        d2 = _sqdist(c, c) + torch.eye(n, dtype=c.dtype, device=c.device) * 1e30
        i, j = divmod(int(d2.argmin()), n)
        if d2[i, j] < min_distance ** 2:
            raise TPSError(f"control points {min(i, j)} and {max(i, j)} coincide at "
                           f"({c[i, 0]:.2f}, {c[i, 1]:.2f}): a thin-plate spline needs distinct control points "
                           "(survey_lib.geometry.warp.dedupe_pairs drops repeated correspondences)")
    shift = c.detach().mean(0)
    scale = (c.detach() - shift).abs().max().clamp_min(1e-12)
    u = (c - shift) / scale
    p = torch.cat([torch.ones(n, 1, dtype=c.dtype, device=c.device), u], 1)
    if torch.linalg.matrix_rank(p.detach()) < 3:
        raise TPSError("the control points are collinear: a TPS needs at least 3 points not on one line")
    k = tps_kernel(_sqdist(u, u))
    if reg:
        k = k + reg * torch.eye(n, dtype=c.dtype, device=c.device)
    top = torch.cat([k, p], 1)
    bottom = torch.cat([p.T, torch.zeros(3, 3, dtype=c.dtype, device=c.device)], 1)
    rhs = torch.cat([(v - shift) / scale, torch.zeros(3, 2, dtype=c.dtype, device=c.device)], 0)
    sol = torch.linalg.solve(torch.cat([top, bottom], 0), rhs)
    return TPS(centers=u, weights=sol[:n], affine=sol[n:], shift=shift, scale=scale)


def dedupe_pairs(src: torch.Tensor, dst: torch.Tensor, min_distance: float = 1.0) -> torch.Tensor:
    """Keep-mask ``(K,)`` of point pairs whose source *and* destination are at least ``min_distance`` px from those
    of every earlier kept pair (first come, first kept). Landmarks often coincide (a closed mouth puts the
    inner-lip points 61/67, 62/66, 63/65 on top of each other), which would make a TPS singular."""
    close = ((src[:, None] - src[None]).norm(dim=-1) < min_distance) | \
            ((dst[:, None] - dst[None]).norm(dim=-1) < min_distance)
    return greedy_keep(close)


def greedy_keep(conflict: torch.Tensor) -> torch.Tensor:
    """Keep-mask ``(K,)`` from a ``(K, K)`` boolean conflict matrix: walking in order, each kept item removes every
    later item it conflicts with."""
    keep = torch.ones(len(conflict), dtype=torch.bool)
    for i in range(len(conflict)):
        if keep[i]:
            later = conflict[i].clone()
            later[: i + 1] = False
            keep &= ~later
    return keep


def border_anchors(height: int, width: int, per_side: int = 5, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """Fixed points on the image border (corners included), ``(4 * (per_side - 1), 2)`` (x, y) pixels.

    Pinning the frame with a few anchors per side keeps the warp local; DST used 80 per side, which only
    enlarges the linear system.
    """
    if per_side < 2:
        raise ValueError(f"per_side must be >= 2, got {per_side}")
    xs = torch.linspace(0, width - 1, per_side, dtype=dtype, device=device)
    ys = torch.linspace(0, height - 1, per_side, dtype=dtype, device=device)
    top = torch.stack([xs[:-1], torch.zeros_like(xs[:-1])], 1)
    right = torch.stack([torch.full_like(ys[:-1], width - 1), ys[:-1]], 1)
    bottom = torch.stack([xs.flip(0)[:-1], torch.full_like(xs[:-1], height - 1)], 1)
    left = torch.stack([torch.zeros_like(ys[:-1]), ys.flip(0)[:-1]], 1)
    return torch.cat([top, right, bottom, left], 0)


def pixel_grid(height: int, width: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """``(H, W, 2)`` (x, y) coordinates of every pixel centre."""
    ys, xs = torch.meshgrid(torch.arange(height, device=device, dtype=dtype),
                            torch.arange(width, device=device, dtype=dtype), indexing="ij")
    return torch.stack([xs, ys], -1)  # (H, W, 2) of (x, y)


def _with_anchors(src: torch.Tensor, dst: torch.Tensor, size: tuple[int, int], anchors: int | None):
    if src.shape != dst.shape or src.ndim != 2 or src.shape[-1] != 2:
        raise TPSError(f"src and dst must both be (K, 2); got {tuple(src.shape)} and {tuple(dst.shape)}")
    if anchors:
        a = border_anchors(*size, per_side=anchors, device=src.device, dtype=src.dtype)
        src, dst = torch.cat([src, a]), torch.cat([dst, a])
    return src, dst


def sampling_map(src: torch.Tensor, dst: torch.Tensor, size: tuple[int, int], *, anchors: int | None = 5,
                 reg: float = 0.0, grid_step: int = 1) -> torch.Tensor:
    """Backward map of the warp that moves ``src`` onto ``dst``: ``(H, W, 2)`` input positions (x, y) per output pixel.

    Args:
        src, dst: ``(K, 2)`` (x, y) pixels.
        size: ``(H, W)`` of the output.
        anchors: border anchors per side (see :func:`border_anchors`); ``None``/0 for none.
        reg: TPS smoothing (see :func:`fit_tps`).
        grid_step: evaluate the spline every ``grid_step`` pixels and upsample the displacement bilinearly
            (TPS is smooth, so 4 is sub-pixel accurate and much cheaper for large images).
    """
    h, w = size
    src_a, dst_a = _with_anchors(src, dst, size, anchors)
    tps = fit_tps(dst_a, src_a, reg=reg)
    dtype = src.dtype if src.dtype == torch.float64 else torch.float32
    if grid_step <= 1:
        grid = pixel_grid(h, w, device=src.device, dtype=dtype)
        return tps(grid.reshape(-1, 2)).reshape(h, w, 2)
    gh, gw = (h - 1) // grid_step + 2, (w - 1) // grid_step + 2
    coarse = pixel_grid(gh, gw, device=src.device, dtype=dtype) * grid_step
    disp = (tps(coarse.reshape(-1, 2)).reshape(gh, gw, 2) - coarse).permute(2, 0, 1)[None]
    fine = pixel_grid(h, w, device=src.device, dtype=dtype)
    norm = fine / torch.tensor([(gw - 1) * grid_step, (gh - 1) * grid_step], dtype=dtype, device=src.device) * 2 - 1
    disp = F.grid_sample(disp, norm[None], mode="bilinear", align_corners=True)[0].permute(1, 2, 0)
    return fine + disp


def grid_sample_xy(img: torch.Tensor, positions: torch.Tensor, *, padding: str = "border",
                   mode: str = "bilinear") -> torch.Tensor:
    """Sample ``img`` ``(B, C, H, W)`` at ``(H', W', 2)`` or ``(B, H', W', 2)`` pixel positions (x, y)."""
    h, w = img.shape[-2:]
    scale = torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], dtype=positions.dtype, device=positions.device)
    grid = positions * scale - 1
    if grid.ndim == 3:
        grid = grid[None].expand(img.shape[0], -1, -1, -1)
    return F.grid_sample(img, grid.to(img.dtype), mode=mode, padding_mode=padding, align_corners=True)


def warp_image(img: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, *, anchors: int | None = 5,
               reg: float = 0.0, padding: str = "border", grid_step: int = 1) -> torch.Tensor:
    """TPS-warp ``img`` ``(B, C, H, W)`` so that the content at ``src`` lands on ``dst`` (both ``(K, 2)`` (x, y) px).

    Differentiable with respect to ``img``, ``src`` and ``dst``. ``padding``: ``"border"``, ``"zeros"`` or
    ``"reflection"`` for samples outside the input.

    Raises:
        TPSError: mismatched point counts, coincident or collinear points (e.g. a point on a border anchor).
    """
    pos = sampling_map(src, dst, tuple(img.shape[-2:]), anchors=anchors, reg=reg, grid_step=grid_step)
    return grid_sample_xy(img, pos, padding=padding)


def random_warp(img: torch.Tensor, *, n_points: int = 6, magnitude: float = 10.0, anchors: int = 5,
                seed: int = 1) -> tuple[torch.Tensor, TPS]:
    """A smooth random TPS warp of ``img`` with its known inverse, for accuracy checks of matchers.

    ``n_points`` control points, 40 px inside the border, move by ``magnitude`` px (Gaussian, seeded).

    Returns:
        ``(warped, back)``: the warped image and the TPS mapping a pixel (x, y) of ``warped`` to the pixel of ``img``
        whose content it shows.
    """
    h, w = img.shape[-2:]
    g = torch.Generator().manual_seed(seed)
    src = 40 + (torch.tensor([w, h], dtype=torch.float32) - 80) * torch.rand(n_points, 2, generator=g)
    dst = src + magnitude * torch.randn(n_points, 2, generator=g)
    warped = grid_sample_xy(img, sampling_map(src, dst, (h, w), anchors=anchors))
    a = border_anchors(h, w, anchors)
    return warped, fit_tps(torch.cat([dst, a]), torch.cat([src, a]))


def jacobian_determinant(positions: torch.Tensor) -> torch.Tensor:
    """Determinant of the Jacobian of a ``(H, W, 2)`` map (central differences): 1 = area kept, <= 0 = folded."""
    dx_dx, dx_dy = torch.gradient(positions[..., 0], dim=(1, 0))
    dy_dx, dy_dy = torch.gradient(positions[..., 1], dim=(1, 0))
    return dx_dx * dy_dy - dx_dy * dy_dx


def folded_fraction(positions: torch.Tensor) -> float:
    """Fraction of pixels where the map folds over (Jacobian determinant <= 0)."""
    return float((jacobian_determinant(positions) <= 0).double().mean())


class TPSWarp(nn.Module):
    """Module form of :func:`warp_image` with fixed settings: ``TPSWarp(anchors=5)(img, src, dst)``."""

    def __init__(self, *, anchors: int | None = 5, reg: float = 0.0, padding: str = "border", grid_step: int = 1):
        super().__init__()
        self.anchors, self.reg, self.padding, self.grid_step = anchors, reg, padding, grid_step

    def forward(self, img: torch.Tensor, src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        return warp_image(img, src, dst, anchors=self.anchors, reg=self.reg, padding=self.padding,
                          grid_step=self.grid_step)
