"""Deformable Style Transfer (Kim, Kolkin, Salavon & Shakhnarovich, ECCV 2020).

Jointly optimises a stylised image ``X`` and displacements ``theta`` of the content keypoints ``P`` so that the
TPS-warped image ``W(X, theta)`` carries the style while its keypoints move toward the style's geometry:

    L = a_s Lc(X, I_c) + Ls(X, I_s) + Ls(W(X, theta), I_s) + beta L_warp + gamma TV(flow)

* ``L_warp = mean_i || p'_i - (p_i + theta_i) ||`` with ``p' = T^-1(q)``: the style keypoints ``q`` brought into
  the content frame by the similarity ``T`` that best maps ``P`` onto ``Q`` (Umeyama), clamped 5 px inside;
* ``TV`` = mean squared finite differences of the dense TPS flow in four directions;
* ``X`` is parameterised as a Laplacian pyramid (5 band-pass levels + residual) and optimised coarse to fine
  over ``scales`` image sizes (H/4, H/2, H for 3 scales) with one SGD optimiser (momentum 0.9); the content
  weight doubles per coarser scale (``a_s = alpha 2^(S-1-s)``).

Two loss families (``loss=``):

``"strotss"`` (default, as in DST)
    hypercolumns of 2048 random positions (VGG19 layers relu1_1, 1_2, 2_1, 2_2, 3_1, 3_2, 3_4, 4_4, 5_4 + RGB:
    2179 dims; DST used VGG16's relu*_1..3_3, 4_3, 5_3, also 2179 dims) against 5000 style samples per scale:
    ``Lc`` = self-similarity (cosine) difference, ``Ls`` = relaxed EMD (cosine) + moment matching (mean, covariance)
    + colour relaxed EMD in an orthonormal YUV space divided by ``max(a_s, 1)``. Defaults alpha/beta/gamma = 8/0.5/50,
    SGD lr 0.3 in [-1, 1] image units, 3 scales x 150 steps: the published settings.
``"gram"``
    Gatys losses (relative content MSE at conv4_2, relative Gram loss at relu1_1..relu5_1), so that NST vs DST
    isolates the effect of the geometric term. Adam.

Speed-ups that keep the objective: style statistics (normalised samples, mean, covariance, colours) are computed
once per scale; ``X`` and ``W(X)`` go through VGG as one batch that stops at the deepest layer needed; hypercolumns
are sampled on the device with ``grid_sample``; the TPS uses 16 border anchors instead of 324.

Points are ``(x, y)`` pixels of the ``size x size`` working images.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Callable, ClassVar

import torch
import torch.nn.functional as F

from ..geometry.landmarks import apply_transform, similarity_transform
from ..geometry.matchers import Correspondences
from ..geometry.warp import border_anchors, fit_tps, grid_sample_xy, pixel_grid
from ..images import ImageLike, load_image
from ..losses import (GramStyleLoss, StrotssStyleStats, content_loss, flow_tv, self_similarity,
                      strotss_style_loss)
from ..optim import optimise
from ..utils import Interrupted, Timer, keep_partial, seed_everything
from ..vgg import IMAGENET_MEAN, IMAGENET_STD, VGG19Features, resolve_device
from .base import KEYPOINT_SUBSETS, Method, Result, Timing, landmark_half, match, register

__all__ = ["DSTConfig", "DSTResult", "deformable_style_transfer", "warp_targets", "laplacian_pyramid",
           "synthesize", "warp_map", "HYPERCOLUMN_LAYERS", "LandmarkDSTConfig", "FastDSTConfig", "DSTFamily", "DST",
           "FastDST", "OneShotFoA"]

HYPERCOLUMN_LAYERS = ("relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_4", "relu4_4",
                      "relu5_4")
GRAM_STYLE = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
GRAM_CONTENT = ("conv4_2",)
_IMAGENET_MEAN = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)  # the RGB normalisation of DST's hypercolumns
_IMAGENET_STD = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


@dataclass
class DSTConfig:
    """Settings of :func:`deformable_style_transfer`; defaults are DST's published ones (survey: 256 px, 3 x 150)."""

    size: int = 256
    scales: int = 3
    steps_per_scale: int = 150
    loss: str = "strotss"            #: "strotss" or "gram"
    content_weight: float = 8.0      #: alpha
    warp_weight: float | None = None  #: beta; default 0.5 (strotss) / 20 (gram, whose style term is ~20x larger)
    reg_weight: float = 50.0         #: gamma
    style_weight: float = 10.0       #: only for loss="gram" (as NST)
    optimizer: str | None = None     #: "sgd" (momentum 0.9) or "adam"; default sgd for strotss, adam for gram
    lr: float | None = None          #: default 0.3 (sgd, [-1, 1] units) / 0.01 (adam)
    theta_lr: float | None = None    #: lr of theta; default = theta_lr_scale x (lr (sgd) / 0.5 px (adam))
    #: multiplies the default ``theta_lr``: schedules shorter than the published 450 steps raise it so the keypoints
    #: travel about as far (by less than 450 / steps, which diverges with momentum); ignored when theta_lr is given
    theta_lr_scale: float = 1.0
    n_samples: int = 2048            #: output/content positions per step
    n_style_samples: int = 5000      #: style positions per scale
    pyramid_levels: int = 5
    anchors_per_side: int = 5        #: border anchors (DST: 81 per side)
    margin: float = 5.0              #: targets are clamped this many px inside the image
    #: every this many steps, keep the keypoint displacements in ``history`` (``theta_steps`` and ``theta``, the
    #: ``(K, 2)`` snapshots flattened one after another) to trace the warp over the run; 0: never
    record_every: int = 0
    seed: int = 0

    def __post_init__(self):
        if self.loss not in ("strotss", "gram"):
            raise ValueError(f"loss must be 'strotss' or 'gram', got {self.loss!r}")
        # the fields left to their loss-dependent default; replace() derives them again
        self._derived = frozenset(f for f in _DERIVED if getattr(self, f) is None)
        if self.optimizer is None:
            self.optimizer = "sgd" if self.loss == "strotss" else "adam"
        if self.warp_weight is None:
            self.warp_weight = 0.5 if self.loss == "strotss" else 20.0
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if self.lr is None:
            self.lr = 0.3 if self.optimizer == "sgd" else 0.01
        if self.theta_lr is None:
            self.theta_lr = (self.lr if self.optimizer == "sgd" else 0.5) * self.theta_lr_scale
        if self.record_every < 0:
            raise ValueError(f"record_every must be >= 0 (0: never), got {self.record_every}")
        if self.scales < 1 or self.steps_per_scale < 1:
            raise ValueError(f"scales and steps_per_scale must be >= 1; got {self.scales} and {self.steps_per_scale}")
        min_side = 32 * 2 ** (self.scales - 1)
        if self.size < min_side:
            raise ValueError(f"size {self.size} is too small for {self.scales} scales: VGG needs >= 32 px at the "
                             f"coarsest scale, i.e. size >= {min_side}; lower `scales` or raise `size`")


    def replace(self, **overrides) -> "DSTConfig":
        """A copy with ``overrides``; settings that were left to their default are derived again, so
        ``replace(loss="gram")`` gets Adam, lr 0.01 and warp weight 20, as ``DSTConfig(loss="gram")`` does."""
        unknown = set(overrides) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown DST setting(s) {', '.join(sorted(unknown))}; see DSTConfig")
        kept = {k: v for k, v in asdict(self).items() if k not in self._derived}
        return type(self)(**{**kept, **overrides})


_DERIVED = ("optimizer", "warp_weight", "lr", "theta_lr")


@dataclass
class DSTResult:
    """Output of :func:`deformable_style_transfer`.

    Attributes:
        image: the deliverable ``W(X, theta)``, ``(1, 3, size, size)`` in [0, 1] (CPU).
        unwarped: ``X`` before the warp.
        src: ``(K, 2)`` content keypoints P; ``targets``: ``(K, 2)`` aligned style keypoints P';
            ``theta``: ``(K, 2)`` optimised displacements (``src + theta`` is where the content points went).
        sampling_map: ``(size, size, 2)`` backward map of the final warp (for diagnostics).
        history: per-step loss terms; ``seconds``: optimisation time; ``steps``: total steps.
    """

    image: torch.Tensor
    unwarped: torch.Tensor
    src: torch.Tensor
    targets: torch.Tensor
    theta: torch.Tensor
    sampling_map: torch.Tensor
    history: dict[str, list[float]]
    seconds: float
    steps: int
    config: dict = field(default_factory=dict)

    @property
    def moved(self) -> torch.Tensor:
        return self.src + self.theta


# ----------------------------------------------------------------------------------------------- helpers
def warp_targets(src: torch.Tensor, dst: torch.Tensor, size: int, margin: float = 5.0) -> torch.Tensor:
    """DST's targets ``P' = T^-1(Q)``: style points in the content frame after removing the best similarity
    ``T`` (P -> Q), clamped to ``[margin, size - 1 - margin]``."""
    t = similarity_transform(src, dst)
    return apply_transform(torch.linalg.inv(t), dst.double()).float().clamp(margin, size - 1 - margin)


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


def _tps_map(src: torch.Tensor, moved: torch.Tensor, size: tuple[int, int], anchors: torch.Tensor,
             grid: torch.Tensor) -> torch.Tensor:
    """Backward map ``(H, W, 2)`` that carries content at ``src`` to ``moved`` (differentiable in ``moved``).

    A keypoint on the very spot of an earlier one or of a border anchor (momentum can push keypoints into an image
    corner, where the clamp stacks them on each other and on the corner's anchor) is left out of this map: a spline
    cannot send one point to two places."""
    m = moved.detach()
    keep = ~(torch.cdist(m, m) < 1e-3).triu(1).any(0)  # fit_tps's own threshold for coincident centres
    keep &= ~(torch.cdist(m, anchors) < 1e-3).any(1)
    tps = fit_tps(torch.cat([moved[keep], anchors]), torch.cat([src[keep], anchors]))
    return tps(grid.reshape(-1, 2)).reshape(*size, 2)


# ----------------------------------------------------------------------------------------------- STROTSS terms
def _hypercolumns(feats: dict[str, torch.Tensor], rgb: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """``(B, n, 2179)`` features at ``n`` positions ``pos`` (normalised to [-1, 1], ``(n, 2)`` x/y), bilinear."""
    grid = pos.view(1, 1, -1, 2).expand(rgb.shape[0], -1, -1, -1)
    cols = [F.grid_sample(rgb, grid, mode="bilinear", align_corners=False)]
    cols += [F.grid_sample(f, grid, mode="bilinear", align_corners=False) for f in feats.values()]
    return torch.cat(cols, 1)[:, :, 0].transpose(1, 2)


# ----------------------------------------------------------------------------------------------- main
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
    scale: list[_Scale] = []
    shown: list[torch.Tensor] = []

    def update(step: int) -> dict[str, torch.Tensor]:
        if step % cfg.steps_per_scale == 0:  # a new scale: its images, features and style statistics, once
            scale[:] = [_Scale.start(step // cfg.steps_per_scale, cfg, pyr, c_img, s_img, src, anchors_full,
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


def _vgg_in(x: torch.Tensor) -> torch.Tensor:
    """DST's [-1, 1] images -> the extractor's [0, 1]."""
    return (x + 1) / 2


@dataclass
class _Scale:
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
    def start(cls, s: int, cfg: DSTConfig, pyr, c_img, s_img, src, anchors_full, extractor, layers, gen) -> "_Scale":
        level = cfg.scales - 1 - s
        h = w = synthesize([p.detach() for p in pyr], level).shape[-1]
        size = cfg.size
        c_s = F.interpolate(c_img, size=(h, w), mode="bilinear", align_corners=False)
        s_s = F.interpolate(s_img, size=(h, w), mode="bilinear", align_corners=False)
        out = cls(cfg, level, (h, w), w / size, cfg.content_weight * 2 ** level, pixel_grid(h, w, device=c_img.device),
                  anchors_full * (w - 1) / (size - 1), src * (w / size), {})
        dev = c_img.device
        with torch.no_grad():
            out.c_feats = extractor(_vgg_in(c_s), layers)
            s_feats = extractor(_vgg_in(s_s), layers)
            if cfg.loss == "strotss":
                out.c_rgb = (_vgg_in(c_s) - _IMAGENET_MEAN.to(dev)) / _IMAGENET_STD.to(dev)
                s_rgb = (_vgg_in(s_s) - _IMAGENET_MEAN.to(dev)) / _IMAGENET_STD.to(dev)
                s_pos = torch.rand(cfg.n_style_samples, 2, generator=gen).to(dev) * 2 - 1
                out.style_stats = StrotssStyleStats(_hypercolumns(s_feats, s_rgb, s_pos)[0])
            else:
                out.gram_loss = GramStyleLoss({k: s_feats[k] for k in GRAM_STYLE}, relative=True)
        return out

    def losses(self, pyr, src, theta, targets, extractor, layers, gen) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The unwarped image at this scale and DST's loss terms (``total`` and its parts) for the current pyramid
        and keypoints."""
        cfg, dev = self.cfg, src.device
        x_u = synthesize(pyr, self.level)
        pos_map = _tps_map(self.src, (src + theta) * self.factor, self.shape, self.anchors, self.grid)
        x_w = grid_sample_xy(x_u, pos_map)
        batch = _vgg_in(torch.cat([x_u, x_w]))
        feats = extractor(batch, layers)
        if self.style_stats is not None:
            rgb = (batch - _IMAGENET_MEAN.to(dev)) / _IMAGENET_STD.to(dev)
            pos = torch.rand(cfg.n_samples, 2, generator=gen).to(dev) * 2 - 1
            cols = _hypercolumns(feats, rgb, pos)
            c_cols = _hypercolumns(self.c_feats, self.c_rgb, pos)[0]
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


def warp_map(src: torch.Tensor, theta: torch.Tensor, size: int, anchors_per_side: int = 5) -> torch.Tensor:
    """DST's warp at the working size: the backward sampling map ``(size, size, 2)`` (x, y) of the thin-plate spline
    that carries the keypoints ``src`` ``(K, 2)`` to ``src + theta``, pinned by the border anchors. Rebuilds the warp
    of any recorded step (``history["theta"]``, see :attr:`DSTConfig.record_every`)."""
    with torch.no_grad():
        anchors = border_anchors(size, size, anchors_per_side, device=src.device)
        return _tps_map(src, src + theta, (size, size), anchors, pixel_grid(size, size, device=src.device))


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
        pos_map = _tps_map(src, src + theta, (size, size), anchors, pixel_grid(size, size, device=src.device))
        out = grid_sample_xy(x_full, pos_map)
    to01 = lambda x: ((x.clamp(-1, 1) + 1) / 2).cpu()  # noqa: E731
    return DSTResult(image=to01(out), unwarped=to01(x_full.detach()), src=src.cpu(), targets=targets.cpu(),
                     theta=theta.detach().cpu(), sampling_map=pos_map.cpu(), history=history,
                     seconds=seconds, steps=steps, config=asdict(cfg))


# ----------------------------------------------------------------------------------------------- the method
@dataclass
class LandmarkDSTConfig(DSTConfig):
    """:class:`~survey_lib.methods.dst.DSTConfig` for the landmark methods, plus ``keypoints``: ``"all"`` 68 landmarks
    are the optimiser's keypoints, or only the ``"even"`` / ``"odd"`` indices (0-based, dlib's order), so that the other
    half can score the applied warp on points it never targeted
    (:func:`survey_lib.evaluation.metrics.held_out_landmarks`)."""

    keypoints: str = "all"

    def __post_init__(self):
        super().__post_init__()
        if self.keypoints not in KEYPOINT_SUBSETS:
            raise ValueError(f"keypoints must be one of {', '.join(KEYPOINT_SUBSETS)}; got {self.keypoints!r}")


@dataclass
class FastDSTConfig(LandmarkDSTConfig):
    """:class:`LandmarkDSTConfig` plus the detector FastDST uses on the style image: ``"auto"`` (dlib
    where it finds a face, else AnimeFace), ``"dlib"`` or ``"animeface"``."""

    style_detector: str = "auto"

    def __post_init__(self):
        from ..geometry.matchers import STYLE_DETECTORS

        super().__post_init__()
        if self.style_detector not in STYLE_DETECTORS:
            raise ValueError(f"style_detector must be one of {', '.join(STYLE_DETECTORS)}; got {self.style_detector!r}")


class DSTFamily(Method):
    """DST's optimiser (:func:`survey_lib.methods.dst.deformable_style_transfer`) with one kind of correspondences."""

    config_class, family, steps_field = DSTConfig, "dst", "steps_per_scale"
    knob = ("warp_weight", DSTConfig().warp_weight)
    matcher: ClassVar[str]

    def __call__(self, pair, config, *, device="auto", show_progress=True) -> Result:

        corr = self.keypoints(match(pair, self.matcher, device=device,
                                    style_detector=getattr(config, "style_detector", "auto")), config)
        label = self.name + (" (AnimeFace)" if corr.style_detector == "animeface" else "")
        with keep_partial(lambda res: Result(
                self.name, res.image, corr, warp=res.sampling_map, targets=res.targets, moved=res.moved,
                history=res.history, timing=Timing(corr.seconds, res.seconds), steps=res.steps, config=res.config,
                label=label, intermediates={"unwarped": res.unwarped, "theta": res.theta})) as done:
            done(deformable_style_transfer(pair.content, pair.style, corr.src, corr.dst, config, device=device,
                                           show_progress=show_progress))
        return done.result

    def keypoints(self, corr: Correspondences, config) -> Correspondences:
        """The correspondences the optimiser moves: all of them, or the ``config.keypoints`` half of the 68 landmarks
        (:func:`~survey_lib.methods.base.landmark_half`)."""
        return landmark_half(corr, getattr(config, "keypoints", "all"), self.name)


class DST(DSTFamily):
    """Deformable Style Transfer with Neural Best Buddies correspondences."""

    name, matcher = "dst", "nbb"


class FastDST(DSTFamily):
    """DST with dlib's 68 landmarks on both images (AnimeFace's parts on an anime style)."""

    name, matcher, config_class = "fastdst", "fastdst", FastDSTConfig


class OneShotFoA(DSTFamily):
    """One-shot Face-of-Art: DST's optimiser on landmark files (dlib where there are none)."""

    name, matcher, takes_landmarks, config_class = "oneshot_foa", "landmarks", True, LandmarkDSTConfig


register(DST())
register(FastDST())
register(OneShotFoA())
