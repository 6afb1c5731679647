"""DST's optimisation: :func:`deformable_style_transfer` runs one optimiser over the image pyramid and the keypoint
offsets through the coarse-to-fine :class:`Scale` schedule, and renders the output through the final warp."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ...geometry.warp import border_anchors, grid_sample_xy, pixel_grid
from ...images import ImageLike, load_image
from ...losses import (GramStyleLoss, StrotssStyleStats, content_loss, flow_tv, self_similarity,
                       strotss_style_loss)
from ...optim import optimise
from ...utils import Interrupted, Timer, seed_everything
from ...vgg import VGG19Features, resolve_device
from .config import DSTConfig, DSTResult
from .keypoints import tps_map, warp_targets
from .pyramid import IMAGENET_MEAN_RGB, IMAGENET_STD_RGB, hypercolumns, laplacian_pyramid, synthesize, to_unit_range

__all__ = ["deformable_style_transfer", "Scale", "HYPERCOLUMN_LAYERS", "GRAM_STYLE", "GRAM_CONTENT"]

HYPERCOLUMN_LAYERS = ("relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_4", "relu4_4",
                      "relu5_4")
GRAM_STYLE = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
GRAM_CONTENT = ("conv4_2",)


def deformable_style_transfer(content: ImageLike, style: ImageLike, src: torch.Tensor, dst: torch.Tensor,
                              config: DSTConfig | None = None, *, extractor: VGG19Features | None = None,
                              device="auto", show_progress: bool = True,
                              callback: Callable[[int, torch.Tensor], None] | None = None, **overrides) -> DSTResult:
    """Run DST.

    Args:
        content, style: images (resized to ``config.size`` squared, centre crop).
        src: ``(K, 2)`` content keypoints; dst: ``(K, 2)`` matching style keypoints, both (x, y) pixels of the
            ``size x size`` images (scale them with :func:`survey_lib.images.resize_points` first).
        config: settings; keyword ``overrides`` replace single fields.

    Raises:
        ValueError: mismatched or too few points (at least 2 pairs are needed for the similarity alignment).
    """
    cfg = config or DSTConfig()
    if overrides:
        cfg = cfg.replace(**overrides)
    _check_points(src, dst)
    layers = HYPERCOLUMN_LAYERS if cfg.loss == "strotss" else tuple(dict.fromkeys(GRAM_STYLE + GRAM_CONTENT))
    extractor = extractor if extractor is not None else VGG19Features(layers, device=resolve_device(device))
    dev, size = extractor.device, cfg.size
    gen = seed_everything(cfg.seed)
    c_img = load_image(content, size, device=dev) * 2 - 1   # DST works in [-1, 1]
    s_img = load_image(style, size, device=dev) * 2 - 1
    src = src.float().to(dev)
    targets = warp_targets(src.cpu(), dst.float().cpu(), size, cfg.margin).to(dev)
    anchors_full = border_anchors(size, size, cfg.anchors_per_side, device=dev)
    pyr = [t.detach().clone().requires_grad_(True) for t in laplacian_pyramid(c_img, cfg.pyramid_levels)]
    theta = (1e-4 * torch.rand(src.shape, generator=gen)).to(dev).requires_grad_(True)
    opt = _optimiser(cfg, pyr, theta)
    history = _empty_history(cfg)
    scale: list[Scale] = []
    shown: list[torch.Tensor] = []

    def update(step: int) -> dict[str, torch.Tensor]:
        if step % cfg.steps_per_scale == 0:  # a new scale: its images, features and style statistics, once
            scale[:] = [Scale.start(step // cfg.steps_per_scale, cfg, pyr, c_img, s_img, src, anchors_full,
                                     extractor, layers, gen)]
        opt.zero_grad(set_to_none=True)
        x_u, terms = scale[0].losses(pyr, src, theta, targets, extractor, layers, gen)
        terms["total"].backward()
        opt.step()
        with torch.no_grad():  # keep the moved keypoints inside the image and 1 px off the border, where the
            theta.copy_((src + theta).clamp(1, size - 2) - src)  # fixed anchors sit (no coincidence)
        shown[:] = [x_u]
        return terms

    def after_step(step: int) -> None:
        if cfg.record_every and (step + 1) % cfg.record_every == 0:
            history["theta_steps"].append(step + 1)
            history["theta"].extend(theta.detach().cpu().flatten().tolist())
        if callback is not None:
            callback(step, shown[0].detach())

    run = optimise(update, cfg.scales * cfg.steps_per_scale, history=history, name="DST", desc=f"DST ({cfg.loss})",
                   device=dev, show_progress=show_progress, after_step=after_step)
    return _finish(run, pyr, src, theta.detach(), targets, anchors_full, history, cfg)


def _check_points(src: torch.Tensor, dst: torch.Tensor) -> None:
    if src.shape != dst.shape or src.ndim != 2 or src.shape[-1] != 2:
        raise ValueError(f"src and dst must both be (K, 2) with the same K; got {tuple(src.shape)} and "
                         f"{tuple(dst.shape)}")
    if len(src) < 2:
        raise ValueError(f"DST needs at least 2 point pairs, got {len(src)}")


def _optimiser(cfg: DSTConfig, pyr: list[torch.Tensor], theta: torch.Tensor) -> torch.optim.Optimizer:
    """One optimiser over the image pyramid (``cfg.lr``) and the keypoint offsets (``cfg.theta_lr``)."""
    groups = [{"params": pyr}, {"params": [theta], "lr": cfg.theta_lr}]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=0.9)
    return torch.optim.Adam(groups, lr=cfg.lr)


def _empty_history(cfg: DSTConfig) -> dict[str, list[float]]:
    """Each loss term per step; with ``cfg.record_every`` the recorded steps and keypoint offsets too."""
    history: dict[str, list[float]] = {k: [] for k in ("total", "content", "style", "style_warped", "warp", "tv")}
    if cfg.record_every:
        history.update(theta_steps=[], theta=[])
    return history


@dataclass
class Scale:
    """One scale of DST's coarse-to-fine schedule: the working size, the content's and style's features and the
    style's statistics there, and how the scale's losses are computed."""

    cfg: DSTConfig
    level: int
    shape: tuple[int, int]
    factor: float
    alpha_s: float
    grid: torch.Tensor
    anchors: torch.Tensor
    src: torch.Tensor
    c_feats: dict
    c_rgb: torch.Tensor | None = None
    style_stats: StrotssStyleStats | None = None
    gram_loss: GramStyleLoss | None = None

    @classmethod
    def start(cls, s: int, cfg: DSTConfig, pyr, c_img, s_img, src, anchors_full, extractor, layers, gen) -> "Scale":
        level = cfg.scales - 1 - s
        h = w = synthesize([p.detach() for p in pyr], level).shape[-1]
        size = cfg.size
        c_s = F.interpolate(c_img, size=(h, w), mode="bilinear", align_corners=False)
        s_s = F.interpolate(s_img, size=(h, w), mode="bilinear", align_corners=False)
        out = cls(cfg, level, (h, w), w / size, cfg.content_weight * 2 ** level, pixel_grid(h, w, device=c_img.device),
                  anchors_full * (w - 1) / (size - 1), src * (w / size), {})
        dev = c_img.device
        with torch.no_grad():
            out.c_feats = extractor(to_unit_range(c_s), layers)
            s_feats = extractor(to_unit_range(s_s), layers)
            if cfg.loss == "strotss":
                out.c_rgb = (to_unit_range(c_s) - IMAGENET_MEAN_RGB.to(dev)) / IMAGENET_STD_RGB.to(dev)
                s_rgb = (to_unit_range(s_s) - IMAGENET_MEAN_RGB.to(dev)) / IMAGENET_STD_RGB.to(dev)
                s_pos = torch.rand(cfg.n_style_samples, 2, generator=gen).to(dev) * 2 - 1
                out.style_stats = StrotssStyleStats(hypercolumns(s_feats, s_rgb, s_pos)[0])
            else:
                out.gram_loss = GramStyleLoss({k: s_feats[k] for k in GRAM_STYLE}, relative=True)
        return out

    def losses(self, pyr, src, theta, targets, extractor, layers, gen) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The unwarped image at this scale and DST's loss terms (``total`` and its parts) for the current pyramid
        and keypoints."""
        cfg, dev = self.cfg, src.device
        x_u = synthesize(pyr, self.level)
        pos_map = tps_map(self.src, (src + theta) * self.factor, self.shape, self.anchors, self.grid)
        x_w = grid_sample_xy(x_u, pos_map)
        batch = to_unit_range(torch.cat([x_u, x_w]))
        feats = extractor(batch, layers)
        if self.style_stats is not None:
            rgb = (batch - IMAGENET_MEAN_RGB.to(dev)) / IMAGENET_STD_RGB.to(dev)
            pos = torch.rand(cfg.n_samples, 2, generator=gen).to(dev) * 2 - 1
            cols = hypercolumns(feats, rgb, pos)
            c_cols = hypercolumns(self.c_feats, self.c_rgb, pos)[0]
            l_content = self.alpha_s * (self_similarity(cols[0]) - self_similarity(c_cols)).abs().sum() / len(pos)
            l_style = strotss_style_loss(cols[0], self.style_stats, self.alpha_s)
            l_style_w = strotss_style_loss(cols[1], self.style_stats, self.alpha_s)
        else:
            l_content = cfg.content_weight * content_loss(feats["conv4_2"][:1], self.c_feats["conv4_2"], relative=True)
            l_style = cfg.style_weight * self.gram_loss({k: v[:1] for k, v in feats.items()})
            l_style_w = cfg.style_weight * self.gram_loss({k: v[1:] for k, v in feats.items()})
        l_warp = (targets - (src + theta)).norm(dim=1).mean()
        l_tv = flow_tv(pos_map - self.grid)
        total = l_content + l_style + l_style_w + cfg.warp_weight * l_warp + cfg.reg_weight * l_tv
        return x_u, {"total": total, "content": l_content, "style": l_style, "style_warped": l_style_w,
                     "warp": l_warp, "tv": l_tv}


def _finish(run, pyr, src, theta, targets, anchors, history, cfg: DSTConfig) -> DSTResult:
    """The result of the optimisation ``run`` (:func:`survey_lib.optim.optimise`), its output rendered at full size
    through the final warp (timed with the run); an interrupted run raises :class:`~survey_lib.utils.Interrupted`
    with the steps that finished, the image and warp as they stand."""
    with Timer(src.device) as t_final:
        result = _dst_result(pyr, src, theta, targets, anchors, cfg.size, history, 0.0, run.steps, cfg)
    result.seconds = run.seconds + t_final.seconds
    if run.interrupted:
        raise Interrupted(result)
    return result


def _dst_result(pyr, src, theta, targets, anchors, size, history, seconds, steps, cfg) -> DSTResult:
    """The full-size output of the current pyramid and keypoints: ``W(X, theta)``, ``X``, the map and the rest."""
    with torch.no_grad():
        x_full = synthesize(pyr, 0)
        pos_map = tps_map(src, src + theta, (size, size), anchors, pixel_grid(size, size, device=src.device))
        out = grid_sample_xy(x_full, pos_map)
    to01 = lambda x: ((x.clamp(-1, 1) + 1) / 2).cpu()  # noqa: E731
    return DSTResult(image=to01(out), unwarped=to01(x_full.detach()), src=src.cpu(), targets=targets.cpu(),
                     theta=theta.detach().cpu(), sampling_map=pos_map.cpu(), history=history,
                     seconds=seconds, steps=steps, config=asdict(cfg))
